#include "procnet_source.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fake_context.hpp"

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
    pn::testing::FakeContext context("/proc");
    pn::ProcnetSource source(context);
    std::uint32_t caps = source.capabilities();
    EXPECT_TRUE(caps & sstop::kProvidesSockets);
    EXPECT_TRUE(caps & sstop::kProvidesInterfaces);
    EXPECT_TRUE(caps & sstop::kProvidesOwners);
    EXPECT_FALSE(caps &
                 (sstop::kProvidesTcpBytes | sstop::kProvidesUdpBytes | sstop::kProvidesFlows));
}

TEST(ProcnetSource, OpenFailsWithAReasonWhenProcNetIsMissing) {
    pn::testing::FakeContext context("/nonexistent/sstop-proc");
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
    pn::testing::FakeContext context(root.proc().string());
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
    pn::testing::FakeContext context(root.proc().string());
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
    pn::testing::FakeContext context(root.proc().string());
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
    pn::testing::FakeContext context(root.proc().string());
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
    pn::testing::FakeContext context(root.proc().string());
    pn::ProcnetSource source(context);
    sstop::Sample sample;
    EXPECT_EQ(source.collect(sample).code, sstop::CollectStatus::Code::Ok);
    EXPECT_TRUE(sample.has_sockets);
    EXPECT_EQ(sample.sockets.size(), 11u + 2u);
}

TEST(ProcnetSource, MissingUdpTableDegradesAndMissingTcpFails) {
    FakeRoot root;
    fs::remove(root.proc() / "net" / "udp");
    pn::testing::FakeContext context(root.proc().string());
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
