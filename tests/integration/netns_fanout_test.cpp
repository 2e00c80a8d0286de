// Sockets of processes in other network namespaces (containers): sstop running in the
// initial namespace sees them — bytes within 1% and owners — because the netlink source enters
// every namespace at start (`namespaces: auto` = all there); sstop running inside a namespace
// (auto = own) does not; and a namespace born after the host dropped CAP_SYS_ADMIN is left out
// with one notice. The procnet source does the same through /proc/<pid>/net, and there a
// namespace born after start is included. Only this test's own pids are asserted about: other
// tests make namespaces in parallel, and sstop in the initial namespace sees those too.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "netns.hpp"
#include "snapshot_json.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;

constexpr std::size_t kUp = 3'000'000;
constexpr std::size_t kDown = 2'000'000;

std::uint64_t inode_of(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// The test runs in the initial network namespace (where `auto` means all): pid 1's, or
// kthreadd's when pid 1 cannot be inspected (a sandbox's init with more capabilities).
bool in_initial_netns() {
    std::uint64_t own = inode_of("/proc/self/ns/net");
    std::uint64_t initial = inode_of("/proc/1/ns/net");
    if (initial == 0) initial = inode_of("/proc/2/ns/net");
    return own != 0 && own == initial;
}

std::uint64_t counter(const json& snap, const char* name) {
    const auto& c = snap["counters"];
    return c.contains(name) ? c[name].get<std::uint64_t>() : 0;
}

// Waits (at most `limit`) for a snapshot listing every pid of `pids` with a connection; the
// namespace enumerator finds a namespace on its /proc walk, which takes longer on a loaded
// machine (sanitizers, parallel tests) than a fixed count of ticks. Returns that snapshot's
// seq, or -1.
int wait_for_listed(SstopRun& sstop, const std::vector<pid_t>& pids,
                    std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    std::size_t checked = 0;
    while (std::chrono::steady_clock::now() < until) {
        const auto snaps = sstop.snapshots();
        for (; checked < snaps.size(); ++checked) {
            bool all = true;
            for (pid_t pid : pids) {
                const json* p = find_process(snaps[checked], pid);
                all = all && p && (*p)["connections"].get<int>() >= 1;
            }
            if (all) return snaps[checked]["seq"].get<int>();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return -1;
}

bool has_notice(const json& snap, const std::string& part) {
    for (const auto& n : snap["notices"])
        if (n.get<std::string>().find(part) != std::string::npos) return true;
    return false;
}

class NetnsFanout : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    }
};

TEST_F(NetnsFanout, ContainerProcessesAreSeenFromTheInitialNamespace) {
    if (!in_initial_netns()) GTEST_SKIP() << "the test does not run in the initial namespace";
    NetnsPair net("fan");  // a = "container" c, b = "container" d
    Gate go;
    Child sink(net.b, "fan-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, 7501);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, kUp);
        pause();
    });
    Child source(net.b, "fan-source", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB6, 7502);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, 1);
        write_exactly(c, kDown);
        pause();
    });
    Child up(net.a, "fan-up", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, 7501);
        ready();
        go.wait();
        write_exactly(s, kUp);
        pause();
    });
    Child down(net.a, "fan-down", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB6, 7502);
        ready();
        go.wait();
        write_exactly(s, 1);
        read_exactly(s, kDown);
        pause();
    });

    SstopRun sstop({"--sources", "netlink", "--interval", "500ms", "--count", "60"});
    ASSERT_TRUE(sstop.wait_for_seq(1, std::chrono::seconds(20))) << sstop.errors();
    go.fire();
    int last = sstop.snapshots().back()["seq"].get<int>();
    ASSERT_TRUE(sstop.wait_for_seq(last + 6, std::chrono::seconds(20))) << sstop.errors();
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();

    const json snap = sstop.snapshots().back();
    SCOPED_TRACE("counters " + snap["counters"].dump() + "\nnotices " + snap["notices"].dump());
    expect_within_1pct(bytes_of(snap, up.pid(), "tx_bytes"), kUp, "upload (v4) tx in c");
    expect_within_1pct(bytes_of(snap, sink.pid(), "rx_bytes"), kUp, "upload rx in d");
    expect_within_1pct(bytes_of(snap, down.pid(), "rx_bytes"), kDown, "download (v6) rx in c");
    expect_within_1pct(bytes_of(snap, source.pid(), "tx_bytes"), kDown, "download tx in d");
    for (pid_t pid : {up.pid(), down.pid(), sink.pid(), source.pid()}) {
        const json* p = find_process(snap, pid);
        ASSERT_NE(p, nullptr) << "pid " << pid << " is not listed";
        EXPECT_GE((*p)["connections"].get<int>(), 1) << "pid " << pid;
    }
    EXPECT_GE(counter(snap, "netlink.netns_active"), 2u) << "c and d were entered";
}

TEST_F(NetnsFanout, InsideANamespaceOnlyItsOwnSocketsAreSeen) {
    NetnsPair net("fanown");
    Netns where("fanin");  // sstop runs here: auto resolves to own
    Gate go;
    Child sink(net.b, "fanown-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, 7503);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, kUp);
        pause();
    });
    Child up(net.a, "fanown-up", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, 7503);
        ready();
        go.wait();
        write_exactly(s, kUp);
        pause();
    });
    SstopRun sstop(where, {"--sources", "netlink", "--interval", "200ms", "--count", "60"});
    ASSERT_TRUE(sstop.wait_for_seq(1, std::chrono::seconds(20))) << sstop.errors();
    go.fire();
    int last = sstop.snapshots().back()["seq"].get<int>();
    ASSERT_TRUE(sstop.wait_for_seq(last + 5, std::chrono::seconds(20))) << sstop.errors();
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();
    for (const json& snap : sstop.snapshots()) {
        EXPECT_EQ(find_process(snap, up.pid()), nullptr) << "seq " << snap["seq"];
        EXPECT_EQ(find_process(snap, sink.pid()), nullptr) << "seq " << snap["seq"];
        EXPECT_EQ(counter(snap, "netlink.netns_active"), 0u);
    }
}

TEST_F(NetnsFanout, ANamespaceBornAfterThePrivilegeDropIsReadThroughProcWithANotice) {
    if (!in_initial_netns()) GTEST_SKIP() << "the test does not run in the initial namespace";
    // Run as root, the host keeps only dac_read_search and sys_ptrace after open(): setns
    // into a namespace that did not exist then is refused (EPERM), by design. Its sockets are
    // read through /proc/<pid>/net instead: processes and connections, no tcp_info bytes.
    SstopRun sstop({"--sources", "netlink", "--interval", "200ms", "--count", "150"});
    ASSERT_TRUE(sstop.wait_for_seq(1, std::chrono::seconds(20))) << sstop.errors();
    const int born_at = sstop.snapshots().back()["seq"].get<int>();

    NetnsPair late("fanlate");
    Gate go;
    Child sink(late.b, "fanlate-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, 7504);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, kUp);
        pause();
    });
    Child up(late.a, "fanlate-up", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, 7504);
        ready();
        go.wait();
        write_exactly(s, kUp);
        pause();
    });
    go.fire();
    // The enumerator sees the namespaces one collect after their first process: a few ticks
    // (more on a loaded machine); then they stay listed.
    const int found = wait_for_listed(sstop, {up.pid(), sink.pid()}, std::chrono::seconds(30));
    ASSERT_TRUE(sstop.wait_for_seq(std::max(born_at, found) + 5, std::chrono::seconds(20)))
        << sstop.errors();
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();

    const auto snaps = sstop.snapshots();
    const json& snap = snaps.back();
    SCOPED_TRACE("counters " + snap["counters"].dump() + "\nnotices " + snap["notices"].dump());
    ASSERT_GE(found, 0) << "the late namespace's processes were never listed with a connection";
    for (pid_t pid : {up.pid(), sink.pid()}) {
        const json* p = find_process(snap, pid);
        ASSERT_NE(p, nullptr) << "pid " << pid << " is not listed";
        EXPECT_GE((*p)["connections"].get<int>(), 1) << "pid " << pid;
    }
    EXPECT_GE(counter(snap, "netlink.netns_via_proc"), 2u) << "both read through /proc";
    EXPECT_GE(counter(snap, "netlink.netns_unreachable"), 2u) << "both new namespaces";
    EXPECT_TRUE(has_notice(snap,
                           "appeared after start and cannot be entered without "
                           "CAP_SYS_ADMIN; their sockets are read through /proc/<pid>/net") ||
                sstop.errors().find("appeared after start") != std::string::npos)
        << sstop.errors();
}

// procnet reads the other namespaces through /proc/<pid>/net: no bytes (not asserted), but
// the same processes and connections as netlink.
TEST_F(NetnsFanout, ProcnetSeesContainerProcessesFromTheInitialNamespace) {
    if (!in_initial_netns()) GTEST_SKIP() << "the test does not run in the initial namespace";
    NetnsPair net("fanpn");
    Gate go;
    Child sink(net.b, "fanpn-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, 7505);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, kUp);
        pause();
    });
    Child source(net.b, "fanpn-source", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB6, 7506);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, 1);
        write_exactly(c, kDown);
        pause();
    });
    Child up(net.a, "fanpn-up", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, 7505);
        ready();
        go.wait();
        write_exactly(s, kUp);
        pause();
    });
    Child down(net.a, "fanpn-down", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB6, 7506);
        ready();
        go.wait();
        write_exactly(s, 1);
        read_exactly(s, kDown);
        pause();
    });

    SstopRun sstop({"--sources", "procnet", "--interval", "500ms", "--count", "60"});
    ASSERT_TRUE(sstop.wait_for_seq(1, std::chrono::seconds(20))) << sstop.errors();
    go.fire();
    int last = sstop.snapshots().back()["seq"].get<int>();
    ASSERT_TRUE(sstop.wait_for_seq(last + 4, std::chrono::seconds(20))) << sstop.errors();
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();

    const json snap = sstop.snapshots().back();
    SCOPED_TRACE("counters " + snap["counters"].dump() + "\nnotices " + snap["notices"].dump());
    EXPECT_EQ(snap["sources"], json::array({"procnet"}));
    for (pid_t pid : {up.pid(), down.pid(), sink.pid(), source.pid()}) {
        const json* p = find_process(snap, pid);
        ASSERT_NE(p, nullptr) << "pid " << pid << " is not listed";
        EXPECT_GE((*p)["connections"].get<int>(), 1) << "pid " << pid;
    }
    EXPECT_GE(counter(snap, "procnet.netns_active"), 2u) << "c and d were read";
}

TEST_F(NetnsFanout, ProcnetListsANamespaceBornAfterStart) {
    if (!in_initial_netns()) GTEST_SKIP() << "the test does not run in the initial namespace";
    // Unlike netlink, procnet needs no setns (and so no CAP_SYS_ADMIN) to read a namespace:
    // one born after the privilege drop is read like the others.
    SstopRun sstop({"--sources", "procnet", "--interval", "200ms", "--count", "150"});
    ASSERT_TRUE(sstop.wait_for_seq(1, std::chrono::seconds(20))) << sstop.errors();

    NetnsPair late("fanpnlate");
    Gate go;
    Child sink(late.b, "fanpnlate-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, 7507);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, kUp);
        pause();
    });
    Child up(late.a, "fanpnlate-up", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, 7507);
        ready();
        go.wait();
        write_exactly(s, kUp);
        pause();
    });
    go.fire();
    const int ready_at = sstop.snapshots().back()["seq"].get<int>();
    // The enumerator sees a namespace in the collect after its first process, and the
    // following collect reads it: a few ticks (more on a loaded machine); then it stays.
    const int found = wait_for_listed(sstop, {up.pid(), sink.pid()}, std::chrono::seconds(30));
    ASSERT_GE(found, 0) << "the late namespace's processes were never listed with a connection";
    ASSERT_TRUE(sstop.wait_for_seq(std::max(ready_at, found) + 5, std::chrono::seconds(20)))
        << sstop.errors();
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();

    const json snap = sstop.snapshots().back();
    SCOPED_TRACE("counters " + snap["counters"].dump() + "\nnotices " + snap["notices"].dump());
    for (pid_t pid : {up.pid(), sink.pid()}) {
        const json* p = find_process(snap, pid);
        ASSERT_NE(p, nullptr) << "pid " << pid << " is not listed";
        EXPECT_GE((*p)["connections"].get<int>(), 1) << "pid " << pid;
    }
    EXPECT_GE(counter(snap, "procnet.netns_active"), 2u) << "both new namespaces";
    EXPECT_FALSE(has_notice(snap, "cannot be entered")) << sstop.errors();
}

// With `keep_capabilities: [sys_admin]` the host keeps what setns needs, so a namespace
// created after start is entered too, and its process is counted to the byte.
TEST_F(NetnsFanout, ANamespaceBornAfterStartIsEnteredWhenSysAdminIsKept) {
    if (!in_initial_netns()) GTEST_SKIP() << "the test does not run in the initial namespace";
    const std::string config = "/tmp/sstop-fankeep-" + std::to_string(::getpid()) + ".yaml";
    {
        std::ofstream out(config);
        out << "keep_capabilities: [sys_admin]\n";
    }
    struct Remove {
        std::string path;
        ~Remove() { std::remove(path.c_str()); }
    } remove_config{config};

    SstopRun sstop(
        {"--config", config, "--sources", "netlink", "--interval", "200ms", "--count", "150"});
    ASSERT_TRUE(sstop.wait_for_seq(1, std::chrono::seconds(20))) << sstop.errors();

    NetnsPair late("fankeep");
    Gate go;
    Child sink(late.b, "fankeep-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, 7505);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, kUp);
        pause();
    });
    Child up(late.a, "fankeep-up", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, 7505);
        ready();
        go.wait();
        write_exactly(s, kUp);
        pause();
    });
    // Sockets that existed before sstop first listed them count from then: let it enter the
    // namespaces (one collect after their first process, a few ticks) before the transfer.
    const int born_at = sstop.snapshots().back()["seq"].get<int>();
    ASSERT_TRUE(sstop.wait_for_seq(born_at + 5, std::chrono::seconds(20))) << sstop.errors();
    go.fire();
    // Both ends: the two namespaces are dumped one after the other, so a transfer that
    // happens between the two dumps shows at the sender one collect before the receiver.
    int counted_at = -1;
    for (int seq = born_at + 6; seq < born_at + 60 && counted_at < 0; ++seq) {
        ASSERT_TRUE(sstop.wait_for_seq(seq, std::chrono::seconds(20))) << sstop.errors();
        const json snap = sstop.snapshots().back();
        if (bytes_of(snap, up.pid(), "tx_bytes") >= kUp &&
            bytes_of(snap, sink.pid(), "rx_bytes") >= kUp)
            counted_at = seq;
    }
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();
    const json snap = sstop.snapshots().back();
    SCOPED_TRACE("counters " + snap["counters"].dump() + "\nnotices " + snap["notices"].dump());
    EXPECT_GE(counted_at, 0) << "the transfer in the late namespaces was never counted";
    expect_within_1pct(bytes_of(snap, up.pid(), "tx_bytes"), kUp, "upload in a late namespace");
    expect_within_1pct(bytes_of(snap, sink.pid(), "rx_bytes"), kUp, "its peer's download");
    // (netns_unreachable may count other tests' namespaces that vanished while being entered.)
    EXPECT_FALSE(has_notice(snap, "cannot be entered without CAP_SYS_ADMIN"));
}

}  // namespace
}  // namespace sstop::testing
