#pragma once
// The `exec:` action of alerts: runs the rule's command without a shell when the alert fires,
// with SSTOP_ALERT_* in its environment. Rate-limited per rule, never waits for the command
// (children are reaped without blocking on later calls), and a failure is logged once per
// rule. Collector thread only.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/alerts.hpp"

namespace sstop::host {

class AlertActions {
  public:
    /// `log` gets one line per rule whose command failed (first failure only).
    using LogFn = std::function<void(const std::string&)>;
    /// A rule's command runs at most once per `min_gap`, and at most `max_running` of a rule
    /// run at once; what is over either limit is skipped (and counted).
    AlertActions(const std::vector<core::AlertRule>* rules, LogFn log,
                 std::chrono::steady_clock::duration min_gap = std::chrono::seconds(10),
                 std::size_t max_running = 4);
    ~AlertActions();
    AlertActions(const AlertActions&) = delete;
    AlertActions& operator=(const AlertActions&) = delete;

    /// Starts the commands of the alerts that fired (rule index, alert); reaps finished ones.
    void run(const std::vector<std::pair<std::size_t, core::ActiveAlert>>& fired,
             std::chrono::steady_clock::time_point now);
    /// Commands started and skipped by the limits so far.
    std::uint64_t started() const { return started_; }
    std::uint64_t skipped() const { return skipped_; }

  private:
    struct Running {
        pid_t pid;
        std::size_t rule;
    };
    void reap();
    void failed(std::size_t rule, const std::string& why);

    const std::vector<core::AlertRule>* rules_;
    LogFn log_;
    std::chrono::steady_clock::duration min_gap_;
    std::size_t max_running_;
    std::vector<std::chrono::steady_clock::time_point> last_run_;
    std::vector<char> logged_;
    std::vector<Running> running_;
    std::uint64_t started_ = 0;
    std::uint64_t skipped_ = 0;
};

}  // namespace sstop::host
