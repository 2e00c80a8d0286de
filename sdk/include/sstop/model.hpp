#pragma once
/// @file model.hpp
/// Value types exchanged between sources, the core aggregator, views and exporters.
///
/// Every type here is a plain struct of standard-library types. They cross the plugin
/// boundary, so their size and layout are part of ABI v1: `abi_check.hpp` pins them with
/// static asserts. Adding a field is an ABI *major* change; fields meant for planned
/// features (network namespaces, containers) are already here so v1 can carry them.
///
/// Conventions:
/// - byte counters are `uint64_t`, cumulative, in **transport payload bytes**
///   (TCP/UDP payload, without IP/TCP/UDP headers), from the socket's point of view:
///   `rx` = received by the local end, `tx` = sent by the local end;
/// - rates are `double` bytes per second, smoothed by the core;
/// - times are `std::chrono::steady_clock` for measuring, unix nanoseconds for display.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sstop {

/// Address family of an `IpAddr`.
enum class Family : std::uint8_t {
    None = 0,  ///< no address (an unset or unknown endpoint)
    V4 = 4,    ///< IPv4: the address is in `bytes[0..3]`, the rest is zero
    V6 = 6,    ///< IPv6: all 16 bytes, network byte order
};

/// An IPv4 or IPv6 address, in network byte order. An IPv4-mapped IPv6 address
/// (`::ffff:a.b.c.d`) is normalised to `V4` by sources, so one host has one key.
struct IpAddr {
    Family family = Family::None;          ///< which of the two families, or none
    std::array<std::uint8_t, 16> bytes{};  ///< address bytes, network order
    friend bool operator==(const IpAddr&, const IpAddr&) = default;
    friend auto operator<=>(const IpAddr&, const IpAddr&) = default;
};

/// An address and a port (host byte order).
struct Endpoint {
    IpAddr addr;             ///< the address; family None for "no endpoint"
    std::uint16_t port = 0;  ///< port in host byte order, 0 for "any"
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
    friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

/// Transport protocol, numbered as IANA protocol numbers. A value without an enumerator is
/// that IP protocol number (a raw IP socket of protocol 253 is `Proto{253}`).
enum class Proto : std::uint8_t {
    Unknown = 0,  ///< not known
    Icmp = 1,     ///< ICMP (ping sockets, raw ICMP sockets). Since ABI 1.2.
    Tcp = 6,      ///< TCP
    Udp = 17,     ///< UDP
    Icmpv6 = 58,  ///< ICMPv6. Since ABI 1.2.
    Sctp = 132,   ///< SCTP. Since ABI 1.2.
};

/// The identity of a socket or a flow: protocol, both endpoints and the network namespace.
struct SocketKey {
    Proto proto = Proto::Unknown;  ///< transport protocol
    Endpoint local;                ///< local endpoint (for a listener, the bound address)
    Endpoint remote;               ///< remote endpoint; unset for listeners and unconnected UDP
    std::uint64_t netns = 0;       ///< inode of the network namespace, 0 = the one sstop runs in
    friend bool operator==(const SocketKey&, const SocketKey&) = default;
    friend auto operator<=>(const SocketKey&, const SocketKey&) = default;
};

/// Socket state. The values are the Linux kernel's TCP states, so sources on Linux copy them.
/// UDP sockets use `Established` when connected and `Close` when not (as `ss` shows "UNCONN").
enum class SocketState : std::uint8_t {
    Unknown = 0,
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Close = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
    NewSynRecv = 12,
};

/// A process, identified by pid *and* start time so that a reused pid is a new process.
struct ProcessId {
    std::int32_t pid = 0;          ///< process id, 0 = unknown / no owner
    std::uint64_t start_time = 0;  ///< start time in clock ticks since boot (Linux: stat field 22)
    friend bool operator==(const ProcessId&, const ProcessId&) = default;
    friend auto operator<=>(const ProcessId&, const ProcessId&) = default;
};

/// One socket as a source observed it in one collection.
struct SocketObs {
    SocketKey key;                             ///< the 5-tuple and namespace
    SocketState state = SocketState::Unknown;  ///< state at observation time
    std::uint64_t inode = 0;                   ///< socket inode, 0 = unknown (e.g. already closed)
    std::uint64_t cookie = 0;                  ///< kernel socket cookie, 0 = unknown
    std::uint32_t uid = 0;                     ///< owning uid of the socket
    ProcessId owner;                           ///< owning process, pid 0 = not known
    bool has_bytes = false;      ///< true when rx_bytes/tx_bytes below are real counters
    bool closed = false;         ///< true for a socket's final record (it is gone after this)
    std::uint64_t rx_bytes = 0;  ///< cumulative payload bytes received, if has_bytes
    std::uint64_t tx_bytes = 0;  ///< cumulative payload bytes sent, if has_bytes
};

/// Cumulative payload bytes of one flow, counted by a packet-level source since it started.
/// `key.local` is the end on this host; `rx`/`tx` are from that end's point of view.
struct FlowBytes {
    SocketKey key;                 ///< the flow's 5-tuple, oriented local → remote
    std::uint64_t rx_bytes = 0;    ///< payload bytes received by the local end
    std::uint64_t tx_bytes = 0;    ///< payload bytes sent by the local end
    std::uint64_t rx_packets = 0;  ///< packets received (GSO super-packets count once)
    std::uint64_t tx_packets = 0;  ///< packets sent
};

/// Counters of one network interface, as the kernel reports them (link-level bytes).
struct InterfaceObs {
    std::string name;              ///< interface name, e.g. "eth0"
    std::uint32_t index = 0;       ///< ifindex, 0 = unknown
    bool up = false;               ///< administratively and operationally up
    bool default_route = false;    ///< carries the default route (IPv4 or IPv6)
    std::uint64_t rx_bytes = 0;    ///< cumulative bytes received
    std::uint64_t tx_bytes = 0;    ///< cumulative bytes sent
    std::uint64_t rx_packets = 0;  ///< cumulative packets received
    std::uint64_t tx_packets = 0;  ///< cumulative packets sent
};

/// A key/value label (used for fields added after v1 without an ABI break).
struct Label {
    std::string key;    ///< label name
    std::string value;  ///< label value
};

/// What is known about a process that owns sockets.
struct ProcessInfo {
    ProcessId id;               ///< pid and start time
    std::int32_t ppid = 0;      ///< parent pid, 0 = unknown
    std::uint32_t uid = 0;      ///< real uid
    std::string name;           ///< short name (Linux: `comm`)
    std::string cmdline;        ///< command line, arguments joined by spaces (may be empty)
    std::string cgroup;         ///< cgroup path, empty when unknown
    std::string container;      ///< container id or name, empty when none
    std::string unit;           ///< systemd unit, empty when none
    std::vector<Label> labels;  ///< further attributes, free-form
};

/// Counters a source keeps about itself, shown to users (e.g. capture drops).
struct SourceCounter {
    std::string name;         ///< short name, e.g. "kernel_drops", "malformed_lines"
    std::uint64_t value = 0;  ///< cumulative value since the source started
};

/// Everything one source observed in one collection. The source fills it; the host
/// stamps `source`, and `taken_at` unless the source set it.
struct Sample {
    std::string source;  ///< id of the source that filled it (set by the host)
    /// When it was observed. Left at its default, the host sets the tick's time. A source that
    /// replays recorded data sets the recorded time (on this run's steady clock, never going
    /// back); the tick then runs on the socket source's time, so rates follow the recording.
    std::chrono::steady_clock::time_point taken_at{};
    bool has_sockets = false;        ///< `sockets` is a complete list of this source's sockets
    bool has_interfaces = false;     ///< `interfaces` is a complete list
    std::vector<SocketObs> sockets;  ///< sockets (and closed sockets' final records)
    std::vector<FlowBytes> flows;    ///< cumulative per-flow counters (packet sources)
    std::vector<InterfaceObs> interfaces;  ///< interface counters
    std::vector<ProcessInfo> processes;    ///< owners of the sockets above
    std::vector<SourceCounter> counters;   ///< the source's own health counters
};

/// Four numbers shown for everything that carries traffic.
struct Traffic {
    double rx_bps = 0;           ///< smoothed receive rate, payload bytes per second
    double tx_bps = 0;           ///< smoothed send rate, payload bytes per second
    std::uint64_t rx_bytes = 0;  ///< payload bytes received since sstop started
    std::uint64_t tx_bytes = 0;  ///< payload bytes sent since sstop started
};

/// One socket in a snapshot.
struct ConnectionSummary {
    SocketKey key;                             ///< 5-tuple
    SocketState state = SocketState::Unknown;  ///< last seen state
    std::uint64_t inode = 0;                   ///< inode, 0 = unknown
    std::uint64_t cookie = 0;                  ///< kernel cookie, 0 = unknown
    Traffic traffic;                           ///< rates and totals of this socket
    double age_s = 0;                          ///< seconds since sstop first saw it
    bool measured = false;                     ///< false when no source counts its bytes
    std::string remote_name;                   ///< reverse-DNS name of the remote, may be empty
};

/// One process in a snapshot.
struct ProcessSummary {
    ProcessInfo info;               ///< identity and names
    Traffic traffic;                ///< sum over its sockets
    std::uint32_t connections = 0;  ///< non-listening sockets
    std::uint32_t listening = 0;    ///< listening sockets
    /// Its sockets, listeners included. Empty when no running consumer reads socket lists
    /// (see `SSTOP_CONSUMES_SOCKETS`); `connections` and `listening` count them even then.
    std::vector<ConnectionSummary> sockets;
    std::vector<double> history;  ///< last rx+tx rates, oldest first (≤ 16 points)
};

/// Traffic with one remote address, across all processes.
struct RemoteHostSummary {
    IpAddr addr;                         ///< remote address
    std::string name;                    ///< reverse-DNS name, may be empty
    Traffic traffic;                     ///< sum over the connections to it
    std::uint32_t connections = 0;       ///< connections to it
    std::vector<std::string> processes;  ///< names of the processes talking to it, sorted
};

/// A listening socket (TCP LISTEN, or a bound unconnected UDP socket).
struct ListenPortSummary {
    Proto proto = Proto::Unknown;  ///< TCP or UDP
    IpAddr addr;                   ///< bound address (all-zero = any)
    std::uint16_t port = 0;        ///< bound port
    ProcessId owner;               ///< owning process, pid 0 = unknown
    std::string name;              ///< owner's name, empty when unknown
};

/// One interface in a snapshot: kernel counters (link-level bytes), not payload.
struct InterfaceSummary {
    std::string name;            ///< interface name
    bool up = false;             ///< link up
    bool default_route = false;  ///< carries the default route (IPv4 or IPv6)
    Traffic traffic;             ///< rates and totals from the kernel's counters
};

/// Traffic of a group of processes (a container, a systemd unit, a user …). Reserved in v1
/// for the planned groups view; the core may leave the list empty.
struct GroupSummary {
    std::string kind;               ///< what groups them: "container", "unit", "user", …
    std::string name;               ///< the group's name
    Traffic traffic;                ///< sum over its processes
    std::uint32_t processes = 0;    ///< processes in the group
    std::uint32_t connections = 0;  ///< their non-listening sockets
};

/// A status line for users (a source failed over, a plugin was disabled, drops seen).
struct Notice {
    enum class Level : std::uint8_t { Info, Warning, Error };
    Level level = Level::Info;  ///< severity
    std::string text;           ///< one line, no trailing newline
};

/// What the core publishes once per tick. Immutable once published; shared by
/// `std::shared_ptr<const Snapshot>` between threads.
struct Snapshot {
    std::uint64_t seq = 0;  ///< 0 for the baseline taken at start (no rates), then +1 per tick
    std::int64_t unix_time_ns = 0;                ///< wall-clock time of the tick
    double interval_s = 0;                        ///< seconds covered by this tick
    std::vector<std::string> sources;             ///< ids of the sources that contributed
    Traffic totals;                               ///< all processes plus unattributed
    Traffic unattributed;                         ///< bytes no process owned
    std::vector<InterfaceSummary> interfaces;     ///< sorted by name
    std::vector<ProcessSummary> processes;        ///< sorted by rx+tx rate, descending
    std::vector<RemoteHostSummary> remote_hosts;  ///< sorted by rx+tx rate, descending
    std::vector<ListenPortSummary> listen_ports;  ///< sorted by port, then protocol
    std::vector<GroupSummary> groups;             ///< sorted by rx+tx rate; may be empty
    std::vector<double> rx_history;               ///< system rx rate, oldest first (≤ 60 points)
    std::vector<double> tx_history;               ///< system tx rate, oldest first (≤ 60 points)
    std::vector<SourceCounter> counters;          ///< source health counters, "<source>.<name>"
    std::vector<Notice> notices;                  ///< current status messages
};

/// Kernel-style name of a state ("ESTAB", "LISTEN", "UNCONN" for a closed UDP socket …).
const char* state_name(SocketState state, Proto proto) noexcept;

/// Lower-case protocol name: "tcp", "udp", "icmp", "icmp6", "sctp", "raw" for any other IP
/// protocol number, "?" for Unknown. Since ABI 1.2.
const char* proto_name(Proto proto) noexcept;

}  // namespace sstop

// Inline definitions, so the SDK needs no library.
namespace sstop {
inline const char* state_name(SocketState state, Proto proto) noexcept {
    switch (state) {
        case SocketState::Established:
            return "ESTAB";
        case SocketState::SynSent:
            return "SYN-SENT";
        case SocketState::SynRecv:
            return "SYN-RECV";
        case SocketState::FinWait1:
            return "FIN-WAIT-1";
        case SocketState::FinWait2:
            return "FIN-WAIT-2";
        case SocketState::TimeWait:
            return "TIME-WAIT";
        case SocketState::Close:
            return proto == Proto::Udp ? "UNCONN" : "CLOSE";
        case SocketState::CloseWait:
            return "CLOSE-WAIT";
        case SocketState::LastAck:
            return "LAST-ACK";
        case SocketState::Listen:
            return "LISTEN";
        case SocketState::Closing:
            return "CLOSING";
        case SocketState::NewSynRecv:
            return "NEW-SYN-RECV";
        case SocketState::Unknown:
            break;
    }
    return "UNKNOWN";
}

inline const char* proto_name(Proto proto) noexcept {
    switch (proto) {
        case Proto::Tcp:
            return "tcp";
        case Proto::Udp:
            return "udp";
        case Proto::Icmp:
            return "icmp";
        case Proto::Icmpv6:
            return "icmp6";
        case Proto::Sctp:
            return "sctp";
        case Proto::Unknown:
            return "?";
    }
    return "raw";
}
}  // namespace sstop
