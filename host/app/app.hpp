#pragma once
// The application: owns everything of one run, and fixes the start-up and shutdown order.
//
// Start-up: config → plugin discovery → sources (open privileged handles) → exporters started
// → privileges dropped → aggregator connected to the bus → collector and exporter threads →
// output (headless writer or UI) on the main thread.
// Shutdown: stop and join the collector and capture threads → stop and join the exporters →
// disconnect the bus → destroy plugin objects → release libraries (the registry goes last).

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/alert_actions.hpp"
#include "app/cli.hpp"
#include "app/log.hpp"
#include "app/self_meter.hpp"
#include "config/config.hpp"
#include "core/aggregator.hpp"
#include "core/bus.hpp"
#include "core/dns_resolver.hpp"
#include "core/session_summary.hpp"
#include "plugin/registry.hpp"

namespace sstop::host {

class SourceSet;
class ExporterSet;
class Recorder;
class HostPluginContext;
namespace history {
class HistoryRecorder;
}

/// Exit codes.
enum ExitCode : int {
    kExitOk = 0,
    kExitRuntime = 1,
    kExitUsage = 2,
    kExitNoSource = 3,
};

/// Whether each update may list only the sockets of the processes the screen's views have
/// selected: on the screen, with no alert rule and no exporter reading socket lists, and when
/// every view's `consumes` bits (`view_consumes`, one per view of the run) leave out
/// SSTOP_CONSUMES_SOCKETS. A view built before ABI 1.5, or registered with the plain macro,
/// reads every list.
bool lists_on_demand(bool interactive, bool alert_rules, bool exporters_read_lists,
                     const std::vector<std::uint32_t>& view_consumes);

class App {
  public:
    App(CliOptions cli, std::string exe_path);
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    /// Runs to completion and returns the exit code. Throws UsageError/ConfigError for the
    /// caller to report.
    int run();

    /// Asks a running App to stop (from the signal thread).
    void request_stop();

  private:
    /// What drop_privileges keeps: what the features need, plus `keep_capabilities`.
    std::vector<std::string> capabilities_to_keep(bool interactive) const;
    int list_plugins();
    int check_config();
    int run_streaming();
    /// Runs the terminal UI; nullopt when it cannot (the reason is printed).
    std::optional<int> run_interactive();
    /// Writes snapshots as JSON, CSV or plain text until done.
    int stream_output();
    void collector_loop();
    /// Republishes the last snapshot with the socket lists the screen now asks for.
    void relist();
    void start_collector(bool interactive);
    void stop_collector();
    std::vector<std::string> configured_order() const;
    bool write_out(const std::string& text);
    /// `--summary` / `ui.summary`: prints the session's top talkers (collector joined).
    void print_summary() const;

    CliOptions cli_;
    std::string exe_path_;
    Config config_;
    Log log_;
    // Declared before everything that may hold plugin objects, so it is destroyed last.
    std::unique_ptr<PluginRegistry> registry_;
    core::Bus bus_;
    SelfMeter self_meter_;                    // collector thread only
    std::unique_ptr<core::DnsResolver> dns_;  // used by the aggregator: destroyed after it
    std::unique_ptr<core::Aggregator> aggregator_;
    std::unique_ptr<core::AlertEngine> alerts_;    // collector thread once started
    std::unique_ptr<AlertActions> alert_actions_;  // collector thread once started
    std::unique_ptr<SourceSet> sources_;
    std::unique_ptr<ExporterSet> exporters_;
    std::unique_ptr<Recorder> recorder_;                 // --record; collector thread once started
    std::unique_ptr<history::HistoryRecorder> history_;  // null when not recording
    std::unique_ptr<core::SessionSummary> summary_;      // --summary; collector thread once started
    std::vector<std::unique_ptr<HostPluginContext>> contexts_;  // outlive the views
    core::LatestSlot<Snapshot> latest_;
    bool elevated_ = false;
    std::atomic<bool> stop_{false};
    // Set by the collector when no source is left (a replay reached its end): headless
    // output ends after the last snapshot.
    std::atomic<bool> sources_gone_{false};
    std::atomic<bool> sources_ended_{false};  ///< set before sources_gone_: one ended normally
    std::atomic<long long> interval_ns_{1000000000};
    std::mutex wake_mutex_;
    std::condition_variable wake_;
    bool relist_ = false;               ///< guarded by wake_mutex_: the screen asks for lists
    core::SocketDemand socket_demand_;  ///< whose lists the screen reads (demand mode only)
    bool lists_on_demand_ = false;      ///< set before the collector starts
    std::thread collector_;
};

}  // namespace sstop::host
