// NetnsEnumerator over a fake procfs, where `<pid>/ns/net` files that are hard links of each
// other stand for processes sharing a namespace (same inode), and over the real /proc.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <linuxproc/netns.hpp>
#include <linuxproc/owner_map.hpp>
#include <map>
#include <string>

namespace fs = std::filesystem;
namespace lp = sstop::plugins::linuxproc;

namespace {

class FakeProc {
  public:
    FakeProc() {
        std::string tmpl = (fs::temp_directory_path() / "sstop-fakens-XXXXXX").string();
        root_ = ::mkdtemp(tmpl.data());
        fs::create_directories(root_ / "namespaces");
    }
    ~FakeProc() {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    std::string root() const { return root_.string(); }
    /// A process `pid` in namespace number `ns` (made on first use); returns the inode.
    std::uint64_t add(int pid, int ns, const std::string& name = "") {
        fs::path target = root_ / "namespaces" / std::to_string(ns);
        if (!fs::exists(target)) std::ofstream(target) << "net";
        fs::path dir = root_ / (name.empty() ? std::to_string(pid) : name);
        fs::create_directories(dir / "ns");
        fs::create_hard_link(target, dir / "ns" / "net");
        std::ofstream(dir / "stat") << pid << " (p" << pid << ") S " << (pid == 2 ? 0 : 1)
                                    << " 1 1 0 -1 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 10 0\n";
        return inode(ns);
    }
    std::uint64_t inode(int ns) const {
        struct stat st {};
        ::stat((root_ / "namespaces" / std::to_string(ns)).c_str(), &st);
        return st.st_ino;
    }
    void remove(int pid) { fs::remove_all(root_ / std::to_string(pid)); }

  private:
    fs::path root_;
};

TEST(NetnsEnumerator, OneEntryPerNamespaceWithTheLowestPid) {
    FakeProc proc;
    const auto a = proc.add(10, 0);
    proc.add(11, 0);
    const auto b = proc.add(20, 1);
    proc.add(21, 1);
    const auto c = proc.add(30, 2);
    lp::NetnsEnumerator e;
    ASSERT_TRUE(e.scan(proc.root()));
    ASSERT_EQ(e.namespaces().size(), 3u);
    std::map<std::uint64_t, std::int32_t> got;
    for (const auto& n : e.namespaces()) got[n.inode] = n.pid;
    EXPECT_EQ(got[a], 10);
    EXPECT_EQ(got[b], 20);
    EXPECT_EQ(got[c], 30);
    EXPECT_EQ(e.dropped(), 0u);
}

TEST(NetnsEnumerator, KeepsItsRepresentativeWhileItLivesAndMovesOnWhenItDies) {
    FakeProc proc;
    const auto ns = proc.add(20, 1);
    lp::NetnsEnumerator e;
    ASSERT_TRUE(e.scan(proc.root()));
    ASSERT_EQ(e.namespaces().at(0).pid, 20);
    proc.add(5, 1);  // a lower pid joins: the old representative stays
    ASSERT_TRUE(e.scan(proc.root()));
    ASSERT_EQ(e.namespaces().size(), 1u);
    EXPECT_EQ(e.namespaces()[0].pid, 20);
    proc.remove(20);
    ASSERT_TRUE(e.scan(proc.root()));
    ASSERT_EQ(e.namespaces().size(), 1u);
    EXPECT_EQ(e.namespaces()[0].inode, ns);
    EXPECT_EQ(e.namespaces()[0].pid, 5);
    proc.remove(5);
    ASSERT_TRUE(e.scan(proc.root()));
    EXPECT_TRUE(e.namespaces().empty()) << "a namespace without processes is gone";
}

TEST(NetnsEnumerator, BoundedAndCountsWhatItDrops) {
    FakeProc proc;
    for (int i = 0; i < 10; ++i) {
        proc.add(100 + 2 * i, i);
        proc.add(101 + 2 * i, i);  // a second process of a dropped one must not count twice
    }
    lp::NetnsEnumerator e(4);
    ASSERT_TRUE(e.scan(proc.root()));
    EXPECT_EQ(e.namespaces().size(), 4u);
    EXPECT_EQ(e.dropped(), 6u);
    // The count is per pass, not cumulative.
    ASSERT_TRUE(e.scan(proc.root()));
    EXPECT_EQ(e.dropped(), 6u);
}

TEST(NetnsEnumerator, SkipsPidsWithoutANamespaceLink) {
    FakeProc proc;
    proc.add(10, 0);
    fs::create_directories(fs::path(proc.root()) / "11");
    lp::NetnsEnumerator e;
    ASSERT_TRUE(e.scan(proc.root()));
    EXPECT_EQ(e.namespaces().size(), 1u);
    EXPECT_EQ(e.unreadable(), 1u);
}

TEST(NetnsEnumerator, RidesOnTheOwnerMapListing) {
    FakeProc proc;
    const auto a = proc.add(10, 0);
    const auto b = proc.add(20, 1);
    lp::NetnsEnumerator e;
    lp::OwnerMap owners(proc.root());
    owners.track_namespaces(&e);
    sstop::Sample sample;
    owners.attribute(sample);
    EXPECT_EQ(e.passes(), 1u);
    ASSERT_EQ(e.namespaces().size(), 2u);
    EXPECT_EQ(e.namespaces()[0].inode, std::min(a, b));
    owners.track_namespaces(nullptr);
    owners.attribute(sample);
    EXPECT_EQ(e.passes(), 1u);
}

TEST(NetnsIdentity, OwnAndInitialFromSelfAndPidOne) {
    FakeProc proc;
    const auto init = proc.add(1, 0);
    proc.add(7, 3, "self");
    lp::NetnsIdentity id = lp::read_netns_identity(proc.root());
    EXPECT_EQ(id.initial, init);
    EXPECT_EQ(id.own, proc.inode(3));
    EXPECT_FALSE(id.in_initial());
}

TEST(NetnsIdentity, FallsBackToKthreaddWhenPidOneIsUnreadable) {
    FakeProc proc;
    const auto init = proc.add(2, 0);  // parent 0: kthreadd
    proc.add(7, 0, "self");
    lp::NetnsIdentity id = lp::read_netns_identity(proc.root());
    EXPECT_EQ(id.initial, init);
    EXPECT_TRUE(id.in_initial());
}

TEST(NamespacesMode, ParsesTheThreeValuesOnly) {
    EXPECT_EQ(lp::parse_namespaces_mode("auto"), lp::NamespacesMode::Auto);
    EXPECT_EQ(lp::parse_namespaces_mode("own"), lp::NamespacesMode::Own);
    EXPECT_EQ(lp::parse_namespaces_mode("all"), lp::NamespacesMode::All);
    for (const char* bad : {"", "ALL", "Auto", "all ", "none", "own,all"})
        EXPECT_EQ(lp::parse_namespaces_mode(bad), std::nullopt) << bad;
}

TEST(NamespacesMode, AutoIsAllOnlyInTheInitialNamespace) {
    const lp::NetnsIdentity host{4026531840, 4026531840};
    const lp::NetnsIdentity container{4026532999, 4026531840};
    const lp::NetnsIdentity unknown{4026532999, 0};
    EXPECT_TRUE(lp::dumps_all_namespaces(lp::NamespacesMode::Auto, host));
    EXPECT_FALSE(lp::dumps_all_namespaces(lp::NamespacesMode::Auto, container));
    EXPECT_FALSE(lp::dumps_all_namespaces(lp::NamespacesMode::Auto, unknown));
    EXPECT_TRUE(lp::dumps_all_namespaces(lp::NamespacesMode::All, container));
    EXPECT_FALSE(lp::dumps_all_namespaces(lp::NamespacesMode::Own, host));
}

TEST(NetnsEnumerator, RealProcListsOurOwnNamespace) {
    lp::NetnsEnumerator e;
    ASSERT_TRUE(e.scan("/proc"));
    const auto own = lp::netns_inode("/proc/self/ns/net");
    ASSERT_NE(own, 0u);
    bool found = false;
    for (const auto& n : e.namespaces()) {
        if (n.inode != own) continue;
        found = true;
        EXPECT_EQ(lp::netns_inode("/proc/" + std::to_string(n.pid) + "/ns/net"), own);
    }
    EXPECT_TRUE(found);
}

}  // namespace
