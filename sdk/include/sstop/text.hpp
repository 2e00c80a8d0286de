#pragma once
/// @file text.hpp
/// Text helpers the host and the plugins share, so every part reads UTF-8 and folds case
/// alike: one UTF-8 decoder and ASCII case-insensitive matching. Header-only; no OS calls.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sstop {

/// One UTF-8 sequence, decoded.
struct Utf8Char {
    char32_t code_point = 0;  ///< the code point; 0 when `length` is 0
    std::size_t length = 0;   ///< its length in bytes (1…4); 0 when it is not valid UTF-8
};

/// Decodes the UTF-8 sequence that starts at `text[at]` (`at` < `text.size()`). Length 0 for
/// anything RFC 3629 does not allow: a byte that cannot start a sequence (a stray continuation
/// byte, 0xF8…0xFF), a sequence cut short by a non-continuation byte or by the end of `text`,
/// an overlong form, a UTF-16 surrogate, or a value past U+10FFFF. Callers that go on after
/// an invalid sequence skip one byte, so decoding resynchronises.
constexpr Utf8Char decode_utf8(std::string_view text, std::size_t at) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[at + k]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return {lead, 1};
    std::size_t length = 0;
    char32_t code = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        code = lead & 0x1Fu;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        code = lead & 0x0Fu;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        code = lead & 0x07u;
    } else {
        return {};
    }
    if (length > text.size() - at) return {};
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(k) & 0xC0) != 0x80) return {};
        code = (code << 6) | (byte(k) & 0x3Fu);
    }
    constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};  // shorter = overlong
    if (code < kMinimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return {};
    return {code, length};
}

/// `c` lower-cased if it is an ASCII capital; any other byte unchanged.
constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// `text` with its ASCII letters lower-cased: the filters ignore ASCII case only.
inline std::string to_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = ascii_lower(c);
    return out;
}

/// True when `needle_lower` (already lower case, see `to_lower`) occurs in `haystack`,
/// ignoring ASCII case. An empty needle matches everything.
constexpr bool contains_ci(std::string_view haystack, std::string_view needle_lower) noexcept {
    if (needle_lower.size() > haystack.size()) return false;
    for (std::size_t i = 0; i + needle_lower.size() <= haystack.size(); ++i) {
        std::size_t k = 0;
        while (k < needle_lower.size() && ascii_lower(haystack[i + k]) == needle_lower[k]) ++k;
        if (k == needle_lower.size()) return true;
    }
    return false;
}

}  // namespace sstop
