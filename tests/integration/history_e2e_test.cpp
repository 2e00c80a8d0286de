// The history store end to end: a program with a unique name uploads a known number of bytes
// under one sstop run and again under a second run; `sstop report` gives the sum. A SIGKILL
// loses at most the last flush interval; a second sstop only reads; a foreign file is refused
// with one line and left as it was.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "netns.hpp"
#include "snapshot_json.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::size_t kUpload = 4'000'000;

class StoreDir {
  public:
    StoreDir() {
        char pattern[] = "/tmp/sstop-history-e2e-XXXXXX";
        if (::mkdtemp(pattern)) dir_ = pattern;
    }
    ~StoreDir() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string db() const { return dir_ + "/history.db"; }
    // A config recording to db() with the given flush interval.
    std::string config(const std::string& flush) const {
        const std::string path = dir_ + "/sstop-" + flush + ".yaml";
        std::ofstream(path) << "history: { path: " << db() << ", flush_interval: " << flush
                            << " }\n";
        return path;
    }

  private:
    std::string dir_;
};

std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// `sstop report ... --json` → the tx bytes of `key` (0 when absent).
std::uint64_t reported_tx(const std::string& db, const std::string& key, json* all = nullptr) {
    int rc = -1;
    std::string err;
    const std::string out = run_capture({sstop_binary(), "report", "--since", "1h", "--by",
                                         "program", "--json", "--top", "0", "--db", db},
                                        &rc, std::chrono::seconds(30), &err);
    EXPECT_EQ(rc, 0) << err;
    const json report = json::parse(out, nullptr, false);
    EXPECT_TRUE(report.is_object()) << out;
    if (all) *all = report;
    if (!report.is_object()) return 0;
    EXPECT_EQ(report["by"], "program");
    EXPECT_TRUE(report["from"].is_string());
    EXPECT_TRUE(report["to"].is_string());
    for (const auto& row : report["rows"])
        if (row["key"] == key) return row["tx_bytes"].get<std::uint64_t>();
    return 0;
}

// One sstop run (SIGTERM at the end) during which `comm` uploads kUpload bytes.
void upload_under_one_run(const NetnsPair& net, const std::string& comm, int port,
                          const std::string& config) {
    Gate go;
    Child sink(net.b, "hist-sink", [port](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, port);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, kUpload);
        pause();
    });
    Child up(net.a, comm, [&go, port](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, port);
        ready();
        go.wait();
        write_exactly(s, kUpload);
        pause();
    });
    SstopRun sstop(net.a, {"-c", config, "--json", "--interval", "500ms"});
    ASSERT_TRUE(sstop.wait_for_seq(1, std::chrono::seconds(20))) << sstop.errors();
    go.fire();
    bool seen = false;
    for (int seq = 2; seq < 60 && !seen; ++seq) {
        ASSERT_TRUE(sstop.wait_for_seq(seq, std::chrono::seconds(10))) << sstop.errors();
        const json last = sstop.snapshots().back();
        seen = bytes_of(last, up.pid(), "tx_bytes") >= kUpload;
    }
    ASSERT_TRUE(seen) << "sstop never saw the upload";
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();
    EXPECT_EQ(sstop.errors().find("history"), std::string::npos) << sstop.errors();
}

TEST(HistoryE2E, TwoRunsOfAProgramAddUpInTheReport) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    StoreDir store;
    const std::string config = store.config("1m");  // the real interval: stop() writes
    const std::string comm = "hist" + std::to_string(::getpid() % 100000);
    NetnsPair net("hist");
    upload_under_one_run(net, comm, 7301, config);
    const std::uint64_t after_first = reported_tx(store.db(), comm + " (root)");
    expect_within_1pct(after_first, kUpload, "after the first run");
    upload_under_one_run(net, comm, 7302, config);
    json report;
    const std::uint64_t total = reported_tx(store.db(), comm + " (root)", &report);
    expect_within_1pct(total, 2 * kUpload, "after the second run");
    // The sink's process is a program of its own, never mixed in.
    for (const auto& row : report["rows"])
        if (row["key"] == "hist-sink (root)") ADD_FAILURE() << "the sink runs in another netns";
}

TEST(HistoryE2E, ASigkillLosesAtMostTheLastFlushInterval) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    StoreDir store;
    const std::string config = store.config("1s");
    const std::string comm = "hkill" + std::to_string(::getpid() % 100000);
    NetnsPair net("hkill");
    Gate first, second;
    Child sink(net.b, "hkill-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, 7311);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, 2 * kUpload);
        pause();
    });
    Child up(net.a, comm, [&](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, 7311);
        ready();
        first.wait();
        write_exactly(s, kUpload);
        second.wait();
        write_exactly(s, kUpload);
        pause();
    });
    const std::string out = store.db() + ".json";
    const pid_t sstop = spawn_in(
        net.a, {"sh", "-c",
                "exec " + sstop_binary() + " -c " + config + " --interval 250ms --json >" + out});
    ASSERT_GT(sstop, 0);
    // Running and past its start-up baseline (slow under sanitizers): two updates out.
    auto lines_out = [&out] {
        std::ifstream in(out);
        int n = 0;
        for (std::string line; std::getline(in, line);) ++n;
        return n;
    };
    for (int i = 0; i < 300 && lines_out() < 2; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_GE(lines_out(), 2) << "sstop published nothing in 30 s";
    first.fire();
    // The first upload is written within a few flush intervals.
    std::uint64_t recorded = 0;
    for (int i = 0; i < 100 && recorded < kUpload * 99 / 100; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (fs::exists(store.db())) recorded = reported_tx(store.db(), comm + " (root)");
    }
    expect_within_1pct(recorded, kUpload, "written before the kill");
    second.fire();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_EQ(::kill(sstop, SIGKILL), 0);
    EXPECT_EQ(wait_child(sstop, std::chrono::seconds(10)), 128 + SIGKILL);
    // What was written survives; at most the unwritten interval (the second upload) is lost.
    const std::uint64_t after = reported_tx(store.db(), comm + " (root)");
    EXPECT_GE(after, kUpload * 99 / 100);
    EXPECT_LE(after, 2 * kUpload * 101 / 100);
    // The store is whole: the next sstop writes to it without a word about history.
    int rc = -1;
    std::string err;
    run_capture(
        {"ip", "netns", "exec", net.a.name(), sstop_binary(), "-c", config, "--once", "--json"},
        &rc, std::chrono::seconds(30), &err);
    EXPECT_EQ(rc, 0) << err;
    EXPECT_EQ(err.find("history"), std::string::npos) << err;
}

TEST(HistoryE2E, ASecondSstopOnlyReadsAndSaysSoInOneLine) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    StoreDir store;
    const std::string config = store.config("1s");
    Netns ns("hread");
    SstopRun writer(ns, {"-c", config, "--json", "--interval", "200ms"});
    ASSERT_TRUE(writer.wait_for_seq(1, std::chrono::seconds(20))) << writer.errors();
    int rc = -1;
    std::string err;
    run_capture(
        {"ip", "netns", "exec", ns.name(), sstop_binary(), "-c", config, "--once", "--json"}, &rc,
        std::chrono::seconds(30), &err);
    EXPECT_EQ(rc, 0) << err;
    EXPECT_EQ(err, "sstop: history: another sstop is recording to " + store.db() +
                       "; this one only reads it\n");
    // And reading works while the first one writes.
    run_capture({sstop_binary(), "report", "--db", store.db(), "--json"}, &rc,
                std::chrono::seconds(30), &err);
    EXPECT_EQ(rc, 0) << err;
    EXPECT_EQ(writer.stop(), 0);
    EXPECT_EQ(writer.errors().find("history"), std::string::npos) << writer.errors();
}

// `sstop report` as an unprivileged user on a store it may read, but not write, both while
// root's sstop records to it and after it stopped.
TEST(HistoryE2E, ReportWorksUnprivilegedOnAReadableStore) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    StoreDir store;
    const std::string config = store.config("200ms");
    ::chmod(fs::path(store.db()).parent_path().c_str(), 0755);
    Netns ns("hpriv");
    auto report_as_nobody = [&] {
        int rc = -1;
        std::string err;
        const std::string out = run_capture(
            {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sstop_binary(),
             "report", "--db", store.db(), "--by", "interface", "--json"},
            &rc, std::chrono::seconds(30), &err);
        EXPECT_EQ(rc, 0) << err;
        const json report = json::parse(out, nullptr, false);
        EXPECT_TRUE(report.is_object() && report["by"] == "interface") << out << err;
    };
    {
        SstopRun writer(ns, {"-c", config, "--json", "--interval", "200ms"});
        ASSERT_TRUE(writer.wait_for_seq(3, std::chrono::seconds(20))) << writer.errors();
        std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a flush happened
        report_as_nobody();
        EXPECT_EQ(writer.stop(), 0);
    }
    report_as_nobody();
    EXPECT_FALSE(fs::exists(store.db() + "-wal"));
}

TEST(HistoryE2E, AForeignFileGivesOneErrorAndSstopRunsWithoutHistory) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    StoreDir store;
    const std::string config = store.config("1s");
    std::ofstream(store.db()) << "my precious notes\n";
    Netns ns("hforeign");
    int rc = -1;
    std::string err;
    run_capture({"ip", "netns", "exec", ns.name(), sstop_binary(), "-c", config, "--count", "2",
                 "--interval", "200ms", "--json"},
                &rc, std::chrono::seconds(30), &err);
    EXPECT_EQ(rc, 0) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find("not an sstop history database"), std::string::npos) << err;
    EXPECT_EQ(contents(store.db()), "my precious notes\n");
    // The report says the same, with a runtime error.
    run_capture({sstop_binary(), "report", "--db", store.db()}, &rc, std::chrono::seconds(30),
                &err);
    EXPECT_EQ(rc, 1);
    EXPECT_NE(err.find("not an sstop history database"), std::string::npos) << err;
}

}  // namespace
}  // namespace sstop::testing
