#include <curses.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "core/duration.hpp"
#include "tui/input.hpp"
#include "tui/terminal.hpp"

using namespace sstop;
using namespace sstop::tui;
using namespace std::chrono_literals;

TEST(TuiKeys, MapsCursesFunctionKeysToSdkKeys) {
    EXPECT_EQ(map_curses_key(true, KEY_UP), kKeyUp);
    EXPECT_EQ(map_curses_key(true, KEY_DOWN), kKeyDown);
    EXPECT_EQ(map_curses_key(true, KEY_PPAGE), kKeyPageUp);
    EXPECT_EQ(map_curses_key(true, KEY_NPAGE), kKeyPageDown);
    EXPECT_EQ(map_curses_key(true, KEY_HOME), kKeyHome);
    EXPECT_EQ(map_curses_key(true, KEY_END), kKeyEnd);
    EXPECT_EQ(map_curses_key(true, KEY_ENTER), kKeyEnter);
    EXPECT_EQ(map_curses_key(true, KEY_BTAB), kKeyBackTab);
    EXPECT_EQ(map_curses_key(true, KEY_F(5)), kKeyNone);
}

TEST(TuiKeys, MapsControlCharactersAndKeepsPrintables) {
    EXPECT_EQ(map_curses_key(false, '\r'), kKeyEnter);
    EXPECT_EQ(map_curses_key(false, '\n'), kKeyEnter);
    EXPECT_EQ(map_curses_key(false, 27), kKeyEscape);
    EXPECT_EQ(map_curses_key(false, '\t'), kKeyTab);
    EXPECT_EQ(map_curses_key(false, 127), kKeyBackspace);
    EXPECT_EQ(map_curses_key(false, 0x15), kKeyCtrlU);
    EXPECT_EQ(map_curses_key(false, 0x04), kKeyCtrlD);
    EXPECT_EQ(map_curses_key(false, 'j'), 'j');
    EXPECT_EQ(map_curses_key(false, 'G'), 'G');
    EXPECT_EQ(map_curses_key(false, 0x65E5), 0x65E5);  // 日
    EXPECT_EQ(map_curses_key(false, 3), 3);            // Ctrl-C stays for the host
}

TEST(TuiInterval, StepsThroughTheFixedLadder) {
    EXPECT_EQ(step_interval(1s, +1), 2s);
    EXPECT_EQ(step_interval(1s, -1), 500ms);
    EXPECT_EQ(step_interval(500ms, -1), 250ms);
    EXPECT_EQ(step_interval(250ms, -1), 100ms);
    EXPECT_EQ(step_interval(5s, +1), 10s);
}

TEST(TuiInterval, StaysAtTheEnds) {
    EXPECT_EQ(step_interval(100ms, -1), 100ms);
    EXPECT_EQ(step_interval(10s, +1), 10s);
}

TEST(TuiInterval, ValuesBetweenStepsMoveToTheNeighbour) {
    EXPECT_EQ(step_interval(1500ms, +1), 2s);
    EXPECT_EQ(step_interval(1500ms, -1), 1s);
    EXPECT_EQ(step_interval(30s, -1), 10s);
}

TEST(TuiInterval, FormatsForTheHeader) {
    EXPECT_EQ(core::format_duration(100ms), "100ms");
    EXPECT_EQ(core::format_duration(2s), "2s");
    EXPECT_EQ(core::format_duration(2500ms), "2.5s");
}

TEST(TuiSort, CyclesThroughEveryOrderAndBack) {
    SortKey k = SortKey::Rate;
    std::vector<SortKey> seen;
    for (int i = 0; i < 6; ++i) seen.push_back(k = next_sort(k));
    EXPECT_EQ(seen.front(), SortKey::Download);
    EXPECT_EQ(seen.back(), SortKey::Rate);
    EXPECT_EQ(std::string(sort_name(SortKey::Connections)), "connections");
}

TEST(TuiTrend, UpAndDownBeyondTwentyPercentOfThePreviousFiveAverage) {
    EXPECT_EQ(trend_of({100, 100, 100, 100, 100, 121}), Trend::Up);
    EXPECT_EQ(trend_of({100, 100, 100, 100, 100, 79}), Trend::Down);
    EXPECT_EQ(trend_of({100, 100, 100, 100, 100, 119}), Trend::Flat);
    EXPECT_EQ(trend_of({100, 100, 100, 100, 100, 81}), Trend::Flat);
}

TEST(TuiTrend, OnlyTheFiveSamplesBeforeTheNewestCount) {
    // The 1000 is the sixth before the newest and must not lift the average.
    EXPECT_EQ(trend_of({1000, 10, 10, 10, 10, 10, 13}), Trend::Up);
}

TEST(TuiTrend, ShortAndZeroHistories) {
    EXPECT_EQ(trend_of({}), Trend::Flat);
    EXPECT_EQ(trend_of({5}), Trend::Flat);
    EXPECT_EQ(trend_of({0, 0, 0}), Trend::Flat);
    EXPECT_EQ(trend_of({0, 0, 1}), Trend::Up);
    EXPECT_EQ(trend_of({50, 100}), Trend::Up);
    EXPECT_EQ(std::string(trend_arrow(Trend::Up, true)), "↑");
    EXPECT_EQ(std::string(trend_arrow(Trend::Down, false)), "v");
}

TEST(TuiHistory, SumsAlignedAtTheNewestEnd) {
    EXPECT_EQ(sum_histories({1, 2, 3}, {10, 20}), (std::vector<double>{1, 12, 23}));
    EXPECT_EQ(sum_histories({}, {4}), (std::vector<double>{4}));
}

TEST(TuiInterface, DefaultIsTheBusiestUpNonLoopback) {
    std::vector<InterfaceSummary> itfs(4);
    itfs[0].name = "eth0";
    itfs[0].up = true;
    itfs[0].traffic.rx_bps = 10;
    itfs[1].name = "lo";
    itfs[1].up = true;
    itfs[1].traffic.rx_bps = 1e9;
    itfs[2].name = "wlan0";
    itfs[2].up = true;
    itfs[2].traffic.rx_bps = 50;
    itfs[3].name = "eth1";
    itfs[3].up = false;
    itfs[3].traffic.rx_bps = 1e6;
    EXPECT_EQ(default_interface(itfs), 2u);
    EXPECT_FALSE(default_interface({}));
    std::vector<InterfaceSummary> only_lo(1);
    only_lo[0].name = "lo";
    EXPECT_EQ(default_interface(only_lo), 0u);
}

TEST(TuiInterface, DefaultPrefersTheDefaultRouteInterfaceOverTraffic) {
    std::vector<InterfaceSummary> itfs(5);
    itfs[0].name = "docker0";  // busiest, but not where the default route goes
    itfs[0].up = true;
    itfs[0].traffic.rx_bps = 1e9;
    itfs[1].name = "eth0";
    itfs[1].up = true;
    itfs[1].default_route = true;
    itfs[1].traffic.rx_bps = 10;
    itfs[2].name = "lo";
    itfs[2].up = true;
    itfs[2].traffic.rx_bps = 1e9;
    itfs[3].name = "wlan0";  // a second default route, busier: it wins the tie
    itfs[3].up = true;
    itfs[3].default_route = true;
    itfs[3].traffic.rx_bps = 20;
    itfs[4].name = "wwan0";  // a default route over a link that is down does not count
    itfs[4].up = false;
    itfs[4].default_route = true;
    itfs[4].traffic.rx_bps = 1e6;
    EXPECT_EQ(default_interface(itfs), 3u);
    itfs[3].default_route = false;
    EXPECT_EQ(default_interface(itfs), 1u);
    itfs[1].default_route = false;  // no route known: the busiest rule again
    EXPECT_EQ(default_interface(itfs), 0u);
}

TEST(TuiKill, OffersTheNineSignalsStartingWithTerm) {
    const auto& s = kill_signals();
    ASSERT_EQ(s.size(), 9u);
    EXPECT_EQ(s[0].number, SIGTERM);
    EXPECT_EQ(s[1].number, SIGKILL);
    EXPECT_EQ(s[8].number, SIGCONT);
}

TEST(TuiKill, NeverSignalsGroupsEveryoneOrItself) {
    EXPECT_FALSE(may_signal(0, 42));
    EXPECT_FALSE(may_signal(-1, 42));
    EXPECT_FALSE(may_signal(-1234, 42));
    EXPECT_FALSE(may_signal(42, 42));
    EXPECT_TRUE(may_signal(1234, 42));
}

TEST(TuiTerminal, UsesAKnownTermAsIs) {
    auto yes = [](const std::string&) { return true; };
    EXPECT_EQ(choose_terminal("tmux-256color", yes, yes), "tmux-256color");
}

TEST(TuiTerminal, FallsBackWhenTermHasNoTerminfo) {
    auto known = [](const std::string& n) { return n == "xterm"; };
    auto yes = [](const std::string&) { return true; };
    EXPECT_EQ(choose_terminal("weird-term", known, yes), "xterm");
    auto known2 = [](const std::string& n) { return n == "xterm" || n == "xterm-256color"; };
    EXPECT_EQ(choose_terminal("weird-term", known2, yes), "xterm-256color");
}

TEST(TuiTerminal, RefusesDumbUnsetAndUnusableTerminals) {
    auto yes = [](const std::string&) { return true; };
    auto no = [](const std::string&) { return false; };
    try {
        choose_terminal("dumb", yes, yes);
        FAIL() << "dumb accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(),
                     "terminal 'dumb' cannot show the interactive view; use --json or --csv");
    }
    EXPECT_THROW(choose_terminal("", yes, yes), std::runtime_error);
    EXPECT_THROW(choose_terminal("hardcopy", yes, no), std::runtime_error);
    EXPECT_THROW(choose_terminal("weird-term", no, yes), std::runtime_error);
}
