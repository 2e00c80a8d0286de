// Unit tests of the connect tracer's pure parts: the trace_pipe line parser (on lines captured
// from a real kernel, tests/data/trace_pipe_inet_sock_set_state.txt), the tracefs lookup in
// /proc/mounts, and the bounded connection table.
#include "connect_tracer.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace sstop::plugins::netlink {
namespace {

// Kept for the whole run: StateEvent::comm views into the line.
const std::vector<std::string>& captured_lines() {
    static const std::vector<std::string> lines = [] {
        std::ifstream in(std::string(SSTOP_SOURCE_DIR) +
                         "/plugins/source-netlink/tests/data/trace_pipe_inet_sock_set_state.txt");
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);)
            if (!line.empty() && line[0] != '#') out.push_back(line);
        return out;
    }();
    return lines;
}

IpAddr v4(const char* text) {
    IpAddr a;
    a.family = Family::V4;
    inet_pton(AF_INET, text, a.bytes.data());
    return a;
}

IpAddr v6(const char* text) {
    IpAddr a;
    a.family = Family::V6;
    inet_pton(AF_INET6, text, a.bytes.data());
    return a;
}

SocketKey key(IpAddr local, std::uint16_t lport, IpAddr remote, std::uint16_t rport) {
    SocketKey k;
    k.proto = Proto::Tcp;
    k.local = {local, lport};
    k.remote = {remote, rport};
    return k;
}

ProcessInfo proc(std::int32_t pid, const char* name) {
    ProcessInfo p;
    p.id = {pid, 1000u + static_cast<std::uint64_t>(pid)};
    p.name = name;
    return p;
}

TEST(ConnectTracerParser, ParsesEveryCapturedLine) {
    auto lines = captured_lines();
    ASSERT_EQ(lines.size(), 16u);
    for (const auto& l : lines) EXPECT_TRUE(parse_state_line(l).has_value()) << l;
}

TEST(ConnectTracerParser, SynSentOfIpv4HasNoSourcePortYet) {
    auto ev = parse_state_line(captured_lines()[0]);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->pid, 17824);
    EXPECT_EQ(ev->tgid, 0);  // no record-tgid column in this block
    EXPECT_EQ(ev->comm, "my-app x-1 [2]");
    EXPECT_EQ(ev->protocol, 6);
    EXPECT_EQ(ev->source, (Endpoint{v4("127.0.0.1"), 0}));
    EXPECT_EQ(ev->dest, (Endpoint{v4("127.0.0.1"), 37693}));
    EXPECT_EQ(ev->old_state, 7);
    EXPECT_EQ(ev->new_state, 2);
}

TEST(ConnectTracerParser, LeavingSynSentCarriesTheSourcePort) {
    auto ev = parse_state_line(captured_lines()[1]);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->source.port, 51852);
    EXPECT_EQ(ev->old_state, 2);
    EXPECT_EQ(ev->new_state, 1);
}

TEST(ConnectTracerParser, Ipv6UsesTheV6Addresses) {
    auto ev = parse_state_line(captured_lines()[3]);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->source, (Endpoint{v6("::1"), 44908}));
    EXPECT_EQ(ev->dest, (Endpoint{v6("::1"), 43439}));
}

TEST(ConnectTracerParser, V4MappedIpv6BecomesIpv4) {
    auto ev = parse_state_line(captured_lines()[5]);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->source, (Endpoint{v4("127.0.0.1"), 51864}));
    EXPECT_EQ(ev->dest, (Endpoint{v4("127.0.0.1"), 37693}));
}

TEST(ConnectTracerParser, ReadsTgidColumnOfAThread) {
    auto lines = captured_lines();
    auto main_thread = parse_state_line(lines[8]);
    ASSERT_TRUE(main_thread);
    EXPECT_EQ(main_thread->pid, 17877);
    EXPECT_EQ(main_thread->tgid, 17877);
    EXPECT_EQ(main_thread->comm, "my-app x-1 [2]");
    auto worker = parse_state_line(lines[14]);
    ASSERT_TRUE(worker);
    EXPECT_EQ(worker->pid, 17918);
    EXPECT_EQ(worker->tgid, 17877);
    EXPECT_EQ(worker->comm, "worker-thr");
    // This socket was bound before connect(), so SYN_SENT already has the port.
    EXPECT_EQ(worker->source.port, 36093);
    EXPECT_EQ(worker->new_state, 2);
}

TEST(ConnectTracerParser, CommWithDashesDigitsAndParentheses) {
    auto ev = parse_state_line(
        "  a-(9) b-12 [x]-4242    (   4242) [003] d.s2.  17.5: inet_sock_set_state: "
        "family=AF_INET protocol=IPPROTO_TCP sport=1 dport=2 saddr=10.0.0.1 daddr=10.0.0.2 "
        "saddrv6=::ffff:10.0.0.1 daddrv6=::ffff:10.0.0.2 oldstate=TCP_CLOSE "
        "newstate=TCP_SYN_SENT");
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->pid, 4242);
    EXPECT_EQ(ev->tgid, 4242);
    EXPECT_EQ(ev->comm, "a-(9) b-12 [x]");
    EXPECT_EQ(ev->source, (Endpoint{v4("10.0.0.1"), 1}));
    EXPECT_EQ(ev->ts_ns, 17'500'000'000u);  // a short fraction is tenths, not nanoseconds
}

TEST(ConnectTracerParser, TimestampFractionOfAnyPrecisionIsScaledToNanoseconds) {
    const std::string good = captured_lines()[0];
    const std::size_t colon = good.find(": inet_sock_set_state");
    ASSERT_NE(colon, std::string::npos);
    const std::size_t start = good.rfind(' ', colon) + 1;
    auto with_ts = [&](const char* ts) {
        return std::string(good).replace(start, colon - start, ts);
    };
    auto ns = parse_state_line(with_ts("12.123456789"));
    ASSERT_TRUE(ns);
    EXPECT_EQ(ns->ts_ns, 12'123'456'789u);
    auto us = parse_state_line(with_ts("12.000042"));
    ASSERT_TRUE(us);
    EXPECT_EQ(us->ts_ns, 12'000'042'000u);
    EXPECT_FALSE(parse_state_line(with_ts("12.")));
    EXPECT_FALSE(parse_state_line(with_ts("12.1234567890")));
    EXPECT_FALSE(parse_state_line(with_ts("12")));
}

TEST(ConnectTracerParser, UnknownTgidIsAbsent) {
    auto ev = parse_state_line(
        "  curl-77    (-------) [000] ..... 1.0: inet_sock_set_state: family=AF_INET "
        "protocol=IPPROTO_TCP sport=0 dport=80 saddr=1.2.3.4 daddr=5.6.7.8 saddrv6=::ffff:1.2.3.4 "
        "daddrv6=::ffff:5.6.7.8 oldstate=TCP_CLOSE newstate=TCP_SYN_SENT");
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->pid, 77);
    EXPECT_EQ(ev->tgid, 0);
}

TEST(ConnectTracerParser, RejectsGarbageAndTruncatedLines) {
    const std::string good = captured_lines()[0];
    EXPECT_FALSE(parse_state_line(""));
    EXPECT_FALSE(parse_state_line("CPU:1 [LOST 12 EVENTS]"));
    EXPECT_FALSE(parse_state_line("hello world"));
    // Another event of the same shape.
    EXPECT_FALSE(parse_state_line("  x-1 [000] ..... 1.0: tcp_probe: family=AF_INET"));
    // Cut at every length: never a crash, and never a wrong port read from a cut number.
    for (std::size_t n = 0; n < good.size(); ++n) {
        auto ev = parse_state_line(std::string_view(good).substr(0, n));
        if (ev) {
            EXPECT_EQ(ev->dest.port, 37693) << n;
        }
    }
    std::string bad_pid = good;
    bad_pid.replace(bad_pid.find("-17824"), 6, "-17x24");
    EXPECT_FALSE(parse_state_line(bad_pid));
    std::string bad_port = good;
    bad_port.replace(bad_port.find("dport=37693"), 11, "dport=99999");
    EXPECT_FALSE(parse_state_line(bad_port));
    std::string bad_addr = good;
    bad_addr.replace(bad_addr.find("daddr=127.0.0.1"), 15, "daddr=127.0.0.x");
    EXPECT_FALSE(parse_state_line(bad_addr));
    std::string bad_family = good;
    bad_family.replace(bad_family.find("AF_INET"), 7, "AF_UNIX");
    EXPECT_FALSE(parse_state_line(bad_family));
}

TEST(ConnectTracerParser, MptcpIsNotTcp) {
    auto ev = parse_state_line(
        "  x-5 [000] ..... 1.0: inet_sock_set_state: family=AF_INET protocol=IPPROTO_MPTCP "
        "sport=0 dport=80 saddr=1.2.3.4 daddr=5.6.7.8 saddrv6=::ffff:1.2.3.4 "
        "daddrv6=::ffff:5.6.7.8 oldstate=TCP_CLOSE newstate=TCP_SYN_SENT");
    ASSERT_TRUE(ev);
    EXPECT_NE(ev->protocol, 6);
}

TEST(ConnectTracerMounts, FindsTracefsMountPoint) {
    EXPECT_EQ(find_tracefs("proc /proc proc rw 0 0\n"
                           "nodev /sys/kernel/tracing tracefs rw,relatime 0 0\n"),
              "/sys/kernel/tracing");
    EXPECT_EQ(find_tracefs("tracefs /sys/kernel/debug/tracing tracefs rw 0 0"),
              "/sys/kernel/debug/tracing");
    EXPECT_FALSE(find_tracefs("proc /proc proc rw 0 0\nsysfs /sys sysfs rw 0 0\n"));
    EXPECT_FALSE(find_tracefs("tracefs"));
}

TEST(ConnectTable, PairsSynSentWithThePortThatFollows) {
    ConnectTable t;
    const auto now = ConnectTable::Clock::now();
    t.on_connect(key(v4("10.0.0.1"), 0, v4("10.0.0.2"), 80), proc(100, "curl"), now);
    EXPECT_EQ(t.waiting(), 1u);
    EXPECT_FALSE(t.find(key(v4("10.0.0.1"), 40000, v4("10.0.0.2"), 80), now));
    t.on_left_syn_sent(key(v4("10.0.0.1"), 40000, v4("10.0.0.2"), 80), now);
    EXPECT_EQ(t.waiting(), 0u);
    auto p = t.find(key(v4("10.0.0.1"), 40000, v4("10.0.0.2"), 80), now);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->id.pid, 100);
    EXPECT_EQ(p->name, "curl");
    // The reverse direction is the server's end: not this process.
    EXPECT_FALSE(t.find(key(v4("10.0.0.2"), 80, v4("10.0.0.1"), 40000), now));
}

TEST(ConnectTable, BoundSocketIsCompleteAtOnce) {
    ConnectTable t;
    const auto now = ConnectTable::Clock::now();
    t.on_connect(key(v6("fd00::1"), 5555, v6("fd00::2"), 443), proc(7, "app"), now);
    EXPECT_EQ(t.waiting(), 0u);
    EXPECT_EQ(t.find(key(v6("fd00::1"), 5555, v6("fd00::2"), 443), now)->id.pid, 7);
}

TEST(ConnectTable, PairsOldestFirstAndCountsMixedOwners) {
    ConnectTable t;
    const auto now = ConnectTable::Clock::now();
    const auto partial = key(v4("10.0.0.1"), 0, v4("10.0.0.2"), 80);
    t.on_connect(partial, proc(1, "a"), now);
    t.on_connect(partial, proc(2, "b"), now);
    t.on_left_syn_sent(key(v4("10.0.0.1"), 1001, v4("10.0.0.2"), 80), now);
    t.on_left_syn_sent(key(v4("10.0.0.1"), 1002, v4("10.0.0.2"), 80), now);
    EXPECT_EQ(t.find(key(v4("10.0.0.1"), 1001, v4("10.0.0.2"), 80), now)->id.pid, 1);
    EXPECT_EQ(t.find(key(v4("10.0.0.1"), 1002, v4("10.0.0.2"), 80), now)->id.pid, 2);
    EXPECT_EQ(t.stats().ambiguous, 1u);
    // A different destination port never completes these.
    t.on_connect(partial, proc(3, "c"), now);
    t.on_left_syn_sent(key(v4("10.0.0.1"), 1003, v4("10.0.0.2"), 81), now);
    EXPECT_EQ(t.waiting(), 1u);
    EXPECT_FALSE(t.find(key(v4("10.0.0.1"), 1003, v4("10.0.0.2"), 81), now));
}

TEST(ConnectTable, SocketAddressPairsEachConnectWithItsOwnSocket) {
    ConnectTable t;
    const auto now = ConnectTable::Clock::now();
    const auto partial = key(v4("10.0.0.1"), 0, v4("10.0.0.2"), 80);
    t.on_connect(partial, proc(1, "a"), now, 0xa000);
    t.on_connect(partial, proc(2, "b"), now, 0xb000);
    // b's connect completes first: its port goes to b, not to the oldest waiting (a).
    t.on_left_syn_sent(key(v4("10.0.0.1"), 1002, v4("10.0.0.2"), 80), now, 0xb000);
    t.on_left_syn_sent(key(v4("10.0.0.1"), 1001, v4("10.0.0.2"), 80), now, 0xa000);
    EXPECT_EQ(t.find(key(v4("10.0.0.1"), 1002, v4("10.0.0.2"), 80), now)->id.pid, 2);
    EXPECT_EQ(t.find(key(v4("10.0.0.1"), 1001, v4("10.0.0.2"), 80), now)->id.pid, 1);
    EXPECT_EQ(t.stats().ambiguous, 0u);
    // A socket whose connect was not recorded (another namespace's) takes nobody's entry.
    t.on_connect(partial, proc(3, "c"), now, 0xc000);
    t.on_left_syn_sent(key(v4("10.0.0.1"), 1004, v4("10.0.0.2"), 80), now, 0xd000);
    EXPECT_FALSE(t.find(key(v4("10.0.0.1"), 1004, v4("10.0.0.2"), 80), now));
    EXPECT_EQ(t.waiting(), 1u);
    t.on_left_syn_sent(key(v4("10.0.0.1"), 1003, v4("10.0.0.2"), 80), now, 0xc000);
    EXPECT_EQ(t.find(key(v4("10.0.0.1"), 1003, v4("10.0.0.2"), 80), now)->id.pid, 3);
}

TEST(ConnectTable, TakeForgetsTheEntry) {
    ConnectTable t;
    const auto now = ConnectTable::Clock::now();
    const auto k = key(v4("127.0.0.1"), 5000, v4("127.0.0.1"), 6000);
    t.on_connect(k, proc(9, "x"), now);
    EXPECT_EQ(t.take(k, now)->id.pid, 9);
    EXPECT_FALSE(t.take(k, now));
    EXPECT_EQ(t.size(), 0u);
}

TEST(ConnectTable, EntriesExpireAfterTtl) {
    ConnectTable t(16, std::chrono::seconds(60));
    const auto t0 = ConnectTable::Clock::now();
    const auto k = key(v4("127.0.0.1"), 5000, v4("127.0.0.1"), 6000);
    t.on_connect(k, proc(9, "x"), t0);
    t.on_connect(key(v4("127.0.0.1"), 0, v4("127.0.0.1"), 7000), proc(9, "x"), t0);
    EXPECT_TRUE(t.find(k, t0 + std::chrono::seconds(59)));
    EXPECT_FALSE(t.find(k, t0 + std::chrono::seconds(60)));
    // The next insertion sweeps both tables.
    t.on_connect(key(v4("127.0.0.1"), 5001, v4("127.0.0.1"), 6000), proc(10, "y"),
                 t0 + std::chrono::seconds(61));
    EXPECT_EQ(t.size(), 1u);
    EXPECT_EQ(t.waiting(), 0u);
    EXPECT_EQ(t.stats().evictions, 0u);
}

TEST(ConnectTable, FullTableEvictsTheOldestAndCounts) {
    ConnectTable t(3);
    const auto now = ConnectTable::Clock::now();
    for (std::uint16_t port = 1; port <= 5; ++port)
        t.on_connect(key(v4("127.0.0.1"), port, v4("127.0.0.1"), 80), proc(port, "p"), now);
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.stats().evictions, 2u);
    EXPECT_FALSE(t.find(key(v4("127.0.0.1"), 1, v4("127.0.0.1"), 80), now));
    EXPECT_FALSE(t.find(key(v4("127.0.0.1"), 2, v4("127.0.0.1"), 80), now));
    EXPECT_EQ(t.find(key(v4("127.0.0.1"), 5, v4("127.0.0.1"), 80), now)->id.pid, 5);
    // Waiting entries have the same bound.
    for (int i = 0; i < 5; ++i)
        t.on_connect(key(v4("127.0.0.1"), 0, v4("127.0.0.1"), 90), proc(i + 10, "w"), now);
    EXPECT_EQ(t.waiting(), 3u);
    EXPECT_EQ(t.stats().evictions, 4u);
}

TEST(ConnectTable, ReusedKeyTakesTheNewOwner) {
    ConnectTable t(2);
    const auto now = ConnectTable::Clock::now();
    const auto k = key(v4("127.0.0.1"), 5000, v4("127.0.0.1"), 6000);
    t.on_connect(k, proc(1, "old"), now);
    t.on_connect(k, proc(2, "new"), now);
    EXPECT_EQ(t.size(), 1u);
    EXPECT_EQ(t.find(k, now)->name, "new");
    EXPECT_EQ(t.stats().evictions, 0u);
}

TEST(RecentExits, FindsTheNewestExitOfATaskAndForgetsBeyondItsCapacity) {
    RecentExits exits;
    EXPECT_FALSE(exits.find(100));
    exits.add(100, "first");
    exits.add(200, "other");
    exits.add(100, "reused-pid");
    EXPECT_EQ(exits.find(100), "reused-pid");
    EXPECT_EQ(exits.find(200), "other");
    // Names longer than a task's 16 bytes are cut there.
    exits.add(300, "a-name-longer-than-sixteen");
    EXPECT_EQ(exits.find(300), "a-name-longer-th");
    // After kCapacity newer exits, the old ones are gone and the newest are kept.
    for (std::size_t i = 0; i < RecentExits::kCapacity; ++i)
        exits.add(static_cast<std::int32_t>(10000 + i), "filler");
    EXPECT_FALSE(exits.find(100));
    EXPECT_FALSE(exits.find(300));
    EXPECT_EQ(exits.find(10000), "filler");
    EXPECT_EQ(exits.find(static_cast<std::int32_t>(10000 + RecentExits::kCapacity - 1)), "filler");
}

TEST(ReadTracedProcess, ALiveProcessHasItsNamespaceAndIsNotExiting) {
    struct stat own {};
    ASSERT_EQ(::stat("/proc/self/ns/net", &own), 0);
    auto p = read_traced_process("/proc", ::getpid());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->netns, own.st_ino);
    EXPECT_FALSE(p->exiting);
    EXPECT_EQ(p->info.id.pid, ::getpid());
}

// A real zombie: its ns/net is gone, and it is known as exiting rather than taken as foreign.
TEST(ReadTracedProcess, AZombieIsExitingWithoutANamespace) {
    pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ASSERT_GT(child, 0);
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);
    auto p = read_traced_process("/proc", child);
    ::waitpid(child, nullptr, 0);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->exiting);
    EXPECT_EQ(p->netns, 0u);
}

// The window the burst test hit: PF_EXITING is set, ns/net already released, and the state
// letter is not yet 'Z'. Only the flags field tells it apart from a foreign process.
TEST(ReadTracedProcess, PfExitingFlagMarksAProcessThatIsStillRunning) {
    char tmpl[] = "/tmp/sstop-fakeproc-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::filesystem::path root(tmpl);
    std::filesystem::create_directory(root / "4242");
    std::ofstream(root / "4242" / "stat")
        << "4242 (acc-short) R 1 4242 4242 0 -1 4194564 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0\n";
    auto p = read_traced_process(root.string(), 4242);
    std::ofstream(root / "4242" / "stat")
        << "4242 (acc-short) R 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0\n";
    auto q = read_traced_process(root.string(), 4242);
    std::filesystem::remove_all(root);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->exiting);
    EXPECT_EQ(p->netns, 0u);
    EXPECT_EQ(p->info.name, "acc-short");
    EXPECT_EQ(p->info.id.start_time, 777u);
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->exiting);
}

// A traced process lands in its group: the unit (or container) comes from its cgroup file.
TEST(ReadTracedProcess, ItsSystemdUnitComesFromItsCgroup) {
    char tmpl[] = "/tmp/sstop-fakeproc-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::filesystem::path root(tmpl);
    std::filesystem::create_directory(root / "4243");
    std::ofstream(root / "4243" / "stat")
        << "4243 (web) S 1 4243 4243 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 778 0 0\n";
    std::ofstream(root / "4243" / "cgroup") << "0::/system.slice/nginx.service\n";
    auto p = read_traced_process(root.string(), 4243);
    std::filesystem::remove_all(root);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->info.unit, "nginx.service");
    EXPECT_EQ(p->info.cgroup, "/system.slice/nginx.service");
}

}  // namespace
}  // namespace sstop::plugins::netlink
