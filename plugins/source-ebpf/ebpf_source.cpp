#include "ebpf_source.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iterator>
#include <linuxproc/file_io.hpp>
#include <linuxproc/netns.hpp>
#include <linuxproc/owner_map.hpp>
#include <linuxproc/proc_parse.hpp>
#include <mutex>

#include "connect_tracer.hpp"  // read_traced_process
#include "netlink_source.hpp"
#include "sock_diag.hpp"
#include "sstop.skel.h"

namespace sstop::plugins::ebpf {
namespace {

constexpr std::size_t kMaxUnowned = 4096;
constexpr std::size_t kMaxListeners = 4096;
constexpr std::size_t kMaxDescribed = 8192;
constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kTcpListen = 10;

// libbpf's messages go here, never to the terminal; the last warning explains a failed load.
std::mutex g_print_mutex;
std::string g_last_problem;

int capture_print(enum libbpf_print_level level, const char* format, va_list args) {
    if (level == LIBBPF_DEBUG) return 0;
    char line[512];
    int n = std::vsnprintf(line, sizeof line, format, args);
    if (n <= 0) return 0;
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (text.empty()) return 0;
    std::lock_guard lock(g_print_mutex);
    g_last_problem = std::move(text);
    return 0;
}

std::string last_problem() {
    std::lock_guard lock(g_print_mutex);
    return g_last_problem;
}

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

std::uint64_t inode_of(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

SocketState state_of(std::uint8_t kernel_state) {
    return kernel_state <= static_cast<std::uint8_t>(SocketState::NewSynRecv)
               ? static_cast<SocketState>(kernel_state)
               : SocketState::Unknown;
}

Proto proto_of(std::uint8_t protocol) { return static_cast<Proto>(protocol); }

// How a socket listed without a cookie (ping, raw) is found again: protocol, local end and
// namespace; the remote end may have changed (a ping socket connects later).
SocketKey local_end(SocketKey key) {
    key.remote = {};
    return key;
}

}  // namespace

bool in_scope(const sstop_sock& rec, bool all_namespaces, std::uint64_t own_netns, bool listed) {
    if (all_namespaces) return true;
    if (rec.netns != 0) return rec.netns == own_netns;
    return listed;
}

// `ip netns exec` remounts /sys in a mount namespace of its own, hiding the hierarchy; the
// process that started sstop (or one of its ancestors) still sees it, and root reaches it
// through that process's root directory. At most 16 ancestors are asked.
static std::optional<std::string> cgroup2_of_an_ancestor(const std::string& proc_root) {
    std::int32_t pid = ::getppid();
    for (int depth = 0; depth < 16 && pid > 0; ++depth) {
        const std::string dir = proc_root + "/" + std::to_string(pid);
        std::string mounts;
        if (linuxproc::read_at(AT_FDCWD, (dir + "/mounts").c_str(), mounts, 1 << 20)) {
            if (auto path = find_cgroup2(mounts)) {
                const std::string through = dir + "/root" + *path;
                if (::access(through.c_str(), R_OK) == 0) return through;
            }
        }
        std::string stat;
        if (!linuxproc::read_at(AT_FDCWD, (dir + "/stat").c_str(), stat, 4096)) break;
        const auto parsed = linuxproc::parse_stat(stat);
        if (!parsed) break;
        pid = parsed->ppid;
    }
    return std::nullopt;
}

std::optional<std::string> find_cgroup2(std::string_view mounts) {
    return linuxproc::find_mount_point(mounts, "cgroup2");
}

SocketObs to_observation(const sstop_sock& rec, std::uint64_t own_netns) {
    SocketObs obs;
    obs.key.proto = proto_of(rec.protocol);
    obs.key.local.addr = netlink::diag_addr(static_cast<std::uint8_t>(rec.family), rec.laddr);
    obs.key.remote.addr = netlink::diag_addr(static_cast<std::uint8_t>(rec.family), rec.raddr);
    // A raw socket's "port" is its protocol: keyed without ports, like its flows and /proc.
    const bool raw = rec.sock_type == SOCK_RAW;
    obs.key.local.port = raw ? 0 : rec.lport;
    obs.key.remote.port = raw ? 0 : rec.rport;
    obs.key.netns = rec.netns == 0 || rec.netns == own_netns ? 0 : rec.netns;
    obs.cookie = rec.cookie;
    obs.inode = rec.inode;
    obs.uid = rec.uid;
    obs.closed = rec.closed != 0;
    if (rec.protocol == kTcp) {
        obs.state = state_of(rec.state);
        netlink::TcpCounters tcp;
        tcp.present = true;
        tcp.bytes_received = rec.tcp_received;
        tcp.bytes_sent = rec.tcp_sent;
        tcp.bytes_retrans = rec.tcp_retrans;
        netlink::apply_tcp_bytes(obs, tcp,
                                 netlink::peer_fin_received(obs.state) || rec.fin_in != 0);
        if (obs.state == SocketState::Listen) obs.has_bytes = true;  // no bytes, exactly
    } else {
        // Datagram sockets: the kernel says ESTABLISHED when connected, CLOSE otherwise.
        obs.state = state_of(rec.state);
        obs.has_bytes = true;
        obs.rx_bytes = rec.rx_bytes;
        obs.tx_bytes = rec.tx_bytes;
    }
    return obs;
}

ProcessId owner_id(const sstop_sock& rec, long clock_ticks_per_second) {
    if (rec.tgid == 0) return {};
    const std::uint64_t ns_per_tick =
        1'000'000'000ull /
        static_cast<std::uint64_t>(clock_ticks_per_second > 0 ? clock_ticks_per_second : 100);
    return ProcessId{static_cast<std::int32_t>(rec.tgid), rec.start_ns / ns_per_tick};
}

struct EbpfSource::Kernel {
    sstop_bpf* skel = nullptr;
    std::vector<bpf_link*> links;
    ring_buffer* rings = nullptr;
    int cgroup_fd = -1;
    std::vector<sstop_dirty>* dirty_out = nullptr;
    // The records (`recs`), read in place. The whole array's addresses are reserved, and its
    // pages mapped from the start as far as the slots in use reach (`mapped` bytes): mapping
    // an array map populates every page at once, and slots are taken from the bottom up.
    sstop_sock* recs = nullptr;
    std::size_t recs_len = 0;
    std::size_t mapped = 0;
    int recs_fd = -1;
    std::uint32_t slots = 0;
    // The slots `sstop_free` gives back, mapped; null where the kernel has no syscall programs.
    sstop_free_batch* free_batch = nullptr;
    std::size_t free_len = 0;

    ~Kernel() {
        if (free_batch) ::munmap(free_batch, free_len);
        if (recs) ::munmap(recs, recs_len);
        if (rings) ring_buffer__free(rings);
        for (bpf_link* l : links) bpf_link__destroy(l);
        if (skel) sstop_bpf__destroy(skel);
        if (cgroup_fd >= 0) ::close(cgroup_fd);
    }

    static int on_dirty(void* ctx, void* data, std::size_t size) {
        auto* k = static_cast<Kernel*>(ctx);
        if (size >= sizeof(sstop_dirty) && k->dirty_out) {
            sstop_dirty d;
            std::memcpy(&d, data, sizeof d);
            k->dirty_out->push_back(d);
        }
        return 0;
    }

    // A copy of the record in `at.slot` while it is `at.cookie`'s (the kernel may be writing
    // it as it is copied; a slot given back, or to another socket, shows another cookie).
    bool copy(const sstop_dirty& at, sstop_sock& out) {
        if (at.slot >= slots || !reach(at.slot)) return false;
        const sstop_sock* r = &recs[at.slot];
        if (__atomic_load_n(&r->cookie, __ATOMIC_ACQUIRE) != at.cookie) return false;
        std::memcpy(&out, r, sizeof out);
        return __atomic_load_n(&r->cookie, __ATOMIC_ACQUIRE) == at.cookie &&
               out.cookie == at.cookie;
    }

    // Maps the records' pages up to slot `slot`'s end, 256 KiB at a time.
    bool reach(std::uint32_t slot) {
        const std::size_t end = (static_cast<std::size_t>(slot) + 1) * sizeof(sstop_sock);
        if (end <= mapped) return true;
        constexpr std::size_t kStep = 256 * 1024;
        const std::size_t want = std::min(recs_len, (end + kStep - 1) / kStep * kStep);
        void* at = reinterpret_cast<char*>(recs) + mapped;
        void* p = ::mmap(at, want - mapped, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, recs_fd,
                         static_cast<off_t>(mapped));
        if (p == MAP_FAILED) return false;
        mapped = want;
        return true;
    }

    // Pushes `free` onto the free slot stack: SSTOP_FREE_BATCH a syscall (`sstop_free`, each
    // counted in `batches`), else one each. Returns the slots pushed.
    std::size_t push_free(const std::vector<std::uint32_t>& free, std::uint64_t& batches) {
        std::size_t i = 0;
        std::size_t pushed = 0;
        if (free_batch) {
            const int prog = bpf_program__fd(skel->progs.sstop_free);
            for (; i < free.size(); i += SSTOP_FREE_BATCH) {
                const std::size_t n = std::min<std::size_t>(SSTOP_FREE_BATCH, free.size() - i);
                std::memcpy(free_batch->slots, free.data() + i, n * sizeof(std::uint32_t));
                sstop_free_args args{static_cast<std::uint32_t>(n), 0};
                // A syscall program's context is copied back to ctx_in: `pushed` comes back.
                LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &args, .ctx_size_in = sizeof args);
                if (bpf_prog_test_run_opts(prog, &run) != 0) break;  // the rest one by one
                ++batches;
                pushed += args.pushed;
            }
        }
        const int fd = bpf_map__fd(skel->maps.free_slots);
        for (; i < free.size(); ++i)
            if (bpf_map_update_elem(fd, nullptr, &free[i], BPF_ANY) == 0) ++pushed;
        return pushed;
    }
};

EbpfSource::EbpfSource(PluginContext& context) : context_(&context) {
    const Options& o = context.options();
    settings_.proc_root = o.get_string("proc_root");
    settings_.cgroup_root = o.get_string("cgroup_root");
    settings_.max_sockets = static_cast<std::size_t>(o.get_int("max_sockets"));
    settings_.ring_bytes = static_cast<std::size_t>(o.get_int("ring_kib")) * 1024;
    settings_.namespaces = o.get_string("namespaces");
    settings_.hooks = o.get_string("hooks");
}

EbpfSource::EbpfSource(EbpfSettings settings) : settings_(std::move(settings)) {}

EbpfSource::~EbpfSource() = default;

std::uint32_t EbpfSource::capabilities() const {
    return kProvidesSockets | kProvidesTcpBytes | kProvidesUdpBytes | kProvidesOtherBytes |
           kProvidesInterfaces | kProvidesOwners | kIncrementalSockets;
}

void EbpfSource::log(Notice::Level level, std::string_view message) {
    if (context_) context_->log(level, message);
}

void EbpfSource::open() {
    libbpf_set_print(capture_print);
    if (::access(settings_.btf.c_str(), R_OK) != 0)
        throw PluginUnavailable("ebpf: no kernel BTF (" + settings_.btf + ": " + errno_text(errno) +
                                "); use netlink, procnet and afpacket");
    std::string root = settings_.cgroup_root;
    if (root.empty()) {
        std::string mounts;
        if (!linuxproc::read_at(AT_FDCWD, settings_.proc_mounts.c_str(), mounts, 1 << 20))
            throw PluginUnavailable("ebpf: cannot read " + settings_.proc_mounts);
        auto found = find_cgroup2(mounts);
        if (!found) found = cgroup2_of_an_ancestor(settings_.proc_root);
        if (!found)
            throw PluginUnavailable(
                "ebpf: no cgroup v2 hierarchy is mounted (here or where sstop was started from)");
        root = *found;
    }
    auto k = std::make_unique<Kernel>();
    k->cgroup_fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (k->cgroup_fd < 0)
        throw PluginUnavailable("ebpf: cannot open the cgroup v2 root " + root + ": " +
                                errno_text(errno));
    if (settings_.hooks != "auto" && settings_.hooks != "syscalls" && settings_.hooks != "packets")
        throw PluginUnavailable("ebpf: hooks: '" + settings_.hooks +
                                "' is not one of auto, syscalls, packets");
    // Slots given back in batches need syscall programs (Linux 5.14), the syscall hooks the
    // socket tracepoints (6.3). Where the kernel lacks one, or refuses it, the rest loads
    // without it: slots given back one syscall each, bytes counted per packet.
    auto load = [&](bool with_batch, bool syscall_hooks) {
        k->skel = sstop_bpf__open();
        if (!k->skel)
            throw PluginUnavailable("ebpf: cannot open the BPF object: " + last_problem());
        const auto slots = static_cast<std::uint32_t>(settings_.max_sockets);
        bpf_map__set_max_entries(k->skel->maps.recs, slots);
        bpf_map__set_max_entries(k->skel->maps.socks, slots);
        bpf_map__set_max_entries(k->skel->maps.free_slots, slots);
        bpf_map__set_max_entries(k->skel->maps.dirty,
                                 static_cast<std::uint32_t>(settings_.ring_bytes));
        bpf_program__set_autoload(k->skel->progs.sstop_free, with_batch);
        k->skel->rodata->per_syscall = syscall_hooks ? 1 : 0;
        for (bpf_program* prog : {k->skel->progs.sstop_send, k->skel->progs.sstop_recv,
                                  k->skel->progs.sstop_tcp_read, k->skel->progs.sstop_sockops})
            bpf_program__set_autoload(prog, syscall_hooks);
        for (bpf_program* prog : {k->skel->progs.sstop_egress, k->skel->progs.sstop_ingress})
            bpf_program__set_autoload(prog, !syscall_hooks);
        const int err = sstop_bpf__load(k->skel);
        if (err) {
            sstop_bpf__destroy(k->skel);
            k->skel = nullptr;
        }
        return err;
    };
    const bool syscall_progs =
        settings_.batched_reads && libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SYSCALL, nullptr) == 1;
    std::vector<std::pair<bool, bool>> tries;  // (batch, syscall hooks), best first
    for (bool batch : {true, false}) {
        if (batch && !syscall_progs) continue;
        if (settings_.hooks != "packets") tries.emplace_back(batch, true);
        if (settings_.hooks != "syscalls") tries.emplace_back(batch, false);
    }
    int err = 0;
    for (auto [batch, syscalls] : tries) {
        err = load(batch, syscalls);
        if (!err) {
            syscall_hooks_ = syscalls;
            break;
        }
    }
    if (err)
        throw PluginUnavailable("ebpf: the kernel refused the BPF programs (" + errno_text(err) +
                                (last_problem().empty() ? "" : ": " + last_problem()) +
                                "); CAP_BPF and CAP_PERFMON (or root) are needed" +
                                (settings_.hooks == "syscalls"
                                     ? "; hooks: syscalls needs Linux 6.3's socket tracepoints"
                                     : ""));
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    auto pages = [&](std::size_t bytes) { return (bytes + page - 1) / page * page; };
    k->slots = static_cast<std::uint32_t>(settings_.max_sockets);
    k->recs_len = pages(sizeof(sstop_sock) * k->slots);
    k->recs_fd = bpf_map__fd(k->skel->maps.recs);
    void* recs =
        ::mmap(nullptr, k->recs_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (recs == MAP_FAILED)
        throw PluginUnavailable("ebpf: cannot reserve the socket records' addresses: " +
                                errno_text(errno));
    k->recs = static_cast<sstop_sock*>(recs);
    if (!k->reach(0))
        throw PluginUnavailable("ebpf: cannot map the socket records: " + errno_text(errno));
    if (bpf_program__fd(k->skel->progs.sstop_free) >= 0) {
        const std::size_t len = pages(sizeof(sstop_free_batch));
        void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED,
                         bpf_map__fd(k->skel->maps.free_batch), 0);
        if (p != MAP_FAILED) {
            k->free_batch = static_cast<sstop_free_batch*>(p);
            k->free_len = len;
        }
    }
    // Every slot is free, the lowest on top of the stack: in use, slots stay near the bottom.
    std::vector<std::uint32_t> all(k->slots);
    for (std::uint32_t i = 0; i < k->slots; ++i) all[i] = k->slots - 1 - i;
    if (k->push_free(all, batch_reads_) != all.size())
        throw PluginUnavailable("ebpf: cannot fill the free slot stack: " + errno_text(errno));
    // Every link is kept (the kernel detaches it when sstop's descriptors close); a failed
    // attach is one line that names the hook.
    auto keep = [&](bpf_link* l, const std::string& failure) {
        if (!l)
            throw PluginUnavailable("ebpf: cannot attach " + failure + ": " + errno_text(errno));
        k->links.push_back(l);
    };
    auto attach_cgroup = [&](bpf_program* prog, const char* what) {
        keep(bpf_program__attach_cgroup(prog, k->cgroup_fd), std::string(what) + " to " + root);
    };
    auto attach_tracepoint = [&](bpf_program* prog, const char* name) {
        keep(bpf_program__attach_raw_tracepoint(prog, name),
             std::string("to the ") + name + " tracepoint");
    };
    auto attach_btf_tracepoint = [&](bpf_program* prog, const char* name) {
        keep(bpf_program__attach_trace(prog), std::string("to the ") + name + " tracepoint");
    };
    attach_cgroup(k->skel->progs.sstop_sock_create, "cgroup/sock_create");
    attach_tracepoint(k->skel->progs.sstop_tcp_state, "inet_sock_set_state");
    if (syscall_hooks_) {
        attach_cgroup(k->skel->progs.sstop_sockops, "sockops");
        attach_btf_tracepoint(k->skel->progs.sstop_tcp_read, "tcp_rcv_space_adjust");
        attach_btf_tracepoint(k->skel->progs.sstop_send, "sock_send_length");
        attach_btf_tracepoint(k->skel->progs.sstop_recv, "sock_recv_length");
    } else {
        attach_cgroup(k->skel->progs.sstop_egress, "cgroup_skb/egress");
        attach_cgroup(k->skel->progs.sstop_ingress, "cgroup_skb/ingress");
    }
    attach_cgroup(k->skel->progs.sstop_sock_release, "cgroup/sock_release");
    k->rings =
        ring_buffer__new(bpf_map__fd(k->skel->maps.dirty), &Kernel::on_dirty, k.get(), nullptr);
    if (!k->rings)
        throw PluginUnavailable("ebpf: cannot map the ring buffer: " + errno_text(errno));
    kernel_ = std::move(k);
    own_netns_ = inode_of(settings_.proc_root + "/self/ns/net");
    const auto mode = netlink::parse_namespaces_mode(settings_.namespaces);
    all_namespaces_ =
        linuxproc::dumps_all_namespaces(mode.value_or(linuxproc::NamespacesMode::Auto),
                                        linuxproc::read_netns_identity(settings_.proc_root));
    clock_ticks_ = ::sysconf(_SC_CLK_TCK);
}

std::uint64_t EbpfSource::programs_run_ns() const {
    if (!kernel_) return 0;
    std::uint64_t sum = 0;
    for (const bpf_program* prog :
         {kernel_->skel->progs.sstop_sock_create, kernel_->skel->progs.sstop_sock_release,
          kernel_->skel->progs.sstop_sockops, kernel_->skel->progs.sstop_tcp_state,
          kernel_->skel->progs.sstop_tcp_read, kernel_->skel->progs.sstop_send,
          kernel_->skel->progs.sstop_recv, kernel_->skel->progs.sstop_egress,
          kernel_->skel->progs.sstop_ingress}) {
        if (bpf_program__fd(prog) < 0) continue;  // not loaded: the other hooks are in use
        bpf_prog_info info{};
        std::uint32_t len = sizeof info;
        if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0)
            sum += info.run_time_ns;
    }
    return sum;
}

EbpfSource::KernelCounters EbpfSource::kernel_counters() const {
    KernelCounters c;
    if (!kernel_) return c;
    const auto* bss = kernel_->skel->bss;
    c.map_full = __atomic_load_n(&bss->map_full, __ATOMIC_RELAXED);
    c.dirty_lost = __atomic_load_n(&bss->dirty_lost, __ATOMIC_RELAXED);
    c.cookieless = __atomic_load_n(&bss->cookieless, __ATOMIC_RELAXED);
    return c;
}

void EbpfSource::index_all(std::vector<sstop_dirty>& at) {
    const int fd = bpf_map__fd(kernel_->skel->maps.socks);
    ++full_walks_;
    // In batches of up to 1,024 entries a syscall (Linux 5.6); a bucket holding more than a
    // batch (ENOSPC) doubles it. Where the kernel has no batch lookup, key by key below.
    std::uint32_t chunk = 1024;
    std::vector<std::uint64_t> keys(chunk);
    std::vector<std::uint32_t> values(chunk);
    std::uint32_t token = 0;
    bool started = false;
    const std::size_t before = at.size();
    auto add = [&](std::uint64_t cookie, std::uint32_t slot) { at.push_back({cookie, slot, 0}); };
    while (settings_.batched_reads && at.size() - before <= settings_.max_sockets) {
        std::uint32_t n = chunk;
        const int err = bpf_map_lookup_batch(fd, started ? &token : nullptr, &token, keys.data(),
                                             values.data(), &n, nullptr);
        const int why = errno;
        if (err == 0 || why == ENOENT) {
            for (std::uint32_t i = 0; i < n; ++i) add(keys[i], values[i]);
            ++batch_reads_;
            started = true;
            if (err != 0) return;  // ENOENT: the end of the map
            continue;
        }
        if (why == ENOSPC && chunk < (1u << 16)) {
            chunk *= 2;
            keys.resize(chunk);
            values.resize(chunk);
            continue;
        }
        if (started) return;  // a later batch failed: what was read stands
        break;                // no batch lookup here
    }
    if (started) return;
    std::uint64_t key = 0;
    std::uint64_t next = 0;
    const void* prev = nullptr;
    std::size_t guard = 0;
    while (bpf_map_get_next_key(fd, prev, &next) == 0 && guard++ <= settings_.max_sockets) {
        std::uint32_t slot = 0;
        ++lookups_;
        if (bpf_map_lookup_elem(fd, &next, &slot) == 0) add(next, slot);
        key = next;
        prev = &key;
    }
}

// Notices in cookie order (then slot): how `at` lists are sorted and merged.
static bool by_cookie(const sstop_dirty& a, const sstop_dirty& b) {
    return a.cookie != b.cookie ? a.cookie < b.cookie : a.slot < b.slot;
}

void EbpfSource::sort_once(std::vector<sstop_dirty>& at) {
    std::sort(at.begin(), at.end(), by_cookie);
    at.erase(std::unique(at.begin(), at.end(),
                         [](const sstop_dirty& a, const sstop_dirty& b) {
                             return a.cookie == b.cookie && a.slot == b.slot;
                         }),
             at.end());
}

void EbpfSource::read_records(std::vector<sstop_dirty>& at, bool indexed,
                              const std::function<void(const sstop_sock&)>& take) {
    if (indexed) sort_once(at);
    const int fd = bpf_map__fd(kernel_->skel->maps.socks);
    sstop_sock rec;
    for (const sstop_dirty& d : at) {
        if (!kernel_->copy(d, rec)) continue;  // gone and read before, or never made
        take(rec);
        if (rec.closed) {
            // Final: the slot goes back at the next update (no program can still be writing
            // to it by then). A record made at release, and a final record whose notice did
            // not fit the ring (found by the whole-map read), are still in `socks`: they
            // leave now.
            if (indexed || rec.gone) bpf_map_delete_elem(fd, &d.cookie);
            if (to_free_.size() < kernel_->slots) to_free_.push_back(d);
        } else if (!rec.seen) {
            kernel_->recs[d.slot].seen = 1;  // the kernel never writes it after the record is made
        }
    }
}

void EbpfSource::give_back_slots() {
    if (to_free_.empty()) return;
    std::vector<std::uint32_t> slots;
    slots.reserve(to_free_.size());
    for (const sstop_dirty& d : to_free_) {
        sstop_sock* r = &kernel_->recs[d.slot];
        // The cookie is cleared first, so a notice still naming this slot matches nothing.
        if (__atomic_load_n(&r->cookie, __ATOMIC_ACQUIRE) != d.cookie) continue;
        __atomic_store_n(&r->cookie, 0, __ATOMIC_RELEASE);
        slots.push_back(d.slot);
    }
    to_free_.clear();
    slots_lost_ += slots.size() - kernel_->push_free(slots, batch_reads_);
}

void EbpfSource::describe_owner(const ProcessId& id, const sstop_sock& rec, Sample& out) {
    if (id.pid == 0) return;
    for (const ProcessInfo& p : out.processes)
        if (p.id == id) return;
    auto it = described_.find(id.pid);
    if (it == described_.end() || it->second.id != id) {
        ProcessInfo info;
        auto fresh = netlink::read_traced_process(settings_.proc_root, id.pid);
        if (fresh && fresh->info.id == id) {
            info = std::move(fresh->info);
        } else {
            // Gone already (or the pid was reused): what the kernel recorded at creation.
            info.id = id;
            info.uid = rec.uid;
            info.name.assign(rec.comm, strnlen(rec.comm, sizeof rec.comm));
        }
        if (described_.size() >= kMaxDescribed) described_.clear();
        it = described_.insert_or_assign(id.pid, std::move(info)).first;
    }
    out.processes.push_back(it->second);
}

void EbpfSource::add_record(const sstop_sock& rec, Sample& out) {
    SocketObs obs = to_observation(rec, own_netns_);
    // A TCP socket whose record was taken here before (`seen`) and that carries
    // everything (owner, namespace, inode, tuple) needs nothing of `known_`: its entry was
    // made at that first read, and nothing in it would change. (An older socket's record
    // gets its owner from its first send or receive; TCP sockets are listed with a cookie,
    // so none keeps a cookieless identity from the listing.) The lookup, a cache miss at
    // tens of thousands of sockets and one of the largest costs of a changed socket here, is
    // skipped. Every other record looks its cookie up once, for all it needs.
    const bool settled = rec.seen && rec.protocol == kTcp && rec.tgid != 0 && rec.start_ns != 0 &&
                         rec.netns != 0 && !rec.closed && rec.inode != 0 &&
                         (rec.lport != 0 || rec.rport != 0);
    if (settled) ++settled_;
    auto known = settled ? known_.end() : known_.find(rec.cookie);
    // Another namespace's socket, when only sstop's own is shown: read (it moved) and left.
    // One the start-up listing of sstop's namespace had (by cookie, or without one) is ours.
    auto listed = [&] {
        if (known != known_.end()) return true;
        return cookieless_.count(local_end(obs.key)) != 0;
    };
    if (!all_namespaces_ && !in_scope(rec, false, own_netns_, listed())) return;
    ProcessId owner = owner_id(rec, clock_ticks_);
    const bool no_tuple = rec.lport == 0 && rec.rport == 0;
    if (known != known_.end()) {
        // Listed by the inventory or an earlier update: what it knew stays.
        if (owner.pid == 0) owner = known->second.owner;
        if (obs.inode == 0) obs.inode = known->second.inode;
        if (known->second.listed_cookieless) {
            obs.cookie = 0;
            obs.key = known->second.key;
            obs.inode = known->second.inode;
        } else if (no_tuple)
            obs.key = known->second.key;  // a final record without its tuple
        else if (rec.tgid == 0)
            obs.key.netns = known->second.key.netns;
    } else if (rec.closed && no_tuple && rec.tx_bytes == 0 && rec.rx_bytes == 0 &&
               rec.tcp_sent == 0 && rec.tcp_received == 0) {
        return;  // the end of a socket that never did anything: nothing to say
    }
    if (owner.pid == 0 && rec.protocol == kTcp) {
        if (auto l = listeners_.find({obs.key.netns, obs.key.local.port}); l != listeners_.end()) {
            if (obs.inode == 0) {
                // Accepted, not yet by accept(): the listener's process will take it.
                owner = l->second;
            } else if (likely_owner_.size() < kMaxUnowned) {
                // Accepted: the owner map reads the listener's process first (it is where
                // the socket most likely is, and it was likely read just before accept()).
                likely_owner_.emplace(obs.inode, l->second.pid);
            }
        }
    }
    if (rec.protocol == kTcp && rec.state == kTcpListen && owner.pid != 0 &&
        (listeners_.size() < kMaxListeners ||
         listeners_.count({obs.key.netns, obs.key.local.port})))
        listeners_[{obs.key.netns, obs.key.local.port}] = owner;
    bool listed_cookieless = known != known_.end() && known->second.listed_cookieless;
    if (!settled && !cookieless_.empty() && known == known_.end()) {
        if (auto c = cookieless_.find(local_end(obs.key)); c != cookieless_.end()) {
            // The socket the start-up listing showed without a cookie: same identity, so
            // its counters (zero at the listing) go on instead of starting a new socket.
            if (owner.pid == 0) owner = c->second.owner;
            obs.cookie = 0;
            obs.key = c->second.key;
            obs.inode = c->second.inode;
            listed_cookieless = true;
            cookieless_.erase(c);
        }
    }
    obs.owner = owner;
    if (owner.pid != 0) {
        describe_owner(owner, rec, out);
        if (!unowned_.empty()) unowned_.erase(rec.cookie);
    } else if (!obs.closed && unowned_.size() < kMaxUnowned) {
        unowned_.emplace(rec.cookie, rec.slot);
    }
    if (obs.closed) {
        if (known != known_.end()) known_.erase(known);
        if (!unowned_.empty()) unowned_.erase(rec.cookie);
    } else if (!settled && (known != known_.end() || known_.size() < settings_.max_sockets)) {
        Known& k = known != known_.end() ? known->second : known_[rec.cookie];
        k.key = obs.key;
        if (obs.inode) k.inode = obs.inode;
        if (owner.pid) k.owner = owner;
        k.listed_cookieless = listed_cookieless;
    }
    out.sockets.push_back(std::move(obs));
}

void EbpfSource::take_inventory(Sample& out, std::vector<sstop_sock>& finals,
                                std::vector<sstop_dirty>& at) {
    // Sockets older than sstop: one sock_diag dump, with owners from /proc.
    netlink::NetlinkSettings ns;
    ns.proc_root = settings_.proc_root;
    ns.destroy_events = false;
    ns.trace_connects = false;
    if (auto mode = netlink::parse_namespaces_mode(settings_.namespaces)) ns.namespaces = *mode;
    netlink::NetlinkSource inventory(ns);
    Sample inv;
    try {
        inventory.open();
        CollectStatus st = inventory.collect(inv);
        if (st.code == CollectStatus::Code::Failed)
            log(Notice::Level::Warning, "ebpf: sockets older than sstop not listed: " + st.message);
    } catch (const std::exception& e) {
        log(Notice::Level::Warning,
            std::string("ebpf: sockets older than sstop not listed: ") + e.what());
    }
    for (const SocketObs& s : inv.sockets) {
        if (s.closed || s.cookie == 0 || known_.size() >= settings_.max_sockets) continue;
        Known& k = known_[s.cookie];
        k.key = s.key;
        k.inode = s.inode;
        k.owner = s.owner;
    }
    // The kernel's view wins for what it has; the dump fills in the rest.
    index_all(at);
    std::unordered_set<std::uint64_t> seen;
    read_records(at, true, [&](const sstop_sock& rec) {
        if (rec.closed) {
            // Gone before this first update: its final record closes what the dump listed.
            finals.push_back(rec);
            return;
        }
        seen.insert(rec.cookie);
        add_record(rec, out);
    });
    for (SocketObs& s : inv.sockets) {
        if (s.closed || (s.cookie != 0 && seen.count(s.cookie))) continue;
        if (s.cookie == 0 && cookieless_.size() < settings_.max_sockets) {
            cookieless_.emplace(local_end(s.key), s);
        }
        if (s.key.proto != Proto::Tcp) {
            s.has_bytes = true;  // counted from zero by the kernel side from now on
            s.rx_bytes = s.tx_bytes = 0;
        }
        out.sockets.push_back(s);
    }
    for (ProcessInfo& p : inv.processes) {
        const bool dup = std::any_of(out.processes.begin(), out.processes.end(),
                                     [&](const ProcessInfo& q) { return q.id == p.id; });
        if (!dup) out.processes.push_back(std::move(p));
    }
    if (inv.has_interfaces) {
        out.has_interfaces = true;
        out.interfaces = std::move(inv.interfaces);
    }
}

CollectStatus EbpfSource::collect(Sample& out) {
    if (!kernel_) return {CollectStatus::Code::Failed, "ebpf: not open"};
    out.has_sockets = true;
    std::vector<std::string> degraded;
    // A new generation first: every packet from now on queues its socket again.
    __atomic_add_fetch(&kernel_->skel->data->generation, 1, __ATOMIC_SEQ_CST);
    // The slots of the final records read in the previous update go back.
    give_back_slots();
    std::vector<sstop_dirty> dirty_now;
    kernel_->dirty_out = &dirty_now;
    ring_buffer__consume(kernel_->rings);
    kernel_->dirty_out = nullptr;
    // Sorted, once each (a socket queued again after the bump is on the ring twice).
    sort_once(dirty_now);
    // What is read: this update's notices, the previous update's again (a change after they
    // were read, in that same generation, queued nothing new; nor did the end of a socket
    // already queued), and the sockets whose owner is not known yet.
    std::vector<sstop_dirty> at;
    at.reserve(dirty_now.size() + dirty_prev_.size() + unowned_.size());
    std::set_union(dirty_now.begin(), dirty_now.end(), dirty_prev_.begin(), dirty_prev_.end(),
                   std::back_inserter(at), by_cookie);
    if (!unowned_.empty()) {
        for (const auto& [cookie, slot] : unowned_) at.push_back({cookie, slot, 0});
        sort_once(at);
    }

    // Final records (closed); added after every live record.
    std::vector<sstop_sock> finals;
    auto take = [&](const sstop_sock& rec) {
        if (rec.closed)
            finals.push_back(rec);
        else
            add_record(rec, out);
    };
    const KernelCounters kc = kernel_counters();
    if (first_) {
        take_inventory(out, finals, at);
        first_ = false;
        last_lost_ = kc.dirty_lost;
    } else if (kc.dirty_lost != last_lost_) {
        // The ring overflowed: what changed is unknown, so every socket is read once. (A
        // socket the map never had is idle since the inventory: it is not there, and not gone.)
        last_lost_ = kc.dirty_lost;
        index_all(at);
        out.sockets.reserve(out.sockets.size() + at.size());
        read_records(at, true, take);
        if (!overflow_said_) {
            overflow_said_ = true;
            log(Notice::Level::Info,
                "ebpf: the ring buffer overflowed, so that update read every socket (counted in "
                "ebpf.dirty_lost and ebpf.full_walks; raise plugins.ebpf.ring_kib)");
        }
    } else {
        out.sockets.reserve(out.sockets.size() + at.size());
        read_records(at, false, take);
    }
    dirty_prev_ = std::move(dirty_now);
    for (const sstop_sock& f : finals) {
        sstop_sock rec = f;
        rec.closed = 1;
        add_record(rec, out);
    }
    // Sockets with an inode but no owner yet (accepted ones): the owner map finds them. It
    // reads /proc (and caches every process's socket inodes) only in an update that has
    // one: where every socket's owner came from the kernel, it costs nothing.
    std::vector<std::size_t> unowned_now;
    for (std::size_t i = 0; i < out.sockets.size(); ++i)
        if (out.sockets[i].inode != 0 && out.sockets[i].owner.pid == 0) unowned_now.push_back(i);
    if (!unowned_now.empty()) {
        if (!owners_) owners_.emplace(settings_.proc_root);
        owners_->attribute(out, likely_owner_);
        for (std::size_t i : unowned_now) {
            const SocketObs& s = out.sockets[i];
            if (s.owner.pid == 0 || s.cookie == 0) continue;
            if (auto it = known_.find(s.cookie); it != known_.end()) it->second.owner = s.owner;
            unowned_.erase(s.cookie);
        }
    }
    likely_owner_.clear();

    if (!interfaces_) {
        netlink::NetlinkSettings ns;
        ns.destroy_events = false;
        ns.trace_connects = false;
        interfaces_ = std::make_unique<netlink::NetlinkSource>(ns);
    }
    if (!out.has_interfaces)
        if (auto problem = interfaces_->collect_interfaces(out)) degraded.push_back(*problem);

    out.counters.push_back({"map_full", kc.map_full});
    out.counters.push_back({"dirty_lost", kc.dirty_lost});
    out.counters.push_back({"cookieless_bytes", kc.cookieless});
    out.counters.push_back({"syscall_hooks", syscall_hooks_ ? 1u : 0u});
    out.counters.push_back({"full_walks", full_walks_});
    out.counters.push_back({"batch_reads", batch_reads_});
    out.counters.push_back({"lookups", lookups_});
    out.counters.push_back({"slots_lost", slots_lost_});
    out.counters.push_back({"settled", settled_});
    out.counters.push_back({"sockets", known_.size()});
    // Kernel time of the programs; the kernel counts it only with kernel.bpf_stats_enabled=1.
    if (const std::uint64_t ns = programs_run_ns(); ns > 0)
        out.counters.push_back({"bpf_run_ns", ns});
    if (kc.map_full != map_full_seen_) {
        map_full_seen_ = kc.map_full;
        degraded.push_back("the socket map is full (max_sockets " +
                           std::to_string(settings_.max_sockets) + "): new sockets are not seen");
    }
    if (degraded.empty()) return {};
    std::string msg = "ebpf: ";
    for (std::size_t i = 0; i < degraded.size(); ++i) msg += (i ? "; " : "") + degraded[i];
    return {CollectStatus::Code::Degraded, msg};
}

}  // namespace sstop::plugins::ebpf
