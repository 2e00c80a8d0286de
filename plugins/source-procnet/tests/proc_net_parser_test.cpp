#include "proc_net_parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pn = sstop::plugins::procnet;
using sstop::Family;
using sstop::Proto;
using sstop::SocketState;

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(SSTOP_SOURCE_DIR) + "/plugins/source-procnet/tests/data/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

sstop::IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    sstop::IpAddr addr;
    addr.family = Family::V4;
    addr.bytes[0] = a;
    addr.bytes[1] = b;
    addr.bytes[2] = c;
    addr.bytes[3] = d;
    return addr;
}

sstop::IpAddr v6(std::initializer_list<std::uint8_t> bytes) {
    sstop::IpAddr addr;
    addr.family = Family::V6;
    std::copy(bytes.begin(), bytes.end(), addr.bytes.begin());
    return addr;
}

sstop::IpAddr v6_loopback() {
    sstop::IpAddr addr;
    addr.family = Family::V6;
    addr.bytes[15] = 1;
    return addr;
}

const sstop::SocketObs* by_inode(const pn::ProcNetParse& parsed, std::uint64_t inode) {
    for (const auto& sock : parsed.sockets) {
        if (sock.inode == inode) return &sock;
    }
    return nullptr;
}

const sstop::SocketObs* by_local_port(const pn::ProcNetParse& parsed, std::uint16_t port) {
    for (const auto& sock : parsed.sockets) {
        if (sock.key.local.port == port) return &sock;
    }
    return nullptr;
}

}  // namespace

TEST(ProcNetParser, ParsesIpv4TcpWithEveryState) {
    pn::ProcNetParse parsed = pn::parse_proc_net(fixture("tcp"), Proto::Tcp, Family::V4);
    EXPECT_EQ(parsed.malformed, 0u);
    ASSERT_EQ(parsed.sockets.size(), 11u);

    const sstop::SocketObs* any = by_inode(parsed, 1678);
    ASSERT_NE(any, nullptr);
    EXPECT_EQ(any->state, SocketState::Listen);
    EXPECT_EQ(any->key.local.addr, v4(0, 0, 0, 0));  // bound to any: V4, all zero
    EXPECT_EQ(any->key.local.port, 2024);
    EXPECT_EQ(any->key.remote, sstop::Endpoint{});  // listeners have no remote

    const sstop::SocketObs* listen = by_inode(parsed, 9281);
    ASSERT_NE(listen, nullptr);
    EXPECT_EQ(listen->key.proto, Proto::Tcp);
    EXPECT_EQ(listen->key.local.addr, v4(127, 0, 0, 1));
    EXPECT_EQ(listen->key.local.port, 0xB71F);
    EXPECT_EQ(listen->state, SocketState::Listen);
    EXPECT_FALSE(listen->has_bytes);
    EXPECT_EQ(listen->owner.pid, 0);

    const sstop::SocketObs* estab = by_inode(parsed, 9282);
    ASSERT_NE(estab, nullptr);
    EXPECT_EQ(estab->state, SocketState::Established);
    EXPECT_EQ(estab->key.local.port, 0x8A92);
    EXPECT_EQ(estab->key.remote.addr, v4(127, 0, 0, 1));
    EXPECT_EQ(estab->key.remote.port, 0xB71F);

    const sstop::SocketObs* close_wait = by_inode(parsed, 9284);
    ASSERT_NE(close_wait, nullptr);
    EXPECT_EQ(close_wait->state, SocketState::CloseWait);

    const sstop::SocketObs* time_wait = by_local_port(parsed, 0xAB3F);
    ASSERT_NE(time_wait, nullptr);
    EXPECT_EQ(time_wait->state, SocketState::TimeWait);
    EXPECT_EQ(time_wait->inode, 0u);  // TIME_WAIT sockets have no inode
    EXPECT_EQ(time_wait->key.remote.port, 0xE06C);

    EXPECT_EQ(std::count_if(parsed.sockets.begin(), parsed.sockets.end(),
                            [](const auto& s) { return s.state == SocketState::FinWait2; }),
              1);

    const sstop::SocketObs* syn_sent = by_inode(parsed, 9300);
    ASSERT_NE(syn_sent, nullptr);
    EXPECT_EQ(syn_sent->state, SocketState::SynSent);
    EXPECT_EQ(syn_sent->uid, 1000u);
    EXPECT_EQ(syn_sent->key.local.port, 50000);
    EXPECT_EQ(syn_sent->key.remote.addr, v4(192, 0, 2, 1));
    EXPECT_EQ(syn_sent->key.remote.port, 9);
}

TEST(ProcNetParser, ParsesIpv6AndNormalisesMappedAddresses) {
    pn::ProcNetParse parsed = pn::parse_proc_net(fixture("tcp6"), Proto::Tcp, Family::V6);
    EXPECT_EQ(parsed.malformed, 0u);
    ASSERT_EQ(parsed.sockets.size(), 6u);

    const sstop::SocketObs* any = by_inode(parsed, 9289);
    ASSERT_NE(any, nullptr);
    EXPECT_EQ(any->key.local.addr, v6({}));  // "::" stays V6
    EXPECT_EQ(any->state, SocketState::Listen);

    const sstop::SocketObs* loop_listen = by_inode(parsed, 9286);
    ASSERT_NE(loop_listen, nullptr);
    EXPECT_EQ(loop_listen->key.local.addr, v6_loopback());
    EXPECT_EQ(loop_listen->key.local.port, 0x88F1);
    EXPECT_EQ(loop_listen->key.remote, sstop::Endpoint{});

    const sstop::SocketObs* loop_conn = by_inode(parsed, 9287);
    ASSERT_NE(loop_conn, nullptr);
    EXPECT_EQ(loop_conn->key.remote.addr, v6_loopback());
    EXPECT_EQ(loop_conn->key.remote.port, 0x88F1);

    const sstop::SocketObs* mapped = by_inode(parsed, 9291);
    ASSERT_NE(mapped, nullptr);
    EXPECT_EQ(mapped->key.local.addr, v4(127, 0, 0, 1));
    EXPECT_EQ(mapped->key.remote.addr, v4(127, 0, 0, 1));
    EXPECT_EQ(mapped->key.local.port, 0xC6D7);
    EXPECT_EQ(mapped->key.remote.port, 0xEBFC);

    const sstop::SocketObs* doc = by_inode(parsed, 9301);
    ASSERT_NE(doc, nullptr);
    EXPECT_EQ(doc->key.local.addr,
              v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}));
    EXPECT_EQ(doc->key.remote.addr,
              v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02}));
    EXPECT_EQ(doc->key.local.port, 54321);
    EXPECT_EQ(doc->key.remote.port, 443);
    EXPECT_EQ(doc->uid, 1000u);
}

TEST(ProcNetParser, ParsesUdpConnectedAndUnconnected) {
    pn::ProcNetParse udp = pn::parse_proc_net(fixture("udp"), Proto::Udp, Family::V4);
    EXPECT_EQ(udp.malformed, 0u);
    ASSERT_EQ(udp.sockets.size(), 2u);
    const sstop::SocketObs* unconn = by_inode(udp, 9295);
    ASSERT_NE(unconn, nullptr);
    EXPECT_EQ(unconn->key.proto, Proto::Udp);
    EXPECT_EQ(unconn->state, SocketState::Close);
    EXPECT_EQ(unconn->key.local.port, 0x94C8);
    EXPECT_EQ(unconn->key.remote.addr.family, Family::None);
    const sstop::SocketObs* conn = by_inode(udp, 9296);
    ASSERT_NE(conn, nullptr);
    EXPECT_EQ(conn->state, SocketState::Established);
    EXPECT_EQ(conn->key.remote.port, 0x94C8);

    pn::ProcNetParse udp6 = pn::parse_proc_net(fixture("udp6"), Proto::Udp, Family::V6);
    EXPECT_EQ(udp6.malformed, 0u);
    ASSERT_EQ(udp6.sockets.size(), 2u);
    const sstop::SocketObs* unconn6 = by_inode(udp6, 9297);
    ASSERT_NE(unconn6, nullptr);
    EXPECT_EQ(unconn6->key.local.addr, v6_loopback());
    EXPECT_EQ(unconn6->key.local.port, 0xD98C);
    EXPECT_EQ(unconn6->key.remote, sstop::Endpoint{});
}

// Lines captured from a 6.x kernel: a raw IPv4 socket of protocol 253 connected to
// 127.0.0.1, a ping socket (echo id 0xB41D), and their IPv6 twins.
constexpr std::string_view kRawHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode ref pointer drops\n";

TEST(ProcNetParser, RawSocketsTakeTheirProtocolFromTheLocalPort) {
    const std::string raw =
        std::string(kRawHeader) +
        " 122: 0100007F:00FD 0100007F:0000 01 00000000:00000000 00:00000000 00000000     0      "
        "  0 189012 2 000000002f690fc5 0\n"
        " 123: 0100007F:0000 00000000:0000 07 00000000:00000000 00:00000000 00000000     0      "
        "  0 189099 2 000000002f690fc5 0\n";
    pn::ProcNetParse parsed = pn::parse_proc_net(raw, Proto::Unknown, Family::V4);
    EXPECT_EQ(parsed.malformed, 1u) << "protocol 0 is not a raw socket's";
    ASSERT_EQ(parsed.sockets.size(), 1u);
    const sstop::SocketObs& s = parsed.sockets[0];
    EXPECT_EQ(static_cast<int>(s.key.proto), 253);
    EXPECT_EQ(s.key.local.port, 0);
    EXPECT_EQ(s.key.remote.port, 0);
    EXPECT_EQ(s.key.remote.addr.family, Family::V4) << "connected to 127.0.0.1";
    EXPECT_EQ(s.inode, 189012u);
    EXPECT_EQ(s.state, SocketState::Established);

    const std::string raw6 =
        std::string(kRawHeader) +
        "  122: 00000000000000000000000000000000:00FD 00000000000000000000000000000000:0000 07 "
        "00000000:00000000 00:00000000 00000000     0        0 189014 2 0000000089925c2d 0\n";
    parsed = pn::parse_proc_net(raw6, Proto::Unknown, Family::V6);
    ASSERT_EQ(parsed.sockets.size(), 1u);
    EXPECT_EQ(static_cast<int>(parsed.sockets[0].key.proto), 253);
    EXPECT_EQ(parsed.sockets[0].key.remote, sstop::Endpoint{});
}

TEST(ProcNetParser, PingSocketsAreIcmpWithTheirEchoId) {
    const std::string icmp =
        std::string(kRawHeader) +
        "   63: 0100007F:B41D 0100007F:0000 01 00000000:00000000 00:00000000 00000000     0    "
        "    0 189013 2 00000000a6556b62 0        \n";
    pn::ProcNetParse parsed = pn::parse_proc_net(icmp, Proto::Icmp, Family::V4);
    EXPECT_EQ(parsed.malformed, 0u);
    ASSERT_EQ(parsed.sockets.size(), 1u);
    EXPECT_EQ(parsed.sockets[0].key.proto, Proto::Icmp);
    EXPECT_EQ(parsed.sockets[0].key.local.port, 0xB41D);
    EXPECT_EQ(parsed.sockets[0].inode, 189013u);
    const std::string icmp6 =
        std::string(kRawHeader) +
        "    0: 00000000000000000000000001000000:B41E 00000000000000000000000000000000:0000 07 "
        "00000000:00000000 00:00000000 00000000     0        0 189015 2 000000006c44df0f 0\n";
    parsed = pn::parse_proc_net(icmp6, Proto::Icmpv6, Family::V6);
    ASSERT_EQ(parsed.sockets.size(), 1u);
    EXPECT_EQ(parsed.sockets[0].key.proto, Proto::Icmpv6);
    EXPECT_EQ(parsed.sockets[0].key.local.addr, v6_loopback());
}

TEST(ProcNetParser, SkipsAndCountsMalformedLines) {
    // Good: lines 0 and 6. Bad: short, non-hex address, overlong, non-numeric inode,
    // short address, and a last line cut without its newline.
    pn::ProcNetParse parsed = pn::parse_proc_net(fixture("tcp_malformed"), Proto::Tcp, Family::V4);
    EXPECT_EQ(parsed.malformed, 6u);
    ASSERT_EQ(parsed.sockets.size(), 2u);
    EXPECT_EQ(parsed.sockets[0].inode, 9281u);
    EXPECT_EQ(parsed.sockets[1].inode, 9286u);
}

TEST(ProcNetParser, TruncatedLastLineIsNeverHalfParsed) {
    std::string text = fixture("udp");
    std::string cut = text.substr(0, text.size() - 1);  // drop only the final newline
    pn::ProcNetParse parsed = pn::parse_proc_net(cut, Proto::Udp, Family::V4);
    EXPECT_EQ(parsed.malformed, 1u);
    EXPECT_EQ(parsed.sockets.size(), 1u);
}

TEST(ProcNetParser, WrongFamilyWidthIsMalformed) {
    pn::ProcNetParse parsed = pn::parse_proc_net(fixture("tcp"), Proto::Tcp, Family::V6);
    EXPECT_TRUE(parsed.sockets.empty());
    EXPECT_EQ(parsed.malformed, 11u);
}

TEST(ProcNetParser, EmptyOrHeaderOnlyHasNoSockets) {
    EXPECT_TRUE(pn::parse_proc_net("", Proto::Tcp, Family::V4).sockets.empty());
    pn::ProcNetParse header =
        pn::parse_proc_net("  sl  local_address rem_address\n", Proto::Tcp, Family::V4);
    EXPECT_TRUE(header.sockets.empty());
    EXPECT_EQ(header.malformed, 0u);
}

TEST(ProcNetDevParser, ReadsCountersAs64Bit) {
    pn::ProcNetDevParse parsed = pn::parse_proc_net_dev(fixture("dev"));
    EXPECT_EQ(parsed.malformed, 0u);
    ASSERT_EQ(parsed.interfaces.size(), 5u);
    EXPECT_EQ(parsed.interfaces[0].name, "lo");
    EXPECT_EQ(parsed.interfaces[0].rx_bytes, 5155u);
    EXPECT_EQ(parsed.interfaces[0].rx_packets, 62u);
    EXPECT_EQ(parsed.interfaces[0].tx_bytes, 5155u);
    EXPECT_EQ(parsed.interfaces[0].tx_packets, 62u);
    EXPECT_EQ(parsed.interfaces[3].name, "eth0");
    EXPECT_EQ(parsed.interfaces[3].rx_bytes, 18856853u);
    EXPECT_EQ(parsed.interfaces[3].rx_packets, 461u);
    EXPECT_EQ(parsed.interfaces[3].tx_bytes, 26178u);
    EXPECT_EQ(parsed.interfaces[3].tx_packets, 308u);
    // A 15-character name and a number wide enough to touch the colon.
    EXPECT_EQ(parsed.interfaces[4].name, "veth1234567abcd");
    EXPECT_EQ(parsed.interfaces[4].rx_bytes, 123456789012ull);
    EXPECT_EQ(parsed.interfaces[4].rx_packets, 5000000000ull);
    EXPECT_EQ(parsed.interfaces[4].tx_bytes, 98765432109ull);
    EXPECT_EQ(parsed.interfaces[4].tx_packets, 4000000000ull);
}

TEST(ProcNetDevParser, SkipsAndCountsMalformedLines) {
    std::string text = fixture("dev");
    text += "  bad0 1 2 3 4 5 6 7 8 9 10\n";                     // no colon
    text += "  bad1: 1 2 3\n";                                   // too few fields
    text += "  bad2: 1 2 3 4 5 6 7 8 x 10 11 12 13 14 15 16\n";  // non-numeric
    text += "  cut0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16";    // no newline
    pn::ProcNetDevParse parsed = pn::parse_proc_net_dev(text);
    EXPECT_EQ(parsed.interfaces.size(), 5u);
    EXPECT_EQ(parsed.malformed, 4u);
}

TEST(ProcNetRouteParser, FindsTheIpv4DefaultRouteInterface) {
    // The fixture also holds a prefix route on eth0, an unreachable default ("*", RTF_REJECT)
    // and a /8-mask route on ifb0 whose destination alone is zero.
    pn::DefaultRouteParse parsed = pn::parse_proc_net_route(fixture("route"));
    EXPECT_EQ(parsed.malformed, 0u);
    EXPECT_EQ(parsed.interfaces, std::vector<std::string>{"eth0"});
}

TEST(ProcNetRouteParser, RouteWithoutUpFlagOrWithMalformedFieldsIsNotDefault) {
    std::string text = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n";
    text += "eth1\t00000000\t00000000\t0000\t0\t0\t0\t00000000\t0\t0\t0\n";  // not RTF_UP
    text += "eth2\t0000000G\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n";  // non-hex
    text += "eth3\t00000000\t00000000\t0001\n";                              // too few fields
    text += "eth4\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0";    // no newline
    pn::DefaultRouteParse parsed = pn::parse_proc_net_route(text);
    EXPECT_TRUE(parsed.interfaces.empty());
    EXPECT_EQ(parsed.malformed, 3u);
}

TEST(ProcNetRouteParser, FindsTheIpv6DefaultRouteInterfaceButNotUnreachable) {
    // ::/0 via a veth, and the kernel's own unreachable ::/0 on lo (flags 00200200).
    pn::DefaultRouteParse parsed = pn::parse_proc_net_ipv6_route(fixture("ipv6_route"));
    EXPECT_EQ(parsed.malformed, 0u);
    EXPECT_EQ(parsed.interfaces, std::vector<std::string>{"veth1234567abcd"});
}

TEST(ProcNetRouteParser, Ipv6MultipathDefaultListsEachInterfaceOnce) {
    const std::string zero(32, '0');
    std::string text;
    for (const char* dev : {"eth0", "eth1", "eth0"}) {
        text += zero + " 00 " + zero + " 00 fd000000000000000000000000000001 00000400 00000001 " +
                "00000000 00000003 " + dev + "\n";
    }
    text += zero + " 00 " + zero + " 00\n";  // too few fields
    pn::DefaultRouteParse parsed = pn::parse_proc_net_ipv6_route(text);
    EXPECT_EQ(parsed.interfaces, (std::vector<std::string>{"eth0", "eth1"}));
    EXPECT_EQ(parsed.malformed, 1u);
}
