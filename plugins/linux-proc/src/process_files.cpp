#include <linuxproc/file_io.hpp>
#include <linuxproc/process_files.hpp>
#include <utility>

namespace sstop::plugins::linuxproc {

std::optional<ProcStat> read_process_stat(int pid_dir_fd, std::string& buf) {
    if (!read_at(pid_dir_fd, "stat", buf, kMaxProcessFile)) return std::nullopt;
    return parse_stat(buf);
}

void apply_process_stat(sstop::ProcessInfo& info, std::int32_t pid, ProcStat stat) {
    info.id = sstop::ProcessId{pid, stat.start_time};
    info.ppid = stat.ppid;
    info.name = std::move(stat.comm);
}

void read_process_exec_identity(int pid_dir_fd, sstop::ProcessInfo& info, std::string& buf) {
    if (read_at(pid_dir_fd, "status", buf, kMaxProcessFile)) {
        info.uid = parse_status_uid(buf).value_or(0);
    }
    info.cmdline.clear();
    if (read_at(pid_dir_fd, "cmdline", buf, kMaxCmdline)) info.cmdline = join_cmdline(buf);
}

void read_process_cgroup(int pid_dir_fd, sstop::ProcessInfo& info, std::string& buf) {
    if (!read_at(pid_dir_fd, "cgroup", buf, kMaxCgroupFile)) return;
    // A cut file's last line is a cut path (a wrong unit); only whole lines count.
    if (buf.size() >= kMaxCgroupFile && buf.back() != '\n') {
        const std::size_t last = buf.rfind('\n');
        buf.resize(last == std::string::npos ? 0 : last + 1);
    }
    CgroupInfo cgroup = parse_cgroup(buf);
    info.cgroup = std::move(cgroup.path);
    info.container = std::move(cgroup.container);
    info.unit = std::move(cgroup.unit);
}

std::optional<ProcStat> read_process(int pid_dir_fd, std::int32_t pid, sstop::ProcessInfo& info,
                                     std::string& buf) {
    auto stat = read_process_stat(pid_dir_fd, buf);
    if (!stat) return std::nullopt;
    apply_process_stat(info, pid, *stat);
    read_process_exec_identity(pid_dir_fd, info, buf);
    read_process_cgroup(pid_dir_fd, info, buf);
    return stat;
}

}  // namespace sstop::plugins::linuxproc
