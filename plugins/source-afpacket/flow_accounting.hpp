#pragma once
/// @file flow_accounting.hpp
/// Turns captured frames into flow counters: parse, pick the direction, drop the copies
/// that the kernel shows more than once, add to the flow table. No I/O, so tests feed it
/// crafted frames with the kernel's metadata.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "flow_table.hpp"
#include "packet_parser.hpp"

namespace sstop::plugins::afpacket {

/// One captured frame and the kernel's metadata from its `tpacket3_hdr`/`sockaddr_ll`.
struct Frame {
    std::span<const std::uint8_t> bytes;  ///< captured bytes (caplen)
    std::uint32_t wire_len = 0;           ///< `tp_len`
    std::uint16_t hatype = 0;             ///< `sll_hatype` (ARPHRD_*)
    std::uint8_t pkt_type = 0;            ///< `sll_pkttype` (PACKET_HOST, PACKET_OUTGOING …)
    int ifindex = 0;                      ///< `sll_ifindex`
    std::uint16_t vlan_tci = 0;           ///< `hv1.tp_vlan_tci`
    bool vlan_valid = false;              ///< `TP_STATUS_VLAN_VALID`
};

/// Health counters of the capture, all cumulative.
struct CaptureCounters {
    std::uint64_t packets = 0;           ///< frames seen
    std::uint64_t counted = 0;           ///< frames added to a flow
    std::uint64_t malformed = 0;         ///< frames with broken or cut headers
    std::uint64_t flow_table_full = 0;   ///< frames of new flows refused by the full table
    std::uint64_t overflow_bytes = 0;    ///< payload bytes of those frames
    std::uint64_t fragments = 0;         ///< non-first IP fragments (not attributable)
    std::uint64_t unparsed = 0;          ///< too deep to follow
    std::uint64_t duplicates = 0;        ///< copies skipped (lo, VLAN parent, bond/bridge port)
    std::uint64_t tcp_resent_bytes = 0;  ///< TCP payload seen again (retransmits, probes)
};

/// Decides per ifindex whether frames on it are counted. Frames on a bond slave or bridge
/// port are seen again on the master, so the master's copy is the one that counts. The
/// answer is cached per ifindex (bounded: ifindexes ≥ kMaxCachedIfindex are always asked).
class InterfacePolicy {
  public:
    /// Answers "is this ifindex enslaved to a master?"; called on cache misses only.
    using IsEnslaved = std::function<bool(int ifindex)>;
    static constexpr int kMaxCachedIfindex = 4096;

    explicit InterfacePolicy(IsEnslaved is_enslaved) : is_enslaved_(std::move(is_enslaved)) {}
    /// True when frames on `ifindex` should be counted.
    bool counts(int ifindex);
    /// Forgets every answer (interfaces are enslaved and released at run time).
    void clear() { cache_.clear(); }

  private:
    IsEnslaved is_enslaved_;
    std::vector<std::int8_t> cache_;  // -1 unknown, 0 skip, 1 count
};

/// The per-frame accounting. Single-threaded; the source serialises access.
class FlowAccounting {
  public:
    /// `lo_ifindex`: index of the loopback device (0 = none known; ARPHRD_LOOPBACK still
    /// identifies it). `policy` may be empty (count every interface).
    FlowAccounting(std::size_t max_flows, int lo_ifindex,
                   InterfacePolicy::IsEnslaved is_enslaved = {});

    /// Accounts one frame seen at `now_ns` (steady clock).
    void count(const Frame& frame, std::int64_t now_ns);

    /// Removes flows idle since before `cutoff_ns`.
    std::size_t prune(std::int64_t cutoff_ns) { return table_.prune(cutoff_ns); }
    /// Forgets cached interface answers.
    void refresh_interfaces() { policy_.clear(); }

    const FlowTable& table() const { return table_; }              ///< the flows
    const CaptureCounters& counters() const { return counters_; }  ///< health counters

  private:
    // `second_copy`: the loopback receiver's half of a packet already added for its sender
    // (its resent bytes are not noted twice).
    void add(const FlowKey& key, Direction dir, const ParsedPacket& p, std::int64_t now_ns,
             bool second_copy = false);

    FlowTable table_;
    int lo_ifindex_;
    bool check_interfaces_;
    InterfacePolicy policy_;
    CaptureCounters counters_;
};

}  // namespace sstop::plugins::afpacket
