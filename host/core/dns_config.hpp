#pragma once
// What the reverse-DNS resolver is told to do: plain values, filled by the config layer from
// `dns:` (like AggregatorConfig), so the core needs no config or YAML code.

#include <chrono>
#include <cstddef>
#include <string>

namespace sstop::core {

/// Reverse-DNS settings (`dns:`).
struct DnsConfig {
    bool enabled = true;
    std::size_t workers = 2;
    std::size_t queue_size = 256;
    std::size_t cache_size = 4096;
    std::chrono::nanoseconds ttl = std::chrono::minutes(5);
    std::chrono::nanoseconds negative_ttl = std::chrono::minutes(1);
    std::chrono::nanoseconds timeout = std::chrono::seconds(2);
    /// Read before any nameserver is asked (`dns.hosts_file`); "" = none.
    std::string hosts_file = "/etc/hosts";
};

}  // namespace sstop::core
