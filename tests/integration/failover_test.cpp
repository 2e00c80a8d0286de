// Failover at run time: netlink is made to fail after a few updates (the SSTOP_FAULT seam);
// sstop must switch to procnet + afpacket without a restart, say so in `sources` and in a
// notice, and keep counting a transfer that runs across the switch.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <string>

#include "netns.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;

constexpr std::size_t kChunk = 100'000;
constexpr int kChunks = 30;  // 3 MB over ~3 s, across the switch

TEST(Failover, NetlinkFailingAtRunTimeSwitchesToProcnetAndKeepsCounting) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    NetnsPair net("fo");
    Gate go;
    Child sink(net.b, "fo-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, 7101);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, kChunk * kChunks);
        pause();
    });
    Child sender(net.a, "fo-sender", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, 7101);
        ready();
        go.wait();
        for (int i = 0; i < kChunks; ++i) {
            write_exactly(s, kChunk);
            usleep(100000);
        }
        pause();
    });

    setenv("SSTOP_FAULT", "netlink_fail_after=6", 1);
    // The fallback chain (where ebpf cannot load): netlink fails, procnet takes over.
    SstopRun sstop(
        net.a, {"--sources", "netlink,procnet,afpacket", "--interval", "250ms", "--count", "60"});
    unsetenv("SSTOP_FAULT");
    ASSERT_TRUE(sstop.wait_for_seq(1, std::chrono::seconds(20))) << sstop.errors();
    go.fire();
    ASSERT_TRUE(sstop.wait_for_seq(24, std::chrono::seconds(30))) << sstop.errors();
    EXPECT_EQ(sstop.stop(), 0);

    auto snaps = sstop.snapshots();
    ASSERT_GE(snaps.size(), 24u);
    EXPECT_EQ(snaps.front()["sources"], json::array({"netlink", "afpacket"}));
    EXPECT_EQ(snaps.back()["sources"], json::array({"procnet", "afpacket"}));
    bool noticed = false;
    for (const auto& n : snaps.back()["notices"])
        noticed |= n.get<std::string>().find("switched to procnet") != std::string::npos;
    EXPECT_TRUE(noticed) << snaps.back()["notices"];
    EXPECT_NE(sstop.errors().find("switched to procnet"), std::string::npos) << sstop.errors();

    // The transfer straddled the switch and is still counted to the byte (within 1%).
    std::uint64_t tx = 0;
    for (const auto& p : snaps.back()["processes"])
        if (p["pid"].get<int>() == sender.pid()) tx = p["tx_bytes"].get<std::uint64_t>();
    double truth = static_cast<double>(kChunk * kChunks);
    EXPECT_LE(std::fabs(static_cast<double>(tx) - truth), 0.01 * truth)
        << "sstop says " << tx << ", truth is " << truth;
}

// With no source left to fail over to, a headless run ends (it used to print empty
// snapshots forever) with exit code 3 and one line saying why, after the snapshots it had.
TEST(Failover, LastSourceFailingEndsAHeadlessRunWithExitCodeThree) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    Netns ns("folast");
    int rc = -1;
    std::string err;
    setenv("SSTOP_FAULT", "netlink_fail_after=4", 1);
    const std::string out = run_capture({"ip", "netns", "exec", ns.name(), sstop_binary(), "--json",
                                         "-n", "--sources", "netlink", "--interval", "100ms"},
                                        &rc, std::chrono::seconds(30), &err);
    unsetenv("SSTOP_FAULT");
    EXPECT_EQ(rc, 3) << err;
    EXPECT_NE(err.find("netlink failed: netlink: failure injected by SSTOP_FAULT; no other socket "
                       "source left"),
              std::string::npos)
        << err;
    EXPECT_NE(err.find("sstop: no source left to collect from"), std::string::npos) << err;
    std::size_t lines = 0;
    for (char c : out) lines += c == '\n';
    EXPECT_GE(lines, 3u) << "the snapshots taken before the failure are printed";
}

}  // namespace
}  // namespace sstop::testing
