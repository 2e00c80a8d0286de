#include "history/time_args.hpp"

#include <cstdio>
#include <ctime>

namespace sstop::host::history {
namespace {

constexpr const char* kSpanHelp =
    "expected a number and a unit (s, m, h, d, w), e.g. 90m, 7d or 1.5d";
constexpr const char* kTimeHelp =
    "expected now, @UNIX_SECONDS, YYYY-MM-DD[THH:MM[:SS]][Z] or a span back from now "
    "such as 7d";

std::string shown(std::string_view text) {
    // Errors are one line: control characters from the command line are not echoed.
    std::string out;
    for (char c : text.substr(0, 64)) {
        const auto u = static_cast<unsigned char>(c);
        out += u < 0x20 || u == 0x7f ? '?' : c;
    }
    if (text.size() > 64) out += "...";
    return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `width` digits at `pos`.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width) {
    if (pos + width > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        if (!is_digit(text[pos + i])) return std::nullopt;
        value = value * 10 + (text[pos + i] - '0');
    }
    return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

std::optional<std::int64_t> parse_date_time(std::string_view text, std::int64_t utc_offset) {
    bool utc = false;
    if (!text.empty() && (text.back() == 'Z' || text.back() == 'z')) {
        utc = true;
        text.remove_suffix(1);
    }
    auto year = digits(text, 0, 4);
    auto month = digits(text, 5, 2);
    auto day = digits(text, 8, 2);
    if (!year || !month || !day || text[4] != '-' || text[7] != '-') return std::nullopt;
    if (*year < 1970 || *month < 1 || *month > 12 || *day < 1 ||
        *day > days_in_month(*year, *month))
        return std::nullopt;
    int hour = 0, minute = 0, second = 0;
    if (text.size() > 10) {
        if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
        auto h = digits(text, 11, 2);
        auto m = digits(text, 14, 2);
        if (!h || !m || text.size() < 16 || text[13] != ':') return std::nullopt;
        hour = *h;
        minute = *m;
        if (text.size() > 16) {
            auto s = digits(text, 17, 2);
            if (!s || text[16] != ':' || text.size() != 19) return std::nullopt;
            second = *s;
        }
        if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    } else if (text.size() != 10) {
        return std::nullopt;
    }
    std::int64_t t =
        days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) * 86400 +
        hour * 3600 + minute * 60 + second;
    return utc ? t : t - utc_offset;
}

}  // namespace

std::int64_t parse_span(std::string_view text) {
    std::size_t pos = 0;
    std::int64_t whole = 0;
    std::int64_t frac = 0, frac_scale = 1;
    bool any = false;
    while (pos < text.size() && is_digit(text[pos])) {
        whole = whole * 10 + (text[pos] - '0');
        any = true;
        if (whole > kMaxSpanSeconds) throw TimeArgError("'" + shown(text) + "' is too long");
        ++pos;
    }
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        while (pos < text.size() && is_digit(text[pos])) {
            if (frac_scale < 1'000'000) {
                frac = frac * 10 + (text[pos] - '0');
                frac_scale *= 10;
            }
            any = true;
            ++pos;
        }
    }
    if (!any) throw TimeArgError("'" + shown(text) + "': " + kSpanHelp);
    const std::string_view unit = text.substr(pos);
    std::int64_t scale = 0;
    if (unit == "s") scale = 1;
    if (unit == "m" || unit == "min") scale = 60;
    if (unit == "h") scale = 3600;
    if (unit == "d") scale = 86400;
    if (unit == "w") scale = 7 * 86400;
    if (scale == 0) throw TimeArgError("'" + shown(text) + "': " + kSpanHelp);
    if (whole > kMaxSpanSeconds / scale) throw TimeArgError("'" + shown(text) + "' is too long");
    const std::int64_t seconds = whole * scale + frac * scale / frac_scale;
    if (seconds > kMaxSpanSeconds) throw TimeArgError("'" + shown(text) + "' is too long");
    if (seconds < 1) throw TimeArgError("'" + shown(text) + "' is shorter than a second");
    return seconds;
}

std::int64_t parse_time_point(std::string_view text, std::int64_t now, std::int64_t utc_offset) {
    if (text == "now") return now;
    if (!text.empty() && text[0] == '@') {
        std::int64_t value = 0;
        if (text.size() < 2 || text.size() > 13) {
            throw TimeArgError("'" + shown(text) + "': " + kTimeHelp);
        }
        for (char c : text.substr(1)) {
            if (!is_digit(c)) throw TimeArgError("'" + shown(text) + "': " + kTimeHelp);
            value = value * 10 + (c - '0');
        }
        return value;
    }
    if (text.size() >= 10 && is_digit(text[0]) && text.size() > 4 && text[4] == '-') {
        if (auto t = parse_date_time(text, utc_offset)) return *t;
        throw TimeArgError("'" + shown(text) + "': not a valid date or time; " + kTimeHelp);
    }
    std::string_view span = text;
    if (!span.empty() && span[0] == '-') span.remove_prefix(1);
    try {
        return now - parse_span(span);
    } catch (const TimeArgError&) {
        throw TimeArgError("'" + shown(text) + "': " + kTimeHelp);
    }
}

std::int64_t local_utc_offset(std::int64_t when) {
    const auto t = static_cast<std::time_t>(when);
    std::tm local{};
    if (::localtime_r(&t, &local) == nullptr) return 0;
    return local.tm_gmtoff;
}

std::string format_utc(std::int64_t unix_seconds) {
    const auto t = static_cast<std::time_t>(unix_seconds);
    std::tm utc{};
    if (::gmtime_r(&t, &utc) == nullptr) return "?";
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
    return buf;
}

}  // namespace sstop::host::history
