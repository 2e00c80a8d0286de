#pragma once
/// @file ring.hpp
/// RAII wrappers for the AF_PACKET socket and its TPACKET_V3 receive ring.

#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <sstop/unique_fd.hpp>
#include <string>
#include <vector>

namespace sstop::plugins::afpacket {

/// The classic BPF program attached to the socket: accept every frame (or, with
/// `ifindexes`, only frames of those interfaces) truncated to `snaplen` bytes, so the ring
/// carries headers only.
std::vector<sock_filter> build_filter(std::uint32_t snaplen, const std::vector<int>& ifindexes);

/// Geometry of the ring.
struct RingConfig {
    std::size_t ring_bytes = 2u << 20;  ///< total size
    std::uint32_t snaplen = 256;        ///< bytes kept of each frame
    std::vector<int> ifindexes;         ///< interfaces to capture; empty = all
    unsigned block_timeout_ms = 50;     ///< a partly filled block is handed over after this
};

/// An AF_PACKET socket bound to all interfaces with a mapped TPACKET_V3 receive ring.
/// Opening throws `sstop::PluginUnavailable` with one line on failure.
class PacketRing {
  public:
    explicit PacketRing(const RingConfig& config);
    PacketRing(const PacketRing&) = delete;
    PacketRing& operator=(const PacketRing&) = delete;
    ~PacketRing();

    int fd() const { return fd_.get(); }                    ///< the packet socket
    std::size_t block_count() const { return blocks_; }     ///< blocks in the ring
    std::size_t block_size() const { return block_size_; }  ///< bytes per block
    /// Start of block `i` (a `tpacket_block_desc`).
    std::uint8_t* block(std::size_t i) const { return map_ + i * block_size_; }
    /// Reads and resets the kernel's drop counter (`PACKET_STATISTICS`).
    std::uint64_t take_drops();

  private:
    UniqueFd fd_;
    std::uint8_t* map_ = nullptr;
    std::size_t map_len_ = 0;
    std::size_t block_size_ = 0;
    std::size_t blocks_ = 0;
};

/// The one line `open` reports when AF_PACKET is not permitted.
extern const char* const kNoCapNetRawMessage;

/// "what: strerror(err)".
std::string errno_message(const char* what, int err);

}  // namespace sstop::plugins::afpacket
