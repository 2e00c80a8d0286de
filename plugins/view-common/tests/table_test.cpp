#include "table.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <optional>
#include <sstop/format.hpp>
#include <string>
#include <utility>
#include <vector>

#include "text_canvas.hpp"

namespace vc = sstop::plugins::view_common;
using vc::Align;
using vc::Column;
using vc::testing::TextCanvas;

namespace {
int used_width(const std::vector<int>& widths) {
    int sum = 0, n = 0;
    for (int w : widths) {
        EXPECT_GE(w, 0);
        if (w > 0) sum += w, ++n;
    }
    return n == 0 ? 0 : sum + n - 1;
}
}  // namespace

TEST(ViewText, CountsCodePointsNotBytes) {
    EXPECT_EQ(vc::text_cells("abc"), 3);
    EXPECT_EQ(vc::text_cells("↓ RATE"), 6);
    EXPECT_EQ(vc::text_cells(""), 0);
}

TEST(ViewText, FitPadsAlignsAndMarksCuts) {
    EXPECT_EQ(vc::fit("ab", 4, true), "ab  ");
    EXPECT_EQ(vc::fit("ab", 4, true, Align::Right), "  ab");
    EXPECT_EQ(vc::fit("abcdef", 4, true), "abc…");
    EXPECT_EQ(vc::fit("abcdef", 4, false), "abc~");
    EXPECT_EQ(vc::fit("abc", 0, true), "");
    EXPECT_EQ(vc::fit("abc", -3, true), "");
}

TEST(ViewText, SanitizeReplacesControlAndNonAsciiWithoutUnicode) {
    EXPECT_EQ(vc::sanitize("a\tb\x1b", true), "a?b?");
    EXPECT_EQ(vc::sanitize("zoë", true), "zoë");
    EXPECT_EQ(vc::sanitize("zoë", false), "zo?");
    EXPECT_EQ(vc::sanitize("\xff", true), "?");
    // Broken UTF-8 is one '?' a byte, as the host draws it, so the cell count stays true:
    // a cut sequence, an overlong form, a surrogate.
    EXPECT_EQ(vc::sanitize("a\xe2\x82"
                           "b",
                           true),
              "a??b");
    EXPECT_EQ(vc::text_cells("a\xe2\x82"
                             "b"),
              4);
    EXPECT_EQ(vc::sanitize("\xc0\xaf", true), "??");
    EXPECT_EQ(vc::sanitize("\xed\xa0\x80", true), "???");
}

TEST(ViewText, ContainsIgnoresAsciiCase) {
    EXPECT_TRUE(vc::contains_ci("Firefox", "fire"));
    EXPECT_TRUE(vc::contains_ci("x", ""));
    EXPECT_FALSE(vc::contains_ci("curl", "wget"));
    EXPECT_EQ(vc::to_lower("AbC1"), "abc1");
    std::string out = "x";
    vc::append_lower(out, "YZ-1");
    EXPECT_EQ(out, "xyz-1");
    EXPECT_EQ(vc::compare_ci("abc", "ABC"), 0);
    EXPECT_LT(vc::compare_ci("Abc", "abd"), 0);
    EXPECT_GT(vc::compare_ci("b", "A"), 0);
    EXPECT_LT(vc::compare_ci("ab", "ABC"), 0);  // a prefix sorts first
    EXPECT_GT(vc::compare_ci("abc", "AB"), 0);
}

TEST(ViewBar, FillsProportionallyAndPadsToWidth) {
    EXPECT_EQ(vc::bar(0.5, 4, false), "##  ");
    EXPECT_EQ(vc::bar(0, 4, false), "    ");
    EXPECT_EQ(vc::bar(2.0, 3, false), "###");
    EXPECT_EQ(vc::bar(0.001, 4, false), "#   ");  // a trickle still shows
    EXPECT_EQ(vc::text_cells(vc::bar(0.3, 7, true)), 7);
    EXPECT_EQ(vc::bar(1.0, 2, true), "██");
    EXPECT_EQ(vc::bar(-1, 0, true), "");
}

TEST(ViewLayout, GrowingColumnTakesSpareWidth) {
    std::vector<Column> cols = {{"A", 4}, {"B", 4, Align::Left, 1}, {"C", 4}};
    auto w = vc::layout(cols, 30);
    EXPECT_EQ(w[0], 4);
    EXPECT_EQ(w[2], 4);
    EXPECT_EQ(w[1], 30 - 4 - 4 - 2);
    EXPECT_EQ(used_width(w), 30);
}

TEST(ViewLayout, DropsHighestRankFirstWhenNarrow) {
    std::vector<Column> cols = {{"PID", 6},
                                {"NAME", 8, Align::Left, 1},
                                {"SPARK", 16, Align::Left, 0, 2},
                                {"BAR", 8, Align::Left, 1, 3}};
    auto w = vc::layout(cols, 34);  // all need 6+8+16+8+3 = 41
    EXPECT_EQ(w[3], 0);
    EXPECT_EQ(w[2], 16);
    w = vc::layout(cols, 20);
    EXPECT_EQ(w[2], 0);
    EXPECT_EQ(w[3], 0);
    EXPECT_EQ(used_width(w), 20);
}

TEST(ViewLayout, NeverNegativeAndNeverWiderThanGiven) {
    std::vector<Column> cols = {{"A", 10}, {"B", 10}, {"C", 10}};
    for (int width = -5; width <= 40; ++width) {
        auto w = vc::layout(cols, width);
        EXPECT_LE(used_width(w), std::max(0, width)) << width;
    }
}

TEST(ViewHeader, MarksSortedColumnAndUsesHeaderRole) {
    TextCanvas canvas(30, 2);
    std::vector<Column> cols = {{"PID", 5, Align::Right}, {"NAME", 6}};
    cols[1].sorted = true;
    auto w = vc::layout(cols, 30);
    vc::draw_header(canvas, 0, cols, w);
    EXPECT_NE(canvas.row(0).find("  PID NAME▾"), std::string::npos) << canvas.row(0);
    EXPECT_EQ(canvas.role_bg_at(29, 0), static_cast<int>(sstop::ThemeRole::Header));
    TextCanvas ascii(30, 2, false);
    vc::draw_header(ascii, 0, cols, w);
    EXPECT_NE(ascii.row(0).find("NAMEv"), std::string::npos);
    EXPECT_FALSE(ascii.has_non_ascii());
}

TEST(ViewListCursor, NavigationKeysMoveAndClamp) {
    vc::ListCursor c;
    c.scroll(100, 10);  // page = 10
    EXPECT_TRUE(c.on_key('j', 100));
    EXPECT_EQ(c.index(), 1);
    EXPECT_TRUE(c.on_key(sstop::kKeyPageDown, 100));
    EXPECT_EQ(c.index(), 11);
    EXPECT_TRUE(c.on_key(sstop::kKeyCtrlU, 100));
    EXPECT_EQ(c.index(), 6);
    EXPECT_TRUE(c.on_key('G', 100));
    EXPECT_EQ(c.index(), 99);
    EXPECT_TRUE(c.on_key('j', 100));
    EXPECT_EQ(c.index(), 99);
    EXPECT_TRUE(c.on_key(sstop::kKeyHome, 100));
    EXPECT_EQ(c.index(), 0);
    EXPECT_TRUE(c.on_key('k', 100));
    EXPECT_EQ(c.index(), 0);
    EXPECT_FALSE(c.on_key('x', 100));
    EXPECT_TRUE(c.on_key('j', 0));
    EXPECT_EQ(c.index(), 0);
}

TEST(ViewListCursor, ScrollKeepsSelectionVisible) {
    vc::ListCursor c;
    c.set_index(25, 100);
    int top = c.scroll(100, 10);
    EXPECT_LE(top, 25);
    EXPECT_GT(top + 10, 25);
    c.set_index(3, 100);
    EXPECT_EQ(c.scroll(100, 10), 3);
    EXPECT_EQ(c.scroll(5, 10), 0);  // the list shrank below one page
}

TEST(ViewLayout, GrowingColumnsShrinkBeforeFixedOnes) {
    std::vector<Column> cols = {{"ADDR", 16, Align::Left, 1}, {"PORT", 6}, {"NAME", 10}};
    auto w = vc::layout(cols, 30);  // needs 34
    EXPECT_EQ(w[0], 12);
    EXPECT_EQ(w[1], 6);
    EXPECT_EQ(w[2], 10);
}

TEST(ViewText, ProtoNames) {
    EXPECT_STREQ(vc::proto_name(sstop::Proto::Tcp), "TCP");
    EXPECT_STREQ(vc::proto_name(sstop::Proto::Udp), "UDP");
    EXPECT_STREQ(vc::proto_name(sstop::Proto::Unknown), "?");
}

TEST(ViewSort, TotalRateAddsBothDirections) {
    sstop::Traffic t;
    t.rx_bps = 1500;
    t.tx_bps = 250;
    EXPECT_DOUBLE_EQ(vc::total_rate(t), 1750);
}

TEST(ViewSort, OrdersByKeyAndLeavesTiesToTheCaller) {
    using sstop::SortKey;
    const vc::SortFields big{100, 900, 1, "beta"};    // total 1000, upload leads
    const vc::SortFields small{500, 10, 7, "Alpha"};  // total 510, download and conns lead
    EXPECT_EQ(vc::sort_before(SortKey::Rate, big, small), true);
    EXPECT_EQ(vc::sort_before(SortKey::Rate, small, big), false);
    EXPECT_EQ(vc::sort_before(SortKey::Download, small, big), true);
    EXPECT_EQ(vc::sort_before(SortKey::Upload, big, small), true);
    EXPECT_EQ(vc::sort_before(SortKey::Connections, small, big), true);
    EXPECT_EQ(vc::sort_before(SortKey::Name, small, big), true);  // "alpha" < "beta"
    EXPECT_EQ(vc::sort_before(SortKey::Name, big, small), false);
    // Pid is the caller's identity, and equal measures are ties.
    EXPECT_EQ(vc::sort_before(SortKey::Pid, big, small), std::nullopt);
    const vc::SortFields same_rate{510, 0, 7, "ALPHA"};
    EXPECT_EQ(vc::sort_before(SortKey::Rate, small, same_rate), std::nullopt);
    EXPECT_EQ(vc::sort_before(SortKey::Connections, small, same_rate), std::nullopt);
    EXPECT_EQ(vc::sort_before(SortKey::Name, small, same_rate), std::nullopt);  // case ignored
}

TEST(ViewSort, MarksTheColumnsOfTheSortKey) {
    using sstop::SortKey;
    const vc::SortColumns at{1, 2, 0, 3, 4};
    auto marked = [&](SortKey key) {
        std::vector<Column> cols(5);
        vc::mark_sorted(cols, key, at);
        std::string out;
        for (const Column& c : cols) out += c.sorted ? 'x' : '.';
        return out;
    };
    EXPECT_EQ(marked(SortKey::Rate), ".xx..");
    EXPECT_EQ(marked(SortKey::Download), ".x...");
    EXPECT_EQ(marked(SortKey::Upload), "..x..");
    EXPECT_EQ(marked(SortKey::Pid), "x....");
    EXPECT_EQ(marked(SortKey::Name), "...x.");
    EXPECT_EQ(marked(SortKey::Connections), "....x");
    std::vector<Column> two(2);
    vc::mark_sorted(two, SortKey::Connections, at);  // index 4 is not there: ignored
    EXPECT_FALSE(two[0].sorted || two[1].sorted);
}

TEST(ViewRows, NoRowsMessageNamesTheFilter) {
    TextCanvas canvas(40, 5);
    vc::draw_no_rows(canvas, "", "No remote hosts", "host");
    EXPECT_EQ(canvas.find_row(" No remote hosts"), 2) << canvas.dump();
    EXPECT_EQ(canvas.role_fg_at(1, 2), static_cast<int>(sstop::ThemeRole::Dim));
    TextCanvas filtered(40, 5);
    vc::draw_no_rows(filtered, "zzz", "No remote hosts", "host");
    EXPECT_EQ(filtered.find_row(" No host matches 'zzz'"), 2) << filtered.dump();
    for (int h = 0; h <= 3; ++h) {
        TextCanvas small(10, h);
        vc::draw_no_rows(small, "zzz", "No remote hosts", "host");
        EXPECT_EQ(small.out_of_bounds(), 0) << h;
        if (h > 0) {
            EXPECT_EQ(small.find_row(" No host"), std::min(2, h - 1)) << small.dump();
        }
    }
}

TEST(ViewRows, WheelBecomesThreeArrowKeys) {
    std::vector<std::int32_t> keys;
    auto record = [&](const sstop::KeyEvent& k) { keys.push_back(k.code); };
    sstop::MouseEvent wheel{sstop::MouseEvent::Kind::WheelDown, 0, 4};
    EXPECT_TRUE(vc::on_wheel(wheel, record));
    EXPECT_EQ(keys, std::vector<std::int32_t>(vc::kWheelLines, sstop::kKeyDown));
    keys.clear();
    wheel.kind = sstop::MouseEvent::Kind::WheelUp;
    EXPECT_TRUE(vc::on_wheel(wheel, record));
    EXPECT_EQ(keys, std::vector<std::int32_t>(vc::kWheelLines, sstop::kKeyUp));
    keys.clear();
    for (auto kind : {sstop::MouseEvent::Kind::Click, sstop::MouseEvent::Kind::DoubleClick}) {
        EXPECT_FALSE(vc::on_wheel(sstop::MouseEvent{kind, 0, 4}, record));
        EXPECT_TRUE(keys.empty());
    }
}

TEST(ViewRows, DrawsVisibleRowsWithRowStylesAndScrolls) {
    using sstop::ThemeRole;
    TextCanvas canvas(12, 5);  // rows 2..4 hold the list
    vc::ListCursor cursor;
    cursor.set_index(4, 10);
    std::vector<vc::ListRow> seen;
    vc::draw_rows(canvas, cursor, 2, 10, [&](const vc::ListRow& row) {
        seen.push_back(row);
        canvas.text(0, row.y, "item" + std::to_string(row.item), row.cell(canvas, ThemeRole::Rx));
    });
    EXPECT_EQ(canvas.out_of_bounds(), 0);
    ASSERT_EQ(seen.size(), 3u);  // scrolled so item 4 is the last visible row
    EXPECT_EQ(seen[0].item, 2u);
    EXPECT_EQ(seen[0].y, 2);
    EXPECT_EQ(seen[2].item, 4u);
    EXPECT_TRUE(seen[2].selected);
    EXPECT_FALSE(seen[1].selected);
    EXPECT_EQ(canvas.row(4).substr(0, 5), "item4");
    // Whole rows are filled: zebra on odd items, the selection bar on the cursor's row.
    EXPECT_EQ(canvas.role_bg_at(11, 2), -1);
    EXPECT_EQ(canvas.role_bg_at(11, 3), static_cast<int>(ThemeRole::Zebra));
    EXPECT_EQ(canvas.role_bg_at(11, 4), static_cast<int>(ThemeRole::Selected));
    // A cell keeps its role's colour on the zebra, but the selected row is one bar.
    EXPECT_EQ(canvas.role_fg_at(0, 3), static_cast<int>(ThemeRole::Rx));
    EXPECT_EQ(canvas.role_bg_at(0, 3), static_cast<int>(ThemeRole::Zebra));
    EXPECT_EQ(canvas.role_fg_at(0, 4), static_cast<int>(ThemeRole::Selected));
    // Nothing to draw below the canvas, and no row for an empty list.
    seen.clear();
    vc::draw_rows(canvas, cursor, 5, 10, [&](const vc::ListRow& row) { seen.push_back(row); });
    vc::draw_rows(canvas, cursor, 2, 0, [&](const vc::ListRow& row) { seen.push_back(row); });
    EXPECT_TRUE(seen.empty());
    EXPECT_EQ(canvas.out_of_bounds(), 0);
}

namespace {
struct Item {
    int id;
};
int item_id(const Item& item) { return item.id; }
std::vector<const Item*> list_of(const std::vector<Item>& items) {
    std::vector<const Item*> out;
    for (const Item& i : items) out.push_back(&i);
    return out;
}
}  // namespace

TEST(ViewSelectionCursor, FollowsTheSelectedItemWhenTheListReorders) {
    vc::SelectionCursor<Item, int> cursor(&item_id);
    std::vector<Item> items = {{10}, {20}, {30}};
    cursor.sync(list_of(items));
    EXPECT_EQ(cursor.selected(), 10);  // the first row until a key moves it
    EXPECT_TRUE(cursor.on_key('j', list_of(items)));
    EXPECT_EQ(cursor.selected(), 20);
    std::vector<Item> reordered = {{20}, {30}, {10}};
    cursor.sync(list_of(reordered));
    EXPECT_EQ(cursor.cursor().index(), 0);
    EXPECT_EQ(cursor.selected(), 20);
    // When the item is gone the cursor stays on its row (clamped) and takes that item.
    std::vector<Item> gone = {{30}, {10}};
    cursor.sync(list_of(gone));
    EXPECT_EQ(cursor.selected(), 30);
    EXPECT_TRUE(cursor.on_key('G', list_of(gone)));
    EXPECT_EQ(cursor.selected(), 10);
    std::vector<Item> shorter = {{40}};
    cursor.sync(list_of(shorter));
    EXPECT_EQ(cursor.selected(), 40);
    cursor.sync({});
    EXPECT_FALSE(cursor.selected().has_value());
    EXPECT_TRUE(cursor.on_key('j', {}));  // a navigation key on an empty list is still used
    EXPECT_FALSE(cursor.selected().has_value());
    EXPECT_FALSE(cursor.on_key('x', list_of(items)));
}

TEST(ViewSelectionCursor, SelectsTheClickedVisibleRow) {
    vc::SelectionCursor<Item, int> cursor(&item_id);
    std::vector<Item> items;
    for (int i = 0; i < 20; ++i) items.push_back({100 + i});
    auto list = list_of(items);
    cursor.sync(list);
    cursor.on_key('G', list);
    EXPECT_EQ(cursor.cursor().scroll(20, 5), 15);  // rows 15..19 are visible
    EXPECT_TRUE(cursor.select_visible_row(2, list));
    EXPECT_EQ(cursor.selected(), 117);
    EXPECT_EQ(cursor.cursor().index(), 17);
    EXPECT_FALSE(cursor.select_visible_row(5, list));  // below the last item
    EXPECT_FALSE(cursor.select_visible_row(-1, list));
    EXPECT_EQ(cursor.selected(), 117);
}

TEST(ViewHeader, TableHeaderSpansTheCanvasAndReturnsTheLayout) {
    TextCanvas canvas(20, 3);
    std::vector<Column> cols = {{"PID", 5, Align::Right}, {"NAME", 6, Align::Left, 1}};
    std::vector<int> widths = vc::draw_table_header(canvas, 1, cols);
    EXPECT_EQ(widths, vc::layout(cols, 20));
    EXPECT_EQ(canvas.row(1), "  PID NAME          ");
    EXPECT_EQ(canvas.role_bg_at(19, 1), static_cast<int>(sstop::ThemeRole::Header));
    EXPECT_EQ(canvas.role_bg_at(0, 0), -1);  // other rows untouched
}

TEST(ViewSelectionCursor, DrawListSyncsThenDrawsRowsOrSaysWhyThereAreNone) {
    vc::SelectionCursor<Item, int> cursor(&item_id);
    std::vector<Item> items = {{7}, {8}, {9}};
    std::vector<std::pair<int, int>> drawn;  // item id, canvas row
    auto draw_row = [&](const Item& item, const vc::ListRow& row) {
        drawn.emplace_back(item.id, row.y);
    };
    TextCanvas canvas(30, 3);  // two rows under the header at row 0
    cursor.sync(list_of(items));
    EXPECT_EQ(cursor.selected(), 7);
    std::vector<Item> reordered = {{9}, {8}, {7}};
    vc::draw_list(canvas, cursor, list_of(reordered), "", {"No items", "item"}, draw_row);
    EXPECT_EQ(cursor.selected(), 7);  // synced: still item 7, now the last row, scrolled to
    EXPECT_EQ(drawn, (std::vector<std::pair<int, int>>{{8, 1}, {7, 2}}));
    EXPECT_EQ(canvas.role_bg_at(0, 2), static_cast<int>(sstop::ThemeRole::Selected));
    drawn.clear();
    TextCanvas empty(30, 3);
    vc::draw_list(empty, cursor, {}, "x", {"No items", "item"}, draw_row);
    EXPECT_TRUE(drawn.empty());
    EXPECT_FALSE(cursor.selected().has_value());
    EXPECT_EQ(empty.find_row("No item matches 'x'"), 2) << empty.dump();
    EXPECT_EQ(empty.out_of_bounds() + canvas.out_of_bounds(), 0);
}

TEST(ViewRows, TrafficCellsShowRatesTotalAndConnections) {
    using sstop::ThemeRole;
    std::vector<Column> cols = {{"RX", 10, Align::Right},
                                {"TX", 10, Align::Right},
                                {"TOTAL", 9, Align::Right},
                                {"CONN", 5, Align::Right}};
    TextCanvas canvas(40, 3);
    std::vector<int> widths = vc::layout(cols, 40);
    sstop::Traffic t;
    t.rx_bps = 2048;
    t.tx_bps = 512;
    t.rx_bytes = 4096;
    t.tx_bytes = 1024;
    vc::ListRow row;
    row.y = 1;
    row.style = vc::row_style(canvas, 1, false);  // a zebra row
    vc::draw_traffic_cells(canvas, row, widths, {0, 1, 2, 3}, t, 42);
    std::string text = canvas.row(1);
    std::vector<int> xs = vc::column_x(widths);
    auto cell_text = [&](std::size_t i) {
        return text.substr(static_cast<std::size_t>(xs[i]), static_cast<std::size_t>(widths[i]));
    };
    EXPECT_EQ(cell_text(0), vc::fit(sstop::format_rate(2048), widths[0], true, Align::Right));
    EXPECT_EQ(cell_text(1), vc::fit(sstop::format_rate(512), widths[1], true, Align::Right));
    EXPECT_EQ(cell_text(2), vc::fit(sstop::format_bytes(5120), widths[2], true, Align::Right));
    EXPECT_EQ(cell_text(3), vc::fit("42", widths[3], true, Align::Right));
    int last = xs[0] + widths[0] - 1;  // right-aligned: the rate's last cell is not blank
    EXPECT_EQ(canvas.role_fg_at(last, 1), static_cast<int>(ThemeRole::Rx));
    EXPECT_EQ(canvas.role_bg_at(last, 1), static_cast<int>(ThemeRole::Zebra));
    EXPECT_EQ(canvas.role_fg_at(xs[1] + widths[1] - 1, 1), static_cast<int>(ThemeRole::Tx));
    EXPECT_EQ(canvas.role_fg_at(xs[3] + widths[3] - 1, 1), static_cast<int>(ThemeRole::Text));
    EXPECT_EQ(canvas.out_of_bounds(), 0);
}
