// Descriptor of the procnet source plugin.
#include <sstop/plugin.hpp>

#include "procnet_source.hpp"

using sstop::plugins::procnet::ProcnetSource;

namespace {
const sstop_option_v1 kOptions[] = {
    {"proc_root", SSTOP_OPTION_STRING, "/proc", 0, 0,
     "where procfs is mounted (interface states come from <proc_root>/../sys)"},
    {"namespaces", SSTOP_OPTION_CHOICE, "auto|own|all", 0, 0,
     "network namespaces to read: own (the one sstop runs in), all (every namespace with a "
     "process, through /proc/<pid>/net; no capability needed, new ones included), or auto "
     "(all when sstop runs in the initial namespace, else own)"},
};
}  // namespace

SSTOP_REGISTER_SOURCE(ProcnetSource, "procnet", "1.0.0",
                      "sockets, owners and interfaces from /proc/net (no byte counters)",
                      sstop::option_list(kOptions))
