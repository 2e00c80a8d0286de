#include "packet_parser.hpp"

#include <linux/if_arp.h>

#include <algorithm>
#include <cstring>

namespace sstop::plugins::afpacket {
namespace {

constexpr std::uint16_t kEthIpv4 = 0x0800;
constexpr std::uint16_t kEthIpv6 = 0x86DD;
constexpr std::uint16_t kEth8021Q = 0x8100;
constexpr std::uint16_t kEth8021AD = 0x88A8;
constexpr std::uint16_t kEthQinQOld = 0x9100;
constexpr std::size_t kEthHeaderLen = 14;
constexpr std::size_t kVlanTagLen = 4;
constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kTcpMinHeader = 20;
constexpr std::size_t kUdpHeader = 8;
constexpr std::uint8_t kIpProtoTcp = 6;
constexpr std::uint8_t kIpProtoUdp = 17;
constexpr std::uint8_t kIpProtoSctp = 132;
constexpr std::size_t kSctpCommonHeader = 12;
constexpr std::size_t kSctpChunkHeader = 4;
constexpr std::size_t kSctpDataHeader = 16;   // DATA chunk: type … TSN, stream, SSN, PPID
constexpr std::size_t kSctpIDataHeader = 20;  // I-DATA chunk (RFC 8260)
constexpr std::uint8_t kSctpData = 0;
constexpr std::uint8_t kSctpIData = 64;
constexpr int kMaxSctpChunks = 64;

/// Bounds-checked big-endian reads over the captured bytes: every access goes through here,
/// so a frame cut at any offset can only make `has` false, never read past the end.
class Bytes {
  public:
    explicit Bytes(std::span<const std::uint8_t> data) : data_(data) {}
    bool has(std::size_t offset, std::size_t len) const {
        return offset <= data_.size() && len <= data_.size() - offset;
    }
    std::uint8_t u8(std::size_t offset) const { return data_[offset]; }
    std::uint16_t be16(std::size_t offset) const {
        return static_cast<std::uint16_t>((data_[offset] << 8) | data_[offset + 1]);
    }
    std::uint32_t be32(std::size_t offset) const {
        return (static_cast<std::uint32_t>(be16(offset)) << 16) | be16(offset + 2);
    }
    void copy(std::size_t offset, std::size_t len, std::uint8_t* out) const {
        std::memcpy(out, data_.data() + offset, len);
    }

  private:
    std::span<const std::uint8_t> data_;
};

ParsedPacket with_status(ParsedPacket p, ParseStatus status) {
    p.status = status;
    return p;
}

bool is_vlan_ethertype(std::uint16_t type) {
    return type == kEth8021Q || type == kEth8021AD || type == kEthQinQOld;
}

/// SCTP: ports from the common header; the payload is the user data of the DATA and I-DATA
/// chunks. Chunks beyond the captured bytes (the snaplen) are taken as one DATA chunk.
ParsedPacket parse_sctp(const Bytes& b, ParsedPacket p, std::size_t l4, std::uint64_t l4_len) {
    if (!b.has(l4, kSctpCommonHeader) || l4_len < kSctpCommonHeader)
        return with_status(p, ParseStatus::Malformed);
    p.proto = Proto::Sctp;
    p.src.port = b.be16(l4);
    p.dst.port = b.be16(l4 + 2);
    std::uint64_t pos = kSctpCommonHeader;
    for (int n = 0; pos + kSctpChunkHeader <= l4_len; ++n) {
        if (n == kMaxSctpChunks) return with_status(p, ParseStatus::Unparsed);
        const std::size_t at = l4 + static_cast<std::size_t>(pos);
        if (!b.has(at, kSctpChunkHeader)) {
            const std::uint64_t rest = l4_len - pos;
            if (rest > kSctpDataHeader) p.payload_bytes += rest - kSctpDataHeader;
            break;
        }
        const std::uint8_t type = b.u8(at);
        const std::uint16_t len = b.be16(at + 2);
        if (len < kSctpChunkHeader || len > l4_len - pos)
            return with_status(p, ParseStatus::Malformed);
        if (type == kSctpData && len >= kSctpDataHeader) p.payload_bytes += len - kSctpDataHeader;
        if (type == kSctpIData && len >= kSctpIDataHeader)
            p.payload_bytes += len - kSctpIDataHeader;
        pos += (static_cast<std::uint64_t>(len) + 3) & ~std::uint64_t{3};
    }
    return with_status(p, ParseStatus::Flow);
}

/// Fills ports and payload from the transport header at `l4`. `l4_len` is the length of
/// the IP payload (from the IP header), `first_fragment` says more fragments follow.
ParsedPacket parse_l4(const Bytes& b, ParsedPacket p, std::uint8_t ip_proto, std::size_t l4,
                      std::uint64_t l4_len, bool first_fragment) {
    if (ip_proto == kIpProtoTcp) {
        if (!b.has(l4, kTcpMinHeader) || l4_len < kTcpMinHeader)
            return with_status(p, ParseStatus::Malformed);
        const std::size_t doff = static_cast<std::size_t>(b.u8(l4 + 12) >> 4) * 4;
        if (doff < kTcpMinHeader || doff > l4_len) return with_status(p, ParseStatus::Malformed);
        p.proto = Proto::Tcp;
        p.src.port = b.be16(l4);
        p.dst.port = b.be16(l4 + 2);
        p.payload_bytes = l4_len - doff;
        p.tcp_seq = b.be32(l4 + 4);
        p.tcp_flags = b.u8(l4 + 13);
        return with_status(p, ParseStatus::Flow);
    }
    if (ip_proto == kIpProtoUdp) {
        if (!b.has(l4, kUdpHeader) || l4_len < kUdpHeader)
            return with_status(p, ParseStatus::Malformed);
        p.proto = Proto::Udp;
        p.src.port = b.be16(l4);
        p.dst.port = b.be16(l4 + 2);
        if (first_fragment) {
            // Only this fragment has ports: take the whole datagram from the UDP length.
            const std::uint16_t udp_len = b.be16(l4 + 4);
            if (udp_len < kUdpHeader || udp_len < l4_len)
                return with_status(p, ParseStatus::Malformed);
            p.payload_bytes = udp_len - kUdpHeader;
        } else {
            p.payload_bytes = l4_len - kUdpHeader;
        }
        return with_status(p, ParseStatus::Flow);
    }
    if (ip_proto == kIpProtoSctp) return parse_sctp(b, p, l4, l4_len);
    // Any other protocol (ICMP, ICMPv6, a raw socket's own): no ports; the payload is the IP
    // payload, which is what a ping or raw socket's send() and recv() move.
    p.proto = static_cast<Proto>(ip_proto);
    p.payload_bytes = l4_len;
    return with_status(p, ParseStatus::Flow);
}

Proto proto_of(std::uint8_t ip_proto) { return static_cast<Proto>(ip_proto); }

/// `avail` = bytes from the IP header to the end of the packet on the wire.
ParsedPacket parse_ipv4(const Bytes& b, ParsedPacket p, std::size_t o, std::uint64_t avail) {
    if (!b.has(o, kIpv4MinHeader) || (b.u8(o) >> 4) != 4)
        return with_status(p, ParseStatus::Malformed);
    const std::size_t ihl = static_cast<std::size_t>(b.u8(o) & 0x0F) * 4;
    if (ihl < kIpv4MinHeader || !b.has(o, ihl)) return with_status(p, ParseStatus::Malformed);
    std::uint64_t ip_len = b.be16(o + 2);
    if (ip_len == 0) ip_len = avail;  // GSO/BIG TCP super-packet: the wire length is the truth
    if (ip_len < ihl || ip_len > avail) return with_status(p, ParseStatus::Malformed);

    p.src.addr.family = Family::V4;
    p.dst.addr.family = Family::V4;
    b.copy(o + 12, 4, p.src.addr.bytes.data());
    b.copy(o + 16, 4, p.dst.addr.bytes.data());
    const std::uint8_t ip_proto = b.u8(o + 9);
    const std::uint16_t frag = b.be16(o + 6);
    const bool more_fragments = (frag & 0x2000) != 0;
    if ((frag & 0x1FFF) != 0) {
        p.proto = proto_of(ip_proto);
        p.payload_bytes = ip_len - ihl;
        return with_status(p, ParseStatus::Fragment);
    }
    return parse_l4(b, p, ip_proto, o + ihl, ip_len - ihl, more_fragments);
}

ParsedPacket parse_ipv6(const Bytes& b, ParsedPacket p, std::size_t o, std::uint64_t avail) {
    if (!b.has(o, kIpv6Header) || (b.u8(o) >> 4) != 6)
        return with_status(p, ParseStatus::Malformed);
    std::uint64_t ip_len = b.be16(o + 4);
    ip_len = ip_len == 0 ? avail : ip_len + kIpv6Header;  // 0: jumbogram / BIG TCP
    if (ip_len < kIpv6Header || ip_len > avail) return with_status(p, ParseStatus::Malformed);

    p.src.addr.family = Family::V6;
    p.dst.addr.family = Family::V6;
    b.copy(o + 8, 16, p.src.addr.bytes.data());
    b.copy(o + 24, 16, p.dst.addr.bytes.data());

    std::uint8_t next = b.u8(o + 6);
    std::size_t pos = o + kIpv6Header;
    bool more_fragments = false;
    for (int count = 0;; ++count) {
        std::size_t len = 0;
        switch (next) {
            case 0:   // hop-by-hop options
            case 43:  // routing
            case 60:  // destination options
            case 51:  // authentication header
                if (count == kMaxExtHeaders) return with_status(p, ParseStatus::Unparsed);
                if (!b.has(pos, 2)) return with_status(p, ParseStatus::Malformed);
                len = next == 51 ? (static_cast<std::size_t>(b.u8(pos + 1)) + 2) * 4
                                 : (static_cast<std::size_t>(b.u8(pos + 1)) + 1) * 8;
                break;
            case 44: {  // fragment
                if (count == kMaxExtHeaders) return with_status(p, ParseStatus::Unparsed);
                if (!b.has(pos, 8)) return with_status(p, ParseStatus::Malformed);
                len = 8;
                const std::uint16_t frag = b.be16(pos + 2);
                if ((frag & 0xFFF8) != 0) {
                    if (pos + len - o > ip_len) return with_status(p, ParseStatus::Malformed);
                    p.proto = proto_of(b.u8(pos));
                    p.payload_bytes = ip_len - (pos + len - o);
                    return with_status(p, ParseStatus::Fragment);
                }
                more_fragments = (frag & 1) != 0;
                break;
            }
            default: {
                const std::uint64_t used = pos - o;
                return parse_l4(b, p, next, pos, ip_len - used, more_fragments);
            }
        }
        next = b.u8(pos);
        pos += len;
        if (pos - o > ip_len) return with_status(p, ParseStatus::Malformed);
    }
}

}  // namespace

LinkType link_type_for_hatype(std::uint16_t hatype) noexcept {
    switch (hatype) {
        case ARPHRD_ETHER:
        case ARPHRD_LOOPBACK:
            return LinkType::Ethernet;
        case ARPHRD_NONE:    // tun, wireguard
        case ARPHRD_RAWIP:   // some LTE modems
        case ARPHRD_PPP:     // ppp with SOCK_RAW starts at the IP header
        case ARPHRD_TUNNEL:  // ipip
        case ARPHRD_TUNNEL6:
        case ARPHRD_SIT:
            return LinkType::RawIp;
        default:
            return LinkType::Unsupported;
    }
}

ParsedPacket parse_packet(std::span<const std::uint8_t> frame, const PacketMeta& meta) noexcept {
    const Bytes b(frame);
    ParsedPacket p;
    // The kernel reports the wire length; a caller bug (wire < caplen) must not underflow.
    const std::uint64_t wire = std::max<std::uint64_t>(meta.wire_len, frame.size());
    std::size_t o = 0;
    std::uint16_t ethertype = 0;
    switch (meta.link) {
        case LinkType::Ethernet:
            if (!b.has(0, kEthHeaderLen)) return with_status(p, ParseStatus::Malformed);
            ethertype = b.be16(12);
            o = kEthHeaderLen;
            while (is_vlan_ethertype(ethertype)) {
                if (p.vlan_tags == kMaxVlanTags) return with_status(p, ParseStatus::Unparsed);
                if (!b.has(o, kVlanTagLen)) return with_status(p, ParseStatus::Malformed);
                if (p.vlan_tags == 0) p.vlan_id = b.be16(o) & 0x0FFF;
                ++p.vlan_tags;
                ethertype = b.be16(o + 2);
                o += kVlanTagLen;
            }
            if (ethertype != kEthIpv4 && ethertype != kEthIpv6)
                return with_status(p, ParseStatus::NotIp);
            break;
        case LinkType::RawIp:
            if (!b.has(0, 1)) return with_status(p, ParseStatus::Malformed);
            ethertype = (b.u8(0) >> 4) == 4 ? kEthIpv4 : (b.u8(0) >> 4) == 6 ? kEthIpv6 : 0;
            if (ethertype == 0) return with_status(p, ParseStatus::Malformed);
            break;
        case LinkType::Unsupported:
            return with_status(p, ParseStatus::NotIp);
    }
    if (wire < o) return with_status(p, ParseStatus::Malformed);
    return ethertype == kEthIpv4 ? parse_ipv4(b, p, o, wire - o) : parse_ipv6(b, p, o, wire - o);
}

}  // namespace sstop::plugins::afpacket
