#include "procnet_source.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "procnet_context.hpp"

namespace fs = std::filesystem;
namespace pn = sstop::plugins::procnet;

namespace {

const fs::path kData = fs::path(SSTOP_SOURCE_DIR) / "plugins/source-procnet/tests/data";

// <tmp>/proc/net/* from the fixtures, <tmp>/proc/<pid>/ for one owner, <tmp>/sys/class/net.
class FakeRoot {
  public:
    FakeRoot() {
        std::string tmpl = (fs::temp_directory_path() / "sstop-procnet-XXXXXX").string();
        base_ = ::mkdtemp(tmpl.data());
        fs::create_directories(proc() / "net");
        for (const char* name : {"tcp", "tcp6", "udp", "udp6", "dev", "route", "ipv6_route"}) {
            fs::copy_file(kData / name, proc() / "net" / name);
        }
        fs::path pid = proc() / "4321";
        fs::create_directories(pid / "fd");
        std::ofstream(pid / "stat")
            << "4321 (web server) S 1 4321 4321 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0\n";
        std::ofstream(pid / "status") << "Name:\tweb server\nUid:\t33\t33\t33\t33\n";
        std::ofstream(pid / "cmdline") << std::string("httpd\0-X\0", 9);
        fs::create_symlink("socket:[9281]", pid / "fd" / "3");
        fs::create_symlink("socket:[9297]", pid / "fd" / "4");
        write_sys("lo", "unknown", 1);
        write_sys("eth0", "down", 2);
    }
    ~FakeRoot() {
        std::error_code ec;
        fs::remove_all(base_, ec);
    }
    fs::path proc() const { return base_ / "proc"; }
    void write_sys(const std::string& name, const std::string& operstate, int index) {
        fs::path dir = base_ / "sys/class/net" / name;
        fs::create_directories(dir);
        std::ofstream(dir / "operstate") << operstate << "\n";
        std::ofstream(dir / "ifindex") << index << "\n";
    }

  private:
    fs::path base_;
};

const sstop::InterfaceObs* find_interface(const sstop::Sample& sample, const std::string& name) {
    for (const auto& obs : sample.interfaces) {
        if (obs.name == name) return &obs;
    }
    return nullptr;
}

std::uint64_t counter(const sstop::Sample& sample, const std::string& name) {
    for (const auto& c : sample.counters) {
        if (c.name == name) return c.value;
    }
    ADD_FAILURE() << "no counter " << name;
    return 0;
}

}  // namespace

TEST(ProcnetSource, DeclaresSocketsInterfacesAndOwnersButNoBytes) {
    auto context = pn::testing::procnet_context("/proc");
    pn::ProcnetSource source(context);
    std::uint32_t caps = source.capabilities();
    EXPECT_TRUE(caps & sstop::kProvidesSockets);
    EXPECT_TRUE(caps & sstop::kProvidesInterfaces);
    EXPECT_TRUE(caps & sstop::kProvidesOwners);
    EXPECT_FALSE(caps &
                 (sstop::kProvidesTcpBytes | sstop::kProvidesUdpBytes | sstop::kProvidesFlows));
}

TEST(ProcnetSource, OpenFailsWithAReasonWhenProcNetIsMissing) {
    auto context = pn::testing::procnet_context("/nonexistent/sstop-proc");
    pn::ProcnetSource source(context);
    try {
        source.open();
        FAIL() << "open() did not throw";
    } catch (const sstop::PluginUnavailable& e) {
        EXPECT_STREQ(e.what(), "procnet: cannot read /proc/net/tcp: No such file or directory");
    }
}

TEST(ProcnetSource, CollectsSocketsInterfacesAndOwnersFromAProcTree) {
    FakeRoot root;
    auto context = pn::testing::procnet_context(root.proc().string());
    pn::ProcnetSource source(context);
    ASSERT_NO_THROW(source.open());

    sstop::Sample sample;
    sstop::CollectStatus status = source.collect(sample);
    EXPECT_EQ(status.code, sstop::CollectStatus::Code::Ok) << status.message;
    EXPECT_TRUE(sample.has_sockets);
    EXPECT_TRUE(sample.has_interfaces);
    EXPECT_EQ(sample.sockets.size(), 11u + 6u + 2u + 2u);

    int owned = 0;
    for (const auto& sock : sample.sockets) {
        EXPECT_FALSE(sock.has_bytes);
        if (sock.owner.pid == 0) continue;
        ++owned;
        EXPECT_EQ(sock.owner, (sstop::ProcessId{4321, 777}));
        EXPECT_TRUE(sock.inode == 9281 || sock.inode == 9297);
    }
    EXPECT_EQ(owned, 2);
    ASSERT_EQ(sample.processes.size(), 1u);
    EXPECT_EQ(sample.processes[0].name, "web server");
    EXPECT_EQ(sample.processes[0].uid, 33u);
    EXPECT_EQ(sample.processes[0].cmdline, "httpd -X");

    ASSERT_EQ(sample.interfaces.size(), 5u);
    const sstop::InterfaceObs* lo = find_interface(sample, "lo");
    ASSERT_NE(lo, nullptr);
    EXPECT_TRUE(lo->up);  // operstate "unknown" is how lo says up
    EXPECT_EQ(lo->index, 1u);
    EXPECT_EQ(lo->rx_bytes, 5155u);
    const sstop::InterfaceObs* eth0 = find_interface(sample, "eth0");
    ASSERT_NE(eth0, nullptr);
    EXPECT_FALSE(eth0->up);
    EXPECT_EQ(eth0->index, 2u);
    const sstop::InterfaceObs* ifb0 = find_interface(sample, "ifb0");
    ASSERT_NE(ifb0, nullptr);
    EXPECT_TRUE(ifb0->up);  // no sysfs entry: listed counts as up
    EXPECT_EQ(ifb0->index, 0u);
    EXPECT_EQ(counter(sample, "malformed_lines"), 0u);
}

TEST(ProcnetSource, MarksTheInterfacesOfIpv4AndIpv6DefaultRoutes) {
    FakeRoot root;
    auto context = pn::testing::procnet_context(root.proc().string());
    pn::ProcnetSource source(context);
    sstop::Sample sample;
    ASSERT_EQ(source.collect(sample).code, sstop::CollectStatus::Code::Ok);
    for (const auto& obs : sample.interfaces) {
        // eth0 from net/route, the veth from net/ipv6_route; lo only has an unreachable one.
        const bool expected = obs.name == "eth0" || obs.name == "veth1234567abcd";
        EXPECT_EQ(obs.default_route, expected) << obs.name;
    }
}

TEST(ProcnetSource, MissingRouteFilesLeaveNoDefaultAndAreNotAnError) {
    FakeRoot root;
    fs::remove(root.proc() / "net" / "route");
    fs::remove(root.proc() / "net" / "ipv6_route");
    auto context = pn::testing::procnet_context(root.proc().string());
    pn::ProcnetSource source(context);
    sstop::Sample sample;
    EXPECT_EQ(source.collect(sample).code, sstop::CollectStatus::Code::Ok);
    ASSERT_EQ(sample.interfaces.size(), 5u);
    for (const auto& obs : sample.interfaces) EXPECT_FALSE(obs.default_route) << obs.name;
}

TEST(ProcnetSource, CountsMalformedLinesCumulatively) {
    FakeRoot root;
    fs::copy_file(kData / "tcp_malformed", root.proc() / "net" / "tcp",
                  fs::copy_options::overwrite_existing);
    auto context = pn::testing::procnet_context(root.proc().string());
    pn::ProcnetSource source(context);
    sstop::Sample first;
    source.collect(first);
    EXPECT_EQ(counter(first, "malformed_lines"), 6u);
    sstop::Sample second;
    source.collect(second);
    EXPECT_EQ(counter(second, "malformed_lines"), 12u);
}

TEST(ProcnetSource, MissingIpv6TablesAreNotAnError) {
    FakeRoot root;
    fs::remove(root.proc() / "net" / "tcp6");
    fs::remove(root.proc() / "net" / "udp6");
    auto context = pn::testing::procnet_context(root.proc().string());
    pn::ProcnetSource source(context);
    sstop::Sample sample;
    EXPECT_EQ(source.collect(sample).code, sstop::CollectStatus::Code::Ok);
    EXPECT_TRUE(sample.has_sockets);
    EXPECT_EQ(sample.sockets.size(), 11u + 2u);
}

TEST(ProcnetSource, MissingUdpTableDegradesAndMissingTcpFails) {
    FakeRoot root;
    fs::remove(root.proc() / "net" / "udp");
    auto context = pn::testing::procnet_context(root.proc().string());
    pn::ProcnetSource source(context);
    sstop::Sample degraded;
    sstop::CollectStatus status = source.collect(degraded);
    EXPECT_EQ(status.code, sstop::CollectStatus::Code::Degraded);
    EXPECT_NE(status.message.find("udp"), std::string::npos);
    EXPECT_FALSE(degraded.has_sockets);

    fs::remove(root.proc() / "net" / "tcp");
    sstop::Sample failed;
    EXPECT_EQ(source.collect(failed).code, sstop::CollectStatus::Code::Failed);
}

namespace {

// FakeRoot plus network namespaces: `<pid>/ns/net` files that are hard links of one file per
// namespace (same inode = same namespace), `self` and pid 1 in the "host" one, and processes
// of other namespaces with their own `<pid>/net/{tcp,udp}`.
class FakeNamespaces : public FakeRoot {
  public:
    FakeNamespaces() {
        host_ = add_namespace("host");
        link_namespace("host", proc() / "self");
        link_namespace("host", proc() / "1");
        std::ofstream(proc() / "1" / "stat")
            << "1 (init) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n";
    }
    std::uint64_t host() const { return host_; }
    std::uint64_t add_namespace(const std::string& name) {
        fs::create_directories(dir() / "namespaces");
        std::ofstream(dir() / "namespaces" / name) << "net";
        struct stat st {};
        ::stat((dir() / "namespaces" / name).c_str(), &st);
        return st.st_ino;
    }
    void link_namespace(const std::string& name, const fs::path& pid_dir) {
        fs::create_directories(pid_dir / "ns");
        fs::remove(pid_dir / "ns" / "net");
        fs::create_hard_link(dir() / "namespaces" / name, pid_dir / "ns" / "net");
    }
    // A process `pid` in namespace `name` whose tcp table holds a listener on `port` with
    // socket inode `inode`, owned by it through fd 3.
    void add_process(int pid, const std::string& name, std::uint16_t port, std::uint64_t inode) {
        fs::path p = proc() / std::to_string(pid);
        link_namespace(name, p);
        fs::create_directories(p / "fd");
        fs::create_directories(p / "net");
        std::ofstream(p / "stat") << pid << " (ctr" << pid
                                  << ") S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0\n";
        std::ofstream(p / "status") << "Name:\tctr" << pid << "\nUid:\t0\t0\t0\t0\n";
        std::ofstream(p / "cmdline") << "ctr";
        char local[32];
        std::snprintf(local, sizeof local, "0100007F:%04X", port);
        std::ofstream(p / "net" / "tcp")
            << "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   "
               "uid  timeout inode\n"
            << "   0: " << local
            << " 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 " << inode
            << " 1 0000000013dfeaf9 100 0 0 10 0\n";
        std::ofstream(p / "net" / "udp")
            << "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   "
               "uid  timeout inode ref pointer drops\n";
        fs::create_symlink("socket:[" + std::to_string(inode) + "]", p / "fd" / "3");
    }
    fs::path dir() const { return proc().parent_path(); }

  private:
    std::uint64_t host_ = 0;
};

std::vector<const sstop::SocketObs*> sockets_with_inode(const sstop::Sample& s,
                                                        std::uint64_t inode) {
    std::vector<const sstop::SocketObs*> out;
    for (const auto& obs : s.sockets)
        if (obs.inode == inode) out.push_back(&obs);
    return out;
}

}  // namespace

TEST(ProcnetNamespaces, SocketsOfAnotherNamespaceCarryItsInodeAndOwner) {
    FakeNamespaces root;
    const std::uint64_t other = root.add_namespace("c1");
    root.add_process(5000, "c1", 7411, 77001);
    auto context = pn::testing::procnet_context(root.proc().string(), "all");
    pn::ProcnetSource source(context);
    ASSERT_NO_THROW(source.open());
    EXPECT_TRUE(source.reads_all_namespaces());

    sstop::Sample sample;
    sstop::CollectStatus status = source.collect(sample);
    EXPECT_EQ(status.code, sstop::CollectStatus::Code::Ok) << status.message;
    auto found = sockets_with_inode(sample, 77001);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0]->key.netns, other);
    EXPECT_NE(other, root.host());
    EXPECT_EQ(found[0]->key.local.port, 7411);
    EXPECT_EQ(found[0]->state, sstop::SocketState::Listen);
    EXPECT_EQ(found[0]->owner, (sstop::ProcessId{5000, 500}));
    // The own namespace's tables are keyed 0 and are not read a second time through a pid.
    EXPECT_EQ(sample.sockets.size(), 11u + 6u + 2u + 2u + 1u);
    for (const auto& obs : sample.sockets) {
        if (obs.inode == 77001) continue;
        EXPECT_EQ(obs.key.netns, 0u) << obs.inode;
    }
    EXPECT_EQ(counter(sample, "netns_active"), 1u);
    EXPECT_EQ(counter(sample, "netns_vanished"), 0u);
    // Interfaces stay the own namespace's.
    EXPECT_EQ(sample.interfaces.size(), 5u);
}

TEST(ProcnetNamespaces, AutoReadsAllOnlyInTheInitialNamespace) {
    FakeNamespaces root;
    root.add_namespace("c1");
    root.add_process(5000, "c1", 7411, 77001);
    {
        auto context = pn::testing::procnet_context(root.proc().string(), "auto");
        pn::ProcnetSource source(context);
        sstop::Sample sample;
        source.collect(sample);  // without open(): resolved by the first collect
        EXPECT_TRUE(source.reads_all_namespaces());
        EXPECT_EQ(sockets_with_inode(sample, 77001).size(), 1u);
    }
    root.add_namespace("inside");
    root.link_namespace("inside", root.proc() / "self");  // sstop now runs in a container
    auto context = pn::testing::procnet_context(root.proc().string(), "auto");
    pn::ProcnetSource source(context);
    sstop::Sample sample;
    source.collect(sample);
    EXPECT_FALSE(source.reads_all_namespaces());
    EXPECT_TRUE(sockets_with_inode(sample, 77001).empty());
}

TEST(ProcnetNamespaces, OwnModeIgnoresOtherNamespaces) {
    FakeNamespaces root;
    root.add_namespace("c1");
    root.add_process(5000, "c1", 7411, 77001);
    auto context = pn::testing::procnet_context(root.proc().string(), "own");
    pn::ProcnetSource source(context);
    ASSERT_NO_THROW(source.open());
    EXPECT_FALSE(source.reads_all_namespaces());
    for (int i = 0; i < 2; ++i) {
        sstop::Sample sample;
        EXPECT_EQ(source.collect(sample).code, sstop::CollectStatus::Code::Ok);
        EXPECT_TRUE(sockets_with_inode(sample, 77001).empty());
        for (const auto& obs : sample.sockets) EXPECT_EQ(obs.key.netns, 0u);
        EXPECT_EQ(counter(sample, "netns_active"), 0u);
    }
}

TEST(ProcnetNamespaces, AVanishedRepresentativeIsCountedAndTheNextChoiceIsRead) {
    FakeNamespaces root;
    const std::uint64_t other = root.add_namespace("c1");
    root.add_process(5000, "c1", 7411, 77001);
    auto context = pn::testing::procnet_context(root.proc().string(), "all");
    pn::ProcnetSource source(context);
    ASSERT_NO_THROW(source.open());  // the enumerator picks 5000

    fs::remove_all(root.proc() / "5000");       // it exits before the collect reads it
    root.add_process(5001, "c1", 7412, 77002);  // another process of the same namespace
    sstop::Sample first;
    sstop::CollectStatus status = source.collect(first);
    EXPECT_EQ(status.code, sstop::CollectStatus::Code::Ok) << status.message;
    EXPECT_TRUE(status.message.empty());
    EXPECT_TRUE(context.logged().empty());
    EXPECT_TRUE(first.has_sockets);
    EXPECT_EQ(counter(first, "netns_vanished"), 1u);
    EXPECT_EQ(counter(first, "netns_active"), 0u);
    for (const auto& obs : first.sockets) EXPECT_EQ(obs.key.netns, 0u);

    sstop::Sample second;  // the owner map's pass during the first collect chose 5001
    EXPECT_EQ(source.collect(second).code, sstop::CollectStatus::Code::Ok);
    auto found = sockets_with_inode(second, 77002);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0]->key.netns, other);
    EXPECT_EQ(found[0]->owner.pid, 5001);
    EXPECT_EQ(counter(second, "netns_active"), 1u);
    EXPECT_EQ(counter(second, "netns_vanished"), 1u);
}

TEST(ProcnetNamespaces, AReusedPidInAnotherNamespaceIsNotReadAsTheOldOne) {
    FakeNamespaces root;
    root.add_namespace("c1");
    root.add_process(5000, "c1", 7411, 77001);
    auto context = pn::testing::procnet_context(root.proc().string(), "all");
    pn::ProcnetSource source(context);
    ASSERT_NO_THROW(source.open());
    root.link_namespace("host", root.proc() / "5000");  // pid 5000 is now someone else
    sstop::Sample sample;
    EXPECT_EQ(source.collect(sample).code, sstop::CollectStatus::Code::Ok);
    EXPECT_TRUE(sockets_with_inode(sample, 77001).empty());
    EXPECT_EQ(counter(sample, "netns_vanished"), 1u);
}

TEST(ProcnetNamespaces, ReadsAtMostTheEnumeratorsBoundAndCountsTheRest) {
    FakeNamespaces root;
    root.add_namespace("c1");
    root.add_namespace("c2");
    root.add_process(5000, "c1", 7411, 77001);
    root.add_process(6000, "c2", 7412, 77002);
    auto context = pn::testing::procnet_context(root.proc().string(), "all");
    pn::ProcnetSource source(context, 1);
    ASSERT_NO_THROW(source.open());
    sstop::Sample sample;
    source.collect(sample);
    // One of the three namespaces (host, c1, c2) is kept; the two others are dropped.
    EXPECT_LE(counter(sample, "netns_active"), 1u);
    EXPECT_EQ(counter(sample, "netns_dropped"), 2u);
    EXPECT_LE(sockets_with_inode(sample, 77001).size() + sockets_with_inode(sample, 77002).size(),
              1u);
}

TEST(ProcnetNamespaces, RefusesAnUnknownValue) {
    auto context = pn::testing::procnet_context("/proc", "containers");
    EXPECT_THROW(pn::ProcnetSource source(context), sstop::PluginUnavailable);
}
