// collect_bench: CPU cost of one collection cycle of the netlink and procnet sources (and of
// the aggregator's ingest) with many established TCP sockets, against `ss -tinp` doing the
// same enumeration and owner mapping in the same run.
//
// It runs in a network namespace of its own (unshare(CLONE_NEWNET): anonymous, so the kernel
// deletes it when the last process in it exits, also on a crash). Inside it, `--procs` holder
// processes each listen on 127.0.0.1:<port> and connect to themselves, so `--sockets` N
// established sockets exist (N/2 loopback pairs, both ends held by the same holder).
// Holders are killed by pid at the end and die with the driver (PR_SET_PDEATHSIG).
//
// Usage (root): collect_bench --sockets 10000 [--procs 50] [--reps 5] [--cycles 10]
//                             [--sstop PATH] [--sstop-count 10]
//
// `collect_bench --dumps-every-ms 1000 --seconds 30` instead runs only the reference: the
// netlink source's sock_diag dumps, received and dropped, once per interval in the network
// namespace it was started in, until the time is up. bench/idle.sh measures that process
// beside sstop as "the dumps alone", whole process against whole process.

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <sstop/options.hpp>
#include <sstop/plugin.hpp>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/aggregator.hpp"
#include "netlink_source.hpp"
#include "procnet_source.hpp"
#include "sock_diag.hpp"

namespace sstop::bench {
namespace {

constexpr int kFirstPort = 21000;
constexpr int kMaxProcs = 1000;
constexpr int kMaxSockets = 200000;

struct Args {
    int sockets = 1000;
    int procs = 50;
    int reps = 5;
    int cycles = 10;
    std::string sstop;
    int sstop_count = 10;
    int dumps_every_ms = 0;  // > 0: only the dumps, once per interval (see the usage above)
    int seconds = 30;
};

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "collect_bench: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(2);
}

Args parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        std::string k = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "collect_bench: %s needs a value\n", k.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (k == "--sockets")
            a.sockets = std::atoi(next().c_str());
        else if (k == "--procs")
            a.procs = std::atoi(next().c_str());
        else if (k == "--reps")
            a.reps = std::atoi(next().c_str());
        else if (k == "--cycles")
            a.cycles = std::atoi(next().c_str());
        else if (k == "--sstop")
            a.sstop = next();
        else if (k == "--sstop-count")
            a.sstop_count = std::atoi(next().c_str());
        else if (k == "--dumps-every-ms")
            a.dumps_every_ms = std::atoi(next().c_str());
        else if (k == "--seconds")
            a.seconds = std::atoi(next().c_str());
        else {
            std::fprintf(stderr, "collect_bench: unknown argument %s\n", k.c_str());
            std::exit(2);
        }
    }
    if (a.sockets < 2 || a.sockets > kMaxSockets || a.procs < 1 || a.procs > kMaxProcs ||
        a.reps < 1 || a.reps > 100 || a.cycles < 1 || a.cycles > 1000 || a.sstop_count < 1 ||
        a.sstop_count > 100 || a.dumps_every_ms < 0 || a.dumps_every_ms > 60000 || a.seconds < 1 ||
        a.seconds > 3600) {
        std::fprintf(stderr, "collect_bench: argument out of range\n");
        std::exit(2);
    }
    return a;
}

void bring_lo_up() {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) die("SIOCGIFFLAGS lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) die("SIOCSIFFLAGS lo");
    close(fd);
}

// Body of one holder: `pairs` loopback connections to its own listener, then wait to be
// killed. Reports 'R' (ready) or 'E' (failed) on `report_fd`.
[[noreturn]] void holder(int index, int pairs, int report_fd) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NAME, "bench-holder");
    rlimit rl{static_cast<rlim_t>(2 * pairs + 64), static_cast<rlim_t>(2 * pairs + 64)};
    if (rl.rlim_cur > 1024) setrlimit(RLIMIT_NOFILE, &rl);
    auto fail = [&]() {
        char c = 'E';
        (void)!write(report_fd, &c, 1);
        _exit(1);
    };
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(kFirstPort + index));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
        listen(lfd, 128) < 0)
        fail();
    for (int i = 0; i < pairs; ++i) {
        int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c < 0 || connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) fail();
        int s = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
        if (s < 0) fail();
    }
    char c = 'R';
    (void)!write(report_fd, &c, 1);
    close(report_fd);
    for (;;) pause();  // killed by the driver (or by PDEATHSIG)
}

class Holders {
  public:
    Holders(int sockets, int procs) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0) die("pipe");
        const int pairs_total = sockets / 2;
        for (int i = 0; i < procs; ++i) {
            int pairs = pairs_total / procs + (i < pairs_total % procs ? 1 : 0);
            pid_t pid = fork();
            if (pid < 0) die("fork");
            if (pid == 0) {
                close(fds[0]);
                holder(i, pairs, fds[1]);
            }
            pids_.push_back(pid);
        }
        close(fds[1]);
        int ready = 0;
        const std::int64_t deadline = wall_ns() + 120'000'000'000;
        while (ready < procs && wall_ns() < deadline) {
            pollfd p{fds[0], POLLIN, 0};
            if (poll(&p, 1, 1000) <= 0) continue;
            char c = 0;
            if (read(fds[0], &c, 1) != 1) break;
            if (c != 'R') {
                std::fprintf(stderr, "collect_bench: a holder failed to connect\n");
                break;
            }
            ++ready;
        }
        close(fds[0]);
        ok_ = ready == procs;
    }
    ~Holders() {
        for (pid_t pid : pids_) kill(pid, SIGKILL);
        for (pid_t pid : pids_) waitpid(pid, nullptr, 0);
    }
    bool ok() const { return ok_; }

  private:
    std::vector<pid_t> pids_;
    bool ok_ = false;
};

// Enough of the host's PluginContext for ProcnetSource (its options proc_root and
// namespaces; the bench's sockets are all in its own namespace).
class BenchContext final : public PluginContext {
  public:
    BenchContext() {
        OptionValue v;
        v.type = SSTOP_OPTION_STRING;
        v.s = "/proc";
        options_.values["proc_root"] = v;
        v.s = "own";
        options_.values["namespaces"] = v;
    }
    std::string_view plugin_id() const override { return "bench"; }
    const Options& options() const override { return options_; }
    void log(Notice::Level, std::string_view message) override {
        std::fprintf(stderr, "plugin: %.*s\n", static_cast<int>(message.size()), message.data());
    }

  private:
    Options options_;
};

struct CycleTimes {
    std::vector<double> first_cpu, steady_cpu, first_wall, steady_wall;
    std::vector<double> ingest_first, ingest_steady;
    std::vector<double> lean_steady;    // ingest without per-process socket lists (headless)
    std::vector<double> screen_steady;  // ingest with one process's list (the screen's cursor)
    std::size_t sockets = 0;            // TCP sockets seen by the last collect
    std::size_t attributed = 0;         // of them with an owner
    std::size_t processes = 0;
};

// One fresh source: open(), one cold collect, then `cycles` warm ones. With `ingest`, every
// sample also goes through a fresh Aggregator (its first ingest is cold too), and a copy of it
// through a second one without socket lists, as a headless sstop runs it (nothing reads them),
// and through a third that lists one holder's sockets, as the screen runs it: its views read
// only the list of the process under the cursor (SSTOP_CONSUMES_SELECTED_SOCKETS).
// `paired`, when given, runs right after each steady collect: a reference measured in the
// same moments as the collect it is compared with (this machine's speed drifts by tens of % over
// seconds).
void run_source(Source& src, const char* id, int cycles, bool ingest, CycleTimes& t,
                const std::function<void()>& paired = {}) {
    src.open();
    std::unique_ptr<core::Aggregator> agg, lean, screen;
    core::SocketDemand demand;
    if (ingest) {
        agg = std::make_unique<core::Aggregator>();
        core::AggregatorConfig config;
        config.socket_detail = false;
        lean = std::make_unique<core::Aggregator>(config);
        screen = std::make_unique<core::Aggregator>();
        screen->set_socket_demand(&demand);
    }
    for (int c = 0; c <= cycles; ++c) {
        Sample sample;
        sample.source = id;
        const std::int64_t w0 = wall_ns();
        const std::int64_t c0 = thread_cpu_ns();
        CollectStatus st = src.collect(sample);
        const double cpu = static_cast<double>(thread_cpu_ns() - c0);
        const double wall = static_cast<double>(wall_ns() - w0);
        if (st.code == CollectStatus::Code::Failed) {
            std::fprintf(stderr, "collect_bench: %s collect failed: %s\n", id, st.message.c_str());
            std::exit(3);
        }
        (c == 0 ? t.first_cpu : t.steady_cpu).push_back(cpu);
        (c == 0 ? t.first_wall : t.steady_wall).push_back(wall);
        if (c > 0 && paired) paired();
        t.sockets = t.attributed = 0;
        for (const SocketObs& s : sample.sockets) {
            if (s.key.proto != Proto::Tcp || s.state != SocketState::Established) continue;
            ++t.sockets;
            if (s.owner.pid != 0) ++t.attributed;
        }
        t.processes = sample.processes.size();
        if (c == 0)
            for (const SocketObs& s : sample.sockets)
                if (s.owner.pid != 0) {
                    demand.set({false, {s.owner}});  // the cursor on a holder
                    break;
                }
        if (agg) {
            core::TickInput tick;
            tick.now = std::chrono::steady_clock::now();
            tick.unix_time_ns = wall_ns();
            sample.taken_at = tick.now;
            tick.samples.push_back(std::move(sample));
            tick.sources.push_back(id);
            const core::TickInput copy = tick;
            const core::TickInput copy2 = tick;
            const std::int64_t a0 = thread_cpu_ns();
            auto snap = agg->ingest(tick);
            (c == 0 ? t.ingest_first : t.ingest_steady)
                .push_back(static_cast<double>(thread_cpu_ns() - a0));
            const std::int64_t l0 = thread_cpu_ns();
            auto lean_snap = lean->ingest(copy);
            if (c > 0) t.lean_steady.push_back(static_cast<double>(thread_cpu_ns() - l0));
            const std::int64_t s0 = thread_cpu_ns();
            auto screen_snap = screen->ingest(copy2);
            if (c > 0) t.screen_steady.push_back(static_cast<double>(thread_cpu_ns() - s0));
        }
    }
}

// The reference for the netlink source's own cost: the same sock_diag dumps it asks for (TCP
// and UDP, IPv4 and IPv6, TCP with tcp_info), received into one reused buffer and dropped.
// Thread CPU of one such round, which is kernel time almost entirely.
double dumps_alone_cpu_ns() {
    const int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        std::perror("collect_bench: NETLINK_SOCK_DIAG");
        std::exit(4);
    }
    std::vector<char> buf(1 << 16);
    const std::int64_t c0 = thread_cpu_ns();
    std::uint32_t seq = 0;
    for (std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
        for (std::uint8_t proto : {std::uint8_t{IPPROTO_TCP}, std::uint8_t{IPPROTO_UDP}}) {
            plugins::netlink::DumpRequest msg =
                plugins::netlink::socket_dump_request(family, proto);
            msg.header.nlmsg_seq = ++seq;
            if (::send(fd, &msg, sizeof msg, 0) < 0) {
                std::perror("collect_bench: sock_diag request");
                std::exit(4);
            }
            for (bool done = false; !done;) {
                const ssize_t got = ::recv(fd, buf.data(), buf.size(), 0);
                if (got <= 0) break;
                int len = static_cast<int>(got);
                for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, len);
                     h = NLMSG_NEXT(h, len)) {
                    if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) done = true;
                }
            }
        }
    }
    const double cpu = static_cast<double>(thread_cpu_ns() - c0);
    ::close(fd);
    return cpu;
}

struct Row {
    std::string what;
    Spread cpu;
    double wall_median = -1;  // < 0: not measured
};

void print_rows(const Args& a, double ss_median, const std::vector<Row>& rows, const CycleTimes& nl,
                const CycleTimes& pn) {
    std::printf("\n### %d established TCP sockets, %d holder processes\n\n", a.sockets, a.procs);
    std::printf(
        "Seen by the last collect: netlink %zu established (%zu with owner, %zu processes); "
        "procnet %zu established (%zu with owner).\n\n",
        nl.sockets, nl.attributed, nl.processes, pn.sockets, pn.attributed);
    std::printf("| what | CPU ms median | min | max | n | ss CPU ÷ this | wall ms median |\n");
    std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (const Row& r : rows) {
        char ratio[32] = "—";
        if (r.cpu.median > 0 && ss_median > 0)
            std::snprintf(ratio, sizeof ratio, "%.2f×", ss_median / r.cpu.median);
        std::printf("| %s | %s | %s | %s | %zu | %s | %s |\n", r.what.c_str(),
                    ms(r.cpu.median).c_str(), ms(r.cpu.min).c_str(), ms(r.cpu.max).c_str(), r.cpu.n,
                    ratio, r.wall_median < 0 ? "—" : ms(r.wall_median).c_str());
    }
    std::fflush(stdout);
}

// The reference alone, in the caller's namespace: the dumps once per interval, on time (a late
// round is not made up), until `seconds` have passed or a signal ends it.
int run_dumps_only(const Args& a) {
    const std::int64_t every = std::int64_t{a.dumps_every_ms} * 1'000'000;
    const std::int64_t end = wall_ns() + std::int64_t{a.seconds} * 1'000'000'000;
    for (std::int64_t next = wall_ns(); next < end; next += every) {
        dumps_alone_cpu_ns();
        const std::int64_t now = wall_ns();
        if (next + every < now) next = now - every;  // after a stall: skip, never burst
        if (next + every > now) {
            const std::int64_t wait = std::min(next + every, end) - now;
            if (wait > 0) {
                timespec ts{static_cast<time_t>(wait / 1'000'000'000),
                            static_cast<long>(wait % 1'000'000'000)};
                ::nanosleep(&ts, nullptr);
            }
        }
    }
    return 0;
}

int run(const Args& a) {
    if (a.dumps_every_ms > 0) return run_dumps_only(a);
    if (unshare(CLONE_NEWNET) < 0) die("unshare(CLONE_NEWNET) (needs root)");
    bring_lo_up();
    Holders holders(a.sockets, a.procs);
    if (!holders.ok()) return 4;

    std::vector<double> ss_cpu;
    std::vector<double> dumps_alone;  // thread CPU of one round of sock_diag dumps
    CycleTimes nl, pn;
    // sstop whole-process CPU: start-up (--count 1) and --count 1+K, per run.
    std::map<std::string, std::vector<double>> sstop_start, sstop_cycle, sstop_rss;
    BenchContext context;
    for (int rep = 0; rep < a.reps; ++rep) {
        // Interleaved, so slow phases of the shared machine hit every contender alike.
        ChildResult ss = run_measured({"ss", "-tinp"}, std::chrono::seconds(120));
        if (ss.exit_code != 0) {
            std::fprintf(stderr, "collect_bench: ss -tinp exited %d\n", ss.exit_code);
            return 5;
        }
        ss_cpu.push_back(static_cast<double>(ss.cpu_ns));
        {
            plugins::netlink::NetlinkSettings settings;
            // The tracer needs a capture thread to drain tracefs; it only matters for
            // sockets /proc cannot attribute, and every socket here is attributable.
            settings.trace_connects = false;
            plugins::netlink::NetlinkSource src(settings);
            run_source(src, "netlink", a.cycles, true, nl,
                       [&] { dumps_alone.push_back(dumps_alone_cpu_ns()); });
        }
        {
            plugins::procnet::ProcnetSource src(context);
            run_source(src, "procnet", a.cycles, false, pn);
        }
        if (!a.sstop.empty()) {
            for (const char* source : {"netlink", "procnet"}) {
                auto cmd = [&](int count) {
                    return std::vector<std::string>{
                        a.sstop,      "--json", "--sources", source,
                        "--interval", "100ms",  "--count",   std::to_string(count)};
                };
                ChildResult one = run_measured(cmd(1), std::chrono::seconds(120));
                ChildResult many = run_measured(cmd(1 + a.sstop_count), std::chrono::seconds(300));
                if (one.exit_code != 0 || many.exit_code != 0) {
                    std::fprintf(stderr, "collect_bench: sstop --sources %s exited %d / %d\n",
                                 source, one.exit_code, many.exit_code);
                    return 6;
                }
                sstop_start[source].push_back(static_cast<double>(one.cpu_ns));
                sstop_cycle[source].push_back(static_cast<double>(many.cpu_ns - one.cpu_ns) /
                                              a.sstop_count);
                sstop_rss[source].push_back(static_cast<double>(many.max_rss_kib));
            }
        }
    }

    const Spread ss = spread(ss_cpu);
    std::vector<Row> rows;
    rows.push_back({"reference: `ss -tinp` (whole process)", ss, -1});
    rows.push_back({"netlink collect, first (cold owner map)", spread(nl.first_cpu),
                    spread(nl.first_wall).median});
    rows.push_back(
        {"netlink collect, steady", spread(nl.steady_cpu), spread(nl.steady_wall).median});
    rows.push_back({"procnet collect, first (cold owner map)", spread(pn.first_cpu),
                    spread(pn.first_wall).median});
    rows.push_back(
        {"procnet collect, steady", spread(pn.steady_cpu), spread(pn.steady_wall).median});
    rows.push_back({"aggregator ingest of a netlink sample, first", spread(nl.ingest_first), -1});
    rows.push_back({"aggregator ingest of a netlink sample, steady", spread(nl.ingest_steady), -1});
    rows.push_back(
        {"aggregator ingest, steady, without socket lists (headless)", spread(nl.lean_steady), -1});
    rows.push_back({"aggregator ingest, steady, the selected process's list (the screen)",
                    spread(nl.screen_steady), -1});
    rows.push_back(
        {"sock_diag dumps alone (tcp+udp, v4+v6, tcp_info; dropped)", spread(dumps_alone), -1});
    for (const char* source : {"netlink", "procnet"}) {
        if (!sstop_start.count(source)) continue;
        rows.push_back({std::string("sstop --json --sources ") + source +
                            ", start-up (`--count 1`, whole process)",
                        spread(sstop_start[source]), -1});
        rows.push_back({std::string("sstop --json --sources ") + source +
                            ", per further cycle (whole process)",
                        spread(sstop_cycle[source]), -1});
    }
    print_rows(a, ss.median, rows, nl, pn);
    // Issue 9's yardstick: a steady netlink cycle (collect + ingest) against its dumps alone,
    // cycle by cycle (each steady collect is followed by one round of the dumps alone), then
    // the median of those ratios.
    if (!dumps_alone.empty() && dumps_alone.size() == nl.steady_cpu.size() &&
        nl.ingest_steady.size() == nl.steady_cpu.size() &&
        nl.lean_steady.size() == nl.steady_cpu.size() &&
        nl.screen_steady.size() == nl.steady_cpu.size()) {
        std::vector<double> collect, full, lean, screen;
        for (std::size_t i = 0; i < dumps_alone.size(); ++i) {
            const double d = dumps_alone[i];
            collect.push_back(nl.steady_cpu[i] / d);
            full.push_back((nl.steady_cpu[i] + nl.ingest_steady[i]) / d);
            lean.push_back((nl.steady_cpu[i] + nl.lean_steady[i]) / d);
            screen.push_back((nl.steady_cpu[i] + nl.screen_steady[i]) / d);
        }
        std::printf(
            "\nnetlink steady cycle ÷ the dumps alone right after it (median of %zu pairs): "
            "collect %.2f× (%.2f–%.2f); collect + ingest %.2f× with every socket list "
            "(--json), %.2f× with the selected process's (the screen), %.2f× without "
            "(headless) (goal ≤ 1.3×)\n",
            collect.size(), spread(collect).median, spread(collect).min, spread(collect).max,
            spread(full).median, spread(screen).median, spread(lean).median);
    }
    for (const char* source : {"netlink", "procnet"}) {
        if (!sstop_rss.count(source)) continue;
        const Spread r = spread(sstop_rss[source]);
        std::printf("sstop --sources %s peak RSS over %d cycles: %.1f MiB (min %.1f, max %.1f)\n",
                    source, 1 + a.sstop_count, r.median / 1024, r.min / 1024, r.max / 1024);
    }
    return 0;
}

}  // namespace
}  // namespace sstop::bench

int main(int argc, char** argv) { return sstop::bench::run(sstop::bench::parse_args(argc, argv)); }
