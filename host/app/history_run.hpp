#pragma once
// The history store in a run: the recorder a live sstop starts, and `sstop report`.

#include <memory>
#include <string>

#include "app/log.hpp"
#include "config/config.hpp"
#include "history/history_recorder.hpp"
#include "history/report.hpp"

namespace sstop::host {

/// The store's path: `history.path`, else the default for a user or a service (from the
/// environment).
std::string history_path(const history::HistoryConfig& config);

/// Opens the store to record (main thread, before privileges are dropped). Returns null when
/// history is off, when another sstop records (one line says this one only reads), or when
/// the store cannot be used (one error line; sstop runs without history).
std::unique_ptr<history::HistoryRecorder> open_history_recorder(const Config& config, Log& log);

/// `sstop report`: prints the report and returns the exit code. `install_sysconf_dir` as
/// for find_config_file. Throws ConfigError for a bad config (exit 2).
int run_report(const history::ReportOptions& options, const std::string& install_sysconf_dir);

}  // namespace sstop::host
