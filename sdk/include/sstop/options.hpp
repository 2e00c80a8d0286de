#pragma once
/// @file options.hpp
/// Option schema (declared by a plugin in its descriptor, read by the host before the plugin
/// is created) and option values (validated and filled in by the host, read by the plugin).

#include <cstdint>
#include <map>
#include <sstop/version.hpp>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" {

/// Type of a plugin option, as declared in `sstop_option_v1::type`.
enum sstop_option_type {
    SSTOP_OPTION_BOOL = 1,         ///< `true` / `false`
    SSTOP_OPTION_INT = 2,          ///< a whole number within [min, max]
    SSTOP_OPTION_DOUBLE = 3,       ///< a number within [min, max]
    SSTOP_OPTION_STRING = 4,       ///< any string
    SSTOP_OPTION_DURATION = 5,     ///< "500ms", "1s", "2.5s", "5m"; min/max in seconds
    SSTOP_OPTION_STRING_LIST = 6,  ///< a YAML sequence of strings
    /// One word of a fixed set (ABI 1.6). `default_value` lists the words, separated by '|',
    /// the default first: "auto|own|all". The host refuses any other value at its
    /// file:line:column; the plugin reads the word with `Options::get_string`.
    SSTOP_OPTION_CHOICE = 7,
};

/// One declared option of a plugin. Plain C so the host can read it before it trusts any
/// C++ code of the plugin. Strings are static and owned by the plugin library.
struct sstop_option_v1 {
    const char* key;            ///< key inside the plugin's config section, snake_case
    std::uint32_t type;         ///< one of `sstop_option_type`
    const char* default_value;  ///< default, written as in YAML ("true", "1s", "[a, b]")
    double min;                 ///< lower bound for numbers and durations (inclusive)
    double max;                 ///< upper bound for numbers and durations (inclusive)
    const char* help;           ///< one line describing the option and its unit
};

}  // extern "C"

namespace sstop {

/// A validated option value. The member that matches `type` is set.
struct OptionValue {
    sstop_option_type type = SSTOP_OPTION_STRING;  ///< the declared type
    bool b = false;                                ///< for BOOL
    std::int64_t i = 0;                            ///< for INT; for DURATION, nanoseconds
    double d = 0;                                  ///< for DOUBLE; for DURATION, seconds
    std::string s;                                 ///< for STRING and CHOICE
    std::vector<std::string> list;                 ///< for STRING_LIST
};

/// Thrown by `Options` accessors when a key was not declared in the schema (a plugin bug).
class SSTOP_VISIBLE OptionError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// The options of one plugin: every declared key is present, holding either the configured
/// value or the declared default, already checked against type and range by the host.
class Options {
  public:
    /// Values by key. Filled by the host.
    std::map<std::string, OptionValue> values;

    /// The value of a declared key; throws OptionError for an undeclared one.
    const OptionValue& at(const std::string& key) const {
        auto it = values.find(key);
        if (it == values.end()) throw OptionError("undeclared option '" + key + "'");
        return it->second;
    }
    bool get_bool(const std::string& key) const { return at(key).b; }
    std::int64_t get_int(const std::string& key) const { return at(key).i; }
    double get_double(const std::string& key) const { return at(key).d; }
    /// A duration in seconds.
    double get_seconds(const std::string& key) const { return at(key).d; }
    const std::string& get_string(const std::string& key) const { return at(key).s; }
    const std::vector<std::string>& get_list(const std::string& key) const { return at(key).list; }
};

/// A pointer and a count of declared options, as stored in the descriptor.
struct OptionList {
    const sstop_option_v1* items = nullptr;  ///< first option, or null
    std::uint32_t count = 0;                 ///< number of options
};

/// Makes an `OptionList` from a static array of options.
template <std::size_t N>
constexpr OptionList option_list(const sstop_option_v1 (&items)[N]) {
    return OptionList{items, static_cast<std::uint32_t>(N)};
}

}  // namespace sstop
