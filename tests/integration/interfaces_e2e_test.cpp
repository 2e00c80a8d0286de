// Interfaces that appear and vanish while sstop runs (a VPN, a container's veth) are picked up
// and dropped without a restart, by either socket source.

#include <gtest/gtest.h>

#include <string>

#include "netns.hpp"

namespace sstop::testing {
namespace {

bool lists(const nlohmann::json& snap, const std::string& name) {
    for (const auto& i : snap["interfaces"])
        if (i["name"] == name) return true;
    return false;
}

class InterfacesE2E : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    }
};

TEST_P(InterfacesE2E, AppearAndVanishWithoutARestart) {
    Netns ns("if");
    SstopRun sstop(ns, {"--sources", GetParam(), "--interval", "200ms", "--count", "100"});
    ASSERT_TRUE(sstop.wait_for_seq(2, std::chrono::seconds(20))) << sstop.errors();
    EXPECT_FALSE(lists(sstop.snapshots().back(), "sst-dummy0"));

    // A veth pair inside the namespace (the dummy driver is not on every kernel).
    ns.ip({"link", "add", "sst-dummy0", "type", "veth", "peer", "name", "sst-dummy1"});
    ns.ip({"link", "set", "sst-dummy0", "up"});
    int seq = sstop.snapshots().back()["seq"].get<int>();
    ASSERT_TRUE(sstop.wait_for_seq(seq + 3, std::chrono::seconds(20)));
    auto snap = sstop.snapshots().back();
    EXPECT_TRUE(lists(snap, "sst-dummy0")) << snap["interfaces"];

    ns.ip({"link", "del", "sst-dummy0"});
    seq = snap["seq"].get<int>();
    ASSERT_TRUE(sstop.wait_for_seq(seq + 3, std::chrono::seconds(20)));
    snap = sstop.snapshots().back();
    EXPECT_FALSE(lists(snap, "sst-dummy0")) << snap["interfaces"];
    EXPECT_FALSE(lists(snap, "sst-dummy1")) << snap["interfaces"];
    EXPECT_TRUE(lists(snap, "lo")) << snap["interfaces"];
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();
}

INSTANTIATE_TEST_SUITE_P(Sources, InterfacesE2E, ::testing::Values("netlink", "procnet"));

}  // namespace
}  // namespace sstop::testing
