#pragma once
/// @file rtnl_route.hpp
/// Pure parser for rtnetlink RTM_NEWROUTE messages: which interfaces carry a default route.

#include <linux/netlink.h>

#include <cstdint>
#include <vector>

namespace sstop::plugins::netlink {

/// Output interfaces of a default route in one RTM_NEWROUTE message of an RTM_GETROUTE dump:
/// an AF_INET or AF_INET6 unicast route of the main table with prefix length 0. The ifindex
/// comes from RTA_OIF and from every nexthop of RTA_MULTIPATH. Empty for any other route or
/// message type, and for a short or malformed message. Indexes may repeat.
std::vector<std::uint32_t> parse_default_route_message(const nlmsghdr* nlh);

}  // namespace sstop::plugins::netlink
