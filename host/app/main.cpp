// sstop: entry point. Parses the command line, runs the App, and turns the start-up errors
// into one line on stderr and a distinct exit code.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "app/app.hpp"
#include "app/cli.hpp"
#include "app/self_meter.hpp"
#include "config/config.hpp"
#include "tui/terminal.hpp"

namespace {

/// How long a stop signal waits for the orderly stop before sstop leaves anyway.
constexpr std::chrono::seconds kStopGrace{10};

/// Leaves at once from any thread: the terminal put back (when the UI has it), `message` on
/// stderr, exit status 1. For a stop that cannot finish; nothing else is cleaned up (the
/// kernel closes every file, and with them the BPF links and capture sockets).
[[noreturn]] void leave_now(const char* message) {
    sstop::tui::restore_terminal_now();
    ssize_t ignored = ::write(STDERR_FILENO, message, std::strlen(message));
    (void)ignored;
    ::_exit(sstop::host::kExitRuntime);
}

std::string executable_path(const char* argv0) {
    // Plugins are found relative to the executable, so resolve symlinks to the real file.
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) return p.string();
    p = std::filesystem::weakly_canonical(argv0, ec);
    return ec ? std::string(argv0) : p.string();
}

}  // namespace

int main(int argc, char** argv) {
    using namespace sstop::host;
    tune_allocator();
    // A closed stdout shows up as EPIPE from write(), handled as a clean end.
    ::signal(SIGPIPE, SIG_IGN);
    // Termination signals are taken by one thread with sigwait, never in a handler, so the
    // shutdown runs in ordinary code. Blocked here, before any thread starts.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    // SIGUSR2 is how main tells the signal thread to end; it is never acted on otherwise.
    sigaddset(&stop_signals, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    CliOptions cli;
    try {
        cli = parse_cli(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const UsageError& e) {
        std::fprintf(stderr, "sstop: %s\n", e.what());
        return kExitUsage;
    }

    App app(cli, executable_path(argv[0]));
    std::thread signal_thread([&] {
        bool stopping = false;
        while (true) {
            int sig = 0;
            if (sigwait(&stop_signals, &sig) != 0) continue;
            if (sig == SIGUSR2) return;
            if (stopping) leave_now("sstop: second signal; exiting at once\n");
            app.request_stop();
            stopping = true;
            // The orderly stop normally ends well within the grace period. When something
            // blocks it (a replay file that is a FIFO nobody writes to, a hung file system),
            // sstop leaves anyway, with the terminal put back and one line saying so.
            std::thread([] {
                std::this_thread::sleep_for(kStopGrace);
                leave_now("sstop: not stopped 10 s after the signal; exiting\n");
            }).detach();
        }
    });
    int rc;
    try {
        rc = app.run();
    } catch (const UsageError& e) {
        std::fprintf(stderr, "sstop: %s\n", e.what());
        rc = kExitUsage;
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "sstop: %s\n", e.what());
        rc = kExitUsage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sstop: %s\n", e.what());
        rc = kExitRuntime;
    }
    pthread_kill(signal_thread.native_handle(), SIGUSR2);
    signal_thread.join();
    std::fflush(stdout);
    return rc;
}
