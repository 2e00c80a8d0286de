#include "app/history_run.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "app/app.hpp"
#include "history/time_args.hpp"

namespace sstop::host {

std::string history_path(const history::HistoryConfig& config) {
    if (!config.path.empty()) return config.path;
    return history::default_history_path(config.service, std::getenv("XDG_STATE_HOME"),
                                         std::getenv("HOME"));
}

std::unique_ptr<history::HistoryRecorder> open_history_recorder(const Config& config, Log& log) {
    if (!config.history.enabled) return nullptr;
    const std::string path = history_path(config.history);
    std::unique_ptr<history::HistoryStore> store;
    try {
        store = history::HistoryStore::open_writer(path);
    } catch (const history::StoreError& e) {
        if (e.kind() == history::StoreError::Kind::Locked) {
            log.write(Notice::Level::Warning, "history: another sstop is recording to " + path +
                                                  "; this one only reads it");
        } else {
            log.write(Notice::Level::Error,
                      std::string("history: ") + e.what() + "; history is not recorded");
        }
        return nullptr;
    }
    history::HistoryRecorder::Hooks hooks;
    hooks.log = [&log](Notice::Level level, const std::string& text) { log.write(level, text); };
    return std::make_unique<history::HistoryRecorder>(std::move(store), config.history,
                                                      std::move(hooks));
}

int run_report(const history::ReportOptions& options, const std::string& install_sysconf_dir) {
    if (options.help) {
        std::fputs(history::report_help_text().c_str(), stdout);
        return kExitOk;
    }
    std::string path;
    if (options.db_path) {
        path = *options.db_path;
    } else {
        auto file = find_config_file(options.config_path, install_sysconf_dir);
        const Config config = file ? load_config_file(*file) : Config{};
        path = history_path(config.history);
    }
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    history::ReportRange range;
    try {
        range = history::resolve_range(options, now, history::local_utc_offset(now));
    } catch (const history::TimeArgError& e) {
        std::fprintf(stderr, "sstop: report: %s\n", e.what());
        return kExitUsage;
    }
    std::vector<history::ReportRow> rows;
    try {
        auto store = history::HistoryStore::open_reader(path);
        rows = store->totals(options.by, range.from, range.to);
    } catch (const history::StoreError& e) {
        std::fprintf(stderr, "sstop: report: %s\n", e.what());
        return kExitRuntime;
    }
    const std::string text =
        history::format_report(rows, range, options.by, options.format, options.top);
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) return kExitRuntime;
    return kExitOk;
}

}  // namespace sstop::host
