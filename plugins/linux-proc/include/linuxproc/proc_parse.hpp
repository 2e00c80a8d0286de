#pragma once
/// @file proc_parse.hpp
/// Pure parsers for the per-process files of Linux procfs. They take the text of one file and
/// never touch the file system, so tests and fuzzers can feed them fixtures.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sstop::plugins::linuxproc {

/// The fields of `/proc/<pid>/stat` that sstop uses.
struct ProcStat {
    std::string comm;              ///< the process name, without the parentheses
    std::int32_t ppid = 0;         ///< parent pid (field 4)
    std::uint64_t start_time = 0;  ///< start time in clock ticks since boot (field 22)
    char state = '?';              ///< one-letter state (field 3), e.g. 'S', 'R', 'Z'
};

/// Parses the text of `/proc/<pid>/stat`. `comm` may itself contain spaces and parentheses
/// (`1 (a) b (c)) S ...`), so it ends at the *last* ')'. Returns nullopt when a field up to
/// the start time is missing or not a number.
std::optional<ProcStat> parse_stat(std::string_view stat);

/// The socket inode of an fd link target such as `socket:[12345]`; nullopt for anything else
/// (files, pipes, `anon_inode:...`, a malformed number).
std::optional<std::uint64_t> parse_socket_link(std::string_view link);

/// The real uid (first number of the `Uid:` line) of `/proc/<pid>/status`.
std::optional<std::uint32_t> parse_status_uid(std::string_view status);

/// Longest command line kept, in bytes; longer ones are cut.
inline constexpr std::size_t kMaxCmdline = 4096;

/// Turns the raw bytes of `/proc/<pid>/cmdline` (arguments separated and ended by NUL) into
/// one line with the arguments joined by single spaces, cut at `kMaxCmdline` bytes.
std::string join_cmdline(std::string_view raw);

}  // namespace sstop::plugins::linuxproc
