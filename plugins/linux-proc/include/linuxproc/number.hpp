#pragma once
/// @file number.hpp
/// Strict number parsing and formatting for procfs text.
///
/// Hand-written instead of `std::from_chars`/`std::to_chars`: libstdc++ 12 implements those
/// with function-local static tables that GCC emits as STB_GNU_UNIQUE symbols, and a single
/// such symbol keeps a plugin from ever being unloaded (and hides lifetime bugs).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>

namespace sstop::plugins::linuxproc {

/// Parses all of `text` as an unsigned number in `base` (10 or 16, either case for hex);
/// nullopt when empty, on any other character, or when it does not fit in `T`.
template <typename T>
constexpr std::optional<T> parse_unsigned(std::string_view text, unsigned base = 10) {
    static_assert(std::is_unsigned_v<T>);
    if (text.empty()) return std::nullopt;
    T value = 0;
    for (char c : text) {
        unsigned digit;
        if (c >= '0' && c <= '9') {
            digit = static_cast<unsigned>(c - '0');
        } else if (base == 16 && c >= 'a' && c <= 'f') {
            digit = static_cast<unsigned>(c - 'a' + 10);
        } else if (base == 16 && c >= 'A' && c <= 'F') {
            digit = static_cast<unsigned>(c - 'A' + 10);
        } else {
            return std::nullopt;
        }
        if (digit >= base) return std::nullopt;
        if (value > (std::numeric_limits<T>::max() - digit) / base) return std::nullopt;
        value = static_cast<T>(value * base + digit);
    }
    return value;
}

/// Writes `value` in decimal to `out` (at least 21 bytes), NUL-terminated; returns its length.
constexpr std::size_t format_decimal(std::uint64_t value, char* out) {
    char digits[20];
    std::size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    for (std::size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
    out[n] = '\0';
    return n;
}

}  // namespace sstop::plugins::linuxproc
