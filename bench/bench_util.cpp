#include "bench_util.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace sstop::bench {

std::int64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t wall_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t rusage_cpu_ns(const struct rusage& ru) {
    auto ns = [](const timeval& tv) {
        return std::int64_t{tv.tv_sec} * 1'000'000'000 + std::int64_t{tv.tv_usec} * 1000;
    };
    return ns(ru.ru_utime) + ns(ru.ru_stime);
}

Spread spread(std::vector<double> values) {
    Spread s;
    s.n = values.size();
    if (values.empty()) return s;
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    s.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    s.min = values.front();
    s.max = values.back();
    return s;
}

ChildResult run_measured(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const std::string& stderr_path) {
    ChildResult result;
    pid_t pid = fork();
    if (pid < 0) return result;
    if (pid == 0) {
        int null_fd = open("/dev/null", O_RDWR);
        int err_fd = stderr_path.empty()
                         ? null_fd
                         : open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
        dup2(err_fd < 0 ? null_fd : err_fd, STDERR_FILENO);
        std::vector<char*> args;
        for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    const std::int64_t deadline = wall_ns() + timeout.count() * 1'000'000;
    int status = 0;
    struct rusage ru {};
    // Polling with a short sleep keeps this bounded without a signal handler; the child's
    // CPU time comes from wait4, so the polling does not disturb the measurement.
    for (;;) {
        pid_t r = wait4(pid, &status, WNOHANG, &ru);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return result;
        if (wall_ns() > deadline) {
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, &ru);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.cpu_ns = rusage_cpu_ns(ru);
    result.max_rss_kib = ru.ru_maxrss;
    return result;
}

std::string ms(double ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", ns / 1e6);
    return buf;
}

}  // namespace sstop::bench
