// NetlinkSource: the sock_diag dumps (own and entered namespaces) and the destroy
// notifications, each read whole and checked (sequence, port id, NLM_F_DUMP_INTR).

#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "netlink_socket.hpp"
#include "netlink_source.hpp"

namespace sstop::plugins::netlink {
namespace {

constexpr int kMaxDumpRetries = 3;
constexpr std::size_t kMaxDestroyPerCollect = 100000;
constexpr std::int64_t kMaxRcvbuf = 268435456;

}  // namespace

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

NetlinkSource::DumpResult NetlinkSource::dump_sockets(MnlSocketPtr& sock, std::uint64_t netns,
                                                      std::uint8_t family, std::uint8_t protocol,
                                                      std::vector<SocketObs>& out,
                                                      std::uint32_t states) {
    DumpRequest request = socket_dump_request(family, protocol, states);
    nlmsghdr* nlh = &request.header;
    const Proto proto = protocol == IPPROTO_TCP ? Proto::Tcp : Proto::Udp;

    // Records go straight into `out` (the sample's socket list, sized for the whole collect):
    // a vector of its own per dump was regrown from empty, and its pages faulted in, every
    // time. A failed or retried dump takes its records back out.
    const std::size_t first = out.size();
    DumpResult r;
    for (int attempt = 0;; ++attempt) {
        out.resize(first);
        r = dump(
            sock, NETLINK_SOCK_DIAG, nlh,
            [&](const nlmsghdr* m) {
                if (auto rec = parse_diag_message(m, proto)) {
                    rec->obs.key.netns = netns;
                    // The bytes now, while the record is at hand: its tcp_info is not kept.
                    // Whether the peer's FIN came (one byte of bytes_received) shows in the
                    // state, except in CLOSE: only there is the earlier listing asked.
                    const SocketObs& o = rec->obs;
                    bool fin = peer_fin_received(o.state);
                    if (!fin && o.key.proto == Proto::Tcp && !peer_fin_not_yet(o.state) &&
                        o.cookie != 0) {
                        auto it = cookies_.find(o.cookie);
                        fin = it != cookies_.end() && it->second.peer_fin;
                    }
                    apply_tcp_bytes(rec->obs, rec->tcp, fin);
                    out.push_back(rec->obs);
                } else {
                    ++malformed_;
                }
            },
            netns == 0);
        if (!r.ok) {
            out.resize(first);
            r.error = std::string(proto_name(family, protocol)) + " dump: " + r.error;
            return r;
        }
        if (r.interrupted) ++dump_interrupted_;
        if (!r.interrupted || attempt == kMaxDumpRetries) return r;
        ++dump_retries_;
    }
}

std::optional<CollectStatus> NetlinkSource::dump_own_namespace(std::vector<SocketObs>& live,
                                                               std::vector<std::string>& degraded) {
    for (std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
        for (std::uint8_t protocol : {std::uint8_t{IPPROTO_TCP}, std::uint8_t{IPPROTO_UDP}}) {
            DumpResult r = dump_sockets(diag_, 0, family, protocol, live);
            if (!r.ok && protocol == IPPROTO_TCP)
                return CollectStatus{CollectStatus::Code::Failed, "netlink: " + r.error};
            if (!r.ok) degraded.push_back(r.error);  // udp_diag may be missing
            if (r.interrupted)
                degraded.push_back(std::string(proto_name(family, protocol)) +
                                   " dump inconsistent (interrupted 4 times)");
        }
    }
    return std::nullopt;
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

std::vector<DiagRecord> NetlinkSource::drain_closed_sockets() {
    std::vector<DiagRecord> closed;
    drain_destroy_events(destroy_, destroy_rcvbuf_, 0, closed);
    // The namespace list is the one the owner map's last pass found (one collect old).
    if (all_namespaces_) sync_namespaces(false);
    for (auto& [inode, ns] : foreign_)
        drain_destroy_events(ns.destroy, ns.destroy_rcvbuf, inode, closed);
    destroy_events_ += closed.size();
    return closed;
}

}  // namespace sstop::plugins::netlink
