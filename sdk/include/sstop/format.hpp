#pragma once
/// @file format.hpp
/// Formatting helpers every view and exporter needs, so third-party plugins print numbers
/// and addresses exactly like the built-in ones. Header-only; no OS calls.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <sstop/model.hpp>
#include <string>
#include <vector>

namespace sstop {

/// Longest text `format_addr_to` writes ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), plus one.
inline constexpr std::size_t kAddrTextMax = 48;

/// Writes `format_addr(a)` into `out` (at least kAddrTextMax bytes, not NUL-terminated) and
/// returns its length: the same text without a heap allocation, for hot loops.
inline std::size_t format_addr_to(const IpAddr& a, char* out) {
    // Hand-rolled, not snprintf: views and outputs format every remote address of every
    // snapshot (tens of thousands), so this is a hot path.
    char* p = out;
    if (a.family == Family::V4) {
        for (int i = 0; i < 4; ++i) {
            unsigned v = a.bytes[i];
            if (i) *p++ = '.';
            if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
            if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
            *p++ = static_cast<char>('0' + v % 10);
        }
        return static_cast<std::size_t>(p - out);
    }
    if (a.family != Family::V6) {
        *p = '*';
        return 1;
    }
    std::uint16_t w[8];
    for (int i = 0; i < 8; ++i)
        w[i] = static_cast<std::uint16_t>(a.bytes[2 * i] << 8 | a.bytes[2 * i + 1]);
    // RFC 5952: compress the longest run (>= 2) of zero words, the first one on a tie.
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (w[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && w[j] == 0) ++j;
        if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
        i = j;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            *p++ = ':';
            *p++ = ':';
            i += best_len - 1;
            continue;
        }
        if (p != out && p[-1] != ':') *p++ = ':';
        bool digits = false;  // lower-case hex without leading zeros
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned nibble = (w[i] >> shift) & 0xF;
            if (nibble != 0 || digits || shift == 0) {
                *p++ = kHex[nibble];
                digits = true;
            }
        }
    }
    return static_cast<std::size_t>(p - out);
}

/// An address as text: dotted quad for IPv4, RFC 5952 compressed form for IPv6, "*" for
/// an unset address.
inline std::string format_addr(const IpAddr& a) {
    char buf[kAddrTextMax];
    return std::string(buf, format_addr_to(a, buf));
}

/// An endpoint as text: "10.0.0.1:80", "[::1]:443", "*:53" (port 0 prints as "*").
inline std::string format_endpoint(const Endpoint& e) {
    std::string a = format_addr(e.addr);
    if (e.addr.family == Family::V6) a = "[" + a + "]";
    return a + ":" + (e.port ? std::to_string(e.port) : std::string("*"));
}

/// Bytes with a binary unit, 3 significant digits: "0 B", "999 B", "1.21 KiB", "12.1 MiB".
inline std::string format_bytes(double bytes) {
    static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (bytes >= 1024 && u < 5) bytes /= 1024, ++u;
    char buf[32];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%.0f B", bytes);
    else
        std::snprintf(buf, sizeof buf,
                      bytes < 10    ? "%.2f %s"
                      : bytes < 100 ? "%.1f %s"
                                    : "%.0f %s",
                      bytes, kUnits[u]);
    return buf;
}

/// A rate in bytes per second: "1.21 MiB/s".
inline std::string format_rate(double bytes_per_second) {
    return format_bytes(bytes_per_second < 0 ? 0 : bytes_per_second) + "/s";
}

/// An age in seconds: "45s", "3m12s", "2h5m", "1d4h".
inline std::string format_age(double seconds) {
    auto s = static_cast<std::uint64_t>(seconds < 0 ? 0 : seconds);
    char buf[32];
    if (s < 60)
        std::snprintf(buf, sizeof buf, "%llus", static_cast<unsigned long long>(s));
    else if (s < 3600)
        std::snprintf(buf, sizeof buf, "%llum%llus", static_cast<unsigned long long>(s / 60),
                      static_cast<unsigned long long>(s % 60));
    else if (s < 86400)
        std::snprintf(buf, sizeof buf, "%lluh%llum", static_cast<unsigned long long>(s / 3600),
                      static_cast<unsigned long long>(s % 3600 / 60));
    else
        std::snprintf(buf, sizeof buf, "%llud%lluh", static_cast<unsigned long long>(s / 86400),
                      static_cast<unsigned long long>(s % 86400 / 3600));
    return buf;
}

/// A sparkline of the last `width` values, scaled to the largest of them: Unicode blocks
/// (▁…█) or, with `unicode` false, the ASCII ramp " .:-=+*#".
inline std::string sparkline(const std::vector<double>& values, int width, bool unicode) {
    static const char* const kBlocks[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    static const char kAscii[] = " .:-=+*#@";
    if (width <= 0) return {};
    std::size_t n = values.size() < static_cast<std::size_t>(width)
                        ? values.size()
                        : static_cast<std::size_t>(width);
    double top = 0;
    for (std::size_t i = values.size() - n; i < values.size(); ++i)
        if (values[i] > top) top = values[i];
    std::string out(static_cast<std::size_t>(width) - n, ' ');
    for (std::size_t i = values.size() - n; i < values.size(); ++i) {
        int level = top > 0 ? static_cast<int>(std::lround(values[i] / top * 8)) : 0;
        if (level < 0) level = 0;
        if (level > 8) level = 8;
        if (values[i] > 0 && level == 0) level = 1;  // show that something moved
        if (unicode)
            out += kBlocks[level];
        else
            out += kAscii[level];
    }
    return out;
}

}  // namespace sstop
