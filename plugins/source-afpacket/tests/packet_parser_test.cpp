#include "packet_parser.hpp"

#include <gtest/gtest.h>
#include <linux/if_arp.h>

#include <algorithm>
#include <random>

#include "frames.hpp"

namespace sstop::plugins::afpacket {
namespace {

using namespace testing;

constexpr std::size_t kSnap = 256;

/// Parses `frame` as captured through the snaplen filter: bytes cut to 256, wire length full.
ParsedPacket parse(const Bytes& frame, LinkType link = LinkType::Ethernet,
                   std::size_t wire_len = 0) {
    const std::size_t cap = std::min(frame.size(), kSnap);
    return parse_packet(
        std::span<const std::uint8_t>(frame.data(), cap),
        PacketMeta{link, static_cast<std::uint32_t>(wire_len ? wire_len : frame.size())});
}

Bytes tcp4_frame(std::size_t payload, std::size_t options_len = 0) {
    const auto total = static_cast<std::uint16_t>(20 + options_len + 20 + payload);
    return cat(
        {ethernet(0x0800), ipv4(6, kA4, kB4, total, options_len), tcp(40000, 443), zeros(payload)});
}

Bytes tcp6_ext_frame(std::size_t payload) {
    const Bytes exts = cat({ext_header(43, 8), ext_header(60, 24), ext_header(6, 16)});
    const auto plen = static_cast<std::uint16_t>(exts.size() + 20 + payload);
    return cat({ethernet(0x86DD), ipv6(0, kA6, kB6, plen), exts, tcp(5000, 22), zeros(payload)});
}

TEST(PacketParser, EthernetIpv4TcpGivesTupleAndPayloadFromIpHeader) {
    const ParsedPacket p = parse(tcp4_frame(1000));
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.proto, Proto::Tcp);
    EXPECT_EQ(p.src.addr.family, Family::V4);
    EXPECT_EQ(p.src.addr.bytes[3], 1);
    EXPECT_EQ(p.dst.addr.bytes[3], 2);
    EXPECT_EQ(p.src.port, 40000);
    EXPECT_EQ(p.dst.port, 443);
    EXPECT_EQ(p.payload_bytes, 1000u);  // not the 256 captured bytes
}

TEST(PacketParser, TcpSequenceNumberAndFlagsAreRead) {
    const Bytes f = cat(
        {ethernet(0x0800), ipv4(6, kA4, kB4, 40 + 3), tcp(1, 2, 5, 0xDEADBEEFu, 0x11), zeros(3)});
    const ParsedPacket p = parse(f);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.tcp_seq, 0xDEADBEEFu);
    EXPECT_EQ(p.tcp_flags, 0x11);  // FIN|ACK
    EXPECT_EQ(p.payload_bytes, 3u);
}

TEST(PacketParser, Ipv4OptionsAreSkippedBeforeTheTcpHeader) {
    const ParsedPacket p = parse(tcp4_frame(77, 40));  // IHL = 15
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.src.port, 40000);
    EXPECT_EQ(p.dst.port, 443);
    EXPECT_EQ(p.payload_bytes, 77u);
}

TEST(PacketParser, Ipv4IhlBelowFiveIsMalformed) {
    const Bytes f = cat({ethernet(0x0800), ipv4(6, kA4, kB4, 60, 0, 0, 4), tcp(1, 2), zeros(20)});
    EXPECT_EQ(parse(f).status, ParseStatus::Malformed);
}

TEST(PacketParser, Ipv4TotalLengthShorterThanHeaderIsMalformed) {
    const Bytes f = cat({ethernet(0x0800), ipv4(6, kA4, kB4, 32, 20), tcp(1, 2)});
    EXPECT_EQ(parse(f).status, ParseStatus::Malformed);
}

TEST(PacketParser, Ipv4TotalLengthBeyondWireIsMalformed) {
    const Bytes f = cat({ethernet(0x0800), ipv4(6, kA4, kB4, 1500), tcp(1, 2), zeros(10)});
    EXPECT_EQ(parse(f).status, ParseStatus::Malformed);
}

TEST(PacketParser, TcpDataOffsetBelowFiveIsMalformed) {
    const Bytes f = cat({ethernet(0x0800), ipv4(6, kA4, kB4, 50), tcp(1, 2, 4), zeros(10)});
    EXPECT_EQ(parse(f).status, ParseStatus::Malformed);
}

TEST(PacketParser, TcpOptionsAreNotPayload) {
    const Bytes f = cat({ethernet(0x0800), ipv4(6, kA4, kB4, 20 + 32 + 5), tcp(1, 2, 8), zeros(5)});
    const ParsedPacket p = parse(f);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.payload_bytes, 5u);
}

TEST(PacketParser, TruncationAtEveryOffsetNeverReadsPastCaplen) {
    for (const Bytes& full : {tcp4_frame(0, 8), tcp6_ext_frame(0)}) {
        const std::size_t headers = full.size();  // no payload: the frame is all headers
        for (std::size_t cut = 0; cut < headers; ++cut) {
            // A heap copy of exactly `cut` bytes lets ASan catch any read past the end.
            const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
            const ParsedPacket p = parse_packet(
                prefix, PacketMeta{LinkType::Ethernet, static_cast<std::uint32_t>(full.size())});
            EXPECT_EQ(p.status, ParseStatus::Malformed) << "cut at " << cut;
        }
        EXPECT_EQ(parse(full).status, ParseStatus::Flow);
    }
}

TEST(PacketParser, Ipv6ExtensionChainIsFollowedToTcp) {
    const ParsedPacket p = parse(tcp6_ext_frame(500));
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.proto, Proto::Tcp);
    EXPECT_EQ(p.src.addr.family, Family::V6);
    EXPECT_EQ(p.src.addr.bytes[15], 1);
    EXPECT_EQ(p.dst.addr.bytes[15], 2);
    EXPECT_EQ(p.src.port, 5000);
    EXPECT_EQ(p.dst.port, 22);
    EXPECT_EQ(p.payload_bytes, 500u);
}

Bytes chain_of(int headers) {
    Bytes exts;
    for (int i = 0; i < headers; ++i) exts = cat({exts, ext_header(i + 1 < headers ? 60 : 17, 8)});
    const auto plen = static_cast<std::uint16_t>(exts.size() + 8 + 3);
    return cat({ethernet(0x86DD), ipv6(60, kA6, kB6, plen), exts, udp(1, 2, 11), zeros(3)});
}

TEST(PacketParser, Ipv6ChainLongerThanEightHeadersIsUnparsed) {
    const ParsedPacket eight = parse(chain_of(kMaxExtHeaders));
    ASSERT_EQ(eight.status, ParseStatus::Flow);
    EXPECT_EQ(eight.payload_bytes, 3u);
    EXPECT_EQ(parse(chain_of(kMaxExtHeaders + 1)).status, ParseStatus::Unparsed);
    EXPECT_EQ(parse(chain_of(20)).status, ParseStatus::Unparsed);
}

TEST(PacketParser, Ipv6ExtensionLengthBeyondPacketIsMalformed) {
    const Bytes f = cat({ethernet(0x86DD), ipv6(0, kA6, kB6, 16), ext_header(17, 64)});
    EXPECT_EQ(parse(f, LinkType::Ethernet, 14 + 40 + 16).status, ParseStatus::Malformed);
}

TEST(PacketParser, Ipv4NonFirstFragmentIsAFragmentWithoutPorts) {
    const Bytes f = cat({ethernet(0x0800), ipv4(17, kA4, kB4, 20 + 1480, 0, 185), zeros(1480)});
    const ParsedPacket p = parse(f);
    EXPECT_EQ(p.status, ParseStatus::Fragment);
    EXPECT_EQ(p.proto, Proto::Udp);
    EXPECT_EQ(p.src.port, 0);
    EXPECT_EQ(p.payload_bytes, 1480u);
}

TEST(PacketParser, FirstUdpFragmentCountsTheWholeDatagram) {
    // 4000-byte datagram: the first fragment carries the UDP header and 1472 bytes.
    const Bytes f = cat(
        {ethernet(0x0800), ipv4(17, kA4, kB4, 1500, 0, 0x2000), udp(53, 5353, 4008), zeros(1472)});
    const ParsedPacket p = parse(f);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.payload_bytes, 4000u);
    EXPECT_EQ(p.dst.port, 5353);
}

TEST(PacketParser, Ipv6FragmentHeaderFirstAndLater) {
    const Bytes first = cat({ethernet(0x86DD), ipv6(44, kA6, kB6, 8 + 8 + 1224), frag6(17, 0, true),
                             udp(7, 9, 3008), zeros(1224)});
    const ParsedPacket p = parse(first);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.payload_bytes, 3000u);
    const Bytes later =
        cat({ethernet(0x86DD), ipv6(44, kA6, kB6, 8 + 1232), frag6(17, 154, true), zeros(1232)});
    const ParsedPacket q = parse(later);
    EXPECT_EQ(q.status, ParseStatus::Fragment);
    EXPECT_EQ(q.payload_bytes, 1232u);
}

TEST(PacketParser, Vlan8021QTagIsSkipped) {
    const Bytes f = cat({ethernet(0x0800, {{0x8100, 0x200A}}), ipv4(17, kA4, kB4, 20 + 8 + 9),
                         udp(1000, 2000, 17), zeros(9)});
    const ParsedPacket p = parse(f);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.vlan_tags, 1);
    EXPECT_EQ(p.vlan_id, 10);
    EXPECT_EQ(p.payload_bytes, 9u);
}

TEST(PacketParser, QinQTagsAreSkipped) {
    const Bytes f = cat({ethernet(0x86DD, {{0x88A8, 100}, {0x8100, 200}}),
                         ipv6(6, kA6, kB6, 20 + 4), tcp(1, 2), zeros(4)});
    const ParsedPacket p = parse(f);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.vlan_tags, 2);
    EXPECT_EQ(p.vlan_id, 100);
    EXPECT_EQ(p.payload_bytes, 4u);
}

TEST(PacketParser, MoreThanFourTagsIsUnparsed) {
    const Bytes f =
        cat({ethernet(0x0800, {{0x8100, 1}, {0x8100, 2}, {0x8100, 3}, {0x8100, 4}, {0x8100, 5}}),
             ipv4(17, kA4, kB4, 28), udp(1, 2, 8)});
    EXPECT_EQ(parse(f).status, ParseStatus::Unparsed);
}

TEST(PacketParser, UdpPayloadIgnoresEthernetPadding) {
    Bytes f = cat({ethernet(0x0800), ipv4(17, kA4, kB4, 20 + 8 + 4), udp(1, 2, 12), zeros(4)});
    f.resize(60, 0);  // padded to the Ethernet minimum
    const ParsedPacket p = parse(f);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.proto, Proto::Udp);
    EXPECT_EQ(p.payload_bytes, 4u);
}

TEST(PacketParser, TunInterfacesAreRawIpByVersionNibble) {
    EXPECT_EQ(link_type_for_hatype(ARPHRD_NONE), LinkType::RawIp);
    EXPECT_EQ(link_type_for_hatype(ARPHRD_LOOPBACK), LinkType::Ethernet);
    EXPECT_EQ(link_type_for_hatype(ARPHRD_ETHER), LinkType::Ethernet);
    EXPECT_EQ(link_type_for_hatype(ARPHRD_INFINIBAND), LinkType::Unsupported);
    const Bytes v6 = cat({ipv6(17, kA6, kB6, 8 + 100), udp(51820, 4242, 108), zeros(100)});
    const ParsedPacket p = parse(v6, LinkType::RawIp);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.payload_bytes, 100u);
    const Bytes v4 = cat({ipv4(6, kA4, kB4, 40 + 10), tcp(1, 2), zeros(10)});
    EXPECT_EQ(parse(v4, LinkType::RawIp).payload_bytes, 10u);
    EXPECT_EQ(parse(Bytes{0x50, 0, 0}, LinkType::RawIp).status, ParseStatus::Malformed);
}

TEST(PacketParser, GsoIpv4TotalLengthZeroFallsBackToWireLength) {
    const Bytes f = cat({ethernet(0x0800), ipv4(6, kA4, kB4, 0), tcp(1, 2, 8)});
    const std::size_t wire = 14 + 20 + 32 + 65000;
    const ParsedPacket p = parse(f, LinkType::Ethernet, wire);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.payload_bytes, 65000u);
}

TEST(PacketParser, BigTcpIpv6PayloadLengthZeroFallsBackToWireLength) {
    const Bytes f = cat({ethernet(0x86DD), ipv6(6, kA6, kB6, 0), tcp(1, 2)});
    const ParsedPacket p = parse(f, LinkType::Ethernet, 14 + 40 + 20 + 150000);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.payload_bytes, 150000u);
}

TEST(PacketParser, NonIpIsNotAFlow) {
    EXPECT_EQ(parse(cat({ethernet(0x0806), zeros(28)})).status, ParseStatus::NotIp);
    EXPECT_EQ(parse(zeros(64), LinkType::Unsupported).status, ParseStatus::NotIp);
}

TEST(PacketParser, IcmpAndAnyOtherProtocolCountTheirIpPayloadWithoutPorts) {
    // An echo request with 1000 bytes of data: 8 + 1000 bytes of ICMP, what a ping socket sent.
    const Bytes icmp = cat({ethernet(0x0800), ipv4(1, kA4, kB4, 20 + 1008), zeros(1008)});
    ParsedPacket p = parse(icmp);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.proto, Proto::Icmp);
    EXPECT_EQ(p.payload_bytes, 1008u);
    EXPECT_EQ(p.src.port, 0u);
    EXPECT_EQ(p.dst.port, 0u);
    const Bytes icmp6 = cat({ethernet(0x86DD), ipv6(58, kA6, kB6, 64), zeros(64)});
    p = parse(icmp6);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.proto, Proto::Icmpv6);
    EXPECT_EQ(p.payload_bytes, 64u);
    // Protocol 253 (experiments), behind an IPv6 destination-options header.
    const Bytes raw6 =
        cat({ethernet(0x86DD), ipv6(60, kA6, kB6, 8 + 500), ext_header(253, 8), zeros(500)});
    p = parse(raw6);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(static_cast<int>(p.proto), 253);
    EXPECT_EQ(p.payload_bytes, 500u);
    // A later fragment of a raw datagram is not counted again.
    Bytes frag = cat({ethernet(0x0800), ipv4(253, kA4, kB4, 20 + 100), zeros(100)});
    frag[14 + 6] = 0x00;
    frag[14 + 7] = 0x10;  // fragment offset 16 units
    EXPECT_EQ(parse(frag).status, ParseStatus::Fragment);
}

Bytes sctp_chunk(std::uint8_t type, std::size_t len) {
    Bytes c(len, 0);
    c[0] = type;
    c[2] = static_cast<std::uint8_t>(len >> 8);
    c[3] = static_cast<std::uint8_t>(len);
    return c;
}

TEST(PacketParser, SctpCountsTheUserDataOfDataChunks) {
    // Common header, a SACK (16), a DATA chunk with 1000 bytes of data (padded: 1016 is a
    // multiple of 4), and an I-DATA chunk with 10 bytes (30, padded to 32).
    Bytes sctp(12, 0);
    sctp[0] = 0x9c;
    sctp[1] = 0x40;  // source port 40000
    sctp[3] = 80;
    const Bytes pad(2, 0);
    const Bytes body = cat({sctp, sctp_chunk(3, 16), sctp_chunk(0, 1016), sctp_chunk(64, 30), pad});
    const Bytes f = cat({ethernet(0x0800),
                         ipv4(132, kA4, kB4, static_cast<std::uint16_t>(20 + body.size())), body});
    // Captured whole, then cut by the snaplen: the second DATA chunk is past the capture.
    const std::size_t cap = f.size();
    ParsedPacket p = parse_packet(std::span<const std::uint8_t>(f.data(), cap),
                                  PacketMeta{LinkType::Ethernet, static_cast<std::uint32_t>(cap)});
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.proto, Proto::Sctp);
    EXPECT_EQ(p.src.port, 40000u);
    EXPECT_EQ(p.dst.port, 80u);
    EXPECT_EQ(p.payload_bytes, 1000u + 10u);
    // Through the 256-byte snaplen, the I-DATA chunk header is not captured: the rest of the
    // packet after the DATA chunk counts as one DATA chunk (32 - 16 = 16).
    p = parse(f);
    ASSERT_EQ(p.status, ParseStatus::Flow);
    EXPECT_EQ(p.payload_bytes, 1000u + 16u);
    // A chunk longer than the packet is malformed.
    const Bytes bad_body = cat({sctp, sctp_chunk(0, 16)});
    Bytes bad = cat({ethernet(0x0800), ipv4(132, kA4, kB4, 20 + 28), bad_body});
    bad[14 + 20 + 12 + 3] = 200;
    EXPECT_EQ(parse(bad).status, ParseStatus::Malformed);
}

TEST(PacketParser, RandomFramesNeverCrashAndStayWithinTheWireLength) {
    std::mt19937 rng(12345);
    const Bytes seed = tcp6_ext_frame(40);
    for (int i = 0; i < 200000; ++i) {
        // Mutate a valid frame so the parser gets deep, not just random ethertypes.
        Bytes f = (i % 2 == 0) ? seed : tcp4_frame(30, 4 * (i % 11));
        const int flips = 1 + static_cast<int>(rng() % 6);
        for (int k = 0; k < flips; ++k) f[rng() % f.size()] = static_cast<std::uint8_t>(rng());
        f.resize(rng() % (f.size() + 1));
        const auto wire = static_cast<std::uint32_t>(f.size() + rng() % 2000);
        const auto link = static_cast<LinkType>(rng() % 3);
        const ParsedPacket p = parse_packet(f, PacketMeta{link, wire});
        if (p.status == ParseStatus::Flow) {
            ASSERT_LE(p.payload_bytes, 65535u + wire);
        }
    }
}

}  // namespace
}  // namespace sstop::plugins::afpacket
