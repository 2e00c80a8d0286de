#include "rtnl_link.hpp"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cstring>

namespace sstop::plugins::netlink {
namespace {

struct LinkAttrs {
    const nlattr* name = nullptr;
    const nlattr* stats64 = nullptr;
    const nlattr* stats32 = nullptr;
    const nlattr* operstate = nullptr;
};

int link_attr_cb(const nlattr* attr, void* data) {
    auto* t = static_cast<LinkAttrs*>(data);
    switch (mnl_attr_get_type(attr)) {
        case IFLA_IFNAME:
            if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) t->name = attr;
            break;
        case IFLA_STATS64:
            t->stats64 = attr;
            break;
        case IFLA_STATS:
            t->stats32 = attr;
            break;
        case IFLA_OPERSTATE:
            if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0) t->operstate = attr;
            break;
        default:
            break;
    }
    return MNL_CB_OK;
}

/// Copies a stats block of any length into a zeroed struct, as with tcp_info.
template <typename T>
T copy_block(const nlattr* attr) {
    T out{};
    std::memcpy(&out, mnl_attr_get_payload(attr),
                std::min<std::size_t>(mnl_attr_get_payload_len(attr), sizeof out));
    return out;
}

}  // namespace

std::optional<InterfaceObs> parse_link_message(const nlmsghdr* nlh) {
    if (nlh->nlmsg_type != RTM_NEWLINK) return std::nullopt;
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(ifinfomsg))) return std::nullopt;
    const auto* ifm = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
    LinkAttrs t;
    mnl_attr_parse(nlh, sizeof(ifinfomsg), link_attr_cb, &t);
    if (!t.name) return std::nullopt;

    InterfaceObs o;
    o.name = mnl_attr_get_str(t.name);
    o.index = static_cast<std::uint32_t>(ifm->ifi_index);
    bool running = (ifm->ifi_flags & IFF_RUNNING) != 0;
    if (t.operstate) {
        std::uint8_t op = mnl_attr_get_u8(t.operstate);
        running = running || op == IF_OPER_UP;
        if (op == IF_OPER_DOWN || op == IF_OPER_LOWERLAYERDOWN || op == IF_OPER_NOTPRESENT)
            running = false;
    }
    o.up = (ifm->ifi_flags & IFF_UP) != 0 && running;
    if (t.stats64) {
        auto s = copy_block<rtnl_link_stats64>(t.stats64);
        o.rx_bytes = s.rx_bytes;
        o.tx_bytes = s.tx_bytes;
        o.rx_packets = s.rx_packets;
        o.tx_packets = s.tx_packets;
    } else if (t.stats32) {
        auto s = copy_block<rtnl_link_stats>(t.stats32);
        o.rx_bytes = s.rx_bytes;
        o.tx_bytes = s.tx_bytes;
        o.rx_packets = s.rx_packets;
        o.tx_packets = s.tx_packets;
    }
    return o;
}

}  // namespace sstop::plugins::netlink
