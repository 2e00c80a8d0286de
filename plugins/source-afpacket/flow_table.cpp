#include "flow_table.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace sstop::plugins::afpacket {
namespace {
constexpr std::size_t kInitialSlots = 4096;
}

FlowKey make_flow_key(Proto proto, const Endpoint& local, const Endpoint& remote) noexcept {
    FlowKey key;
    key.proto = static_cast<std::uint8_t>(proto);
    key.family = static_cast<std::uint8_t>(local.addr.family);
    key.local_port = local.port;
    key.remote_port = remote.port;
    key.local = local.addr.bytes;
    key.remote = remote.addr.bytes;
    return key;
}

SocketKey to_socket_key(const FlowKey& key) noexcept {
    SocketKey out;
    out.proto = static_cast<Proto>(key.proto);
    out.local.addr.family = static_cast<Family>(key.family);
    out.local.addr.bytes = key.local;
    out.local.port = key.local_port;
    out.remote.addr.family = static_cast<Family>(key.family);
    out.remote.addr.bytes = key.remote;
    out.remote.port = key.remote_port;
    return out;
}

std::uint64_t flow_hash(const FlowKey& key) noexcept {
    std::uint64_t words[5];
    std::memcpy(words, &key, sizeof(words));
    std::uint64_t h = 0x243F6A8885A308D3ULL;
    for (std::uint64_t w : words) {
        h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
    }
    h *= 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 32);
}

FlowTable::FlowTable(std::size_t max_flows, FlowHash hash)
    : max_flows_(std::max<std::size_t>(max_flows, 1)),
      max_slots_(std::bit_ceil(max_flows_) * 2),
      hash_(hash),
      slots_(std::min(kInitialSlots, max_slots_)) {}

std::size_t FlowTable::probe(const FlowKey& key) const {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash_(key) & mask;
    // Terminates: the load factor is kept ≤ 0.5, so an empty slot always exists.
    while (used(slots_[i]) && !(slots_[i].key == key)) i = (i + 1) & mask;
    return i;
}

FlowCounters* FlowTable::upsert(const FlowKey& key, std::int64_t now_ns) {
    if (key.proto == 0) return nullptr;  // not storable: proto 0 marks an empty slot
    std::size_t i = probe(key);
    if (!used(slots_[i])) {
        if (size_ >= max_flows_) return nullptr;
        if ((size_ + 1) * 2 > slots_.size()) {
            rehash(slots_.size() * 2);
            i = probe(key);
        }
        slots_[i] = Entry{key, {}};
        ++size_;
    }
    slots_[i].counters.last_seen_ns = now_ns;
    return &slots_[i].counters;
}

bool FlowTable::add(const FlowKey& key, Direction dir, std::uint64_t bytes, std::int64_t now_ns) {
    FlowCounters* c = upsert(key, now_ns);
    if (c == nullptr) return false;
    if (dir == Direction::Rx) {
        c->rx_bytes += bytes;
        ++c->rx_packets;
    } else {
        c->tx_bytes += bytes;
        ++c->tx_packets;
    }
    return true;
}

std::optional<std::uint64_t> FlowTable::add_tcp(const FlowKey& key, Direction dir,
                                                const TcpSegment& seg, std::int64_t now_ns) {
    FlowCounters* c = upsert(key, now_ns);
    if (c == nullptr) return std::nullopt;
    const bool rx = dir == Direction::Rx;
    const std::uint64_t bytes = tcp_new_payload(rx ? c->rx_seq : c->tx_seq, seg);
    (rx ? c->rx_bytes : c->tx_bytes) += bytes;
    ++(rx ? c->rx_packets : c->tx_packets);
    return bytes;
}

std::size_t FlowTable::prune(std::int64_t cutoff_ns) {
    std::size_t stale = 0;
    for (const Slot& s : slots_) stale += used(s) && s.counters.last_seen_ns < cutoff_ns;
    if (stale == 0) return 0;
    // Rebuilding is simpler than tombstones or backward shifts and runs rarely.
    std::vector<Entry> live;
    live.reserve(size_ - stale);
    for (const Slot& s : slots_)
        if (used(s) && s.counters.last_seen_ns >= cutoff_ns) live.push_back(s);
    std::fill(slots_.begin(), slots_.end(), Slot{});
    size_ = 0;
    for (const Entry& e : live) {
        slots_[probe(e.key)] = e;
        ++size_;
    }
    return stale;
}

void FlowTable::rehash(std::size_t slot_count) {
    slot_count = std::min(slot_count, max_slots_);
    std::vector<Slot> old(slot_count);
    old.swap(slots_);
    for (const Slot& s : old)
        if (used(s)) slots_[probe(s.key)] = s;
}

const FlowCounters* FlowTable::find(const FlowKey& key) const {
    const std::size_t i = probe(key);
    return used(slots_[i]) ? &slots_[i].counters : nullptr;
}

void FlowTable::copy_to(std::vector<Entry>& out) const {
    out.reserve(out.size() + size_);
    for (const Slot& s : slots_)
        if (used(s)) out.push_back(s);
}

}  // namespace sstop::plugins::afpacket
