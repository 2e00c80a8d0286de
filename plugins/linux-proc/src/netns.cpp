#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <linuxproc/file_io.hpp>
#include <linuxproc/netns.hpp>
#include <linuxproc/number.hpp>
#include <linuxproc/proc_parse.hpp>
#include <memory>
#include <string_view>

namespace sstop::plugins::linuxproc {
namespace {

// More pids than the kernel can ever have (PID_MAX_LIMIT); bounds a standalone pass.
constexpr std::size_t kMaxListed = 1u << 22;
// Distinct dropped namespaces told apart per pass; past it every further pid counts.
constexpr std::size_t kMaxDroppedTracked = 65536;

struct DirCloser {
    void operator()(DIR* dir) const { ::closedir(dir); }
};

}  // namespace

std::uint64_t netns_inode(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return 0;
    return st.st_ino;
}

std::optional<NamespacesMode> parse_namespaces_mode(std::string_view text) {
    if (text == "auto") return NamespacesMode::Auto;
    if (text == "own") return NamespacesMode::Own;
    if (text == "all") return NamespacesMode::All;
    return std::nullopt;
}

bool dumps_all_namespaces(NamespacesMode mode, const NetnsIdentity& id) {
    switch (mode) {
        case NamespacesMode::All:
            return true;
        case NamespacesMode::Own:
            return false;
        case NamespacesMode::Auto:
            break;
    }
    return id.in_initial();
}

NetnsIdentity read_netns_identity(const std::string& proc_root) {
    NetnsIdentity id;
    id.own = netns_inode(proc_root + "/self/ns/net");
    id.initial = netns_inode(proc_root + "/1/ns/net");
    if (id.initial == 0) {
        // Kernel threads live in the initial namespaces; kthreadd is pid 2 with parent 0
        // (inside a pid namespace pid 2 is an ordinary process, so check the parent).
        std::string text;
        if (read_at(AT_FDCWD, (proc_root + "/2/stat").c_str(), text, 4096)) {
            auto st = parse_stat(text);
            if (st && st->ppid == 0) id.initial = netns_inode(proc_root + "/2/ns/net");
        }
    }
    return id;
}

NetnsEnumerator::NetnsEnumerator(std::size_t max_namespaces) : max_(max_namespaces) {}

void NetnsEnumerator::begin() {
    pass_.clear();
    over_.clear();
    pass_dropped_ = 0;
    pass_unreadable_ = 0;
}

void NetnsEnumerator::observe(int root_fd, std::int32_t pid) {
    char path[40];
    std::size_t n = format_decimal(static_cast<std::uint32_t>(pid), path);
    std::string_view tail = "/ns/net";
    std::copy(tail.begin(), tail.end(), path + n);
    path[n + tail.size()] = '\0';
    struct stat st {};
    if (::fstatat(root_fd, path, &st, 0) != 0) {
        ++pass_unreadable_;
        return;
    }
    const std::uint64_t inode = st.st_ino;
    auto it = pass_.find(inode);
    if (it == pass_.end()) {
        if (pass_.size() >= max_) {
            if (over_.size() < kMaxDroppedTracked) {
                if (over_.insert(inode).second) ++pass_dropped_;
            } else {
                ++pass_dropped_;
            }
            return;
        }
        pass_.emplace(inode, pid);
        return;
    }
    // The pid that represented it last pass stays while it is still in it, so the pid the
    // caller entered the namespace through does not hop around between passes; else the
    // lowest pid, usually the namespace's oldest process.
    auto prev = previous_.find(inode);
    const bool had_previous = prev != previous_.end();
    if (had_previous && it->second == prev->second) return;
    if ((had_previous && prev->second == pid) || pid < it->second) it->second = pid;
}

void NetnsEnumerator::end() {
    namespaces_.clear();
    namespaces_.reserve(pass_.size());
    for (const auto& [inode, pid] : pass_) namespaces_.push_back({inode, pid});
    std::sort(namespaces_.begin(), namespaces_.end(),
              [](const NetnsEntry& a, const NetnsEntry& b) { return a.inode < b.inode; });
    previous_.swap(pass_);
    pass_.clear();
    over_.clear();
    dropped_ = pass_dropped_;
    unreadable_ = pass_unreadable_;
    ++passes_;
}

bool NetnsEnumerator::scan(const std::string& proc_root) {
    std::unique_ptr<DIR, DirCloser> dir(::opendir(proc_root.c_str()));
    if (!dir) return false;
    const int root_fd = ::dirfd(dir.get());
    begin();
    std::size_t listed = 0;
    while (dirent* entry = ::readdir(dir.get())) {
        auto pid = parse_pid_name(entry->d_name);
        if (!pid) continue;
        if (++listed > kMaxListed) break;
        observe(root_fd, *pid);
    }
    end();
    return true;
}

}  // namespace sstop::plugins::linuxproc
