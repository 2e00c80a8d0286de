#include "connect_tracer.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
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
constexpr std::string_view kEventDir = "/events/sock/inet_sock_set_state";
constexpr std::string_view kUnavailable =
    "netlink: tracefs unavailable — connections that open and close within one update are "
    "counted as unattributed";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::optional<std::int32_t> parse_pid(std::string_view s) {
    auto v = lp::parse_unsigned<std::uint32_t>(s);
    if (!v || *v > 0x7fffffffu) return std::nullopt;
    return static_cast<std::int32_t>(*v);
}

// Value of `key=` in a space-separated key=value list.
std::optional<std::string_view> field(std::string_view payload, std::string_view key) {
    std::size_t pos = 0;
    while (pos < payload.size()) {
        std::size_t end = payload.find(' ', pos);
        if (end == std::string_view::npos) end = payload.size();
        std::string_view token = payload.substr(pos, end - pos);
        if (token.size() > key.size() && token.substr(0, key.size()) == key &&
            token[key.size()] == '=')
            return token.substr(key.size() + 1);
        pos = end + 1;
    }
    return std::nullopt;
}

// "TCP_SYN_SENT" → 2; the kernel prints an unknown value as a hex number instead.
std::optional<int> parse_state(std::string_view s) {
    static constexpr std::array<std::string_view, 13> kNames = {"",
                                                                "TCP_ESTABLISHED",
                                                                "TCP_SYN_SENT",
                                                                "TCP_SYN_RECV",
                                                                "TCP_FIN_WAIT1",
                                                                "TCP_FIN_WAIT2",
                                                                "TCP_TIME_WAIT",
                                                                "TCP_CLOSE",
                                                                "TCP_CLOSE_WAIT",
                                                                "TCP_LAST_ACK",
                                                                "TCP_LISTEN",
                                                                "TCP_CLOSING",
                                                                "TCP_NEW_SYN_RECV"};
    for (std::size_t i = 1; i < kNames.size(); ++i)
        if (s == kNames[i]) return static_cast<int>(i);
    if (s.substr(0, 2) == "0x")
        if (auto v = lp::parse_unsigned<std::uint32_t>(s.substr(2), 16); v && *v < 256)
            return static_cast<int>(*v);
    return std::nullopt;
}

std::optional<std::uint16_t> parse_port(std::string_view s) {
    auto v = lp::parse_unsigned<std::uint32_t>(s);
    if (!v || *v > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(*v);
}

std::optional<IpAddr> parse_addr(std::string_view s, bool v6) {
    char buf[INET6_ADDRSTRLEN + 1];
    if (s.empty() || s.size() >= sizeof buf) return std::nullopt;
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    IpAddr out;
    if (!v6) {
        if (inet_pton(AF_INET, buf, out.bytes.data()) != 1) return std::nullopt;
        out.family = Family::V4;
        return out;
    }
    if (inet_pton(AF_INET6, buf, out.bytes.data()) != 1) return std::nullopt;
    static constexpr std::array<std::uint8_t, 12> kMapped = {0, 0, 0, 0, 0,    0,
                                                             0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped.begin(), kMapped.end(), out.bytes.begin())) {
        std::array<std::uint8_t, 16> v4{};
        std::copy(out.bytes.begin() + 12, out.bytes.end(), v4.begin());
        out.bytes = v4;
        out.family = Family::V4;
    } else {
        out.family = Family::V6;
    }
    return out;
}

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
    rest = trim(rest.substr(0, rest.find('\n')));
    return parse_pid(rest).value_or(tid);
}

}  // namespace

std::optional<StateEvent> parse_state_line(std::string_view line) {
    constexpr std::string_view kMarker = ": inet_sock_set_state: ";
    std::size_t m = line.find(kMarker);
    if (m == std::string_view::npos) return std::nullopt;
    std::string_view header = trim(line.substr(0, m));
    std::string_view payload = trim(line.substr(m + kMarker.size()));

    // Header, right to left: timestamp, flags, [cpu], optional (tgid), comm-pid.
    auto pop_token = [&header]() {
        std::size_t sp = header.find_last_of(' ');
        std::string_view tok = sp == std::string_view::npos ? header : header.substr(sp + 1);
        header = trim(header.substr(0, sp == std::string_view::npos ? 0 : sp));
        return tok;
    };
    std::string_view ts = pop_token();
    const std::size_t dot = ts.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    auto secs = lp::parse_unsigned<std::uint64_t>(ts.substr(0, dot));
    // The fraction has 6 digits under the trace clocks sstop sets; any 1-9 are read as such.
    std::string_view frac = ts.substr(dot + 1);
    auto fraction = lp::parse_unsigned<std::uint32_t>(frac);
    if (!secs || !fraction || frac.empty() || frac.size() > 9 || *secs > (1ull << 40))
        return std::nullopt;
    std::uint64_t micros = *fraction;
    for (std::size_t d = frac.size(); d < 6; ++d) micros *= 10;
    for (std::size_t d = 6; d < frac.size(); ++d) micros /= 10;
    pop_token();  // irq/preempt flags
    std::string_view cpu = pop_token();
    if (cpu.size() < 3 || cpu.front() != '[' || cpu.back() != ']') return std::nullopt;

    StateEvent ev;
    ev.ts_us = *secs * 1'000'000u + micros;
    if (!header.empty() && header.back() == ')') {
        std::size_t open = header.rfind('(');
        if (open == std::string_view::npos) return std::nullopt;
        // "-------" when the kernel did not record the tgid yet: treat as absent.
        if (auto tgid = parse_pid(trim(header.substr(open + 1, header.size() - open - 2))))
            ev.tgid = *tgid;
        header = trim(header.substr(0, open));
    }
    std::size_t dash = header.rfind('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto pid = parse_pid(header.substr(dash + 1));
    if (!pid) return std::nullopt;
    ev.pid = *pid;
    ev.comm = header.substr(0, dash);

    auto family = field(payload, "family");
    auto protocol = field(payload, "protocol");
    auto sport = field(payload, "sport");
    auto dport = field(payload, "dport");
    auto old_state = field(payload, "oldstate");
    auto new_state = field(payload, "newstate");
    if (!family || !protocol || !sport || !dport || !old_state || !new_state) return std::nullopt;
    bool v6;
    if (*family == "AF_INET")
        v6 = false;
    else if (*family == "AF_INET6")
        v6 = true;
    else
        return std::nullopt;
    if (*protocol == "IPPROTO_TCP")
        ev.protocol = kTcp;
    else if (*protocol == "IPPROTO_SCTP")
        ev.protocol = 132;
    else if (*protocol == "IPPROTO_MPTCP")
        ev.protocol = 262;
    else
        return std::nullopt;
    auto sp = parse_port(*sport);
    auto dp = parse_port(*dport);
    auto os = parse_state(*old_state);
    auto ns = parse_state(*new_state);
    auto saddr = field(payload, v6 ? "saddrv6" : "saddr");
    auto daddr = field(payload, v6 ? "daddrv6" : "daddr");
    if (!sp || !dp || !os || !ns || !saddr || !daddr) return std::nullopt;
    auto sa = parse_addr(*saddr, v6);
    auto da = parse_addr(*daddr, v6);
    if (!sa || !da) return std::nullopt;
    ev.source = Endpoint{*sa, *sp};
    ev.dest = Endpoint{*da, *dp};
    ev.old_state = *os;
    ev.new_state = *ns;
    return ev;
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

void ConnectTable::on_connect(const SocketKey& key, ProcessInfo owner, Clock::time_point now) {
    expire(complete_, now);
    expire(waiting_, now);
    Entry e{std::move(owner), now, next_seq_++};
    if (key.local.port != 0) {
        insert(complete_, key, std::move(e));
    } else {
        const std::uint64_t seq = e.seq;
        insert(waiting_, WaitKey{key, seq}, std::move(e));
    }
}

void ConnectTable::on_left_syn_sent(const SocketKey& key, Clock::time_point now) {
    expire(waiting_, now);
    SocketKey partial = key;
    partial.local.port = 0;
    auto first = waiting_.items.lower_bound(WaitKey{partial, 0});
    if (first == waiting_.items.end() || first->first.first != partial) return;
    bool mixed = false;
    for (auto it = first; it != waiting_.items.end() && it->first.first == partial; ++it)
        mixed = mixed || it->second.owner.id != first->second.owner.id;
    if (mixed) ++stats_.ambiguous;  // SYN-ACKs almost always return in SYN order: keep FIFO
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
    // Threads of one process must map to the process: record the tgid next to the tid.
    write_file(t->instance_ + "/options/record-tgid", "1");
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
    t->pipe_fd_.reset(
        ::open((t->instance_ + "/trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    t->wake_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!t->pipe_fd_.valid() || !t->wake_fd_.valid()) {
        err = errno;
        t->shutdown();
        say(Notice::Level::Warning,
            std::string(kUnavailable) + " (trace_pipe: " + std::strerror(err) + ")");
        return nullptr;
    }
    t->own_netns_ = inode_of(t->settings_.proc_root + "/self/ns/net");
    return t;
}

ConnectTracer::~ConnectTracer() { shutdown(); }

void ConnectTracer::shutdown() {
    if (!running_.exchange(false, std::memory_order_acq_rel)) return;
    write_file(instance_ + std::string(kEventDir) + "/enable", "0");
    pipe_fd_.reset();
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
    std::vector<char> buf(64 * 1024);
    while (!stop.stop_requested() && running()) {
        pollfd fds[2] = {{pipe_fd_.get(), POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
        int r = ::poll(fds, 2, kPollTimeoutMs);
        if (r < 0 && errno != EINTR) break;
        if (fds[1].revents & POLLIN) {
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
                ingest(chunk.substr(0, nl));
            } else {
                partial_.append(chunk.substr(0, nl));
                ingest(partial_);
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
    ingest(line);
    apply_batch();
}

void ConnectTracer::ingest(std::string_view line) {
    auto ev = parse_state_line(line);
    if (!ev) {
        // Lost-event notices ("CPU:1 [LOST 12 EVENTS]") and blank lines are not errors.
        if (!trim(line).empty() && line.find("LOST") == std::string_view::npos) {
            std::lock_guard lock(mutex_);
            ++malformed_;
        }
        return;
    }
    if (ev->protocol != kTcp) return;
    if (ev->new_state != kSynSent && ev->old_state != kSynSent) return;
    Pending p{*ev, SocketKey{}, std::nullopt};
    p.key.proto = Proto::Tcp;
    p.key.local = ev->source;
    p.key.remote = ev->dest;
    p.ev.comm = {};  // views into the read buffer; the owner below keeps the name
    if (ev->new_state == kSynSent) {
        // Only this record runs in the connecting process; resolve it before it can exit.
        const std::int32_t tgid = ev->tgid ? ev->tgid : tgid_of(settings_.proc_root, ev->pid);
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
                    proc->info.name = std::string(ev->comm);
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

void ConnectTracer::apply_batch() {
    if (batch_.empty()) return;
    // Stable: records of one CPU (equal timestamps included) keep their order.
    std::stable_sort(batch_.begin(), batch_.end(),
                     [](const Pending& a, const Pending& b) { return a.ev.ts_us < b.ev.ts_us; });
    const auto now = ConnectTable::Clock::now();
    std::lock_guard lock(mutex_);
    for (Pending& p : batch_) {
        if (p.ev.new_state == kSynSent) {
            ++events_;
            table_.on_connect(p.key, std::move(*p.owner), now);
        } else {
            table_.on_left_syn_sent(p.key, now);
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
    return s;
}

}  // namespace sstop::plugins::netlink
