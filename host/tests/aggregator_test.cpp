// The aggregator: deltas and baselines, rates, processes, remote hosts, ports, interfaces,
// histories, identities, the resolver. Flows, final records, bounds, groups and incremental
// sources are in aggregator_flows_test.cpp.

#include "core/aggregator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "aggregator_test_util.hpp"
#include "core/udp_peers.hpp"

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

// Without a consumer of socket lists (headless, exporters that do not read them), the
// snapshot leaves them empty and everything else is the same: counts, traffic, order, ports,
// remote hosts.
TEST(Aggregator, WithoutSocketDetailOnlyTheListsAreLeftOut) {
    AggregatorConfig lean;
    lean.socket_detail = false;
    Aggregator full;
    Aggregator counted(lean);
    const auto p1 = pid(100);
    const auto p2 = pid(200);
    auto sockets = [&](std::uint64_t n) {
        return std::vector<SocketObs>{
            sock(tcp(40000, v4(1, 1, 1, 1), 443), p1, 100 * n, 10 * n, 1),
            sock(key(Proto::Tcp, kAny, 8080), p1, 0, 0, 3, SocketState::Listen),
            sock(tcp(40002, v4(3, 3, 3, 3), 22), p2, 1000 * n, 1000 * n, 5)};
    };
    const std::vector<ProcessInfo> infos{info(p1, "nginx"), info(p2, "sshd")};
    std::shared_ptr<const Snapshot> a, b;
    for (std::uint64_t n = 0; n < 3; ++n) {
        const auto t = kT0 + std::chrono::seconds(n);
        a = full.ingest(tick_at(t, {sockets_sample(sockets(n), infos)}));
        b = counted.ingest(tick_at(t, {sockets_sample(sockets(n), infos)}));
    }
    ASSERT_EQ(a->processes.size(), 2u);
    ASSERT_EQ(b->processes.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(b->processes[i].info.id, a->processes[i].info.id);
        EXPECT_EQ(b->processes[i].connections, a->processes[i].connections);
        EXPECT_EQ(b->processes[i].listening, a->processes[i].listening);
        EXPECT_EQ(b->processes[i].traffic.rx_bytes, a->processes[i].traffic.rx_bytes);
        EXPECT_DOUBLE_EQ(b->processes[i].traffic.tx_bps, a->processes[i].traffic.tx_bps);
        EXPECT_FALSE(a->processes[i].sockets.empty());
        EXPECT_TRUE(b->processes[i].sockets.empty());
    }
    EXPECT_EQ(b->listen_ports.size(), a->listen_ports.size());
    EXPECT_EQ(b->listen_ports.size(), 1u);
    ASSERT_EQ(b->remote_hosts.size(), a->remote_hosts.size());
    for (std::size_t i = 0; i < a->remote_hosts.size(); ++i)
        EXPECT_EQ(b->remote_hosts[i].traffic.rx_bytes, a->remote_hosts[i].traffic.rx_bytes);
    EXPECT_EQ(b->totals.rx_bytes, a->totals.rx_bytes);
}

// On the screen alone, the snapshot lists only the sockets of the processes the views have
// selected (every list under a filter); everything else is as with every list. relist()
// republishes the same tick with the lists asked for since, and nothing when none is missing
// or a newer tick came.
TEST(Aggregator, SocketDemandListsOnlyTheNamedProcessesAndRelistAddsTheRest) {
    Aggregator full;
    Aggregator demanded;
    SocketDemand demand;
    demanded.set_socket_demand(&demand);
    const auto p1 = pid(100);
    const auto p2 = pid(200);
    auto sockets = [&](std::uint64_t n) {
        return std::vector<SocketObs>{
            sock(tcp(40000, v4(1, 1, 1, 1), 443), p1, 100 * n, 10 * n, 1),
            sock(key(Proto::Tcp, kAny, 8080), p1, 0, 0, 3, SocketState::Listen),
            sock(tcp(40002, v4(3, 3, 3, 3), 22), p2, 1000 * n, 1000 * n, 5)};
    };
    const std::vector<ProcessInfo> infos{info(p1, "nginx"), info(p2, "sshd")};
    std::shared_ptr<const Snapshot> a, b;
    auto tick = [&](std::uint64_t n) {
        const auto t = kT0 + std::chrono::seconds(n);
        a = full.ingest(tick_at(t, {sockets_sample(sockets(n), infos)}));
        b = demanded.ingest(tick_at(t, {sockets_sample(sockets(n), infos)}));
    };
    tick(0);
    tick(1);
    // Nothing asked for yet: no list, the counts all there.
    ASSERT_EQ(b->processes.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_TRUE(b->processes[i].sockets.empty());
        EXPECT_EQ(b->processes[i].connections, a->processes[i].connections);
        EXPECT_EQ(b->processes[i].listening, a->processes[i].listening);
        EXPECT_EQ(b->processes[i].traffic.rx_bytes, a->processes[i].traffic.rx_bytes);
    }
    EXPECT_EQ(demanded.relist(b), nullptr);  // none asked for, none missing

    // nginx selected: relist() gives this tick's snapshot with its list, as a full one has it.
    EXPECT_TRUE(demand.set({false, {p1}}));
    EXPECT_FALSE(demand.set({false, {p1}}));  // the same again is no change
    auto r = demanded.relist(b);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->seq, b->seq);
    const ProcessSummary* nginx = find_process(*r, p1);
    const ProcessSummary* nginx_full = find_process(*a, p1);
    ASSERT_TRUE(nginx && nginx_full);
    ASSERT_EQ(nginx->sockets.size(), 2u);
    for (std::size_t k = 0; k < 2; ++k) {
        EXPECT_EQ(nginx->sockets[k].key, nginx_full->sockets[k].key);
        EXPECT_EQ(nginx->sockets[k].traffic.rx_bytes, nginx_full->sockets[k].traffic.rx_bytes);
        EXPECT_DOUBLE_EQ(nginx->sockets[k].traffic.rx_bps, nginx_full->sockets[k].traffic.rx_bps);
        EXPECT_DOUBLE_EQ(nginx->sockets[k].age_s, nginx_full->sockets[k].age_s);
    }
    EXPECT_TRUE(find_process(*r, p2)->sockets.empty());
    EXPECT_EQ(demanded.relist(r), nullptr);  // nothing missing any more

    // The next tick lists nginx's sockets by itself; an older snapshot is never relisted.
    tick(2);
    EXPECT_EQ(find_process(*b, p1)->sockets.size(), 2u);
    EXPECT_TRUE(find_process(*b, p2)->sockets.empty());
    EXPECT_TRUE(demand.set({true, {}}));
    EXPECT_EQ(demanded.relist(r), nullptr);
    r = demanded.relist(b);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(find_process(*r, p2)->sockets.size(), 1u);
    EXPECT_EQ(find_process(*r, p1)->sockets.size(), 2u);

    // Every list asked for: the next tick has them all, like the full aggregator's.
    tick(3);
    for (std::size_t i = 0; i < 2; ++i)
        EXPECT_EQ(b->processes[i].sockets.size(), a->processes[i].sockets.size());
}

// More processes than the bound ask for every list instead.
TEST(Aggregator, SocketDemandBeyondItsBoundAsksForEveryList) {
    SocketDemand demand;
    std::vector<ProcessId> many;
    for (std::size_t i = 1; i <= SocketDemand::kMaxProcesses; ++i)
        many.push_back(pid(static_cast<std::int32_t>(i)));
    EXPECT_TRUE(demand.set({false, many}));
    EXPECT_FALSE(demand.get().all);
    EXPECT_EQ(demand.get().pids.size(), SocketDemand::kMaxProcesses);
    many.push_back(pid(999));
    EXPECT_TRUE(demand.set({false, many}));
    EXPECT_TRUE(demand.get().all);
    EXPECT_TRUE(demand.get().pids.empty());
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
