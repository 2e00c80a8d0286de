// The prometheus exporter in the real sstop: a process in a namespace uploads a known number of
// bytes; sstop --json runs there with the exporter on loopback (inside that namespace, so
// parallel tests never clash); a scrape from inside the namespace must show the uploader's
// bytes, matching the truth and the JSON stream. A second sstop with the same port says the
// exporter is unavailable in one line and runs on.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "netns.hpp"
#include "snapshot_json.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;

constexpr std::size_t kUpload = 2'000'000;
constexpr int kSinkPort = 7301;
constexpr int kMetricsPort = 19464;

// GET /metrics from inside `ns`: a thread joins the namespace (a network namespace is per
// thread), so the socket is made there; the test's own threads stay where they were.
std::string scrape_in(const Netns& ns, const std::string& request) {
    std::string out;
    std::thread client([&] {
        int nsfd = open(("/var/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
        if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
            out = "(setns failed)";
            return;
        }
        close(nsfd);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(kMetricsPort);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            out = "(connect failed)";
            close(fd);
            return;
        }
        send(fd, request.data(), request.size(), MSG_NOSIGNAL);
        char buf[8192];
        while (true) {
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, 10'000) <= 0) {
                out += "(timeout)";
                break;
            }
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        close(fd);
    });
    client.join();
    return out;
}

// The value of the first sample whose line starts with `prefix`, or -1.
double sample_value(const std::string& text, const std::string& prefix) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(prefix, 0) != 0) continue;
        auto space = line.rfind(' ');
        return std::stod(line.substr(space + 1));
    }
    return -1;
}

class TempConfig {
  public:
    explicit TempConfig(const std::string& text) {
        char tmpl[] = "/tmp/sstop-prom-XXXXXX";
        dir_ = mkdtemp(tmpl);
        path_ = dir_ + "/sstop.yaml";
        std::ofstream(path_) << text;
    }
    ~TempConfig() {
        std::remove(path_.c_str());
        rmdir(dir_.c_str());
    }
    const std::string& path() const { return path_; }

  private:
    std::string dir_, path_;
};

TEST(PrometheusE2e, ScrapeShowsTheUploadersBytesAsTheJsonDoes) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    NetnsPair net("prom");
    Gate go;
    Child sink(net.b, "prom-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, kSinkPort);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, kUpload);
        pause();
    });
    Child up(net.a, "prom-upload", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, kSinkPort);
        ready();
        go.wait();
        write_exactly(s, kUpload);
        pause();
    });
    TempConfig config("exporters: [prometheus]\nplugins:\n  prometheus:\n    listen: \"127.0.0.1:" +
                      std::to_string(kMetricsPort) + "\"\n");

    SstopRun sstop(net.a, {"--config", config.path(), "--interval", "500ms"});
    ASSERT_TRUE(sstop.wait_for_seq(1, std::chrono::seconds(20))) << sstop.errors();
    go.fire();
    // Until the JSON shows the whole upload (bounded: 40 ticks).
    int seq = sstop.snapshots().back()["seq"].get<int>();
    for (int i = 0; i < 40 && bytes_of(sstop.snapshots().back(), up.pid(), "tx_bytes") < kUpload;
         ++i)
        ASSERT_TRUE(sstop.wait_for_seq(++seq, std::chrono::seconds(10))) << sstop.errors();
    ASSERT_GE(bytes_of(sstop.snapshots().back(), up.pid(), "tx_bytes"), kUpload) << sstop.errors();

    // The exporter renders on its own thread, so right after the JSON line it may still serve
    // the snapshot before: scrape until it serves this one or a later one (bounded).
    const std::int64_t done_seq = sstop.snapshots().back()["seq"].get<std::int64_t>();
    std::string response, text;
    for (int attempt = 0; attempt < 50; ++attempt) {
        response = scrape_in(net.a, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        ASSERT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response.substr(0, 300);
        text = response.substr(response.find("\r\n\r\n") + 4);
        if (sample_value(text, "sstop_snapshot_seq ") >= static_cast<double>(done_seq)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_GE(sample_value(text, "sstop_snapshot_seq "), static_cast<double>(done_seq))
        << "the exporter never served the snapshot the JSON showed";
    EXPECT_NE(text.find("\nsstop_up 1\n"), std::string::npos) << text.substr(0, 300);
    EXPECT_NE(text.find("# TYPE sstop_process_transmit_bytes_total counter\n"), std::string::npos);

    const double scraped = sample_value(
        text, "sstop_process_transmit_bytes_total{pid=\"" + std::to_string(up.pid()) + "\",");
    ASSERT_GE(scraped, 0) << "no series for the uploader (pid " << up.pid() << "):\n" << text;
    EXPECT_LE(std::fabs(scraped - kUpload), 0.01 * kUpload) << "scraped " << scraped;
    EXPECT_NE(text.find("{pid=\"" + std::to_string(up.pid()) + "\",name=\"prom-upload\"}"),
              std::string::npos);

    // The JSON snapshot the text was rendered from (same seq), or the latest one.
    const auto scraped_seq = static_cast<std::int64_t>(sample_value(text, "sstop_snapshot_seq "));
    json same = sstop.snapshots().back();
    for (const auto& snap : sstop.snapshots())
        if (snap["seq"].get<std::int64_t>() == scraped_seq) same = snap;
    const double json_tx = static_cast<double>(bytes_of(same, up.pid(), "tx_bytes"));
    EXPECT_LE(std::fabs(scraped - json_tx), 0.01 * json_tx)
        << "scraped " << scraped << " at seq " << scraped_seq << ", JSON " << json_tx;

    // A second sstop with the same port: one line naming the exporter and the address, and
    // it still runs to the end.
    int code = -1;
    std::string err;
    run_capture({"ip", "netns", "exec", net.a.name(), sstop_binary(), "--config", config.path(),
                 "--json", "--count", "2", "--interval", "500ms"},
                &code, std::chrono::seconds(30), &err);
    EXPECT_EQ(code, 0) << err;
    const std::string address = "127.0.0.1:" + std::to_string(kMetricsPort);
    EXPECT_NE(err.find("exporter 'prometheus' unavailable: prometheus: cannot listen on " +
                       address + ": Address already in use"),
              std::string::npos)
        << err;
    std::size_t lines = 0;
    std::istringstream err_lines(err);
    for (std::string line; std::getline(err_lines, line);)
        if (line.find(address) != std::string::npos) ++lines;
    EXPECT_EQ(lines, 1u) << err;

    // The first one still serves.
    EXPECT_EQ(scrape_in(net.a, "GET /metrics HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 200 OK\r\n", 0),
              0u);
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();
}

}  // namespace
}  // namespace sstop::testing
