// NetlinkSource: other network namespaces (entered with setns on a helper thread, or read
// through /proc/<pid>/net when they cannot be), and the sockets only procfs lists.

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <linuxproc/file_io.hpp>
#include <sstop/unique_fd.hpp>
#include <string>

#include "netlink_socket.hpp"
#include "netlink_source.hpp"
#include "proc_net_parser.hpp"

namespace sstop::plugins::netlink {

void NetlinkSource::sync_namespaces(bool at_open) {
    const std::vector<linuxproc::NetnsEntry>& list = netns_->namespaces();
    auto listed = [&](std::uint64_t inode) {
        return std::binary_search(list.begin(), list.end(), linuxproc::NetnsEntry{inode, 0},
                                  [](const linuxproc::NetnsEntry& a,
                                     const linuxproc::NetnsEntry& b) { return a.inode < b.inode; });
    };
    // No process left in it: closing our sockets lets the kernel free the namespace.
    std::erase_if(foreign_, [&](const auto& kv) { return !listed(kv.first); });
    std::erase_if(unreachable_, [&](std::uint64_t inode) { return !listed(inode); });
    std::uint64_t refused = 0;
    for (const linuxproc::NetnsEntry& n : list) {
        if (n.inode == identity_.own || foreign_.count(n.inode) || unreachable_.count(n.inode))
            continue;
        EnteredNamespace e =
            enter_namespace(settings_.proc_root + "/" + std::to_string(n.pid) + "/ns/net", n.inode,
                            settings_.destroy_events, settings_.rcvbuf);
        if (e.error == 0) {
            ForeignNetns f;
            f.diag = std::move(e.diag);
            f.destroy = std::move(e.destroy);
            f.destroy_rcvbuf = settings_.rcvbuf;
            foreign_.emplace(n.inode, std::move(f));
        } else if (e.error == EPERM || e.error == EACCES) {
            // Privileges do not come back: not retried while the namespace lives.
            unreachable_.insert(n.inode);
            ++netns_unreachable_;
            ++refused;
        } else if (e.error == EMFILE || e.error == ENFILE) {
            // Out of file descriptors (two per namespace): retrying every collect would only
            // spawn helper threads that fail the same way.
            unreachable_.insert(n.inode);
            ++netns_unreachable_;
        }
        // Anything else (the process died, no memory): tried again next collect.
    }
    if (refused == 0 || unreachable_noticed_) return;
    unreachable_noticed_ = true;
    const std::string n = std::to_string(refused);
    log(Notice::Level::Warning,
        at_open ? "netlink: " + n +
                      " network namespaces cannot be entered without CAP_SYS_ADMIN; their "
                      "sockets are not shown"
                : "netlink: " + n +
                      " network namespaces appeared after start and cannot be entered without "
                      "CAP_SYS_ADMIN; their sockets are read through /proc/<pid>/net (owners, "
                      "bytes from afpacket flows, no tcp_info)");
}

void NetlinkSource::dump_other_namespaces(std::vector<SocketObs>& live,
                                          std::vector<std::string>& degraded) {
    // A failure there degrades the sample, never fails it. A socket that failed is closed;
    // the namespace is entered again next collect if it still can be.
    std::size_t foreign_failed = 0;
    for (auto it = foreign_.begin(); it != foreign_.end();) {
        bool ok = true;
        for (std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
            for (std::uint8_t protocol : {std::uint8_t{IPPROTO_TCP}, std::uint8_t{IPPROTO_UDP}}) {
                if (!ok) break;
                DumpResult r = dump_sockets(it->second.diag, it->first, family, protocol, live);
                ok = r.ok || protocol == IPPROTO_UDP;
                if (r.ok && !it->second.diag) ok = false;
            }
        }
        if (ok && it->second.diag) {
            ++it;
        } else {
            ++foreign_failed;
            it = foreign_.erase(it);
        }
    }
    if (foreign_failed)
        degraded.push_back(std::to_string(foreign_failed) +
                           " other network namespace(s) could not be dumped");
}

void NetlinkSource::read_procfs_sockets(std::vector<SocketObs>& live) {
    {
        UniqueFd root(::open(settings_.proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (root.get() >= 0) read_proc_sockets(root.get(), 0, false, live);
    }
    read_unreachable_namespaces(live);
}

bool NetlinkSource::read_proc_sockets(int dir_fd, std::uint64_t netns, bool inet,
                                      std::vector<SocketObs>& out) {
    // Ping sockets (SOCK_DGRAM, IPPROTO_ICMP{,V6}) are in no sock_diag table, and raw_diag
    // listed nothing on this project's kernels for a raw socket `ss` shows from procfs; procfs
    // lists both (a ping socket's local port is its echo id, a raw socket's is its protocol).
    // With `inet`, TCP and UDP too: a namespace sock_diag cannot enter (no bytes there).
    struct Table {
        const char* name;
        Proto proto;
        Family family;
        bool inet;
    };
    static constexpr Table kTables[] = {
        {"net/tcp", Proto::Tcp, Family::V4, true},
        {"net/tcp6", Proto::Tcp, Family::V6, true},
        {"net/udp", Proto::Udp, Family::V4, true},
        {"net/udp6", Proto::Udp, Family::V6, true},
        {"net/icmp", Proto::Icmp, Family::V4, false},
        {"net/icmp6", Proto::Icmpv6, Family::V6, false},
        {"net/raw", Proto::Unknown, Family::V4, false},
        {"net/raw6", Proto::Unknown, Family::V6, false},
    };
    const std::size_t first = out.size();
    for (const Table& t : kTables) {
        if (t.inet && !inet) continue;
        if (!linuxproc::read_at(dir_fd, t.name, ping_buffer_, kMaxPingTableBytes)) {
            if (t.inet && t.family == Family::V4) {
                out.resize(first);  // the process left: the namespace is read next time
                return false;
            }
            continue;  // not on this kernel (no IPv6, no ping sockets)
        }
        procnet::ProcNetParse parsed = procnet::parse_proc_net(ping_buffer_, t.proto, t.family);
        malformed_ += parsed.malformed;
        for (SocketObs& obs : parsed.sockets) {
            obs.key.netns = netns;
            out.push_back(obs);  // no byte counters in procfs: has_bytes stays false
        }
    }
    return true;
}

void NetlinkSource::read_unreachable_namespaces(std::vector<SocketObs>& out) {
    netns_via_proc_ = 0;
    if (unreachable_.empty()) return;
    for (const linuxproc::NetnsEntry& n : netns_->namespaces()) {
        if (!unreachable_.count(n.inode)) continue;
        // One directory fd pins the process: a pid reused meanwhile fails instead of being
        // read as the newcomer's namespace.
        UniqueFd dir(::open((settings_.proc_root + "/" + std::to_string(n.pid)).c_str(),
                            O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        struct stat st {};
        if (dir.get() < 0 || ::fstatat(dir.get(), "ns/net", &st, 0) != 0 || st.st_ino != n.inode)
            continue;
        if (read_proc_sockets(dir.get(), n.inode, true, out)) ++netns_via_proc_;
    }
}

}  // namespace sstop::plugins::netlink
