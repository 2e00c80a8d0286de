#include "rtnl_route.hpp"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstring>

namespace sstop::plugins::netlink {
namespace {

struct RouteAttrs {
    const nlattr* table = nullptr;
    const nlattr* oif = nullptr;
    const nlattr* multipath = nullptr;
};

int route_attr_cb(const nlattr* attr, void* data) {
    auto* t = static_cast<RouteAttrs*>(data);
    switch (mnl_attr_get_type(attr)) {
        case RTA_TABLE:
            if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) t->table = attr;
            break;
        case RTA_OIF:
            if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) t->oif = attr;
            break;
        case RTA_MULTIPATH:
            t->multipath = attr;
            break;
        default:
            break;
    }
    return MNL_CB_OK;
}

/// Appends the ifindex of every well-formed nexthop; stops at the first one whose length
/// does not fit, so a corrupt block never reads past the attribute.
void add_nexthops(const nlattr* multipath, std::vector<std::uint32_t>& out) {
    const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(multipath));
    std::size_t left = mnl_attr_get_payload_len(multipath);
    while (left >= sizeof(rtnexthop)) {
        rtnexthop nh;
        std::memcpy(&nh, p, sizeof nh);
        if (nh.rtnh_len < sizeof(rtnexthop) || nh.rtnh_len > left) break;
        if (nh.rtnh_ifindex > 0) out.push_back(static_cast<std::uint32_t>(nh.rtnh_ifindex));
        const std::size_t step = RTNH_ALIGN(nh.rtnh_len);
        if (step >= left) break;
        p += step;
        left -= step;
    }
}

}  // namespace

std::vector<std::uint32_t> parse_default_route_message(const nlmsghdr* nlh) {
    std::vector<std::uint32_t> out;
    if (nlh->nlmsg_type != RTM_NEWROUTE) return out;
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(rtmsg))) return out;
    const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
    if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) return out;
    // Unreachable, blackhole and prohibit defaults send nothing out of an interface.
    if (rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST) return out;
    RouteAttrs t;
    if (mnl_attr_parse(nlh, sizeof(rtmsg), route_attr_cb, &t) < 0) return out;
    // rtm_table is 8 bits; RTA_TABLE carries the real id when both are present.
    const std::uint32_t table = t.table ? mnl_attr_get_u32(t.table) : rtm->rtm_table;
    if (table != RT_TABLE_MAIN) return out;
    if (t.oif) {
        const std::uint32_t oif = mnl_attr_get_u32(t.oif);
        if (oif != 0) out.push_back(oif);
    }
    if (t.multipath) add_nexthops(t.multipath, out);
    return out;
}

}  // namespace sstop::plugins::netlink
