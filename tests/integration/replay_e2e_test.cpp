// Recording and replay end to end: `sstop --json --record F` runs in a namespace while a
// process uploads a known byte count to a peer namespace; `sstop --sources replay` then
// replays F through the same pipeline and must report the same per-process totals, tick for
// tick. Also: a full disk stops recording with one warning and sstop goes on; a cut recording
// replays its complete ticks.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "netns.hpp"
#include "snapshot_json.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;

constexpr std::size_t kUpload = 3'000'000;

std::string temp_path(const std::string& tag) {
    return "/tmp/sstop-replay-e2e-" + std::to_string(::getpid()) + "-" + tag;
}

// Removes its files even when an assertion fails.
struct TempFiles {
    std::vector<std::string> paths;
    ~TempFiles() {
        for (const auto& p : paths) std::remove(p.c_str());
    }
};

std::string write_replay_config(const std::string& path, const std::string& recording) {
    std::ofstream(path) << "plugins:\n  replay:\n    file: " << recording << "\n    speed: 0\n";
    return path;
}

std::vector<json> parse_lines(const std::string& out) {
    std::vector<json> snaps;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) snaps.push_back(json::parse(line));
    return snaps;
}

// Records in a read-only pass: "TICK" tags after the header (the recording's own framing).
std::size_t count_records(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t header = data.find('\n');
    if (data.rfind("sstop-recording 1\n", 0) != 0) return 0;
    std::size_t pos = header + 1, n = 0;
    while (pos + 8 <= data.size() && data.compare(pos, 4, "TICK") == 0) {
        std::uint32_t len = 0;
        for (int i = 0; i < 4; ++i)
            len |= std::uint32_t{static_cast<unsigned char>(data[pos + 4 + i])} << (8 * i);
        if (pos + 8 + len > data.size()) break;
        pos += 8 + len;
        ++n;
    }
    return n;
}

TEST(ReplayE2E, ReplayedSnapshotsHaveTheLiveRunsPerProcessTotals) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    TempFiles files;
    const std::string recording = temp_path("live.rec");
    const std::string config = write_replay_config(temp_path("replay.yaml"), recording);
    files.paths = {recording, config};

    NetnsPair net("rp");
    Gate go;
    Child sink(net.b, "rp-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, 7101);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, kUpload);
        pause();
    });
    Child up(net.a, "rp-upload", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, 7101);
        ready();
        go.wait();
        write_exactly(s, kUpload);
        pause();
    });

    std::vector<json> live;
    {
        SstopRun sstop(net.a, {"--interval", "300ms", "-n", "--record", recording});
        ASSERT_TRUE(sstop.wait_for_seq(1, std::chrono::seconds(20))) << sstop.errors();
        go.fire();
        // Until the upload is counted in full, then two more ticks.
        bool done = false;
        for (int seq = 2; seq < 60 && !done; ++seq) {
            ASSERT_TRUE(sstop.wait_for_seq(seq, std::chrono::seconds(10))) << sstop.errors();
            done = bytes_of(sstop.snapshots().back(), up.pid(), "tx_bytes") >= kUpload;
        }
        ASSERT_TRUE(done) << "the upload was never counted in full";
        const int last = sstop.snapshots().back()["seq"].get<int>();
        ASSERT_TRUE(sstop.wait_for_seq(last + 2, std::chrono::seconds(10)));
        EXPECT_EQ(sstop.stop(), 0) << sstop.errors();
        EXPECT_EQ(sstop.errors().find("recording stopped"), std::string::npos) << sstop.errors();
        live = sstop.snapshots();
    }
    ASSERT_FALSE(live.empty());
    const json& live_final = live.back();
    const json* live_up = find_process(live_final, up.pid());
    ASSERT_NE(live_up, nullptr);
    EXPECT_EQ((*live_up)["tx_bytes"].get<std::uint64_t>(), kUpload);

    const std::size_t ticks = count_records(recording);
    // Every printed snapshot was recorded (plus the baseline, and perhaps one tick after the
    // last one printed).
    ASSERT_GE(ticks, static_cast<std::size_t>(live_final["seq"].get<int>()) + 1);

    int rc = -1;
    std::string err;
    const std::string out = run_capture({sstop_binary(), "--json", "--sources", "replay",
                                         "--config", config, "-n", "--interval", "100ms"},
                                        &rc, std::chrono::seconds(60), &err);
    EXPECT_EQ(rc, 0) << err;
    EXPECT_NE(err.find("end of recording"), std::string::npos) << err;
    const std::vector<json> replayed = parse_lines(out);
    // One snapshot per recorded tick; the first tick is the baseline (seq 0, not printed).
    ASSERT_EQ(replayed.size() + 1, ticks) << err;
    EXPECT_EQ(replayed.back()["seq"].get<std::size_t>(), ticks - 1);
    EXPECT_EQ(replayed.back()["sources"], json::array({"replay"}));

    std::map<int, const json*> by_seq;
    for (const auto& s : replayed) by_seq[s["seq"].get<int>()] = &s;
    for (const auto& s : live) {
        const int seq = s["seq"].get<int>();
        SCOPED_TRACE("seq " + std::to_string(seq));
        ASSERT_TRUE(by_seq.count(seq));
        const json* a = find_process(s, up.pid());
        const json* b = find_process(*by_seq[seq], up.pid());
        ASSERT_EQ(a == nullptr, b == nullptr);
        if (!a) continue;
        EXPECT_EQ((*a)["name"], (*b)["name"]);
        EXPECT_EQ((*a)["tx_bytes"].get<std::uint64_t>(), (*b)["tx_bytes"].get<std::uint64_t>());
        EXPECT_EQ((*a)["rx_bytes"].get<std::uint64_t>(), (*b)["rx_bytes"].get<std::uint64_t>());
        // The replay runs at 100 ms updates over a 300 ms recording: equal rates show that the
        // aggregator ran on the recorded times, not on the replay's own clock.
        const double live_rate = (*a)["tx_bps"].get<double>();
        EXPECT_NEAR((*b)["tx_bps"].get<double>(), live_rate, 1e-6 * live_rate + 1e-9);
        EXPECT_EQ(s["totals"]["tx_bytes"], (*by_seq[seq])["totals"]["tx_bytes"]);
    }
    const json* replay_up = find_process(*by_seq[live_final["seq"].get<int>()], up.pid());
    ASSERT_NE(replay_up, nullptr);
    EXPECT_EQ((*replay_up)["name"], "rp-upload");
    EXPECT_EQ((*replay_up)["tx_bytes"].get<std::uint64_t>(), kUpload);

    // --count N replays N ticks and stops there.
    const std::string two =
        run_capture({sstop_binary(), "--json", "--sources", "replay", "--config", config, "-n",
                     "--interval", "100ms", "--count", "2"},
                    &rc, std::chrono::seconds(30), &err);
    EXPECT_EQ(rc, 0) << err;
    const auto two_snaps = parse_lines(two);
    ASSERT_EQ(two_snaps.size(), 2u);
    EXPECT_EQ(two_snaps[1]["seq"], 2);
}

TEST(ReplayE2E, ACutRecordingReplaysItsCompleteTicksAndNamesTheOffset) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    TempFiles files;
    const std::string recording = temp_path("cut.rec");
    const std::string config = write_replay_config(temp_path("cut.yaml"), recording);
    files.paths = {recording, config};
    Netns ns("rpc");
    Child listener(ns, "rp-listen", [](const auto& ready) {
        tcp_listen("127.0.0.1", 7102);
        ready();
        pause();
    });
    int rc = -1;
    std::string err;
    run_sstop_json(ns, {"--count", "4", "--interval", "100ms", "-n", "--sources", "procnet",
                        "--record", recording});
    const std::size_t ticks = count_records(recording);
    ASSERT_GE(ticks, 5u);
    // Cut the file inside its last record.
    std::ifstream in(recording, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    data.resize(data.size() - 3);
    std::ofstream(recording, std::ios::binary | std::ios::trunc) << data;
    const std::string out = run_capture(
        {sstop_binary(), "--json", "--sources", "replay", "--config", config, "-n", "-i", "100ms"},
        &rc, std::chrono::seconds(30), &err);
    EXPECT_EQ(rc, 0) << err;
    const auto snaps = parse_lines(out);
    EXPECT_EQ(snaps.size() + 2, ticks) << "the cut tick is not replayed: " << err;
    EXPECT_NE(err.find("offset " + std::to_string(data.size())), std::string::npos) << err;
    EXPECT_NE(err.find("cut recording"), std::string::npos) << err;
    // The listener is in every replayed snapshot, with its port.
    ASSERT_FALSE(snaps.empty());
    bool listening = false;
    for (const auto& p : snaps.back()["listen_ports"]) listening |= p["port"] == 7102;
    EXPECT_TRUE(listening) << snaps.back().dump();
}

TEST(ReplayE2E, AFullDiskStopsRecordingWithOneWarningAndSstopGoesOn) {
    int rc = -1;
    std::string err;
    const std::string out =
        run_capture({sstop_binary(), "--json", "--count", "3", "--interval", "100ms", "-n",
                     "--sources", "procnet", "--record", "/dev/full"},
                    &rc, std::chrono::seconds(30), &err);
    EXPECT_EQ(rc, 0) << err;
    EXPECT_EQ(parse_lines(out).size(), 3u);
    std::size_t warnings = 0;
    for (std::size_t p = 0; (p = err.find("recording stopped", p)) != std::string::npos; ++p)
        ++warnings;
    EXPECT_EQ(warnings, 1u) << err;
    EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
}

TEST(ReplayE2E, AnUnwritableRecordingPathIsAStartUpError) {
    int rc = -1;
    std::string err;
    run_capture({sstop_binary(), "--json", "--once", "-n", "--sources", "procnet", "--record",
                 "/nonexistent-dir/x.rec"},
                &rc, std::chrono::seconds(30), &err);
    EXPECT_EQ(rc, 2);
    EXPECT_NE(err.find("--record: /nonexistent-dir/x.rec"), std::string::npos) << err;
}

}  // namespace
}  // namespace sstop::testing
