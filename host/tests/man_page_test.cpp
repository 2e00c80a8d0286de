// docs/sstop.1 is written by hand; these tests hold it to `--help` and to the key table the
// help overlay draws, and check that groff and man render it cleanly.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "tui/key_help.hpp"

#ifndef SSTOP_MAN_PAGE
#error "SSTOP_MAN_PAGE (the path of docs/sstop.1) must be defined by the build"
#endif

namespace sstop::host {
namespace {

constexpr const char* kManPage = SSTOP_MAN_PAGE;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

struct CommandResult {
    std::string output;
    int status = -1;  ///< exit code, or -1 if it did not exit normally
};

// Runs `command` with /bin/sh, collecting what it prints on stdout.
CommandResult run_command(const std::string& command) {
    CommandResult r;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return r;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
    const int raw = ::pclose(pipe);
    if (raw != -1 && WIFEXITED(raw)) r.status = WEXITSTATUS(raw);
    return r;
}

std::string quoted(const std::string& path) { return "'" + path + "'"; }

bool have(const char* tool) {
    return run_command(std::string("command -v ") + tool + " >/dev/null 2>&1").status == 0;
}

// Long option names ("--config" → "config") matched by `pattern`, whose group 1 is the name.
std::set<std::string> options_in(const std::string& text, const std::regex& pattern) {
    std::set<std::string> out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
         it != std::sregex_iterator(); ++it)
        out.insert(std::regex_replace((*it)[1].str(), std::regex(R"(\\-)"), "-"));
    return out;
}

std::set<std::string> help_options() {
    return options_in(help_text(), std::regex(R"(--([a-z0-9][a-z0-9-]*))"));
}

// In roff a hyphen-minus is written `\-`: `\-\-plugin\-path`.
std::set<std::string> man_options() {
    return options_in(read_file(kManPage), std::regex(R"(\\-\\-([a-z0-9]([a-z0-9]|\\-)*))"));
}

// The man page as plain ASCII text (no bold, underline or overstrike), 80 columns wide.
std::string rendered_man_page() {
    return run_command("LC_ALL=C groff -man -Tascii -P-cbou -rLL=80n " + quoted(kManPage) +
                       " 2>/dev/null")
        .output;
}

// The lines of the KEYS section of the rendered page: from its heading to the next one.
std::vector<std::string> keys_section(const std::string& page) {
    std::vector<std::string> lines;
    std::istringstream in(page);
    std::string line;
    bool inside = false;
    const std::regex heading("^[A-Z][A-Z ]*$");
    while (std::getline(in, line)) {
        if (std::regex_match(line, heading)) {
            if (inside) break;
            inside = line == "KEYS";
            continue;
        }
        if (inside) lines.push_back(line);
    }
    return lines;
}

// A line that starts (after its indent) with `keys` as a tag: then the end of the line or a
// gap of at least two spaces, so "s" is not found in a sentence that starts with "s".
bool has_tag_line(const std::vector<std::string>& lines, std::string_view keys) {
    for (const std::string& line : lines) {
        const auto start = line.find_first_not_of(' ');
        if (start == std::string::npos) continue;
        std::string_view rest = std::string_view(line).substr(start);
        if (rest.substr(0, keys.size()) != keys) continue;
        rest.remove_prefix(keys.size());
        if (rest.empty() || rest.substr(0, 2) == "  ") return true;
    }
    return false;
}

TEST(ManPage, DocumentsEveryLongOptionOfHelp) {
    const auto help = help_options();
    ASSERT_GE(help.size(), 13u);  // the regex found the options at all
    const auto man = man_options();
    for (const std::string& opt : help) EXPECT_TRUE(man.count(opt)) << "--" << opt;
}

TEST(ManPage, NamesNoLongOptionThatHelpLacks) {
    const auto man = man_options();
    ASSERT_GE(man.size(), 13u);
    const auto help = help_options();
    for (const std::string& opt : man) EXPECT_TRUE(help.count(opt)) << "--" << opt;
}

TEST(ManPage, KeysSectionListsEveryKeyOfTheTable) {
    ASSERT_TRUE(have("groff")) << "groff (Debian package groff-base) is needed";
    const auto lines = keys_section(rendered_man_page());
    ASSERT_FALSE(lines.empty()) << "no KEYS section in the rendered page";
    for (const tui::KeyHelp& k : tui::kKeyHelp)
        EXPECT_TRUE(has_tag_line(lines, k.keys)) << "'" << k.keys << "' not in KEYS";
}

TEST(ManPage, KeysSectionIsNotFoundInOtherSections) {
    // The check above must not pass on a key listed under another heading.
    const auto lines = keys_section(rendered_man_page());
    EXPECT_FALSE(has_tag_line(lines, "-c, --config FILE"));
    EXPECT_FALSE(has_tag_line(lines, "SSTOP_PLUGIN_PATH"));
}

TEST(ManPage, GroffRendersItWithoutWarnings) {
    ASSERT_TRUE(have("groff")) << "groff (Debian package groff-base) is needed";
    // -z: format only; every warning (-ww) goes to stderr, which is all this captures.
    const CommandResult r =
        run_command("LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z " + quoted(kManPage) + " 2>&1");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.output, "");
}

TEST(ManPage, ManShowsItWithTheOptions) {
    ASSERT_TRUE(have("man")) << "man (Debian package man-db) is needed";
    const std::string env = "MANWIDTH=80 MANPAGER=cat PAGER=cat LC_ALL=C.UTF-8 ";
    const CommandResult r = run_command(env + "man -l " + quoted(kManPage) + " 2>/dev/null");
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.output.find("sstop"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("--interval"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("EXIT STATUS"), std::string::npos) << r.output;
    // man's own troff run (through preconv) must not warn either.
    EXPECT_EQ(run_command(env + "man -l " + quoted(kManPage) + " 2>&1 >/dev/null").output, "");
}

}  // namespace
}  // namespace sstop::host
