// The resolver inside a network namespace: `ip netns exec` bind-mounts
// /etc/netns/<ns>/resolv.conf over /etc/resolv.conf, and the resolver must find the fake
// nameserver that file names. Needs root; skips otherwise.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fake_dns_server.hpp"
#include "netns.hpp"

namespace {

using sstop::testing::Child;
using sstop::testing::FakeDnsServer;
using sstop::testing::Netns;

/// /etc/netns/<ns>/resolv.conf, removed with its directory on destruction (also on failure).
class NetnsResolvConf {
  public:
    NetnsResolvConf(const std::string& ns, const std::string& text)
        : dir_(std::filesystem::path("/etc/netns") / ns) {
        std::filesystem::create_directories(dir_);
        std::ofstream(dir_ / "resolv.conf") << text;
    }
    ~NetnsResolvConf() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    NetnsResolvConf(const NetnsResolvConf&) = delete;
    NetnsResolvConf& operator=(const NetnsResolvConf&) = delete;

  private:
    std::filesystem::path dir_;
};

TEST(DnsNetns, ResolvesThroughTheNamespacesResolvConf) {
    if (!sstop::testing::can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN)";
    Netns ns("dns");
    // Lines that broke other tools' parsers come first; the nameserver is the namespace's own.
    NetnsResolvConf conf(ns.name(),
                         "# written by dns_netns_test\n"
                         "options trust-ad edns0\n"
                         "search example.test\n"
                         "nameserver\n"
                         "garbage line here\n"
                         "nameserver 127.0.0.1\n");
    Child server(ns, "fake-dns", [](const std::function<void()>& ready) {
        FakeDnsServer dns("127.0.0.1", 53);
        dns.set_name("ns-host.example.test");
        ready();
        while (true) pause();
    });
    int rc = -1;
    std::string err;
    std::string out = sstop::testing::run_capture(
        {"ip", "netns", "exec", ns.name(), SSTOP_DNS_LOOKUP_TOOL, "192.0.2.7"}, &rc,
        std::chrono::seconds(30), &err);
    EXPECT_EQ(rc, 0) << err;
    EXPECT_EQ(out, "ns-host.example.test\n");
}

}  // namespace
