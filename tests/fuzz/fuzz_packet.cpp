// Fuzz target: one captured frame through the afpacket parser and the flow accounting.
// Layout (as oss-fuzz's tcpdump targets): byte 0 picks the link, the rest is the frame.
//   bits 0-1  link: 0 Ethernet, 1 loopback (Ethernet-framed), 2 raw IP (tun), 3 unsupported
//   bits 2-7  extra wire length in KiB beyond the captured bytes (a frame cut by the snaplen,
//             or a GSO super-packet whose IP length is 0)

#include <linux/if_arp.h>
#include <linux/if_packet.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "flow_accounting.hpp"
#include "fuzz_check.hpp"
#include "packet_parser.hpp"

namespace afp = sstop::plugins::afpacket;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t selector = data[0];
    const std::span<const std::uint8_t> frame(data + 1, size - 1);
    constexpr std::uint16_t kHatypes[] = {ARPHRD_ETHER, ARPHRD_LOOPBACK, ARPHRD_NONE,
                                          ARPHRD_IEEE80211_RADIOTAP};
    const std::uint16_t hatype = kHatypes[selector & 0x3];
    const std::uint32_t wire_len = static_cast<std::uint32_t>(frame.size()) +
                                   (static_cast<std::uint32_t>(selector >> 2) << 10);

    const afp::PacketMeta meta{afp::link_type_for_hatype(hatype), wire_len};
    const afp::ParsedPacket p = afp::parse_packet(frame, meta);
    SSTOP_FUZZ_CHECK(p.vlan_tags <= afp::kMaxVlanTags);
    if (p.status == afp::ParseStatus::Flow) {
        // Every IP protocol is a flow; only TCP, UDP and SCTP have ports.
        if (p.proto != sstop::Proto::Tcp && p.proto != sstop::Proto::Udp &&
            p.proto != sstop::Proto::Sctp)
            SSTOP_FUZZ_CHECK(p.src.port == 0 && p.dst.port == 0);
        SSTOP_FUZZ_CHECK(p.src.addr.family == p.dst.addr.family);
        SSTOP_FUZZ_CHECK(p.src.addr.family == sstop::Family::V4 ||
                         p.src.addr.family == sstop::Family::V6);
        // A UDP first fragment claims the whole datagram (≤ 64 KiB); else bytes are on the wire.
        SSTOP_FUZZ_CHECK(p.payload_bytes <= std::max<std::uint64_t>(wire_len, 65535));
    }

    // The same frame in both directions through the accounting, with and without an
    // out-of-band VLAN tag, so direction, duplicate and VLAN logic see fuzzed input too.
    afp::FlowAccounting accounting(/*max_flows=*/4, /*lo_ifindex=*/1,
                                   [](int ifindex) { return ifindex == 3; });
    const std::uint8_t pkt_types[] = {PACKET_HOST, PACKET_OUTGOING};
    std::int64_t now = 1;
    for (const std::uint8_t pkt_type : pkt_types) {
        for (int ifindex = 1; ifindex <= 3; ++ifindex) {
            afp::Frame f;
            f.bytes = frame;
            f.wire_len = wire_len;
            f.hatype = hatype;
            f.pkt_type = pkt_type;
            f.ifindex = ifindex;
            f.vlan_valid = ifindex == 2;
            f.vlan_tci = ifindex == 2 ? 0x0064 : 0;
            accounting.count(f, now++);
        }
    }
    const afp::CaptureCounters& c = accounting.counters();
    SSTOP_FUZZ_CHECK(c.packets == 6);
    SSTOP_FUZZ_CHECK(c.counted + c.malformed + c.fragments + c.unparsed + c.duplicates <=
                     c.packets);
    SSTOP_FUZZ_CHECK(accounting.table().size() <= 4);
    accounting.prune(now);
    return 0;
}
