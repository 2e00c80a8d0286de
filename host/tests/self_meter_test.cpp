// What watching costs: sstop's own CPU, peak memory and BPF kernel time as self.* counters,
// and the status line's text made from them.
#include "app/self_meter.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "tui/self_cost.hpp"

namespace sstop::host {
namespace {

using namespace std::chrono_literals;
using Clock = SelfMeter::Clock;

const SourceCounter* named(const std::vector<SourceCounter>& cs, const std::string& name) {
    for (const auto& c : cs)
        if (c.name == name) return &c;
    return nullptr;
}

TEST(SelfMeter, FirstUpdateHasMemoryOnlyThenCpuAsPartsPerMillionOfOneCore) {
    SelfMeter m;
    const Clock::time_point t0 = Clock::time_point{} + 100s;
    auto first = m.update(t0, {5'000'000'000u, 30u << 20}, std::nullopt);
    ASSERT_NE(named(first, "self.max_rss_bytes"), nullptr);
    EXPECT_EQ(named(first, "self.max_rss_bytes")->value, 30u << 20);
    EXPECT_EQ(named(first, "self.cpu_ppm"), nullptr) << "no interval yet";
    // 20 ms of CPU in 2 s: 1% of a core.
    auto second = m.update(t0 + 2s, {5'020'000'000u, 31u << 20}, std::nullopt);
    ASSERT_NE(named(second, "self.cpu_ppm"), nullptr);
    EXPECT_EQ(named(second, "self.cpu_ppm")->value, 10'000u);
    EXPECT_EQ(named(second, "self.bpf_cpu_ppm"), nullptr);
}

TEST(SelfMeter, BpfTimeOnlyWhenTheKernelCountsIt) {
    SelfMeter m;
    const Clock::time_point t0 = Clock::time_point{} + 100s;
    m.update(t0, {0, 1}, 0u);
    auto off = m.update(t0 + 1s, {0, 1}, 0u);  // bpf_stats disabled: run time stays 0
    EXPECT_EQ(named(off, "self.bpf_cpu_ppm"), nullptr);
    m.update(t0 + 2s, {0, 1}, 1'000'000u);
    auto on = m.update(t0 + 3s, {0, 1}, 3'000'000u);  // 2 ms in 1 s: 0.2%
    ASSERT_NE(named(on, "self.bpf_cpu_ppm"), nullptr);
    EXPECT_EQ(named(on, "self.bpf_cpu_ppm")->value, 2'000u);
}

TEST(SelfMeter, ClockNotAdvancingOrCpuGoingBackIsNotASpike) {
    SelfMeter m;
    const Clock::time_point t0 = Clock::time_point{} + 100s;
    m.update(t0, {1'000'000'000u, 1}, std::nullopt);
    EXPECT_EQ(named(m.update(t0, {2'000'000'000u, 1}, std::nullopt), "self.cpu_ppm"), nullptr);
    auto back = m.update(t0 + 1s, {1'500'000'000u, 1}, std::nullopt);
    ASSERT_NE(named(back, "self.cpu_ppm"), nullptr);
    EXPECT_EQ(named(back, "self.cpu_ppm")->value, 0u);
}

TEST(SelfMeter, BpfRunTimeIsSummedOverTheSourcesCounters) {
    std::vector<Sample> samples(2);
    samples[0].counters = {{"bpf_run_ns", 100}, {"sockets", 7}};
    samples[1].counters = {{"other.bpf_run_ns", 50}};
    EXPECT_EQ(bpf_run_ns_of(samples), 150u);
    samples[0].counters.clear();
    samples[1].counters.clear();
    EXPECT_FALSE(bpf_run_ns_of(samples));
}

TEST(SelfMeter, OwnUsageIsReal) {
    OwnUsage u = read_own_usage();
    EXPECT_GT(u.max_rss_bytes, 1u << 20) << "a test binary holds more than 1 MiB";
    volatile std::uint64_t spin = 0;
    const auto until = Clock::now() + 30ms;
    while (Clock::now() < until) spin = spin + 1;
    EXPECT_GT(read_own_usage().cpu_ns, u.cpu_ns);
}

TEST(SelfCostText, StatusLineText) {
    EXPECT_EQ(tui::self_cost_text({}), "");
    EXPECT_EQ(tui::self_cost_text({{"self.max_rss_bytes", 31u << 20}}), "")
        << "memory alone waits for the first CPU figure";
    EXPECT_EQ(tui::self_cost_text({{"self.max_rss_bytes", 31u << 20}, {"self.cpu_ppm", 4'000}}),
              "sstop 0.4% CPU 31 MiB");
    EXPECT_EQ(tui::self_cost_text({{"self.cpu_ppm", 12'345},
                                   {"self.max_rss_bytes", 20u << 20},
                                   {"self.bpf_cpu_ppm", 1'000}}),
              "sstop 1.2% CPU 20 MiB +0.1% BPF");
}

}  // namespace
}  // namespace sstop::host
