// Resolves one address through DnsResolver with the default transport (/etc/resolv.conf,
// port 53) and prints the name. Used by dns_netns_test under `ip netns exec`.
// Usage: dns_lookup_tool <address>; exit 0 and the name on stdout, or 1.

#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "core/dns_resolver.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: dns_lookup_tool <address>\n");
        return 2;
    }
    sstop::IpAddr addr;
    if (inet_pton(AF_INET, argv[1], addr.bytes.data()) == 1) {
        addr.family = sstop::Family::V4;
    } else if (inet_pton(AF_INET6, argv[1], addr.bytes.data()) == 1) {
        addr.family = sstop::Family::V6;
    } else {
        std::fprintf(stderr, "not an address: %s\n", argv[1]);
        return 2;
    }
    sstop::core::DnsConfig config;
    config.workers = 1;
    sstop::core::DnsResolver resolver(config);
    // The resolver is asynchronous by design, so a one-shot caller polls it.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        std::string name = resolver.name_of(addr);
        if (!name.empty()) {
            std::printf("%s\n", name.c_str());
            return 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (const auto& c : resolver.counters())
        std::fprintf(stderr, "%s=%llu\n", c.name.c_str(), static_cast<unsigned long long>(c.value));
    return 1;
}
