#pragma once
/// @file table.hpp
/// Pieces every built-in table view needs: fitting UTF-8 text into cells, choosing which
/// columns fit a width, drawing a header and rows, bandwidth bars, and a list cursor that
/// understands the navigation keys. Draws only through `sstop::Canvas`.

#include <cstdint>
#include <sstop/view.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop::plugins::view_common {

/// Horizontal alignment of a cell.
enum class Align : std::uint8_t { Left, Right };

/// Number of terminal cells `text` takes: one per UTF-8 code point (the views only print
/// narrow glyphs; wide characters in process names are rare and the host clips anyway).
int text_cells(std::string_view text);

/// `text` made safe to print: control characters become '?', and with `unicode` false every
/// non-ASCII code point becomes '?' so a terminal without UTF-8 shows no mojibake.
std::string sanitize(std::string_view text, bool unicode);

/// `text` (sanitized) cut or padded to exactly `width` cells (nothing for width <= 0). A cut
/// text ends in "…" ("~" without Unicode) so users see it was cut.
std::string fit(std::string_view text, int width, bool unicode, Align align = Align::Left);

/// ASCII lower case of `text`; the filter is case-insensitive for ASCII letters.
std::string to_lower(std::string_view text);

/// True when `needle_lower` (already lower case) occurs in `haystack`, ignoring ASCII case.
/// An empty needle matches everything.
bool contains_ci(std::string_view haystack, std::string_view needle_lower);

/// A horizontal bar `width` cells wide, filled to `level` (0…1, clamped): full blocks and
/// an eighth-block tip with Unicode, '#' with ASCII; padded with spaces to `width`.
std::string bar(double level, int width, bool unicode);

/// A table column as the layout sees it.
struct Column {
    std::string title;          ///< header text (the sort marker is appended by `draw_header`)
    int width = 1;              ///< minimum width in cells
    Align align = Align::Left;  ///< alignment of header and cells
    int grow = 0;               ///< share of the spare width this column takes (0 = fixed)
    int drop_rank = 0;          ///< 0 = always shown; otherwise higher ranks are dropped first
    bool sorted = false;        ///< the table is sorted by this column (header gets ▾)
};

/// Widths of `columns` for a table `width` cells wide with one space between columns.
/// Columns are dropped highest `drop_rank` first until the rest fit; spare width goes to the
/// growing columns (which are also the first to shrink). A dropped column has width 0; no width is
/// ever negative, and the sum of the shown widths plus gaps never exceeds `width` (kept columns
/// shrink if they must).
std::vector<int> layout(const std::vector<Column>& columns, int width);

/// x position of each column for the widths from `layout` (hidden columns get the x of
/// the next shown one).
std::vector<int> column_x(const std::vector<int>& widths);

/// A style that keeps `cell`'s foreground and takes `row`'s background and attributes, so
/// coloured cells sit on zebra and selected rows.
Style on_row(const Style& cell, const Style& row);

/// The style of list row `index`: Selected when `selected`, Zebra on every other row, Text
/// otherwise.
Style row_style(const Canvas& canvas, int index, bool selected);

/// Draws the header row at `y`: the row is filled with ThemeRole::Header and each shown
/// column's title (plus "▾", or "v" without Unicode, when `sorted`) is fitted to its width.
void draw_header(Canvas& canvas, int y, const std::vector<Column>& columns,
                 const std::vector<int>& widths);

/// Draws `text` fitted to column `index` of the row at `y` (nothing if the column is hidden).
void draw_cell(Canvas& canvas, int y, const std::vector<int>& widths, std::size_t index,
               std::string_view text, const Style& style, Align align);

/// Draws a one-line message at (x, y), cut to the canvas width; nothing if off the canvas.
void draw_line(Canvas& canvas, int x, int y, std::string_view text, const Style& style);

/// The cursor of a scrolling list: selected index and first visible row. Navigation keys
/// move it; the view keeps it on the same item across snapshots by calling `set_index`.
class ListCursor {
  public:
    /// Applies a navigation key (j/k, arrows, PgUp/PgDn, Ctrl-U/Ctrl-D, g/G, Home/End) for a
    /// list of `count` items. Returns false for any other key.
    bool on_key(std::int32_t code, int count);
    /// Selects `index`, clamped to the list.
    void set_index(int index, int count);
    /// Scrolls so the selection is visible in `visible` rows; returns the first row to draw.
    /// Also remembers `visible` as the page size for PgUp/PgDn.
    int scroll(int count, int visible);
    /// The selected index (0 when the list is empty).
    int index() const { return index_; }
    /// The first visible row after the last `scroll`.
    int top() const { return top_; }

  private:
    int index_ = 0;
    int top_ = 0;
    int page_ = 10;  // until the first draw tells the real height
};

/// True for the keys `ListCursor::on_key` handles.
bool is_navigation_key(std::int32_t code);

}  // namespace sstop::plugins::view_common
