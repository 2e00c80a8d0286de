#pragma once
// The time arguments of `sstop report` and `history.retention`: pure parsers over text, so
// tests and the fuzzer feed them anything.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sstop::host::history {

/// Thrown with a message that says what is accepted.
class TimeArgError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

/// Longest span accepted (100 years), in seconds.
inline constexpr std::int64_t kMaxSpanSeconds = 100LL * 366 * 86400;

/// "90s", "15m", "1h", "7d", "2w", "1.5d" (a decimal number and one unit; no sign) → seconds,
/// at least 1 and at most kMaxSpanSeconds. Throws TimeArgError.
std::int64_t parse_span(std::string_view text);

/// A point in time, as unix seconds:
///   "now"; "@1733400000" (unix seconds);
///   "2026-12-05", "2026-12-05T14:30", "2026-12-05 14:30:15" (local time; a trailing 'Z'
///   means UTC);
///   a span back from now: "7d" or "-7d".
/// `now` is the current time (unix seconds), `utc_offset` the local offset east of UTC in
/// seconds (injected so the parser is pure). Throws TimeArgError.
std::int64_t parse_time_point(std::string_view text, std::int64_t now, std::int64_t utc_offset);

/// The local offset from UTC at `when` (seconds east of UTC), from the C library.
std::int64_t local_utc_offset(std::int64_t when);

/// Unix seconds → "2026-12-05T14:30:00Z".
std::string format_utc(std::int64_t unix_seconds);

}  // namespace sstop::host::history
