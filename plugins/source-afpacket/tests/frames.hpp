#pragma once
// Builders of crafted frames for the afpacket tests.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

namespace sstop::plugins::afpacket::testing {

using Bytes = std::vector<std::uint8_t>;
using V4 = std::array<std::uint8_t, 4>;
using V6 = std::array<std::uint8_t, 16>;

inline void put16(Bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

/// Ethernet header with optional in-frame tags given as (tpid, tci).
inline Bytes ethernet(std::uint16_t ethertype,
                      std::initializer_list<std::pair<std::uint16_t, std::uint16_t>> tags = {}) {
    Bytes b = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
    for (const auto& [tpid, tci] : tags) {
        put16(b, tpid);
        put16(b, tci);
    }
    put16(b, ethertype);
    return b;
}

/// IPv4 header; `ihl_words` may differ from the real size to craft broken headers; options
/// are NOPs (`options_len` bytes, a multiple of 4).
inline Bytes ipv4(std::uint8_t proto, V4 src, V4 dst, std::uint16_t total_len,
                  std::size_t options_len = 0, std::uint16_t frag = 0, int ihl_words = -1) {
    const int ihl = ihl_words >= 0 ? ihl_words : static_cast<int>(5 + options_len / 4);
    Bytes b = {static_cast<std::uint8_t>(0x40 | ihl), 0};
    put16(b, total_len);
    put16(b, 0x1234);
    put16(b, frag);
    b.push_back(64);
    b.push_back(proto);
    put16(b, 0);
    b.insert(b.end(), src.begin(), src.end());
    b.insert(b.end(), dst.begin(), dst.end());
    b.insert(b.end(), options_len, 0x01);
    return b;
}

inline Bytes ipv6(std::uint8_t next, V6 src, V6 dst, std::uint16_t payload_len) {
    Bytes b = {0x60, 0, 0, 0};
    put16(b, payload_len);
    b.push_back(next);
    b.push_back(64);
    b.insert(b.end(), src.begin(), src.end());
    b.insert(b.end(), dst.begin(), dst.end());
    return b;
}

/// A hop-by-hop / routing / destination-options header of `len` bytes (multiple of 8).
inline Bytes ext_header(std::uint8_t next, std::size_t len) {
    Bytes b(len, 0);
    b[0] = next;
    b[1] = static_cast<std::uint8_t>(len / 8 - 1);
    return b;
}

inline Bytes frag6(std::uint8_t next, std::uint16_t offset_units, bool more) {
    Bytes b = {next, 0};
    put16(b, static_cast<std::uint16_t>((offset_units << 3) | (more ? 1 : 0)));
    b.insert(b.end(), {0, 0, 0, 7});
    return b;
}

/// TCP header; `flags` defaults to PSH|ACK.
inline Bytes tcp(std::uint16_t sport, std::uint16_t dport, int doff_words = 5,
                 std::uint32_t seq = 0, std::uint8_t flags = 0x18) {
    Bytes b;
    put16(b, sport);
    put16(b, dport);
    put16(b, static_cast<std::uint16_t>(seq >> 16));
    put16(b, static_cast<std::uint16_t>(seq));
    b.insert(b.end(), 4, 0);
    b.push_back(static_cast<std::uint8_t>(doff_words << 4));
    b.push_back(flags);
    put16(b, 65535);
    put16(b, 0);
    put16(b, 0);
    const int total = doff_words >= 5 ? doff_words * 4 : 20;
    b.insert(b.end(), static_cast<std::size_t>(total - 20), 0x01);
    return b;
}

inline Bytes udp(std::uint16_t sport, std::uint16_t dport, std::uint16_t len) {
    Bytes b;
    put16(b, sport);
    put16(b, dport);
    put16(b, len);
    put16(b, 0);
    return b;
}

inline Bytes zeros(std::size_t n) { return Bytes(n, 0); }

inline const V4 kA4 = {10, 0, 0, 1};
inline const V4 kB4 = {10, 0, 0, 2};
inline const V6 kA6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
inline const V6 kB6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

}  // namespace sstop::plugins::afpacket::testing
