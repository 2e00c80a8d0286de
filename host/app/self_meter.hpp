#pragma once
/// @file self_meter.hpp
/// What watching costs: sstop's own CPU and peak memory, and the CPU its BPF programs use in
/// the kernel, as `self.*` counters of each tick. `--json` shows them as the `self` object,
/// the status line as "sstop 0.4% CPU 31 MiB".

#include <chrono>
#include <cstdint>
#include <optional>
#include <sstop/model.hpp>
#include <vector>

namespace sstop::host {

/// Resource use of this process so far (POSIX getrusage).
struct OwnUsage {
    std::uint64_t cpu_ns = 0;         ///< user + system CPU time
    std::uint64_t max_rss_bytes = 0;  ///< peak resident set size
};

/// This process's usage now.
OwnUsage read_own_usage();

/// Hands the allocator's free pages back to the system (glibc: malloc_trim; elsewhere a
/// no-op). Start-up frees a few MiB at once (the first socket inventory), which glibc would
/// otherwise keep resident for good: its mmap threshold rises to the size of the largest
/// block freed, so later large blocks come from the heap and stay there.
void release_free_memory();

/// Called once at start, before any thread: blocks of 256 KiB and more are mapped on their own
/// and unmapped when freed (glibc would otherwise raise that threshold to the largest block
/// ever freed and keep such blocks in the heap). Elsewhere a no-op.
void tune_allocator();

/// Turns successive usage readings into the `self.*` counters of a tick:
///   self.cpu_ppm          CPU of one core used since the previous tick, parts per million
///   self.max_rss_bytes    peak resident set size
///   self.bpf_cpu_ppm      CPU the sources' BPF programs used in the kernel since the previous
///                         tick (sum of the sources' `bpf_run_ns` counters; only when a source
///                         reports them, i.e. with kernel.bpf_stats_enabled=1)
class SelfMeter {
  public:
    using Clock = std::chrono::steady_clock;
    /// `bpf_run_ns`: the sum of the sources' cumulative `<source>.bpf_run_ns`, if any.
    std::vector<SourceCounter> update(Clock::time_point now, const OwnUsage& usage,
                                      std::optional<std::uint64_t> bpf_run_ns);

  private:
    std::optional<Clock::time_point> last_time_;
    std::uint64_t last_cpu_ns_ = 0;
    std::optional<std::uint64_t> last_bpf_ns_;
};

/// The sum of the counters named `<source>.bpf_run_ns` among `samples`, if there is one.
std::optional<std::uint64_t> bpf_run_ns_of(const std::vector<Sample>& samples);

}  // namespace sstop::host
