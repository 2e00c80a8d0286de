#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "plugin/registry.hpp"

namespace sstop::host {
namespace {

std::vector<std::string> paths_of(const std::vector<SearchDir>& dirs) {
    std::vector<std::string> out;
    for (const auto& d : dirs) out.push_back(d.path);
    return out;
}

std::vector<std::string> origins_of(const std::vector<SearchDir>& dirs) {
    std::vector<std::string> out;
    for (const auto& d : dirs) out.push_back(d.origin);
    return out;
}

TEST(SearchDirs, FollowTheDocumentedOrderWithOrigins) {
    const auto dirs = plugin_search_dirs({"/cli"}, {"/conf"}, "/env1:/env2", "/opt/sstop/bin/sstop",
                                         "/usr/lib/sstop/plugins");
    EXPECT_EQ(paths_of(dirs),
              (std::vector<std::string>{"/cli", "/conf", "/env1", "/env2",
                                        "/opt/sstop/lib/sstop/plugins", "/usr/lib/sstop/plugins"}));
    EXPECT_EQ(origins_of(dirs), (std::vector<std::string>{"--plugin-path", "config", "env", "env",
                                                          "build tree", "install"}));
}

TEST(SearchDirs, RelativePathsAreMadeAbsoluteAgainstTheCurrentDirectory) {
    const auto dirs = plugin_search_dirs({"rel/plugins"}, {}, nullptr, "", "");
    ASSERT_EQ(dirs.size(), 1u);
    EXPECT_EQ(dirs[0].path, (std::filesystem::current_path() / "rel/plugins").string());
}

TEST(SearchDirs, ANamedDirectoryThatDoesNotExistIsSaidOnce) {
    std::vector<std::string> notices;
    const std::string existing = std::filesystem::temp_directory_path().string();
    const auto dirs =
        plugin_search_dirs({"/nonexistent-sstop-cli", existing}, {"/nonexistent-sstop-conf"},
                           "/nonexistent-env", "", "/nonexistent-install", false, notices);
    EXPECT_EQ(dirs.size(), 5u);  // still searched (it may appear later), just reported
    EXPECT_EQ(notices, (std::vector<std::string>{
                           "--plugin-path /nonexistent-sstop-cli: not a directory",
                           "plugins.paths: /nonexistent-sstop-conf: not a directory"}));
}

TEST(SearchDirs, DuplicatesKeepTheFirstOccurrence) {
    const auto dirs = plugin_search_dirs({"/a/", "/b"}, {"/a"}, "/b/./:/a/x/..", "/a/bin/sstop",
                                         "/a/lib/sstop/plugins");
    EXPECT_EQ(paths_of(dirs), (std::vector<std::string>{"/a", "/b", "/a/lib/sstop/plugins"}));
    EXPECT_EQ(origins_of(dirs),
              (std::vector<std::string>{"--plugin-path", "--plugin-path", "build tree"}));
}

TEST(SearchDirs, EmptyEnvEntriesAndMissingInputsAreSkipped) {
    EXPECT_EQ(paths_of(plugin_search_dirs({}, {}, "::/x:", "", "")),
              std::vector<std::string>{"/x"});
    EXPECT_TRUE(plugin_search_dirs({}, {}, nullptr, "", "").empty());
    EXPECT_TRUE(plugin_search_dirs({}, {}, "", "", "").empty());
}

}  // namespace
}  // namespace sstop::host
