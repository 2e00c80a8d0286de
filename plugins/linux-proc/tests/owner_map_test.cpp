#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <linuxproc/owner_map.hpp>
#include <linuxproc/proc_parse.hpp>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace lp = sstop::plugins::linuxproc;

namespace {

// A fake procfs: <root>/<pid>/{stat,status,cmdline,fd/<n> -> socket:[inode]}.
class FakeProc {
  public:
    FakeProc() {
        std::string tmpl = (fs::temp_directory_path() / "sstop-fakeproc-XXXXXX").string();
        root_ = ::mkdtemp(tmpl.data());
    }
    ~FakeProc() {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    const fs::path& root() const { return root_; }

    void add_process(int pid, std::uint64_t start_time, std::uint32_t uid, const std::string& comm,
                     const std::vector<std::uint64_t>& inodes) {
        fs::path dir = root_ / std::to_string(pid);
        fs::create_directories(dir / "fd");
        std::ofstream(dir / "stat") << pid << " (" << comm << ") S 1 " << pid << " " << pid
                                    << " 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 " << start_time
                                    << " 1000 10 18446744073709551615\n";
        std::ofstream(dir / "status") << "Name:\t" << comm << "\nUid:\t" << uid << "\t" << uid
                                      << "\t" << uid << "\t" << uid << "\n";
        std::string cmdline =
            "/usr/bin/" + comm + std::string(1, '\0') + "--flag" + std::string(1, '\0');
        std::ofstream(dir / "cmdline") << cmdline;
        fs::create_symlink("/dev/null", dir / "fd" / "0");
        int fd = 3;
        for (std::uint64_t inode : inodes) add_socket(pid, fd++, inode);
    }
    void add_socket(int pid, int fd, std::uint64_t inode) {
        fs::create_symlink("socket:[" + std::to_string(inode) + "]",
                           root_ / std::to_string(pid) / "fd" / std::to_string(fd));
    }
    // /proc/<pid>/exe as a link to a file of the tree (each name its own inode).
    void set_exe(int pid, const std::string& file) {
        std::ofstream(root_ / file) << file;
        fs::path link = root_ / std::to_string(pid) / "exe";
        fs::remove(link);
        fs::create_symlink(root_ / file, link);
    }
    // What exec leaves behind: the same pid and start time, a new name, command line and exe.
    void exec(int pid, std::uint64_t start_time, const std::string& comm) {
        fs::path dir = root_ / std::to_string(pid);
        std::ofstream(dir / "stat") << pid << " (" << comm << ") S 1 " << pid << " " << pid
                                    << " 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 " << start_time
                                    << " 1000 10 18446744073709551615\n";
        std::ofstream(dir / "cmdline")
            << comm << std::string(1, '\0') << "run.py" << std::string(1, '\0');
        set_exe(pid, comm + ".bin");
    }
    void set_cgroup(int pid, const std::string& text) {
        std::ofstream(root_ / std::to_string(pid) / "cgroup") << text;
    }
    void remove_fd(int pid, int fd) {
        fs::remove(root_ / std::to_string(pid) / "fd" / std::to_string(fd));
    }
    void remove_process(int pid) { fs::remove_all(root_ / std::to_string(pid)); }
    // Moves a pid's directory aside, keeping it alive so a new one gets another inode number
    // (as the kernel gives a reused pid a new /proc dentry).
    void retire_process(int pid) {
        fs::rename(root_ / std::to_string(pid), root_ / ("old" + std::to_string(pid)));
    }

  private:
    fs::path root_;
};

sstop::SocketObs socket_with(std::uint64_t inode, std::uint32_t uid = 0) {
    sstop::SocketObs sock;
    sock.key.proto = sstop::Proto::Tcp;
    sock.inode = inode;
    sock.uid = uid;
    return sock;
}

sstop::Sample sample_of(const std::vector<std::uint64_t>& inodes, std::uint32_t uid = 0) {
    sstop::Sample sample;
    for (std::uint64_t inode : inodes) sample.sockets.push_back(socket_with(inode, uid));
    return sample;
}

lp::OwnerMapLimits never_rescan() {
    lp::OwnerMapLimits limits;
    limits.rescan_interval = std::chrono::hours(1);
    return limits;
}

// A clock the test moves by hand.
struct ManualClock {
    std::chrono::steady_clock::time_point now{};
    void advance_ms(int ms) { now += std::chrono::milliseconds(ms); }
    lp::OwnerMap::Clock fn() {
        return [this] { return now; };
    }
};

lp::OwnerMapLimits always_rescan() {
    lp::OwnerMapLimits limits;
    limits.rescan_interval = std::chrono::seconds(0);
    return limits;
}

}  // namespace

TEST(OwnerMap, AttributesSocketsAndListsEachOwnerOnce) {
    FakeProc proc;
    proc.add_process(100, 5000, 1000, "nginx", {1001, 1002});
    proc.add_process(200, 6000, 0, "sshd", {2001});
    lp::OwnerMap map(proc.root().string());

    sstop::Sample sample = sample_of({1001, 1002, 2001, 9999, 0});
    map.attribute(sample);

    EXPECT_EQ(sample.sockets[0].owner, (sstop::ProcessId{100, 5000}));
    EXPECT_EQ(sample.sockets[1].owner, (sstop::ProcessId{100, 5000}));
    EXPECT_EQ(sample.sockets[2].owner, (sstop::ProcessId{200, 6000}));
    EXPECT_EQ(sample.sockets[3].owner.pid, 0);
    EXPECT_EQ(sample.sockets[4].owner.pid, 0);
    ASSERT_EQ(sample.processes.size(), 2u);
    for (const sstop::ProcessInfo& info : sample.processes) {
        if (info.id.pid == 100) {
            EXPECT_EQ(info.name, "nginx");
            EXPECT_EQ(info.uid, 1000u);
            EXPECT_EQ(info.cmdline, "/usr/bin/nginx --flag");
            EXPECT_EQ(info.ppid, 1);
        } else {
            EXPECT_EQ(info.id, (sstop::ProcessId{200, 6000}));
            EXPECT_EQ(info.name, "sshd");
        }
    }
    EXPECT_EQ(map.owner_of(1002), (sstop::ProcessId{100, 5000}));
    EXPECT_FALSE(map.owner_of(9999));
}

TEST(OwnerMap, LeavesKnownOwnersAndListedProcessesAlone) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "a", {1001, 1002});
    lp::OwnerMap map(proc.root().string());
    sstop::Sample sample = sample_of({1001, 1002});
    sample.sockets[0].owner = sstop::ProcessId{42, 7};
    sample.processes.push_back(sstop::ProcessInfo{});
    sample.processes.back().id = sstop::ProcessId{100, 5000};
    map.attribute(sample);
    EXPECT_EQ(sample.sockets[0].owner, (sstop::ProcessId{42, 7}));
    EXPECT_EQ(sample.sockets[1].owner, (sstop::ProcessId{100, 5000}));
    EXPECT_EQ(sample.processes.size(), 1u);  // pid 100 was already listed
}

TEST(OwnerMap, SteadyStateRescansNothing) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "a", {1001});
    proc.add_process(200, 6000, 0, "b", {2001});
    lp::OwnerMap map(proc.root().string(), never_rescan());

    sstop::Sample first = sample_of({1001, 2001, 4242});
    map.attribute(first);
    const lp::OwnerMapStats before = map.stats();
    EXPECT_EQ(before.pids_scanned, 2u);

    // Same sockets, plus one nobody owns: nothing is read again.
    sstop::Sample second = sample_of({1001, 2001, 4242});
    map.attribute(second);
    const lp::OwnerMapStats after = map.stats();
    EXPECT_EQ(after.pids_scanned, before.pids_scanned);
    EXPECT_EQ(after.fds_read, before.fds_read);
    EXPECT_EQ(after.scans, 2u);
    EXPECT_EQ(second.sockets[0].owner.pid, 100);
    EXPECT_EQ(second.sockets[1].owner.pid, 200);
    EXPECT_EQ(second.processes.size(), 2u);
}

TEST(OwnerMap, NewProcessIsScannedWithoutRescanningKnownOnes) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "a", {1001});
    lp::OwnerMap map(proc.root().string(), never_rescan());
    sstop::Sample first = sample_of({1001});
    map.attribute(first);
    proc.add_process(300, 7000, 0, "c", {3001});
    sstop::Sample second = sample_of({1001, 3001});
    map.attribute(second);
    EXPECT_EQ(map.stats().pids_scanned, 2u);  // 100 once, 300 once
    EXPECT_EQ(second.sockets[1].owner, (sstop::ProcessId{300, 7000}));
}

TEST(OwnerMap, RateLimitsRescansForUnknownInodes) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "a", {1001});
    lp::OwnerMap map(proc.root().string(), never_rescan());
    sstop::Sample first = sample_of({1001});
    map.attribute(first);
    proc.add_socket(100, 9, 1009);  // a new socket in a known process
    sstop::Sample second = sample_of({1001, 1009});
    map.attribute(second);
    EXPECT_EQ(map.stats().pids_scanned, 1u);
    EXPECT_EQ(second.sockets[1].owner.pid, 0);  // found only after the interval
}

TEST(OwnerMap, NewSocketOfAKnownProcessIsFoundOnceTheIntervalPassed) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "a", {1001});
    ManualClock clock;
    lp::OwnerMap map(proc.root().string(), {}, clock.fn());  // 2 s interval
    sstop::Sample first = sample_of({1001});
    map.attribute(first);
    proc.add_socket(100, 9, 1009);

    clock.advance_ms(1000);
    sstop::Sample early = sample_of({1001, 1009});
    map.attribute(early);
    EXPECT_EQ(early.sockets[1].owner.pid, 0);
    EXPECT_EQ(map.stats().pids_scanned, 1u);

    clock.advance_ms(1000);
    sstop::Sample later = sample_of({1001, 1009});
    map.attribute(later);
    EXPECT_EQ(later.sockets[1].owner, (sstop::ProcessId{100, 5000}));
    EXPECT_EQ(map.stats().pids_scanned, 2u);
}

// An accepted socket appears in a process read just before accept() returned: its rescan
// interval would hide it. A hint (the listener's owner) reads that one process again at once;
// the owner still comes from its fd table, so a wrong hint names nobody.
TEST(OwnerMap, HintedProcessIsReadAgainBeforeItsInterval) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "server", {1001});
    proc.add_process(200, 6000, 0, "other", {2001});
    ManualClock clock;
    lp::OwnerMap map(proc.root().string(), never_rescan(), clock.fn());
    sstop::Sample first = sample_of({1001, 2001});
    map.attribute(first);
    proc.add_socket(100, 9, 1009);  // accept() returned in 100
    clock.advance_ms(100);

    sstop::Sample unhinted = sample_of({1009});
    map.attribute(unhinted);
    EXPECT_EQ(unhinted.sockets[0].owner.pid, 0);

    sstop::Sample wrong = sample_of({1009});
    map.attribute(wrong, {{1009, 200}});
    EXPECT_EQ(wrong.sockets[0].owner.pid, 0);  // 200 was read again: not there

    const auto scanned = map.stats().pids_scanned;
    sstop::Sample hinted = sample_of({1009});
    map.attribute(hinted, {{1009, 100}});
    EXPECT_EQ(hinted.sockets[0].owner, (sstop::ProcessId{100, 5000}));
    EXPECT_EQ(map.stats().pids_scanned, scanned + 1);  // only the hinted process
    ASSERT_EQ(hinted.processes.size(), 1u);
    EXPECT_EQ(hinted.processes[0].name, "server");
}

TEST(OwnerMap, UnattributableSocketBacksOffExponentially) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "a", {1001});
    proc.add_process(200, 6000, 0, "b", {2001});
    ManualClock clock;
    lp::OwnerMapLimits limits;
    limits.rescan_interval = std::chrono::seconds(2);
    limits.max_unattributed_backoff = std::chrono::seconds(8);
    lp::OwnerMap map(proc.root().string(), limits, clock.fn());

    // (time in ms, pids_scanned after the call): full rescans at 3, 5, 9, 17 s only.
    const std::vector<std::pair<int, std::uint64_t>> steps = {
        {0, 2},    {1000, 2},  {3000, 4},   {4000, 4},   {5000, 6},  {8000, 6},
        {9000, 8}, {16000, 8}, {17000, 10}, {24000, 10}, {25000, 12}};
    int at = 0;
    for (const auto& [time_ms, scanned] : steps) {
        clock.advance_ms(time_ms - at);
        at = time_ms;
        sstop::Sample sample = sample_of({1001, 2001, 4242});
        map.attribute(sample);
        EXPECT_EQ(map.stats().pids_scanned, scanned) << "at " << time_ms << " ms";
        EXPECT_EQ(sample.sockets[2].owner.pid, 0);
    }
    EXPECT_EQ(map.stats().unattributed, 1u);

    // Once a process holds it, it is found at the next retry and leaves the back-off list.
    proc.add_socket(200, 9, 4242);
    clock.advance_ms(8000);
    sstop::Sample found = sample_of({1001, 2001, 4242});
    map.attribute(found);
    EXPECT_EQ(found.sockets[2].owner, (sstop::ProcessId{200, 6000}));
    EXPECT_EQ(map.stats().unattributed, 0u);
}

TEST(OwnerMap, RescansProcessesOfTheSocketsUidFirst) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "root-daemon", {1001});
    proc.add_process(200, 6000, 1000, "user-app", {2001});
    lp::OwnerMap map(proc.root().string(), always_rescan());
    sstop::Sample first = sample_of({1001, 2001});
    map.attribute(first);
    ASSERT_EQ(map.stats().pids_scanned, 2u);

    proc.add_socket(200, 9, 2009);
    sstop::Sample second = sample_of({2009}, 1000);
    map.attribute(second);
    EXPECT_EQ(second.sockets[0].owner, (sstop::ProcessId{200, 6000}));
    EXPECT_EQ(map.stats().pids_scanned, 3u);  // only the uid-1000 process was read again
}

TEST(OwnerMap, RescanForgetsClosedSockets) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "a", {1001, 1002});  // fds 3 and 4
    lp::OwnerMap map(proc.root().string(), always_rescan());
    sstop::Sample first = sample_of({1001, 1002});
    map.attribute(first);
    ASSERT_TRUE(map.owner_of(1002));
    proc.remove_fd(100, 4);
    sstop::Sample second = sample_of({1001, 5555});  // 5555 unknown: forces a rescan
    map.attribute(second);
    EXPECT_FALSE(map.owner_of(1002));
    EXPECT_TRUE(map.owner_of(1001));
}

TEST(OwnerMap, ReusedPidWithNewStartTimeIsANewProcess) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "old", {1001});
    lp::OwnerMap map(proc.root().string(), never_rescan());
    sstop::Sample first = sample_of({1001});
    map.attribute(first);
    ASSERT_EQ(first.sockets[0].owner, (sstop::ProcessId{100, 5000}));

    proc.retire_process(100);
    proc.add_process(100, 9000, 0, "new", {3001});
    sstop::Sample second = sample_of({3001, 1001});
    map.attribute(second);
    EXPECT_EQ(second.sockets[0].owner, (sstop::ProcessId{100, 9000}));
    EXPECT_EQ(second.sockets[1].owner.pid, 0);  // the old process's socket is not the new one's
    EXPECT_FALSE(map.owner_of(1001));
    ASSERT_EQ(second.processes.size(), 1u);
    EXPECT_EQ(second.processes[0].name, "new");
}

TEST(OwnerMap, SkipsProcessesThatVanishOrCannotBeRead) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "a", {1001});
    // Listed but gone by the time it is opened.
    fs::create_symlink(proc.root() / "does-not-exist", proc.root() / "300");
    // Died between opening the directory and reading stat.
    fs::create_directories(proc.root() / "400" / "fd");
    // Readable stat but no fd directory (another user's process without privileges).
    proc.add_process(500, 8000, 0, "locked", {});
    fs::remove_all(proc.root() / "500" / "fd");
    // Not pids at all.
    fs::create_directories(proc.root() / "net");
    fs::create_directories(proc.root() / "12ab");

    lp::OwnerMap map(proc.root().string(), never_rescan());
    sstop::Sample sample = sample_of({1001, 4001});
    map.attribute(sample);
    EXPECT_EQ(sample.sockets[0].owner.pid, 100);
    EXPECT_EQ(sample.sockets[1].owner.pid, 0);
    EXPECT_EQ(map.stats().processes, 2u);  // 100 and 500

    // A process that exits is forgotten with its sockets.
    proc.remove_process(100);
    sstop::Sample again = sample_of({1001});
    map.attribute(again);
    EXPECT_EQ(again.sockets[0].owner.pid, 0);
    EXPECT_FALSE(map.owner_of(1001));
    EXPECT_EQ(map.stats().processes, 1u);
}

TEST(OwnerMap, StopsAddingProcessesAtTheBound) {
    FakeProc proc;
    for (int pid = 100; pid < 105; ++pid) proc.add_process(pid, 1000 + pid, 0, "p", {});
    lp::OwnerMapLimits limits = never_rescan();
    limits.max_processes = 3;
    lp::OwnerMap map(proc.root().string(), limits);
    sstop::Sample sample;
    map.attribute(sample);
    map.attribute(sample);
    EXPECT_EQ(map.stats().processes, 3u);
    EXPECT_GT(map.stats().processes_skipped, 0u);
    EXPECT_EQ(map.stats().pids_scanned, 3u);  // the skipped ones are not read every poll
}

TEST(OwnerMap, StopsAddingInodesAtTheBound) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "a", {1001, 1002, 1003, 1004});
    lp::OwnerMapLimits limits = never_rescan();
    limits.max_inodes = 2;
    lp::OwnerMap map(proc.root().string(), limits);
    sstop::Sample sample = sample_of({1001, 1002, 1003, 1004});
    map.attribute(sample);
    EXPECT_EQ(map.stats().inodes, 2u);
    EXPECT_EQ(map.stats().inodes_skipped, 2u);
}

TEST(OwnerMap, ForgetsInodesNotWantedForAWhile) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "a", {1001, 1002});
    lp::OwnerMapLimits limits = never_rescan();
    limits.forget_after_scans = 2;
    lp::OwnerMap map(proc.root().string(), limits);
    for (int i = 0; i < 4; ++i) {
        sstop::Sample sample = sample_of({1001});  // 1002 is never asked for (say, AF_UNIX)
        map.attribute(sample);
        EXPECT_EQ(sample.sockets[0].owner.pid, 100);
    }
    EXPECT_FALSE(map.owner_of(1002));
    EXPECT_TRUE(map.owner_of(1001));
    EXPECT_EQ(map.stats().inodes, 1u);
}

TEST(OwnerMap, MissingProcRootAttributesNothing) {
    lp::OwnerMap map("/nonexistent/sstop-proc");
    sstop::Sample sample = sample_of({1001});
    map.attribute(sample);
    EXPECT_EQ(sample.sockets[0].owner.pid, 0);
    EXPECT_TRUE(sample.processes.empty());
}

TEST(OwnerMap, FillsCgroupContainerAndUnitOfANewProcess) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "nginx", {1001});
    proc.set_cgroup(100,
                    "9:name=systemd:/system.slice/nginx.service\n"
                    "0::/system.slice/nginx.service\n");
    proc.add_process(200, 6000, 0, "app", {2001});
    proc.set_cgroup(200,
                    "0::/system.slice/docker-"
                    "3f4c2b1a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b.scope\n");
    proc.add_process(300, 7000, 0, "old", {3001});  // no cgroup file (no cgroups at all)
    lp::OwnerMap map(proc.root().string());
    sstop::Sample sample = sample_of({1001, 2001, 3001});
    map.attribute(sample);

    ASSERT_EQ(sample.processes.size(), 3u);
    for (const sstop::ProcessInfo& info : sample.processes) {
        SCOPED_TRACE(info.id.pid);
        if (info.id.pid == 100) {
            EXPECT_EQ(info.cgroup, "/system.slice/nginx.service");
            EXPECT_EQ(info.unit, "nginx.service");
            EXPECT_EQ(info.container, "");
        } else if (info.id.pid == 200) {
            EXPECT_EQ(info.container, "3f4c2b1a9e8d");
            EXPECT_EQ(info.unit, "");
        } else {
            EXPECT_EQ(info.name, "old");  // still attributed, cgroup fields empty
            EXPECT_EQ(info.cgroup, "");
            EXPECT_EQ(info.unit, "");
            EXPECT_EQ(info.container, "");
        }
    }
}

TEST(OwnerMap, CgroupIsReadOnceNotOnEveryRescan) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "a", {1001});
    proc.set_cgroup(100, "0::/system.slice/first.service\n");
    lp::OwnerMap map(proc.root().string(), always_rescan());
    sstop::Sample first = sample_of({1001});
    map.attribute(first);
    proc.set_cgroup(100, "0::/system.slice/second.service\n");
    proc.add_socket(100, 9, 1009);
    sstop::Sample second = sample_of({1009});
    map.attribute(second);
    ASSERT_EQ(second.sockets[0].owner.pid, 100);  // the fd directory was read again...
    ASSERT_EQ(second.processes.size(), 1u);
    EXPECT_EQ(second.processes[0].unit, "first.service");  // ...but not the cgroup
}

TEST(OwnerMap, LongCgroupFileIsCutToWholeLines) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "a", {1001});
    // The v2 line comes first; a v1 line longer than the read cap follows and is cut.
    proc.set_cgroup(100, "0::/system.slice/kept.service\n4:memory:/" +
                             std::string(lp::kMaxCgroupFile, 'm') + "/cut.service\n");
    proc.add_process(200, 6000, 0, "b", {2001});
    // Only a cut line: its path would end mid-name, so nothing is taken from it.
    proc.set_cgroup(200, "4:memory:/" + std::string(lp::kMaxCgroupFile, 'm') + "/x.service\n");
    lp::OwnerMap map(proc.root().string());
    sstop::Sample sample = sample_of({1001, 2001});
    map.attribute(sample);
    ASSERT_EQ(sample.processes.size(), 2u);
    for (const sstop::ProcessInfo& info : sample.processes) {
        SCOPED_TRACE(info.id.pid);
        if (info.id.pid == 100) {
            EXPECT_EQ(info.unit, "kept.service");
            EXPECT_EQ(info.cgroup, "/system.slice/kept.service");
        } else {
            EXPECT_EQ(info.cgroup, "");
            EXPECT_EQ(info.unit, "");
        }
    }
}

TEST(OwnerMap, ExecedProcessGetsItsNewNameAtTheNextCall) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "bash", {1001});
    proc.set_exe(100, "bash.bin");
    lp::OwnerMap map(proc.root().string(), never_rescan());
    sstop::Sample first = sample_of({1001});
    map.attribute(first);
    ASSERT_EQ(first.processes.size(), 1u);
    EXPECT_EQ(first.processes[0].name, "bash");

    proc.exec(100, 5000, "python3");
    sstop::Sample second = sample_of({1001});
    map.attribute(second);
    ASSERT_EQ(second.processes.size(), 1u);
    EXPECT_EQ(second.processes[0].name, "python3");
    EXPECT_EQ(second.processes[0].cmdline, "python3 run.py");
    EXPECT_EQ(second.sockets[0].owner, (sstop::ProcessId{100, 5000}));
    EXPECT_EQ(map.stats().exec_rereads, 1u);
}

// Read in the middle of execve, a process has no command line yet; with the same exe after
// (a shell exec'ing a shell), only that empty line says it must be read again.
TEST(OwnerMap, CommandLineReadEmptyIsReadAgainAtTheNextCall) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "bash", {1001});
    proc.set_exe(100, "bash.bin");
    std::ofstream(proc.root() / "100" / "cmdline", std::ios::trunc);  // mid-exec: empty
    lp::OwnerMap map(proc.root().string(), never_rescan());
    sstop::Sample first = sample_of({1001});
    map.attribute(first);
    ASSERT_EQ(first.processes.size(), 1u);
    EXPECT_EQ(first.processes[0].cmdline, "");
    const std::uint64_t rereads = map.stats().exec_rereads;  // listed: looked at once more

    std::ofstream(proc.root() / "100" / "cmdline")
        << "bash" << std::string(1, '\0') << "marker-B" << std::string(1, '\0');
    sstop::Sample second = sample_of({1001});
    map.attribute(second);
    ASSERT_EQ(second.processes.size(), 1u);
    EXPECT_EQ(second.processes[0].cmdline, "bash marker-B");
    EXPECT_EQ(second.processes[0].id, (sstop::ProcessId{100, 5000}));
    EXPECT_EQ(map.stats().exec_rereads, rereads + 1);

    // Read once it has one: not again.
    sstop::Sample third = sample_of({1001});
    map.attribute(third);
    EXPECT_EQ(third.processes[0].cmdline, "bash marker-B");
    EXPECT_EQ(map.stats().exec_rereads, rereads + 1);
}

TEST(OwnerMap, ProcessThatDidNotExecIsNotReadAgain) {
    FakeProc proc;
    proc.add_process(100, 5000, 0, "bash", {1001});
    proc.set_exe(100, "bash.bin");
    lp::OwnerMap map(proc.root().string(), never_rescan());
    sstop::Sample first = sample_of({1001});
    map.attribute(first);
    // A new stat line with the same exe (prctl rename, or just time passing) costs nothing:
    // only the exe's identity is compared.
    std::ofstream(proc.root() / "100" / "stat")
        << "100 (renamed) S 1 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5000 1000 10 1\n";
    for (int i = 0; i < 3; ++i) {
        sstop::Sample next = sample_of({1001});
        map.attribute(next);
        ASSERT_EQ(next.processes.size(), 1u);
        EXPECT_EQ(next.processes[0].name, "bash");
    }
    EXPECT_EQ(map.stats().exec_rereads, 0u);
}
