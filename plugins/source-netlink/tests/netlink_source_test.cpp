// Real-kernel tests of the netlink source (label: integration). They use loopback only, in
// the namespace the test runs in, and find their own sockets by port.
#include "netlink_source.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <sstop/unique_fd.hpp>
#include <thread>
#include <vector>

namespace sstop::plugins::netlink {
namespace {

std::uint16_t local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                         : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

void send_all(int fd, std::size_t n) {
    std::vector<char> buf(n, 'y');
    std::size_t done = 0;
    while (done < n) {
        ssize_t r = ::send(fd, buf.data() + done, n - done, 0);
        ASSERT_GT(r, 0);
        done += static_cast<std::size_t>(r);
    }
}

void recv_exact(int fd, std::size_t n) {
    std::vector<char> buf(n);
    std::size_t done = 0;
    while (done < n) {
        ssize_t r = ::recv(fd, buf.data() + done, n - done, 0);
        ASSERT_GT(r, 0);
        done += static_cast<std::size_t>(r);
    }
}

void expect_eof(int fd) {
    char c;
    EXPECT_EQ(::recv(fd, &c, 1, 0), 0);
}

/// A listener, a client and the accepted end over loopback of `family`.
struct Conn {
    UniqueFd listener, client, server;
    std::uint16_t port = 0;
    explicit Conn(int family) {
        sockaddr_storage ss{};
        socklen_t len;
        if (family == AF_INET) {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            a->sin_family = AF_INET;
            a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            len = sizeof *a;
        } else {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_addr = in6addr_loopback;
            len = sizeof *a;
        }
        listener = UniqueFd(::socket(family, SOCK_STREAM, 0));
        EXPECT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&ss), len), 0);
        EXPECT_EQ(::listen(listener.get(), 8), 0);
        port = local_port(listener.get());
        if (family == AF_INET)
            reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(port);
        else
            reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(port);
        client = UniqueFd(::socket(family, SOCK_STREAM, 0));
        EXPECT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&ss), len), 0);
        server = UniqueFd(::accept(listener.get(), nullptr, nullptr));
        EXPECT_GE(server.get(), 0);
    }
    std::uint16_t client_port() const { return local_port(client.get()); }
};

NetlinkSettings test_settings() {
    NetlinkSettings s;
    s.destroy_events = true;
    // These tests run no capture thread; the tracer has its own tests.
    s.trace_connects = false;
    return s;
}

/// A live or closed socket of `sample` by local and remote port.
const SocketObs* find(const Sample& sample, Proto proto, std::uint16_t local, std::uint16_t remote,
                      bool closed) {
    for (const auto& s : sample.sockets)
        if (s.key.proto == proto && s.key.local.port == local && s.key.remote.port == remote &&
            s.closed == closed)
            return &s;
    return nullptr;
}

Sample collect_ok(NetlinkSource& src) {
    Sample s;
    CollectStatus st = src.collect(s);
    EXPECT_NE(st.code, CollectStatus::Code::Failed) << st.message;
    return s;
}

/// Collects until `found` returns true for an accumulated closed record, or 10 s pass.
/// Destroy notifications are sent from a kernel workqueue, so they arrive a little later.
std::vector<SocketObs> collect_closed_until(NetlinkSource& src,
                                            const std::function<bool(const SocketObs&)>& want,
                                            std::size_t count) {
    std::vector<SocketObs> got;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (got.size() < count && std::chrono::steady_clock::now() < deadline) {
        Sample s = collect_ok(src);
        for (const auto& o : s.sockets)
            if (o.closed && want(o)) got.push_back(o);
        if (got.size() < count) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return got;
}

class NetlinkSourceExact : public ::testing::TestWithParam<int> {};

TEST_P(NetlinkSourceExact, CountsPayloadExactlyThroughCloseStates) {
    const int family = GetParam();
    NetlinkSource src(test_settings());
    src.open();
    Conn c(family);
    const std::uint16_t cport = c.client_port();
    constexpr std::size_t kUp = 123457, kDown = 65539;
    send_all(c.client.get(), kUp);
    recv_exact(c.server.get(), kUp);
    send_all(c.server.get(), kDown);
    recv_exact(c.client.get(), kDown);

    Sample s1 = collect_ok(src);
    const SocketObs* cl = find(s1, Proto::Tcp, cport, c.port, false);
    const SocketObs* sv = find(s1, Proto::Tcp, c.port, cport, false);
    ASSERT_NE(cl, nullptr);
    ASSERT_NE(sv, nullptr);
    EXPECT_EQ(cl->key.local.addr.family, family == AF_INET ? Family::V4 : Family::V6);
    EXPECT_EQ(cl->state, SocketState::Established);
    EXPECT_TRUE(cl->has_bytes);
    EXPECT_EQ(cl->tx_bytes, kUp);
    EXPECT_EQ(cl->rx_bytes, kDown);
    EXPECT_EQ(sv->tx_bytes, kDown);
    EXPECT_EQ(sv->rx_bytes, kUp);
    EXPECT_NE(cl->cookie, 0u);
    EXPECT_NE(cl->inode, 0u);
    EXPECT_EQ(cl->uid, getuid());
    EXPECT_EQ(cl->owner.pid, getpid());
    const std::uint64_t client_cookie = cl->cookie, server_cookie = sv->cookie;
    const SocketObs* l = find(s1, Proto::Tcp, c.port, 0, false);
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->state, SocketState::Listen);
    EXPECT_FALSE(l->has_bytes);

    // Client half-closes: server in CLOSE_WAIT has counted the FIN, which is not payload.
    ASSERT_EQ(::shutdown(c.client.get(), SHUT_WR), 0);
    expect_eof(c.server.get());
    Sample s2 = collect_ok(src);
    sv = find(s2, Proto::Tcp, c.port, cport, false);
    cl = find(s2, Proto::Tcp, cport, c.port, false);
    ASSERT_NE(sv, nullptr);
    ASSERT_NE(cl, nullptr);
    EXPECT_EQ(sv->state, SocketState::CloseWait);
    EXPECT_EQ(sv->rx_bytes, kUp);
    EXPECT_EQ(sv->tx_bytes, kDown);
    // FIN_WAIT1 until the server's (possibly delayed) ACK of our FIN, then FIN_WAIT2.
    EXPECT_TRUE(cl->state == SocketState::FinWait1 || cl->state == SocketState::FinWait2);
    EXPECT_EQ(cl->tx_bytes, kUp);
    EXPECT_EQ(cl->rx_bytes, kDown);

    // Server closes too: the client's end becomes a TIME_WAIT socket with the same cookie,
    // no tcp_info (so no bytes), and still its owner.
    ASSERT_EQ(::shutdown(c.server.get(), SHUT_WR), 0);
    expect_eof(c.client.get());
    Sample s3 = collect_ok(src);
    cl = find(s3, Proto::Tcp, cport, c.port, false);
    ASSERT_NE(cl, nullptr);
    EXPECT_EQ(cl->state, SocketState::TimeWait);
    EXPECT_EQ(cl->cookie, client_cookie);
    EXPECT_FALSE(cl->has_bytes);
    EXPECT_EQ(cl->owner.pid, getpid());

    // Closing the fds frees both sockets: their final records carry the exact totals.
    c.client.reset();
    c.server.reset();
    auto closed = collect_closed_until(
        src,
        [&](const SocketObs& o) { return o.cookie == client_cookie || o.cookie == server_cookie; },
        2);
    ASSERT_EQ(closed.size(), 2u);
    for (const auto& o : closed) {
        EXPECT_TRUE(o.has_bytes);
        EXPECT_EQ(o.inode, 0u);
        EXPECT_EQ(o.owner.pid, getpid());  // known from earlier dumps by cookie
        EXPECT_EQ(o.key.proto, Proto::Tcp);
        if (o.cookie == client_cookie) {
            EXPECT_EQ(o.tx_bytes, kUp);
            EXPECT_EQ(o.rx_bytes, kDown);
        } else {
            EXPECT_EQ(o.tx_bytes, kDown);
            EXPECT_EQ(o.rx_bytes, kUp);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Loopback, NetlinkSourceExact, ::testing::Values(AF_INET, AF_INET6),
                         [](const auto& info) { return info.param == AF_INET ? "V4" : "V6"; });

TEST(NetlinkSource, ConnectionBetweenCollectsArrivesAsClosedRecord) {
    NetlinkSource src(test_settings());
    src.open();
    Sample before = collect_ok(src);
    constexpr std::size_t kBytes = 77777;
    std::uint16_t cport = 0, lport = 0;
    {
        Conn c(AF_INET);
        cport = c.client_port();
        lport = c.port;
        send_all(c.client.get(), kBytes);
        c.client.reset();
        recv_exact(c.server.get(), kBytes);
        expect_eof(c.server.get());
    }
    auto closed = collect_closed_until(
        src,
        [&](const SocketObs& o) { return o.key.local.port == cport && o.key.remote.port == lport; },
        1);
    ASSERT_EQ(closed.size(), 1u);
    const SocketObs& o = closed[0];
    EXPECT_TRUE(o.closed);
    EXPECT_TRUE(o.has_bytes);
    EXPECT_EQ(o.tx_bytes, kBytes);
    EXPECT_NE(o.cookie, 0u);
    EXPECT_EQ(o.owner.pid, 0);  // never dumped while alive: no guessing
    Sample after;
    src.collect(after);
    bool counted = false;
    for (const auto& c : after.counters)
        if (c.name == "destroy_events") counted = c.value > 0;
    EXPECT_TRUE(counted);
}

TEST(NetlinkSource, UdpSocketIsListedWithoutBytes) {
    NetlinkSource src(test_settings());
    src.open();
    UniqueFd u(::socket(AF_INET6, SOCK_DGRAM, 0));
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    ASSERT_EQ(::bind(u.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    Sample s = collect_ok(src);
    const SocketObs* o = find(s, Proto::Udp, local_port(u.get()), 0, false);
    ASSERT_NE(o, nullptr);
    EXPECT_FALSE(o->has_bytes);
    EXPECT_EQ(o->key.local.addr.family, Family::V6);
    EXPECT_EQ(o->owner.pid, getpid());
    bool has_process = false;
    for (const auto& p : s.processes) has_process = has_process || p.id == o->owner;
    EXPECT_TRUE(has_process);
}

TEST(NetlinkSource, LoopbackInterfaceCountersGrow) {
    NetlinkSource src(test_settings());
    src.open();
    Sample s1 = collect_ok(src);
    ASSERT_TRUE(s1.has_interfaces);
    auto lo_of = [](const Sample& s) -> const InterfaceObs* {
        for (const auto& i : s.interfaces)
            if (i.name == "lo") return &i;
        return nullptr;
    };
    ASSERT_NE(lo_of(s1), nullptr);
    const std::uint64_t rx1 = lo_of(s1)->rx_bytes;
    EXPECT_TRUE(lo_of(s1)->up);
    {
        Conn c(AF_INET);
        send_all(c.client.get(), 200000);
        recv_exact(c.server.get(), 200000);
    }
    Sample s2 = collect_ok(src);
    ASSERT_NE(lo_of(s2), nullptr);
    EXPECT_GE(lo_of(s2)->rx_bytes, rx1 + 200000);
}

std::uint64_t counter(const Sample& s, const std::string& name) {
    for (const auto& c : s.counters)
        if (c.name == name) return c.value;
    return 0;
}

TEST(NetlinkSource, DestroyOverflowIsCountedAndCollectGoesOn) {
    NetlinkSettings st = test_settings();
    st.rcvbuf = 4096;  // a few notifications fill it (below the option's range on purpose)
    NetlinkSource src(st);
    src.open();
    collect_ok(src);
    Conn keep(AF_INET);  // a live connection the resync dump must still show
    for (int i = 0; i < 200; ++i) {
        Conn c(AF_INET);
        send_all(c.client.get(), 10);
        recv_exact(c.server.get(), 10);
    }
    std::uint64_t enobufs = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    Sample s;
    while (enobufs == 0 && std::chrono::steady_clock::now() < deadline) {
        s = Sample{};
        CollectStatus st2 = src.collect(s);
        ASSERT_NE(st2.code, CollectStatus::Code::Failed) << st2.message;
        enobufs = counter(s, "enobufs");
        if (enobufs == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_GT(enobufs, 0u);
    EXPECT_NE(find(s, Proto::Tcp, keep.client_port(), keep.port, false), nullptr);
}

TEST(NetlinkSource, FaultSeamFailsAfterNCollects) {
    NetlinkSettings st = test_settings();
    st.fail_after = 2;
    NetlinkSource src(st);
    src.open();
    Sample a, b, c;
    EXPECT_NE(src.collect(a).code, CollectStatus::Code::Failed);
    EXPECT_NE(src.collect(b).code, CollectStatus::Code::Failed);
    EXPECT_EQ(src.collect(c).code, CollectStatus::Code::Failed);
}

TEST(NetlinkSource, ReportsHealthCountersAndCapabilities) {
    NetlinkSource src(test_settings());
    EXPECT_EQ(src.capabilities(),
              kProvidesSockets | kProvidesTcpBytes | kProvidesInterfaces | kProvidesOwners);
    src.open();
    Sample s = collect_ok(src);
    std::vector<std::string> names;
    for (const auto& c : s.counters) names.push_back(c.name);
    for (const char* n : {"dump_retries", "dump_interrupted", "destroy_events", "enobufs"})
        EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
}

TEST(NetlinkSource, CollectBeforeOpenFails) {
    NetlinkSource src(test_settings());
    Sample s;
    EXPECT_EQ(src.collect(s).code, CollectStatus::Code::Failed);
}

TEST(NetlinkFault, ParsesNumbersFromFaultList) {
    EXPECT_EQ(parse_fault_number("netlink_fail_after=3", "netlink_fail_after"), 3u);
    EXPECT_EQ(parse_fault_number("proc_vanish|netlink_fail_after=12|x", "netlink_fail_after"), 12u);
    EXPECT_FALSE(parse_fault_number("netlink_enobufs", "netlink_fail_after"));
    EXPECT_FALSE(parse_fault_number("netlink_fail_after=", "netlink_fail_after"));
    EXPECT_FALSE(parse_fault_number("x_netlink_fail_after=4", "netlink_fail_after"));
    EXPECT_EQ(parse_fault_number("netlink_fail_after=1|tracer_delay_ms=700", "tracer_delay_ms"),
              700u);
    EXPECT_FALSE(parse_fault_number("tracer_delay_ms=99999999999999999999999", "tracer_delay_ms"));
}

}  // namespace
}  // namespace sstop::plugins::netlink
