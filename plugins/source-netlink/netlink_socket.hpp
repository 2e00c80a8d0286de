#pragma once
/// @file netlink_socket.hpp
/// The netlink sockets the source works with: opening and binding them (also inside another
/// network namespace), subscribing to the sock_diag destroy groups, and their receive buffers.

#include <libmnl/libmnl.h>

#include <cstdint>
#include <memory>
#include <string>

namespace sstop::plugins::netlink {

/// Owns a libmnl socket.
struct MnlSocketCloser {
    void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
using MnlSocketPtr = std::unique_ptr<mnl_socket, MnlSocketCloser>;

/// strerror(err) as a string.
std::string errno_text(int err);

/// Sets the receive buffer of `fd` to `bytes` (past rmem_max with CAP_NET_ADMIN).
void set_rcvbuf(int fd, std::int64_t bytes);

/// Opens and binds a netlink socket; nullptr with errno set on failure.
MnlSocketPtr open_socket(int bus, int flags);

/// A socket subscribed to the four sock_diag destroy groups; nullptr with errno set.
MnlSocketPtr open_destroy_socket(std::int64_t rcvbuf);

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
                                 bool destroy_events, std::int64_t rcvbuf);

/// "tcp4", "tcp6", "udp4" or "udp6", for messages.
const char* proto_name(std::uint8_t family, std::uint8_t protocol);

}  // namespace sstop::plugins::netlink
