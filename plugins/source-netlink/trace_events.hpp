#pragma once
/// @file trace_events.hpp
/// `sock:inet_sock_set_state` records as the connect tracer uses them, read from either
/// form ftrace gives: a text line of `trace_pipe`, or a raw record of `trace_pipe_raw`.

#include <cstdint>
#include <optional>
#include <sstop/model.hpp>
#include <string_view>

#include "trace_ring.hpp"

namespace sstop::plugins::netlink {

/// One `inet_sock_set_state` record, from a trace_pipe line or a raw record.
struct StateEvent {
    std::int32_t pid = 0;        ///< common_pid: the thread that was running (a tid)
    std::int32_t tgid = 0;       ///< thread group id from the record-tgid column, 0 when absent
    std::string_view comm;       ///< the thread's name as traced (may hold spaces and dashes)
    std::uint16_t protocol = 0;  ///< IP protocol number (6 = TCP)
    Endpoint source;             ///< saddr/sport (IPv4-mapped IPv6 turned into V4)
    Endpoint dest;               ///< daddr/dport
    int old_state = 0;           ///< kernel TCP state number before the change
    int new_state = 0;           ///< kernel TCP state number after the change
    std::uint64_t ts_ns = 0;     ///< the record's timestamp in nanoseconds (trace clock)
    std::uint64_t skaddr = 0;    ///< the socket's kernel address (raw records only; 0 = unknown)
};

/// Parses one trace_pipe line of `sock:inet_sock_set_state`, for example
/// `  comm-1234    (   1234) [001] ..... 12.345: inet_sock_set_state: family=AF_INET ...`.
/// The header is read from the right because comm may contain spaces, dashes and brackets:
/// the pid follows the last '-' before the optional "(tgid)" and the "[cpu]" field. Returns
/// nullopt for any other line (other events, lost-event notices, truncated lines).
std::optional<StateEvent> parse_state_line(std::string_view line);

/// The event of a raw record (see `decode_state_record`) stamped `ts_ns`; nullopt for a
/// family other than AF_INET/AF_INET6. It has no tgid and no comm (raw records hold neither).
std::optional<StateEvent> state_event_of(const RawStateRecord& raw, std::uint64_t ts_ns);

/// `s` without leading and trailing blanks (and a trailing newline).
std::string_view trim_blanks(std::string_view s);
/// A decimal pid (0..2^31-1).
std::optional<std::int32_t> parse_pid(std::string_view s);

}  // namespace sstop::plugins::netlink
