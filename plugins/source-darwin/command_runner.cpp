#include "command_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstop/unique_fd.hpp>

namespace sstop::plugins::darwin {
namespace {

using Clock = std::chrono::steady_clock;

// Owns the spawn attribute objects, which must be destroyed whatever happens.
struct SpawnSetup {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    bool actions_ok = false;
    bool attr_ok = false;
    SpawnSetup() {
        actions_ok = posix_spawn_file_actions_init(&actions) == 0;
        attr_ok = posix_spawnattr_init(&attr) == 0;
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
    ~SpawnSetup() {
        if (actions_ok) posix_spawn_file_actions_destroy(&actions);
        if (attr_ok) posix_spawnattr_destroy(&attr);
    }
};

std::string errno_text(int err) { return std::strerror(err); }

// Kills the child's process group (grandchildren of a shell too) and reaps the child.
void kill_and_reap(pid_t pid) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);  // in case it left the group
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return 0;
    return static_cast<int>(std::min<long long>(left, 60'000));
}

bool set_cloexec(int fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    return flags >= 0 && ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0;
}

}  // namespace

const char* status_name(CommandResult::Status status) {
    switch (status) {
        case CommandResult::Status::Ok:
            return "ok";
        case CommandResult::Status::ExitFailure:
            return "exit failure";
        case CommandResult::Status::Signaled:
            return "killed by a signal";
        case CommandResult::Status::SpawnFailed:
            return "spawn failed";
        case CommandResult::Status::Timeout:
            return "timeout";
        case CommandResult::Status::OutputTooLarge:
            return "output too large";
        case CommandResult::Status::IoError:
            return "read error";
    }
    return "unknown";
}

CommandResult run_command(const std::vector<std::string>& argv, const CommandLimits& limits) {
    CommandResult result;
    if (argv.empty() || argv[0].empty() || argv[0][0] != '/') {
        result.error = "command must be an absolute path";
        return result;
    }
    const std::string& path = argv[0];
    // posix_spawn reports a failed exec on glibc and macOS, but not on every libc; checking
    // first gives the same clear message everywhere.
    if (::access(path.c_str(), X_OK) != 0) {
        result.error = path + ": " + errno_text(errno);
        return result;
    }

    int fds[2];
    if (::pipe(fds) != 0) {
        result.error = "pipe: " + errno_text(errno);
        return result;
    }
    UniqueFd read_end(fds[0]);
    UniqueFd write_end(fds[1]);
    if (!set_cloexec(fds[0]) || !set_cloexec(fds[1]) ||
        ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK) != 0) {
        result.error = "fcntl: " + errno_text(errno);
        return result;
    }

    SpawnSetup setup;
    if (!setup.actions_ok || !setup.attr_ok) {
        result.error = "posix_spawn setup failed";
        return result;
    }
    posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&setup.actions, write_end.get(), 1);
    posix_spawn_file_actions_addopen(&setup.actions, 2, "/dev/null", O_WRONLY, 0);
    short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
#ifdef POSIX_SPAWN_CLOEXEC_DEFAULT
    // macOS: no descriptor of ours but the three above reaches the child.
    flags |= POSIX_SPAWN_CLOEXEC_DEFAULT;
#endif
    posix_spawnattr_setflags(&setup.attr, flags);
    posix_spawnattr_setpgroup(&setup.attr, 0);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigmask(&setup.attr, &empty);
    // The collector may ignore SIGPIPE; the child should not inherit that.
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGHUP);
    posix_spawnattr_setsigdefault(&setup.attr, &defaults);

    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    char env_locale[] = "LC_ALL=C";
    char* env[] = {env_locale, nullptr};

    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, path.c_str(), &setup.actions, &setup.attr, args.data(), env);
    if (rc != 0) {
        result.error = path + ": " + errno_text(rc);
        return result;
    }
    result.pid = pid;
    write_end.reset();  // so EOF arrives when the child (and its children) close stdout

    const Clock::time_point deadline = Clock::now() + limits.timeout;
    char chunk[64 * 1024];
    bool eof = false;
    while (!eof) {
        const int wait_ms = remaining_ms(deadline);
        if (wait_ms == 0) {
            kill_and_reap(pid);
            result.status = CommandResult::Status::Timeout;
            result.error =
                path + ": no end of output after " + std::to_string(limits.timeout.count()) + " ms";
            return result;
        }
        pollfd pfd{read_end.get(), POLLIN, 0};
        const int ready = ::poll(&pfd, 1, wait_ms);
        if (ready < 0 && errno != EINTR) {
            kill_and_reap(pid);
            result.status = CommandResult::Status::IoError;
            result.error = "poll: " + errno_text(errno);
            return result;
        }
        if (ready <= 0) continue;
        for (;;) {
            const ssize_t n = ::read(read_end.get(), chunk, sizeof chunk);
            if (n > 0) {
                const std::size_t room = limits.max_output_bytes - result.output.size();
                if (static_cast<std::size_t>(n) > room) {
                    result.output.append(chunk, room);
                    kill_and_reap(pid);
                    result.status = CommandResult::Status::OutputTooLarge;
                    result.error = path + ": more than " + std::to_string(limits.max_output_bytes) +
                                   " bytes of output";
                    return result;
                }
                result.output.append(chunk, static_cast<std::size_t>(n));
                continue;
            }
            if (n == 0) {
                eof = true;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                const int err = errno;
                kill_and_reap(pid);
                result.status = CommandResult::Status::IoError;
                result.error = "read: " + errno_text(err);
                return result;
            }
            break;
        }
    }

    // Output is complete; the child normally exits at once, but must not outlive the timeout.
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) {
            result.status = CommandResult::Status::IoError;
            result.error = "waitpid: " + errno_text(errno);
            return result;
        }
        if (remaining_ms(deadline) == 0) {
            kill_and_reap(pid);
            result.status = CommandResult::Status::Timeout;
            result.error =
                path + ": did not exit within " + std::to_string(limits.timeout.count()) + " ms";
            return result;
        }
        ::poll(nullptr, 0, 1);
    }
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
        result.status =
            result.exit_code == 0 ? CommandResult::Status::Ok : CommandResult::Status::ExitFailure;
        if (result.exit_code != 0) {
            result.error = path + ": exit status " + std::to_string(result.exit_code);
        }
    } else {
        result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        result.status = CommandResult::Status::Signaled;
        result.error = path + ": killed by signal " + std::to_string(result.signal);
    }
    return result;
}

}  // namespace sstop::plugins::darwin
