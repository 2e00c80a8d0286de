// The terminal UI as a user meets it: the tui_harness (real UI shell, fake views, synthetic
// snapshots) runs in a private tmux server; keys go in with send-keys, the screen comes
// back with capture-pane. Every wait is bounded.

#include <regex>

#include "tmux_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using namespace sstop::testing;

class TuiTmux : public TmuxTest {
  protected:
    void start_harness(const std::string& extra = "") {
        start(std::string(SSTOP_TUI_HARNESS) + " --pid-file " + pid_file_ + " " + extra);
    }
};

TEST_F(TuiTmux, ShowsHeaderTabsViewAndStatusLine) {
    start_harness();
    auto s = wait_for("zulu");
    ASSERT_TRUE(has(s, "zulu")) << s;
    EXPECT_TRUE(has(s, "sstop")) << s;
    EXPECT_TRUE(has(s, "harness")) << s;       // active sources
    EXPECT_TRUE(has(s, "↓ 400 B/s")) << s;     // total download
    EXPECT_TRUE(has(s, "↑ 9.03 KiB/s")) << s;  // total upload
    EXPECT_TRUE(has(s, "eth0")) << s;          // busiest up non-lo interface
    EXPECT_TRUE(has(s, "1 Procs")) << s;
    EXPECT_TRUE(has(s, "2 Hosts")) << s;
    EXPECT_TRUE(has(s, "3 Broken")) << s;
    EXPECT_TRUE(has(s, "move")) << s;            // the view's key hint
    EXPECT_TRUE(has(s, "harness notice")) << s;  // newest notice
    EXPECT_TRUE(has(s, "every 1s")) << s;
    // Colours: tmux-256color gives 256-colour sequences.
    EXPECT_TRUE(has(capture(true), "38;5;")) << capture(true);
}

TEST_F(TuiTmux, SwitchesTabsByNumberTabAndHotkey) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    keys("2");
    EXPECT_TRUE(has(wait_for("HOSTS VIEW"), "HOSTS VIEW"));
    keys("1");
    EXPECT_TRUE(has(wait_gone("HOSTS VIEW"), "zulu"));
    keys("Tab");
    EXPECT_TRUE(has(wait_for("HOSTS VIEW"), "HOSTS VIEW"));
    keys("BTab");
    EXPECT_TRUE(has(wait_gone("HOSTS VIEW"), "zulu"));
    keys("h");
    EXPECT_TRUE(has(wait_for("HOSTS VIEW"), "HOSTS VIEW"));
    keys("p");
    EXPECT_TRUE(has(wait_for("zulu"), "zulu"));
}

TEST_F(TuiTmux, AThrowingViewShowsItsErrorAndTheRestKeepsWorking) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    keys("3");
    auto s = wait_for("view broken failed: boom");
    EXPECT_TRUE(has(s, "view broken failed: boom")) << s;
    keys("1");
    EXPECT_TRUE(has(wait_for("zulu"), "zulu"));
}

TEST_F(TuiTmux, ViewDrawingIsClippedToItsRectangle) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    keys("2");
    auto s = wait_for("HOSTS VIEW");
    EXPECT_TRUE(has(s, "EDGE-")) << s;
    EXPECT_FALSE(has(s, "EDGE-C")) << s;  // cut at the right edge, not wrapped
    EXPECT_TRUE(has(s, "日本語")) << s;
    EXPECT_TRUE(has(s, "▁▂▃▄▅▆▇█")) << s;
}

TEST_F(TuiTmux, HelpOverlayListsHostAndViewKeys) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    keys("?");
    auto s = wait_for("any key closes");
    EXPECT_TRUE(has(s, "send a signal to the selected process")) << s;
    EXPECT_TRUE(has(s, "update interval")) << s;
    EXPECT_TRUE(has(s, "go to Hosts")) << s;
    EXPECT_TRUE(has(s, "Procs keys:")) << s;
    // From the shared key table: the current values, and the list keys after the view's.
    EXPECT_TRUE(has(s, "next sort order (now: rate)")) << s;
    EXPECT_TRUE(has(s, "update interval (now: 1s)")) << s;
    EXPECT_TRUE(has(s, "Keys in the lists of the built-in views:")) << s;
    EXPECT_TRUE(has(s, "PgDn PgUp")) << s;
    EXPECT_TRUE(has(s, "Ctrl-D Ctrl-U")) << s;
    EXPECT_TRUE(has(s, "move the selection three rows")) << s;
    keys("x");
    EXPECT_FALSE(has(wait_gone("any key closes"), "any key closes"));
}

TEST_F(TuiTmux, FilterNarrowsLiveAndEscapeClears) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    keys("/");
    literal("al");
    auto s = wait_until([](const std::string& screen) {
        return !has(screen, "zulu") && has(screen, "filter: /al");
    });
    EXPECT_TRUE(has(s, "alpha")) << s;
    EXPECT_FALSE(has(s, "mike")) << s;
    EXPECT_TRUE(has(s, "filter: /al")) << s;
    keys("Enter");
    s = wait_gone("Enter keep");
    EXPECT_FALSE(has(s, "zulu")) << s;  // Enter keeps the filter
    keys("/");
    keys("Escape");
    EXPECT_TRUE(has(wait_for("zulu"), "zulu"));
}

TEST_F(TuiTmux, SortKeyChangesTheOrder) {
    start_harness();
    auto s = wait_for("zulu");
    ASSERT_LT(row_of(s, "zulu"), row_of(s, "mike")) << s;  // by rate: zulu first
    keys("s");
    s = wait_for("sort by download");
    EXPECT_GT(row_of(s, "zulu"), row_of(s, "mike")) << s;  // zulu downloads nothing
    EXPECT_TRUE(has(s, "sort download")) << s;
}

TEST_F(TuiTmux, TooSmallScreenAndBack) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    run(tmux("resize-window -t t -x 40 -y 10"));
    auto s = wait_for("terminal too small");
    EXPECT_TRUE(has(s, "terminal too small: 40×10, need 60×15")) << s;
    run(tmux("resize-window -t t -x 160 -y 45"));
    s = wait_for("zulu");
    EXPECT_TRUE(has(s, "1 Procs")) << s;
    EXPECT_FALSE(has(s, "too small")) << s;
    // A storm of resizes ends in a correct screen.
    for (int i = 0; i < 10; ++i)
        run(tmux("resize-window -t t -x " + std::to_string(60 + i * 7) + " -y " +
                 std::to_string(15 + i)));
    run(tmux("resize-window -t t -x 120 -y 30"));
    s = wait_for("zulu");
    EXPECT_TRUE(has(s, "1 Procs")) << s;
}

TEST_F(TuiTmux, PauseFreezesTheDisplay) {
    start_harness();
    ASSERT_TRUE(has(wait_for("tick 3"), "tick 3"));
    keys("Space");
    auto s = wait_for("PAUSED");
    ASSERT_TRUE(has(s, "PAUSED")) << s;
    const int row = row_of(s, "tick ");
    const std::string frozen = lines_of(s)[static_cast<std::size_t>(row)];
    // Snapshots keep arriving every 200 ms; over a second the tick must not move.
    const auto changed = wait_until(
        [&](const std::string& now) { return now.find(frozen) == std::string::npos; }, 1s);
    EXPECT_TRUE(has(changed, frozen)) << changed;
    keys("Space");
    s = wait_gone(frozen);
    EXPECT_FALSE(has(s, "PAUSED")) << s;
}

TEST_F(TuiTmux, PlusAndMinusStepTheInterval) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    keys("+");
    EXPECT_TRUE(has(wait_for("every 2s"), "every 2s"));
    keys("- -");
    EXPECT_TRUE(has(wait_for("every 500ms"), "every 500ms"));
}

TEST_F(TuiTmux, KillOverlaySendsTheChosenSignalAfterConfirmation) {
    victim_ = ::fork();
    ASSERT_GE(victim_, 0);
    if (victim_ == 0) {
        ::execlp("sleep", "sleep", "1000", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    const std::string pid = std::to_string(victim_);
    start_harness("--victim-pid " + pid);
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    keys("/");
    literal("victim");
    keys("Enter");
    wait_gone("zulu");
    keys("K");
    auto s = wait_for("Send a signal to " + pid + " (victim)");
    ASSERT_TRUE(has(s, "SIGTERM")) << s;
    keys("Enter");
    s = wait_for("y/n");
    EXPECT_TRUE(has(s, "Send SIGTERM to " + pid + " (victim)? y/n")) << s;
    keys("y");
    s = wait_for("sent SIGTERM to " + pid + " (victim)");
    EXPECT_TRUE(has(s, "sent SIGTERM to " + pid + " (victim)")) << s;
    int status = 0;
    pid_t got = 0;
    for (int i = 0; i < 100 && got == 0; ++i) {
        got = ::waitpid(victim_, &status, WNOHANG);
        if (got == 0) std::this_thread::sleep_for(50ms);
    }
    ASSERT_EQ(got, victim_);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    victim_ = -1;
}

TEST_F(TuiTmux, KillOverlayCanBeCancelled) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    keys("K");
    ASSERT_TRUE(has(wait_for("Send a signal to"), "Send a signal to"));
    keys("j");
    keys("Enter");
    EXPECT_TRUE(has(wait_for("Send SIGKILL"), "Send SIGKILL"));
    keys("n");
    keys("Escape");
    EXPECT_FALSE(has(wait_gone("Send a signal to"), "Send a signal to"));
}

// An X10 mouse report (what tmux-256color's kmous announces): press then release of
// button 1 at screen column `x`, row `y` (0-based).
std::string click_at(int x, int y) {
    auto c = [](int v) { return std::string(1, static_cast<char>(33 + v)); };
    return "\x1b[M " + c(x) + c(y) + "\x1b[M#" + c(x) + c(y);
}

TEST_F(TuiTmux, MouseClickSwitchesTabsAndSelectsInsideTheView) {
    start_harness();
    auto s = wait_for("zulu");
    const int tabs = row_of(s, "2 Hosts");
    ASSERT_GE(tabs, 0) << s;
    const int col = static_cast<int>(lines_of(s)[static_cast<std::size_t>(tabs)].find("Hosts"));
    literal(click_at(col, tabs));
    EXPECT_TRUE(has(wait_for("HOSTS VIEW"), "HOSTS VIEW"));
    keys("1");
    s = wait_for("alpha");
    // A click on alpha's row reaches the view in its own coordinates and selects it.
    literal(click_at(5, row_of(s, "alpha")));
    s = wait_for("selected alpha");
    ASSERT_TRUE(has(s, "selected alpha")) << s;
    keys("K");
    s = wait_for("Send a signal to");
    EXPECT_TRUE(has(s, "Send a signal to 2000000003 (alpha)")) << s;
}

TEST_F(TuiTmux, InterfaceKeyCyclesTheHeaderInterface) {
    start_harness();
    auto s = wait_for("zulu");
    ASSERT_TRUE(has(s, "eth0  ↓ 2.00 KiB/s")) << s;
    keys("i");
    s = wait_for("interface lo");
    EXPECT_TRUE(has(s, "lo  ↓ 977 KiB/s")) << s;
    keys("i");  // after the last interface: all of them, summed
    s = wait_for("all interfaces  ↓");
    EXPECT_TRUE(has(s, "all interfaces  ↓ 979 KiB/s  ↑ 1.00 KiB/s")) << s;
    keys("i");
    EXPECT_TRUE(has(wait_for("interface eth0"), "eth0  ↓ 2.00 KiB/s"));
}

TEST_F(TuiTmux, HeaderShowsTheProcessCountAndAClock) {
    start_harness();
    auto s = wait_for("zulu");
    const std::string header = lines_of(s).at(0);
    EXPECT_TRUE(has(header, "4 procs")) << header;  // the harness's snapshot has four
    // The local time as HH:MM:SS at the end of the header line.
    const std::regex clock("[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\s*$");
    EXPECT_TRUE(std::regex_search(header, clock)) << header;
    // It ticks: a later screen shows another time.
    std::smatch first;
    ASSERT_TRUE(std::regex_search(header, first, clock));
    const std::string then = first.str();
    s = wait_until([&](const std::string& screen) {
        std::smatch m;
        const std::string h = lines_of(screen).at(0);
        return std::regex_search(h, m, clock) && m.str() != then;
    });
    std::smatch later;
    const std::string h2 = lines_of(s).at(0);
    ASSERT_TRUE(std::regex_search(h2, later, clock)) << h2;
    EXPECT_NE(later.str(), then) << h2;
}

TEST_F(TuiTmux, DKeyTogglesNamesForViews) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    keys("2");
    ASSERT_TRUE(has(wait_for("names on"), "names on"));
    keys("d");
    EXPECT_TRUE(has(wait_for("names off"), "names off"));
}

TEST_F(TuiTmux, QuitExitsZeroAndRestoresTheScreen) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    keys("q");
    auto s = wait_for("EXIT=");
    EXPECT_TRUE(has(s, "EXIT=0")) << s;
    EXPECT_FALSE(has(s, "1 Procs")) << s;  // the alternate screen is gone
}

TEST_F(TuiTmux, CtrlCExitsZero) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    keys("C-c");
    auto s = wait_for("EXIT=");
    EXPECT_TRUE(has(s, "EXIT=0")) << s;
    EXPECT_FALSE(has(s, "1 Procs")) << s;
}

TEST_F(TuiTmux, SigtermExitsZeroAndRestoresTheScreen) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    const pid_t pid = pid_from_file();
    ASSERT_GT(pid, 0);
    ::kill(pid, SIGTERM);
    auto s = wait_for("EXIT=");
    EXPECT_TRUE(has(s, "EXIT=0")) << s;
    EXPECT_FALSE(has(s, "1 Procs")) << s;
}

TEST_F(TuiTmux, CrashRestoresTheScreen) {
    start_harness();
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    keys("!");  // the fake view calls abort()
    auto s = wait_for("EXIT=");
    EXPECT_TRUE(has(s, "EXIT=134")) << s;  // 128 + SIGABRT: the default action ran
    EXPECT_FALSE(has(s, "1 Procs")) << s;
    // The tty is sane again: the shell echoes what is typed.
    literal("echo restored-ok");
    keys("Enter");
    EXPECT_TRUE(has(wait_for("restored-ok\n"), "restored-ok"));
}

TEST_F(TuiTmux, DumbTerminalIsACleanError) {
    start("TERM=dumb " + std::string(SSTOP_TUI_HARNESS));
    auto s = wait_for("EXIT=");
    EXPECT_TRUE(has(s, "terminal 'dumb' cannot show the interactive view; use --json or --csv"))
        << s;
    EXPECT_TRUE(has(s, "EXIT=2")) << s;
}

TEST_F(TuiTmux, UnknownTermFallsBack) {
    start("TERM=no-such-terminal " + std::string(SSTOP_TUI_HARNESS));
    auto s = wait_for("zulu");
    EXPECT_TRUE(has(s, "1 Procs")) << s;
    keys("q");
    EXPECT_TRUE(has(wait_for("EXIT="), "EXIT=0"));
}

// The SGR parameters of every "ESC [ ... m" sequence in a capture-pane -e dump.
std::vector<int> sgr_params(const std::string& s) {
    std::vector<int> out;
    for (std::size_t at = s.find("\x1b["); at != std::string::npos; at = s.find("\x1b[", at + 2)) {
        std::size_t end = s.find_first_not_of("0123456789;", at + 2);
        if (end == std::string::npos || s[end] != 'm') continue;
        int value = 0;
        for (std::size_t i = at + 2; i <= end; ++i) {
            if (s[i] == ';' || s[i] == 'm') {
                out.push_back(value);
                value = 0;
            } else {
                value = value * 10 + (s[i] - '0');
            }
        }
    }
    return out;
}

TEST_F(TuiTmux, EightColourTerminalGetsBasicColours) {
    start("TERM=screen " + std::string(SSTOP_TUI_HARNESS));
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    const std::string s = capture(true);
    EXPECT_FALSE(has(s, "38;5;")) << s;  // no 256-colour sequences
    EXPECT_TRUE(has(s, "\x1b[31m") || has(s, "\x1b[32m") || has(s, "\x1b[34m") ||
                has(s, "\x1b[36m"))
        << s;
    bool basic = false;
    for (int p : sgr_params(s)) basic |= p >= 30 && p <= 37;
    EXPECT_TRUE(basic) << s;
    keys("q");
    EXPECT_TRUE(has(wait_for("EXIT="), "EXIT=0"));
}

TEST_F(TuiTmux, MonochromeTerminalStaysReadableWithAttributesOnly) {
    // vt100 has no colours: the table must still show, with no colour sequences at all, and
    // the selected row must stand out by an attribute (reverse or bold) instead of a colour.
    start("TERM=vt100 " + std::string(SSTOP_TUI_HARNESS));
    ASSERT_TRUE(has(wait_for("zulu"), "zulu"));
    const std::string s = capture(true);
    EXPECT_FALSE(has(s, "38;5;")) << s;
    bool colour = false, attribute = false;
    for (int p : sgr_params(s)) {
        colour |= (p >= 30 && p <= 38) || (p >= 40 && p <= 48) || (p >= 90 && p <= 107);
        attribute |= p == 1 || p == 7;
    }
    EXPECT_FALSE(colour) << "no foreground or background colours: " << s;
    EXPECT_TRUE(attribute) << "an attribute (bold or reverse) marks something: " << s;
    EXPECT_TRUE(has(s, "1 Procs")) << s;
    keys("q");
    EXPECT_TRUE(has(wait_for("EXIT="), "EXIT=0"));
}

TEST_F(TuiTmux, AsciiFallbackUnderTheCLocale) {
    start("LC_ALL=C " + std::string(SSTOP_TUI_HARNESS));
    auto s = wait_for("zulu");
    EXPECT_TRUE(has(s, "v 400 B/s")) << s;  // ASCII arrows instead of ↓
    EXPECT_FALSE(has(s, "↓")) << s;
}

}  // namespace
