// The real sstop in a terminal, watching a namespace whose traffic the test makes itself: a
// steady sender, a listener and an idle victim in namespace a, a sink in namespace b. Every
// assertion reads `tmux capture-pane` text, every wait is a bounded poll of the screen.

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>

#include "netns.hpp"
#include "tmux_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using namespace sstop::testing;

constexpr int kSinkPort = 7301;
constexpr int kListenPort = 7302;
constexpr auto kChildLife = 90s;  // every child ends by itself even if teardown never comes
constexpr std::size_t kChunk = 20000;
constexpr long kChunkNs = 10'000'000;  // 20 kB every 10 ms: about 2 MB/s
constexpr std::size_t kEchoDivisor = 8;

/// One row of the processes table as text: pid and name, in screen order.
struct Row {
    std::string pid;
    std::string name;
};

// The rows of the processes table for our children (names starting "tui-"), top to bottom.
std::vector<Row> tui_rows(const std::string& screen) {
    std::vector<Row> out;
    const auto lines = lines_of(screen);
    const int header = row_of(screen, "PID");
    if (header < 0) return out;
    for (std::size_t i = static_cast<std::size_t>(header) + 1; i < lines.size(); ++i) {
        std::istringstream in(lines[i]);
        Row r;
        in >> r.pid >> r.name;
        if (r.name.rfind("tui-", 0) == 0) out.push_back(r);
    }
    return out;
}

std::vector<std::string> names(const std::vector<Row>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.name);
    return out;
}

// The first data row of the processes table (the line under the column titles).
std::string first_row(const std::string& screen) {
    const auto lines = lines_of(screen);
    const int header = row_of(screen, "PID");
    if (header < 0 || static_cast<std::size_t>(header) + 1 >= lines.size()) return {};
    return lines[static_cast<std::size_t>(header) + 1];
}

std::string line_with(const std::string& screen, const std::string& needle) {
    const int r = row_of(screen, needle);
    return r < 0 ? std::string() : lines_of(screen)[static_cast<std::size_t>(r)];
}

// A rate in the header ("↓ 12.5 KiB/s"): true when present with a unit and above zero.
bool header_rate_nonzero(const std::string& header, const std::string& arrow,
                         const std::string& units) {
    const std::regex re(arrow + " ([0-9]+(\\.[0-9]+)?) (" + units + ")/s");
    std::smatch m;
    return std::regex_search(header, m, re) && std::stod(m[1].str()) > 0;
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

bool processes_table(const std::string& s) { return contains(s, "HISTORY"); }
bool hosts_table(const std::string& s) { return contains(s, "PROCESSES") && !contains(s, "PROTO"); }
bool ports_table(const std::string& s) { return contains(s, "PROTO"); }

class SstopNetnsTmux : public TmuxTest {
  protected:
    void SetUp() override {
        TmuxTest::SetUp();
        if (IsSkipped()) return;
        if (!can_create_netns()) GTEST_SKIP() << "needs root with CAP_SYS_ADMIN";
    }

    void TearDown() override {
        TmuxTest::TearDown();
        // kill-server leaves the socket file behind; this test's server is gone, so is its file.
        if (!socket_.empty() && std::getenv("TMUX_TMPDIR") == nullptr)
            std::remove(("/tmp/tmux-" + std::to_string(::getuid()) + "/" + socket_).c_str());
    }

    // Polls until `pred` holds on the screen; fails the test with the screen otherwise.
    std::string expect_screen(const std::function<bool(const std::string&)>& pred,
                              const std::string& what, std::chrono::milliseconds limit = 10s) {
        auto s = wait_until(pred, limit);
        EXPECT_TRUE(pred(s)) << what << "\n" << s;
        return s;
    }
};

// Sink in b: accepts every connection and answers what arrives with an eighth of its size,
// until its time is up.
void sink_body(const std::function<void()>& ready) {
    const int lfd = tcp_listen(NetnsPair::kAddrB4, kSinkPort);
    ready();
    std::vector<pollfd> fds{{lfd, POLLIN, 0}};
    const auto end = std::chrono::steady_clock::now() + kChildLife;
    char buf[65536];
    while (std::chrono::steady_clock::now() < end) {
        if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            if (i == 0) {
                if (fds.size() < 9) fds.push_back({tcp_accept(lfd), POLLIN, 0});
                continue;
            }
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                fds[i].fd = -1;  // poll skips it
                continue;
            }
            // An eighth comes back, so the namespace also has download traffic to show.
            write_exactly(fds[i].fd, static_cast<std::size_t>(n) / kEchoDivisor);
        }
    }
}

// Sender in a: one connection to the sink, paced at about 2 MB/s up; it drains the sink's
// answers between writes so neither side ever blocks on a full buffer.
void traffic_body(const std::function<void()>& ready) {
    const int fd = tcp_connect(NetnsPair::kAddrB4, kSinkPort);
    ready();
    timespec next{};
    ::clock_gettime(CLOCK_MONOTONIC, &next);
    const auto end = std::chrono::steady_clock::now() + kChildLife;
    while (std::chrono::steady_clock::now() < end) {
        write_exactly(fd, kChunk);
        char buf[65536];
        while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
        }
        next.tv_nsec += kChunkNs;
        if (next.tv_nsec >= 1'000'000'000) next.tv_nsec -= 1'000'000'000, ++next.tv_sec;
        ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
    }
}

void listener_body(const std::function<void()>& ready) {
    tcp_listen(NetnsPair::kAddrA4, kListenPort);
    ready();
    ::sleep(static_cast<unsigned>(kChildLife.count()));
}

// Holds one idle connection so it has a row, and waits to be signalled.
void victim_body(const std::function<void()>& ready) {
    tcp_connect(NetnsPair::kAddrB4, kSinkPort);
    ready();
    ::sleep(static_cast<unsigned>(kChildLife.count()));
}

TEST_F(SstopNetnsTmux, EveryTabKeyAndOverlayOverKnownNamespaceTraffic) {
    NetnsPair net("tui");
    ASSERT_FALSE(HasFailure()) << "namespaces not set up";
    Child sink(net.b, "tui-sink", sink_body);
    Child traffic(net.a, "tui-traffic", traffic_body);
    Child listener(net.a, "tui-listener", listener_body);
    Child victim(net.a, "tui-victim", victim_body);
    ASSERT_FALSE(HasFailure()) << "children not ready";
    const std::string traffic_pid = std::to_string(traffic.pid());
    const std::string listener_pid = std::to_string(listener.pid());
    const std::string victim_pid = std::to_string(victim.pid());

    start("ip netns exec " + net.a.name() + " " + std::string(SSTOP_BINARY) + " --interval 500ms");
    ASSERT_FALSE(HasFailure());

    // Header: live totals with units and the active sources; the busiest process on top.
    auto s = expect_screen(
        [&](const std::string& x) {
            const auto header = lines_of(x).empty() ? std::string() : lines_of(x)[0];
            return header_rate_nonzero(header, "↑", "KiB|MiB") &&
                   header_rate_nonzero(header, "↓", "B|KiB|MiB") &&
                   first_row(x).find("tui-traffic") != std::string::npos && tui_rows(x).size() == 3;
        },
        "header totals and tui-traffic on top", 20s);
    ASSERT_FALSE(HasFailure());
    EXPECT_TRUE(has(lines_of(s)[0], "ebpf+afpacket")) << s;
    EXPECT_TRUE(has(lines_of(s)[0], "every 500ms")) << s;
    EXPECT_TRUE(has(s, "1 Processes") && has(s, "2 Hosts") && has(s, "3 Ports")) << s;
    {
        std::istringstream row(first_row(s));
        std::string pid, name;
        row >> pid >> name;
        EXPECT_EQ(pid, traffic_pid) << s;
        EXPECT_EQ(name, "tui-traffic") << s;
    }
    EXPECT_TRUE(has(line_with(s, "PID"), "RATE▾")) << "sorted by rate at start\n" << s;

    // Enter: the detail page of the selected (top) process with its connection to the sink.
    keys("Enter");
    s = expect_screen(
        [&](const std::string& x) {
            return has(x, "tui-traffic  pid " + traffic_pid) &&
                   has(line_with(x, "10.77.0.2:7301"), "ESTAB");
        },
        "detail page of tui-traffic");
    EXPECT_TRUE(has(line_with(s, "10.77.0.2:7301"), "TCP")) << s;
    EXPECT_TRUE(has(line_with(s, "10.77.0.2:7301"), "10.77.0.1:")) << s;
    keys("Escape");
    expect_screen(
        [&](const std::string& x) {
            return processes_table(x) && !has(x, "  pid " + traffic_pid + "  uid");
        },
        "Esc returns to the table");

    // Hotkeys: h for hosts, l for ports.
    keys("h");
    s = expect_screen(
        [&](const std::string& x) {
            return hosts_table(x) && has(line_with(x, "10.77.0.2"), "tui-traffic");
        },
        "hosts tab with the sink's address");
    keys("l");
    s = expect_screen(
        [&](const std::string& x) {
            // " 7302 " as a cell: the header's veth name carries the test's pid, which can
            // contain 7302 too.
            return ports_table(x) && has(line_with(x, " 7302 "), "tui-listener");
        },
        "ports tab with the listener");
    EXPECT_TRUE(has(line_with(s, " 7302 "), listener_pid)) << s;
    EXPECT_TRUE(has(line_with(s, " 7302 "), "10.77.0.1")) << s;
    EXPECT_TRUE(has(line_with(s, " 7302 "), "TCP")) << s;

    // Numbers and Tab (which wraps after the last tab).
    keys("1");
    expect_screen(processes_table, "1 shows processes");
    keys("2");
    expect_screen(hosts_table, "2 shows hosts");
    keys("3");
    expect_screen(ports_table, "3 shows ports");
    keys("Tab");
    expect_screen([](const std::string& x) { return has(x, "KIND") && has(x, "PROCS"); },
                  "Tab moves to groups");
    keys("Tab");
    expect_screen([](const std::string& x) { return has(x, "PROGRAM") && has(x, "30 DAYS"); },
                  "Tab moves to history");
    keys("Tab");
    expect_screen(processes_table, "Tab wraps to processes");
    keys("Tab");
    expect_screen(hosts_table, "Tab moves to hosts");
    keys("1");
    expect_screen(processes_table, "back to processes");

    // Sort: rate -> download -> upload -> pid -> name; the marker and the order follow.
    keys("s");
    expect_screen([&](const std::string& x) { return has(lines_of(x)[0], "sort download"); },
                  "sort download");
    keys("s");
    expect_screen([&](const std::string& x) { return has(lines_of(x)[0], "sort upload"); },
                  "sort upload");
    keys("s");
    std::vector<Row> by_pid_expected{
        {traffic_pid, "tui-traffic"}, {listener_pid, "tui-listener"}, {victim_pid, "tui-victim"}};
    std::sort(by_pid_expected.begin(), by_pid_expected.end(),
              [](const Row& a, const Row& b) { return std::stoi(a.pid) < std::stoi(b.pid); });
    s = expect_screen(
        [&](const std::string& x) {
            return has(lines_of(x)[0], "sort pid") && has(line_with(x, "PID"), "PID▾") &&
                   names(tui_rows(x)) == names(by_pid_expected);
        },
        "sorted by pid, ascending");
    EXPECT_FALSE(has(line_with(s, "PID"), "RATE▾")) << s;
    keys("s");
    const std::vector<std::string> by_name{"tui-listener", "tui-traffic", "tui-victim"};
    s = expect_screen(
        [&](const std::string& x) {
            return has(lines_of(x)[0], "sort name") && has(line_with(x, "PID"), "NAME▾") &&
                   names(tui_rows(x)) == by_name;
        },
        "sorted by name");
    EXPECT_FALSE(has(line_with(s, "PID"), "PID▾")) << s;
    keys("s");  // connections
    keys("s");  // back to rate
    expect_screen(
        [&](const std::string& x) {
            return has(lines_of(x)[0], "sort rate") && has(line_with(x, "PID"), "RATE▾") &&
                   first_row(x).find("tui-traffic") != std::string::npos;
        },
        "back to rate, tui-traffic on top");

    // Help overlay; any key closes it.
    keys("?");
    s = expect_screen([&](const std::string& x) { return has(x, "Help - any key closes"); },
                      "help overlay");
    EXPECT_TRUE(has(s, "send a signal to the selected process")) << s;
    EXPECT_TRUE(has(s, "go to Hosts")) << s;
    keys("x");
    expect_screen(
        [&](const std::string& x) {
            return !has(x, "Help - any key closes") && processes_table(x);
        },
        "help closed");

    // Filter: only the victim; Esc restores every row.
    auto only_victim = [&](const std::string& x) {
        const auto rows = tui_rows(x);
        return rows.size() == 1 && rows[0].name == "tui-victim" && rows[0].pid == victim_pid;
    };
    keys("/");
    expect_screen([&](const std::string& x) { return has(x, "filter: /"); }, "filter prompt");
    literal("victim");
    keys("Enter");
    s = expect_screen(
        [&](const std::string& x) { return only_victim(x) && has(x, "filter: victim"); },
        "filter keeps only tui-victim");
    keys("Escape");
    expect_screen([&](const std::string& x) { return tui_rows(x).size() == 3; },
                  "Esc clears the filter");

    // Kill: select the victim through the filter, choose SIGTERM, confirm.
    keys("/");
    expect_screen([&](const std::string& x) { return has(x, "filter: /"); }, "filter prompt");
    literal("victim");
    keys("Enter");
    expect_screen(only_victim, "filter keeps only tui-victim");
    keys("K");
    const std::string who = victim_pid + " (tui-victim)";
    s = expect_screen([&](const std::string& x) { return has(x, "Send a signal to " + who); },
                      "kill overlay for the victim");
    EXPECT_TRUE(has(s, "> SIGTERM (15)")) << s;
    EXPECT_TRUE(has(s, "j/k choose  Enter send  Esc cancel")) << s;
    keys("Enter");
    s = expect_screen(
        [&](const std::string& x) { return has(x, "Send SIGTERM to " + who + "? y/n"); },
        "confirmation");
    keys("y");
    expect_screen([&](const std::string& x) { return has(x, "sent SIGTERM to " + who); },
                  "signal sent");
    // Observe the death without reaping, so Child keeps ownership of the pid until wait().
    siginfo_t info{};
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        info = {};
        ASSERT_EQ(
            ::waitid(P_PID, static_cast<id_t>(victim.pid()), &info, WEXITED | WNOHANG | WNOWAIT),
            0);
        if (info.si_pid != 0) break;
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(info.si_code, CLD_KILLED) << "victim did not die of a signal";
    EXPECT_EQ(info.si_status, SIGTERM);
    EXPECT_EQ(victim.wait(), 128 + SIGTERM);
    keys("Escape");
    expect_screen(
        [&](const std::string& x) {
            const auto n = names(tui_rows(x));
            return std::find(n.begin(), n.end(), "tui-traffic") != n.end() &&
                   std::find(n.begin(), n.end(), "tui-listener") != n.end();
        },
        "Esc clears the filter again");

    // Too small, then restored.
    run(tmux("resize-window -t t -x 40 -y 10"));
    expect_screen(
        [&](const std::string& x) { return has(x, "terminal too small: 40×10, need 60×15"); },
        "too-small message");
    run(tmux("resize-window -t t -x 160 -y 45"));
    s = expect_screen(
        [&](const std::string& x) {
            return !has(x, "too small") && processes_table(x) &&
                   first_row(x).find("tui-traffic") != std::string::npos;
        },
        "table restored after resize");
    EXPECT_EQ(lines_of(s).size(), 45u) << s;

    // q: exit code 0, the UI gone, the shell's prompt back.
    keys("q");
    s = expect_screen(
        [&](const std::string& x) {
            const int r = row_of(x, "EXIT=");
            const auto lines = lines_of(x);
            if (r < 0 || static_cast<std::size_t>(r) + 1 >= lines.size()) return false;
            const auto& prompt = lines[static_cast<std::size_t>(r) + 1];
            return !prompt.empty() && (prompt[0] == '#' || prompt[0] == '$');
        },
        "EXIT= and a prompt");
    EXPECT_TRUE(has(s, "EXIT=0")) << s;
    EXPECT_FALSE(has(s, "1 Processes")) << s;
}

// --filter starts the interactive UI with that expression as its / filter, and the filter
// language works in the prompt: a port term keeps only the process with that connection.
// On the screen alone the snapshots carry the socket lists of the selected processes only.
// Opening a process's detail page must not wait for the next update for its list: with a
// 10 s interval, the page lists its socket long before the second update.
TEST_F(SstopNetnsTmux, DetailPageListsTheSelectedProcessBeforeTheNextUpdate) {
    NetnsPair net("tuid");
    ASSERT_FALSE(HasFailure()) << "namespaces not set up";
    Child sink(net.b, "tui-sink", sink_body);
    Child listener(net.a, "tui-listener", listener_body);
    Child victim(net.a, "tui-victim", victim_body);
    ASSERT_FALSE(HasFailure()) << "children not ready";
    const std::string listener_pid = std::to_string(listener.pid());
    const std::string victim_pid = std::to_string(victim.pid());

    const auto started = std::chrono::steady_clock::now();
    start("ip netns exec " + net.a.name() + " " + std::string(SSTOP_BINARY) + " --interval 10s");
    ASSERT_FALSE(HasFailure());
    auto s = expect_screen([&](const std::string& x) { return tui_rows(x).size() == 2; },
                           "both processes listed from the first snapshot", 8s);
    ASSERT_FALSE(HasFailure());
    // Both rows, top one first: each detail page in turn, the cursor moved with Down. The
    // display is paused (Space) first: a tick republished with a list is still the tick on
    // screen, so it is shown even then.
    const std::vector<Row> rows = tui_rows(s);
    keys("Space");
    expect_screen([&](const std::string& x) { return has(x, "PAUSED"); }, "paused");
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i > 0) keys("Down");
        keys("Enter");
        const std::string& pid = rows[i].pid;
        const bool is_victim = pid == victim_pid;
        s = expect_screen(
            [&](const std::string& x) {
                return has(x, rows[i].name + "  pid " + pid) &&
                       (is_victim ? has(line_with(x, "10.77.0.2:7301"), "ESTAB")
                                  : has(line_with(x, "10.77.0.1:7302"), "LISTEN"));
            },
            "detail page of " + rows[i].name + " with its socket", 3s);
        EXPECT_TRUE(pid == victim_pid || pid == listener_pid) << s;
        keys("Escape");
        expect_screen(processes_table, "Esc returns to the table");
    }
    keys("Space");  // unpaused
    // All of it before the second update (10 s after the first): the lists were published
    // when the cursor reached each process, not by an update.
    EXPECT_LT(std::chrono::steady_clock::now() - started, 9s);
    keys("q");
    expect_screen([&](const std::string& x) { return has(x, "EXIT=0"); }, "q exits 0");
}

TEST_F(SstopNetnsTmux, FilterFlagStartsTheProcessesViewFiltered) {
    NetnsPair net("tuif");
    ASSERT_FALSE(HasFailure()) << "namespaces not set up";
    Child sink(net.b, "tui-sink", sink_body);
    Child traffic(net.a, "tui-traffic", traffic_body);
    Child listener(net.a, "tui-listener", listener_body);
    Child victim(net.a, "tui-victim", victim_body);
    ASSERT_FALSE(HasFailure()) << "children not ready";

    start("ip netns exec " + net.a.name() + " " + std::string(SSTOP_BINARY) +
          " --interval 500ms --filter \"not proc:tui-traffic\"");
    ASSERT_FALSE(HasFailure());
    auto s = expect_screen(
        [&](const std::string& x) {
            return processes_table(x) && names(tui_rows(x)).size() == 2 &&
                   has(x, "filter: not proc:tui-traffic");
        },
        "started filtered: two rows and the filter in the status line", 20s);
    const auto rows = names(tui_rows(s));
    EXPECT_EQ(std::find(rows.begin(), rows.end(), "tui-traffic"), rows.end()) << s;
    EXPECT_NE(std::find(rows.begin(), rows.end(), "tui-listener"), rows.end()) << s;
    EXPECT_NE(std::find(rows.begin(), rows.end(), "tui-victim"), rows.end()) << s;

    // A new expression in the prompt: the listener is the only process with port 7302.
    keys("/");
    keys("C-u");
    literal("port:7302");
    keys("Enter");
    s = expect_screen(
        [&](const std::string& x) {
            const auto r = names(tui_rows(x));
            return r.size() == 1 && r[0] == "tui-listener";
        },
        "port:7302 keeps only tui-listener");
    keys("q");
    expect_screen([&](const std::string& x) { return has(x, "EXIT=0"); }, "q exits 0");
}

// Datagrams from namespace b to a port nobody listens on in a: no process owns them, so
// afpacket counts them as unattributed, and the Processes tab shows an `unattributed` row.
void stray_udp_body(const std::function<void()>& ready) {
    const int fd = udp_connect(NetnsPair::kAddrA4, 7399);
    ready();
    const auto end = std::chrono::steady_clock::now() + kChildLife;
    std::vector<char> buf(1200, 'u');
    while (std::chrono::steady_clock::now() < end) {
        ::send(fd, buf.data(), buf.size(), 0);  // ECONNREFUSED from the ICMP answers: ignored
        ::usleep(2000);
    }
}

TEST_F(SstopNetnsTmux, UnattributedTrafficIsARowAndTheHeaderSaysWhatItCounts) {
    NetnsPair net("tuiu");
    ASSERT_FALSE(HasFailure()) << "namespaces not set up";
    Child sink(net.b, "tui-sink", sink_body);
    Child traffic(net.a, "tui-traffic", traffic_body);
    Child stray(net.b, "tui-stray", stray_udp_body);
    ASSERT_FALSE(HasFailure()) << "children not ready";

    start("ip netns exec " + net.a.name() + " " + std::string(SSTOP_BINARY) +
          " --interval 500ms --sources netlink,afpacket");
    ASSERT_FALSE(HasFailure());
    auto s = expect_screen(
        [&](const std::string& x) {
            return processes_table(x) && !line_with(x, " - unattributed").empty() &&
                   !tui_rows(x).empty();
        },
        "an unattributed row beside tui-traffic", 20s);
    EXPECT_TRUE(has(lines_of(s)[0], "procs+unattributed")) << s;
    {
        std::istringstream row(line_with(s, " - unattributed"));
        std::string pid, name;
        row >> pid >> name;
        EXPECT_EQ(pid, "-") << s;
        EXPECT_EQ(name, "unattributed") << s;
    }
    // Sorted like the others: by pid ("-" is pid 0) it is first.
    keys("s");
    keys("s");
    keys("s");
    s = expect_screen([&](const std::string& x) { return has(lines_of(x)[0], "sort pid"); },
                      "sort pid");
    s = expect_screen([&](const std::string& x) { return has(first_row(x), "unattributed"); },
                      "the unattributed row (pid 0) first by pid");
    keys("/");
    literal("proc:unattributed");
    keys("Enter");
    s = expect_screen(
        [&](const std::string& x) {
            return has(first_row(x), "unattributed") && tui_rows(x).empty();
        },
        "the filter language picks the unattributed row");
    keys("q");
    expect_screen([&](const std::string& x) { return has(x, "EXIT=0"); }, "q exits 0");
}

// A parent with a listener and a child (forked by it) that sends: the tree shows the child
// under the parent.
void parent_body(const std::function<void()>& ready) {
    tcp_listen(NetnsPair::kAddrA4, kListenPort);
    const pid_t kid = ::fork();
    if (kid == 0) {
        ::prctl(PR_SET_NAME, "tui-kid");
        traffic_body([] {});
        _exit(0);
    }
    ready();
    ::sleep(static_cast<unsigned>(kChildLife.count()));
    ::kill(kid, SIGKILL);
}

TEST_F(SstopNetnsTmux, CumulativeModeAndTheProcessTree) {
    NetnsPair net("tuit");
    ASSERT_FALSE(HasFailure()) << "namespaces not set up";
    Child sink(net.b, "tui-sink", sink_body);
    Child parent(net.a, "tui-parent", parent_body);
    ASSERT_FALSE(HasFailure()) << "children not ready";

    start("ip netns exec " + net.a.name() + " " + std::string(SSTOP_BINARY) + " --interval 500ms");
    ASSERT_FALSE(HasFailure());
    auto s = expect_screen(
        [&](const std::string& x) {
            const auto n = names(tui_rows(x));
            return processes_table(x) && n.size() == 2 && n[0] == "tui-kid";
        },
        "tui-kid (sending) above tui-parent (listening)", 20s);

    // a: bytes since start in the rate columns, and a badge; a again: rates.
    keys("a");
    s = expect_screen(
        [&](const std::string& x) {
            return has(lines_of(x)[0], "CUMULATIVE") && has(line_with(x, "PID"), "↓ BYTES");
        },
        "cumulative mode");
    EXPECT_FALSE(has(line_with(s, "tui-kid"), "/s")) << s;
    EXPECT_FALSE(has(line_with(s, "PID"), "RATE")) << s;
    keys("a");
    s = expect_screen(
        [&](const std::string& x) {
            return !has(lines_of(x)[0], "CUMULATIVE") && has(line_with(x, "PID"), "↓ RATE") &&
                   has(line_with(x, "tui-kid"), "/s");
        },
        "rates again");

    // t: the kid under its parent, the parent's row summing both.
    keys("t");
    s = expect_screen(
        [&](const std::string& x) {
            const int p = row_of(x, " tui-parent ");
            const int k = row_of(x, "└─tui-kid");
            return p > 0 && k == p + 1;
        },
        "tree: tui-kid under tui-parent");
    {
        std::istringstream row(line_with(s, " tui-parent "));
        std::string pid;
        row >> pid;
        EXPECT_EQ(pid, std::to_string(parent.pid())) << s;
    }
    // Filter still works in the tree: only the kid, as a root.
    keys("/");
    literal("proc:tui-kid");
    keys("Enter");
    expect_screen(
        [&](const std::string& x) {
            return !has(x, " tui-parent ") && has(first_row(x), " tui-kid ");
        },
        "filtered tree: tui-kid alone, a root");
    keys("q");
    expect_screen([&](const std::string& x) { return has(x, "EXIT=0"); }, "q exits 0");
}

// An alert rule on the sender: the header shows an ALERT badge while it is active.
TEST_F(SstopNetnsTmux, AnActiveAlertShowsABadgeInTheHeader) {
    NetnsPair net("tuia");
    ASSERT_FALSE(HasFailure()) << "namespaces not set up";
    Child sink(net.b, "tui-sink", sink_body);
    Child traffic(net.a, "tui-traffic", traffic_body);
    Child listener(net.a, "tui-listener", listener_body);
    ASSERT_FALSE(HasFailure()) << "children not ready";
    const std::string config = "/tmp/sstop-tui-alert-" + std::to_string(::getpid()) + ".yaml";
    {
        std::ofstream out(config);
        out << "alerts:\n  - name: sender\n    when: \"proc:tui-traffic and tx>10K\"\n"
               "    for: 1s\n    actions: [highlight, bell]\n";
    }
    start("ip netns exec " + net.a.name() + " " + std::string(SSTOP_BINARY) +
          " --interval 500ms --config " + config);
    ASSERT_FALSE(HasFailure());
    auto s = expect_screen([&](const std::string& x) { return has(lines_of(x)[0], " ALERT 1 "); },
                           "ALERT badge for the sender", 20s);
    EXPECT_TRUE(processes_table(s)) << s;
    keys("q");
    expect_screen([&](const std::string& x) { return has(x, "EXIT=0"); }, "q exits 0");
    std::remove(config.c_str());
}

}  // namespace
