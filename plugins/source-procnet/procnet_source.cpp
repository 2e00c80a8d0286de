#include "procnet_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <linuxproc/number.hpp>
#include <sstop/unique_fd.hpp>

#include "proc_net_parser.hpp"

namespace sstop::plugins::procnet {
namespace {

// /proc/net/tcp with 100k sockets is ~15 MB; beyond this the read stops and the cut line is
// counted as malformed, so a pathological table cannot take all memory.
constexpr std::size_t kMaxFileBytes = 256u << 20;

struct Table {
    const char* name;
    sstop::Proto proto;  ///< Unknown: raw sockets, each line's protocol is its local "port"
    sstop::Family family;
    bool optional;  ///< a kernel without it (no IPv6, no ping sockets) loses nothing else
};
constexpr Table kTables[] = {
    {"tcp", sstop::Proto::Tcp, sstop::Family::V4, false},
    {"tcp6", sstop::Proto::Tcp, sstop::Family::V6, true},
    {"udp", sstop::Proto::Udp, sstop::Family::V4, false},
    {"udp6", sstop::Proto::Udp, sstop::Family::V6, true},
    {"raw", sstop::Proto::Unknown, sstop::Family::V4, true},
    {"raw6", sstop::Proto::Unknown, sstop::Family::V6, true},
    {"icmp", sstop::Proto::Icmp, sstop::Family::V4, true},
    {"icmp6", sstop::Proto::Icmpv6, sstop::Family::V6, true},
};

std::string parent_of(const std::string& path) {
    std::string trimmed = path;
    while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
    std::size_t slash = trimmed.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "";
    return trimmed.substr(0, slash);
}

}  // namespace

ProcnetSource::ProcnetSource(sstop::PluginContext& context, std::size_t max_namespaces)
    : proc_root_(context.options().get_string("proc_root")),
      sys_net_root_(parent_of(proc_root_) + "/sys/class/net"),
      max_namespaces_(max_namespaces),
      owners_(proc_root_) {
    const std::string& ns = context.options().get_string("namespaces");
    auto mode = linuxproc::parse_namespaces_mode(ns);
    if (!mode)
        throw sstop::PluginUnavailable("procnet: namespaces: '" + ns +
                                       "' is not one of auto, own, all");
    mode_ = *mode;
}

// Resolved once: whether sstop runs in the initial namespace does not change while it runs.
// Without our own namespace's inode the own tables could not be told apart from the others
// (they would be read twice), so then only the own ones are read.
void ProcnetSource::resolve_namespaces() {
    resolved_ = true;
    identity_ = linuxproc::read_netns_identity(proc_root_);
    all_namespaces_ = linuxproc::dumps_all_namespaces(mode_, identity_) && identity_.own != 0;
    if (!all_namespaces_) return;
    // The first list comes from a pass of its own; later ones ride on the owner map's
    // listing of /proc (one stat per pid), so each collect reads the previous one's list.
    netns_ = std::make_unique<linuxproc::NetnsEnumerator>(max_namespaces_);
    netns_->scan(proc_root_);
    owners_.track_namespaces(netns_.get());
}

bool ProcnetSource::reads_all_namespaces() {
    if (!resolved_) resolve_namespaces();
    return all_namespaces_;
}

std::uint32_t ProcnetSource::capabilities() const {
    return sstop::kProvidesSockets | sstop::kProvidesInterfaces | sstop::kProvidesOwners;
}

void ProcnetSource::open() {
    const std::string path = proc_root_ + "/net/tcp";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw sstop::PluginUnavailable("procnet: cannot read /proc/net/tcp: " +
                                       std::string(std::strerror(errno)));
    }
    ::close(fd);
    if (!resolved_) resolve_namespaces();
}

ProcnetSource::ReadResult ProcnetSource::read_file(const std::string& path, int dir_fd) {
    buffer_.clear();
    int fd = ::openat(dir_fd, path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        last_errno_ = errno;
        return errno == ENOENT ? ReadResult::Missing : ReadResult::Failed;
    }
    ReadResult result = ReadResult::Ok;
    std::size_t used = 0;
    for (;;) {
        if (used == kMaxFileBytes) {
            result = ReadResult::Truncated;
            break;
        }
        if (buffer_.size() - used < 64 * 1024) {
            buffer_.resize(std::min(kMaxFileBytes, std::max<std::size_t>(used * 2, 256 * 1024)));
        }
        ssize_t n = ::read(fd, buffer_.data() + used, buffer_.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            last_errno_ = errno;
            result = ReadResult::Failed;
            break;
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    buffer_.resize(used);  // shrinking keeps the capacity for the next read
    return result;
}

// /proc/net/dev has no flags. sysfs (next to procfs: <proc_root>/../sys) gives operstate and
// ifindex for two small reads per interface. "unknown" is what lo and many virtual devices
// report while up; without sysfs an interface that is listed counts as up.
void ProcnetSource::fill_interface_state(sstop::InterfaceObs& obs) {
    obs.up = true;
    const std::string dir = sys_net_root_ + "/" + obs.name;
    if (read_file(dir + "/operstate") == ReadResult::Ok) {
        std::string_view state(buffer_);
        while (!state.empty() && (state.back() == '\n' || state.back() == ' '))
            state.remove_suffix(1);
        obs.up = state == "up" || state == "unknown";
    }
    if (read_file(dir + "/ifindex") == ReadResult::Ok) {
        std::string_view text(buffer_);
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
        obs.index = linuxproc::parse_unsigned<std::uint32_t>(text).value_or(0);
    }
}

// Without either file (no IPv6, a bare fake root) the interfaces are still right, just with
// no default route known, so a missing file is not worth a degraded status.
void ProcnetSource::mark_default_routes(std::vector<sstop::InterfaceObs>& interfaces) {
    auto mark = [&](const DefaultRouteParse& parsed) {
        malformed_lines_ += parsed.malformed;
        for (sstop::InterfaceObs& obs : interfaces) {
            for (const std::string& name : parsed.interfaces) {
                if (obs.name == name) obs.default_route = true;
            }
        }
    };
    if (read_file(proc_root_ + "/net/route") == ReadResult::Ok) mark(parse_proc_net_route(buffer_));
    if (read_file(proc_root_ + "/net/ipv6_route") == ReadResult::Ok)
        mark(parse_proc_net_ipv6_route(buffer_));
}

bool ProcnetSource::collect_namespace(const linuxproc::NetnsEntry& ns, sstop::Sample& out,
                                      std::string& missing) {
    // The directory fd pins that one process: if the pid dies (and is even reused by a
    // process elsewhere), reads through it fail instead of reading the newcomer's namespace.
    UniqueFd dir(::open((proc_root_ + "/" + std::to_string(ns.pid)).c_str(),
                        O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) return false;
    struct stat st {};
    if (::fstatat(dir.get(), "ns/net", &st, 0) != 0 || st.st_ino != ns.inode) return false;
    const std::size_t first = out.sockets.size();
    std::string cut;
    for (const Table& table : kTables) {
        ReadResult result = read_file(std::string("net/") + table.name, dir.get());
        if (result == ReadResult::Missing && table.optional) continue;
        if (result == ReadResult::Missing || result == ReadResult::Failed) {
            // The process exited between two tables: drop the half-read namespace, the next
            // collect reads it through the enumerator's next choice.
            out.sockets.resize(first);
            return false;
        }
        if (result == ReadResult::Truncated)
            cut += cut.empty() ? table.name : std::string(",") + table.name;
        ProcNetParse parsed = parse_proc_net(buffer_, table.proto, table.family);
        malformed_lines_ += parsed.malformed;
        for (sstop::SocketObs& obs : parsed.sockets) {
            obs.key.netns = ns.inode;
            out.sockets.push_back(std::move(obs));
        }
    }
    if (!cut.empty()) {
        const std::string what = cut + " of netns " + std::to_string(ns.inode);
        missing += missing.empty() ? what : ", " + what;
    }
    return true;
}

sstop::CollectStatus ProcnetSource::collect(sstop::Sample& out) {
    if (!resolved_) resolve_namespaces();
    sstop::CollectStatus status;
    std::string missing;
    for (const Table& table : kTables) {
        ReadResult result = read_file(proc_root_ + "/net/" + table.name);
        if (result == ReadResult::Missing && table.optional) continue;
        if (result == ReadResult::Missing || result == ReadResult::Failed) {
            if (table.proto == sstop::Proto::Tcp && table.family == sstop::Family::V4) {
                return {sstop::CollectStatus::Code::Failed,
                        "procnet: cannot read " + proc_root_ +
                            "/net/tcp: " + std::strerror(last_errno_)};
            }
            missing += missing.empty() ? table.name : std::string(", ") + table.name;
            continue;
        }
        if (result == ReadResult::Truncated) {
            missing += missing.empty() ? table.name : std::string(", ") + table.name;
        }
        ProcNetParse parsed = parse_proc_net(buffer_, table.proto, table.family);
        malformed_lines_ += parsed.malformed;
        out.sockets.insert(out.sockets.end(), parsed.sockets.begin(), parsed.sockets.end());
    }
    netns_active_ = 0;
    if (all_namespaces_) {
        for (const linuxproc::NetnsEntry& ns : netns_->namespaces()) {
            if (ns.inode == identity_.own || ns.inode == 0) continue;
            if (collect_namespace(ns, out, missing))
                ++netns_active_;
            else
                ++netns_vanished_;
        }
    }
    out.has_sockets = missing.empty();

    if (read_file(proc_root_ + "/net/dev") == ReadResult::Ok) {
        ProcNetDevParse parsed = parse_proc_net_dev(buffer_);
        malformed_lines_ += parsed.malformed;
        out.interfaces = std::move(parsed.interfaces);
        for (sstop::InterfaceObs& obs : out.interfaces) fill_interface_state(obs);
        mark_default_routes(out.interfaces);
        out.has_interfaces = true;
    } else {
        missing += missing.empty() ? "dev" : ", dev";
    }

    owners_.attribute(out);

    const linuxproc::OwnerMapStats stats = owners_.stats();
    out.counters.push_back({"malformed_lines", malformed_lines_});
    out.counters.push_back({"owner_pids_scanned", stats.pids_scanned});
    out.counters.push_back({"owner_fds_read", stats.fds_read});
    out.counters.push_back({"owner_skipped", stats.processes_skipped + stats.inodes_skipped});
    out.counters.push_back({"netns_active", netns_active_});
    out.counters.push_back({"netns_dropped", netns_ ? netns_->dropped() : 0});
    out.counters.push_back({"netns_vanished", netns_vanished_});

    if (!missing.empty()) {
        status.code = sstop::CollectStatus::Code::Degraded;
        status.message = "procnet: incomplete read of /proc/net/{" + missing + "}";
    }
    return status;
}

}  // namespace sstop::plugins::procnet
