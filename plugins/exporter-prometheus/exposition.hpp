#pragma once
// Renders a snapshot as Prometheus text exposition (format 0.0.4). Pure: the exporter calls
// it once per snapshot and serves the result to every scrape until the next one.

#include <cstddef>
#include <sstop/model.hpp>
#include <string>
#include <string_view>

namespace sstop::plugins::prometheus {

/// Cardinality bounds of one rendering.
struct ExpositionLimits {
    std::size_t max_processes = 200;   ///< top-N processes by rx+tx bytes get series
    std::size_t max_remote_hosts = 0;  ///< top-N remote hosts by rx+tx bytes, 0 = none
    std::size_t max_groups = 100;      ///< top-N groups (containers, units) by bytes, 0 = none
};

/// A label value escaped for the exposition format: `\` → `\\`, `"` → `\"`, newline → `\n`;
/// bytes that are not valid UTF-8 become U+FFFD (Prometheus rejects invalid UTF-8).
std::string escape_label_value(std::string_view value);

/// A sample value: integers without exponent when exact, `NaN`, `+Inf`, `-Inf`.
std::string format_value(double value);

/// The whole exposition text for `snapshot`, `\n`-terminated lines.
std::string render_exposition(const Snapshot& snapshot, const ExpositionLimits& limits);

}  // namespace sstop::plugins::prometheus
