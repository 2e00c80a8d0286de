// Descriptor of the ports view plugin.
#include <sstop/plugin.hpp>

#include "ports_view.hpp"

namespace {
const sstop_option_v1 kOptions[] = {
    {"services_file", SSTOP_OPTION_STRING, "/etc/services", 0, 0,
     "where the SVC column's service names come from (read once at start); \"\" = none"},
};
}  // namespace

SSTOP_REGISTER_VIEW_READING(sstop::plugins::ports::PortsView, "ports", "1.0.0",
                            "listening sockets and the processes that own them",
                            sstop::option_list(kOptions), 0)
