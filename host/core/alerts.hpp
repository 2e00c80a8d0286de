#pragma once
// Alerts: rules on the filter language (`alerts:` in the config), evaluated per process on
// every snapshot, active once their condition has held for `for:`. No I/O here: the actions
// that need it (exec, the bell) are run by the app and the TUI from what this reports.
//
// Active alerts travel inside the snapshot as process labels, so views and exporters (which
// see only the SDK's Snapshot, whose layout is pinned) know them too:
//   {"alert", NAME}                  one per active alert of the process
//   {"alert_since:" NAME, UNIX_NS}   when that alert became active, unix nanoseconds
//   {"highlight", NAME}              the alert's rule has the `highlight` action

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <sstop/filter.hpp>
#include <sstop/model.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sstop::core {

inline constexpr std::string_view kAlertLabel = "alert";
inline constexpr std::string_view kAlertSinceLabelPrefix = "alert_since:";
inline constexpr std::string_view kHighlightLabel = "highlight";

/// One `alerts:` entry.
struct AlertRule {
    std::string name;                  ///< unique among the rules
    std::string when;                  ///< the filter expression as written
    Filter filter;                     ///< `when`, parsed
    std::chrono::nanoseconds hold{0};  ///< `for:`: how long `when` must hold before it fires
    bool highlight = false;            ///< `highlight`: the TUI highlights the process's row
    bool bell = false;                 ///< `bell`: the TUI rings the terminal bell on firing
    std::vector<std::string> exec;     ///< `exec:` argv (path first), empty = none
};

/// An alert active on one process.
struct ActiveAlert {
    std::string name;
    ProcessId id;
    std::string process;        ///< the process's name
    std::int64_t since_ns = 0;  ///< unix time it became active
};

/// Evaluates the rules. Not thread-safe: the collector thread owns it.
class AlertEngine {
  public:
    explicit AlertEngine(std::vector<AlertRule> rules);

    /// Evaluates every rule on every process of `snap`, at the snapshot's own time
    /// (`unix_time_ns`, so replays keep their timing). Returns `snap` itself when no alert is
    /// active, else a copy whose processes carry the alert labels. Alerts that became active
    /// now are appended to `fired` (with their rule's index in `rules()`).
    std::shared_ptr<const Snapshot> apply(std::shared_ptr<const Snapshot> snap,
                                          std::vector<std::pair<std::size_t, ActiveAlert>>* fired);

    const std::vector<AlertRule>& rules() const { return rules_; }
    /// Active now, in rule order then pid.
    const std::vector<ActiveAlert>& active() const { return active_; }

  private:
    struct State {
        std::int64_t holds_since_ns = 0;   // first snapshot of the current run of matches
        std::int64_t active_since_ns = 0;  // 0 = not active yet
        std::uint64_t seen_seq = 0;
    };
    std::vector<AlertRule> rules_;
    std::map<std::pair<std::size_t, ProcessId>, State> states_;
    std::vector<ActiveAlert> active_;
    std::uint64_t evaluations_ = 0;
};

/// The active alerts a snapshot's process labels describe (what `apply` put there), in
/// process order: for `--json` and the TUI.
std::vector<ActiveAlert> alerts_of(const Snapshot& snapshot);

}  // namespace sstop::core
