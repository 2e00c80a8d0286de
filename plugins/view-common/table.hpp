#pragma once
/// @file table.hpp
/// Pieces every built-in table view needs: fitting UTF-8 text into cells, choosing which
/// columns fit a width, drawing a header and rows, bandwidth bars, the sort order of rows, and
/// a list cursor that understands the navigation keys and follows the selected item across
/// snapshots. Draws only through `sstop::Canvas`.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <sstop/text.hpp>
#include <sstop/view.hpp>
#include <string>
#include <string_view>
#include <type_traits>
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

// The filter is case-insensitive for ASCII letters: the SDK's one lower-casing and matching.
using sstop::contains_ci;
using sstop::to_lower;

/// Appends `text` to `out`, ASCII letters lower-cased (no temporary string).
void append_lower(std::string& out, std::string_view text);
/// Compares ASCII case-insensitively, like `to_lower(a) <=> to_lower(b)` without copies:
/// negative, zero or positive.
int compare_ci(std::string_view a, std::string_view b);

/// A horizontal bar `width` cells wide, filled to `level` (0…1, clamped): full blocks and
/// an eighth-block tip with Unicode, '#' with ASCII; padded with spaces to `width`.
std::string bar(double level, int width, bool unicode);

/// Short protocol name for a table cell: "TCP", "UDP", or "?" when unknown.
const char* proto_name(Proto proto);

/// Receive plus send rate, bytes per second: what SortKey::Rate and bandwidth bars measure.
double total_rate(const Traffic& traffic);

/// What SortKey orders a table row by, taken from the row's summary.
struct SortFields {
    double rx_bps = 0;              ///< receive rate
    double tx_bps = 0;              ///< send rate
    std::uint32_t connections = 0;  ///< connection count
    std::string_view name;          ///< the name SortKey::Name compares (ASCII case ignored)
};

/// How `key` orders row `a` before row `b`: rates and connection counts descending, names
/// ascending ignoring ASCII case. Nothing when they tie on it, and always for SortKey::Pid:
/// the caller breaks ties with the row's own identity so rows never jump between two draws.
std::optional<bool> sort_before(SortKey key, const SortFields& a, const SortFields& b);

/// A table column as the layout sees it.
struct Column {
    std::string title;          ///< header text (the sort marker is appended by `draw_header`)
    int width = 1;              ///< minimum width in cells
    Align align = Align::Left;  ///< alignment of header and cells
    int grow = 0;               ///< share of the spare width this column takes (0 = fixed)
    int drop_rank = 0;          ///< 0 = always shown; otherwise higher ranks are dropped first
    bool sorted = false;        ///< the table is sorted by this column (header gets ▾)
};

/// Indices in a column list of the columns that show what each SortKey measures.
struct SortColumns {
    std::size_t rx = 0;           ///< receive rate (SortKey::Download, and Rate)
    std::size_t tx = 0;           ///< send rate (SortKey::Upload, and Rate)
    std::size_t pid = 0;          ///< what SortKey::Pid sorts by
    std::size_t name = 0;         ///< what SortKey::Name sorts by
    std::size_t connections = 0;  ///< connection count
};

/// Marks as `sorted` the column(s) the table is sorted by for `key`: both rate columns for
/// SortKey::Rate. Indices outside `columns` are ignored.
void mark_sorted(std::vector<Column>& columns, SortKey key, const SortColumns& at);

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

/// Lays out `columns` across the whole canvas width (see `layout`) and draws their header
/// at row `y` (see `draw_header`); returns the widths, for `draw_cell`.
std::vector<int> draw_table_header(Canvas& canvas, int y, const std::vector<Column>& columns);

/// Draws `text` fitted to column `index` of the row at `y` (nothing if the column is hidden).
void draw_cell(Canvas& canvas, int y, const std::vector<int>& widths, std::size_t index,
               std::string_view text, const Style& style, Align align);

/// Draws a one-line message at (x, y), cut to the canvas width; nothing if off the canvas.
void draw_line(Canvas& canvas, int x, int y, std::string_view text, const Style& style);

/// Draws why a table under a header at row 0 has no rows, dimmed at (1, 2) (higher on a short
/// canvas): `empty` ("No remote hosts") without a filter, else "No <item> matches '<filter>'".
void draw_no_rows(Canvas& canvas, const std::string& filter, std::string_view empty,
                  std::string_view item);

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

/// Lines a wheel notch moves the selection.
inline constexpr int kWheelLines = 3;

/// Applies a wheel event as `kWheelLines` up or down keys through `on_key` (the view's own
/// key handler, so a view with several lists moves the right one). Returns false, and does
/// nothing, for any other mouse event.
bool on_wheel(const MouseEvent& mouse, const std::function<void(const KeyEvent&)>& on_key);

/// One visible row of a list being drawn by `draw_rows`.
struct ListRow {
    std::size_t item = 0;   ///< index of the row's item in the list
    int y = 0;              ///< canvas row
    bool selected = false;  ///< the row under the cursor
    Style style;            ///< the row's style (`row_style`), already filled across the row

    /// The style of a cell coloured by `role`: the row's own style on the selected row (the
    /// selection reads as one bar), else `role`'s foreground on the row's background.
    Style cell(const Canvas& canvas, ThemeRole role) const;
};

/// Indices in a column list of a summary table's traffic columns.
struct TrafficColumns {
    std::size_t rx = 0;           ///< receive rate
    std::size_t tx = 0;           ///< send rate
    std::size_t total = 0;        ///< bytes moved both ways since start
    std::size_t connections = 0;  ///< connection count
};

/// Draws a summary row's traffic cells, right-aligned: the rates in the Rx/Tx roles (in
/// cumulative mode the bytes since start instead), the total bytes and the connection count
/// as plain text.
void draw_traffic_cells(Canvas& canvas, const ListRow& row, const std::vector<int>& widths,
                        const TrafficColumns& at, const Traffic& traffic, std::uint32_t connections,
                        bool cumulative = false);

/// Title of a rate column: "↓ RATE" / "↑ RATE", or "↓ BYTES" / "↑ BYTES" in cumulative mode
/// (`ViewContext::cumulative`); "DN"/"UP" without Unicode.
std::string rate_title(bool down, bool unicode, bool cumulative);

/// The traffic as the rate columns show it: in cumulative mode `rx_bps`/`tx_bps` hold the
/// bytes since start, so sorting by rate, download or upload sorts by what is on screen.
Traffic as_shown(const Traffic& traffic, bool cumulative);

/// Draws the rows of a list of `count` items from canvas row `first_y` to the bottom:
/// scrolls `cursor` so the selection is visible, fills each visible row with its `row_style`,
/// then calls `draw_row` for its cells.
void draw_rows(Canvas& canvas, ListCursor& cursor, int first_y, int count,
               const std::function<void(const ListRow&)>& draw_row);

/// What a table says when it has no rows (see `draw_no_rows`).
struct NoRowsText {
    std::string_view empty;  ///< without a filter, e.g. "No remote hosts"
    std::string_view item;   ///< the item's name in "No <item> matches '<filter>'"
};

/// A ListCursor whose selection is an item, known by `Id`, rather than a row number: when a
/// new snapshot reorders the list, the cursor moves with the item. The views build the list
/// anew for every draw, key and click, and pass it in (`Item*` in display order).
template <class Item, class Id>
class SelectionCursor {
  public:
    /// What identifies an item between snapshots.
    using IdOf = Id (*)(const Item&);

    explicit SelectionCursor(IdOf id_of) : id_of_(id_of) {}

    /// Puts the cursor on the selected item if `rows` still lists it (else it stays at the
    /// same row, clamped), then remembers the item under the cursor.
    void sync(const std::vector<const Item*>& rows) {
        const int n = static_cast<int>(rows.size());
        if (selected_) {
            auto it = std::find_if(rows.begin(), rows.end(),
                                   [&](const Item* item) { return id_of_(*item) == *selected_; });
            if (it != rows.end()) cursor_.set_index(static_cast<int>(it - rows.begin()), n);
        }
        cursor_.set_index(cursor_.index(), n);
        if (n > 0)
            selected_ = id_of_(*rows[static_cast<std::size_t>(cursor_.index())]);
        else
            selected_.reset();
    }

    /// Syncs with `rows`, then applies a navigation key (see `ListCursor::on_key`). Returns
    /// false for any other key.
    bool on_key(std::int32_t code, const std::vector<const Item*>& rows) {
        sync(rows);
        const int n = static_cast<int>(rows.size());
        if (!cursor_.on_key(code, n)) return false;
        if (n > 0) selected_ = id_of_(*rows[static_cast<std::size_t>(cursor_.index())]);
        return true;
    }

    /// Syncs with `rows`, then selects the item drawn `visible_row` rows below the first
    /// visible one. Returns false when no item is drawn there.
    bool select_visible_row(int visible_row, const std::vector<const Item*>& rows) {
        if (visible_row < 0) return false;
        sync(rows);
        const int index = cursor_.top() + visible_row;
        if (index >= static_cast<int>(rows.size())) return false;
        cursor_.set_index(index, static_cast<int>(rows.size()));
        selected_ = id_of_(*rows[static_cast<std::size_t>(index)]);
        return true;
    }

    /// A list's mouse handling: the wheel moves like the arrow keys, a click selects the item
    /// drawn under it (row 0 of the view is the column titles). True when it was handled.
    bool on_mouse(const MouseEvent& mouse, const std::vector<const Item*>& rows) {
        if (on_wheel(mouse, [&](const KeyEvent& key) { on_key(key.code, rows); })) return true;
        return mouse.y >= 1 && select_visible_row(mouse.y - 1, rows);
    }

    /// The id of the item under the cursor after the last sync, key or click, if any.
    const std::optional<Id>& selected() const { return selected_; }
    /// The row cursor, for drawing (`draw_rows` scrolls it).
    ListCursor& cursor() { return cursor_; }
    /// The row cursor.
    const ListCursor& cursor() const { return cursor_; }

  private:
    IdOf id_of_;
    ListCursor cursor_;
    std::optional<Id> selected_;
};

/// Draws the list of a table view under its header at row 0: syncs `selection` with `rows`
/// (the filtered, sorted items), then draws the visible rows (`draw_rows`) with `draw_row`
/// drawing each item's cells, or, when `rows` is empty, says why (`draw_no_rows`).
template <class Item, class Id>
void draw_list(
    Canvas& canvas, SelectionCursor<Item, Id>& selection, const std::vector<const Item*>& rows,
    const std::string& filter, const NoRowsText& no_rows,
    // Not deduced, so a lambda can be passed for it.
    const std::type_identity_t<std::function<void(const Item&, const ListRow&)>>& draw_row) {
    selection.sync(rows);
    if (rows.empty()) {
        draw_no_rows(canvas, filter, no_rows.empty, no_rows.item);
        return;
    }
    draw_rows(canvas, selection.cursor(), 1, static_cast<int>(rows.size()),
              [&](const ListRow& row) { draw_row(*rows[row.item], row); });
}

}  // namespace sstop::plugins::view_common
