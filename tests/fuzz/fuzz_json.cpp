// Fuzz target: arbitrary bytes through append_json_string. The output must always be exactly
// one valid JSON string literal (RFC 8259 §7) holding valid UTF-8, and text that was already
// clean UTF-8 without characters to escape must come back unchanged between the quotes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/output.hpp"
#include "fuzz_check.hpp"

namespace {

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Length of the well-formed UTF-8 sequence (RFC 3629, no surrogates, no overlongs) at `i`,
/// 0 when there is none.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
    const unsigned char c = b(0);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
        if (c == 0xED && b(1) >= 0xA0) return 0;  // UTF-16 surrogate
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
        if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

/// True when `s` is exactly one JSON string literal of valid UTF-8.
bool is_json_string(std::string_view s) {
    if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
    std::size_t i = 1;
    const std::size_t end = s.size() - 1;
    while (i < end) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c < 0x20) return false;
        if (c == '\\') {
            if (i + 1 >= end) return false;
            const char e = s[i + 1];
            if (e == 'u') {
                if (i + 6 > end) return false;
                for (std::size_t k = 2; k < 6; ++k)
                    if (!is_hex(s[i + k])) return false;
                i += 6;
            } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                       e == 'r' || e == 't') {
                i += 2;
            } else {
                return false;
            }
            continue;
        }
        const std::size_t n = utf8_sequence(s, i);
        if (n == 0 || i + n > end) return false;
        i += n;
    }
    return i == end;
}

/// True when `text` is valid UTF-8 with nothing JSON must escape.
bool is_plain(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == '"' || c == '\\' || c == 0x7F) return false;
        const std::size_t n = utf8_sequence(text, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string out = "[";  // appends, so existing content must stay untouched
    sstop::core::append_json_string(out, text);
    SSTOP_FUZZ_CHECK(!out.empty() && out.front() == '[');
    const std::string_view literal = std::string_view(out).substr(1);
    SSTOP_FUZZ_CHECK(is_json_string(literal));
    // Each input byte becomes at most 6 output bytes ("\u00XX" or U+FFFD's 3 bytes).
    SSTOP_FUZZ_CHECK(literal.size() <= 2 + 6 * size);
    if (is_plain(text)) SSTOP_FUZZ_CHECK(literal.substr(1, literal.size() - 2) == text);
    return 0;
}
