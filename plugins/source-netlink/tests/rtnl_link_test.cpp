// Link-dump parser tests over a recorded reply (data/link_dump.bin, from a private netns
// whose only interface is lo, up) and crafted messages.
#include "rtnl_link.hpp"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "sock_diag.hpp"

namespace sstop::plugins::netlink {
namespace {

std::vector<std::uint8_t> load(const char* name) {
    std::ifstream in(std::string(SSTOP_SOURCE_DIR) + "/plugins/source-netlink/tests/data/" + name,
                     std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(RtnlLink, RecordedDumpListsLoopbackUpWithTraffic) {
    auto bytes = load("link_dump.bin");
    ASSERT_FALSE(bytes.empty());
    auto* first = reinterpret_cast<const nlmsghdr*>(bytes.data());
    std::vector<InterfaceObs> ifaces;
    WalkResult w =
        walk_dump_buffer(bytes, first->nlmsg_seq, first->nlmsg_pid, [&](const nlmsghdr* m) {
            if (auto i = parse_link_message(m)) ifaces.push_back(*i);
        });
    EXPECT_EQ(w.status, WalkResult::Status::Done);
    ASSERT_FALSE(ifaces.empty());
    const InterfaceObs* lo = nullptr;
    for (const auto& i : ifaces)
        if (i.name == "lo") lo = &i;
    ASSERT_NE(lo, nullptr);
    EXPECT_TRUE(lo->up);
    EXPECT_EQ(lo->index, 1u);
    // The recorder moved at least 11,200 payload bytes over lo before dumping.
    EXPECT_GT(lo->rx_bytes, 11200u);
    EXPECT_EQ(lo->rx_bytes, lo->tx_bytes);  // loopback: every byte sent is received
    EXPECT_GT(lo->rx_packets, 0u);
}

struct CraftedLink {
    alignas(nlmsghdr) std::uint8_t buf[2048]{};
    nlmsghdr* nlh;
    ifinfomsg* ifm;
    CraftedLink(unsigned flags) {
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_NEWLINK;
        ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof *ifm));
        ifm->ifi_index = 7;
        ifm->ifi_flags = flags;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth7");
    }
};

TEST(RtnlLink, Stats64PreferredOver32) {
    CraftedLink c(IFF_UP | IFF_RUNNING);
    rtnl_link_stats s32{};
    s32.rx_bytes = 1;
    rtnl_link_stats64 s64{};
    s64.rx_bytes = 5'000'000'000ull;  // above 32 bits
    s64.tx_bytes = 6;
    s64.rx_packets = 7;
    s64.tx_packets = 8;
    mnl_attr_put(c.nlh, IFLA_STATS, sizeof s32, &s32);
    mnl_attr_put(c.nlh, IFLA_STATS64, sizeof s64, &s64);
    auto i = parse_link_message(c.nlh);
    ASSERT_TRUE(i);
    EXPECT_EQ(i->name, "eth7");
    EXPECT_EQ(i->index, 7u);
    EXPECT_TRUE(i->up);
    EXPECT_EQ(i->rx_bytes, 5'000'000'000ull);
    EXPECT_EQ(i->tx_bytes, 6u);
    EXPECT_EQ(i->rx_packets, 7u);
    EXPECT_EQ(i->tx_packets, 8u);
}

TEST(RtnlLink, Stats32UsedWhen64Missing) {
    CraftedLink c(IFF_UP | IFF_RUNNING);
    rtnl_link_stats s32{};
    s32.tx_bytes = 123;
    mnl_attr_put(c.nlh, IFLA_STATS, sizeof s32, &s32);
    auto i = parse_link_message(c.nlh);
    ASSERT_TRUE(i);
    EXPECT_EQ(i->tx_bytes, 123u);
}

TEST(RtnlLink, UpNeedsAdminUpAndCarrier) {
    CraftedLink admin_only(IFF_UP);
    mnl_attr_put_u8(admin_only.nlh, IFLA_OPERSTATE, IF_OPER_DOWN);
    EXPECT_FALSE(parse_link_message(admin_only.nlh)->up);
    CraftedLink down(IFF_RUNNING);
    EXPECT_FALSE(parse_link_message(down.nlh)->up);
    CraftedLink oper_up(IFF_UP);
    mnl_attr_put_u8(oper_up.nlh, IFLA_OPERSTATE, IF_OPER_UP);
    EXPECT_TRUE(parse_link_message(oper_up.nlh)->up);
}

TEST(RtnlLink, OtherMessagesAndNamelessLinksAreSkipped) {
    CraftedLink c(IFF_UP);
    c.nlh->nlmsg_type = RTM_NEWADDR;
    EXPECT_FALSE(parse_link_message(c.nlh));
    alignas(nlmsghdr) std::uint8_t buf[256]{};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg));
    EXPECT_FALSE(parse_link_message(nlh));
}

}  // namespace
}  // namespace sstop::plugins::netlink
