#include "text_canvas.hpp"

#include <gtest/gtest.h>

using sstop::plugins::view_common::testing::TextCanvas;

TEST(TextCanvas, RecordsCellsAndCountsOutOfBoundsWrites) {
    TextCanvas canvas(5, 2);
    sstop::Style s = canvas.style(sstop::ThemeRole::Text);
    EXPECT_EQ(canvas.text(1, 0, "a↓c", s), 3);
    EXPECT_EQ(canvas.row(0), " a↓c ");
    EXPECT_EQ(canvas.out_of_bounds(), 0);
    canvas.text(4, 1, "xy", s);
    EXPECT_EQ(canvas.out_of_bounds(), 1);
    canvas.text(0, 2, "z", s);
    EXPECT_EQ(canvas.out_of_bounds(), 2);
    EXPECT_EQ(canvas.text(0, 1, "abcd", s, 2), 2);
    EXPECT_EQ(canvas.row(1), "ab  x");
    EXPECT_TRUE(canvas.has_non_ascii());
}

TEST(TextCanvas, StylesCarryTheirRole) {
    TextCanvas canvas(3, 1);
    canvas.fill(0, 0, 3, 1, canvas.style(sstop::ThemeRole::Zebra));
    EXPECT_EQ(canvas.role_bg_at(2, 0), static_cast<int>(sstop::ThemeRole::Zebra));
    canvas.text(0, 0, "x", canvas.rate_style(0.5));
    EXPECT_EQ(canvas.role_fg_at(0, 0), -1);
    EXPECT_EQ(canvas.style_at(0, 0).fg.g, 127);
}
