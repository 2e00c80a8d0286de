#pragma once
// YAML configuration: lookup, parsing, validation. Every error names file:line:column.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <map>
#include <optional>
#include <sstop/options.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "core/aggregator.hpp"
#include "core/alerts.hpp"
#include "core/dns_config.hpp"
#include "history/history_config.hpp"
#include "tui/ui_config.hpp"

namespace sstop::host {

/// The whole configuration, typed. Defaults are the built-in ones.
struct Config {
    std::string path;  ///< file it came from, empty for built-in defaults
    std::chrono::nanoseconds interval = std::chrono::seconds(1);  ///< 100ms … 10s
    std::vector<std::string> sources{"ebpf", "netlink", "procnet", "afpacket"};
    std::vector<std::string> views{"processes", "hosts", "ports", "groups", "history"};
    std::vector<std::string> exporters{};
    std::vector<std::string> plugin_paths{};    ///< `plugins.paths`
    std::vector<std::string> plugin_disable{};  ///< `plugins.disable`
    core::AggregatorConfig aggregator{};
    core::DnsConfig dns{};  ///< `dns:`
    tui::UiConfig ui{};     ///< `ui:`
    std::string log_file;   ///< empty = no log file
    /// Capabilities kept after start-up on top of what sstop needs (`keep_capabilities`);
    /// only "sys_admin" is accepted.
    std::vector<std::string> keep_capabilities{};
    history::HistoryConfig history{};  ///< `history:` (the traffic history store)
    /// `filter:`: the start-up filter expression (what `--filter` gives, which overrides it);
    /// checked to parse. Empty = none.
    std::string filter;
    /// `alerts:` rules, checked (names unique, `when` parsed, actions known).
    std::vector<core::AlertRule> alerts{};
    /// Per-plugin sections `plugins.<id>:`, kept as YAML (with marks) until the plugin's
    /// option schema is known.
    std::map<std::string, YAML::Node> plugin_sections;
};

/// Where to read the config from: `cli_path` if given, else `$XDG_CONFIG_HOME/sstop/sstop.yaml`
/// (or `$HOME/.config/sstop/sstop.yaml`), else `/etc/sstop/sstop.yaml`, else
/// `<install_sysconf_dir>/sstop/sstop.yaml` (where `cmake --install` put the default config:
/// /usr/local/etc for a /usr/local prefix); nullopt when none exists (built-in defaults). A
/// `cli_path` that does not exist is still returned (so loading it reports the error).
/// `etc_dir` is "/etc" except in tests.
std::optional<std::string> find_config_file(const std::optional<std::string>& cli_path,
                                            const std::string& install_sysconf_dir = "/etc",
                                            const std::string& etc_dir = "/etc");

/// Loads and validates a file. Throws ConfigError.
Config load_config_file(const std::string& path);

/// Loads and validates YAML text; `name` is used as the file name in errors.
Config load_config_text(std::string_view text, const std::string& name);

/// Checks the section of plugin `id` (may be absent) against its option schema and returns
/// every declared option, configured or defaulted. Throws ConfigError naming the key.
Options resolve_plugin_options(const Config& config, const std::string& id,
                               const sstop_option_v1* schema, std::uint32_t count);

}  // namespace sstop::host
