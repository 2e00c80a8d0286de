#pragma once
// Small text helpers shared by the netstat and lsof parsers (internal to the parse library).

#include <cstddef>
#include <cstdint>
#include <sstop/model.hpp>
#include <string_view>
#include <vector>

namespace sstop::plugins::darwin::text {

/// True for the blanks netstat and lsof put between columns.
inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v'; }

/// A whitespace-separated word and where it starts in its line, so a column that may hold
/// spaces (a process name) can be cut from the line between two words.
struct Token {
    std::string_view text;
    std::size_t offset = 0;
};

/// Splits a line into words; stops after `max_tokens` (bounded work on a hostile line).
std::vector<Token> tokenize(std::string_view line, std::size_t max_tokens = 256);

/// Walks `text` line by line (LF or NUL ends a line; a final line without LF counts).
class LineReader {
  public:
    explicit LineReader(std::string_view text) : text_(text) {}
    /// Next line without its terminator; false at the end.
    bool next(std::string_view& line);

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

/// Strict decimal: digits only, no sign, no overflow (an overflowing number is rejected,
/// never wrapped).
bool parse_u64(std::string_view s, std::uint64_t& out);
/// As `parse_u64`, limited to `max`.
bool parse_bounded(std::string_view s, std::uint64_t max, std::uint64_t& out);

/// Parses a numeric IPv4 or IPv6 address (an IPv6 zone `%en0` is dropped; `::ffff:a.b.c.d` is
/// normalised to V4). False for anything else, including host names.
bool parse_ip(std::string_view s, sstop::IpAddr& out);

/// The any-address of a family (all zero bytes).
inline sstop::IpAddr any_address(sstop::Family family) {
    sstop::IpAddr a;
    a.family = family;
    return a;
}

/// Trims blanks at both ends.
std::string_view trim(std::string_view s);

}  // namespace sstop::plugins::darwin::text
