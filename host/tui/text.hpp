#pragma once
// UTF-8 text measured in terminal cells. Decoding is our own (not the locale's), so invalid
// bytes become '?' in every locale; widths come from wcwidth, so the locale must be set.

#include <cstdint>
#include <string>
#include <string_view>

namespace sstop::tui {

/// Text ready for curses: wide characters and the cells they take.
struct CellText {
    std::wstring chars;  ///< what to draw; zero-width marks stay attached to their base
    int cells = 0;       ///< columns taken
};

/// Decodes `utf8` and keeps the longest prefix that fits in `max_cells` (negative = no
/// limit); a double-width character that would straddle the limit is dropped. Invalid or
/// truncated sequences and control characters become '?'. With `unicode` false, every
/// non-ASCII character becomes '?' (a non-UTF-8 terminal cannot show it).
CellText fit_cells(std::string_view utf8, int max_cells, bool unicode = true);

/// Cells `utf8` takes on screen (as fit_cells counts them).
int cell_width(std::string_view utf8, bool unicode = true);

/// Appends the UTF-8 encoding of a Unicode code point.
void append_utf8(std::string& out, std::uint32_t code_point);

/// `utf8` cut to `max_cells` cells, as UTF-8 again (for composing lines).
std::string clip_utf8(std::string_view utf8, int max_cells, bool unicode = true);

}  // namespace sstop::tui
