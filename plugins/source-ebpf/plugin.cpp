// Descriptor and option schema of the ebpf source; the work is in ebpf_source.cpp and
// bpf/sstop.bpf.c.
#include <sstop/plugin.hpp>

#include "ebpf_source.hpp"

namespace {
const sstop_option_v1 kOptions[] = {
    {"proc_root", SSTOP_OPTION_STRING, "/proc", 0, 0,
     "where procfs is mounted (owners of accepted sockets and of sockets older than sstop)"},
    {"cgroup_root", SSTOP_OPTION_STRING, "", 0, 0,
     "the cgroup v2 hierarchy to attach to; empty: the first cgroup2 mount in /proc/mounts "
     "(/sys/fs/cgroup or /sys/fs/cgroup/unified)"},
    {"max_sockets", SSTOP_OPTION_INT, "65536", 1024, 4194304,
     "socket records the kernel holds (152 bytes of kernel memory each, taken at load); beyond "
     "it new sockets are not seen (counted as ebpf.map_full, and said once)"},
    {"ring_kib", SSTOP_OPTION_INT, "512", 16, 65536,
     "size of the ring buffer of changed and closed sockets, KiB, rounded up to a power of "
     "two (24 bytes a changed socket); an overflow makes one update read every socket"},
    {"hooks", SSTOP_OPTION_CHOICE, "auto|syscalls|packets", 0, 0,
     "where bytes are counted: syscalls (tracepoints of sock_sendmsg and sock_recvmsg, Linux "
     "6.3+; nothing runs per packet), packets (cgroup_skb on every packet), or auto (syscalls "
     "where the kernel has them, else packets)"},
    {"namespaces", SSTOP_OPTION_CHOICE, "auto|own|all", 0, 0,
     "network namespaces shown: own, all, or auto (all in the initial namespace, else own; "
     "as netlink's)"},
};
}  // namespace

SSTOP_REGISTER_SOURCE(
    sstop::plugins::ebpf::EbpfSource, "ebpf", "1.0.0",
    "every inet socket of every cgroup and namespace through BPF programs on "
    "the cgroup v2 root and socket tracepoints: exact bytes of every protocol, owners taken at "
    "creation, only changed sockets read each update",
    sstop::option_list(kOptions))
