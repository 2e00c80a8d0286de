#include "core/dns_resolver.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "fake_dns_server.hpp"

namespace {

using namespace std::chrono_literals;
using sstop::core::DnsResolver;
using sstop::core::DnsTransport;
using sstop::testing::FakeDnsServer;
using Clock = std::chrono::steady_clock;

sstop::IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    sstop::IpAddr addr;
    addr.family = sstop::Family::V4;
    addr.bytes[0] = a;
    addr.bytes[1] = b;
    addr.bytes[2] = c;
    addr.bytes[3] = d;
    return addr;
}

sstop::IpAddr nth(int i) {
    return v4(192, 0, static_cast<std::uint8_t>(2 + i / 256), static_cast<std::uint8_t>(i % 256));
}

/// A resolv.conf naming the fake server, in a temporary file removed at the end.
class ResolvConf {
  public:
    explicit ResolvConf(const std::string& text) {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("sstop-resolv-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
        std::ofstream(path_) << text;
    }
    ~ResolvConf() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    std::string path() const { return path_.string(); }

  private:
    std::filesystem::path path_;
};

std::uint64_t counter(const DnsResolver& r, const std::string& name) {
    for (const auto& c : r.counters()) {
        if (c.name == name) return c.value;
    }
    ADD_FAILURE() << "no counter " << name;
    return 0;
}

/// Polls `pred` until it holds or 10 s passed (a bound for a stuck build, not a timing claim).
template <class Pred>
bool eventually(Pred pred) {
    auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(2ms);
    }
    return pred();
}

sstop::core::DnsConfig config(std::chrono::milliseconds timeout = 200ms) {
    sstop::core::DnsConfig c;
    c.timeout = timeout;
    c.hosts_file = "";  // the machine's /etc/hosts must not decide these tests
    return c;
}

struct Fixture {
    explicit Fixture(sstop::core::DnsConfig cfg = config(),
                     std::function<Clock::time_point()> clock = {})
        : conf("options trust-ad\nnameserver 127.0.0.1\n"),
          resolver(cfg, DnsTransport{conf.path(), server.port(), std::move(clock)}) {}
    FakeDnsServer server;
    ResolvConf conf;
    DnsResolver resolver;
};

TEST(DnsResolverConf, ParsesUpToThreeNameserversAndSkipsEverythingElse) {
    auto servers = sstop::core::parse_nameservers(
        "# comment\n"
        "; another\n"
        "options trust-ad edns0\n"
        "search example.com\n"
        "nameserver\n"
        "nameserver not-an-address\n"
        "nameserver 10.0.0.1 # trailing comment\n"
        "\tnameserver   fe80::1%lo\n"
        "garbage \x01\x02\n"
        "nameserver ::1\n"
        "nameserver 10.0.0.4\n");
    EXPECT_EQ(servers, (std::vector<std::string>{"10.0.0.1", "fe80::1%lo", "::1"}));
    EXPECT_TRUE(sstop::core::parse_nameservers("").empty());
}

TEST(DnsResolver, NameAppearsAfterLookupCompletes) {
    Fixture f;
    f.server.set_name("one.example.test");
    auto addr = v4(192, 0, 2, 1);
    EXPECT_EQ(f.resolver.name_of(addr), "");  // not known yet, and no waiting for it
    ASSERT_TRUE(eventually([&] { return f.resolver.name_of(addr) == "one.example.test"; }));
    EXPECT_EQ(f.server.queries(), 1u);
    EXPECT_EQ(counter(f.resolver, "dns.lookups"), 1u);
    EXPECT_EQ(counter(f.resolver, "dns.cache_entries"), 1u);
    EXPECT_EQ(counter(f.resolver, "dns.failures"), 0u);
}

TEST(DnsResolver, Ipv6AddressesResolve) {
    Fixture f;
    f.server.set_name("v6.example.test");
    sstop::IpAddr addr;
    addr.family = sstop::Family::V6;
    addr.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    ASSERT_TRUE(eventually([&] { return f.resolver.name_of(addr) == "v6.example.test"; }));
}

TEST(DnsResolver, RepliesWithWrongIdAreIgnored) {
    Fixture f;
    f.server.set_mode(FakeDnsServer::Mode::WrongIdThenAnswer);
    f.server.set_name("real.example.test");
    auto addr = v4(192, 0, 2, 9);
    ASSERT_TRUE(eventually([&] { return f.resolver.name_of(addr) == "real.example.test"; }));
}

TEST(DnsResolver, NxdomainIsNegativelyCached) {
    Fixture f;
    f.server.set_mode(FakeDnsServer::Mode::NxDomain);
    auto addr = v4(192, 0, 2, 2);
    EXPECT_EQ(f.resolver.name_of(addr), "");
    ASSERT_TRUE(eventually([&] { return counter(f.resolver, "dns.failures") == 1; }));
    for (int i = 0; i < 10; ++i) EXPECT_EQ(f.resolver.name_of(addr), "");
    // The asks after the answer were served from the negative entry: still one query, and
    // no lookup is queued or running.
    EXPECT_EQ(counter(f.resolver, "dns.lookups"), 1u);
    EXPECT_EQ(counter(f.resolver, "dns.queued"), 0u);
    EXPECT_EQ(f.server.queries(), 1u);
    EXPECT_EQ(counter(f.resolver, "dns.cache_entries"), 1u);
}

TEST(DnsResolver, NegativeEntryExpiresAfterNegativeTtl) {
    std::atomic<Clock::rep> offset{0};
    auto clock = [&] { return Clock::now() + Clock::duration(offset.load()); };
    auto cfg = config();
    cfg.negative_ttl = 60s;
    Fixture f(cfg, clock);
    f.server.set_mode(FakeDnsServer::Mode::NxDomain);
    auto addr = v4(192, 0, 2, 3);
    f.resolver.name_of(addr);
    ASSERT_TRUE(eventually([&] { return counter(f.resolver, "dns.failures") == 1; }));
    f.server.set_mode(FakeDnsServer::Mode::Answer);
    f.server.set_name("later.example.test");
    offset = Clock::duration(61s).count();
    ASSERT_TRUE(eventually([&] { return f.resolver.name_of(addr) == "later.example.test"; }));
    EXPECT_EQ(f.server.queries(), 2u);
}

TEST(DnsResolver, SilentServerNeverBlocksAndQueueStaysBounded) {
    auto cfg = config();
    cfg.workers = 2;
    cfg.queue_size = 8;
    Fixture f(cfg);
    f.server.set_mode(FakeDnsServer::Mode::Silent);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(f.resolver.name_of(nth(i)), "");
    // At most queue_size wait, at most `workers` run: everything else was dropped, to be asked
    // again on a later tick.
    EXPECT_LE(counter(f.resolver, "dns.queued"), 8u);
    EXPECT_GE(counter(f.resolver, "dns.dropped"), 100u - 8u - 2u);
    EXPECT_EQ(counter(f.resolver, "dns.cache_entries"), 0u);
    ASSERT_TRUE(eventually([&] { return counter(f.resolver, "dns.timeouts") >= 1; }));
    EXPECT_EQ(counter(f.resolver, "dns.failures"), 0u);
}

TEST(DnsResolver, TimedOutAddressIsNotAskedAgainBeforeNegativeTtl) {
    Fixture f;
    f.server.set_mode(FakeDnsServer::Mode::Silent);
    auto addr = v4(192, 0, 2, 4);
    f.resolver.name_of(addr);
    ASSERT_TRUE(eventually([&] { return counter(f.resolver, "dns.timeouts") == 1; }));
    for (int i = 0; i < 10; ++i) EXPECT_EQ(f.resolver.name_of(addr), "");
    EXPECT_EQ(counter(f.resolver, "dns.lookups"), 1u);
    EXPECT_EQ(f.server.queries(), 1u);
}

TEST(DnsResolver, GarbageRepliesCountAsFailures) {
    Fixture f;
    f.server.set_mode(FakeDnsServer::Mode::Garbage);
    auto addr = v4(192, 0, 2, 5);
    f.resolver.name_of(addr);
    ASSERT_TRUE(eventually([&] { return counter(f.resolver, "dns.failures") == 1; }));
    EXPECT_EQ(counter(f.resolver, "dns.timeouts"), 0u);
    EXPECT_EQ(f.resolver.name_of(addr), "");
}

TEST(DnsResolver, ClosedPortFailsWithoutWaitingForTimeout) {
    // No server on this port: ICMP port unreachable reaches the connected socket. The lookup
    // timeout is long, so a failure (not a timeout) shows the error was taken.
    int port = 0;
    {
        FakeDnsServer probe;
        port = probe.port();
    }
    ResolvConf conf("nameserver 127.0.0.1\n");
    DnsResolver resolver(config(60s),
                         DnsTransport{conf.path(), static_cast<std::uint16_t>(port), {}});
    resolver.name_of(v4(192, 0, 2, 6));
    ASSERT_TRUE(eventually([&] { return counter(resolver, "dns.failures") == 1; }));
    EXPECT_EQ(counter(resolver, "dns.timeouts"), 0u);
}

TEST(DnsResolver, CacheNeverExceedsCacheSizeAndEvictsLeastRecentlyUsed) {
    auto cfg = config(2s);
    cfg.cache_size = 16;
    Fixture f(cfg);
    f.server.set_name("h{q}.example.test");
    for (int i = 0; i < 160; ++i) {
        auto addr = nth(i);
        ASSERT_TRUE(eventually([&] { return !f.resolver.name_of(addr).empty(); })) << i;
        // Keep the first address recently used: it must survive all the evictions.
        EXPECT_EQ(f.resolver.name_of(nth(0)), "h" + std::to_string(0) + ".example.test");
        EXPECT_LE(counter(f.resolver, "dns.cache_entries"), 16u);
    }
    EXPECT_EQ(counter(f.resolver, "dns.cache_entries"), 16u);
    auto before = f.server.queries();
    EXPECT_EQ(f.resolver.name_of(nth(1)), "");  // evicted long ago: a miss and a new query
    ASSERT_TRUE(f.server.wait_for_queries(before + 1, 10s));
}

TEST(DnsResolver, StaleNameIsServedWhileOneRefreshRuns) {
    std::atomic<Clock::rep> offset{0};
    auto clock = [&] { return Clock::now() + Clock::duration(offset.load()); };
    auto cfg = config(30s);  // the held reply must not time out
    cfg.ttl = 300s;
    Fixture f(cfg, clock);
    f.server.set_name("old.example.test");
    auto addr = v4(192, 0, 2, 7);
    ASSERT_TRUE(eventually([&] { return f.resolver.name_of(addr) == "old.example.test"; }));

    f.server.set_name("new.example.test");
    f.server.hold(true);
    offset = Clock::duration(301s).count();
    EXPECT_EQ(f.resolver.name_of(addr), "old.example.test");  // stale, refresh queued
    ASSERT_TRUE(f.server.wait_for_queries(2, 10s));
    for (int i = 0; i < 20; ++i) EXPECT_EQ(f.resolver.name_of(addr), "old.example.test");
    f.server.hold(false);
    ASSERT_TRUE(eventually([&] { return f.resolver.name_of(addr) == "new.example.test"; }));
    // The twenty asks during the refresh queued nothing more.
    EXPECT_EQ(f.server.queries(), 2u);
    EXPECT_EQ(counter(f.resolver, "dns.lookups"), 2u);
}

TEST(DnsResolver, FailedRefreshKeepsTheOldName) {
    std::atomic<Clock::rep> offset{0};
    auto clock = [&] { return Clock::now() + Clock::duration(offset.load()); };
    Fixture f(config(), clock);
    f.server.set_name("kept.example.test");
    auto addr = v4(192, 0, 2, 8);
    ASSERT_TRUE(eventually([&] { return f.resolver.name_of(addr) == "kept.example.test"; }));
    f.server.set_mode(FakeDnsServer::Mode::Silent);
    offset = Clock::duration(301s).count();
    f.resolver.name_of(addr);
    ASSERT_TRUE(eventually([&] { return counter(f.resolver, "dns.timeouts") == 1; }));
    EXPECT_EQ(f.resolver.name_of(addr), "kept.example.test");
}

TEST(DnsResolver, DisabledResolverNeverQueries) {
    auto cfg = config();
    cfg.enabled = false;
    Fixture f(cfg);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(f.resolver.name_of(nth(i)), "");
    EXPECT_EQ(counter(f.resolver, "dns.queued"), 0u);
    EXPECT_EQ(f.server.queries(), 0u);
}

TEST(DnsResolver, DestructorInterruptsLookupsInProgress) {
    // A lookup blocked on a silent server with a one-hour timeout: destruction must still
    // return, because the workers are woken, not waited out.
    FakeDnsServer server;
    server.set_mode(FakeDnsServer::Mode::Silent);
    ResolvConf conf("nameserver 127.0.0.1\n");
    {
        DnsResolver resolver(config(std::chrono::hours(1)),
                             DnsTransport{conf.path(), server.port(), {}});
        resolver.name_of(v4(192, 0, 2, 10));
        ASSERT_TRUE(server.wait_for_queries(1, 10s));
    }
    EXPECT_EQ(server.queries(), 1u);
}

sstop::IpAddr v6(std::array<std::uint8_t, 16> bytes) {
    sstop::IpAddr addr;
    addr.family = sstop::Family::V6;
    addr.bytes = bytes;
    return addr;
}

TEST(DnsHosts, FirstNameOfTheFirstLineWithTheAddress) {
    const std::string hosts =
        "# comment 192.0.2.1 commented.test\n"
        "127.0.0.1\tlocalhost\n"
        "192.0.2.1 one.example.test one   # trailing comment\n"
        "192.0.2.1 later.example.test\n"
        "192.0.2.2\n"
        "garbage words here\n"
        "fe80::1%eth0 router.local\n"
        "2001:db8::5   five.example.test\r\n"
        "192.0.2.3 no-newline.test";
    EXPECT_EQ(sstop::core::parse_hosts_name(hosts, v4(192, 0, 2, 1)), "one.example.test");
    EXPECT_EQ(sstop::core::parse_hosts_name(hosts, v4(127, 0, 0, 1)), "localhost");
    EXPECT_EQ(sstop::core::parse_hosts_name(hosts, v4(192, 0, 2, 2)), "");  // no name given
    EXPECT_EQ(sstop::core::parse_hosts_name(hosts, v4(192, 0, 2, 3)), "no-newline.test");
    EXPECT_EQ(sstop::core::parse_hosts_name(hosts, v4(192, 0, 2, 4)), "");
    EXPECT_EQ(sstop::core::parse_hosts_name(
                  hosts, v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})),
              "router.local");
    EXPECT_EQ(sstop::core::parse_hosts_name(
                  hosts, v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5})),
              "five.example.test");
    EXPECT_EQ(sstop::core::parse_hosts_name("", v4(192, 0, 2, 1)), "");
}

TEST(DnsHosts, LocalOnlyAddresses) {
    using sstop::core::is_local_only;
    EXPECT_TRUE(is_local_only(v4(127, 0, 0, 1)));
    EXPECT_TRUE(is_local_only(v4(127, 8, 9, 10)));
    EXPECT_TRUE(is_local_only(v4(0, 0, 0, 0)));
    EXPECT_TRUE(is_local_only(v4(169, 254, 3, 4)));
    EXPECT_TRUE(is_local_only(v4(224, 0, 0, 251)));
    EXPECT_TRUE(is_local_only(v4(255, 255, 255, 255)));
    EXPECT_FALSE(is_local_only(v4(169, 253, 3, 4)));
    EXPECT_FALSE(is_local_only(v4(192, 0, 2, 1)));
    EXPECT_FALSE(is_local_only(v4(10, 0, 0, 1)));
    EXPECT_FALSE(is_local_only(v4(224, 0, 1, 1)));
    EXPECT_TRUE(is_local_only(v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})));
    EXPECT_TRUE(is_local_only(v6({})));
    EXPECT_TRUE(is_local_only(v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})));
    EXPECT_TRUE(is_local_only(v6({0xfe, 0xbf, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})));
    EXPECT_TRUE(is_local_only(v6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})));
    EXPECT_TRUE(is_local_only(v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1})));
    EXPECT_FALSE(is_local_only(v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1})));
    EXPECT_FALSE(is_local_only(v6({0xfe, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})));
    EXPECT_FALSE(is_local_only(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})));
    EXPECT_FALSE(is_local_only(v6({0xff, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})));
    EXPECT_FALSE(is_local_only(sstop::IpAddr{}));
}

/// A resolver whose hosts file is a temporary file, beside a fake nameserver.
struct HostsFixture {
    explicit HostsFixture(const std::string& hosts_text)
        : conf("nameserver 127.0.0.1\n"),
          hosts(hosts_text),
          resolver(with_hosts(hosts.path()), DnsTransport{conf.path(), server.port(), {}}) {}
    static sstop::core::DnsConfig with_hosts(const std::string& path) {
        auto c = config();
        c.hosts_file = path;
        return c;
    }
    FakeDnsServer server;
    ResolvConf conf;
    ResolvConf hosts;  // any temporary text file will do
    DnsResolver resolver;
};

TEST(DnsResolver, HostsFileAnswersBeforeAnyNameserver) {
    HostsFixture f("192.0.2.7 seven.example.test seven\n127.0.0.1 localhost\n");
    f.server.set_name("from-dns.example.test");
    ASSERT_TRUE(
        eventually([&] { return f.resolver.name_of(v4(192, 0, 2, 7)) == "seven.example.test"; }));
    ASSERT_TRUE(eventually([&] { return f.resolver.name_of(v4(127, 0, 0, 1)) == "localhost"; }));
    EXPECT_EQ(counter(f.resolver, "dns.hosts_answers"), 2u);
    EXPECT_EQ(f.server.queries(), 0u);
    // An address the hosts file does not name still goes to the nameserver.
    ASSERT_TRUE(eventually(
        [&] { return f.resolver.name_of(v4(192, 0, 2, 8)) == "from-dns.example.test"; }));
    EXPECT_EQ(f.server.queries(), 1u);
}

TEST(DnsResolver, LocalOnlyAddressesAreNeverSentToNameservers) {
    HostsFixture f("192.0.2.7 seven.example.test\n");
    f.server.set_name("leaked.example.test");
    const std::vector<sstop::IpAddr> local{
        v4(127, 0, 0, 1), v4(127, 1, 2, 3), v4(169, 254, 1, 1),
        v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}),
        v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55})};
    for (const auto& addr : local) EXPECT_EQ(f.resolver.name_of(addr), "");
    ASSERT_TRUE(eventually([&] { return counter(f.resolver, "dns.local_only") == local.size(); }));
    for (const auto& addr : local) EXPECT_EQ(f.resolver.name_of(addr), "");  // left numeric
    EXPECT_EQ(f.server.queries(), 0u);
    EXPECT_EQ(counter(f.resolver, "dns.failures"), 0u);
}

TEST(DnsResolver, MissingHostsFileFallsBackToNameservers) {
    auto cfg = config();
    cfg.hosts_file = "/nonexistent/sstop-hosts";
    FakeDnsServer server;
    server.set_name("dns.example.test");
    ResolvConf conf("nameserver 127.0.0.1\n");
    DnsResolver resolver(cfg, DnsTransport{conf.path(), server.port(), {}});
    ASSERT_TRUE(
        eventually([&] { return resolver.name_of(v4(192, 0, 2, 20)) == "dns.example.test"; }));
    EXPECT_EQ(resolver.name_of(v4(127, 0, 0, 1)), "");
    ASSERT_TRUE(eventually([&] { return counter(resolver, "dns.local_only") == 1u; }));
    EXPECT_EQ(server.queries(), 1u);
}

}  // namespace
