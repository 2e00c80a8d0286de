#include "netlink_source.hpp"

#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <linuxproc/file_io.hpp>
#include <set>
#include <sstop/unique_fd.hpp>
#include <system_error>
#include <thread>
#include <unordered_set>

#include "proc_net_parser.hpp"
#include "rtnl_link.hpp"
#include "rtnl_route.hpp"

namespace sstop::plugins::netlink {
namespace {

constexpr int kMaxDumpRetries = 3;
constexpr std::size_t kMaxCookies = 131072;
// A closed socket whose fd is still open is unhashed (absent from dumps) until the fd goes;
// its destroy notification comes later, so its entry must outlive a few missing dumps.
constexpr std::uint64_t kCookieKeepCollects = 64;
constexpr std::size_t kMaxDestroyPerCollect = 100000;
constexpr std::size_t kMinBuffer = 32768;  // as iproute2; never below MNL_SOCKET_BUFFER_SIZE
constexpr std::int64_t kMaxRcvbuf = 268435456;
// How long a collect waits for the connect tracer to read what the kernel has committed.
constexpr std::chrono::milliseconds kTracerWait{100};
// A closed record the tracer may still name is held back at most this many collects, and
// at most this many such records are held (a flood of them is emitted without an owner).
constexpr std::uint64_t kDeferCollects = 4;
constexpr std::size_t kMaxDeferred = 4096;

std::string errno_text(int err) { return std::strerror(err); }

void set_rcvbuf(int fd, std::int64_t bytes) {
    int v = static_cast<int>(bytes);
    // SO_RCVBUFFORCE ignores rmem_max but needs CAP_NET_ADMIN; fall back silently.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
}

/// Opens and binds a netlink socket; nullptr with errno set on failure.
MnlSocketPtr open_socket(int bus, int flags) {
    MnlSocketPtr s(mnl_socket_open2(bus, flags));
    if (!s) return nullptr;
    if (mnl_socket_bind(s.get(), 0, MNL_SOCKET_AUTOPID) < 0) return nullptr;
    // A dump the kernel never finishes must not stall the collector forever.
    timeval tv{2, 0};
    setsockopt(mnl_socket_get_fd(s.get()), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
}

/// A socket subscribed to the four sock_diag destroy groups; nullptr with errno set.
MnlSocketPtr open_destroy_socket(std::int64_t rcvbuf) {
    MnlSocketPtr s = open_socket(NETLINK_SOCK_DIAG, SOCK_NONBLOCK);
    if (!s) return nullptr;
    // Group numbers are small today, but ADD_MEMBERSHIP works for any group number
    // while the bind() mask only covers groups 1..32.
    for (int group : {SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET_UDP_DESTROY, SKNLGRP_INET6_TCP_DESTROY,
                      SKNLGRP_INET6_UDP_DESTROY}) {
        if (mnl_socket_setsockopt(s.get(), NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0)
            return nullptr;
    }
    set_rcvbuf(mnl_socket_get_fd(s.get()), rcvbuf);
    return s;
}

/// The sock_diag (and destroy-group) sockets of one other network namespace, or why not.
struct EnteredNamespace {
    MnlSocketPtr diag;
    MnlSocketPtr destroy;
    int error = 0;  ///< errno of what failed; EPERM when setns is not allowed
};

/// Creates the sockets inside the namespace `ns_path` refers to, on a short-lived helper
/// thread: setns changes only the calling thread's namespace, and the collector thread must
/// never leave its own. A socket stays bound to the namespace it was created in.
EnteredNamespace enter_namespace(const std::string& ns_path, std::uint64_t inode,
                                 bool destroy_events, std::int64_t rcvbuf) {
    EnteredNamespace out;
    try {
        std::thread helper([&] {
            UniqueFd fd(::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC));
            if (fd.get() < 0) {
                out.error = errno;
                return;
            }
            // The pid may have died and been reused by a process of another namespace.
            struct stat st {};
            if (::fstat(fd.get(), &st) != 0 || st.st_ino != inode) {
                out.error = ESRCH;
                return;
            }
            if (::setns(fd.get(), CLONE_NEWNET) != 0) {
                out.error = errno;
                return;
            }
            out.diag = open_socket(NETLINK_SOCK_DIAG, 0);
            if (!out.diag) {
                out.error = errno;
                return;
            }
            // Without it, connections there that close between two dumps are missed.
            if (destroy_events) out.destroy = open_destroy_socket(rcvbuf);
        });
        helper.join();
    } catch (const std::system_error& e) {
        out = EnteredNamespace{};
        out.error = e.code().value();
    }
    return out;
}

const char* proto_name(std::uint8_t family, std::uint8_t protocol) {
    if (protocol == IPPROTO_TCP) return family == AF_INET ? "tcp4" : "tcp6";
    return family == AF_INET ? "udp4" : "udp6";
}

}  // namespace

std::optional<std::uint64_t> parse_fault_number(std::string_view fault, std::string_view key) {
    for (std::size_t pos = fault.find(key); pos != std::string_view::npos;
         pos = fault.find(key, pos + 1)) {
        // Whole words only: "x_netlink_fail_after=1" is another fault.
        if (pos != 0 && fault[pos - 1] != '|') continue;
        std::size_t i = pos + key.size();
        if (i >= fault.size() || fault[i] != '=') continue;
        std::uint64_t n = 0;
        bool any = false;
        for (++i; i < fault.size() && fault[i] >= '0' && fault[i] <= '9'; ++i) {
            if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
            n = n * 10 + static_cast<std::uint64_t>(fault[i] - '0');
            any = true;
        }
        return any ? std::optional<std::uint64_t>(n) : std::nullopt;
    }
    return std::nullopt;
}

NetlinkSource::NetlinkSource(PluginContext& context) : context_(&context) {
    const Options& o = context.options();
    settings_.proc_root = o.get_string("proc_root");
    settings_.destroy_events = o.get_bool("destroy_events");
    settings_.rcvbuf = o.get_int("rcvbuf");
    settings_.trace_connects = o.get_bool("trace_connects");
    const std::string ns = o.get_string("namespaces");
    if (auto mode = parse_namespaces_mode(ns))
        settings_.namespaces = *mode;
    else
        throw PluginUnavailable("netlink: namespaces: '" + ns + "' is not one of auto, own, all");
    if (const char* fault = std::getenv("SSTOP_FAULT")) {
        settings_.fail_after = parse_fault_number(fault, "netlink_fail_after");
        if (auto ms = parse_fault_number(fault, "tracer_delay_ms"))
            settings_.tracer_delay = std::chrono::milliseconds(std::min<std::uint64_t>(*ms, 5000));
    }
}

NetlinkSource::NetlinkSource(NetlinkSettings settings) : settings_(std::move(settings)) {}

NetlinkSource::~NetlinkSource() = default;

std::uint32_t NetlinkSource::capabilities() const {
    return kProvidesSockets | kProvidesTcpBytes | kProvidesInterfaces | kProvidesOwners;
}

void NetlinkSource::log(Notice::Level level, std::string_view message) {
    if (context_) context_->log(level, message);
}

void NetlinkSource::open() {
    buffer_.resize(std::max<std::size_t>(kMinBuffer, MNL_SOCKET_BUFFER_SIZE));
    diag_ = open_socket(NETLINK_SOCK_DIAG, 0);
    if (!diag_)
        throw PluginUnavailable("netlink: sock_diag unavailable (inet_diag module missing?): " +
                                errno_text(errno));
    // Probe with a real TCP dump so a kernel without inet_diag is refused here, not later.
    std::vector<DiagRecord> probe;
    DumpResult r = dump_sockets(diag_, 0, AF_INET, IPPROTO_TCP, probe);
    if (!r.ok)
        throw PluginUnavailable("netlink: sock_diag unavailable (inet_diag module missing?): " +
                                r.error);
    route_ = open_socket(NETLINK_ROUTE, 0);
    if (!route_)
        log(Notice::Level::Warning, "netlink: rtnetlink unavailable: " + errno_text(errno));

    if (settings_.destroy_events) {
        destroy_ = open_destroy_socket(settings_.rcvbuf);
        if (!destroy_) {
            log(Notice::Level::Warning,
                "netlink: destroy notifications unavailable, short-lived connections may be "
                "missed: " +
                    errno_text(errno));
        } else {
            destroy_rcvbuf_ = settings_.rcvbuf;
        }
    }
    owners_.emplace(settings_.proc_root);
    identity_ = linuxproc::read_netns_identity(settings_.proc_root);
    all_namespaces_ = linuxproc::dumps_all_namespaces(settings_.namespaces, identity_);
    if (all_namespaces_) {
        // Every namespace that exists now is entered while open() still has CAP_SYS_ADMIN;
        // later passes ride on the owner map's listing of /proc, one stat per pid.
        netns_ = std::make_unique<linuxproc::NetnsEnumerator>(settings_.max_namespaces);
        netns_->scan(settings_.proc_root);
        owners_->track_namespaces(netns_.get());
        sync_namespaces(true);
    }
    if (settings_.trace_connects) {
        ConnectTracerSettings ts;
        ts.proc_root = settings_.proc_root;
        ts.read_delay = settings_.tracer_delay;
        tracer_ = ConnectTracer::start(std::move(ts),
                                       [this](Notice::Level l, std::string_view m) { log(l, m); });
    }
}

bool NetlinkSource::has_capture_loop() const { return tracer_ && tracer_->running(); }

void NetlinkSource::capture_loop(const StopToken& stop) {
    if (tracer_) tracer_->run(stop);
}

void NetlinkSource::wake() {
    if (tracer_) tracer_->wake();
}

void NetlinkSource::credit_short_connections(Sample& out, std::size_t first_live,
                                             std::size_t first_closed,
                                             std::set<ProcessId>& present) {
    // Listeners with a known owner, by port: an accepted connection changes state in softirq
    // context, so the tracer never sees its process, but it shares the listener's local port.
    std::multimap<std::uint16_t, const SocketObs*> listeners;
    for (std::size_t i = first_live; i < first_closed; ++i) {
        const SocketObs& s = out.sockets[i];
        if (s.key.proto == Proto::Tcp && s.state == SocketState::Listen && s.owner.pid != 0)
            listeners.emplace(s.key.local.port, &s);
    }
    auto listener_owner = [&](const SocketObs& s) -> std::optional<ProcessId> {
        std::optional<ProcessId> found;
        auto [lo, hi] = listeners.equal_range(s.key.local.port);
        for (auto it = lo; it != hi; ++it) {
            if (it->second->key.netns != s.key.netns) continue;  // same port, other namespace
            const IpAddr& bound = it->second->key.local.addr;
            const bool any = bound.bytes == std::array<std::uint8_t, 16>{};
            if (!any && bound != s.key.local.addr) continue;
            // Two processes on one port (SO_REUSEPORT): no way to tell which accepted it.
            if (found && *found != it->second->owner) return std::nullopt;
            found = it->second->owner;
        }
        return found;
    };
    for (std::size_t i = first_closed; i < out.sockets.size(); ++i) {
        SocketObs& s = out.sockets[i];
        if (s.key.proto != Proto::Tcp) continue;
        if (s.owner.pid != 0) {
            // Known through its cookie (maybe thanks to the tracer): free the tracer's entry.
            if (tracer_) tracer_->take(s.key);
            continue;
        }
        if (tracer_) {
            if (auto p = tracer_->take(s.key)) {
                s.owner = p->id;
                ++tracer_matches_;
                if (present.insert(p->id).second) out.processes.push_back(std::move(*p));
                continue;
            }
        }
        if (auto owner = listener_owner(s)) {
            s.owner = *owner;
            ++listener_matches_;
        }
    }
}

void NetlinkSource::defer_unowned_closed(Sample& out, std::size_t first_closed,
                                         std::size_t first_deferred, bool tracer_caught_up) {
    std::vector<Deferred> keep;
    std::size_t w = first_closed;
    for (std::size_t i = first_closed; i < out.sockets.size(); ++i) {
        SocketObs& s = out.sockets[i];
        const std::uint64_t since =
            i >= first_deferred ? deferred_[i - first_deferred].since : generation_;
        // Only while the tracer is behind: once it has read everything, an unmatched record
        // has no owner to find (accepted on a shared port, or opened before sstop).
        const bool hold = !tracer_caught_up && tracer_ && tracer_->running() &&
                          s.key.proto == Proto::Tcp && s.owner.pid == 0 && s.key.netns == 0 &&
                          generation_ - since < kDeferCollects && keep.size() < kMaxDeferred;
        if (hold) {
            if (since == generation_) ++tracer_deferred_;
            keep.push_back({std::move(s), since});
            continue;
        }
        if (w != i) out.sockets[w] = std::move(s);
        ++w;
    }
    out.sockets.resize(w);
    deferred_ = std::move(keep);
}

NetlinkSource::DumpResult NetlinkSource::dump(
    MnlSocketPtr& sock, int protocol, nlmsghdr* request,
    const std::function<void(const nlmsghdr*)>& on_message, bool reopen) {
    DumpResult result;
    auto fail = [&](std::string why) {
        result.ok = false;
        result.error = std::move(why);
        // The socket may still hold the rest of this dump; a fresh one is simpler than draining.
        if (reopen)
            sock = open_socket(protocol, 0);
        else
            sock.reset();
        return result;
    };
    if (!sock && !reopen) return fail("socket closed");
    if (!sock) {
        sock = open_socket(protocol, 0);
        if (!sock) return fail("socket: " + errno_text(errno));
    }
    request->nlmsg_seq = ++seq_;
    if (mnl_socket_sendto(sock.get(), request, request->nlmsg_len) < 0)
        return fail("send: " + errno_text(errno));
    const std::uint32_t portid = mnl_socket_get_portid(sock.get());
    const int fd = mnl_socket_get_fd(sock.get());
    for (;;) {
        // Learn the datagram's size first so a large one is never cut (iproute2 does this).
        ssize_t want = recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC);
        if (want < 0) {
            if (errno == EINTR) continue;
            return fail("recv: " + errno_text(errno));
        }
        if (static_cast<std::size_t>(want) > buffer_.size())
            buffer_.resize(static_cast<std::size_t>(want));
        sockaddr_nl from{};
        iovec iov{buffer_.data(), buffer_.size()};
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        ssize_t n = recvmsg(fd, &msg, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("recv: " + errno_text(errno));
        }
        if (msg.msg_flags & MSG_TRUNC) return fail("reply truncated");
        if (from.nl_pid != 0) continue;  // not from the kernel
        WalkResult w =
            walk_dump_buffer(std::span<std::uint8_t>(buffer_.data(), static_cast<std::size_t>(n)),
                             seq_, portid, on_message);
        result.interrupted = result.interrupted || w.interrupted;
        if (w.status == WalkResult::Status::Error) return fail(errno_text(w.error));
        if (w.status == WalkResult::Status::Done) return result;
    }
}

bool NetlinkSource::read_proc_sockets(int dir_fd, std::uint64_t netns, bool inet,
                                      std::vector<DiagRecord>& out) {
    // Ping sockets (SOCK_DGRAM, IPPROTO_ICMP{,V6}) are in no sock_diag table, and raw_diag
    // listed nothing on this project's kernels for a raw socket `ss` shows from procfs; procfs
    // lists both (a ping socket's local port is its echo id, a raw socket's is its protocol).
    // With `inet`, TCP and UDP too: a namespace sock_diag cannot enter (no bytes there).
    struct Table {
        const char* name;
        Proto proto;
        Family family;
        bool inet;
    };
    static constexpr Table kTables[] = {
        {"net/tcp", Proto::Tcp, Family::V4, true},
        {"net/tcp6", Proto::Tcp, Family::V6, true},
        {"net/udp", Proto::Udp, Family::V4, true},
        {"net/udp6", Proto::Udp, Family::V6, true},
        {"net/icmp", Proto::Icmp, Family::V4, false},
        {"net/icmp6", Proto::Icmpv6, Family::V6, false},
        {"net/raw", Proto::Unknown, Family::V4, false},
        {"net/raw6", Proto::Unknown, Family::V6, false},
    };
    const std::size_t first = out.size();
    for (const Table& t : kTables) {
        if (t.inet && !inet) continue;
        if (!linuxproc::read_at(dir_fd, t.name, ping_buffer_, kMaxPingTableBytes)) {
            if (t.inet && t.family == Family::V4) {
                out.resize(first);  // the process left: the namespace is read next time
                return false;
            }
            continue;  // not on this kernel (no IPv6, no ping sockets)
        }
        procnet::ProcNetParse parsed = procnet::parse_proc_net(ping_buffer_, t.proto, t.family);
        malformed_ += parsed.malformed;
        for (SocketObs& obs : parsed.sockets) {
            DiagRecord rec;
            rec.obs = std::move(obs);
            rec.obs.key.netns = netns;
            out.push_back(std::move(rec));
        }
    }
    return true;
}

void NetlinkSource::read_unreachable_namespaces(std::vector<DiagRecord>& out) {
    netns_via_proc_ = 0;
    if (unreachable_.empty()) return;
    for (const linuxproc::NetnsEntry& n : netns_->namespaces()) {
        if (!unreachable_.count(n.inode)) continue;
        // One directory fd pins the process: a pid reused meanwhile fails instead of being
        // read as the newcomer's namespace.
        UniqueFd dir(::open((settings_.proc_root + "/" + std::to_string(n.pid)).c_str(),
                            O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        struct stat st {};
        if (dir.get() < 0 || ::fstatat(dir.get(), "ns/net", &st, 0) != 0 || st.st_ino != n.inode)
            continue;
        if (read_proc_sockets(dir.get(), n.inode, true, out)) ++netns_via_proc_;
    }
}

NetlinkSource::DumpResult NetlinkSource::dump_sockets(MnlSocketPtr& sock, std::uint64_t netns,
                                                      std::uint8_t family, std::uint8_t protocol,
                                                      std::vector<DiagRecord>& out) {
    alignas(nlmsghdr) std::uint8_t req_buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(inet_diag_req_v2))];
    std::memset(req_buf, 0, sizeof req_buf);
    nlmsghdr* nlh = mnl_nlmsg_put_header(req_buf);
    nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    auto* req =
        static_cast<inet_diag_req_v2*>(mnl_nlmsg_put_extra_header(nlh, sizeof(inet_diag_req_v2)));
    req->sdiag_family = family;
    req->sdiag_protocol = protocol;
    req->idiag_states = ~0u;  // every state, TIME_WAIT and SYN_RECV included
    if (protocol == IPPROTO_TCP) req->idiag_ext = 1u << (INET_DIAG_INFO - 1);
    const Proto proto = protocol == IPPROTO_TCP ? Proto::Tcp : Proto::Udp;

    DumpResult r;
    for (int attempt = 0;; ++attempt) {
        std::vector<DiagRecord> records;
        r = dump(
            sock, NETLINK_SOCK_DIAG, nlh,
            [&](const nlmsghdr* m) {
                if (auto rec = parse_diag_message(m, proto)) {
                    rec->obs.key.netns = netns;
                    records.push_back(std::move(*rec));
                } else {
                    ++malformed_;
                }
            },
            netns == 0);
        if (!r.ok) {
            r.error = std::string(proto_name(family, protocol)) + " dump: " + r.error;
            return r;
        }
        if (r.interrupted) ++dump_interrupted_;
        if (!r.interrupted || attempt == kMaxDumpRetries) {
            out.insert(out.end(), std::make_move_iterator(records.begin()),
                       std::make_move_iterator(records.end()));
            return r;
        }
        ++dump_retries_;
    }
}

void NetlinkSource::raise_destroy_rcvbuf(MnlSocketPtr& sock, std::int64_t& rcvbuf) {
    rcvbuf = std::min(kMaxRcvbuf, rcvbuf * 2);
    set_rcvbuf(mnl_socket_get_fd(sock.get()), rcvbuf);
}

void NetlinkSource::drain_destroy_events(MnlSocketPtr& sock, std::int64_t& rcvbuf,
                                         std::uint64_t netns, std::vector<DiagRecord>& out) {
    if (!sock) return;
    const int fd = mnl_socket_get_fd(sock.get());
    std::size_t taken = 0;
    while (taken < kMaxDestroyPerCollect) {
        ssize_t want = recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
        if (want < 0) {
            if (errno == EINTR) continue;
            if (errno == ENOBUFS) {
                // Notifications were lost; the next full dump covers what is still alive.
                ++enobufs_;
                raise_destroy_rcvbuf(sock, rcvbuf);
                continue;
            }
            return;  // EAGAIN: drained
        }
        if (static_cast<std::size_t>(want) > buffer_.size())
            buffer_.resize(static_cast<std::size_t>(want));
        ssize_t n = recv(fd, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
        if (n <= 0) {
            if (n < 0 && errno == ENOBUFS) {
                ++enobufs_;
                raise_destroy_rcvbuf(sock, rcvbuf);
                continue;
            }
            return;
        }
        walk_dump_buffer(std::span<std::uint8_t>(buffer_.data(), static_cast<std::size_t>(n)), 0, 0,
                         [&](const nlmsghdr* m) {
                             if (auto rec = parse_diag_message(m, Proto::Unknown)) {
                                 rec->obs.closed = true;
                                 rec->obs.key.netns = netns;
                                 out.push_back(std::move(*rec));
                                 ++taken;
                             } else {
                                 ++malformed_;
                             }
                         });
    }
}

bool NetlinkSource::mark_default_routes(std::vector<InterfaceObs>& ifaces) {
    bool ok = true;
    for (std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
        alignas(nlmsghdr) std::uint8_t req_buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(rtmsg))];
        std::memset(req_buf, 0, sizeof req_buf);
        nlmsghdr* nlh = mnl_nlmsg_put_header(req_buf);
        nlh->nlmsg_type = RTM_GETROUTE;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
        rtm->rtm_family = family;
        rtm->rtm_table = RT_TABLE_MAIN;  // a hint only: the parser filters on the table
        // Marks in place, so nothing here grows with the size of the routing table.
        DumpResult r = dump(route_, NETLINK_ROUTE, nlh, [&](const nlmsghdr* m) {
            for (std::uint32_t index : parse_default_route_message(m)) {
                for (InterfaceObs& i : ifaces)
                    if (i.index == index) i.default_route = true;
            }
        });
        // A kernel without IPv6 refuses the AF_INET6 dump; that only means no IPv6 default.
        if (!r.ok && family == AF_INET) ok = false;
    }
    return ok;
}

void NetlinkSource::sync_namespaces(bool at_open) {
    const std::vector<linuxproc::NetnsEntry>& list = netns_->namespaces();
    auto listed = [&](std::uint64_t inode) {
        return std::binary_search(list.begin(), list.end(), linuxproc::NetnsEntry{inode, 0},
                                  [](const linuxproc::NetnsEntry& a,
                                     const linuxproc::NetnsEntry& b) { return a.inode < b.inode; });
    };
    // No process left in it: closing our sockets lets the kernel free the namespace.
    std::erase_if(foreign_, [&](const auto& kv) { return !listed(kv.first); });
    std::erase_if(unreachable_, [&](std::uint64_t inode) { return !listed(inode); });
    std::uint64_t refused = 0;
    for (const linuxproc::NetnsEntry& n : list) {
        if (n.inode == identity_.own || foreign_.count(n.inode) || unreachable_.count(n.inode))
            continue;
        EnteredNamespace e =
            enter_namespace(settings_.proc_root + "/" + std::to_string(n.pid) + "/ns/net", n.inode,
                            settings_.destroy_events, settings_.rcvbuf);
        if (e.error == 0) {
            ForeignNetns f;
            f.diag = std::move(e.diag);
            f.destroy = std::move(e.destroy);
            f.destroy_rcvbuf = settings_.rcvbuf;
            foreign_.emplace(n.inode, std::move(f));
        } else if (e.error == EPERM || e.error == EACCES) {
            // Privileges do not come back: not retried while the namespace lives.
            unreachable_.insert(n.inode);
            ++netns_unreachable_;
            ++refused;
        } else if (e.error == EMFILE || e.error == ENFILE) {
            // Out of file descriptors (two per namespace): retrying every collect would only
            // spawn helper threads that fail the same way.
            unreachable_.insert(n.inode);
            ++netns_unreachable_;
        }
        // Anything else (the process died, no memory): tried again next collect.
    }
    if (refused == 0 || unreachable_noticed_) return;
    unreachable_noticed_ = true;
    const std::string n = std::to_string(refused);
    log(Notice::Level::Warning,
        at_open ? "netlink: " + n +
                      " network namespaces cannot be entered without CAP_SYS_ADMIN; their "
                      "sockets are not shown"
                : "netlink: " + n +
                      " network namespaces appeared after start and cannot be entered without "
                      "CAP_SYS_ADMIN; their sockets are read through /proc/<pid>/net (owners, "
                      "bytes from afpacket flows, no tcp_info)");
}

std::optional<std::string> NetlinkSource::collect_interfaces(Sample& out) {
    if (!route_ && !(route_ = open_socket(NETLINK_ROUTE, 0)))
        return std::string("interfaces: rtnetlink unavailable");
    alignas(nlmsghdr) std::uint8_t req_buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(rtgenmsg))];
    std::memset(req_buf, 0, sizeof req_buf);
    nlmsghdr* nlh = mnl_nlmsg_put_header(req_buf);
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    auto* gen = static_cast<rtgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtgenmsg)));
    gen->rtgen_family = AF_UNSPEC;
    std::vector<InterfaceObs> ifaces;
    DumpResult r = dump(route_, NETLINK_ROUTE, nlh, [&](const nlmsghdr* m) {
        if (auto i = parse_link_message(m)) ifaces.push_back(std::move(*i));
    });
    if (!r.ok) return "interfaces: " + r.error;
    const bool routes_known = mark_default_routes(ifaces);
    out.has_interfaces = true;
    out.interfaces = std::move(ifaces);
    if (!routes_known) return std::string("default route unknown");
    return std::nullopt;
}

CollectStatus NetlinkSource::collect(Sample& out) {
    if (settings_.fail_after && successful_collects_ >= *settings_.fail_after)
        return {CollectStatus::Code::Failed, "netlink: failure injected by SSTOP_FAULT"};
    // diag_ itself may be null here after a failed reopen; dump() retries opening it.
    if (!owners_) return {CollectStatus::Code::Failed, "netlink: not open"};
    ++generation_;
    std::vector<std::string> degraded;

    std::vector<DiagRecord> closed;
    drain_destroy_events(destroy_, destroy_rcvbuf_, 0, closed);
    // The namespace list is the one the owner map's last pass found (one collect old).
    if (all_namespaces_) sync_namespaces(false);
    for (auto& [inode, ns] : foreign_)
        drain_destroy_events(ns.destroy, ns.destroy_rcvbuf, inode, closed);
    destroy_events_ += closed.size();
    // The SYN_SENT events of every socket closed so far are in the kernel's trace buffer now;
    // the tracer reads them while the dumps below run, and is waited for before matching.
    const std::uint64_t drain_ticket = tracer_ ? tracer_->request_drain() : 0;
    bool tracer_caught_up = true;

    std::vector<DiagRecord> live;
    for (std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
        for (std::uint8_t protocol : {std::uint8_t{IPPROTO_TCP}, std::uint8_t{IPPROTO_UDP}}) {
            DumpResult r = dump_sockets(diag_, 0, family, protocol, live);
            if (!r.ok && protocol == IPPROTO_TCP)
                return {CollectStatus::Code::Failed, "netlink: " + r.error};
            if (!r.ok) degraded.push_back(r.error);  // udp_diag may be missing
            if (r.interrupted)
                degraded.push_back(std::string(proto_name(family, protocol)) +
                                   " dump inconsistent (interrupted 4 times)");
        }
    }

    // Other namespaces: a failure there degrades the sample, never fails it. A socket that
    // failed is closed; the namespace is entered again next collect if it still can be.
    std::size_t foreign_failed = 0;
    for (auto it = foreign_.begin(); it != foreign_.end();) {
        bool ok = true;
        for (std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
            for (std::uint8_t protocol : {std::uint8_t{IPPROTO_TCP}, std::uint8_t{IPPROTO_UDP}}) {
                if (!ok) break;
                DumpResult r = dump_sockets(it->second.diag, it->first, family, protocol, live);
                ok = r.ok || protocol == IPPROTO_UDP;
                if (r.ok && !it->second.diag) ok = false;
            }
        }
        if (ok && it->second.diag) {
            ++it;
        } else {
            ++foreign_failed;
            it = foreign_.erase(it);
        }
    }
    if (foreign_failed)
        degraded.push_back(std::to_string(foreign_failed) +
                           " other network namespace(s) could not be dumped");

    {
        UniqueFd root(::open(settings_.proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (root.get() >= 0) read_proc_sockets(root.get(), 0, false, live);
    }
    read_unreachable_namespaces(live);

    out.has_sockets = true;
    out.sockets.reserve(out.sockets.size() + live.size() + closed.size());
    const std::size_t first_live = out.sockets.size();
    // A dump resumes by hash bucket, so under churn it may list a socket twice.
    std::unordered_set<std::uint64_t> listed;
    listed.reserve(live.size());
    for (DiagRecord& rec : live) {
        if (rec.obs.cookie && !listed.insert(rec.obs.cookie).second) {
            ++duplicates_;
            continue;
        }
        auto it = rec.obs.cookie ? cookies_.find(rec.obs.cookie) : cookies_.end();
        bool fin =
            peer_fin_received(rec.obs.state) || (it != cookies_.end() && it->second.peer_fin);
        apply_tcp_bytes(rec.obs, rec.tcp, fin);
        out.sockets.push_back(rec.obs);
    }
    owners_->attribute(out);
    if (tracer_) {
        tracer_caught_up = tracer_->wait_drained(drain_ticket, kTracerWait);
        if (!tracer_caught_up) ++tracer_behind_;
        // A live socket whose process could not be read (gone, no privileges) may still be
        // known to the tracer; crediting it here also seeds the cookie map below.
        std::set<ProcessId> known;
        for (const ProcessInfo& p : out.processes) known.insert(p.id);
        for (std::size_t i = first_live; i < out.sockets.size(); ++i) {
            SocketObs& s = out.sockets[i];
            if (s.owner.pid != 0 || s.key.proto != Proto::Tcp) continue;
            if (auto p = tracer_->find(s.key)) {
                s.owner = p->id;
                ++tracer_matches_;
                if (known.insert(p->id).second) out.processes.push_back(std::move(*p));
            }
        }
    }

    // Remember owners by cookie: destroy notifications carry no inode, and TIME_WAIT sockets
    // have none either, but both keep the cookie of the socket they were.
    for (std::size_t i = first_live; i < out.sockets.size(); ++i) {
        SocketObs& s = out.sockets[i];
        if (!s.cookie) continue;
        auto it = cookies_.find(s.cookie);
        if (it == cookies_.end()) {
            if (cookies_.size() >= kMaxCookies) {
                ++cookie_map_full_;
                continue;
            }
            it = cookies_.emplace(s.cookie, CookieEntry{}).first;
        }
        CookieEntry& e = it->second;
        if (s.owner.pid != 0)
            e.owner = s.owner;
        else if (s.inode == 0)
            s.owner = e.owner;
        e.peer_fin = e.peer_fin || peer_fin_received(s.state);
        e.last_seen = generation_;
    }

    std::set<ProcessId> present;
    for (const ProcessInfo& p : out.processes) present.insert(p.id);
    const std::size_t first_closed = out.sockets.size();
    for (DiagRecord& rec : closed) {
        auto it = rec.obs.cookie ? cookies_.find(rec.obs.cookie) : cookies_.end();
        bool fin = peer_fin_received(rec.obs.state);
        if (it != cookies_.end()) {
            rec.obs.owner = it->second.owner;
            fin = fin || it->second.peer_fin;
            cookies_.erase(it);
        }
        apply_tcp_bytes(rec.obs, rec.tcp, fin);
        if (rec.obs.owner.pid != 0 && !present.count(rec.obs.owner)) {
            // The owner may have no live socket left; give the host its name anyway.
            auto p = last_processes_.find(rec.obs.owner);
            if (p != last_processes_.end()) {
                out.processes.push_back(p->second);
                present.insert(rec.obs.owner);
            }
        }
        out.sockets.push_back(rec.obs);
    }
    // Records held back last time get another chance (their owners were looked up then).
    const std::size_t first_deferred = out.sockets.size();
    for (const Deferred& d : deferred_) out.sockets.push_back(d.obs);
    credit_short_connections(out, first_live, first_closed, present);
    defer_unowned_closed(out, first_closed, first_deferred, tracer_caught_up);
    std::erase_if(cookies_, [&](const auto& kv) {
        return kv.second.last_seen + kCookieKeepCollects <= generation_;
    });
    last_processes_.clear();
    for (const ProcessInfo& p : out.processes) last_processes_.emplace(p.id, p);

    if (auto problem = collect_interfaces(out)) degraded.push_back(*problem);

    out.counters.push_back({"dump_retries", dump_retries_});
    out.counters.push_back({"dump_interrupted", dump_interrupted_});
    out.counters.push_back({"destroy_events", destroy_events_});
    out.counters.push_back({"enobufs", enobufs_});
    out.counters.push_back({"malformed", malformed_});
    out.counters.push_back({"cookie_map_full", cookie_map_full_});
    out.counters.push_back({"duplicates", duplicates_});
    const ConnectTracerStats ts = tracer_ ? tracer_->stats() : ConnectTracerStats{};
    out.counters.push_back({"tracer_events", ts.events});
    out.counters.push_back({"tracer_matches", tracer_matches_});
    out.counters.push_back({"tracer_behind", tracer_behind_});
    out.counters.push_back({"tracer_deferred", tracer_deferred_});
    out.counters.push_back({"tracer_evictions", ts.evictions});
    out.counters.push_back({"tracer_foreign", ts.foreign});
    out.counters.push_back({"tracer_exited", ts.exited});
    out.counters.push_back({"tracer_ambiguous", ts.ambiguous});
    out.counters.push_back({"listener_matches", listener_matches_});
    out.counters.push_back({"netns_active", foreign_.size()});
    out.counters.push_back({"netns_dropped", netns_ ? netns_->dropped() : 0});
    out.counters.push_back({"netns_unreachable", netns_unreachable_});
    out.counters.push_back({"netns_via_proc", netns_via_proc_});
    ++successful_collects_;
    if (degraded.empty()) return {};
    std::string msg = "netlink: ";
    for (std::size_t i = 0; i < degraded.size(); ++i) msg += (i ? "; " : "") + degraded[i];
    return {CollectStatus::Code::Degraded, msg};
}

}  // namespace sstop::plugins::netlink
