// Real-kernel tests of dumping other network namespaces (label: integration, root). Each test
// makes its own namespaces (named with the pid, removed on failure) and asserts only about
// them: other tests create namespaces in parallel.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "netlink_source.hpp"
#include "netns.hpp"

namespace sstop::plugins::netlink {
namespace {

using sstop::testing::Child;
using sstop::testing::Gate;
using sstop::testing::Netns;

std::uint64_t inode_of(const Netns& ns) {
    struct stat st {};
    if (::stat(("/var/run/netns/" + ns.name()).c_str(), &st) != 0) return 0;
    return st.st_ino;
}

NetlinkSettings all_settings() {
    NetlinkSettings s;
    s.trace_connects = false;  // the tracer is own-namespace only; it has its own tests
    s.namespaces = NamespacesMode::All;
    return s;
}

std::uint64_t counter(const Sample& s, const std::string& name) {
    for (const auto& c : s.counters)
        if (c.name == name) return c.value;
    ADD_FAILURE() << "no counter " << name;
    return 0;
}

Sample collect_ok(NetlinkSource& src) {
    Sample s;
    CollectStatus st = src.collect(s);
    EXPECT_NE(st.code, CollectStatus::Code::Failed) << st.message;
    return s;
}

class NetlinkNamespacesKernel : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!sstop::testing::can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN)";
    }
};

TEST_F(NetlinkNamespacesKernel, SocketsOfAnotherNamespaceAreKeyedByItAndOwned) {
    Netns ns("nlns");
    Child server(ns, "nlns-listen", [](const auto& ready) {
        sstop::testing::tcp_listen("127.0.0.1", 7411);
        ready();
        pause();
    });
    const std::uint64_t inode = inode_of(ns);
    ASSERT_NE(inode, 0u);

    NetlinkSource all(all_settings());
    all.open();
    ASSERT_TRUE(all.dumps_all_namespaces());
    Sample s = collect_ok(all);
    const SocketObs* found = nullptr;
    for (const auto& o : s.sockets)
        if (o.key.netns == inode && o.key.local.port == 7411 && o.state == SocketState::Listen)
            found = &o;
    ASSERT_NE(found, nullptr) << "the listener in " << ns.name() << " is not listed";
    EXPECT_EQ(found->owner.pid, server.pid());
    EXPECT_GE(counter(s, "netns_active"), 1u);
    const std::uint64_t own_inode = linuxproc::netns_inode("/proc/self/ns/net");
    for (const auto& o : s.sockets) EXPECT_NE(o.key.netns, own_inode) << "own is keyed 0";

    NetlinkSettings own_settings = all_settings();
    own_settings.namespaces = NamespacesMode::Own;
    NetlinkSource own(own_settings);
    own.open();
    EXPECT_FALSE(own.dumps_all_namespaces());
    Sample o = collect_ok(own);
    for (const auto& sock : o.sockets) {
        EXPECT_EQ(sock.key.netns, 0u);
        EXPECT_NE(sock.owner.pid, server.pid());
    }
    EXPECT_EQ(own.entered_namespaces(), 0u);
}

TEST_F(NetlinkNamespacesKernel, ConnectionClosedInAnotherNamespaceArrivesAsClosedRecord) {
    constexpr std::size_t kBytes = 123456;
    Netns ns("nlcl");
    Gate go;
    Child peer(ns, "nlcl-peer", [&go](const auto& ready) {
        int l = sstop::testing::tcp_listen("127.0.0.1", 7412);
        int c = sstop::testing::tcp_connect("127.0.0.1", 7412);
        int a = sstop::testing::tcp_accept(l);
        ready();
        go.wait();
        sstop::testing::write_exactly(c, kBytes);
        sstop::testing::read_exactly(a, kBytes);
        close(c);
        close(a);
        pause();
    });
    const std::uint64_t inode = inode_of(ns);
    NetlinkSource src(all_settings());
    src.open();
    collect_ok(src);  // learns the connection's owner by its cookie
    go.fire();
    bool seen = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!seen && std::chrono::steady_clock::now() < deadline) {
        Sample s = collect_ok(src);
        for (const auto& o : s.sockets) {
            if (!o.closed || o.key.netns != inode || o.key.remote.port != 7412) continue;
            seen = true;
            EXPECT_EQ(o.tx_bytes, kBytes);
            EXPECT_EQ(o.owner.pid, peer.pid());
        }
        if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(seen) << "no destroy notification from " << ns.name();
}

TEST_F(NetlinkNamespacesKernel, EntersAtMostTheBoundAndCountsTheRest) {
    Netns a("nlb1"), b("nlb2"), c("nlb3");
    Child pa(a, "nlb-a", [](const auto& ready) {
        ready();
        pause();
    });
    Child pb(b, "nlb-b", [](const auto& ready) {
        ready();
        pause();
    });
    Child pc(c, "nlb-c", [](const auto& ready) {
        ready();
        pause();
    });
    NetlinkSettings settings = all_settings();
    settings.max_namespaces = 2;
    NetlinkSource src(settings);
    src.open();
    Sample s = collect_ok(src);
    EXPECT_LE(src.entered_namespaces(), 1u);
    EXPECT_LE(counter(s, "netns_active"), 1u);
    // Ours alone make four namespaces with the test's own.
    EXPECT_GE(counter(s, "netns_dropped"), 2u);
}

}  // namespace
}  // namespace sstop::plugins::netlink
