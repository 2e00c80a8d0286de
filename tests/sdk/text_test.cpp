// sstop/text.hpp: the one UTF-8 decoder and the ASCII case helpers every part shares.

#include <gtest/gtest.h>

#include <sstop/text.hpp>
#include <string_view>

namespace {

using sstop::decode_utf8;

TEST(DecodeUtf8, ReadsEachLengthAndItsCodePoint) {
    EXPECT_EQ(decode_utf8("A", 0).code_point, U'A');
    EXPECT_EQ(decode_utf8("A", 0).length, 1u);
    EXPECT_EQ(decode_utf8("\xc3\xa9", 0).code_point, U'\u00e9');  // é
    EXPECT_EQ(decode_utf8("\xc3\xa9", 0).length, 2u);
    EXPECT_EQ(decode_utf8("x\xe2\x82\xac", 1).code_point, U'\u20ac');  // € at an offset
    EXPECT_EQ(decode_utf8("x\xe2\x82\xac", 1).length, 3u);
    EXPECT_EQ(decode_utf8("\xf0\x9f\x98\x80", 0).code_point, U'\U0001F600');
    EXPECT_EQ(decode_utf8("\xf4\x8f\xbf\xbf", 0).code_point, U'\U0010FFFF');  // the last one
}

TEST(DecodeUtf8, RefusesWhatRfc3629Forbids) {
    const std::string_view bad[] = {
        "\x80",              // a stray continuation byte
        "\xff",              // never a lead byte
        "\xe2\x82",          // cut short by the end
        "\xe2\x82x",         // cut short by a non-continuation byte
        "\xc0\xaf",          // overlong '/'
        "\xe0\x80\xaf",      // overlong, three bytes
        "\xed\xa0\x80",      // a UTF-16 surrogate
        "\xf4\x90\x80\x80",  // past U+10FFFF
        "\xf8\x88\x80\x80",  // five-byte form
    };
    for (std::string_view text : bad) {
        EXPECT_EQ(decode_utf8(text, 0).length, 0u) << testing::PrintToString(text);
        EXPECT_EQ(decode_utf8(text, 0).code_point, 0u);
    }
}

TEST(AsciiCase, LowersAsciiOnlyAndMatchesIgnoringIt) {
    EXPECT_EQ(sstop::to_lower("AbC1-Z\xc3\x89"), "abc1-z\xc3\x89");  // É is left alone
    EXPECT_EQ(sstop::ascii_lower('Q'), 'q');
    EXPECT_TRUE(sstop::contains_ci("Firefox", "fire"));
    EXPECT_TRUE(sstop::contains_ci("xFIREx", "fire"));
    EXPECT_TRUE(sstop::contains_ci("anything", ""));
    EXPECT_TRUE(sstop::contains_ci("", ""));
    EXPECT_FALSE(sstop::contains_ci("curl", "wget"));
    EXPECT_FALSE(sstop::contains_ci("fir", "fire"));
    EXPECT_FALSE(sstop::contains_ci("FIRE", "FIRE"));  // the needle must be lower case already
}

}  // namespace
