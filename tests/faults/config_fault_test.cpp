// Hostile config files through the binary: each must end in exit 2 with exactly one line on
// stderr that names the file, line and column. The parser's own unit tests
// (host/tests/config_test.cpp) check the messages; this checks that the binary keeps its
// promise for the worst inputs, without crashing, hanging or printing yaml-cpp's own text.

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <regex>
#include <string>

#include "netns.hpp"

namespace sstop::testing {
namespace {

struct HostileConfig {
    const char* name;
    std::string (*body)();
    // A file refused before parsing (too large) has no position to give: "file: message".
    bool positioned = true;
};

std::string ten_megabytes() {
    std::string s;
    s.reserve(10 * 1024 * 1024 + 16);
    while (s.size() < 10 * 1024 * 1024) s += "interval: 1s # padding padding padding padding\n";
    return s;
}
std::string deep_flow_nesting() {
    return "aggregator: " + std::string(10000, '[') + std::string(10000, ']') + "\n";
}
std::string deep_flow_mapping() {
    std::string s = "aggregator: ";
    for (int i = 0; i < 10000; ++i) s += "{a: ";
    s += "1";
    s += std::string(10000, '}');
    return s + "\n";
}
std::string binary_file() {
    std::mt19937 rng(42);
    std::string s(4096, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    s[100] = '\0';  // a NUL for certain
    return s;
}
std::string duration_as_word() { return "interval: fast\n"; }
std::string scalar_for_list() { return "sources: netlink\n"; }
std::string list_for_mapping() { return "aggregator: [1, 2]\n"; }
std::string string_for_int() { return "dns:\n  workers: many\n"; }
std::string bool_as_number() { return "dns:\n  enabled: 7\n"; }

const HostileConfig kCases[] = {
    {"ten_megabytes", ten_megabytes, false},  {"deep_flow_nesting", deep_flow_nesting},
    {"deep_flow_mapping", deep_flow_mapping}, {"binary_file", binary_file},
    {"duration_as_word", duration_as_word},   {"scalar_for_list", scalar_for_list},
    {"list_for_mapping", list_for_mapping},   {"string_for_int", string_for_int},
    {"bool_as_number", bool_as_number},
};

TEST(ConfigFaults, EachHostileFileExitsTwoWithOneFileLineColumnLine) {
    for (const auto& c : kCases) {
        SCOPED_TRACE(c.name);
        const std::string path = ::testing::TempDir() + "sstop-hostile-" +
                                 std::to_string(getpid()) + "-" + c.name + ".yaml";
        {
            std::ofstream f(path, std::ios::binary);
            f << c.body();
        }
        int rc = 0;
        std::string err;
        run_capture({sstop_binary(), "--config", path, "--json", "--once"}, &rc,
                    std::chrono::seconds(20), &err);
        EXPECT_EQ(rc, 2) << err;
        const std::string quoted = std::regex_replace(path, std::regex(R"([.+])"), R"(\$&)");
        const std::regex one_line("sstop: " + quoted +
                                  (c.positioned ? R"(:[0-9]+:[0-9]+: [^\n]+\n)" : R"(: [^\n]+\n)"));
        EXPECT_TRUE(std::regex_match(err, one_line)) << "stderr: " << err.substr(0, 500);
        std::remove(path.c_str());
    }
}

}  // namespace
}  // namespace sstop::testing
