#include "flow_accounting.hpp"

#include <gtest/gtest.h>
#include <linux/if_arp.h>
#include <linux/if_packet.h>

#include "frames.hpp"

namespace sstop::plugins::afpacket {
namespace {

using namespace testing;

constexpr int kLo = 1;
constexpr int kEth = 2;

Bytes udp4(V4 src, std::uint16_t sport, V4 dst, std::uint16_t dport, std::size_t payload) {
    const auto n = static_cast<std::uint16_t>(payload);
    return cat({ethernet(0x0800), ipv4(17, src, dst, static_cast<std::uint16_t>(28 + n)),
                udp(sport, dport, static_cast<std::uint16_t>(8 + n)), zeros(payload)});
}

Bytes tcp4(V4 src, std::uint16_t sport, V4 dst, std::uint16_t dport, std::uint32_t seq,
           std::size_t payload, std::uint8_t flags = 0x18) {
    const auto n = static_cast<std::uint16_t>(payload);
    return cat({ethernet(0x0800), ipv4(6, src, dst, static_cast<std::uint16_t>(40 + n)),
                tcp(sport, dport, 5, seq, flags), zeros(payload)});
}

Frame frame_of(const Bytes& b, std::uint8_t pkt_type, int ifindex,
               std::uint16_t hatype = ARPHRD_ETHER) {
    Frame f;
    f.bytes = b;
    f.wire_len = static_cast<std::uint32_t>(b.size());
    f.pkt_type = pkt_type;
    f.ifindex = ifindex;
    f.hatype = hatype;
    return f;
}

Endpoint ep(V4 a, std::uint16_t port) {
    Endpoint e;
    e.addr.family = Family::V4;
    std::copy(a.begin(), a.end(), e.addr.bytes.begin());
    e.port = port;
    return e;
}

const FlowCounters* flow(const FlowAccounting& acc, V4 la, std::uint16_t lp, V4 ra,
                         std::uint16_t rp) {
    return acc.table().find(make_flow_key(Proto::Udp, ep(la, lp), ep(ra, rp)));
}

TEST(FlowAccounting, OutgoingPacketIsTxOfSourceTowardsDestination) {
    FlowAccounting acc(1024, kLo);
    const Bytes b = udp4(kA4, 1111, kB4, 53, 100);
    acc.count(frame_of(b, PACKET_OUTGOING, kEth), 1);
    const FlowCounters* c = flow(acc, kA4, 1111, kB4, 53);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->tx_bytes, 100u);
    EXPECT_EQ(c->rx_bytes, 0u);
    EXPECT_EQ(acc.table().size(), 1u);
}

TEST(FlowAccounting, IncomingPacketIsRxOfDestinationFromSource) {
    FlowAccounting acc(1024, kLo);
    const Bytes b = udp4(kB4, 53, kA4, 1111, 70);
    acc.count(frame_of(b, PACKET_HOST, kEth), 1);
    acc.count(frame_of(b, PACKET_BROADCAST, kEth), 1);
    const FlowCounters* c = flow(acc, kA4, 1111, kB4, 53);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->rx_bytes, 140u);
    EXPECT_EQ(c->rx_packets, 2u);
    EXPECT_EQ(c->tx_bytes, 0u);
}

TEST(FlowAccounting, LoopbackCountsTheOutgoingCopyOnceForBothEnds) {
    FlowAccounting acc(1024, kLo);
    const V4 lo = {127, 0, 0, 1};
    const Bytes b = udp4(lo, 1000, lo, 2000, 500);
    acc.count(frame_of(b, PACKET_OUTGOING, kLo, ARPHRD_LOOPBACK), 1);
    acc.count(frame_of(b, PACKET_HOST, kLo, ARPHRD_LOOPBACK), 1);
    const FlowCounters* sender = flow(acc, lo, 1000, lo, 2000);
    const FlowCounters* receiver = flow(acc, lo, 2000, lo, 1000);
    ASSERT_NE(sender, nullptr);
    ASSERT_NE(receiver, nullptr);
    EXPECT_EQ(sender->tx_bytes, 500u);
    EXPECT_EQ(sender->rx_bytes, 0u);
    EXPECT_EQ(receiver->rx_bytes, 500u);
    EXPECT_EQ(receiver->tx_bytes, 0u);
    EXPECT_EQ(acc.counters().duplicates, 1u);
}

TEST(FlowAccounting, LoopbackIsRecognisedByIfindexToo) {
    FlowAccounting acc(1024, 7);
    const Bytes b = udp4(kA4, 1, kA4, 2, 10);
    acc.count(frame_of(b, PACKET_HOST, 7), 1);
    EXPECT_EQ(acc.table().size(), 0u);
}

TEST(FlowAccounting, VlanTaggedParentCopyIsSkippedButPriorityTagIsCounted) {
    FlowAccounting acc(1024, kLo);
    const Bytes b = udp4(kB4, 53, kA4, 1111, 10);
    Frame tagged = frame_of(b, PACKET_HOST, kEth);
    tagged.vlan_valid = true;
    tagged.vlan_tci = 0x2000 | 10;
    acc.count(tagged, 1);
    EXPECT_EQ(acc.table().size(), 0u);
    tagged.vlan_tci = 0x2000;  // VID 0: 802.1p priority only, delivered on this device
    acc.count(tagged, 1);
    ASSERT_NE(flow(acc, kA4, 1111, kB4, 53), nullptr);
    const Bytes inframe = cat(
        {ethernet(0x0800, {{0x8100, 10}}), ipv4(17, kB4, kA4, 38), udp(53, 1111, 18), zeros(10)});
    acc.count(frame_of(inframe, PACKET_OUTGOING, kEth), 1);
    EXPECT_EQ(flow(acc, kA4, 1111, kB4, 53)->rx_bytes, 10u);
    EXPECT_EQ(acc.counters().duplicates, 2u);
}

TEST(FlowAccounting, FramesOnEnslavedInterfacesAreSkipped) {
    int asked = 0;
    FlowAccounting acc(1024, kLo, [&asked](int ifindex) {
        ++asked;
        return ifindex == 3;
    });
    const Bytes b = udp4(kB4, 53, kA4, 1111, 10);
    acc.count(frame_of(b, PACKET_HOST, 3), 1);
    acc.count(frame_of(b, PACKET_HOST, 3), 1);
    acc.count(frame_of(b, PACKET_HOST, 4), 1);
    EXPECT_EQ(flow(acc, kA4, 1111, kB4, 53)->rx_bytes, 10u);
    EXPECT_EQ(asked, 2);  // cached per ifindex
    acc.refresh_interfaces();
    acc.count(frame_of(b, PACKET_HOST, 3), 1);
    EXPECT_EQ(asked, 3);
}

TEST(FlowAccounting, OtherHostFramesAreNotOurs) {
    FlowAccounting acc(1024, kLo);
    acc.count(frame_of(udp4(kB4, 1, kA4, 2, 10), PACKET_OTHERHOST, kEth), 1);
    EXPECT_EQ(acc.table().size(), 0u);
}

TEST(FlowAccounting, MalformedAndFragmentsAreCountedNotAttributed) {
    FlowAccounting acc(1024, kLo);
    Bytes bad = udp4(kB4, 1, kA4, 2, 10);
    bad[14] = 0x44;  // IHL 4
    acc.count(frame_of(bad, PACKET_HOST, kEth), 1);
    const Bytes frag = cat({ethernet(0x0800), ipv4(17, kB4, kA4, 20 + 100, 0, 10), zeros(100)});
    acc.count(frame_of(frag, PACKET_HOST, kEth), 1);
    EXPECT_EQ(acc.table().size(), 0u);
    EXPECT_EQ(acc.counters().malformed, 1u);
    EXPECT_EQ(acc.counters().fragments, 1u);
    EXPECT_EQ(acc.counters().packets, 2u);
}

TEST(FlowAccounting, FullTableCountsRefusedPacketsAndBytes) {
    FlowAccounting acc(1, kLo);
    acc.count(frame_of(udp4(kB4, 1, kA4, 2, 10), PACKET_HOST, kEth), 1);
    acc.count(frame_of(udp4(kB4, 1, kA4, 3, 25), PACKET_HOST, kEth), 1);
    EXPECT_EQ(acc.counters().flow_table_full, 1u);
    EXPECT_EQ(acc.counters().overflow_bytes, 25u);
}

const FlowCounters* tcp_flow(const FlowAccounting& acc, V4 la, std::uint16_t lp, V4 ra,
                             std::uint16_t rp) {
    return acc.table().find(make_flow_key(Proto::Tcp, ep(la, lp), ep(ra, rp)));
}

TEST(FlowAccounting, TcpRetransmissionsAreCountedOnceAndNotedAsResent) {
    FlowAccounting acc(1024, kLo);
    // Sent: 0..1000, 1000..2000, then 1000..2000 again (a retransmission).
    acc.count(frame_of(tcp4(kA4, 40000, kB4, 80, 0, 1000), PACKET_OUTGOING, kEth), 1);
    acc.count(frame_of(tcp4(kA4, 40000, kB4, 80, 1000, 1000), PACKET_OUTGOING, kEth), 2);
    acc.count(frame_of(tcp4(kA4, 40000, kB4, 80, 1000, 1000), PACKET_OUTGOING, kEth), 3);
    // Received: 500 bytes, twice.
    acc.count(frame_of(tcp4(kB4, 80, kA4, 40000, 9000, 500), PACKET_HOST, kEth), 4);
    acc.count(frame_of(tcp4(kB4, 80, kA4, 40000, 9000, 500), PACKET_HOST, kEth), 5);
    const FlowCounters* c = tcp_flow(acc, kA4, 40000, kB4, 80);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->tx_bytes, 2000u);
    EXPECT_EQ(c->rx_bytes, 500u);
    EXPECT_EQ(c->tx_packets, 3u);  // every packet is still a packet
    EXPECT_EQ(c->rx_packets, 2u);
    EXPECT_EQ(acc.counters().tcp_resent_bytes, 1500u);
}

TEST(FlowAccounting, TcpRetransmissionOnLoopbackIsCountedOnceForBothEnds) {
    FlowAccounting acc(1024, kLo);
    const V4 lo = {127, 0, 0, 1};
    const Bytes first = tcp4(lo, 1000, lo, 2000, 77, 300);
    for (int copy = 0; copy < 2; ++copy) {  // sent, then retransmitted
        acc.count(frame_of(first, PACKET_OUTGOING, kLo, ARPHRD_LOOPBACK), 1);
        acc.count(frame_of(first, PACKET_HOST, kLo, ARPHRD_LOOPBACK), 1);
    }
    EXPECT_EQ(tcp_flow(acc, lo, 1000, lo, 2000)->tx_bytes, 300u);
    EXPECT_EQ(tcp_flow(acc, lo, 2000, lo, 1000)->rx_bytes, 300u);
    EXPECT_EQ(acc.counters().tcp_resent_bytes, 300u);  // once, not once per end
}

TEST(FlowAccounting, UdpDatagramsRepeatingThemselvesAllCount) {
    FlowAccounting acc(1024, kLo);  // UDP has no sequence space: equal datagrams are data
    const Bytes b = udp4(kA4, 5000, kB4, 5001, 64);
    acc.count(frame_of(b, PACKET_OUTGOING, kEth), 1);
    acc.count(frame_of(b, PACKET_OUTGOING, kEth), 2);
    EXPECT_EQ(flow(acc, kA4, 5000, kB4, 5001)->tx_bytes, 128u);
}

}  // namespace
}  // namespace sstop::plugins::afpacket
