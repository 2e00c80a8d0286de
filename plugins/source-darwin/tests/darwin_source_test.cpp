#include "darwin_source.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fake_context.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace {

using sstop::plugins::darwin::DarwinSource;
using sstop::plugins::darwin::testing::fixture_path;
using sstop::plugins::darwin::testing::v4;

// The shared test context with the options DarwinSource reads (lsof empty: never run).
sstop::testing::FakeContext darwin_context(const std::string& netstat,
                                           const std::string& lsof = "") {
    sstop::Options options;
    options.values["netstat"] = sstop::testing::string_option(netstat);
    options.values["lsof"] = sstop::testing::string_option(lsof);
    options.values["timeout"] = sstop::testing::duration_option(std::chrono::seconds(5));
    return sstop::testing::FakeContext("darwin", std::move(options));
}

// A stand-in for /usr/sbin/netstat: prints a macOS fixture for each command line the
// source runs, in a directory of its own that is removed afterwards.
class FakeNetstat {
  public:
    FakeNetstat(const std::string& sockets_body, const std::string& interfaces_body) {
        char dir[] = "/tmp/sstop-darwin-test-XXXXXX";
        EXPECT_NE(::mkdtemp(dir), nullptr);
        dir_ = dir;
        path_ = dir_ + "/netstat";
        std::ofstream script(path_);
        script << "#!/bin/sh\ncase \"$*\" in\n"
               << "  -anvb) " << sockets_body << " ;;\n"
               << "  -ibn) " << interfaces_body << " ;;\n"
               << "  *) exit 64 ;;\nesac\n";
        script.close();
        ::chmod(path_.c_str(), 0700);
    }
    ~FakeNetstat() {
        ::unlink(path_.c_str());
        ::rmdir(dir_.c_str());
    }
    const std::string& path() const { return path_; }

  private:
    std::string dir_;
    std::string path_;
};

std::string cat(const std::string& fixture) { return "cat '" + fixture_path(fixture) + "'"; }

std::uint64_t counter(const sstop::Sample& s, const std::string& name) {
    for (const sstop::SourceCounter& c : s.counters) {
        if (c.name == name) return c.value;
    }
    ADD_FAILURE() << "no counter " << name;
    return 0;
}

TEST(DarwinSource, FillsSocketsOwnersAndInterfacesFromNetstat) {
    FakeNetstat netstat(cat("netstat-nvb-1.txt"), cat("netstat-ib-2.txt"));
    auto context = darwin_context(netstat.path());
    DarwinSource source(context);
    source.open();
    sstop::Sample sample;
    const sstop::CollectStatus status = source.collect(sample);
    EXPECT_EQ(status.code, sstop::CollectStatus::Code::Ok) << status.message;
    EXPECT_TRUE(sample.has_sockets);
    ASSERT_EQ(sample.sockets.size(), 4u);
    const sstop::SocketObs& code = sample.sockets[1];
    EXPECT_EQ(code.key.proto, sstop::Proto::Tcp);
    EXPECT_EQ(code.key.local.addr, v4(10, 0, 0, 218));
    EXPECT_EQ(code.key.local.port, 53107);
    EXPECT_EQ(code.owner.pid, 661);
    EXPECT_TRUE(code.has_bytes);
    EXPECT_EQ(code.rx_bytes, 157106582u);
    EXPECT_EQ(code.tx_bytes, 2016u);
    bool found = false;
    for (const sstop::ProcessInfo& p : sample.processes) {
        if (p.id.pid == 661) {
            EXPECT_EQ(p.name, "Code - Insiders");
            found = true;
        }
    }
    EXPECT_TRUE(found);
    EXPECT_EQ(sample.processes.size(), 4u);

    EXPECT_TRUE(sample.has_interfaces);
    ASSERT_EQ(sample.interfaces.size(), 4u);
    const sstop::InterfaceObs& en0 = sample.interfaces[2];
    EXPECT_EQ(en0.name, "en0");
    EXPECT_EQ(en0.index, 14u);
    EXPECT_EQ(en0.rx_bytes, 75656778687u);
    EXPECT_EQ(en0.tx_bytes, 79224021508u);
    EXPECT_EQ(counter(sample, "malformed_lines"), 0u);
    EXPECT_EQ(counter(sample, "command_failures"), 0u);
}

TEST(DarwinSource, SkipsCutRowsAndCountsThem) {
    FakeNetstat netstat(cat("netstat-Abn-1.txt"), cat("netstat-ibdn-2.txt"));
    auto context = darwin_context(netstat.path());
    DarwinSource source(context);
    sstop::Sample sample;
    EXPECT_EQ(source.collect(sample).code, sstop::CollectStatus::Code::Ok);
    EXPECT_EQ(sample.sockets.size(), 137u - 47u);
    EXPECT_EQ(counter(sample, "truncated_rows"), 47u);
    EXPECT_TRUE(sample.processes.empty());  // -Abn shows no owners
    ASSERT_EQ(sample.interfaces.size(), 8u);
    EXPECT_EQ(sample.interfaces[3].name, "utun8#88");
}

TEST(DarwinSource, DegradesWhenOneCommandFails) {
    FakeNetstat netstat(cat("netstat-anvb-2.txt"), "exit 1");
    auto context = darwin_context(netstat.path());
    DarwinSource source(context);
    sstop::Sample sample;
    const sstop::CollectStatus status = source.collect(sample);
    EXPECT_EQ(status.code, sstop::CollectStatus::Code::Degraded);
    EXPECT_NE(status.message.find("interfaces"), std::string::npos);
    EXPECT_NE(status.message.find("exit status 1"), std::string::npos);
    EXPECT_EQ(sample.sockets.size(), 2u);
    EXPECT_FALSE(sample.has_interfaces);
    EXPECT_EQ(counter(sample, "command_failures"), 1u);
}

TEST(DarwinSource, FailsWhenNetstatPrintsNothingUseful) {
    FakeNetstat netstat("echo nonsense", "echo nonsense");
    auto context = darwin_context(netstat.path());
    DarwinSource source(context);
    sstop::Sample sample;
    const sstop::CollectStatus status = source.collect(sample);
    EXPECT_EQ(status.code, sstop::CollectStatus::Code::Failed);
    EXPECT_FALSE(sample.has_sockets);
    EXPECT_EQ(counter(sample, "malformed_lines"), 2u);
}

// netstat-anvb-3 is the older pid/epid layout: pids, no process names. lsof names them.
TEST(DarwinSource, NamesOwnersNetstatLeftUnnamedFromLsof) {
    FakeNetstat netstat(cat("netstat-anvb-3.txt"), cat("netstat-ib-2.txt"));
    const std::string lsof = netstat.path() + "-lsof";
    std::ofstream(lsof) << "#!/bin/sh\n"
                        << "[ \"$*\" = \"-n -P -i -F pcftPn\" ] || exit 64\n"
                        << "printf 'p99999\\ncnode\\nf3\\ntIPv4\\nPTCP\\n"
                           "n127.0.0.1:9225->127.0.0.1:59644\\n'\n"
                        << "exit 1\n";  // lsof's status after it met unreadable files
    ::chmod(lsof.c_str(), 0700);
    auto context = darwin_context(netstat.path(), lsof);
    DarwinSource source(context);
    source.open();
    sstop::Sample sample;
    EXPECT_EQ(source.collect(sample).code, sstop::CollectStatus::Code::Ok);
    ::unlink(lsof.c_str());
    std::string name = "(none)";
    for (const sstop::ProcessInfo& p : sample.processes)
        if (p.id.pid == 99999) name = p.name;
    EXPECT_EQ(name, "node");
    EXPECT_EQ(counter(sample, "lsof_failures"), 0u);
}

TEST(DarwinSource, AMissingLsofIsCountedNotFatal) {
    FakeNetstat netstat(cat("netstat-anvb-3.txt"), cat("netstat-ib-2.txt"));
    auto context = darwin_context(netstat.path(), "/nonexistent/lsof");
    DarwinSource source(context);
    source.open();
    sstop::Sample sample;
    EXPECT_EQ(source.collect(sample).code, sstop::CollectStatus::Code::Ok);
    EXPECT_EQ(sample.sockets.size(), 6u);
    EXPECT_EQ(counter(sample, "lsof_failures"), 1u);
    EXPECT_EQ(counter(sample, "lsof_owners"), 0u);
}

TEST(DarwinSource, OpenRejectsAMissingNetstat) {
    auto context = darwin_context("/nonexistent/netstat");
    DarwinSource source(context);
    EXPECT_THROW(source.open(), sstop::PluginUnavailable);
    auto relative = darwin_context("netstat");
    DarwinSource source2(relative);
    EXPECT_THROW(source2.open(), sstop::PluginUnavailable);
    auto relative_lsof = darwin_context("/bin/sh", "lsof");
    DarwinSource source3(relative_lsof);
    EXPECT_THROW(source3.open(), sstop::PluginUnavailable);
}

}  // namespace
