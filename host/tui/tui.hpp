#pragma once
// The terminal UI: the host owns the screen (ncursesw); each view plugin draws inside the
// rectangle it is given through the SDK's Canvas. Runs on the main thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <sstop/plugin.hpp>
#include <sstop/view.hpp>
#include <string>
#include <vector>

#include "core/bus.hpp"
#include "tui/ui_config.hpp"

namespace sstop::tui {

/// A loaded view plugin, in tab order.
struct TabView {
    std::string id;                               ///< plugin id
    std::shared_ptr<sstop::View> view;            ///< the plugin's object (UI thread only)
    std::uint32_t consumes = SSTOP_CONSUMES_ALL;  ///< its descriptor's `consumes` bits
};

/// What the UI needs from the rest of the app.
struct TuiHooks {
    /// Snapshots from the collector (latest wins).
    core::LatestSlot<Snapshot>* snapshots = nullptr;
    /// Current update interval, and a setter the UI calls for `+`/`-` (clamped 100ms..10s).
    std::chrono::nanoseconds interval{std::chrono::seconds(1)};
    std::function<void(std::chrono::nanoseconds)> set_interval;
    /// Set when the snapshots carry only the socket lists asked for: called with what the
    /// views read now (every list, or those of the processes they have selected) whenever
    /// that changes. Null: every list is always there.
    std::function<void(bool all, std::vector<ProcessId> pids)> socket_demand;
    /// True once a termination signal asked the app to stop.
    std::function<bool()> stop_requested;
    /// Warnings and errors while the UI runs (never printed to the terminal).
    std::function<void(Notice::Level, const std::string&)> log;
    /// Reverse DNS on (the `d` key toggles names in views; `-n` starts with it off).
    bool dns_enabled = true;
    /// Theme, colours, unicode and mouse settings.
    UiConfig ui;
    /// The `/` filter the UI starts with (`--filter`); empty = none.
    std::string initial_filter;
    /// Names of the alert rules with the `bell` action: the terminal bell rings when one of
    /// them becomes active on a process.
    std::vector<std::string> bell_alerts;
};

/// Runs the UI until the user quits or `stop_requested()`; restores the terminal on every
/// exit path (return, exception, SIGTERM/SIGINT/SIGHUP, crash signals). Returns the exit
/// code (0 on a normal quit). Throws std::runtime_error if the terminal cannot be used
/// (e.g. TERM unset or unknown) before it changes anything.
int run_tui(std::vector<TabView> views, const TuiHooks& hooks);

}  // namespace sstop::tui
