// Descriptor of the procnet source plugin.
#include <sstop/plugin.hpp>

#include "procnet_source.hpp"

using sstop::plugins::procnet::ProcnetSource;

namespace {
const sstop_option_v1 kOptions[] = {
    {"proc_root", SSTOP_OPTION_STRING, "/proc", 0, 0,
     "where procfs is mounted (interface states come from <proc_root>/../sys)"},
};
}  // namespace

SSTOP_REGISTER_SOURCE(ProcnetSource, "procnet", "1.0.0",
                      "sockets, owners and interfaces from /proc/net (no byte counters)",
                      sstop::option_list(kOptions))
