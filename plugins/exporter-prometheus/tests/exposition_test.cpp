#include "exposition.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace sstop::plugins::prometheus {
namespace {

Traffic traffic(std::uint64_t rx, std::uint64_t tx, double rx_bps = 0, double tx_bps = 0) {
    Traffic t;
    t.rx_bytes = rx;
    t.tx_bytes = tx;
    t.rx_bps = rx_bps;
    t.tx_bps = tx_bps;
    return t;
}

ProcessSummary process(std::int32_t pid, std::string name, Traffic t, std::uint32_t conns = 0) {
    ProcessSummary p;
    p.info.id.pid = pid;
    p.info.name = std::move(name);
    p.traffic = t;
    p.connections = conns;
    return p;
}

IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddr ip;
    ip.family = Family::V4;
    ip.bytes[0] = a, ip.bytes[1] = b, ip.bytes[2] = c, ip.bytes[3] = d;
    return ip;
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
        ++n;
    return n;
}

TEST(Exposition, EscapesLabelValues) {
    EXPECT_EQ(escape_label_value("plain"), "plain");
    EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    EXPECT_EQ(escape_label_value("caf\xc3\xa9"), "caf\xc3\xa9");  // valid UTF-8 kept
    EXPECT_EQ(escape_label_value("x\xff"
                                 "y"),
              "x\xef\xbf\xbdy");                                            // invalid byte replaced
    EXPECT_EQ(escape_label_value("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");  // overlong
    EXPECT_EQ(escape_label_value("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");  // truncated
}

TEST(Exposition, FormatsValues) {
    EXPECT_EQ(format_value(0), "0");
    EXPECT_EQ(format_value(0.5), "0.5");
    EXPECT_EQ(format_value(1234), "1234");
    EXPECT_EQ(format_value(12.25), "12.25");
    EXPECT_EQ(format_value(std::nan("")), "NaN");
    EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
}

TEST(Exposition, RendersASmallSnapshotExactly) {
    Snapshot s;
    s.seq = 7;
    s.interval_s = 0.5;
    s.sources = {"netlink", "afpacket"};
    s.totals = traffic(1100, 2200, 10.5, 20);
    s.unattributed = traffic(100, 200, 1, 2);
    InterfaceSummary eth;
    eth.name = "eth0";
    eth.traffic = traffic(5000, 6000, 50, 60);
    s.interfaces.push_back(eth);
    // Sorted by rate in the snapshot; the cap keeps the one with the most bytes.
    s.processes.push_back(process(42, "fast", traffic(0, 10, 99, 99), 1));
    s.processes.push_back(process(7, "we\"ird\\na\nme", traffic(1000, 1990, 3.25, 4), 2));
    s.listen_ports.resize(3);
    s.remote_hosts.resize(1);

    const std::string kAll = "All traffic (every process plus unattributed), payload bytes.";
    const std::string kUnattributed =
        "Traffic no process owned (a socket sstop could not map), payload bytes.";
    const std::string kInterface =
        "Per interface, from the kernel's link counters: link-level bytes, headers included (not "
        "comparable with the payload families).";
    const std::string kProcess = "Per process (the top max_processes by bytes), payload bytes.";
    const std::string kGroup =
        "Per container (kind=\"container\") or systemd unit (kind=\"unit\"), the top max_groups "
        "by bytes, payload bytes; a group keeps the bytes of its exited processes.";
    const std::string kWeird = "{pid=\"7\",name=\"we\\\"ird\\\\na\\nme\"}";
    // One scope's four families: bytes received, sent, and the two smoothed rates.
    auto scope = [](const std::string& prefix, const std::string& what, const std::string& labels,
                    const std::string& rx, const std::string& tx, const std::string& rx_bps,
                    const std::string& tx_bps) {
        std::string t;
        t += "# HELP " + prefix + "receive_bytes_total Bytes received since sstop started. " +
             what + "\n# TYPE " + prefix + "receive_bytes_total counter\n";
        if (!rx.empty()) t += prefix + "receive_bytes_total" + labels + " " + rx + "\n";
        t += "# HELP " + prefix + "transmit_bytes_total Bytes sent since sstop started. " + what +
             "\n# TYPE " + prefix + "transmit_bytes_total counter\n";
        if (!tx.empty()) t += prefix + "transmit_bytes_total" + labels + " " + tx + "\n";
        t += "# HELP " + prefix + "receive_bytes_per_second Bytes received per second, smoothed " +
             "(EMA). " + what + "\n# TYPE " + prefix + "receive_bytes_per_second gauge\n";
        if (!rx_bps.empty())
            t += prefix + "receive_bytes_per_second" + labels + " " + rx_bps + "\n";
        t += "# HELP " + prefix + "transmit_bytes_per_second Bytes sent per second, smoothed " +
             "(EMA). " + what + "\n# TYPE " + prefix + "transmit_bytes_per_second gauge\n";
        if (!tx_bps.empty())
            t += prefix + "transmit_bytes_per_second" + labels + " " + tx_bps + "\n";
        return t;
    };
    const std::string expected =
        "# HELP sstop_up 1 while sstop runs and exports snapshots.\n"
        "# TYPE sstop_up gauge\n"
        "sstop_up 1\n"
        "# HELP sstop_snapshot_seq Sequence number of the latest snapshot (0 = the baseline at "
        "start).\n"
        "# TYPE sstop_snapshot_seq gauge\n"
        "sstop_snapshot_seq 7\n"
        "# HELP sstop_interval_seconds Seconds covered by the latest snapshot.\n"
        "# TYPE sstop_interval_seconds gauge\n"
        "sstop_interval_seconds 0.5\n"
        "# HELP sstop_sources_info Sources that contributed to the latest snapshot.\n"
        "# TYPE sstop_sources_info gauge\n"
        "sstop_sources_info{source=\"netlink\"} 1\n"
        "sstop_sources_info{source=\"afpacket\"} 1\n" +
        scope("sstop_", kAll, "", "1100", "2200", "10.5", "20") +
        scope("sstop_unattributed_", kUnattributed, "", "100", "200", "1", "2") +
        scope("sstop_interface_", kInterface, "{interface=\"eth0\"}", "5000", "6000", "50", "60") +
        scope("sstop_process_", kProcess, kWeird, "1000", "1990", "3.25", "4") +
        scope("sstop_group_", kGroup, "", "", "", "", "") +
        "# HELP sstop_process_connections Non-listening sockets of a process (top max_processes "
        "processes).\n"
        "# TYPE sstop_process_connections gauge\n"
        "sstop_process_connections{pid=\"7\",name=\"we\\\"ird\\\\na\\nme\"} 2\n"
        "# HELP sstop_alert_active 1 for each alert rule active on a process (the config's "
        "alerts: section).\n"
        "# TYPE sstop_alert_active gauge\n"
        "# HELP sstop_listen_ports Listening sockets (TCP LISTEN, unconnected UDP).\n"
        "# TYPE sstop_listen_ports gauge\n"
        "sstop_listen_ports 3\n"
        "# HELP sstop_exporter_processes_dropped Processes left out by max_processes (their "
        "bytes are still in the totals).\n"
        "# TYPE sstop_exporter_processes_dropped gauge\n"
        "sstop_exporter_processes_dropped 1\n"
        "# HELP sstop_exporter_groups_dropped Groups left out by max_groups (their bytes are "
        "still in the totals).\n"
        "# TYPE sstop_exporter_groups_dropped gauge\n"
        "sstop_exporter_groups_dropped 0\n"
        "# HELP sstop_exporter_remote_hosts_dropped Remote hosts left out by max_remote_hosts "
        "(their bytes are still in the totals).\n"
        "# TYPE sstop_exporter_remote_hosts_dropped gauge\n"
        "sstop_exporter_remote_hosts_dropped 1\n";
    EXPECT_EQ(render_exposition(s, ExpositionLimits{1, 0}), expected);
}

TEST(Exposition, CapsProcessesByTotalBytesAndCountsTheRest) {
    Snapshot s;
    for (int i = 1; i <= 10; ++i)
        s.processes.push_back(process(i, "p" + std::to_string(i), traffic(0, 100u * i)));
    std::string text = render_exposition(s, ExpositionLimits{3, 0});
    EXPECT_NE(text.find("sstop_process_transmit_bytes_total{pid=\"10\",name=\"p10\"} 1000\n"),
              std::string::npos);
    EXPECT_NE(text.find("{pid=\"9\","), std::string::npos);
    EXPECT_NE(text.find("{pid=\"8\","), std::string::npos);
    EXPECT_EQ(text.find("{pid=\"7\","), std::string::npos);
    EXPECT_EQ(count(text, "sstop_process_transmit_bytes_total{pid="), 3u);
    EXPECT_NE(text.find("sstop_exporter_processes_dropped 7\n"), std::string::npos);
}

TEST(Exposition, ReusedPidGetsOneSeries) {
    Snapshot s;
    s.processes.push_back(process(5, "old", traffic(0, 10)));
    s.processes.push_back(process(5, "new", traffic(0, 50)));
    std::string text = render_exposition(s, ExpositionLimits{200, 0});
    EXPECT_EQ(count(text, "sstop_process_transmit_bytes_total{pid=\"5\""), 1u);
    EXPECT_NE(text.find("{pid=\"5\",name=\"new\"} 50"), std::string::npos);
    EXPECT_NE(text.find("sstop_exporter_processes_dropped 1\n"), std::string::npos);
}

TEST(Exposition, RemoteHostsOnlyWhenEnabledAndCapped) {
    Snapshot s;
    RemoteHostSummary a, b;
    a.addr = v4(10, 0, 0, 1);
    a.traffic = traffic(1, 1);
    b.addr = v4(10, 0, 0, 2);
    b.traffic = traffic(500, 500);
    s.remote_hosts = {a, b};
    EXPECT_EQ(render_exposition(s, ExpositionLimits{200, 0}).find("remote="), std::string::npos);
    std::string text = render_exposition(s, ExpositionLimits{200, 1});
    EXPECT_NE(text.find("sstop_remote_receive_bytes_total{remote=\"10.0.0.2\"} 500\n"),
              std::string::npos);
    EXPECT_EQ(text.find("10.0.0.1"), std::string::npos);
    EXPECT_NE(text.find("sstop_exporter_remote_hosts_dropped 1\n"), std::string::npos);
}

TEST(Exposition, EveryInterfaceHasItsSeriesInAllFourFamilies) {
    Snapshot s;
    for (const char* name : {"eth0", "lo", "wlan0"}) {
        InterfaceSummary i;
        i.name = name;
        i.traffic = traffic(1, 2, 3, 4);
        s.interfaces.push_back(i);
    }
    std::string text = render_exposition(s, ExpositionLimits{});
    for (const char* name : {"eth0", "lo", "wlan0"}) {
        std::string l = std::string("{interface=\"") + name + "\"} ";
        EXPECT_NE(text.find("sstop_interface_receive_bytes_total" + l + "1\n"), std::string::npos)
            << name;
        EXPECT_NE(text.find("sstop_interface_transmit_bytes_total" + l + "2\n"), std::string::npos)
            << name;
        EXPECT_NE(text.find("sstop_interface_receive_bytes_per_second" + l + "3\n"),
                  std::string::npos)
            << name;
        EXPECT_NE(text.find("sstop_interface_transmit_bytes_per_second" + l + "4\n"),
                  std::string::npos)
            << name;
    }
    // One HELP and one TYPE per family, each family's samples right after them.
    EXPECT_EQ(count(text, "# TYPE sstop_interface_receive_bytes_total counter\n"), 1u);
    // Payload and link-level bytes never share a family.
    EXPECT_EQ(text.find("sstop_receive_bytes_total{interface="), std::string::npos);
    EXPECT_EQ(count(text, "# HELP "), count(text, "# TYPE "));
}

TEST(Exposition, GroupsByKindAndNameCappedByMaxGroups) {
    Snapshot s;
    s.groups.push_back({"container", "0123456789ab", traffic(100, 900), 2, 3});
    s.groups.push_back({"unit", "nginx.service", traffic(5000, 5000), 1, 1});
    s.groups.push_back({"unit", "cron.service", traffic(1, 1), 1, 0});
    std::string text = render_exposition(s, ExpositionLimits{200, 0, 2});
    EXPECT_NE(text.find("sstop_group_transmit_bytes_total{kind=\"unit\",name=\"nginx.service\"} "
                        "5000\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("sstop_group_receive_bytes_total{kind=\"container\",name=\"0123456789ab\"} "
                        "100\n"),
              std::string::npos);
    EXPECT_EQ(text.find("cron.service"), std::string::npos);  // third by bytes: over the cap
    EXPECT_NE(text.find("sstop_exporter_groups_dropped 1\n"), std::string::npos);
    EXPECT_EQ(render_exposition(s, ExpositionLimits{200, 0, 0}).find("sstop_group_"),
              std::string::npos);
}

}  // namespace
}  // namespace sstop::plugins::prometheus

namespace sstop::plugins::prometheus {
namespace {

TEST(Exposition, ActiveAlertsFromProcessLabelsEvenBeyondMaxProcesses) {
    Snapshot s;
    s.processes.push_back(process(1, "big", traffic(0, 1000)));
    auto quiet = process(2, "quiet", traffic(0, 1));
    quiet.info.labels = {{"alert", "slow-leak"}, {"alert_since:slow-leak", "1"}};
    s.processes.push_back(quiet);
    std::string text = render_exposition(s, ExpositionLimits{1, 0});
    EXPECT_NE(text.find("# TYPE sstop_alert_active gauge\n"), std::string::npos) << text;
    EXPECT_NE(text.find("sstop_alert_active{name=\"slow-leak\",pid=\"2\",process=\"quiet\"} 1\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(count(text, "sstop_alert_active{"), 1u);
    // No alert: the family is announced, with no series.
    s.processes[1].info.labels.clear();
    text = render_exposition(s, ExpositionLimits{1, 0});
    EXPECT_EQ(count(text, "sstop_alert_active{"), 0u);
}

}  // namespace
}  // namespace sstop::plugins::prometheus
