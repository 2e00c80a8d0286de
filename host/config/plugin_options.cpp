// Validating a plugin's config section against the option schema it declares.

#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace sstop::host {
namespace {

using detail::Field;
using detail::NodeReader;

constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// A schema whose min and max are both 0 declares no bounds (the natural zero-initialised
// spelling); otherwise [min, max] is inclusive.
bool unbounded(const sstop_option_v1& option) { return option.min == 0 && option.max == 0; }

// Double bound → int64, saturating: 2^63 is not representable, so compare against it.
std::int64_t to_int64(double value) {
    if (value <= -9.2233720368547758e18) return kInt64Min;
    if (value >= 9.2233720368547758e18) return kInt64Max;
    return static_cast<std::int64_t>(value);
}

// A CHOICE option's words: its default_value split at '|' (the first is the default).
std::vector<std::string> choices_of(const sstop_option_v1& option) {
    std::vector<std::string> words;
    const std::string text = option.default_value != nullptr ? option.default_value : "";
    std::size_t start = 0;
    while (true) {
        const std::size_t bar = text.find('|', start);
        words.push_back(text.substr(start, bar == std::string::npos ? bar : bar - start));
        if (bar == std::string::npos) break;
        start = bar + 1;
    }
    return words;
}

OptionValue convert(const NodeReader& reader, const Field& field, const sstop_option_v1& option) {
    OptionValue value;
    value.type = static_cast<sstop_option_type>(option.type);
    switch (option.type) {
        case SSTOP_OPTION_BOOL:
            value.b = reader.read_bool(field);
            break;
        case SSTOP_OPTION_INT:
            value.i = unbounded(option) ? reader.read_int(field, kInt64Min, kInt64Max)
                                        : reader.read_int(field, to_int64(std::ceil(option.min)),
                                                          to_int64(std::floor(option.max)));
            break;
        case SSTOP_OPTION_DOUBLE:
            value.d = unbounded(option)
                          ? reader.read_double(field, std::numeric_limits<double>::lowest(),
                                               std::numeric_limits<double>::max(), false)
                          : reader.read_double(field, option.min, option.max, false);
            break;
        case SSTOP_OPTION_STRING:
            value.s = reader.read_string(field);
            break;
        case SSTOP_OPTION_DURATION: {
            const std::chrono::nanoseconds min{
                unbounded(option) ? 0 : to_int64(std::ceil(option.min * 1e9))};
            const std::chrono::nanoseconds max{
                unbounded(option) ? kInt64Max : to_int64(std::floor(option.max * 1e9))};
            const auto ns = reader.read_duration(field, min, max);
            value.i = ns.count();
            value.d = std::chrono::duration<double>(ns).count();
            break;
        }
        case SSTOP_OPTION_STRING_LIST:
            value.list = reader.read_string_list(field, false);
            break;
        case SSTOP_OPTION_CHOICE:
            value.s = reader.read_choice(field, choices_of(option));
            break;
        default:
            break;  // rejected by check_schema
    }
    return value;
}

[[noreturn]] void schema_bug(const std::string& file, const std::string& path,
                             const std::string& id, const std::string& what) {
    throw ConfigError(
        file, 0, 0, path,
        "plugin '" + id + "' declares an invalid option (a bug in the plugin): " + what);
}

std::vector<std::string> check_schema(const std::string& file, const std::string& id,
                                      const sstop_option_v1* schema, std::uint32_t count) {
    const std::string prefix = "plugins." + id;
    if (count > 0 && schema == nullptr) schema_bug(file, prefix, id, "options missing");
    std::vector<std::string> keys;
    for (std::uint32_t i = 0; i < count; ++i) {
        const sstop_option_v1& option = schema[i];
        if (option.key == nullptr || *option.key == '\0') {
            schema_bug(file, prefix, id, "option " + std::to_string(i) + " has no key");
        }
        const std::string key = option.key;
        const std::string path = prefix + "." + key;
        if (option.type < SSTOP_OPTION_BOOL || option.type > SSTOP_OPTION_CHOICE) {
            schema_bug(file, path, id, "unknown type " + std::to_string(option.type));
        }
        if (option.type == SSTOP_OPTION_CHOICE) {
            const std::vector<std::string> words = choices_of(option);
            for (std::size_t w = 0; w < words.size(); ++w) {
                if (words[w].empty() || words[w].find_first_of(" \t") != std::string::npos) {
                    schema_bug(file, path, id,
                               "choices \"" +
                                   std::string(option.default_value ? option.default_value : "") +
                                   "\" are not words separated by '|'");
                }
                for (std::size_t v = 0; v < w; ++v) {
                    if (words[v] == words[w])
                        schema_bug(file, path, id, "choice '" + words[w] + "' listed twice");
                }
            }
        }
        if (!(option.min <= option.max)) schema_bug(file, path, id, "min is greater than max");
        for (const std::string& seen : keys) {
            if (seen == key) schema_bug(file, path, id, "declared twice");
        }
        keys.push_back(key);
    }
    return keys;
}

}  // namespace

namespace {

Options resolve(const Config& config, const std::string& id, const sstop_option_v1* schema,
                std::uint32_t count) {
    const std::string file = config.path.empty() ? "<built-in config>" : config.path;
    const std::string prefix = "plugins." + id;
    const NodeReader reader(file);
    const std::vector<std::string> keys = check_schema(file, id, schema, count);

    std::map<std::string, Field> configured;
    if (const auto it = config.plugin_sections.find(id); it != config.plugin_sections.end()) {
        const Field section{YAML::Mark::null_mark(), it->second, prefix};
        for (const Field& field : reader.mapping(section, keys)) {
            // mapping() accepts any key when the schema is empty; a plugin without options
            // takes no keys at all.
            if (keys.empty()) {
                reader.fail(field.key_mark, field.path,
                            "unknown key '" + field.path.substr(prefix.size() + 1) + "' (plugin '" +
                                id + "' has no options)");
            }
            configured.emplace(field.path.substr(prefix.size() + 1), field);
        }
    }

    Options options;
    for (std::uint32_t i = 0; i < count; ++i) {
        const sstop_option_v1& option = schema[i];
        const std::string key = option.key;
        if (const auto it = configured.find(key); it != configured.end()) {
            options.values[key] = convert(reader, it->second, option);
            continue;
        }
        // The default goes through the same YAML parser and checks as a configured value,
        // so a plugin cannot declare a default its own schema would refuse.
        const std::string text =
            option.type == SSTOP_OPTION_CHOICE
                ? choices_of(option).front()
                : (option.default_value != nullptr ? option.default_value : "");
        const std::string path = prefix + "." + key;
        try {
            const YAML::Node node = detail::parse_document(text, file);
            options.values[key] =
                convert(reader, Field{YAML::Mark::null_mark(), node, path}, option);
        } catch (const ConfigError& e) {
            throw ConfigError(file, 0, 0, path,
                              "invalid default \"" + text + "\" declared by plugin '" + id +
                                  "' (a bug in the plugin): " + e.message());
        }
    }
    return options;
}

}  // namespace

Options resolve_plugin_options(const Config& config, const std::string& id,
                               const sstop_option_v1* schema, std::uint32_t count) {
    try {
        return resolve(config, id, schema, count);
    } catch (const YAML::Exception& e) {
        // Not expected for nodes that came from load_config_*; never show yaml-cpp's what().
        detail::NodeReader(config.path.empty() ? "<built-in config>" : config.path)
            .fail(e.mark, "plugins." + id, "YAML error: " + e.msg);
    }
}

}  // namespace sstop::host
