#include <gtest/gtest.h>

#include "tui/canvas.hpp"
#include "tui/color.hpp"

using sstop::Rgb;
using sstop::ThemeRole;
using namespace sstop::tui;

TEST(TuiColor, ParsesHexColoursAndRejectsOthers) {
    EXPECT_EQ(parse_hex_colour("#1a1B26"), (Rgb{0x1a, 0x1b, 0x26}));
    EXPECT_FALSE(parse_hex_colour("1a1b26"));
    EXPECT_FALSE(parse_hex_colour("#1a1b2"));
    EXPECT_FALSE(parse_hex_colour("#1a1b2g"));
}

TEST(TuiColor, MapsPureColoursToThe256Cube) {
    EXPECT_EQ(nearest_256(Rgb{0, 0, 0}), 16);
    EXPECT_EQ(nearest_256(Rgb{255, 255, 255}), 231);
    EXPECT_EQ(nearest_256(Rgb{255, 0, 0}), 196);
    EXPECT_EQ(nearest_256(Rgb{0, 255, 0}), 46);
    EXPECT_EQ(nearest_256(Rgb{0, 0, 255}), 21);
    EXPECT_EQ(nearest_256(Rgb{95, 135, 175}), 16 + 36 * 1 + 6 * 2 + 3);
}

TEST(TuiColor, MapsGreysToTheGreyRamp) {
    EXPECT_EQ(nearest_256(Rgb{8, 8, 8}), 232);
    EXPECT_EQ(nearest_256(Rgb{128, 128, 128}), 244);  // 8 + 10*12 = 128
    EXPECT_EQ(nearest_256(Rgb{238, 238, 238}), 255);
    // The Tokyo Night background is a near-grey: grey 234 (0x1c) beats cube 17 (0,0,95).
    EXPECT_EQ(nearest_256(Rgb{0x1a, 0x1b, 0x26}), 234);
}

TEST(TuiColor, MapsThemeColoursToEightByHue) {
    EXPECT_EQ(nearest_8(Rgb{0x1a, 0x1b, 0x26}), 0);  // background → black
    EXPECT_EQ(nearest_8(Rgb{0xc0, 0xca, 0xf5}), 7);  // text → white
    EXPECT_EQ(nearest_8(Rgb{0xf7, 0x76, 0x8e}), 1);  // bad → red
    EXPECT_EQ(nearest_8(Rgb{0xe0, 0xaf, 0x68}), 3);  // warn → yellow
    EXPECT_EQ(nearest_8(Rgb{0x9e, 0xce, 0x6a}), 2);  // good → green
    EXPECT_EQ(nearest_8(Rgb{0x7d, 0xcf, 0xff}), 6);  // rx → cyan
    EXPECT_EQ(nearest_8(Rgb{0x7a, 0xa2, 0xf7}), 4);  // accent → blue
    EXPECT_EQ(nearest_8(Rgb{200, 0, 200}), 5);       // magenta
}

TEST(TuiColor, HslRoundTripsColours) {
    for (Rgb c : {Rgb{0x7a, 0xa2, 0xf7}, Rgb{0x9e, 0xce, 0x6a}, Rgb{10, 200, 30}, Rgb{77, 77, 77}})
        EXPECT_EQ(from_hsl(to_hsl(c)), c);
}

TEST(TuiColor, HslInterpolationHitsBothEndpointsExactly) {
    const Rgb low{0x9e, 0xce, 0x6a}, high{0xf7, 0x76, 0x8e};
    EXPECT_EQ(hsl_lerp(low, high, 0.0), low);
    EXPECT_EQ(hsl_lerp(low, high, 1.0), high);
    EXPECT_EQ(hsl_lerp(low, high, -3.0), low);
    EXPECT_EQ(hsl_lerp(low, high, 7.0), high);
}

TEST(TuiColor, HslInterpolationTakesTheShortWayRoundTheHueCircle) {
    // Green (≈89°) to red (≈349°): the short way passes yellow/orange, not blue.
    const Rgb mid = hsl_lerp(Rgb{0x9e, 0xce, 0x6a}, Rgb{0xf7, 0x76, 0x8e}, 0.5);
    const double h = to_hsl(mid).h;
    EXPECT_GT(h, 20.0);
    EXPECT_LT(h, 60.0);
}

TEST(TuiColor, ThemeOverridesReplaceRolesAndReportBadEntries) {
    std::vector<std::string> warnings;
    Theme t = make_theme(
        "tokyo-night",
        {{"rx", "#010203"}, {"background", "#000000"}, {"nope", "#ffffff"}, {"tx", "red"}},
        [&](const std::string& w) { warnings.push_back(w); });
    EXPECT_EQ(t.role(ThemeRole::Rx), (Rgb{1, 2, 3}));
    EXPECT_EQ(t.background, (Rgb{0, 0, 0}));
    EXPECT_EQ(t.role(ThemeRole::Tx), (Rgb{0xbb, 0x9a, 0xf7}));  // bad value ignored
    EXPECT_EQ(warnings.size(), 2u);
}

TEST(TuiColor, DefaultThemeIsTokyoNight) {
    Theme t = make_theme("tokyo-night", {}, nullptr);
    EXPECT_EQ(t.background, (Rgb{0x1a, 0x1b, 0x26}));
    EXPECT_EQ(t.role(ThemeRole::Text), (Rgb{0xc0, 0xca, 0xf5}));
    EXPECT_EQ(t.role(ThemeRole::Selected), (Rgb{0x28, 0x34, 0x57}));
    const sstop::Style header = role_style(t, ThemeRole::Header);
    EXPECT_EQ(header.fg, (Rgb{0x7a, 0xa2, 0xf7}));
    EXPECT_TRUE(header.attrs & sstop::kAttrBold);
    EXPECT_EQ(role_style(t, ThemeRole::Zebra).bg, (Rgb{0x1f, 0x23, 0x35}));
}

TEST(TuiColor, RateStyleEndpointsAreTheThemeRateColours) {
    Theme t = tokyo_night();
    EXPECT_EQ(rate_style_for(t, 0).fg, t.rate_low);
    EXPECT_EQ(rate_style_for(t, 1).fg, t.rate_high);
}

TEST(TuiPairCache, ReusesPairsForTheSameColours) {
    PairCache cache(4);
    auto a = cache.lookup(1, 2);
    EXPECT_TRUE(a.fresh);
    EXPECT_EQ(a.pair, 1);
    auto b = cache.lookup(1, 2);
    EXPECT_FALSE(b.fresh);
    EXPECT_EQ(b.pair, 1);
    EXPECT_EQ(cache.lookup(-1, -1).pair, 0);  // terminal defaults need no pair
}

TEST(TuiPairCache, StaysBoundedAndRecyclesWhenFull) {
    PairCache cache(3);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(cache.lookup(i, 0).pair, i + 1);
    auto d = cache.lookup(10, 0);
    EXPECT_TRUE(d.fresh);
    EXPECT_EQ(d.pair, 1);  // the oldest pair is reused
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_TRUE(cache.lookup(0, 0).fresh);  // its old colours were forgotten
    for (int i = 0; i < 100; ++i) {
        auto s = cache.lookup(i + 20, 1);
        EXPECT_GE(s.pair, 1);
        EXPECT_LE(s.pair, 3);
    }
    EXPECT_EQ(cache.size(), 3u);
}

TEST(TuiPairCache, NoPairsMeansMonochrome) {
    PairCache cache(0);
    EXPECT_EQ(cache.lookup(3, 4).pair, 0);
}
