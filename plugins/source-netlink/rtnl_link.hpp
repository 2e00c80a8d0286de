#pragma once
/// @file rtnl_link.hpp
/// Pure parser for rtnetlink RTM_NEWLINK messages (interface name, state and counters).

#include <linux/netlink.h>

#include <optional>
#include <sstop/model.hpp>

namespace sstop::plugins::netlink {

/// Parses one RTM_NEWLINK message of an RTM_GETLINK dump. Counters come from IFLA_STATS64,
/// or from the 32-bit IFLA_STATS when the 64-bit block is missing. `up` means IFF_UP and
/// either IFF_RUNNING or operstate UP/UNKNOWN (loopback reports UNKNOWN). Returns nullopt for
/// other message types, a short message or one without a name.
std::optional<InterfaceObs> parse_link_message(const nlmsghdr* nlh);

}  // namespace sstop::plugins::netlink
