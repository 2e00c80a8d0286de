#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <linuxproc/file_io.hpp>
#include <linuxproc/number.hpp>
#include <linuxproc/owner_map.hpp>
#include <linuxproc/proc_parse.hpp>
#include <linuxproc/process_files.hpp>
#include <memory>
#include <tuple>
#include <unordered_set>
#include <utility>

namespace sstop::plugins::linuxproc {
namespace {

using SteadyClock = std::chrono::steady_clock;

// More pids than the kernel can ever have (PID_MAX_LIMIT); bounds the per-call listing.
constexpr std::size_t kMaxListed = 1u << 22;

struct DirCloser {
    void operator()(DIR* dir) const { ::closedir(dir); }
};
using UniqueDir = std::unique_ptr<DIR, DirCloser>;

}  // namespace

OwnerMap::OwnerMap(std::string proc_root, OwnerMapLimits limits, Clock clock)
    : proc_root_(std::move(proc_root)), limits_(limits), clock_(std::move(clock)) {
    if (!clock_) clock_ = [] { return SteadyClock::now(); };
}

void OwnerMap::track_namespaces(NetnsEnumerator* enumerator) { netns_ = enumerator; }

std::optional<sstop::ProcessId> OwnerMap::owner_of(std::uint64_t inode) const {
    auto it = inodes_.find(inode);
    if (it == inodes_.end()) return std::nullopt;
    return it->second.owner;
}

OwnerMapStats OwnerMap::stats() const {
    OwnerMapStats out = stats_;
    out.inodes = inodes_.size();
    out.processes = processes_.size();
    out.unattributed = unattributed_.size();
    return out;
}

void OwnerMap::forget_inodes_of(Process& proc) {
    for (std::uint64_t inode : proc.inodes) {
        auto it = inodes_.find(inode);
        if (it != inodes_.end() && it->second.owner == proc.info.id) inodes_.erase(it);
    }
    proc.inodes.clear();
}

void OwnerMap::drop_process(std::int32_t pid) {
    auto it = processes_.find(pid);
    if (it == processes_.end()) return;
    forget_inodes_of(it->second);
    processes_.erase(it);
}

void OwnerMap::scan_fds(int pid_dir_fd, Process& proc) {
    // Rebuilt from scratch: sockets the process closed since the last scan disappear.
    forget_inodes_of(proc);
    ++stats_.pids_scanned;
    UniqueFd fd_dir(::openat(pid_dir_fd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd_dir.get() < 0) return;  // gone, or another user's process without privileges
    int fd_dir_fd = fd_dir.get();
    UniqueDir dir(::fdopendir(fd_dir_fd));
    if (!dir) return;
    fd_dir.release();  // now owned by `dir`

    // "socket:[18446744073709551615]" is 29 bytes; anything longer is not a socket.
    char link[64];
    while (dirent* entry = ::readdir(dir.get())) {
        if (entry->d_name[0] == '.') continue;
        ssize_t n = ::readlinkat(fd_dir_fd, entry->d_name, link, sizeof link);
        if (n <= 0 || static_cast<std::size_t>(n) >= sizeof link) continue;
        ++stats_.fds_read;
        auto inode = parse_socket_link(std::string_view(link, static_cast<std::size_t>(n)));
        if (!inode) continue;
        auto it = inodes_.find(*inode);
        if (it != inodes_.end()) {
            // Shared by several processes (inherited across fork): the first owner found keeps
            // it, so the answer does not flip between polls.
            if (it->second.owner != proc.info.id) continue;
        } else {
            if (inodes_.size() >= limits_.max_inodes) {
                ++stats_.inodes_skipped;
                continue;
            }
            it = inodes_.emplace(*inode, InodeOwner{proc.info.id, stats_.scans}).first;
        }
        proc.inodes.push_back(*inode);
    }
}

namespace {

// The file a process runs, as (dev, inode); (0, 0) when it cannot be known.
std::pair<std::uint64_t, std::uint64_t> exe_identity(int dir_fd, const char* path) {
    struct stat st {};
    if (::fstatat(dir_fd, path, &st, 0) != 0) return {0, 0};
    return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

}  // namespace

// What exec can change, besides the name the caller took from stat.
void OwnerMap::read_identity(int pid_dir_fd, Process& proc) {
    std::tie(proc.exe_dev, proc.exe_ino) = exe_identity(pid_dir_fd, "exe");
    read_process_exec_identity(pid_dir_fd, proc.info, file_buf_);
}

void OwnerMap::refresh_if_execed(int root_fd, Process& proc) {
    char path[32];
    const std::size_t n = format_decimal(static_cast<std::uint32_t>(proc.info.id.pid), path);
    std::memcpy(path + n, "/exe", 5);
    const auto exe = exe_identity(root_fd, path);
    // Unreadable now (exiting, or never readable): nothing to compare, keep what is known.
    if (exe.second == 0) return;
    // Same file: no exec since, unless the command line was read empty. A process read in the
    // middle of execve shows none (the new image's arguments are not in place yet); a shell
    // that execs itself (bash -c) keeps its exe, so only the empty line tells.
    if (exe == std::pair{proc.exe_dev, proc.exe_ino} && !proc.info.cmdline.empty()) return;
    path[n] = '\0';
    UniqueFd pid_dir(::openat(root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (pid_dir.get() < 0) return;
    auto stat = read_process_stat(pid_dir.get(), file_buf_);
    // Another process under the same pid is load_process's business, not a rename.
    if (!stat || stat->start_time != proc.info.id.start_time) return;
    ++stats_.exec_rereads;
    apply_process_stat(proc.info, proc.info.id.pid, std::move(*stat));
    read_identity(pid_dir.get(), proc);
}

bool OwnerMap::load_process(int root_fd, std::int32_t pid, std::uint64_t dir_ino, bool force_scan,
                            SteadyClock::time_point now) {
    char name[24];
    format_decimal(static_cast<std::uint32_t>(pid), name);
    // Everything about one process is read through this one directory fd: if the pid dies and
    // is reused meanwhile, the reads fail (ESRCH/ENOENT) instead of mixing two processes.
    UniqueFd pid_dir(::openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto stat = pid_dir.get() < 0 ? std::nullopt : read_process_stat(pid_dir.get(), file_buf_);
    if (!stat) {
        drop_process(pid);
        return false;
    }

    auto it = processes_.find(pid);
    if (it != processes_.end() && it->second.info.id.start_time != stat->start_time) {
        drop_process(pid);  // the pid was reused: a new process
        it = processes_.end();
    }
    if (it == processes_.end()) {
        if (processes_.size() >= limits_.max_processes) {
            ++stats_.processes_skipped;
            return false;
        }
        Process proc;
        apply_process_stat(proc.info, pid, std::move(*stat));
        read_identity(pid_dir.get(), proc);
        read_process_cgroup(pid_dir.get(), proc.info, file_buf_);
        it = processes_.emplace(pid, std::move(proc)).first;
        force_scan = true;
    }
    Process& proc = it->second;
    proc.dir_ino = dir_ino;
    proc.seen_in_scan = stats_.scans;
    if (force_scan) {
        proc.scanned_at = now;
        scan_fds(pid_dir.get(), proc);
    }
    return true;
}

void OwnerMap::sweep_unwanted() {
    const std::uint64_t now = stats_.scans;
    std::erase_if(inodes_, [&](const auto& item) {
        return now - item.second.wanted_in_scan >= limits_.forget_after_scans;
    });
    std::erase_if(unattributed_, [&](const auto& item) {
        return now - item.second.wanted_in_scan >= limits_.forget_after_scans;
    });
    for (auto& entry : processes_) {
        // Not a structured binding: clang before 16 cannot capture one in a lambda.
        auto& proc = entry.second;
        std::erase_if(proc.inodes, [&](std::uint64_t inode) {
            auto it = inodes_.find(inode);
            return it == inodes_.end() || it->second.owner != proc.info.id;
        });
    }
}

void OwnerMap::attribute(sstop::Sample& sample,
                         const std::unordered_map<std::uint64_t, std::int32_t>& likely_owner) {
    const std::uint64_t scan = ++stats_.scans;
    const SteadyClock::time_point now = clock_();
    UniqueDir root(::opendir(proc_root_.c_str()));
    if (!root) return;
    const int root_fd = ::dirfd(root.get());

    // 1. List the pids once. A pid whose /proc dentry has a new inode number may have been
    //    reused; its stat is read again to compare start times.
    std::vector<std::pair<std::int32_t, std::uint64_t>> fresh;
    std::size_t listed = 0;
    std::size_t fresh_new = 0;
    if (netns_) netns_->begin();
    while (dirent* entry = ::readdir(root.get())) {
        auto pid = parse_pid_name(entry->d_name);
        if (!pid) continue;
        if (++listed > kMaxListed) break;
        if (netns_) netns_->observe(root_fd, *pid);
        auto it = processes_.find(*pid);
        if (it != processes_.end()) {
            it->second.seen_in_scan = scan;
            if (it->second.dir_ino == entry->d_ino) continue;
        } else if (processes_.size() + fresh_new >= limits_.max_processes) {
            ++stats_.processes_skipped;
            continue;
        } else {
            ++fresh_new;
        }
        fresh.emplace_back(*pid, static_cast<std::uint64_t>(entry->d_ino));
    }

    if (netns_) netns_->end();

    // 2. Forget processes that are gone (and every inode they held).
    for (auto it = processes_.begin(); it != processes_.end();) {
        if (it->second.seen_in_scan != scan) {
            forget_inodes_of(it->second);
            it = processes_.erase(it);
        } else {
            ++it;
        }
    }

    // 3. Read processes never seen before (a reused pid counts as never seen).
    for (const auto& [pid, dir_ino] : fresh) load_process(root_fd, pid, dir_ino, false, now);

    // 4. Answer from the cache; collect what is still unknown.
    std::unordered_set<std::uint64_t> unknown;
    std::unordered_set<std::uint32_t> unknown_uids;
    for (sstop::SocketObs& sock : sample.sockets) {
        if (sock.inode == 0 || sock.owner.pid != 0) continue;
        auto it = inodes_.find(sock.inode);
        if (it != inodes_.end()) {
            it->second.wanted_in_scan = scan;
            continue;
        }
        auto missed = unattributed_.find(sock.inode);
        if (missed != unattributed_.end()) {
            missed->second.wanted_in_scan = scan;
            // Still backing off, unless a hint names where to look.
            if (now < missed->second.retry_at && !likely_owner.count(sock.inode)) continue;
        }
        unknown.insert(sock.inode);
        unknown_uids.insert(sock.uid);
    }

    // 5. Rescan known processes for unknown inodes, the sockets' uids first, each process at
    //    most once per rescan_interval so an unattributable socket does not walk /proc on
    //    every poll.
    //    A hinted process first, whatever its interval: it is where the socket most likely is.
    if (!unknown.empty() && !likely_owner.empty()) {
        std::unordered_set<std::int32_t> reread;
        for (auto inode_it = unknown.begin(); inode_it != unknown.end();) {
            auto hint = likely_owner.find(*inode_it);
            if (hint == likely_owner.end() || reread.count(hint->second) ||
                reread.size() >= kMaxHintedRescans) {
                ++inode_it;
                continue;
            }
            reread.insert(hint->second);
            auto it = processes_.find(hint->second);
            if (it != processes_.end() &&
                load_process(root_fd, hint->second, it->second.dir_ino, true, now)) {
                if (auto again = processes_.find(hint->second); again != processes_.end()) {
                    for (std::uint64_t inode : again->second.inodes) {
                        if (inode != *inode_it) unknown.erase(inode);
                    }
                    if (inodes_.count(*inode_it)) {
                        inode_it = unknown.erase(inode_it);
                        continue;
                    }
                }
            }
            ++inode_it;
        }
    }
    if (!unknown.empty()) {
        std::vector<std::int32_t> candidates;
        std::vector<std::int32_t> others;
        for (const auto& [pid, proc] : processes_) {
            if (now - proc.scanned_at < limits_.rescan_interval) continue;
            (unknown_uids.count(proc.info.uid) ? candidates : others).push_back(pid);
        }
        candidates.insert(candidates.end(), others.begin(), others.end());
        bool rescanned_any = false;
        for (std::int32_t pid : candidates) {
            if (unknown.empty()) break;
            rescanned_any = true;
            auto it = processes_.find(pid);
            if (it == processes_.end()) continue;
            if (!load_process(root_fd, pid, it->second.dir_ino, true, now)) continue;
            auto again = processes_.find(pid);
            if (again == processes_.end()) continue;
            for (std::uint64_t inode : again->second.inodes) unknown.erase(inode);
        }
        // What a rescan missed waits, with a growing back-off, before it can make processes
        // be read again. Without a rescan (all rate-limited) nothing was missed yet.
        for (std::uint64_t inode : rescanned_any ? unknown : decltype(unknown){}) {
            auto [it, added] = unattributed_.try_emplace(inode);
            if (added && unattributed_.size() > limits_.max_inodes) {
                unattributed_.erase(it);
                ++stats_.inodes_skipped;
                continue;
            }
            Unattributed& entry = it->second;
            entry.backoff = added ? limits_.rescan_interval
                                  : std::min(entry.backoff * 2, limits_.max_unattributed_backoff);
            entry.retry_at = now + entry.backoff;
            entry.wanted_in_scan = scan;
        }
    }

    // 6. Fill in owners and one ProcessInfo per distinct owner.
    std::unordered_set<std::int32_t> listed_pids;
    for (const sstop::ProcessInfo& info : sample.processes) listed_pids.insert(info.id.pid);
    for (sstop::SocketObs& sock : sample.sockets) {
        if (sock.inode == 0 || sock.owner.pid != 0) continue;
        auto it = inodes_.find(sock.inode);
        if (it == inodes_.end()) continue;
        it->second.wanted_in_scan = scan;
        if (!unattributed_.empty()) unattributed_.erase(sock.inode);
        auto proc = processes_.find(it->second.owner.pid);
        if (proc == processes_.end() || proc->second.info.id != it->second.owner) continue;
        sock.owner = it->second.owner;
        if (listed_pids.insert(sock.owner.pid).second) {
            refresh_if_execed(root_fd, proc->second);
            sample.processes.push_back(proc->second.info);
        }
    }

    if (limits_.forget_after_scans > 0 && scan % limits_.forget_after_scans == 0) {
        sweep_unwanted();
    }
}

}  // namespace sstop::plugins::linuxproc
