#pragma once
/// @file trace_ring.hpp
/// Reads ftrace's binary per-CPU buffers (`per_cpu/cpuN/trace_pipe_raw`): the page header,
/// the ring buffer's event headers (padding, time extends, data records) and the raw fields
/// of one trace event, located by its `format` file.
///
/// Why not the text `trace_pipe`: its line for `sock:inet_sock_set_state` does not print the
/// socket's address (`skaddr`), and that address is the only thing the SYN_SENT record
/// (written inside connect(), before the source port is chosen) shares exactly with the
/// record that completes the connection. The raw record has every field.
///
/// Layouts come from the kernel's own description files (`events/header_page`, the event's
/// `format`), so a kernel that moves a field is read right or refused, never misread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>

namespace sstop::plugins::netlink {

/// Where one field sits in a raw record.
struct RawField {
    std::size_t offset = 0;
    std::size_t size = 0;
};

/// The ring buffer page header, from `events/header_page`.
struct PageLayout {
    RawField timestamp{0, 8};  ///< u64 time stamp of the page's first event
    RawField commit{8, 8};     ///< bytes of data in the page (and lost-event flags)
    RawField data{16, 4080};   ///< where the events start, and the most they can take
};

/// Parses the text of `events/header_page`; nullopt when a field is missing or odd.
std::optional<PageLayout> parse_header_page(std::string_view text);

/// The fields of `sock:inet_sock_set_state` that the connect tracer reads, from its `format`.
struct StateRecordLayout {
    std::uint16_t id = 0;  ///< the event's type id (the record's common_type)
    RawField common_type, common_pid, skaddr, oldstate, newstate, sport, dport, family, protocol,
        saddr, daddr, saddr_v6, daddr_v6;
    std::size_t record_size = 0;  ///< bytes a record needs to hold every field above
};

/// Parses the text of `events/sock/inet_sock_set_state/format`; nullopt when the id or a
/// field is missing or has a size other than the one read.
std::optional<StateRecordLayout> parse_state_format(std::string_view text);

/// One page read from trace_pipe_raw: calls `on_record(timestamp, record)` for each data
/// record in order, with the timestamp in trace-clock units (ns for "mono"). Returns the
/// number of records, or nullopt for a malformed page (records before the fault were passed).
/// `lost` is set when the kernel flagged events lost before this page.
std::optional<std::size_t> for_each_record(
    std::span<const std::uint8_t> page, const PageLayout& layout,
    const std::function<void(std::uint64_t, std::span<const std::uint8_t>)>& on_record,
    bool* lost = nullptr);

/// The fields of one raw `inet_sock_set_state` record.
struct RawStateRecord {
    std::int32_t pid = 0;  ///< common_pid (a thread id)
    std::uint64_t skaddr = 0;
    int old_state = 0;
    int new_state = 0;
    std::uint16_t sport = 0;  ///< host byte order
    std::uint16_t dport = 0;
    std::uint16_t family = 0;  ///< AF_INET or AF_INET6
    std::uint16_t protocol = 0;
    std::span<const std::uint8_t> saddr;  ///< 4 bytes (AF_INET) or 16 (AF_INET6), network order
    std::span<const std::uint8_t> daddr;
};

/// Decodes one record; nullopt when it is of another event or too short.
std::optional<RawStateRecord> decode_state_record(std::span<const std::uint8_t> record,
                                                  const StateRecordLayout& layout);

/// The fields of `sched:sched_process_exit` read for a process gone before its connect was
/// read: the record carries the name the task had when it exited.
struct ExitRecordLayout {
    std::uint16_t id = 0;
    RawField common_type, comm, pid;
    std::size_t record_size = 0;
};

/// Parses the text of `events/sched/sched_process_exit/format`; nullopt as for the above.
std::optional<ExitRecordLayout> parse_exit_format(std::string_view text);

/// One raw `sched_process_exit` record.
struct RawExitRecord {
    std::int32_t pid = 0;   ///< the task (thread) id that exited
    std::string_view comm;  ///< its name, without the NUL padding; views into the record
};

/// Decodes one record; nullopt when it is of another event or too short.
std::optional<RawExitRecord> decode_exit_record(std::span<const std::uint8_t> record,
                                                const ExitRecordLayout& layout);

}  // namespace sstop::plugins::netlink
