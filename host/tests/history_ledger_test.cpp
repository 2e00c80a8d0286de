#include <gtest/gtest.h>

#include <map>

#include "history/history_recorder.hpp"

namespace sstop::host::history {
namespace {

constexpr std::int64_t kT0 = 1'733'400'000;  // a multiple of 60

ProcessSummary process(std::uint32_t pid, const std::string& name, std::uint64_t rx,
                       std::uint64_t tx, std::uint32_t uid = 1000) {
    ProcessSummary p;
    p.info.id.pid = pid;
    p.info.id.start_time = pid * 10;
    p.info.uid = uid;
    p.info.name = name;
    p.traffic.rx_bytes = rx;
    p.traffic.tx_bytes = tx;
    return p;
}

Snapshot snap(std::uint64_t seq, std::int64_t unix_s, std::vector<ProcessSummary> processes) {
    Snapshot s;
    s.seq = seq;
    s.unix_time_ns = unix_s * 1'000'000'000;
    s.processes = std::move(processes);
    return s;
}

// (minute, dim, key) → {rx, tx}
std::map<std::tuple<std::int64_t, int, std::string>, std::pair<std::uint64_t, std::uint64_t>> cells(
    const std::vector<MinuteBytes>& rows) {
    std::map<std::tuple<std::int64_t, int, std::string>, std::pair<std::uint64_t, std::uint64_t>>
        out;
    for (const auto& r : rows) {
        auto& c = out[{r.minute, static_cast<int>(r.dim), r.key}];
        c.first += r.rx_bytes;
        c.second += r.tx_bytes;
    }
    return out;
}

TrafficLedger::UserName names() {
    return [](std::uint32_t uid) {
        return uid == 0 ? std::string("root") : "u" + std::to_string(uid);
    };
}

TEST(TrafficLedger, BaselineCreditsNothingAndLaterTicksCreditOnlyTheDifference) {
    TrafficLedger ledger(names());
    // Bytes a process moved before sstop's baseline are not history's.
    ledger.add(snap(0, kT0, {process(1, "curl", 500, 700)}));
    EXPECT_TRUE(ledger.take().empty());
    ledger.add(snap(1, kT0 + 1, {process(1, "curl", 600, 1700)}));
    ledger.add(snap(2, kT0 + 2, {process(1, "curl", 650, 1700)}));
    auto c = cells(ledger.take());
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ((c[{kT0, 1, "curl (u1000)"}]), (std::pair<std::uint64_t, std::uint64_t>{150, 1000}));
}

TEST(TrafficLedger, AProcessThatExitsKeepsItsBytesAndANewOneCountsFromItsFirstSight) {
    TrafficLedger ledger(names());
    ledger.add(snap(0, kT0, {}));
    ledger.add(snap(1, kT0 + 1, {process(1, "curl", 10, 20), process(2, "curl", 1, 2)}));
    // pid 1 exited; pid 3 (same program) appeared with bytes since sstop first saw it.
    ledger.add(snap(2, kT0 + 2, {process(2, "curl", 5, 2), process(3, "curl", 100, 0)}));
    auto c = cells(ledger.take());
    EXPECT_EQ((c[{kT0, 1, "curl (u1000)"}]),
              (std::pair<std::uint64_t, std::uint64_t>{10 + 5 + 100, 20 + 2}));
}

TEST(TrafficLedger, BytesGoToTheMinuteOfTheirSnapshotAndPerUser) {
    TrafficLedger ledger(names());
    ledger.add(snap(0, kT0 + 50, {process(1, "ssh", 0, 0, 0)}));
    ledger.add(snap(1, kT0 + 59, {process(1, "ssh", 7, 0, 0)}));
    ledger.add(snap(2, kT0 + 60, {process(1, "ssh", 10, 0, 0), process(2, "ssh", 4, 0, 5)}));
    auto c = cells(ledger.take());
    EXPECT_EQ((c[{kT0, 1, "ssh (root)"}].first), 7u);
    EXPECT_EQ((c[{kT0 + 60, 1, "ssh (root)"}].first), 3u);
    EXPECT_EQ((c[{kT0 + 60, 1, "ssh (u5)"}].first), 4u);
}

TEST(TrafficLedger, GroupsHostsAndInterfacesAreCreditedByTheirOwnCounters) {
    TrafficLedger ledger(names());
    Snapshot s0 = snap(0, kT0, {});
    GroupSummary g;
    g.kind = "unit";
    g.name = "nginx.service";
    RemoteHostSummary h;
    h.addr.family = Family::V4;
    h.addr.bytes[0] = 10;
    h.addr.bytes[3] = 7;
    InterfaceSummary i;
    i.name = "eth0";
    i.traffic.rx_bytes = 1000;  // since the baseline: not history's
    s0.groups = {g};
    s0.remote_hosts = {h};
    s0.interfaces = {i};
    ledger.add(s0);
    Snapshot s1 = s0;
    s1.seq = 1;
    s1.unix_time_ns += 1'000'000'000;
    s1.groups[0].traffic.tx_bytes = 40;
    s1.remote_hosts[0].traffic.rx_bytes = 30;
    s1.interfaces[0].traffic.rx_bytes = 1500;
    ledger.add(s1);
    auto c = cells(ledger.take());
    EXPECT_EQ((c[{kT0, 2, "unit:nginx.service"}].second), 40u);
    EXPECT_EQ((c[{kT0, 3, "10.0.0.7"}].first), 30u);
    EXPECT_EQ((c[{kT0, 4, "eth0"}].first), 500u);
    EXPECT_EQ(c.size(), 3u);
}

TEST(TrafficLedger, GivenBackRowsAreMergedWithNewOnes) {
    TrafficLedger ledger(names());
    ledger.add(snap(0, kT0, {process(1, "a", 0, 0)}));
    ledger.add(snap(1, kT0 + 1, {process(1, "a", 5, 0)}));
    auto rows = ledger.take();
    ledger.add(snap(2, kT0 + 2, {process(1, "a", 8, 0)}));
    ledger.give_back(rows);
    auto c = cells(ledger.take());
    EXPECT_EQ((c[{kT0, 1, "a (u1000)"}].first), 8u);
    EXPECT_EQ(c.size(), 1u);
}

}  // namespace
}  // namespace sstop::host::history
