// The aggregator, step 6 of a tick: the immutable snapshot. See aggregator.cpp.

#include "core/aggregator_state.hpp"

namespace sstop::core {

void Aggregator::State::build_groups(Snapshot& snap) const {
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
    sort_busiest_first(snap.groups, [](const GroupSummary& a, const GroupSummary& b) {
        return std::tie(a.kind, a.name) < std::tie(b.kind, b.name);
    });
}

std::shared_ptr<const Snapshot> Aggregator::State::build_snapshot(const TickInput& tick,
                                                                  std::uint64_t seq,
                                                                  double dt) const {
    auto snap = std::make_shared<Snapshot>();
    snap->seq = seq;
    snap->unix_time_ns = tick.unix_time_ns;
    snap->interval_s = dt;
    snap->sources = tick.sources;
    snap->notices = tick.notices;
    snap->totals = totals.traffic();
    snap->unattributed = unattributed.traffic();
    build_interfaces(*snap);
    build_processes(*snap);
    build_remote_hosts(*snap);
    build_groups(*snap);
    snap->rx_history = rx_history.values();
    snap->tx_history = tx_history.values();
    build_counters(tick, *snap);
    return snap;
}

void Aggregator::State::build_interfaces(Snapshot& snap) const {
    snap.interfaces.reserve(latest_interfaces.size());
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
        snap.interfaces.push_back(std::move(s));
    }
    std::sort(snap.interfaces.begin(), snap.interfaces.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
}

// Processes, each with its sockets; the listening ports; UDP peers as labels.
void Aggregator::State::build_processes(Snapshot& snap) const {
    std::unordered_map<ProcessId, std::size_t, ProcessIdHash> index;
    index.reserve(processes.size());
    for (const auto& [id, p] : processes) {
        const Traffic t = p.traffic.traffic();
        if (!p.listed && t.rx_bytes == 0 && t.tx_bytes == 0) {
            continue;  // no socket and never any traffic: nothing to show
        }
        index.emplace(id, snap.processes.size());
        ProcessSummary s;
        s.info = p.info;
        s.traffic = p.traffic.traffic();
        s.history = p.history.values();
        snap.processes.push_back(std::move(s));
    }

    constexpr std::size_t kNoIndex = ~std::size_t{0};
    auto index_of = [&](const ProcessId& owner) {
        if (owner.pid == 0) return kNoIndex;
        auto it = index.find(owner);
        return it == index.end() ? kNoIndex : it->second;
    };
    // The census has the counts: no walk over the sockets for them.
    for (const auto& [owner, count] : owner_census) {
        if (const std::size_t i = index_of(owner); i != kNoIndex) {
            snap.processes[i].listening = count.listening;
            snap.processes[i].connections = count.connections;
        }
    }
    for (const auto& [port, n] : port_census) {
        ListenPortSummary lp;
        lp.proto = port.proto;
        lp.addr = port.addr;
        lp.port = port.port;
        lp.owner = port.owner;
        if (auto pit = processes.find(port.owner); pit != processes.end()) {
            lp.name = pit->second.info.name;
        }
        snap.listen_ports.push_back(std::move(lp));
    }

    // Per process (index in snap.processes): its UDP sockets' peers and dropped count.
    std::unordered_map<std::size_t, std::pair<std::set<Endpoint>, std::uint64_t>> udp_peers;
    const auto peer_cutoff = stale_cutoff();
    for (const SocketEntry* e : peer_sockets) {
        if (!present(*e) || !e->peers || e->peers->last_moved.empty()) continue;
        const std::size_t i = index_of(e->owner);
        if (i == kNoIndex) continue;
        auto& [set, dropped] = udp_peers[i];
        dropped += e->peers->dropped;
        for (const auto& [peer, last] : e->peers->last_moved)
            if (!expired(last, peer_cutoff)) set.insert(peer);
    }

    // The socket lists, only for a consumer of them, and only the demanded ones.
    if (config.socket_detail) {
        const SocketDemand::Want want = demand ? demand->get() : SocketDemand::Want{true, {}};
        if (want.all) {
            fill_socket_lists(snap, index);
        } else if (!want.pids.empty()) {
            ProcessIndex wanted;
            for (const ProcessId& id : want.pids)
                if (auto it = index.find(id); it != index.end()) wanted.insert(*it);
            fill_socket_lists(snap, wanted);
        }
    }

    for (auto& [i, peers] : udp_peers) {
        auto& [set, dropped] = peers;
        std::vector<Label>& labels = snap.processes[i].info.labels;
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

    sort_busiest_first(snap.processes, [](const ProcessSummary& a, const ProcessSummary& b) {
        return a.info.id < b.info.id;
    });
}

// Each list is sized once from the census: grown by doubling, the lists of busy processes
// would be reallocated (and their pages faulted in) several times a tick.
void Aggregator::State::fill_socket_lists(Snapshot& snap, const ProcessIndex& wanted) const {
    if (wanted.empty()) return;
    for (const auto& [id, i] : wanted) {
        ProcessSummary& ps = snap.processes[i];
        ps.sockets.reserve(ps.listening + ps.connections);
    }
    ProcessId memo_owner;  // pid 0: no lookup yet
    constexpr std::size_t kNoIndex = ~std::size_t{0};
    std::size_t memo_index = kNoIndex;
    for (const auto& [id, e] : sockets) {
        if (!present(e) || e.owner.pid == 0) continue;
        // Neighbouring slots mostly share an owner: one lookup per run of them.
        if (!(e.owner == memo_owner)) {
            memo_owner = e.owner;
            const auto it = wanted.find(e.owner);
            memo_index = it == wanted.end() ? kNoIndex : it->second;
        }
        if (memo_index == kNoIndex) continue;
        ConnectionSummary c;
        c.key = e.key;
        c.state = e.state;
        c.inode = e.inode;
        c.cookie = e.cookie;
        c.traffic = socket_traffic(e);
        c.age_s = seconds_between(e.first_seen, now);
        c.measured = e.measured;
        if (!remote_unset(e.key)) c.remote_name = name_of(e.key.remote.addr);
        snap.processes[memo_index].sockets.push_back(std::move(c));
    }
    for (const auto& [id, i] : wanted) sort_connections(snap.processes[i].sockets);
}

void Aggregator::State::build_remote_hosts(Snapshot& snap) const {
    for (const auto& [addr, count] : remote_census) {
        auto rit = remotes.find(addr);
        if (rit == remotes.end()) {
            continue;  // beyond the remote-host bound
        }
        RemoteHostSummary s;
        s.addr = addr;
        s.name = name_of(addr);
        s.traffic = rit->second.traffic.traffic();
        s.connections = count.connections;
        for (const auto& [owner, n] : count.owners) {
            if (auto it = processes.find(owner);
                it != processes.end() && !it->second.info.name.empty()) {
                s.processes.push_back(it->second.info.name);
            }
        }
        std::sort(s.processes.begin(), s.processes.end());
        s.processes.erase(std::unique(s.processes.begin(), s.processes.end()), s.processes.end());
        snap.remote_hosts.push_back(std::move(s));
    }
    sort_busiest_first(
        snap.remote_hosts,
        [](const RemoteHostSummary& a, const RemoteHostSummary& b) { return a.addr < b.addr; });
}

// The sources' counters (prefixed with their id), the core's own, then the host's.
void Aggregator::State::build_counters(const TickInput& tick, Snapshot& snap) const {
    for (const auto& sample : tick.samples) {
        for (const auto& c : sample.counters) {
            snap.counters.push_back(SourceCounter{sample.source + "." + c.name, c.value});
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
        snap.counters.push_back(SourceCounter{name, value});
    }
    snap.counters.insert(snap.counters.end(), tick.counters.begin(), tick.counters.end());
}

}  // namespace sstop::core
