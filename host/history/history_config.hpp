#pragma once
// Settings of the history store (`history:` in the config). A plain struct: the config room
// fills it, the history room uses it.

#include <chrono>
#include <string>

namespace sstop::host::history {

struct HistoryConfig {
    /// `history.enabled`: record traffic to the store (reports and the History tab read it).
    bool enabled = true;
    /// `history.path`: the database; empty = the default (see default_history_path).
    std::string path;
    /// `history.service`: the default path is the system one, /var/lib/sstop/history.db.
    bool service = false;
    /// `history.retention`: how long hour buckets are kept before they become day buckets.
    std::chrono::seconds retention = std::chrono::hours(24 * 90);
    /// `history.flush_interval`: how often the recorded minutes are written (at most this
    /// much is lost to a SIGKILL).
    std::chrono::milliseconds flush_interval = std::chrono::minutes(1);
};

}  // namespace sstop::host::history
