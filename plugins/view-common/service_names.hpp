#pragma once
/// @file service_names.hpp
/// Names of well-known ports, as `/etc/services` gives them ("ssh" for tcp/22), for the views.

#include <cstddef>
#include <cstdint>
#include <sstop/model.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sstop::plugins::view_common {

/// A port → name table for TCP, UDP and SCTP, read once (the file does not change while sstop
/// runs, and a view must not read files while it draws). Bounded: at most kMaxEntries
/// names, from at most kMaxBytes of the file. Immutable after construction; any thread.
class ServiceNames {
  public:
    static constexpr std::size_t kMaxEntries = 65536;
    static constexpr std::size_t kMaxBytes = 4 * 1024 * 1024;

    /// An empty table: every lookup is "".
    ServiceNames() = default;

    /// Parses `/etc/services` text: `name port/protocol [aliases…] [# comment]`; the first
    /// line for a port and protocol wins (as getservbyport); malformed lines are skipped.
    static ServiceNames parse(std::string_view text, std::size_t max_entries = kMaxEntries);

    /// Reads and parses `path` (an unreadable or missing file gives an empty table).
    static ServiceNames load(const std::string& path);

    /// The service name of `port` for `proto`, "" when unknown or for a portless protocol.
    std::string_view name(Proto proto, std::uint16_t port) const;

    /// Number of names held.
    std::size_t size() const { return names_.size(); }

  private:
    static std::uint32_t key(Proto proto, std::uint16_t port) {
        return (static_cast<std::uint32_t>(proto) << 16) | port;
    }
    std::unordered_map<std::uint32_t, std::string> names_;
};

}  // namespace sstop::plugins::view_common
