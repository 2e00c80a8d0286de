// Accuracy scenarios: the hard cases of per-process accounting, each run against the real
// `sstop --json` with one `--sources` string (the test's parameter). Each generator counts its
// own bytes (what its send/recv calls moved) in memory shared with the test, and the test
// checks what sstop credited to the generator's pid and name, within 1%, and that
// processes + unattributed = totals. Sources that cannot see a case by design say so with an
// expected-skip whose reason is the one their README gives; nothing passes silently.
//
// Adding a source set is one line at the bottom (INSTANTIATE_TEST_SUITE_P).

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#ifdef SSTOP_HAVE_LIBURING
#include <liburing.h>
#endif

#include "netns.hpp"
#include "snapshot_json.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kMaxShort = 64;

// What generators tell the test, in memory shared across fork.
struct Tally {
    std::atomic<std::uint64_t> tx{0};
    std::atomic<std::uint64_t> rx{0};
    std::atomic<int> done{0};
    std::atomic<int> start{0};
    std::atomic<int> count{0};
    std::atomic<int> pid[kMaxShort];
    std::atomic<std::uint64_t> sent[kMaxShort];
    std::atomic<std::int64_t> took_us[kMaxShort];
};

// Zero at start: the memory is zero-filled and the atomics value-initialised.
using SharedTally = SharedValue<Tally>;

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "generator: %s: %s\n", what, std::strerror(errno));
    _exit(99);
}

socklen_t to_sockaddr(const std::string& addr, int port, sockaddr_storage& ss) {
    std::memset(&ss, 0, sizeof ss);
    if (addr.find(':') != std::string::npos) {
        auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(static_cast<std::uint16_t>(port));
        inet_pton(AF_INET6, addr.c_str(), &a6->sin6_addr);
        return sizeof(sockaddr_in6);
    }
    auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, addr.c_str(), &a4->sin_addr);
    return sizeof(sockaddr_in);
}

void set_rcvtimeo(int fd, int ms) {
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

// A TCP sink: accepts any number of connections and reads each to EOF, counting what it read.
// With `reply` > 0 it answers each connection's first byte with `reply` bytes.
void tcp_sink_loop(int listen_fd, Tally& t, std::size_t reply = 0) {
    std::vector<pollfd> fds{{listen_fd, POLLIN, 0}};
    std::vector<char> buf(1 << 16);
    std::vector<bool> answered(1, true);
    for (;;) {
        if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) die("poll");
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            if (i == 0) {
                int c = accept(listen_fd, nullptr, nullptr);
                if (c >= 0) {
                    fds.push_back({c, POLLIN, 0});
                    answered.push_back(reply == 0);
                }
                continue;
            }
            ssize_t n = read(fds[i].fd, buf.data(), buf.size());
            if (n > 0) {
                t.rx += static_cast<std::uint64_t>(n);
                if (!answered[i]) {
                    answered[i] = true;
                    write_exactly(fds[i].fd, reply);
                    t.tx += reply;
                }
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;  // poll ignores it from now on
            }
        }
    }
}

// Sends `count` datagrams of `size` bytes on a connected socket, paced so that the peer's
// queue is not the bottleneck; counts what was sent.
void send_datagrams(int fd, std::size_t size, std::size_t count, std::atomic<std::uint64_t>& tx) {
    std::vector<char> buf(size, 'u');
    for (std::size_t i = 0; i < count; ++i) {
        ssize_t n;
        while ((n = send(fd, buf.data(), buf.size(), 0)) < 0) usleep(100);
        tx += static_cast<std::uint64_t>(n);
        if (i % 32 == 31) usleep(300);
    }
}

// A receive buffer no burst overflows: the generator's count is what reached its socket.
void big_rcvbuf(int fd) {
    int size = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
}

// A UDP echo peer on a bound socket: every datagram goes back to its sender; counts both.
[[noreturn]] void udp_echo_loop(int fd, Tally& t) {
    big_rcvbuf(fd);
    std::vector<char> buf(65536);
    for (;;) {
        sockaddr_storage from{};
        socklen_t len = sizeof from;
        ssize_t n =
            recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) continue;
        t.rx += static_cast<std::uint64_t>(n);
        if (t.start.load() == 2) continue;  // stopped: receive only
        ssize_t w = sendto(fd, buf.data(), static_cast<std::size_t>(n), 0,
                           reinterpret_cast<sockaddr*>(&from), len);
        if (w > 0) t.tx += static_cast<std::uint64_t>(w);
    }
}

// One datagram there and back before the measurement, so neighbour discovery (IPv6) is done
// and no datagram is dropped while the address resolves.
void warm_up(int fd) {
    big_rcvbuf(fd);
    set_rcvtimeo(fd, 200);
    char c = 'w';
    for (int i = 0; i < 50; ++i) {
        if (send(fd, &c, 1, 0) == 1 && recv(fd, &c, 1, 0) == 1) break;
    }
    set_rcvtimeo(fd, 0);
}

// Drains what arrives on `fd` into `rx` until `idle_ms` pass without a datagram.
void drain(int fd, std::atomic<std::uint64_t>& rx, int idle_ms, int ip_header = 0) {
    set_rcvtimeo(fd, idle_ms);
    std::vector<char> buf(65536);
    for (;;) {
        ssize_t n = recv(fd, buf.data(), buf.size(), 0);
        if (n < 0) return;
        int strip = ip_header;
        if (ip_header < 0) strip = (buf[0] & 0x0f) * 4;  // raw IPv4 sockets see the IP header
        rx += static_cast<std::uint64_t>(n - strip);
    }
}

// Why a source set cannot see a case, as its README says; empty when it can.
enum class Case { ShortLived, Icmp, RawIp, LateNamespace, Injected };
std::string cannot_see(const std::string& sources, Case c) {
    const bool procnet = sources.rfind("procnet", 0) == 0;
    if (c == Case::Injected && sources.find("afpacket") == std::string::npos)
        return "frames written through an AF_PACKET socket bypass the IP layer where the socket "
               "hooks are; only afpacket sees them (plugins/source-ebpf/README.md)";
    if (procnet && c == Case::ShortLived)
        return "procnet polls /proc/net and has no destroy notifications or connect tracer: a "
               "connection that opens and closes between two updates is never listed, so its "
               "bytes are unattributed (plugins/source-procnet/README.md)";
    return {};
}

#define SKIP_IF_NOT_SEEN(c)                                                              \
    do {                                                                                 \
        if (const std::string why = cannot_see(sources_of(GetParam()), c); !why.empty()) \
            GTEST_SKIP() << "expected: " << why;                                         \
    } while (false)

// A parameter is a source list, with "@packets" when source-ebpf counts per packet (its
// `hooks: packets`, what kernels before 6.3 get) instead of per syscall.
std::string sources_of(const std::string& param) { return param.substr(0, param.find('@')); }
bool packet_hooks(const std::string& param) { return param.find("@packets") != std::string::npos; }

class Accuracy : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
        if (packet_hooks(GetParam())) {
            hooks_config_ = "/tmp/sstop-acc-hooks-" + std::to_string(::getpid()) + ".yaml";
            std::ofstream(hooks_config_) << "plugins:\n  ebpf: {" << ebpf_options() << "}\n";
        }
    }
    void TearDown() override {
        if (!hooks_config_.empty()) std::remove(hooks_config_.c_str());
    }

    // What a test's own `plugins.ebpf` section must hold besides its keys ("" or a key).
    std::string ebpf_options() const { return packet_hooks(GetParam()) ? "hooks: packets" : ""; }

    // sstop's arguments; `config`, when given, must carry ebpf_options() itself.
    std::vector<std::string> args(std::string config = {}) const {
        if (config.empty()) config = hooks_config_;
        std::vector<std::string> a{
            "--sources", sources_of(GetParam()), "--interval", "500ms", "--count", "400"};
        // Debugging aid: SSTOP_ACCURACY_RECORD=DIR keeps what the sources saw, per test.
        if (const char* dir = std::getenv("SSTOP_ACCURACY_RECORD")) {
            std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
            for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
            a.push_back("--record");
            a.push_back(std::string(dir) + "/" + name + ".rec");
        }
        if (!config.empty()) {
            a.push_back("--config");
            a.push_back(config);
        }
        return a;
    }

    // Starts the generators (fires `go`), waits until `finished()` (at most `limit`), lets
    // `settle` more updates pass, stops sstop and returns its last snapshot.
    json measure(SstopRun& sstop, Gate& go, const std::function<bool()>& finished,
                 milliseconds limit = seconds(30), int settle = 3) {
        EXPECT_TRUE(sstop.wait_for_seq(1, seconds(20))) << sstop.errors();
        go.fire();
        auto until = std::chrono::steady_clock::now() + limit;
        while (!finished() && std::chrono::steady_clock::now() < until) usleep(20000);
        EXPECT_TRUE(finished()) << "the generators did not finish in time";
        const int last = sstop.snapshots().back()["seq"].get<int>();
        EXPECT_TRUE(sstop.wait_for_seq(last + settle, seconds(20))) << sstop.errors();
        EXPECT_EQ(sstop.stop(), 0) << sstop.errors();
        json snap = sstop.snapshots().back();
        expect_batched_reads(snap);
        expect_no_cookieless_bytes(snap);
        return snap;
    }

    // Under ebpf, every inet socket that moved bytes had a cookie, so its bytes were counted:
    // a ping or raw socket older than sstop gets one at its first send or receive.
    // (`ebpf.cookieless_bytes` counts the whole machine's sockets, the other tests' too.)
    void expect_no_cookieless_bytes(const json& snap) {
        const json& c = snap["counters"];
        if (!c.contains("ebpf.cookieless_bytes")) return;  // ebpf not in the set, or fell over
        EXPECT_EQ(c["ebpf.cookieless_bytes"].get<std::uint64_t>(), 0u) << c.dump();
    }

    // Under ebpf alone, the changed sockets are read in place from the mapped records, none
    // looked up; the slots of closed ones go back in batches (`sstop_free`, a syscall
    // program: Linux 5.14), every one taken back.
    void expect_batched_reads(const json& snap) {
        utsname u{};
        int major = 0, minor = 0;
        if (sources_of(GetParam()) != "ebpf" || uname(&u) != 0 ||
            std::sscanf(u.release, "%d.%d", &major, &minor) != 2 ||
            std::make_pair(major, minor) < std::make_pair(5, 14))
            return;
        const json& c = snap["counters"];
        EXPECT_GT(c.value("ebpf.batch_reads", 0), 0) << c.dump();
        EXPECT_EQ(c.value("ebpf.lookups", -1), 0) << c.dump();
        EXPECT_EQ(c.value("ebpf.slots_lost", -1), 0) << c.dump();
    }

    // The generator's pid is listed under its name, with tx and rx within 1% of its own count.
    void expect_credited(const json& snap, pid_t pid, const std::string& name, std::uint64_t tx,
                         std::uint64_t rx, const std::string& what) {
        const json* p = find_process(snap, pid);
        ASSERT_NE(p, nullptr) << what << ": pid " << pid << " (" << name << ") is not listed";
        EXPECT_EQ((*p)["name"].get<std::string>(), name) << what;
        expect_within_1pct((*p)["tx_bytes"].get<std::uint64_t>(), tx, what + " tx");
        expect_within_1pct((*p)["rx_bytes"].get<std::uint64_t>(), rx, what + " rx");
    }

    // processes + unattributed = totals, to the byte, in both directions.
    void expect_balanced(const json& snap) {
        std::uint64_t rx = 0, tx = 0;
        for (const auto& p : snap["processes"]) {
            rx += p["rx_bytes"].get<std::uint64_t>();
            tx += p["tx_bytes"].get<std::uint64_t>();
        }
        rx += snap["unattributed"]["rx_bytes"].get<std::uint64_t>();
        tx += snap["unattributed"]["tx_bytes"].get<std::uint64_t>();
        EXPECT_EQ(rx, snap["totals"]["rx_bytes"].get<std::uint64_t>()) << "rx books";
        EXPECT_EQ(tx, snap["totals"]["tx_bytes"].get<std::uint64_t>()) << "tx books";
    }

    // Nothing counted twice: the generator is the only traffic of sstop's namespace, so the
    // totals (processes + unattributed) stay within 1% of its bytes (plus a little
    // neighbour discovery). A flow not joined to its socket's counters would double them.
    void expect_totals_near(const json& snap, std::uint64_t tx, std::uint64_t rx) {
        const auto slack = [](std::uint64_t truth) { return truth / 100 + 4096; };
        EXPECT_LE(snap["totals"]["tx_bytes"].get<std::uint64_t>(), tx + slack(tx))
            << "tx counted more than once";
        EXPECT_LE(snap["totals"]["rx_bytes"].get<std::uint64_t>(), rx + slack(rx))
            << "rx counted more than once";
    }

    void dump_on_failure(const json& snap) {
        if (!HasFailure()) return;
        for (const auto& p : snap["processes"])
            std::cerr << p["pid"] << " " << p["name"] << " tx=" << p["tx_bytes"]
                      << " rx=" << p["rx_bytes"] << "\n";
        std::cerr << "unattributed " << snap["unattributed"] << "\ntotals " << snap["totals"]
                  << "\ncounters " << snap["counters"].dump() << "\nnotices "
                  << snap["notices"].dump() << "\n";
    }

    // A TCP transfer between a generator in a and a sink in b: `up` bytes up, then `down` back.
    // How the generator moves its bytes: write/read, sendfile from a file, or splice through
    // a pipe both ways (the zero-copy paths a socket-layer monitor must count the same).
    enum class Path { Plain, Sendfile, Splice, IoUring };

#ifdef SSTOP_HAVE_LIBURING
    // One io_uring per transfer; each chunk is one IORING_OP_SEND or IORING_OP_RECV, waited
    // for before the next (the kernel may run it inline or on the ring's io-wq worker).
    struct Ring {
        io_uring ring{};
        Ring() {
            if (io_uring_queue_init(8, &ring, 0) != 0) die("io_uring_queue_init");
        }
        ~Ring() { io_uring_queue_exit(&ring); }
        // Returns the operation's result (bytes, 0 at EOF, -errno).
        int run(bool send, int s, char* buf, std::size_t len) {
            io_uring_sqe* sqe = io_uring_get_sqe(&ring);
            if (sqe == nullptr) die("io_uring_get_sqe");
            if (send)
                io_uring_prep_send(sqe, s, buf, len, 0);
            else
                io_uring_prep_recv(sqe, s, buf, len, 0);
            if (io_uring_submit(&ring) != 1) die("io_uring_submit");
            io_uring_cqe* cqe = nullptr;
            if (io_uring_wait_cqe(&ring, &cqe) != 0) die("io_uring_wait_cqe");
            const int res = cqe->res;
            io_uring_cqe_seen(&ring, cqe);
            return res;
        }
    };
#endif

    static void send_by(Path path, int s, std::size_t n) {
        if (path == Path::Plain) return write_exactly(s, n);
        if (path == Path::IoUring) {
#ifdef SSTOP_HAVE_LIBURING
            Ring ring;
            std::vector<char> buf(65536, 'u');
            for (std::size_t sent = 0; sent < n;) {
                const int k = ring.run(true, s, buf.data(), std::min(buf.size(), n - sent));
                if (k <= 0) die("io_uring send");
                sent += static_cast<std::size_t>(k);
            }
#endif
            return;
        }
        if (path == Path::Sendfile) {
            int f = memfd_create("acc-sendfile", 0);
            if (f < 0 || ftruncate(f, static_cast<off_t>(n)) != 0) die("memfd");
            off_t off = 0;
            while (static_cast<std::size_t>(off) < n)
                if (sendfile(s, f, &off, n - static_cast<std::size_t>(off)) <= 0) die("sendfile");
            close(f);
            return;
        }
        int p[2];
        if (pipe(p) != 0) die("pipe");
        for (std::size_t left = n; left > 0;) {
            const std::size_t chunk = std::min<std::size_t>(left, 65536);
            write_exactly(p[1], chunk);
            for (std::size_t moved = 0; moved < chunk;) {
                ssize_t k = splice(p[0], nullptr, s, nullptr, chunk - moved, SPLICE_F_MOVE);
                if (k <= 0) die("splice to the socket");
                moved += static_cast<std::size_t>(k);
            }
            left -= chunk;
        }
        close(p[0]);
        close(p[1]);
    }

    static std::size_t receive_by(Path path, int s, std::size_t n) {
#ifdef SSTOP_HAVE_LIBURING
        if (path == Path::IoUring) {
            Ring ring;
            std::vector<char> buf(65536);
            std::size_t got = 0;
            while (got < n) {
                const int k = ring.run(false, s, buf.data(), std::min(buf.size(), n - got));
                if (k <= 0) break;
                got += static_cast<std::size_t>(k);
            }
            return got;
        }
#endif
        if (path != Path::Splice) return read_exactly(s, n);
        int p[2];
        if (pipe(p) != 0) die("pipe");
        std::vector<char> buf(65536);
        std::size_t got = 0;
        while (got < n) {
            ssize_t k = splice(s, nullptr, p[1], nullptr, std::min<std::size_t>(n - got, 65536),
                               SPLICE_F_MOVE);
            if (k <= 0) break;
            for (ssize_t drained = 0; drained < k;) {
                ssize_t r = read(p[0], buf.data(), static_cast<std::size_t>(k - drained));
                if (r <= 0) die("read the pipe");
                drained += r;
            }
            got += static_cast<std::size_t>(k);
        }
        close(p[0]);
        close(p[1]);
        return got;
    }

    void tcp_case(const std::string& peer, int port, std::size_t up, std::size_t down,
                  const std::string& name, Path path = Path::Plain) {
        NetnsPair net("acc" + std::to_string(port));
        Gate go;
        SharedTally peer_t, gen_t;
        Child sink(net.b, name + "-peer", [&](const auto& ready) {
            int l = tcp_listen(peer, port);
            ready();
            int c = tcp_accept(l);
            std::vector<char> buf(1 << 16);
            std::size_t got = 0;
            while (got < up + 1) {
                ssize_t n = read(c, buf.data(), buf.size());
                if (n <= 0) die("read");
                got += static_cast<std::size_t>(n);
            }
            write_exactly(c, down);
            pause();
        });
        Child gen(net.a, name, [&](const auto& ready) {
            int s = tcp_connect(peer, port);
            ready();
            go.wait();
            send_by(path, s, up + 1);  // the last byte asks for the download
            gen_t->tx += up + 1;
            gen_t->rx += receive_by(path, s, down);
            gen_t->done = 1;
            pause();
        });
        SstopRun sstop(net.a, args());
        json snap = measure(sstop, go, [&] { return gen_t->done.load() == 1; });
        expect_credited(snap, gen.pid(), name, gen_t->tx, gen_t->rx, name);
        expect_totals_near(snap, gen_t->tx, gen_t->rx);
        expect_balanced(snap);
        dump_on_failure(snap);
    }

    // A second witness of a UDP exchange: nft counters in the peer's namespace count the
    // datagrams to `port` (input) and from it (output), packets and bytes on the wire. Payload
    // is the bytes less the IP and UDP headers of each packet (no options on these paths).
    class NftWitness {
      public:
        NftWitness(const Netns& ns, int port, bool ipv6) : ns_(ns), ipv6_(ipv6) {
            const std::string p = std::to_string(port);
            int rc = -1;
            std::string err;
            run_capture(
                {"ip", "netns", "exec", ns.name(), "nft",
                 "add table inet sstop_witness; "
                 "add chain inet sstop_witness in { type filter hook input priority 0; }; "
                 "add chain inet sstop_witness out { type filter hook output priority 0; }; "
                 "add rule inet sstop_witness in udp dport " +
                     p +
                     " counter; "
                     "add rule inet sstop_witness out udp sport " +
                     p + " counter"},
                &rc, std::chrono::seconds(10), &err);
            ok_ = rc == 0;
            EXPECT_TRUE(ok_) << "nft (Debian package nftables, installed by .ci/setup): " << err;
        }
        // Payload bytes {to the peer, from the peer} by the counters.
        std::pair<std::uint64_t, std::uint64_t> payload() const {
            int rc = -1;
            const std::string out = run_capture({"ip", "netns", "exec", ns_.name(), "nft", "list",
                                                 "table", "inet", "sstop_witness"},
                                                &rc, std::chrono::seconds(10));
            std::vector<std::pair<std::uint64_t, std::uint64_t>> counters;  // packets, bytes
            for (std::size_t at = out.find("counter packets "); at != std::string::npos;
                 at = out.find("counter packets ", at + 1)) {
                unsigned long long packets = 0, bytes = 0;
                if (std::sscanf(out.c_str() + at, "counter packets %llu bytes %llu", &packets,
                                &bytes) == 2)
                    counters.emplace_back(packets, bytes);
            }
            EXPECT_EQ(counters.size(), 2u) << out;
            if (counters.size() != 2) return {0, 0};
            const std::uint64_t header = ipv6_ ? 40 + 8 : 20 + 8;
            auto less_headers = [&](const auto& c) { return c.second - c.first * header; };
            return {less_headers(counters[0]), less_headers(counters[1])};
        }
        bool ok() const { return ok_; }

      private:
        const Netns& ns_;
        bool ipv6_;
        bool ok_ = false;
    };

    // Small-packet or bulk UDP: `count` datagrams of `size` to an echo peer, echoes read back.
    // With `witness`, nft counters in the peer's namespace must agree with the generator too.
    void udp_echo_case(const std::string& peer, int port, std::size_t size, std::size_t count,
                       const std::string& name, bool witness = false) {
        NetnsPair net("acc" + std::to_string(port));
        Gate go;
        SharedTally peer_t, gen_t;
        Child echo(net.b, name + "-peer", [&](const auto& ready) {
            int s = udp_bind(peer, port);
            ready();
            udp_echo_loop(s, *peer_t);
        });
        Child gen(net.a, name, [&](const auto& ready) {
            int s = udp_connect(peer, port);
            warm_up(s);
            ready();
            go.wait();
            std::thread reader([&] { drain(s, gen_t->rx, 1500); });
            send_datagrams(s, size, count, gen_t->tx);
            reader.join();
            gen_t->done = 1;
            pause();
        });
        // After the warm-up (done before ready()): the counters see only the measured part.
        std::optional<NftWitness> nft;
        if (witness) nft.emplace(net.b, port, peer.find(':') != std::string::npos);
        SstopRun sstop(net.a, args());
        json snap = measure(sstop, go, [&] { return gen_t->done.load() == 1; });
        EXPECT_GE(gen_t->rx.load(), gen_t->tx.load() * 9 / 10) << "the echoes came back";
        if (nft && nft->ok()) {
            const auto [to_peer, from_peer] = nft->payload();
            // The wire agrees with the generator's own count (within 1%): sent, and echoed
            // back (what the peer sent, against what the generator read).
            EXPECT_NEAR(static_cast<double>(to_peer), static_cast<double>(gen_t->tx.load()),
                        0.01 * static_cast<double>(gen_t->tx.load()) + 1)
                << "nft in the peer's namespace";
            EXPECT_NEAR(static_cast<double>(from_peer), static_cast<double>(gen_t->rx.load()),
                        0.01 * static_cast<double>(gen_t->rx.load()) + 1)
                << "nft in the peer's namespace";
        }
        expect_credited(snap, gen.pid(), name, gen_t->tx, gen_t->rx, name);
        expect_totals_near(snap, gen_t->tx, gen_t->rx);
        expect_balanced(snap);
        dump_on_failure(snap);
    }

    std::string hooks_config_;  // the config that sets source-ebpf's hooks, if the parameter does
};

TEST_P(Accuracy, TcpUpload) { tcp_case(NetnsPair::kAddrB4, 7101, 4'000'000, 0, "acc-tcpup"); }

TEST_P(Accuracy, TcpDownload) { tcp_case(NetnsPair::kAddrB4, 7102, 0, 3'000'000, "acc-tcpdown"); }

TEST_P(Accuracy, TcpDuplex) {
    tcp_case(NetnsPair::kAddrB4, 7103, 2'000'000, 2'500'000, "acc-tcpduplex");
}

TEST_P(Accuracy, TcpIpv6) { tcp_case(NetnsPair::kAddrB6, 7104, 2'000'000, 1'500'000, "acc-tcp6"); }

TEST_P(Accuracy, TcpSendfile) {
    tcp_case(NetnsPair::kAddrB4, 7111, 3'000'000, 0, "acc-sendfile", Path::Sendfile);
}

TEST_P(Accuracy, TcpSpliceBothWays) {
    tcp_case(NetnsPair::kAddrB4, 7112, 2'000'000, 2'000'000, "acc-splice", Path::Splice);
}

TEST_P(Accuracy, TcpIoUringBothWays) {
#ifndef SSTOP_HAVE_LIBURING
    GTEST_SKIP() << "built without liburing (Debian liburing-dev, in .ci/packages.txt)";
#endif
    tcp_case(NetnsPair::kAddrB4, 7113, 2'500'000, 2'000'000, "acc-iouring", Path::IoUring);
}

TEST_P(Accuracy, UdpIpv6) {
    udp_echo_case(NetnsPair::kAddrB6, 7105, 1200, 1500, "acc-udp6", /*witness=*/true);
}

TEST_P(Accuracy, UdpSmallPacketFloodToPort53) {
    udp_echo_case(NetnsPair::kAddrB4, 53, 40, 20000, "acc-udp53");
}

// UDP up and down in bulk; the socket closes right after an update, so the bytes it moved
// since that update are known only from flows.
TEST_P(Accuracy, UdpTailAfterTheLastUpdate) {
    NetnsPair net("acctail");
    Gate go;
    SharedTally peer_t, gen_t;
    Child echo(net.b, "acc-tail-peer", [&](const auto& ready) {
        int s = udp_bind(NetnsPair::kAddrB4, 7106);
        ready();
        udp_echo_loop(s, *peer_t);
    });
    Child gen(net.a, "acc-udptail", [&](const auto& ready) {
        int s = udp_connect(NetnsPair::kAddrB4, 7106);
        warm_up(s);
        ready();
        go.wait();
        std::vector<char> buf(1000, 't');
        std::vector<char> in(2048);
        for (int i = 0; gen_t->start.load() == 0 && i < 400000; ++i) {
            ssize_t n = send(s, buf.data(), buf.size(), 0);
            if (n > 0) gen_t->tx += static_cast<std::uint64_t>(n);
            ssize_t r;
            while ((r = recv(s, in.data(), in.size(), MSG_DONTWAIT)) > 0)
                gen_t->rx += static_cast<std::uint64_t>(r);
            if (i % 16 == 15) usleep(1000);
        }
        close(s);  // mid-stream: echoes still in flight arrive at no socket
        gen_t->done = 1;
        pause();
    });
    SstopRun sstop(net.a, args());
    ASSERT_TRUE(sstop.wait_for_seq(1, seconds(20))) << sstop.errors();
    go.fire();
    // About 2 s of traffic; the socket closes 400 ms after an update (interval 500 ms), so
    // most of an interval's bytes come after the last update that listed it.
    const int at = sstop.snapshots().back()["seq"].get<int>() + 4;
    ASSERT_TRUE(sstop.wait_for_seq(at, seconds(20)));
    usleep(400000);
    gen_t->start = 1;
    for (int i = 0; i < 200 && gen_t->done.load() == 0; ++i) usleep(20000);
    ASSERT_EQ(gen_t->done.load(), 1);
    peer_t->start = 2;
    const int last = sstop.snapshots().back()["seq"].get<int>();
    ASSERT_TRUE(sstop.wait_for_seq(last + 3, seconds(20)));
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();
    const json snap = sstop.snapshots().back();
    EXPECT_GE(gen_t->tx.load(), 1'000'000u);
    expect_credited(snap, gen.pid(), "acc-udptail", gen_t->tx, gen_t->rx, "UDP with a tail");
    expect_balanced(snap);
    dump_on_failure(snap);
}

TEST_P(Accuracy, UdpSendmmsgRecvmmsg) {
    constexpr int kBatch = 16;
    constexpr int kBatches = 150;
    constexpr std::size_t kSize = 900;
    NetnsPair net("accmmsg");
    Gate go;
    SharedTally peer_t, gen_t;
    Child echo(net.b, "acc-mmsg-peer", [&](const auto& ready) {
        int s = udp_bind(NetnsPair::kAddrB4, 7107);
        ready();
        std::vector<std::vector<char>> bufs(kBatch, std::vector<char>(2048));
        std::vector<iovec> iov(kBatch);
        std::vector<mmsghdr> msgs(kBatch);
        std::vector<sockaddr_storage> from(kBatch);
        for (;;) {
            for (int i = 0; i < kBatch; ++i) {
                iov[i] = {bufs[i].data(), bufs[i].size()};
                msgs[i] = {};
                msgs[i].msg_hdr.msg_iov = &iov[i];
                msgs[i].msg_hdr.msg_iovlen = 1;
                msgs[i].msg_hdr.msg_name = &from[i];
                msgs[i].msg_hdr.msg_namelen = sizeof from[i];
            }
            int n = recvmmsg(s, msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
            if (n <= 0) continue;
            for (int i = 0; i < n; ++i) {
                peer_t->rx += msgs[i].msg_len;
                iov[i].iov_len = msgs[i].msg_len;
            }
            int w = sendmmsg(s, msgs.data(), static_cast<unsigned>(n), 0);
            (void)w;
        }
    });
    Child gen(net.a, "acc-mmsg", [&](const auto& ready) {
        int s = udp_connect(NetnsPair::kAddrB4, 7107);
        warm_up(s);
        ready();
        go.wait();
        std::vector<char> out(kSize, 'm');
        std::vector<std::vector<char>> in(kBatch, std::vector<char>(2048));
        std::vector<iovec> oiov(kBatch), iiov(kBatch);
        std::vector<mmsghdr> omsg(kBatch), imsg(kBatch);
        set_rcvtimeo(s, 300);
        for (int b = 0; b < kBatches; ++b) {
            for (int i = 0; i < kBatch; ++i) {
                oiov[i] = {out.data(), out.size()};
                omsg[i] = {};
                omsg[i].msg_hdr.msg_iov = &oiov[i];
                omsg[i].msg_hdr.msg_iovlen = 1;
            }
            int n = sendmmsg(s, omsg.data(), kBatch, 0);
            for (int i = 0; i < n; ++i) gen_t->tx += omsg[i].msg_len;
            int want = n;
            while (want > 0) {
                for (int i = 0; i < kBatch; ++i) {
                    iiov[i] = {in[i].data(), in[i].size()};
                    imsg[i] = {};
                    imsg[i].msg_hdr.msg_iov = &iiov[i];
                    imsg[i].msg_hdr.msg_iovlen = 1;
                }
                int r =
                    recvmmsg(s, imsg.data(), static_cast<unsigned>(want), MSG_WAITFORONE, nullptr);
                if (r <= 0) break;
                for (int i = 0; i < r; ++i) gen_t->rx += imsg[i].msg_len;
                want -= r;
            }
        }
        gen_t->done = 1;
        pause();
    });
    SstopRun sstop(net.a, args());
    json snap = measure(sstop, go, [&] { return gen_t->done.load() == 1; });
    EXPECT_GE(gen_t->tx.load(), kSize * kBatch * kBatches * 99 / 100);
    expect_credited(snap, gen.pid(), "acc-mmsg", gen_t->tx, gen_t->rx, "sendmmsg/recvmmsg");
    expect_balanced(snap);
    dump_on_failure(snap);
}

// ICMP echo with a payload from a ping socket (unprivileged ICMP): the bytes are the ICMP
// messages the socket sent and received (header and payload: what send/recv move).
TEST_P(Accuracy, IcmpEchoFromAPingSocket) {
    SKIP_IF_NOT_SEEN(Case::Icmp);
    constexpr std::size_t kPayload = 1000;
    constexpr int kPings = 1500;
    NetnsPair net("accping");
    int rc = 0;
    std::string err;
    run_capture({"ip", "netns", "exec", net.a.name(), "sysctl", "-qw",
                 "net.ipv4.ping_group_range=0 2147483647"},
                &rc, seconds(10), &err);
    ASSERT_EQ(rc, 0) << err;
    Gate go;
    SharedTally gen_t;
    Child gen(net.a, "acc-ping", [&](const auto& ready) {
        int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
        if (s < 0) die("ping socket");
        big_rcvbuf(s);
        sockaddr_storage ss;
        socklen_t len = to_sockaddr(NetnsPair::kAddrB4, 0, ss);
        if (connect(s, reinterpret_cast<sockaddr*>(&ss), len) != 0) die("connect");
        ready();
        go.wait();
        std::vector<char> msg(sizeof(icmphdr) + kPayload, 'p');
        std::vector<char> in(4096);
        set_rcvtimeo(s, 500);
        for (int i = 0; i < kPings; ++i) {
            auto* h = reinterpret_cast<icmphdr*>(msg.data());
            h->type = ICMP_ECHO;
            h->code = 0;
            h->un.echo.sequence = htons(static_cast<std::uint16_t>(i));
            ssize_t n = send(s, msg.data(), msg.size(), 0);
            if (n > 0) gen_t->tx += static_cast<std::uint64_t>(n);
            ssize_t r = recv(s, in.data(), in.size(), 0);
            if (r > 0) gen_t->rx += static_cast<std::uint64_t>(r);
        }
        gen_t->done = 1;
        pause();
    });
    SstopRun sstop(net.a, args());
    json snap = measure(sstop, go, [&] { return gen_t->done.load() == 1; });
    EXPECT_GE(gen_t->rx.load(), gen_t->tx.load() * 9 / 10) << "the replies came back";
    expect_credited(snap, gen.pid(), "acc-ping", gen_t->tx, gen_t->rx, "ICMP echo");
    expect_balanced(snap);
    dump_on_failure(snap);
}

// A raw IP socket of protocol 253 (reserved for experiments): the peer echoes each packet.
TEST_P(Accuracy, RawIpProtocol253) {
    SKIP_IF_NOT_SEEN(Case::RawIp);
    constexpr int kProto = 253;
    constexpr std::size_t kSize = 1000;
    constexpr int kCount = 1500;
    NetnsPair net("accraw");
    Gate go;
    SharedTally peer_t, gen_t;
    Child echo(net.b, "acc-raw-peer", [&](const auto& ready) {
        int s = socket(AF_INET, SOCK_RAW, kProto);
        if (s < 0) die("raw socket");
        big_rcvbuf(s);
        ready();
        std::vector<char> buf(65536);
        for (;;) {
            sockaddr_storage from{};
            socklen_t len = sizeof from;
            ssize_t n =
                recvfrom(s, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
            if (n <= 0) continue;
            std::size_t hl = static_cast<std::size_t>(buf[0] & 0x0f) * 4;
            sendto(s, buf.data() + hl, static_cast<std::size_t>(n) - hl, 0,
                   reinterpret_cast<sockaddr*>(&from), len);
        }
    });
    Child gen(net.a, "acc-raw253", [&](const auto& ready) {
        int s = socket(AF_INET, SOCK_RAW, kProto);
        if (s < 0) die("raw socket");
        big_rcvbuf(s);
        sockaddr_storage ss;
        socklen_t len = to_sockaddr(NetnsPair::kAddrB4, 0, ss);
        if (connect(s, reinterpret_cast<sockaddr*>(&ss), len) != 0) die("connect");
        ready();
        go.wait();
        std::thread reader([&] { drain(s, gen_t->rx, 1500, -1); });
        std::vector<char> buf(kSize, 'r');
        for (int i = 0; i < kCount; ++i) {
            ssize_t n = send(s, buf.data(), buf.size(), 0);
            if (n > 0) gen_t->tx += static_cast<std::uint64_t>(n);
            if (i % 32 == 31) usleep(500);
        }
        reader.join();
        gen_t->done = 1;
        pause();
    });
    SstopRun sstop(net.a, args());
    json snap = measure(sstop, go, [&] { return gen_t->done.load() == 1; });
    EXPECT_GE(gen_t->rx.load(), gen_t->tx.load() * 9 / 10) << "the echoes came back";
    expect_credited(snap, gen.pid(), "acc-raw253", gen_t->tx, gen_t->rx, "raw IP 253");
    expect_balanced(snap);
    dump_on_failure(snap);
}

// SCTP, where the kernel has it: bytes are the DATA chunks' user data.
// Frames a process writes itself through an AF_PACKET socket (a packet generator, a DHCP
// client): no inet socket carries them, so no process is credited; they must not be lost.
TEST_P(Accuracy, InjectedFramesAreCountedNeverLost) {
    SKIP_IF_NOT_SEEN(Case::Injected);
    constexpr std::size_t kPayload = 1000;
    constexpr int kFrames = 1000;
    NetnsPair net("accinj");
    Gate go;
    SharedTally gen_t;
    Child gen(net.a, "acc-inject", [&](const auto& ready) {
        // The veth of this namespace: the interface holding kAddrA4.
        unsigned ifindex = 0;
        ifaddrs* ifs = nullptr;
        if (getifaddrs(&ifs) != 0) die("getifaddrs");
        in_addr want{};
        inet_pton(AF_INET, NetnsPair::kAddrA4, &want);
        for (ifaddrs* i = ifs; i; i = i->ifa_next)
            if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
                reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr == want.s_addr)
                ifindex = if_nametoindex(i->ifa_name);
        freeifaddrs(ifs);
        if (ifindex == 0) die("no veth");
        int s = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
        if (s < 0) die("packet socket");
        sockaddr_ll to{};
        to.sll_family = AF_PACKET;
        to.sll_protocol = htons(ETH_P_IP);
        to.sll_ifindex = static_cast<int>(ifindex);
        to.sll_halen = ETH_ALEN;
        std::memset(to.sll_addr, 0xff, ETH_ALEN);
        // IPv4 + UDP 7113 -> 7113, checksummed IP header, no UDP checksum.
        std::vector<unsigned char> frame(sizeof(iphdr) + sizeof(udphdr) + kPayload, 'i');
        std::memset(frame.data(), 0, sizeof(iphdr) + sizeof(udphdr));
        auto* ip = reinterpret_cast<iphdr*>(frame.data());
        ip->version = 4;
        ip->ihl = 5;
        ip->ttl = 64;
        ip->protocol = IPPROTO_UDP;
        ip->tot_len = htons(static_cast<std::uint16_t>(frame.size()));
        inet_pton(AF_INET, NetnsPair::kAddrA4, &ip->saddr);
        inet_pton(AF_INET, NetnsPair::kAddrB4, &ip->daddr);
        ip->check = 0;
        std::uint32_t sum = 0;
        for (std::size_t i = 0; i < sizeof(iphdr); i += 2)
            sum += static_cast<std::uint32_t>(frame[i] << 8 | frame[i + 1]);
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        ip->check = htons(static_cast<std::uint16_t>(~sum));
        auto* udp = reinterpret_cast<udphdr*>(frame.data() + sizeof(iphdr));
        udp->source = htons(7113);
        udp->dest = htons(7113);
        udp->len = htons(static_cast<std::uint16_t>(sizeof(udphdr) + kPayload));
        ready();
        go.wait();
        for (int i = 0; i < kFrames; ++i) {
            if (sendto(s, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to),
                       sizeof to) == static_cast<ssize_t>(frame.size()))
                gen_t->tx += kPayload;
            if (i % 64 == 63) usleep(1000);
        }
        gen_t->done = 1;
        pause();
    });
    SstopRun sstop(net.a, args());
    json snap = measure(sstop, go, [&] { return gen_t->done.load() == 1; });
    const std::uint64_t truth = gen_t->tx.load();
    EXPECT_EQ(truth, kPayload * kFrames) << "every frame was sent";
    expect_within_1pct(snap["unattributed"]["tx_bytes"].get<std::uint64_t>(), truth,
                       "injected frames in unattributed");
    expect_totals_near(snap, truth, 0);
    expect_balanced(snap);
    dump_on_failure(snap);
}

TEST_P(Accuracy, Sctp) {
    int probe = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    if (probe < 0 && errno == EPROTONOSUPPORT)
        GTEST_SKIP() << "this kernel has no SCTP (socket() says EPROTONOSUPPORT)";
    ASSERT_GE(probe, 0) << std::strerror(errno);
    close(probe);
    constexpr std::size_t kUp = 2'000'000;
    NetnsPair net("accsctp");
    Gate go;
    SharedTally peer_t, gen_t;
    Child sink(net.b, "acc-sctp-peer", [&](const auto& ready) {
        int l = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
        sockaddr_storage ss;
        socklen_t len = to_sockaddr(NetnsPair::kAddrB4, 7108, ss);
        if (l < 0 || bind(l, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(l, 4) != 0)
            die("sctp listen");
        ready();
        tcp_sink_loop(l, *peer_t);
    });
    Child gen(net.a, "acc-sctp", [&](const auto& ready) {
        int s = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
        sockaddr_storage ss;
        socklen_t len = to_sockaddr(NetnsPair::kAddrB4, 7108, ss);
        if (s < 0 || connect(s, reinterpret_cast<sockaddr*>(&ss), len) != 0) die("sctp connect");
        ready();
        go.wait();
        std::vector<char> buf(1000, 's');
        for (std::size_t sent = 0; sent < kUp;) {
            ssize_t n = send(s, buf.data(), buf.size(), 0);
            if (n < 0) die("sctp send");
            sent += static_cast<std::size_t>(n);
            gen_t->tx += static_cast<std::uint64_t>(n);
        }
        gen_t->done = 1;
        pause();
    });
    SstopRun sstop(net.a, args());
    json snap = measure(sstop, go, [&] { return gen_t->done.load() == 1 && peer_t->rx >= kUp; });
    expect_credited(snap, gen.pid(), "acc-sctp", gen_t->tx, 0, "SCTP upload");
    expect_balanced(snap);
    dump_on_failure(snap);
}

// Short-lived processes: each connects, sends 500 kB and exits within about 100 ms; 20 in
// sequence, then 30 at once. Every one of them is credited with its bytes.
TEST_P(Accuracy, ShortLivedProcessesNoneMissed) {
    SKIP_IF_NOT_SEEN(Case::ShortLived);
    constexpr std::size_t kBytes = 500'000;
    constexpr int kSequential = 20;
    constexpr int kConcurrent = 30;
    const char* env = std::getenv("SSTOP_ACCURACY_REPEAT");
    const int rounds = env ? std::max(1, std::atoi(env)) : 1;
    NetnsPair net("accshort");
    SharedTally sink_t;
    Child sink(net.b, "acc-short-sink", [&](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, 7109);
        ready();
        tcp_sink_loop(l, *sink_t);
    });
    // Repeated (SSTOP_ACCURACY_REPEAT=20 takes about 40 s): an exited process leaves the
    // table 30 s after its last socket, and its bytes with it, while the totals keep them
    // (bytes since start). So that the books still balance, nothing expires in such a run.
    std::string config;
    if (rounds > 1) config = "/tmp/sstop-acc-short-" + std::to_string(::getpid()) + ".yaml";
    struct Remove {
        std::string path;
        ~Remove() {
            if (!path.empty()) std::remove(path.c_str());
        }
    } remove_config{config};
    if (!config.empty())
        std::ofstream(config) << "aggregator:\n  stale_after: 1h\nplugins:\n  ebpf: {"
                              << ebpf_options() << "}\n";
    SstopRun sstop(net.a, args(config));
    ASSERT_TRUE(sstop.wait_for_seq(1, seconds(20))) << sstop.errors();
    int missed = 0, total = 0;
    for (int round = 0; round < rounds; ++round) {
        SharedTally t;
        Gate go;
        Child launcher(net.a, "acc-launch", [&](const auto& ready) {
            ready();
            go.wait();
            auto one = [&](int slot, bool wait_start) {
                pid_t p = fork();
                if (p != 0) return p;
                prctl(PR_SET_NAME, "acc-short");
                prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the launcher
                for (int w = 0; wait_start && t->start.load() == 0; ++w) {
                    if (w > 20'000) _exit(1);  // bounded: 20 s without a start
                    usleep(1000);
                }
                auto t0 = std::chrono::steady_clock::now();
                int s = tcp_connect(NetnsPair::kAddrB4, 7109);
                write_exactly(s, kBytes);
                close(s);
                t->sent[slot] = kBytes;
                t->took_us[slot] = std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now() - t0)
                                       .count();
                _exit(0);
            };
            for (int i = 0; i < kSequential; ++i) {
                pid_t p = one(i, false);
                t->pid[i] = p;
                waitpid(p, nullptr, 0);
            }
            std::vector<pid_t> all;
            for (int i = kSequential; i < kSequential + kConcurrent; ++i) {
                t->pid[i] = one(i, true);
                all.push_back(t->pid[i]);
            }
            t->start = 1;
            for (pid_t p : all) waitpid(p, nullptr, 0);
            t->count = kSequential + kConcurrent;
            t->done = 1;
            pause();
        });
        go.fire();
        for (int i = 0; i < 1500 && t->done.load() == 0; ++i) usleep(20000);
        if (t->done.load() != 1) {
            int finished = 0;
            for (int i = 0; i < kSequential + kConcurrent; ++i) finished += t->sent[i] != 0;
            FAIL() << "round " << round << ": " << finished << " of " << kSequential + kConcurrent
                   << " short-lived processes finished in 30 s";
        }
        const int last = sstop.snapshots().back()["seq"].get<int>();
        ASSERT_TRUE(sstop.wait_for_seq(last + 3, seconds(20)));
        const json snap = sstop.snapshots().back();
        for (int i = 0; i < t->count; ++i) {
            ++total;
            EXPECT_LE(t->took_us[i].load(), 1'000'000) << "process " << i << " was slow";
            const json* p = find_process(snap, t->pid[i]);
            const std::uint64_t tx = p ? (*p)["tx_bytes"].get<std::uint64_t>() : 0;
            const double off = std::fabs(static_cast<double>(tx) - static_cast<double>(kBytes));
            if (!p || off > 0.01 * kBytes || (*p)["name"].get<std::string>() != "acc-short") {
                ++missed;
                std::cerr << "round " << round << " process " << i << " pid " << t->pid[i]
                          << (i < kSequential ? " (sequential)" : " (concurrent)") << ": "
                          << (p ? p->dump() : std::string("not listed")) << "\n";
            }
        }
        expect_balanced(snap);
        if (missed) std::cerr << "counters " << snap["counters"].dump() << "\n";
    }
    EXPECT_EQ(missed, 0) << missed << " of " << total << " short-lived processes missed";
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();
}

// A container born after sstop started (privileges already dropped): namespace c, routed
// through sstop's namespace h to a peer namespace p. Its process is credited once, and the
// forwarded copies seen on h's interfaces are not counted again as unattributed.
TEST_P(Accuracy, LateNamespaceRoutedTrafficCountedOnce) {
    SKIP_IF_NOT_SEEN(Case::LateNamespace);
    constexpr std::size_t kUp = 3'000'000;
    Netns h("acch");
    Netns p("accp");
    auto veth = [](const Netns& from, const std::string& here, const Netns& to) {
        from.ip({"link", "add", here, "type", "veth", "peer", "name", "eth0", "netns", to.name()});
    };
    veth(h, "vp", p);
    h.ip({"addr", "add", "10.78.2.1/24", "dev", "vp"});
    h.ip({"link", "set", "vp", "up"});
    p.ip({"addr", "add", "10.78.2.2/24", "dev", "eth0"});
    p.ip({"link", "set", "eth0", "up"});
    p.ip({"route", "add", "default", "via", "10.78.2.1"});
    int rc = 0;
    std::string err;
    run_capture({"ip", "netns", "exec", h.name(), "sysctl", "-qw", "net.ipv4.ip_forward=1"}, &rc,
                seconds(10), &err);
    ASSERT_EQ(rc, 0) << err;
    SharedTally sink_t, gen_t;
    Child sink(p, "acc-late-sink", [&](const auto& ready) {
        int l = tcp_listen("10.78.2.2", 7110);
        ready();
        tcp_sink_loop(l, *sink_t);
    });

    const std::string config = "/tmp/sstop-acc-" + std::to_string(::getpid()) + ".yaml";
    {
        std::ofstream out(config);
        out << "plugins:\n  netlink: {namespaces: all}\n  procnet: {namespaces: all}\n"
               "  ebpf: {namespaces: all"
            << (ebpf_options().empty() ? "" : ", " + ebpf_options()) << "}\n";
    }
    struct Remove {
        std::string path;
        ~Remove() { std::remove(path.c_str()); }
    } remove_config{config};
    SstopRun sstop(h, args(config));
    ASSERT_TRUE(sstop.wait_for_seq(1, seconds(20))) << sstop.errors();

    Netns c("accc");  // born after start
    veth(h, "vc", c);
    h.ip({"addr", "add", "10.78.1.1/24", "dev", "vc"});
    h.ip({"link", "set", "vc", "up"});
    c.ip({"addr", "add", "10.78.1.2/24", "dev", "eth0"});
    c.ip({"link", "set", "eth0", "up"});
    c.ip({"route", "add", "default", "via", "10.78.1.1"});
    Gate go;
    Child gen(c, "acc-late", [&](const auto& ready) {
        int s = tcp_connect("10.78.2.2", 7110);
        ready();
        go.wait();
        write_exactly(s, kUp);
        gen_t->tx += kUp;
        gen_t->done = 1;
        pause();
    });
    // Let sstop find the namespace (one update after its first process) before the transfer.
    const int born = sstop.snapshots().back()["seq"].get<int>();
    ASSERT_TRUE(sstop.wait_for_seq(born + 4, seconds(20))) << sstop.errors();
    const json before = sstop.snapshots().back();
    go.fire();
    for (int i = 0; i < 500 && (gen_t->done.load() == 0 || sink_t->rx < kUp); ++i) usleep(20000);
    ASSERT_EQ(sink_t->rx.load(), kUp);
    const int last = sstop.snapshots().back()["seq"].get<int>();
    ASSERT_TRUE(sstop.wait_for_seq(last + 3, seconds(20)));
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();
    const json snap = sstop.snapshots().back();
    expect_credited(snap, gen.pid(), "acc-late", kUp, 0, "late container upload");
    expect_within_1pct(bytes_of(snap, sink.pid(), "rx_bytes"), kUp, "its peer's download");
    const std::uint64_t unattributed_growth =
        snap["unattributed"]["tx_bytes"].get<std::uint64_t>() +
        snap["unattributed"]["rx_bytes"].get<std::uint64_t>() -
        before["unattributed"]["tx_bytes"].get<std::uint64_t>() -
        before["unattributed"]["rx_bytes"].get<std::uint64_t>();
    if (sources_of(GetParam()).rfind("procnet", 0) == 0) {
        // procnet has no bytes of its own: unattributed is what sstop's interfaces saw and no
        // socket took, so a forwarded copy counted again would show here.
        EXPECT_LT(unattributed_growth, kUp / 100) << "the forwarded copies were counted again";
    } else {
        // netlink with `all` also dumps every other namespace on this (shared) machine, whose
        // ownerless closed sockets grow unattributed; the peer's socket (entered at start, with
        // tcp_info) takes the reversed copy, the container's socket (through /proc) the other:
        // both checked above, and the aggregator's unit test covers the copy no socket takes.
        std::cerr << "unattributed grew by " << unattributed_growth
                  << " (other namespaces included)\n";
    }
    expect_balanced(snap);
    dump_on_failure(snap);
}

std::string source_set_name(const ::testing::TestParamInfo<std::string>& info) {
    std::string name;
    for (char ch : info.param) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(NetlinkAfpacket, Accuracy, ::testing::Values("netlink,afpacket"),
                         source_set_name);
INSTANTIATE_TEST_SUITE_P(ProcnetAfpacket, Accuracy, ::testing::Values("procnet,afpacket"),
                         source_set_name);
// source-ebpf alone: every case, with nothing else attributing.
INSTANTIATE_TEST_SUITE_P(Ebpf, Accuracy, ::testing::Values("ebpf"), source_set_name);
// source-ebpf counting per packet, as on kernels without the socket tracepoints (before 6.3).
INSTANTIATE_TEST_SUITE_P(EbpfPackets, Accuracy, ::testing::Values("ebpf@packets"), source_set_name);
// The default chain: ebpf in use, afpacket beside it adding only what no socket owns.
INSTANTIATE_TEST_SUITE_P(Default, Accuracy, ::testing::Values("ebpf,netlink,procnet,afpacket"),
                         source_set_name);

}  // namespace
}  // namespace sstop::testing
