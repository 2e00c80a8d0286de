#include "table.hpp"

#include <gtest/gtest.h>

#include <numeric>

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
}

TEST(ViewText, ContainsIgnoresAsciiCase) {
    EXPECT_TRUE(vc::contains_ci("Firefox", "fire"));
    EXPECT_TRUE(vc::contains_ci("x", ""));
    EXPECT_FALSE(vc::contains_ci("curl", "wget"));
    EXPECT_EQ(vc::to_lower("AbC1"), "abc1");
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
