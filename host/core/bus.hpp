#pragma once
// The bus: host-internal signals that carry a tick's samples to the aggregator and
// snapshots out to consumers. Only host code connects; the SDK never sees Boost types.
//
// Hand-offs: every signal is emitted on the collector thread, and slots run there. A consumer
// on another thread (UI, headless writer, exporter) must not do its work in the slot: it
// connects a LatestSlot, whose put() only swaps a pointer, so a slow consumer never stalls
// collection; it misses intermediate snapshots instead (latest wins).

#include <boost/signals2/signal.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <sstop/model.hpp>

#include "core/aggregator.hpp"

namespace sstop::core {

/// The signals of one running sstop.
struct Bus {
    /// One tick's samples, emitted by the collector; the aggregator is connected here.
    boost::signals2::signal<void(const TickInput&)> tick;
    /// Each snapshot the aggregator publishes.
    boost::signals2::signal<void(const std::shared_ptr<const Snapshot>&)> snapshot;

    /// Disconnects every slot (shutdown step 2, after threads are joined).
    void disconnect_all() {
        tick.disconnect_all_slots();
        snapshot.disconnect_all_slots();
    }
};

/// A one-element, latest-wins mailbox between one producer thread and one consumer thread.
template <typename T>
class LatestSlot {
  public:
    /// Replaces the held value (producer side; never blocks for long).
    void put(std::shared_ptr<const T> value) {
        {
            std::lock_guard lock(mutex_);
            value_ = std::move(value);
            ++version_;
        }
        cv_.notify_all();
    }

    /// Waits until a value newer than `seen` arrives, `closed()` is set, or `timeout` passes.
    /// Returns the newest value and updates `seen`; null on timeout or close.
    std::shared_ptr<const T> wait_newer(std::uint64_t& seen, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, timeout, [&] { return closed_ || version_ != seen; });
        if (version_ == seen) return nullptr;
        seen = version_;
        return value_;
    }

    /// The newest value without waiting (may be null).
    std::shared_ptr<const T> latest() const {
        std::lock_guard lock(mutex_);
        return value_;
    }

    /// Wakes every waiter for good (shutdown).
    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        cv_.notify_all();
    }

    bool closed() const {
        std::lock_guard lock(mutex_);
        return closed_;
    }

  private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::shared_ptr<const T> value_;
    std::uint64_t version_ = 0;
    bool closed_ = false;
};

}  // namespace sstop::core
