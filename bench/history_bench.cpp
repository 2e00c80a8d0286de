// History store cost: (1) writing one minute of 2,000 programs (the recorder's flush), and
// (2) `sstop report` over a store holding 90 days of 2,000 programs, every program active in
// every bucket (the worst case: 48 h of minute buckets and 88 days of hour buckets).
//
// Usage: history_bench [DIR] [PROGRAMS]   (default /var/tmp, 2000). Prints markdown rows.
//        history_bench --size [DIR] [PROGRAMS] [DAYS]   file size over time (200, 30)
// Goals (issue 12): a minute's write ≤ 5 ms; a report ≤ 200 ms.

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "history/history_store.hpp"

using namespace sstop::host::history;
using sstop::bench::Spread;
using sstop::bench::spread;

namespace {

constexpr std::int64_t kNow = 1'733'400'000 - 1'733'400'000 % 86400 + 12 * 3600;
// Reports run 59 minutes into an hour: the worst case for the unsealed part and the edges.
constexpr std::int64_t kQueryNow = kNow + 59 * 60;

void row(const char* what, const Spread& s, const char* unit = "ms") {
    std::printf("| %s | %.2f | %.2f | %.2f | %zu | %s |\n", what, s.median, s.min, s.max, s.n,
                unit);
}

std::vector<MinuteBytes> minute_of(int programs, std::int64_t minute) {
    std::vector<MinuteBytes> rows;
    rows.reserve(static_cast<std::size_t>(programs));
    for (int p = 0; p < programs; ++p)
        rows.push_back({minute, Dimension::Program, "program-" + std::to_string(p) + " (user)",
                        static_cast<std::uint64_t>(1000 + p), 100});
    return rows;
}

void exec(sqlite3* db, const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::fprintf(stderr, "sqlite: %s\n", err ? err : "?");
        std::exit(1);
    }
}

}  // namespace

// The file size after `days` of minute-by-minute flushes of `programs` programs, each active
// every minute, with the hourly roll-ups of a running recorder.
int size_mode(const std::string& dir, int programs, int days) {
    const std::string path = dir + "/sstop-history-size-" + std::to_string(::getpid()) + ".db";
    std::printf(
        "| days | file MiB | minute rows | hour rows | day rows |\n| ---: | ---: | ---: | ---: | "
        "---: |\n");
    {
        auto store = HistoryStore::open_writer(path);
        const std::int64_t start = kNow - kNow % 86400;
        for (int m = 0; m < days * 1440; ++m) {
            const std::int64_t t = start + m * 60;
            store->add(minute_of(programs, t));
            if (t % 3600 == 3540) store->roll_up(t + 60, RetentionPolicy{});
            if ((m + 1) % (1440 * 5) == 0 || m + 1 == days * 1440) {
                sqlite3* db = nullptr;
                sqlite3_open(path.c_str(), &db);
                exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
                sqlite3_close(db);
                auto counts = store->bucket_counts();
                std::printf("| %d | %.1f | %lld | %lld | %lld |\n", (m + 1) / 1440,
                            static_cast<double>(std::filesystem::file_size(path)) / 1048576.0,
                            static_cast<long long>(counts[60]),
                            static_cast<long long>(counts[3600]),
                            static_cast<long long>(counts[86400]));
                std::fflush(stdout);
            }
        }
    }
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    return 0;
}

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--size") {
        return size_mode(argc > 2 ? argv[2] : "/var/tmp", argc > 3 ? std::atoi(argv[3]) : 200,
                         argc > 4 ? std::atoi(argv[4]) : 30);
    }
    const std::string dir = argc > 1 ? argv[1] : "/var/tmp";
    const int programs = argc > 2 ? std::atoi(argv[2]) : 2000;
    const std::string path = dir + "/sstop-history-bench-" + std::to_string(::getpid()) + ".db";
    auto cleanup = [&] {
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    };
    cleanup();
    std::printf(
        "| what | median | min | max | n | unit |\n| --- | ---: | ---: | ---: | ---: | --- |\n");

    // (1) Write cost per minute.
    {
        auto store = HistoryStore::open_writer(path);
        std::vector<double> first, steady, cpu;
        const auto rows0 = minute_of(programs, kNow);
        auto t0 = sstop::bench::wall_ns();
        store->add(rows0);
        first.push_back(static_cast<double>(sstop::bench::wall_ns() - t0) / 1e6);
        for (int m = 1; m <= 60; ++m) {
            const auto rows = minute_of(programs, kNow + m * 60);
            const auto w0 = sstop::bench::wall_ns();
            const auto c0 = sstop::bench::thread_cpu_ns();
            store->add(rows);
            steady.push_back(static_cast<double>(sstop::bench::wall_ns() - w0) / 1e6);
            cpu.push_back(static_cast<double>(sstop::bench::thread_cpu_ns() - c0) / 1e6);
        }
        row(("write one minute, first (new keys), " + std::to_string(programs) + " programs")
                .c_str(),
            spread(first));
        row(("write one minute, steady, wall, " + std::to_string(programs) + " programs").c_str(),
            spread(steady));
        row(("write one minute, steady, CPU, " + std::to_string(programs) + " programs").c_str(),
            spread(cpu));
        // The hourly roll-up of one hour of minutes (runs once an hour).
        const auto r0 = sstop::bench::wall_ns();
        store->roll_up(kNow + 2 * 86400 + 7200, RetentionPolicy{});
        row("roll-up of one hour of minute buckets into hours",
            spread({static_cast<double>(sstop::bench::wall_ns() - r0) / 1e6}));
    }
    cleanup();

    // (2) Report time over 90 days. Filled in bulk with SQL (what 90 days of flushes and
    // roll-ups leave behind), then read through the store's own query.
    {
        { HistoryStore::open_writer(path)->add(minute_of(programs, kNow)); }
        sqlite3* db = nullptr;
        sqlite3_open(path.c_str(), &db);
        const auto f0 = sstop::bench::wall_ns();
        exec(db, "DELETE FROM traffic");
        exec(db, "BEGIN");
        const std::int64_t minute_from = kNow - 48 * 3600;
        const std::int64_t hour_from = kNow - 90 * 86400;
        exec(db,
             "WITH RECURSIVE m(t) AS (SELECT " + std::to_string(minute_from - minute_from % 60) +
                 " UNION ALL SELECT t + 60 FROM m WHERE t + 60 <= " + std::to_string(kQueryNow) +
                 ") INSERT INTO traffic SELECT 60, 1, m.t, k.id, 1000, 100 FROM m, keys k");
        exec(db, "WITH RECURSIVE h(t) AS (SELECT " + std::to_string(hour_from - hour_from % 3600) +
                     " UNION ALL SELECT t + 3600 FROM h WHERE t + 3600 < " +
                     std::to_string(minute_from - minute_from % 3600) +
                     ") INSERT INTO traffic SELECT 3600, 1, h.t, k.id, 60000, 6000 FROM h, keys k");
        exec(db, "COMMIT");
        sqlite3_close(db);
        const double fill_s = static_cast<double>(sstop::bench::wall_ns() - f0) / 1e9;
        // Seal the hour and day sums (a running recorder does this an hour at a time).
        const auto s0 = sstop::bench::wall_ns();
        HistoryStore::open_writer(path)->roll_up(kQueryNow, RetentionPolicy{});
        const double seal_s = static_cast<double>(sstop::bench::wall_ns() - s0) / 1e9;
        auto reader = HistoryStore::open_reader(path);
        const auto counts = reader->bucket_counts();
        std::printf(
            "\nstore: %lld minute rows, %lld hour rows, %.1f MiB, filled in %.1f s, "
            "sums sealed in %.1f s\n\n",
            static_cast<long long>(counts.count(60) ? counts.at(60) : 0),
            static_cast<long long>(counts.count(3600) ? counts.at(3600) : 0),
            static_cast<double>(std::filesystem::file_size(path)) / 1048576.0, fill_s, seal_s);
        std::printf(
            "| what | median | min | max | n | unit |\n| --- | ---: | ---: | ---: | ---: | --- "
            "|\n");
        for (auto [label, span] : {std::pair<const char*, std::int64_t>{"1h", 3600},
                                   {"24h", 86400},
                                   {"7d", 7 * 86400},
                                   {"30d", 30 * 86400},
                                   {"90d", 90 * 86400}}) {
            std::vector<double> times;
            std::size_t keys = 0;
            for (int i = 0; i < 5; ++i) {
                const auto t0 = sstop::bench::wall_ns();
                keys = reader->totals(Dimension::Program, kQueryNow - span, kQueryNow + 1).size();
                times.push_back(static_cast<double>(sstop::bench::wall_ns() - t0) / 1e6);
            }
            row(("report --since " + std::string(label) + " (" + std::to_string(keys) +
                 " programs)")
                    .c_str(),
                spread(times));
        }
    }
    cleanup();
    return 0;
}
