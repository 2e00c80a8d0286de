// The loader as a user meets it: sstop lists every fixture plugin with its verdict, and keeps
// running when a plugin throws at creation or in every collection (it fails over to the next
// socket source and says so), or is unavailable.

#include <gtest/gtest.h>

#include <string>

#include "netns.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;

std::string fixture(const std::string& name) {
    return std::string(SSTOP_BINARY_DIR) + "/tests/fixture-plugins/" + name;
}

std::vector<std::string> with_fixtures(std::vector<std::string> args,
                                       const std::vector<std::string>& dirs) {
    for (const auto& d : dirs) {
        args.push_back("--plugin-path");
        args.push_back(fixture(d));
    }
    return args;
}

TEST(PluginsE2E, ListPluginsGivesEveryFileItsVerdict) {
    const std::vector<std::string> dirs{
        "good-source",     "good-view", "good-exporter", "wrong-major",      "newer-minor",
        "wrong-build-key", "no-entry",  "not-a-library", "throws-on-create", "duplicate"};
    int rc = 0;
    std::string err;
    std::string out = run_capture(with_fixtures({sstop_binary(), "--list-plugins"}, dirs), &rc,
                                  std::chrono::seconds(20), &err);
    ASSERT_EQ(rc, 0) << err;
    auto line_of = [&](const std::string& path_part) {
        auto pos = out.find(path_part);
        if (pos == std::string::npos) return std::string("(no line for " + path_part + ")");
        auto start = out.rfind('\n', pos) + 1;
        return out.substr(start, out.find('\n', pos) - start);
    };
    auto expect = [&](const std::string& file, const std::string& verdict,
                      const std::string& reason_part) {
        std::string line = line_of(fixture(file));
        EXPECT_NE(line.find(verdict), std::string::npos) << line;
        EXPECT_NE(line.find(reason_part), std::string::npos) << line;
    };
    expect("good-source/good-source.so", "loaded", "");
    expect("good-view/good-view.so", "loaded", "view");
    expect("good-exporter/good-exporter.so", "loaded", "exporter");
    expect("wrong-major/wrong-major.so", "skipped", "ABI 2.0");
    expect("newer-minor/newer-minor.so", "skipped", "1.99");
    expect("wrong-build-key/wrong-build-key.so", "skipped", "gcc-4");
    expect("no-entry/no-entry.so", "skipped", "sstop_plugin_v1");
    expect("not-a-library/not-a-library.so", "skipped", "not");
    expect("duplicate/good-source.so", "skipped", "duplicate");
    // throws-on-create passes every check: it is only created when used.
    expect("throws-on-create/throws-on-create.so", "loaded", "");
}

TEST(PluginsE2E, ThrowingSocketSourceIsDisabledAndSstopFailsOver) {
    int rc = 0;
    std::string err;
    std::string out =
        run_capture(with_fixtures({sstop_binary(), "--json", "--count", "2", "--interval", "100ms",
                                   "--sources", "throws-in-collect,good-source"},
                                  {"throws-in-collect", "good-source"}),
                    &rc, std::chrono::seconds(20), &err);
    ASSERT_EQ(rc, 0) << err;
    EXPECT_NE(err.find("throws-in-collect disabled: collect failed on purpose"), std::string::npos)
        << err;
    EXPECT_NE(err.find("switched to good-source"), std::string::npos) << err;
    std::vector<json> lines;
    std::size_t start = 0, nl;
    while ((nl = out.find('\n', start)) != std::string::npos) {
        lines.push_back(json::parse(out.substr(start, nl - start)));
        start = nl + 1;
    }
    ASSERT_EQ(lines.size(), 2u) << out;
    EXPECT_EQ(lines.back()["sources"], json::array({"good-source"}));
    bool noticed = false;
    for (const auto& n : lines.back()["notices"])
        noticed |= n.get<std::string>().find("throws-in-collect disabled") != std::string::npos;
    EXPECT_TRUE(noticed) << lines.back()["notices"];
}

TEST(PluginsE2E, PluginThatThrowsOnCreateIsSkippedWithItsMessage) {
    int rc = 0;
    std::string err;
    run_capture(with_fixtures({sstop_binary(), "--json", "--once", "--interval", "100ms",
                               "--sources", "throws-on-create,good-source"},
                              {"throws-on-create", "good-source"}),
                &rc, std::chrono::seconds(20), &err);
    EXPECT_EQ(rc, 0) << err;
    EXPECT_NE(err.find("fixture refused to start"), std::string::npos) << err;
}

TEST(PluginsE2E, OnlyAnUnavailableSourceExitsThreeWithItsReason) {
    int rc = 0;
    std::string err;
    run_capture(with_fixtures({sstop_binary(), "--json", "--once", "--sources", "unavailable"},
                              {"unavailable"}),
                &rc, std::chrono::seconds(20), &err);
    EXPECT_EQ(rc, 3);
    EXPECT_NE(err.find("unavailable: needs CAP_NET_RAW"), std::string::npos) << err;
}

}  // namespace
}  // namespace sstop::testing
