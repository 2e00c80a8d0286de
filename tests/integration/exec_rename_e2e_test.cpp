// A process that execs keeps its pid and its sockets but not its name: sstop must show the
// new name and command line within one update, not the name read before the exec (a shell's
// child showed as `bash` for good).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "netns.hpp"
#include "snapshot_json.hpp"

namespace sstop::testing {
namespace {

using json = nlohmann::json;

std::string comm_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(in, name);
    return name;
}

TEST(ExecRenameE2E, AProcessThatExecsShowsItsNewNameWithinOneUpdate) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    NetnsPair net("exec");
    Gate go;
    Child sink(net.b, "exec-sink", [](const auto& ready) {
        const int l = tcp_listen(NetnsPair::kAddrB4, 7301);
        ready();
        const int c = tcp_accept(l);
        while (read_exactly(c, 65536) > 0) {
        }
        pause();
    });
    Child holder(net.a, "exec-before", [&go](const auto& ready) {
        const int s = tcp_connect(NetnsPair::kAddrB4, 7301);
        write_exactly(s, 100000);
        ::fcntl(s, F_SETFD, 0);  // the connection survives the exec
        ready();
        go.wait();
        ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
        _exit(97);
    });

    SstopRun sstop(net.a, {"--sources", "netlink", "--interval", "300ms", "--count", "60"});
    ASSERT_TRUE(sstop.wait_for_seq(2, std::chrono::seconds(20))) << sstop.errors();
    const json first = sstop.snapshots().back();
    const json* before = find_process(first, holder.pid());
    ASSERT_NE(before, nullptr) << first.dump();
    EXPECT_EQ((*before)["name"], "exec-before");

    go.fire();
    for (int i = 0; i < 500 && comm_of(holder.pid()) != "sleep"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(comm_of(holder.pid()), "sleep");
    // The snapshot being collected may have read the process just before the exec; the one
    // after it starts after the exec.
    const int exec_seq = sstop.snapshots().back()["seq"].get<int>();
    ASSERT_TRUE(sstop.wait_for_seq(exec_seq + 2, std::chrono::seconds(10))) << sstop.errors();
    json after;
    for (const json& s : sstop.snapshots())
        if (s["seq"].get<int>() == exec_seq + 2) after = s;
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();

    const json* p = find_process(after, holder.pid());
    ASSERT_NE(p, nullptr) << after.dump();
    EXPECT_EQ((*p)["name"], "sleep");
    EXPECT_EQ((*p)["cmdline"], "sleep 60");
    EXPECT_EQ((*p)["connections"], 1) << "the connection is still the process's";
}

}  // namespace
}  // namespace sstop::testing
