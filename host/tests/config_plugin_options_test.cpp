// Plugin option resolution: a plugin's `plugins.<id>:` section checked against its schema.

#include <gtest/gtest.h>

#include <sstop/options.hpp>
#include <string>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace sstop::host {
namespace {

using namespace testing;
using namespace std::chrono_literals;

// ---- plugin options ---------------------------------------------------------------------

const sstop_option_v1 kSchema[] = {
    {"proc_root", SSTOP_OPTION_STRING, "/proc", 0, 0, "where procfs is mounted"},
    {"rescan", SSTOP_OPTION_DURATION, "1s", 0.1, 60, "how often to rescan, seconds"},
    {"ring_blocks", SSTOP_OPTION_INT, "64", 8, 1024, "ring size in blocks"},
    {"ratio", SSTOP_OPTION_DOUBLE, "0.5", 0, 1, "a fraction"},
    {"promiscuous", SSTOP_OPTION_BOOL, "false", 0, 0, "capture everything"},
    {"interfaces", SSTOP_OPTION_STRING_LIST, "[lo, eth0]", 0, 0, "interfaces to watch"},
    {"offset", SSTOP_OPTION_INT, "-5", 0, 0, "unbounded when min = max = 0"},
    {"mode", SSTOP_OPTION_CHOICE, "auto|own|all", 0, 0, "one of three words, auto first"},
};
constexpr std::uint32_t kSchemaCount = sizeof kSchema / sizeof kSchema[0];

Options resolve(std::string_view yaml) {
    return resolve_plugin_options(load_config_text(yaml, "p.yaml"), "afpacket", kSchema,
                                  kSchemaCount);
}

ConfigError resolve_error(std::string_view yaml) {
    try {
        resolve(yaml);
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "resolved without error: " << yaml;
    return ConfigError("", 0, 0, "", "");
}

TEST(PluginOptions, DefaultsFillEveryDeclaredOption) {
    const Options o = resolve_plugin_options(Config{}, "afpacket", kSchema, kSchemaCount);
    EXPECT_EQ(o.values.size(), kSchemaCount);
    EXPECT_EQ(o.get_string("proc_root"), "/proc");
    EXPECT_EQ(o.at("rescan").i, 1'000'000'000);
    EXPECT_DOUBLE_EQ(o.get_seconds("rescan"), 1.0);
    EXPECT_EQ(o.get_int("ring_blocks"), 64);
    EXPECT_DOUBLE_EQ(o.get_double("ratio"), 0.5);
    EXPECT_FALSE(o.get_bool("promiscuous"));
    EXPECT_EQ(o.get_list("interfaces"), (std::vector<std::string>{"lo", "eth0"}));
    EXPECT_EQ(o.get_int("offset"), -5);
    EXPECT_EQ(o.get_string("mode"), "auto");  // a choice's first word
    EXPECT_EQ(o.at("ring_blocks").type, SSTOP_OPTION_INT);
    EXPECT_EQ(o.at("mode").type, SSTOP_OPTION_CHOICE);
}

TEST(PluginOptions, ConfiguredValuesOverrideDefaults) {
    const Options o = resolve(
        "plugins:\n  afpacket:\n    rescan: 2.5s\n    ring_blocks: 1024\n    promiscuous: true\n"
        "    interfaces: [wlan0]\n    offset: -123456789012\n");
    EXPECT_EQ(o.at("rescan").i, 2'500'000'000);
    EXPECT_DOUBLE_EQ(o.get_seconds("rescan"), 2.5);
    EXPECT_EQ(o.get_int("ring_blocks"), 1024);
    EXPECT_TRUE(o.get_bool("promiscuous"));
    EXPECT_EQ(o.get_list("interfaces"), std::vector<std::string>{"wlan0"});
    EXPECT_EQ(o.get_int("offset"), -123456789012);
    EXPECT_EQ(o.get_string("proc_root"), "/proc");  // not configured: default
}

TEST(PluginOptions, ChoiceTakesOneOfItsWordsAndNamesThemOtherwise) {
    EXPECT_EQ(resolve("plugins:\n  afpacket:\n    mode: all\n").get_string("mode"), "all");
    EXPECT_EQ(resolve("plugins:\n  afpacket:\n    mode: own\n").get_string("mode"), "own");
    expect_error(resolve_error("plugins:\n  afpacket:\n    mode: every\n"), 3, 11,
                 "plugins.afpacket.mode", "expected one of auto own all, got 'every'");
    expect_error(resolve_error("plugins:\n  afpacket:\n    mode: awn\n"), 3, 11,
                 "plugins.afpacket.mode",
                 "expected one of auto own all, got 'awn' (did you mean 'own'?)");
    expect_error(resolve_error("plugins:\n  afpacket:\n    mode: [own]\n"), 3, 11,
                 "plugins.afpacket.mode", "expected one of auto own all, got a list");
}

TEST(PluginOptions, SectionOfAnotherPluginIsIgnored) {
    const Options o = resolve("plugins:\n  netlink:\n    ring_blocks: 9999\n");
    EXPECT_EQ(o.get_int("ring_blocks"), 64);
}

TEST(PluginOptions, IntOutOfRangeNamesKeyAndPosition) {
    expect_error(resolve_error("plugins:\n  afpacket:\n    ring_blocks: 4\n"), 3, 18,
                 "plugins.afpacket.ring_blocks", "must be between 8 and 1024, got 4");
}

TEST(PluginOptions, DurationRangeIsInSeconds) {
    expect_error(resolve_error("plugins:\n  afpacket:\n    rescan: 50ms\n"), 3, 13,
                 "plugins.afpacket.rescan", "must be between 100ms and 1m, got 50ms");
    EXPECT_EQ(resolve("plugins:\n  afpacket:\n    rescan: 1m\n").at("rescan").i, 60'000'000'000);
}

TEST(PluginOptions, DoubleOutOfRange) {
    expect_error(resolve_error("plugins:\n  afpacket:\n    ratio: 1.5\n"), 3, 12,
                 "plugins.afpacket.ratio", "must be between 0 and 1, got 1.5");
}

TEST(PluginOptions, WrongTypeNamesKeyAndPosition) {
    expect_error(resolve_error("plugins:\n  afpacket:\n    promiscuous: maybe\n"), 3, 18,
                 "plugins.afpacket.promiscuous", "expected true or false, got 'maybe'");
    expect_error(resolve_error("plugins:\n  afpacket:\n    interfaces: eth0\n"), 3, 17,
                 "plugins.afpacket.interfaces", "expected a list, e.g. [a, b], got 'eth0'");
    expect_error(resolve_error("plugins:\n  afpacket:\n    proc_root: [a]\n"), 3, 16,
                 "plugins.afpacket.proc_root", "expected a text value, got a list");
}

TEST(PluginOptions, UnknownKeySuggestsDeclaredOne) {
    expect_error(resolve_error("plugins:\n  afpacket:\n    rescn: 2s\n"), 3, 5,
                 "plugins.afpacket.rescn", "unknown key 'rescn' (did you mean 'rescan'?)");
}

TEST(PluginOptions, SectionThatIsNotAMappingIsAnError) {
    Config config;
    config.path = "c.yaml";
    config.plugin_sections["afpacket"] = YAML::Load("[1, 2]");
    try {
        resolve_plugin_options(config, "afpacket", kSchema, kSchemaCount);
        FAIL() << "no exception";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.key(), "plugins.afpacket");
        EXPECT_EQ(e.message(), "expected a mapping, got a list");
        EXPECT_EQ(e.line(), 1);
        EXPECT_EQ(e.column(), 1);
    }
}

TEST(PluginOptions, PluginWithoutOptionsTakesNoKeys) {
    const Config config = load_config_text("plugins:\n  procnet:\n    depth: 3\n", "p.yaml");
    EXPECT_TRUE(resolve_plugin_options(config, "netlink", nullptr, 0).values.empty());
    try {
        resolve_plugin_options(config, "procnet", nullptr, 0);
        FAIL() << "no exception";
    } catch (const ConfigError& e) {
        expect_error(e, 3, 5, "plugins.procnet.depth",
                     "unknown key 'depth' (plugin 'procnet' has no options)");
    }
}

TEST(PluginOptions, InvalidDefaultIsReportedAsPluginBug) {
    const sstop_option_v1 bad_format[] = {{"rescan", SSTOP_OPTION_DURATION, "fast", 0, 10, ""}};
    const sstop_option_v1 out_of_range[] = {{"blocks", SSTOP_OPTION_INT, "2000", 8, 1024, ""}};
    const sstop_option_v1 bad_type[] = {{"x", 42, "1", 0, 0, ""}};
    const sstop_option_v1 empty_word[] = {{"m", SSTOP_OPTION_CHOICE, "a||b", 0, 0, ""}};
    const sstop_option_v1 no_words[] = {{"m", SSTOP_OPTION_CHOICE, nullptr, 0, 0, ""}};
    const sstop_option_v1 twice[] = {{"m", SSTOP_OPTION_CHOICE, "a|b|a", 0, 0, ""}};
    const auto message = [](const sstop_option_v1* schema) {
        try {
            resolve_plugin_options(Config{}, "demo", schema, 1);
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no exception");
    };
    EXPECT_EQ(message(bad_format),
              "<built-in config>: plugins.demo.rescan: invalid default \"fast\" declared by plugin "
              "'demo' (a bug in the plugin): invalid duration \"fast\": expected a number with a "
              "unit (us, ms, s, m, h), e.g. 500ms or 2.5s");
    EXPECT_EQ(message(out_of_range),
              "<built-in config>: plugins.demo.blocks: invalid default \"2000\" declared by "
              "plugin 'demo' (a bug in the plugin): must be between 8 and 1024, got 2000");
    EXPECT_EQ(message(bad_type),
              "<built-in config>: plugins.demo.x: plugin 'demo' declares an invalid option (a "
              "bug in the plugin): unknown type 42");
    EXPECT_EQ(message(empty_word),
              "<built-in config>: plugins.demo.m: plugin 'demo' declares an invalid option (a "
              "bug in the plugin): choices \"a||b\" are not words separated by '|'");
    EXPECT_EQ(message(no_words),
              "<built-in config>: plugins.demo.m: plugin 'demo' declares an invalid option (a "
              "bug in the plugin): choices \"\" are not words separated by '|'");
    EXPECT_EQ(message(twice),
              "<built-in config>: plugins.demo.m: plugin 'demo' declares an invalid option (a "
              "bug in the plugin): choice 'a' listed twice");
}

}  // namespace
}  // namespace sstop::host
