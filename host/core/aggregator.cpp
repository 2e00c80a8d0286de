// The core aggregator. One ingest per tick, on the collector thread:
//   1. live socket observations: per-socket deltas from cumulative counters;
//   2. closed-socket final records: last delta, credited to the owner, then forgotten
//      (a bounded "recently closed" memory keeps the owner for late flow bytes);
//   3. flow counters: per-flow deltas, joined to sockets that have no counters of their own;
//   4. interface counters;
//   5. per-entity sums of the tick's deltas feed each entity's own EMA (so a socket that
//      closes does not make its process's rate jump), histories;
//   6. stale expiry, then an immutable snapshot.
//
// Baselines: a socket source's first sample (at start-up, or when a source takes over after
// a fail-over) only sets baselines; a socket first seen later was born since and its whole
// counter is new traffic. Flows follow the same rule with the first tick as the baseline
// (flow counters start with the capture). Interfaces always baseline on first sight (kernel
// counters run since boot).
//
// Bounds: when a table is full, sockets and flows that are already gone (absent from the
// latest sample) are evicted oldest-first to make room; if the live ones alone fill the
// table, new entries are not tracked and are counted in `core.dropped_*`. Processes and
// remote hosts beyond their bound are not tracked either (their bytes go to unattributed /
// stay only in the process totals). Recently-closed memory is a FIFO of max_sockets entries.

#include "core/aggregator.hpp"

#include <algorithm>
#include <deque>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstop/format.hpp>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/history_ring.hpp"
#include "core/keys.hpp"
#include "core/rate_ema.hpp"
#include "core/slot_table.hpp"
#include "core/snapshot_order.hpp"
#include "core/udp_peers.hpp"

namespace sstop::core {
namespace {

using Clock = std::chrono::steady_clock;

// Interfaces are few; the bound only guards against a broken source.
constexpr std::size_t kMaxInterfaces = 4096;
// Socket sources remembered for the baseline rule; there are only a handful.
constexpr std::size_t kMaxSocketSources = 64;

double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

/// Delta of a cumulative counter. A counter that went backwards was reset (socket reused,
/// source restarted): the delta is 0 and the new value is the baseline, never a spike.
std::uint64_t counter_delta(std::uint64_t& prev, std::uint64_t cur, std::uint64_t& resets) {
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

    Traffic traffic() const { return Traffic{rx_ema.value(), tx_ema.value(), rx_bytes, tx_bytes}; }
    double rate() const { return rx_ema.value() + tx_ema.value(); }

    RateEma rx_ema;
    RateEma tx_ema;
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_bytes = 0;
    std::uint64_t tick_rx = 0;
    std::uint64_t tick_tx = 0;
};

struct SocketEntry {
    explicit SocketEntry(double alpha) : traffic(alpha) {}

    SocketKey key;
    SocketState state = SocketState::Unknown;
    std::uint64_t inode = 0;
    std::uint64_t cookie = 0;
    ProcessId owner;
    bool has_bytes = false;       // the latest observation carried counters
    bool counters_known = false;  // prev_* is a valid baseline
    bool measured = false;        // counters or a matched flow have measured it
    // The after-life of a socket whose final counters were already counted (a TCP socket in
    // TIME_WAIT, listed again without counters): it owns its flow, but adds nothing.
    bool epilogue = false;
    // Reported by an incremental source: present until its final record, listed or not.
    bool persistent = false;
    std::uint64_t prev_rx = 0;
    std::uint64_t prev_tx = 0;
    // Bytes credited to the unattributed bucket while the owner was not known yet; they move
    // to the owner once it is (a new process is mapped a poll or two after its first bytes).
    std::uint64_t orphan_rx = 0;
    std::uint64_t orphan_tx = 0;
    Clock::time_point first_seen{};
    Clock::time_point last_seen{};
    std::uint64_t seen_seq = 0;  // tick of the last live observation
    TrafficState traffic;
    // An unconnected UDP socket's peers: the remote ends of the flows it took, and when each
    // last moved bytes. Bound: kMaxUdpPeersPerSocket; a peer beyond it is counted, not kept.
    std::map<Endpoint, Clock::time_point> peers;
    std::uint64_t peers_dropped = 0;
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
std::optional<GroupKey> group_of(const ProcessInfo& info) {
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
    std::uint32_t connections = 0;  // live connections this tick
    std::vector<ProcessId> owners;  // owners of those connections, this tick
};

// Owners of a remote host's connections are looked up in its list while it is this short.
constexpr std::size_t kOwnerScan = 32;

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
bool portless(Proto proto) {
    return proto != Proto::Tcp && proto != Proto::Udp && proto != Proto::Sctp &&
           proto != Proto::Unknown;
}

UdpPortKey port_key(const SocketKey& key) {
    return portless(key.proto) ? UdpPortKey{key.netns, 0, key.proto}
                               : UdpPortKey{key.netns, key.local.port, Proto::Udp};
}

struct FlowDelta {
    const SocketKey* key;
    std::uint64_t rx;
    std::uint64_t tx;
};

}  // namespace

struct Aggregator::State {
    explicit State(AggregatorConfig cfg)
        : config(cfg),
          unattributed(cfg.ema_alpha),
          totals(cfg.ema_alpha),
          rx_history(cfg.system_history),
          tx_history(cfg.system_history) {}

    AggregatorConfig config;
    NameResolver* resolver = nullptr;
    // Names looked up while building one snapshot: one resolver call per address.
    mutable std::unordered_map<IpAddr, std::string, IpAddrHash> names;
    mutable IpAddr last_name_addr;                   // the last name_of() lookup
    mutable const std::string* last_name = nullptr;  // into `names`
    std::uint64_t next_seq = 0;
    Clock::time_point last_now{};
    Clock::time_point now{};

    // Walked several times per tick: slots in chunks, not one heap node per socket.
    SlotTable<SocketId, SocketEntry, SocketIdHash> sockets;
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

    bool present(const SocketEntry& e) const {
        return have_socket_sample && (e.seen_seq == last_socket_seq || e.persistent);
    }

    // ---- tables ---------------------------------------------------------------------------

    ProcessEntry* process_for(const ProcessId& id) {
        if (id.pid == 0) {
            return nullptr;
        }
        auto it = processes.find(id);
        if (it != processes.end()) {
            return &it->second;
        }
        if (processes.size() >= config.max_processes) {
            ++dropped_processes;
            return nullptr;
        }
        it = processes.try_emplace(id, config.ema_alpha, config.process_history).first;
        it->second.info.id = id;
        it->second.last_seen = now;
        return &it->second;
    }

    RemoteEntry* remote_for(const IpAddr& addr) {
        auto it = remotes.find(addr);
        if (it != remotes.end()) {
            return &it->second;
        }
        if (remotes.size() >= config.max_remote_hosts) {
            ++dropped_remote_hosts;
            return nullptr;
        }
        it = remotes.try_emplace(addr, config.ema_alpha).first;
        it->second.last_seen = now;
        return &it->second;
    }

    /// Credits a socket's tick bytes: to its owner, or to unattributed while the owner is not
    /// known — remembered, so the owner gets them once it is known. Moving them later changes
    /// cumulative bytes only (no rate spike); totals stay what they were.
    void credit_socket(SocketEntry& e, ProcessEntry* p, std::uint64_t rx, std::uint64_t tx) {
        if (p == nullptr) {
            e.orphan_rx += rx;
            e.orphan_tx += tx;
        } else if (e.orphan_rx != 0 || e.orphan_tx != 0) {
            const std::uint64_t orx = std::min(e.orphan_rx, unattributed.rx_bytes);
            const std::uint64_t otx = std::min(e.orphan_tx, unattributed.tx_bytes);
            unattributed.rx_bytes -= orx;
            unattributed.tx_bytes -= otx;
            p->traffic.rx_bytes += orx;
            p->traffic.tx_bytes += otx;
            p->last_seen = now;
            e.orphan_rx = 0;
            e.orphan_tx = 0;
        }
        attribute(p, e.key, true, rx, tx);
    }

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
                   std::uint64_t rx, std::uint64_t tx) {
        if (rx == 0 && tx == 0) {
            return;
        }
        if (process != nullptr) {
            process->traffic.add(rx, tx);
            // Traffic keeps a process listed (and its bytes in the books) until it has been
            // quiet for stale_after, even when it has no socket left: a process that exits
            // right after a transfer still shows what it moved.
            process->last_seen = now;
        } else {
            unattributed.add(rx, tx);
        }
        totals.add(rx, tx);
        if (credit_remote && !remote_unset(key)) {
            if (RemoteEntry* remote = remote_for(key.remote.addr)) {
                remote->traffic.add(rx, tx);
            }
        }
    }

    void remember_closed(const SocketKey& key, const ProcessId& owner, bool has_bytes) {
        auto it = closed.find(key);
        if (it == closed.end()) {
            while (!closed.empty() && !closed_order.empty() &&
                   closed.size() >= config.max_sockets) {
                pop_oldest_closed();
                ++evicted_closed;
            }
            if (config.max_sockets == 0) {
                return;
            }
            it = closed.try_emplace(key).first;
        }
        it->second.owner = owner;
        it->second.has_bytes = has_bytes;
        it->second.closed_at = now;
        it->second.generation = ++closed_generation;
        closed_order.emplace_back(key, it->second.generation);
        if (closed_order.size() > 2 * config.max_sockets + 16) {
            compact_closed_order();
        }
    }

    // The FIFO keeps superseded records of keys closed again; drop them so it stays bounded.
    void compact_closed_order() {
        std::deque<std::pair<SocketKey, std::uint64_t>> kept;
        for (const auto& item : closed_order) {
            auto it = closed.find(item.first);
            if (it != closed.end() && it->second.generation == item.second) {
                kept.push_back(item);
            }
        }
        closed_order.swap(kept);
    }

    // Pops the FIFO front; entries re-remembered later have a newer generation and stay.
    void pop_oldest_closed() {
        while (!closed_order.empty()) {
            auto [key, generation] = closed_order.front();
            closed_order.pop_front();
            auto it = closed.find(key);
            if (it != closed.end() && it->second.generation == generation) {
                closed.erase(it);
                return;
            }
        }
    }

    void build_indexes() {
        if (indexes_built) {
            return;
        }
        indexes_built = true;
        key_index.reserve(sockets.size());
        for (auto& node : sockets) {
            SocketEntry* e = &node.second;
            auto [it, inserted] = key_index.try_emplace(e->key, &node);
            // One key, several sockets (a reused 5-tuple, reuseport listeners): the one in the
            // latest sample wins, then the most recently seen.
            if (!inserted && better_match(*e, it->second->second)) {
                it->second = &node;
            }
            if ((is_unconnected_udp(e->key, e->state) && e->key.local.port != 0) ||
                portless(e->key.proto)) {
                udp_index[port_key(e->key)].push_back(e);
            }
        }
    }

    bool better_match(const SocketEntry& a, const SocketEntry& b) const {
        if (present(a) != present(b)) {
            return present(a);
        }
        return a.last_seen > b.last_seen;
    }

    void unindex(SocketEntry* e) {
        if (!indexes_built) {
            return;
        }
        auto it = key_index.find(e->key);
        if (it != key_index.end() && &it->second->second == e) {
            key_index.erase(it);
        }
        auto uit = udp_index.find(port_key(e->key));
        if (uit != udp_index.end()) {
            auto& v = uit->second;
            v.erase(std::remove(v.begin(), v.end(), e), v.end());
        }
    }

    // Makes room for `incoming` sockets by evicting sockets that were already gone from the
    // previous sample, oldest first. Live sockets are never evicted.
    void make_room_for_sockets(std::size_t incoming) {
        if (sockets.size() + incoming <= config.max_sockets) {
            return;
        }
        std::size_t need = sockets.size() + incoming - config.max_sockets;
        std::vector<std::pair<Clock::time_point, SocketId>> absent;
        for (const auto& [id, e] : sockets) {
            if (!present(e)) {
                absent.emplace_back(e.last_seen, id);
            }
        }
        need = std::min(need, absent.size());
        auto by_age = [](const auto& a, const auto& b) { return a.first < b.first; };
        if (need < absent.size()) {
            std::nth_element(absent.begin(), absent.begin() + static_cast<std::ptrdiff_t>(need),
                             absent.end(), by_age);
        }
        for (std::size_t i = 0; i < need; ++i) {
            sockets.erase(absent[i].second);
        }
        evicted_sockets += need;
    }

    void make_room_for_flows(std::size_t incoming, std::uint64_t last_flow_seq) {
        if (flows.size() + incoming <= config.max_flows) {
            return;
        }
        std::size_t need = flows.size() + incoming - config.max_flows;
        std::vector<std::pair<Clock::time_point, SocketKey>> absent;
        for (const auto& [key, f] : flows) {
            if (f.seen_seq != last_flow_seq) {
                absent.emplace_back(f.last_seen, key);
            }
        }
        need = std::min(need, absent.size());
        auto by_age = [](const auto& a, const auto& b) { return a.first < b.first; };
        if (need < absent.size()) {
            std::nth_element(absent.begin(), absent.begin() + static_cast<std::ptrdiff_t>(need),
                             absent.end(), by_age);
        }
        for (std::size_t i = 0; i < need; ++i) {
            flows.erase(absent[i].second);
        }
        evicted_flows += need;
    }

    // ---- the steps of a tick --------------------------------------------------------------

    SocketEntry* observe_socket(const SocketObs& obs, bool baseline, std::uint64_t seq) {
        const SocketId id = socket_id(obs);
        auto it = sockets.find(id);
        if (it == sockets.end()) {
            if (sockets.size() >= config.max_sockets) {
                ++dropped_sockets;
                return nullptr;
            }
            it = sockets.try_emplace(id, config.ema_alpha).first;
            SocketEntry& e = it->second;
            e.first_seen = now;
            // Born after its source started reporting: everything it counted is new traffic.
            e.counters_known = !baseline;
            if (auto cit = closed.find(obs.key); cit != closed.end() && cit->second.has_bytes) {
                // Its final record was counted already (5-tuples are not reused while the
                // old socket lingers): whatever it shows now is a baseline, not traffic.
                e.epilogue = true;
                e.counters_known = false;
                if (e.owner.pid == 0) e.owner = cit->second.owner;
            }
        }
        SocketEntry& e = it->second;
        e.key = obs.key;
        e.state = obs.state;
        if (obs.inode != 0) {
            e.inode = obs.inode;
        }
        if (obs.cookie != 0) {
            e.cookie = obs.cookie;
        }
        if (obs.owner.pid != 0) {
            e.owner = obs.owner;
        }
        if (obs.has_bytes) {
            if (e.counters_known) {
                const std::uint64_t rx = counter_delta(e.prev_rx, obs.rx_bytes, counter_resets);
                const std::uint64_t tx = counter_delta(e.prev_tx, obs.tx_bytes, counter_resets);
                e.traffic.add(rx, tx);
            } else {
                e.prev_rx = obs.rx_bytes;
                e.prev_tx = obs.tx_bytes;
                e.counters_known = true;
            }
            e.has_bytes = true;
            e.measured = true;
        } else if (e.epilogue) {
            e.has_bytes = true;  // its counters covered it; a flow on its tuple is not new
        } else {
            // Without counters now, the old baseline would later swallow bytes that flows
            // already counted.
            e.has_bytes = false;
            e.counters_known = false;
            e.prev_rx = 0;
            e.prev_tx = 0;
        }
        e.last_seen = now;
        e.seen_seq = seq;
        return &e;
    }

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
    void close_into_after_life(SocketEntry& e, const SocketObs& obs, bool baseline) {
        const ProcessId owner = obs.owner.pid != 0 ? obs.owner : e.owner;
        std::uint64_t rx = 0;
        std::uint64_t tx = 0;
        if (obs.has_bytes && !baseline) {
            // Flow bytes credited to `e` so far, its unattributed ones included.
            const std::uint64_t seen_rx = e.traffic.rx_bytes + e.traffic.tick_rx;
            const std::uint64_t seen_tx = e.traffic.tx_bytes + e.traffic.tick_tx;
            rx = obs.rx_bytes > seen_rx ? obs.rx_bytes - seen_rx : 0;
            tx = obs.tx_bytes > seen_tx ? obs.tx_bytes - seen_tx : 0;
        }
        // The record may name the owner the after-life lacked: its orphaned bytes move too.
        credit_socket(e, owner.pid != 0 ? process_for(owner) : nullptr, rx, tx);
        if (e.owner.pid == 0) e.owner = owner;
        e.epilogue = true;
        e.has_bytes = true;  // a flow on its tuple is not new (see observe_socket)
        remember_closed(e.key, owner, obs.has_bytes);
    }

    void apply_closed(const SocketObs& obs, bool baseline) {
        auto it = sockets.find(socket_id(obs));
        if (it == sockets.end()) {
            // The final record may lack what the live dumps had (inode 0): fall back to the
            // 5-tuple of a known socket.
            build_indexes();
            if (auto kit = key_index.find(obs.key);
                kit != key_index.end() && may_be_same(kit->second->second, obs)) {
                it = sockets.find(kit->second->first);
            } else if (kit != key_index.end() && is_after_life_of(kit->second->second, obs)) {
                close_into_after_life(kit->second->second, obs, baseline);
                return;
            }
        }
        if (it == sockets.end()) {
            // Born and gone between two ticks.
            std::uint64_t rx = 0;
            std::uint64_t tx = 0;
            if (obs.has_bytes && !baseline) {
                rx = obs.rx_bytes;
                tx = obs.tx_bytes;
            }
            attribute(process_for(obs.owner), obs.key, true, rx, tx);
            remember_closed(obs.key, obs.owner, obs.has_bytes);
            return;
        }
        SocketEntry& e = it->second;
        if (obs.has_bytes && e.counters_known) {
            const std::uint64_t rx = counter_delta(e.prev_rx, obs.rx_bytes, counter_resets);
            const std::uint64_t tx = counter_delta(e.prev_tx, obs.tx_bytes, counter_resets);
            e.traffic.add(rx, tx);
        }
        const ProcessId owner = obs.owner.pid != 0 ? obs.owner : e.owner;
        // The socket leaves now, so its last bytes are credited directly instead of in the
        // per-socket pass of this tick.
        credit_socket(e, owner.pid != 0 ? process_for(owner) : nullptr, e.traffic.tick_rx,
                      e.traffic.tick_tx);
        remember_closed(e.key, owner, e.has_bytes || obs.has_bytes);
        unindex(&e);
        sockets.erase(it);
    }

    void observe_sockets(const TickInput& tick, std::uint64_t seq) {
        std::size_t incoming = 0;
        bool any = false;
        for (const auto& sample : tick.samples) {
            if (sample.has_sockets) {
                any = true;
                incoming += sample.sockets.size();
            }
        }
        std::vector<std::string> sources_now;
        std::vector<bool> baseline(tick.samples.size(), false);
        for (std::size_t i = 0; i < tick.samples.size(); ++i) {
            const auto& source = tick.samples[i].source;
            // A source that did not report sockets in the previous tick starts with a
            // baseline: its existing sockets are not new traffic (start-up, fail-over).
            baseline[i] = std::find(prev_socket_sources.begin(), prev_socket_sources.end(),
                                    source) == prev_socket_sources.end();
            if (tick.samples[i].has_sockets && sources_now.size() < kMaxSocketSources &&
                std::find(sources_now.begin(), sources_now.end(), source) == sources_now.end()) {
                sources_now.push_back(source);
            }
        }
        // Final records go first: a socket that closed and lingers (TIME_WAIT, listed again
        // without counters) must be counted from its final record before its after-life is
        // observed, or the last bytes would be lost or counted twice.
        for (std::size_t i = 0; i < tick.samples.size(); ++i) {
            const auto& sample = tick.samples[i];
            // Final records in a sample without a socket list (events only) have no start-up
            // baseline of their own: only the first tick is one.
            const bool closed_baseline = seq == 0 || (sample.has_sockets && baseline[i]);
            for (const auto& obs : sample.sockets) {
                if (obs.closed) {
                    apply_closed(obs, closed_baseline);
                }
            }
        }
        // The live pass adds sockets: indexes built for final records would miss them.
        key_index.clear();
        udp_index.clear();
        indexes_built = false;
        if (any) {
            make_room_for_sockets(incoming);
            for (std::size_t i = 0; i < tick.samples.size(); ++i) {
                const auto& sample = tick.samples[i];
                if (!sample.has_sockets) {
                    continue;
                }
                const bool incremental =
                    std::find(tick.incremental_sources.begin(), tick.incremental_sources.end(),
                              sample.source) != tick.incremental_sources.end();
                if (!incremental && have_persistent) {
                    // The incremental source is gone (fail-over): its sockets leave with it.
                    for (auto& [id, e] : sockets) e.persistent = false;
                    have_persistent = false;
                }
                for (const auto& obs : sample.sockets) {
                    if (!obs.closed) {
                        SocketEntry* e = observe_socket(obs, baseline[i], seq);
                        if (e != nullptr && incremental) {
                            e->persistent = true;
                            have_persistent = true;
                        }
                    }
                }
            }
            have_socket_sample = true;
            last_socket_seq = seq;
            prev_socket_sources = std::move(sources_now);
        }
    }

    // The unconnected UDP socket, or the ping/raw socket, that takes a flow without a socket
    // of its own 5-tuple.
    SocketEntry* port_owner_for(const SocketKey& flow) {
        auto it = udp_index.find(port_key(flow));
        if (it == udp_index.end()) {
            return nullptr;
        }
        SocketEntry* exact = nullptr;
        SocketEntry* wildcard = nullptr;
        for (SocketEntry* e : it->second) {
            if (e->key.local.addr == flow.local.addr) {
                if (exact == nullptr || better_match(*e, *exact)) {
                    exact = e;
                }
            } else if (is_wildcard(e->key.local.addr)) {
                if (wildcard == nullptr || better_match(*e, *wildcard)) {
                    wildcard = e;
                }
            }
        }
        return exact != nullptr ? exact : wildcard;
    }

    // Remembers `remote` as a peer of the unconnected UDP socket `e` (which took its flow).
    void note_peer(SocketEntry& e, const Endpoint& remote) {
        if (remote.addr.family == Family::None) return;
        if (auto it = e.peers.find(remote); it != e.peers.end()) {
            it->second = now;
            return;
        }
        if (e.peers.size() >= kMaxUdpPeersPerSocket) {
            const auto cutoff = stale_cutoff();
            std::erase_if(e.peers, [&](const auto& p) { return expired(p.second, cutoff); });
        }
        if (e.peers.size() >= kMaxUdpPeersPerSocket) {
            ++e.peers_dropped;
            return;
        }
        e.peers.emplace(remote, now);
    }

    void join_flows(const TickInput& tick, std::uint64_t seq, std::uint64_t& last_flow_seq) {
        std::size_t incoming = 0;
        for (const auto& sample : tick.samples) {
            incoming += sample.flows.size();
        }
        if (incoming == 0) {
            return;
        }
        make_room_for_flows(incoming, last_flow_seq);
        last_flow_seq = seq;
        std::vector<FlowDelta> deltas;
        deltas.reserve(incoming);
        for (const auto& sample : tick.samples) {
            for (const auto& flow : sample.flows) {
                auto it = flows.find(flow.key);
                if (it == flows.end()) {
                    if (flows.size() >= config.max_flows) {
                        ++dropped_flows;
                        continue;
                    }
                    it = flows.try_emplace(flow.key).first;
                    if (seq == 0) {  // start-up baseline; later flows are new traffic
                        it->second.prev_rx = flow.rx_bytes;
                        it->second.prev_tx = flow.tx_bytes;
                    }
                }
                FlowEntry& f = it->second;
                const std::uint64_t rx = counter_delta(f.prev_rx, flow.rx_bytes, counter_resets);
                const std::uint64_t tx = counter_delta(f.prev_tx, flow.tx_bytes, counter_resets);
                f.last_seen = now;
                f.seen_seq = seq;
                if (rx != 0 || tx != 0) {
                    deltas.push_back(FlowDelta{&it->first, rx, tx});
                }
            }
        }
        if (deltas.empty()) {
            return;
        }
        build_indexes();
        // Sockets of other namespaces by their tuple, built on the first flow that needs it:
        // sstop's interfaces see a container's routed traffic, which belongs to the socket in
        // the container's namespace. A forwarded packet passes two of our interfaces; the copy
        // in the socket's own orientation counts, the reversed copy is `forwarded`.
        std::optional<std::unordered_map<SocketKey, SocketEntry*, SocketKeyHash>> foreign;
        auto foreign_socket = [&](const SocketKey& k) -> SocketEntry* {
            if (!foreign) {
                foreign.emplace();
                for (auto& node : sockets) {
                    SocketEntry& e = node.second;
                    if (e.key.netns == 0) continue;
                    SocketKey k0 = e.key;
                    k0.netns = 0;
                    auto [it, inserted] = foreign->try_emplace(k0, &e);
                    if (!inserted && better_match(e, *it->second)) it->second = &e;
                }
            }
            auto it = foreign->find(k);
            return it == foreign->end() ? nullptr : it->second;
        };
        for (const auto& d : deltas) {
            const SocketKey& key = *d.key;
            SocketEntry* socket = nullptr;
            if (auto it = key_index.find(key); it != key_index.end()) {
                socket = &it->second->second;
            } else if (key.proto == Proto::Udp || portless(key.proto)) {
                socket = port_owner_for(key);
                if (socket != nullptr && key.proto == Proto::Udp) note_peer(*socket, key.remote);
            }
            if (socket == nullptr && key.netns == 0 && !portless(key.proto) &&
                key.remote.port != 0) {
                socket = foreign_socket(key);
                if (socket == nullptr) {
                    SocketKey reversed = key;
                    std::swap(reversed.local, reversed.remote);
                    if (foreign_socket(reversed) != nullptr) {
                        forwarded_bytes += d.rx + d.tx;
                        continue;
                    }
                }
            }
            if (socket != nullptr) {
                // A socket with its own counters already counted these bytes.
                if (!socket->has_bytes) {
                    socket->traffic.add(d.rx, d.tx);
                    socket->measured = true;
                }
                continue;
            }
            if (auto it = closed.find(key); it != closed.end()) {
                if (!it->second.has_bytes) {
                    attribute(process_for(it->second.owner), key, true, d.rx, d.tx);
                }
                continue;
            }
            attribute(nullptr, key, false, d.rx, d.tx);
        }
    }

    void observe_interfaces(const TickInput& tick) {
        const Sample* latest = nullptr;
        for (const auto& sample : tick.samples) {
            if (sample.has_interfaces) {
                latest = &sample;
            }
        }
        if (latest == nullptr) {
            return;
        }
        latest_interfaces.clear();
        for (const auto& obs : latest->interfaces) {
            auto it = interfaces.find(obs.name);
            if (it == interfaces.end()) {
                if (interfaces.size() >= kMaxInterfaces) {
                    ++dropped_interfaces;
                    continue;
                }
                // Kernel counters run since boot: the first sight is always a baseline.
                it = interfaces.try_emplace(obs.name, config.ema_alpha).first;
                it->second.prev_rx = obs.rx_bytes;
                it->second.prev_tx = obs.tx_bytes;
                it->second.last_update = now;
                latest_interfaces.push_back({obs.name, obs.up, obs.default_route});
                continue;
            }
            InterfaceEntry& e = it->second;
            if (e.last_update == now) {
                continue;  // listed twice in one sample
            }
            const std::uint64_t rx = counter_delta(e.prev_rx, obs.rx_bytes, counter_resets);
            const std::uint64_t tx = counter_delta(e.prev_tx, obs.tx_bytes, counter_resets);
            e.traffic.add(rx, tx);
            // Measured from its own last update, so a tick without an interface sample does
            // not bend its rate.
            e.traffic.close_tick(seconds_between(e.last_update, now));
            e.last_update = now;
            latest_interfaces.push_back({obs.name, obs.up, obs.default_route});
        }
    }

    /// Moves a process's bytes not yet credited to its group there (this tick's, and on the
    /// tick its group becomes known, all before). Groups never lose bytes when a process goes.
    void credit_group(ProcessEntry& p) {
        // Most processes are idle in most ticks: nothing to credit, nothing to keep alive.
        if (!p.listed && p.traffic.rx_bytes == p.group_rx && p.traffic.tx_bytes == p.group_tx) {
            return;
        }
        const std::optional<GroupKey> key = group_of(p.info);
        if (!key) {
            return;
        }
        auto it = groups.find(*key);
        if (it == groups.end()) {
            if (groups.size() >= kMaxGroups) {
                ++dropped_groups;
                return;
            }
            it = groups.try_emplace(*key, config.ema_alpha).first;
        }
        GroupEntry& g = it->second;
        const std::uint64_t rx = p.traffic.rx_bytes - std::min(p.group_rx, p.traffic.rx_bytes);
        const std::uint64_t tx = p.traffic.tx_bytes - std::min(p.group_tx, p.traffic.tx_bytes);
        g.traffic.add(rx, tx);
        p.group_rx = p.traffic.rx_bytes;
        p.group_tx = p.traffic.tx_bytes;
        if (p.listed || rx != 0 || tx != 0) {
            g.last_seen = now;
        }
    }

    void aggregate(const TickInput& tick, std::uint64_t seq, double dt) {
        // Every average here has the configured alpha and this tick's length.
        const double w = RateEma::weight(config.ema_alpha, dt);
        for (auto& [id, p] : processes) {
            p.listed = false;
        }
        for (auto& [addr, r] : remotes) {
            r.connections = 0;
            r.owners.clear();
        }
        const auto cutoff = stale_cutoff();
        ProcessEntry* memo_process = nullptr;
        RemoteEntry* memo_remote = nullptr;
        IpAddr memo_remote_addr;
        for (auto it = sockets.begin(); it != sockets.end();) {
            SocketEntry& e = it->second;
            const bool live = present(e);
            ProcessEntry* p = nullptr;
            if (e.owner.pid != 0 && (live || e.traffic.tick_rx != 0 || e.traffic.tick_tx != 0 ||
                                     e.orphan_rx != 0 || e.orphan_tx != 0)) {
                // Neighbouring slots mostly share an owner: one lookup per run of them.
                if (memo_process == nullptr || !(memo_process->info.id == e.owner)) {
                    memo_process = process_for(e.owner);
                }
                p = memo_process;
            }
            credit_socket(e, p, e.traffic.tick_rx, e.traffic.tick_tx);
            e.traffic.close_tick(dt, w);
            if (!live) {
                // Stale sockets leave here, saving expiry a pass over the biggest table; the
                // late bytes of this tick were credited just above.
                if (expired(e.last_seen, cutoff)) {
                    it = sockets.erase(it);
                } else {
                    ++it;
                }
                continue;
            }
            ++it;
            if (p != nullptr) {
                p->listed = true;
                p->last_seen = now;
            }
            if (is_connected(e.key, e.state)) {
                if (memo_remote == nullptr || !(memo_remote_addr == e.key.remote.addr)) {
                    memo_remote = remote_for(e.key.remote.addr);
                    memo_remote_addr = e.key.remote.addr;
                }
                if (RemoteEntry* r = memo_remote) {
                    ++r->connections;
                    r->last_seen = now;
                    // Thousands of connections usually share a few owners: listed once (a
                    // remote with many owners may list some twice; the snapshot dedupes).
                    if (p != nullptr && (r->owners.size() >= kOwnerScan ||
                                         std::find(r->owners.begin(), r->owners.end(), e.owner) ==
                                             r->owners.end())) {
                        r->owners.push_back(e.owner);
                    }
                }
            }
        }
        for (const auto& sample : tick.samples) {
            for (const auto& info : sample.processes) {
                if (auto it = processes.find(info.id); it != processes.end()) {
                    it->second.info = info;
                }
            }
        }
        for (auto& [id, p] : processes) {
            p.traffic.close_tick(dt, w);
            if (seq > 0) {
                p.history.push(p.traffic.rate());
            }
            credit_group(p);
        }
        for (auto& [key, g] : groups) {
            g.traffic.close_tick(dt, w);
        }
        for (auto& [addr, r] : remotes) {
            r.traffic.close_tick(dt, w);
        }
        unattributed.close_tick(dt, w);
        totals.close_tick(dt, w);
        if (seq > 0) {
            rx_history.push(totals.rx_ema.value());
            tx_history.push(totals.tx_ema.value());
        }
    }

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
    void expire() {
        const auto cutoff = stale_cutoff();
        auto old = [&](Clock::time_point t) { return expired(t, cutoff); };
        std::erase_if(flows, [&](const auto& kv) { return old(kv.second.last_seen); });
        std::erase_if(processes, [&](const auto& kv) { return old(kv.second.last_seen); });
        std::erase_if(groups, [&](const auto& kv) { return old(kv.second.last_seen); });
        std::erase_if(remotes, [&](const auto& kv) { return old(kv.second.last_seen); });
        std::erase_if(interfaces, [&](const auto& kv) { return old(kv.second.last_update); });
        while (!closed_order.empty()) {
            const auto& [key, generation] = closed_order.front();
            auto it = closed.find(key);
            if (it == closed.end() || it->second.generation != generation) {
                closed_order.pop_front();  // superseded by a newer record of the same key
                continue;
            }
            if (!old(it->second.closed_at)) {
                break;
            }
            closed.erase(it);
            closed_order.pop_front();
        }
    }

    /// Snapshot::groups: every group seen lately with its traffic, and the processes and
    /// connections of the snapshot's processes in it. Sorted like processes, by rate.
    void build_groups(Snapshot& snap) const {
        std::unordered_map<GroupKey, std::size_t, GroupKeyHash> index;
        index.reserve(groups.size());
        for (const auto& [key, g] : groups) {
            index.emplace(key, snap.groups.size());
            GroupSummary s;
            s.kind = key.kind;
            s.name = key.name;
            s.traffic = g.traffic.traffic();
            snap.groups.push_back(std::move(s));
        }
        for (const ProcessSummary& p : snap.processes) {
            const std::optional<GroupKey> key = group_of(p.info);
            if (!key) {
                continue;
            }
            if (auto it = index.find(*key); it != index.end()) {
                GroupSummary& g = snap.groups[it->second];
                ++g.processes;
                g.connections += p.connections;
            }
        }
        std::sort(snap.groups.begin(), snap.groups.end(), [](const auto& a, const auto& b) {
            const double ra = a.traffic.rx_bps + a.traffic.tx_bps;
            const double rb = b.traffic.rx_bps + b.traffic.tx_bps;
            if (ra != rb) {
                return ra > rb;
            }
            return std::tie(a.kind, a.name) < std::tie(b.kind, b.name);
        });
    }

    std::shared_ptr<const Snapshot> build_snapshot(const TickInput& tick, std::uint64_t seq,
                                                   double dt) const {
        auto snap = std::make_shared<Snapshot>();
        snap->seq = seq;
        snap->unix_time_ns = tick.unix_time_ns;
        snap->interval_s = dt;
        snap->sources = tick.sources;
        snap->notices = tick.notices;
        snap->totals = totals.traffic();
        snap->unattributed = unattributed.traffic();

        snap->interfaces.reserve(latest_interfaces.size());
        for (const auto& latest : latest_interfaces) {
            auto it = interfaces.find(latest.name);
            if (it == interfaces.end()) {
                continue;
            }
            InterfaceSummary s;
            s.name = latest.name;
            s.up = latest.up;
            s.default_route = latest.default_route;
            s.traffic = it->second.traffic.traffic();
            snap->interfaces.push_back(std::move(s));
        }
        std::sort(snap->interfaces.begin(), snap->interfaces.end(),
                  [](const auto& a, const auto& b) { return a.name < b.name; });

        std::unordered_map<ProcessId, std::size_t, ProcessIdHash> index;
        index.reserve(processes.size());
        for (const auto& [id, p] : processes) {
            const Traffic t = p.traffic.traffic();
            if (!p.listed && t.rx_bytes == 0 && t.tx_bytes == 0) {
                continue;  // no socket and never any traffic: nothing to show
            }
            index.emplace(id, snap->processes.size());
            ProcessSummary s;
            s.info = p.info;
            s.traffic = p.traffic.traffic();
            s.history = p.history.values();
            snap->processes.push_back(std::move(s));
        }

        // Per process (index in snap->processes): its UDP sockets' peers and dropped count.
        std::unordered_map<std::size_t, std::pair<std::set<Endpoint>, std::uint64_t>> udp_peers;
        const auto peer_cutoff = stale_cutoff();
        constexpr std::size_t kNoIndex = ~std::size_t{0};
        ProcessId memo_owner;  // pid 0: no lookup yet
        std::size_t memo_index = kNoIndex;
        auto owner_index = [&](const ProcessId& owner) {
            // Neighbouring slots mostly share an owner: one lookup per run of them.
            if (owner.pid != 0 && !(owner == memo_owner)) {
                memo_owner = owner;
                auto it = index.find(owner);
                memo_index = it == index.end() ? kNoIndex : it->second;
            }
            return owner.pid != 0 ? memo_index : kNoIndex;
        };
        // Each process's socket list is sized once: grown by doubling, the lists of busy
        // processes would be reallocated (and their pages faulted in) several times a tick.
        {
            std::vector<std::uint32_t> counts(snap->processes.size(), 0);
            for (const auto& [id, e] : sockets) {
                if (!present(e)) continue;
                if (const std::size_t i = owner_index(e.owner); i != kNoIndex) ++counts[i];
            }
            for (std::size_t i = 0; i < counts.size(); ++i) {
                snap->processes[i].sockets.reserve(counts[i]);
            }
        }
        for (const auto& [id, e] : sockets) {
            if (!present(e)) {
                continue;
            }
            const bool listening = is_listening(e.key, e.state);
            const bool listed_port =
                (e.state == SocketState::Listen && e.key.proto == Proto::Tcp) ||
                (is_unconnected_udp(e.key, e.state) && e.key.local.port != 0);
            const ProcessSummary* owner_summary = nullptr;
            if (const std::size_t i = owner_index(e.owner); i != kNoIndex) {
                ProcessSummary& ps = snap->processes[i];
                owner_summary = &ps;
                if (listening) {
                    ++ps.listening;
                } else {
                    ++ps.connections;
                }
                ConnectionSummary c;
                c.key = e.key;
                c.state = e.state;
                c.inode = e.inode;
                c.cookie = e.cookie;
                c.traffic = e.traffic.traffic();
                c.age_s = seconds_between(e.first_seen, now);
                c.measured = e.measured;
                if (!remote_unset(e.key)) c.remote_name = name_of(e.key.remote.addr);
                ps.sockets.push_back(std::move(c));
            }
            if (owner_summary != nullptr && !e.peers.empty()) {
                auto& [set, dropped] =
                    udp_peers[static_cast<std::size_t>(owner_summary - snap->processes.data())];
                dropped += e.peers_dropped;
                for (const auto& [peer, last] : e.peers)
                    if (!expired(last, peer_cutoff)) set.insert(peer);
            }
            if (listed_port) {
                ListenPortSummary lp;
                lp.proto = e.key.proto;
                lp.addr = e.key.local.addr;
                lp.port = e.key.local.port;
                lp.owner = e.owner;
                if (owner_summary != nullptr) {
                    lp.name = owner_summary->info.name;
                } else if (auto pit = processes.find(e.owner); pit != processes.end()) {
                    lp.name = pit->second.info.name;
                }
                snap->listen_ports.push_back(std::move(lp));
            }
        }

        for (auto& [i, peers] : udp_peers) {
            auto& [set, dropped] = peers;
            std::vector<Label>& labels = snap->processes[i].info.labels;
            std::size_t kept = 0;
            for (const Endpoint& peer : set) {
                if (kept == kMaxUdpPeersPerProcess) break;
                labels.push_back({std::string(kUdpPeerLabel), format_endpoint(peer)});
                ++kept;
            }
            dropped += set.size() - kept;
            if (dropped != 0)
                labels.push_back({std::string(kUdpPeersDroppedLabel), std::to_string(dropped)});
        }

        for (auto& ps : snap->processes) sort_connections(ps.sockets);
        std::sort(snap->processes.begin(), snap->processes.end(), [](const auto& a, const auto& b) {
            const double ra = a.traffic.rx_bps + a.traffic.tx_bps;
            const double rb = b.traffic.rx_bps + b.traffic.tx_bps;
            if (ra != rb) {
                return ra > rb;
            }
            return a.info.id < b.info.id;
        });

        auto port_order = [](const ListenPortSummary& a, const ListenPortSummary& b) {
            return std::tie(a.port, a.proto, a.addr, a.owner) <
                   std::tie(b.port, b.proto, b.addr, b.owner);
        };
        auto port_same = [](const ListenPortSummary& a, const ListenPortSummary& b) {
            return a.port == b.port && a.proto == b.proto && a.addr == b.addr && a.owner == b.owner;
        };
        std::sort(snap->listen_ports.begin(), snap->listen_ports.end(), port_order);
        snap->listen_ports.erase(
            std::unique(snap->listen_ports.begin(), snap->listen_ports.end(), port_same),
            snap->listen_ports.end());

        for (const auto& [addr, r] : remotes) {
            if (r.connections == 0) {
                continue;
            }
            RemoteHostSummary s;
            s.addr = addr;
            s.name = name_of(addr);
            s.traffic = r.traffic.traffic();
            s.connections = r.connections;
            for (const auto& owner : r.owners) {
                if (auto it = processes.find(owner);
                    it != processes.end() && !it->second.info.name.empty()) {
                    s.processes.push_back(it->second.info.name);
                }
            }
            std::sort(s.processes.begin(), s.processes.end());
            s.processes.erase(std::unique(s.processes.begin(), s.processes.end()),
                              s.processes.end());
            snap->remote_hosts.push_back(std::move(s));
        }
        std::sort(snap->remote_hosts.begin(), snap->remote_hosts.end(),
                  [](const auto& a, const auto& b) {
                      const double ra = a.traffic.rx_bps + a.traffic.tx_bps;
                      const double rb = b.traffic.rx_bps + b.traffic.tx_bps;
                      if (ra != rb) {
                          return ra > rb;
                      }
                      return a.addr < b.addr;
                  });

        build_groups(*snap);

        snap->rx_history = rx_history.values();
        snap->tx_history = tx_history.values();

        for (const auto& sample : tick.samples) {
            for (const auto& c : sample.counters) {
                snap->counters.push_back(SourceCounter{sample.source + "." + c.name, c.value});
            }
        }
        const std::pair<const char*, std::uint64_t> own[] = {
            {"core.dropped_sockets", dropped_sockets},
            {"core.evicted_sockets", evicted_sockets},
            {"core.dropped_flows", dropped_flows},
            {"core.evicted_flows", evicted_flows},
            {"core.dropped_processes", dropped_processes},
            {"core.dropped_groups", dropped_groups},
            {"core.dropped_remote_hosts", dropped_remote_hosts},
            {"core.dropped_interfaces", dropped_interfaces},
            {"core.evicted_closed", evicted_closed},
            {"core.counter_resets", counter_resets},
            {"core.forwarded_bytes", forwarded_bytes},
        };
        for (const auto& [name, value] : own) {
            snap->counters.push_back(SourceCounter{name, value});
        }
        snap->counters.insert(snap->counters.end(), tick.counters.begin(), tick.counters.end());
        return snap;
    }

    std::uint64_t last_flow_seq = 0;
};

Aggregator::Aggregator(AggregatorConfig config) : state_(std::make_unique<State>(config)) {}

Aggregator::~Aggregator() = default;

std::shared_ptr<const Snapshot> Aggregator::ingest(const TickInput& tick) {
    State& s = *state_;
    const std::uint64_t seq = s.next_seq++;
    double dt = 0;
    if (seq > 0) {
        dt = std::max(0.0, seconds_between(s.last_now, tick.now));
    }
    s.last_now = tick.now;
    s.now = tick.now;
    s.indexes_built = false;
    s.key_index.clear();
    s.udp_index.clear();

    s.observe_sockets(tick, seq);
    s.join_flows(tick, seq, s.last_flow_seq);
    s.observe_interfaces(tick);
    s.aggregate(tick, seq, dt);
    s.expire();
    s.forget_names();
    auto snapshot = s.build_snapshot(tick, seq, dt);
    // The indexes hold pointers into the socket table; drop them before it changes again.
    s.key_index.clear();
    s.udp_index.clear();
    s.indexes_built = false;
    return snapshot;
}

TableSizes Aggregator::table_sizes() const {
    const State& s = *state_;
    return TableSizes{s.sockets.size(), s.flows.size(), s.processes.size(), s.remotes.size()};
}

const AggregatorConfig& Aggregator::config() const { return state_->config; }

void Aggregator::set_name_resolver(NameResolver* resolver) { state_->resolver = resolver; }

}  // namespace sstop::core
