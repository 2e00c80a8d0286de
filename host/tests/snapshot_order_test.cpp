// sort_connections: busiest first, then exactly the order of SocketKey's operator<=>, then
// cookie and inode — checked against a plain std::sort with that comparator on random keys.

#include "core/snapshot_order.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>
#include <vector>

namespace sstop::core {
namespace {

bool reference_order(const ConnectionSummary& a, const ConnectionSummary& b) {
    const double ra = a.traffic.rx_bps + a.traffic.tx_bps;
    const double rb = b.traffic.rx_bps + b.traffic.tx_bps;
    if (ra != rb) return ra > rb;
    if (a.key != b.key) return a.key < b.key;
    return std::tie(a.cookie, a.inode) < std::tie(b.cookie, b.inode);
}

IpAddr random_addr(std::mt19937_64& rng) {
    IpAddr a;
    switch (rng() % 3) {
        case 0:
            return a;  // none
        case 1:
            a.family = Family::V4;
            for (int i = 0; i < 4; ++i) a.bytes[i] = static_cast<std::uint8_t>(rng() % 4);
            return a;
        default:
            a.family = Family::V6;
            for (auto& b : a.bytes) b = static_cast<std::uint8_t>(rng() % 3 == 0 ? rng() : 0);
            return a;
    }
}

TEST(SortConnections, SameOrderAsTheKeysOwnComparison) {
    std::mt19937_64 rng(7);
    std::vector<ConnectionSummary> sockets;
    for (int i = 0; i < 5000; ++i) {
        ConnectionSummary c;
        const Proto protos[] = {Proto::Tcp, Proto::Udp, Proto::Icmp, Proto{253}};
        c.key.proto = protos[rng() % 4];
        c.key.local.addr = random_addr(rng);
        c.key.local.port = static_cast<std::uint16_t>(rng() % 3 == 0 ? rng() : rng() % 4);
        c.key.remote.addr = random_addr(rng);
        c.key.remote.port = static_cast<std::uint16_t>(rng() % 3 == 0 ? rng() : rng() % 4);
        c.key.netns = rng() % 3 == 0 ? rng() : rng() % 3;
        c.cookie = rng() % 4;
        c.inode = rng() % 4;
        // Most idle (rate 0), some busy, a few of equal rate.
        const auto r = rng() % 10;
        c.traffic.rx_bps = r < 7 ? 0.0 : static_cast<double>(r);
        c.traffic.tx_bps = r == 9 ? 0.5 : 0.0;
        c.remote_name = "name-" + std::to_string(i);  // travels with its socket
        sockets.push_back(c);
    }
    std::vector<ConnectionSummary> expected = sockets;
    std::sort(expected.begin(), expected.end(), reference_order);
    sort_connections(sockets);
    ASSERT_EQ(sockets.size(), expected.size());
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        // Equal under the order only when every field compared is equal: same position.
        EXPECT_FALSE(reference_order(sockets[i], expected[i]) ||
                     reference_order(expected[i], sockets[i]))
            << "position " << i;
        EXPECT_EQ(sockets[i].key, expected[i].key) << "position " << i;
    }
    // Each summary moved whole: its name is still its own (names are unique per input).
    std::vector<std::string> before, after;
    for (const auto& c : expected) before.push_back(c.remote_name);
    for (const auto& c : sockets) after.push_back(c.remote_name);
    std::sort(before.begin(), before.end());
    std::sort(after.begin(), after.end());
    EXPECT_EQ(before, after);
}

TEST(SortConnections, PortsCompareAsNumbersNotBytes) {
    std::vector<ConnectionSummary> sockets(2);
    sockets[0].key.local.port = 256;  // 0x0100
    sockets[1].key.local.port = 255;  // 0x00ff
    sort_connections(sockets);
    EXPECT_EQ(sockets[0].key.local.port, 255);
    EXPECT_EQ(sockets[1].key.local.port, 256);
}

}  // namespace
}  // namespace sstop::core
