// The loader as a user meets it: sstop lists every fixture plugin with its verdict, and keeps
// running when a plugin throws at creation or in every collection (it fails over to the next
// socket source and says so), or is unavailable.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
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
    expect("wrong-major/wrong-major.so", "skipped", "is not supported by this sstop");
    EXPECT_NE(line_of(fixture("wrong-major/wrong-major.so")).find("ABI 2."), std::string::npos);
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

/// Lines of `log` that contain `needle`, in order.
std::vector<std::string> lines_with(const std::string& log, const std::string& needle) {
    std::vector<std::string> out;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);)
        if (line.find(needle) != std::string::npos) out.push_back(line);
    return out;
}

/// Seqs that `id` logged as published, in order.
std::vector<int> published(const std::string& log, const std::string& id) {
    std::vector<int> seqs;
    const std::regex re(id + ": published ([0-9]+)");
    for (const auto& line : lines_with(log, id + ": published")) {
        std::smatch m;
        if (std::regex_search(line, m, re)) seqs.push_back(std::stoi(m[1]));
    }
    return seqs;
}

TEST(PluginsE2E, ConfiguredExportersRunAndTheirFailuresAreContained) {
    char dir_template[] = "/tmp/sstop-exporters-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    const std::string dir = dir_template;
    const std::string config = dir + "/sstop.yaml", log_path = dir + "/sstop.log";
    std::ofstream(config) << "exporters: [good-exporter, unavailable-exporter, "
                             "throws-in-publish, slow-exporter, not-installed]\n"
                             "log_file: "
                          << log_path << "\n";
    int rc = 0;
    std::string err;
    const std::string out =
        run_capture(with_fixtures({sstop_binary(), "--config", config, "--json", "--count", "12",
                                   "--interval", "100ms", "--sources", "good-source"},
                                  {"good-source", "good-exporter", "unavailable-exporter",
                                   "throws-in-publish", "slow-exporter"}),
                    &rc, std::chrono::seconds(30), &err);
    std::ifstream in(log_path);
    const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::remove(config.c_str());
    std::remove(log_path.c_str());
    rmdir(dir.c_str());

    // Every output line still came: no exporter's failure or slowness cost a snapshot.
    ASSERT_EQ(rc, 0) << err;
    EXPECT_EQ(lines_with(out, "\"seq\":").size(), 12u) << out;
    // One clear line each for the exporter that cannot start and the one not installed.
    EXPECT_NE(err.find("exporter 'unavailable-exporter' unavailable: cannot listen on "
                       "127.0.0.1:1: on purpose"),
              std::string::npos)
        << err;
    EXPECT_NE(err.find("exporter 'not-installed' is not installed"), std::string::npos) << err;
    EXPECT_EQ(published(log, "unavailable-exporter").size(), 0u) << log;
    EXPECT_EQ(lines_with(log, "unavailable-exporter: destroyed").size(), 1u) << log;

    // The good exporter: started, got snapshots in order, stopped, destroyed.
    const std::vector<int> good = published(log, "good-exporter");
    ASSERT_FALSE(good.empty()) << log;
    EXPECT_TRUE(std::is_sorted(good.begin(), good.end())) << log;
    EXPECT_LT(log.find("good-exporter: started"), log.find("good-exporter: published"));
    EXPECT_LT(log.rfind("good-exporter: published"), log.find("good-exporter: stopped"));
    EXPECT_LT(log.find("good-exporter: stopped"), log.find("good-exporter: destroyed"));

    // The one that throws on its second snapshot is disabled after it, with its message.
    EXPECT_NE(err.find("exporter 'throws-in-publish' disabled: publish failed on purpose"),
              std::string::npos)
        << err;
    EXPECT_EQ(published(log, "throws-in-publish").size(), 1u) << log;
    EXPECT_EQ(lines_with(log, "throws-in-publish: stopped").size(), 1u) << log;

    // The slow one (1 s per snapshot) is handed the newest snapshot each time it is free, so
    // it skips the ones it was too slow for instead of queueing them.
    const std::vector<int> slow = published(log, "slow-exporter");
    ASSERT_GE(slow.size(), 2u) << log;
    EXPECT_GT(slow[1] - slow[0], 1) << log;
    EXPECT_EQ(lines_with(log, "slow-exporter: destroyed").size(), 1u) << log;
}

}  // namespace
}  // namespace sstop::testing
