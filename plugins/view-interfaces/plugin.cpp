// Descriptor of the interfaces view plugin.
#include <sstop/plugin.hpp>

#include "interfaces_view.hpp"

SSTOP_REGISTER_VIEW_READING(sstop::plugins::interfaces::InterfacesView, "interfaces", "1.0.0",
                            "rates and totals per network interface", sstop::OptionList{}, 0)
