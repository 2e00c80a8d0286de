// The exporter over real loopback TCP connections: start on port 0, scrape, error paths,
// the connection cap with idle clients, a port in use.
#include "prometheus_exporter.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "http_server.hpp"
#include "prometheus_context.hpp"

namespace sstop::plugins::prometheus {
namespace {

using testing::FakeContext;

int connect_loopback(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Reads until EOF; "(timeout)" appended if the server did not close within 10 s.
std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    while (true) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 10'000) <= 0) return out + "(timeout)";
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

std::string round_trip(std::uint16_t port, const std::string& request) {
    int fd = connect_loopback(port);
    if (fd < 0) return "(connect failed)";
    std::size_t sent = 0;
    while (sent < request.size()) {
        ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    std::string response = read_all(fd);
    ::close(fd);
    return response;
}

std::string get(std::uint16_t port, const std::string& path = "/metrics") {
    return round_trip(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
}

std::string body_of(const std::string& response) {
    auto pos = response.find("\r\n\r\n");
    return pos == std::string::npos ? "" : response.substr(pos + 4);
}

std::shared_ptr<const Snapshot> snapshot(std::uint64_t seq) {
    auto s = std::make_shared<Snapshot>();
    s->seq = seq;
    s->sources = {"netlink"};
    for (int i = 1; i <= 3; ++i) {
        ProcessSummary p;
        p.info.id.pid = 100 + i;
        p.info.name = "proc" + std::to_string(i);
        p.traffic.tx_bytes = 1000u * static_cast<unsigned>(i);
        s->processes.push_back(p);
    }
    return s;
}

class PrometheusExporterTest : public ::testing::Test {
  protected:
    void SetUp() override { context_.set_string("listen", "127.0.0.1:0"); }
    FakeContext context_ = testing::prometheus_context();
};

TEST_F(PrometheusExporterTest, Serves503BeforeTheFirstSnapshotThenTheMetrics) {
    PrometheusExporter exporter(context_);
    exporter.start();
    const std::uint16_t port = exporter.bound_port();
    ASSERT_NE(port, 0);

    std::string before = get(port);
    EXPECT_EQ(before.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << before;

    exporter.publish(snapshot(3));
    std::string after = get(port);
    ASSERT_EQ(after.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << after;
    EXPECT_NE(after.find("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
              std::string::npos);
    EXPECT_NE(after.find("\r\nConnection: close\r\n"), std::string::npos);
    std::string body = body_of(after);
    EXPECT_NE(after.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"),
              std::string::npos);
    EXPECT_NE(body.find("sstop_up 1\n"), std::string::npos);
    EXPECT_NE(body.find("sstop_snapshot_seq 3\n"), std::string::npos);
    EXPECT_NE(body.find("sstop_process_transmit_bytes_total{pid=\"103\",name=\"proc3\"} 3000\n"),
              std::string::npos);

    // A newer snapshot replaces the text; the query string does not matter.
    exporter.publish(snapshot(4));
    EXPECT_NE(get(port, "/metrics?x=1").find("sstop_snapshot_seq 4\n"), std::string::npos);
    EXPECT_NE(context_.logged().front().find("serving http://127.0.0.1:0/metrics"),
              std::string::npos);
}

TEST_F(PrometheusExporterTest, OptionsReachTheRendering) {
    context_.set_int("max_processes", 1);
    context_.set_string("path", "/m");
    PrometheusExporter exporter(context_);
    exporter.start();
    exporter.publish(snapshot(1));
    std::string text = get(exporter.bound_port(), "/m");
    EXPECT_NE(text.find("sstop_exporter_processes_dropped 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("{pid=\"103\""), std::string::npos);
    EXPECT_EQ(text.find("{pid=\"101\""), std::string::npos);
    EXPECT_EQ(get(exporter.bound_port(), "/metrics").rfind("HTTP/1.1 404 ", 0), 0u);
}

TEST_F(PrometheusExporterTest, HeadGetsTheHeadersWithoutTheBody) {
    PrometheusExporter exporter(context_);
    exporter.start();
    exporter.publish(snapshot(1));
    std::string full = get(exporter.bound_port());
    std::string head = round_trip(exporter.bound_port(), "HEAD /metrics HTTP/1.0\r\n\r\n");
    ASSERT_EQ(head.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << head;
    EXPECT_TRUE(body_of(head).empty());
    EXPECT_NE(head.find("Content-Length: " + std::to_string(body_of(full).size()) + "\r\n"),
              std::string::npos);
}

TEST_F(PrometheusExporterTest, AnswersErrorsWithTheirStatus) {
    PrometheusExporter exporter(context_);
    exporter.start();
    exporter.publish(snapshot(1));
    const auto port = exporter.bound_port();
    EXPECT_EQ(get(port, "/other").rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u);
    std::string post = round_trip(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(post.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u) << post;
    EXPECT_NE(post.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos);
    EXPECT_EQ(round_trip(port, "GARBAGE\r\n\r\n").rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u);
    EXPECT_EQ(round_trip(port, "GET /metrics HTTP/1.1\n\n").rfind("HTTP/1.1 400 ", 0), 0u);
    EXPECT_EQ(round_trip(port, "GET /metrics HTTP/2.0\r\n\r\n").rfind("HTTP/1.1 505 ", 0), 0u);
    std::string big = "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(3 * kMaxHeadBytes, 'a');
    std::string too_large = round_trip(port, big);
    EXPECT_EQ(too_large.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0), 0u)
        << too_large.substr(0, 100);
    // The server still serves after all that.
    EXPECT_EQ(get(port).rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
}

TEST_F(PrometheusExporterTest, IdleConnectionsBeyondTheCapDoNotBlockARealRequest) {
    PrometheusExporter exporter(context_);
    exporter.set_connection_deadline(std::chrono::milliseconds(200));
    exporter.start();
    exporter.publish(snapshot(1));
    std::vector<int> idle;
    for (int i = 0; i < 20; ++i) {
        int fd = connect_loopback(exporter.bound_port());
        ASSERT_GE(fd, 0);
        idle.push_back(fd);
    }
    // The 21st waits behind 16 accepted idle ones (and 4 in the backlog) until deadlines
    // close them; then it is served.
    std::string response = get(exporter.bound_port());
    EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response.substr(0, 200);
    // Every idle connection was closed by the server, without a response.
    for (int fd : idle) {
        EXPECT_EQ(read_all(fd), "");
        ::close(fd);
    }
}

TEST_F(PrometheusExporterTest, PortInUseIsUnavailableNamingTheAddress) {
    PrometheusExporter first(context_);
    first.start();
    auto second_context = testing::prometheus_context();
    const std::string address = "127.0.0.1:" + std::to_string(first.bound_port());
    second_context.set_string("listen", address);
    PrometheusExporter second(second_context);
    try {
        second.start();
        FAIL() << "start() on a port in use did not throw";
    } catch (const PluginUnavailable& e) {
        EXPECT_EQ(std::string(e.what()),
                  "prometheus: cannot listen on " + address + ": Address already in use");
    }
    second.stop();  // safe after a failed start
}

TEST_F(PrometheusExporterTest, StopClosesTheSocketAndIsIdempotent) {
    PrometheusExporter exporter(context_);
    exporter.start();
    const auto port = exporter.bound_port();
    exporter.stop();
    exporter.stop();
    EXPECT_EQ(connect_loopback(port), -1);
    exporter.publish(snapshot(1));  // after stop: ignored, not a crash
}

TEST_F(PrometheusExporterTest, DestroyingWithoutStopIsSafe) {
    std::uint16_t port;
    {
        PrometheusExporter exporter(context_);
        exporter.start();
        exporter.publish(snapshot(1));
        port = exporter.bound_port();
        int held = connect_loopback(port);  // a connection open at destruction
        ASSERT_GE(held, 0);
        ::close(held);
    }
    EXPECT_EQ(connect_loopback(port), -1);
}

TEST(PrometheusResponse, PureResponsesForEachStatus) {
    auto body = std::make_shared<const std::string>("x 1\n");
    Request ok = parse_request("GET /metrics HTTP/1.1\r\n\r\n");
    Response r = make_response(ok, "/metrics", body);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, body);  // shared, not copied
    EXPECT_EQ(make_response(ok, "/metrics", nullptr).status, 503);
    EXPECT_EQ(make_response(ok, "/other", body).status, 404);
    Request head = parse_request("HEAD /metrics HTTP/1.1\r\n\r\n");
    Response h = make_response(head, "/metrics", body);
    EXPECT_EQ(h.body, nullptr);
    EXPECT_NE(h.head.find("Content-Length: 4\r\n"), std::string::npos);
    EXPECT_EQ(make_too_large_response().status, 431);
}

}  // namespace
}  // namespace sstop::plugins::prometheus
