#pragma once
/// @file netstat_parser.hpp
/// Parsers of macOS `netstat` text: the socket list (`netstat -anvb`, `-nvb`, `-Abn`, `-anv`)
/// and the interface counters (`netstat -ibn`, `-ibdn`, `-ibdnW`). Pure functions over text:
/// no macOS headers, so they are built and tested on every platform. They never throw on bad
/// input; a line they cannot read is counted, not guessed.

#include <cstddef>
#include <cstdint>
#include <sstop/model.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop::plugins::darwin {

/// Lines longer than this are counted as malformed and skipped (real rows are < 400 bytes).
constexpr std::size_t kMaxLineBytes = 4096;
/// At most this many rows are returned; the rest of the text is ignored (`row_limit_hit`).
constexpr std::size_t kMaxRows = 200000;

/// One row of the "Active Internet connections" section.
struct NetstatSocketRow {
    sstop::Proto proto = sstop::Proto::Unknown;  ///< TCP or UDP
    /// Family the protocol column names: V4 for tcp4/udp4, V6 for tcp6/udp6 and for the
    /// dual-stack tcp46/udp46.
    sstop::Family family = sstop::Family::None;
    bool dual_stack = false;  ///< the protocol column said tcp46/udp46
    sstop::Endpoint local;    ///< local endpoint; `*.port` is the any-address of the row's family
    sstop::Endpoint remote;   ///< remote endpoint; `*.*` leaves it unset (family None)
    /// An address filled its whole column, so netstat may have cut it (`-A` cuts at 18
    /// characters): the endpoint may be wrong or unset. Such rows are kept but flagged.
    bool local_truncated = false;
    bool remote_truncated = false;  ///< as `local_truncated`, for the foreign address
    sstop::SocketState state = sstop::SocketState::Unknown;  ///< TCP state; Unknown for UDP
    std::uint64_t recv_q = 0;                                ///< Recv-Q bytes
    std::uint64_t send_q = 0;                                ///< Send-Q bytes
    bool has_bytes = false;      ///< the rxbytes/txbytes columns were present (`-b`)
    std::uint64_t rx_bytes = 0;  ///< cumulative bytes received (rxbytes)
    std::uint64_t tx_bytes = 0;  ///< cumulative bytes sent (txbytes)
    std::int32_t pid = 0;        ///< owner pid from `process:pid` or `pid`; 0 = not shown
    std::string process;         ///< owner name from `process:pid` (may hold spaces), or empty
};

/// Result of `parse_netstat_sockets`.
struct NetstatSocketParse {
    std::vector<NetstatSocketRow> rows;  ///< TCP and UDP rows of the Internet section
    std::size_t malformed = 0;           ///< lines of the Internet section that did not parse
    std::size_t other_protocols = 0;     ///< rows of other protocols (icm4, …), skipped
    std::size_t truncated = 0;           ///< rows kept with a possibly cut address
    bool header_found = false;           ///< a `Proto … Local Address` header was seen
    bool row_limit_hit = false;          ///< `kMaxRows` rows were read; the rest was ignored
};

/// Parses the Internet section of `netstat -a[A]n[v][b]` output. Columns are located from
/// the header line by their order, not by character positions (rows and header disagree on
/// widths). The `process:pid` column may contain spaces; the pid follows its last colon.
/// Sections after the Internet one (UNIX sockets, kernel events/controls) are skipped.
NetstatSocketParse parse_netstat_sockets(std::string_view text);

/// Counters of one interface: its `<Link#N>` row.
struct InterfaceRow {
    std::string name;              ///< name as printed (may be cut to 5 or 10 characters), no `*`
    std::uint32_t link_index = 0;  ///< N of `<Link#N>` (the interface index)
    bool up = false;               ///< false when netstat marked the name with a trailing `*`
    std::string link_address;      ///< MAC address or empty
    bool has_bytes = false;        ///< Ibytes/Obytes columns were present (`-b`)
    std::uint64_t rx_packets = 0;  ///< Ipkts
    std::uint64_t rx_errors = 0;   ///< Ierrs
    std::uint64_t rx_bytes = 0;    ///< Ibytes
    std::uint64_t tx_packets = 0;  ///< Opkts
    std::uint64_t tx_errors = 0;   ///< Oerrs
    std::uint64_t tx_bytes = 0;    ///< Obytes
    std::uint64_t collisions = 0;  ///< Coll
    bool has_drops = false;        ///< a Drop column was present (`-d`)
    std::uint64_t drops = 0;       ///< Drop
};

/// Result of `parse_netstat_interfaces`.
struct InterfaceParse {
    std::vector<InterfaceRow> rows;   ///< one per `<Link#N>` row, in input order
    std::size_t malformed = 0;        ///< lines that did not parse
    std::size_t address_rows = 0;     ///< per-address rows, ignored (they repeat the counters)
    std::size_t duplicate_links = 0;  ///< `<Link#N>` rows whose N was already seen, ignored
    bool header_found = false;        ///< the `Name Mtu Network Address …` header was seen
    bool row_limit_hit = false;       ///< `kMaxRows` rows were read; the rest was ignored
};

/// Parses `netstat -i[b][d]n[W]` output. Only the `<Link#N>` row of each interface is kept:
/// the per-address rows repeat its counters.
InterfaceParse parse_netstat_interfaces(std::string_view text);

/// Converts a row to the SDK model. Returns false (leaving `out` unspecified) for a row
/// whose address may be cut or did not parse, because a wrong 5-tuple is worse than none.
/// UDP rows get `Established` when they have a remote end, `Close` otherwise.
bool to_socket_obs(const NetstatSocketRow& row, sstop::SocketObs& out);

/// Converts interface rows to the SDK model. A name printed for more than one `<Link#N>`
/// (netstat cut both, e.g. `utun8` for utun80 and utun81) becomes `<name>#<N>` for each of
/// them, so every interface keeps its own counters. `index` is N.
std::vector<sstop::InterfaceObs> to_interface_obs(const std::vector<InterfaceRow>& rows);

/// Parses a netstat endpoint (`a.b.c.d.port`, `*.port`, `*.*`, `fe80::1%lo0.port`): the last
/// dot separates the port. `any_family` is the family given to a `*` address. Returns false
/// for text that is not an endpoint.
bool parse_netstat_endpoint(std::string_view text, sstop::Family any_family, sstop::Endpoint& out);

/// Maps a netstat TCP state word (`ESTABLISHED`, `SYN_RCVD`, …) to the model; Unknown if not one.
sstop::SocketState parse_tcp_state(std::string_view word);

}  // namespace sstop::plugins::darwin
