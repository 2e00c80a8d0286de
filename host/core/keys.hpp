#pragma once
// Hashes and small predicates over the binary keys of the model, for the core's hash tables.
// Hashing the bytes directly keeps the per-socket cost of a tick free of string building.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sstop/model.hpp>

namespace sstop::core {

/// splitmix64 finaliser: every input bit affects every output bit.
inline std::uint64_t mix64(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// Folds `value` into the running hash `seed`.
inline std::uint64_t hash_combine(std::uint64_t seed, std::uint64_t value) noexcept {
    return mix64(seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2)));
}

inline std::uint64_t address_word(const IpAddr& addr, std::size_t half) noexcept {
    std::uint64_t word = 0;
    std::memcpy(&word, addr.bytes.data() + half * sizeof word, sizeof word);
    return word;
}

// Cheap multiply-fold per word, one strong mix at the end: a 5-tuple is hashed on every
// tick for every socket and flow.
inline std::uint64_t fold(std::uint64_t h, std::uint64_t word) noexcept {
    h ^= word;
    h *= 0x9fb21c651e98df25ULL;
    return h ^ (h >> 29);
}

inline std::uint64_t hash_ip(std::uint64_t seed, const IpAddr& addr) noexcept {
    seed = fold(seed, address_word(addr, 0) ^ static_cast<std::uint64_t>(addr.family) << 56);
    return fold(seed, address_word(addr, 1));
}

inline std::uint64_t hash_socket_key(std::uint64_t seed, const SocketKey& key) noexcept {
    const std::uint64_t small = static_cast<std::uint64_t>(key.proto) |
                                static_cast<std::uint64_t>(key.local.addr.family) << 8 |
                                static_cast<std::uint64_t>(key.remote.addr.family) << 16 |
                                static_cast<std::uint64_t>(key.local.port) << 24 |
                                static_cast<std::uint64_t>(key.remote.port) << 40;
    seed = fold(seed, small);
    seed = fold(seed, address_word(key.local.addr, 0));
    seed = fold(seed, address_word(key.local.addr, 1));
    seed = fold(seed, address_word(key.remote.addr, 0));
    seed = fold(seed, address_word(key.remote.addr, 1));
    return fold(seed, key.netns);
}

/// Hash of an `IpAddr` for unordered containers.
struct IpAddrHash {
    std::size_t operator()(const IpAddr& addr) const noexcept { return mix64(hash_ip(0, addr)); }
};

/// Hash of a `SocketKey` for unordered containers.
struct SocketKeyHash {
    std::size_t operator()(const SocketKey& key) const noexcept {
        return mix64(hash_socket_key(0, key));
    }
};

/// Hash of a `ProcessId` for unordered containers.
struct ProcessIdHash {
    std::size_t operator()(const ProcessId& id) const noexcept {
        return hash_combine(mix64(static_cast<std::uint32_t>(id.pid)), id.start_time);
    }
};

/// The identity of one socket across ticks: the kernel cookie when the source has it,
/// otherwise the 5-tuple plus the inode. Two sockets with one 5-tuple (a reused port) have
/// different identities, so the second starts with fresh counters.
struct SocketId {
    std::uint64_t cookie = 0;  ///< non-zero: the identity is (cookie, netns)
    std::uint64_t inode = 0;   ///< with `key`, when the cookie is unknown
    SocketKey key;             ///< only netns is set when the cookie is known
    friend bool operator==(const SocketId&, const SocketId&) = default;
};

/// Identity of an observed socket.
inline SocketId socket_id(const SocketObs& obs) noexcept {
    SocketId id;
    if (obs.cookie != 0) {
        id.cookie = obs.cookie;
        id.key.netns = obs.key.netns;  // cookies are per namespace on older kernels
        return id;
    }
    id.inode = obs.inode;
    id.key = obs.key;
    return id;
}

/// Hash of a `SocketId` for unordered containers.
struct SocketIdHash {
    std::size_t operator()(const SocketId& id) const noexcept {
        if (id.cookie != 0) {
            return mix64(id.cookie ^ mix64(id.key.netns));
        }
        return mix64(fold(hash_socket_key(0, id.key), id.inode));
    }
};

/// True when all address bytes are zero (the wildcard "any" address of either family).
inline bool is_wildcard(const IpAddr& addr) noexcept {
    for (const auto byte : addr.bytes) {
        if (byte != 0) {
            return false;
        }
    }
    return true;
}

/// True when the key has no remote end: family None, or an all-zero address with port 0
/// (how /proc/net shows it).
inline bool remote_unset(const SocketKey& key) noexcept {
    return key.remote.addr.family == Family::None ||
           (key.remote.port == 0 && is_wildcard(key.remote.addr));
}

/// An unconnected UDP socket ("UNCONN"): it receives from anyone on its local port. A
/// connected UDP socket is Established, so Close alone says "unconnected".
inline bool is_unconnected_udp(const SocketKey& key, SocketState state) noexcept {
    return key.proto == Proto::Udp && state == SocketState::Close;
}

/// A socket that waits for peers rather than talking to one: TCP LISTEN or unconnected UDP.
inline bool is_listening(const SocketKey& key, SocketState state) noexcept {
    return state == SocketState::Listen || is_unconnected_udp(key, state);
}

/// A socket with a peer: a connection, counted per remote host.
inline bool is_connected(const SocketKey& key, SocketState state) noexcept {
    return !is_listening(key, state) && !remote_unset(key);
}

}  // namespace sstop::core
