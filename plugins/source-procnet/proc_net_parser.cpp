#include "proc_net_parser.hpp"

#include <cstdint>
#include <cstring>
#include <linuxproc/number.hpp>
#include <optional>

namespace sstop::plugins::procnet {
namespace {

// Splits `text` into whitespace-separated tokens, at most N; returns how many were found.
template <std::size_t N>
std::size_t split(std::string_view text, std::string_view (&out)[N]) {
    std::size_t count = 0;
    std::size_t pos = 0;
    while (count < N) {
        pos = text.find_first_not_of(" \t", pos);
        if (pos == std::string_view::npos) break;
        std::size_t end = text.find_first_of(" \t", pos);
        if (end == std::string_view::npos) end = text.size();
        out[count++] = text.substr(pos, end - pos);
        pos = end;
    }
    return count;
}

using linuxproc::parse_unsigned;

// The kernel prints each 32-bit word of the address with "%08X" of the word as loaded in host
// order; storing the parsed integer back in host order restores the network-order bytes.
std::optional<sstop::Endpoint> parse_endpoint(std::string_view text, sstop::Family family) {
    const std::size_t addr_len = family == sstop::Family::V6 ? 32 : 8;
    if (text.size() != addr_len + 5 || text[addr_len] != ':') return std::nullopt;
    sstop::Endpoint ep;
    ep.addr.family = family;
    for (std::size_t word = 0; word < addr_len / 8; ++word) {
        auto value = parse_unsigned<std::uint32_t>(text.substr(word * 8, 8), 16);
        if (!value) return std::nullopt;
        std::memcpy(ep.addr.bytes.data() + word * 4, &*value, 4);
    }
    auto port = parse_unsigned<std::uint16_t>(text.substr(addr_len + 1), 16);
    if (!port) return std::nullopt;
    ep.port = *port;

    if (family == sstop::Family::V6) {
        static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0,    0,
                                                           0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(ep.addr.bytes.data(), kMappedPrefix, sizeof kMappedPrefix) == 0) {
            sstop::IpAddr v4;
            v4.family = sstop::Family::V4;
            std::memcpy(v4.bytes.data(), ep.addr.bytes.data() + 12, 4);
            ep.addr = v4;
        }
    }
    return ep;
}

bool is_unset(const sstop::Endpoint& ep) {
    if (ep.port != 0) return false;
    for (std::uint8_t b : ep.addr.bytes) {
        if (b != 0) return false;
    }
    return true;
}

sstop::SocketState to_state(std::uint32_t value) {
    if (value >= static_cast<std::uint32_t>(sstop::SocketState::Established) &&
        value <= static_cast<std::uint32_t>(sstop::SocketState::NewSynRecv)) {
        return static_cast<sstop::SocketState>(value);
    }
    return sstop::SocketState::Unknown;
}

// `   0: 0100007F:B71F 00000000:0000 0A 00000000:00000000 00:00000000 00000000  0  0 9281 ...`
//  sl   local         remote        st tx:rx             tr:when     retrnsmt uid tmo inode
std::optional<sstop::SocketObs> parse_socket_line(std::string_view line, sstop::Proto proto,
                                                  sstop::Family family) {
    std::string_view f[10];
    if (split(line, f) < 10) return std::nullopt;
    if (f[0].size() < 2 || f[0].back() != ':' ||
        !parse_unsigned<std::uint32_t>(f[0].substr(0, f[0].size() - 1), 10)) {
        return std::nullopt;
    }
    auto local = parse_endpoint(f[1], family);
    auto remote = parse_endpoint(f[2], family);
    auto state = parse_unsigned<std::uint32_t>(f[3], 16);
    auto uid = parse_unsigned<std::uint32_t>(f[7], 10);
    auto inode = parse_unsigned<std::uint64_t>(f[9], 10);
    if (!local || !remote || !state || f[3].size() != 2 || !uid || !inode) return std::nullopt;

    sstop::SocketObs sock;
    sock.key.proto = proto;
    sock.key.local = *local;
    if (!is_unset(*remote)) sock.key.remote = *remote;
    sock.state = to_state(*state);
    sock.uid = *uid;
    sock.inode = *inode;
    return sock;
}

// Calls `fn(line)` for each complete line after `skip` header lines; counts an unterminated
// last line or an overlong one in `malformed` instead.
template <typename Fn>
void for_each_line(std::string_view text, std::size_t skip, std::size_t& malformed, Fn&& fn) {
    std::size_t pos = 0;
    std::size_t index = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            if (index >= skip) ++malformed;  // truncated read: never half-parse a line
            return;
        }
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (index++ < skip) continue;
        if (line.size() > kMaxLineLength || !fn(line)) ++malformed;
    }
}

}  // namespace

ProcNetParse parse_proc_net(std::string_view text, sstop::Proto proto, sstop::Family family) {
    ProcNetParse out;
    for_each_line(text, 1, out.malformed, [&](std::string_view line) {
        auto sock = parse_socket_line(line, proto, family);
        if (!sock) return false;
        if (proto == sstop::Proto::Unknown) {
            // /proc/net/raw{,6}: the "port" is the socket's IP protocol. Flows of such a
            // protocol have no ports, so the key has none either.
            if (sock->key.local.port == 0 || sock->key.local.port > 255) return false;
            sock->key.proto = static_cast<sstop::Proto>(sock->key.local.port);
            sock->key.local.port = 0;
            sock->key.remote.port = 0;
        }
        out.sockets.push_back(*sock);
        return true;
    });
    return out;
}

// `  eth0: 18856757  459 0 0 0 0 0 0    26062  306 0 0 0 0 0 0`: the name ends at the colon,
// which the kernel does not always follow with a space ("%6s:%8lu").
ProcNetDevParse parse_proc_net_dev(std::string_view text) {
    ProcNetDevParse out;
    for_each_line(text, 2, out.malformed, [&](std::string_view line) {
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) return false;
        std::string_view name = line.substr(0, colon);
        std::size_t first = name.find_first_not_of(" \t");
        if (first == std::string_view::npos) return false;
        name = name.substr(first);
        if (name.find_first_of(" \t") != std::string_view::npos) return false;
        std::string_view f[16];
        if (split(line.substr(colon + 1), f) < 10) return false;
        std::uint64_t values[10];
        for (std::size_t i = 0; i < 10; ++i) {
            auto v = parse_unsigned<std::uint64_t>(f[i], 10);
            if (!v) return false;
            values[i] = *v;
        }
        sstop::InterfaceObs obs;
        obs.name = std::string(name);
        obs.rx_bytes = values[0];
        obs.rx_packets = values[1];
        obs.tx_bytes = values[8];
        obs.tx_packets = values[9];
        out.interfaces.push_back(std::move(obs));
        return true;
    });
    return out;
}

namespace {

// Flags of <linux/route.h>, which is not worth the include for two bits.
constexpr std::uint32_t kRtfUp = 0x0001;
constexpr std::uint32_t kRtfReject = 0x0200;

bool is_zero_hex(std::string_view field, std::size_t digits) {
    return field.size() == digits && field.find_first_not_of('0') == std::string_view::npos;
}

void add_interface(DefaultRouteParse& out, std::string_view name) {
    for (const std::string& known : out.interfaces) {
        if (known == name) return;
    }
    if (out.interfaces.size() < kMaxDefaultRouteInterfaces) out.interfaces.emplace_back(name);
}

}  // namespace

// `eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0`
//  Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
DefaultRouteParse parse_proc_net_route(std::string_view text) {
    DefaultRouteParse out;
    for_each_line(text, 1, out.malformed, [&](std::string_view line) {
        std::string_view f[11];
        if (split(line, f) < 11) return false;
        auto flags = parse_unsigned<std::uint32_t>(f[3], 16);
        if (f[1].size() != 8 || f[7].size() != 8 || !flags ||
            !parse_unsigned<std::uint32_t>(f[1], 16) || !parse_unsigned<std::uint32_t>(f[7], 16))
            return false;
        // An unreachable route has no device and prints "*".
        if (is_zero_hex(f[1], 8) && is_zero_hex(f[7], 8) && (*flags & kRtfUp) &&
            !(*flags & kRtfReject) && f[0] != "*")
            add_interface(out, f[0]);
        return true;
    });
    return out;
}

// `00000000000000000000000000000000 00 <src> 00 <next hop> 00000400 00000002 00000000 00000003
//  eth0`: dst dst_len src src_len next_hop metric refcnt use flags iface
DefaultRouteParse parse_proc_net_ipv6_route(std::string_view text) {
    DefaultRouteParse out;
    for_each_line(text, 0, out.malformed, [&](std::string_view line) {
        std::string_view f[10];
        if (split(line, f) < 10) return false;
        auto dst_len = parse_unsigned<std::uint32_t>(f[1], 16);
        auto flags = parse_unsigned<std::uint32_t>(f[8], 16);
        if (f[0].size() != 32 ||
            f[0].find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos ||
            !dst_len || !flags)
            return false;
        if (*dst_len == 0 && is_zero_hex(f[0], 32) && (*flags & kRtfUp) && !(*flags & kRtfReject))
            add_interface(out, f[9]);
        return true;
    });
    return out;
}

}  // namespace sstop::plugins::procnet
