#include "netlink_socket.hpp"

#include <fcntl.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstop/unique_fd.hpp>
#include <system_error>
#include <thread>

namespace sstop::plugins::netlink {

std::string errno_text(int err) { return std::strerror(err); }

void set_rcvbuf(int fd, std::int64_t bytes) {
    int v = static_cast<int>(bytes);
    // SO_RCVBUFFORCE ignores rmem_max but needs CAP_NET_ADMIN; fall back silently.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
}

MnlSocketPtr open_socket(int bus, int flags) {
    MnlSocketPtr s(mnl_socket_open2(bus, flags));
    if (!s) return nullptr;
    if (mnl_socket_bind(s.get(), 0, MNL_SOCKET_AUTOPID) < 0) return nullptr;
    // A dump the kernel never finishes must not stall the collector forever.
    timeval tv{2, 0};
    setsockopt(mnl_socket_get_fd(s.get()), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
}

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

}  // namespace sstop::plugins::netlink
