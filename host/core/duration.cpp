// Durations as written in the config: a decimal number followed by a unit.

#include "core/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sstop::core {
namespace {

struct Unit {
    std::string_view name;
    std::int64_t ns;
};

// Longest names first is not needed: units are matched against the whole suffix.
constexpr std::array<Unit, 5> kUnits{{{"us", 1'000},
                                      {"ms", 1'000'000},
                                      {"s", 1'000'000'000},
                                      {"m", 60'000'000'000},
                                      {"h", 3'600'000'000'000}}};

[[noreturn]] void reject(std::string_view text, std::string_view why) {
    std::string message = "invalid duration \"";
    // Echo at most a line's worth, so a huge garbage value does not flood the error.
    message.append(text.substr(0, 64));
    if (text.size() > 64) message += "...";
    message += "\": ";
    message += why;
    throw std::invalid_argument(message);
}

constexpr std::string_view kExpected =
    "expected a number with a unit (us, ms, s, m, h), e.g. 500ms or 2.5s";

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::chrono::nanoseconds parse_duration(std::string_view text) {
    std::string_view rest = text;
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    while (!rest.empty() && is_space(rest.back())) rest.remove_suffix(1);
    if (rest.empty()) reject(text, kExpected);
    if (rest == "0") return std::chrono::nanoseconds{0};
    if (rest.front() == '-') reject(text, "a duration cannot be negative");

    // Integer part with overflow detection; the fraction is kept as digits.
    std::int64_t whole = 0;
    std::size_t pos = 0;
    bool any_digit = false;
    while (pos < rest.size() && is_digit(rest[pos])) {
        if (__builtin_mul_overflow(whole, 10, &whole) ||
            __builtin_add_overflow(whole, rest[pos] - '0', &whole)) {
            reject(text, "too large");
        }
        any_digit = true;
        ++pos;
    }
    std::string_view fraction;
    if (pos < rest.size() && rest[pos] == '.') {
        const std::size_t start = ++pos;
        while (pos < rest.size() && is_digit(rest[pos])) ++pos;
        fraction = rest.substr(start, pos - start);
        if (fraction.empty()) reject(text, kExpected);
        any_digit = true;
    }
    if (!any_digit) reject(text, kExpected);
    while (pos < rest.size() && is_space(rest[pos])) ++pos;
    const std::string_view unit_name = rest.substr(pos);
    if (unit_name.empty()) {
        reject(text, "missing unit; " + std::string(kExpected));
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
        if (u.name == unit_name) unit = &u;
    }
    if (unit == nullptr) reject(text, kExpected);

    std::int64_t ns = 0;
    if (__builtin_mul_overflow(whole, unit->ns, &ns)) reject(text, "too large");
    // The fraction contributes less than one unit; digits past the 13th are below 1 ns even
    // for hours, so long double (64-bit mantissa) is exact enough. Rounded to nearest ns.
    long double part = 0;
    long double scale = 1;
    for (std::size_t i = 0; i < fraction.size() && i < 18; ++i) {
        scale /= 10;
        part += (fraction[i] - '0') * scale;
    }
    const auto fraction_ns = static_cast<std::int64_t>(part * unit->ns + 0.5L);
    if (__builtin_add_overflow(ns, fraction_ns, &ns)) reject(text, "too large");
    return std::chrono::nanoseconds{ns};
}

std::string format_duration(std::chrono::nanoseconds value) {
    const std::int64_t ns = value.count();
    if (ns == 0) return "0";
    const std::string sign = ns < 0 ? "-" : "";
    const std::uint64_t abs_ns =
        ns < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
    // Every unit is a whole number of microseconds, so three decimals of the microsecond
    // always suffice: the loop ends at the smallest unit for anything of 1us or more.
    for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it) {
        const auto unit = static_cast<std::uint64_t>(it->ns);
        if (abs_ns < unit || abs_ns % (unit / 1000) != 0) continue;
        std::string text = std::to_string(abs_ns / unit);
        const std::uint64_t thousandths = abs_ns % unit / (unit / 1000);
        if (thousandths != 0) {
            text += "." + std::to_string(1000 + thousandths).substr(1);
            while (text.back() == '0') text.pop_back();
        }
        return sign + text + std::string(it->name);
    }
    // Below a microsecond: the fraction of one.
    std::string text = "0." + std::to_string(1000 + abs_ns).substr(1);
    while (text.back() == '0') text.pop_back();
    return sign + text + "us";
}

}  // namespace sstop::core
