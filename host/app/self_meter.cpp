#include "app/self_meter.hpp"

#include <sys/resource.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <string_view>

namespace sstop::host {

OwnUsage read_own_usage() {
    OwnUsage u;
    rusage r{};
    if (::getrusage(RUSAGE_SELF, &r) != 0) return u;
    auto ns = [](const timeval& t) {
        return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000u +
               static_cast<std::uint64_t>(t.tv_usec) * 1'000u;
    };
    u.cpu_ns = ns(r.ru_utime) + ns(r.ru_stime);
#ifdef __APPLE__
    u.max_rss_bytes = static_cast<std::uint64_t>(r.ru_maxrss);  // bytes on macOS
#else
    u.max_rss_bytes = static_cast<std::uint64_t>(r.ru_maxrss) * 1024u;  // KiB elsewhere
#endif
    return u;
}

void release_free_memory() {
#if defined(__GLIBC__)
    ::malloc_trim(0);
#endif
}

void tune_allocator() {
#if defined(__GLIBC__)
    ::mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

std::optional<std::uint64_t> bpf_run_ns_of(const std::vector<Sample>& samples) {
    std::optional<std::uint64_t> sum;
    constexpr std::string_view kSuffix = "bpf_run_ns";
    for (const Sample& s : samples) {
        for (const SourceCounter& c : s.counters) {
            const std::string_view name = c.name;
            if (name.size() >= kSuffix.size() &&
                name.substr(name.size() - kSuffix.size()) == kSuffix)
                sum = sum.value_or(0) + c.value;
        }
    }
    return sum;
}

std::vector<SourceCounter> SelfMeter::update(Clock::time_point now, const OwnUsage& usage,
                                             std::optional<std::uint64_t> bpf_run_ns) {
    std::vector<SourceCounter> out;
    out.push_back({"self.max_rss_bytes", usage.max_rss_bytes});
    if (last_time_ && now > *last_time_) {
        const auto wall = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - *last_time_).count());
        auto ppm = [wall](std::uint64_t before, std::uint64_t after) {
            const std::uint64_t used = after > before ? after - before : 0;
            return static_cast<std::uint64_t>(static_cast<double>(used) * 1e6 /
                                              static_cast<double>(wall));
        };
        out.push_back({"self.cpu_ppm", ppm(last_cpu_ns_, usage.cpu_ns)});
        // Zero run time means the kernel is not counting (bpf_stats off): say nothing.
        if (bpf_run_ns && last_bpf_ns_ && *bpf_run_ns > 0)
            out.push_back({"self.bpf_cpu_ppm", ppm(*last_bpf_ns_, *bpf_run_ns)});
    }
    last_time_ = now;
    last_cpu_ns_ = usage.cpu_ns;
    last_bpf_ns_ = bpf_run_ns;
    return out;
}

}  // namespace sstop::host
