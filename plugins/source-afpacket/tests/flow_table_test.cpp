#include "flow_table.hpp"

#include <gtest/gtest.h>

namespace sstop::plugins::afpacket {
namespace {

FlowKey key_n(std::uint32_t n, Proto proto = Proto::Tcp) {
    Endpoint local;
    local.addr.family = Family::V4;
    local.addr.bytes = {10, 0, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    local.port = static_cast<std::uint16_t>(1024 + n % 50000);
    Endpoint remote;
    remote.addr.family = Family::V4;
    remote.addr.bytes = {192, 0, 2, static_cast<std::uint8_t>(n >> 16)};
    remote.port = 443;
    return make_flow_key(proto, local, remote);
}

std::uint64_t constant_hash(const FlowKey&) noexcept { return 7; }

TEST(FlowTable, InsertThenUpdateAccumulatesBothDirections) {
    FlowTable t(1024);
    ASSERT_TRUE(t.add(key_n(1), Direction::Tx, 100, 10));
    ASSERT_TRUE(t.add(key_n(1), Direction::Rx, 40, 20));
    ASSERT_TRUE(t.add(key_n(1), Direction::Tx, 1, 30));
    ASSERT_TRUE(t.add(key_n(2), Direction::Rx, 5, 30));
    EXPECT_EQ(t.size(), 2u);
    const FlowCounters* c = t.find(key_n(1));
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->tx_bytes, 101u);
    EXPECT_EQ(c->rx_bytes, 40u);
    EXPECT_EQ(c->tx_packets, 2u);
    EXPECT_EQ(c->rx_packets, 1u);
    EXPECT_EQ(c->last_seen_ns, 30);
    EXPECT_EQ(t.find(key_n(3)), nullptr);
    EXPECT_EQ(t.find(key_n(1, Proto::Udp)), nullptr);  // protocol is part of the key
}

TEST(FlowTable, RefusesNewFlowsWhenFullButKeepsCountingKnownOnes) {
    FlowTable t(4);
    for (std::uint32_t i = 0; i < 4; ++i) ASSERT_TRUE(t.add(key_n(i), Direction::Rx, 1, 0));
    EXPECT_FALSE(t.add(key_n(99), Direction::Rx, 1, 0));
    EXPECT_EQ(t.find(key_n(99)), nullptr);
    EXPECT_TRUE(t.add(key_n(2), Direction::Rx, 1, 0));
    EXPECT_EQ(t.size(), 4u);
    EXPECT_EQ(t.find(key_n(2))->rx_bytes, 2u);
}

TEST(FlowTable, PruneRemovesOnlyIdleFlows) {
    FlowTable t(1024);
    for (std::uint32_t i = 0; i < 100; ++i)
        t.add(key_n(i), Direction::Tx, i, i % 2 == 0 ? 100 : 500);
    EXPECT_EQ(t.prune(200), 50u);
    EXPECT_EQ(t.size(), 50u);
    for (std::uint32_t i = 0; i < 100; ++i) {
        const FlowCounters* c = t.find(key_n(i));
        if (i % 2 == 0) {
            EXPECT_EQ(c, nullptr);
        } else {
            ASSERT_NE(c, nullptr);
            EXPECT_EQ(c->tx_bytes, i);
        }
    }
    EXPECT_EQ(t.prune(200), 0u);
}

TEST(FlowTable, PruneFreesRoomInAFullTable) {
    FlowTable t(2);
    t.add(key_n(1), Direction::Tx, 1, 0);
    t.add(key_n(2), Direction::Tx, 1, 100);
    EXPECT_FALSE(t.add(key_n(3), Direction::Tx, 1, 100));
    t.prune(50);
    EXPECT_TRUE(t.add(key_n(3), Direction::Tx, 1, 100));
}

TEST(FlowTable, CollidingHashesKeepFlowsApart) {
    FlowTable t(1024, &constant_hash);
    for (std::uint32_t i = 0; i < 300; ++i)
        ASSERT_TRUE(t.add(key_n(i), Direction::Rx, i + 1, i < 150 ? 0 : 10));
    for (std::uint32_t i = 0; i < 300; ++i) ASSERT_EQ(t.find(key_n(i))->rx_bytes, i + 1);
    EXPECT_EQ(t.prune(5), 150u);
    for (std::uint32_t i = 0; i < 300; ++i) {
        if (i < 150)
            EXPECT_EQ(t.find(key_n(i)), nullptr);
        else
            ASSERT_EQ(t.find(key_n(i))->rx_bytes, i + 1);
    }
}

TEST(FlowTable, GrowsToItsBoundWithoutLosingCounters) {
    const std::size_t max = 20000;
    FlowTable t(max);
    const std::size_t initial_slots = t.slot_count();
    for (std::uint32_t i = 0; i < max; ++i) ASSERT_TRUE(t.add(key_n(i), Direction::Tx, i, 0));
    EXPECT_GT(t.slot_count(), initial_slots);
    EXPECT_LE(t.slot_count(), 2 * 32768u);  // bounded: twice max rounded up to a power of two
    for (std::uint32_t i = 0; i < max; ++i) ASSERT_EQ(t.find(key_n(i))->tx_bytes, i);
    EXPECT_FALSE(t.add(key_n(max), Direction::Tx, 1, 0));
}

TEST(FlowTable, CopiesOutEveryFlowAndConvertsToSocketKeys) {
    FlowTable t(1024);
    t.add(key_n(1), Direction::Tx, 3, 0);
    t.add(key_n(2), Direction::Rx, 4, 0);
    std::vector<FlowTable::Entry> out;
    t.copy_to(out);
    ASSERT_EQ(out.size(), 2u);
    const SocketKey k = to_socket_key(key_n(1));
    EXPECT_EQ(k.proto, Proto::Tcp);
    EXPECT_EQ(k.local.addr.family, Family::V4);
    EXPECT_EQ(k.local.addr.bytes[3], 1);
    EXPECT_EQ(k.local.port, 1025);
    EXPECT_EQ(k.remote.addr.bytes[0], 192);
    EXPECT_EQ(k.remote.port, 443);
    EXPECT_EQ(k.netns, 0u);
}

TEST(FlowTable, DefaultHashSpreadsNeighbouringKeys) {
    // Keys that differ only in a port must not land in the same few buckets.
    std::vector<int> buckets(1024, 0);
    for (std::uint32_t i = 0; i < 4096; ++i) ++buckets[flow_hash(key_n(i)) & 1023];
    EXPECT_LE(*std::max_element(buckets.begin(), buckets.end()), 16);
}

}  // namespace
}  // namespace sstop::plugins::afpacket
