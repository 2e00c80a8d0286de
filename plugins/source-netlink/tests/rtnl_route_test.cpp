// Route-dump parser tests over crafted RTM_NEWROUTE messages, laid out as the kernel sends
// them (rtmsg, then RTA_TABLE / RTA_GATEWAY / RTA_OIF or RTA_MULTIPATH).
#include "rtnl_route.hpp"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

namespace sstop::plugins::netlink {
namespace {

using Indexes = std::vector<std::uint32_t>;

struct CraftedRoute {
    alignas(nlmsghdr) std::uint8_t buf[1024]{};
    nlmsghdr* nlh;
    rtmsg* rtm;
    CraftedRoute(std::uint8_t family, std::uint8_t dst_len) {
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_NEWROUTE;
        rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof *rtm));
        rtm->rtm_family = family;
        rtm->rtm_dst_len = dst_len;
        rtm->rtm_table = RT_TABLE_MAIN;
        rtm->rtm_protocol = RTPROT_BOOT;
        rtm->rtm_scope = RT_SCOPE_UNIVERSE;
        rtm->rtm_type = RTN_UNICAST;
        mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
    }
    void gateway_v4() {
        const std::uint8_t gw[4] = {10, 77, 0, 2};
        mnl_attr_put(nlh, RTA_GATEWAY, sizeof gw, gw);
    }
};

/// An RTA_MULTIPATH block with one nexthop per ifindex, each carrying an RTA_GATEWAY.
void put_multipath(nlmsghdr* nlh, const Indexes& indexes) {
    std::uint8_t block[256]{};
    std::size_t used = 0;
    for (std::uint32_t index : indexes) {
        auto* nh = reinterpret_cast<rtnexthop*>(block + used);
        nh->rtnh_ifindex = static_cast<int>(index);
        auto* gw = reinterpret_cast<rtattr*>(block + used + RTNH_LENGTH(0));
        gw->rta_type = RTA_GATEWAY;
        gw->rta_len = RTA_LENGTH(4);
        const std::uint8_t addr[4] = {192, 0, 2, static_cast<std::uint8_t>(index)};
        std::memcpy(RTA_DATA(gw), addr, sizeof addr);
        nh->rtnh_len = static_cast<unsigned short>(RTNH_LENGTH(RTA_SPACE(4)));
        used += RTNH_ALIGN(nh->rtnh_len);
    }
    mnl_attr_put(nlh, RTA_MULTIPATH, used, block);
}

TEST(RtnlRoute, Ipv4DefaultViaGatewayYieldsItsOutputInterface) {
    CraftedRoute c(AF_INET, 0);
    c.gateway_v4();
    mnl_attr_put_u32(c.nlh, RTA_OIF, 3);
    EXPECT_EQ(parse_default_route_message(c.nlh), Indexes{3});
}

TEST(RtnlRoute, Ipv6DefaultYieldsItsOutputInterface) {
    CraftedRoute c(AF_INET6, 0);
    mnl_attr_put_u32(c.nlh, RTA_OIF, 5);
    EXPECT_EQ(parse_default_route_message(c.nlh), Indexes{5});
}

TEST(RtnlRoute, MultipathDefaultYieldsEveryNexthop) {
    CraftedRoute c(AF_INET, 0);
    put_multipath(c.nlh, {2, 4, 9});
    EXPECT_EQ(parse_default_route_message(c.nlh), (Indexes{2, 4, 9}));
}

TEST(RtnlRoute, TruncatedNexthopIsIgnoredWithoutOverread) {
    CraftedRoute c(AF_INET, 0);
    std::uint8_t block[12]{};
    auto* nh = reinterpret_cast<rtnexthop*>(block);
    nh->rtnh_len = 200;  // claims more than the attribute holds
    nh->rtnh_ifindex = 6;
    mnl_attr_put(c.nlh, RTA_MULTIPATH, sizeof block, block);
    EXPECT_TRUE(parse_default_route_message(c.nlh).empty());
}

TEST(RtnlRoute, PrefixRoutesAreNotDefault) {
    CraftedRoute c(AF_INET, 24);
    mnl_attr_put_u32(c.nlh, RTA_OIF, 3);
    EXPECT_TRUE(parse_default_route_message(c.nlh).empty());
}

TEST(RtnlRoute, OtherTablesAreIgnored) {
    // Policy-routing tables (and the local table) hold defaults the host does not use by
    // default; RTA_TABLE wins over the 8-bit rtm_table.
    alignas(nlmsghdr) std::uint8_t buf[256]{};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWROUTE;
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = AF_INET;
    rtm->rtm_type = RTN_UNICAST;
    rtm->rtm_table = RT_TABLE_MAIN;
    mnl_attr_put_u32(nlh, RTA_TABLE, 1000);
    mnl_attr_put_u32(nlh, RTA_OIF, 3);
    EXPECT_TRUE(parse_default_route_message(nlh).empty());
    rtm->rtm_table = RT_TABLE_LOCAL;
    EXPECT_TRUE(parse_default_route_message(nlh).empty());
}

TEST(RtnlRoute, TableFromHeaderWhenAttributeMissing) {
    alignas(nlmsghdr) std::uint8_t buf[256]{};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWROUTE;
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = AF_INET;
    rtm->rtm_type = RTN_UNICAST;
    rtm->rtm_table = RT_TABLE_MAIN;
    mnl_attr_put_u32(nlh, RTA_OIF, 8);
    EXPECT_EQ(parse_default_route_message(nlh), Indexes{8});
}

TEST(RtnlRoute, UnreachableDefaultIsNotAnInterfaceRoute) {
    CraftedRoute c(AF_INET6, 0);
    c.rtm->rtm_type = RTN_UNREACHABLE;
    mnl_attr_put_u32(c.nlh, RTA_OIF, 1);  // the kernel reports lo for these
    EXPECT_TRUE(parse_default_route_message(c.nlh).empty());
}

TEST(RtnlRoute, OtherMessagesAndShortOnesAreSkipped) {
    CraftedRoute c(AF_INET, 0);
    mnl_attr_put_u32(c.nlh, RTA_OIF, 3);
    c.nlh->nlmsg_type = RTM_NEWLINK;
    EXPECT_TRUE(parse_default_route_message(c.nlh).empty());
    c.nlh->nlmsg_type = RTM_NEWROUTE;
    c.nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 4;  // shorter than rtmsg
    EXPECT_TRUE(parse_default_route_message(c.nlh).empty());
}

}  // namespace
}  // namespace sstop::plugins::netlink
