// Privileges: the notice text, and what drop_privileges really leaves behind. Dropping is
// irreversible, so every drop happens in a forked child that reports facts back through a
// pipe; the parent asserts on them. Tests that drop need an elevated run (skipped otherwise).

#include "app/privileges.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace sstop::host {
namespace {

constexpr std::uint64_t kDacReadSearch = 1ull << 2;
constexpr std::uint64_t kKill = 1ull << 5;
constexpr std::uint64_t kSysPtrace = 1ull << 19;

/// Runs `body` in a forked child; returns what it wrote ("key=value" lines) as a map.
std::map<std::string, std::string> in_child(const std::function<std::string()>& body) {
    int fds[2];
    if (::pipe(fds) != 0) return {{"error", "pipe"}};
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        const std::string out = body();
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = ::write(fds[1], out.data() + done, out.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::map<std::string, std::string> facts;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find('=');
        if (eq != std::string::npos) facts[line.substr(0, eq)] += line.substr(eq + 1);
    }
    facts["exit"] = std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return facts;
}

/// "CapEff" etc. of one thread's status file, as numbers (NoNewPrivs too).
std::map<std::string, std::uint64_t> creds_of(const std::string& status_path) {
    std::map<std::string, std::uint64_t> out;
    std::ifstream in(status_path);
    std::string line;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const std::string key = line.substr(0, colon);
        if (key.rfind("Cap", 0) == 0)
            out[key] = std::strtoull(line.c_str() + colon + 1, nullptr, 16);
        if (key == "NoNewPrivs") out[key] = std::strtoull(line.c_str() + colon + 1, nullptr, 10);
    }
    return out;
}

/// Every thread's credentials, checked against `allowed`; one line per offending thread.
std::string threads_outside(std::uint64_t allowed, const std::string& prefix = "") {
    std::string bad;
    int threads = 0;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        ++threads;
        auto c = creds_of(task.path().string() + "/status");
        const bool ok = (c["CapEff"] & ~allowed) == 0 && (c["CapPrm"] & ~allowed) == 0 &&
                        (c["CapBnd"] & ~allowed) == 0 && c["CapAmb"] == 0 && c["CapInh"] == 0 &&
                        c["NoNewPrivs"] == 1;
        if (!ok) bad += "thread " + task.path().filename().string() + " ";
    }
    return prefix + "threads=" + std::to_string(threads) + "\n" + prefix + "bad=" + bad + "\n";
}

/// A process of user 65534 holding a socket; killed and reaped on destruction.
class NobodyWithSocket {
  public:
    NobodyWithSocket() {
        int ready[2];
        if (::pipe(ready) != 0) return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(ready[0]);
            if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(1);
            const int s = ::socket(AF_INET, SOCK_DGRAM, 0);
            (void)s;
            const char one = 1;
            (void)!::write(ready[1], &one, 1);
            ::pause();
            ::_exit(0);
        }
        ::close(ready[1]);
        char c = 0;
        (void)!::read(ready[0], &c, 1);
        ::close(ready[0]);
    }
    ~NobodyWithSocket() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    pid_t pid() const { return pid_; }

  private:
    pid_t pid_ = -1;
};

/// How many of `pid`'s descriptors read as "socket:[…]" from here (-errno if unreadable).
int sockets_seen(pid_t pid) {
    std::error_code ec;
    std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
    if (ec) return -ec.value();
    int n = 0;
    for (const std::filesystem::directory_iterator end; it != end; it.increment(ec)) {
        if (ec) return -ec.value();
        const auto target = std::filesystem::read_symlink(it->path(), ec);
        if (ec) return -ec.value();
        if (target.string().rfind("socket:[", 0) == 0) ++n;
    }
    return n;
}

TEST(Privileges, CapabilitiesNeededAddKillOnlyWhenInteractive) {
    EXPECT_EQ(capabilities_needed(false),
              (std::vector<std::string>{"dac_read_search", "sys_ptrace"}));
    EXPECT_EQ(capabilities_needed(true),
              (std::vector<std::string>{"dac_read_search", "sys_ptrace", "kill"}));
}

TEST(Privileges, NoticeSaysWhatIsOffAndNamesTheSetcapLine) {
    const std::string setcap =
        "to enable: sudo setcap cap_net_raw,cap_dac_read_search,cap_sys_ptrace+ep /opt/bin/sstop";
    EXPECT_EQ(unprivileged_notice(true, true, "/opt/bin/sstop"), "");
    EXPECT_EQ(unprivileged_notice(false, false, "/opt/bin/sstop"),
              "running without privileges: per-process UDP bytes and traffic of other users' "
              "processes are off; " +
                  setcap);
    EXPECT_EQ(unprivileged_notice(false, true, "/opt/bin/sstop"),
              "running without CAP_NET_RAW: per-process UDP bytes are off; " + setcap);
    EXPECT_EQ(unprivileged_notice(true, false, "/opt/bin/sstop"),
              "running without CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE: traffic of other users' "
              "processes is off; " +
                  setcap);
    EXPECT_NE(unprivileged_notice(false, false, "").find("<path of sstop>"), std::string::npos);
}

TEST(Privileges, ElevatedWhenRootOrHoldingAnyCapability) {
    const auto facts = in_child([] {
        std::string out = "before=" + std::to_string(running_elevated()) + "\n";
        if (::geteuid() == 0) {
            // Nobody, but with one capability still effective: still elevated.
            ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
            if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)
                return std::string("error=setresuid\n");
            out += "nobody_no_caps=" + std::to_string(running_elevated()) + "\n";
        }
        return out;
    });
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    EXPECT_EQ(facts.at("before"), "1");
    // After setresuid to non-zero uids the effective set is cleared, permitted kept (KEEPCAPS):
    // a process with permitted capabilities can raise them again, so it is still elevated.
    EXPECT_EQ(facts.at("nobody_no_caps"), "1");
    const auto plain = in_child([] {
        if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)
            return std::string("error=setresuid\n");
        return "plain=" + std::to_string(running_elevated()) + "\n";
    });
    EXPECT_EQ(plain.at("plain"), "0") << "an ordinary user is not elevated";
}

TEST(Privileges, DropLeavesOnlyTheKeptCapabilitiesInEveryThread) {
    if (!running_elevated() || !has_capability("setpcap")) GTEST_SKIP() << "needs root";
    const auto facts = in_child([] {
        // Threads that exist before the drop, one of them blocking most signals like the
        // host's signal thread does.
        std::atomic<bool> stop{false};
        std::thread plain([&] {
            while (!stop.load()) std::this_thread::yield();
        });
        std::thread blocking([&] {
            sigset_t set;
            sigfillset(&set);
            sigdelset(&set, SIGRTMIN + 4);
            pthread_sigmask(SIG_BLOCK, &set, nullptr);
            while (!stop.load()) std::this_thread::yield();
        });
        const PrivilegeReport report = drop_privileges(capabilities_needed(false));
        std::string out = "elevated=" + std::to_string(report.elevated) + "\nkept=" + report.kept +
                          "\nnotes=" + std::to_string(report.notes.size()) + "\n";
        out += threads_outside(kDacReadSearch | kSysPtrace);
        out += "describe=" + describe_capabilities() + "\n";
        out += "net_raw=" + std::to_string(has_capability("net_raw")) + "\n";
        const int s = ::socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
        out += "packet_socket_errno=" + std::to_string(s < 0 ? errno : 0) + "\n";
        // Threads made after the drop inherit the reduced sets.
        std::thread later([&] { out += threads_outside(kDacReadSearch | kSysPtrace, "later_"); });
        later.join();
        stop = true;
        plain.join();
        blocking.join();
        return out;
    });
    ASSERT_EQ(facts.count("elevated"), 1u) << "child exit " << facts.at("exit");
    EXPECT_EQ(facts.at("elevated"), "1");
    EXPECT_EQ(facts.at("kept"), "dac_read_search,sys_ptrace");
    EXPECT_EQ(facts.at("notes"), "0");
    EXPECT_EQ(facts.at("threads"), "3");
    EXPECT_EQ(facts.at("bad"), "") << "a thread kept more than it should";
    EXPECT_EQ(facts.at("later_bad"), "");
    EXPECT_EQ(facts.at("describe"), "capabilities kept: dac_read_search,sys_ptrace");
    EXPECT_EQ(facts.at("net_raw"), "0");
    EXPECT_EQ(facts.at("packet_socket_errno"), std::to_string(EPERM));
}

TEST(Privileges, KillIsKeptWhenInteractiveAndNothingWhenAskedForNothing) {
    if (!running_elevated() || !has_capability("setpcap")) GTEST_SKIP() << "needs root";
    const auto interactive = in_child([] {
        const std::string kept = drop_privileges(capabilities_needed(true)).kept;
        return "kept=" + kept + "\n" + threads_outside(kDacReadSearch | kSysPtrace | kKill);
    });
    EXPECT_EQ(interactive.at("kept"), "dac_read_search,kill,sys_ptrace");
    EXPECT_EQ(interactive.at("bad"), "");
    const auto none = in_child([] {
        const std::string kept = drop_privileges({}).kept;
        return "kept=" + kept + "\ndescribe=" + describe_capabilities() + "\n";
    });
    EXPECT_EQ(none.at("kept"), "none");
    EXPECT_EQ(none.at("describe"), "capabilities kept: none");
}

TEST(Privileges, KeptCapabilitiesStillMapSocketsOfOtherUsersAndNoneDoNot) {
    if (!running_elevated() || !has_capability("setpcap")) GTEST_SKIP() << "needs root";
    NobodyWithSocket other;
    ASSERT_GT(other.pid(), 0);
    const pid_t pid = other.pid();
    const auto kept = in_child([pid] {
        drop_privileges(capabilities_needed(false));
        return "sockets=" + std::to_string(sockets_seen(pid)) + "\n";
    });
    EXPECT_EQ(kept.at("sockets"), "1");
    // The control: with nothing kept, uid 0 alone cannot read another user's descriptors —
    // which is what proves the kept pair is the one that matters.
    const auto none = in_child([pid] {
        drop_privileges({});
        return "sockets=" + std::to_string(sockets_seen(pid)) + "\n";
    });
    EXPECT_NE(none.at("sockets"), "1");
}

TEST(Privileges, PacketSocketOpenedBeforeTheDropStillReceives) {
    if (!running_elevated() || !has_capability("net_raw") || !has_capability("setpcap"))
        GTEST_SKIP() << "needs root with CAP_NET_RAW";
    const auto facts = in_child([] {
        const int packet = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
        if (packet < 0) return std::string("error=packet socket\n");
        sockaddr_ll ll{};
        ll.sll_family = AF_PACKET;
        ll.sll_protocol = htons(ETH_P_ALL);
        ll.sll_ifindex = static_cast<int>(::if_nametoindex("lo"));
        if (::bind(packet, reinterpret_cast<sockaddr*>(&ll), sizeof ll) != 0)
            return std::string("error=bind\n");
        drop_privileges({});
        std::string out = "net_raw_after=" + std::to_string(has_capability("net_raw")) + "\n";
        // A datagram to loopback after the drop; the old AF_PACKET socket must see it.
        const int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(9);  // discard: nobody needs to listen
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const char marker[] = "sstop-privileges-marker";
        ::sendto(udp, marker, sizeof marker, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
        bool seen = false;
        char buf[2048];
        for (int i = 0; i < 64 && !seen; ++i) {
            pollfd p{packet, POLLIN, 0};
            if (::poll(&p, 1, 2000) <= 0) break;
            const ssize_t n = ::recv(packet, buf, sizeof buf, 0);
            if (n > 0 &&
                std::string(buf, static_cast<std::size_t>(n)).find(marker) != std::string::npos)
                seen = true;
        }
        out += "seen=" + std::to_string(seen) + "\n";
        return out;
    });
    EXPECT_EQ(facts.count("error"), 0u) << facts.at("error");
    EXPECT_EQ(facts.at("net_raw_after"), "0");
    EXPECT_EQ(facts.at("seen"), "1");
}

TEST(Privileges, NotElevatedRunIsLeftAlone) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to become an ordinary user";
    const auto facts = in_child([] {
        if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)
            return std::string("error=setresuid\n");
        const PrivilegeReport report = drop_privileges(capabilities_needed(false));
        auto c = creds_of("/proc/self/status");
        return "elevated=" + std::to_string(report.elevated) + "\nkept=" + report.kept +
               "\nnnp=" + std::to_string(c["NoNewPrivs"]) + "\n";
    });
    EXPECT_EQ(facts.at("elevated"), "0");
    EXPECT_EQ(facts.at("kept"), "none");
    EXPECT_EQ(facts.at("nnp"), "0");
}

}  // namespace
}  // namespace sstop::host
