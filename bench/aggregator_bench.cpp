// aggregator_bench: the core's cost per tick, alone, at 6,000 / 20,000 / 60,000 established
// TCP sockets of which 1% move bytes each tick. Two feeds:
//   - full:        every socket listed every tick (netlink, procnet);
//   - incremental: only the sockets that moved (ebpf; TickInput::incremental_sources).
// Reports thread CPU µs per ingest (median of the measured ticks) and, as the reference of
// the same run, the cost of copying the tick's input once (what any consumer of the sample
// pays at least). The growth column is the cost at N over the cost at 6,000. Each feed runs
// with per-socket lists in the snapshot (the screen, --json) and without (`--headless`
// with no consumer of them: AggregatorConfig::socket_detail off). Measures and asserts
// nothing. No privileges, no network.
//
//   aggregator_bench [--ticks N] [--processes P]

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/aggregator.hpp"

namespace {

using sstop::IpAddr;
using sstop::ProcessId;
using sstop::ProcessInfo;
using sstop::Sample;
using sstop::SocketObs;
using sstop::core::Aggregator;
using sstop::core::TickInput;

IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddr ip;
    ip.family = sstop::Family::V4;
    ip.bytes[0] = a;
    ip.bytes[1] = b;
    ip.bytes[2] = c;
    ip.bytes[3] = d;
    return ip;
}

struct World {
    std::vector<SocketObs> sockets;
    std::vector<ProcessInfo> processes;
};

World make_world(std::size_t n, std::size_t processes) {
    World w;
    for (std::size_t p = 0; p < processes; ++p) {
        ProcessInfo info;
        info.id = ProcessId{static_cast<std::int32_t>(1000 + p), 1};
        info.name = "holder" + std::to_string(p);
        w.processes.push_back(info);
    }
    for (std::size_t i = 0; i < n; ++i) {
        SocketObs s;
        s.key.proto = sstop::Proto::Tcp;
        // As bench/idle.sh makes them: each holder process has its own address and a run of
        // sockets (ports 10000 + i / 10 keep every 5-tuple distinct).
        const std::size_t holder = i * processes / n;
        s.key.local.addr = v4(127, 0, 0, static_cast<std::uint8_t>(1 + holder % 250));
        s.key.local.port = static_cast<std::uint16_t>(10000 + i / 10);
        s.key.remote.addr = v4(127, 0, 0, static_cast<std::uint8_t>(1 + holder % 250));
        s.key.remote.port = static_cast<std::uint16_t>(40000 + i % 10);
        s.state = sstop::SocketState::Established;
        s.inode = 100000 + i;
        s.cookie = 500000 + i;
        s.owner = w.processes[holder].id;
        s.has_bytes = true;
        w.sockets.push_back(s);
    }
    return w;
}

struct Row {
    double ingest_us = 0;
    double copy_us = 0;
};

Row run(std::size_t n, std::size_t processes, int ticks, bool incremental, bool detail) {
    World w = make_world(n, processes);
    sstop::core::AggregatorConfig config;
    config.socket_detail = detail;
    Aggregator agg(config);
    const std::size_t active = std::max<std::size_t>(1, n / 100);
    auto t = std::chrono::steady_clock::now();
    std::vector<double> ingest;
    std::vector<double> copy;
    Sample spare;
    for (int k = 0; k < ticks + 3; ++k) {
        // The active 1% send 64 bytes each way per tick.
        for (std::size_t i = 0; i < active; ++i) {
            w.sockets[i * (n / active)].rx_bytes += 64;
            w.sockets[i * (n / active)].tx_bytes += 64;
        }
        TickInput tick;
        tick.now = t;
        t += std::chrono::seconds(1);
        tick.sources = {"bench"};
        // The input's buffers are reused from tick to tick (`spare`), so the reference
        // column is a copy, not the bench's own allocator traffic.
        Sample s = std::move(spare);
        s.source = "bench";
        s.has_sockets = true;
        const std::int64_t c0 = sstop::bench::thread_cpu_ns();
        s.sockets.clear();
        if (incremental && k > 0) {
            for (std::size_t i = 0; i < active; ++i)
                s.sockets.push_back(w.sockets[i * (n / active)]);
        } else {
            s.sockets.insert(s.sockets.end(), w.sockets.begin(), w.sockets.end());
        }
        s.processes = w.processes;
        const std::int64_t c1 = sstop::bench::thread_cpu_ns();
        tick.samples.push_back(std::move(s));
        if (incremental) tick.incremental_sources = {"bench"};
        const std::int64_t i0 = sstop::bench::thread_cpu_ns();
        auto snap = agg.ingest(tick);
        const std::int64_t i1 = sstop::bench::thread_cpu_ns();
        if (k >= 3) {  // the first ticks set baselines and grow the tables
            ingest.push_back(static_cast<double>(i1 - i0) / 1e3);
            copy.push_back(static_cast<double>(c1 - c0) / 1e3);
        }
        if (snap->processes.empty()) std::abort();  // keep the snapshot observable
        spare = std::move(tick.samples.front());
    }
    return Row{sstop::bench::spread(ingest).median, sstop::bench::spread(copy).median};
}

}  // namespace

int main(int argc, char** argv) {
    int ticks = 20;
    std::size_t processes = 10;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--ticks") && i + 1 < argc) {
            ticks = std::max(1, std::atoi(argv[++i]));
        } else if (!std::strcmp(argv[i], "--processes") && i + 1 < argc) {
            processes = static_cast<std::size_t>(std::max(1, std::atoi(argv[++i])));
        } else {
            std::fprintf(stderr, "usage: aggregator_bench [--ticks N] [--processes P]\n");
            return 2;
        }
    }
    std::printf(
        "| feed | socket lists | sockets | ingest µs/tick (median) | input copy µs | ingest / "
        "copy | growth vs 6,000 |\n");
    std::printf("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (bool incremental : {false, true}) {
        for (bool detail : {true, false}) {
            double base = 0;
            for (std::size_t n : {6000u, 20000u, 60000u}) {
                const Row r = run(n, processes, ticks, incremental, detail);
                if (n == 6000) base = r.ingest_us;
                std::printf("| %s | %s | %zu | %.0f | %.0f | %.1f× | %.1f× |\n",
                            incremental ? "incremental" : "full", detail ? "yes" : "no", n,
                            r.ingest_us, r.copy_us, r.copy_us > 0 ? r.ingest_us / r.copy_us : 0.0,
                            base > 0 ? r.ingest_us / base : 0.0);
            }
        }
    }
    return 0;
}
