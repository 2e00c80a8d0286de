#pragma once
/// @file connect_tracer.hpp
/// Credits TCP connections that open and close between two collects to the process that
/// called connect(), using the tracepoint `sock:inet_sock_set_state` read from a private
/// ftrace instance.
///
/// Why: a socket that lives less than one tick is never listed by a sock_diag dump, so its
/// destroy record (inode 0, an unknown cookie) has no owner. The transition CLOSE → SYN_SENT
/// runs inside connect(), in the caller's context, so that event names the owner. On Linux
/// 6.x it fires *before* the source port is chosen (sport=0), so the event that leaves
/// SYN_SENT (→ ESTABLISHED or → CLOSE, usually in softirq context) supplies the port: the two
/// are paired on (family, saddr, daddr, dport), oldest first.
///
/// trace_pipe merges the per-CPU buffers by timestamp, but a record is readable only once
/// committed: under a burst, the SYN_SENT record of one CPU can be read after the ESTABLISHED
/// record another CPU committed later, and the oldest-first pairing then gives a connection
/// to the wrong process. So the instance uses the cross-CPU `mono` trace clock, and each read
/// pass settles for a few milliseconds, reads again, and applies its records in timestamp
/// order. Owners of SYN_SENT records are still read from /proc at once, before they can exit.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstop/model.hpp>
#include <sstop/source.hpp>
#include <sstop/unique_fd.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sstop::plugins::netlink {

/// One `inet_sock_set_state` line of a trace_pipe.
struct StateEvent {
    std::int32_t pid = 0;        ///< common_pid: the thread that was running (a tid)
    std::int32_t tgid = 0;       ///< thread group id from the record-tgid column, 0 when absent
    std::string_view comm;       ///< the thread's name as traced (may hold spaces and dashes)
    std::uint16_t protocol = 0;  ///< IP protocol number (6 = TCP)
    Endpoint source;             ///< saddr/sport (IPv4-mapped IPv6 turned into V4)
    Endpoint dest;               ///< daddr/dport
    int old_state = 0;           ///< kernel TCP state number before the change
    int new_state = 0;           ///< kernel TCP state number after the change
    std::uint64_t ts_us = 0;     ///< the record's timestamp in microseconds (trace clock)
};

/// Parses one trace_pipe line of `sock:inet_sock_set_state`, for example
/// `  comm-1234    (   1234) [001] ..... 12.345: inet_sock_set_state: family=AF_INET ...`.
/// The header is read from the right because comm may contain spaces, dashes and brackets:
/// the pid follows the last '-' before the optional "(tgid)" and the "[cpu]" field. Returns
/// nullopt for any other line (other events, lost-event notices, truncated lines).
std::optional<StateEvent> parse_state_line(std::string_view line);

/// The mount point of the first tracefs in the text of /proc/mounts, if any.
std::optional<std::string> find_tracefs(std::string_view proc_mounts);

/// Counters of a `ConnectTable` / `ConnectTracer`, cumulative.
struct ConnectTracerStats {
    std::uint64_t events = 0;     ///< SYN_SENT events of processes in our namespace
    std::uint64_t foreign = 0;    ///< SYN_SENT events ignored: other namespace or unreadable pid
    std::uint64_t exited = 0;     ///< SYN_SENT events of processes gone before they were read
    std::uint64_t evictions = 0;  ///< entries dropped because a table was full
    std::uint64_t ambiguous = 0;  ///< pairings where several processes waited on one key
    std::uint64_t malformed = 0;  ///< trace lines that did not parse
};

/// Connection key → connecting process, bounded and expiring. Not thread-safe.
class ConnectTable {
  public:
    using Clock = std::chrono::steady_clock;

    /// `capacity` bounds each of the two tables (complete keys, keys waiting for their port);
    /// entries older than `ttl` are dropped.
    explicit ConnectTable(std::size_t capacity = 65536,
                          Clock::duration ttl = std::chrono::seconds(60));

    /// A CLOSE → SYN_SENT event of `owner`. With `key.local.port` 0 the key waits for
    /// `on_left_syn_sent`; with a port (the socket was bound first) it is complete.
    void on_connect(const SocketKey& key, ProcessInfo owner, Clock::time_point now);
    /// A SYN_SENT → * event carrying the full key: completes the oldest waiting entry whose
    /// family, addresses and remote port match.
    void on_left_syn_sent(const SocketKey& key, Clock::time_point now);
    /// The connecting process of `key` (local = the connecting end), if known and not expired.
    std::optional<ProcessInfo> find(const SocketKey& key, Clock::time_point now) const;
    /// Like `find`, and forgets the entry (the socket is closed for good).
    std::optional<ProcessInfo> take(const SocketKey& key, Clock::time_point now);
    /// Complete entries held now.
    std::size_t size() const { return complete_.items.size(); }
    /// Entries waiting for their port now.
    std::size_t waiting() const { return waiting_.items.size(); }
    /// Cumulative counters (evictions, ambiguous).
    const ConnectTracerStats& stats() const { return stats_; }

  private:
    struct Entry {
        ProcessInfo owner;
        Clock::time_point seen_at;
        std::uint64_t seq = 0;
    };
    // Insertion order doubles as age order, so expiry and eviction pop from the front.
    template <typename Key>
    struct Fifo {
        std::map<Key, Entry> items;
        std::map<std::uint64_t, Key> order;
    };
    // Waiting entries of one key are told apart by their sequence number.
    using WaitKey = std::pair<SocketKey, std::uint64_t>;

    template <typename Key>
    void insert(Fifo<Key>& fifo, const Key& key, Entry entry);
    template <typename Key>
    void expire(Fifo<Key>& fifo, Clock::time_point now);

    std::size_t capacity_;
    Clock::duration ttl_;
    std::uint64_t next_seq_ = 1;
    Fifo<SocketKey> complete_;
    Fifo<WaitKey> waiting_;
    ConnectTracerStats stats_;
};

/// Reads a process's identity through one open `/proc/<pid>` directory fd, plus the inode of
/// its network namespace (0 when unreadable, e.g. an exiting process). nullopt when the process is
/// gone.
struct TracedProcess {
    ProcessInfo info;         ///< pid, start time, ppid, uid, name, cmdline
    std::uint64_t netns = 0;  ///< inode of /proc/<pid>/ns/net, 0 = unknown
    bool exiting = false;     ///< exiting or exited, not yet reaped (ns/net may be gone)
};
/// See `TracedProcess`. `proc_root` is where procfs is mounted.
std::optional<TracedProcess> read_traced_process(const std::string& proc_root, std::int32_t pid);

/// Settings of a `ConnectTracer`.
struct ConnectTracerSettings {
    std::string proc_root = "/proc";  ///< procfs (owners, namespaces)
    std::string proc_mounts = "/proc/mounts";
    /// Where to mount tracefs when it is not mounted (needs CAP_SYS_ADMIN).
    std::string mount_point = "/sys/kernel/tracing";
    std::string instance_prefix = "sstop-";  ///< instance name is <prefix><pid>[-<n>]
    std::size_t capacity = 65536;            ///< bound of each table
    std::chrono::steady_clock::duration ttl = std::chrono::seconds(60);
    /// Test seam: sleep before each read pass (a starved capture thread).
    std::chrono::milliseconds read_delay{0};
};

/// A private ftrace instance tracing `sock:inet_sock_set_state`, read by `run` on a capture
/// thread; `find`/`take`/`stats` may be called from any thread (they lock briefly).
class ConnectTracer {
  public:
    /// Receives the one-line notices (mount, unavailable).
    using Log = std::function<void(Notice::Level, std::string_view)>;

    /// Sets up the instance (removing stale `<prefix><N>` instances of dead pids first).
    /// Returns nullptr after logging one warning when tracefs or the event is unavailable.
    static std::unique_ptr<ConnectTracer> start(ConnectTracerSettings settings, const Log& log);
    ~ConnectTracer();
    ConnectTracer(const ConnectTracer&) = delete;
    ConnectTracer& operator=(const ConnectTracer&) = delete;

    /// Reads trace_pipe until `stop` is requested (noticed within 100 ms, at once after
    /// `wake`), then calls `shutdown`. Capture thread.
    void run(const StopToken& stop);
    /// Unblocks `run`. Any thread.
    void wake();
    /// Disables the event, closes the pipe and removes the instance. Idempotent; not while
    /// `run` is active on another thread (it calls this itself on exit).
    void shutdown();
    /// True until `shutdown`.
    bool running() const { return running_.load(std::memory_order_acquire); }

    /// Asks the capture thread for a read pass that starts after this call, so that every
    /// event the kernel committed before it is applied; returns the pass's ticket. Any thread.
    /// The collector asks before it matches closed sockets: their SYN_SENT events were
    /// committed before the close, but the capture thread may not have read them yet.
    std::uint64_t request_drain();
    /// Waits until the pass of `ticket` is done, at most `timeout`. True when done, and at
    /// once when `run` has ended (nothing will read any more). False means the capture
    /// thread is behind (starved, not started yet, or events arrive faster than it reads).
    bool wait_drained(std::uint64_t ticket, std::chrono::milliseconds timeout);

    /// Parses and applies one trace_pipe line (tests feed lines; `run` batches them).
    void process_line(std::string_view line);

    /// See `ConnectTable::find`.
    std::optional<ProcessInfo> find(const SocketKey& key) const;
    /// See `ConnectTable::take`.
    std::optional<ProcessInfo> take(const SocketKey& key);
    /// Counters.
    ConnectTracerStats stats() const;
    /// Absolute path of the instance directory.
    const std::string& instance_path() const { return instance_; }

  private:
    // A parsed record waiting to be applied in timestamp order; a SYN_SENT record carries
    // its owner, read when the record was read.
    struct Pending {
        StateEvent ev;
        SocketKey key;
        std::optional<ProcessInfo> owner;
    };

    explicit ConnectTracer(ConnectTracerSettings settings);
    std::optional<TracedProcess> resolve(std::int32_t tgid);
    /// Reads trace_pipe until EAGAIN, parsing lines into `batch_`.
    void read_available(std::vector<char>& buf, const StopToken& stop);
    /// Parses one line, resolves a SYN_SENT owner, appends to `batch_` (capture thread).
    void ingest(std::string_view line);
    /// Applies `batch_` to the table in timestamp order and empties it.
    void apply_batch();

    ConnectTracerSettings settings_;
    std::string instance_;
    UniqueFd pipe_fd_;
    UniqueFd wake_fd_;
    std::atomic<bool> running_{false};
    std::atomic<std::uint64_t> drain_requested_{0};  // last ticket handed out
    std::mutex drain_mutex_;                         // guards drain_done_, run_ended_
    std::condition_variable drain_cv_;
    std::uint64_t drain_done_ = 0;  // highest ticket whose read pass has finished
    bool run_ended_ = false;        // `run` has returned
    std::uint64_t own_netns_ = 0;
    mutable std::mutex mutex_;  // guards table_ and the counters below
    ConnectTable table_;
    std::uint64_t events_ = 0;
    std::uint64_t foreign_ = 0;
    std::uint64_t exited_ = 0;
    std::uint64_t malformed_ = 0;
    // Capture thread only: recently resolved processes, keyed by tgid (bounded).
    std::unordered_map<std::int32_t, TracedProcess> process_cache_;
    std::string partial_;         // capture thread only: an unfinished line between reads
    std::vector<Pending> batch_;  // capture thread only: records of the current read pass
};

}  // namespace sstop::plugins::netlink
