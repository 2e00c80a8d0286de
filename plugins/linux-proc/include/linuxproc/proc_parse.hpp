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
    std::uint32_t flags = 0;       ///< kernel PF_* flags (field 9)
};

/// PF_EXITING in `ProcStat::flags`: the process has begun to exit (set before its namespaces
/// and files are released, so an unreadable `ns/net` read before it means "exiting").
inline constexpr std::uint32_t kPfExiting = 0x4;

/// Parses the text of `/proc/<pid>/stat`. `comm` may itself contain spaces and parentheses
/// (`1 (a) b (c)) S ...`), so it ends at the *last* ')'. Returns nullopt when a field up to
/// the start time is missing or not a number.
std::optional<ProcStat> parse_stat(std::string_view stat);

/// The mount point of the first mount of filesystem type `fs_type` ("tracefs", "cgroup2") in
/// the text of `/proc/mounts`; nullopt when there is none. Mount points with spaces are
/// escaped there (`\040`) and returned as written.
std::optional<std::string> find_mount_point(std::string_view proc_mounts, std::string_view fs_type);

/// The pid a `/proc` directory entry names ("1234"); nullopt for anything else ("self",
/// "0", a number beyond the largest pid).
std::optional<std::int32_t> parse_pid_name(std::string_view name);

/// The socket inode of an fd link target such as `socket:[12345]`; nullopt for anything else
/// (files, pipes, `anon_inode:...`, a malformed number).
std::optional<std::uint64_t> parse_socket_link(std::string_view link);

/// The real uid (first number of the `Uid:` line) of `/proc/<pid>/status`.
std::optional<std::uint32_t> parse_status_uid(std::string_view status);

/// The TCP and UDP sockets that `/proc/net/sockstat` or `sockstat6` counts in the reader's
/// network namespace: the `inuse` (and TCP's `tw`) values of its TCP, UDP, TCP6 and UDP6
/// lines, summed; 0 for text without them. An estimate (it moves while it is read), to size
/// a dump's buffer before the first dump.
std::uint64_t parse_sockstat_sockets(std::string_view text);

/// Longest command line kept, in bytes; longer ones are cut.
inline constexpr std::size_t kMaxCmdline = 4096;

/// Turns the raw bytes of `/proc/<pid>/cmdline` (arguments separated and ended by NUL) into
/// one line with the arguments joined by single spaces, cut at `kMaxCmdline` bytes.
std::string join_cmdline(std::string_view raw);

/// Most bytes of `/proc/<pid>/cgroup` that are read; a longer file is cut and its complete
/// lines are still parsed.
inline constexpr std::size_t kMaxCgroupFile = 8192;

/// What `/proc/<pid>/cgroup` says about a process. Every field is empty when unknown.
struct CgroupInfo {
    /// The cgroup path, as the kernel wrote it: the cgroup v2 line (`0::/path`) when present
    /// (unless it is `/` and a v1 `name=systemd` line says more, as on hybrid systems), else
    /// the `name=systemd` line, else the first line. Empty for the root (`/`).
    std::string path;
    /// Short container name: the first 12 hex digits of a Docker, Podman, containerd, CRI-O
    /// or Kubernetes container id, or the name of an LXC or systemd-nspawn container. Taken
    /// from the chosen path, else from any other line (a runtime on cgroup v1 may have moved
    /// the process only in the v1 controllers).
    std::string container;
    /// The systemd unit: the innermost `.service` or `.scope` component of the path that is not
    /// a container's own scope, with `\xNN` escapes decoded (`nginx.service`).
    std::string unit;
};

/// Parses the text of `/proc/<pid>/cgroup` (`hierarchy-id:controllers:path` lines). Malformed
/// lines are ignored; never throws; work is linear in the text's size.
CgroupInfo parse_cgroup(std::string_view text);

}  // namespace sstop::plugins::linuxproc
