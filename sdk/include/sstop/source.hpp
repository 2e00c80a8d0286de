#pragma once
/// @file source.hpp
/// The interface of source plugins: they observe the system and fill `Sample`s.

#include <atomic>
#include <cstdint>
#include <sstop/model.hpp>
#include <sstop/plugin.hpp>
#include <string>

namespace sstop {

/// What a source can provide, as bit flags (`Source::capabilities()`).
enum SourceCapability : std::uint32_t {
    kProvidesSockets = 1u << 0,     ///< a complete socket list each collection
    kProvidesTcpBytes = 1u << 1,    ///< exact byte counters on its TCP sockets
    kProvidesUdpBytes = 1u << 2,    ///< exact byte counters on its UDP sockets
    kProvidesFlows = 1u << 3,       ///< per-flow byte counters (`Sample::flows`)
    kProvidesInterfaces = 1u << 4,  ///< interface counters
    kProvidesOwners = 1u << 5,      ///< socket owners (`SocketObs::owner`, `Sample::processes`)
    /// `Sample::sockets` lists only the sockets that are new or changed since the previous
    /// collect (bytes, state, owner), plus closed sockets' final records; a socket it does
    /// not list is still alive as last reported, until its final record (`closed`) comes.
    /// The first sample after `open` is complete. So an idle socket costs nothing per tick.
    /// Since ABI 1.2.
    kIncrementalSockets = 1u << 6,
    /// Byte counters on sockets of other IP protocols (ICMP, raw IP, SCTP). Since ABI 1.2.
    kProvidesOtherBytes = 1u << 7,
};

/// Result of one collection.
struct CollectStatus {
    enum class Code : std::uint8_t {
        Ok,        ///< the sample is complete
        Degraded,  ///< the sample is usable but partial; `message` says what is missing
        Failed,    ///< nothing usable; the host backs off and may fail over to another source
        /// Nothing more will come, and that is not a failure (the end of a recording): the
        /// host drops the source without failing over, and a headless run whose last source
        /// ended exits 0. Since ABI 1.1.
        Ended,
    };
    Code code = Code::Ok;  ///< outcome
    std::string message;   ///< one line for the status line when not Ok
};

/// Read-only view of the host's stop flag for a capture loop.
class StopToken {
  public:
    /// Wraps a flag owned by the host.
    explicit StopToken(const std::atomic<bool>& flag) : flag_(&flag) {}
    /// True once the host wants the loop to return.
    bool stop_requested() const { return flag_->load(std::memory_order_acquire); }

  private:
    const std::atomic<bool>* flag_;
};

/// A source plugin. The host calls `open` once at start, then `collect` once per tick on
/// the collector thread. A source that needs a thread of its own (packet capture) returns
/// true from `has_capture_loop`; the host then runs `capture_loop` on a thread it owns and
/// joins, after requesting a stop and calling `wake`.
class SSTOP_VISIBLE Source : public Plugin {
  public:
    /// Bit set of `SourceCapability`.
    virtual std::uint32_t capabilities() const = 0;

    /// Opens privileged handles (netlink, packet sockets). Called before the host drops
    /// privileges. Throws `PluginUnavailable` with a one-line reason if the source cannot
    /// work at all. Collector thread.
    virtual void open() {}

    /// Fills `out` with what the source sees now. Collector thread. Must not block for
    /// longer than a fraction of the tick.
    virtual CollectStatus collect(Sample& out) = 0;

    /// True when `capture_loop` must run on its own thread.
    virtual bool has_capture_loop() const { return false; }

    /// Runs until `stop.stop_requested()`; must notice a stop within ~100 ms of `wake`.
    /// Capture thread; shares state with `collect` only through the plugin's own locks.
    virtual void capture_loop(const StopToken& stop) { (void)stop; }

    /// Called from another thread after a stop was requested, to unblock `capture_loop`.
    virtual void wake() {}
};

}  // namespace sstop
