// Linux privileges: capabilities through the raw capget/capset syscalls and prctl.
//
// Why raw syscalls rather than libcap: sstop needs whole-set operations only (read the
// calling thread's sets, replace them, drop bounding bits, clear ambient), which are a few
// lines each; and libcap's cap_set_proc() changes only the calling thread too, so it would not
// spare the all-threads broadcast below. No new link dependency for the host either.
//
// Why a broadcast: Linux credentials are per thread. By the time sources are open, the host
// has threads (the signal thread, capture threads), and each would keep full root if only the
// caller dropped. Like glibc's setuid() (SIGSETXID), every other thread is sent a real-time
// signal whose handler applies the same drop to itself; the result is then verified through
// /proc/self/task/<tid>/status, not assumed.

#include <linux/capability.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>

#include "app/privileges.hpp"

namespace sstop::host {
namespace {

// Index = capability number (linux/capability.h); names without the "cap_" prefix.
constexpr std::array<const char*, 41> kCapNames = {"chown",
                                                   "dac_override",
                                                   "dac_read_search",
                                                   "fowner",
                                                   "fsetid",
                                                   "kill",
                                                   "setgid",
                                                   "setuid",
                                                   "setpcap",
                                                   "linux_immutable",
                                                   "net_bind_service",
                                                   "net_broadcast",
                                                   "net_admin",
                                                   "net_raw",
                                                   "ipc_lock",
                                                   "ipc_owner",
                                                   "sys_module",
                                                   "sys_rawio",
                                                   "sys_chroot",
                                                   "sys_ptrace",
                                                   "sys_pacct",
                                                   "sys_admin",
                                                   "sys_boot",
                                                   "sys_nice",
                                                   "sys_resource",
                                                   "sys_time",
                                                   "sys_tty_config",
                                                   "mknod",
                                                   "lease",
                                                   "audit_write",
                                                   "audit_control",
                                                   "setfcap",
                                                   "mac_override",
                                                   "mac_admin",
                                                   "syslog",
                                                   "wake_alarm",
                                                   "block_suspend",
                                                   "audit_read",
                                                   "perfmon",
                                                   "bpf",
                                                   "checkpoint_restore"};

// Bounds the thread scan and the rounds of the broadcast: sstop has a handful of threads.
constexpr std::size_t kMaxThreads = 4096;
constexpr int kMaxRounds = 5;
constexpr auto kRoundTimeout = std::chrono::seconds(2);

struct CapSets {
    std::uint64_t effective = 0;
    std::uint64_t permitted = 0;
    std::uint64_t inheritable = 0;
};

// The calling thread's sets (async-signal-safe: one syscall).
bool get_caps(CapSets& out) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (::syscall(SYS_capget, &header, data) != 0) return false;
    auto join = [&](std::uint32_t lo, std::uint32_t hi) {
        return static_cast<std::uint64_t>(lo) | (static_cast<std::uint64_t>(hi) << 32);
    };
    out.effective = join(data[0].effective, data[1].effective);
    out.permitted = join(data[0].permitted, data[1].permitted);
    out.inheritable = join(data[0].inheritable, data[1].inheritable);
    return true;
}

bool set_caps(const CapSets& sets) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    for (int i = 0; i < 2; ++i) {
        data[i].effective = static_cast<std::uint32_t>(sets.effective >> (32 * i));
        data[i].permitted = static_cast<std::uint32_t>(sets.permitted >> (32 * i));
        data[i].inheritable = static_cast<std::uint32_t>(sets.inheritable >> (32 * i));
    }
    return ::syscall(SYS_capset, &header, data) == 0;
}

std::optional<int> cap_number(std::string_view name) {
    if (name.substr(0, 4) == "cap_" || name.substr(0, 4) == "CAP_") name.remove_prefix(4);
    for (std::size_t i = 0; i < kCapNames.size(); ++i) {
        if (name == kCapNames[i]) return static_cast<int>(i);
    }
    return std::nullopt;
}

std::string cap_name(int cap) {
    return cap >= 0 && static_cast<std::size_t>(cap) < kCapNames.size()
               ? kCapNames[static_cast<std::size_t>(cap)]
               : "cap_" + std::to_string(cap);
}

std::string names_of(std::uint64_t mask) {
    std::string out;
    for (int cap = 0; cap < 64; ++cap) {
        if ((mask & (std::uint64_t{1} << cap)) == 0) continue;
        if (!out.empty()) out += ',';
        out += cap_name(cap);
    }
    return out.empty() ? "none" : out;
}

int last_cap() {
    std::ifstream in("/proc/sys/kernel/cap_last_cap");
    int n = 0;
    if (in >> n && n > 0 && n < 64) return n;
    return CAP_LAST_CAP;
}

// What one thread must do, and where each thread reports. Lives on the heap: a thread that
// never answered may still run the handler later, so it is then deliberately not freed.
struct DropPlan {
    std::uint64_t keep = 0;  // capabilities that may stay (if the thread has them)
    int last_cap = CAP_LAST_CAP;
    std::atomic<int> answered{0};
    std::atomic<int> bounding_failed{0};
    std::atomic<int> capset_failed{0};
    std::atomic<int> no_new_privs_failed{0};
};

// Applies `plan` to the calling thread. Only syscalls: it also runs in a signal handler.
void apply_plan(DropPlan& plan) {
    // Bounding set first: dropping from it needs CAP_SETPCAP, which capset removes below.
    for (int cap = 0; cap <= plan.last_cap; ++cap) {
        if ((plan.keep & (std::uint64_t{1} << cap)) != 0) continue;
        if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) continue;
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) plan.bounding_failed.fetch_add(1);
    }
    // EINVAL on kernels before 4.3, which have no ambient set to clear.
    (void)::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    CapSets now;
    bool ok = get_caps(now);
    if (ok) {
        CapSets next;
        next.permitted = now.permitted & plan.keep;
        next.effective = next.permitted;
        next.inheritable = 0;
        ok = set_caps(next);
    }
    if (!ok) plan.capset_failed.fetch_add(1);
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) plan.no_new_privs_failed.fetch_add(1);
}

void on_drop_signal(int, siginfo_t* info, void*) {
    const int saved = errno;
    // Only our own rt_tgsigqueueinfo carries a plan; anything else with this number is ignored.
    if (info != nullptr && info->si_code == SI_QUEUE && info->si_pid == ::getpid() &&
        info->si_value.sival_ptr != nullptr) {
        auto* plan = static_cast<DropPlan*>(info->si_value.sival_ptr);
        apply_plan(*plan);
        plan->answered.fetch_add(1, std::memory_order_release);
    }
    errno = saved;
}

struct ThreadCreds {
    std::uint64_t permitted = 0, effective = 0, bounding = 0, ambient = 0, inheritable = 0;
    bool no_new_privs = false;
};

std::optional<ThreadCreds> read_thread_creds(long tid) {
    std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/status");
    if (!in) return std::nullopt;
    ThreadCreds c;
    std::string line;
    auto hex = [](const std::string& l) {
        return std::strtoull(l.c_str() + l.find(':') + 1, nullptr, 16);
    };
    while (std::getline(in, line)) {
        if (line.rfind("CapPrm:", 0) == 0) c.permitted = hex(line);
        if (line.rfind("CapEff:", 0) == 0) c.effective = hex(line);
        if (line.rfind("CapBnd:", 0) == 0) c.bounding = hex(line);
        if (line.rfind("CapAmb:", 0) == 0) c.ambient = hex(line);
        if (line.rfind("CapInh:", 0) == 0) c.inheritable = hex(line);
        if (line.rfind("NoNewPrivs:", 0) == 0) c.no_new_privs = line.find('1') != std::string::npos;
    }
    return c;
}

bool thread_done(const ThreadCreds& c, std::uint64_t keep, std::uint64_t bounding_goal) {
    return (c.permitted & ~keep) == 0 && (c.effective & ~keep) == 0 && c.ambient == 0 &&
           c.inheritable == 0 && c.no_new_privs && (c.bounding & ~bounding_goal) == 0;
}

std::vector<long> other_threads() {
    std::vector<long> tids;
    const long self = ::syscall(SYS_gettid);
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc/self/task", ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        char* rest = nullptr;
        const long tid = std::strtol(name.c_str(), &rest, 10);
        if (rest == nullptr || *rest != '\0' || tid <= 0 || tid == self) continue;
        tids.push_back(tid);
        if (tids.size() >= kMaxThreads) break;
    }
    return tids;
}

bool send_plan(long tid, int sig, DropPlan* plan) {
    siginfo_t info;
    std::memset(&info, 0, sizeof info);
    info.si_signo = sig;
    info.si_code = SI_QUEUE;
    info.si_pid = ::getpid();
    info.si_uid = ::getuid();
    info.si_value.sival_ptr = plan;
    return ::syscall(SYS_rt_tgsigqueueinfo, ::getpid(), tid, sig, &info) == 0;
}

}  // namespace

bool running_elevated() {
    if (::geteuid() == 0 || ::getauxval(AT_SECURE) != 0) return true;
    CapSets sets;
    return get_caps(sets) && (sets.effective != 0 || sets.permitted != 0);
}

std::vector<std::string> capabilities_needed(bool interactive) {
    std::vector<std::string> out = {"dac_read_search", "sys_ptrace"};
    if (interactive) out.push_back("kill");
    return out;
}

bool has_capability(const std::string& name) {
    const auto cap = cap_number(name);
    CapSets sets;
    return cap && get_caps(sets) && (sets.effective & (std::uint64_t{1} << *cap)) != 0;
}

std::string describe_capabilities() {
    CapSets sets;
    if (!get_caps(sets)) return "capabilities kept: unknown";
    return "capabilities kept: " + names_of(sets.effective);
}

PrivilegeReport drop_privileges(const std::vector<std::string>& keep) {
    PrivilegeReport report;
    report.elevated = running_elevated();
    CapSets before;
    if (!get_caps(before)) {
        report.kept = "unknown";
        report.notes.push_back(std::string("capget: ") + std::strerror(errno));
        return report;
    }
    if (!report.elevated) {
        report.kept = names_of(before.effective);
        return report;
    }

    auto* plan = new DropPlan;
    plan->last_cap = last_cap();
    for (const auto& name : keep) {
        const auto cap = cap_number(name);
        if (!cap) {
            report.notes.push_back("unknown capability '" + name + "'");
            continue;
        }
        if ((before.permitted & (std::uint64_t{1} << *cap)) == 0) {
            report.notes.push_back("cap_" + cap_name(*cap) + " is not permitted, so not kept");
            continue;
        }
        plan->keep |= std::uint64_t{1} << *cap;
    }
    // What the bounding set can shrink to: kept bits, or what was already absent.
    const std::uint64_t bounding_goal = plan->keep;

    apply_plan(*plan);
    if (plan->bounding_failed.load() != 0)
        report.notes.push_back("the bounding set could not be reduced (no CAP_SETPCAP)");
    if (plan->capset_failed.load() != 0)
        report.notes.push_back(std::string("capset: ") + std::strerror(errno));
    if (plan->no_new_privs_failed.load() != 0)
        report.notes.push_back(std::string("PR_SET_NO_NEW_PRIVS: ") + std::strerror(errno));

    // The other threads, in rounds: a thread created meanwhile by one that had not dropped
    // yet inherited the old sets, and shows up in the next scan.
    const int sig = SIGRTMIN + 4;
    struct sigaction action {};
    struct sigaction previous {};
    action.sa_sigaction = on_drop_signal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    ::sigaction(sig, &action, &previous);
    bool all_answered = true;
    std::vector<long> stubborn;
    const bool bounding_ok = plan->bounding_failed.load() == 0;
    for (int round = 0; round < kMaxRounds; ++round) {
        stubborn.clear();
        int sent = 0;
        const int answered_before = plan->answered.load(std::memory_order_acquire);
        for (long tid : other_threads()) {
            const auto creds = read_thread_creds(tid);
            if (!creds) continue;  // exited
            const std::uint64_t goal = bounding_ok ? bounding_goal : ~std::uint64_t{0};
            if (thread_done(*creds, plan->keep, goal)) continue;
            if (send_plan(tid, sig, plan)) ++sent;
            stubborn.push_back(tid);
        }
        if (sent == 0) break;
        const auto deadline = std::chrono::steady_clock::now() + kRoundTimeout;
        while (plan->answered.load(std::memory_order_acquire) - answered_before < sent &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (plan->answered.load(std::memory_order_acquire) - answered_before < sent) {
            all_answered = false;
            break;
        }
    }
    // A thread that blocks the signal never answers; say so rather than claim a clean drop.
    for (long tid : stubborn) {
        const auto creds = read_thread_creds(tid);
        const std::uint64_t goal = bounding_ok ? bounding_goal : ~std::uint64_t{0};
        if (creds && !thread_done(*creds, plan->keep, goal))
            report.notes.push_back("thread " + std::to_string(tid) + " kept its capabilities");
    }
    if (all_answered) {
        ::sigaction(sig, &previous, nullptr);
        delete plan;
    }
    // else: a late handler may still read the plan, so it stays allocated (once per process).

    CapSets after;
    report.kept = get_caps(after) ? names_of(after.effective) : "unknown";
    return report;
}

std::string unprivileged_notice(bool have_net_raw, bool can_map_others,
                                const std::string& exe_path) {
    if (have_net_raw && can_map_others) return {};
    std::string off;
    std::string without;
    if (!have_net_raw && !can_map_others) {
        without = "privileges";
        off = "per-process UDP bytes and traffic of other users' processes are off";
    } else if (!have_net_raw) {
        without = "CAP_NET_RAW";
        off = "per-process UDP bytes are off";
    } else {
        without = "CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE";
        off = "traffic of other users' processes is off";
    }
    return "running without " + without + ": " + off +
           "; to enable: sudo setcap cap_net_raw,cap_dac_read_search,cap_sys_ptrace+ep " +
           (exe_path.empty() ? std::string("<path of sstop>") : exe_path);
}

}  // namespace sstop::host
