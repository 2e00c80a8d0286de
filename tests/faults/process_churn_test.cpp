// Processes that vanish between sstop listing /proc and reading their descriptors: a churn of
// short-lived children, each opening a socket and exiting at once, while sstop updates five
// times a second. Every race must be absorbed silently: exit 0, every update printed, nothing
// on stderr.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "netns.hpp"

namespace sstop::testing {
namespace {

// Forks ~200 children a second until the gate fires (at most `limit`); each opens a TCP
// listener or a UDP socket on an ephemeral port, lingers briefly, and exits. Returns the
// number of children started.
int churn_processes(const Gate& stop, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    int started = 0;
    auto next = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < end) {
        // Checking the gate is a stat(); do it every 20 children, not every fork.
        if (started % 20 == 0 && stop.wait(std::chrono::milliseconds(0))) break;
        next += std::chrono::milliseconds(5);
        std::this_thread::sleep_until(next);
        const int kind = started % 2;
        const pid_t pid = fork();
        if (pid == 0) {
            int fd = socket(AF_INET, kind ? SOCK_DGRAM : SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && !kind) {
                listen(fd, 1);
            }
            // Most die within 4 ms (the race); one in ten lives 250 ms, so sstop also lists some.
            const int me = getpid();
            usleep(static_cast<useconds_t>(me % 10 == 0 ? 250000 : (me % 5) * 1000));
            _exit(0);
        }
        if (pid > 0) ++started;
        while (waitpid(-1, nullptr, WNOHANG) > 0) {
        }
    }
    while (wait(nullptr) > 0) {
    }
    return started;
}

TEST(ProcessChurn, VanishingProcessesLeaveNoErrorsAndNoMissedUpdates) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    Netns ns("churn");
    Gate stop;
    Child churn(ns, "proc-churn", [&stop](const auto& ready) {
        ready();
        const int started = churn_processes(stop, std::chrono::seconds(60));
        // The exit code tells the test the churn really ran (at least 2 s worth of children).
        _exit(started >= 400 ? 0 : 1);
    });

    int rc = 0;
    std::string err;
    std::string out = run_capture({"ip", "netns", "exec", ns.name(), sstop_binary(), "--json",
                                   "--interval", "200ms", "--count", "20"},
                                  &rc, std::chrono::seconds(60), &err);
    stop.fire();
    EXPECT_EQ(churn.wait(), 0) << "the churn did not start enough processes";
    EXPECT_EQ(rc, 0) << err;
    EXPECT_EQ(err, "") << "no error lines expected";
    std::size_t lines = 0, with_sockets = 0;
    std::size_t start = 0, nl;
    while ((nl = out.find('\n', start)) != std::string::npos) {
        auto snap = nlohmann::json::parse(out.substr(start, nl - start));
        ++lines;
        if (!snap["processes"].empty()) ++with_sockets;
        start = nl + 1;
    }
    EXPECT_EQ(lines, 20u);
    // The churn was visible to sstop at least sometimes, so the races were really exercised.
    EXPECT_GT(with_sockets, 0u);
}

}  // namespace
}  // namespace sstop::testing
