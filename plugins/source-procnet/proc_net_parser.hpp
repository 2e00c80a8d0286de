#pragma once
/// @file proc_net_parser.hpp
/// Pure parsers for `/proc/net/{tcp,tcp6,udp,udp6,icmp,icmp6,raw,raw6}`, `/proc/net/dev` and the
/// default routes of `/proc/net/{route,ipv6_route}`.

#include <cstddef>
#include <sstop/model.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop::plugins::procnet {

/// Lines longer than this are not kernel output and are counted as malformed.
inline constexpr std::size_t kMaxLineLength = 512;

/// Result of parsing one `/proc/net/{tcp,udp}{,6}` file.
struct ProcNetParse {
    std::vector<sstop::SocketObs> sockets;  ///< one per well-formed line
    std::size_t malformed = 0;              ///< lines skipped (short, non-hex, truncated, overlong)
};

/// Parses the text of a `/proc/net/{tcp,tcp6,udp,udp6,icmp,icmp6,raw,raw6}` file (ICMP: ping
/// sockets, whose local port is their echo identifier). With `proto` Unknown the file is
/// `raw{,6}`: each socket's protocol is its local "port" (1..255), and its ports become 0
/// (a raw socket of protocol 0 or above 255 is malformed). The header line is skipped; a
/// last line without its newline (a truncated read) is malformed, never parsed in part.
/// Addresses are the kernel's `__be32` words printed as host-order integers; they come out in
/// network byte order, IPv4-mapped IPv6 addresses normalised to `Family::V4`. An all-zero
/// remote with port 0 (listeners, unconnected UDP) becomes `Family::None`, port 0. Owners are
/// left unknown; `has_bytes` is false.
ProcNetParse parse_proc_net(std::string_view text, sstop::Proto proto, sstop::Family family);

/// Result of parsing `/proc/net/dev`.
struct ProcNetDevParse {
    std::vector<sstop::InterfaceObs> interfaces;  ///< name and 64-bit rx/tx bytes and packets
    std::size_t malformed = 0;                    ///< lines skipped
};

/// Parses the text of `/proc/net/dev` (two header lines). `index` stays 0 and `up` false: the
/// file has neither.
ProcNetDevParse parse_proc_net_dev(std::string_view text);

/// Distinct interfaces listed at most; a routing table has a handful of defaults.
inline constexpr std::size_t kMaxDefaultRouteInterfaces = 256;

/// Result of parsing `/proc/net/route` or `/proc/net/ipv6_route` for default routes.
struct DefaultRouteParse {
    std::vector<std::string> interfaces;  ///< interfaces a default route leaves by, distinct
    std::size_t malformed = 0;            ///< lines skipped
};

/// Parses `/proc/net/route` (IPv4 main table, one header line): a line with Destination and
/// Mask 00000000, flag RTF_UP and not RTF_REJECT names a default-route interface.
DefaultRouteParse parse_proc_net_route(std::string_view text);

/// Parses `/proc/net/ipv6_route` (no header): a line with destination `::/0`, flag RTF_UP and
/// not RTF_REJECT (the kernel's unreachable default on lo) names its last column's interface.
DefaultRouteParse parse_proc_net_ipv6_route(std::string_view text);

}  // namespace sstop::plugins::procnet
