// Descriptor of the darwin (macOS) source plugin.
#include <sstop/plugin.hpp>

#include "darwin_source.hpp"

using sstop::plugins::darwin::DarwinSource;

namespace {
const sstop_option_v1 kOptions[] = {
    {"netstat", SSTOP_OPTION_STRING, "/usr/sbin/netstat", 0, 0,
     "absolute path of netstat, run as `netstat -anvb` and `netstat -ibn` each collection"},
    {"lsof", SSTOP_OPTION_STRING, "/usr/sbin/lsof", 0, 0,
     "absolute path of lsof, run as `lsof -n -P -i -F pcftPn` when netstat shows a socket "
     "without its owner; empty = never"},
    {"timeout", SSTOP_OPTION_DURATION, "2s", 0.1, 10,
     "how long one netstat run may take before it is killed"},
};
}  // namespace

SSTOP_REGISTER_SOURCE(DarwinSource, "darwin", "1.0.0",
                      "macOS sockets with byte counters and owners, interfaces (netstat)",
                      sstop::option_list(kOptions))
