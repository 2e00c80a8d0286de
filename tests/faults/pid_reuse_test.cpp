// A pid used twice: process A sends 3,000,000 bytes and exits, then process B is made to get
// the same pid (in a private pid namespace, through /proc/sys/kernel/ns_last_pid) and sends
// 100,000. sstop, running in the same pid and network namespaces, must keep them apart: B's
// bytes never include A's.

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "netns.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;

constexpr std::uint64_t kBytesA = 3000000;
constexpr std::uint64_t kBytesB = 100000;

// Runs inside `unshare --pid --fork --mount-proc` (as pid 1 of its namespace), so the only
// forks are the ones written here. $1 = sstop, $2 = output file. Prints "A=<pid> B=<pid>" and
// sstop's exit code.
constexpr const char* kScript = R"sh(
"$1" --json --interval 200ms --sources netlink >"$2" 2>"$2.err" &
sstop=$!
for i in $(seq 100); do [ -s "$2" ] && break; sleep 0.1; done
bash -c 'exec 3<>/dev/tcp/127.0.0.1/7200; printf "%*s" 3000000 "" >&3; sleep 1.5 3>&-' marker-A &
a=$!
wait $a
# The next pid handed out is ns_last_pid + 1; the echo is a builtin, so nothing forks between.
echo $((a - 1)) >/proc/sys/kernel/ns_last_pid
bash -c 'exec 3<>/dev/tcp/127.0.0.1/7200; printf "%*s" 100000 "" >&3; sleep 4 3>&-' marker-B &
b=$!
wait $b
kill -TERM $sstop
wait $sstop
echo "A=$a B=$b rc=$?"
)sh";

TEST(PidReuse, SecondProcessWithTheSamePidDoesNotInheritTheFirstsBytes) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    Netns ns("pidreuse");
    // The peer: reads each connection to its end, one after the other.
    Child server(ns, "reuse-server", [](const auto& ready) {
        int lfd = tcp_listen("127.0.0.1", 7200);
        ready();
        for (int i = 0; i < 2; ++i) {
            int fd = tcp_accept(lfd);
            read_exactly(fd, 1ull << 40);
            close(fd);
        }
    });
    const std::string out_path =
        ::testing::TempDir() + "sstop-pidreuse-" + std::to_string(getpid()) + ".jsonl";
    int rc = 0;
    std::string err;
    std::string out =
        run_capture({"ip", "netns", "exec", ns.name(), "unshare", "--pid", "--fork", "--mount-proc",
                     "bash", "-c", kScript, "pid-reuse", sstop_binary(), out_path},
                    &rc, std::chrono::seconds(60), &err);
    ASSERT_EQ(rc, 0) << err;
    int a = 0, b = 0, sstop_rc = -1;
    ASSERT_EQ(std::sscanf(out.c_str(), "A=%d B=%d rc=%d", &a, &b, &sstop_rc), 3) << out;
    ASSERT_EQ(a, b) << "the pid was not reused (something forked in between); cannot judge";
    EXPECT_EQ(sstop_rc, 0);
    std::ifstream err_in(out_path + ".err");
    std::string sstop_err((std::istreambuf_iterator<char>(err_in)), {});
    EXPECT_EQ(sstop_err, "");

    std::uint64_t max_a = 0, max_b = 0, last_b = 0;
    bool seen_b = false;
    std::ifstream in(out_path);
    for (std::string line; std::getline(in, line);) {
        json snap = json::parse(line);
        for (const auto& p : snap["processes"]) {
            if (p["pid"] != a) continue;
            const std::string cmd = p["cmdline"].get<std::string>();
            const auto tx = p["tx_bytes"].get<std::uint64_t>();
            if (cmd.find("marker-A") != std::string::npos) max_a = std::max(max_a, tx);
            if (cmd.find("marker-B") != std::string::npos) {
                max_b = std::max(max_b, tx);
                last_b = tx;
                seen_b = true;
            }
        }
    }
    EXPECT_GE(max_a, kBytesA) << "A's bytes were never seen: the test proves nothing";
    ASSERT_TRUE(seen_b) << "B was never listed";
    EXPECT_GE(last_b, kBytesB);
    EXPECT_LT(max_b, kBytesA) << "B was credited with A's bytes";
    EXPECT_LE(last_b, kBytesB + kBytesB / 100);
    if (HasFailure()) {
        std::cerr << "kept for inspection: " << out_path << "\n";
        return;
    }
    std::remove(out_path.c_str());
    std::remove((out_path + ".err").c_str());
}

}  // namespace
}  // namespace sstop::testing
