// --filter end to end: two processes send traffic from the namespace sstop watches to a
// second namespace; the filter must pick one by name, exclude it with `not`, pick the owner
// of a connection by port, and a bad expression must exit 2 naming the column.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "netns.hpp"

namespace sstop::testing {
namespace {

constexpr int kAlphaPort = 7510;
constexpr int kBetaPort = 7520;

// Accepts one connection on `port` in the peer namespace and reads until it closes.
Child::Body sink(int port) {
    return [port](const auto& ready) {
        const int l = tcp_listen(NetnsPair::kAddrB4, port);
        ready();
        const int fd = tcp_accept(l);
        while (read_exactly(fd, 65536) > 0) {
        }
        _exit(0);
    };
}

// Connects to the sink on `port` and keeps sending, so the process has traffic every tick.
Child::Body sender(int port) {
    return [port](const auto& ready) {
        const int fd = tcp_connect(NetnsPair::kAddrB4, port);
        ready();
        while (true) {
            write_exactly(fd, 16384);
            usleep(20000);  // a steady trickle, not a flood: pacing, not synchronisation
        }
    };
}

// The names of the processes in the last snapshot sstop printed with `filter`.
std::set<std::string> listed(const Netns& ns, const std::string& filter) {
    const auto snaps = run_sstop_json(ns, {"--json", "--sources", "netlink", "--interval", "200ms",
                                           "--count", "2", "--filter", filter});
    std::set<std::string> names;
    if (snaps.empty()) {
        ADD_FAILURE() << "no snapshot for " << filter;
        return names;
    }
    for (const auto& p : snaps.back()["processes"]) names.insert(p["name"].get<std::string>());
    // Totals stay whole: the filter narrows the list, not the sums.
    EXPECT_GT(snaps.back()["totals"]["tx_bytes"].get<std::uint64_t>(), 0u) << filter;
    return names;
}

TEST(FilterE2E, SelectsExcludesAndPicksTheOwnerOfAPort) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    NetnsPair pair("filter");
    Child sink_a(pair.b, "flt-sink-a", sink(kAlphaPort));
    Child sink_b(pair.b, "flt-sink-b", sink(kBetaPort));
    Child alpha(pair.a, "flt-alpha", sender(kAlphaPort));
    Child beta(pair.a, "flt-beta", sender(kBetaPort));

    std::set<std::string> all = listed(pair.a, "");
    ASSERT_TRUE(all.count("flt-alpha") && all.count("flt-beta")) << "both senders are seen";

    std::set<std::string> only = listed(pair.a, "proc:flt-alpha");
    EXPECT_EQ(only, std::set<std::string>{"flt-alpha"});

    std::set<std::string> others = listed(pair.a, "not proc:flt-alpha");
    EXPECT_EQ(others.count("flt-alpha"), 0u);
    EXPECT_EQ(others.count("flt-beta"), 1u);

    EXPECT_EQ(listed(pair.a, "port:" + std::to_string(kBetaPort)),
              std::set<std::string>{"flt-beta"});
    EXPECT_EQ(listed(pair.a, "host:10.77.0.0/24 and tx>1K"),
              (std::set<std::string>{"flt-alpha", "flt-beta"}));

    // The config's filter: key is the start-up filter when --filter is not given.
    const std::string config = "/tmp/sstop-filter-e2e-" + std::to_string(::getpid()) + ".yaml";
    std::ofstream(config) << "filter: \"proc:flt-beta\"\n";
    const auto snaps = run_sstop_json(pair.a, {"--json", "--sources", "netlink", "--interval",
                                               "200ms", "--count", "2", "--config", config});
    ASSERT_FALSE(snaps.empty());
    std::set<std::string> names;
    for (const auto& p : snaps.back()["processes"]) names.insert(p["name"].get<std::string>());
    EXPECT_EQ(names, std::set<std::string>{"flt-beta"});
    std::remove(config.c_str());
}

TEST(FilterE2E, BadFilterExitsTwoWithTheColumn) {
    int rc = 0;
    std::string err;
    const std::string out =
        run_capture({sstop_binary(), "--json", "--once", "--filter", "proc:a and port:99999"}, &rc,
                    std::chrono::seconds(10), &err);
    EXPECT_EQ(rc, 2);
    EXPECT_EQ(out, "");
    EXPECT_EQ(err,
              "sstop: --filter: bad port '99999' at column 17\n"
              "  proc:a and port:99999\n"
              "                  ^\n");
}

}  // namespace
}  // namespace sstop::testing
