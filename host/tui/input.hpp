#pragma once
// Pure rules of the terminal UI: key translation, interval steps, sort order, the trend
// arrow and the default interface. Kept apart from curses so tests can pin them.

#include <chrono>
#include <cstdint>
#include <optional>
#include <sstop/model.hpp>
#include <sstop/view.hpp>
#include <string>
#include <vector>

namespace sstop::tui {

/// Translates what get_wch returned (`is_function_key` when it returned KEY_CODE_YES) into
/// an SDK key code; kKeyNone for keys the UI ignores. Printable characters and control
/// characters the host handles itself (Ctrl-C) stay as their code point.
std::int32_t map_curses_key(bool is_function_key, std::int64_t value);

/// The interval steps `+`/`-` walk through.
const std::vector<std::chrono::nanoseconds>& interval_steps();

/// The next step after `current` in direction `dir` (+1 slower, -1 faster); a value between
/// steps moves to the neighbouring step; the ends stay put.
std::chrono::nanoseconds step_interval(std::chrono::nanoseconds current, int dir);

/// The sort order after `key` (Rate → Download → Upload → Pid → Name → Connections → Rate).
SortKey next_sort(SortKey key);

/// Short name of a sort order, for the header.
const char* sort_name(SortKey key);

/// Direction of the system rate.
enum class Trend : std::uint8_t { Flat, Up, Down };

/// The newest value of `history` against the average of the (up to) 5 before it: Up above
/// +20 %, Down below -20 %, else Flat. Fewer than 2 values: Flat. From zero: Up if it moved.
Trend trend_of(const std::vector<double>& history);

/// "↑", "↓", "→" (or "^", "v", "-" without Unicode).
const char* trend_arrow(Trend trend, bool unicode);

/// Element-wise sum of two histories, aligned at their newest ends.
std::vector<double> sum_histories(const std::vector<double>& a, const std::vector<double>& b);

/// Index of the interface the header shows by default: among the up, non-loopback ones, the
/// one that carries the default route, else any; the most traffic (rx+tx rate, then total
/// bytes, then first listed) decides between equals. With no candidate the first one;
/// nullopt when empty.
std::optional<std::size_t> default_interface(const std::vector<InterfaceSummary>& interfaces);

/// A signal the kill overlay offers.
struct SignalChoice {
    int number;        ///< e.g. SIGTERM
    const char* name;  ///< e.g. "TERM"
};

/// TERM, KILL, INT, HUP, QUIT, USR1, USR2, STOP, CONT, in that order.
const std::vector<SignalChoice>& kill_signals();

/// Whether the kill overlay may signal `pid` from process `self`: never pid <= 0 (process
/// groups, everything) nor ourselves.
bool may_signal(std::int32_t pid, std::int32_t self);

}  // namespace sstop::tui
