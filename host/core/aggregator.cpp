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

#include "core/aggregator_state.hpp"

namespace sstop::core {

ProcessEntry* Aggregator::State::process_for(const ProcessId& id) {
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

RemoteEntry* Aggregator::State::remote_for(const IpAddr& addr) {
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

void Aggregator::State::credit_socket(SocketEntry& e, ProcessEntry* p, std::uint64_t rx,
                                      std::uint64_t tx) {
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

void Aggregator::State::attribute(ProcessEntry* process, const SocketKey& key, bool credit_remote,
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

void Aggregator::State::remember_closed(const SocketKey& key, const ProcessId& owner,
                                        bool has_bytes) {
    auto it = closed.find(key);
    if (it == closed.end()) {
        while (!closed.empty() && !closed_order.empty() && closed.size() >= config.max_sockets) {
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

void Aggregator::State::compact_closed_order() {
    std::deque<std::pair<SocketKey, std::uint64_t>> kept;
    for (const auto& item : closed_order) {
        auto it = closed.find(item.first);
        if (it != closed.end() && it->second.generation == item.second) {
            kept.push_back(item);
        }
    }
    closed_order.swap(kept);
}

void Aggregator::State::pop_oldest_closed() {
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

void Aggregator::State::credit_group(ProcessEntry& p) {
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

void Aggregator::State::count_socket(const SocketEntry& e, int sign) {
    const auto add = [sign](std::uint32_t& n) { n = static_cast<std::uint32_t>(n + sign); };
    const bool listening = is_listening(e.key, e.state);
    if (e.owner.pid != 0) {
        auto it = owner_census.try_emplace(e.owner).first;
        add(listening ? it->second.listening : it->second.connections);
        if (it->second.listening == 0 && it->second.connections == 0) owner_census.erase(it);
    }
    if (is_connected(e.key, e.state)) {
        auto it = remote_census.try_emplace(e.key.remote.addr).first;
        RemoteCount& r = it->second;
        add(r.connections);
        if (e.owner.pid != 0) {
            auto o = std::find_if(r.owners.begin(), r.owners.end(),
                                  [&](const auto& item) { return item.first == e.owner; });
            if (o == r.owners.end()) o = r.owners.insert(o, {e.owner, 0});
            add(o->second);
            if (o->second == 0) r.owners.erase(o);
        }
        if (r.connections == 0) remote_census.erase(it);
    }
    if (is_listed_port(e.key, e.state)) {
        auto it =
            port_census
                .try_emplace(PortKey{e.key.local.port, e.key.proto, e.key.local.addr, e.owner})
                .first;
        add(it->second);
        if (it->second == 0) port_census.erase(it);
    }
}

Aggregator::State::SocketTable::iterator Aggregator::State::erase_socket(SocketTable::iterator it) {
    SocketEntry& e = it->second;
    uncount(e);
    if (e.touched_tick == tick_number) touched[e.touched_pos] = nullptr;
    peer_sockets.erase(&e);
    unindex(&e);
    return sockets.erase(it);
}

void Aggregator::State::aggregate(const TickInput& tick, std::uint64_t seq, double dt) {
    // Every average here has the configured alpha and this tick's length.
    const double w = RateEma::weight(config.ema_alpha, dt);
    const auto cutoff = stale_cutoff();
    ProcessEntry* memo_process = nullptr;
    // A socket's bytes of this tick go to its owner (or wait for one as orphans); its
    // averages are closed only when it had bytes (see close_socket_tick).
    auto settle = [&](SocketEntry& e) {
        const bool moved = e.traffic.tick_rx != 0 || e.traffic.tick_tx != 0;
        if (!moved && e.orphan_rx == 0 && e.orphan_tx == 0) return;
        ProcessEntry* p = nullptr;
        if (e.owner.pid != 0) {
            // Neighbouring slots mostly share an owner: one lookup per run of them.
            if (memo_process == nullptr || !(memo_process->info.id == e.owner)) {
                memo_process = process_for(e.owner);
            }
            p = memo_process;
        }
        credit_socket(e, p, e.traffic.tick_rx, e.traffic.tick_tx);
        if (moved) close_socket_tick(e, dt, w);
        if ((e.orphan_rx != 0 || e.orphan_tx != 0) && e.owner.pid != 0) carried.push_back(&e);
    };
    carried.clear();
    if (walk_all || !all_persistent) {
        // Any socket may have left the latest sample: the whole table.
        bool persistent = true;
        for (auto it = sockets.begin(); it != sockets.end();) {
            SocketEntry& e = it->second;
            sync_count(e);
            settle(e);
            if (!present(e)) {
                // Stale sockets leave here, saving expiry a pass over the biggest table; the
                // late bytes of this tick were credited just above.
                if (expired(e.last_seen, cutoff)) {
                    it = erase_socket(it);
                    continue;
                }
                persistent = false;
            } else if (!e.persistent) {
                persistent = false;
            }
            ++it;
        }
        all_persistent = persistent;
    } else {
        // Every socket is present until its final record: only those touched can have
        // changed, or have bytes.
        for (SocketEntry* e : touched) {
            if (e == nullptr) continue;
            sync_count(*e);
            settle(*e);
        }
    }
    for (auto& [id, p] : processes) {
        p.listed = false;
    }
    for (const auto& [owner, count] : owner_census) {
        if (ProcessEntry* p = process_for(owner)) {
            p->listed = true;
            p->last_seen = now;
        }
    }
    for (const auto& [addr, count] : remote_census) {
        if (RemoteEntry* r = remote_for(addr)) r->last_seen = now;
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

void Aggregator::State::expire() {
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

Aggregator::Aggregator(AggregatorConfig config) : state_(std::make_unique<State>(config)) {}

Aggregator::~Aggregator() = default;

std::shared_ptr<const Snapshot> Aggregator::ingest(const TickInput& tick) {
    State& s = *state_;
    const std::uint64_t seq = s.next_seq++;
    double dt = 0;
    if (seq > 0) {
        dt = std::max(0.0, seconds_between(s.last_now, tick.now));
    }
    s.prev_now = seq > 0 ? s.last_now : tick.now;
    s.last_now = tick.now;
    s.now = tick.now;
    ++s.tick_number;
    s.touched.clear();
    for (SocketEntry* e : s.carried) s.touch(*e);
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

void Aggregator::set_socket_demand(const SocketDemand* demand) { state_->demand = demand; }

std::shared_ptr<const Snapshot> Aggregator::relist(
    const std::shared_ptr<const Snapshot>& published) {
    const State& s = *state_;
    // Only the snapshot of the tick the state is at: the sockets' entries describe that one.
    if (!published || !s.config.socket_detail || s.next_seq == 0 ||
        published->seq + 1 != s.next_seq)
        return nullptr;
    const SocketDemand::Want want = s.demand ? s.demand->get() : SocketDemand::Want{true, {}};
    State::ProcessIndex missing;
    for (std::size_t i = 0; i < published->processes.size(); ++i) {
        const ProcessSummary& p = published->processes[i];
        if (!p.sockets.empty() || p.connections + p.listening == 0) continue;
        if (want.all || std::binary_search(want.pids.begin(), want.pids.end(), p.info.id))
            missing.emplace(p.info.id, i);
    }
    if (missing.empty()) return nullptr;
    auto copy = std::make_shared<Snapshot>(*published);
    s.fill_socket_lists(*copy, missing);
    return copy;
}

bool SocketDemand::set(Want want) {
    std::sort(want.pids.begin(), want.pids.end());
    want.pids.erase(std::unique(want.pids.begin(), want.pids.end()), want.pids.end());
    if (want.pids.size() > kMaxProcesses) {
        want.all = true;
    }
    if (want.all) want.pids.clear();
    std::lock_guard lock(mutex_);
    if (want == want_) return false;
    want_ = std::move(want);
    return true;
}

SocketDemand::Want SocketDemand::get() const {
    std::lock_guard lock(mutex_);
    return want_;
}

TableSizes Aggregator::table_sizes() const {
    const State& s = *state_;
    return TableSizes{s.sockets.size(), s.flows.size(), s.processes.size(), s.remotes.size()};
}

const AggregatorConfig& Aggregator::config() const { return state_->config; }

void Aggregator::set_name_resolver(NameResolver* resolver) { state_->resolver = resolver; }

}  // namespace sstop::core
