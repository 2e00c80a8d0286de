// Descriptor of the processes view plugin.
#include <sstop/plugin.hpp>

#include "processes_view.hpp"

namespace {
const sstop_option_v1 kOptions[] = {
    {"services_file", SSTOP_OPTION_STRING, "/etc/services", 0, 0,
     "where the detail page's service names come from (read once at start); \"\" = none"},
};
}  // namespace

SSTOP_REGISTER_VIEW_READING(sstop::plugins::processes::ProcessesView, "processes", "1.0.0",
                            "per-process table with sparklines, bars and a connection detail page",
                            sstop::option_list(kOptions), SSTOP_CONSUMES_SELECTED_SOCKETS)
