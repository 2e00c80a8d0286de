// The config schema: YAML document → typed Config, validating every key.

#include "config/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "config/yaml_reader.hpp"
#include "history/time_args.hpp"

namespace sstop::host {
namespace {

using detail::Field;
using detail::NodeReader;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// An error is one line on a terminal: whatever the file held (line breaks, escape sequences
// that would retitle or clear the user's terminal) is shown escaped, never interpreted.
std::string printable(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7F) {
            static const char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string format_error(const std::string& file, int line, int column, const std::string& key,
                         const std::string& message) {
    std::string text = printable(file);
    if (line > 0) {
        text += ":" + std::to_string(line);
        if (column > 0) text += ":" + std::to_string(column);
    }
    text += ": ";
    if (!key.empty()) text += printable(key) + ": ";
    return text + printable(message);
}

const std::vector<std::string> kTopKeys{
    "interval", "sources",           "views",   "exporters", "plugins", "aggregator", "dns", "ui",
    "log_file", "keep_capabilities", "history", "alerts",    "filter"};
// What an operator may ask sstop to keep after start-up, and what for.
const std::vector<std::string> kKeepable{"sys_admin"};
const std::vector<std::string> kAggregatorKeys{
    "ema_alpha",     "stale_after",      "max_sockets",     "max_flows",
    "max_processes", "max_remote_hosts", "process_history", "system_history"};
const std::vector<std::string> kDnsKeys{"enabled", "workers",      "queue_size", "cache_size",
                                        "ttl",     "negative_ttl", "timeout",    "hosts_file"};
const std::vector<std::string> kUiKeys{"theme", "unicode", "mouse", "colors", "summary"};
const std::vector<std::string> kColorRoles{"text",   "dim",      "header",    "selected",  "zebra",
                                           "accent", "good",     "warn",      "bad",       "rx",
                                           "tx",     "rate_low", "rate_high", "background"};
const std::vector<std::string> kHistoryKeys{"enabled", "path", "service", "retention",
                                            "flush_interval"};
const std::vector<std::string> kPluginsReservedKeys{"paths", "disable"};

std::size_t read_size(const NodeReader& reader, const Field& field, std::int64_t min,
                      std::int64_t max) {
    return static_cast<std::size_t>(reader.read_int(field, min, max));
}

void read_aggregator(const NodeReader& reader, const Field& section, core::AggregatorConfig& out) {
    for (const Field& field : reader.mapping(section, kAggregatorKeys)) {
        const std::string key = field.path.substr(section.path.size() + 1);
        if (key == "ema_alpha") {
            out.ema_alpha = reader.read_double(field, 0.0, 1.0, true);
        } else if (key == "stale_after") {
            const auto value = reader.read_duration(field, seconds(1), hours(1));
            out.stale_after_s = std::chrono::duration<double>(value).count();
        } else if (key == "max_sockets") {
            out.max_sockets = read_size(reader, field, 1024, 16777216);
        } else if (key == "max_flows") {
            out.max_flows = read_size(reader, field, 1024, 16777216);
        } else if (key == "max_processes") {
            out.max_processes = read_size(reader, field, 64, 1048576);
        } else if (key == "max_remote_hosts") {
            out.max_remote_hosts = read_size(reader, field, 64, 1048576);
        } else if (key == "process_history") {
            out.process_history = read_size(reader, field, 2, 600);
        } else if (key == "system_history") {
            out.system_history = read_size(reader, field, 2, 3600);
        }
    }
}

void read_dns(const NodeReader& reader, const Field& section, core::DnsConfig& out) {
    for (const Field& field : reader.mapping(section, kDnsKeys)) {
        const std::string key = field.path.substr(section.path.size() + 1);
        if (key == "enabled") {
            out.enabled = reader.read_bool(field);
        } else if (key == "workers") {
            out.workers = read_size(reader, field, 1, 16);
        } else if (key == "queue_size") {
            out.queue_size = read_size(reader, field, 1, 65536);
        } else if (key == "cache_size") {
            out.cache_size = read_size(reader, field, 16, 1048576);
        } else if (key == "ttl") {
            out.ttl = reader.read_duration(field, seconds(1), hours(24));
        } else if (key == "negative_ttl") {
            out.negative_ttl = reader.read_duration(field, seconds(1), hours(24));
        } else if (key == "timeout") {
            out.timeout = reader.read_duration(field, milliseconds(100), seconds(30));
        } else if (key == "hosts_file") {
            out.hosts_file = reader.read_string(field);
        }
    }
}

bool is_hex_colour(const std::string& text) {
    if (text.size() != 7 || text[0] != '#') return false;
    for (std::size_t i = 1; i < text.size(); ++i) {
        const char c = text[i];
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex) return false;
    }
    return true;
}

void read_ui(const NodeReader& reader, const Field& section, tui::UiConfig& out) {
    for (const Field& field : reader.mapping(section, kUiKeys)) {
        const std::string key = field.path.substr(section.path.size() + 1);
        if (key == "theme") {
            out.theme = reader.read_string(field);
            if (out.theme.empty()) reader.fail(field, "missing value: expected a theme name");
        } else if (key == "unicode") {
            out.unicode = reader.read_choice(field, {"auto", "always", "never"});
        } else if (key == "mouse") {
            out.mouse = reader.read_bool(field);
        } else if (key == "summary") {
            out.summary = reader.read_bool(field);
        } else if (key == "colors") {
            for (const Field& colour : reader.mapping(field, kColorRoles)) {
                const std::string role = colour.path.substr(field.path.size() + 1);
                const std::string value = reader.read_string(colour);
                if (value.empty()) {
                    // The usual cause: an unquoted "#" starts a YAML comment.
                    reader.fail(colour,
                                "missing value: expected a colour \"#rrggbb\" (quote it: an "
                                "unquoted # starts a comment)");
                }
                if (!is_hex_colour(value)) {
                    reader.fail(colour, "expected a colour \"#rrggbb\", got " +
                                            detail::describe(colour.value));
                }
                out.colors[role] = value;
            }
        }
    }
}

void read_history(const NodeReader& reader, const Field& section, history::HistoryConfig& out) {
    for (const Field& field : reader.mapping(section, kHistoryKeys)) {
        const std::string key = field.path.substr(section.path.size() + 1);
        if (key == "enabled") {
            out.enabled = reader.read_bool(field);
        } else if (key == "path") {
            out.path = reader.read_string(field);  // empty: the default
        } else if (key == "service") {
            out.service = reader.read_bool(field);
        } else if (key == "retention") {
            try {
                out.retention = seconds(history::parse_span(reader.read_string(field)));
            } catch (const history::TimeArgError& e) {
                reader.fail(field, e.what());
            }
            if (out.retention < hours(48) || out.retention > hours(24 * 3660))
                reader.fail(field, "out of range (2d to 3660d)");
        } else if (key == "flush_interval") {
            out.flush_interval = std::chrono::duration_cast<milliseconds>(
                reader.read_duration(field, milliseconds(100), hours(1)));
        }
    }
}

void read_plugins(const NodeReader& reader, const Field& section, Config& out) {
    for (const Field& field : reader.mapping(section, {})) {
        const std::string key = field.path.substr(section.path.size() + 1);
        if (key == "paths") {
            out.plugin_paths = reader.read_string_list(field, false);
            for (std::size_t i = 0; i < out.plugin_paths.size(); ++i) {
                if (out.plugin_paths[i].empty()) {
                    reader.fail(Field{field.key_mark, field.value[i],
                                      field.path + "[" + std::to_string(i) + "]"},
                                "missing value: expected a directory");
                }
            }
            continue;
        }
        if (key == "disable") {
            out.plugin_disable = reader.read_string_list(field, true);
            continue;
        }
        const bool is_section =
            !field.value.IsDefined() || field.value.IsNull() || field.value.IsMap();
        if (!is_section) {
            // A list under "path:" is a typo of "paths:", not a plugin called "path".
            const std::string near = detail::suggest(key, kPluginsReservedKeys);
            if (!near.empty()) {
                reader.fail(field.key_mark, field.path,
                            "unknown key '" + key + "' (did you mean '" + near + "'?)");
            }
            reader.fail(field, "expected a mapping of the options of plugin '" + key + "', got " +
                                   detail::describe(field.value));
        }
        if (!detail::is_plugin_id(key)) {
            reader.fail(field.key_mark, field.path,
                        "'" + key + "' is not a plugin id (lowercase letters, digits and '-')");
        }
        // Validated against the plugin's schema once it is loaded (resolve_plugin_options);
        // checked for well-formed keys now so a typo is caught even if the plugin is absent.
        reader.mapping(field, {});
        out.plugin_sections[key] = field.value;
    }
}

const std::vector<std::string> kAlertKeys{"name", "when", "for", "actions"};

// Where in the file column `column` (1-based) of a scalar's text is: yaml-cpp marks a quoted
// scalar at its opening quote. (Escapes inside quotes can shift it; rules rarely have any.)
YAML::Mark mark_in_scalar(const YAML::Node& node, int column) {
    YAML::Mark mark = node.Mark();
    const bool quoted = node.Tag() == "!";
    mark.column += column - 1 + (quoted ? 1 : 0);
    return mark;
}

bool is_alert_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

// "exec:/path arg …": split on blanks, no shell and no quoting; the path must be absolute.
std::vector<std::string> split_exec(std::string_view text) {
    std::vector<std::string> argv;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        const std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
        if (i > start) argv.emplace_back(text.substr(start, i - start));
    }
    return argv;
}

void read_alerts(const NodeReader& reader, const Field& section, Config& out) {
    if (!section.value.IsDefined() || section.value.IsNull()) return;
    if (!section.value.IsSequence())
        reader.fail(section,
                    "expected a list of alert rules, got " + detail::describe(section.value));
    if (section.value.size() > detail::kMaxListItems)
        reader.fail(section, "at most " + std::to_string(detail::kMaxListItems) + " rules");
    for (std::size_t i = 0; i < section.value.size(); ++i) {
        const Field entry{section.value.Mark(), section.value[i],
                          section.path + "[" + std::to_string(i) + "]"};
        if (!entry.value.IsMap())
            reader.fail(entry, "expected a rule (name, when, for, actions), got " +
                                   detail::describe(entry.value));
        core::AlertRule rule;
        bool has_name = false, has_when = false, has_actions = false;
        for (const Field& field : reader.mapping(entry, kAlertKeys)) {
            const std::string key = field.path.substr(entry.path.size() + 1);
            if (key == "name") {
                rule.name = reader.read_string(field);
                if (!is_alert_name(rule.name))
                    reader.fail(field,
                                "expected a name of letters, digits, '-', '_' or '.' "
                                "(at most 64)");
                for (const core::AlertRule& other : out.alerts)
                    if (other.name == rule.name)
                        reader.fail(field, "another rule is called '" + rule.name + "'");
                has_name = true;
            } else if (key == "when") {
                rule.when = reader.read_string(field);
                FilterError error;
                auto filter = Filter::parse(rule.when, &error);
                if (!filter)
                    reader.fail(mark_in_scalar(field.value, error.column), field.path,
                                error.message);
                if (filter->match_all())
                    reader.fail(field, "missing value: expected a filter expression");
                rule.filter = std::move(*filter);
                has_when = true;
            } else if (key == "for") {
                rule.hold = reader.read_duration(field, std::chrono::nanoseconds(0), hours(24));
            } else if (key == "actions") {
                has_actions = true;
                const std::vector<std::string> actions = reader.read_string_list(field, false);
                for (std::size_t a = 0; a < actions.size(); ++a) {
                    const Field item{field.key_mark, field.value[a],
                                     field.path + "[" + std::to_string(a) + "]"};
                    const std::string& action = actions[a];
                    if (action == "highlight") {
                        rule.highlight = true;
                    } else if (action == "bell") {
                        rule.bell = true;
                    } else if (action.rfind("exec:", 0) == 0) {
                        if (!rule.exec.empty()) reader.fail(item, "one exec: action per rule");
                        rule.exec = split_exec(std::string_view(action).substr(5));
                        if (rule.exec.empty() || rule.exec[0].front() != '/')
                            reader.fail(item,
                                        "exec: needs an absolute path (no shell runs it), e.g. "
                                        "\"exec:/usr/local/bin/notify arg\"");
                    } else {
                        reader.fail(item, "unknown action '" + action +
                                              "' (expected highlight, bell or exec:/path)");
                    }
                }
            }
        }
        if (!has_name) reader.fail(entry, "a rule needs a name");
        if (!has_when) reader.fail(entry, "rule '" + rule.name + "' needs when: (a filter)");
        if (!has_actions) rule.highlight = true;  // an alert shows somewhere by default
        out.alerts.push_back(std::move(rule));
    }
}

Config read_config(const YAML::Node& root, const std::string& file) {
    Config config;
    config.path = file;
    const NodeReader reader(file);
    if (!root.IsDefined() || root.IsNull()) return config;  // empty file: all defaults
    if (!root.IsMap()) {
        reader.fail(root.Mark(), "",
                    "expected a mapping of settings (key: value) at the top level, got " +
                        detail::describe(root));
    }
    detail::check_duplicate_keys(root, file);
    for (const Field& field : reader.mapping(Field{root.Mark(), root, ""}, kTopKeys)) {
        const std::string& key = field.path;
        if (key == "interval") {
            config.interval = reader.read_duration(field, milliseconds(100), seconds(10));
        } else if (key == "sources") {
            config.sources = reader.read_string_list(field, true);
        } else if (key == "views") {
            config.views = reader.read_string_list(field, true);
        } else if (key == "exporters") {
            config.exporters = reader.read_string_list(field, true);
        } else if (key == "plugins") {
            read_plugins(reader, field, config);
        } else if (key == "aggregator") {
            read_aggregator(reader, field, config.aggregator);
        } else if (key == "dns") {
            read_dns(reader, field, config.dns);
        } else if (key == "ui") {
            read_ui(reader, field, config.ui);
        } else if (key == "log_file") {
            config.log_file = reader.read_string(field);
        } else if (key == "history") {
            read_history(reader, field, config.history);
        } else if (key == "filter") {
            config.filter = reader.read_string(field);
            FilterError error;
            if (!Filter::parse(config.filter, &error))
                reader.fail(mark_in_scalar(field.value, error.column), field.path, error.message);
        } else if (key == "alerts") {
            read_alerts(reader, field, config);
        } else if (key == "keep_capabilities") {
            config.keep_capabilities = reader.read_string_list(field, false);
            for (std::size_t i = 0; i < config.keep_capabilities.size(); ++i) {
                const std::string& cap = config.keep_capabilities[i];
                if (std::find(kKeepable.begin(), kKeepable.end(), cap) == kKeepable.end()) {
                    reader.fail(Field{field.value.Mark(), field.value[i],
                                      field.path + "[" + std::to_string(i) + "]"},
                                "'" + cap +
                                    "' is not a capability sstop can use after start-up "
                                    "(only sys_admin: netlink entering network namespaces "
                                    "created after start)");
                }
            }
        }
    }
    return config;
}

// Owns a file descriptor for the duration of a read.
class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

[[noreturn]] void cannot_read(const std::string& path, int error) {
    throw ConfigError(path, 0, 0, "",
                      "cannot read: " + std::error_code(error, std::generic_category()).message());
}

[[noreturn]] void too_large(const std::string& path, const std::string& size) {
    throw ConfigError(path, 0, 0, "",
                      "too large (" + size + "); a config file may be at most 1 MiB");
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, int column, std::string key,
                         std::string message)
    : std::runtime_error(format_error(file, line, column, key, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_(std::move(key)),
      message_(std::move(message)) {}

Config load_config_text(std::string_view text, const std::string& name) {
    const YAML::Node root = detail::parse_document(text, name);
    try {
        return read_config(root, name);
    } catch (const YAML::Exception& e) {
        // Not expected once the document parsed; still, never show yaml-cpp's raw what().
        NodeReader(name).fail(e.mark, "", "YAML error: " + e.msg);
    }
}

Config load_config_file(const std::string& path) {
    const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) cannot_read(path, errno);
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) cannot_read(path, errno);
    if (S_ISDIR(info.st_mode)) cannot_read(path, EISDIR);
    // Check the size before reading, so a huge file is refused without reading it.
    if (S_ISREG(info.st_mode) &&
        static_cast<std::uint64_t>(info.st_size) > detail::kMaxConfigBytes) {
        too_large(path, std::to_string(info.st_size) + " bytes");
    }
    // Read at most one byte past the limit: a pipe or device may not report its size.
    std::string text;
    char buffer[65536];
    while (text.size() <= detail::kMaxConfigBytes) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            cannot_read(path, errno);
        }
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    if (text.size() > detail::kMaxConfigBytes) too_large(path, "more than 1 MiB");
    return load_config_text(text, path);
}

}  // namespace sstop::host
