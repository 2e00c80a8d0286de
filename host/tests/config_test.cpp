// Config loading and validation: defaults, every error case with its exact position, plugin
// option resolution, and where the file is looked for.

#include "config/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

namespace sstop::host {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string fixture(const std::string& name) {
    return std::string(SSTOP_SOURCE_DIR) + "/tests/data/config/" + name;
}

// The error a file produces; fails the test when it loads.
ConfigError file_error(const std::string& path) {
    try {
        load_config_file(path);
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << path << " loaded without error";
    return ConfigError("", 0, 0, "", "");
}

ConfigError text_error(std::string_view text) {
    try {
        load_config_text(text, "test.yaml");
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "loaded without error: " << text;
    return ConfigError("", 0, 0, "", "");
}

// A directory under /tmp named after the test and pid, removed even when the test fails.
class TempDir {
  public:
    TempDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = fs::temp_directory_path() /
                ("sstop-config-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }
    std::string write(const std::string& relative, std::string_view content) const {
        const fs::path file = path_ / relative;
        fs::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary)
            .write(content.data(), static_cast<std::streamsize>(content.size()));
        return file.string();
    }

  private:
    fs::path path_;
};

void expect_error(const ConfigError& e, int line, int column, const std::string& key,
                  const std::string& message) {
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.column(), column) << e.what();
    EXPECT_EQ(e.key(), key) << e.what();
    EXPECT_EQ(e.message(), message) << e.what();
}

void expect_default_values(const Config& c) {
    const Config d;
    EXPECT_EQ(c.interval, d.interval);
    EXPECT_EQ(c.sources, d.sources);
    EXPECT_EQ(c.views, d.views);
    EXPECT_EQ(c.exporters, d.exporters);
    EXPECT_EQ(c.plugin_paths, d.plugin_paths);
    EXPECT_EQ(c.plugin_disable, d.plugin_disable);
    EXPECT_EQ(c.aggregator.ema_alpha, d.aggregator.ema_alpha);
    EXPECT_EQ(c.aggregator.stale_after_s, d.aggregator.stale_after_s);
    EXPECT_EQ(c.aggregator.max_sockets, d.aggregator.max_sockets);
    EXPECT_EQ(c.aggregator.max_flows, d.aggregator.max_flows);
    EXPECT_EQ(c.aggregator.max_processes, d.aggregator.max_processes);
    EXPECT_EQ(c.aggregator.max_remote_hosts, d.aggregator.max_remote_hosts);
    EXPECT_EQ(c.aggregator.process_history, d.aggregator.process_history);
    EXPECT_EQ(c.aggregator.system_history, d.aggregator.system_history);
    EXPECT_EQ(c.dns.enabled, d.dns.enabled);
    EXPECT_EQ(c.dns.workers, d.dns.workers);
    EXPECT_EQ(c.dns.queue_size, d.dns.queue_size);
    EXPECT_EQ(c.dns.cache_size, d.dns.cache_size);
    EXPECT_EQ(c.dns.ttl, d.dns.ttl);
    EXPECT_EQ(c.dns.negative_ttl, d.dns.negative_ttl);
    EXPECT_EQ(c.dns.timeout, d.dns.timeout);
    EXPECT_EQ(c.dns.hosts_file, d.dns.hosts_file);
    EXPECT_EQ(c.ui.theme, d.ui.theme);
    EXPECT_EQ(c.ui.unicode, d.ui.unicode);
    EXPECT_EQ(c.ui.mouse, d.ui.mouse);
    EXPECT_EQ(c.ui.summary, d.ui.summary);
    EXPECT_EQ(c.history.enabled, d.history.enabled);
    EXPECT_EQ(c.history.path, d.history.path);
    EXPECT_EQ(c.history.service, d.history.service);
    EXPECT_EQ(c.history.retention, d.history.retention);
    EXPECT_EQ(c.history.flush_interval, d.history.flush_interval);
    EXPECT_EQ(c.ui.colors, d.ui.colors);
    EXPECT_EQ(c.log_file, d.log_file);
    EXPECT_TRUE(c.plugin_sections.empty());
}

// ---- ConfigError ---------------------------------------------------------------------------

TEST(ConfigError, WhatIsFileLineColumnKeyMessage) {
    const ConfigError e("a.yaml", 3, 7, "dns.timeout", "too long");
    EXPECT_STREQ(e.what(), "a.yaml:3:7: dns.timeout: too long");
}

TEST(ConfigError, WhatOmitsUnknownPositionAndEmptyKey) {
    EXPECT_STREQ(ConfigError("a.yaml", 0, 0, "", "cannot read: x").what(),
                 "a.yaml: cannot read: x");
    EXPECT_STREQ(ConfigError("a.yaml", 2, 5, "", "YAML syntax error: y").what(),
                 "a.yaml:2:5: YAML syntax error: y");
}

// ---- defaults and valid files ---------------------------------------------------------------

TEST(Config, EmptyFileGivesDefaults) {
    const Config c = load_config_file(fixture("empty.yaml"));
    EXPECT_EQ(c.path, fixture("empty.yaml"));
    expect_default_values(c);
}

TEST(Config, CommentsOnlyFileGivesDefaults) {
    expect_default_values(load_config_file(fixture("comments_only.yaml")));
}

TEST(Config, ShippedFileEqualsBuiltInDefaults) {
    const Config c = load_config_file(std::string(SSTOP_SOURCE_DIR) + "/config/sstop.yaml");
    expect_default_values(c);
}

TEST(Config, BuiltInDefaultsAreTheDocumentedOnes) {
    const Config d;
    EXPECT_EQ(d.interval, 1s);
    EXPECT_EQ(d.sources, (std::vector<std::string>{"ebpf", "netlink", "procnet", "afpacket"}));
    EXPECT_EQ(d.views,
              (std::vector<std::string>{"processes", "hosts", "ports", "groups", "history"}));
    EXPECT_TRUE(d.exporters.empty());
    EXPECT_DOUBLE_EQ(d.aggregator.ema_alpha, 0.3);
    EXPECT_DOUBLE_EQ(d.aggregator.stale_after_s, 30);
    EXPECT_EQ(d.aggregator.max_sockets, 262144u);
    EXPECT_EQ(d.aggregator.max_processes, 32768u);
    EXPECT_EQ(d.dns.ttl, 5min);
    EXPECT_EQ(d.ui.theme, "tokyo-night");
}

TEST(Config, HistorySectionIsReadAndChecked) {
    const Config d;
    EXPECT_TRUE(d.history.enabled);
    EXPECT_EQ(d.history.path, "");
    EXPECT_EQ(d.history.retention, std::chrono::hours(24 * 90));
    EXPECT_EQ(d.history.flush_interval, 1min);
    const Config c = load_config_text(
        "history: {enabled: false, path: /x/h.db, service: true, retention: 30d, "
        "flush_interval: 2s}\n",
        "t.yaml");
    EXPECT_FALSE(c.history.enabled);
    EXPECT_EQ(c.history.path, "/x/h.db");
    EXPECT_TRUE(c.history.service);
    EXPECT_EQ(c.history.retention, std::chrono::hours(24 * 30));
    EXPECT_EQ(c.history.flush_interval, 2s);
    for (const char* bad : {"history: {retention: 1d}\n", "history: {retention: 7}\n",
                            "history: {flush_interval: 2h}\n", "history: {enabeld: true}\n"}) {
        EXPECT_THROW(load_config_text(bad, "t.yaml"), ConfigError) << bad;
    }
}

TEST(Config, UiSummaryIsABool) {
    EXPECT_FALSE(Config{}.ui.summary);
    EXPECT_TRUE(load_config_text("ui:\n  summary: true\n", "t.yaml").ui.summary);
    EXPECT_THROW(load_config_text("ui:\n  summary: often\n", "t.yaml"), ConfigError);
}

TEST(Config, DnsHostsFileIsAPathOrEmpty) {
    EXPECT_EQ(Config{}.dns.hosts_file, "/etc/hosts");
    EXPECT_EQ(load_config_text("dns:\n  hosts_file: /tmp/my-hosts\n", "t.yaml").dns.hosts_file,
              "/tmp/my-hosts");
    EXPECT_EQ(load_config_text("dns:\n  hosts_file: \"\"\n", "t.yaml").dns.hosts_file, "");
    EXPECT_THROW(load_config_text("dns:\n  hosts_file: [a, b]\n", "t.yaml"), ConfigError);
}

TEST(Config, ValidFileSetsEveryKind) {
    const Config c = load_config_file(fixture("valid.yaml"));
    EXPECT_EQ(c.interval, 500ms);
    EXPECT_EQ(c.sources, std::vector<std::string>{"procnet"});
    EXPECT_EQ(c.views, (std::vector<std::string>{"processes", "ports"}));
    EXPECT_EQ(c.exporters, std::vector<std::string>{"json"});
    EXPECT_EQ(c.plugin_paths, std::vector<std::string>{"/opt/sstop/plugins"});
    EXPECT_EQ(c.plugin_disable, std::vector<std::string>{"afpacket"});
    EXPECT_DOUBLE_EQ(c.aggregator.ema_alpha, 0.5);
    EXPECT_DOUBLE_EQ(c.aggregator.stale_after_s, 60);
    EXPECT_EQ(c.aggregator.max_sockets, 4096u);
    EXPECT_EQ(c.aggregator.max_flows, 262144u);  // untouched keys keep their defaults
    EXPECT_FALSE(c.dns.enabled);
    EXPECT_EQ(c.dns.timeout, 250ms);
    EXPECT_EQ(c.dns.workers, 2u);
    EXPECT_EQ(c.ui.theme, "gruvbox");
    EXPECT_EQ(c.ui.unicode, "never");
    EXPECT_FALSE(c.ui.mouse);
    EXPECT_EQ(c.ui.colors.at("rx"), "#9ece6a");
    EXPECT_EQ(c.ui.colors.at("tx"), "#F7768E");
    EXPECT_EQ(c.log_file, "/tmp/sstop.log");
    ASSERT_EQ(c.plugin_sections.count("procnet"), 1u);
    EXPECT_EQ(c.plugin_sections.at("procnet")["proc_root"].as<std::string>(), "/host/proc");
}

TEST(Config, ByteOrderMarkAndCrlfAreAccepted) {
    const Config c =
        load_config_text("\xEF\xBB\xBFinterval: 2s\r\ndns:\r\n  workers: 3\r\n", "t.yaml");
    EXPECT_EQ(c.interval, 2s);
    EXPECT_EQ(c.dns.workers, 3u);
}

TEST(Config, EmptySectionsAndListsAreAllowed) {
    const Config c = load_config_text("dns:\nui:\nexporters: []\nsources:\n", "t.yaml");
    EXPECT_TRUE(c.dns.enabled);
    EXPECT_TRUE(c.exporters.empty());
    EXPECT_TRUE(c.sources.empty());
}

TEST(Config, BoundsAreInclusive) {
    const Config c = load_config_text(
        "interval: 100ms\naggregator:\n  ema_alpha: 1\n  max_sockets: 16777216\n"
        "dns:\n  workers: 16\n  ttl: 24h\n  timeout: 30s\n",
        "t.yaml");
    EXPECT_EQ(c.interval, 100ms);
    EXPECT_EQ(c.aggregator.max_sockets, 16777216u);
    EXPECT_EQ(c.dns.ttl, 24h);
}

// ---- errors, each with its exact position ---------------------------------------------------

TEST(ConfigErrors, WrongTypeDurationPointsAtValue) {
    const ConfigError e = file_error(fixture("wrong_type_duration.yaml"));
    expect_error(e, 2, 11, "interval",
                 "invalid duration \"fast\": expected a number with a unit (us, ms, s, m, h), "
                 "e.g. 500ms or 2.5s");
    EXPECT_EQ(std::string(e.what()), fixture("wrong_type_duration.yaml") +
                                         ":2:11: interval: invalid duration \"fast\": expected a "
                                         "number with a unit (us, ms, s, m, h), e.g. 500ms or "
                                         "2.5s");
}

TEST(ConfigErrors, WrongTypeBoolPointsAtValue) {
    expect_error(file_error(fixture("wrong_type_bool.yaml")), 3, 10, "ui.mouse",
                 "expected true or false, got 'maybe'");
}

TEST(ConfigErrors, ListWhereMappingExpected) {
    expect_error(file_error(fixture("list_for_mapping.yaml")), 2, 3, "dns",
                 "expected a mapping, got a list");
}

TEST(ConfigErrors, ScalarWhereListExpected) {
    expect_error(text_error("views: processes\n"), 1, 8, "views",
                 "expected a list, e.g. [a, b], got 'processes'");
}

TEST(ConfigErrors, MissingValuePointsAtKey) {
    expect_error(text_error("dns:\n  timeout:\nui: {}\n"), 2, 3, "dns.timeout",
                 "missing value: expected a duration, e.g. 500ms or 2.5s");
}

TEST(ConfigErrors, UnknownKeySuggestsClosest) {
    expect_error(file_error(fixture("unknown_key.yaml")), 2, 1, "intervl",
                 "unknown key 'intervl' (did you mean 'interval'?)");
}

TEST(ConfigErrors, UnknownNestedKeySuggestsClosest) {
    expect_error(file_error(fixture("unknown_nested_key.yaml")), 3, 3, "dns.timout",
                 "unknown key 'timout' (did you mean 'timeout'?)");
}

TEST(ConfigErrors, ShortUnknownKeyGetsNoFarFetchedSuggestion) {
    expect_error(text_error("k0: 1\n"), 1, 1, "k0",
                 "unknown key 'k0' (expected one of: interval sources views exporters plugins "
                 "aggregator dns ui log_file keep_capabilities history alerts filter)");
}

TEST(ConfigErrors, UnknownKeyFarFromAnyListsTheKeys) {
    expect_error(text_error("ui:\n  font: big\n"), 2, 3, "ui.font",
                 "unknown key 'font' (expected one of: theme unicode mouse colors summary)");
}

TEST(ConfigErrors, OutOfRangeInteger) {
    expect_error(file_error(fixture("out_of_range.yaml")), 2, 16, "aggregator.max_sockets",
                 "must be between 1024 and 16777216, got 100");
}

TEST(ConfigErrors, OutOfRangeDuration) {
    expect_error(text_error("interval: 50ms\n"), 1, 11, "interval",
                 "must be between 100ms and 10s, got 50ms");
    expect_error(text_error("dns:\n  ttl: 2h\n  negative_ttl: 25h\n"), 3, 17, "dns.negative_ttl",
                 "must be between 1s and 24h, got 25h");
}

TEST(ConfigErrors, EmaAlphaExcludesZero) {
    expect_error(text_error("aggregator:\n  ema_alpha: 0\n"), 2, 14, "aggregator.ema_alpha",
                 "must be greater than 0 and at most 1, got 0");
    expect_error(text_error("aggregator:\n  ema_alpha: high\n"), 2, 14, "aggregator.ema_alpha",
                 "expected a number, got 'high'");
}

TEST(ConfigErrors, FractionWhereWholeNumberExpected) {
    expect_error(text_error("dns:\n  workers: 2.5\n"), 2, 12, "dns.workers",
                 "expected a whole number, got '2.5'");
}

TEST(ConfigErrors, DuplicateKeyNamesBothPositions) {
    expect_error(file_error(fixture("duplicate_key.yaml")), 4, 1, "interval",
                 "duplicate key 'interval' (first at line 1, column 1)");
}

TEST(ConfigErrors, DuplicateNestedKey) {
    expect_error(file_error(fixture("duplicate_nested_key.yaml")), 4, 3, "dns.workers",
                 "duplicate key 'workers' (first at line 2, column 3)");
}

TEST(ConfigErrors, DuplicateKeyInsidePluginSection) {
    expect_error(text_error("plugins:\n  procnet:\n    a: 1\n    a: 2\n"), 4, 5,
                 "plugins.procnet.a", "duplicate key 'a' (first at line 3, column 5)");
}

TEST(ConfigErrors, SyntaxErrorHasPositionAndNoRawYamlCppText) {
    const ConfigError e = file_error(fixture("syntax_error.yaml"));
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.column(), 6);
    EXPECT_EQ(e.key(), "");
    EXPECT_EQ(e.message(), "YAML syntax error: end of sequence flow not found");
    EXPECT_EQ(std::string(e.what()).find("yaml-cpp"), std::string::npos) << e.what();
}

TEST(ConfigErrors, MapValueOnSameLineIsSyntaxError) {
    expect_error(text_error("ui:\n  theme: a: b\n"), 2, 11, "",
                 "YAML syntax error: illegal map value");
}

TEST(ConfigErrors, TopLevelScalarIsNotAMapping) {
    expect_error(file_error(fixture("top_level_scalar.yaml")), 1, 1, "",
                 "expected a mapping of settings (key: value) at the top level, got 'just some "
                 "words'");
}

TEST(ConfigErrors, TopLevelListIsNotAMapping) {
    expect_error(file_error(fixture("top_level_list.yaml")), 1, 1, "",
                 "expected a mapping of settings (key: value) at the top level, got a list");
}

TEST(ConfigErrors, BinaryFileIsRefusedWithPosition) {
    const TempDir dir;
    const std::string elf(
        "\x7f"
        "ELF\x02\x01\x01\0\0\0",
        10);
    expect_error(file_error(dir.write("sstop", elf)), 1, 1, "",
                 "not a YAML text file: control byte 0x7F");
    const std::string nul("interval: 1s\nab\0cd\n", 19);
    expect_error(text_error(nul), 2, 3, "", "not a YAML text file: control byte 0x00");
}

TEST(ConfigErrors, InvalidUtf8IsRefusedWithPosition) {
    expect_error(text_error("ui:\n  theme: caf\xe9\n"), 2, 13, "",
                 "not a YAML text file: invalid UTF-8 byte 0xE9");
}

TEST(ConfigErrors, MissingFileSaysCannotRead) {
    const TempDir dir;
    const std::string path = (dir.path() / "absent.yaml").string();
    const ConfigError e = file_error(path);
    EXPECT_STREQ(e.what(), (path + ": cannot read: No such file or directory").c_str());
    EXPECT_EQ(e.line(), 0);
}

TEST(ConfigErrors, DirectorySaysCannotRead) {
    const TempDir dir;
    EXPECT_EQ(file_error(dir.path().string()).message(), "cannot read: Is a directory");
}

TEST(ConfigErrors, TenMegabyteFileIsRefusedBeforeParsing) {
    const TempDir dir;
    // Valid YAML (all comments): only the size check can refuse it.
    std::string big;
    const std::string line = "# " + std::string(97, 'x') + "\n";
    while (big.size() < 10'000'000) big += line;
    const ConfigError e = file_error(dir.write("big.yaml", big));
    EXPECT_EQ(e.message(), "too large (" + std::to_string(big.size()) +
                               " bytes); a config file may be at most 1 MiB");
    EXPECT_EQ(text_error(big).message(), e.message());
}

TEST(ConfigErrors, OneMebibyteIsStillAccepted) {
    std::string text = "interval: 2s\n";
    text += "# " + std::string((1 << 20) - text.size() - 3, 'x') + "\n";
    ASSERT_EQ(text.size(), std::size_t{1} << 20);
    EXPECT_EQ(load_config_text(text, "t.yaml").interval, 2s);
}

TEST(ConfigErrors, DeepFlowNestingIsRefused) {
    const ConfigError e = text_error("a: " + std::string(10000, '[') + std::string(10000, ']'));
    EXPECT_EQ(e.message(), "nested deeper than 64 levels");
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.column(), 67);  // the 64th '[' after "a: " (the top mapping is level 1)
}

TEST(ConfigErrors, DeepBlockNestingIsRefused) {
    std::string text;
    for (int i = 0; i < 10000; ++i) text += "- ";
    text += "x\n";
    const ConfigError e = text_error(text);
    EXPECT_EQ(e.message(), "nested deeper than 64 levels");
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.column(), 129);  // the 65th "- "
}

TEST(ConfigErrors, NestingOfExactly64IsParsed) {
    // top mapping, plugins, procnet = 3 levels; 61 lists make 64.
    const std::string deep = std::string(61, '[') + std::string(61, ']');
    const Config c = load_config_text("plugins:\n  procnet:\n    a: " + deep + "\n", "t.yaml");
    EXPECT_EQ(c.plugin_sections.count("procnet"), 1u);
    const ConfigError e = text_error("plugins:\n  procnet:\n    a: [" + deep + "]\n");
    EXPECT_EQ(e.message(), "nested deeper than 64 levels");
    EXPECT_EQ(e.line(), 3);
}

TEST(ConfigErrors, AnchorsAreRefused) {
    expect_error(file_error(fixture("anchor.yaml")), 1, 7, "",
                 "anchors (&name) are not supported; write the value out");
}

TEST(ConfigErrors, AliasBombIsRefusedAtFirstAnchor) {
    const std::string bomb =
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
    expect_error(text_error(bomb), 1, 4, "",
                 "anchors (&name) are not supported; write the value out");
}

TEST(ConfigErrors, SecondDocumentIsRefused) {
    const ConfigError e = text_error("interval: 1s\n---\ninterval: 2s\n");
    EXPECT_EQ(e.message(), "a config is one YAML document; found a second one");
    EXPECT_EQ(e.line(), 2);
}

TEST(ConfigErrors, PluginIdListsAreChecked) {
    expect_error(text_error("sources: [netlink, Procnet]\n"), 1, 20, "sources[1]",
                 "'Procnet' is not a plugin id (lowercase letters, digits and '-')");
    expect_error(text_error("views:\n  - hosts\n  - hosts\n"), 3, 5, "views[1]",
                 "'hosts' is listed twice");
}

TEST(ConfigErrors, UnicodeMustBeAChoice) {
    expect_error(text_error("ui:\n  unicode: sometimes\n"), 2, 12, "ui.unicode",
                 "expected one of auto always never, got 'sometimes'");
}

TEST(ConfigErrors, ColoursAreCheckedByRoleAndFormat) {
    expect_error(text_error("ui:\n  colors:\n    rx: #9ece6a\n"), 3, 5, "ui.colors.rx",
                 "missing value: expected a colour \"#rrggbb\" (quote it: an unquoted # starts "
                 "a comment)");
    expect_error(text_error("ui:\n  colors:\n    rx: \"#9ece6\"\n"), 3, 9, "ui.colors.rx",
                 "expected a colour \"#rrggbb\", got '#9ece6'");
    expect_error(text_error("ui:\n  colors:\n    rxx: \"#9ece6a\"\n"), 3, 5, "ui.colors.rxx",
                 "unknown key 'rxx' (did you mean 'rx'?)");
}

TEST(ConfigErrors, PluginsSectionKeys) {
    expect_error(text_error("plugins:\n  path: [/opt]\n"), 2, 3, "plugins.path",
                 "unknown key 'path' (did you mean 'paths'?)");
    expect_error(text_error("plugins:\n  procnet: fast\n"), 2, 12, "plugins.procnet",
                 "expected a mapping of the options of plugin 'procnet', got 'fast'");
    expect_error(text_error("plugins:\n  Proc_Net:\n    a: 1\n"), 2, 3, "plugins.Proc_Net",
                 "'Proc_Net' is not a plugin id (lowercase letters, digits and '-')");
}

TEST(ConfigErrors, NonScalarKeyIsRefused) {
    expect_error(text_error("? [a, b]\n: 1\n"), 1, 3, "", "expected a plain key name, got a list");
}

// ---- plugin options ---------------------------------------------------------------------

const sstop_option_v1 kSchema[] = {
    {"proc_root", SSTOP_OPTION_STRING, "/proc", 0, 0, "where procfs is mounted"},
    {"rescan", SSTOP_OPTION_DURATION, "1s", 0.1, 60, "how often to rescan, seconds"},
    {"ring_blocks", SSTOP_OPTION_INT, "64", 8, 1024, "ring size in blocks"},
    {"ratio", SSTOP_OPTION_DOUBLE, "0.5", 0, 1, "a fraction"},
    {"promiscuous", SSTOP_OPTION_BOOL, "false", 0, 0, "capture everything"},
    {"interfaces", SSTOP_OPTION_STRING_LIST, "[lo, eth0]", 0, 0, "interfaces to watch"},
    {"offset", SSTOP_OPTION_INT, "-5", 0, 0, "unbounded when min = max = 0"},
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
    EXPECT_EQ(o.at("ring_blocks").type, SSTOP_OPTION_INT);
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
}

// ---- lookup -----------------------------------------------------------------------------

// Sets environment variables for one test and restores them after.
class EnvOverride {
  public:
    EnvOverride(const char* name, const std::optional<std::string>& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) {
            ::setenv(name, value->c_str(), 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~EnvOverride() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    EnvOverride(const EnvOverride&) = delete;
    EnvOverride& operator=(const EnvOverride&) = delete;

  private:
    const char* name_;
    std::optional<std::string> old_;
};

TEST(ConfigLookup, CliPathWinsEvenWhenMissing) {
    const TempDir dir;
    const std::string xdg = dir.write("xdg/sstop/sstop.yaml", "");
    const EnvOverride env("XDG_CONFIG_HOME", (dir.path() / "xdg").string());
    EXPECT_EQ(find_config_file(std::string("/nonexistent/x.yaml"), dir.path().string()),
              "/nonexistent/x.yaml");
}

TEST(ConfigLookup, XdgBeforeHomeBeforeSystem) {
    const TempDir dir;
    const std::string xdg = dir.write("xdg/sstop/sstop.yaml", "");
    const std::string home = dir.write("home/.config/sstop/sstop.yaml", "");
    const std::string system = dir.write("etc/sstop/sstop.yaml", "");
    const std::string etc = (dir.path() / "etc").string();
    const EnvOverride env_home("HOME", (dir.path() / "home").string());
    {
        const EnvOverride env_xdg("XDG_CONFIG_HOME", (dir.path() / "xdg").string());
        EXPECT_EQ(find_config_file(std::nullopt, etc, etc), xdg);
    }
    {
        const EnvOverride env_xdg("XDG_CONFIG_HOME", std::nullopt);
        EXPECT_EQ(find_config_file(std::nullopt, etc, etc), home);
    }
    {
        // XDG set but without a file: the system file, not $HOME/.config (XDG replaces it).
        const EnvOverride env_xdg("XDG_CONFIG_HOME", (dir.path() / "empty").string());
        EXPECT_EQ(find_config_file(std::nullopt, etc, etc), system);
    }
}

TEST(ConfigLookup, EtcBeforeTheInstallPrefixSysconfDir) {
    const TempDir dir;
    const EnvOverride env_xdg("XDG_CONFIG_HOME", (dir.path() / "empty").string());
    const std::string etc = (dir.path() / "etc").string();
    const std::string prefix_etc = (dir.path() / "usr/local/etc").string();
    const std::string installed = dir.write("usr/local/etc/sstop/sstop.yaml", "");
    EXPECT_EQ(find_config_file(std::nullopt, prefix_etc, etc), installed);
    const std::string admin = dir.write("etc/sstop/sstop.yaml", "");
    EXPECT_EQ(find_config_file(std::nullopt, prefix_etc, etc), admin);
}

TEST(ConfigLookup, RelativeXdgIsIgnored) {
    const TempDir dir;
    const std::string home = dir.write("home/.config/sstop/sstop.yaml", "");
    const EnvOverride env_home("HOME", (dir.path() / "home").string());
    const EnvOverride env_xdg("XDG_CONFIG_HOME", "relative/dir");
    EXPECT_EQ(find_config_file(std::nullopt, (dir.path() / "etc").string(),
                               (dir.path() / "etc").string()),
              home);
}

TEST(ConfigLookup, NothingFoundMeansBuiltInDefaults) {
    const TempDir dir;
    const EnvOverride env_home("HOME", (dir.path() / "home").string());
    const EnvOverride env_xdg("XDG_CONFIG_HOME", std::nullopt);
    EXPECT_EQ(find_config_file(std::nullopt, (dir.path() / "etc").string(),
                               (dir.path() / "etc").string()),
              std::nullopt);
}

// Found by fuzz_config: a key with line breaks or escape sequences must not reach the
// terminal as such; the error stays one line.
TEST(ConfigErrors, KeysWithControlCharactersAreShownEscapedOnOneLine) {
    try {
        sstop::host::load_config_text("\"ab\\ncd\\u001b]0;x\\u0007\": 1\n", "f.yaml");
        FAIL() << "an unknown key must be an error";
    } catch (const sstop::host::ConfigError& e) {
        std::string what = e.what();
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
        EXPECT_EQ(what.find('\x1b'), std::string::npos) << what;
        EXPECT_NE(what.find("ab\\ncd\\x1b]0;x\\x07"), std::string::npos) << what;
        EXPECT_EQ(what.rfind("f.yaml:1:1: ", 0), 0u) << what;
    }
}

namespace sstop::host {
namespace {

TEST(ConfigKeepCapabilities, SysAdminIsAcceptedAndTheDefaultIsNone) {
    EXPECT_TRUE(load_config_text("interval: 1s\n", "t.yaml").keep_capabilities.empty());
    const Config c = load_config_text("keep_capabilities: [sys_admin]\n", "t.yaml");
    EXPECT_EQ(c.keep_capabilities, std::vector<std::string>{"sys_admin"});
}

TEST(ConfigKeepCapabilities, AnyOtherCapabilityIsAnErrorAtItsPosition) {
    expect_error(text_error("interval: 1s\nkeep_capabilities: [sys_admin, net_admin]\n"), 2, 32,
                 "keep_capabilities[1]",
                 "'net_admin' is not a capability sstop can use after start-up (only "
                 "sys_admin: netlink entering network namespaces created after start)");
    expect_error(text_error("keep_capabilities: sys_admin\n"), 1, 20, "keep_capabilities",
                 "expected a list, e.g. [a, b], got 'sys_admin'");
}

TEST(Config, FilterKeyGivesTheStartUpFilter) {
    EXPECT_EQ(load_config_text("filter: \"port:443 and not proc:firefox\"\n", "t.yaml").filter,
              "port:443 and not proc:firefox");
    EXPECT_EQ(Config{}.filter, "");
}

TEST(ConfigErrors, BadFilterPointsAtTheTermInsideIt) {
    // The quote is column 9; the port's value is column 13 of the expression.
    expect_error(text_error("filter: \"proc:a port:99999\"\n"), 1, 22, "filter",
                 "bad port '99999' at column 13");
}

}  // namespace
}  // namespace sstop::host

TEST(Config, HistoryRingSizesAreAggregatorKeys) {
    const Config c =
        load_config_text("aggregator:\n  process_history: 30\n  system_history: 120\n", "t.yaml");
    EXPECT_EQ(c.aggregator.process_history, 30u);
    EXPECT_EQ(c.aggregator.system_history, 120u);
    EXPECT_EQ(Config{}.aggregator.process_history, 16u);
    EXPECT_EQ(Config{}.aggregator.system_history, 60u);
    const ConfigError e = text_error("aggregator:\n  process_history: 1\n");
    EXPECT_EQ(e.line(), 2) << e.what();
    EXPECT_EQ(e.key(), "aggregator.process_history") << e.what();
}

}  // namespace
}  // namespace sstop::host
