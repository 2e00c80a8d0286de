#include "prometheus_settings.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <sstop/plugin.hpp>

namespace sstop::plugins::prometheus {

socklen_t ListenAddress::to_sockaddr(sockaddr_storage& out) const {
    std::memset(&out, 0, sizeof out);
    if (family == AF_INET6) {
        auto* s = reinterpret_cast<sockaddr_in6*>(&out);
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(port);
        std::memcpy(&s->sin6_addr, addr.data(), 16);
        return sizeof(sockaddr_in6);
    }
    auto* s = reinterpret_cast<sockaddr_in*>(&out);
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    std::memcpy(&s->sin_addr, addr.data(), 4);
    return sizeof(sockaddr_in);
}

std::optional<ListenAddress> parse_listen(std::string_view text) {
    ListenAddress out;
    out.text = std::string(text);
    std::string host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return std::nullopt;
        host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
        out.family = AF_INET6;
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = std::string(text.substr(0, colon));
        if (host.find(':') != std::string::npos) return std::nullopt;  // v6 needs brackets
        port = text.substr(colon + 1);
        out.family = AF_INET;
    }
    if (host.empty() || port.empty() || port.size() > 5) return std::nullopt;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(value);
    if (inet_pton(out.family, host.c_str(), out.addr.data()) != 1) return std::nullopt;
    return out;
}

Settings settings_from_options(const Options& options) {
    Settings s;
    const std::string& listen = options.get_string("listen");
    auto parsed = parse_listen(listen);
    if (!parsed)
        throw PluginUnavailable("prometheus: invalid listen address '" + listen +
                                "' (expected ADDR:PORT or [IPV6]:PORT, numeric)");
    s.listen = *parsed;

    std::int64_t procs = options.get_int("max_processes");
    if (procs < 1 || procs > kMaxProcessesLimit)
        throw PluginUnavailable("prometheus: max_processes " + std::to_string(procs) +
                                " is out of range 1.." + std::to_string(kMaxProcessesLimit));
    s.max_processes = static_cast<std::size_t>(procs);

    std::int64_t hosts = options.get_int("max_remote_hosts");
    if (hosts < 0 || hosts > kMaxRemoteHostsLimit)
        throw PluginUnavailable("prometheus: max_remote_hosts " + std::to_string(hosts) +
                                " is out of range 0.." + std::to_string(kMaxRemoteHostsLimit));
    s.max_remote_hosts = static_cast<std::size_t>(hosts);

    std::int64_t groups = options.get_int("max_groups");
    if (groups < 0 || groups > kMaxGroupsLimit)
        throw PluginUnavailable("prometheus: max_groups " + std::to_string(groups) +
                                " is out of range 0.." + std::to_string(kMaxGroupsLimit));
    s.max_groups = static_cast<std::size_t>(groups);

    s.path = options.get_string("path");
    bool path_ok = !s.path.empty() && s.path.front() == '/';
    for (char c : s.path)
        if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#') path_ok = false;
    if (!path_ok)
        throw PluginUnavailable("prometheus: invalid path '" + s.path +
                                "' (expected an absolute path such as /metrics)");
    return s;
}

}  // namespace sstop::plugins::prometheus
