// Trust checks of the plugin loader when running elevated (PluginTrust::enforce): who may own a
// plugin file and every directory above it, which modes are refused, symbolic links, and the
// race between checking a file and loading it. Files are made in scratch directories under
// /tmp (sticky, root-owned) and chown'ed to uid 65534, so the tests need root.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "plugin/registry.hpp"

namespace sstop::host {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr uid_t kNobody = 65534;

std::string fixture_file(const std::string& dir, const std::string& id) {
    return std::string(SSTOP_FIXTURE_ROOT) + "/" + dir + "/" + id + ".so";
}

/// A scratch directory under /tmp unique to this process and test, removed even on failure.
class ScratchDir {
  public:
    explicit ScratchDir(const std::string& name)
        : path_(fs::path("/tmp") / ("sstop-trust-" + std::to_string(::getpid()) + "-" + name)) {
        fs::remove_all(path_);
        fs::create_directories(path_);
        fs::permissions(path_, fs::perms(0755));
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

PluginTrust enforced(std::vector<std::uint32_t> owners = {}) {
    return PluginTrust{true, std::move(owners)};
}

/// Copies the good-source fixture into `dir` (mode 0755) and returns its path.
fs::path put_plugin(const fs::path& dir) {
    fs::create_directories(dir);
    const fs::path copy = dir / "good-source.so";
    fs::copy_file(fixture_file("good-source", "good-source"), copy,
                  fs::copy_options::overwrite_existing);
    fs::permissions(copy, fs::perms(0755));
    return copy;
}

PluginFile verdict(const PluginTrust& trust, const fs::path& dir) {
    PluginRegistry registry(trust);
    registry.discover({SearchDir{dir.string(), "test"}});
    EXPECT_EQ(registry.files().size(), 1u);
    return registry.files().empty() ? PluginFile{} : registry.files().front();
}

class Trust : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (chown)";
    }
};

TEST(TrustSearchDirs, ElevatedIgnoresThePluginPathVariableWithOneNotice) {
    std::vector<std::string> notices;
    const auto dirs =
        plugin_search_dirs({"/cli"}, {"/conf"}, "/env1:/cli", "", "/inst", true, notices);
    std::vector<std::string> paths;
    std::vector<std::string> origins;
    for (const auto& d : dirs) {
        paths.push_back(d.path);
        origins.push_back(d.origin);
    }
    // /env1 is gone; /cli stays because --plugin-path names it too.
    EXPECT_EQ(paths, (std::vector<std::string>{"/cli", "/conf", "/inst"}));
    EXPECT_EQ(origins, (std::vector<std::string>{"--plugin-path", "config", "install"}));
    // One notice about the variable (the made-up /cli and /conf get their own "not a
    // directory" lines).
    EXPECT_EQ(std::count(notices.begin(), notices.end(),
                         "SSTOP_PLUGIN_PATH ignored while running with elevated privileges; use "
                         "--plugin-path"),
              1);
}

TEST(TrustSearchDirs, NotElevatedKeepsTheVariableAndSaysNothing) {
    std::vector<std::string> notices;
    const auto dirs = plugin_search_dirs({}, {}, "/env1", "", "", false, notices);
    ASSERT_EQ(dirs.size(), 1u);
    EXPECT_EQ(dirs[0].origin, "env");
    EXPECT_TRUE(notices.empty());
    // Elevated with the variable unset or empty: nothing to say.
    plugin_search_dirs({}, {}, nullptr, "", "", true, notices);
    plugin_search_dirs({}, {}, "::", "", "", true, notices);
    EXPECT_TRUE(notices.empty());
}

TEST_F(Trust, RootOwnedFileInRootOwnedDirUnderStickyTmpLoads) {
    ScratchDir scratch("ok");
    put_plugin(scratch.path());
    const PluginFile file = verdict(enforced(), scratch.path());
    EXPECT_TRUE(file.loaded) << file.reason;
    EXPECT_EQ(file.version, "1.0.0");
}

TEST_F(Trust, FileOwnedByAnotherUserIsRefusedNamingItsOwner) {
    ScratchDir scratch("owner");
    const fs::path copy = put_plugin(scratch.path());
    ASSERT_EQ(::chown(copy.c_str(), kNobody, kNobody), 0);
    const PluginFile file = verdict(enforced(), scratch.path());
    EXPECT_FALSE(file.loaded);
    EXPECT_EQ(file.reason, copy.string() +
                               " is owned by uid 65534, not by root (refused when running with "
                               "elevated privileges)");
    EXPECT_EQ(file.version, "") << "a refused file must not have been loaded";
}

TEST_F(Trust, TheExecutablesOwnerIsTrustedLikeRoot) {
    ScratchDir scratch("exe-owner");
    const fs::path dir = scratch.path() / "plugins";
    const fs::path copy = put_plugin(dir);
    ASSERT_EQ(::chown(dir.c_str(), kNobody, kNobody), 0);
    ASSERT_EQ(::chown(copy.c_str(), kNobody, kNobody), 0);
    const PluginFile file = verdict(enforced({kNobody}), dir);
    EXPECT_TRUE(file.loaded) << file.reason;
    // Another owner is still refused, and the message names who would have been trusted.
    const PluginFile other = verdict(enforced({1234}), dir);
    EXPECT_FALSE(other.loaded);
    EXPECT_THAT(other.reason, HasSubstr(dir.string() + " is owned by uid 65534, not by root or "
                                                       "uid 1234"));
}

TEST_F(Trust, GroupWritableFileIsRefused) {
    ScratchDir scratch("group");
    const fs::path copy = put_plugin(scratch.path());
    fs::permissions(copy, fs::perms(0775));
    const PluginFile file = verdict(enforced(), scratch.path());
    EXPECT_FALSE(file.loaded);
    EXPECT_EQ(file.reason, copy.string() +
                               " is writable by group or others (refused when running with "
                               "elevated privileges)");
}

TEST_F(Trust, WorldWritableParentDirectoryIsRefused) {
    ScratchDir scratch("parent");
    const fs::path dir = scratch.path() / "a" / "plugins";
    put_plugin(dir);
    fs::permissions(scratch.path() / "a", fs::perms(0777));
    const PluginFile file = verdict(enforced(), dir);
    EXPECT_FALSE(file.loaded);
    EXPECT_THAT(file.reason,
                HasSubstr((scratch.path() / "a").string() + " is writable by group or others"));
}

TEST_F(Trust, DirectoryAboveOwnedByAnotherUserIsRefused) {
    ScratchDir scratch("dir-owner");
    const fs::path dir = scratch.path() / "plugins";
    put_plugin(dir);
    ASSERT_EQ(::chown(scratch.path().c_str(), kNobody, kNobody), 0);
    const PluginFile file = verdict(enforced(), dir);
    EXPECT_FALSE(file.loaded);
    EXPECT_THAT(file.reason, HasSubstr(scratch.path().string() + " is owned by uid 65534"));
}

TEST_F(Trust, StickyDirectoryIsFineOnlyWhenTheEntryInItIsTrusted) {
    ScratchDir scratch("sticky");
    const fs::path dir = scratch.path() / "plugins";
    put_plugin(dir);
    fs::permissions(scratch.path(), fs::perms(01777));
    EXPECT_TRUE(verdict(enforced(), dir).loaded);
    ASSERT_EQ(::chown(dir.c_str(), kNobody, kNobody), 0);
    const PluginFile file = verdict(enforced(), dir);
    EXPECT_FALSE(file.loaded);
    EXPECT_THAT(file.reason, HasSubstr(dir.string() + " is owned by uid 65534"));
}

TEST_F(Trust, SymbolicLinkToAPluginIsRefused) {
    ScratchDir scratch("symlink");
    const fs::path real = put_plugin(scratch.path() / "real");
    const fs::path dir = scratch.path() / "plugins";
    fs::create_directories(dir);
    fs::create_symlink(real, dir / "good-source.so");
    const PluginFile file = verdict(enforced(), dir);
    EXPECT_FALSE(file.loaded);
    EXPECT_EQ(file.reason, (dir / "good-source.so").string() +
                               " is a symbolic link (refused when running with elevated "
                               "privileges)");
}

TEST_F(Trust, NotEnforcedKeepsTodaysBehaviour) {
    ScratchDir scratch("relaxed");
    const fs::path copy = put_plugin(scratch.path());
    fs::permissions(copy, fs::perms(0666));
    ASSERT_EQ(::chown(copy.c_str(), kNobody, kNobody), 0);
    const PluginFile file = verdict(PluginTrust{}, scratch.path());
    EXPECT_TRUE(file.loaded) << file.reason;
}

TEST_F(Trust, DefaultPolicyTrustsTheExecutablesOwner) {
    // plugin_trust() adds the owner of /proc/self/exe unless that is root.
    struct stat st {};
    ASSERT_EQ(::stat("/proc/self/exe", &st), 0);
    const PluginTrust trust = plugin_trust(true);
    EXPECT_TRUE(trust.enforce);
    if (st.st_uid == 0)
        EXPECT_TRUE(trust.owners.empty());
    else
        EXPECT_EQ(trust.owners, std::vector<std::uint32_t>{st.st_uid});
    EXPECT_FALSE(plugin_trust(false).enforce);
}

// A thread keeps swapping a trusted and an untrusted build of the same plugin under one name
// with rename(); discovery checks and loads many times. Whatever wins, the library loaded must
// be the one that was checked: the untrusted build (mode 0666, version "untrusted") must never
// even have its entry point read.
TEST_F(Trust, FileSwappedBetweenCheckAndLoadIsNeverTheOneLoaded) {
    ScratchDir scratch("race");
    const fs::path dir = scratch.path() / "plugins";
    const fs::path store = scratch.path() / "store";
    fs::create_directories(dir);
    fs::create_directories(store);
    const fs::path trusted = store / "trusted.so";
    const fs::path untrusted = store / "untrusted.so";
    fs::copy_file(fixture_file("swap-trusted", "swap"), trusted);
    fs::copy_file(fixture_file("swap-untrusted", "swap"), untrusted);
    fs::permissions(trusted, fs::perms(0755));
    fs::permissions(untrusted, fs::perms(0666));
    const fs::path target = dir / "swap.so";
    fs::copy_file(trusted, target);
    fs::permissions(target, fs::perms(0755));

    std::atomic<bool> stop{false};
    std::atomic<long> swaps{0};
    std::thread swapper([&] {
        const fs::path staging = store / "staging.so";
        for (bool pick = false; !stop.load(std::memory_order_relaxed); pick = !pick) {
            // A fresh hard link of either build, renamed over the plugin: atomic for readers.
            ::unlink(staging.c_str());
            if (::link((pick ? untrusted : trusted).c_str(), staging.c_str()) != 0) continue;
            if (::rename(staging.c_str(), target.c_str()) == 0) swaps.fetch_add(1);
        }
    });

    int loaded_trusted = 0;
    int refused = 0;
    int loaded_untrusted = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (int i = 0; i < 2000 && std::chrono::steady_clock::now() < deadline; ++i) {
        PluginRegistry registry(enforced());
        registry.discover({SearchDir{dir.string(), "test"}});
        if (registry.files().empty()) continue;  // caught between unlink and rename
        const PluginFile& file = registry.files().front();
        if (file.version == "untrusted") ++loaded_untrusted;
        if (file.loaded && file.version == "trusted") ++loaded_trusted;
        if (!file.loaded && file.version.empty()) ++refused;
    }
    stop = true;
    swapper.join();
    EXPECT_EQ(loaded_untrusted, 0) << "the swapped-in file was loaded after the check";
    // Both outcomes happened, so the race really was exercised.
    EXPECT_GT(loaded_trusted, 0);
    EXPECT_GT(refused, 0);
    EXPECT_GT(swaps.load(), 0);
}

}  // namespace
}  // namespace sstop::host
