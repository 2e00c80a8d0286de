#include "core/output.hpp"

#include <gtest/gtest.h>

namespace sstop::core {
namespace {

IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddr ip;
    ip.family = Family::V4;
    ip.bytes[0] = a, ip.bytes[1] = b, ip.bytes[2] = c, ip.bytes[3] = d;
    return ip;
}

Snapshot sample_snapshot() {
    Snapshot s;
    s.seq = 3;
    s.unix_time_ns = 1700000000123456789;
    s.interval_s = 1.0;
    s.sources = {"procnet", "afpacket"};
    s.totals = {1536.04, 512.0, 4096, 2048};
    s.unattributed = {0, 0, 10, 0};
    s.interfaces.push_back({"eth0", true, true, {100, 200, 300, 400}});
    s.interfaces.push_back({"lo", true, false, {}});
    ProcessSummary p;
    p.info.id = {4242, 99};
    p.info.name = "curl";
    p.info.cmdline = "curl \"http://x\",y";
    p.info.uid = 1000;
    p.traffic = {1536.04, 512, 4086, 2048};
    p.connections = 1;
    ConnectionSummary c;
    c.key.proto = Proto::Tcp;
    c.key.local = {v4(10, 0, 0, 1), 40000};
    c.key.remote = {v4(93, 184, 216, 34), 443};
    c.state = SocketState::Established;
    c.inode = 777;
    c.measured = true;
    c.traffic = p.traffic;
    p.sockets.push_back(c);
    ConnectionSummary l;
    l.key.proto = Proto::Udp;
    l.key.local = {v4(0, 0, 0, 0), 53};
    l.state = SocketState::Close;
    p.sockets.push_back(l);
    s.processes.push_back(p);
    s.remote_hosts.push_back({v4(93, 184, 216, 34), "example.org", p.traffic, 1, {"curl"}});
    s.listen_ports.push_back({Proto::Udp, v4(0, 0, 0, 0), 53, p.info.id, "curl"});
    s.counters.push_back({"afpacket.kernel_drops", 0});
    s.groups.push_back({"unit", "curl-job.service", p.traffic, 1, 1});
    return s;
}

TEST(JsonOutput, SnapshotIsOneLineWithEveryDocumentedField) {
    std::string json = snapshot_to_json(sample_snapshot());
    ASSERT_EQ(json.back(), '\n');
    EXPECT_EQ(json.find('\n'), json.size() - 1) << "JSON Lines: one object per line";
    for (const char* field :
         {"\"ts\":1700000000.123", "\"interval_s\":1.000", "\"sources\":[\"procnet\",\"afpacket\"]",
          "\"totals\":{\"rx_bps\":1536.0,\"tx_bps\":512.0,\"rx_bytes\":4096,\"tx_bytes\":2048}",
          "\"unattributed\":{\"rx_bps\":0.0,\"tx_bps\":0.0,\"rx_bytes\":10,\"tx_bytes\":0}",
          "\"interfaces\":[{\"name\":\"eth0\",\"up\":true,\"default_route\":true,"
          "\"rx_bps\":100.0",
          "\"pid\":4242,\"name\":\"curl\",\"cmdline\":\"curl \\\"http://x\\\",y\",\"uid\":1000,"
          "\"container\":\"\",\"unit\":\"\"",
          "\"groups\":[{\"kind\":\"unit\",\"name\":\"curl-job.service\",\"rx_bps\":1536.0,"
          "\"tx_bps\":512.0,\"rx_bytes\":4086,\"tx_bytes\":2048,\"processes\":1,"
          "\"connections\":1}]",
          "\"connections\":1",
          "{\"proto\":\"tcp\",\"local\":\"10.0.0.1:40000\",\"remote\":\"93.184.216.34:443\","
          "\"state\":\"ESTAB\"",
          "{\"proto\":\"udp\",\"local\":\"0.0.0.0:53\",\"remote\":null,\"state\":\"UNCONN\"",
          "\"remote_hosts\":[{\"addr\":\"93.184.216.34\",\"name\":\"example.org\"",
          "\"listen_ports\":[{\"proto\":\"udp\",\"addr\":\"0.0.0.0\",\"port\":53,\"pid\":4242,"
          "\"name\":\"curl\"}]",
          "\"counters\":{\"afpacket.kernel_drops\":0}"}) {
        EXPECT_NE(json.find(field), std::string::npos) << "missing " << field << "\nin " << json;
    }
}

TEST(JsonOutput, ProcessesListTheirUdpPeersFromLabels) {
    Snapshot s = sample_snapshot();
    std::string json = snapshot_to_json(s);
    EXPECT_NE(json.find("\"udp_peers\":[],\"udp_peers_dropped\":0"), std::string::npos) << json;
    s.processes[0].info.labels = {{"alert", "x"},
                                  {"udp_peer", "192.0.2.1:53"},
                                  {"udp_peer", "[2001:db8::1]:123"},
                                  {"udp_peers_dropped", "7"}};
    json = snapshot_to_json(s);
    EXPECT_NE(json.find("\"udp_peers\":[\"192.0.2.1:53\",\"[2001:db8::1]:123\"],"
                        "\"udp_peers_dropped\":7"),
              std::string::npos)
        << json;
}

TEST(JsonOutput, EachInterfaceSaysWhetherItCarriesTheDefaultRoute) {
    std::string json = snapshot_to_json(sample_snapshot());
    EXPECT_NE(json.find("{\"name\":\"eth0\",\"up\":true,\"default_route\":true,\"rx_bps\":100.0"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find("{\"name\":\"lo\",\"up\":true,\"default_route\":false,\"rx_bps\":0.0"),
              std::string::npos)
        << json;
}

TEST(JsonOutput, EscapesControlCharactersAndInvalidUtf8) {
    std::string out;
    append_json_string(out, std::string("a\"b\\c\n\x01\x7f\xff") + "é" + "\xe2\x82");
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\\u007f\\ufffdé\\ufffd\\ufffd\"");
}

TEST(JsonOutput, RejectsOverlongAndSurrogateUtf8) {
    std::string out;
    append_json_string(out, "\xc0\xaf\xed\xa0\x80");
    EXPECT_EQ(out.find("\xc0"), std::string::npos);
    EXPECT_EQ(out.find("\xed"), std::string::npos);
    EXPECT_NE(out.find("\\ufffd"), std::string::npos);
}

TEST(CsvOutput, HeaderThenOneQuotedRowPerProcess) {
    EXPECT_EQ(csv_header(),
              "ts,pid,name,uid,rx_bps,tx_bps,rx_bytes,tx_bytes,connections,listening,cmdline,"
              "container,unit\n");
    Snapshot s = sample_snapshot();
    s.processes.push_back(s.processes.front());
    s.processes.back().info.id.pid = 7;
    s.processes.back().info.name = "a,b";
    s.processes.back().info.container = "0123456789ab";
    s.processes.back().info.unit = "app.service";
    std::string csv = snapshot_to_csv(s);
    EXPECT_EQ(csv,
              "1700000000.123,4242,curl,1000,1536.0,512.0,4086,2048,1,0,\"curl "
              "\"\"http://x\"\",y\",,\n"
              "1700000000.123,7,\"a,b\",1000,1536.0,512.0,4086,2048,1,0,\"curl "
              "\"\"http://x\"\",y\",0123456789ab,app.service\n");
}

TEST(CsvOutput, NoProcessesNoRows) { EXPECT_EQ(snapshot_to_csv(Snapshot{}), ""); }

TEST(TextOutput, ShowsTotalsAndTopProcesses) {
    std::string text = snapshot_to_text(sample_snapshot(), 10);
    EXPECT_NE(text.find("sources: procnet,afpacket"), std::string::npos) << text;
    EXPECT_NE(text.find("4242"), std::string::npos) << text;
    EXPECT_NE(text.find("curl"), std::string::npos) << text;
    EXPECT_NE(text.find("1.50 KiB/s"), std::string::npos) << text;
}

TEST(FilteredOutput, ListsOnlyMatchingProcessesAndKeepsTotalsWhole) {
    Snapshot s = sample_snapshot();
    ProcessSummary sshd;
    sshd.info.id = {22, 1};
    sshd.info.name = "sshd";
    s.processes.push_back(sshd);
    const Snapshot only_curl = select_processes(s, *Filter::parse("port:443"));
    ASSERT_EQ(only_curl.processes.size(), 1u);
    EXPECT_EQ(only_curl.processes[0].info.name, "curl");
    EXPECT_EQ(only_curl.totals.rx_bytes, s.totals.rx_bytes);
    EXPECT_EQ(only_curl.unattributed.rx_bytes, s.unattributed.rx_bytes);
    EXPECT_EQ(only_curl.remote_hosts.size(), s.remote_hosts.size());
    EXPECT_EQ(only_curl.groups.size(), s.groups.size());
    EXPECT_EQ(only_curl.seq, s.seq);
    // The CSV of the filtered snapshot has the curl row only.
    const std::string csv = snapshot_to_csv(select_processes(s, *Filter::parse("not curl")));
    EXPECT_EQ(csv.find("curl"), std::string::npos);
    EXPECT_NE(csv.find("sshd"), std::string::npos);
    EXPECT_EQ(snapshot_to_json(select_processes(s, Filter{})), snapshot_to_json(s));
}

}  // namespace
}  // namespace sstop::core
