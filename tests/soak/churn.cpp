// sstop_churn: a bounded load generator of short TCP connections, for the churn soak.
//
//   sstop_churn server <addr> <port> [--threads N]
//   sstop_churn client <addr> <port> --rate R --seconds S [--seed X] [--threads N] [--linger]
//
// Each client connection sends a 4-byte length (network order) and then that many random
// bytes (1..64 KiB); the server reads exactly that, then closes first, so TIME_WAIT lands on
// the server's side and the client never runs out of ports. The client paces itself to R
// connections per second, stops after S seconds, and prints one JSON line with what it sent:
// {"connections":N,"tx_bytes":B,"failed":F} (tx_bytes counts the length prefixes too: they are
// payload to TCP). With --linger it then waits for SIGTERM, so the process (and its totals in
// sstop) stays visible until the test has read the last snapshot.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t kMaxPayload = 64 * 1024;

struct Endpoint {
    sockaddr_storage addr{};
    socklen_t len = 0;
    int family = AF_INET;
};

Endpoint parse_endpoint(const std::string& host, int port) {
    Endpoint e;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&e.addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.addr);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<std::uint16_t>(port));
        e.len = sizeof *v4;
    } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<std::uint16_t>(port));
        e.len = sizeof *v6;
        e.family = AF_INET6;
    } else {
        std::fprintf(stderr, "sstop_churn: bad address '%s'\n", host.c_str());
        std::exit(2);
    }
    return e;
}

bool write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

bool read_all(int fd, char* p, std::size_t n) {
    while (n > 0) {
        ssize_t r = ::read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

[[noreturn]] void serve(const Endpoint& ep, int threads) {
    int lfd = ::socket(ep.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || ::bind(lfd, reinterpret_cast<const sockaddr*>(&ep.addr), ep.len) != 0 ||
        ::listen(lfd, 4096) != 0) {
        std::perror("sstop_churn server: listen");
        std::exit(1);
    }
    std::printf("listening\n");
    std::fflush(stdout);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([lfd] {
            std::vector<char> buf(kMaxPayload);
            while (true) {
                int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
                if (fd < 0) continue;
                std::uint32_t len_be = 0;
                if (read_all(fd, reinterpret_cast<char*>(&len_be), sizeof len_be)) {
                    std::size_t n = ntohl(len_be);
                    if (n <= kMaxPayload) read_all(fd, buf.data(), n);
                }
                ::close(fd);  // server closes first: TIME_WAIT stays on this side
            }
        });
    }
    for (auto& w : workers) w.join();
    std::exit(0);
}

int client(const Endpoint& ep, double rate, double seconds, std::uint64_t seed, int threads,
           bool linger) {
    std::atomic<std::uint64_t> connections{0}, tx_bytes{0}, failed{0};
    const auto start = std::chrono::steady_clock::now();
    const auto total = static_cast<std::uint64_t>(rate * seconds);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            std::mt19937_64 rng(seed + static_cast<std::uint64_t>(t));
            std::uniform_int_distribution<std::size_t> size(1, kMaxPayload);
            std::vector<char> buf(4 + kMaxPayload);
            for (auto& c : buf) c = static_cast<char>(rng());
            // Connection i of this worker is due at start + (t + i*threads) / rate.
            for (std::uint64_t i = static_cast<std::uint64_t>(t); i < total;
                 i += static_cast<std::uint64_t>(threads)) {
                const auto due = start + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             std::chrono::duration<double>(double(i) / rate));
                std::this_thread::sleep_until(due);
                const std::size_t n = size(rng);
                const std::uint32_t len_be = htonl(static_cast<std::uint32_t>(n));
                std::memcpy(buf.data(), &len_be, 4);
                int fd = ::socket(ep.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
                bool ok = fd >= 0 &&
                          ::connect(fd, reinterpret_cast<const sockaddr*>(&ep.addr), ep.len) == 0;
                if (ok) ok = write_all(fd, buf.data(), 4 + n);
                if (ok) {
                    tx_bytes += 4 + n;
                    char c;
                    // Wait for the server's close, so every byte was received and acked.
                    while (::read(fd, &c, 1) > 0) {
                    }
                    ++connections;
                } else {
                    ++failed;
                }
                if (fd >= 0) ::close(fd);
            }
        });
    }
    for (auto& w : workers) w.join();
    std::printf("{\"connections\":%llu,\"tx_bytes\":%llu,\"failed\":%llu}\n",
                static_cast<unsigned long long>(connections.load()),
                static_cast<unsigned long long>(tx_bytes.load()),
                static_cast<unsigned long long>(failed.load()));
    std::fflush(stdout);
    if (linger) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigprocmask(SIG_BLOCK, &set, nullptr);
        int sig = 0;
        sigwait(&set, &sig);
    }
    return failed.load() == 0 ? 0 : 1;
}

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: sstop_churn server <addr> <port> [--threads N]\n"
                 "       sstop_churn client <addr> <port> --rate R --seconds S [--seed X] "
                 "[--threads N] [--linger]\n");
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) usage();
    const std::string mode = argv[1];
    const Endpoint ep = parse_endpoint(argv[2], std::atoi(argv[3]));
    double rate = 1000, seconds = 10;
    std::uint64_t seed = 1;
    int threads = 4;
    bool linger = false;
    for (int i = 4; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (a == "--rate") {
            rate = std::atof(next());
        } else if (a == "--seconds") {
            seconds = std::atof(next());
        } else if (a == "--seed") {
            seed = std::strtoull(next(), nullptr, 10);
        } else if (a == "--threads") {
            threads = std::atoi(next());
        } else if (a == "--linger") {
            linger = true;
        } else {
            usage();
        }
    }
    // Bounded by construction: rate, duration and thread count are capped here.
    if (rate <= 0 || rate > 100000 || seconds <= 0 || seconds > 86400 || threads < 1 ||
        threads > 64) {
        usage();
    }
    if (mode == "server") serve(ep, threads);
    if (mode == "client") return client(ep, rate, seconds, seed, threads, linger);
    usage();
}
