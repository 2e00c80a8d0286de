#pragma once
// The exporter's options, checked and converted from the host's validated `Options`.

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstop/options.hpp>
#include <string>
#include <string_view>

namespace sstop::plugins::prometheus {

/// A numeric listen address: `ADDR:PORT` (IPv4) or `[V6]:PORT`. Port 0 = any free port.
struct ListenAddress {
    int family = AF_INET;                 ///< AF_INET or AF_INET6
    std::array<std::uint8_t, 16> addr{};  ///< network order; IPv4 in the first 4 bytes
    std::uint16_t port = 0;               ///< host order
    std::string text;                     ///< as configured, for messages
    /// The socket address to bind; returns its length.
    socklen_t to_sockaddr(sockaddr_storage& out) const;
};

/// Parses `ADDR:PORT` or `[V6]:PORT` (numeric addresses only; no host names, so start-up
/// never waits for DNS). Empty when malformed.
std::optional<ListenAddress> parse_listen(std::string_view text);

/// Everything the exporter is configured with.
struct Settings {
    ListenAddress listen;              ///< where to listen
    std::size_t max_processes = 200;   ///< top-N processes (by total bytes) exported
    std::size_t max_remote_hosts = 0;  ///< top-N remote hosts exported, 0 = none
    std::size_t max_groups = 100;      ///< top-N groups (containers, units) exported, 0 = none
    std::string path = "/metrics";     ///< the metrics path
};

/// Range limits of the options (the descriptor declares the same).
inline constexpr std::int64_t kMaxProcessesLimit = 100000;
inline constexpr std::int64_t kMaxRemoteHostsLimit = 10000;
inline constexpr std::int64_t kMaxGroupsLimit = 10000;

/// Reads the options (`listen`, `max_processes`, `max_remote_hosts`, `path`). Throws
/// `sstop::PluginUnavailable` with a one-line reason for a malformed or out-of-range value
/// (the host checks ranges too; this also guards direct construction).
Settings settings_from_options(const Options& options);

}  // namespace sstop::plugins::prometheus
