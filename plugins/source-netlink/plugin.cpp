// Descriptor and option schema of the netlink source; the work is in netlink_source.cpp.
#include <sstop/plugin.hpp>

#include "netlink_source.hpp"

namespace {
const sstop_option_v1 kOptions[] = {
    {"proc_root", SSTOP_OPTION_STRING, "/proc", 0, 0,
     "where procfs is mounted (socket owners are found under <proc_root>/<pid>/fd)"},
    {"destroy_events", SSTOP_OPTION_BOOL, "true", 0, 0,
     "listen to sock_diag destroy notifications so connections that close between ticks "
     "still count"},
    {"rcvbuf", SSTOP_OPTION_INT, "4194304", 65536, 268435456,
     "receive buffer of the destroy-notification socket, bytes (doubled on overflow)"},
    {"trace_connects", SSTOP_OPTION_BOOL, "true", 0, 0,
     "trace connect() through a private tracefs instance (needs CAP_SYS_ADMIN) so TCP "
     "connections that open and close between ticks are credited to their process"},
    {"namespaces", SSTOP_OPTION_CHOICE, "auto|own|all", 0, 0,
     "network namespaces to dump: own (the one sstop runs in), all (every namespace with a "
     "process, entered at start with CAP_SYS_ADMIN), or auto (all when sstop runs in the "
     "initial namespace, else own)"},
};
}  // namespace

SSTOP_REGISTER_SOURCE(sstop::plugins::netlink::NetlinkSource, "netlink", "1.0.0",
                      "TCP/UDP sockets with exact TCP byte counters (sock_diag), interfaces "
                      "(rtnetlink)",
                      sstop::option_list(kOptions))
