// The history store against real SQLite files: schema, sums, roll-ups with an injected clock,
// the writer lock, and the files it must refuse (foreign, damaged, newer, read-only) or live
// with (a full disk), each leaving the file as it was.

#include "history/history_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>

#include "history/history_recorder.hpp"

namespace sstop::host::history {
namespace {

namespace fs = std::filesystem;
using Kind = StoreError::Kind;

constexpr std::int64_t kNow = 1'733'400'000 - 1'733'400'000 % 86400 + 12 * 3600;  // noon UTC

class TempDir {
  public:
    TempDir() {
        char pattern[] = "/tmp/sstop-history-test-XXXXXX";
        if (::mkdtemp(pattern)) path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// A small tmpfs mounted by the test (root only), unmounted on destruction.
class Tmpfs {
  public:
    Tmpfs(const std::string& dir, const std::string& size) : dir_(dir) {
        fs::create_directories(dir);
        mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    }
    ~Tmpfs() {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    }
    bool mounted() const { return mounted_; }
    bool remount_read_only() const {
        return ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0;
    }

  private:
    std::string dir_;
    bool mounted_ = false;
};

std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
}

std::int64_t sql_int(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    std::int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
}

std::uint64_t sum_rx(const std::vector<ReportRow>& rows) {
    std::uint64_t s = 0;
    for (const auto& r : rows) s += r.rx_bytes;
    return s;
}

// A store with data in every resolution's range: one row per program per minute over
// `minutes` minutes back from kNow.
void fill(HistoryStore& store, int programs, int minutes, std::int64_t step = 60) {
    std::vector<MinuteBytes> rows;
    for (int m = 0; m < minutes; ++m)
        for (int p = 0; p < programs; ++p)
            rows.push_back(
                {kNow - m * step, Dimension::Program, "prog" + std::to_string(p), 1000, 10});
    store.add(rows);
}

TEST(HistoryStore, NewStoreIsVersionedWalAndMarkedAsOurs) {
    TempDir dir;
    const std::string path = dir.file("sub/dir/history.db");
    { auto store = HistoryStore::open_writer(path); }
    EXPECT_EQ(sql_int(path, "PRAGMA user_version"), HistoryStore::kSchemaVersion);
    EXPECT_EQ(sql_int(path, "PRAGMA application_id"), HistoryStore::kApplicationId);
    EXPECT_EQ(contents(path).substr(18, 2), std::string("\x02\x02", 2));  // WAL in the header
}

TEST(HistoryStore, SumsPerKeyOverTheRangeAndMergesRepeatedMinutes) {
    TempDir dir;
    auto store = HistoryStore::open_writer(dir.file("h.db"));
    store->add({{kNow, Dimension::Program, "curl (alice)", 100, 1},
                {kNow, Dimension::Program, "curl (alice)", 50, 2},
                {kNow - 60, Dimension::Program, "ssh (bob)", 7, 700},
                {kNow, Dimension::Host, "10.0.0.1", 9, 9}});
    auto rows = store->totals(Dimension::Program, kNow - 3600, kNow + 1);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].key, "ssh (bob)");  // largest rx+tx first
    EXPECT_EQ(rows[1].rx_bytes, 150u);
    EXPECT_EQ(rows[1].tx_bytes, 3u);
    EXPECT_EQ(store->totals(Dimension::Program, kNow, kNow + 1).size(), 1u);
    EXPECT_EQ(store->totals(Dimension::Host, kNow - 3600, kNow + 1).size(), 1u);
    EXPECT_EQ(store->bucket_counts()[60], 3);
}

TEST(HistoryStore, RollUpsKeepEveryByteAndBoundTheRows) {
    TempDir dir;
    auto store = HistoryStore::open_writer(dir.file("h.db"));
    // 100 days of one row per program per hour: minute rows at hour spacing.
    fill(*store, 3, 100 * 24, 3600);
    const std::uint64_t before = sum_rx(store->totals(Dimension::Program, 0, kNow + 1));
    ASSERT_EQ(before, 3u * 100 * 24 * 1000);
    RetentionPolicy policy;  // 48 h of minutes, 90 days of hours
    EXPECT_GT(store->roll_up(kNow, policy), 0u);
    auto counts = store->bucket_counts();
    // Minutes: the last 48 h (plus the part of an hour before the aligned cutoff).
    EXPECT_LE(counts[60], 3 * 49);
    EXPECT_GE(counts[60], 3 * 48);
    // Hours: up to 90 days; days: the 10 days before, one row per program per day.
    EXPECT_GT(counts[3600], 3 * 24 * 87);
    EXPECT_LE(counts[86400], 3 * 11);
    EXPECT_GE(counts[86400], 3 * 9);
    EXPECT_EQ(sum_rx(store->totals(Dimension::Program, 0, kNow + 1)), before);
    // Rolling up again at the same time changes nothing.
    EXPECT_EQ(store->roll_up(kNow, policy), 0u);
    // An injected clock a year later folds everything but the newest days into days.
    store->roll_up(kNow + 365 * 86400, policy);
    counts = store->bucket_counts();
    EXPECT_EQ(counts[60], 0);
    EXPECT_EQ(counts[3600], 0);
    EXPECT_EQ(sum_rx(store->totals(Dimension::Program, 0, kNow + 1)), before);
    // Per-day sums of one program: one day of 24 hourly rows of 1000.
    auto days = store->per_day(Dimension::Program, "prog1", kNow - 5 * 86400, kNow + 1);
    ASSERT_FALSE(days.empty());
    EXPECT_EQ(days[1].rx_bytes, 24u * 1000);
}

// Reports read whole days and hours from sealed sums and the rest from buckets: for any
// minute-aligned range they must give exactly what the minutes hold.
TEST(HistoryStore, ReportsOfAnyRangeEqualTheSumOfTheirMinutes) {
    TempDir dir;
    auto store = HistoryStore::open_writer(dir.file("h.db"));
    std::vector<MinuteBytes> rows;
    std::uint64_t seed = 12345;
    auto next = [&seed] {
        return (seed = seed * 6364136223846793005ULL + 1442695040888963407ULL) >> 33;
    };
    const std::int64_t first = kNow - 40 * 3600;
    for (std::int64_t m = first; m < kNow; m += 60)
        for (int p = 0; p < 3; ++p)
            if (next() % 3 == 0)
                rows.push_back({m, Dimension::Program, "p" + std::to_string(p), next() % 1000, 1});
    store->add(rows);
    store->roll_up(kNow - 1800, RetentionPolicy{});  // seals all but the last hour and a half
    // Late bytes for a sealed minute (kept back by a full disk) reach the sums too.
    const MinuteBytes late{first + 3600, Dimension::Program, "p0", 777, 0};
    store->add({late});
    rows.push_back(late);
    for (int i = 0; i < 300; ++i) {
        std::int64_t a = first - 3600 + static_cast<std::int64_t>(next() % (43 * 60)) * 60;
        std::int64_t b = first - 3600 + static_cast<std::int64_t>(next() % (43 * 60)) * 60;
        if (a > b) std::swap(a, b);
        if (a == b) continue;
        std::map<std::string, std::uint64_t> truth;
        for (const auto& r : rows)
            if (r.minute >= a && r.minute < b) truth[r.key] += r.rx_bytes;
        std::map<std::string, std::uint64_t> got;
        for (const auto& r : store->totals(Dimension::Program, a, b)) got[r.key] = r.rx_bytes;
        for (auto it = truth.begin(); it != truth.end();)
            it = it->second == 0 ? truth.erase(it) : std::next(it);
        ASSERT_EQ(got, truth) << "range " << a - first << " .. " << b - first;
    }
}

TEST(HistoryStore, RecorderRollsUpWithItsInjectedClock) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    {
        auto store = HistoryStore::open_writer(path);
        fill(*store, 2, 10);
    }
    HistoryConfig config;
    config.flush_interval = std::chrono::hours(1);
    HistoryRecorder::Hooks hooks;
    hooks.now = [] { return kNow + 3 * 86400; };  // three days later: minutes become hours
    HistoryRecorder recorder(HistoryStore::open_writer(path), config, hooks);
    recorder.start();
    Snapshot s;
    s.seq = 0;
    s.unix_time_ns = kNow * 1'000'000'000LL;
    recorder.offer(s);
    recorder.flush();
    recorder.stop();
    auto reader = HistoryStore::open_reader(path);
    auto counts = reader->bucket_counts();
    EXPECT_EQ(counts[60], 0);
    EXPECT_GE(counts[3600], 2);
    EXPECT_EQ(sum_rx(reader->totals(Dimension::Program, 0, kNow + 1)), 2u * 10 * 1000);
}

TEST(HistoryStore, OneWriterAtATimeAndReadersAlongside) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    auto writer = HistoryStore::open_writer(path);
    writer->add({{kNow, Dimension::Program, "a (b)", 1, 2}});
    try {
        HistoryStore::open_writer(path);
        FAIL() << "a second writer was let in";
    } catch (const StoreError& e) {
        EXPECT_EQ(e.kind(), Kind::Locked);
    }
    auto reader = HistoryStore::open_reader(path);
    EXPECT_EQ(reader->totals(Dimension::Program, 0, kNow + 1).size(), 1u);
    writer->add({{kNow, Dimension::Program, "c (d)", 1, 2}});
    EXPECT_EQ(reader->totals(Dimension::Program, 0, kNow + 1).size(), 2u);
    writer.reset();
    EXPECT_NO_THROW(HistoryStore::open_writer(path));  // the lock went with the writer
}

TEST(HistoryStore, ReaderOfAMissingStoreSaysNothingIsRecorded) {
    TempDir dir;
    try {
        HistoryStore::open_reader(dir.file("none.db"));
        FAIL();
    } catch (const StoreError& e) {
        EXPECT_EQ(e.kind(), Kind::Missing);
        EXPECT_NE(std::string(e.what()).find("no history recorded yet"), std::string::npos);
    }
    EXPECT_FALSE(fs::exists(dir.file("none.db")));
}

void expect_refused(const std::string& path, Kind kind, const std::string& words) {
    const std::string before = contents(path);
    for (int writer = 0; writer < 2; ++writer) {
        try {
            if (writer)
                HistoryStore::open_writer(path);
            else
                HistoryStore::open_reader(path);
            ADD_FAILURE() << path << " was accepted";
        } catch (const StoreError& e) {
            EXPECT_EQ(e.kind(), kind) << e.what();
            EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
        }
    }
    EXPECT_EQ(contents(path), before) << "the file was changed";
}

TEST(HistoryStore, AForeignFileIsRefusedAndLeftUntouched) {
    TempDir dir;
    const std::string text = dir.file("notes.db");
    write_file(text, "these are my notes, not a database\n");
    expect_refused(text, Kind::Foreign, "not an sstop history database");
    const std::string other = dir.file("other.db");
    sqlite3* db = nullptr;
    sqlite3_open(other.c_str(), &db);
    sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    expect_refused(other, Kind::Foreign, "another program");
    EXPECT_FALSE(fs::exists(other + "-wal"));
}

TEST(HistoryStore, ANewerSchemaIsRefusedWithItsVersion) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    { HistoryStore::open_writer(path); }
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, "PRAGMA journal_mode=DELETE; PRAGMA user_version=7", nullptr, nullptr,
                 nullptr);
    sqlite3_close(db);
    expect_refused(path, Kind::Newer, "schema version 7 is newer");
}

TEST(HistoryStore, ADamagedStoreGivesOneErrorAndIsNeverWritten) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    {
        auto store = HistoryStore::open_writer(path);
        fill(*store, 50, 60);
    }
    ASSERT_FALSE(fs::exists(path + "-wal"));  // checkpointed on close
    // Garbage over the middle pages (the header and schema page stay readable).
    std::string bytes = contents(path);
    ASSERT_GT(bytes.size(), 8u * 4096);
    for (std::size_t i = 2 * 4096; i < 6 * 4096; ++i) bytes[i] = static_cast<char>(0xA5 ^ i);
    write_file(path, bytes);

    std::vector<std::string> lines;
    std::mutex mutex;
    HistoryConfig config;
    HistoryRecorder::Hooks hooks;
    hooks.log = [&](Notice::Level level, const std::string& text) {
        std::lock_guard lock(mutex);
        lines.push_back(std::to_string(static_cast<int>(level)) + " " + text);
    };
    {
        HistoryRecorder recorder(HistoryStore::open_writer(path), config, hooks);
        recorder.start();
        Snapshot s;
        s.unix_time_ns = kNow * 1'000'000'000LL;
        recorder.offer(s);
        s.seq = 1;
        ProcessSummary p;
        p.info.name = "x";
        p.traffic.rx_bytes = 5;
        s.processes = {p};
        recorder.offer(s);
        recorder.flush();
        recorder.flush();
        EXPECT_FALSE(recorder.working());
    }
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].substr(0, 2), "2 ");  // an error
    EXPECT_NE(lines[0].find("damaged"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("left untouched"), std::string::npos) << lines[0];
    EXPECT_EQ(contents(path), bytes) << "the damaged file was written";
}

TEST(HistoryStore, AReadOnlyStoreIsNotWrittenButStillRead) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
    TempDir dir;
    Tmpfs tmpfs(dir.file("ro"), "1m");
    ASSERT_TRUE(tmpfs.mounted());
    const std::string path = dir.file("ro/h.db");
    {
        auto store = HistoryStore::open_writer(path);
        store->add({{kNow, Dimension::Program, "a (b)", 1, 2}});
    }
    ASSERT_TRUE(tmpfs.remount_read_only());
    const std::string before = contents(path);
    try {
        HistoryStore::open_writer(path);
        FAIL() << "opened a read-only file to write";
    } catch (const StoreError& e) {
        EXPECT_EQ(e.kind(), Kind::ReadOnly);
        EXPECT_NE(std::string(e.what()).find("Read-only file system"), std::string::npos)
            << e.what();
    }
    auto reader = HistoryStore::open_reader(path);
    EXPECT_EQ(reader->totals(Dimension::Program, 0, kNow + 1).size(), 1u);
    reader.reset();
    EXPECT_EQ(contents(path), before);
}

TEST(HistoryStore, AFullDiskGivesOneWarningAndNothingIsLostOnceThereIsRoom) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
    TempDir dir;
    Tmpfs tmpfs(dir.file("small"), "512k");
    ASSERT_TRUE(tmpfs.mounted());
    const std::string path = dir.file("small/h.db");
    const std::string filler = dir.file("small/filler");
    std::vector<std::string> lines;
    std::mutex mutex;
    HistoryConfig config;
    config.flush_interval = std::chrono::hours(1);
    HistoryRecorder::Hooks hooks;
    hooks.now = [] { return kNow; };
    hooks.log = [&](Notice::Level level, const std::string& text) {
        std::lock_guard lock(mutex);
        lines.push_back(std::to_string(static_cast<int>(level)) + " " + text);
    };
    HistoryRecorder recorder(HistoryStore::open_writer(path), config, hooks);
    recorder.start();
    // Fill the disk.
    {
        std::ofstream out(filler, std::ios::binary);
        const std::string block(4096, 'f');
        for (int i = 0; i < 1024 && out; ++i) out.write(block.data(), block.size());
    }
    auto offer = [&](std::uint64_t seq, std::uint64_t bytes) {
        Snapshot s;
        s.seq = seq;
        s.unix_time_ns = (kNow + static_cast<std::int64_t>(seq) * 60) * 1'000'000'000LL;
        for (int i = 0; i < 400; ++i) {
            ProcessSummary p;
            p.info.id.pid = static_cast<std::uint32_t>(i + 1);
            p.info.name = "program-with-a-long-name-" + std::to_string(i);
            p.traffic.rx_bytes = bytes;
            s.processes.push_back(p);
        }
        recorder.offer(s);
    };
    offer(0, 0);
    offer(1, 1000);
    recorder.flush();
    offer(2, 3000);
    recorder.flush();
    {
        std::lock_guard lock(mutex);
        ASSERT_EQ(lines.size(), 1u) << "one warning for a full disk";
        EXPECT_EQ(lines[0].substr(0, 2), "1 ");
        EXPECT_NE(lines[0].find("disk full"), std::string::npos) << lines[0];
    }
    EXPECT_TRUE(recorder.working());
    fs::remove(filler);
    recorder.flush();
    recorder.stop();
    auto reader = HistoryStore::open_reader(path);
    const auto rows = reader->totals(Dimension::Program, 0, kNow + 3600);
    EXPECT_EQ(rows.size(), 400u);
    EXPECT_EQ(sum_rx(rows), 400u * 3000) << "bytes kept in memory while the disk was full";
    reader->verify();
}

}  // namespace
}  // namespace sstop::host::history
