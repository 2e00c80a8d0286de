#include "core/session_summary.hpp"

#include <gtest/gtest.h>

namespace {

using sstop::Snapshot;
using sstop::core::SessionSummary;

sstop::ProcessSummary proc(int pid, const std::string& name, std::uint64_t rx, std::uint64_t tx) {
    sstop::ProcessSummary p;
    p.info.id = {pid, 1000u + static_cast<std::uint64_t>(pid)};
    p.info.name = name;
    p.traffic.rx_bytes = rx;
    p.traffic.tx_bytes = tx;
    return p;
}

sstop::RemoteHostSummary host(std::uint8_t last, const std::string& name, std::uint64_t rx,
                              std::uint64_t tx) {
    sstop::RemoteHostSummary h;
    h.addr.family = sstop::Family::V4;
    h.addr.bytes[0] = 192;
    h.addr.bytes[1] = 0;
    h.addr.bytes[2] = 2;
    h.addr.bytes[3] = last;
    h.name = name;
    h.traffic.rx_bytes = rx;
    h.traffic.tx_bytes = tx;
    return h;
}

std::size_t line_of(const std::string& text, const std::string& needle) {
    auto at = text.find(needle);
    if (at == std::string::npos) return std::string::npos;
    return static_cast<std::size_t>(
        std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

}  // namespace

TEST(SessionSummary, ExitedProcessesCountAndLargestComesFirst) {
    SessionSummary s;
    Snapshot a;
    a.processes = {proc(10, "curl", 1000, 0), proc(20, "iperf3", 0, 5 * 1024 * 1024)};
    a.remote_hosts = {host(1, "one.example.test", 1000, 0), host(2, "", 0, 4096)};
    s.add(a);
    Snapshot b;  // curl exited; iperf3 sent more
    b.processes = {proc(20, "iperf3", 0, 6 * 1024 * 1024)};
    s.add(b);
    const std::string text = s.text();
    EXPECT_NE(text.find("Top processes by bytes"), std::string::npos) << text;
    EXPECT_NE(text.find("Top remote hosts by bytes"), std::string::npos) << text;
    EXPECT_NE(text.find("curl"), std::string::npos) << text;      // exited, still listed
    EXPECT_NE(text.find("6.00 MiB"), std::string::npos) << text;  // readable units
    EXPECT_LT(line_of(text, "iperf3"), line_of(text, "curl")) << text;
    EXPECT_NE(text.find("one.example.test"), std::string::npos) << text;
    EXPECT_NE(text.find("192.0.2.2"), std::string::npos) << text;  // no name: the address
    EXPECT_LT(line_of(text, "192.0.2.2"), line_of(text, "one.example.test")) << text;
}

TEST(SessionSummary, ACounterThatRestartsCountsFromZero) {
    SessionSummary s;
    Snapshot a;
    a.remote_hosts = {host(1, "h", 3000, 0)};
    s.add(a);
    Snapshot b;  // forgotten and seen again: bytes since it reappeared
    b.remote_hosts = {host(1, "h", 500, 0)};
    s.add(b);
    EXPECT_NE(s.text().find("3.42 KiB"), std::string::npos) << s.text();  // 3500 B
}

TEST(SessionSummary, TopTenAndNothingMoved) {
    SessionSummary empty;
    EXPECT_NE(empty.text().find("(no traffic)"), std::string::npos);
    SessionSummary s;
    Snapshot a;
    for (int i = 1; i <= 15; ++i)
        a.processes.push_back(
            proc(i, "p" + std::to_string(i) + "x", static_cast<std::uint64_t>(i) * 100, 0));
    s.add(a);
    const std::string text = s.text(10);
    EXPECT_NE(text.find("p15x"), std::string::npos) << text;
    EXPECT_NE(text.find("p6x"), std::string::npos) << text;
    EXPECT_EQ(text.find("p5x"), std::string::npos) << text;  // 11th largest: left out
}

TEST(SessionSummary, EntriesAreBounded) {
    SessionSummary s(8);
    for (int round = 0; round < 5; ++round) {
        Snapshot a;
        for (int i = 1; i <= 20; ++i)
            a.processes.push_back(proc(round * 100 + i, "q" + std::to_string(round * 100 + i),
                                       static_cast<std::uint64_t>(i), 0));
        a.processes.push_back(proc(9999, "big", 1'000'000, 0));
        s.add(a);
    }
    const std::string text = s.text(100);
    EXPECT_LE(std::count(text.begin(), text.end(), '\n'), 8 + 10) << text;
    EXPECT_NE(text.find("big"), std::string::npos) << text;  // the largest survives pruning
}
