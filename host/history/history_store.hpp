#pragma once
// The history store: bytes in and out per program, group, remote host and interface, in
// time buckets, in one SQLite file (WAL mode).
//
// Buckets: minutes for the last 48 hours, hours up to `retention` (90 days by default), days
// after that. roll_up() moves what aged out of a resolution into the next one, so every byte
// is in exactly one bucket and a sum over any resolution mix is exact.
//
// Safety: a file that is not an sstop history database (another SQLite database, another
// file, a damaged one) is refused and never written; a newer schema is refused with its
// version named. One writer at a time: the writer holds an exclusive flock on the file, a
// second sstop sees it held and only reads.
//
// Threads: one object is used by one thread at a time (the writer thread, or a report).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

struct sqlite3;

namespace sstop::host::history {

/// What a bucket row is about.
enum class Dimension : int { Program = 1, Group = 2, Host = 3, Interface = 4 };

/// "program", "group", "host", "interface".
inline const char* dimension_name(Dimension d) {
    switch (d) {
        case Dimension::Program:
            return "program";
        case Dimension::Group:
            return "group";
        case Dimension::Host:
            return "host";
        case Dimension::Interface:
            return "interface";
    }
    return "?";
}

/// The store cannot be used: damaged, foreign, newer, unreadable. `what()` is one line.
class StoreError : public std::runtime_error {
  public:
    enum class Kind { Missing, Foreign, Damaged, Newer, ReadOnly, Locked, Io };
    StoreError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
    Kind kind() const { return kind_; }

  private:
    Kind kind_;
};

/// Bytes of one key in one minute, as the recorder hands them over.
struct MinuteBytes {
    std::int64_t minute = 0;  ///< unix seconds, a multiple of 60
    Dimension dim = Dimension::Program;
    std::string key;
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_bytes = 0;
};

/// One row of a report.
struct ReportRow {
    std::string key;
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_bytes = 0;
};

/// Bytes of one key in one day (for per-day charts).
struct DayBytes {
    std::int64_t day = 0;  ///< unix seconds of the day's start (UTC)
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_bytes = 0;
};

/// Bucket sizes and how long each is kept. Reports of whole hours and days read hour and
/// day sums kept next to the buckets (sealed up to the last whole hour), so a 90-day report
/// reads days, not millions of minutes.
struct RetentionPolicy {
    std::int64_t minute_buckets_for = 48 * 3600;  ///< seconds minutes are kept
    std::int64_t hour_buckets_for = 90 * 86400;   ///< seconds hours are kept (`retention`)
};

class HistoryStore {
  public:
    /// The schema version this build writes (PRAGMA user_version).
    static constexpr int kSchemaVersion = 1;
    /// PRAGMA application_id of an sstop history database ("sstp").
    static constexpr std::int32_t kApplicationId = 0x73737470;

    /// Opens `path` to write: creates it (and its directory) when missing, migrates an older
    /// schema, takes the writer lock. Throws StoreError (Locked when another sstop writes).
    static std::unique_ptr<HistoryStore> open_writer(const std::string& path);
    /// Opens an existing store read-only (no lock, no migration). Throws StoreError.
    static std::unique_ptr<HistoryStore> open_reader(const std::string& path);

    ~HistoryStore();
    HistoryStore(const HistoryStore&) = delete;
    HistoryStore& operator=(const HistoryStore&) = delete;

    const std::string& path() const { return path_; }

    /// A full consistency check (PRAGMA quick_check); throws StoreError(Damaged). The writer
    /// runs it on its own thread before its first write.
    void verify() const;

    /// Adds `rows` to their minute buckets, in one transaction. Throws StoreError(Io) with
    /// the reason (a full disk: `full` is set) and leaves the store as it was.
    void add(const std::vector<MinuteBytes>& rows, bool* full = nullptr);

    /// Rolls minute buckets older than the policy into hours, and hours into days, relative
    /// to `now` (unix seconds). Returns the number of rows folded.
    std::size_t roll_up(std::int64_t now, const RetentionPolicy& policy);

    /// Sums per key of `dim` over buckets starting in [from, to), largest rx+tx first.
    std::vector<ReportRow> totals(Dimension dim, std::int64_t from, std::int64_t to) const;

    /// Per-day sums of one key over buckets starting in [from, to), oldest first (days
    /// without traffic left out).
    std::vector<DayBytes> per_day(Dimension dim, const std::string& key, std::int64_t from,
                                  std::int64_t to) const;

    /// Rows per resolution (60, 3600, 86400 → count), for tests and benchmarks.
    std::map<int, std::int64_t> bucket_counts() const;

    /// Adds every bucket before `until` (unix seconds, a whole hour) to the hour and day sums
    /// that long reports read. roll_up() does it up to the current hour; public for tests
    /// and benchmarks.
    void seal(std::int64_t until);

  private:
    /// Where one stretch of a report's range is read from.
    struct Segment {
        enum Source { Buckets, Hours, Days } source;
        std::int64_t from;
        std::int64_t to;
    };
    std::vector<Segment> plan(std::int64_t from, std::int64_t to) const;
    void sum_into(Dimension dim, const Segment& seg, std::int64_t key,
                  const std::function<void(std::int64_t, std::int64_t, std::int64_t, std::int64_t)>&
                      add) const;
    std::int64_t meta(const char* name) const;
    void set_meta(const char* name, std::int64_t value);
    HistoryStore(std::string path, sqlite3* db, int lock_fd, bool writable);
    std::int64_t key_id(Dimension dim, const std::string& key);
    void exec(const char* sql) const;

    std::string path_;
    sqlite3* db_ = nullptr;
    int lock_fd_ = -1;
    bool writable_ = false;
    std::unordered_map<std::string, std::int64_t> key_ids_;  // "<dim>\x1f<key>" → id
};

/// `$XDG_STATE_HOME/sstop/history.db`, else `$HOME/.local/state/sstop/history.db`; the
/// system path `/var/lib/sstop/history.db` for a service. `xdg_state_home` and `home` are
/// the environment's values (may be null).
std::string default_history_path(bool service, const char* xdg_state_home, const char* home);

}  // namespace sstop::host::history
