// The aggregator, steps 1-4 of a tick: live sockets, final records, flows joined to sockets,
// interfaces. See aggregator.cpp for the whole tick.

#include <type_traits>

#include "core/aggregator_state.hpp"

namespace sstop::core {

void Aggregator::State::build_indexes() {
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

void Aggregator::State::unindex(SocketEntry* e) {
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

namespace {

// Evicts the `need` oldest entries of `table` that `absent` says are gone, oldest
// `last_seen` first; returns how many went (fewer when fewer are gone). Live entries stay.
template <class Table, class Absent, class LastSeen, class Erase>
std::size_t evict_oldest_absent(Table& table, std::size_t need, Absent absent, LastSeen last_seen,
                                Erase erase) {
    using Key = std::remove_const_t<typename Table::value_type::first_type>;
    std::vector<std::pair<Clock::time_point, Key>> gone;
    for (const auto& [key, entry] : table) {
        if (absent(entry)) gone.emplace_back(last_seen(entry), key);
    }
    need = std::min(need, gone.size());
    auto by_age = [](const auto& x, const auto& y) { return x.first < y.first; };
    if (need < gone.size()) {
        std::nth_element(gone.begin(), gone.begin() + static_cast<std::ptrdiff_t>(need), gone.end(),
                         by_age);
    }
    for (std::size_t i = 0; i < need; ++i) erase(gone[i].second);
    return need;
}

}  // namespace

void Aggregator::State::make_room_for_sockets(std::size_t incoming) {
    if (sockets.size() + incoming <= config.max_sockets) return;
    evicted_sockets += evict_oldest_absent(
        sockets, sockets.size() + incoming - config.max_sockets,
        [&](const SocketEntry& e) { return !present(e); },
        [](const SocketEntry& e) { return e.last_seen; },
        [&](const SocketId& id) { erase_socket(sockets.find(id)); });
}

void Aggregator::State::make_room_for_flows(std::size_t incoming, std::uint64_t last_flow_seq) {
    if (flows.size() + incoming <= config.max_flows) return;
    evicted_flows += evict_oldest_absent(
        flows, flows.size() + incoming - config.max_flows,
        [&](const FlowEntry& f) { return f.seen_seq != last_flow_seq; },
        [](const FlowEntry& f) { return f.last_seen; },
        [&](const SocketKey& key) { flows.erase(key); });
}

SocketEntry* Aggregator::State::observe_socket(const SocketObs& obs, bool baseline,
                                               std::uint64_t seq) {
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
        e.ema_at = prev_now;  // its averages start with this tick
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
    if (e.counted && (!(e.key == obs.key) || e.state != obs.state ||
                      (obs.owner.pid != 0 && !(e.owner == obs.owner)))) {
        uncount(e);  // counted again as what it is now, in aggregate()
    }
    touch(e);
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

void Aggregator::State::close_into_after_life(SocketEntry& e, const SocketObs& obs, bool baseline) {
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
    if (e.owner.pid == 0 && owner.pid != 0) {
        uncount(e);
        e.owner = owner;
    }
    touch(e);
    e.epilogue = true;
    e.has_bytes = true;  // a flow on its tuple is not new (see observe_socket)
    remember_closed(e.key, owner, obs.has_bytes);
}

void Aggregator::State::apply_closed(const SocketObs& obs, bool baseline) {
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
    erase_socket(it);
}

void Aggregator::State::observe_sockets(const TickInput& tick, std::uint64_t seq) {
    std::size_t incoming = 0;
    bool any = false;
    walk_all = false;
    for (const auto& sample : tick.samples) {
        if (sample.has_sockets) {
            any = true;
            incoming += sample.sockets.size();
            walk_all = walk_all ||
                       std::find(tick.incremental_sources.begin(), tick.incremental_sources.end(),
                                 sample.source) == tick.incremental_sources.end();
        }
    }
    std::vector<std::string> sources_now;
    std::vector<bool> baseline(tick.samples.size(), false);
    for (std::size_t i = 0; i < tick.samples.size(); ++i) {
        const auto& source = tick.samples[i].source;
        // A source that did not report sockets in the previous tick starts with a
        // baseline: its existing sockets are not new traffic (start-up, fail-over).
        baseline[i] = std::find(prev_socket_sources.begin(), prev_socket_sources.end(), source) ==
                      prev_socket_sources.end();
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

SocketEntry* Aggregator::State::port_owner_for(const SocketKey& flow) {
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

void Aggregator::State::note_peer(SocketEntry& e, const Endpoint& remote) {
    if (remote.addr.family == Family::None) return;
    if (!e.peers) e.peers = std::make_unique<UdpPeerBook>();
    auto& peers = e.peers->last_moved;
    if (auto it = peers.find(remote); it != peers.end()) {
        it->second = now;
        return;
    }
    if (peers.size() >= kMaxUdpPeersPerSocket) {
        const auto cutoff = stale_cutoff();
        std::erase_if(peers, [&](const auto& p) { return expired(p.second, cutoff); });
    }
    if (peers.size() >= kMaxUdpPeersPerSocket) {
        ++e.peers->dropped;
        return;
    }
    peers.emplace(remote, now);
    peer_sockets.insert(&e);
}

void Aggregator::State::join_flows(const TickInput& tick, std::uint64_t seq,
                                   std::uint64_t& last_flow_seq) {
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
        if (socket == nullptr && key.netns == 0 && !portless(key.proto) && key.remote.port != 0) {
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
                touch(*socket);
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

void Aggregator::State::observe_interfaces(const TickInput& tick) {
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

}  // namespace sstop::core
