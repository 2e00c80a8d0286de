#pragma once
// Private to host/config: safe YAML parsing and typed reading of nodes with their marks.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"

namespace sstop::host::detail {

/// Largest config file accepted; a config is a few kB, so anything bigger is a mistake.
inline constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;
/// Deepest nesting of lists/mappings accepted (the schema needs 4).
inline constexpr int kMaxNestingDepth = 64;
/// Most entries accepted in one list value.
inline constexpr std::size_t kMaxListItems = 256;

/// Checks the text limits (size, text-only bytes, valid UTF-8), then parses exactly one YAML
/// document, refusing anchors/aliases and nesting deeper than kMaxNestingDepth before yaml-cpp
/// recurses that deep. Returns a null node for an empty document. Throws ConfigError.
YAML::Node parse_document(std::string_view text, const std::string& file);

/// Throws ConfigError for the first mapping anywhere under `node` that repeats a key
/// (yaml-cpp 0.7 silently keeps both pairs), naming the second occurrence.
void check_duplicate_keys(const YAML::Node& node, const std::string& file,
                          const std::string& path = "");

/// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `key` within edit distance 2, or empty.
std::string suggest(std::string_view key, const std::vector<std::string>& candidates);

/// One value with where it came from, for messages.
struct Field {
    YAML::Mark key_mark = YAML::Mark::null_mark();  ///< its key's position, if any
    YAML::Node value;                               ///< the value node
    std::string path;                               ///< dotted path, e.g. "dns.timeout"
};

/// Reads typed values from fields and reports errors as "FILE:LINE:COL: KEY: MESSAGE".
class NodeReader {
  public:
    explicit NodeReader(std::string file) : file_(std::move(file)) {}

    const std::string& file() const { return file_; }

    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& path,
                           std::string message) const;
    /// Fails at the value, or at its key when the value is empty (yaml-cpp marks an empty
    /// value at the next token, which is misleading).
    [[noreturn]] void fail(const Field& field, std::string message) const;

    /// The pairs of a mapping, checked: scalar keys, and when `allowed` is non-empty, only
    /// those keys (unknown ones fail with a suggestion). A null node is an empty mapping.
    std::vector<Field> mapping(const Field& field, const std::vector<std::string>& allowed) const;

    bool read_bool(const Field& field) const;
    std::int64_t read_int(const Field& field, std::int64_t min, std::int64_t max) const;
    /// A number; `min_exclusive` makes the lower bound strict.
    double read_double(const Field& field, double min, double max, bool min_exclusive) const;
    std::chrono::nanoseconds read_duration(const Field& field, std::chrono::nanoseconds min,
                                           std::chrono::nanoseconds max) const;
    /// A scalar as text; an empty value is "".
    std::string read_string(const Field& field) const;
    /// One of `choices`.
    std::string read_choice(const Field& field,
                            std::initializer_list<std::string_view> choices) const;
    std::string read_choice(const Field& field, const std::vector<std::string>& choices) const;
    /// A list of scalars (an empty value is an empty list), at most kMaxListItems, no repeats;
    /// with `plugin_ids`, each must be a plugin id ([a-z0-9-]+).
    std::vector<std::string> read_string_list(const Field& field, bool plugin_ids) const;

  private:
    std::string scalar(const Field& field, std::string_view expected) const;

    std::string file_;
};

/// What a node is, for messages: "a mapping", "a list", "'text'", "nothing".
std::string describe(const YAML::Node& node);

/// True when `text` is a plugin id: non-empty, [a-z0-9-] only.
bool is_plugin_id(std::string_view text);

}  // namespace sstop::host::detail
