#include "core/aggregator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/udp_peers.hpp"

namespace {

using namespace std::chrono_literals;
using sstop::Family;
using sstop::FlowBytes;
using sstop::InterfaceObs;
using sstop::IpAddr;
using sstop::ProcessId;
using sstop::ProcessInfo;
using sstop::ProcessSummary;
using sstop::Proto;
using sstop::Sample;
using sstop::Snapshot;
using sstop::SocketKey;
using sstop::SocketObs;
using sstop::SocketState;
using sstop::core::Aggregator;
using sstop::core::AggregatorConfig;
using sstop::core::TickInput;
using Clock = std::chrono::steady_clock;

const Clock::time_point kT0 = Clock::time_point{} + 1000s;

IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddr ip;
    ip.family = Family::V4;
    ip.bytes[0] = a;
    ip.bytes[1] = b;
    ip.bytes[2] = c;
    ip.bytes[3] = d;
    return ip;
}

const IpAddr kLocal = v4(10, 0, 0, 1);
const IpAddr kAny = v4(0, 0, 0, 0);

SocketKey key(Proto proto, IpAddr local, std::uint16_t lport, IpAddr remote = {},
              std::uint16_t rport = 0) {
    SocketKey k;
    k.proto = proto;
    k.local = {local, lport};
    k.remote = {remote, rport};
    return k;
}

SocketKey tcp(std::uint16_t lport, IpAddr remote, std::uint16_t rport) {
    return key(Proto::Tcp, kLocal, lport, remote, rport);
}

ProcessId pid(std::int32_t p, std::uint64_t start = 1) { return ProcessId{p, start}; }

/// A live socket with counters (netlink-like).
SocketObs sock(SocketKey k, ProcessId owner, std::uint64_t rx, std::uint64_t tx,
               std::uint64_t inode, SocketState state = SocketState::Established) {
    SocketObs s;
    s.key = k;
    s.state = state;
    s.inode = inode;
    s.owner = owner;
    s.has_bytes = true;
    s.rx_bytes = rx;
    s.tx_bytes = tx;
    return s;
}

/// A live socket without counters (procnet-like).
SocketObs bare(SocketKey k, ProcessId owner, std::uint64_t inode,
               SocketState state = SocketState::Established) {
    SocketObs s;
    s.key = k;
    s.state = state;
    s.inode = inode;
    s.owner = owner;
    return s;
}

FlowBytes flow(SocketKey k, std::uint64_t rx, std::uint64_t tx) {
    FlowBytes f;
    f.key = k;
    f.rx_bytes = rx;
    f.tx_bytes = tx;
    return f;
}

ProcessInfo info(ProcessId id, std::string name) {
    ProcessInfo p;
    p.id = id;
    p.name = std::move(name);
    return p;
}

Sample sockets_sample(std::vector<SocketObs> sockets, std::vector<ProcessInfo> processes = {},
                      std::string source = "netlink") {
    Sample s;
    s.source = std::move(source);
    s.has_sockets = true;
    s.sockets = std::move(sockets);
    s.processes = std::move(processes);
    return s;
}

Sample flows_sample(std::vector<FlowBytes> flows) {
    Sample s;
    s.source = "afpacket";
    s.flows = std::move(flows);
    return s;
}

TickInput tick_at(Clock::time_point now, std::vector<Sample> samples) {
    TickInput t;
    t.now = now;
    t.samples = std::move(samples);
    return t;
}

const ProcessSummary* find_process(const Snapshot& snap, ProcessId id) {
    for (const auto& p : snap.processes) {
        if (p.info.id == id) {
            return &p;
        }
    }
    return nullptr;
}

std::uint64_t sum_rx(const Snapshot& snap) {
    std::uint64_t total = snap.unattributed.rx_bytes;
    for (const auto& p : snap.processes) {
        total += p.traffic.rx_bytes;
    }
    return total;
}

std::uint64_t sum_tx(const Snapshot& snap) {
    std::uint64_t total = snap.unattributed.tx_bytes;
    for (const auto& p : snap.processes) {
        total += p.traffic.tx_bytes;
    }
    return total;
}

std::uint64_t counter(const Snapshot& snap, const std::string& name) {
    for (const auto& c : snap.counters) {
        if (c.name == name) {
            return c.value;
        }
    }
    ADD_FAILURE() << "no counter " << name;
    return 0;
}

}  // namespace

TEST(Aggregator, FirstIngestSetsBaselinesAndHasSeqZero) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    auto snap = agg.ingest(tick_at(
        kT0, {sockets_sample({sock(a, pid(100), 5000, 7000, 11)}, {info(pid(100), "curl")})}));
    EXPECT_EQ(snap->seq, 0u);
    EXPECT_EQ(snap->interval_s, 0.0);
    ASSERT_EQ(snap->processes.size(), 1u);
    EXPECT_EQ(snap->processes[0].traffic.rx_bytes, 0u);
    EXPECT_EQ(snap->processes[0].traffic.rx_bps, 0.0);
    EXPECT_EQ(snap->totals.rx_bytes, 0u);
    EXPECT_EQ(snap->processes[0].info.name, "curl");
}

TEST(Aggregator, DeltasFromCumulativeCountersAndFirstRateIsInstant) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({sock(a, pid(100), 1000, 100, 11)})}));
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample({sock(a, pid(100), 1500, 300, 11)})}));
    EXPECT_EQ(snap->seq, 1u);
    EXPECT_DOUBLE_EQ(snap->interval_s, 1.0);
    const auto* p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.rx_bytes, 500u);
    EXPECT_EQ(p->traffic.tx_bytes, 200u);
    EXPECT_DOUBLE_EQ(p->traffic.rx_bps, 500.0);  // not alpha * 500
    EXPECT_DOUBLE_EQ(p->traffic.tx_bps, 200.0);
    ASSERT_EQ(p->sockets.size(), 1u);
    EXPECT_EQ(p->sockets[0].traffic.rx_bytes, 500u);
    EXPECT_TRUE(p->sockets[0].measured);

    snap = agg.ingest(tick_at(kT0 + 2s, {sockets_sample({sock(a, pid(100), 2500, 300, 11)})}));
    p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.rx_bytes, 1500u);
    EXPECT_NEAR(p->traffic.rx_bps, 500 + 0.3 * (1000 - 500), 1e-9);
    EXPECT_NEAR(p->traffic.tx_bps, 200 * 0.7, 1e-9);
    EXPECT_EQ(snap->seq, 2u);
}

TEST(Aggregator, BackwardCounterIsAResetNotASpike) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({sock(a, pid(100), 5000, 5000, 11)})}));
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample({sock(a, pid(100), 100, 6000, 11)})}));
    const auto* p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.rx_bytes, 0u);
    EXPECT_EQ(p->traffic.tx_bytes, 1000u);
    snap = agg.ingest(tick_at(kT0 + 2s, {sockets_sample({sock(a, pid(100), 300, 6000, 11)})}));
    p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.rx_bytes, 200u);  // the reset value became the baseline
    EXPECT_GE(counter(*snap, "core.counter_resets"), 1u);
}

TEST(Aggregator, ReusedSocketIdentityStartsWithFreshCounters) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({sock(a, pid(100), 900000, 900000, 11)})}));
    // Same 5-tuple, new inode: a new socket, born after start, with its own small counters.
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample({sock(a, pid(100), 50, 70, 12)})}));
    auto* p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.rx_bytes, 50u);
    EXPECT_EQ(p->traffic.tx_bytes, 70u);
    ASSERT_EQ(p->sockets.size(), 1u);  // the old socket is gone from the listing
    EXPECT_EQ(p->sockets[0].inode, 12u);
    EXPECT_EQ(p->sockets[0].traffic.rx_bytes, 50u);

    // The same with cookies: a different cookie is a different socket.
    Aggregator agg2;
    auto c1 = sock(a, pid(100), 800000, 0, 0);
    c1.cookie = 7;
    auto c2 = sock(a, pid(100), 30, 0, 0);
    c2.cookie = 8;
    agg2.ingest(tick_at(kT0, {sockets_sample({c1})}));
    snap = agg2.ingest(tick_at(kT0 + 1s, {sockets_sample({c2})}));
    p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.rx_bytes, 30u);
    EXPECT_EQ(counter(*snap, "core.counter_resets"), 0u);
}

TEST(Aggregator, SocketBornAfterStartCountsItsWholeCounter) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    const auto b = tcp(40001, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({sock(a, pid(100), 1000, 1000, 11)})}));
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample({sock(a, pid(100), 1000, 1000, 11),
                                                              sock(b, pid(100), 4000, 300, 12)})}));
    const auto* p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.rx_bytes, 4000u);
    EXPECT_EQ(p->traffic.tx_bytes, 300u);
    EXPECT_EQ(p->sockets.size(), 2u);
}

TEST(Aggregator, SourceThatStartsLaterSetsABaselineForItsSockets) {
    // A socket source appearing after start (fail-over) must not count its sockets'
    // lifetime counters as new traffic.
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({bare(a, pid(100), 11)}, {}, "procnet")}));
    auto with_cookie = [&](std::uint64_t rx) {
        auto s = sock(a, pid(100), rx, 5, 11);
        s.cookie = 99;  // a new identity: without the rule it would count as born later
        return s;
    };
    auto snap = agg.ingest(
        tick_at(kT0 + 1s, {sockets_sample({with_cookie(1'000'000'000)}, {}, "netlink")}));
    EXPECT_EQ(snap->totals.rx_bytes, 0u);
    snap = agg.ingest(
        tick_at(kT0 + 2s, {sockets_sample({with_cookie(1'000'000'100)}, {}, "netlink")}));
    EXPECT_EQ(snap->totals.rx_bytes, 100u);
}

TEST(Aggregator, HalfSecondTicksSmoothLikeOneSecondTicks) {
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    Aggregator one;
    Aggregator halves;
    for (Aggregator* agg : {&one, &halves}) {
        agg->ingest(tick_at(kT0, {sockets_sample({sock(a, pid(100), 0, 0, 11)})}));
        agg->ingest(tick_at(kT0 + 1s, {sockets_sample({sock(a, pid(100), 0, 0, 11)})}));
    }
    // Step from 0 to 1000 B/s.
    auto s1 = one.ingest(tick_at(kT0 + 2s, {sockets_sample({sock(a, pid(100), 1000, 0, 11)})}));
    halves.ingest(tick_at(kT0 + 1500ms, {sockets_sample({sock(a, pid(100), 500, 0, 11)})}));
    auto s2 = halves.ingest(tick_at(kT0 + 2s, {sockets_sample({sock(a, pid(100), 1000, 0, 11)})}));
    EXPECT_NEAR(s1->totals.rx_bps, 300.0, 1e-9);
    EXPECT_NEAR(s1->totals.rx_bps, s2->totals.rx_bps, 1e-9);
    EXPECT_NEAR(s1->processes[0].traffic.rx_bps, s2->processes[0].traffic.rx_bps, 1e-9);
    EXPECT_NEAR(s1->processes[0].sockets[0].traffic.rx_bps,
                s2->processes[0].sockets[0].traffic.rx_bps, 1e-9);
    EXPECT_DOUBLE_EQ(s2->interval_s, 0.5);
}

TEST(Aggregator, ProcessCountsConnectionsListenersAndSortsByRate) {
    Aggregator agg;
    const auto p1 = pid(100);
    const auto p2 = pid(200);
    const auto c1 = tcp(40000, v4(1, 1, 1, 1), 443);
    const auto c2 = tcp(40001, v4(2, 2, 2, 2), 443);
    const auto lst = key(Proto::Tcp, kAny, 8080);
    const auto udp = key(Proto::Udp, kAny, 5353);
    const auto c3 = tcp(40002, v4(3, 3, 3, 3), 22);
    auto sockets = [&](std::uint64_t n) {
        return std::vector<SocketObs>{sock(c1, p1, 100 * n, 10 * n, 1), sock(c2, p1, 200 * n, 0, 2),
                                      sock(lst, p1, 0, 0, 3, SocketState::Listen),
                                      bare(udp, p1, 4, SocketState::Close),
                                      sock(c3, p2, 1000 * n, 1000 * n, 5)};
    };
    const std::vector<ProcessInfo> infos{info(p1, "nginx"), info(p2, "sshd")};
    agg.ingest(tick_at(kT0, {sockets_sample(sockets(0), infos)}));
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample(sockets(1), infos)}));
    ASSERT_EQ(snap->processes.size(), 2u);
    EXPECT_EQ(snap->processes[0].info.name, "sshd");  // 2000 B/s beats 310 B/s
    const auto& nginx = snap->processes[1];
    EXPECT_EQ(nginx.info.name, "nginx");
    EXPECT_EQ(nginx.connections, 2u);
    EXPECT_EQ(nginx.listening, 2u);
    EXPECT_EQ(nginx.sockets.size(), 4u);
    EXPECT_EQ(nginx.traffic.rx_bytes, 300u);
    EXPECT_EQ(nginx.traffic.tx_bytes, 10u);
    EXPECT_DOUBLE_EQ(nginx.traffic.rx_bps, 300.0);
    EXPECT_EQ(nginx.sockets[0].key, c2);          // sorted by rate
    EXPECT_FALSE(nginx.sockets.back().measured);  // the bare UDP socket: nothing counts it
    EXPECT_DOUBLE_EQ(nginx.sockets[0].age_s, 1.0);
    EXPECT_EQ(snap->processes[0].connections, 1u);
    EXPECT_EQ(snap->processes[0].listening, 0u);
}

TEST(Aggregator, EqualRatesAreOrderedByPid) {
    Aggregator agg;
    std::vector<SocketObs> s;
    for (int i = 5; i >= 1; --i) {
        s.push_back(bare(tcp(static_cast<std::uint16_t>(40000 + i), v4(1, 1, 1, 1), 80),
                         pid(i * 10), static_cast<std::uint64_t>(i)));
    }
    auto snap = agg.ingest(tick_at(kT0, {sockets_sample(s)}));
    ASSERT_EQ(snap->processes.size(), 5u);
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(snap->processes[i].info.id.pid, static_cast<int>((i + 1) * 10));
    }
}

TEST(Aggregator, RemoteHostsAggregateAcrossProcesses) {
    Aggregator agg;
    const auto r1 = v4(1, 1, 1, 1);
    const auto r2 = v4(2, 2, 2, 2);
    auto sockets = [&](std::uint64_t n) {
        return std::vector<SocketObs>{
            sock(tcp(40000, r1, 443), pid(100), 100 * n, 0, 1),
            sock(tcp(40001, r1, 443), pid(200), 300 * n, 0, 2),
            sock(tcp(40002, r1, 80), pid(100), 0, 0, 3),
            sock(tcp(40003, r2, 443), pid(300), 5000 * n, 0, 4),
            sock(key(Proto::Tcp, kAny, 22), pid(300), 0, 0, 5, SocketState::Listen),
        };
    };
    const std::vector<ProcessInfo> infos{info(pid(100), "zeta"), info(pid(200), "alpha"),
                                         info(pid(300), "big")};
    agg.ingest(tick_at(kT0, {sockets_sample(sockets(0), infos)}));
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample(sockets(1), infos)}));
    ASSERT_EQ(snap->remote_hosts.size(), 2u);  // the listener has no remote
    EXPECT_EQ(snap->remote_hosts[0].addr, r2);
    const auto& h = snap->remote_hosts[1];
    EXPECT_EQ(h.addr, r1);
    EXPECT_EQ(h.connections, 3u);
    EXPECT_EQ(h.processes, (std::vector<std::string>{"alpha", "zeta"}));
    EXPECT_EQ(h.traffic.rx_bytes, 400u);
    EXPECT_DOUBLE_EQ(h.traffic.rx_bps, 400.0);
}

TEST(Aggregator, ListenPortsSortedByPortThenProtocol) {
    Aggregator agg;
    const std::vector<SocketObs> sockets{
        bare(key(Proto::Tcp, kAny, 443), pid(100), 1, SocketState::Listen),
        bare(key(Proto::Udp, kAny, 53), pid(200), 2, SocketState::Close),
        bare(key(Proto::Tcp, kLocal, 53), pid(200), 3, SocketState::Listen),
        bare(key(Proto::Udp, kAny, 0), pid(200), 4, SocketState::Close),       // not bound
        bare(key(Proto::Udp, kLocal, 9999, v4(8, 8, 8, 8), 53), pid(200), 5),  // connected
        bare(tcp(40000, v4(1, 1, 1, 1), 443), pid(100), 6),
        bare(key(Proto::Tcp, kAny, 25), ProcessId{}, 7, SocketState::Listen),  // no owner
    };
    auto snap = agg.ingest(tick_at(
        kT0, {sockets_sample(sockets, {info(pid(100), "nginx"), info(pid(200), "named")})}));
    ASSERT_EQ(snap->listen_ports.size(), 4u);
    EXPECT_EQ(snap->listen_ports[0].port, 25);
    EXPECT_EQ(snap->listen_ports[0].owner.pid, 0);
    EXPECT_EQ(snap->listen_ports[0].name, "");
    EXPECT_EQ(snap->listen_ports[1].port, 53);
    EXPECT_EQ(snap->listen_ports[1].proto, Proto::Tcp);
    EXPECT_EQ(snap->listen_ports[1].addr, kLocal);
    EXPECT_EQ(snap->listen_ports[1].name, "named");
    EXPECT_EQ(snap->listen_ports[2].port, 53);
    EXPECT_EQ(snap->listen_ports[2].proto, Proto::Udp);
    EXPECT_EQ(snap->listen_ports[3].port, 443);
    EXPECT_EQ(snap->listen_ports[3].name, "nginx");
    EXPECT_EQ(snap->listen_ports[3].owner, pid(100));
}

TEST(Aggregator, InterfacesTakeDeltasWithResetAndAreSortedByName) {
    Aggregator agg;
    auto iface = [](std::string name, std::uint64_t rx, std::uint64_t tx) {
        InterfaceObs i;
        i.name = std::move(name);
        i.up = true;
        i.rx_bytes = rx;
        i.tx_bytes = tx;
        return i;
    };
    auto sample = [](std::vector<InterfaceObs> list) {
        Sample s;
        s.source = "netlink";
        s.has_interfaces = true;
        s.interfaces = std::move(list);
        return s;
    };
    agg.ingest(tick_at(kT0, {sample({iface("lo", 1000, 1000), iface("eth0", 50000, 9000)})}));
    auto snap =
        agg.ingest(tick_at(kT0 + 1s, {sample({iface("lo", 1500, 1200), iface("eth0", 10, 9900)})}));
    ASSERT_EQ(snap->interfaces.size(), 2u);
    EXPECT_EQ(snap->interfaces[0].name, "eth0");
    EXPECT_EQ(snap->interfaces[0].traffic.rx_bytes, 0u);  // counter went back: a reset
    EXPECT_EQ(snap->interfaces[0].traffic.tx_bytes, 900u);
    EXPECT_EQ(snap->interfaces[1].name, "lo");
    EXPECT_EQ(snap->interfaces[1].traffic.rx_bytes, 500u);
    EXPECT_DOUBLE_EQ(snap->interfaces[1].traffic.rx_bps, 500.0);
    EXPECT_TRUE(snap->interfaces[1].up);
    // Interface counters are not payload: they stay out of the totals.
    EXPECT_EQ(snap->totals.rx_bytes, 0u);

    // The list comes from the latest sample with interfaces: eth0 vanished.
    snap = agg.ingest(tick_at(kT0 + 2s, {sample({iface("lo", 1600, 1200)})}));
    ASSERT_EQ(snap->interfaces.size(), 1u);
    EXPECT_EQ(snap->interfaces[0].name, "lo");
    EXPECT_EQ(snap->interfaces[0].traffic.rx_bytes, 600u);
    // A tick without an interface sample keeps the last list.
    snap = agg.ingest(tick_at(kT0 + 3s, {}));
    ASSERT_EQ(snap->interfaces.size(), 1u);
}

TEST(Aggregator, DefaultRouteFlagFollowsTheLatestInterfaceSample) {
    Aggregator agg;
    auto iface = [](std::string name, bool default_route) {
        InterfaceObs i;
        i.name = std::move(name);
        i.up = true;
        i.default_route = default_route;
        return i;
    };
    auto sample = [](std::vector<InterfaceObs> list) {
        Sample s;
        s.source = "netlink";
        s.has_interfaces = true;
        s.interfaces = std::move(list);
        return s;
    };
    // First sight (a baseline) already carries the flag.
    auto snap = agg.ingest(tick_at(kT0, {sample({iface("eth0", true), iface("lo", false)})}));
    ASSERT_EQ(snap->interfaces.size(), 2u);
    EXPECT_EQ(snap->interfaces[0].name, "eth0");
    EXPECT_TRUE(snap->interfaces[0].default_route);
    EXPECT_FALSE(snap->interfaces[1].default_route);
    // The default route moved to wlan0: the flag is the latest sample's, not sticky.
    snap = agg.ingest(tick_at(
        kT0 + 1s, {sample({iface("eth0", false), iface("lo", false), iface("wlan0", true)})}));
    ASSERT_EQ(snap->interfaces.size(), 3u);
    EXPECT_FALSE(snap->interfaces[0].default_route);
    EXPECT_FALSE(snap->interfaces[1].default_route);
    EXPECT_EQ(snap->interfaces[2].name, "wlan0");
    EXPECT_TRUE(snap->interfaces[2].default_route);
}

TEST(Aggregator, ClosedSocketFinalCountersAreCreditedToItsOwner) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    const auto keep = tcp(40001, v4(2, 2, 2, 2), 443);
    auto live = sock(a, pid(100), 1000, 100, 11);
    live.cookie = 77;
    agg.ingest(tick_at(kT0, {sockets_sample({live, sock(keep, pid(100), 0, 0, 12)})}));
    // The final record has no inode and no owner: matched by cookie, owner from before.
    SocketObs final_record = sock(a, ProcessId{}, 1600, 150, 0, SocketState::Close);
    final_record.cookie = 77;
    final_record.closed = true;
    auto snap = agg.ingest(
        tick_at(kT0 + 1s, {sockets_sample({sock(keep, pid(100), 0, 0, 12), final_record})}));
    const auto* p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.rx_bytes, 600u);
    EXPECT_EQ(p->traffic.tx_bytes, 50u);
    EXPECT_EQ(snap->unattributed.rx_bytes, 0u);
    ASSERT_EQ(p->sockets.size(), 1u);  // the closed socket left the list
    EXPECT_EQ(p->sockets[0].key, keep);
    ASSERT_EQ(snap->remote_hosts.size(), 1u);  // no connection to 1.1.1.1 is live
    EXPECT_EQ(agg.table_sizes().sockets, 1u);
}

TEST(Aggregator, ClosedSocketBornBetweenTicksCountsWhole) {
    Aggregator agg;
    const auto keep = tcp(40001, v4(2, 2, 2, 2), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({sock(keep, pid(100), 0, 0, 12)})}));
    SocketObs final_record =
        sock(tcp(40000, v4(1, 1, 1, 1), 443), pid(100), 700, 70, 0, SocketState::Close);
    final_record.cookie = 5;
    final_record.closed = true;
    auto snap = agg.ingest(
        tick_at(kT0 + 1s, {sockets_sample({sock(keep, pid(100), 0, 0, 12), final_record})}));
    const auto* p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.rx_bytes, 700u);
    EXPECT_EQ(p->traffic.tx_bytes, 70u);
}

TEST(Aggregator, ClosingSocketDoesNotMakeProcessRateJump) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    const auto b = tcp(40001, v4(1, 1, 1, 1), 443);
    agg.ingest(
        tick_at(kT0, {sockets_sample({sock(a, pid(100), 0, 0, 1), sock(b, pid(100), 0, 0, 2)})}));
    agg.ingest(tick_at(kT0 + 1s, {sockets_sample({sock(a, pid(100), 1000, 0, 1),
                                                  sock(b, pid(100), 1000, 0, 2)})}));
    SocketObs final_b = sock(b, pid(100), 2000, 0, 2, SocketState::Close);
    final_b.closed = true;
    auto snap =
        agg.ingest(tick_at(kT0 + 2s, {sockets_sample({sock(a, pid(100), 2000, 0, 1), final_b})}));
    const auto* p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_DOUBLE_EQ(p->traffic.rx_bps, 2000.0);  // both sockets' last second still counts
    EXPECT_EQ(p->traffic.rx_bytes, 4000u);
    EXPECT_EQ(p->sockets.size(), 1u);
}

TEST(Aggregator, LateFlowBytesOfAClosedSocketGoToItsOwner) {
    Aggregator agg;
    const auto u = key(Proto::Udp, kLocal, 50000, v4(9, 9, 9, 9), 53);
    agg.ingest(tick_at(kT0, {sockets_sample({bare(u, pid(100), 11)}), flows_sample({})}));
    SocketObs final_record = bare(u, ProcessId{}, 0, SocketState::Close);
    final_record.closed = true;
    agg.ingest(tick_at(kT0 + 1s, {sockets_sample({final_record}),
                                  flows_sample({flow(u, 400, 60)})}));  // born later: whole
    auto snap =
        agg.ingest(tick_at(kT0 + 2s, {sockets_sample({bare(tcp(1, kLocal, 2), pid(100), 5)}),
                                      flows_sample({flow(u, 500, 60)})}));
    const auto* p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.rx_bytes, 500u);
    EXPECT_EQ(p->traffic.tx_bytes, 60u);
    EXPECT_EQ(snap->unattributed.rx_bytes, 0u);
}

TEST(Aggregator, FlowBytesJoinASocketWithoutCounters) {
    Aggregator agg;
    const auto u = key(Proto::Udp, kLocal, 50000, v4(9, 9, 9, 9), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({bare(u, pid(100), 11)}),
                             flows_sample({flow(u, 10000, 10000)})}));  // baseline
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample({bare(u, pid(100), 11)}),
                                              flows_sample({flow(u, 10800, 10100)})}));
    const auto* p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.rx_bytes, 800u);
    EXPECT_EQ(p->traffic.tx_bytes, 100u);
    ASSERT_EQ(p->sockets.size(), 1u);
    EXPECT_TRUE(p->sockets[0].measured);
    EXPECT_EQ(p->sockets[0].traffic.rx_bytes, 800u);
    ASSERT_EQ(snap->remote_hosts.size(), 1u);
    EXPECT_EQ(snap->remote_hosts[0].traffic.rx_bytes, 800u);
    EXPECT_EQ(snap->unattributed.rx_bytes, 0u);
}

TEST(Aggregator, FlowsReachUnconnectedUdpSocketsByPortExactAddressFirst) {
    Aggregator agg;
    const auto other = v4(10, 0, 0, 2);
    const auto wildcard = key(Proto::Udp, kAny, 53);
    const auto exact = key(Proto::Udp, other, 53);
    const auto connected = key(Proto::Udp, kLocal, 53, v4(7, 7, 7, 7), 5000);
    const std::vector<SocketObs> sockets{bare(wildcard, pid(100), 1, SocketState::Close),
                                         bare(exact, pid(200), 2, SocketState::Close),
                                         bare(connected, pid(300), 3)};
    const auto f_any = key(Proto::Udp, kLocal, 53, v4(1, 2, 3, 4), 4000);
    const auto f_exact = key(Proto::Udp, other, 53, v4(1, 2, 3, 4), 4000);
    const auto f_other_port = key(Proto::Udp, kLocal, 54, v4(1, 2, 3, 4), 4000);
    agg.ingest(tick_at(kT0, {sockets_sample(sockets), flows_sample({})}));
    auto snap = agg.ingest(
        tick_at(kT0 + 1s, {sockets_sample(sockets),
                           flows_sample({flow(f_any, 100, 10), flow(f_exact, 200, 20),
                                         flow(connected, 300, 30), flow(f_other_port, 7, 0)})}));
    const auto* wild = find_process(*snap, pid(100));
    const auto* ex = find_process(*snap, pid(200));
    const auto* conn = find_process(*snap, pid(300));
    ASSERT_TRUE(wild && ex && conn);
    EXPECT_EQ(wild->traffic.rx_bytes, 100u);
    EXPECT_EQ(ex->traffic.rx_bytes, 200u);
    EXPECT_EQ(conn->traffic.rx_bytes, 300u);  // the connected socket wins its own flow
    EXPECT_EQ(snap->unattributed.rx_bytes, 7u);
    EXPECT_TRUE(wild->sockets[0].measured);
    // Unconnected sockets have no remote host; the connected one does.
    ASSERT_EQ(snap->remote_hosts.size(), 1u);
    EXPECT_EQ(snap->remote_hosts[0].addr, v4(7, 7, 7, 7));
}

// The labels a process carries for `key`, in order.
std::vector<std::string> labels_of(const sstop::ProcessSummary& p, std::string_view key) {
    std::vector<std::string> out;
    for (const auto& l : p.info.labels)
        if (l.key == key) out.push_back(l.value);
    return out;
}

TEST(Aggregator, UnconnectedUdpSocketsListThePeersOfTheirFlows) {
    sstop::core::AggregatorConfig config;
    config.stale_after_s = 5;
    Aggregator agg(config);
    const auto sender = key(Proto::Udp, kAny, 5000);
    const auto connected = key(Proto::Udp, kLocal, 6000, v4(7, 7, 7, 7), 53);
    const std::vector<SocketObs> sockets{bare(sender, pid(100), 1, SocketState::Close),
                                         bare(connected, pid(100), 2)};
    auto to = [](std::uint8_t last, std::uint16_t port) {
        return key(Proto::Udp, kLocal, 5000, v4(192, 0, 2, last), port);
    };
    agg.ingest(tick_at(kT0, {sockets_sample(sockets), flows_sample({})}));
    auto snap = agg.ingest(
        tick_at(kT0 + 1s, {sockets_sample(sockets),
                           flows_sample({flow(to(1, 53), 0, 100), flow(to(2, 53), 0, 100),
                                         flow(to(2, 123), 10, 100), flow(connected, 5, 5)})}));
    const auto* p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(labels_of(*p, "udp_peer"),
              (std::vector<std::string>{"192.0.2.1:53", "192.0.2.2:53", "192.0.2.2:123"}));
    EXPECT_TRUE(labels_of(*p, "udp_peers_dropped").empty());
    EXPECT_EQ(p->traffic.tx_bytes, 305u);  // the peers' bytes are the socket's
    // A peer that stops moving bytes is forgotten after stale_after; the others stay listed.
    snap = agg.ingest(tick_at(
        kT0 + 7s,
        {sockets_sample(sockets), flows_sample({flow(to(1, 53), 0, 200), flow(to(2, 53), 0, 100),
                                                flow(to(2, 123), 10, 100)})}));
    p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(labels_of(*p, "udp_peer"), (std::vector<std::string>{"192.0.2.1:53"}));
}

TEST(Aggregator, UdpPeersAreBoundedAndTheRestCounted) {
    Aggregator agg;
    const auto sender = key(Proto::Udp, kAny, 5000);
    const std::vector<SocketObs> sockets{bare(sender, pid(100), 1, SocketState::Close)};
    std::vector<FlowBytes> flows;
    for (int i = 0; i < 100; ++i)
        flows.push_back(flow(
            key(Proto::Udp, kLocal, 5000, v4(192, 0, 2, static_cast<std::uint8_t>(i)), 53), 0, 10));
    agg.ingest(tick_at(kT0, {sockets_sample(sockets), flows_sample({})}));
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample(sockets), flows_sample(flows)}));
    const auto* p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(labels_of(*p, "udp_peer").size(), sstop::core::kMaxUdpPeersPerProcess);
    EXPECT_EQ(labels_of(*p, "udp_peers_dropped"),
              std::vector<std::string>{std::to_string(100 - sstop::core::kMaxUdpPeersPerSocket)});
    EXPECT_EQ(p->traffic.tx_bytes, 1000u);  // every byte still counts
}

TEST(Aggregator, PortlessFlowsReachPingAndRawSocketsByProtocolAndLocalAddress) {
    Aggregator agg;
    const auto other = v4(10, 0, 0, 2);
    const auto peer = v4(1, 2, 3, 4);
    // A ping socket (its echo id as local port, connected), an unbound raw socket of protocol
    // 253, and a raw socket of 253 bound to another address.
    const auto ping = key(Proto::Icmp, kLocal, 0xB41D, peer, 0);
    const auto raw_any = key(static_cast<Proto>(253), kAny, 0);
    const auto raw_other = key(static_cast<Proto>(253), other, 0);
    const std::vector<SocketObs> sockets{bare(ping, pid(100), 1), bare(raw_any, pid(200), 2),
                                         bare(raw_other, pid(300), 3, SocketState::Close)};
    const auto f_icmp = key(Proto::Icmp, kLocal, 0, peer, 0);
    const auto f_raw = key(static_cast<Proto>(253), kLocal, 0, peer, 0);
    const auto f_raw_other = key(static_cast<Proto>(253), other, 0, peer, 0);
    const auto f_esp = key(static_cast<Proto>(50), kLocal, 0, peer, 0);  // nobody's
    agg.ingest(tick_at(kT0, {sockets_sample(sockets), flows_sample({})}));
    auto snap = agg.ingest(tick_at(
        kT0 + 1s,
        {sockets_sample(sockets), flows_sample({flow(f_icmp, 1008, 1008), flow(f_raw, 500, 400),
                                                flow(f_raw_other, 30, 20), flow(f_esp, 9, 8)})}));
    const auto* pinger = find_process(*snap, pid(100));
    const auto* raw = find_process(*snap, pid(200));
    const auto* bound = find_process(*snap, pid(300));
    ASSERT_TRUE(pinger && raw && bound);
    EXPECT_EQ(pinger->traffic.rx_bytes, 1008u);
    EXPECT_EQ(pinger->traffic.tx_bytes, 1008u);
    EXPECT_EQ(raw->traffic.rx_bytes, 500u);
    EXPECT_EQ(raw->traffic.tx_bytes, 400u);
    EXPECT_EQ(bound->traffic.rx_bytes, 30u) << "the exact local address wins";
    EXPECT_EQ(snap->unattributed.rx_bytes, 9u);
    EXPECT_EQ(snap->unattributed.tx_bytes, 8u);
    EXPECT_EQ(sum_rx(*snap), snap->totals.rx_bytes);
    EXPECT_EQ(sum_tx(*snap), snap->totals.tx_bytes);
}

TEST(Aggregator, RoutedCopiesOfAContainersSocketCountOnceForIt) {
    const auto container = v4(10, 78, 1, 2);
    const auto peer = v4(10, 78, 2, 2);
    // The container's socket (namespace 7, read without counters); sstop's namespace only
    // forwards its packets. Each is seen twice by sstop's capture: leaving towards the peer
    // (the container's orientation) and arriving from the container (reversed).
    SocketKey up = key(Proto::Tcp, container, 40000, peer, 7110);
    up.netns = 7;
    const auto out_copy = key(Proto::Tcp, container, 40000, peer, 7110);
    const auto in_copy = key(Proto::Tcp, peer, 7110, container, 40000);
    const auto stray = key(Proto::Tcp, v4(10, 78, 9, 9), 1, peer, 2);  // nobody's
    const std::vector<FlowBytes> flows{flow(out_copy, 0, 3000), flow(in_copy, 3000, 0),
                                       flow(stray, 5, 0)};
    {
        Aggregator agg;
        const std::vector<SocketObs> sockets{bare(up, pid(100), 1)};
        agg.ingest(tick_at(kT0, {sockets_sample(sockets), flows_sample({})}));
        auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample(sockets), flows_sample(flows)}));
        const auto* c = find_process(*snap, pid(100));
        ASSERT_NE(c, nullptr);
        EXPECT_EQ(c->traffic.tx_bytes, 3000u);
        EXPECT_EQ(c->traffic.rx_bytes, 0u);
        EXPECT_EQ(snap->unattributed.rx_bytes, 5u) << "the reversed copy is not unattributed";
        EXPECT_EQ(counter(*snap, "core.forwarded_bytes"), 3000u);
        EXPECT_EQ(sum_rx(*snap), snap->totals.rx_bytes);
        EXPECT_EQ(sum_tx(*snap), snap->totals.tx_bytes);
    }
    {
        // The peer's socket is known too, with its own counters (netlink entered its
        // namespace): the reversed copy is its receive side, already counted by it.
        Aggregator agg;
        SocketKey down = key(Proto::Tcp, peer, 7110, container, 40000);
        down.netns = 8;
        std::vector<SocketObs> sockets{bare(up, pid(100), 1), sock(down, pid(200), 0, 0, 2)};
        agg.ingest(tick_at(kT0, {sockets_sample(sockets), flows_sample({})}));
        sockets[1].rx_bytes = 3000;
        auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample(sockets), flows_sample(flows)}));
        const auto* c = find_process(*snap, pid(100));
        const auto* p = find_process(*snap, pid(200));
        ASSERT_TRUE(c && p);
        EXPECT_EQ(c->traffic.tx_bytes, 3000u);
        EXPECT_EQ(p->traffic.rx_bytes, 3000u) << "from its counters, not again from the flow";
        EXPECT_EQ(snap->unattributed.rx_bytes, 5u);
        EXPECT_EQ(sum_rx(*snap), snap->totals.rx_bytes);
    }
}

TEST(Aggregator, SocketWithCountersConsumesItsFlowWithoutDoubleCounting) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(
        kT0, {sockets_sample({sock(a, pid(100), 0, 0, 11)}), flows_sample({flow(a, 0, 0)})}));
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample({sock(a, pid(100), 1000, 40, 11)}),
                                              flows_sample({flow(a, 1000, 40)})}));
    const auto* p = find_process(*snap, pid(100));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.rx_bytes, 1000u);
    EXPECT_EQ(snap->unattributed.rx_bytes, 0u);
    EXPECT_EQ(snap->totals.rx_bytes, 1000u);
    EXPECT_EQ(snap->totals.tx_bytes, 40u);
}

TEST(Aggregator, UnattributedBucketAndTotalsIdentityHoldExactly) {
    Aggregator agg;
    const auto owned = tcp(40000, v4(1, 1, 1, 1), 443);
    const auto ownerless = tcp(40001, v4(2, 2, 2, 2), 443);
    const auto udp_owned = key(Proto::Udp, kLocal, 6000, v4(3, 3, 3, 3), 6000);
    const auto stray = key(Proto::Udp, kLocal, 7000, v4(4, 4, 4, 4), 7000);
    std::uint64_t n = 0;
    auto tick = [&](Clock::time_point t) {
        ++n;
        return tick_at(
            t, {sockets_sample({sock(owned, pid(100), 111 * n, 13 * n, 1),
                                sock(ownerless, ProcessId{}, 1000 * n, 7 * n, 2),
                                bare(udp_owned, pid(200), 3)}),
                flows_sample({flow(udp_owned, 17 * n, 19 * n), flow(stray, 23 * n, 29 * n)})});
    };
    agg.ingest(tick(kT0));
    std::shared_ptr<const Snapshot> snap;
    for (int i = 1; i <= 9; ++i) {
        snap = agg.ingest(tick(kT0 + i * 700ms));
        EXPECT_EQ(snap->totals.rx_bytes, sum_rx(*snap));
        EXPECT_EQ(snap->totals.tx_bytes, sum_tx(*snap));
    }
    EXPECT_EQ(snap->unattributed.rx_bytes, 9u * (1000 + 23));
    EXPECT_EQ(snap->unattributed.tx_bytes, 9u * (7 + 29));
    EXPECT_EQ(find_process(*snap, pid(100))->traffic.rx_bytes, 9u * 111);
    EXPECT_EQ(find_process(*snap, pid(200))->traffic.tx_bytes, 9u * 19);
    EXPECT_NEAR(snap->totals.rx_bps, (111.0 + 1000 + 17 + 23) / 0.7, 1e-6);
    EXPECT_NEAR(snap->unattributed.rx_bps, (1000.0 + 23) / 0.7, 1e-6);
}

TEST(Aggregator, StaleSocketsExpireAfterThirtySecondsButKeepLateFlowBytes) {
    Aggregator agg;
    const auto gone = key(Proto::Udp, kLocal, 50000, v4(9, 9, 9, 9), 53);
    const auto keep = tcp(40000, v4(1, 1, 1, 1), 443);
    agg.ingest(
        tick_at(kT0, {sockets_sample({bare(gone, pid(100), 1), sock(keep, pid(200), 0, 0, 2)}),
                      flows_sample({flow(gone, 0, 0)})}));
    EXPECT_EQ(agg.table_sizes().sockets, 2u);
    // The socket vanished from the sample without a final record.
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample({sock(keep, pid(200), 0, 0, 2)}),
                                              flows_sample({flow(gone, 300, 0)})}));
    // No live socket, but its late bytes are its owner's, so it is listed with them.
    ASSERT_NE(find_process(*snap, pid(100)), nullptr);
    EXPECT_EQ(find_process(*snap, pid(100))->traffic.rx_bytes, 300u);
    EXPECT_EQ(find_process(*snap, pid(100))->connections, 0u);
    EXPECT_EQ(snap->unattributed.rx_bytes, 0u);
    EXPECT_EQ(snap->totals.rx_bytes, 300u);
    EXPECT_EQ(agg.table_sizes().sockets, 2u);
    EXPECT_EQ(agg.table_sizes().processes, 2u);

    agg.ingest(tick_at(kT0 + 29s, {sockets_sample({sock(keep, pid(200), 0, 0, 2)})}));
    EXPECT_EQ(agg.table_sizes().sockets, 2u);  // unseen for 29 s
    EXPECT_EQ(agg.table_sizes().processes, 2u);
    agg.ingest(tick_at(kT0 + 30s, {sockets_sample({sock(keep, pid(200), 0, 0, 2)})}));
    EXPECT_EQ(agg.table_sizes().sockets, 1u);  // unseen for 30 s: gone from every table
    EXPECT_EQ(agg.table_sizes().remote_hosts, 1u);
    EXPECT_EQ(agg.table_sizes().flows, 1u);      // its flow last reported at +1 s
    EXPECT_EQ(agg.table_sizes().processes, 2u);  // its owner last had traffic at +1 s
    agg.ingest(tick_at(kT0 + 31s, {sockets_sample({sock(keep, pid(200), 0, 0, 2)})}));
    EXPECT_EQ(agg.table_sizes().flows, 0u);
    EXPECT_EQ(agg.table_sizes().processes, 1u);
    // Later flow bytes for the forgotten socket are nobody's.
    snap = agg.ingest(tick_at(kT0 + 32s, {sockets_sample({sock(keep, pid(200), 0, 0, 2)}),
                                          flows_sample({flow(gone, 100, 0)})}));
    EXPECT_EQ(snap->unattributed.rx_bytes, 100u);
}

TEST(Aggregator, StaleExpiryHonoursTheConfiguredAge) {
    AggregatorConfig cfg;
    cfg.stale_after_s = 5;
    Aggregator agg(cfg);
    agg.ingest(tick_at(kT0, {sockets_sample({bare(tcp(1, v4(1, 1, 1, 1), 2), pid(1), 1)})}));
    agg.ingest(tick_at(kT0 + 4s, {sockets_sample({})}));
    EXPECT_EQ(agg.table_sizes().sockets, 1u);
    agg.ingest(tick_at(kT0 + 5s, {sockets_sample({})}));
    EXPECT_EQ(agg.table_sizes().sockets, 0u);
    EXPECT_EQ(agg.table_sizes().processes, 0u);
}

TEST(Aggregator, SocketFloodStaysWithinBoundsAndMemoryIsFlat) {
    AggregatorConfig cfg;
    cfg.max_sockets = 1000;
    cfg.max_flows = 500;
    cfg.max_processes = 100;
    cfg.max_remote_hosts = 300;
    Aggregator agg(cfg);
    std::uint32_t next = 0;
    std::vector<sstop::core::TableSizes> sizes;
    std::shared_ptr<const Snapshot> snap;
    for (int t = 0; t < 6; ++t) {
        Sample socks;
        socks.source = "netlink";
        socks.has_sockets = true;
        std::vector<FlowBytes> flows;
        for (std::size_t i = 0; i < 2 * cfg.max_sockets; ++i, ++next) {
            const auto remote =
                v4(100, static_cast<std::uint8_t>(next >> 16), static_cast<std::uint8_t>(next >> 8),
                   static_cast<std::uint8_t>(next));
            const auto k = tcp(static_cast<std::uint16_t>(next), remote, 443);
            socks.sockets.push_back(
                sock(k, pid(static_cast<std::int32_t>(1 + next % 250)), 10, 10, next + 1));
            flows.push_back(flow(key(Proto::Udp, kLocal, 9, remote, 9), 5, 5));
        }
        snap = agg.ingest(tick_at(kT0 + t * 1s, {socks, flows_sample(flows)}));
        const auto s = agg.table_sizes();
        EXPECT_LE(s.sockets, cfg.max_sockets);
        EXPECT_LE(s.flows, cfg.max_flows);
        EXPECT_LE(s.processes, cfg.max_processes);
        EXPECT_LE(s.remote_hosts, cfg.max_remote_hosts);
        EXPECT_LE(snap->processes.size(), cfg.max_processes);
        sizes.push_back(s);
    }
    // Flat: once full, the tables do not grow with more distinct sockets.
    EXPECT_EQ(sizes[2].sockets, sizes.back().sockets);
    EXPECT_EQ(sizes[2].flows, sizes.back().flows);
    EXPECT_EQ(sizes.back().sockets, cfg.max_sockets);
    EXPECT_GT(counter(*snap, "core.dropped_sockets"), 0u);
    EXPECT_GT(counter(*snap, "core.evicted_sockets"), 0u);
    EXPECT_GT(counter(*snap, "core.dropped_flows"), 0u);
    EXPECT_GT(counter(*snap, "core.dropped_processes"), 0u);
    EXPECT_GT(counter(*snap, "core.dropped_remote_hosts"), 0u);
    // Bytes of sockets whose process could not be tracked are not lost: they are
    // unattributed. (Totals also hold bytes of tracked processes that are not listed.)
    EXPECT_GT(snap->unattributed.rx_bytes, 0u);
    EXPECT_GE(snap->totals.rx_bytes, sum_rx(*snap));
}

TEST(Aggregator, ClosedRecordFloodKeepsRecentlyClosedMemoryBounded) {
    AggregatorConfig cfg;
    cfg.max_sockets = 100;
    Aggregator agg(cfg);
    std::shared_ptr<const Snapshot> snap;
    std::uint16_t port = 1;
    for (int t = 0; t < 5; ++t) {
        Sample s;
        s.source = "netlink";
        s.has_sockets = true;
        for (int i = 0; i < 100; ++i, ++port) {
            auto rec = sock(tcp(port, v4(1, 1, 1, 1), 443), pid(1), 10, 10, 0, SocketState::Close);
            rec.closed = true;
            rec.cookie = port;
            s.sockets.push_back(rec);
        }
        snap = agg.ingest(tick_at(kT0 + t * 1s, {s}));
        EXPECT_EQ(agg.table_sizes().sockets, 0u);
    }
    EXPECT_EQ(counter(*snap, "core.evicted_closed"), 400u);
    // Born between ticks and gone: their whole counters count (after the first tick).
    EXPECT_EQ(snap->totals.rx_bytes, 4u * 100 * 10);
}

TEST(Aggregator, ReusedPidWithNewStartTimeIsANewProcess) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    const auto b = tcp(40001, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(
        kT0, {sockets_sample({sock(a, pid(100, 1), 0, 0, 1)}, {info(pid(100, 1), "old")})}));
    agg.ingest(tick_at(kT0 + 1s, {sockets_sample({sock(a, pid(100, 1), 5000, 0, 1)},
                                                 {info(pid(100, 1), "old")})}));
    auto snap = agg.ingest(tick_at(
        kT0 + 2s, {sockets_sample({sock(b, pid(100, 9), 70, 0, 2)}, {info(pid(100, 9), "new")})}));
    const auto* fresh = find_process(*snap, pid(100, 9));
    ASSERT_NE(fresh, nullptr);
    EXPECT_EQ(fresh->info.name, "new");
    EXPECT_EQ(fresh->traffic.rx_bytes, 70u);  // none of the old process's 5000
    // The old process is a different entry: listed with what it moved until it goes stale.
    const auto* old = find_process(*snap, pid(100, 1));
    ASSERT_NE(old, nullptr);
    EXPECT_EQ(old->info.name, "old");
    EXPECT_EQ(old->traffic.rx_bytes, 5000u);
    EXPECT_EQ(old->connections, 0u);
    EXPECT_EQ(agg.table_sizes().processes, 2u);
}

TEST(Aggregator, HistoryRingSizesComeFromTheConfig) {
    AggregatorConfig cfg;
    cfg.process_history = 5;
    cfg.system_history = 7;
    Aggregator agg(cfg);
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    std::shared_ptr<const Snapshot> snap;
    for (int i = 0; i <= 20; ++i)
        snap = agg.ingest(tick_at(
            kT0 + i * 1s,
            {sockets_sample({sock(a, pid(100), static_cast<std::uint64_t>(i) * 100, 0, 1)})}));
    ASSERT_EQ(snap->processes.size(), 1u);
    EXPECT_EQ(snap->processes[0].history.size(), 5u);
    EXPECT_EQ(snap->rx_history.size(), 7u);
    EXPECT_EQ(snap->tx_history.size(), 7u);
}

TEST(Aggregator, HistoriesAreCappedAtSixteenAndSixty) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    std::shared_ptr<const Snapshot> snap;
    for (int i = 0; i <= 70; ++i) {
        snap = agg.ingest(tick_at(
            kT0 + i * 1s,
            {sockets_sample({sock(a, pid(100), static_cast<std::uint64_t>(i) * 100, 0, 1)})}));
        if (i == 3) {
            EXPECT_EQ(snap->processes[0].history.size(), 3u);  // one point per tick after seq 0
            EXPECT_EQ(snap->rx_history.size(), 3u);
        }
    }
    ASSERT_EQ(snap->processes.size(), 1u);
    EXPECT_EQ(snap->processes[0].history.size(), 16u);
    EXPECT_EQ(snap->rx_history.size(), 60u);
    EXPECT_EQ(snap->tx_history.size(), 60u);
    EXPECT_DOUBLE_EQ(snap->processes[0].history.back(), 100.0);
    EXPECT_DOUBLE_EQ(snap->rx_history.back(), 100.0);
}

TEST(Aggregator, SnapshotCopiesTickFieldsAndPrefixesCounters) {
    Aggregator agg;
    TickInput t = tick_at(kT0, {sockets_sample({})});
    t.samples[0].counters.push_back({"malformed_lines", 3});
    t.sources = {"netlink", "afpacket"};
    t.unix_time_ns = 1'700'000'000'000'000'000;
    t.notices.push_back({sstop::Notice::Level::Warning, "netlink failed, using procnet"});
    auto snap = agg.ingest(t);
    EXPECT_EQ(snap->seq, 0u);
    EXPECT_EQ(snap->sources, t.sources);
    EXPECT_EQ(snap->unix_time_ns, t.unix_time_ns);
    ASSERT_EQ(snap->notices.size(), 1u);
    EXPECT_EQ(snap->notices[0].text, "netlink failed, using procnet");
    EXPECT_EQ(counter(*snap, "netlink.malformed_lines"), 3u);
    EXPECT_EQ(counter(*snap, "core.dropped_sockets"), 0u);
    t.now = kT0 + 2500ms;
    snap = agg.ingest(t);
    EXPECT_EQ(snap->seq, 1u);
    EXPECT_DOUBLE_EQ(snap->interval_s, 2.5);
    snap = agg.ingest(t);
    EXPECT_EQ(snap->seq, 2u);
    EXPECT_DOUBLE_EQ(snap->interval_s, 0.0);
}

TEST(Aggregator, SocketsAbsentFromTheLatestSampleAreNotListed) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    const auto b = tcp(40001, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({bare(a, pid(100), 1), bare(b, pid(200), 2)})}));
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample({bare(a, pid(100), 1)})}));
    ASSERT_EQ(snap->processes.size(), 1u);
    EXPECT_EQ(snap->processes[0].info.id, pid(100));
    ASSERT_EQ(snap->remote_hosts.size(), 1u);
    EXPECT_EQ(snap->remote_hosts[0].connections, 1u);
    // A tick with no socket sample at all (source hiccup) keeps the last list.
    snap = agg.ingest(tick_at(kT0 + 2s, {flows_sample({})}));
    ASSERT_EQ(snap->processes.size(), 1u);
}

TEST(Aggregator, FinalRecordWithoutInodeMatchesByTupleButNotAReusedOne) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    const auto keep = tcp(40001, v4(2, 2, 2, 2), 443);
    // Known by (5-tuple, inode) only, as a source without cookies reports it.
    agg.ingest(tick_at(
        kT0, {sockets_sample({sock(a, pid(100), 100, 0, 11), sock(keep, pid(100), 0, 0, 12)})}));
    SocketObs final_record = sock(a, ProcessId{}, 400, 0, 0, SocketState::Close);
    final_record.closed = true;
    auto snap = agg.ingest(
        tick_at(kT0 + 1s, {sockets_sample({sock(keep, pid(100), 0, 0, 12), final_record})}));
    EXPECT_EQ(find_process(*snap, pid(100))->traffic.rx_bytes, 300u);
    EXPECT_EQ(agg.table_sizes().sockets, 1u);

    // A live socket on the same 5-tuple with another cookie is not the one that closed.
    Aggregator agg2;
    auto live = sock(a, pid(100), 100, 0, 0);
    live.cookie = 5;
    agg2.ingest(tick_at(kT0, {sockets_sample({live})}));
    SocketObs other = sock(a, ProcessId{}, 900, 0, 0, SocketState::Close);
    other.cookie = 6;
    other.closed = true;
    live.rx_bytes = 150;
    snap = agg2.ingest(tick_at(kT0 + 1s, {sockets_sample({live, other})}));
    ASSERT_EQ(snap->processes.size(), 1u);
    EXPECT_EQ(snap->processes[0].sockets.size(), 1u);  // the live socket stays listed
    EXPECT_EQ(snap->processes[0].traffic.rx_bytes, 50u);
    EXPECT_EQ(snap->unattributed.rx_bytes, 900u);  // born and closed between ticks, no owner
}

TEST(Aggregator, FinalRecordsInAnEventOnlySampleCountAfterStart) {
    Aggregator agg;
    const auto keep = tcp(40001, v4(2, 2, 2, 2), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({sock(keep, pid(100), 0, 0, 12)})}));
    Sample events;
    events.source = "netlink-events";
    SocketObs final_record =
        sock(tcp(40000, v4(1, 1, 1, 1), 443), pid(100), 800, 80, 0, SocketState::Close);
    final_record.cookie = 9;
    final_record.closed = true;
    events.sockets.push_back(final_record);
    auto snap =
        agg.ingest(tick_at(kT0 + 1s, {sockets_sample({sock(keep, pid(100), 0, 0, 12)}), events}));
    EXPECT_EQ(find_process(*snap, pid(100))->traffic.rx_bytes, 800u);
}

TEST(Aggregator, ProcessThatExitsAfterATransferStaysListedUntilStale) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({})}));
    // Born and gone between two ticks: only its final record and its info arrive.
    SocketObs final_record = sock(a, pid(300), 0, 5000, 0, SocketState::Close);
    final_record.cookie = 9;
    final_record.closed = true;
    auto snap =
        agg.ingest(tick_at(kT0 + 1s, {sockets_sample({final_record}, {info(pid(300), "short")})}));
    const auto* p = find_process(*snap, pid(300));
    ASSERT_NE(p, nullptr) << "a process with traffic and no socket left is still shown";
    EXPECT_EQ(p->info.name, "short");
    EXPECT_EQ(p->traffic.tx_bytes, 5000u);
    EXPECT_EQ(p->connections, 0u);
    EXPECT_EQ(sum_tx(*snap), snap->totals.tx_bytes);
    // Still listed with its bytes while quiet for less than stale_after …
    snap = agg.ingest(tick_at(kT0 + 20s, {sockets_sample({})}));
    ASSERT_NE(find_process(*snap, pid(300)), nullptr);
    EXPECT_EQ(sum_tx(*snap), snap->totals.tx_bytes);
    // … and gone after it.
    snap = agg.ingest(tick_at(kT0 + 32s, {sockets_sample({})}));
    EXPECT_EQ(find_process(*snap, pid(300)), nullptr);
}

TEST(Aggregator, ProcessWithNoSocketAndNoTrafficIsNotListed) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({bare(a, pid(100), 1)})}));
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample({})}));
    EXPECT_EQ(find_process(*snap, pid(100)), nullptr);
}

namespace {
class FakeResolver : public sstop::core::NameResolver {
  public:
    std::string name_of(const IpAddr& addr) override {
        ++calls;
        return addr == v4(1, 1, 1, 1) ? "one.example" : "";
    }
    int calls = 0;
};
}  // namespace

TEST(Aggregator, RemoteNamesComeFromTheResolverOncePerAddressAndSnapshot) {
    Aggregator agg;
    FakeResolver resolver;
    agg.set_name_resolver(&resolver);
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    const auto b = tcp(40001, v4(1, 1, 1, 1), 80);
    const auto c = tcp(40002, v4(2, 2, 2, 2), 80);
    auto snap = agg.ingest(
        tick_at(kT0, {sockets_sample({bare(a, pid(1), 1), bare(b, pid(1), 2), bare(c, pid(1), 3)},
                                     {info(pid(1), "p")})}));
    EXPECT_EQ(resolver.calls, 2) << "two distinct addresses";
    const auto* p = find_process(*snap, pid(1));
    ASSERT_NE(p, nullptr);
    for (const auto& s : p->sockets)
        EXPECT_EQ(s.remote_name, s.key.remote.addr == v4(1, 1, 1, 1) ? "one.example" : "");
    for (const auto& h : snap->remote_hosts)
        EXPECT_EQ(h.name, h.addr == v4(1, 1, 1, 1) ? "one.example" : "");
}

TEST(Aggregator, SocketLingeringAfterItsFinalRecordIsNotCountedTwice) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({}), flows_sample({})}));
    // Opened, sent 500 bytes and closed between two ticks: the final record (with counters)
    // and the TIME_WAIT after-life (no counters, same cookie) arrive together, and the packet
    // source saw the same 500 bytes on the 5-tuple.
    SocketObs final_record = sock(a, pid(7), 0, 500, 0, SocketState::Close);
    final_record.cookie = 5;
    final_record.closed = true;
    SocketObs time_wait = bare(a, ProcessId{}, 0, SocketState::TimeWait);
    time_wait.cookie = 5;
    auto snap = agg.ingest(
        tick_at(kT0 + 1s, {sockets_sample({time_wait, final_record}, {info(pid(7), "short")}),
                           flows_sample({flow(a, 0, 500)})}));
    const auto* p = find_process(*snap, pid(7));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.tx_bytes, 500u);
    EXPECT_EQ(snap->unattributed.tx_bytes, 0u);
    EXPECT_EQ(snap->totals.tx_bytes, 500u);
    // Later ticks: the after-life keeps owning the tuple; late packets are not new bytes.
    snap = agg.ingest(
        tick_at(kT0 + 2s, {sockets_sample({time_wait}), flows_sample({flow(a, 0, 500)})}));
    EXPECT_EQ(snap->totals.tx_bytes, 500u);
}

// As recorded under a burst of short-lived processes: the after-life is listed a tick before
// the final record (destroy records come from a work queue), under another cookie (the full
// socket got its cookie at destroy), and the packet source already gave it the flow's bytes.
TEST(Aggregator, FinalRecordArrivingAfterItsAfterLifeIsNotCountedTwice) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({}), flows_sample({})}));
    SocketObs time_wait = bare(a, pid(7), 0, SocketState::TimeWait);
    time_wait.cookie = 41;
    auto snap = agg.ingest(tick_at(
        kT0 + 1s, {sockets_sample({time_wait}, {info(pid(7), "short")}),
                   flows_sample({flow(a, 0, 480)})}));  // the last 20 bytes were still queued
    const auto* p = find_process(*snap, pid(7));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.tx_bytes, 480u);
    SocketObs final_record = sock(a, pid(7), 0, 500, 0, SocketState::Close);
    final_record.cookie = 40;
    final_record.closed = true;
    snap = agg.ingest(tick_at(
        kT0 + 2s, {sockets_sample({time_wait, final_record}), flows_sample({flow(a, 0, 500)})}));
    p = find_process(*snap, pid(7));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.tx_bytes, 500u);
    EXPECT_EQ(snap->unattributed.tx_bytes, 0u);
    EXPECT_EQ(snap->totals.tx_bytes, 500u);
    // The after-life lingers; nothing more is credited.
    snap = agg.ingest(
        tick_at(kT0 + 3s, {sockets_sample({time_wait}), flows_sample({flow(a, 0, 500)})}));
    p = find_process(*snap, pid(7));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.tx_bytes, 500u);
    EXPECT_EQ(snap->totals.tx_bytes, 500u);
}

TEST(Aggregator, LiveSocketClosingIntoTimeWaitKeepsItsLastDelta) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    auto live = sock(a, pid(7), 0, 100, 11);
    live.cookie = 5;
    agg.ingest(tick_at(kT0, {sockets_sample({live})}));
    live.tx_bytes = 300;
    agg.ingest(tick_at(kT0 + 1s, {sockets_sample({live})}));
    // It sent 50 more and closed: TIME_WAIT listed without counters, final record with them.
    SocketObs final_record = sock(a, ProcessId{}, 0, 350, 0, SocketState::Close);
    final_record.cookie = 5;
    final_record.closed = true;
    SocketObs time_wait = bare(a, ProcessId{}, 0, SocketState::TimeWait);
    time_wait.cookie = 5;
    auto snap = agg.ingest(tick_at(kT0 + 2s, {sockets_sample({time_wait, final_record})}));
    const auto* p = find_process(*snap, pid(7));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.tx_bytes, 250u);  // 200 + the last 50, once
}

TEST(Aggregator, BytesCountedBeforeTheOwnerWasKnownMoveToItOnceItIs) {
    // A new process's socket is often seen a poll before its owner is mapped (a reused pid,
    // a rescan limit): its first bytes must end up with the process, not stay unattributed.
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({})}));
    auto snap = agg.ingest(tick_at(kT0 + 1s, {sockets_sample({sock(a, ProcessId{}, 0, 1000, 7)})}));
    EXPECT_EQ(snap->unattributed.tx_bytes, 1000u);
    snap = agg.ingest(
        tick_at(kT0 + 2s, {sockets_sample({sock(a, pid(9), 0, 1200, 7)}, {info(pid(9), "late")})}));
    const auto* p = find_process(*snap, pid(9));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.tx_bytes, 1200u);
    EXPECT_EQ(snap->unattributed.tx_bytes, 0u);
    EXPECT_EQ(snap->totals.tx_bytes, 1200u);
    EXPECT_EQ(sum_tx(*snap), snap->totals.tx_bytes);
}

namespace {

ProcessInfo grouped(ProcessId id, std::string name, std::string container, std::string unit) {
    ProcessInfo p = info(id, std::move(name));
    p.container = std::move(container);
    p.unit = std::move(unit);
    return p;
}

const sstop::GroupSummary* find_group(const Snapshot& snap, const std::string& kind,
                                      const std::string& name) {
    for (const auto& g : snap.groups)
        if (g.kind == kind && g.name == name) return &g;
    return nullptr;
}

}  // namespace

TEST(AggregatorGroups, ContainersAndUnitsSumTheirProcessesAndKeepBytesOfExitedOnes) {
    Aggregator agg;
    const auto a = tcp(40001, v4(1, 1, 1, 1), 443), b = tcp(40002, v4(1, 1, 1, 1), 443),
               c = tcp(40003, v4(2, 2, 2, 2), 80), d = tcp(40004, v4(3, 3, 3, 3), 22);
    const std::vector<ProcessInfo> infos{
        grouped(pid(100), "web", "0123456789ab", "docker-0123.scope"),  // container wins
        grouped(pid(101), "worker", "0123456789ab", ""),
        grouped(pid(102), "nginx", "", "nginx.service"), info(pid(103), "loose")};
    auto at = [&](std::chrono::seconds t, std::uint64_t arx, std::uint64_t btx, std::uint64_t crx,
                  bool with_b) {
        std::vector<SocketObs> socks{sock(a, pid(100), arx, 0, 1), sock(c, pid(102), crx, 0, 3),
                                     sock(d, pid(103), 50, 0, 4)};
        if (with_b) socks.push_back(sock(b, pid(101), 0, btx, 2));
        return agg.ingest(tick_at(kT0 + t, {sockets_sample(socks, infos)}));
    };
    at(0s, 0, 0, 0, true);
    auto snap = at(1s, 1000, 500, 200, true);
    ASSERT_EQ(snap->groups.size(), 2u);
    EXPECT_EQ(snap->groups[0].kind, "container");  // by rate: 1500 B/s before 200 B/s
    const auto* box = find_group(*snap, "container", "0123456789ab");
    ASSERT_NE(box, nullptr);
    EXPECT_EQ(box->traffic.rx_bytes, 1000u);
    EXPECT_EQ(box->traffic.tx_bytes, 500u);
    EXPECT_DOUBLE_EQ(box->traffic.rx_bps, 1000.0);
    EXPECT_EQ(box->processes, 2u);
    EXPECT_EQ(box->connections, 2u);
    const auto* unit = find_group(*snap, "unit", "nginx.service");
    ASSERT_NE(unit, nullptr);
    EXPECT_EQ(unit->traffic.rx_bytes, 200u);
    EXPECT_EQ(unit->processes, 1u);
    EXPECT_EQ(find_group(*snap, "unit", "docker-0123.scope"), nullptr);

    // The worker's socket is gone; what it sent stays in its container.
    snap = at(2s, 1100, 0, 200, false);
    box = find_group(*snap, "container", "0123456789ab");
    ASSERT_NE(box, nullptr);
    EXPECT_EQ(box->traffic.rx_bytes, 1100u);
    EXPECT_EQ(box->traffic.tx_bytes, 500u);
    EXPECT_EQ(box->connections, 1u);
}

TEST(AggregatorGroups, BytesFromBeforeTheGroupWasKnownMoveToItOnce) {
    Aggregator agg;
    const auto a = tcp(40001, v4(1, 1, 1, 1), 443);
    agg.ingest(tick_at(kT0, {sockets_sample({sock(a, pid(100), 0, 0, 1)}, {info(pid(100), "x")})}));
    auto snap = agg.ingest(tick_at(
        kT0 + 1s, {sockets_sample({sock(a, pid(100), 1000, 0, 1)}, {info(pid(100), "x")})}));
    EXPECT_TRUE(snap->groups.empty());
    const auto known = grouped(pid(100), "x", "", "job.service");
    snap =
        agg.ingest(tick_at(kT0 + 2s, {sockets_sample({sock(a, pid(100), 1500, 0, 1)}, {known})}));
    ASSERT_EQ(snap->groups.size(), 1u);
    EXPECT_EQ(snap->groups[0].traffic.rx_bytes, 1500u);
    snap =
        agg.ingest(tick_at(kT0 + 3s, {sockets_sample({sock(a, pid(100), 1500, 0, 1)}, {known})}));
    EXPECT_EQ(snap->groups[0].traffic.rx_bytes, 1500u);  // not credited twice
    EXPECT_EQ(snap->groups[0].traffic.rx_bytes, find_process(*snap, pid(100))->traffic.rx_bytes);
}

namespace {

TickInput incremental_tick(Clock::time_point now, std::vector<Sample> samples) {
    TickInput t = tick_at(now, std::move(samples));
    t.incremental_sources.push_back("ebpf");
    return t;
}

}  // namespace

TEST(AggregatorIncremental, SocketAbsentFromAnUpdateIsUnchangedNotGone) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    auto live = sock(a, pid(7), 0, 100, 11);
    live.cookie = 5;
    agg.ingest(incremental_tick(kT0, {sockets_sample({live}, {info(pid(7), "app")}, "ebpf")}));
    live.tx_bytes = 300;
    auto snap = agg.ingest(
        incremental_tick(kT0 + 1s, {sockets_sample({live}, {info(pid(7), "app")}, "ebpf")}));
    ASSERT_NE(find_process(*snap, pid(7)), nullptr);
    EXPECT_EQ(find_process(*snap, pid(7))->traffic.tx_bytes, 200u);
    // Idle: the source lists nothing, the connection is still there and nothing is added.
    snap = agg.ingest(incremental_tick(kT0 + 2s, {sockets_sample({}, {}, "ebpf")}));
    const auto* p = find_process(*snap, pid(7));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->connections, 1u);
    EXPECT_EQ(p->traffic.tx_bytes, 200u);
    // It moves again: the delta is from the last counters it showed.
    live.tx_bytes = 350;
    snap = agg.ingest(incremental_tick(kT0 + 3s, {sockets_sample({live}, {}, "ebpf")}));
    EXPECT_EQ(find_process(*snap, pid(7))->traffic.tx_bytes, 250u);
    // It leaves only with its final record, whose last bytes are credited once.
    SocketObs final_record = sock(a, ProcessId{}, 0, 400, 0, SocketState::Close);
    final_record.cookie = 5;
    final_record.closed = true;
    snap = agg.ingest(incremental_tick(kT0 + 4s, {sockets_sample({final_record}, {}, "ebpf")}));
    p = find_process(*snap, pid(7));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->traffic.tx_bytes, 300u);
    EXPECT_EQ(p->connections, 0u);
}

TEST(AggregatorIncremental, FailOverToAFullListingSourceDropsSocketsItDoesNotList) {
    Aggregator agg;
    const auto a = tcp(40000, v4(1, 1, 1, 1), 443);
    const auto b = tcp(40001, v4(1, 1, 1, 1), 443);
    auto sa = sock(a, pid(7), 0, 100, 11);
    sa.cookie = 5;
    auto sb = sock(b, pid(7), 0, 100, 12);
    sb.cookie = 6;
    agg.ingest(incremental_tick(kT0, {sockets_sample({sa, sb}, {info(pid(7), "app")}, "ebpf")}));
    auto snap = agg.ingest(incremental_tick(kT0 + 1s, {sockets_sample({}, {}, "ebpf")}));
    EXPECT_EQ(find_process(*snap, pid(7))->connections, 2u);
    // ebpf failed; netlink lists everything each update, and only `a` is still open.
    snap = agg.ingest(tick_at(kT0 + 2s, {sockets_sample({sa}, {info(pid(7), "app")})}));
    const auto* p = find_process(*snap, pid(7));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->connections, 1u);
}
