#include "tcp_sequence.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace sstop::plugins::afpacket {
namespace {

constexpr std::uint8_t kAck = 0x10;

std::uint64_t feed(SeqTracker& t, std::uint32_t seq, std::uint64_t payload,
                   std::uint8_t flags = kAck) {
    return tcp_new_payload(t, TcpSegment{seq, payload, flags});
}

TEST(TcpSequence, InOrderSegmentsCountTheirPayload) {
    SeqTracker t;
    EXPECT_EQ(feed(t, 1000, 100), 100u);
    EXPECT_EQ(feed(t, 1100, 200), 200u);
    EXPECT_EQ(feed(t, 1300, 0), 0u);  // a pure ACK
    EXPECT_EQ(t.end, 1300u);
}

TEST(TcpSequence, ARetransmissionCountsNothing) {
    SeqTracker t;
    feed(t, 1000, 100);
    feed(t, 1100, 100);
    EXPECT_EQ(feed(t, 1000, 100), 0u);
    EXPECT_EQ(feed(t, 1100, 100), 0u);
    EXPECT_EQ(feed(t, 1200, 100), 100u);
}

TEST(TcpSequence, ARepacketisedRetransmissionCountsOnlyItsNewTail) {
    SeqTracker t;
    feed(t, 1000, 100);
    EXPECT_EQ(feed(t, 1050, 150), 100u);  // 1050..1200: 1100..1200 is new
}

TEST(TcpSequence, ReorderedSegmentsCountEveryByteOnce) {
    SeqTracker t;
    feed(t, 0, 100);
    EXPECT_EQ(feed(t, 200, 100), 200u);  // 100..200 is in flight: credited with the advance
    EXPECT_EQ(feed(t, 100, 100), 0u);    // and not again when it shows up
    EXPECT_EQ(t.end, 300u);
}

TEST(TcpSequence, SynAndFinTakeSequenceSpaceButCountNoBytes) {
    SeqTracker t;
    EXPECT_EQ(feed(t, 5000, 0, kTcpSyn), 0u);
    EXPECT_EQ(feed(t, 5001, 10), 10u);
    EXPECT_EQ(feed(t, 5011, 0, kTcpFin | kAck), 0u);
    EXPECT_EQ(feed(t, 5011, 0, kTcpFin | kAck), 0u);  // the FIN again
}

TEST(TcpSequence, AcksAfterTheFinCountNothing) {
    SeqTracker t;
    feed(t, 100, 50);
    EXPECT_EQ(feed(t, 150, 0, kTcpFin | kAck), 0u);
    EXPECT_EQ(feed(t, 151, 0), 0u);  // ACKs of the peer's data: one past the data, no bytes
    EXPECT_EQ(feed(t, 151, 0), 0u);
    EXPECT_EQ(t.end, 150u);
}

TEST(TcpSequence, ARetransmittedSynWithDataCountsOnce) {
    SeqTracker t;
    EXPECT_EQ(feed(t, 7000, 50, kTcpSyn), 50u);  // TCP Fast Open: data on the SYN
    EXPECT_EQ(feed(t, 7000, 50, kTcpSyn), 0u);
    EXPECT_EQ(feed(t, 7051, 5), 5u);
}

TEST(TcpSequence, ANewSynOnTheSameTupleStartsOver) {
    SeqTracker t;
    feed(t, 1000, 100);
    EXPECT_EQ(feed(t, 1000, 0, kTcpSyn), 0u);  // a new connection whose ISN lies behind
    EXPECT_EQ(feed(t, 1001, 40), 40u);
}

TEST(TcpSequence, WrapsAroundTwoToTheThirtyTwo) {
    SeqTracker t;
    feed(t, 0xFFFFFF00u, 0x80);
    EXPECT_EQ(feed(t, 0xFFFFFF80u, 0x100), 0x100u);  // crosses 2^32
    EXPECT_EQ(t.end, 0x80u);
    EXPECT_EQ(feed(t, 0xFFFFFF80u, 0x100), 0u);  // its retransmission, across the wrap
    EXPECT_EQ(feed(t, 0x80u, 0x20), 0x20u);
}

TEST(TcpSequence, AKeepaliveProbeWithOneByteCountsNothing) {
    SeqTracker t;
    feed(t, 100, 100);
    EXPECT_EQ(feed(t, 199, 1), 0u);  // snd_nxt − 1, one garbage byte
    EXPECT_EQ(feed(t, 199, 0), 0u);  // the zero-length kind
}

TEST(TcpSequence, AJumpBeyondAnyWindowResynchronises) {
    SeqTracker t;
    feed(t, 1000, 100);
    EXPECT_EQ(feed(t, 1000 + (1u << 31), 60), 60u);  // not this connection's data any more
    EXPECT_EQ(feed(t, 1000 + (1u << 31) + 60, 40), 40u);
    SeqTracker back;
    feed(back, 0x90000000u, 10);
    EXPECT_EQ(feed(back, 0x10000000u, 30), 30u);  // 2^31 behind: not a retransmission either
}

TEST(TcpSequence, ResetsCountNothingAndMoveNothing) {
    SeqTracker t;
    feed(t, 1000, 100);
    EXPECT_EQ(feed(t, 1100, 20, kTcpRst), 0u);
    EXPECT_EQ(t.end, 1100u);
}

TEST(TcpSequence, TheFirstSegmentOfAnOlderConnectionCountsItsPayload) {
    SeqTracker t;
    EXPECT_EQ(feed(t, 123456789, 1448), 1448u);
    EXPECT_TRUE(t.known);
}

TEST(TcpSequence, AnImpossiblyLargeSegmentIsCountedAndTrackingStartsOver) {
    SeqTracker t;
    feed(t, 1000, 100);
    EXPECT_EQ(feed(t, 1100, 1ull << 31), 1ull << 31);
    EXPECT_FALSE(t.known);
    EXPECT_EQ(feed(t, 5, 7), 7u);
}

// A sender's life as a capture sees it, from a seeded generator: segments of random size,
// some resent whole, some resent repacketised, neighbours swapped, sequence numbers from a
// random ISN across the 2^32 wrap. Whatever the order, the bytes counted are the stream's
// length, exactly.
TEST(TcpSequence, ARandomStreamWithResendsAndReorderingCountsItsLengthExactly) {
    std::mt19937 rng(20261126);
    for (int round = 0; round < 200; ++round) {
        const std::uint32_t isn = static_cast<std::uint32_t>(rng());
        std::vector<TcpSegment> wire{{isn, 0, kTcpSyn}};
        std::uint64_t length = 0;
        const int segments = 1 + static_cast<int>(rng() % 300);
        for (int i = 0; i < segments; ++i) {
            const std::uint64_t size = 1 + rng() % 65000;
            const auto seq = static_cast<std::uint32_t>(isn + 1 + length);
            wire.push_back({seq, size, kAck});
            if (rng() % 10 == 0) wire.push_back({seq, size, kAck});  // resent whole
            if (rng() % 10 == 0 && size > 1)                         // resent, cut differently
                wire.push_back({seq + 1, size - 1, kAck});
            length += size;
        }
        wire.push_back({static_cast<std::uint32_t>(isn + 1 + length), 0, kTcpFin | kAck});
        for (std::size_t i = 2; i + 1 < wire.size(); ++i)  // reorder neighbours, not the SYN
            if (rng() % 8 == 0) std::swap(wire[i], wire[i + 1]);
        SeqTracker t;
        std::uint64_t counted = 0;
        for (const TcpSegment& seg : wire) counted += tcp_new_payload(t, seg);
        ASSERT_EQ(counted, length) << "round " << round << " isn " << isn;
    }
}

}  // namespace
}  // namespace sstop::plugins::afpacket
