// Real-kernel tests: two fresh network namespaces joined by a veth pair, the source's
// capture loop running in one of them, exact payload byte counts asserted.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "afpacket_source.hpp"

namespace sstop::plugins::afpacket {
namespace {

bool run(const std::string& cmd) { return std::system(cmd.c_str()) == 0; }

/// Runs `f` on a fresh thread that first joins netns `ns`; sockets it creates stay there.
template <class F>
auto in_netns(const std::string& ns, F f) {
    std::packaged_task<decltype(f())()> task([&] {
        const int fd = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) throw std::runtime_error("setns " + ns);
        ::close(fd);
        return f();
    });
    auto result = task.get_future();
    std::thread(std::move(task)).join();
    return result.get();
}

int make_socket(int family, int type) {
    const int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

Endpoint endpoint_of(const sockaddr_storage& ss) {
    Endpoint e;
    if (ss.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
        e.addr.family = Family::V4;
        std::memcpy(e.addr.bytes.data(), &a->sin_addr, 4);
        e.port = ntohs(a->sin_port);
    } else {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
        e.addr.family = Family::V6;
        std::memcpy(e.addr.bytes.data(), &a->sin6_addr, 16);
        e.port = ntohs(a->sin6_port);
    }
    return e;
}

Endpoint local_of(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return endpoint_of(ss);
}

sockaddr_storage address(const char* ip, std::uint16_t port) {
    sockaddr_storage ss{};
    if (std::strchr(ip, ':') != nullptr) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        ::inet_pton(AF_INET6, ip, &a->sin6_addr);
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        ::inet_pton(AF_INET, ip, &a->sin_addr);
    }
    return ss;
}

void bind_to(int fd, const char* ip) {
    sockaddr_storage ss = address(ip, 0);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&ss), sizeof(ss)), 0) << std::strerror(errno);
}

void send_all(int fd, std::size_t n) {
    std::vector<char> buf(64 * 1024, 'x');
    while (n > 0) {
        const ssize_t w = ::send(fd, buf.data(), std::min(n, buf.size()), MSG_NOSIGNAL);
        ASSERT_GT(w, 0) << std::strerror(errno);
        n -= static_cast<std::size_t>(w);
    }
}

std::size_t recv_until_eof(int fd) {
    std::vector<char> buf(64 * 1024);
    std::size_t total = 0;
    for (;;) {
        const ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
        if (r <= 0) return total;
        total += static_cast<std::size_t>(r);
    }
}

bool has_cap_sys_admin() {
    constexpr int kCapSysAdmin = 21;
    FILE* f = std::fopen("/proc/self/status", "r");
    if (f == nullptr) return false;
    char line[256];
    unsigned long long eff = 0;
    while (std::fgets(line, sizeof(line), f) != nullptr)
        if (std::sscanf(line, "CapEff: %llx", &eff) == 1) break;
    std::fclose(f);
    return (eff >> kCapSysAdmin) & 1;
}

/// Namespaces A and B (names carry the pid), veth A:va ↔ B:vb, 192.0.2.1/2 and
/// 2001:db8::1/2; the source captures in A.
class CaptureTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0 || !has_cap_sys_admin()) GTEST_SKIP() << "needs root";
        const std::string pid = std::to_string(::getpid());
        ns_a_ = "sstop-afp-" + pid + "-a";
        ns_b_ = "sstop-afp-" + pid + "-b";
        const std::string va = "afpa" + pid, vb = "afpb" + pid;
        created_ = true;
        ASSERT_TRUE(run("ip netns add " + ns_a_ + " && ip netns add " + ns_b_));
        ASSERT_TRUE(run("ip link add " + va + " netns " + ns_a_ + " type veth peer name " + vb +
                        " netns " + ns_b_));
        for (const auto& [ns, dev, v4, v6] :
             {std::tuple{ns_a_, va, "192.0.2.1/24", "2001:db8::1/64"},
              std::tuple{ns_b_, vb, "192.0.2.2/24", "2001:db8::2/64"}}) {
            ASSERT_TRUE(run("ip -n " + ns + " link set lo up && ip -n " + ns + " addr add " + v4 +
                            " dev " + dev + " && ip -n " + ns + " addr add " + v6 + " dev " + dev +
                            " nodad && ip -n " + ns + " link set " + dev + " up"));
        }
        source_ = std::make_unique<AfpacketSource>(config());
        std::promise<void> opened;
        auto opened_future = opened.get_future();
        // The capture thread lives in A, so ifindex lookups match the socket's namespace.
        capture_ = std::thread([this, &opened] {
            const int fd = ::open(("/var/run/netns/" + ns_a_).c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
                opened.set_exception(std::make_exception_ptr(std::runtime_error("setns")));
                return;
            }
            ::close(fd);
            try {
                source_->open();
            } catch (...) {
                opened.set_exception(std::current_exception());
                return;
            }
            opened.set_value();
            if (runs_loop()) source_->capture_loop(StopToken(stop_));
        });
        ASSERT_NO_THROW(opened_future.get());
    }

    void TearDown() override {
        if (capture_.joinable()) {
            stop_.store(true, std::memory_order_release);
            source_->wake();
            capture_.join();
        }
        if (created_) {
            std::system(("ip netns del " + ns_a_ + " 2>/dev/null").c_str());
            std::system(("ip netns del " + ns_b_ + " 2>/dev/null").c_str());
        }
    }

    /// Polls `collect` until the flow local→remote reaches at least `tx`/`rx` (or 10 s).
    FlowBytes wait_for(Proto proto, const Endpoint& local, const Endpoint& remote, std::uint64_t tx,
                       std::uint64_t rx) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        FlowBytes found;
        for (;;) {
            Sample s;
            source_->collect(s);
            for (const FlowBytes& f : s.flows)
                if (f.key.proto == proto && f.key.local == local && f.key.remote == remote)
                    found = f;
            if ((found.tx_bytes >= tx && found.rx_bytes >= rx) ||
                std::chrono::steady_clock::now() > deadline)
                return found;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    void tcp_exchange(const char* client_ip, const char* server_ip, const std::string& client_ns,
                      const std::string& server_ns, std::size_t up, std::size_t down,
                      Endpoint& client, Endpoint& server) {
        const int family = std::strchr(server_ip, ':') ? AF_INET6 : AF_INET;
        const int lfd = in_netns(server_ns, [&] { return make_socket(family, SOCK_STREAM); });
        const int cfd = in_netns(client_ns, [&] { return make_socket(family, SOCK_STREAM); });
        bind_to(lfd, server_ip);
        bind_to(cfd, client_ip);
        ASSERT_EQ(::listen(lfd, 4), 0);
        server = local_of(lfd);
        sockaddr_storage to = address(server_ip, server.port);
        ASSERT_EQ(::connect(cfd, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0)
            << std::strerror(errno);
        client = local_of(cfd);
        const int afd = ::accept(lfd, nullptr, nullptr);
        ASSERT_GE(afd, 0);
        std::thread writer([&] {
            send_all(cfd, up);
            ::shutdown(cfd, SHUT_WR);
        });
        EXPECT_EQ(recv_until_eof(afd), up);
        writer.join();
        send_all(afd, down);
        ::shutdown(afd, SHUT_WR);
        EXPECT_EQ(recv_until_eof(cfd), down);
        ::close(afd);
        ::close(cfd);
        ::close(lfd);
    }

    virtual AfpacketConfig config() const { return AfpacketConfig{}; }
    /// False: the ring is opened but never read, so the kernel must drop.
    virtual bool runs_loop() const { return true; }

    std::string ns_a_, ns_b_;
    bool created_ = false;
    std::atomic<bool> stop_{false};
    std::unique_ptr<AfpacketSource> source_;
    std::thread capture_;
};

TEST_F(CaptureTest, TcpOverVethCountsExactPayloadBothWays) {
    const std::size_t up = 3'000'001, down = 123'457;
    Endpoint client, server;
    tcp_exchange("192.0.2.1", "192.0.2.2", ns_a_, ns_b_, up, down, client, server);
    const FlowBytes f = wait_for(Proto::Tcp, client, server, up, down);
    EXPECT_EQ(f.tx_bytes, up);
    EXPECT_EQ(f.rx_bytes, down);
}

TEST_F(CaptureTest, TcpOverIpv6VethCountsExactPayload) {
    const std::size_t up = 1'000'003, down = 77;
    Endpoint client, server;
    tcp_exchange("2001:db8::1", "2001:db8::2", ns_a_, ns_b_, up, down, client, server);
    const FlowBytes f = wait_for(Proto::Tcp, client, server, up, down);
    EXPECT_EQ(f.tx_bytes, up);
    EXPECT_EQ(f.rx_bytes, down);
}

void udp_exchange(CaptureTest* test, const char* a_ip, const char* b_ip, const std::string& ns_a,
                  const std::string& ns_b, const std::vector<std::size_t>& up,
                  const std::vector<std::size_t>& down, Endpoint& a, Endpoint& b) {
    (void)test;
    const int family = std::strchr(b_ip, ':') ? AF_INET6 : AF_INET;
    const int afd = in_netns(ns_a, [&] { return make_socket(family, SOCK_DGRAM); });
    const int bfd = in_netns(ns_b, [&] { return make_socket(family, SOCK_DGRAM); });
    bind_to(afd, a_ip);
    bind_to(bfd, b_ip);
    a = local_of(afd);
    b = local_of(bfd);
    sockaddr_storage to_b = address(b_ip, b.port), to_a = address(a_ip, a.port);
    std::vector<char> buf(65536, 'u');
    for (std::size_t n : up) {
        ASSERT_EQ(::sendto(afd, buf.data(), n, 0, reinterpret_cast<sockaddr*>(&to_b), sizeof(to_b)),
                  static_cast<ssize_t>(n));
        ASSERT_EQ(::recv(bfd, buf.data(), buf.size(), 0), static_cast<ssize_t>(n));
    }
    for (std::size_t n : down) {
        ASSERT_EQ(::sendto(bfd, buf.data(), n, 0, reinterpret_cast<sockaddr*>(&to_a), sizeof(to_a)),
                  static_cast<ssize_t>(n));
        ASSERT_EQ(::recv(afd, buf.data(), buf.size(), 0), static_cast<ssize_t>(n));
    }
    ::close(afd);
    ::close(bfd);
}

TEST_F(CaptureTest, UdpOverVethCountsExactPayloadIncludingFragmentedDatagrams) {
    // 4000 and 9000 bytes exceed the 1500 MTU: IP fragments on the wire.
    const std::vector<std::size_t> up = {1, 100, 1472, 4000, 9000, 0};
    const std::vector<std::size_t> down = {512, 3000};
    Endpoint a, b;
    udp_exchange(this, "192.0.2.1", "192.0.2.2", ns_a_, ns_b_, up, down, a, b);
    const FlowBytes f = wait_for(Proto::Udp, a, b, 14573, 3512);
    EXPECT_EQ(f.tx_bytes, 14573u);
    EXPECT_EQ(f.rx_bytes, 3512u);
    EXPECT_EQ(f.tx_packets, up.size());  // one per datagram: later fragments are not added
    EXPECT_EQ(f.rx_packets, down.size());
}

TEST_F(CaptureTest, UdpOverIpv6VethFollowsTheFragmentHeader) {
    const std::vector<std::size_t> up = {10, 3000};
    const std::vector<std::size_t> down = {5000};
    Endpoint a, b;
    udp_exchange(this, "2001:db8::1", "2001:db8::2", ns_a_, ns_b_, up, down, a, b);
    const FlowBytes f = wait_for(Proto::Udp, a, b, 3010, 5000);
    EXPECT_EQ(f.tx_bytes, 3010u);
    EXPECT_EQ(f.rx_bytes, 5000u);
}

TEST_F(CaptureTest, LoopbackPacketsAreCountedOnceForEachLocalEnd) {
    const std::size_t up = 2'000'003, down = 4'099;  // big writes become GSO super-packets
    Endpoint client, server;
    tcp_exchange("127.0.0.1", "127.0.0.1", ns_a_, ns_a_, up, down, client, server);
    const FlowBytes c = wait_for(Proto::Tcp, client, server, up, down);
    const FlowBytes s = wait_for(Proto::Tcp, server, client, down, up);
    EXPECT_EQ(c.tx_bytes, up);
    EXPECT_EQ(c.rx_bytes, down);
    EXPECT_EQ(s.tx_bytes, down);
    EXPECT_EQ(s.rx_bytes, up);

    Endpoint a, b;
    udp_exchange(this, "127.0.0.1", "127.0.0.1", ns_a_, ns_a_, {700, 30000}, {5}, a, b);
    const FlowBytes ua = wait_for(Proto::Udp, a, b, 30700, 5);
    const FlowBytes ub = wait_for(Proto::Udp, b, a, 5, 30700);
    EXPECT_EQ(ua.tx_bytes, 30700u);
    EXPECT_EQ(ua.rx_bytes, 5u);
    EXPECT_EQ(ua.tx_packets, 2u);
    EXPECT_EQ(ub.rx_bytes, 30700u);
    EXPECT_EQ(ub.tx_bytes, 5u);
}

TEST_F(CaptureTest, CollectReportsHealthCounters) {
    Endpoint a, b;
    udp_exchange(this, "192.0.2.1", "192.0.2.2", ns_a_, ns_b_, {10}, {}, a, b);
    wait_for(Proto::Udp, a, b, 10, 0);
    Sample s;
    ASSERT_EQ(source_->collect(s).code, CollectStatus::Code::Ok);
    auto counter = [&](const std::string& name) -> std::optional<std::uint64_t> {
        for (const SourceCounter& c : s.counters)
            if (c.name == name) return c.value;
        return std::nullopt;
    };
    ASSERT_TRUE(counter("packets").has_value());
    EXPECT_GE(*counter("packets"), 1u);
    EXPECT_EQ(counter("kernel_drops"), 0u);
    EXPECT_EQ(counter("malformed"), 0u);
    EXPECT_EQ(counter("flow_table_full"), 0u);
}

/// A 1 MiB ring that nobody reads.
class UnreadRingTest : public CaptureTest {
  protected:
    AfpacketConfig config() const override {
        AfpacketConfig c;
        c.ring_bytes = 1u << 20;
        return c;
    }
    bool runs_loop() const override { return false; }
};

TEST_F(UnreadRingTest, KernelDropsAreReportedAndAccumulated) {
    const int afd = in_netns(ns_a_, [] { return make_socket(AF_INET, SOCK_DGRAM); });
    bind_to(afd, "192.0.2.1");
    sockaddr_storage to = address("192.0.2.2", 9);  // nobody listens: B answers ICMP
    const char byte = 'x';
    // Far more frames than 1 MiB of ring slots holds (each takes ≥ 128 bytes).
    for (int i = 0; i < 30000; ++i)
        ::sendto(afd, &byte, 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    ::close(afd);
    auto drops = [](const Sample& s) {
        for (const SourceCounter& c : s.counters)
            if (c.name == "kernel_drops") return c.value;
        return std::uint64_t{0};
    };
    Sample first;
    const CollectStatus status = source_->collect(first);
    EXPECT_EQ(status.code, CollectStatus::Code::Degraded);
    EXPECT_NE(status.message.find("ring_size_mb"), std::string::npos) << status.message;
    EXPECT_GT(drops(first), 0u);
    Sample second;  // the kernel counter was reset by the first read; ours is cumulative
    EXPECT_EQ(source_->collect(second).code, CollectStatus::Code::Ok);
    EXPECT_EQ(drops(second), drops(first));
}

TEST(CaptureNoCap, WithoutCapNetRawOpenSaysWhatIsLostInOneLine) {
    if (::geteuid() != 0 || std::system("command -v capsh >/dev/null") != 0)
        GTEST_SKIP() << "needs root and capsh";
    const std::string probe = std::string(SSTOP_BINARY_DIR) + "/tests/afpacket_nocap_probe";
    FILE* p = ::popen(("capsh --drop=cap_net_raw -- -c '" + probe + "'").c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof(buf), p) != nullptr) out += buf;
    const int status = ::pclose(p);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 3) << out;
    EXPECT_EQ(out, std::string(kNoCapNetRawMessage) + "\n");
}

}  // namespace
}  // namespace sstop::plugins::afpacket
