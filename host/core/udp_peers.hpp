#pragma once
// The peers of connectionless UDP sockets, as process labels in a snapshot.
//
// An unconnected UDP socket has no remote address of its own, so its socket entry shows none.
// The aggregator learns its peers from the flows a packet source saw, joined to the socket as
// its bytes are (protocol, namespace, local address and port), and lists them per process as
// labels: labels are the SDK's way to add fields without an ABI change, so every consumer
// (views, --json) reads them from the snapshot it already gets.

#include <cstddef>
#include <cstdint>
#include <sstop/model.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop::core {

/// One label per peer, "ADDR:PORT" ("[ADDR]:PORT" for IPv6), sorted.
inline constexpr std::string_view kUdpPeerLabel = "udp_peer";
/// Peers seen but not kept (the bounds below were reached), a decimal count; absent when 0.
inline constexpr std::string_view kUdpPeersDroppedLabel = "udp_peers_dropped";
/// Peers remembered per socket, and listed per process.
inline constexpr std::size_t kMaxUdpPeersPerSocket = 64;
inline constexpr std::size_t kMaxUdpPeersPerProcess = 64;

/// The peers a process's labels list, in order.
inline std::vector<std::string> udp_peers_of(const ProcessInfo& info) {
    std::vector<std::string> out;
    for (const Label& l : info.labels)
        if (l.key == kUdpPeerLabel) out.push_back(l.value);
    return out;
}

/// The dropped-peer count a process's labels carry (0 when none).
inline std::uint64_t udp_peers_dropped_of(const ProcessInfo& info) {
    for (const Label& l : info.labels)
        if (l.key == kUdpPeersDroppedLabel) return std::stoull(l.value);
    return 0;
}

}  // namespace sstop::core
