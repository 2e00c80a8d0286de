#pragma once
/// @file sock_diag.hpp
/// Pure parsers for NETLINK_SOCK_DIAG replies and a netlink dump-buffer walker. They work on
/// bytes only (no sockets), so tests feed them recorded and crafted replies.

#include <linux/inet_diag.h>
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <sstop/model.hpp>

namespace sstop::plugins::netlink {

/// Byte counters from a socket's `tcp_info` (INET_DIAG_INFO). A field is set only when the
/// kernel's attribute was long enough to contain it.
struct TcpCounters {
    bool present = false;                         ///< INET_DIAG_INFO was in the message
    std::optional<std::uint64_t> bytes_acked;     ///< tcpi_bytes_acked (kernel >= 4.1)
    std::optional<std::uint64_t> bytes_received;  ///< tcpi_bytes_received (kernel >= 4.1)
    std::optional<std::uint64_t> bytes_sent;      ///< tcpi_bytes_sent (kernel >= 4.19)
    std::optional<std::uint64_t> bytes_retrans;   ///< tcpi_bytes_retrans (kernel >= 4.19)
};

/// One parsed `inet_diag_msg`: the socket's identity and state in `obs` (no bytes yet) and
/// the raw counters.
struct DiagRecord {
    SocketObs obs;    ///< key, state, inode, cookie, uid; has_bytes false
    TcpCounters tcp;  ///< raw tcp_info counters
};

/// The SOCK_DIAG_BY_FAMILY dump request the source sends, as one message: every state (TIME_WAIT
/// and SYN_RECV included), TCP with its tcp_info (INET_DIAG_INFO). `nlmsg_seq` and `nlmsg_pid`
/// are 0, for the sender to set. Also what the fixture recorder and collect_bench send, so
/// they dump exactly what the source does. `states` (a mask of 1 << TCP_*) narrows it.
struct DumpRequest {
    nlmsghdr header;
    inet_diag_req_v2 request;
};
DumpRequest socket_dump_request(std::uint8_t family, std::uint8_t protocol,
                                std::uint32_t states = ~0u);

/// Parses one SOCK_DIAG_BY_FAMILY message. `proto` is the protocol the dump asked for; an
/// INET_DIAG_PROTOCOL attribute (destroy notifications carry one) overrides it. Unknown
/// attributes are ignored; a short tcp_info is zero-filled. Returns nullopt for a message
/// that is not a sock_diag reply or is too short / malformed.
std::optional<DiagRecord> parse_diag_message(const nlmsghdr* nlh, Proto proto);

/// True in the states where the peer's FIN has certainly been received (and counted by
/// tcpi_bytes_received): CLOSE_WAIT, LAST_ACK, CLOSING, TIME_WAIT.
bool peer_fin_received(SocketState state);

/// Drops every later listing of a cookie already listed in live[first..] (a dump resumes by
/// hash bucket, so under churn it may list a socket twice): the first one stays, the order of
/// the rest too. Records without a cookie (procfs) are all kept. Returns how many went.
std::size_t drop_duplicate_cookies(std::vector<SocketObs>& live, std::size_t first);

/// True in the states where the peer's FIN cannot have been received yet (ESTABLISHED, LISTEN,
/// SYN_*, FIN_WAIT*: its FIN would have moved the socket on). Elsewhere (CLOSE, unknown) only
/// an earlier listing can tell.
bool peer_fin_not_yet(SocketState state);

/// Fills `obs.rx_bytes`/`obs.tx_bytes`/`has_bytes` with exact payload bytes from `tcp`.
/// `peer_fin` says whether bytes_received includes the peer's FIN (subtracted). TX is
/// bytes_sent - bytes_retrans when present (exact), else bytes_acked minus our FIN in the
/// states where it was acked (old kernels; may be 1 high for the SYN of an active opener).
/// Listeners and sockets without tcp_info get no bytes. Results clamp at 0.
void apply_tcp_bytes(SocketObs& obs, const TcpCounters& tcp, bool peer_fin);

/// Outcome of walking one received buffer of a netlink dump.
struct WalkResult {
    enum class Status : std::uint8_t {
        More,   ///< all messages consumed, the dump continues in the next datagram
        Done,   ///< NLMSG_DONE (or an ACK) reached
        Error,  ///< NLMSG_ERROR, wrong port id (ESRCH) or sequence (EPROTO); see `error`
    };
    Status status = Status::More;  ///< outcome
    int error = 0;                 ///< errno value when status is Error
    bool interrupted = false;      ///< a message carried NLM_F_DUMP_INTR
};

/// Walks one received datagram of a dump through libmnl's `mnl_cb_run` (which checks the
/// port id and sequence number), calling `on_message` for each data message. libmnl stops
/// at a message flagged NLM_F_DUMP_INTR, losing the rest, so the flag is detected and
/// cleared here first (the buffer is modified). `seq`/`portid` 0 accept anything
/// (multicast notifications).
WalkResult walk_dump_buffer(std::span<std::uint8_t> buffer, std::uint32_t seq, std::uint32_t portid,
                            const std::function<void(const nlmsghdr*)>& on_message);

/// Converts an address from an inet_diag id (4 words, network order) to an `IpAddr`,
/// turning IPv4-mapped IPv6 addresses into V4.
IpAddr diag_addr(std::uint8_t family, const std::uint32_t (&words)[4]);

}  // namespace sstop::plugins::netlink
