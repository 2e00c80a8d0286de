#pragma once
/// @file process_files.hpp
/// Reading who a process is from its `/proc/<pid>` directory: the one place the Linux sources
/// (the owner map, the netlink connect tracer) load a process's identity. Every read goes
/// through one open directory fd, so a pid that dies and is reused meanwhile makes the reads
/// fail (ENOENT/ESRCH) instead of mixing two processes.

#include <cstdint>
#include <linuxproc/proc_parse.hpp>
#include <optional>
#include <sstop/model.hpp>
#include <string>

namespace sstop::plugins::linuxproc {

/// Most bytes of `stat` and `status` read (a few KiB at most; the cap guards a hostile tree).
inline constexpr std::size_t kMaxProcessFile = 64 * 1024;

/// Reads and parses `stat` of the process whose `/proc/<pid>` is `pid_dir_fd`. nullopt when
/// it is gone or the file is malformed. `buf` is scratch space (reused across calls).
std::optional<ProcStat> read_process_stat(int pid_dir_fd, std::string& buf);

/// Sets `info`'s id (pid and start time), parent and name from its `stat`.
void apply_process_stat(sstop::ProcessInfo& info, std::int32_t pid, ProcStat stat);

/// Reads what an exec can change besides the name: the real uid (`status`; kept when
/// unreadable) and the command line (`cmdline`, joined; empty when unreadable).
void read_process_exec_identity(int pid_dir_fd, sstop::ProcessInfo& info, std::string& buf);

/// Reads the cgroup path, container and systemd unit (`cgroup`, at most `kMaxCgroupFile`
/// bytes of which only whole lines count). Left empty when there is no `cgroup` file.
void read_process_cgroup(int pid_dir_fd, sstop::ProcessInfo& info, std::string& buf);

/// Everything about a process seen for the first time: `stat` (id, parent, name), uid,
/// command line and cgroup, into `info`. Returns the parsed `stat` (state and flags tell an
/// exiting process); nullopt when the process is gone.
std::optional<ProcStat> read_process(int pid_dir_fd, std::int32_t pid, sstop::ProcessInfo& info,
                                     std::string& buf);

}  // namespace sstop::plugins::linuxproc
