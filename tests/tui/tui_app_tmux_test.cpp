// The real sstop binary in a terminal: the built-in view plugins as tabs, the host's header
// over live data from this machine, and the clean exits. Registered only once the app calls
// run_tui (see CMakeLists.txt).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "tmux_fixture.hpp"

namespace {

using namespace sstop::testing;

class SstopTmux : public TmuxTest {
  protected:
    void start_sstop(const std::string& args = "") {
        // An inner shell writes its pid and becomes sstop, so the test can signal it.
        start("sh -c \"echo \\$\\$ > " + pid_file_ + "; exec " + std::string(SSTOP_BINARY) + " " +
              args + "\"");
    }
};

TEST_F(SstopTmux, ShowsTheBuiltInViewsAsTabs) {
    start_sstop();
    auto s = wait_for("1 Processes", std::chrono::seconds(10));
    ASSERT_TRUE(has(s, "1 Processes")) << s;
    EXPECT_TRUE(has(s, "sstop")) << s;
    EXPECT_TRUE(has(s, "2 Hosts")) << s;
    EXPECT_TRUE(has(s, "3 Ports")) << s;
    EXPECT_TRUE(has(s, "4 Groups")) << s;
    EXPECT_TRUE(has(s, "5 History")) << s;
    EXPECT_TRUE(has(s, "PID")) << s;
    keys("l");  // the ports view's hotkey
    s = wait_for("PROTO");
    EXPECT_TRUE(has(s, "PORT")) << s;
    keys("H");  // the history view's: its table over the store this sstop records to
    s = wait_for("30 DAYS");
    EXPECT_TRUE(has(s, "PROGRAM")) << s;
    EXPECT_TRUE(has(s, "TODAY")) << s;
}

TEST_F(SstopTmux, InterfacesTabEnabledByConfigListsLoopback) {
    // Not a default tab: a config file turns it on. Removed even when an assertion fails.
    const std::string config = "/tmp/" + socket_ + ".yaml";
    struct Remove {
        std::string path;
        ~Remove() { std::remove(path.c_str()); }
    } remove{config};
    std::ofstream(config) << "views: [processes, interfaces]\n";
    start_sstop("--config " + config);
    auto s = wait_for("2 Interfaces", std::chrono::seconds(10));
    ASSERT_TRUE(has(s, "2 Interfaces")) << s;
    EXPECT_TRUE(has(s, "1 Processes")) << s;
    EXPECT_FALSE(has(s, "Hosts")) << s;  // only the tabs the config names
    keys("f");                           // the interfaces view's hotkey
    // The loopback row: a line starting with its name, in the view's first column.
    auto loopback = [](const std::string& screen) {
        for (const std::string& line : lines_of(screen))
            if (line.rfind("lo ", 0) == 0) return line;
        return std::string();
    };
    // The row comes with the first sample: as long as the tab's own wait above, under load.
    s = wait_until([&](const std::string& screen) { return !loopback(screen).empty(); },
                   std::chrono::seconds(10));
    EXPECT_TRUE(has(s, "STATE")) << s;
    EXPECT_TRUE(has(s, "BANDWIDTH")) << s;
    ASSERT_FALSE(loopback(s).empty()) << s;
    EXPECT_TRUE(has(loopback(s), " up ")) << s;
}

// A child named `name` that sends `bytes` to itself over a loopback TCP connection, then
// waits (with both ends open) until it is killed, by pid, on destruction.
class LoopbackTalker {
  public:
    LoopbackTalker(const char* name, std::size_t bytes) {
        pid_ = ::fork();
        if (pid_ != 0) return;
        ::prctl(PR_SET_NAME, name);
        const int l = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(l, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(l, 1) != 0 ||
            ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            _exit(1);
        const int c = ::socket(AF_INET, SOCK_STREAM, 0);
        if (::connect(c, reinterpret_cast<sockaddr*>(&a), len) != 0) _exit(1);
        const int s = ::accept(l, nullptr, nullptr);
        std::vector<char> buf(65536, 'x');
        std::size_t sent = 0;
        while (sent < bytes) {
            const ssize_t n = ::write(c, buf.data(), std::min(buf.size(), bytes - sent));
            if (n <= 0) _exit(1);
            sent += static_cast<std::size_t>(n);
            for (ssize_t got = 0; got < n;) {
                const ssize_t r = ::read(s, buf.data(), static_cast<std::size_t>(n - got));
                if (r <= 0) _exit(1);
                got += r;
            }
        }
        ::alarm(120);  // a bound even if the test never kills it
        ::pause();
        _exit(0);
    }
    ~LoopbackTalker() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    LoopbackTalker(const LoopbackTalker&) = delete;
    LoopbackTalker& operator=(const LoopbackTalker&) = delete;

  private:
    pid_t pid_ = -1;
};

TEST_F(SstopTmux, SummaryAfterQuitNamesTheProcessThatMovedBytes) {
    // Only this namespace: tests running beside this one in namespaces of their own move
    // more bytes than the talker and would push it out of the top 10.
    const std::string config = "/tmp/" + socket_ + ".yaml";
    struct Remove {
        std::string path;
        ~Remove() { std::remove(path.c_str()); }
    } remove{config};
    std::ofstream(config) << "plugins:\n  ebpf: {namespaces: own}\n  netlink: {namespaces: own}\n";
    start_sstop("--summary --interval 300ms --config " + config);
    ASSERT_TRUE(has(wait_for("1 Processes", std::chrono::seconds(10)), "1 Processes"));
    // The screen is up before the sources are (the ebpf source attaches and lists what is
    // open first: 0.4 s more beside 20,000 sockets); bytes moved before the first sample are
    // older than the session and not counted.
    const std::string waiting = "waiting for the first sample";
    ASSERT_FALSE(has(wait_gone(waiting, std::chrono::seconds(15)), waiting));
    // 3 MiB each way over loopback, after sstop's first update.
    LoopbackTalker talker("sum-talker", 3 * 1024 * 1024);
    // Seen on screen (it may also sort below the fold: the summary is what is checked).
    wait_for("sum-talker", std::chrono::seconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // a few more updates
    keys("q");
    auto s = wait_for("EXIT=", std::chrono::seconds(10));
    EXPECT_TRUE(has(s, "EXIT=0")) << s;
    EXPECT_FALSE(has(s, "1 Processes")) << s;  // printed after the screen was restored
    EXPECT_TRUE(has(s, "Top processes by bytes during the session")) << s;
    EXPECT_TRUE(has(s, "Top remote hosts by bytes during the session")) << s;
    std::string row;
    for (const std::string& line : lines_of(s))
        if (has(line, "sum-talker")) row = line;
    ASSERT_FALSE(row.empty()) << s;
    // Sent and received 3 MiB (payload), so 6 MiB in total.
    EXPECT_TRUE(has(row, "3.00 MiB")) << row;
    EXPECT_TRUE(has(row, "6.00 MiB")) << row;
}

TEST_F(SstopTmux, PortsTabNamesServicesInItsSvcColumn) {
    // A listener of this test on a free port, named by a services file the config points to.
    const int l = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(l, 0);
    struct Close {
        int fd;
        ~Close() { ::close(fd); }
    } close_l{l};
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&a), len), 0);
    ASSERT_EQ(::listen(l, 1), 0);
    ASSERT_EQ(::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len), 0);
    const std::string port = std::to_string(ntohs(a.sin_port));
    const std::string services = "/tmp/" + socket_ + ".services";
    const std::string config = "/tmp/" + socket_ + ".yaml";
    struct Remove {
        std::vector<std::string> paths;
        ~Remove() {
            for (const auto& p : paths) std::remove(p.c_str());
        }
    } remove{{services, config}};
    std::ofstream(services) << "# test\nsvctest " << port << "/tcp\n";
    std::ofstream(config) << "plugins:\n  ports:\n    services_file: " << services << "\n";
    start_sstop("--config " + config);
    ASSERT_TRUE(has(wait_for("1 Processes", std::chrono::seconds(10)), "1 Processes"));
    keys("l");
    auto s = wait_for("svctest", std::chrono::seconds(10));
    EXPECT_TRUE(has(s, "SVC")) << s;
    std::string row;
    for (const std::string& line : lines_of(s))
        if (has(line, "svctest")) row = line;
    EXPECT_TRUE(has(row, " " + port + " ")) << s;  // on the listener's row
}

TEST_F(SstopTmux, QuitExitsZeroAndRestoresTheScreen) {
    start(SSTOP_BINARY);
    ASSERT_TRUE(has(wait_for("1 Processes", std::chrono::seconds(10)), "1 Processes"));
    keys("q");
    auto s = wait_for("EXIT=", std::chrono::seconds(10));
    EXPECT_TRUE(has(s, "EXIT=0")) << s;
    EXPECT_FALSE(has(s, "1 Processes")) << s;
}

TEST_F(SstopTmux, SigtermExitsZeroAndRestoresTheScreen) {
    start_sstop();
    ASSERT_TRUE(has(wait_for("1 Processes", std::chrono::seconds(10)), "1 Processes"));
    const pid_t pid = pid_from_file();
    ASSERT_GT(pid, 0);
    ::kill(pid, SIGTERM);
    auto s = wait_for("EXIT=", std::chrono::seconds(10));
    EXPECT_TRUE(has(s, "EXIT=0")) << s;
    EXPECT_FALSE(has(s, "1 Processes")) << s;
}

}  // namespace
