#include "app/cli.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string_view>

#include "tui/key_help.hpp"

namespace sstop::host {
namespace {

TEST(Cli, ParsesEveryOption) {
    auto o = parse_cli({"--config", "a.yaml", "--interval=500ms", "--sources", "netlink,afpacket",
                        "--plugin-path", "/x", "--plugin-path=/y", "--json", "--count", "3", "-n"});
    EXPECT_EQ(o.config_path, "a.yaml");
    EXPECT_EQ(o.interval, std::chrono::milliseconds(500));
    EXPECT_EQ(o.sources, (std::vector<std::string>{"netlink", "afpacket"}));
    EXPECT_EQ(o.plugin_paths, (std::vector<std::string>{"/x", "/y"}));
    EXPECT_EQ(o.output, OutputMode::Json);
    EXPECT_EQ(o.count, 3);
    EXPECT_TRUE(o.no_dns);
    EXPECT_FALSE(o.once);
}

TEST(Cli, FlagsWithoutValues) {
    auto o = parse_cli({"--csv", "--once", "--list-plugins", "--check-config", "-V", "-h"});
    EXPECT_EQ(o.output, OutputMode::Csv);
    EXPECT_TRUE(o.once && o.list_plugins && o.check_config && o.version && o.help);
}

TEST(Cli, SummaryIsAFlag) {
    EXPECT_FALSE(parse_cli({}).summary);
    EXPECT_TRUE(parse_cli({"--summary"}).summary);
    EXPECT_TRUE(parse_cli({"--json", "--summary"}).summary);
    EXPECT_THROW(parse_cli({"--summary=yes"}), UsageError);
    EXPECT_NE(help_text().find("--summary"), std::string::npos);
}

TEST(Cli, HeadlessIsAFlagThatExcludesPrintedOutput) {
    EXPECT_FALSE(parse_cli({}).headless);
    auto o = parse_cli({"--headless", "--count", "2"});
    EXPECT_TRUE(o.headless);
    EXPECT_EQ(o.output, OutputMode::Default);
    EXPECT_THROW(parse_cli({"--headless", "--json"}), UsageError);
    EXPECT_THROW(parse_cli({"--csv", "--headless"}), UsageError);
    EXPECT_THROW(parse_cli({"--headless=yes"}), UsageError);
}

TEST(Cli, IntervalBoundsAreEnforced) {
    EXPECT_EQ(parse_cli({"-i", "100ms"}).interval, std::chrono::milliseconds(100));
    EXPECT_EQ(parse_cli({"-i", "10s"}).interval, std::chrono::seconds(10));
    EXPECT_EQ(parse_cli({"-i", "2.5s"}).interval, std::chrono::milliseconds(2500));
    EXPECT_THROW(parse_cli({"-i", "99ms"}), UsageError);
    EXPECT_THROW(parse_cli({"-i", "11s"}), UsageError);
    EXPECT_THROW(parse_cli({"-i", "fast"}), UsageError);
}

TEST(Cli, ErrorsSayWhatIsWrong) {
    auto message = [](std::vector<std::string> args) {
        try {
            parse_cli(args);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_EQ(message({"--bogus"}), "unknown option '--bogus' (see --help)");
    EXPECT_EQ(message({"--config"}), "--config needs a value (see --help)");
    EXPECT_EQ(message({"--json", "--csv"}), "--json and --csv cannot be used together");
    EXPECT_EQ(message({"--once", "--count", "2"}), "--once and --count cannot be used together");
    EXPECT_EQ(message({"--count", "0"}), "--count: '0' is not a positive whole number");
    EXPECT_EQ(message({"--count", "3x"}), "--count: '3x' is not a positive whole number");
    EXPECT_EQ(message({"--sources", "a,,b"}), "--sources: empty name in list 'a,,b'");
    EXPECT_EQ(message({"--sources", "Net"}), "--sources: 'Net' is not a plugin id ([a-z0-9-]+)");
    EXPECT_EQ(message({"--json=yes"}), "--json takes no value");
    EXPECT_EQ(message({"stray"}), "unexpected argument 'stray' (see --help)");
}

TEST(Cli, FilterIsParsedIntoAFilter) {
    auto o = parse_cli({"--json", "--filter", "proc:curl or port:443"});
    ASSERT_TRUE(o.filter);
    EXPECT_EQ(o.filter->term_count(), 2u);
    ProcessSummary curl;
    curl.info.name = "curl";
    ProcessSummary other;
    other.info.name = "sshd";
    EXPECT_TRUE(o.filter->matches(curl, Snapshot{}));
    EXPECT_FALSE(o.filter->matches(other, Snapshot{}));
    EXPECT_TRUE(parse_cli({"--filter=not proc:x"}).filter);
    EXPECT_FALSE(parse_cli({"--json"}).filter);
}

TEST(Cli, FilterErrorShowsTheExpressionWithACaret) {
    try {
        parse_cli({"--filter", "(proc:a b"});
        FAIL() << "no error";
    } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "--filter: expected ')' at column 10\n"
                  "  (proc:a b\n"
                  "           ^");
    }
    // The caret counts characters, not bytes, and control characters keep their cell.
    FilterError err{4, "x at column 4"};
    EXPECT_EQ(filter_error_context("\xc3\xa9\tb)", err), "  \xc3\xa9?b)\n    ^");
    EXPECT_EQ(filter_error_context("ab", FilterError{3, "end"}), "  ab\n    ^");
}

TEST(Cli, HelpDocumentsEveryOption) {
    std::string help = help_text();
    for (const char* opt : {"--config", "--interval", "--sources", "--plugin-path", "--json",
                            "--csv", "--once", "--count", "--no-dns", "--list-plugins",
                            "--check-config", "--version", "--help", "--filter", "Exit status"})
        EXPECT_NE(help.find(opt), std::string::npos) << opt;
}

TEST(Cli, HelpListsEveryInteractiveKey) {
    const std::string help = help_text();
    EXPECT_NE(help.find("\nKeys (interactive):\n"), std::string::npos);
    EXPECT_NE(help.find("Each view adds its own keys"), std::string::npos);
    EXPECT_NE(help.find("? lists them"), std::string::npos);
    for (const tui::KeyHelp& k : tui::kKeyHelp) {
        // A line of its own: the keys, then the description after a gap. ("Click" has two
        // lines, so every line that starts with the keys is looked at.)
        const std::string start = "\n  " + std::string(k.keys) + "  ";
        bool found = false;
        for (auto at = help.find(start); at != std::string::npos && !found;
             at = help.find(start, at + 1)) {
            const auto end = help.find('\n', at + 1);
            found = help.substr(at, end - at).find(k.what) != std::string::npos;
        }
        EXPECT_TRUE(found) << k.keys << ": " << k.what;
    }
}

TEST(Cli, HelpKeepsItsSectionsAndFitsIn88Columns) {
    const std::string help = help_text();
    for (const char* part :
         {"Usage: sstop", "Options:", "Keys (interactive):", "Output fields", "Filters (--filter",
          "Plugins are searched", "Privileges:", "setcap ", "Exit status", "Examples:"})
        EXPECT_NE(help.find(part), std::string::npos) << part;
    EXPECT_LT(help.find("Options:"), help.find("Keys (interactive):"));
    EXPECT_LT(help.find("Keys (interactive):"), help.find("Output fields"));
    std::istringstream in(help);
    std::string line;
    while (std::getline(in, line)) EXPECT_LE(line.size(), 88u) << line;
}

}  // namespace
TEST(Cli, ReportIsASubcommandWithItsOwnOptions) {
    const CliOptions o = parse_cli({"report", "--since", "2d", "--by", "host", "--json"});
    ASSERT_TRUE(o.report.has_value());
    EXPECT_EQ(*o.report->since, "2d");
    EXPECT_EQ(o.report->by, history::Dimension::Host);
    EXPECT_EQ(o.report->format, history::ReportFormat::Json);
    EXPECT_FALSE(parse_cli({"--json"}).report.has_value());
    try {
        parse_cli({"report", "--since", "7 days"});
        FAIL() << "a bad span was accepted";
    } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("report: ", 0), 0u) << e.what();
    }
    EXPECT_THROW(parse_cli({"report", "--once"}), UsageError);
}

}  // namespace sstop::host
