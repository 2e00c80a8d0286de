// Config validation: every error case with its exact position and message.

#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace sstop::host {
namespace {

using namespace testing;
using namespace std::chrono_literals;

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

TEST(ConfigErrors, BadFilterPointsAtTheTermInsideIt) {
    // The quote is column 9; the port's value is column 13 of the expression.
    expect_error(text_error("filter: \"proc:a port:99999\"\n"), 1, 22, "filter",
                 "bad port '99999' at column 13");
}

}  // namespace
}  // namespace sstop::host
