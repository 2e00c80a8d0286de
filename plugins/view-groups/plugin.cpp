// Descriptor of the groups view plugin.
#include <sstop/plugin.hpp>

#include "groups_view.hpp"

SSTOP_REGISTER_VIEW_READING(sstop::plugins::groups::GroupsView, "groups", "1.0.0",
                            "traffic per container and per systemd service", sstop::OptionList{},
                            SSTOP_CONSUMES_SELECTED_SOCKETS)
