// Writes the seed frames of corpus/packet/ in the fuzz_packet layout (selector byte, frame).
// Usage: fuzz_make_packet_seeds <dir>. The frames come from the afpacket tests' builders.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "frames.hpp"

using namespace sstop::plugins::afpacket::testing;

namespace {

constexpr std::uint8_t kEthernet = 0;
constexpr std::uint8_t kLoopback = 1;
constexpr std::uint8_t kRawIp = 2;
constexpr std::uint16_t kEthIpv4 = 0x0800;
constexpr std::uint16_t kEthIpv6 = 0x86DD;
constexpr std::uint16_t kEthArp = 0x0806;
constexpr std::uint16_t kTpid8021Q = 0x8100;
constexpr std::uint16_t kTpid8021AD = 0x88A8;
constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kIcmp = 1;

struct Seed {
    std::string name;
    std::uint8_t selector;
    Bytes frame;
};

std::uint16_t u16(std::size_t n) { return static_cast<std::uint16_t>(n); }

std::vector<Seed> seeds() {
    std::vector<Seed> s;
    const Bytes payload = zeros(100);
    // Ethernet / IPv4 / TCP with payload, and with TCP options.
    s.push_back({"eth_ipv4_tcp", kEthernet,
                 cat({ethernet(kEthIpv4), ipv4(kTcp, kA4, kB4, u16(20 + 20 + 100)), tcp(40000, 443),
                      payload})});
    s.push_back({"eth_ipv4_tcp_options", kEthernet,
                 cat({ethernet(kEthIpv4), ipv4(kTcp, kA4, kB4, u16(24 + 32 + 10), 4),
                      tcp(22, 50000, 8), zeros(10)})});
    s.push_back({"lo_ipv4_tcp", kLoopback,
                 cat({ethernet(kEthIpv4), ipv4(kTcp, kA4, kA4, u16(40)), tcp(1, 2)})});
    // Cut by the snaplen: 64 captured bytes of a 1500-byte packet (selector: +1 KiB wire).
    {
        Bytes f = cat({ethernet(kEthIpv4), ipv4(kTcp, kA4, kB4, 1500), tcp(80, 40001)});
        s.push_back({"eth_ipv4_tcp_snapped", static_cast<std::uint8_t>(kEthernet | (2 << 2)), f});
    }
    // GSO super-packet: IP total length 0, the wire length is the truth.
    s.push_back({"eth_ipv4_tcp_gso", static_cast<std::uint8_t>(kEthernet | (60 << 2)),
                 cat({ethernet(kEthIpv4), ipv4(kTcp, kA4, kB4, 0), tcp(5201, 40002)})});
    // UDP, plain and as first/second IPv4 fragment.
    s.push_back({"eth_ipv4_udp", kEthernet,
                 cat({ethernet(kEthIpv4), ipv4(kUdp, kA4, kB4, u16(20 + 8 + 100)),
                      udp(53, 33333, u16(8 + 100)), payload})});
    s.push_back({"eth_ipv4_udp_first_fragment", kEthernet,
                 cat({ethernet(kEthIpv4), ipv4(kUdp, kA4, kB4, u16(20 + 8 + 100), 0, 0x2000),
                      udp(4789, 4789, u16(8 + 3000)), payload})});
    s.push_back(
        {"eth_ipv4_udp_later_fragment", kEthernet,
         cat({ethernet(kEthIpv4), ipv4(kUdp, kA4, kB4, u16(20 + 100), 0, 0x0010), payload})});
    s.push_back({"eth_ipv4_icmp", kEthernet,
                 cat({ethernet(kEthIpv4), ipv4(kIcmp, kA4, kB4, u16(20 + 8)), zeros(8)})});
    s.push_back({"eth_ipv4_bad_ihl", kEthernet,
                 cat({ethernet(kEthIpv4), ipv4(kTcp, kA4, kB4, 40, 0, 0, 3), tcp(1, 2)})});
    // VLAN, QinQ and too many tags.
    s.push_back({"eth_vlan_ipv4_tcp", kEthernet,
                 cat({ethernet(kEthIpv4, {{kTpid8021Q, 100}}), ipv4(kTcp, kA4, kB4, 40),
                      tcp(1000, 2000)})});
    s.push_back({"eth_qinq_ipv6_udp", kEthernet,
                 cat({ethernet(kEthIpv6, {{kTpid8021AD, 10}, {kTpid8021Q, 20}}),
                      ipv6(kUdp, kA6, kB6, 8 + 20), udp(123, 123, 8 + 20), zeros(20)})});
    s.push_back({"eth_five_tags", kEthernet,
                 cat({ethernet(kEthIpv4, {{kTpid8021AD, 1},
                                          {kTpid8021Q, 2},
                                          {kTpid8021Q, 3},
                                          {kTpid8021Q, 4},
                                          {kTpid8021Q, 5}}),
                      ipv4(kTcp, kA4, kB4, 40), tcp(1, 2)})});
    // IPv6 with extension headers, and fragments.
    s.push_back(
        {"eth_ipv6_tcp", kEthernet,
         cat({ethernet(kEthIpv6), ipv6(kTcp, kA6, kB6, 20 + 50), tcp(443, 40003), zeros(50)})});
    s.push_back({"eth_ipv6_ext_tcp", kEthernet,
                 cat({ethernet(kEthIpv6), ipv6(0, kA6, kB6, 8 + 16 + 8 + 20), ext_header(43, 8),
                      ext_header(60, 16), ext_header(kTcp, 8), tcp(8080, 40004)})});
    {
        Bytes f = cat({ethernet(kEthIpv6), ipv6(60, kA6, kB6, 9 * 8 + 20)});
        for (int i = 0; i < 9; ++i) f = cat({f, ext_header(i == 8 ? kTcp : 60, 8)});
        s.push_back({"eth_ipv6_nine_ext", kEthernet, cat({f, tcp(1, 2)})});
    }
    s.push_back({"eth_ipv6_frag_first_udp", kEthernet,
                 cat({ethernet(kEthIpv6), ipv6(44, kA6, kB6, 8 + 8 + 100), frag6(kUdp, 0, true),
                      udp(5353, 5353, 8 + 2000), payload})});
    s.push_back(
        {"eth_ipv6_frag_later", kEthernet,
         cat({ethernet(kEthIpv6), ipv6(44, kA6, kB6, 8 + 100), frag6(kUdp, 185, false), payload})});
    s.push_back({"eth_ipv6_jumbo", static_cast<std::uint8_t>(kEthernet | (63 << 2)),
                 cat({ethernet(kEthIpv6), ipv6(kTcp, kA6, kB6, 0), tcp(1, 2)})});
    // Raw IP (tun, wireguard).
    s.push_back(
        {"raw_ipv4_udp", kRawIp,
         cat({ipv4(kUdp, kA4, kB4, u16(20 + 8 + 30)), udp(51820, 51820, 8 + 30), zeros(30)})});
    s.push_back({"raw_ipv6_tcp", kRawIp, cat({ipv6(kTcp, kA6, kB6, 20), tcp(22, 40005)})});
    // Not IP.
    s.push_back({"eth_arp", kEthernet, cat({ethernet(kEthArp), zeros(28)})});
    s.push_back(
        {"unsupported_link", 3, cat({ethernet(kEthIpv4), ipv4(kTcp, kA4, kB4, 40), tcp(1, 2)})});
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <dir>\n", argv[0]);
        return 2;
    }
    const std::filesystem::path dir(argv[1]);
    std::filesystem::create_directories(dir);
    for (const Seed& seed : seeds()) {
        std::ofstream out(dir / seed.name, std::ios::binary);
        out.put(static_cast<char>(seed.selector));
        out.write(reinterpret_cast<const char*>(seed.frame.data()),
                  static_cast<std::streamsize>(seed.frame.size()));
        if (!out) {
            std::fprintf(stderr, "cannot write %s\n", (dir / seed.name).c_str());
            return 1;
        }
    }
    return 0;
}
