#pragma once
/// @file packet_parser.hpp
/// Pure, bounds-checked parser of one captured frame down to the transport 5-tuple and the
/// transport payload size. Never reads beyond the captured bytes; never throws.

#include <cstdint>
#include <span>
#include <sstop/model.hpp>

namespace sstop::plugins::afpacket {

/// How a captured frame starts (decided per interface from its ARPHRD_* type).
enum class LinkType : std::uint8_t {
    Ethernet,     ///< 14-byte Ethernet header, maybe followed by in-frame 802.1Q/802.1ad tags
    RawIp,        ///< the frame starts with the IP header (tun, wireguard, ppp, sit)
    Unsupported,  ///< anything else (the packet is counted as not IP)
};

/// Link type for an interface's hardware type (`sockaddr_ll::sll_hatype`). Loopback is
/// Ethernet-framed (zero MACs).
LinkType link_type_for_hatype(std::uint16_t hatype) noexcept;

/// What the parser made of a frame.
enum class ParseStatus : std::uint8_t {
    Flow,       ///< any IP protocol: `proto`, `src`, `dst`, `payload_bytes` are set (ports
                ///< for TCP, UDP and SCTP only)
    Fragment,   ///< a non-first IP fragment: addresses set, ports 0, not attributable
    NotIp,      ///< ARP, LLDP, unknown link type …
    Unparsed,   ///< valid so far but too deep to follow (> 8 IPv6 extension headers, > 4 tags)
    Malformed,  ///< inconsistent or cut short before the transport ports
};

/// The kernel's metadata of a frame that the parser needs besides its bytes.
struct PacketMeta {
    LinkType link = LinkType::Ethernet;  ///< framing of the capture interface
    std::uint32_t wire_len = 0;          ///< length before truncation (`tp_len`), ≥ caplen
};

/// Result of `parse_packet`.
struct ParsedPacket {
    ParseStatus status = ParseStatus::Malformed;  ///< outcome
    Proto proto = Proto::Unknown;                 ///< the IP protocol when `status` is Flow
    Endpoint src;                                 ///< source address and port
    Endpoint dst;                                 ///< destination address and port
    /// Payload bytes: TCP/UDP payload, SCTP DATA chunks' user data, else the IP payload
    std::uint64_t payload_bytes = 0;
    std::uint32_t tcp_seq = 0;   ///< TCP sequence number (TCP only)
    std::uint8_t tcp_flags = 0;  ///< TCP flags byte: FIN 0x01, SYN 0x02, RST 0x04 … (TCP only)
    std::uint16_t vlan_id = 0;   ///< VID of the outermost in-frame tag (0 = none or priority tag)
    std::uint8_t vlan_tags = 0;  ///< number of in-frame 802.1Q/802.1ad tags
};

/// Most IPv6 extension headers followed before giving up ("unparsed").
inline constexpr int kMaxExtHeaders = 8;
/// Most in-frame VLAN tags followed (QinQ and deeper).
inline constexpr int kMaxVlanTags = 4;

/// Parses one frame. `frame` holds the captured bytes (caplen, possibly truncated by the
/// snaplen); sizes come from the IP headers, or from `meta.wire_len` for GSO super-packets
/// whose IP length field is 0. Pure function of its arguments.
///
/// A UDP datagram's first IP fragment carries the whole datagram's payload (from the UDP
/// length field), so later fragments (status Fragment) must not be added to the flow again.
ParsedPacket parse_packet(std::span<const std::uint8_t> frame, const PacketMeta& meta) noexcept;

}  // namespace sstop::plugins::afpacket
