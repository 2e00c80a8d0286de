#include "connect_tracer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <linuxproc/file_io.hpp>
#include <linuxproc/number.hpp>
#include <linuxproc/proc_parse.hpp>
#include <linuxproc/process_files.hpp>
#include <sstop/unique_fd.hpp>
#include <thread>
#include <vector>

namespace sstop::plugins::netlink {
namespace {

namespace lp = sstop::plugins::linuxproc;
using lp::read_at;
using lp::write_file;

constexpr int kSynSent = 2;
constexpr std::uint16_t kTcp = 6;
constexpr std::size_t kMaxLine = 4096;          // real lines are ~300 bytes
constexpr std::size_t kMaxProcessCache = 4096;  // tgid → identity, cleared when full
constexpr int kPollTimeoutMs = 100;
constexpr std::size_t kMaxBatch = 65536;  // records applied per pass at most
// How long a read pass waits for records reserved on other CPUs to be committed.
constexpr std::chrono::milliseconds kSettle{3};
constexpr int kMaxInstanceSuffix = 64;
constexpr std::size_t kMaxCpus = 4096;  // per-CPU buffers read at most
constexpr std::string_view kEventDir = "/events/sock/inet_sock_set_state";
constexpr std::string_view kExitEventDir = "/events/sched/sched_process_exit";
constexpr std::string_view kUnavailable =
    "netlink: tracefs unavailable — connections that open and close within one update are "
    "counted as unattributed";

bool read_file(const std::string& path, std::string& out, std::size_t cap) {
    return read_at(AT_FDCWD, path.c_str(), out, cap);
}

std::string decimal(std::uint64_t v) {
    char buf[24];
    std::size_t n = lp::format_decimal(v, buf);
    return std::string(buf, n);
}

std::uint64_t inode_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return 0;
    return st.st_ino;
}

// The pid N of an instance named <prefix>N or <prefix>N-k, if the name has that shape.
std::optional<std::int32_t> instance_pid(std::string_view name, std::string_view prefix) {
    if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix)
        return std::nullopt;
    name.remove_prefix(prefix.size());
    std::size_t dash = name.find('-');
    if (dash != std::string_view::npos) {
        if (!lp::parse_unsigned<std::uint32_t>(name.substr(dash + 1))) return std::nullopt;
        name = name.substr(0, dash);
    }
    return parse_pid(name);
}

void remove_stale_instances(const std::string& instances, std::string_view prefix) {
    DIR* dir = ::opendir(instances.c_str());
    if (!dir) return;
    std::vector<std::string> stale;
    while (dirent* e = ::readdir(dir)) {
        auto pid = instance_pid(e->d_name, prefix);
        // EPERM means alive (another user's process); only ESRCH proves it is gone.
        if (pid && *pid > 0 && ::kill(*pid, 0) != 0 && errno == ESRCH)
            stale.emplace_back(e->d_name);
        if (stale.size() >= 1024) break;
    }
    ::closedir(dir);
    // A live reader keeps an instance busy (EBUSY), so a wrong guess cannot break it.
    for (const auto& name : stale) ::rmdir((instances + "/" + name).c_str());
}

// The thread group of thread `tid` (its "Tgid:" line), or `tid` itself when unreadable.
std::int32_t tgid_of(const std::string& proc_root, std::int32_t tid) {
    std::string status;
    if (!read_file(proc_root + "/" + decimal(static_cast<std::uint32_t>(tid)) + "/status", status,
                   lp::kMaxProcessFile))
        return tid;
    constexpr std::string_view kKey = "\nTgid:";
    std::size_t pos = status.find(kKey);
    if (pos == std::string::npos) return tid;
    std::string_view rest = std::string_view(status).substr(pos + kKey.size());
    rest = trim_blanks(rest.substr(0, rest.find('\n')));
    return parse_pid(rest).value_or(tid);
}

}  // namespace

bool in_initial_pid_namespace(const std::string& proc_root) {
    // The initial namespaces have fixed inode numbers (PROC_PID_INIT_INO in
    // include/linux/proc_ns.h). Unknown (no procfs there) counts as initial.
    constexpr std::uint64_t kInitialPidNamespace = 0xEFFFFFFCu;
    const std::uint64_t ino = inode_of(proc_root + "/self/ns/pid");
    return ino == 0 || ino == kInitialPidNamespace;
}

std::optional<std::string> find_tracefs(std::string_view proc_mounts) {
    return lp::find_mount_point(proc_mounts, "tracefs");
}

// ---- ConnectTable ----

ConnectTable::ConnectTable(std::size_t capacity, Clock::duration ttl)
    : capacity_(capacity == 0 ? 1 : capacity), ttl_(ttl) {}

template <typename Key>
void ConnectTable::insert(Fifo<Key>& fifo, const Key& key, Entry entry) {
    auto it = fifo.items.find(key);
    if (it != fifo.items.end()) {
        fifo.order.erase(it->second.seq);
        fifo.items.erase(it);
    }
    while (fifo.items.size() >= capacity_ && !fifo.order.empty()) {
        fifo.items.erase(fifo.order.begin()->second);
        fifo.order.erase(fifo.order.begin());
        ++stats_.evictions;
    }
    fifo.order.emplace(entry.seq, key);
    fifo.items.emplace(key, std::move(entry));
}

template <typename Key>
void ConnectTable::expire(Fifo<Key>& fifo, Clock::time_point now) {
    while (!fifo.order.empty()) {
        auto it = fifo.items.find(fifo.order.begin()->second);
        if (it != fifo.items.end() && now - it->second.seen_at < ttl_) break;
        if (it != fifo.items.end()) fifo.items.erase(it);
        fifo.order.erase(fifo.order.begin());
    }
}

void ConnectTable::on_connect(const SocketKey& key, ProcessInfo owner, Clock::time_point now,
                              std::uint64_t skaddr) {
    expire(complete_, now);
    expire(waiting_, now);
    Entry e{std::move(owner), now, next_seq_++, skaddr};
    if (key.local.port != 0) {
        insert(complete_, key, std::move(e));
    } else {
        const std::uint64_t seq = e.seq;
        insert(waiting_, WaitKey{key, seq}, std::move(e));
    }
}

void ConnectTable::on_left_syn_sent(const SocketKey& key, Clock::time_point now,
                                    std::uint64_t skaddr) {
    expire(waiting_, now);
    SocketKey partial = key;
    partial.local.port = 0;
    auto first = waiting_.items.lower_bound(WaitKey{partial, 0});
    auto same_key = [&](auto it) {
        return it != waiting_.items.end() && it->first.first == partial;
    };
    if (skaddr != 0) {
        // The socket's own connect, or none: never another socket's waiting entry.
        while (same_key(first) && first->second.skaddr != skaddr) ++first;
        if (!same_key(first)) return;
    } else {
        if (!same_key(first)) return;
        bool mixed = false;
        for (auto it = first; same_key(it); ++it)
            mixed = mixed || it->second.owner.id != first->second.owner.id;
        if (mixed) ++stats_.ambiguous;  // SYN-ACKs mostly return in SYN order: keep FIFO
    }
    Entry e = std::move(first->second);
    waiting_.order.erase(e.seq);
    waiting_.items.erase(first);
    e.seen_at = now;
    insert(complete_, key, std::move(e));
}

std::optional<ProcessInfo> ConnectTable::find(const SocketKey& key, Clock::time_point now) const {
    auto it = complete_.items.find(key);
    if (it == complete_.items.end() || now - it->second.seen_at >= ttl_) return std::nullopt;
    return it->second.owner;
}

std::optional<ProcessInfo> ConnectTable::take(const SocketKey& key, Clock::time_point now) {
    auto it = complete_.items.find(key);
    if (it == complete_.items.end()) return std::nullopt;
    std::optional<ProcessInfo> out;
    if (now - it->second.seen_at < ttl_) out = std::move(it->second.owner);
    complete_.order.erase(it->second.seq);
    complete_.items.erase(it);
    return out;
}

// ---- process identity ----

std::optional<TracedProcess> read_traced_process(const std::string& proc_root, std::int32_t pid) {
    std::string path = proc_root + "/" + decimal(static_cast<std::uint32_t>(pid));
    // One directory fd for every read, so a pid reused meanwhile fails instead of mixing.
    UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) return std::nullopt;
    // ns/net before stat: a process releases its namespaces only after it is marked exiting
    // (PF_EXITING), so an unreadable ns/net is always explained by the stat read after it.
    struct stat st {};
    const std::uint64_t netns = ::fstatat(dir.get(), "ns/net", &st, 0) == 0 ? st.st_ino : 0;
    TracedProcess out;
    // Its cgroup too (container, systemd unit), so a short-lived process lands in its group.
    std::string buf;
    auto stat = lp::read_process(dir.get(), pid, out.info, buf);
    if (!stat) return std::nullopt;
    out.exiting = stat->state == 'Z' || stat->state == 'X' || (stat->flags & lp::kPfExiting);
    out.netns = netns;
    return out;
}

// ---- ConnectTracer ----

ConnectTracer::ConnectTracer(ConnectTracerSettings settings)
    : settings_(std::move(settings)), table_(settings_.capacity, settings_.ttl) {}

std::unique_ptr<ConnectTracer> ConnectTracer::start(ConnectTracerSettings settings,
                                                    const Log& log) {
    auto say = [&](Notice::Level level, std::string_view text) {
        if (log) log(level, text);
    };
    // The tracepoint's pids are those of the initial pid namespace. Inside another one (a
    // container, `unshare --pid`) they name other processes or none, and /proc cannot map
    // them back: a live connection was credited to a pid that does not exist there.
    if (!in_initial_pid_namespace(settings.proc_root)) {
        say(Notice::Level::Info,
            "netlink: connect tracer off: sstop runs in a pid namespace of its own and the "
            "tracepoint reports the host's pids; connections that open and close within one "
            "update are counted as unattributed");
        return nullptr;
    }
    std::string mounts;
    std::optional<std::string> root;
    if (read_file(settings.proc_mounts, mounts, 1 << 20)) root = find_tracefs(mounts);
    if (!root) {
        if (::mount("nodev", settings.mount_point.c_str(), "tracefs", 0, nullptr) != 0) {
            say(Notice::Level::Warning,
                std::string(kUnavailable) + " (mount tracefs: " + std::strerror(errno) + ")");
            return nullptr;
        }
        root = settings.mount_point;
        say(Notice::Level::Info, "netlink: mounted tracefs at " + *root + " to trace connects");
    }
    std::unique_ptr<ConnectTracer> t(new ConnectTracer(std::move(settings)));
    const std::string instances = *root + "/instances";
    remove_stale_instances(instances, t->settings_.instance_prefix);

    // Several sources in one process (tests) each get their own instance.
    const std::string base = instances + "/" + t->settings_.instance_prefix +
                             decimal(static_cast<std::uint32_t>(getpid()));
    int err = 0;
    for (int n = 0; n < kMaxInstanceSuffix; ++n) {
        std::string path = n == 0 ? base : base + "-" + decimal(static_cast<std::uint32_t>(n));
        if (::mkdir(path.c_str(), 0700) == 0) {
            t->instance_ = path;
            break;
        }
        err = errno;
        if (err != EEXIST) break;
    }
    if (t->instance_.empty()) {
        say(Notice::Level::Warning,
            std::string(kUnavailable) + " (instance: " + std::strerror(err) + ")");
        return nullptr;
    }
    t->running_.store(true, std::memory_order_release);  // from here shutdown() cleans up

    // Small buffers are enough: the loop drains continuously. Wake readers on any data.
    write_file(t->instance_ + "/buffer_size_kb", "512");
    write_file(t->instance_ + "/buffer_percent", "0");
    // One clock for every CPU, so the timestamp order is the order of events (the default
    // "local" clock is per CPU). Older kernels without "mono" keep the default.
    write_file(t->instance_ + "/trace_clock", "mono");
    const std::string event = t->instance_ + std::string(kEventDir);
    // Numbers, not symbolic names: the filter compares the raw field values.
    if (!write_file(event + "/filter", "(newstate == 2 || oldstate == 2) && protocol == 6"))
        write_file(event + "/filter", "newstate == 2 || oldstate == 2");
    if (!write_file(event + "/enable", "1")) {
        err = errno;
        t->shutdown();
        say(Notice::Level::Warning,
            std::string(kUnavailable) + " (sock:inet_sock_set_state: " + std::strerror(err) + ")");
        return nullptr;
    }
    if (!t->open_raw(*root)) {
        // Text lines: threads of one process must map to the process, so each line carries
        // the tgid next to the tid (raw records have only the tid, resolved through /proc).
        write_file(t->instance_ + "/options/record-tgid", "1");
        t->pipe_fd_.reset(
            ::open((t->instance_ + "/trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    }
    t->wake_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if ((!t->reads_raw() && !t->pipe_fd_.valid()) || !t->wake_fd_.valid()) {
        err = errno;
        t->shutdown();
        say(Notice::Level::Warning,
            std::string(kUnavailable) + " (trace_pipe: " + std::strerror(err) + ")");
        return nullptr;
    }
    t->own_netns_ = inode_of(t->settings_.proc_root + "/self/ns/net");
    return t;
}

bool ConnectTracer::open_raw(const std::string& tracefs_root) {
    std::string text;
    if (!read_file(instance_ + "/events/header_page", text, 64 * 1024)) return false;
    auto page = parse_header_page(text);
    if (!read_file(instance_ + std::string(kEventDir) + "/format", text, 64 * 1024)) return false;
    auto record = parse_state_format(text);
    if (!page || !record) return false;
    // One buffer per possible CPU; an offline CPU's buffer may not open and writes nothing.
    const std::string per_cpu = instance_ + "/per_cpu";
    DIR* dir = ::opendir(per_cpu.c_str());
    if (!dir) return false;
    std::vector<UniqueFd> fds;
    while (dirent* e = ::readdir(dir)) {
        std::string_view name = e->d_name;
        if (name.substr(0, 3) != "cpu" || !lp::parse_unsigned<std::uint32_t>(name.substr(3)))
            continue;
        UniqueFd fd(::open((per_cpu + "/" + e->d_name + "/trace_pipe_raw").c_str(),
                           O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        if (fd.valid()) fds.push_back(std::move(fd));
        if (fds.size() >= kMaxCpus) break;
    }
    ::closedir(dir);
    if (fds.empty()) return false;
    page_layout_ = *page;
    record_layout_ = *record;
    cpu_fds_ = std::move(fds);
    raw_ = true;
    saved_cmdlines_ = tracefs_root + "/saved_cmdlines";
    // Raw records carry no process name. The exit record of an owner gone before its connect
    // was read names it; ftrace's saved_cmdlines is a global cache of a few hundred tasks
    // that any busy moment overwrites, so it is only the fallback.
    if (read_file(instance_ + std::string(kExitEventDir) + "/format", text, 64 * 1024)) {
        auto exit = parse_exit_format(text);
        if (exit && write_file(instance_ + std::string(kExitEventDir) + "/enable", "1"))
            exit_layout_ = *exit;
    }
    return true;
}

ConnectTracer::~ConnectTracer() { shutdown(); }

void ConnectTracer::shutdown() {
    if (!running_.exchange(false, std::memory_order_acq_rel)) return;
    write_file(instance_ + std::string(kEventDir) + "/enable", "0");
    if (exit_layout_) write_file(instance_ + std::string(kExitEventDir) + "/enable", "0");
    pipe_fd_.reset();
    cpu_fds_.clear();
    // rmdir fails with EBUSY while trace_pipe is open, hence after the close.
    ::rmdir(instance_.c_str());
}

void ConnectTracer::wake() {
    if (!wake_fd_.valid()) return;
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
}

std::uint64_t ConnectTracer::request_drain() {
    const std::uint64_t ticket = drain_requested_.fetch_add(1, std::memory_order_acq_rel) + 1;
    wake();
    return ticket;
}

bool ConnectTracer::wait_drained(std::uint64_t ticket, std::chrono::milliseconds timeout) {
    std::unique_lock lock(drain_mutex_);
    return drain_cv_.wait_for(lock, timeout, [&] { return run_ended_ || drain_done_ >= ticket; });
}

void ConnectTracer::run(const StopToken& stop) {
    // A raw read takes one whole page (sub-buffer); the text pipe any amount.
    const std::size_t page = page_layout_.data.offset + page_layout_.data.size;
    std::vector<char> buf(std::max<std::size_t>({64 * 1024, page, 4096}));
    std::vector<pollfd> fds;
    fds.push_back({wake_fd_.get(), POLLIN, 0});
    if (reads_raw())
        for (const UniqueFd& fd : cpu_fds_) fds.push_back({fd.get(), POLLIN, 0});
    else
        fds.push_back({pipe_fd_.get(), POLLIN, 0});
    while (!stop.stop_requested() && running()) {
        int r = ::poll(fds.data(), fds.size(), kPollTimeoutMs);
        if (r < 0 && errno != EINTR) break;
        if (fds[0].revents & POLLIN) {
            std::uint64_t v;
            [[maybe_unused]] ssize_t n = ::read(wake_fd_.get(), &v, sizeof v);
        }
        if (settings_.read_delay.count() > 0) std::this_thread::sleep_for(settings_.read_delay);
        // Tickets handed out before this point are served by the pass below.
        const std::uint64_t serving = drain_requested_.load(std::memory_order_acquire);
        // Read even after a timeout: trace_pipe's poll may wait for a fuller buffer.
        read_available(buf, stop);
        if (!batch_.empty() && !stop.stop_requested()) {
            // Let records reserved before the last one read be committed, then order them.
            std::this_thread::sleep_for(kSettle);
            read_available(buf, stop);
            // An owner found gone while one CPU was read may have exited on a CPU read
            // before: its exit record was committed before it was found gone, so one more
            // pass over every CPU has it.
            if (awaits_exit_names() && !stop.stop_requested()) read_available(buf, stop);
        }
        apply_batch();
        {
            std::lock_guard lock(drain_mutex_);
            drain_done_ = std::max(drain_done_, serving);
        }
        drain_cv_.notify_all();
    }
    {
        std::lock_guard lock(drain_mutex_);
        run_ended_ = true;
    }
    drain_cv_.notify_all();
    shutdown();
}

void ConnectTracer::read_available(std::vector<char>& buf, const StopToken& stop) {
    if (reads_raw()) {
        for (const UniqueFd& fd : cpu_fds_) {
            for (;;) {
                ssize_t n = ::read(fd.get(), buf.data(), buf.size());
                if (n <= 0) break;  // EAGAIN: this CPU is drained
                ingest_page({reinterpret_cast<const std::uint8_t*>(buf.data()),
                             static_cast<std::size_t>(n)});
                if (stop.stop_requested()) return;
            }
        }
        return;
    }
    for (;;) {
        ssize_t n = ::read(pipe_fd_.get(), buf.data(), buf.size());
        if (n <= 0) break;  // EAGAIN: drained
        std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
        while (!chunk.empty()) {
            std::size_t nl = chunk.find('\n');
            if (nl == std::string_view::npos) {
                if (partial_.size() + chunk.size() <= kMaxLine)
                    partial_.append(chunk);
                else
                    partial_.clear();  // overlong garbage: drop it
                break;
            }
            if (partial_.empty()) {
                ingest_line(chunk.substr(0, nl));
            } else {
                partial_.append(chunk.substr(0, nl));
                ingest_line(partial_);
                partial_.clear();
            }
            chunk.remove_prefix(nl + 1);
        }
        if (stop.stop_requested()) break;
    }
}

std::optional<TracedProcess> ConnectTracer::resolve(std::int32_t tgid) {
    auto fresh = read_traced_process(settings_.proc_root, tgid);
    if (!fresh) return std::nullopt;
    auto it = process_cache_.find(tgid);
    if (it != process_cache_.end() && it->second.info.id == fresh->info.id) {
        // Same process: keep the namespace seen while it was surely alive.
        if (fresh->netns == 0) fresh->netns = it->second.netns;
    }
    if (fresh->netns != 0) {
        if (process_cache_.size() >= kMaxProcessCache) process_cache_.clear();
        process_cache_[tgid] = *fresh;
    }
    return fresh;
}

void ConnectTracer::process_line(std::string_view line) {
    ingest_line(line);
    apply_batch();
}

void ConnectTracer::ingest_line(std::string_view line) {
    auto ev = parse_state_line(line);
    if (!ev) {
        // Lost-event notices ("CPU:1 [LOST 12 EVENTS]") and blank lines are not errors.
        if (!trim_blanks(line).empty() && line.find("LOST") == std::string_view::npos) {
            std::lock_guard lock(mutex_);
            ++malformed_;
        }
        return;
    }
    ingest(*ev);
}

void ConnectTracer::ingest_page(std::span<const std::uint8_t> page) {
    bool lost = false;
    std::size_t skipped = 0;
    auto n = for_each_record(
        page, page_layout_,
        [&](std::uint64_t ts, std::span<const std::uint8_t> record) {
            if (auto raw = decode_state_record(record, record_layout_)) {
                if (auto ev = state_event_of(*raw, ts)) ingest(*ev);
            } else if (auto exit = exit_layout_ ? decode_exit_record(record, *exit_layout_)
                                                : std::nullopt) {
                exits_.add(exit->pid, exit->comm);
            } else {
                ++skipped;  // another event's record: no other is enabled in the instance
            }
        },
        &lost);
    if (!n || skipped || lost) {
        std::lock_guard lock(mutex_);
        if (!n || skipped) ++malformed_;
        if (lost) ++lost_;
    }
}

// ---- RecentExits ----

void RecentExits::add(std::int32_t tid, std::string_view comm) {
    Exit& e = ring_[next_];
    e.tid = tid;
    e.length = static_cast<std::uint8_t>(std::min(comm.size(), e.comm.size()));
    std::copy_n(comm.data(), e.length, e.comm.data());
    next_ = (next_ + 1) % kCapacity;
    size_ = std::min(size_ + 1, kCapacity);
}

std::optional<std::string> RecentExits::find(std::int32_t tid) const {
    for (std::size_t i = 1; i <= size_; ++i) {
        const Exit& e = ring_[(next_ + kCapacity - i) % kCapacity];
        if (e.tid == tid) return std::string(e.comm.data(), e.length);
    }
    return std::nullopt;
}

std::string ConnectTracer::saved_comm(std::int32_t tid) const {
    // Lines of "<pid> <comm>"; bounded by saved_cmdlines_size (128 by default).
    std::string text;
    if (saved_cmdlines_.empty() || !read_file(saved_cmdlines_, text, 1 << 20)) return {};
    const std::string key = decimal(static_cast<std::uint32_t>(tid)) + " ";
    std::size_t pos = text.starts_with(key) ? 0 : text.find("\n" + key);
    if (pos == std::string::npos) return {};
    if (pos != 0) ++pos;
    std::string_view rest = std::string_view(text).substr(pos + key.size());
    return std::string(trim_blanks(rest.substr(0, rest.find('\n'))));
}

void ConnectTracer::ingest(const StateEvent& ev) {
    if (ev.protocol != kTcp) return;
    if (ev.new_state != kSynSent && ev.old_state != kSynSent) return;
    Pending p{ev, SocketKey{}, std::nullopt};
    p.key.proto = Proto::Tcp;
    p.key.local = ev.source;
    p.key.remote = ev.dest;
    p.ev.comm = {};  // views into the read buffer; the owner below keeps the name
    if (ev.new_state == kSynSent) {
        // Only this record runs in the connecting process; resolve it before it can exit.
        const std::int32_t tgid = ev.tgid ? ev.tgid : tgid_of(settings_.proc_root, ev.pid);
        auto proc = resolve(tgid);
        if (!proc || proc->netns == 0) {
            // A process that connects, sends and exits within a few milliseconds is often
            // gone (or exiting, its ns/net already released) by the time a loaded machine
            // schedules this thread: that was most short-lived misses under a burst. Its pid
            // and name are in the record; its start time (when gone) and namespace are not,
            // so it is taken as ours (foreign namespaces' short connections match no record
            // of ours by 5-tuple unless two namespaces use the same addresses).
            const bool gone = ::kill(tgid, 0) != 0 && errno == ESRCH;
            const bool exiting = proc && proc->exiting;
            if (gone || exiting) {
                if (!proc) {
                    proc.emplace();
                    proc->info.id = ProcessId{tgid, 0};
                    // Raw records hold no name: the exit record has it (see apply_batch).
                    if (!ev.comm.empty())
                        proc->info.name = std::string(ev.comm);
                    else if (auto name = exits_.find(ev.pid))
                        proc->info.name = std::move(*name);
                    else
                        p.unnamed = true;
                }
                proc->netns = own_netns_;
                std::lock_guard lock(mutex_);
                ++exited_;
            }
        }
        if (!proc || proc->netns == 0 || proc->netns != own_netns_) {
            std::lock_guard lock(mutex_);
            ++foreign_;
            return;
        }
        p.owner = std::move(proc->info);
    }
    if (batch_.size() >= kMaxBatch) apply_batch();  // bounded: a flood applies early
    batch_.push_back(std::move(p));
}

bool ConnectTracer::awaits_exit_names() const {
    if (!exit_layout_) return false;
    return std::any_of(batch_.begin(), batch_.end(),
                       [&](const Pending& p) { return p.unnamed && !exits_.find(p.ev.pid); });
}

std::string ConnectTracer::gone_name(std::int32_t tid) const {
    if (auto name = exits_.find(tid)) return std::move(*name);
    return settings_.saved_cmdlines ? saved_comm(tid) : std::string();
}

void ConnectTracer::apply_batch() {
    if (batch_.empty()) return;
    for (Pending& p : batch_) {
        if (!p.unnamed) continue;
        p.owner->name = gone_name(p.ev.pid);
        p.unnamed = false;
    }
    // Stable: records of one CPU (equal timestamps included) keep their order.
    std::stable_sort(batch_.begin(), batch_.end(),
                     [](const Pending& a, const Pending& b) { return a.ev.ts_ns < b.ev.ts_ns; });
    const auto now = ConnectTable::Clock::now();
    std::lock_guard lock(mutex_);
    for (Pending& p : batch_) {
        if (p.ev.new_state == kSynSent) {
            ++events_;
            table_.on_connect(p.key, std::move(*p.owner), now, p.ev.skaddr);
        } else {
            table_.on_left_syn_sent(p.key, now, p.ev.skaddr);
        }
    }
    batch_.clear();
}

std::optional<ProcessInfo> ConnectTracer::find(const SocketKey& key) const {
    SocketKey k = key;
    k.netns = 0;
    std::lock_guard lock(mutex_);
    return table_.find(k, ConnectTable::Clock::now());
}

std::optional<ProcessInfo> ConnectTracer::take(const SocketKey& key) {
    SocketKey k = key;
    k.netns = 0;
    std::lock_guard lock(mutex_);
    return table_.take(k, ConnectTable::Clock::now());
}

ConnectTracerStats ConnectTracer::stats() const {
    std::lock_guard lock(mutex_);
    ConnectTracerStats s = table_.stats();
    s.events = events_;
    s.foreign = foreign_;
    s.exited = exited_;
    s.malformed = malformed_;
    s.lost = lost_;
    return s;
}

}  // namespace sstop::plugins::netlink
