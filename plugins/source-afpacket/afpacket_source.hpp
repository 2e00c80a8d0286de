#pragma once
/// @file afpacket_source.hpp
/// The AF_PACKET source: a TPACKET_V3 ring read on the host's capture thread, feeding a
/// bounded flow table that `collect` copies out on the collector thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <sstop/source.hpp>
#include <string>
#include <vector>

#include "flow_accounting.hpp"
#include "ring.hpp"

namespace sstop::plugins::afpacket {

/// Settings of the source (the plugin's config section).
struct AfpacketConfig {
    std::uint32_t snaplen = 256;        ///< bytes of each frame copied to the ring
    std::size_t ring_bytes = 2u << 20;  ///< ring size in bytes (libpcap's default too)
    std::size_t max_flows = 65536;      ///< bound of the flow table
    std::chrono::nanoseconds idle_timeout = std::chrono::seconds(60);  ///< flow expiry
    std::vector<std::string> interfaces;  ///< interface names; empty = all

    /// Reads the validated options declared in plugin.cpp.
    static AfpacketConfig from_options(const Options& options);
};

/// Per-flow payload byte counters from every packet the host sends or receives.
///
/// Threads: `capture_loop` runs on the host's capture thread and is the only writer of
/// the flow table; `collect` copies it on the collector thread. Both take `mutex_`, the
/// capture side once per ring block (hundreds of frames), the collector once per tick for
/// a flat copy; the conversion to SDK types happens outside the lock.
class AfpacketSource final : public Source {
  public:
    /// As the plugin loader creates it.
    explicit AfpacketSource(PluginContext& context);
    /// For tests and embedding: explicit settings, optional context for logging.
    explicit AfpacketSource(AfpacketConfig config, PluginContext* context = nullptr);
    ~AfpacketSource() override;

    std::uint32_t capabilities() const override { return kProvidesFlows; }
    /// Opens the packet socket and ring in the calling thread's network namespace.
    /// Throws `PluginUnavailable` (one line) without CAP_NET_RAW or on any failing call.
    void open() override;
    CollectStatus collect(Sample& out) override;
    bool has_capture_loop() const override { return true; }
    void capture_loop(const StopToken& stop) override;
    void wake() override;

  private:
    void process_block(const std::uint8_t* block, std::int64_t now_ns);
    void log(Notice::Level level, const std::string& text);

    AfpacketConfig config_;
    PluginContext* context_;
    UniqueFd wake_fd_;
    std::unique_ptr<PacketRing> ring_;

    std::mutex mutex_;
    std::unique_ptr<FlowAccounting> accounting_;  // guarded by mutex_

    std::vector<FlowTable::Entry> scratch_;  // collector thread only
    std::uint64_t kernel_drops_ = 0;         // collector thread only
};

}  // namespace sstop::plugins::afpacket
