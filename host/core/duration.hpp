#pragma once
// Durations as people write them in the config and on the command line ("500ms", "2.5s"),
// read and written by one pair of functions so every message spells them alike.

#include <chrono>
#include <string>
#include <string_view>

namespace sstop::core {

/// Parses "500ms", "1s", "2.5s", "5m", "1h", "250us"; throws std::invalid_argument with a
/// message that says what is accepted.
std::chrono::nanoseconds parse_duration(std::string_view text);

/// A duration as parse_duration reads it back exactly: in the largest unit in which it is at
/// least 1 and needs at most three decimals ("100ms", "2.5s", "1.5m", "1.234s"); "0" for zero,
/// and a fraction of a microsecond below 1 µs ("0.5us").
std::string format_duration(std::chrono::nanoseconds value);

}  // namespace sstop::core
