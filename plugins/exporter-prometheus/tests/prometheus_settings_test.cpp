#include "prometheus_settings.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <sstop/plugin.hpp>

#include "prometheus_context.hpp"

namespace sstop::plugins::prometheus {
namespace {

TEST(PrometheusSettings, ParsesIpv4ListenAddress) {
    auto a = parse_listen("127.0.0.1:9464");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->family, AF_INET);
    EXPECT_EQ(a->port, 9464);
    EXPECT_EQ(a->addr[0], 127);
    EXPECT_EQ(a->addr[3], 1);
    sockaddr_storage ss;
    EXPECT_EQ(a->to_sockaddr(ss), sizeof(sockaddr_in));
    EXPECT_EQ(ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port), 9464);
    auto any = parse_listen("0.0.0.0:0");
    ASSERT_TRUE(any);
    EXPECT_EQ(any->port, 0);
}

TEST(PrometheusSettings, ParsesBracketedIpv6ListenAddress) {
    auto a = parse_listen("[::1]:9464");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->family, AF_INET6);
    EXPECT_EQ(a->port, 9464);
    EXPECT_EQ(a->addr[15], 1);
    EXPECT_TRUE(parse_listen("[::]:65535"));
    EXPECT_TRUE(parse_listen("[fd77::1]:80"));
}

TEST(PrometheusSettings, RejectsMalformedListenAddresses) {
    for (const char* bad :
         {"", "127.0.0.1", "127.0.0.1:", ":9464", "127.0.0.1:65536", "127.0.0.1:-1",
          "127.0.0.1:94a", "localhost:9464", "::1:9464", "[::1]9464", "[::1]:", "[::1",
          "[127.0.0.1]:80", "256.0.0.1:80", "127.0.0.1:123456"})
        EXPECT_FALSE(parse_listen(bad)) << bad;
}

TEST(PrometheusSettings, ReadsDefaults) {
    auto context = testing::prometheus_context();
    Settings s = settings_from_options(context.options());
    EXPECT_EQ(s.listen.text, "127.0.0.1:9464");
    EXPECT_EQ(s.max_processes, 200u);
    EXPECT_EQ(s.max_remote_hosts, 0u);
    EXPECT_EQ(s.path, "/metrics");
}

TEST(PrometheusSettings, OutOfRangeAndMalformedValuesAreUnavailableWithReason) {
    auto message = [](testing::FakeContext& c) -> std::string {
        try {
            settings_from_options(c.options());
        } catch (const PluginUnavailable& e) {
            return e.what();
        }
        return "(no exception)";
    };
    {
        auto c = testing::prometheus_context();
        c.set_int("max_processes", 0);
        EXPECT_NE(message(c).find("max_processes 0 is out of range 1..100000"), std::string::npos);
        c.set_int("max_processes", 100001);
        EXPECT_NE(message(c).find("max_processes"), std::string::npos);
    }
    {
        auto c = testing::prometheus_context();
        c.set_int("max_remote_hosts", -1);
        EXPECT_NE(message(c).find("max_remote_hosts -1"), std::string::npos);
        c.set_int("max_remote_hosts", 10001);
        EXPECT_NE(message(c).find("max_remote_hosts"), std::string::npos);
    }
    {
        auto c = testing::prometheus_context();
        c.set_string("listen", "localhost:9464");
        EXPECT_NE(message(c).find("invalid listen address 'localhost:9464'"), std::string::npos);
    }
    {
        auto c = testing::prometheus_context();
        c.set_string("path", "metrics");
        EXPECT_NE(message(c).find("invalid path 'metrics'"), std::string::npos);
    }
    auto edge = testing::prometheus_context();
    edge.set_int("max_processes", 100000);
    edge.set_int("max_remote_hosts", 10000);
    EXPECT_EQ(settings_from_options(edge.options()).max_processes, 100000u);
}

}  // namespace
}  // namespace sstop::plugins::prometheus
