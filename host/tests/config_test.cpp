// Config loading: the built-in defaults, valid files of every kind, and ConfigError's text.

#include "config/config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config_test_support.hpp"

namespace sstop::host {
namespace {

using namespace testing;
using namespace std::chrono_literals;

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
