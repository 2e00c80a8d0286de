#include "flow_accounting.hpp"

#include <linux/if_arp.h>
#include <linux/if_packet.h>

namespace sstop::plugins::afpacket {

bool InterfacePolicy::counts(int ifindex) {
    if (ifindex <= 0 || ifindex >= kMaxCachedIfindex) return !is_enslaved_(ifindex);
    const auto i = static_cast<std::size_t>(ifindex);
    if (cache_.size() <= i) cache_.resize(i + 1, -1);
    if (cache_[i] < 0) cache_[i] = is_enslaved_(ifindex) ? 0 : 1;
    return cache_[i] == 1;
}

FlowAccounting::FlowAccounting(std::size_t max_flows, int lo_ifindex,
                               InterfacePolicy::IsEnslaved is_enslaved)
    : table_(max_flows),
      lo_ifindex_(lo_ifindex),
      check_interfaces_(static_cast<bool>(is_enslaved)),
      policy_(std::move(is_enslaved)) {}

void FlowAccounting::add(const FlowKey& key, Direction dir, const ParsedPacket& p,
                         std::int64_t now_ns, bool second_copy) {
    bool stored = true;
    if (p.proto == Proto::Tcp) {
        const auto counted =
            table_.add_tcp(key, dir, TcpSegment{p.tcp_seq, p.payload_bytes, p.tcp_flags}, now_ns);
        stored = counted.has_value();
        if (stored && !second_copy && *counted < p.payload_bytes)
            counters_.tcp_resent_bytes += p.payload_bytes - *counted;
    } else {
        stored = table_.add(key, dir, p.payload_bytes, now_ns);
    }
    if (!stored) {
        ++counters_.flow_table_full;
        counters_.overflow_bytes += p.payload_bytes;
    }
}

void FlowAccounting::count(const Frame& frame, std::int64_t now_ns) {
    ++counters_.packets;
    const bool loopback =
        frame.hatype == ARPHRD_LOOPBACK || (lo_ifindex_ > 0 && frame.ifindex == lo_ifindex_);
    // lo shows every packet twice (OUTGOING, then HOST); the OUTGOING copy stands for both
    // ends. OTHERHOST frames were not addressed to this host (another socket turned on
    // promiscuous mode): no local socket sent or receives them.
    if ((loopback && frame.pkt_type != PACKET_OUTGOING) || frame.pkt_type == PACKET_OTHERHOST) {
        ++counters_.duplicates;
        return;
    }
    // A tagged frame with a VLAN id is seen again, untagged, on the VLAN device.
    if (frame.vlan_valid && (frame.vlan_tci & 0x0FFF) != 0) {
        ++counters_.duplicates;
        return;
    }
    if (check_interfaces_ && !policy_.counts(frame.ifindex)) {
        ++counters_.duplicates;
        return;
    }
    const ParsedPacket p =
        parse_packet(frame.bytes, PacketMeta{link_type_for_hatype(frame.hatype), frame.wire_len});
    switch (p.status) {
        case ParseStatus::Flow:
            break;
        case ParseStatus::Malformed:
            ++counters_.malformed;
            return;
        case ParseStatus::Fragment:
            ++counters_.fragments;
            return;
        case ParseStatus::Unparsed:
            ++counters_.unparsed;
            return;
        case ParseStatus::NotIp:
            return;
    }
    if (p.vlan_id != 0) {
        ++counters_.duplicates;
        return;
    }
    ++counters_.counted;
    if (loopback) {
        // Both ends are local: the sender sent it and the receiver received it.
        add(make_flow_key(p.proto, p.src, p.dst), Direction::Tx, p, now_ns);
        add(make_flow_key(p.proto, p.dst, p.src), Direction::Rx, p, now_ns, true);
    } else if (frame.pkt_type == PACKET_OUTGOING) {
        add(make_flow_key(p.proto, p.src, p.dst), Direction::Tx, p, now_ns);
    } else {
        add(make_flow_key(p.proto, p.dst, p.src), Direction::Rx, p, now_ns);
    }
}

}  // namespace sstop::plugins::afpacket
