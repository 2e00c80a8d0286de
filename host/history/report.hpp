#pragma once
// `sstop report`: totals per program, group, remote host or interface over a time range, read
// from the history store. Never loads plugins and needs no terminal or privileges beyond
// reading the store.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "history/history_store.hpp"

namespace sstop::host::history {

enum class ReportFormat { Text, Json, Csv };

struct ReportOptions {
    std::optional<std::string> since;  ///< `--since 7d` (default 7d)
    std::optional<std::string> from;   ///< `--from T`
    std::optional<std::string> to;     ///< `--to T` (default now)
    Dimension by = Dimension::Program;
    std::size_t top = 20;  ///< `--top N`, 0 = all
    ReportFormat format = ReportFormat::Text;
    std::optional<std::string> config_path;  ///< `-c/--config FILE`
    std::optional<std::string> db_path;      ///< `--db FILE`: the store to read
    bool help = false;
};

/// Parses the arguments after `report`. Throws std::invalid_argument (one line) on bad
/// input; time values are checked too (TimeArgError).
ReportOptions parse_report_args(const std::vector<std::string>& args);

/// The half-open range [from, to) in unix seconds. Throws TimeArgError.
struct ReportRange {
    std::int64_t from = 0;
    std::int64_t to = 0;
};
ReportRange resolve_range(const ReportOptions& options, std::int64_t now, std::int64_t utc_offset);

/// Renders rows (already sorted, largest first) in the chosen format; `top` rows at most.
std::string format_report(const std::vector<ReportRow>& rows, const ReportRange& range,
                          Dimension by, ReportFormat format, std::size_t top);

/// The text of `sstop report --help`.
std::string report_help_text();

}  // namespace sstop::host::history
