#pragma once
// Small helpers shared by the bench drivers: CPU clocks, statistics, child processes.
// Benchmarks only; nothing here is part of sstop.

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sstop::bench {

/// CPU time consumed by the calling thread, in nanoseconds.
std::int64_t thread_cpu_ns();

/// Monotonic wall clock, in nanoseconds.
std::int64_t wall_ns();

/// utime + stime of a rusage, in nanoseconds.
std::int64_t rusage_cpu_ns(const struct rusage& ru);

/// Median, minimum and maximum of a set of measurements (all 0 when empty).
struct Spread {
    double median = 0;
    double min = 0;
    double max = 0;
    std::size_t n = 0;
};
Spread spread(std::vector<double> values);

/// Result of a finished child: exit code (128+signal when killed) and its CPU time.
struct ChildResult {
    int exit_code = -1;
    std::int64_t cpu_ns = 0;
    long max_rss_kib = 0;  ///< peak resident set size (wait4 rusage ru_maxrss)
};

/// Runs argv (execvp) with stdout and stderr sent to /dev/null (or stderr to `stderr_path`
/// when non-empty), waits for it and returns its exit code and CPU time (wait4 rusage).
/// Kills it by pid (SIGKILL) after `timeout`.
ChildResult run_measured(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const std::string& stderr_path = {});

/// Formats nanoseconds as milliseconds with two decimals.
std::string ms(double ns);

}  // namespace sstop::bench
