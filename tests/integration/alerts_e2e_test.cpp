// Alerts end to end: a rule on the filter language fires on a known upload in a namespace
// (in --json's "alerts", with its exec: command run with SSTOP_ALERT_*), and clears after the
// upload ends; a bad rule fails --check-config at file:line:column.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "netns.hpp"
#include "snapshot_json.hpp"

namespace sstop::testing {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr std::size_t kChunk = 100'000;
constexpr int kChunks = 30;  // 3 MB at about 2.5 MB/s: a bit over a second of upload

std::string write_file(const std::string& name, const std::string& text) {
    const std::string path =
        (fs::temp_directory_path() / ("sstop-alerts-" + std::to_string(::getpid()) + "-" + name))
            .string();
    std::ofstream(path) << text;
    return path;
}

const json* alert_in(const json& snap, const std::string& name, int pid) {
    for (const json& a : snap["alerts"])
        if (a["name"] == name && a["pid"] == pid) return &a;
    return nullptr;
}

TEST(AlertsE2E, AnAlertFiresOnAKnownUploadAndClearsAfterIt) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    NetnsPair net("alrt");
    Gate go;
    Child sink(net.b, "alrt-sink", [](const auto& ready) {
        const int l = tcp_listen(NetnsPair::kAddrB4, 7401);
        ready();
        const int c = tcp_accept(l);
        while (read_exactly(c, 65536) > 0) {
        }
        pause();
    });
    Child up(net.a, "alrt-up", [&go](const auto& ready) {
        const int s = tcp_connect(NetnsPair::kAddrB4, 7401);
        ready();
        go.wait();
        for (int i = 0; i < kChunks; ++i) {
            write_exactly(s, kChunk);
            usleep(40000);
        }
        pause();  // the connection stays, idle
    });

    const std::string env_out = write_file("env", "");
    std::remove(env_out.c_str());
    const std::string config = write_file("config.yaml",
                                          "alerts:\n"
                                          "  - name: big-upload\n"
                                          "    when: \"proc:alrt-up and tx>500K\"\n"
                                          "    for: 500ms\n"
                                          "    actions: [highlight, \"exec:/bin/sh -c env>" +
                                              env_out + "\"]\n");

    SstopRun sstop(net.a, {"--config", config, "--sources", "netlink", "--interval", "250ms",
                           "--count", "80"});
    ASSERT_TRUE(sstop.wait_for_seq(2, std::chrono::seconds(20))) << sstop.errors();
    EXPECT_TRUE(sstop.snapshots().back()["alerts"].empty()) << "idle: no alert yet";
    go.fire();

    // Wait for it to fire, then for it to clear once the upload is over and the rate decayed.
    int fired_seq = -1, cleared_seq = -1;
    double since = 0;
    for (int seq = 3; seq < 75 && cleared_seq < 0; ++seq) {
        ASSERT_TRUE(sstop.wait_for_seq(seq, std::chrono::seconds(10))) << sstop.errors();
        json snap;
        for (const json& s : sstop.snapshots())
            if (s["seq"] == seq) snap = s;
        const json* a = alert_in(snap, "big-upload", up.pid());
        if (a && fired_seq < 0) {
            fired_seq = seq;
            since = (*a)["since"].get<double>();
            EXPECT_EQ((*a)["process"], "alrt-up");
            EXPECT_LE(since, snap["ts"].get<double>());
            // for: 500ms: the process was over 500K for at least two updates before.
            int over = 0;
            for (const json& s : sstop.snapshots()) {
                const json* p = find_process(s, up.pid());
                if (s["seq"].get<int>() < seq && p && (*p)["tx_bps"].get<double>() > 500e3) ++over;
            }
            EXPECT_GE(over, 2) << "fired before the condition held for 500ms";
        }
        if (fired_seq > 0 && !a) cleared_seq = seq;
    }
    EXPECT_GT(fired_seq, 0) << "the alert never fired";
    EXPECT_GT(cleared_seq, fired_seq) << "the alert never cleared";
    // While it was active every snapshot says so, with the same since.
    for (const json& s : sstop.snapshots()) {
        const int seq = s["seq"].get<int>();
        if (seq < fired_seq || seq >= cleared_seq) continue;
        const json* a = alert_in(s, "big-upload", up.pid());
        ASSERT_NE(a, nullptr) << s.dump();
        EXPECT_DOUBLE_EQ((*a)["since"].get<double>(), since);
    }
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();

    // exec: ran once, without a terminal, with the alert in its environment.
    std::string env;
    for (int i = 0; i < 100 && env.find("SSTOP_ALERT_PROCESS") == std::string::npos; ++i) {
        std::ifstream in(env_out);
        std::stringstream ss;
        ss << in.rdbuf();
        env = ss.str();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_NE(env.find("SSTOP_ALERT_NAME=big-upload\n"), std::string::npos) << env;
    EXPECT_NE(env.find("SSTOP_ALERT_PID=" + std::to_string(up.pid()) + "\n"), std::string::npos)
        << env;
    EXPECT_NE(env.find("SSTOP_ALERT_PROCESS=alrt-up\n"), std::string::npos) << env;
    std::remove(env_out.c_str());
    std::remove(config.c_str());
}

TEST(AlertsE2E, ABadRuleFailsCheckConfigAtItsLineAndColumn) {
    const std::string config = write_file("bad.yaml",
                                          "interval: 1s\n"
                                          "alerts:\n"
                                          "  - name: big-upload\n"
                                          "    when: \"tx>1M and port:99999\"\n");
    int rc = 0;
    std::string err;
    run_capture({sstop_binary(), "--check-config", "--config", config}, &rc,
                std::chrono::seconds(10), &err);
    EXPECT_EQ(rc, 2);
    // The quote is column 11; "port:99999" starts at column 11 of the expression.
    EXPECT_NE(err.find(config + ":4:27: alerts[0].when: bad port '99999' at column 16"),
              std::string::npos)
        << err;
    std::remove(config.c_str());
}

}  // namespace
}  // namespace sstop::testing
