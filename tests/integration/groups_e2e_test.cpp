// Groups against the real kernel: a process moved into a cgroup scope made by the test
// uploads a known number of bytes from a namespace; `sstop --json` run there reports the
// scope as a unit group with those bytes, and the process with its unit.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "netns.hpp"
#include "snapshot_json.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;

constexpr std::size_t kUpload = 3'000'000;

// A cgroup directory made by the test, removed when it ends (after the processes in it,
// which are declared later and so destroyed first).
class ScopeCgroup {
  public:
    explicit ScopeCgroup(const std::string& name) {
        for (const char* hierarchy :
             {"/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd", "/sys/fs/cgroup"}) {
            std::string dir = std::string(hierarchy) + "/" + name;
            if (::mkdir(dir.c_str(), 0755) == 0) {
                path_ = dir;
                return;
            }
            why_ += dir + ": " + std::strerror(errno) + "; ";
        }
    }
    ~ScopeCgroup() {
        if (path_.empty()) return;
        // The killed children leave the cgroup a moment after they are reaped.
        for (int i = 0; i < 100 && ::rmdir(path_.c_str()) != 0 && errno == EBUSY; ++i)
            ::usleep(10'000);
    }
    ScopeCgroup(const ScopeCgroup&) = delete;
    ScopeCgroup& operator=(const ScopeCgroup&) = delete;
    bool made() const { return !path_.empty(); }
    const std::string& why() const { return why_; }
    bool add(pid_t pid) const {
        std::ofstream procs(path_ + "/cgroup.procs");
        procs << pid << std::flush;
        return static_cast<bool>(procs);
    }

  private:
    std::string path_;
    std::string why_;
};

const json* find_group(const json& snap, const std::string& kind, const std::string& name) {
    for (const auto& g : snap["groups"])
        if (g["kind"] == kind && g["name"] == name) return &g;
    return nullptr;
}

TEST(GroupsE2E, AProcessInAScopeIsCountedInItsUnitGroup) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    const std::string unit = "sstop-e2e-" + std::to_string(::getpid()) + ".scope";
    ScopeCgroup cgroup(unit);
    ASSERT_TRUE(cgroup.made()) << "cannot make a cgroup: " << cgroup.why();

    NetnsPair net("grp");
    Gate go;
    Child sink(net.b, "grp-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, 7201);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, kUpload);
        pause();
    });
    Child up(net.a, "grp-up", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, 7201);
        ready();
        go.wait();
        write_exactly(s, kUpload);
        pause();
    });
    ASSERT_TRUE(cgroup.add(up.pid())) << "cannot move " << up.pid() << " into " << unit;

    SstopRun sstop(net.a, {"--interval", "500ms", "--count", "40"});
    ASSERT_TRUE(sstop.wait_for_seq(1, std::chrono::seconds(20))) << sstop.errors();
    go.fire();
    json snap;
    for (int seq = 2; seq < 30; ++seq) {
        ASSERT_TRUE(sstop.wait_for_seq(seq, std::chrono::seconds(10))) << sstop.errors();
        snap = sstop.snapshots().back();
        const json* g = find_group(snap, "unit", unit);
        if (g != nullptr && (*g)["tx_bytes"].get<std::uint64_t>() >= kUpload) break;
    }
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();

    const json* p = find_process(snap, up.pid());
    ASSERT_NE(p, nullptr) << snap.dump();
    EXPECT_EQ((*p)["unit"], unit);
    EXPECT_EQ((*p)["container"], "");
    const json* g = find_group(snap, "unit", unit);
    ASSERT_NE(g, nullptr) << snap["groups"].dump();
    expect_within_1pct((*g)["tx_bytes"].get<std::uint64_t>(), kUpload, "the scope's group tx");
    EXPECT_EQ((*g)["tx_bytes"], (*p)["tx_bytes"]);  // its only process
    EXPECT_EQ((*g)["processes"], 1);
    EXPECT_EQ((*g)["connections"], 1);
}

}  // namespace
}  // namespace sstop::testing
