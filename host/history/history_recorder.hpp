#pragma once
// Turns the snapshots the host publishes into per-minute byte counts and writes them to the
// history store on a thread of its own.
//
// Every byte once: snapshots carry cumulative counters (since sstop started) per process,
// group, remote host and interface. The ledger keeps the last value it saw of each entity
// and credits only the difference, to the minute of the snapshot. A process that exits keeps
// what was credited while it ran; the baseline snapshot (seq 0) only sets the starting
// values, so nothing from before start is counted.
//
// Threads: offer() runs on the collector thread and only updates maps under a mutex; the
// database is written by the recorder's own thread every `flush_interval` and once more at
// stop(). A SIGKILL loses what was not written yet (at most one flush interval).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <sstop/model.hpp>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "history/history_config.hpp"
#include "history/history_store.hpp"

namespace sstop::host::history {

/// Per-tick deltas of cumulative counters, summed per minute and key. Not thread-safe.
class TrafficLedger {
  public:
    /// uid → user name for program keys ("curl (alice)"); the default asks the C library.
    using UserName = std::function<std::string(std::uint32_t)>;
    /// Most (minute, key) cells held before new ones are dropped (a store that cannot be
    /// written for a long time must not grow memory without bound).
    static constexpr std::size_t kMaxPending = 500'000;

    explicit TrafficLedger(UserName user_name = {});

    /// Credits what changed since the previous snapshot.
    void add(const Snapshot& snap);
    /// Hands over everything credited so far and starts empty.
    std::vector<MinuteBytes> take();
    /// Puts rows back (a write failed; they are tried again with the next flush).
    void give_back(std::vector<MinuteBytes> rows);
    /// Cells dropped because kMaxPending was reached.
    std::uint64_t dropped() const { return dropped_; }

  private:
    struct Last {
        std::uint64_t rx = 0;
        std::uint64_t tx = 0;
        std::int64_t seen = 0;  // unix seconds
    };
    void credit(std::int64_t minute, Dimension dim, const std::string& key,
                const std::string& identity, const Traffic& traffic, std::int64_t now,
                bool baseline);
    const std::string& user_of(std::uint32_t uid);
    void expire(std::int64_t now);

    UserName user_name_;
    std::unordered_map<std::uint32_t, std::string> users_;
    std::unordered_map<std::string, Last> last_;            // "<dim>|<identity>" → last counters
    std::unordered_map<std::string, MinuteBytes> pending_;  // "<minute>|<dim>|<key>"
    std::int64_t last_expiry_ = 0;
    std::uint64_t dropped_ = 0;
};

/// Owns the store and the writer thread.
class HistoryRecorder {
  public:
    struct Hooks {
        /// Wall clock in unix seconds (roll-ups); injectable for tests.
        std::function<std::int64_t()> now;
        /// Where warnings and errors go (one line each).
        std::function<void(Notice::Level, const std::string&)> log;
    };

    HistoryRecorder(std::unique_ptr<HistoryStore> store, const HistoryConfig& config, Hooks hooks);
    /// Stops (see stop()).
    ~HistoryRecorder();
    HistoryRecorder(const HistoryRecorder&) = delete;
    HistoryRecorder& operator=(const HistoryRecorder&) = delete;

    /// Starts the writer thread.
    void start();
    /// Credits a snapshot. Collector thread; takes a mutex for a map update, never waits on
    /// the database.
    void offer(const Snapshot& snap);
    /// Writes what is pending now and returns after it is written (tests). Writer must be
    /// running.
    void flush();
    /// Writes what is pending, then ends the thread. Idempotent.
    void stop();
    /// False once the store failed for good (damaged mid-run); offers are then ignored.
    bool working() const;

  private:
    void loop();
    void write_pending();

    std::unique_ptr<HistoryStore> store_;
    HistoryConfig config_;
    Hooks hooks_;
    RetentionPolicy policy_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable flushed_;
    TrafficLedger ledger_;
    bool stop_ = false;
    bool failed_ = false;
    std::uint64_t flush_requests_ = 0;
    std::uint64_t flushes_done_ = 0;
    bool warned_ = false;
    bool verified_ = false;
    std::int64_t last_rollup_hour_ = -1;
    std::thread thread_;
};

}  // namespace sstop::host::history
