#pragma once
// Command-line parsing. Pure: argv in, CliOptions out, UsageError on bad input.

#include <chrono>
#include <optional>
#include <sstop/filter.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "history/report.hpp"

namespace sstop::host {

/// A command-line error; main prints "sstop: <what>" and exits 2.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class OutputMode { Default, Json, Csv };

struct CliOptions {
    std::optional<std::string> config_path;
    std::optional<std::chrono::nanoseconds> interval;
    std::optional<std::vector<std::string>> sources;
    std::vector<std::string> plugin_paths;
    OutputMode output = OutputMode::Default;
    bool once = false;
    std::optional<long> count;
    /// `--filter EXPR`, parsed: only matching processes are printed by the headless outputs.
    std::optional<Filter> filter;
    /// The text of `--filter`, as given (the interactive UI starts with it in its `/` filter).
    std::string filter_text;
    bool no_dns = false;
    /// `--summary`: print the session's top processes and hosts by bytes when sstop ends.
    bool summary = false;
    /// `--headless`: no UI and no snapshot output; only the exporters (and --record) run.
    bool headless = false;
    /// `--record FILE`: append each tick's samples to FILE (sstop/recording.hpp).
    std::optional<std::string> record_path;
    bool list_plugins = false;
    bool check_config = false;
    bool version = false;
    bool help = false;
    /// `sstop report ...`: print a report from the history store instead of running.
    std::optional<history::ReportOptions> report;
};

/// Parses arguments (argv[0] excluded). Accepts "--opt value" and "--opt=value".
CliOptions parse_cli(const std::vector<std::string>& args);

/// The two lines under "sstop: --filter: <message>": the expression (control characters
/// shown as '?') and a caret under the error's column, both indented by two spaces.
std::string filter_error_context(std::string_view text, const FilterError& error);

/// The text of `--help`.
std::string help_text();

/// Parses "a,b,c" into ids; rejects empty items.
std::vector<std::string> split_ids(const std::string& list, const std::string& option);

}  // namespace sstop::host
