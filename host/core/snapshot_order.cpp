#include "core/snapshot_order.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

namespace sstop::core {
namespace {

// A SocketKey as 6 words whose lexicographic order is the key's operator<=> order: the
// fields in declaration order, each big-endian, so that the words compare like the bytes.
struct PackedKey {
    std::array<std::uint64_t, 6> words{};
    friend auto operator<=>(const PackedKey&, const PackedKey&) = default;
};

std::uint64_t load_be64(const unsigned char* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
    return v;
}

// 1 + 19 + 19 + 8 = 47 bytes: fits the 48 of PackedKey.
PackedKey pack(const SocketKey& key) {
    static_assert(sizeof(std::underlying_type_t<Proto>) == 1);
    static_assert(sizeof(std::underlying_type_t<Family>) == 1);
    unsigned char b[48] = {};
    std::size_t at = 0;
    b[at++] = static_cast<unsigned char>(key.proto);
    for (const Endpoint* e : {&key.local, &key.remote}) {
        b[at++] = static_cast<unsigned char>(e->addr.family);
        std::memcpy(b + at, e->addr.bytes.data(), e->addr.bytes.size());
        at += e->addr.bytes.size();
        b[at++] = static_cast<unsigned char>(e->port >> 8);
        b[at++] = static_cast<unsigned char>(e->port);
    }
    for (int shift = 56; shift >= 0; shift -= 8) {
        b[at++] = static_cast<unsigned char>(key.netns >> shift);
    }
    PackedKey k;
    for (std::size_t w = 0; w < k.words.size(); ++w) k.words[w] = load_be64(b + 8 * w);
    return k;
}

struct Entry {
    double rate;
    PackedKey key;
    std::uint64_t cookie;
    std::uint64_t inode;
    std::uint32_t index;
};

}  // namespace

void sort_connections(std::vector<ConnectionSummary>& sockets) {
    if (sockets.size() < 2) return;
    // Scratch kept by the thread (the collector's): a vector this size freed and allocated
    // again every tick would be a fresh mapping to fault in each time.
    thread_local std::vector<Entry> order;
    order.clear();
    order.reserve(sockets.size());
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        const ConnectionSummary& c = sockets[i];
        order.push_back(Entry{c.traffic.rx_bps + c.traffic.tx_bps, pack(c.key), c.cookie, c.inode,
                              static_cast<std::uint32_t>(i)});
    }
    std::sort(order.begin(), order.end(), [](const Entry& a, const Entry& b) {
        if (a.rate != b.rate) return a.rate > b.rate;
        if (a.key != b.key) return a.key < b.key;
        return std::pair(a.cookie, a.inode) < std::pair(b.cookie, b.inode);
    });
    // Position i takes the summary at order[i].index: applied in place, cycle by cycle, so
    // each summary moves once and nothing is allocated. `index` is reused as the done mark.
    constexpr std::uint32_t kDone = ~std::uint32_t{0};
    for (std::size_t start = 0; start < order.size(); ++start) {
        if (order[start].index == kDone) continue;
        if (order[start].index == start) {
            order[start].index = kDone;
            continue;
        }
        ConnectionSummary held = std::move(sockets[start]);
        std::size_t at = start;
        while (true) {
            const std::size_t from = order[at].index;
            order[at].index = kDone;
            if (from == start) {
                sockets[at] = std::move(held);
                break;
            }
            sockets[at] = std::move(sockets[from]);
            at = from;
        }
    }
}

}  // namespace sstop::core
