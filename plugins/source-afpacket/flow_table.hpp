#pragma once
/// @file flow_table.hpp
/// A bounded, flat open-addressing hash table of per-flow counters keyed by a binary
/// 5-tuple. Single-threaded: the owner serialises access (see afpacket_source.hpp).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstop/model.hpp>
#include <vector>

#include "tcp_sequence.hpp"

namespace sstop::plugins::afpacket {

/// Binary flow key, oriented local → remote. 40 bytes, no padding holes, so it hashes and
/// compares as plain memory.
struct FlowKey {
    std::uint8_t proto = 0;                 ///< IANA protocol number (6, 17)
    std::uint8_t family = 0;                ///< `sstop::Family` value (4, 6)
    std::uint16_t local_port = 0;           ///< host byte order
    std::uint16_t remote_port = 0;          ///< host byte order
    std::uint16_t reserved = 0;             ///< always 0
    std::array<std::uint8_t, 16> local{};   ///< local address, network order
    std::array<std::uint8_t, 16> remote{};  ///< remote address, network order
    friend bool operator==(const FlowKey&, const FlowKey&) = default;
};
static_assert(sizeof(FlowKey) == 40);

/// Builds the key of a flow between `local` and `remote`.
FlowKey make_flow_key(Proto proto, const Endpoint& local, const Endpoint& remote) noexcept;
/// The SDK key of a flow (netns 0: the namespace sstop runs in).
SocketKey to_socket_key(const FlowKey& key) noexcept;

/// Cumulative counters of one flow.
struct FlowCounters {
    std::uint64_t rx_bytes = 0;     ///< payload bytes received by the local end
    std::uint64_t tx_bytes = 0;     ///< payload bytes sent by the local end
    std::uint64_t rx_packets = 0;   ///< packets received (a GSO super-packet counts once)
    std::uint64_t tx_packets = 0;   ///< packets sent
    std::int64_t last_seen_ns = 0;  ///< steady-clock nanoseconds of the last packet
    SeqTracker rx_seq;              ///< TCP: highest sequence end received
    SeqTracker tx_seq;              ///< TCP: highest sequence end sent
};

/// Which way a packet went, from the local end's point of view.
enum class Direction : std::uint8_t { Rx, Tx };

/// Hash function type (injectable so tests can force collisions).
using FlowHash = std::uint64_t (*)(const FlowKey&) noexcept;
/// The default hash: multiply-xorshift over the five 64-bit words of the key.
std::uint64_t flow_hash(const FlowKey& key) noexcept;

/// Bounded hash table of flows. Holds at most `max_flows` flows; its slot array starts
/// small and doubles up to twice `max_flows` rounded up to a power of two, so the load
/// factor stays ≤ 0.5 and linear probes stay short.
class FlowTable {
  public:
    /// One stored flow.
    struct Entry {
        FlowKey key;            ///< the flow
        FlowCounters counters;  ///< its counters
    };

    /// `max_flows` ≥ 1.
    explicit FlowTable(std::size_t max_flows, FlowHash hash = &flow_hash);

    /// Adds one packet of `bytes` payload bytes to the flow `key`, creating it if needed.
    /// Returns false (and changes nothing) when the flow is new and the table is full.
    bool add(const FlowKey& key, Direction dir, std::uint64_t bytes, std::int64_t now_ns);

    /// Adds one TCP segment to the flow `key`, creating it if needed: the packet counts,
    /// its bytes only as far as they are new sequence space (`tcp_new_payload`). Returns
    /// the payload bytes counted, or nothing when the flow is new and the table is full.
    std::optional<std::uint64_t> add_tcp(const FlowKey& key, Direction dir, const TcpSegment& seg,
                                         std::int64_t now_ns);

    /// Removes flows whose last packet is older than `cutoff_ns`; returns how many.
    std::size_t prune(std::int64_t cutoff_ns);

    /// The counters of `key`, or null.
    const FlowCounters* find(const FlowKey& key) const;

    /// Appends every flow to `out` (which is not cleared).
    void copy_to(std::vector<Entry>& out) const;

    std::size_t size() const { return size_; }                ///< flows stored
    std::size_t max_flows() const { return max_flows_; }      ///< bound on `size()`
    std::size_t slot_count() const { return slots_.size(); }  ///< current slot array size

  private:
    // A slot is empty when its key's protocol is 0 (stored flows are TCP or UDP), which
    // keeps a slot at the size of an entry (96 bytes).
    using Slot = Entry;
    static bool used(const Slot& s) { return s.key.proto != 0; }
    FlowCounters* upsert(const FlowKey& key, std::int64_t now_ns);  // null when full
    std::size_t probe(const FlowKey& key) const;  // slot of key, or of the empty slot to use
    void rehash(std::size_t slot_count);

    std::size_t max_flows_;
    std::size_t max_slots_;
    FlowHash hash_;
    std::vector<Slot> slots_;
    std::size_t size_ = 0;
};

}  // namespace sstop::plugins::afpacket
