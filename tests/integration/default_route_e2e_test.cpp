// The interface of the default route, as `sstop --json` reports it: in a namespace whose
// default route (IPv4, then IPv6 only) goes out of the veth, both the netlink source (route
// dump) and procnet (/proc/net/route, ipv6_route) mark the veth and not lo.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "netns.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;

/// The `default_route` flag of every interface of the last snapshot, by name.
std::vector<std::pair<std::string, bool>> default_flags(const Netns& ns,
                                                        const std::vector<std::string>& extra) {
    std::vector<std::string> args{"--once", "--interval", "200ms"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto snaps = run_sstop_json(ns, args);
    std::vector<std::pair<std::string, bool>> out;
    if (snaps.empty()) {
        ADD_FAILURE() << "no snapshot";
        return out;
    }
    for (const json& itf : snaps.back()["interfaces"]) {
        EXPECT_TRUE(itf.contains("default_route")) << itf.dump();
        out.emplace_back(itf["name"].get<std::string>(), itf.value("default_route", false));
    }
    return out;
}

/// Namespace a holds lo and one veth (named "sva…" by NetnsPair): the veth must be the
/// default-route interface, lo not.
void expect_veth_is_default(const std::vector<std::pair<std::string, bool>>& flags,
                            const std::string& what) {
    bool saw_lo = false;
    bool saw_veth = false;
    for (const auto& [name, is_default] : flags) {
        if (name == "lo") {
            saw_lo = true;
            EXPECT_FALSE(is_default) << what << ": lo";
        } else if (name.rfind("sva", 0) == 0) {
            saw_veth = true;
            EXPECT_TRUE(is_default) << what << ": " << name;
        } else {
            ADD_FAILURE() << what << ": unexpected interface " << name;
        }
    }
    EXPECT_TRUE(saw_lo) << what;
    EXPECT_TRUE(saw_veth) << what;
}

TEST(DefaultRouteE2E, Ipv4DefaultRouteMarksTheVethWithEverySource) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    NetnsPair net("dr4");
    net.a.ip({"route", "add", "default", "via", NetnsPair::kAddrB4});
    expect_veth_is_default(default_flags(net.a, {}), "default sources");
    expect_veth_is_default(default_flags(net.a, {"--sources", "procnet"}), "procnet");
}

TEST(DefaultRouteE2E, Ipv6OnlyDefaultRouteMarksTheVethWithEverySource) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    NetnsPair net("dr6");
    net.a.ip({"-6", "route", "add", "default", "via", NetnsPair::kAddrB6});
    expect_veth_is_default(default_flags(net.a, {}), "default sources");
    expect_veth_is_default(default_flags(net.a, {"--sources", "procnet"}), "procnet");
}

TEST(DefaultRouteE2E, NoDefaultRouteMarksNothing) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    NetnsPair net("dr0");
    for (const auto& extra : {std::vector<std::string>{}, {"--sources", "procnet"}}) {
        auto flags = default_flags(net.a, extra);
        EXPECT_EQ(flags.size(), 2u);
        for (const auto& [name, is_default] : flags) EXPECT_FALSE(is_default) << name;
    }
}

}  // namespace
}  // namespace sstop::testing
