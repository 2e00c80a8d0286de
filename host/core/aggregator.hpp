#pragma once
// The core aggregator: turns the samples of one tick into an immutable Snapshot.
// Collector thread only; not thread-safe by itself (the collector owns it).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <sstop/model.hpp>
#include <string>
#include <vector>

#include "core/name_resolver.hpp"

namespace sstop::core {

/// Tunables of the aggregator, from the `aggregator:` section of the config.
struct AggregatorConfig {
    double ema_alpha = 0.3;                ///< EMA weight for one second of elapsed time, (0, 1]
    double stale_after_s = 30;             ///< forget a socket unseen for this long
    std::size_t max_sockets = 262144;      ///< bound of the socket table
    std::size_t max_flows = 262144;        ///< bound of the flow table
    std::size_t max_processes = 32768;     ///< bound of the process table
    std::size_t max_remote_hosts = 16384;  ///< bound of the remote-host table
    std::size_t process_history = 16;      ///< points in a process's history ring
    std::size_t system_history = 60;       ///< points in the system history rings
    /// Fill each process's `sockets` list. Off when no consumer reads them (headless, with
    /// exporters that do not): `connections` and `listening` still count them.
    bool socket_detail = true;
};

/// Whose socket lists the snapshots carry (with `socket_detail` on) when every consumer of
/// the lists reads only those of a few processes: the screen, whose views read the list of
/// the process under the cursor, and every list only while a `/` filter is set. Written by
/// the UI thread, read by the collector's. At start nothing is demanded.
class SocketDemand {
  public:
    /// At most this many processes are named; more ask for every list.
    static constexpr std::size_t kMaxProcesses = 16;

    struct Want {
        bool all = false;             ///< every process's list
        std::vector<ProcessId> pids;  ///< otherwise these processes' lists, sorted
        bool operator==(const Want&) const = default;
    };

    /// Sets what is wanted; returns true when that differs from before.
    bool set(Want want);
    Want get() const;

  private:
    mutable std::mutex mutex_;
    Want want_;
};

/// Everything collected in one tick.
struct TickInput {
    std::chrono::steady_clock::time_point now{};  ///< when the tick was collected
    std::int64_t unix_time_ns = 0;                ///< wall clock of the tick
    std::vector<Sample> samples;                  ///< one per active source
    std::vector<std::string> sources;             ///< ids of the active sources
    /// Ids of sources whose socket lists are incremental (`kIncrementalSockets`): a socket
    /// they do not list stays as last reported until its final record.
    std::vector<std::string> incremental_sources;
    std::vector<Notice> notices;          ///< host status lines to publish
    std::vector<SourceCounter> counters;  ///< host counters (e.g. dns.*), copied as is
};

/// Current sizes of the aggregator's tables (for tests and `--stats`).
struct TableSizes {
    std::size_t sockets = 0;
    std::size_t flows = 0;
    std::size_t processes = 0;
    std::size_t remote_hosts = 0;
};

class Aggregator {
  public:
    explicit Aggregator(AggregatorConfig config = {});
    ~Aggregator();
    Aggregator(const Aggregator&) = delete;
    Aggregator& operator=(const Aggregator&) = delete;

    /// Ingests one tick and returns its snapshot. The first call sets baselines and returns
    /// snapshot seq 0 (no rates yet); later calls return seq 1, 2, ….
    std::shared_ptr<const Snapshot> ingest(const TickInput& tick);

    /// Lists only the sockets of the processes `demand` names (or every process's when it
    /// asks for all). Null (the default): every list. `demand` must outlive the aggregator.
    void set_socket_demand(const SocketDemand* demand);

    /// `published` (the last snapshot of this aggregator, as consumers got it) with the
    /// socket lists the demand now names and it lacks, from the same tick's state; null when
    /// it lacks none, or when a newer tick was ingested since. Cheap next to a tick: it walks
    /// the socket table once and copies the snapshot's summaries.
    std::shared_ptr<const Snapshot> relist(const std::shared_ptr<const Snapshot>& published);

    /// Sizes of the internal tables; each stays within its configured bound.
    TableSizes table_sizes() const;

    const AggregatorConfig& config() const;

    /// Reverse DNS for remote addresses in snapshots (may be null: addresses only). The
    /// resolver must outlive the aggregator; name_of() is called on the collector thread.
    void set_name_resolver(NameResolver* resolver);

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace sstop::core
