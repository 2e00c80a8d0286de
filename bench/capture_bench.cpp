// capture_bench: the traffic generator and the receiving side of the AF_PACKET benchmark.
// bench/run.sh runs each mode inside a namespace it made (`ip netns exec`).
//
//   capture_bench send --dst IP --port P --seconds S [--payload 64] [--batch 64]
//       Sends small UDP datagrams with sendmmsg for S seconds (bounded loop); prints
//       sent=, seconds=, pps=, cpu_s=.
//   capture_bench recv --port P --seconds S [--afpacket] [--ready FILE] [--stop FILE]
//       Binds a UDP sink on P (never read: datagrams are dropped at its full receive buffer,
//       the cheapest end for them). With --afpacket it runs the afpacket source as the host
//       does: capture_loop on its own thread, collect() once a second on this thread. Touches
//       the ready FILE once ready and returns early once the stop FILE exists. Prints
//       capture_cpu_s=, collect_cpu_s=, packets=, flow_rx_packets=, kernel_drops=,
//       degraded_collects=.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "afpacket_source.hpp"
#include "bench_util.hpp"

namespace sstop::bench {
namespace {

struct Args {
    std::string mode;
    std::string dst = "10.213.0.2";
    int port = 40000;
    double seconds = 10;
    int payload = 64;
    int batch = 64;
    bool afpacket = false;
    std::string ready;
    std::string stop;
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr, "capture_bench: %s\n", why.c_str());
    std::exit(2);
}

Args parse_args(int argc, char** argv) {
    if (argc < 2) usage("mode send|recv expected");
    Args a;
    a.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string k = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) usage(k + " needs a value");
            return argv[++i];
        };
        if (k == "--dst")
            a.dst = next();
        else if (k == "--port")
            a.port = std::atoi(next().c_str());
        else if (k == "--seconds")
            a.seconds = std::atof(next().c_str());
        else if (k == "--payload")
            a.payload = std::atoi(next().c_str());
        else if (k == "--batch")
            a.batch = std::atoi(next().c_str());
        else if (k == "--afpacket")
            a.afpacket = true;
        else if (k == "--ready")
            a.ready = next();
        else if (k == "--stop")
            a.stop = next();
        else
            usage("unknown argument " + k);
    }
    if (a.port < 1 || a.port > 65535 || a.seconds <= 0 || a.seconds > 600 || a.payload < 1 ||
        a.payload > 1400 || a.batch < 1 || a.batch > 1024)
        usage("argument out of range");
    return a;
}

double process_cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double clock_s(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int send_mode(const Args& a) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<std::uint16_t>(a.port));
    if (fd < 0 || inet_pton(AF_INET, a.dst.c_str(), &dst.sin_addr) != 1 ||
        connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) < 0) {
        std::perror("capture_bench send: socket/connect");
        return 1;
    }
    std::vector<char> payload(static_cast<std::size_t>(a.payload), 'x');
    std::vector<iovec> iov(static_cast<std::size_t>(a.batch));
    std::vector<mmsghdr> msgs(static_cast<std::size_t>(a.batch));
    for (int i = 0; i < a.batch; ++i) {
        iov[i] = {payload.data(), payload.size()};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const std::int64_t start = wall_ns();
    const std::int64_t end = start + static_cast<std::int64_t>(a.seconds * 1e9);
    // Bounded twice: by time, and by a call count no real run reaches (10 Mpps for 600 s).
    const std::uint64_t max_calls = 6'000'000'000ull / static_cast<std::uint64_t>(a.batch);
    std::uint64_t sent = 0, errors = 0;
    const double cpu0 = process_cpu_s();
    for (std::uint64_t call = 0; call < max_calls; ++call) {
        if ((call & 15) == 0 && wall_ns() >= end) break;
        int n = sendmmsg(fd, msgs.data(), static_cast<unsigned>(a.batch), 0);
        if (n > 0)
            sent += static_cast<std::uint64_t>(n);
        else
            ++errors;  // ENOBUFS and the like: the generator just goes on
    }
    const double secs = static_cast<double>(wall_ns() - start) / 1e9;
    std::printf("sent=%llu\nerrors=%llu\nseconds=%.3f\npps=%.0f\ncpu_s=%.3f\n",
                static_cast<unsigned long long>(sent), static_cast<unsigned long long>(errors),
                secs, static_cast<double>(sent) / secs, process_cpu_s() - cpu0);
    close(fd);
    return 0;
}

std::uint64_t counter(const Sample& s, const char* name) {
    for (const SourceCounter& c : s.counters)
        if (c.name == name) return c.value;
    return 0;
}

int recv_mode(const Args& a) {
    int sink = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(a.port));
    int small = 4096;
    setsockopt(sink, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    if (sink < 0 || bind(sink, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        std::perror("capture_bench recv: bind");
        return 1;
    }
    auto touch_ready = [&]() {
        if (a.ready.empty()) return;
        int fd = open(a.ready.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) close(fd);
    };
    const std::int64_t end = wall_ns() + static_cast<std::int64_t>(a.seconds * 1e9);
    auto stop_requested = [&]() { return !a.stop.empty() && access(a.stop.c_str(), F_OK) == 0; };
    if (!a.afpacket) {
        touch_ready();
        while (wall_ns() < end && !stop_requested())
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        close(sink);
        return 0;
    }

    plugins::afpacket::AfpacketSource source{plugins::afpacket::AfpacketConfig{}};
    source.open();
    std::atomic<bool> stop{false};
    std::atomic<bool> capture_failed{false};
    clockid_t capture_clock{};
    std::atomic<bool> clock_ready{false};
    std::thread capture([&] {
        try {
            source.capture_loop(StopToken(stop));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "capture_bench: capture_loop: %s\n", e.what());
            capture_failed = true;
        }
    });
    if (pthread_getcpuclockid(capture.native_handle(), &capture_clock) == 0) clock_ready = true;
    const double capture_cpu0 = clock_ready ? clock_s(capture_clock) : 0;
    touch_ready();

    double collect_cpu = 0;
    std::uint64_t degraded = 0;
    Sample last;
    // Like the host: one collect per 1 s tick (here 10 naps of 100 ms, so a stop request is
    // noticed soon), bounded by the run time.
    for (int nap = 1; nap < 10'000'000 && wall_ns() < end && !stop_requested(); ++nap) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (nap % 10) continue;
        Sample s;
        const std::int64_t c0 = thread_cpu_ns();
        CollectStatus st = source.collect(s);
        collect_cpu += static_cast<double>(thread_cpu_ns() - c0) / 1e9;
        if (st.code != CollectStatus::Code::Ok) ++degraded;
        last = std::move(s);
    }
    const double capture_cpu = clock_ready ? clock_s(capture_clock) - capture_cpu0 : -1;
    stop = true;
    source.wake();
    capture.join();
    {
        Sample s;
        source.collect(s);  // picks up drops counted after the last tick
        last = std::move(s);
    }
    std::uint64_t flow_rx = 0;
    for (const FlowBytes& f : last.flows)
        if (f.key.local.port == a.port) flow_rx += f.rx_packets;
    std::printf(
        "capture_cpu_s=%.4f\ncollect_cpu_s=%.6f\npackets=%llu\nflow_rx_packets=%llu\n"
        "kernel_drops=%llu\ndegraded_collects=%llu\ncapture_failed=%d\n",
        capture_cpu, collect_cpu, static_cast<unsigned long long>(counter(last, "packets")),
        static_cast<unsigned long long>(flow_rx),
        static_cast<unsigned long long>(counter(last, "kernel_drops")),
        static_cast<unsigned long long>(degraded), capture_failed ? 1 : 0);
    close(sink);
    return capture_failed ? 1 : 0;
}

}  // namespace
}  // namespace sstop::bench

int main(int argc, char** argv) {
    const sstop::bench::Args a = sstop::bench::parse_args(argc, argv);
    try {
        if (a.mode == "send") return sstop::bench::send_mode(a);
        if (a.mode == "recv") return sstop::bench::recv_mode(a);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "capture_bench: %s\n", e.what());
        return 1;
    }
    sstop::bench::usage("mode send|recv expected");
}
