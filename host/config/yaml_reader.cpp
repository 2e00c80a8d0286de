// Safe YAML parsing (limits checked before yaml-cpp can be made to misbehave) and typed
// reading of nodes, every error pointing at the offending line and column.

#include "config/yaml_reader.hpp"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <sstop/text.hpp>
#include <sstream>
#include <stdexcept>

#include "core/duration.hpp"

namespace sstop::host::detail {
namespace {

struct Position {
    int line = 0;
    int column = 0;
};

// yaml-cpp marks are 0-based; a null mark means "unknown", reported without position.
Position position(const YAML::Mark& mark) {
    if (mark.is_null() || mark.line < 0) return {};
    return {mark.line + 1, mark.column + 1};
}

Position position_of_offset(std::string_view text, std::size_t offset) {
    Position p{1, 1};
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++p.line;
            p.column = 1;
        } else {
            ++p.column;
        }
    }
    return p;
}

// A config is text: control bytes or broken UTF-8 mean someone pointed us at a binary.
void check_text(std::string_view text, const std::string& file) {
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const bool control = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
        const std::size_t n = control ? 0 : decode_utf8(text, i).length;
        if (n == 0) {
            const Position p = position_of_offset(text, i);
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02X", c);
            throw ConfigError(file, p.line, p.column, "",
                              std::string("not a YAML text file: ") +
                                  (control ? "control byte " : "invalid UTF-8 byte ") + hex);
        }
        i += n;
    }
}

// Thrown out of yaml-cpp's parser by the guard below; carries where and why.
struct GuardViolation {
    YAML::Mark mark;
    std::string message;
};

// Sees the event stream before any node tree is built. Throwing at depth kMaxNestingDepth
// stops yaml-cpp's recursive descent right there (it emits the start event before it
// recurses), so a deeply nested file never costs more than 64 frames; yaml-cpp 0.7's own
// guard at 2000 levels is a second line. Anchors and aliases are refused outright: a config
// never needs them, and refusing is the simplest complete defence against alias bombs.
class GuardHandler final : public YAML::EventHandler {
  public:
    void OnDocumentStart(const YAML::Mark& mark) override {
        if (++documents_ > 1) {
            throw GuardViolation{mark, "a config is one YAML document; found a second one"};
        }
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { check(mark, anchor); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        throw GuardViolation{mark, "aliases (*name) are not supported; write the value out"};
    }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  const std::string&) override {
        check(mark, anchor);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        check(mark, anchor);
        enter(mark);
    }
    void OnSequenceEnd() override { --depth_; }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        check(mark, anchor);
        enter(mark);
    }
    void OnMapEnd() override { --depth_; }
    void OnAnchor(const YAML::Mark& mark, const std::string&) override { refuse_anchor(mark); }

  private:
    static void refuse_anchor(const YAML::Mark& mark) {
        throw GuardViolation{mark, "anchors (&name) are not supported; write the value out"};
    }
    static void check(const YAML::Mark& mark, YAML::anchor_t anchor) {
        if (anchor != YAML::NullAnchor) refuse_anchor(mark);
    }
    void enter(const YAML::Mark& mark) {
        if (++depth_ > kMaxNestingDepth) {
            throw GuardViolation{
                mark, "nested deeper than " + std::to_string(kMaxNestingDepth) + " levels"};
        }
    }

    int documents_ = 0;
    int depth_ = 0;
};

[[noreturn]] void fail_at(const std::string& file, const YAML::Mark& mark, const std::string& path,
                          std::string message) {
    const Position p = position(mark);
    throw ConfigError(file, p.line, p.column, path, std::move(message));
}

std::string join_path(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

std::string quote(std::string_view text) {
    std::string out = "'";
    out.append(text.substr(0, 64));
    if (text.size() > 64) out += "...";
    return out + "'";
}

std::string format_number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

}  // namespace

YAML::Node parse_document(std::string_view text, const std::string& file) {
    if (text.size() > kMaxConfigBytes) {
        throw ConfigError(file, 0, 0, "",
                          "too large (" + std::to_string(text.size()) +
                              " bytes); a config file may be at most 1 MiB");
    }
    check_text(text, file);
    const std::string owned(text);
    try {
        std::istringstream stream(owned);
        YAML::Parser parser(stream);
        GuardHandler guard;
        while (parser.HandleNextDocument(guard)) {
        }
        return YAML::Load(owned);
    } catch (const GuardViolation& violation) {
        fail_at(file, violation.mark, "", violation.message);
    } catch (const YAML::Exception& e) {
        // e.what() repeats the position in yaml-cpp's own words; use the parts instead.
        fail_at(file, e.mark, "", "YAML syntax error: " + e.msg);
    }
}

void check_duplicate_keys(const YAML::Node& node, const std::string& file,
                          const std::string& path) {
    if (node.IsSequence()) {
        for (std::size_t i = 0; i < node.size(); ++i) {
            check_duplicate_keys(node[i], file, path + "[" + std::to_string(i) + "]");
        }
    } else if (node.IsMap()) {
        std::map<std::string, YAML::Mark> seen;
        for (const auto& pair : node) {
            if (!pair.first.IsScalar()) continue;  // refused by the schema walk, with position
            const std::string& key = pair.first.Scalar();
            const auto [it, inserted] = seen.emplace(key, pair.first.Mark());
            if (!inserted) {
                const Position first = position(it->second);
                fail_at(file, pair.first.Mark(), join_path(path, key),
                        "duplicate key " + quote(key) + " (first at line " +
                            std::to_string(first.line) + ", column " +
                            std::to_string(first.column) + ")");
            }
            check_duplicate_keys(pair.second, file, join_path(path, key));
        }
    }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string suggest(std::string_view key, const std::vector<std::string>& candidates) {
    // Keys are short; a long key cannot be within distance 2 of any, so skip the work.
    if (key.size() > 64) return {};
    std::string best;
    std::size_t best_distance = 3;
    for (const std::string& candidate : candidates) {
        const std::size_t d = edit_distance(key, candidate);
        // Two edits turn any two-letter word into any other; require a real resemblance.
        if (d < best_distance && d < std::min(key.size(), candidate.size())) {
            best = candidate;
            best_distance = d;
        }
    }
    return best;
}

std::string describe(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return "nothing";
    if (node.IsMap()) return "a mapping";
    if (node.IsSequence()) return "a list";
    return quote(node.Scalar());
}

bool is_plugin_id(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

void NodeReader::fail(const YAML::Mark& mark, const std::string& path, std::string message) const {
    fail_at(file_, mark, path, std::move(message));
}

void NodeReader::fail(const Field& field, std::string message) const {
    const bool empty = !field.value.IsDefined() || field.value.IsNull();
    const YAML::Mark mark =
        empty || field.value.Mark().is_null() ? field.key_mark : field.value.Mark();
    fail_at(file_, mark, field.path, std::move(message));
}

std::vector<Field> NodeReader::mapping(const Field& field,
                                       const std::vector<std::string>& allowed) const {
    std::vector<Field> fields;
    if (!field.value.IsDefined() || field.value.IsNull()) return fields;
    if (!field.value.IsMap()) fail(field, "expected a mapping, got " + describe(field.value));
    std::set<std::string> seen;
    for (const auto& pair : field.value) {
        if (!pair.first.IsScalar()) {
            fail(pair.first.Mark(), field.path,
                 "expected a plain key name, got " + describe(pair.first));
        }
        const std::string& key = pair.first.Scalar();
        const std::string path = join_path(field.path, key);
        if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            std::string message = "unknown key " + quote(key);
            const std::string near = suggest(key, allowed);
            if (!near.empty()) {
                message += " (did you mean '" + near + "'?)";
            } else {
                message += " (expected one of:";
                for (const std::string& name : allowed) message += " " + name;
                message += ")";
            }
            fail(pair.first.Mark(), path, message);
        }
        if (!seen.insert(key).second) fail(pair.first.Mark(), path, "duplicate key " + quote(key));
        fields.push_back(Field{pair.first.Mark(), pair.second, path});
    }
    return fields;
}

std::string NodeReader::scalar(const Field& field, std::string_view expected) const {
    if (!field.value.IsDefined() || field.value.IsNull()) {
        fail(field, "missing value: expected " + std::string(expected));
    }
    if (!field.value.IsScalar()) {
        fail(field, "expected " + std::string(expected) + ", got " + describe(field.value));
    }
    return field.value.Scalar();
}

bool NodeReader::read_bool(const Field& field) const {
    const std::string text = to_lower(scalar(field, "true or false"));
    if (text == "true" || text == "yes" || text == "on") return true;
    if (text == "false" || text == "no" || text == "off") return false;
    fail(field, "expected true or false, got " + describe(field.value));
}

std::int64_t NodeReader::read_int(const Field& field, std::int64_t min, std::int64_t max) const {
    const std::string text = scalar(field, "a whole number");
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const bool whole = end == text.data() + text.size();
    if (!whole || (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
        fail(field, "expected a whole number, got " + describe(field.value));
    }
    if (ec == std::errc::result_out_of_range || value < min || value > max) {
        fail(field, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                        ", got " + text);
    }
    return value;
}

double NodeReader::read_double(const Field& field, double min, double max,
                               bool min_exclusive) const {
    const std::string text = scalar(field, "a number");
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (end != text.data() + text.size() || ec != std::errc{} || !std::isfinite(value)) {
        fail(field, "expected a number, got " + describe(field.value));
    }
    const bool below = min_exclusive ? value <= min : value < min;
    if (below || value > max) {
        fail(field, std::string(min_exclusive ? "must be greater than " : "must be between ") +
                        format_number(min) + (min_exclusive ? " and at most " : " and ") +
                        format_number(max) + ", got " + text);
    }
    return value;
}

std::chrono::nanoseconds NodeReader::read_duration(const Field& field, std::chrono::nanoseconds min,
                                                   std::chrono::nanoseconds max) const {
    const std::string text = scalar(field, "a duration, e.g. 500ms or 2.5s");
    std::chrono::nanoseconds value{};
    try {
        value = core::parse_duration(text);
    } catch (const std::invalid_argument& e) {
        fail(field, e.what());
    }
    if (value < min || value > max) {
        fail(field, "must be between " + core::format_duration(min) + " and " +
                        core::format_duration(max) + ", got " + text);
    }
    return value;
}

std::string NodeReader::read_string(const Field& field) const {
    if (!field.value.IsDefined() || field.value.IsNull()) return {};
    if (!field.value.IsScalar()) fail(field, "expected a text value, got " + describe(field.value));
    return field.value.Scalar();
}

std::string NodeReader::read_choice(const Field& field,
                                    std::initializer_list<std::string_view> choices) const {
    return read_choice(field, std::vector<std::string>(choices.begin(), choices.end()));
}

std::string NodeReader::read_choice(const Field& field,
                                    const std::vector<std::string>& choices) const {
    std::string expected = "one of";
    for (const std::string& choice : choices) expected += " " + choice;
    const std::string text = scalar(field, expected);
    if (std::find(choices.begin(), choices.end(), text) == choices.end()) {
        const std::string near = suggest(text, choices);
        fail(field, "expected " + expected + ", got " + describe(field.value) +
                        (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
    return text;
}

std::vector<std::string> NodeReader::read_string_list(const Field& field, bool plugin_ids) const {
    std::vector<std::string> items;
    if (!field.value.IsDefined() || field.value.IsNull()) return items;
    if (!field.value.IsSequence()) {
        fail(field, "expected a list, e.g. [a, b], got " + describe(field.value));
    }
    if (field.value.size() > kMaxListItems) {
        fail(field, "too many entries (" + std::to_string(field.value.size()) + "; at most " +
                        std::to_string(kMaxListItems) + ")");
    }
    for (std::size_t i = 0; i < field.value.size(); ++i) {
        const Field item{field.value.Mark(), field.value[i],
                         field.path + "[" + std::to_string(i) + "]"};
        const std::string text = scalar(item, plugin_ids ? "a plugin id" : "a text value");
        if (plugin_ids && !is_plugin_id(text)) {
            fail(item, quote(text) + " is not a plugin id (lowercase letters, digits and '-')");
        }
        if (std::find(items.begin(), items.end(), text) != items.end()) {
            fail(item, quote(text) + " is listed twice");
        }
        items.push_back(text);
    }
    return items;
}

}  // namespace sstop::host::detail
