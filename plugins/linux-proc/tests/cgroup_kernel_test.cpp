// Against the real kernel (root): a process moved into a cgroup made by the test shows that
// cgroup as its unit. Label: integration.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <linuxproc/owner_map.hpp>
#include <string>
#include <utility>

namespace lp = sstop::plugins::linuxproc;

namespace {

// A cgroup directory that is removed (rmdir) when the test ends, however it ends.
class TestCgroup {
  public:
    // Tries each hierarchy in turn; `error()` says why none worked.
    TestCgroup(const std::string& name, std::initializer_list<const char*> hierarchies) {
        for (const char* hierarchy : hierarchies) {
            std::string dir = std::string(hierarchy) + "/" + name;
            if (::mkdir(dir.c_str(), 0755) == 0) {
                path_ = std::move(dir);
                return;
            }
            error_ += dir + ": " + std::strerror(errno) + "; ";
        }
    }
    ~TestCgroup() {
        if (!path_.empty()) ::rmdir(path_.c_str());
    }
    TestCgroup(const TestCgroup&) = delete;
    TestCgroup& operator=(const TestCgroup&) = delete;
    const std::string& path() const { return path_; }
    const std::string& error() const { return error_; }

  private:
    std::string path_;
    std::string error_;
};

// A child that only waits for SIGKILL, holding the socket it inherited; killed and reaped
// when the test ends, so the cgroup is empty again before it is removed.
class SleepingChild {
  public:
    explicit SleepingChild(int keep_fd) {
        pid_ = ::fork();
        if (pid_ == 0) {
            (void)keep_fd;
            for (;;) ::pause();
        }
    }
    ~SleepingChild() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    SleepingChild(const SleepingChild&) = delete;
    SleepingChild& operator=(const SleepingChild&) = delete;
    pid_t pid() const { return pid_; }

  private:
    pid_t pid_ = -1;
};

}  // namespace

TEST(CgroupKernel, ProcessInATestScopeHasThatScopeAsItsUnit) {
    const std::string name = "sstop-test-" + std::to_string(::getpid()) + ".scope";
    TestCgroup cgroup(name, {"/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"});
    if (cgroup.path().empty()) GTEST_SKIP() << "no writable cgroup hierarchy: " << cgroup.error();

    // The socket identifies the child to OwnerMap; the parent closes its copy so the child is
    // its only owner.
    int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(sock, 0) << std::strerror(errno);
    struct stat st {};
    ASSERT_EQ(::fstat(sock, &st), 0);
    SleepingChild child(sock);
    ::close(sock);
    ASSERT_GT(child.pid(), 0) << std::strerror(errno);

    {
        std::ofstream procs(cgroup.path() + "/cgroup.procs");
        procs << child.pid() << std::flush;
        if (!procs) GTEST_SKIP() << "cannot write " << cgroup.path() << "/cgroup.procs";
    }

    lp::OwnerMap map("/proc");
    sstop::Sample sample;
    sstop::SocketObs obs;
    obs.key.proto = sstop::Proto::Udp;
    obs.inode = static_cast<std::uint64_t>(st.st_ino);
    sample.sockets.push_back(obs);
    map.attribute(sample);

    ASSERT_EQ(sample.sockets[0].owner.pid, child.pid());
    ASSERT_EQ(sample.processes.size(), 1u);
    const sstop::ProcessInfo& info = sample.processes[0];
    EXPECT_EQ(info.unit, name);
    EXPECT_TRUE(info.cgroup.ends_with("/" + name)) << info.cgroup;
    EXPECT_EQ(info.container, "");
}
