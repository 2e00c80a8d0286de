// Alert rules: parsing from the config (errors at file:line:column), `for:` timing on the
// snapshots' own clock, the labels active alerts put on processes, and the exec action.

#include "core/alerts.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "app/alert_actions.hpp"
#include "config/config.hpp"
#include "core/output.hpp"

namespace {

using sstop::ProcessSummary;
using sstop::Snapshot;
using sstop::core::ActiveAlert;
using sstop::core::AlertEngine;
using sstop::core::AlertRule;
using sstop::host::ConfigError;
using sstop::host::load_config_text;
namespace fs = std::filesystem;

constexpr std::int64_t kSecond = 1'000'000'000;

ConfigError error_of(std::string_view text) {
    try {
        load_config_text(text, "a.yaml");
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "loaded without error: " << text;
    return ConfigError("", 0, 0, "", "");
}

TEST(AlertConfig, ParsesNameWhenForAndActions) {
    const auto c = load_config_text(
        "alerts:\n"
        "  - name: big-upload\n"
        "    when: \"tx>1M\"\n"
        "    for: 2s\n"
        "    actions: [highlight, bell, \"exec:/usr/local/bin/notify --urgent now\"]\n"
        "  - name: quiet\n"
        "    when: proc:ssh and port:22\n",
        "a.yaml");
    ASSERT_EQ(c.alerts.size(), 2u);
    const AlertRule& a = c.alerts[0];
    EXPECT_EQ(a.name, "big-upload");
    EXPECT_EQ(a.when, "tx>1M");
    EXPECT_EQ(a.hold, std::chrono::seconds(2));
    EXPECT_TRUE(a.highlight);
    EXPECT_TRUE(a.bell);
    EXPECT_EQ(a.exec, (std::vector<std::string>{"/usr/local/bin/notify", "--urgent", "now"}));
    const AlertRule& b = c.alerts[1];
    EXPECT_EQ(b.hold, std::chrono::seconds(0));
    EXPECT_TRUE(b.highlight) << "without actions an alert is highlighted";
    EXPECT_FALSE(b.bell);
    EXPECT_TRUE(b.exec.empty());
}

TEST(AlertConfig, BadWhenFailsAtTheColumnInsideTheExpression) {
    // "tx>1Q": the size is bad at column 4 of the expression; the quote is column 11.
    const auto e = error_of(
        "alerts:\n"
        "  - name: x\n"
        "    when: \"tx>1Q\"\n");
    EXPECT_EQ(e.line(), 3) << e.what();
    EXPECT_EQ(e.column(), 15) << e.what();
    EXPECT_EQ(e.key(), "alerts[0].when") << e.what();
    // Unquoted: the value starts at column 11.
    const auto u = error_of(
        "alerts:\n"
        "  - name: x\n"
        "    when: proc:a and\n");
    EXPECT_EQ(u.line(), 3) << u.what();
    EXPECT_GT(u.column(), 11) << u.what();
    EXPECT_NE(std::string(u.what()).find("a.yaml:3:"), std::string::npos) << u.what();
}

TEST(AlertConfig, BadRulesAreRefusedWithTheirPosition) {
    auto e = error_of("alerts:\n  - name: x\n    when: tx>1\n    actions: [flash]\n");
    EXPECT_EQ(e.line(), 4) << e.what();
    EXPECT_NE(e.message().find("unknown action 'flash'"), std::string::npos) << e.what();
    e = error_of("alerts:\n  - name: x\n    when: tx>1\n    actions: [\"exec:notify\"]\n");
    EXPECT_NE(e.message().find("absolute path"), std::string::npos) << e.what();
    e = error_of("alerts:\n  - name: x\n    when: tx>1\n  - name: x\n    when: rx>1\n");
    EXPECT_EQ(e.line(), 4) << e.what();
    EXPECT_NE(e.message().find("another rule is called 'x'"), std::string::npos) << e.what();
    e = error_of("alerts:\n  - when: tx>1\n");
    EXPECT_EQ(e.line(), 2) << e.what();
    EXPECT_NE(e.message().find("needs a name"), std::string::npos) << e.what();
    e = error_of("alerts:\n  - name: x\n    when: tx>1\n    for: soon\n");
    EXPECT_EQ(e.line(), 4) << e.what();
    e = error_of("alerts:\n  - name: x\n    when: tx>1\n    fro: 2s\n");
    EXPECT_EQ(e.line(), 4) << e.what();
    e = error_of("alerts: big\n");
    EXPECT_EQ(e.line(), 1) << e.what();
}

AlertRule rule(std::string name, std::string_view when, std::chrono::nanoseconds hold) {
    AlertRule r;
    r.name = std::move(name);
    r.when = std::string(when);
    r.filter = *sstop::Filter::parse(when);
    r.hold = hold;
    r.highlight = true;
    return r;
}

std::shared_ptr<const Snapshot> snap_at(double seconds, double tx_bps, int pid = 42) {
    auto s = std::make_shared<Snapshot>();
    s->unix_time_ns = static_cast<std::int64_t>(seconds * kSecond) + 1'700'000'000 * kSecond;
    ProcessSummary p;
    p.info.id = {pid, 7};
    p.info.name = "uploader";
    p.traffic.tx_bps = tx_bps;
    s->processes.push_back(p);
    return s;
}

TEST(AlertEngine, FiresOnceTheConditionHeldForItsDurationAndClearsAfter) {
    AlertEngine engine({rule("big", "tx>1K", std::chrono::seconds(2))});
    std::vector<std::pair<std::size_t, ActiveAlert>> fired;
    // Holds from t=0; at t=1 not yet 2 s.
    for (double t : {0.0, 1.0}) {
        auto out = engine.apply(snap_at(t, 5000), &fired);
        EXPECT_TRUE(fired.empty()) << t;
        EXPECT_TRUE(engine.active().empty()) << t;
        EXPECT_TRUE(out->processes[0].info.labels.empty());
    }
    auto out = engine.apply(snap_at(2.0, 5000), &fired);
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].second.name, "big");
    EXPECT_EQ(fired[0].second.id.pid, 42);
    ASSERT_EQ(engine.active().size(), 1u);
    const auto listed = sstop::core::alerts_of(*out);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].name, "big");
    EXPECT_EQ(listed[0].process, "uploader");
    EXPECT_EQ(listed[0].since_ns, out->unix_time_ns);
    // Still active, not fired again.
    fired.clear();
    out = engine.apply(snap_at(3.0, 5000), &fired);
    EXPECT_TRUE(fired.empty());
    EXPECT_EQ(sstop::core::alerts_of(*out).size(), 1u);
    EXPECT_EQ(sstop::core::alerts_of(*out)[0].since_ns, listed[0].since_ns);
    // The upload stops: cleared at once; the JSON has no alert.
    out = engine.apply(snap_at(4.0, 10), &fired);
    EXPECT_TRUE(engine.active().empty());
    EXPECT_TRUE(sstop::core::alerts_of(*out).empty());
    EXPECT_NE(sstop::core::snapshot_to_json(*out).find("\"alerts\":[]"), std::string::npos);
}

TEST(AlertEngine, AMissRestartsTheHoldTime) {
    AlertEngine engine({rule("big", "tx>1K", std::chrono::seconds(2))});
    std::vector<std::pair<std::size_t, ActiveAlert>> fired;
    engine.apply(snap_at(0, 5000), &fired);
    engine.apply(snap_at(1, 5000), &fired);
    engine.apply(snap_at(2, 0), &fired);  // a dip
    engine.apply(snap_at(3, 5000), &fired);
    engine.apply(snap_at(4, 5000), &fired);
    EXPECT_TRUE(fired.empty()) << "held only 1 s since the dip";
    engine.apply(snap_at(5, 5000), &fired);
    EXPECT_EQ(fired.size(), 1u);
}

TEST(AlertEngine, ZeroHoldFiresOnTheFirstMatchAndEachProcessIsSeparate) {
    AlertEngine engine({rule("any", "tx>1K", std::chrono::seconds(0))});
    std::vector<std::pair<std::size_t, ActiveAlert>> fired;
    auto s = std::make_shared<Snapshot>(*snap_at(0, 5000, 1));
    s->processes.push_back(snap_at(0, 9000, 2)->processes[0]);
    s->processes.push_back(snap_at(0, 10, 3)->processes[0]);
    auto out = engine.apply(s, &fired);
    EXPECT_EQ(fired.size(), 2u);
    const std::string json = sstop::core::snapshot_to_json(*out);
    EXPECT_NE(json.find("\"alerts\":[{\"name\":\"any\",\"pid\":1,\"process\":\"uploader\","
                        "\"since\":1700000000.000},{\"name\":\"any\",\"pid\":2"),
              std::string::npos)
        << json;
    // Labels: only the matching processes carry them, and highlight is there.
    EXPECT_EQ(out->processes[2].info.labels.size(), 0u);
    bool highlight = false;
    for (const auto& l : out->processes[0].info.labels) highlight |= l.key == "highlight";
    EXPECT_TRUE(highlight);
}

TEST(AlertEngine, WithoutActiveAlertsTheSnapshotIsNotCopied) {
    AlertEngine engine({rule("big", "tx>1K", std::chrono::seconds(5))});
    auto in = snap_at(0, 5000);
    EXPECT_EQ(engine.apply(in, nullptr), in);
}

// exec: runs without a shell with SSTOP_ALERT_*, once per rule per gap; failures logged once.
TEST(AlertActions, ExecRunsTheCommandWithTheAlertInItsEnvironment) {
    const fs::path dir =
        fs::temp_directory_path() / ("sstop-alert-exec-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path out = dir / "env.txt";
    // The command is a program with its own argv (here a shell only to redirect env).
    AlertRule r = rule("big", "tx>1K", std::chrono::seconds(0));
    r.exec = {"/bin/sh", "-c", "env > " + out.string()};
    std::vector<AlertRule> rules{r};
    std::vector<std::string> logged;
    sstop::host::AlertActions actions(
        &rules, [&](const std::string& line) { logged.push_back(line); }, std::chrono::hours(1));
    const auto now = std::chrono::steady_clock::now();
    ActiveAlert a{"big", {42, 7}, "uploader", 1'700'000'000 * kSecond};
    actions.run({{0, a}}, now);
    actions.run({{0, a}}, now + std::chrono::seconds(1));  // inside the gap: skipped
    EXPECT_EQ(actions.started(), 1u);
    EXPECT_EQ(actions.skipped(), 1u);
    std::string env;
    for (int i = 0; i < 200 && env.find("SSTOP_ALERT_WHEN") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::ifstream in(out);
        std::stringstream ss;
        ss << in.rdbuf();
        env = ss.str();
    }
    EXPECT_NE(env.find("SSTOP_ALERT_NAME=big\n"), std::string::npos) << env;
    EXPECT_NE(env.find("SSTOP_ALERT_PID=42\n"), std::string::npos) << env;
    EXPECT_NE(env.find("SSTOP_ALERT_PROCESS=uploader\n"), std::string::npos) << env;
    EXPECT_NE(env.find("SSTOP_ALERT_SINCE=1700000000.000\n"), std::string::npos) << env;
    EXPECT_NE(env.find("SSTOP_ALERT_WHEN=tx>1K\n"), std::string::npos) << env;
    EXPECT_TRUE(logged.empty());
    fs::remove_all(dir);
}

TEST(AlertActions, AFailingCommandIsLoggedOnce) {
    AlertRule r = rule("gone", "tx>1K", std::chrono::seconds(0));
    r.exec = {"/nonexistent/sstop-notify"};
    std::vector<AlertRule> rules{r};
    std::vector<std::string> logged;
    sstop::host::AlertActions actions(
        &rules, [&](const std::string& line) { logged.push_back(line); }, std::chrono::seconds(0));
    ActiveAlert a{"gone", {42, 7}, "uploader", 0};
    auto now = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
        actions.run({{0, a}}, now);
        now += std::chrono::seconds(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    actions.run({}, now);
    ASSERT_EQ(logged.size(), 1u);
    EXPECT_NE(logged[0].find("alert 'gone'"), std::string::npos) << logged[0];
}

}  // namespace
