#include "lsof_owners.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "fixture.hpp"
#include "lsof_parser.hpp"
#include "netstat_parser.hpp"

namespace {

using namespace sstop::plugins::darwin;
using sstop::plugins::darwin::testing::read_fixture;
using sstop::plugins::darwin::testing::v4;

// A socket as netstat gives it: ends in netstat's spelling (`a.b.c.d.port`, `*.*`), no owner.
sstop::SocketObs netstat_socket(sstop::Proto proto, const char* local, const char* remote,
                                sstop::Family any = sstop::Family::V4) {
    sstop::SocketObs obs;
    obs.key.proto = proto;
    EXPECT_TRUE(parse_netstat_endpoint(local, any, obs.key.local)) << local;
    EXPECT_TRUE(parse_netstat_endpoint(remote, any, obs.key.remote)) << remote;
    return obs;
}

TEST(LsofOwners, GivesAnOwnerlessSocketThePidLsofListsForItsEnds) {
    // Real `lsof -n -P -i4 -i6` output: com.apple (590) holds 192.168.1.37:60298 → :443.
    const LsofParse lsof = parse_lsof_table(read_fixture("lsof-n-P-i4-i6-1.txt"));
    std::vector<sstop::SocketObs> sockets{
        netstat_socket(sstop::Proto::Tcp, "192.168.1.37.60298", "31.13.83.36.443"),
        netstat_socket(sstop::Proto::Tcp, "192.168.1.37.1", "10.9.9.9.443"),  // not in lsof
    };
    std::map<std::int32_t, std::string> owners;
    EXPECT_TRUE(owners_incomplete(sockets, owners));
    EXPECT_EQ(fill_owners_from_lsof(sockets, owners, lsof), 1u);
    EXPECT_EQ(sockets[0].owner.pid, 590);
    EXPECT_EQ(sockets[0].key.local.addr, v4(192, 168, 1, 37));
    EXPECT_EQ(sockets[1].owner.pid, 0);
    ASSERT_EQ(owners.size(), 1u);
    EXPECT_EQ(owners[590], "com.apple");
    EXPECT_TRUE(owners_incomplete(sockets, owners));  // the second is still unknown
}

TEST(LsofOwners, ListenersAndUnconnectedUdpMatchAcrossTheTwoSpellings) {
    // netstat: `*.*` for no remote end, tcp46 listeners on the IPv6 any-address; lsof: no
    // `->` at all, `*:port` with type IPv6.
    const LsofParse lsof = parse_lsof_fields(
        "p501\ncnode\nf21\ntIPv6\nPTCP\nn*:4211\n"
        "p77\ncmDNSResponder\nf9\ntIPv4\nPUDP\nn*:5353\n");
    std::vector<sstop::SocketObs> sockets{
        netstat_socket(sstop::Proto::Tcp, "*.4211", "*.*", sstop::Family::V6),
        netstat_socket(sstop::Proto::Udp, "*.5353", "*.*"),
        netstat_socket(sstop::Proto::Tcp, "*.5353", "*.*"),  // same port, other protocol
    };
    std::map<std::int32_t, std::string> owners;
    EXPECT_EQ(fill_owners_from_lsof(sockets, owners, lsof), 2u);
    EXPECT_EQ(sockets[0].owner.pid, 501);
    EXPECT_EQ(sockets[1].owner.pid, 77);
    EXPECT_EQ(sockets[2].owner.pid, 0);
    EXPECT_EQ(owners[501], "node");
    EXPECT_EQ(owners[77], "mDNSResponder");
}

TEST(LsofOwners, KeepsNetstatsOwnersAndOnlyFillsMissingNames) {
    // netstat's pid/epid layout gives pids without names; lsof names them, and never
    // replaces a pid or a name netstat gave.
    const LsofParse lsof = parse_lsof_fields(
        "p99999\ncnode\nf3\ntIPv4\nPTCP\nn127.0.0.1:9225->127.0.0.1:59644\n"
        "p42\ncother\nf4\ntIPv4\nPTCP\nn127.0.0.1:8000->127.0.0.1:59000\n");
    std::vector<sstop::SocketObs> sockets{
        netstat_socket(sstop::Proto::Tcp, "127.0.0.1.9225", "127.0.0.1.59644"),
        netstat_socket(sstop::Proto::Tcp, "127.0.0.1.8000", "127.0.0.1.59000"),
    };
    sockets[0].owner.pid = 99999;
    sockets[1].owner.pid = 7;  // netstat said 7: kept
    std::map<std::int32_t, std::string> owners{{99999, ""}, {7, "seven"}};
    EXPECT_TRUE(owners_incomplete(sockets, owners));
    EXPECT_EQ(fill_owners_from_lsof(sockets, owners, lsof), 0u);
    EXPECT_EQ(sockets[1].owner.pid, 7);
    EXPECT_EQ(owners[99999], "node");
    EXPECT_EQ(owners[7], "seven");
    EXPECT_EQ(owners.count(42), 0u);
    EXPECT_FALSE(owners_incomplete(sockets, owners));
}

TEST(LsofOwners, LsofWithoutNumericEndsGivesNothing) {
    // `lsof -i -F` without -n -P prints host and service names: no ends to join on.
    const LsofParse lsof = parse_lsof_fields(read_fixture("lsof-F-1.txt"));
    std::vector<sstop::SocketObs> sockets{
        netstat_socket(sstop::Proto::Tcp, "192.168.1.2.61472", "221.229.52.145.443")};
    std::map<std::int32_t, std::string> owners;
    EXPECT_EQ(fill_owners_from_lsof(sockets, owners, lsof), 0u);
    EXPECT_EQ(sockets[0].owner.pid, 0);
    EXPECT_TRUE(owners.empty());
}

}  // namespace
