#include "trace_events.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <linuxproc/number.hpp>
#include <span>

namespace sstop::plugins::netlink {

std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

namespace {

namespace lp = sstop::plugins::linuxproc;

constexpr std::uint16_t kTcp = 6;

// Value of `key=` in a space-separated key=value list.
std::optional<std::string_view> field(std::string_view payload, std::string_view key) {
    std::size_t pos = 0;
    while (pos < payload.size()) {
        std::size_t end = payload.find(' ', pos);
        if (end == std::string_view::npos) end = payload.size();
        std::string_view token = payload.substr(pos, end - pos);
        if (token.size() > key.size() && token.substr(0, key.size()) == key &&
            token[key.size()] == '=')
            return token.substr(key.size() + 1);
        pos = end + 1;
    }
    return std::nullopt;
}

// "TCP_SYN_SENT" → 2; the kernel prints an unknown value as a hex number instead.
std::optional<int> parse_state(std::string_view s) {
    static constexpr std::array<std::string_view, 13> kNames = {"",
                                                                "TCP_ESTABLISHED",
                                                                "TCP_SYN_SENT",
                                                                "TCP_SYN_RECV",
                                                                "TCP_FIN_WAIT1",
                                                                "TCP_FIN_WAIT2",
                                                                "TCP_TIME_WAIT",
                                                                "TCP_CLOSE",
                                                                "TCP_CLOSE_WAIT",
                                                                "TCP_LAST_ACK",
                                                                "TCP_LISTEN",
                                                                "TCP_CLOSING",
                                                                "TCP_NEW_SYN_RECV"};
    for (std::size_t i = 1; i < kNames.size(); ++i)
        if (s == kNames[i]) return static_cast<int>(i);
    if (s.substr(0, 2) == "0x")
        if (auto v = lp::parse_unsigned<std::uint32_t>(s.substr(2), 16); v && *v < 256)
            return static_cast<int>(*v);
    return std::nullopt;
}

std::optional<std::uint16_t> parse_port(std::string_view s) {
    auto v = lp::parse_unsigned<std::uint32_t>(s);
    if (!v || *v > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(*v);
}

// An IPv6 address as the tracepoint stores it: IPv4-mapped addresses become V4.
IpAddr from_v6_bytes(IpAddr out) {
    static constexpr std::array<std::uint8_t, 12> kMapped = {0, 0, 0, 0, 0,    0,
                                                             0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped.begin(), kMapped.end(), out.bytes.begin())) {
        std::array<std::uint8_t, 16> v4{};
        std::copy(out.bytes.begin() + 12, out.bytes.end(), v4.begin());
        out.bytes = v4;
        out.family = Family::V4;
    } else {
        out.family = Family::V6;
    }
    return out;
}

std::optional<IpAddr> parse_addr(std::string_view s, bool v6) {
    char buf[INET6_ADDRSTRLEN + 1];
    if (s.empty() || s.size() >= sizeof buf) return std::nullopt;
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    IpAddr out;
    if (!v6) {
        if (inet_pton(AF_INET, buf, out.bytes.data()) != 1) return std::nullopt;
        out.family = Family::V4;
        return out;
    }
    if (inet_pton(AF_INET6, buf, out.bytes.data()) != 1) return std::nullopt;
    return from_v6_bytes(out);
}

// The addresses of a raw record (4 bytes for AF_INET, 16 for AF_INET6).
std::optional<IpAddr> raw_addr(std::span<const std::uint8_t> bytes, bool v6) {
    IpAddr out;
    if (bytes.size() != (v6 ? 16u : 4u)) return std::nullopt;
    std::copy(bytes.begin(), bytes.end(), out.bytes.begin());
    if (!v6) {
        out.family = Family::V4;
        return out;
    }
    return from_v6_bytes(out);
}

}  // namespace

std::optional<std::int32_t> parse_pid(std::string_view s) {
    auto v = lp::parse_unsigned<std::uint32_t>(s);
    if (!v || *v > 0x7fffffffu) return std::nullopt;
    return static_cast<std::int32_t>(*v);
}

std::optional<StateEvent> parse_state_line(std::string_view line) {
    constexpr std::string_view kMarker = ": inet_sock_set_state: ";
    std::size_t m = line.find(kMarker);
    if (m == std::string_view::npos) return std::nullopt;
    std::string_view header = trim_blanks(line.substr(0, m));
    std::string_view payload = trim_blanks(line.substr(m + kMarker.size()));

    // Header, right to left: timestamp, flags, [cpu], optional (tgid), comm-pid.
    auto pop_token = [&header]() {
        std::size_t sp = header.find_last_of(' ');
        std::string_view tok = sp == std::string_view::npos ? header : header.substr(sp + 1);
        header = trim_blanks(header.substr(0, sp == std::string_view::npos ? 0 : sp));
        return tok;
    };
    std::string_view ts = pop_token();
    const std::size_t dot = ts.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    auto secs = lp::parse_unsigned<std::uint64_t>(ts.substr(0, dot));
    // The fraction has 6 digits under the trace clocks sstop sets; any 1-9 are read as such.
    std::string_view frac = ts.substr(dot + 1);
    auto fraction = lp::parse_unsigned<std::uint32_t>(frac);
    if (!secs || !fraction || frac.empty() || frac.size() > 9 || *secs > (1ull << 40))
        return std::nullopt;
    std::uint64_t nanos = *fraction;
    for (std::size_t d = frac.size(); d < 9; ++d) nanos *= 10;
    pop_token();  // irq/preempt flags
    std::string_view cpu = pop_token();
    if (cpu.size() < 3 || cpu.front() != '[' || cpu.back() != ']') return std::nullopt;

    StateEvent ev;
    ev.ts_ns = *secs * 1'000'000'000u + nanos;
    if (!header.empty() && header.back() == ')') {
        std::size_t open = header.rfind('(');
        if (open == std::string_view::npos) return std::nullopt;
        // "-------" when the kernel did not record the tgid yet: treat as absent.
        if (auto tgid = parse_pid(trim_blanks(header.substr(open + 1, header.size() - open - 2))))
            ev.tgid = *tgid;
        header = trim_blanks(header.substr(0, open));
    }
    std::size_t dash = header.rfind('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto pid = parse_pid(header.substr(dash + 1));
    if (!pid) return std::nullopt;
    ev.pid = *pid;
    ev.comm = header.substr(0, dash);

    auto family = field(payload, "family");
    auto protocol = field(payload, "protocol");
    auto sport = field(payload, "sport");
    auto dport = field(payload, "dport");
    auto old_state = field(payload, "oldstate");
    auto new_state = field(payload, "newstate");
    if (!family || !protocol || !sport || !dport || !old_state || !new_state) return std::nullopt;
    bool v6;
    if (*family == "AF_INET")
        v6 = false;
    else if (*family == "AF_INET6")
        v6 = true;
    else
        return std::nullopt;
    if (*protocol == "IPPROTO_TCP")
        ev.protocol = kTcp;
    else if (*protocol == "IPPROTO_SCTP")
        ev.protocol = 132;
    else if (*protocol == "IPPROTO_MPTCP")
        ev.protocol = 262;
    else
        return std::nullopt;
    auto sp = parse_port(*sport);
    auto dp = parse_port(*dport);
    auto os = parse_state(*old_state);
    auto ns = parse_state(*new_state);
    auto saddr = field(payload, v6 ? "saddrv6" : "saddr");
    auto daddr = field(payload, v6 ? "daddrv6" : "daddr");
    if (!sp || !dp || !os || !ns || !saddr || !daddr) return std::nullopt;
    auto sa = parse_addr(*saddr, v6);
    auto da = parse_addr(*daddr, v6);
    if (!sa || !da) return std::nullopt;
    ev.source = Endpoint{*sa, *sp};
    ev.dest = Endpoint{*da, *dp};
    ev.old_state = *os;
    ev.new_state = *ns;
    return ev;
}

std::optional<StateEvent> state_event_of(const RawStateRecord& raw, std::uint64_t ts_ns) {
    const bool v6 = raw.family == AF_INET6;
    if (raw.family != AF_INET && !v6) return std::nullopt;
    auto sa = raw_addr(raw.saddr, v6);
    auto da = raw_addr(raw.daddr, v6);
    if (!sa || !da) return std::nullopt;
    StateEvent ev;
    ev.pid = raw.pid;
    ev.protocol = raw.protocol;
    ev.source = Endpoint{*sa, raw.sport};
    ev.dest = Endpoint{*da, raw.dport};
    ev.old_state = raw.old_state;
    ev.new_state = raw.new_state;
    ev.ts_ns = ts_ns;
    ev.skaddr = raw.skaddr;
    return ev;
}

}  // namespace sstop::plugins::netlink
