// Reverse DNS end to end: sstop runs in a namespace whose resolv.conf (laid out by
// `ip netns exec`) names a fake resolver the test runs there. Names appear in --json; a
// resolver that never answers does not slow the updates; the cache stays within its bound.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "fake_dns_server.hpp"
#include "netns.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;

class ResolvConf {
  public:
    ResolvConf(const std::string& ns, const std::string& text)
        : dir_(std::filesystem::path("/etc/netns") / ns) {
        std::filesystem::create_directories(dir_);
        std::ofstream(dir_ / "resolv.conf") << text;
    }
    ~ResolvConf() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

  private:
    std::filesystem::path dir_;
};

std::string write_config(const std::string& body) {
    std::string path = ::testing::TempDir() + "sstop-dns-" + std::to_string(getpid()) + ".yaml";
    std::ofstream(path) << body;
    return path;
}

/// A peer namespace with `count` addresses 10.77.1.1… and a client in `a` connected to each.
struct Peers {
    Peers(NetnsPair& net, int count) {
        for (int i = 1; i <= count; ++i)
            net.b.ip({"addr", "add", "10.77.1." + std::to_string(i) + "/32", "dev", "lo"});
        net.a.ip({"route", "add", "10.77.1.0/24", "via", NetnsPair::kAddrB4});
        server = std::make_unique<Child>(net.b, "dns-peer", [](const auto& ready) {
            int l = tcp_listen("0.0.0.0", 7201);
            ready();
            while (true) tcp_accept(l);
        });
        client = std::make_unique<Child>(net.a, "dns-client", [count](const auto& ready) {
            for (int i = 1; i <= count; ++i) tcp_connect("10.77.1." + std::to_string(i), 7201);
            ready();
            pause();
        });
    }
    std::unique_ptr<Child> server, client;
};

class DnsE2E : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    }
};

TEST_F(DnsE2E, NamesFromTheNamespacesResolverAppear) {
    NetnsPair net("dn");
    ResolvConf conf(net.a.name(), "nameserver 127.0.0.1\n");
    Child resolver(net.a, "fake-dns", [](const auto& ready) {
        FakeDnsServer dns("127.0.0.1", 53);
        dns.set_name("peer-{q}.example.test");
        ready();
        while (true) pause();
    });
    Peers peers(net, 3);
    auto snaps =
        run_sstop_json(net.a, {"--sources", "netlink", "--interval", "300ms", "--count", "6"});
    ASSERT_FALSE(snaps.empty());
    const json& last = snaps.back();
    int named = 0;
    for (const auto& h : last["remote_hosts"]) {
        std::string addr = h["addr"];
        if (addr.rfind("10.77.1.", 0) != 0) continue;
        ASSERT_TRUE(h.contains("name")) << h;
        // The fake names each address after the first label of its PTR question.
        EXPECT_EQ(h["name"], "peer-" + addr.substr(addr.rfind('.') + 1) + ".example.test");
        ++named;
    }
    EXPECT_EQ(named, 3) << last["remote_hosts"];
    // Connection rows carry the name too.
    bool on_socket = false;
    for (const auto& p : last["processes"])
        for (const auto& s : p["sockets"])
            on_socket |= s.value("remote_name", "").find(".example.test") != std::string::npos;
    EXPECT_TRUE(on_socket);
}

TEST_F(DnsE2E, SilentResolverDoesNotSlowUpdatesAndCacheStaysBounded) {
    NetnsPair net("ds");
    ResolvConf conf(net.a.name(), "nameserver 127.0.0.1\n");
    Child resolver(net.a, "fake-dns", [](const auto& ready) {
        FakeDnsServer dns("127.0.0.1", 53);
        dns.set_mode(FakeDnsServer::Mode::Silent);
        ready();
        while (true) pause();
    });
    Peers peers(net, 40);
    std::string config =
        write_config("dns:\n  cache_size: 16\n  timeout: 2s\n  workers: 2\n  queue_size: 8\n");
    auto start = std::chrono::steady_clock::now();
    auto snaps = run_sstop_json(net.a, {"--config", config, "--sources", "netlink", "--interval",
                                        "200ms", "--count", "15"});
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::remove(config.c_str());
    ASSERT_EQ(snaps.size(), 15u);
    // 15 updates at 200 ms take about 3.2 s; 40 lookups that each hang for 2 s would add over
    // a minute if updates waited for them. Bounds are loose for a loaded 2-core CI machine.
    EXPECT_LT(took, 10.0) << "updates waited for DNS";
    for (std::size_t i = 1; i < snaps.size(); ++i) {
        double gap = snaps[i]["ts"].get<double>() - snaps[i - 1]["ts"].get<double>();
        EXPECT_LT(gap, 1.5) << "update " << i << " came " << gap << " s after the previous one";
    }
    for (const auto& s : snaps)
        EXPECT_LE(s["counters"]["dns.cache_entries"].get<std::uint64_t>(), 16u);
    EXPECT_GT(snaps.back()["counters"]["dns.timeouts"].get<std::uint64_t>(), 0u);
    EXPECT_GT(snaps.back()["counters"]["dns.dropped"].get<std::uint64_t>(), 0u)
        << "40 addresses against a queue of 8: the surplus is dropped, not waited for";
}

}  // namespace
}  // namespace sstop::testing
