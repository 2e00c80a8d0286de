// Startup to first drawn frame: the time from starting `sstop` on a pseudo-terminal to the
// first output that draws the tab bar ("Processes"). Reference in the same run, interleaved:
// the time to exit of `sstop --version` on the same pty setup (exec, dynamic linking, static
// initialisation: the floor no UI work can go below).
//
//   tui_startup_bench <path to sstop> [--runs N] [--cols W] [--rows H] [-- extra sstop args]
//
// The child's environment: TERM=xterm-256color, LC_ALL=C.UTF-8, and XDG_CONFIG_HOME pointing
// at an empty directory so a user's config does not change what is measured. The plugins
// are those next to the binary (<dir of sstop>/../lib/sstop/plugins).
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "synthetic.hpp"

namespace {

using sstop::bench::now_ns;
using sstop::bench::percentiles;

constexpr std::int64_t kTimeoutNs = 10'000'000'000;  // a run that never draws is an error

struct Options {
    std::string sstop;
    int runs = 10;
    int cols = 160;
    int rows = 45;
    std::vector<std::string> extra;
};

struct Run {
    double ns = 0;            ///< start → marker seen (or → exit when the marker is empty)
    std::uint64_t bytes = 0;  ///< output bytes up to that point
};

/// Drains `master` until `marker` appears (or EOF when `marker` is empty); nullopt on timeout.
bool wait_output(int master, const std::string& marker, std::int64_t start, Run& run) {
    std::string seen;
    std::array<char, 65536> buf{};
    while (now_ns() - start < kTimeoutNs) {
        pollfd fd{master, POLLIN, 0};
        if (::poll(&fd, 1, 100) <= 0) continue;
        const ssize_t n = ::read(master, buf.data(), buf.size());
        if (n <= 0) {  // EIO: the child closed the terminal
            run.ns = static_cast<double>(now_ns() - start);
            return marker.empty();
        }
        run.bytes += static_cast<std::uint64_t>(n);
        seen.append(buf.data(), static_cast<std::size_t>(n));
        if (!marker.empty() && seen.find(marker) != std::string::npos) {
            run.ns = static_cast<double>(now_ns() - start);
            return true;
        }
    }
    return false;
}

/// Ends the child: SIGTERM (sstop restores the terminal and exits), SIGKILL after 3 s;
/// the pty is drained meanwhile so the child never blocks on a full terminal.
void finish(pid_t pid, int master) {
    ::kill(pid, SIGTERM);
    std::array<char, 65536> buf{};
    const std::int64_t until = now_ns() + 3'000'000'000;
    while (true) {
        if (::waitpid(pid, nullptr, WNOHANG) == pid) break;
        if (now_ns() > until) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            break;
        }
        pollfd fd{master, POLLIN, 0};
        if (::poll(&fd, 1, 20) > 0 && ::read(master, buf.data(), buf.size()) <= 0) ::usleep(10000);
    }
    ::close(master);
}

Run run_once(const Options& o, const std::vector<std::string>& args, const std::string& marker,
             const std::string& config_home) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(o.sstop.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    winsize ws{};
    ws.ws_col = static_cast<unsigned short>(o.cols);
    ws.ws_row = static_cast<unsigned short>(o.rows);
    int master = -1;
    const std::int64_t start = now_ns();
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, &ws);
    if (pid < 0) throw std::runtime_error("forkpty failed");
    if (pid == 0) {
        ::setenv("TERM", "xterm-256color", 1);
        ::setenv("LC_ALL", "C.UTF-8", 1);
        ::setenv("XDG_CONFIG_HOME", config_home.c_str(), 1);
        ::unsetenv("SSTOP_PLUGIN_PATH");
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    Run run;
    const bool ok = wait_output(master, marker, start, run);
    finish(pid, master);
    if (!ok)
        throw std::runtime_error(marker.empty() ? "sstop --version did not exit"
                                                : "no '" + marker + "' within 10 s");
    return run;
}

Options parse(int argc, char** argv) {
    Options o;
    if (argc < 2) throw std::runtime_error("usage: tui_startup_bench <sstop> [--runs N] ...");
    o.sstop = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--") {
            for (++i; i < argc; ++i) o.extra.emplace_back(argv[i]);
            break;
        }
        if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
        const int v = std::atoi(argv[++i]);
        if (a == "--runs")
            o.runs = v;
        else if (a == "--cols")
            o.cols = v;
        else if (a == "--rows")
            o.rows = v;
        else
            throw std::runtime_error("unknown option " + a);
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse(argc, argv);
        char dir_template[] = "/tmp/sstop-startup-bench.XXXXXX";
        const char* config_home = ::mkdtemp(dir_template);
        if (!config_home) throw std::runtime_error("mkdtemp failed");
        std::vector<double> first_frame, version;
        std::vector<double> frame_bytes;
        // One untimed run of each first, so every timed run starts with warm page caches.
        run_once(o, {"--version"}, "", config_home);
        run_once(o, o.extra, "Processes", config_home);
        for (int i = 0; i < o.runs; ++i) {
            version.push_back(run_once(o, {"--version"}, "", config_home).ns);
            const Run r = run_once(o, o.extra, "Processes", config_home);
            first_frame.push_back(r.ns);
            frame_bytes.push_back(static_cast<double>(r.bytes));
        }
        ::rmdir(config_home);
        const auto f = percentiles(first_frame), v = percentiles(version);
        std::string args;
        for (const std::string& a : o.extra) args += " " + a;
        std::printf("sstop%s on a %dx%d pty, %d runs each, interleaved\n\n", args.c_str(), o.cols,
                    o.rows, o.runs);
        std::printf("| %-40s | %9s | %9s | %9s |\n", "case", "median ms", "p95 ms", "max ms");
        std::printf("|%s|%s|%s|%s|\n", std::string(42, '-').c_str(), std::string(11, '-').c_str(),
                    std::string(11, '-').c_str(), std::string(11, '-').c_str());
        auto max_of = [](const std::vector<double>& x) {
            double m = 0;
            for (double d : x) m = std::max(m, d);
            return m;
        };
        std::printf("| %-40s | %9.1f | %9.1f | %9.1f |\n", "start -> tab bar drawn (\"Processes\")",
                    f.median / 1e6, f.p95 / 1e6, max_of(first_frame) / 1e6);
        std::printf("| %-40s | %9.1f | %9.1f | %9.1f |\n", "reference: sstop --version -> exit",
                    v.median / 1e6, v.p95 / 1e6, max_of(version) / 1e6);
        std::printf("\nfirst frame: %.0f bytes of terminal output up to the marker (median)\n",
                    percentiles(frame_bytes).median);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tui_startup_bench: %s\n", e.what());
        return 1;
    }
}
