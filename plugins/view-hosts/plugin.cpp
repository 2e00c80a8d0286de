// Descriptor of the hosts view plugin.
#include <sstop/plugin.hpp>

#include "hosts_view.hpp"

SSTOP_REGISTER_VIEW_READING(sstop::plugins::hosts::HostsView, "hosts", "1.0.0",
                            "traffic per remote host across all processes", sstop::OptionList{},
                            SSTOP_CONSUMES_SELECTED_SOCKETS)
