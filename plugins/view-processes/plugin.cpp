// Descriptor of the processes view plugin.
#include <sstop/plugin.hpp>

#include "processes_view.hpp"

SSTOP_REGISTER_VIEW(sstop::plugins::processes::ProcessesView, "processes", "1.0.0",
                    "per-process table with sparklines, bars and a connection detail page",
                    sstop::OptionList{})
