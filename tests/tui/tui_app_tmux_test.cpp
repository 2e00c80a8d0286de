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
    s = wait_until([&](const std::string& screen) { return !loopback(screen).empty(); });
    EXPECT_TRUE(has(s, "STATE")) << s;
    EXPECT_TRUE(has(s, "BANDWIDTH")) << s;
    ASSERT_FALSE(loopback(s).empty()) << s;
    EXPECT_TRUE(has(loopback(s), " up ")) << s;
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
