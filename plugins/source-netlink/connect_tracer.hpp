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
/// SYN_SENT (→ ESTABLISHED or → CLOSE, usually in softirq context) supplies the port.
///
/// The two are paired by the socket's kernel address (`skaddr`), read from the binary
/// per-CPU buffers (`trace_pipe_raw`, see trace_ring.hpp): exact, whatever the order in which
/// CPUs commit their records. Pairing on the connection's addresses and remote port, oldest
/// first, gave a burst of connects to one server to the wrong processes whenever a later
/// connect completed first, and let a connect that was not ours take another's port.
/// Where the raw buffers cannot be read (an unknown layout), the text `trace_pipe` is read
/// instead and pairs oldest first, as before.
///
/// Records are applied in timestamp order: the instance uses the cross-CPU `mono` trace
/// clock, and each read pass settles for a few milliseconds and reads again, so a record
/// reserved on one CPU before another CPU's later record is committed is still applied
/// first. Owners of SYN_SENT records are read from /proc at once, before they can exit; raw
/// records carry no name, so `sched:sched_process_exit` is traced too, and an owner gone
/// before its record was read is named by its exit record (`RecentExits`).

#include <array>
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
#include <span>
#include <sstop/model.hpp>
#include <sstop/source.hpp>
#include <sstop/unique_fd.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "trace_events.hpp"
#include "trace_ring.hpp"

namespace sstop::plugins::netlink {

/// True when `<proc_root>/self/ns/pid` is the initial pid namespace, whose pids the
/// tracepoint reports (or when that cannot be read).
bool in_initial_pid_namespace(const std::string& proc_root);

/// The mount point of the first tracefs in the text of /proc/mounts, if any.
std::optional<std::string> find_tracefs(std::string_view proc_mounts);

/// Counters of a `ConnectTable` / `ConnectTracer`, cumulative.
struct ConnectTracerStats {
    std::uint64_t events = 0;     ///< SYN_SENT events of processes in our namespace
    std::uint64_t foreign = 0;    ///< SYN_SENT events ignored: other namespace or unreadable pid
    std::uint64_t exited = 0;     ///< SYN_SENT events of processes gone before they were read
    std::uint64_t evictions = 0;  ///< entries dropped because a table was full
    std::uint64_t ambiguous = 0;  ///< pairings where several processes waited on one key
    std::uint64_t malformed = 0;  ///< trace lines or raw pages that did not parse
    std::uint64_t lost = 0;       ///< raw pages after which the kernel reported lost records
};

/// Connection key → connecting process, bounded and expiring. Not thread-safe.
class ConnectTable {
  public:
    using Clock = std::chrono::steady_clock;

    /// `capacity` bounds each of the two tables (complete keys, keys waiting for their port);
    /// entries older than `ttl` are dropped.
    explicit ConnectTable(std::size_t capacity = 65536,
                          Clock::duration ttl = std::chrono::seconds(60));

    /// A CLOSE → SYN_SENT event of `owner` on socket `skaddr` (0 = unknown). With
    /// `key.local.port` 0 the key waits for `on_left_syn_sent`; with a port (the socket was
    /// bound first) it is complete.
    void on_connect(const SocketKey& key, ProcessInfo owner, Clock::time_point now,
                    std::uint64_t skaddr = 0);
    /// A SYN_SENT → * event carrying the full key. With `skaddr` known, completes the waiting
    /// entry of that socket (none: nothing is completed). Without, completes the oldest
    /// waiting entry whose family, addresses and remote port match.
    void on_left_syn_sent(const SocketKey& key, Clock::time_point now, std::uint64_t skaddr = 0);
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
        std::uint64_t skaddr = 0;
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
/// The names of the last `kCapacity` tasks that exited, from `sched_process_exit` records:
/// the name of an owner that was gone before its SYN_SENT record was read. Fixed size; a
/// lookup scans newest first (it runs only for such owners).
class RecentExits {
  public:
    static constexpr std::size_t kCapacity = 1024;
    void add(std::int32_t tid, std::string_view comm);
    /// The name of the newest exit of `tid`, if it is among the last `kCapacity`.
    std::optional<std::string> find(std::int32_t tid) const;

  private:
    struct Exit {
        std::int32_t tid = 0;
        std::uint8_t length = 0;
        std::array<char, 16> comm{};
    };
    std::array<Exit, kCapacity> ring_{};
    std::size_t next_ = 0;  // slot of the next add
    std::size_t size_ = 0;
};

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
    /// Test seam: false leaves exit records as the only source of a gone owner's name.
    bool saved_cmdlines = true;
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
    /// True when the binary per-CPU buffers are read (records pair by socket address).
    bool reads_raw() const { return raw_; }

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
        bool unnamed = false;  // the owner was gone and its name not yet known
    };

    explicit ConnectTracer(ConnectTracerSettings settings);
    std::optional<TracedProcess> resolve(std::int32_t tgid);
    /// Opens the per-CPU raw buffers when their layouts are known; false: read the text pipe.
    bool open_raw(const std::string& tracefs_root);
    /// Reads every buffer until EAGAIN, parsing lines or records into `batch_`.
    void read_available(std::vector<char>& buf, const StopToken& stop);
    /// Parses one line into an event for `ingest` (text pipe).
    void ingest_line(std::string_view line);
    /// Parses the records of one raw page for `ingest`.
    void ingest_page(std::span<const std::uint8_t> page);
    /// Resolves a SYN_SENT owner and appends to `batch_` (capture thread).
    void ingest(const StateEvent& ev);
    /// The name ftrace saved for thread `tid` (saved_cmdlines), for an owner already gone.
    std::string saved_comm(std::int32_t tid) const;
    /// The name of a gone owner: its exit record, else ftrace's saved_cmdlines, else empty.
    std::string gone_name(std::int32_t tid) const;
    /// True when a record in `batch_` waits for its gone owner's exit record.
    bool awaits_exit_names() const;
    /// Applies `batch_` to the table in timestamp order and empties it.
    void apply_batch();

    ConnectTracerSettings settings_;
    std::string instance_;
    UniqueFd pipe_fd_;               // text trace_pipe (when the raw buffers are not read)
    std::vector<UniqueFd> cpu_fds_;  // per_cpu/cpuN/trace_pipe_raw
    bool raw_ = false;               // set once at start: cpu_fds_ are read, not pipe_fd_
    PageLayout page_layout_;
    StateRecordLayout record_layout_;
    std::optional<ExitRecordLayout> exit_layout_;  // set when sched_process_exit is enabled
    RecentExits exits_;                            // capture thread only
    std::string saved_cmdlines_;                   // path of tracefs' saved_cmdlines
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
    std::uint64_t lost_ = 0;
    // Capture thread only: recently resolved processes, keyed by tgid (bounded).
    std::unordered_map<std::int32_t, TracedProcess> process_cache_;
    std::string partial_;         // capture thread only: an unfinished line between reads
    std::vector<Pending> batch_;  // capture thread only: records of the current read pass
};

}  // namespace sstop::plugins::netlink
