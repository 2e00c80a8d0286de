#include <gtest/gtest.h>

#include <fstream>
#include <linuxproc/number.hpp>
#include <linuxproc/proc_parse.hpp>
#include <sstream>
#include <string>

namespace lp = sstop::plugins::linuxproc;

namespace {
std::string fixture(const std::string& name) {
    std::ifstream in(std::string(SSTOP_SOURCE_DIR) + "/plugins/linux-proc/tests/data/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
}  // namespace

TEST(ParseStat, ReadsRealStatFile) {
    auto stat = lp::parse_stat(fixture("stat_bash"));
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->comm, "bash");
    EXPECT_EQ(stat->state, 'S');
    EXPECT_EQ(stat->ppid, 2689);
    EXPECT_EQ(stat->start_time, 39506u);
}

TEST(ParseStat, CommWithSpacesAndParenthesesEndsAtLastParenthesis) {
    auto stat = lp::parse_stat("1 (a) b (c)) S 7 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0\n");
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->comm, "a) b (c)");
    EXPECT_EQ(stat->state, 'S');
    EXPECT_EQ(stat->ppid, 7);
    EXPECT_EQ(stat->start_time, 4242u);
}

TEST(ParseStat, CommOfOddCharactersIsKept) {
    auto stat = lp::parse_stat("12 (a) b (c) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0");
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->comm, "a) b (c");
    EXPECT_EQ(stat->state, 'R');
    EXPECT_EQ(stat->start_time, 99u);
}

TEST(ParseStat, RejectsTruncatedOrGarbage) {
    EXPECT_FALSE(lp::parse_stat(""));
    EXPECT_FALSE(lp::parse_stat("1 (x) S 1 2 3"));            // ends before field 22
    EXPECT_FALSE(lp::parse_stat("1 x S 1 2 3 4 5 6 7 8 9"));  // no parentheses
    EXPECT_FALSE(lp::parse_stat("abc (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0"));
    EXPECT_FALSE(lp::parse_stat("1 (x) S z 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0"));
    EXPECT_FALSE(lp::parse_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5x 0"));
}

TEST(ParseSocketLink, ReadsInodeOfSocketLinksOnly) {
    EXPECT_EQ(lp::parse_socket_link("socket:[12345]"), 12345u);
    EXPECT_EQ(lp::parse_socket_link("socket:[18446744073709551615]"), 18446744073709551615ull);
    EXPECT_FALSE(lp::parse_socket_link("pipe:[12345]"));
    EXPECT_FALSE(lp::parse_socket_link("/dev/null"));
    EXPECT_FALSE(lp::parse_socket_link("anon_inode:[eventpoll]"));
    EXPECT_FALSE(lp::parse_socket_link("socket:[]"));
    EXPECT_FALSE(lp::parse_socket_link("socket:[12a]"));
    EXPECT_FALSE(lp::parse_socket_link("socket:[123"));
    EXPECT_FALSE(lp::parse_socket_link("socket:[99999999999999999999]"));  // overflows
}

TEST(ParseStatusUid, ReadsRealUid) {
    EXPECT_EQ(lp::parse_status_uid(fixture("status_bash")), 0u);
    EXPECT_EQ(lp::parse_status_uid("Name:\tx\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t5\n"),
              1000u);
    EXPECT_FALSE(lp::parse_status_uid("Name:\tx\nGid:\t5\n"));
    EXPECT_FALSE(lp::parse_status_uid("Uid:\tabc\n"));
}

TEST(JoinCmdline, JoinsArgumentsWithSpacesAndCaps) {
    using namespace std::string_literals;
    EXPECT_EQ(lp::join_cmdline("/usr/bin/python3\0-m\0http.server\0"s),
              "/usr/bin/python3 -m http.server");
    EXPECT_EQ(lp::join_cmdline(""), "");
    std::string long_arg(10000, 'x');
    EXPECT_EQ(lp::join_cmdline(long_arg).size(), lp::kMaxCmdline);
}

TEST(ParseUnsigned, AcceptsOnlyWholeInRangeNumbers) {
    EXPECT_EQ(lp::parse_unsigned<std::uint32_t>("0100007F", 16), 0x0100007Fu);
    EXPECT_EQ(lp::parse_unsigned<std::uint32_t>("ffffffff", 16), 0xffffffffu);
    EXPECT_FALSE(lp::parse_unsigned<std::uint32_t>("100000000", 16));  // overflows
    EXPECT_EQ(lp::parse_unsigned<std::uint64_t>("18446744073709551615"), UINT64_MAX);
    EXPECT_FALSE(lp::parse_unsigned<std::uint64_t>("18446744073709551616"));
    EXPECT_FALSE(lp::parse_unsigned<std::uint16_t>("7F", 10));  // hex digit in decimal
    EXPECT_FALSE(lp::parse_unsigned<std::uint16_t>("0x10", 16));
    EXPECT_FALSE(lp::parse_unsigned<std::uint16_t>("-1"));
    EXPECT_FALSE(lp::parse_unsigned<std::uint16_t>(""));
}

TEST(FormatDecimal, WritesNulTerminatedDigits) {
    char buf[24];
    EXPECT_EQ(lp::format_decimal(0, buf), 1u);
    EXPECT_STREQ(buf, "0");
    EXPECT_EQ(lp::format_decimal(4194304, buf), 7u);
    EXPECT_STREQ(buf, "4194304");
    EXPECT_EQ(lp::format_decimal(UINT64_MAX, buf), 20u);
    EXPECT_STREQ(buf, "18446744073709551615");
}
