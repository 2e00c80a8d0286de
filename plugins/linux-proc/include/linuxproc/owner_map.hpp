#pragma once
/// @file owner_map.hpp
/// Maps socket inodes to the processes that own them, by reading `/proc/<pid>/fd`, with a
/// cache so that a steady-state poll rescans almost nothing.
///
/// Cost model: each `attribute` call lists `<proc_root>` once. The fd directories of pids
/// never seen before are scanned; a known process is rescanned only when some wanted inode is
/// still unknown, processes with the socket's uid first, and each process at most once per
/// `OwnerMapLimits::rescan_interval`. An inode that a rescan did not find (a process in another
/// pid namespace, a socket whose fd is already closed) is retried with exponential back-off up
/// to `max_unattributed_backoff`, so a permanently unattributable socket costs a walk of the
/// known processes only rarely, not every interval.
///
/// Privileges: mapping processes of other users needs CAP_DAC_READ_SEARCH (to open their
/// `fd/` directory) and CAP_SYS_PTRACE (to read the links). Without them only the caller's
/// own processes are attributed; the rest stay unowned, without errors.
///
/// Not thread-safe: one owner (a source's collector thread) calls it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <linuxproc/netns.hpp>
#include <optional>
#include <sstop/model.hpp>
#include <string>
#include <unordered_map>
#include <vector>

namespace sstop::plugins::linuxproc {

/// Bounds of an `OwnerMap`. When a bound is reached, new entries are not added (and counted
/// in `OwnerMapStats`) rather than growing without limit.
struct OwnerMapLimits {
    std::size_t max_inodes = 1u << 20;  ///< most inode → owner entries kept
    std::size_t max_processes = 65536;  ///< most processes tracked
    /// A known process is rescanned for unknown inodes at most this often.
    std::chrono::steady_clock::duration rescan_interval = std::chrono::seconds(2);
    /// Longest wait before an inode that no rescan found makes processes be rescanned again.
    std::chrono::steady_clock::duration max_unattributed_backoff = std::chrono::seconds(64);
    /// An inode not wanted by this many consecutive `attribute` calls is forgotten.
    std::uint32_t forget_after_scans = 16;
};

/// Cumulative work counters and current sizes, for tests, benchmarks and health counters.
struct OwnerMapStats {
    std::uint64_t scans = 0;              ///< `attribute` calls
    std::uint64_t pids_scanned = 0;       ///< fd directories read (new processes and rescans)
    std::uint64_t fds_read = 0;           ///< fd links read
    std::uint64_t exec_rereads = 0;       ///< identities read again after an exec
    std::size_t inodes = 0;               ///< inode entries held now
    std::size_t processes = 0;            ///< processes tracked now
    std::size_t unattributed = 0;         ///< inodes in back-off after a rescan missed them
    std::uint64_t processes_skipped = 0;  ///< pids not tracked because of `max_processes`
    std::uint64_t inodes_skipped = 0;     ///< inodes not stored because of `max_inodes`
};

/// Socket inode → owning process, over one procfs root.
class OwnerMap {
  public:
    /// Source of the current time (tests inject one).
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    /// `proc_root` is where procfs is mounted (a fake tree in tests); `clock` defaults to
    /// `std::chrono::steady_clock::now`.
    explicit OwnerMap(std::string proc_root = "/proc", OwnerMapLimits limits = {},
                      Clock clock = {});

    /// For every socket in `sample.sockets` with `inode != 0` and `owner.pid == 0`: finds the
    /// owning process, sets `SocketObs::owner`, and appends one `ProcessInfo` per distinct
    /// owner to `sample.processes` (none twice, none already there); a process's files, its
    /// cgroup included, are read once, when it is first seen. Sockets whose owner is
    /// not found keep pid 0. Never throws for a process that vanishes or is unreadable.
    /// A listed process that exec'd since it was read (its `exe` now names another file) has
    /// its name, command line, parent and uid read again, so a fork-then-exec child does not
    /// keep its parent's name; the check is one `stat` of `/proc/<pid>/exe` per listed
    /// process, nothing is re-read for a process that did not exec.
    ///
    /// `likely_owner` (inode → pid) names the process a socket most likely belongs to, e.g.
    /// the owner of the listener an accepted socket came from: that process is read again
    /// first, even when it was read less than `rescan_interval` ago (a process is usually
    /// first read before its accept() returns). At most `kMaxHintedRescans` such reads per
    /// call; the owner still comes from the process's own fd table, never from the hint.
    void attribute(sstop::Sample& sample,
                   const std::unordered_map<std::uint64_t, std::int32_t>& likely_owner = {});

    /// Most processes read again on a hint (`likely_owner`) in one `attribute` call.
    static constexpr std::size_t kMaxHintedRescans = 64;

    /// Makes every `attribute` call also run a pass of `enumerator` over the pids it lists
    /// (one `stat` each, no second listing of `/proc`). nullptr detaches it. `enumerator`
    /// must outlive this map or be detached first.
    void track_namespaces(NetnsEnumerator* enumerator);

    /// The owner of `inode` as last seen, if known.
    std::optional<sstop::ProcessId> owner_of(std::uint64_t inode) const;

    /// Work counters and sizes.
    OwnerMapStats stats() const;

  private:
    struct Process {
        sstop::ProcessInfo info;    // id, ppid, uid, name, cmdline, cgroup
        std::uint64_t dir_ino = 0;  // d_ino of /proc/<pid>: changes when the pid is reused
        // dev and inode of the file /proc/<pid>/exe pointed to when the identity was read
        // (0, 0 when unreadable: a kernel thread, or no ptrace access); exec changes them.
        std::uint64_t exe_dev = 0;
        std::uint64_t exe_ino = 0;
        std::vector<std::uint64_t> inodes;  // inodes this process put into inodes_
        std::chrono::steady_clock::time_point scanned_at{};
        std::uint64_t seen_in_scan = 0;  // last `attribute` call that listed the pid
    };
    struct InodeOwner {
        sstop::ProcessId owner;
        std::uint64_t wanted_in_scan = 0;  // last `attribute` call that asked for it
    };
    struct Unattributed {
        std::chrono::steady_clock::time_point retry_at{};
        std::chrono::steady_clock::duration backoff{};
        std::uint64_t wanted_in_scan = 0;
    };

    bool load_process(int root_fd, std::int32_t pid, std::uint64_t dir_ino, bool force_scan,
                      std::chrono::steady_clock::time_point now);
    void scan_fds(int pid_dir_fd, Process& proc);
    void read_identity(int pid_dir_fd, Process& proc);
    void refresh_if_execed(int root_fd, Process& proc);
    void drop_process(std::int32_t pid);
    void forget_inodes_of(Process& proc);
    void sweep_unwanted();

    std::string proc_root_;
    OwnerMapLimits limits_;
    Clock clock_;
    std::unordered_map<std::int32_t, Process> processes_;
    std::unordered_map<std::uint64_t, InodeOwner> inodes_;
    std::unordered_map<std::uint64_t, Unattributed> unattributed_;
    OwnerMapStats stats_;
    std::string file_buf_;  // reused for small files
    NetnsEnumerator* netns_ = nullptr;
};

}  // namespace sstop::plugins::linuxproc
