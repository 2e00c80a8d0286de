// The `namespaces` option: its values and what `auto` resolves to.
#include <gtest/gtest.h>

#include "netlink_source.hpp"

namespace sstop::plugins::netlink {
namespace {

TEST(NetlinkNamespaces, ParsesTheThreeValuesOnly) {
    EXPECT_EQ(parse_namespaces_mode("auto"), NamespacesMode::Auto);
    EXPECT_EQ(parse_namespaces_mode("own"), NamespacesMode::Own);
    EXPECT_EQ(parse_namespaces_mode("all"), NamespacesMode::All);
    for (const char* bad : {"", "ALL", "Auto", "all ", "none", "own,all"})
        EXPECT_EQ(parse_namespaces_mode(bad), std::nullopt) << bad;
}

TEST(NetlinkNamespaces, AutoIsAllOnlyInTheInitialNamespace) {
    const linuxproc::NetnsIdentity host{4026531840, 4026531840};
    const linuxproc::NetnsIdentity container{4026532999, 4026531840};
    const linuxproc::NetnsIdentity unknown{4026532999, 0};
    EXPECT_TRUE(dumps_all_namespaces(NamespacesMode::Auto, host));
    EXPECT_FALSE(dumps_all_namespaces(NamespacesMode::Auto, container));
    EXPECT_FALSE(dumps_all_namespaces(NamespacesMode::Auto, unknown));
    EXPECT_TRUE(dumps_all_namespaces(NamespacesMode::All, container));
    EXPECT_FALSE(dumps_all_namespaces(NamespacesMode::Own, host));
}

}  // namespace
}  // namespace sstop::plugins::netlink
