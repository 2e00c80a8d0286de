#pragma once
// The status line's "what watching costs": sstop's CPU and peak memory, and its BPF
// programs' kernel CPU when measured, from the host's self.* counters of a snapshot.

#include <cstdint>
#include <cstdio>
#include <sstop/model.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop::tui {

/// "sstop 0.4% CPU 31 MiB" (with " +0.1% BPF" when the kernel counts BPF run time); empty
/// when the snapshot has no self counters yet.
inline std::string self_cost_text(const std::vector<SourceCounter>& counters) {
    const SourceCounter* cpu = nullptr;
    const SourceCounter* rss = nullptr;
    const SourceCounter* bpf = nullptr;
    for (const SourceCounter& c : counters) {
        if (c.name == "self.cpu_ppm") cpu = &c;
        if (c.name == "self.max_rss_bytes") rss = &c;
        if (c.name == "self.bpf_cpu_ppm") bpf = &c;
    }
    if (!cpu || !rss) return {};
    char buf[96];
    const double mib = static_cast<double>(rss->value) / (1024.0 * 1024.0);
    int n = std::snprintf(buf, sizeof buf, "sstop %.1f%% CPU %.0f MiB",
                          static_cast<double>(cpu->value) / 1e4, mib);
    std::string out(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    if (bpf) {
        n = std::snprintf(buf, sizeof buf, " +%.1f%% BPF", static_cast<double>(bpf->value) / 1e4);
        out.append(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    }
    return out;
}

}  // namespace sstop::tui
