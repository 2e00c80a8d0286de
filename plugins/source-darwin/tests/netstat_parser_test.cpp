#include "netstat_parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <string>

#include "fixture.hpp"

namespace {

using namespace sstop::plugins::darwin;
using sstop::plugins::darwin::testing::read_fixture;
using sstop::plugins::darwin::testing::v4;

std::map<std::string, int> count_by_proto(const NetstatSocketParse& r) {
    std::map<std::string, int> counts;
    for (const NetstatSocketRow& row : r.rows) {
        std::string name = row.proto == sstop::Proto::Tcp ? "tcp" : "udp";
        if (row.dual_stack) {
            name += "46";
        } else {
            name += row.family == sstop::Family::V6 ? "6" : "4";
        }
        ++counts[name];
    }
    return counts;
}

const NetstatSocketRow* find_process(const NetstatSocketParse& r, const std::string& name) {
    for (const NetstatSocketRow& row : r.rows) {
        if (row.process == name) return &row;
    }
    return nullptr;
}

const InterfaceRow* find_link(const InterfaceParse& r, std::uint32_t link) {
    for (const InterfaceRow& row : r.rows) {
        if (row.link_index == link) return &row;
    }
    return nullptr;
}

TEST(NetstatSockets, CountsRowsPerProtocolOfAbn) {
    const NetstatSocketParse r = parse_netstat_sockets(read_fixture("netstat-Abn-1.txt"));
    EXPECT_TRUE(r.header_found);
    // SOURCES.md: 22 tcp4, 27 tcp6, 75 udp4, 7 udp6, 6 udp46, 1 icm4.
    const std::map<std::string, int> counts = count_by_proto(r);
    EXPECT_EQ(counts.at("tcp4"), 22);
    EXPECT_EQ(counts.at("tcp6"), 27);
    EXPECT_EQ(counts.at("udp4"), 75);
    EXPECT_EQ(counts.at("udp6"), 7);
    EXPECT_EQ(counts.at("udp46"), 6);
    EXPECT_EQ(r.rows.size(), 137u);
    EXPECT_EQ(r.other_protocols, 1u);  // icm4
    // The UNIX, kernel event and kernel control sections after it are not rows.
    EXPECT_EQ(r.malformed, 0u);
}

TEST(NetstatSockets, FlagsAddressesCutToEighteenCharacters) {
    const NetstatSocketParse r = parse_netstat_sockets(read_fixture("netstat-Abn-1.txt"));
    // 47 rows have an 18-character address (19 tcp4, 27 tcp6, 1 udp4): netstat -A cut them.
    EXPECT_EQ(r.truncated, 47u);
    int tcp6_flagged = 0;
    for (const NetstatSocketRow& row : r.rows) {
        if (row.proto == sstop::Proto::Tcp && row.family == sstop::Family::V6) {
            EXPECT_TRUE(row.local_truncated || row.remote_truncated);
            ++tcp6_flagged;
        }
        sstop::SocketObs obs;
        EXPECT_EQ(to_socket_obs(row, obs), !(row.local_truncated || row.remote_truncated));
    }
    EXPECT_EQ(tcp6_flagged, 27);
    // "192.168.1.221.5442 35.236.87.93.8081  CLOSE_WAIT": kept, flagged, the rest read.
    const auto it = std::find_if(r.rows.begin(), r.rows.end(), [](const NetstatSocketRow& row) {
        return row.state == sstop::SocketState::CloseWait;
    });
    ASSERT_NE(it, r.rows.end());
    EXPECT_TRUE(it->local_truncated);
    EXPECT_FALSE(it->remote_truncated);
    EXPECT_EQ(it->recv_q, 31u);
    EXPECT_EQ(it->remote.addr, v4(35, 236, 87, 93));
    EXPECT_EQ(it->remote.port, 8081);
    EXPECT_EQ(it->rx_bytes, 1424u);
    EXPECT_EQ(it->tx_bytes, 2595u);
}

TEST(NetstatSockets, ReadsLoopbackRowAndWildcardUdpOfAbn) {
    const NetstatSocketParse r = parse_netstat_sockets(read_fixture("netstat-Abn-1.txt"));
    const auto loop = std::find_if(r.rows.begin(), r.rows.end(), [](const NetstatSocketRow& row) {
        return row.local.port == 53755 && row.local.addr == v4(127, 0, 0, 1);
    });
    ASSERT_NE(loop, r.rows.end());
    EXPECT_EQ(loop->proto, sstop::Proto::Tcp);
    EXPECT_EQ(loop->remote.addr, v4(127, 0, 0, 1));
    EXPECT_EQ(loop->remote.port, 53763);
    EXPECT_EQ(loop->state, sstop::SocketState::Established);
    EXPECT_TRUE(loop->has_bytes);
    EXPECT_EQ(loop->rx_bytes, 3182238u);
    EXPECT_EQ(loop->tx_bytes, 0u);
    EXPECT_EQ(loop->pid, 0);  // -Abn has no process column

    // "udp4 … *.5353 *.* 174466390 26656837": the last udp4 mDNS row.
    const auto mdns = std::find_if(r.rows.begin(), r.rows.end(), [](const NetstatSocketRow& row) {
        return row.proto == sstop::Proto::Udp && row.rx_bytes == 174466390u;
    });
    ASSERT_NE(mdns, r.rows.end());
    EXPECT_EQ(mdns->local.port, 5353);
    EXPECT_EQ(mdns->local.addr, (sstop::IpAddr{sstop::Family::V4, {}}));
    EXPECT_EQ(mdns->remote.addr.family, sstop::Family::None);
    EXPECT_EQ(mdns->tx_bytes, 26656837u);
    EXPECT_EQ(mdns->state, sstop::SocketState::Unknown);
    sstop::SocketObs obs;
    ASSERT_TRUE(to_socket_obs(*mdns, obs));
    EXPECT_EQ(obs.state, sstop::SocketState::Close);  // unconnected UDP
    EXPECT_TRUE(obs.has_bytes);
    EXPECT_EQ(obs.rx_bytes, 174466390u);
}

TEST(NetstatSockets, ReadsProcessNamesWithSpacesOfNvb) {
    const NetstatSocketParse r = parse_netstat_sockets(read_fixture("netstat-nvb-1.txt"));
    ASSERT_EQ(r.rows.size(), 4u);
    EXPECT_EQ(r.malformed, 0u);
    EXPECT_EQ(r.truncated, 0u);
    const NetstatSocketRow* code = find_process(r, "Code - Insiders");
    ASSERT_NE(code, nullptr);
    EXPECT_EQ(code->pid, 661);
    EXPECT_EQ(code->local.addr, v4(10, 0, 0, 218));
    EXPECT_EQ(code->local.port, 53107);
    EXPECT_EQ(code->remote.addr, v4(23, 216, 5, 151));
    EXPECT_EQ(code->remote.port, 443);
    EXPECT_EQ(code->state, sstop::SocketState::Established);
    EXPECT_EQ(code->rx_bytes, 157106582u);
    EXPECT_EQ(code->tx_bytes, 2016u);

    const NetstatSocketRow* claude = find_process(r, "claude");
    ASSERT_NE(claude, nullptr);
    EXPECT_EQ(claude->pid, 23680);
    EXPECT_EQ(claude->rx_bytes, 121046u);
    EXPECT_EQ(claude->tx_bytes, 3959109u);

    // A connected UDP socket: no state word, the byte columns still line up.
    const NetstatSocketRow* helper = find_process(r, "Claude Helper");
    ASSERT_NE(helper, nullptr);
    EXPECT_EQ(helper->pid, 94258);
    EXPECT_EQ(helper->proto, sstop::Proto::Udp);
    EXPECT_EQ(helper->remote.addr, v4(160, 79, 104, 10));
    EXPECT_EQ(helper->remote.port, 443);
    EXPECT_EQ(helper->rx_bytes, 2415188u);
    EXPECT_EQ(helper->tx_bytes, 588764u);
    sstop::SocketObs obs;
    ASSERT_TRUE(to_socket_obs(*helper, obs));
    EXPECT_EQ(obs.state, sstop::SocketState::Established);
    EXPECT_EQ(obs.owner.pid, 94258);

    const NetstatSocketRow* symptoms = find_process(r, "symptomsd");
    ASSERT_NE(symptoms, nullptr);
    EXPECT_EQ(symptoms->pid, 470);
    EXPECT_EQ(symptoms->local.addr.family, sstop::Family::None);  // "*.*"
    EXPECT_EQ(symptoms->remote.addr.family, sstop::Family::None);
    ASSERT_TRUE(to_socket_obs(*symptoms, obs));
    EXPECT_EQ(obs.key.local.addr, (sstop::IpAddr{sstop::Family::V4, {}}));
    EXPECT_EQ(obs.key.local.port, 0);
}

TEST(NetstatSockets, ReadsListenersAndDualStackOfAnvb) {
    const NetstatSocketParse r = parse_netstat_sockets(read_fixture("netstat-anvb-1.txt"));
    ASSERT_EQ(r.rows.size(), 4u);
    EXPECT_EQ(r.malformed, 0u);
    const NetstatSocketRow* msp = find_process(r, "MSP Anywhere Dae");
    ASSERT_NE(msp, nullptr);
    EXPECT_EQ(msp->pid, 602);
    EXPECT_TRUE(msp->dual_stack);
    EXPECT_EQ(msp->state, sstop::SocketState::Listen);
    EXPECT_EQ(msp->local.port, 5948);
    EXPECT_EQ(msp->local.addr, (sstop::IpAddr{sstop::Family::V6, {}}));
    EXPECT_EQ(r.rows[1].process, "launchd");
    EXPECT_EQ(r.rows[1].pid, 1);
    EXPECT_EQ(r.rows[1].local.addr.family, sstop::Family::V6);
    EXPECT_EQ(r.rows[1].local.addr.bytes[15], 1);  // ::1
    EXPECT_EQ(r.rows[1].local.port, 8021);
    const NetstatSocketRow* node = find_process(r, "node");
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(node->pid, 4711);
    EXPECT_EQ(node->remote.port, 61234);

    const NetstatSocketParse r2 = parse_netstat_sockets(read_fixture("netstat-anvb-2.txt"));
    ASSERT_EQ(r2.rows.size(), 2u);
    const NetstatSocketRow* codex = find_process(r2, "Codex (Service)");
    ASSERT_NE(codex, nullptr);
    EXPECT_EQ(codex->pid, 19111);
    EXPECT_EQ(codex->rx_bytes, 14360u);
    EXPECT_EQ(codex->tx_bytes, 2173u);
    EXPECT_EQ(codex->remote.addr, v4(74, 125, 201, 188));
    EXPECT_EQ(codex->remote.port, 5228);
}

TEST(NetstatSockets, ReadsPidEpidLayoutAndRejectsInvalidPort) {
    const NetstatSocketParse r = parse_netstat_sockets(read_fixture("netstat-anvb-3.txt"));
    // Seven rows; "127.0.0.1.92250" is not a port, so that row is malformed.
    ASSERT_EQ(r.rows.size(), 6u);
    EXPECT_EQ(r.malformed, 1u);
    EXPECT_EQ(r.rows[0].pid, 99999);
    EXPECT_TRUE(r.rows[0].process.empty());
    EXPECT_EQ(r.rows[0].rx_bytes, 585820u);
    EXPECT_EQ(r.rows[0].tx_bytes, 1454740u);
    EXPECT_EQ(r.rows[3].pid, 88888);
    EXPECT_EQ(r.rows[3].rx_bytes, 2964236u);
    EXPECT_EQ(r.rows.back().pid, 1601);
    EXPECT_EQ(r.rows.back().local.port, 6969);
    EXPECT_TRUE(r.rows.back().dual_stack);
    EXPECT_EQ(count_by_proto(r)["tcp4"], 4);
}

TEST(NetstatSockets, ReadsPidsWithoutByteColumnsOfAnv) {
    const NetstatSocketParse r = parse_netstat_sockets(read_fixture("netstat-anv-1.txt"));
    ASSERT_EQ(r.rows.size(), 4u);
    EXPECT_EQ(r.malformed, 0u);
    for (const NetstatSocketRow& row : r.rows) EXPECT_FALSE(row.has_bytes);
    EXPECT_EQ(r.rows[0].pid, 34323);
    EXPECT_EQ(r.rows[1].pid, 24807);
    EXPECT_EQ(r.rows[3].remote.addr, v4(149, 137, 136, 16));
    sstop::SocketObs obs;
    ASSERT_TRUE(to_socket_obs(r.rows[3], obs));
    EXPECT_FALSE(obs.has_bytes);
}

TEST(NetstatSockets, ParsesEndpointsWithTheLastDotAsPortSeparator) {
    sstop::Endpoint ep;
    ASSERT_TRUE(parse_netstat_endpoint("fe80::1%lo0.8021", sstop::Family::V6, ep));
    EXPECT_EQ(ep.addr.family, sstop::Family::V6);
    EXPECT_EQ(ep.addr.bytes[0], 0xfe);
    EXPECT_EQ(ep.addr.bytes[15], 1);
    EXPECT_EQ(ep.port, 8021);
    ASSERT_TRUE(parse_netstat_endpoint("::ffff:10.1.2.3.443", sstop::Family::V6, ep));
    EXPECT_EQ(ep.addr, v4(10, 1, 2, 3));
    EXPECT_EQ(ep.port, 443);
    ASSERT_TRUE(parse_netstat_endpoint("*.53", sstop::Family::V4, ep));
    EXPECT_EQ(ep.addr, (sstop::IpAddr{sstop::Family::V4, {}}));
    EXPECT_FALSE(parse_netstat_endpoint("1.2.3.4.65536", sstop::Family::V4, ep));
    EXPECT_FALSE(parse_netstat_endpoint("2600:1700:bab0:d.5", sstop::Family::V6, ep));
    EXPECT_FALSE(parse_netstat_endpoint("host.example.80", sstop::Family::V4, ep));
    EXPECT_FALSE(parse_netstat_endpoint(".80", sstop::Family::V4, ep));
    EXPECT_FALSE(parse_netstat_endpoint("1.2.3.4.", sstop::Family::V4, ep));
}

constexpr const char* kHeader =
    "Active Internet connections (including servers)\n"
    "Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)          "
    "rxbytes      txbytes  rhiwat  shiwat          process:pid    state  options\n";

TEST(NetstatSockets, RejectsCountersThatOverflowSixtyFourBits) {
    const std::string text =
        std::string(kHeader) +
        "tcp4 0 0 127.0.0.1.80 127.0.0.1.5000 ESTABLISHED 18446744073709551616 1 1 1 a:1 00 00\n"
        "tcp4 0 0 127.0.0.1.80 127.0.0.1.5001 ESTABLISHED 18446744073709551615 1 1 1 b:2 00 00\n";
    const NetstatSocketParse r = parse_netstat_sockets(text);
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.malformed, 1u);
    EXPECT_EQ(r.rows[0].rx_bytes, std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(r.rows[0].process, "b");
}

TEST(NetstatSockets, CountsTruncatedAndGarbageLinesAsMalformed) {
    const std::string text =
        std::string(kHeader) +
        "tcp4 0 0 127.0.0.1.80\n"              // cut after the local address
        "tcp4 0 0 127.0.0.1.80 127.0.0.1.5\n"  // row without byte columns
        "\x01\xff\xfe garbage \x7f\n"
        "tcp4 0 0 127.0.0.1.80 *.* LISTEN 0 0 1 1 x:y 00 00\n"  // pid not a number
        "tcp9 0 0 1.2.3.4.5 *.* LISTEN\n"
        "udp4 0 0 1.2.3.4.5 *.* 10 20 1 1 ok name:77 00 00\n";
    const NetstatSocketParse r = parse_netstat_sockets(text);
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.malformed, 4u);
    EXPECT_FALSE(r.rows[0].has_bytes);
    EXPECT_EQ(r.rows[0].remote.port, 5);
    EXPECT_EQ(r.rows[1].process, "ok name");
    EXPECT_EQ(r.rows[1].pid, 77);
    EXPECT_EQ(r.rows[1].rx_bytes, 10u);
}

TEST(NetstatSockets, EmptyAndHeaderlessInputGiveNoRows) {
    NetstatSocketParse r = parse_netstat_sockets("");
    EXPECT_TRUE(r.rows.empty());
    EXPECT_EQ(r.malformed, 0u);
    EXPECT_FALSE(r.header_found);
    r = parse_netstat_sockets("tcp4 0 0 127.0.0.1.80 *.* LISTEN\n");
    EXPECT_TRUE(r.rows.empty());
    EXPECT_EQ(r.malformed, 1u);
    std::string binary(3000, '\0');
    for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7919);
    r = parse_netstat_sockets(binary);
    EXPECT_TRUE(r.rows.empty());
}

TEST(NetstatSockets, SkipsOverlongLines) {
    const std::string text = std::string(kHeader) + "tcp4 0 0 " + std::string(5000, '1') +
                             " *.* LISTEN 0 0 1 1 a:1 0 0\n" +
                             "tcp4 0 0 127.0.0.1.80 *.* LISTEN 0 0 1 1 a:1 0 0\n";
    const NetstatSocketParse r = parse_netstat_sockets(text);
    EXPECT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.malformed, 1u);
}

TEST(NetstatSockets, ProcessAsLastColumnTakesTheRestOfTheLine) {
    const std::string text =
        "Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)  "
        "rxbytes txbytes process:pid\n"
        "tcp4 0 0 127.0.0.1.80 127.0.0.1.9 ESTABLISHED 5 6 My App: Helper:1234\n";
    const NetstatSocketParse r = parse_netstat_sockets(text);
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0].process, "My App: Helper");
    EXPECT_EQ(r.rows[0].pid, 1234);
    EXPECT_EQ(r.rows[0].tx_bytes, 6u);
}

TEST(NetstatSockets, StopsAtTheRowLimit) {
    std::string text = kHeader;
    const std::string row = "udp4 0 0 *.53 *.* 1 2 1 1 d:1 00 00\n";
    for (std::size_t i = 0; i < kMaxRows + 5; ++i) text += row;
    const NetstatSocketParse r = parse_netstat_sockets(text);
    EXPECT_EQ(r.rows.size(), kMaxRows);
    EXPECT_TRUE(r.row_limit_hit);
}

TEST(NetstatInterfaces, TakesTheLinkRowOfEachInterface) {
    const InterfaceParse r = parse_netstat_interfaces(read_fixture("netstat-ibdn-1.txt"));
    EXPECT_TRUE(r.header_found);
    ASSERT_EQ(r.rows.size(), 4u);  // lo0, gif0, stf0, en0
    EXPECT_EQ(r.address_rows, 4u);
    EXPECT_EQ(r.malformed, 0u);
    const InterfaceRow* lo0 = find_link(r, 1);
    ASSERT_NE(lo0, nullptr);
    EXPECT_EQ(lo0->name, "lo0");
    EXPECT_TRUE(lo0->up);
    EXPECT_EQ(lo0->rx_bytes, 12824763793u);  // overflows its column
    EXPECT_EQ(lo0->tx_bytes, 12824763793u);
    EXPECT_EQ(lo0->rx_packets, 27190978u);
    const InterfaceRow* en0 = find_link(r, 4);
    ASSERT_NE(en0, nullptr);
    EXPECT_EQ(en0->name, "en0");
    EXPECT_EQ(en0->link_address, "a8:66:7f:dd:ee:ff");
    EXPECT_EQ(en0->rx_bytes, 7295722068u);
    EXPECT_EQ(en0->tx_bytes, 379533492u);
    EXPECT_EQ(en0->tx_packets, 3494252u);
    EXPECT_TRUE(en0->has_drops);
    EXPECT_EQ(en0->drops, 230u);
    const InterfaceRow* gif0 = find_link(r, 2);
    ASSERT_NE(gif0, nullptr);
    EXPECT_EQ(gif0->name, "gif0");
    EXPECT_FALSE(gif0->up);
}

TEST(NetstatInterfaces, KeepsTruncatedNamesDistinctByLink) {
    const InterfaceParse r = parse_netstat_interfaces(read_fixture("netstat-ibdn-2.txt"));
    EXPECT_EQ(r.malformed, 0u);
    ASSERT_EQ(r.rows.size(), 8u);
    const std::vector<sstop::InterfaceObs> obs = to_interface_obs(r.rows);
    std::map<std::string, const sstop::InterfaceObs*> by_name;
    for (const sstop::InterfaceObs& o : obs) by_name[o.name] = &o;
    EXPECT_EQ(by_name.size(), obs.size());
    ASSERT_TRUE(by_name.count("utun8#88"));
    EXPECT_EQ(by_name["utun8#88"]->rx_bytes, 27175u);
    EXPECT_EQ(by_name["utun8#88"]->index, 88u);
    ASSERT_TRUE(by_name.count("utun8#95"));
    EXPECT_EQ(by_name["utun8#95"]->rx_bytes, 28593u);
    ASSERT_TRUE(by_name.count("utun8#90"));
    EXPECT_EQ(by_name["utun8#90"]->rx_bytes, 29554u);
    ASSERT_TRUE(by_name.count("lo0"));  // unique names stay as printed
    EXPECT_EQ(by_name["lo0"]->rx_bytes, 3769823u);
    EXPECT_EQ(by_name["lo0"]->rx_packets, 31241u);
    ASSERT_TRUE(by_name.count("gif0"));
    EXPECT_FALSE(by_name["gif0"]->up);
}

TEST(NetstatInterfaces, ReadsTenCharacterNameLayout) {
    const InterfaceParse r = parse_netstat_interfaces(read_fixture("netstat-ib-2.txt"));
    EXPECT_EQ(r.malformed, 0u);
    ASSERT_EQ(r.rows.size(), 4u);  // lo0, gif0, en0, utun1
    const InterfaceRow* en0 = find_link(r, 14);
    ASSERT_NE(en0, nullptr);
    EXPECT_EQ(en0->name, "en0");
    EXPECT_EQ(en0->rx_packets, 82511778u);
    EXPECT_EQ(en0->rx_bytes, 75656778687u);
    EXPECT_EQ(en0->tx_bytes, 79224021508u);
    EXPECT_FALSE(en0->has_drops);
    const InterfaceRow* lo0 = find_link(r, 1);
    ASSERT_NE(lo0, nullptr);
    EXPECT_EQ(lo0->rx_packets, 186774513u);
    EXPECT_EQ(lo0->rx_bytes, 49065918657u);
    const InterfaceRow* utun1 = find_link(r, 19);
    ASSERT_NE(utun1, nullptr);
    EXPECT_TRUE(utun1->link_address.empty());
    EXPECT_EQ(utun1->tx_packets, 5709u);
    EXPECT_EQ(utun1->tx_bytes, 2812862u);
}

TEST(NetstatInterfaces, ReadsErrorsDropsAndNamedAddresses) {
    InterfaceParse r = parse_netstat_interfaces(read_fixture("netstat-ibdn-3.txt"));
    ASSERT_EQ(r.rows.size(), 4u);
    EXPECT_EQ(find_link(r, 4)->rx_errors, 2u);
    EXPECT_EQ(find_link(r, 4)->rx_bytes, 11902425614u);
    EXPECT_EQ(find_link(r, 4)->tx_bytes, 2354022366u);
    EXPECT_EQ(find_link(r, 5)->name, "en1");
    EXPECT_EQ(find_link(r, 5)->drops, 3u);

    r = parse_netstat_interfaces(read_fixture("netstat-ib-1.txt"));
    EXPECT_EQ(r.malformed, 0u);
    ASSERT_EQ(r.rows.size(), 6u);  // lo0 gif0 stf0 en0 p2p0 ham0
    EXPECT_EQ(find_link(r, 4)->rx_bytes, 13835457425u);
    EXPECT_EQ(find_link(r, 4)->tx_bytes, 11508790198u);
    EXPECT_EQ(find_link(r, 6)->name, "ham0");
    EXPECT_EQ(find_link(r, 6)->rx_bytes, 6815204u);
    EXPECT_EQ(find_link(r, 6)->tx_bytes, 8494811u);

    r = parse_netstat_interfaces(read_fixture("netstat-ivb-1.txt"));
    EXPECT_EQ(r.malformed, 0u);
    ASSERT_EQ(r.rows.size(), 10u);
    EXPECT_EQ(find_link(r, 9)->name, "bridg");
    EXPECT_EQ(find_link(r, 4)->name, "XHC20");
    EXPECT_EQ(find_link(r, 10)->tx_bytes, 200u);
    EXPECT_EQ(find_link(r, 10)->tx_packets, 2u);
    EXPECT_EQ(find_link(r, 5)->rx_bytes, 7619996599u);

    r = parse_netstat_interfaces(read_fixture("netstat-ibdnW-1.txt"));
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0].rx_bytes, 169411755u);
}

TEST(NetstatInterfaces, WithoutByteColumnsHasNoBytes) {
    const InterfaceParse r = parse_netstat_interfaces(read_fixture("netstat-i-1.txt"));
    EXPECT_EQ(r.malformed, 0u);
    ASSERT_EQ(r.rows.size(), 23u);
    for (const InterfaceRow& row : r.rows) EXPECT_FALSE(row.has_bytes);
    EXPECT_EQ(find_link(r, 1)->rx_packets, 1580150u);
    EXPECT_EQ(find_link(r, 8)->name, "en5");
    EXPECT_EQ(find_link(r, 8)->rx_packets, 140215u);
    EXPECT_EQ(find_link(r, 8)->tx_packets, 137522u);
    EXPECT_EQ(find_link(r, 8)->tx_errors, 721u);
    EXPECT_FALSE(find_link(r, 5)->up);  // XHC1*
}

TEST(NetstatInterfaces, RejectsMalformedRows) {
    const std::string text =
        "Name  Mtu   Network       Address            Ipkts Ierrs     Ibytes    Opkts Oerrs     "
        "Obytes  Coll\n"
        "en0   1500  <Link#4>    aa:bb  1 0 99999999999999999999999 1 0 1 0\n"  // overflow
        "en1   1500  <Link#5>    aa:bb  1 0 100\n"                              // cut short
        "en2   1500  <Link#x>    aa:bb  1 0 1 1 0 1 0\n"                        // bad index
        "en3   1500  <Link#7>    aa bb  1 0 1 1 0 1 0\n"                        // extra word
        "*     1500  <Link#8>    1 0 1 1 0 1 0\n"                               // empty name
        "en4   1500  <Link#9>    1 - 5 1 - 6 -\n"
        "en5   1500  <Link#9>    1 0 5 1 0 6 0\n";  // same link again
    const InterfaceParse r = parse_netstat_interfaces(text);
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.malformed, 5u);
    EXPECT_EQ(r.duplicate_links, 1u);
    EXPECT_EQ(r.rows[0].name, "en4");
    EXPECT_EQ(r.rows[0].rx_bytes, 5u);
    EXPECT_EQ(r.rows[0].tx_bytes, 6u);
    EXPECT_EQ(parse_netstat_interfaces("").rows.size(), 0u);
    EXPECT_EQ(parse_netstat_interfaces("en0 1500 <Link#1> 1 0 1 1 0 1 0\n").malformed, 1u);
}

}  // namespace
