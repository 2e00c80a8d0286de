// The aggregator: final records, flows joined to sockets, UDP peers, routed copies,
// expiry and bounds, groups, incremental sources.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "aggregator_test_util.hpp"
#include "core/aggregator.hpp"
#include "core/udp_peers.hpp"

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
