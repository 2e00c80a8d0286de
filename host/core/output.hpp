#pragma once
// Headless output formats: JSON Lines, CSV and a plain-text table. Pure functions of a
// snapshot, so tests check them byte for byte and the writer only does I/O.

#include <sstop/filter.hpp>
#include <sstop/model.hpp>
#include <string>
#include <string_view>

namespace sstop::core {

/// Appends `text` as a JSON string literal (quotes included): control characters escaped,
/// invalid UTF-8 replaced by U+FFFD, so the output always parses.
void append_json_string(std::string& out, std::string_view text);

/// One snapshot as one JSON object on one line, with a trailing '\n'.
std::string snapshot_to_json(const Snapshot& snapshot);

/// The CSV header line (with '\n').
std::string csv_header();

/// One CSV row per process (each with '\n'); empty when there are no processes.
std::string snapshot_to_csv(const Snapshot& snapshot);

/// A compact text table of the top `max_rows` processes, for a plain terminal or a log.
std::string snapshot_to_text(const Snapshot& snapshot, int max_rows);

/// A copy of `snapshot` whose `processes` are only those `filter` matches, in the same order;
/// every other field (totals, unattributed, interfaces, hosts, ports, groups) stays whole, so
/// `--filter` narrows the listing without changing what the totals mean.
Snapshot select_processes(const Snapshot& snapshot, const Filter& filter);

/// Protocol names are the SDK's `sstop::proto_name` ("tcp", "udp", "icmp", …).
using sstop::proto_name;

}  // namespace sstop::core
