#pragma once
// The aggregator's state, shared by its translation units (aggregator.cpp: the tick and the
// tables; aggregator_sockets.cpp: sockets, final records, flows, interfaces;
// aggregator_snapshot.cpp: the snapshot). Internal to the core: include only from those.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstop/format.hpp>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/aggregator.hpp"
#include "core/history_ring.hpp"
#include "core/keys.hpp"
#include "core/rate_ema.hpp"
#include "core/slot_table.hpp"
#include "core/snapshot_order.hpp"
#include "core/udp_peers.hpp"

namespace sstop::core {
namespace aggregator_detail {

using Clock = std::chrono::steady_clock;

// Interfaces are few; the bound only guards against a broken source.
constexpr std::size_t kMaxInterfaces = 4096;
// Socket sources remembered for the baseline rule; there are only a handful.
constexpr std::size_t kMaxSocketSources = 64;

inline double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

/// Delta of a cumulative counter. A counter that went backwards was reset (socket reused,
/// source restarted): the delta is 0 and the new value is the baseline, never a spike.
inline std::uint64_t counter_delta(std::uint64_t& prev, std::uint64_t cur, std::uint64_t& resets) {
    std::uint64_t delta = 0;
    if (cur >= prev) {
        delta = cur - prev;
    } else {
        ++resets;
    }
    prev = cur;
    return delta;
}

/// Rates and byte totals of one entity. Deltas are summed during a tick and fed to the
/// EMAs once, when the tick closes.
struct TrafficState {
    explicit TrafficState(double alpha) : rx_ema(alpha), tx_ema(alpha) {}

    void add(std::uint64_t rx, std::uint64_t tx) {
        tick_rx += rx;
        tick_tx += tx;
    }

    void close_tick(double dt_s) { close_tick(dt_s, RateEma::weight(rx_ema.alpha(), dt_s)); }

    /// `w`: the tick's EMA weight, RateEma::weight(alpha, dt_s), computed once per tick.
    void close_tick(double dt_s, double w) {
        rx_bytes += tick_rx;
        tx_bytes += tick_tx;
        rx_ema.update(static_cast<double>(tick_rx), dt_s, w);
        tx_ema.update(static_cast<double>(tick_tx), dt_s, w);
        tick_rx = 0;
        tick_tx = 0;
    }

    /// As close_tick() of ticks without bytes lasting `elapsed_s` seconds in all (see
    /// RateEma::idle): a socket's averages are closed only in ticks that gave it bytes.
    void idle(double elapsed_s) {
        rx_ema.idle(elapsed_s);
        tx_ema.idle(elapsed_s);
    }

    Traffic traffic() const { return Traffic{rx_ema.value(), tx_ema.value(), rx_bytes, tx_bytes}; }
    double rate() const { return rx_ema.value() + tx_ema.value(); }

    RateEma rx_ema;
    RateEma tx_ema;
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_bytes = 0;
    std::uint64_t tick_rx = 0;
    std::uint64_t tick_tx = 0;
};

// An unconnected UDP socket's peers: the remote ends of the flows it took, and when each
// last moved bytes. Bound: kMaxUdpPeersPerSocket; a peer beyond it is counted, not kept.
struct UdpPeerBook {
    std::map<Endpoint, Clock::time_point> last_moved;
    std::uint64_t dropped = 0;
};

struct SocketEntry {
    explicit SocketEntry(double alpha) : traffic(alpha) {}

    // The one-byte fields and the touched position first, together: scattered between the
    // 8-byte ones they cost 24 bytes of padding per socket.
    SocketKey key;
    SocketState state = SocketState::Unknown;
    bool has_bytes = false;       // the latest observation carried counters
    bool counters_known = false;  // prev_* is a valid baseline
    bool measured = false;        // counters or a matched flow have measured it
    // The after-life of a socket whose final counters were already counted (a TCP socket in
    // TIME_WAIT, listed again without counters): it owns its flow, but adds nothing.
    bool epilogue = false;
    // Reported by an incremental source: present until its final record, listed or not.
    bool persistent = false;
    // Counted in the census (per-owner, per-remote and listening-port counts) as of `owner`,
    // `key` and `state`: true exactly while the socket is present, after each tick.
    bool counted = false;
    // Position in the tick's `touched` list, valid while touched_tick is the current tick.
    std::uint32_t touched_pos = 0;
    std::uint64_t inode = 0;
    std::uint64_t cookie = 0;
    ProcessId owner;
    std::uint64_t prev_rx = 0;
    std::uint64_t prev_tx = 0;
    // Bytes credited to the unattributed bucket while the owner was not known yet; they move
    // to the owner once it is (a new process is mapped a poll or two after its first bytes).
    std::uint64_t orphan_rx = 0;
    std::uint64_t orphan_tx = 0;
    Clock::time_point first_seen{};
    Clock::time_point last_seen{};
    std::uint64_t seen_seq = 0;  // tick of the last live observation
    std::uint64_t touched_tick = 0;
    // The tick up to which `traffic`'s averages are closed: the ticks after it gave the socket
    // no bytes, so their decay is applied when it next gets some or is read (lazily).
    Clock::time_point ema_at{};
    TrafficState traffic;
    // An unconnected UDP socket's peers (null for every other socket: most have none).
    std::unique_ptr<UdpPeerBook> peers;
};

struct FlowEntry {
    std::uint64_t prev_rx = 0;
    std::uint64_t prev_tx = 0;
    Clock::time_point last_seen{};
    std::uint64_t seen_seq = 0;
};

struct ProcessEntry {
    ProcessEntry(double alpha, std::size_t history_points)
        : traffic(alpha), history(history_points) {}

    ProcessInfo info;
    TrafficState traffic;
    HistoryRing<double> history;
    Clock::time_point last_seen{};  // last tick it owned a live socket (or was created)
    bool listed = false;            // owns a socket of the latest socket sample
    // How much of traffic.{rx,tx}_bytes its group has been credited with (all of it once the
    // process's group is known; bytes from before that move to the group then).
    std::uint64_t group_rx = 0;
    std::uint64_t group_tx = 0;
};

/// A container or a systemd unit: what groups processes in `Snapshot::groups`.
struct GroupKey {
    std::string kind;  // "container" or "unit"
    std::string name;
    friend bool operator==(const GroupKey&, const GroupKey&) = default;
};

struct GroupKeyHash {
    std::size_t operator()(const GroupKey& key) const noexcept {
        return hash_combine(std::hash<std::string>{}(key.kind), std::hash<std::string>{}(key.name));
    }
};

/// The group of a process: its container if it runs in one, else its systemd unit.
inline std::optional<GroupKey> group_of(const ProcessInfo& info) {
    if (!info.container.empty()) return GroupKey{"container", info.container};
    if (!info.unit.empty()) return GroupKey{"unit", info.unit};
    return std::nullopt;
}

struct GroupEntry {
    explicit GroupEntry(double alpha) : traffic(alpha) {}

    TrafficState traffic;
    Clock::time_point last_seen{};
};

/// Most groups tracked at once (containers and units on one host; beyond it they are
/// counted in core.dropped_groups).
constexpr std::size_t kMaxGroups = 4096;

struct RemoteEntry {
    explicit RemoteEntry(double alpha) : traffic(alpha) {}

    TrafficState traffic;
    Clock::time_point last_seen{};
};

// ---- the census: what the present sockets add up to, kept as sockets come, change and go,
// so a tick costs what changed, not what exists. Each is bounded by the socket table.

/// Present sockets of one owner.
struct OwnerCount {
    std::uint32_t listening = 0;
    std::uint32_t connections = 0;
};

/// Present connections to one remote host, and their owners with how many each.
struct RemoteCount {
    std::uint32_t connections = 0;
    std::vector<std::pair<ProcessId, std::uint32_t>> owners;
};

/// A listening port of the snapshot (TCP LISTEN, unconnected UDP with a port), ordered as
/// Snapshot::listen_ports is.
struct PortKey {
    std::uint16_t port = 0;
    Proto proto = Proto::Unknown;
    IpAddr addr;
    ProcessId owner;
    friend bool operator<(const PortKey& a, const PortKey& b) {
        return std::tie(a.port, a.proto, a.addr, a.owner) <
               std::tie(b.port, b.proto, b.addr, b.owner);
    }
};

inline bool is_listed_port(const SocketKey& key, SocketState state) {
    return (state == SocketState::Listen && key.proto == Proto::Tcp) ||
           (is_unconnected_udp(key, state) && key.local.port != 0);
}

struct InterfaceEntry {
    explicit InterfaceEntry(double alpha) : traffic(alpha) {}

    std::uint64_t prev_rx = 0;
    std::uint64_t prev_tx = 0;
    TrafficState traffic;
    Clock::time_point last_update{};
};

struct ClosedEntry {
    ProcessId owner;
    bool has_bytes = false;  // its own counters already covered its bytes
    Clock::time_point closed_at{};
    std::uint64_t generation = 0;
};

/// Unconnected UDP sockets are found by namespace and local port.
// Sockets that take flows by local port (unconnected UDP) or, for IP protocols without ports
// (ICMP ping sockets, raw sockets), by protocol alone: port 0.
struct UdpPortKey {
    std::uint64_t netns = 0;
    std::uint16_t port = 0;
    Proto proto = Proto::Udp;
    friend bool operator==(const UdpPortKey&, const UdpPortKey&) = default;
};

struct UdpPortKeyHash {
    std::size_t operator()(const UdpPortKey& key) const noexcept {
        return hash_combine(mix64(key.netns),
                            key.port | (static_cast<std::size_t>(key.proto) << 16));
    }
};

// Protocols whose flows carry no ports: a socket of one takes every flow of its protocol on
// its local address (or any, when unbound).
inline bool portless(Proto proto) {
    return proto != Proto::Tcp && proto != Proto::Udp && proto != Proto::Sctp &&
           proto != Proto::Unknown;
}

inline UdpPortKey port_key(const SocketKey& key) {
    return portless(key.proto) ? UdpPortKey{key.netns, 0, key.proto}
                               : UdpPortKey{key.netns, key.local.port, Proto::Udp};
}

struct FlowDelta {
    const SocketKey* key;
    std::uint64_t rx;
    std::uint64_t tx;
};

}  // namespace aggregator_detail

using namespace aggregator_detail;

struct Aggregator::State {
    explicit State(AggregatorConfig cfg)
        : config(cfg),
          unattributed(cfg.ema_alpha),
          totals(cfg.ema_alpha),
          rx_history(cfg.system_history),
          tx_history(cfg.system_history) {}

    AggregatorConfig config;
    NameResolver* resolver = nullptr;
    const SocketDemand* demand = nullptr;  // null: every socket list
    // Names looked up while building one snapshot: one resolver call per address.
    mutable std::unordered_map<IpAddr, std::string, IpAddrHash> names;
    mutable IpAddr last_name_addr;                   // the last name_of() lookup
    mutable const std::string* last_name = nullptr;  // into `names`
    std::uint64_t next_seq = 0;
    Clock::time_point last_now{};
    Clock::time_point now{};

    // Walked several times per tick: slots in chunks, not one heap node per socket.
    using SocketTable = SlotTable<SocketId, SocketEntry, SocketIdHash>;
    SocketTable sockets;
    std::unordered_map<SocketKey, FlowEntry, SocketKeyHash> flows;
    std::unordered_map<ProcessId, ProcessEntry, ProcessIdHash> processes;
    std::unordered_map<GroupKey, GroupEntry, GroupKeyHash> groups;
    std::unordered_map<IpAddr, RemoteEntry, IpAddrHash> remotes;
    std::unordered_map<std::string, InterfaceEntry> interfaces;
    std::unordered_map<SocketKey, ClosedEntry, SocketKeyHash> closed;
    std::deque<std::pair<SocketKey, std::uint64_t>> closed_order;  // FIFO for bound and expiry
    std::uint64_t closed_generation = 0;

    TrafficState unattributed;
    TrafficState totals;
    HistoryRing<double> rx_history;
    HistoryRing<double> tx_history;

    bool have_socket_sample = false;
    std::uint64_t last_socket_seq = 0;
    std::vector<std::string> prev_socket_sources;
    // The flags of the last interface sample; its counters live in `interfaces`.
    struct LatestInterface {
        std::string name;
        bool up = false;
        bool default_route = false;
    };
    std::vector<LatestInterface> latest_interfaces;

    // Rebuilt lazily once per tick (only when flows or cookie-less closed records need them).
    bool indexes_built = false;
    using SocketNode = std::pair<const SocketId, SocketEntry>;
    std::unordered_map<SocketKey, SocketNode*, SocketKeyHash> key_index;
    std::unordered_map<UdpPortKey, std::vector<SocketEntry*>, UdpPortKeyHash> udp_index;

    std::uint64_t dropped_sockets = 0;
    std::uint64_t evicted_sockets = 0;
    std::uint64_t dropped_flows = 0;
    std::uint64_t evicted_flows = 0;
    std::uint64_t dropped_processes = 0;
    std::uint64_t dropped_groups = 0;
    std::uint64_t dropped_remote_hosts = 0;
    std::uint64_t dropped_interfaces = 0;
    std::uint64_t evicted_closed = 0;
    std::uint64_t counter_resets = 0;
    std::uint64_t forwarded_bytes = 0;  // routed copies of another namespace's socket's bytes
    bool have_persistent = false;       // some socket came from an incremental source

    // The census (see OwnerCount): updated by count_socket() as sockets change.
    std::unordered_map<ProcessId, OwnerCount, ProcessIdHash> owner_census;
    std::unordered_map<IpAddr, RemoteCount, IpAddrHash> remote_census;
    std::map<PortKey, std::uint32_t> port_census;
    // Unconnected UDP sockets with peers (note_peer), for the snapshot's peer labels.
    std::unordered_set<const SocketEntry*> peer_sockets;

    // Sockets observed, given flow bytes or changed in this tick (null: erased since); a tick
    // whose sockets all come from incremental sources settles only these.
    std::vector<SocketEntry*> touched;
    std::uint64_t tick_number = 0;  // ticks ingested, this one included
    // Orphaned bytes whose owner is known but has no process entry (table full): retried.
    std::vector<SocketEntry*> carried;
    // This tick lists sockets from a source that is not incremental, so any socket may have
    // gone: the whole table is walked.
    bool walk_all = true;
    // Every socket in the table is persistent (found by the last walk of the whole table,
    // kept since: incremental ticks add only persistent sockets).
    bool all_persistent = false;
    Clock::time_point prev_now{};  // the previous tick (this one's, on the first)

    void touch(SocketEntry& e) {
        if (e.touched_tick == tick_number) return;
        e.touched_tick = tick_number;
        e.touched_pos = static_cast<std::uint32_t>(touched.size());
        touched.push_back(&e);
    }

    /// Adds (sign +1) or removes (-1) what a socket counts for in the census.
    void count_socket(const SocketEntry& e, int sign);

    /// Takes a socket out of the census before its owner, key or state change.
    void uncount(SocketEntry& e) {
        if (e.counted) {
            count_socket(e, -1);
            e.counted = false;
        }
    }

    /// Counts a socket in the census while it is present, and only then.
    void sync_count(SocketEntry& e) {
        const bool want = present(e);
        if (want != e.counted) {
            count_socket(e, want ? 1 : -1);
            e.counted = want;
        }
    }

    /// Erases a socket and everything that refers to it; returns the next slot.
    SocketTable::iterator erase_socket(SocketTable::iterator it);

    /// A socket's traffic as of this tick: averages decayed over the ticks since ema_at.
    Traffic socket_traffic(const SocketEntry& e) const {
        if (e.ema_at >= now) return e.traffic.traffic();
        TrafficState t = e.traffic;
        t.idle(seconds_between(e.ema_at, now));
        return t.traffic();
    }

    /// Closes this tick for a socket that got bytes: first the decay of the ticks since its
    /// averages were last closed, then this tick's bytes.
    void close_socket_tick(SocketEntry& e, double dt, double w) {
        if (e.ema_at < prev_now) e.traffic.idle(seconds_between(e.ema_at, prev_now));
        e.traffic.close_tick(dt, w);
        e.ema_at = now;
    }

    bool present(const SocketEntry& e) const {
        return have_socket_sample && (e.seen_seq == last_socket_seq || e.persistent);
    }

    // ---- tables ---------------------------------------------------------------------------

    ProcessEntry* process_for(const ProcessId& id);

    RemoteEntry* remote_for(const IpAddr& addr);

    /// Credits a socket's tick bytes: to its owner, or to unattributed while the owner is not
    /// known — remembered, so the owner gets them once it is known. Moving them later changes
    /// cumulative bytes only (no rate spike); totals stay what they were.
    void credit_socket(SocketEntry& e, ProcessEntry* p, std::uint64_t rx, std::uint64_t tx);

    const std::string& name_of(const IpAddr& addr) const {
        // Many connections in a row go to one remote: one lookup per run of them.
        if (last_name != nullptr && last_name_addr == addr) return *last_name;
        auto [it, inserted] = names.try_emplace(addr);
        if (inserted && resolver != nullptr) it->second = resolver->name_of(addr);
        last_name_addr = addr;
        last_name = &it->second;
        return it->second;
    }

    void forget_names() {
        names.clear();
        last_name = nullptr;
    }

    /// Credits bytes to an owner (or the unattributed bucket) and, for a socket with a
    /// peer, to the remote host. Every byte the core counts passes here exactly once,
    /// which is what makes totals == processes + unattributed hold exactly.
    void attribute(ProcessEntry* process, const SocketKey& key, bool credit_remote,
                   std::uint64_t rx, std::uint64_t tx);

    void remember_closed(const SocketKey& key, const ProcessId& owner, bool has_bytes);

    // The FIFO keeps superseded records of keys closed again; drop them so it stays bounded.
    void compact_closed_order();

    // Pops the FIFO front; entries re-remembered later have a newer generation and stay.
    void pop_oldest_closed();

    void build_indexes();

    bool better_match(const SocketEntry& a, const SocketEntry& b) const {
        if (present(a) != present(b)) {
            return present(a);
        }
        return a.last_seen > b.last_seen;
    }

    void unindex(SocketEntry* e);

    // Makes room for `incoming` sockets by evicting sockets that were already gone from the
    // previous sample, oldest first. Live sockets are never evicted.
    void make_room_for_sockets(std::size_t incoming);

    void make_room_for_flows(std::size_t incoming, std::uint64_t last_flow_seq);

    // ---- the steps of a tick --------------------------------------------------------------

    SocketEntry* observe_socket(const SocketObs& obs, bool baseline, std::uint64_t seq);

    // A final record matched by 5-tuple must not contradict what is known of the socket:
    // a reused 5-tuple (a new socket) has another cookie or inode.
    static bool may_be_same(const SocketEntry& e, const SocketObs& obs) {
        const bool cookie_ok = obs.cookie == 0 || e.cookie == 0 || e.cookie == obs.cookie;
        const bool inode_ok = obs.inode == 0 || e.inode == 0 || e.inode == obs.inode;
        return cookie_ok && inode_ok;
    }

    // A TCP socket's after-life (the kernel's time-wait sock, in TIME_WAIT or FIN_WAIT2) can
    // be listed before the final record of the socket it replaced arrives (destroy records
    // are sent from a work queue), and under another cookie: the full socket got its cookie
    // only at destroy. No other socket can hold the 5-tuple while the after-life lingers.
    static bool is_after_life_of(const SocketEntry& e, const SocketObs& obs) {
        return obs.key.proto == Proto::Tcp && e.inode == 0 && !e.has_bytes && !e.epilogue &&
               (e.state == SocketState::TimeWait || e.state == SocketState::FinWait2);
    }

    // The final record of the socket whose after-life `e` already took the flow bytes on its
    // tuple: only what the counters show beyond them is credited, and `e` adds nothing more.
    void close_into_after_life(SocketEntry& e, const SocketObs& obs, bool baseline);

    void apply_closed(const SocketObs& obs, bool baseline);

    void observe_sockets(const TickInput& tick, std::uint64_t seq);

    // The unconnected UDP socket, or the ping/raw socket, that takes a flow without a socket
    // of its own 5-tuple.
    SocketEntry* port_owner_for(const SocketKey& flow);

    // Remembers `remote` as a peer of the unconnected UDP socket `e` (which took its flow).
    void note_peer(SocketEntry& e, const Endpoint& remote);

    void join_flows(const TickInput& tick, std::uint64_t seq, std::uint64_t& last_flow_seq);

    void observe_interfaces(const TickInput& tick);

    /// Moves a process's bytes not yet credited to its group there (this tick's, and on the
    /// tick its group becomes known, all before). Groups never lose bytes when a process goes.
    void credit_group(ProcessEntry& p);

    void aggregate(const TickInput& tick, std::uint64_t seq, double dt);

    // Entries last seen at or before this are stale. Compared as time points: expiry looks at
    // every entry every tick.
    Clock::time_point stale_cutoff() const {
        return now - std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(std::clamp(config.stale_after_s, 0.0, 1e9)));
    }

    // Something seen in this very tick is never stale, whatever the configured age.
    bool expired(Clock::time_point last_seen, Clock::time_point cutoff) const {
        return last_seen <= cutoff && last_seen < now;
    }

    // Sockets are expired in aggregate().
    void expire();

    /// Snapshot::groups: every group seen lately with its traffic, and the processes and
    /// connections of the snapshot's processes in it. Sorted like processes, by rate.
    void build_groups(Snapshot& snap) const;

    void build_interfaces(Snapshot& snap) const;
    void build_processes(Snapshot& snap) const;
    /// Fills the socket lists of the processes in `wanted` (owner -> index in
    /// snap.processes), each sorted.
    using ProcessIndex = std::unordered_map<ProcessId, std::size_t, ProcessIdHash>;
    void fill_socket_lists(Snapshot& snap, const ProcessIndex& wanted) const;
    void build_remote_hosts(Snapshot& snap) const;
    void build_counters(const TickInput& tick, Snapshot& snap) const;
    std::shared_ptr<const Snapshot> build_snapshot(const TickInput& tick, std::uint64_t seq,
                                                   double dt) const;

    std::uint64_t last_flow_seq = 0;
};

}  // namespace sstop::core
