// Descriptor of the ports view plugin.
#include <sstop/plugin.hpp>

#include "ports_view.hpp"

SSTOP_REGISTER_VIEW(sstop::plugins::ports::PortsView, "ports", "1.0.0",
                    "listening sockets and the processes that own them", sstop::OptionList{})
