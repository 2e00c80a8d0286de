// Descriptor of the history view plugin.
#include <sstop/plugin.hpp>

#include "history_view.hpp"

namespace {
const sstop_option_v1 kOptions[] = {
    {"path", SSTOP_OPTION_STRING, "", 0, 0,
     "the history store to read; empty: $XDG_STATE_HOME/sstop/history.db (else "
     "~/.local/state/...), or /var/lib/sstop/history.db when that is the only one"},
};
}  // namespace

SSTOP_REGISTER_VIEW_READING(sstop::plugins::history_view::HistoryView, "history", "1.0.0",
                            "bytes per program today, over 7 and 30 days, from the history store",
                            sstop::option_list(kOptions), 0)
