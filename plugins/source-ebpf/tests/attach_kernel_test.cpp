// Real kernel (root): source-ebpf's programs hang on BPF links that only the sstop process
// holds. Killed with SIGKILL (no destructor runs), it leaves nothing attached: the links go
// with its file descriptors, and the cgroup's sockops hook no longer lists its program.
#include <bpf/bpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "ebpf_source.hpp"
#include "netns.hpp"

namespace sstop::plugins::ebpf {
namespace {

using namespace std::chrono_literals;

// link_id and prog_id of every BPF link among the process's file descriptors.
void links_of(pid_t pid, std::set<std::uint32_t>& links, std::set<std::uint32_t>& progs) {
    const std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
    DIR* d = opendir(dir.c_str());
    if (!d) return;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::ifstream in(dir + "/" + e->d_name);
        std::string line;
        std::uint32_t link = 0;
        std::uint32_t prog = 0;
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string key;
            fields >> key;
            if (key == "link_id:") fields >> link;
            if (key == "prog_id:") fields >> prog;
        }
        if (link != 0) {
            links.insert(link);
            if (prog != 0) progs.insert(prog);
        }
    }
    closedir(d);
}

// Program ids attached to the cgroup's sockops hook (through links or not).
std::set<std::uint32_t> sockops_programs(int cgroup_fd) {
    std::uint32_t ids[256];
    std::uint32_t count = 256;
    std::uint32_t flags = 0;
    std::set<std::uint32_t> out;
    if (bpf_prog_query(cgroup_fd, BPF_CGROUP_SOCK_OPS, 0, &flags, ids, &count) == 0)
        out.insert(ids, ids + count);
    return out;
}

bool link_exists(std::uint32_t id) {
    int fd = bpf_link_get_fd_by_id(id);
    if (fd < 0) return false;
    close(fd);
    return true;
}

TEST(EbpfAttachKernel, SigkillLeavesNothingAttached) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)";
    std::ifstream mounts_in("/proc/mounts");
    std::stringstream mounts;
    mounts << mounts_in.rdbuf();
    auto root = find_cgroup2(mounts.str());
    ASSERT_TRUE(root) << "no cgroup v2 hierarchy on this machine";
    int cgroup_fd = open(root->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(cgroup_fd, 0);

    testing::SstopRun sstop(
        {"--sources", "ebpf", "--json", "--interval", "200ms", "--count", "300", "--no-dns"});
    ASSERT_TRUE(sstop.wait_for_seq(1, 20s)) << sstop.errors();
    const pid_t pid = sstop.pid();
    ASSERT_GT(pid, 0);
    std::set<std::uint32_t> links;
    std::set<std::uint32_t> progs;
    links_of(pid, links, progs);
    // sock_create, sock_release, sockops, and the tracepoints: send, receive, TCP state and
    // TCP's receive-space adjustment.
    EXPECT_EQ(links.size(), 7u) << sstop.errors();
    std::set<std::uint32_t> attached = sockops_programs(cgroup_fd);
    std::size_t ours = 0;
    for (std::uint32_t p : progs) ours += attached.count(p);
    EXPECT_EQ(ours, 1u) << "sstop's sockops program is attached to " << *root;

    ASSERT_EQ(kill(pid, SIGKILL), 0);  // our own child, by pid
    EXPECT_NE(sstop.stop(), 0) << "killed, not exited";

    // The kernel releases links when the last fd closes; allow for deferred freeing.
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
        gone = true;
        for (std::uint32_t l : links) gone = gone && !link_exists(l);
        attached = sockops_programs(cgroup_fd);
        for (std::uint32_t p : progs) gone = gone && attached.count(p) == 0;
        if (!gone) std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(gone) << "a link or program of the killed sstop is still attached";
    for (std::uint32_t l : links) EXPECT_FALSE(link_exists(l)) << "link " << l;
    close(cgroup_fd);
}

}  // namespace
}  // namespace sstop::plugins::ebpf
