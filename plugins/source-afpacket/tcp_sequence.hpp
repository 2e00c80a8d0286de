#pragma once
/// @file tcp_sequence.hpp
/// Counting TCP payload once per connection direction. A capture sees retransmitted
/// segments, keepalive probes and reordered segments; counting every segment's payload
/// over-counts by the retransmission rate. What a TCP endpoint actually moved is the
/// sequence space it advanced through, so a direction is credited with how far its
/// highest sequence end moved — the same quantity as tcp_info's `bytes_received`
/// (rcv_nxt − isn) and `bytes_sent − bytes_retrans`.

#include <cstdint>

namespace sstop::plugins::afpacket {

/// TCP header flags the accounting looks at.
inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;

/// A jump of the sequence end farther than the largest possible TCP window (2^30 with
/// window scale 14) cannot happen inside one connection: the 5-tuple now carries another
/// connection (or the capture lost track), and the tracker starts over.
inline constexpr std::uint32_t kMaxSequenceJump = 1u << 30;

/// Highest sequence end seen in one direction of one flow. 8 bytes, trivially copyable.
struct SeqTracker {
    std::uint32_t end = 0;  ///< sequence number just after the highest payload byte seen
    bool known = false;     ///< false until the first segment of the direction is seen
};

/// One TCP segment as the parser saw it.
struct TcpSegment {
    std::uint32_t seq = 0;      ///< sequence number of the first byte (of the SYN, if set)
    std::uint64_t payload = 0;  ///< payload bytes (a GSO/GRO super-packet's total)
    std::uint8_t flags = 0;     ///< TCP flags byte
};

/// Payload bytes of `seg` that are new sequence space for its direction, and advances `t`.
/// - The first segment seen (a connection older than the capture) and a SYN count their
///   payload and set the end.
/// - A segment wholly behind the end (a retransmission, a keepalive probe) counts 0.
/// - A segment ahead of the end counts the whole advance, gap included: the gap's bytes were
///   sent before (reordered, or lost before the capture point) and count 0 when they show.
/// - Segments without payload count nothing and move nothing (once the direction is known).
/// - RST segments count nothing (their payload, if any, is a diagnostic, not data).
/// - A jump farther than `kMaxSequenceJump` either way resynchronises: counts the payload.
/// Pure; sequence arithmetic is modulo 2^32.
inline std::uint64_t tcp_new_payload(SeqTracker& t, const TcpSegment& seg) noexcept {
    if ((seg.flags & kTcpRst) != 0) return 0;
    const bool syn = (seg.flags & kTcpSyn) != 0;
    const std::uint32_t start = seg.seq + (syn ? 1u : 0u);
    if (seg.payload >= kMaxSequenceJump) {  // not a real segment: count it, lose track
        t.known = false;
        return seg.payload;
    }
    const std::uint32_t end = start + static_cast<std::uint32_t>(seg.payload);
    // A segment without payload (an ACK, a FIN, a probe) moves no data. Its sequence number
    // can lie one past the data (the FIN's own sequence number), so it moves nothing either.
    if (seg.payload == 0 && !syn && t.known) return 0;
    if (!t.known) {
        t = SeqTracker{end, true};
        return seg.payload;
    }
    const std::uint32_t ahead = end - t.end;  // modulo 2^32
    if (syn) {
        if (ahead == 0) return 0;  // the SYN again (a retransmitted SYN, with its data)
        t.end = end;               // a new connection on the same 5-tuple
        return seg.payload;
    }
    if (ahead == 0) return 0;  // ends where the last one did: seen already
    if (ahead <= kMaxSequenceJump) {
        t.end = end;
        return ahead;
    }
    const std::uint32_t behind = t.end - end;  // modulo 2^32
    if (behind <= kMaxSequenceJump) return 0;  // a retransmission or a probe
    t.end = end;  // neither: another connection on the 5-tuple, or the capture lost track
    return seg.payload;
}

}  // namespace sstop::plugins::afpacket
