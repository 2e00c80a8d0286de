#include "lsof_parser.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fixture.hpp"

namespace {

using namespace sstop::plugins::darwin;
using sstop::plugins::darwin::testing::read_fixture;
using sstop::plugins::darwin::testing::v4;

TEST(LsofFields, ReadsTheDefaultFieldSetOfOneProcess) {
    const LsofParse r = parse_lsof_fields(read_fixture("lsof-F-1.txt"));
    EXPECT_EQ(r.malformed, 0u);
    ASSERT_EQ(r.sockets.size(), 1u);
    const LsofSocket& s = r.sockets[0];
    EXPECT_EQ(s.pid, 1190);
    EXPECT_EQ(s.command, "Google Chrome Helper");
    EXPECT_EQ(s.fd, "29");
    EXPECT_EQ(s.ip_version, "IPv4");
    EXPECT_EQ(s.proto, sstop::Proto::Tcp);
    EXPECT_EQ(s.name, "siky-mac-mini:61472->221.229.52.145:https");
    EXPECT_FALSE(s.has_endpoints);  // host and service names, not -n -P
    EXPECT_EQ(s.state, sstop::SocketState::Established);
    ASSERT_EQ(r.processes.size(), 1u);
    EXPECT_EQ(r.processes[0].id.pid, 1190);
    EXPECT_EQ(r.processes[0].name, "Google Chrome Helper");
}

TEST(LsofFields, ReadsNumericEndpointsOfSeveralProcessesAndFiles) {
    const std::string text =
        "p501\ncnode\nf21\ntIPv6\nPTCP\nn*:4211\nTST=LISTEN\n"
        "f47\ntIPv6\nPTCP\nn[::1]:4211->[::1]:55932\nTST=ESTABLISHED\n"
        "p77\ncmDNSRes\\x20x\nf9\ntIPv4\nPUDP\nn*:5353\n"
        "f10\ntIPv4\nPTCP\nn10.0.0.2:5000->10.0.0.9:443\nTST=CLOSE_WAIT\n";
    const LsofParse r = parse_lsof_fields(text);
    EXPECT_EQ(r.malformed, 0u);
    ASSERT_EQ(r.sockets.size(), 4u);
    EXPECT_EQ(r.sockets[0].local.addr, (sstop::IpAddr{sstop::Family::V6, {}}));
    EXPECT_EQ(r.sockets[0].local.port, 4211);
    EXPECT_EQ(r.sockets[0].state, sstop::SocketState::Listen);
    EXPECT_TRUE(r.sockets[1].has_endpoints);
    EXPECT_EQ(r.sockets[1].remote.port, 55932);
    EXPECT_EQ(r.sockets[1].remote.addr.bytes[15], 1);
    EXPECT_EQ(r.sockets[2].command, "mDNSRes x");
    EXPECT_EQ(r.sockets[2].proto, sstop::Proto::Udp);
    EXPECT_EQ(r.sockets[2].remote.addr.family, sstop::Family::None);
    EXPECT_EQ(r.sockets[3].pid, 77);
    EXPECT_EQ(r.sockets[3].local.addr, v4(10, 0, 0, 2));
    EXPECT_EQ(r.sockets[3].remote.addr, v4(10, 0, 0, 9));
    EXPECT_EQ(r.sockets[3].remote.port, 443);
    EXPECT_EQ(r.sockets[3].state, sstop::SocketState::CloseWait);
    ASSERT_EQ(r.processes.size(), 2u);
    EXPECT_EQ(r.processes[1].name, "mDNSRes x");
}

TEST(LsofFields, CountsFilesWithoutAProcessAndGarbage) {
    const LsofParse r = parse_lsof_fields("f3\nPTCP\nn1.2.3.4:5\n\x01\x02\npabc\n");
    EXPECT_TRUE(r.sockets.empty());
    EXPECT_EQ(r.malformed, 3u);  // f before p, a non-field line, a bad pid
    EXPECT_TRUE(parse_lsof_fields("").sockets.empty());
}

TEST(LsofTable, ReadsNumericTableOfListeners) {
    const LsofParse r = parse_lsof_table(read_fixture("lsof-i-n-P-1.txt"));
    EXPECT_EQ(r.malformed, 0u);
    ASSERT_EQ(r.sockets.size(), 10u);
    EXPECT_EQ(r.sockets[0].command, "rapportd");
    EXPECT_EQ(r.sockets[0].pid, 986);
    EXPECT_EQ(r.sockets[0].local.port, 50081);
    EXPECT_EQ(r.sockets[0].local.addr, (sstop::IpAddr{sstop::Family::V4, {}}));
    EXPECT_EQ(r.sockets[1].local.addr, (sstop::IpAddr{sstop::Family::V6, {}}));
    EXPECT_EQ(r.sockets[7].command, "ollama");
    EXPECT_EQ(r.sockets[7].local.addr, v4(127, 0, 0, 1));
    EXPECT_EQ(r.sockets[7].local.port, 11434);
    EXPECT_EQ(r.sockets[7].state, sstop::SocketState::Listen);
    // The 15-digit DEVICE shifts the columns by one; the row still reads.
    EXPECT_EQ(r.sockets[8].pid, 56677);
    EXPECT_EQ(r.sockets[8].fd, "65u");
    EXPECT_EQ(r.sockets[8].local.port, 52231);
    EXPECT_EQ(r.processes.size(), 5u);  // rapportd, ControlCe, Ollama, ollama, Electron
}

TEST(LsofTable, DecodesEscapedCommandsAndKeepsHostNames) {
    const LsofParse r = parse_lsof_table(read_fixture("lsof-i-1.txt"));
    EXPECT_EQ(r.malformed, 0u);
    ASSERT_EQ(r.sockets.size(), 2u);
    EXPECT_EQ(r.sockets[0].command, "Code H");
    EXPECT_EQ(r.sockets[0].pid, 94659);
    EXPECT_EQ(r.sockets[0].name, "siky-mac-mini:53734->20.205.69.80:https");
    EXPECT_FALSE(r.sockets[0].has_endpoints);
    EXPECT_EQ(r.sockets[0].state, sstop::SocketState::Established);
    EXPECT_EQ(r.sockets[1].command, std::string("?\x93\x94"));
    EXPECT_EQ(r.sockets[1].pid, 97161);
}

TEST(LsofTable, ReadsConnectionsAndRowsWithoutState) {
    LsofParse r = parse_lsof_table(read_fixture("lsof-n-P-i4-i6-1.txt"));
    ASSERT_EQ(r.sockets.size(), 4u);
    EXPECT_EQ(r.sockets[0].local.addr, v4(192, 168, 1, 37));
    EXPECT_EQ(r.sockets[0].local.port, 60298);
    EXPECT_EQ(r.sockets[0].remote.addr, v4(31, 13, 83, 36));
    EXPECT_EQ(r.sockets[0].remote.port, 443);
    EXPECT_EQ(r.sockets[2].fd, "203u");
    EXPECT_EQ(r.sockets[3].state, sstop::SocketState::Unknown);
    EXPECT_EQ(r.sockets[3].remote.addr, v4(140, 82, 114, 26));

    r = parse_lsof_table(read_fixture("lsof-i-P-1.txt"));
    ASSERT_EQ(r.sockets.size(), 6u);
    EXPECT_EQ(r.sockets[2].fd, "128u");
    EXPECT_EQ(r.sockets[2].name, "localhost:4211->localhost:55937");
    EXPECT_FALSE(r.sockets[2].has_endpoints);
    EXPECT_TRUE(r.sockets[3].has_endpoints);
    EXPECT_EQ(r.sockets[3].local.port, 4302);
}

TEST(LsofTable, CountsShortAndGarbageRows) {
    const LsofParse r = parse_lsof_table(
        "COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME\n"
        "node 12 me 3u IPv4 0x1 0t0 TCP\n"               // no NAME
        "node x me 3u IPv4 0x1 0t0 TCP *:80 (LISTEN)\n"  // bad pid
        "\xff\xfe\n"
        "node 99999999999 me 3u IPv4 0x1 0t0 TCP *:80 (LISTEN)\n");
    EXPECT_TRUE(r.sockets.empty());
    EXPECT_EQ(r.malformed, 4u);
}

TEST(LsofName, ParsesNumericNamesOnly) {
    sstop::Endpoint l;
    sstop::Endpoint rem;
    EXPECT_TRUE(parse_lsof_name("127.0.0.1:80->127.0.0.1:5000", l, rem));
    EXPECT_EQ(l.port, 80);
    EXPECT_EQ(rem.port, 5000);
    EXPECT_FALSE(parse_lsof_name("1.2.3.4:99999", l, rem));
    EXPECT_FALSE(parse_lsof_name("fe80::1:80", l, rem));
    EXPECT_FALSE(parse_lsof_name("", l, rem));
    EXPECT_EQ(decode_lsof_escapes("a\\x2"), "a\\x2");
    EXPECT_EQ(decode_lsof_escapes("a\\\\b\\tc"), "a\\b\tc");
}

}  // namespace
