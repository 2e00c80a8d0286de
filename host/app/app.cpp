#include "app/app.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstop/abi_check.hpp>
#include <sstop/version.hpp>

#include "app/exporter_set.hpp"
#include "app/history_run.hpp"
#include "app/plugin_context.hpp"
#include "app/privileges.hpp"
#include "app/recorder.hpp"
#include "app/source_set.hpp"
#include "core/output.hpp"
#include "tui/tui.hpp"

#ifndef SSTOP_INSTALL_PLUGIN_DIR
#define SSTOP_INSTALL_PLUGIN_DIR "/usr/local/lib/sstop/plugins"
#endif
#ifndef SSTOP_INSTALL_SYSCONF_DIR
#define SSTOP_INSTALL_SYSCONF_DIR "/etc"
#endif

namespace sstop::host {

namespace {

/// Thrown when stdout is gone (reader closed the pipe): not an error, just the end.
struct OutputClosed {};

}  // namespace

App::App(CliOptions cli, std::string exe_path)
    : cli_(std::move(cli)), exe_path_(std::move(exe_path)), log_(true) {}

App::~App() {
    stop_collector();
    if (exporters_) exporters_->stop();
    bus_.disconnect_all();
    if (sources_) sources_->stop();
    sources_.reset();
    aggregator_.reset();
    dns_.reset();
    registry_.reset();
}

void App::request_stop() {
    stop_.store(true);
    { std::lock_guard lock(wake_mutex_); }
    wake_.notify_all();
    latest_.close();
}

std::vector<std::string> App::configured_order() const {
    return cli_.sources ? *cli_.sources : config_.sources;
}

int App::run() {
    if (cli_.help) {
        std::fputs(help_text().c_str(), stdout);
        return kExitOk;
    }
    if (cli_.version) {
        std::printf("sstop %s (plugin ABI %d.%d, build key '%s')\n", SSTOP_VERSION_STRING,
                    SSTOP_ABI_MAJOR, SSTOP_ABI_MINOR, SSTOP_BUILD_KEY);
        // What a run would keep after start-up (nothing privileged is open here).
        drop_privileges(capabilities_needed(false));
        std::printf("%s\n", describe_capabilities().c_str());
        return kExitOk;
    }

    // A report reads the history store only: no plugins, no terminal, no privileges.
    if (cli_.report) return run_report(*cli_.report, SSTOP_INSTALL_SYSCONF_DIR);

    auto path = find_config_file(cli_.config_path, SSTOP_INSTALL_SYSCONF_DIR);
    config_ = path ? load_config_file(*path) : Config{};
    if (cli_.interval) config_.interval = *cli_.interval;
    if (cli_.no_dns) config_.dns.enabled = false;
    // The config's filter: when no --filter was given (checked when the config was read).
    if (!cli_.filter && !config_.filter.empty()) {
        cli_.filter = Filter::parse(config_.filter);
        cli_.filter_text = config_.filter;
    }
    interval_ns_ = config_.interval.count();
    if (!config_.log_file.empty()) {
        std::string error;
        if (!log_.open_file(config_.log_file, error))
            log_.write(Notice::Level::Warning, "log_file: cannot open " + error);
    }

    // Elevated, sstop loads only trusted files from trusted directories, and ignores
    // $SSTOP_PLUGIN_PATH unless --plugin-path names the same directory.
    elevated_ = running_elevated();
    std::vector<std::string> notes;
    registry_ = std::make_unique<PluginRegistry>(plugin_trust(elevated_));
    registry_->discover(plugin_search_dirs(cli_.plugin_paths, config_.plugin_paths,
                                           std::getenv("SSTOP_PLUGIN_PATH"), exe_path_,
                                           SSTOP_INSTALL_PLUGIN_DIR, elevated_, notes));
    for (const auto& n : notes) log_.write(Notice::Level::Warning, n);

    if (cli_.list_plugins) return list_plugins();
    if (cli_.check_config) return check_config();
    return run_streaming();
}

std::vector<std::string> App::capabilities_to_keep(bool interactive) const {
    std::vector<std::string> keep = capabilities_needed(interactive);
    keep.insert(keep.end(), config_.keep_capabilities.begin(), config_.keep_capabilities.end());
    return keep;
}

int App::list_plugins() {
    drop_privileges(capabilities_to_keep(false));
    const auto& files = registry_->files();
    std::printf("%-12s %-9s %-8s %-4s %-8s %s\n", "ID", "KIND", "VERSION", "ABI", "VERDICT",
                "PATH / REASON");
    for (const auto& f : files) {
        std::printf("%-12s %-9s %-8s %-4s %-8s %s%s%s\n", f.id.c_str(), f.kind.c_str(),
                    f.version.empty() ? "-" : f.version.c_str(),
                    f.abi.empty() ? "-" : f.abi.c_str(), f.loaded ? "loaded" : "skipped",
                    f.path.c_str(), f.loaded ? "" : ": ", f.reason.c_str());
    }
    if (files.empty()) std::printf("(no plugin files found)\n");
    // Say what the configuration wants but is not installed (a trimmed plugin set).
    auto report_missing = [&](const std::vector<std::string>& ids, const char* what) {
        for (const auto& id : ids)
            if (!registry_->has(id))
                std::printf("missing: %s '%s' is configured but not installed\n", what, id.c_str());
    };
    report_missing(configured_order(), "source");
    report_missing(config_.views, "view");
    report_missing(config_.exporters, "exporter");
    std::printf("%s\n", describe_capabilities().c_str());
    return kExitOk;
}

int App::check_config() {
    for (const auto& [id, node] : config_.plugin_sections) {
        (void)node;
        if (!registry_->has(id)) {
            std::fprintf(stderr,
                         "sstop: %s: plugins.%s: no plugin '%s' is installed; section ignored\n",
                         config_.path.c_str(), id.c_str(), id.c_str());
            continue;
        }
        auto schema = registry_->options_of(id);
        resolve_plugin_options(config_, id, schema.items, schema.count);
    }
    std::printf("sstop: configuration OK (%s)\n",
                config_.path.empty() ? "built-in defaults" : config_.path.c_str());
    return kExitOk;
}

bool App::write_out(const std::string& text) {
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(STDOUT_FILENO, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EPIPE) throw OutputClosed{};
            throw std::runtime_error(std::string("writing output: ") + std::strerror(errno));
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return true;
}

bool lists_on_demand(bool interactive, bool alert_rules, bool exporters_read_lists,
                     const std::vector<std::uint32_t>& view_consumes) {
    if (!interactive || alert_rules || exporters_read_lists || view_consumes.empty()) return false;
    return std::none_of(view_consumes.begin(), view_consumes.end(),
                        [](std::uint32_t c) { return (c & SSTOP_CONSUMES_SOCKETS) != 0; });
}

void App::start_collector(bool interactive) {
    core::AggregatorConfig aggregator = config_.aggregator;
    // Every socket copied into every snapshot is most of what idle sockets cost; only a
    // consumer that reads them pays for it: the screen and the printed outputs do, alert
    // rules may (a filter on ports), an exporter does when its descriptor says so.
    const bool exporters_read_lists =
        exporters_ && (exporters_->consumes() & SSTOP_CONSUMES_SOCKETS);
    aggregator.socket_detail = !cli_.headless || !config_.alerts.empty() || exporters_read_lists;
    aggregator_ = std::make_unique<core::Aggregator>(aggregator);
    // On the screen alone, views that read only the selected process's list (and every list
    // under a filter) get just those: listing 20,000 sockets a tick for a page that shows 30
    // rows of one process was most of an update's cost.
    std::vector<std::uint32_t> views;
    for (const auto& id : config_.views)
        if (registry_->has(id) && registry_->kind_of(id) == "view")
            views.push_back(registry_->consumes_of(id));
    lists_on_demand_ =
        lists_on_demand(interactive, !config_.alerts.empty(), exporters_read_lists, views);
    if (lists_on_demand_) aggregator_->set_socket_demand(&socket_demand_);
    // Reverse DNS runs on its own bounded worker pool; the aggregator only reads its cache.
    if (config_.dns.enabled) {
        dns_ = std::make_unique<core::DnsResolver>(config_.dns);
        aggregator_->set_name_resolver(dns_.get());
    }
    // Both slots run on the collector thread: the aggregator turns the tick into a snapshot,
    // and the snapshot is handed to consumers through the latest-wins slot.
    if (!config_.alerts.empty()) {
        alerts_ = std::make_unique<core::AlertEngine>(config_.alerts);
        alert_actions_ = std::make_unique<AlertActions>(
            &alerts_->rules(),
            [this](const std::string& line) { log_.write(Notice::Level::Warning, line); });
    }
    bus_.tick.connect([this](const core::TickInput& tick) {
        std::shared_ptr<const Snapshot> snap = aggregator_->ingest(tick);
        if (alerts_) {
            // Alerts see every process (a --filter narrows the output, not the rules) and
            // travel in the snapshot as labels, so every consumer knows them.
            std::vector<std::pair<std::size_t, core::ActiveAlert>> fired;
            snap = alerts_->apply(std::move(snap), &fired);
            alert_actions_->run(fired, tick.now);
        }
        bus_.snapshot(snap);
    });
    bus_.snapshot.connect(
        [this](const std::shared_ptr<const Snapshot>& snap) { latest_.put(snap); });
    if (exporters_) {
        bus_.snapshot.connect(
            [this](const std::shared_ptr<const Snapshot>& snap) { exporters_->offer(snap); });
        exporters_->run();
    }
    if (cli_.summary || config_.ui.summary) {
        summary_ = std::make_unique<core::SessionSummary>();
        bus_.snapshot.connect(
            [this](const std::shared_ptr<const Snapshot>& snap) { summary_->add(*snap); });
    }
    if (history_) {
        bus_.snapshot.connect(
            [this](const std::shared_ptr<const Snapshot>& snap) { history_->offer(*snap); });
        history_->start();
    }
    collector_ = std::thread([this] { collector_loop(); });
}

void App::stop_collector() {
    request_stop();
    if (collector_.joinable()) collector_.join();
    if (history_) history_->stop();  // writes the last minutes
}

void App::collector_loop() {
    using Clock = std::chrono::steady_clock;
    auto next = Clock::now();
    std::uint64_t ticks = 0;
    while (!stop_.load()) {
        // The tick lives only while it is collected and published: kept through the wait
        // below, its samples (megabytes at tens of thousands of sockets) stayed resident.
        {
            core::TickInput tick;
            tick.now = Clock::now();
            tick.unix_time_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
            try {
                sources_->collect(tick);
                tick.sources = sources_->active_ids();
                if (tick.sources.empty() && tick.samples.empty()) {
                    // Nothing is left to collect from: publishing empty ticks would only make
                    // every process look gone.
                    sources_ended_.store(sources_->any_ended());
                    sources_gone_.store(true);
                    break;
                }
                if (recorder_ && recorder_->active()) {
                    if (auto stopped = recorder_->append(tick))
                        log_.write(Notice::Level::Warning, *stopped);
                }
                tick.notices = log_.notices();
                if (dns_) tick.counters = dns_->counters();
                for (SourceCounter& c : self_meter_.update(Clock::now(), read_own_usage(),
                                                           bpf_run_ns_of(tick.samples)))
                    tick.counters.push_back(std::move(c));
                bus_.tick(tick);
                // After the start-up inventory is gone (second tick), then once a minute or so
                // (a burst of sockets leaves free pages behind): a few ms, RSS follows use.
                if (++ticks == 2 || ticks % 64 == 0) release_free_memory();
            } catch (const std::exception& e) {
                // The collector catches at its root and reports; the next tick tries again.
                log_.write(Notice::Level::Error, std::string("collector: ") + e.what());
            }
        }
        auto interval = std::chrono::nanoseconds(interval_ns_.load());
        next += interval;
        auto now = Clock::now();
        if (next < now) next = now + interval;  // after a stall: skip, never burst
        std::unique_lock lock(wake_mutex_);
        // Until the next tick, the screen may ask for lists the last snapshot lacks.
        while (wake_.wait_until(lock, next, [this] { return stop_.load() || relist_; }) &&
               !stop_.load()) {
            relist_ = false;
            lock.unlock();
            relist();
            lock.lock();
        }
    }
}

void App::relist() {
    try {
        if (auto snap = aggregator_->relist(latest_.latest())) latest_.put(std::move(snap));
    } catch (const std::exception& e) {
        log_.write(Notice::Level::Error, std::string("collector: ") + e.what());
    }
}

int App::run_streaming() {
    const bool interactive = cli_.output == OutputMode::Default && !cli_.headless &&
                             ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO) && !cli_.once &&
                             !cli_.count;
    const bool raw = has_capability("net_raw");
    const bool map_others = has_capability("dac_read_search") && has_capability("sys_ptrace");
    const std::string missing = unprivileged_notice(raw, map_others, exe_path_);
    // Without privileges every source would explain what it lost; one line says it all, and
    // the details go to the log and the status line.
    if (!missing.empty()) log_.set_stderr(false);
    sources_ = std::make_unique<SourceSet>(*registry_, config_, log_);
    std::string why;
    bool started = sources_->start(configured_order(), why);
    log_.set_stderr(true);
    if (!started) {
        std::fprintf(stderr, "sstop: no usable source: %s\n", why.c_str());
        return kExitNoSource;
    }
    if (!missing.empty()) log_.write(Notice::Level::Warning, missing);
    if (cli_.record_path) {
        // Created while privileges are held, like the other files sstop opens at start.
        try {
            recorder_ = std::make_unique<Recorder>(*cli_.record_path);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "sstop: --record: %s\n", e.what());
            return kExitUsage;
        }
    }
    // Exporters open what they need (a listening socket) while privileges are still held.
    exporters_ = std::make_unique<ExporterSet>(*registry_, config_, log_);
    exporters_->start(config_.exporters);
    // The store is opened (and its directory made) while privileges are still held.
    history_ = open_history_recorder(config_, log_);
    // The privileged handles are open: keep only what the running features need, before any
    // other thread (collector, DNS) is born, so they start with the reduced set.
    for (const auto& note : drop_privileges(capabilities_to_keep(interactive)).notes)
        log_.write(Notice::Level::Info, note);
    start_collector(interactive);

    int rc = kExitOk;
    if (interactive) {
        auto tui_rc = run_interactive();
        if (tui_rc) {
            rc = *tui_rc;
            stop_collector();
            print_summary();
            return rc;
        }
        // No view could be shown (no view plugin, a terminal curses cannot drive): the
        // reason was printed, and the plain text view below takes over.
    }
    // Every plugin object of the run exists: the code of the others is unloaded.
    registry_->unload_unused();
    rc = stream_output();
    stop_collector();
    print_summary();
    return rc;
}

void App::print_summary() const {
    if (!summary_) return;
    // Never inside a JSON or CSV stream: a script reading stdout must get only records.
    std::FILE* out = cli_.output == OutputMode::Default && !cli_.headless ? stdout : stderr;
    const std::string text = "\n" + summary_->text(10);
    std::fwrite(text.data(), 1, text.size(), out);
    std::fflush(out);
}

std::optional<int> App::run_interactive() {
    std::vector<tui::TabView> tabs;
    for (const auto& id : config_.views) {
        if (!registry_->has(id) || registry_->kind_of(id) != "view") {
            log_.write(Notice::Level::Warning,
                       "view '" + id + "' is not installed (see --list-plugins)");
            continue;
        }
        contexts_.push_back(make_plugin_context(*registry_, config_, id, log_));
        try {
            tabs.push_back(
                {id, registry_->create_view(id, *contexts_.back()), registry_->consumes_of(id)});
        } catch (const std::exception& e) {
            log_.write(Notice::Level::Warning, e.what());
        }
    }
    if (tabs.empty()) {
        socket_demand_.set({true, {}});  // the plain text below may be filtered
        std::fprintf(stderr, "sstop: no view plugin could be loaded; showing plain text\n");
        return std::nullopt;
    }
    // Every plugin object of the run exists: the code of the others is unloaded.
    registry_->unload_unused();
    tui::TuiHooks hooks;
    hooks.snapshots = &latest_;
    hooks.interval = std::chrono::nanoseconds(interval_ns_.load());
    hooks.set_interval = [this](std::chrono::nanoseconds d) {
        interval_ns_ = std::clamp<long long>(d.count(), 100'000'000, 10'000'000'000);
        wake_.notify_all();
    };
    hooks.stop_requested = [this] { return stop_.load(); };
    if (lists_on_demand_) {
        hooks.socket_demand = [this](bool all, std::vector<ProcessId> pids) {
            if (!socket_demand_.set({all, std::move(pids)})) return;
            {
                std::lock_guard lock(wake_mutex_);
                relist_ = true;
            }
            wake_.notify_all();
        };
    }
    hooks.log = [this](Notice::Level level, const std::string& text) { log_.write(level, text); };
    hooks.dns_enabled = config_.dns.enabled;
    hooks.ui = config_.ui;
    hooks.initial_filter = cli_.filter_text;
    for (const core::AlertRule& rule : config_.alerts)
        if (rule.bell) hooks.bell_alerts.push_back(rule.name);
    // While curses owns the terminal nothing else may write to it.
    log_.set_stderr(false);
    int rc;
    try {
        rc = tui::run_tui(std::move(tabs), hooks);
    } catch (const std::exception& e) {
        log_.set_stderr(true);
        std::fprintf(stderr, "sstop: %s\n", e.what());
        return std::nullopt;
    }
    log_.set_stderr(true);
    return rc;
}

int App::stream_output() {
    long wanted = cli_.once ? 1 : cli_.count ? *cli_.count : -1;
    long written = 0;
    bool tty = ::isatty(STDOUT_FILENO);
    std::uint64_t seen = 0;
    int rc = kExitOk;
    try {
        if (cli_.output == OutputMode::Csv && !cli_.headless) write_out(core::csv_header());
        while (!stop_.load() && (wanted < 0 || written < wanted)) {
            auto snap = latest_.wait_newer(seen, std::chrono::milliseconds(200));
            if (!snap && sources_gone_.load()) {
                // The collector published its last snapshot before it set the flag.
                snap = latest_.wait_newer(seen, std::chrono::milliseconds(0));
                if (!snap) {
                    // A replay at its end is done; a live source that failed for good is not.
                    if (!sources_ended_.load()) {
                        std::fprintf(stderr, "sstop: no source left to collect from\n");
                        rc = kExitNoSource;
                    }
                    break;
                }
            }
            if (!snap || snap->seq == 0) continue;  // seq 0 is the baseline: no rates yet
            if (cli_.filter && !cli_.filter->match_all())
                snap =
                    std::make_shared<const Snapshot>(core::select_processes(*snap, *cli_.filter));
            // Headless: the exporters were offered this snapshot on the collector thread.
            if (cli_.headless) {
                ++written;
                continue;
            }
            switch (cli_.output) {
                case OutputMode::Json:
                    write_out(core::snapshot_to_json(*snap));
                    break;
                case OutputMode::Csv:
                    write_out(core::snapshot_to_csv(*snap));
                    break;
                case OutputMode::Default:
                    write_out((tty ? "\x1b[H\x1b[2J" : "") + core::snapshot_to_text(*snap, 20) +
                              (tty ? "" : "\n"));
                    break;
            }
            ++written;
        }
    } catch (const OutputClosed&) {
        // `sstop --json | head -1`: the reader is done, so are we.
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sstop: %s\n", e.what());
        rc = kExitRuntime;
    }
    return rc;
}

}  // namespace sstop::host
