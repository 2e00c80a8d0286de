// parse_duration: the accepted spellings and the refused ones; format_duration: the spelling
// every message and the TUI use, which parse_duration reads back exactly.

#include "core/duration.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace sstop::core {
namespace {

using namespace std::chrono_literals;

struct Valid {
    std::string text;
    std::chrono::nanoseconds expected;
};

TEST(ParseDuration, AcceptsNumberWithUnit) {
    const std::vector<Valid> table{
        {"250us", 250us},
        {"500ms", 500ms},
        {"1s", 1s},
        {"2.5s", 2500ms},
        {"5m", 5min},
        {"1h", 1h},
        {"0", 0ns},
        {"0s", 0ns},
        {"0.5ms", 500us},
        {"1.25h", 75min},
        {"1.0001us", 1000ns},  // below a nanosecond rounds to the nearest one
        {"1.5us", 1500ns},
        {".5s", 500ms},
        {"10 s", 10s},   // a space before the unit is tolerated
        {" 3m ", 3min},  // surrounding blanks too
        {"007s", 7s},
        {"86400s", 24h},
        {"2562047h", std::chrono::hours(2562047)},  // just below the int64 nanosecond limit
    };
    for (const Valid& row : table) {
        SCOPED_TRACE(row.text);
        EXPECT_EQ(parse_duration(row.text), row.expected);
    }
}

TEST(ParseDuration, RejectsMalformedText) {
    const std::vector<std::string> table{
        "",
        "   ",
        "fast",
        "s",
        "1",
        "10",
        "1.5",
        "-1s",
        "-0s",
        "1sec",
        "1S",
        "1 ms s",
        "1.s",
        "1.5.s",
        "1..5s",
        "1e3ms",
        "+1s",
        "1s2",
        "0x10s",
        "1,5s",
        "1d",
        "ms500",
        "1 000s",
        "1\ns",
        "2562048h",  // overflows int64 nanoseconds
        "99999999999999999999s",
    };
    for (const std::string& text : table) {
        SCOPED_TRACE(text);
        EXPECT_THROW(parse_duration(text), std::invalid_argument);
    }
}

TEST(ParseDuration, MessageSaysWhatIsAccepted) {
    try {
        parse_duration("fast");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(),
                     "invalid duration \"fast\": expected a number with a unit (us, ms, s, m, h), "
                     "e.g. 500ms or 2.5s");
    }
}

TEST(ParseDuration, MissingUnitIsNamed) {
    try {
        parse_duration("10");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("missing unit"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("500ms"), std::string::npos) << e.what();
    }
}

TEST(ParseDuration, NegativeIsNamed) {
    try {
        parse_duration("-5s");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "invalid duration \"-5s\": a duration cannot be negative");
    }
}

TEST(ParseDuration, OverflowIsNamed) {
    try {
        parse_duration("3000000h");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "invalid duration \"3000000h\": too large");
    }
}

TEST(ParseDuration, HugeGarbageIsEchoedTruncated) {
    const std::string garbage(10000, 'x');
    try {
        parse_duration(garbage);
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_LT(std::string(e.what()).size(), 200u);
    }
}

TEST(FormatDuration, LargestUnitWithAtMostThreeDecimals) {
    EXPECT_EQ(format_duration(0ns), "0");
    EXPECT_EQ(format_duration(100ms), "100ms");
    EXPECT_EQ(format_duration(1s), "1s");
    EXPECT_EQ(format_duration(2500ms), "2.5s");
    EXPECT_EQ(format_duration(1234ms), "1.234s");
    EXPECT_EQ(format_duration(1001ms), "1.001s");
    EXPECT_EQ(format_duration(90s), "1.5m");
    EXPECT_EQ(format_duration(100s), "100s");
    EXPECT_EQ(format_duration(24h), "24h");
    EXPECT_EQ(format_duration(1500ns), "1.5us");
    EXPECT_EQ(format_duration(500ns), "0.5us");
    EXPECT_EQ(format_duration(1ns), "0.001us");
}

TEST(FormatDuration, ParsesBackToTheSameValue) {
    for (std::int64_t ns : {1LL, 999LL, 1'000LL, 1'234'567LL, 100'000'000LL, 1'500'000'000LL,
                            61'000'000'000LL, 5'400'000'000'000LL, 86'400'000'000'000LL}) {
        const std::chrono::nanoseconds value{ns};
        EXPECT_EQ(parse_duration(format_duration(value)), value) << format_duration(value);
    }
}

}  // namespace
}  // namespace sstop::core
