#include "history/history_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace sstop::host::history {
namespace {

using Kind = StoreError::Kind;

// Each entry migrates schema version i to i + 1, inside one transaction.
const char* const kMigrations[] = {
    // 0 → 1: keys and buckets. `res` is the bucket length in seconds (60, 3600, 86400),
    // `start` the bucket's first second (unix time, a multiple of res).
    "CREATE TABLE keys(id INTEGER PRIMARY KEY, dim INTEGER NOT NULL, name TEXT NOT NULL,"
    " UNIQUE(dim, name));"
    "CREATE TABLE traffic(res INTEGER NOT NULL, dim INTEGER NOT NULL, start INTEGER NOT NULL,"
    " key_id INTEGER NOT NULL, rx INTEGER NOT NULL, tx INTEGER NOT NULL,"
    " PRIMARY KEY(res, dim, start, key_id)) WITHOUT ROWID;"
    // Sums of every byte per hour (res 3600) and per day (res 86400) of the time before
    // `sealed_until`, whatever resolution `traffic` keeps it in: long reports read these.
    "CREATE TABLE totals(res INTEGER NOT NULL, dim INTEGER NOT NULL, start INTEGER NOT NULL,"
    " key_id INTEGER NOT NULL, rx INTEGER NOT NULL, tx INTEGER NOT NULL,"
    " PRIMARY KEY(res, dim, start, key_id)) WITHOUT ROWID;"
    // sealed_until: totals hold everything before it; hours_from: hour totals start there.
    "CREATE TABLE meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT INTO meta VALUES('sealed_until', 0), ('hours_from', 0);",
};
static_assert(sizeof kMigrations / sizeof kMigrations[0] == HistoryStore::kSchemaVersion);

constexpr const char* kResolutions = "(60, 3600, 86400)";
constexpr const char* kDimensions = "(1, 2, 3, 4)";

std::int64_t floor_to(std::int64_t t, std::int64_t step) {
    return t >= 0 ? t - t % step : t - (step + t % step) % step;
}
std::int64_t ceil_to(std::int64_t t, std::int64_t step) {
    const std::int64_t f = floor_to(t, step);
    return f == t ? t : f + step;
}

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

// Owns a prepared statement.
class Statement {
  public:
    Statement(sqlite3* db, const char* sql, const std::string& path) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
            std::string why = sqlite3_errmsg(db);
            int code = sqlite3_errcode(db);
            sqlite3_finalize(stmt_);
            stmt_ = nullptr;
            throw StoreError(
                code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? Kind::Damaged : Kind::Io,
                path + ": " + why);
        }
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    sqlite3_stmt* get() const { return stmt_; }
    void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
    void bind(int i, const std::string& v) {
        sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    int step() { return sqlite3_step(stmt_); }
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    std::int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
    std::string column_text(int i) const {
        const auto* p = sqlite3_column_text(stmt_, i);
        return p ? std::string(reinterpret_cast<const char*>(p),
                               static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
                 : std::string();
    }

  private:
    sqlite3_stmt* stmt_ = nullptr;
};

Kind kind_of(int code) {
    switch (code & 0xff) {
        case SQLITE_NOTADB:
            return Kind::Foreign;
        case SQLITE_CORRUPT:
            return Kind::Damaged;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_CANTOPEN:
            return Kind::ReadOnly;
        default:
            return Kind::Io;
    }
}

[[noreturn]] void fail(sqlite3* db, const std::string& path, const std::string& doing) {
    const int code = sqlite3_extended_errcode(db);
    const Kind kind = kind_of(code);
    std::string what = path + ": ";
    if (kind == Kind::Foreign) {
        what += "not an sstop history database (" + std::string(sqlite3_errmsg(db)) +
                "); the file is left untouched";
    } else if (kind == Kind::Damaged) {
        what += "the history database is damaged (" + std::string(sqlite3_errmsg(db)) +
                "); the file is left untouched";
    } else {
        what += doing + ": " + sqlite3_errmsg(db);
    }
    throw StoreError(kind, what);
}

std::int64_t pragma_int(sqlite3* db, const char* sql, const std::string& path) {
    Statement s(db, sql, path);
    const int rc = s.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(db, path, "reading the header");
    return rc == SQLITE_ROW ? s.column_int(0) : 0;
}

// Refuses a file that is not SQLite at all before SQLite sees it (so nothing may write it).
void check_header(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT) return;
        throw StoreError(errno == EACCES ? Kind::ReadOnly : Kind::Io,
                         path + ": cannot read: " + errno_text(errno));
    }
    struct stat info {};
    char header[16] = {};
    ssize_t n = 0;
    if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) n = ::read(fd, header, sizeof header);
    const bool regular = S_ISREG(info.st_mode);
    ::close(fd);
    if (!regular) throw StoreError(Kind::Foreign, path + ": not a regular file");
    if (info.st_size == 0) return;  // a new, empty file: SQLite initialises it
    if (n != static_cast<ssize_t>(sizeof header) ||
        std::memcmp(header, "SQLite format 3", sizeof header) != 0) {
        throw StoreError(Kind::Foreign, path +
                                            ": not an sstop history database (not an SQLite "
                                            "file); the file is left untouched");
    }
}

// Reads the identity of an open database; refuses foreign and newer ones. Returns the
// schema version (0 for a fresh file).
int check_identity(sqlite3* db, const std::string& path) {
    const std::int64_t app = pragma_int(db, "PRAGMA application_id", path);
    const std::int64_t version = pragma_int(db, "PRAGMA user_version", path);
    const std::int64_t objects = pragma_int(db, "SELECT count(*) FROM sqlite_master", path);
    if (app != HistoryStore::kApplicationId && (app != 0 || objects != 0)) {
        throw StoreError(Kind::Foreign, path +
                                            ": not an sstop history database (an SQLite "
                                            "database of another program); the file is left "
                                            "untouched");
    }
    if (version > HistoryStore::kSchemaVersion) {
        throw StoreError(Kind::Newer, path + ": history schema version " + std::to_string(version) +
                                          " is newer than this sstop understands (" +
                                          std::to_string(HistoryStore::kSchemaVersion) +
                                          "); refused, the file is left untouched");
    }
    return static_cast<int>(version);
}

}  // namespace

std::string default_history_path(bool service, const char* xdg_state_home, const char* home) {
    if (service) return "/var/lib/sstop/history.db";
    if (xdg_state_home && xdg_state_home[0] == '/')
        return std::string(xdg_state_home) + "/sstop/history.db";
    if (home && home[0] != '\0') return std::string(home) + "/.local/state/sstop/history.db";
    return "/var/lib/sstop/history.db";
}

HistoryStore::HistoryStore(std::string path, sqlite3* db, int lock_fd, bool writable)
    : path_(std::move(path)), db_(db), lock_fd_(lock_fd), writable_(writable) {}

HistoryStore::~HistoryStore() {
    sqlite3_close_v2(db_);
    // Closed only after SQLite let go: closing any descriptor of the file drops the POSIX
    // locks SQLite holds on it.
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::unique_ptr<HistoryStore> HistoryStore::open_writer(const std::string& path) {
    check_header(path);
    std::error_code ec;
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
        std::filesystem::create_directories(dir, ec);
        if (ec) throw StoreError(Kind::Io, path + ": cannot create its directory: " + ec.message());
    }
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd < 0) {
        const int e = errno;
        throw StoreError(e == EROFS || e == EACCES || e == EPERM ? Kind::ReadOnly : Kind::Io,
                         path + ": cannot write: " + errno_text(e));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int e = errno;
        ::close(fd);
        throw StoreError(e == EWOULDBLOCK ? Kind::Locked : Kind::Io,
                         e == EWOULDBLOCK ? path + ": another sstop is recording to it"
                                          : path + ": cannot lock: " + errno_text(e));
    }
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        std::string why = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close_v2(db);
        ::close(fd);
        throw StoreError(Kind::Io, path + ": cannot open: " + why);
    }
    std::unique_ptr<HistoryStore> store(new HistoryStore(path, db, fd, true));
    sqlite3_busy_timeout(db, 5000);
    sqlite3_extended_result_codes(db, 1);
    const int version = check_identity(db, path);
    {
        Statement wal(db, "PRAGMA journal_mode=WAL", path);
        if (wal.step() != SQLITE_ROW) fail(db, path, "switching to WAL");
    }
    store->exec("PRAGMA synchronous=NORMAL");
    if (version < kSchemaVersion) {
        store->exec("BEGIN IMMEDIATE");
        try {
            for (int v = version; v < kSchemaVersion; ++v) store->exec(kMigrations[v]);
            store->exec(("PRAGMA application_id=" + std::to_string(kApplicationId)).c_str());
            store->exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
            store->exec("COMMIT");
        } catch (...) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
    return store;
}

std::unique_ptr<HistoryStore> HistoryStore::open_reader(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        const int e = errno;
        throw StoreError(e == ENOENT ? Kind::Missing : Kind::Io,
                         e == ENOENT ? path + ": no history recorded yet"
                                     : path + ": cannot read: " + errno_text(e));
    }
    check_header(path);
    if (info.st_size == 0) throw StoreError(Kind::Missing, path + ": no history recorded yet");
    // A WAL database needs its -shm file; where it cannot be made (a read-only file system,
    // a directory the reader may not write) and no writer is running (no -wal file), the
    // file cannot change under us: read it as immutable.
    auto open = [&](bool immutable) {
        std::string name = path;
        int flags = SQLITE_OPEN_READONLY;
        if (immutable) {
            name = "file:";
            for (char c : path) {
                if (c == '%' || c == '?' || c == '#') {
                    static const char kHex[] = "0123456789ABCDEF";
                    name += '%';
                    name += kHex[static_cast<unsigned char>(c) >> 4];
                    name += kHex[c & 15];
                } else {
                    name += c;
                }
            }
            name += "?immutable=1";
            flags |= SQLITE_OPEN_URI;
        }
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(name.c_str(), &db, flags, nullptr) != SQLITE_OK) {
            std::string why = db ? sqlite3_errmsg(db) : "out of memory";
            sqlite3_close_v2(db);
            throw StoreError(Kind::Io, path + ": cannot open: " + why);
        }
        std::unique_ptr<HistoryStore> store(new HistoryStore(path, db, -1, false));
        sqlite3_busy_timeout(db, 5000);
        sqlite3_extended_result_codes(db, 1);
        if (check_identity(db, path) < kSchemaVersion)
            throw StoreError(Kind::Missing, path + ": no history recorded yet");
        return store;
    };
    std::unique_ptr<HistoryStore> store;
    try {
        store = open(false);
    } catch (const StoreError& e) {
        struct stat wal {};
        if (e.kind() != Kind::ReadOnly || ::stat((path + "-wal").c_str(), &wal) == 0) throw;
        store = open(true);
    }
    return store;
}

void HistoryStore::exec(const char* sql) const {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        sqlite3_free(message);
        fail(db_, path_, "writing");
    }
}

void HistoryStore::verify() const {
    Statement s(db_, "PRAGMA quick_check(1)", path_);
    const int rc = s.step();
    if (rc != SQLITE_ROW) fail(db_, path_, "checking");
    const std::string result = s.column_text(0);
    if (result != "ok") {
        throw StoreError(Kind::Damaged, path_ + ": the history database is damaged (" + result +
                                            "); the file is left untouched");
    }
}

std::int64_t HistoryStore::key_id(Dimension dim, const std::string& key) {
    std::string cache_key = std::to_string(static_cast<int>(dim)) + '\x1f' + key;
    if (auto it = key_ids_.find(cache_key); it != key_ids_.end()) return it->second;
    Statement insert(db_, "INSERT OR IGNORE INTO keys(dim, name) VALUES(?1, ?2)", path_);
    insert.bind(1, static_cast<std::int64_t>(dim));
    insert.bind(2, key);
    if (insert.step() != SQLITE_DONE) fail(db_, path_, "writing");
    Statement select(db_, "SELECT id FROM keys WHERE dim = ?1 AND name = ?2", path_);
    select.bind(1, static_cast<std::int64_t>(dim));
    select.bind(2, key);
    if (select.step() != SQLITE_ROW) fail(db_, path_, "reading");
    const std::int64_t id = select.column_int(0);
    key_ids_.emplace(std::move(cache_key), id);
    return id;
}

std::int64_t HistoryStore::meta(const char* name) const {
    Statement s(db_, "SELECT value FROM meta WHERE name = ?1", path_);
    s.bind(1, std::string(name));
    const int rc = s.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(db_, path_, "reading");
    return rc == SQLITE_ROW ? s.column_int(0) : 0;
}

void HistoryStore::set_meta(const char* name, std::int64_t value) {
    Statement s(db_, "INSERT OR REPLACE INTO meta(name, value) VALUES(?1, ?2)", path_);
    s.bind(1, std::string(name));
    s.bind(2, value);
    if (s.step() != SQLITE_DONE) fail(db_, path_, "writing");
}

void HistoryStore::add(const std::vector<MinuteBytes>& rows, bool* full) {
    if (full) *full = false;
    if (rows.empty()) return;
    try {
        exec("BEGIN IMMEDIATE");
        const std::int64_t sealed = meta("sealed_until");
        Statement upsert(db_,
                         "INSERT INTO traffic(res, dim, start, key_id, rx, tx) "
                         "VALUES(60, ?1, ?2, ?3, ?4, ?5) ON CONFLICT(res, dim, start, key_id) "
                         "DO UPDATE SET rx = rx + excluded.rx, tx = tx + excluded.tx",
                         path_);
        // A minute of time already sealed (bytes kept back by a full disk, say) also goes
        // into the hour and day sums, so they stay whole.
        Statement late(db_,
                       "INSERT INTO totals(res, dim, start, key_id, rx, tx) "
                       "VALUES(?6, ?1, ?2 - ?2 % ?6, ?3, ?4, ?5) "
                       "ON CONFLICT(res, dim, start, key_id) "
                       "DO UPDATE SET rx = rx + excluded.rx, tx = tx + excluded.tx",
                       path_);
        for (const MinuteBytes& row : rows) {
            const std::int64_t minute = floor_to(row.minute, 60);
            const std::int64_t id = key_id(row.dim, row.key);
            upsert.bind(1, static_cast<std::int64_t>(row.dim));
            upsert.bind(2, minute);
            upsert.bind(3, id);
            upsert.bind(4, static_cast<std::int64_t>(row.rx_bytes));
            upsert.bind(5, static_cast<std::int64_t>(row.tx_bytes));
            if (upsert.step() != SQLITE_DONE) fail(db_, path_, "writing");
            upsert.reset();
            if (minute >= sealed) continue;
            for (std::int64_t res : {3600, 86400}) {
                late.bind(1, static_cast<std::int64_t>(row.dim));
                late.bind(2, minute);
                late.bind(3, id);
                late.bind(4, static_cast<std::int64_t>(row.rx_bytes));
                late.bind(5, static_cast<std::int64_t>(row.tx_bytes));
                late.bind(6, res);
                if (late.step() != SQLITE_DONE) fail(db_, path_, "writing");
                late.reset();
            }
        }
        exec("COMMIT");
    } catch (const StoreError&) {
        const int code = sqlite3_extended_errcode(db_) & 0xff;
        if (full) *full = code == SQLITE_FULL;
        if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        key_ids_.clear();  // ids made inside the rolled-back transaction are gone
        throw;
    }
}

void HistoryStore::seal(std::int64_t until) {
    std::int64_t sealed = meta("sealed_until");
    if (sealed == 0) {
        // First seal: from the oldest bucket on.
        Statement oldest(db_, "SELECT MIN(start) FROM traffic", path_);
        sealed = oldest.step() == SQLITE_ROW && sqlite3_column_type(oldest.get(), 0) != SQLITE_NULL
                     ? floor_to(oldest.column_int(0), 86400)
                     : until;
        if (meta("hours_from") == 0) set_meta("hours_from", sealed);
    }
    if (until <= sealed) return;
    for (std::int64_t res : {3600, 86400}) {
        const std::string sql =
            std::string(
                "INSERT INTO totals(res, dim, start, key_id, rx, tx) "
                "SELECT ?1, dim, start - start % ?1, key_id, SUM(rx), SUM(tx) FROM traffic "
                "WHERE res IN ") +
            kResolutions + " AND dim IN " + kDimensions +
            " AND start >= ?2 AND start < ?3 GROUP BY dim, start - start % ?1, key_id "
            "ON CONFLICT(res, dim, start, key_id) "
            "DO UPDATE SET rx = rx + excluded.rx, tx = tx + excluded.tx";
        Statement insert(db_, sql.c_str(), path_);
        insert.bind(1, res);
        insert.bind(2, sealed);
        insert.bind(3, until);
        if (insert.step() != SQLITE_DONE) fail(db_, path_, "sealing");
    }
    set_meta("sealed_until", until);
}

std::size_t HistoryStore::roll_up(std::int64_t now, const RetentionPolicy& policy) {
    const std::int64_t minute_cutoff = floor_to(now - policy.minute_buckets_for, 3600);
    const std::int64_t hour_cutoff = floor_to(now - policy.hour_buckets_for, 86400);
    std::size_t folded = 0;
    auto fold = [&](int from_res, int to_res, std::int64_t cutoff) {
        const std::string sql =
            std::string(
                "INSERT INTO traffic(res, dim, start, key_id, rx, tx) "
                "SELECT ?1, dim, start - start % ?1, key_id, SUM(rx), SUM(tx) FROM traffic "
                "WHERE res = ?2 AND dim IN ") +
            kDimensions +
            " AND start < ?3 GROUP BY dim, start - start % ?1, key_id "
            "ON CONFLICT(res, dim, start, key_id) "
            "DO UPDATE SET rx = rx + excluded.rx, tx = tx + excluded.tx";
        Statement insert(db_, sql.c_str(), path_);
        insert.bind(1, to_res);
        insert.bind(2, from_res);
        insert.bind(3, cutoff);
        if (insert.step() != SQLITE_DONE) fail(db_, path_, "rolling up");
        const std::string erase_sql =
            std::string("DELETE FROM traffic WHERE res = ?1 AND dim IN ") + kDimensions +
            " AND start < ?2";
        Statement erase(db_, erase_sql.c_str(), path_);
        erase.bind(1, from_res);
        erase.bind(2, cutoff);
        if (erase.step() != SQLITE_DONE) fail(db_, path_, "rolling up");
        folded += static_cast<std::size_t>(sqlite3_changes(db_));
    };
    try {
        exec("BEGIN IMMEDIATE");
        seal(floor_to(now, 3600));
        fold(60, 3600, minute_cutoff);
        fold(3600, 86400, hour_cutoff);
        // Hour sums live as long as hour buckets do; day sums stay.
        if (hour_cutoff > meta("hours_from")) {
            const std::string sql = std::string("DELETE FROM totals WHERE res = 3600 AND dim IN ") +
                                    kDimensions + " AND start < ?1";
            Statement erase(db_, sql.c_str(), path_);
            erase.bind(1, hour_cutoff);
            if (erase.step() != SQLITE_DONE) fail(db_, path_, "rolling up");
            set_meta("hours_from", hour_cutoff);
        }
        exec("COMMIT");
    } catch (const StoreError&) {
        if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    return folded;
}

std::vector<HistoryStore::Segment> HistoryStore::plan(std::int64_t from, std::int64_t to) const {
    // Every second of [from, to) is read from exactly one place: day sums for whole sealed
    // days, hour sums for whole sealed hours (where they are kept), and the buckets for the
    // rest (the unsealed present, and the partial hours at the edges).
    std::vector<Segment> out;
    if (from >= to) return out;
    const std::int64_t sealed = meta("sealed_until");
    const std::int64_t hours_from = meta("hours_from");
    const std::int64_t end = std::min(to, sealed);
    auto buckets = [&](std::int64_t a, std::int64_t b) {
        if (a < b) out.push_back({Segment::Buckets, a, b});
    };
    auto hours = [&](std::int64_t a, std::int64_t b) {
        if (a >= b) return;
        // Hours older than the hour sums: the days that start there (bucket-start rule).
        if (a < hours_from) {
            const std::int64_t split = std::min(b, hours_from);
            out.push_back({Segment::Days, a, split});
            a = split;
        }
        if (a < b) out.push_back({Segment::Hours, a, b});
    };
    if (from < end) {
        const std::int64_t h1 = std::min(ceil_to(from, 3600), end);
        const std::int64_t h2 = std::max(floor_to(end, 3600), h1);
        buckets(from, h1);
        const std::int64_t d1 = ceil_to(h1, 86400);
        const std::int64_t d2 = floor_to(h2, 86400);
        if (d1 < d2) {
            hours(h1, d1);
            out.push_back({Segment::Days, d1, d2});
            hours(d2, h2);
        } else {
            hours(h1, h2);
        }
        buckets(h2, end);
    }
    buckets(std::max(from, sealed), to);
    return out;
}

void HistoryStore::sum_into(
    Dimension dim, const Segment& seg, std::int64_t key,
    const std::function<void(std::int64_t, std::int64_t, std::int64_t, std::int64_t)>& add) const {
    std::string sql = "SELECT key_id, start, rx, tx FROM ";
    if (seg.source == Segment::Buckets) {
        sql += std::string("traffic WHERE res IN ") + kResolutions;
    } else {
        sql +=
            seg.source == Segment::Hours ? "totals WHERE res = 3600" : "totals WHERE res = 86400";
    }
    sql += " AND dim = ?1 AND start >= ?2 AND start < ?3";
    if (key >= 0) sql += " AND key_id = ?4";
    Statement s(db_, sql.c_str(), path_);
    s.bind(1, static_cast<std::int64_t>(dim));
    s.bind(2, seg.from);
    s.bind(3, seg.to);
    if (key >= 0) s.bind(4, key);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
        add(s.column_int(0), s.column_int(1), s.column_int(2), s.column_int(3));
    if (rc != SQLITE_DONE) fail(db_, path_, "reading");
}

std::vector<ReportRow> HistoryStore::totals(Dimension dim, std::int64_t from,
                                            std::int64_t to) const {
    // Summed here rather than by SQLite's GROUP BY: a plain index scan is several times
    // faster than its sorter on millions of rows.
    std::unordered_map<std::int64_t, std::pair<std::int64_t, std::int64_t>> sums;
    for (const Segment& seg : plan(from, to)) {
        sum_into(dim, seg, -1,
                 [&](std::int64_t id, std::int64_t, std::int64_t rx, std::int64_t tx) {
                     auto& cell = sums[id];
                     cell.first += rx;
                     cell.second += tx;
                 });
    }
    std::vector<ReportRow> rows;
    if (sums.empty()) return rows;
    Statement names(db_, "SELECT id, name FROM keys WHERE dim = ?1", path_);
    names.bind(1, static_cast<std::int64_t>(dim));
    int rc;
    while ((rc = names.step()) == SQLITE_ROW) {
        auto it = sums.find(names.column_int(0));
        if (it == sums.end()) continue;
        rows.push_back({names.column_text(1), static_cast<std::uint64_t>(it->second.first),
                        static_cast<std::uint64_t>(it->second.second)});
    }
    if (rc != SQLITE_DONE) fail(db_, path_, "reading");
    std::sort(rows.begin(), rows.end(), [](const ReportRow& a, const ReportRow& b) {
        const auto ta = a.rx_bytes + a.tx_bytes, tb = b.rx_bytes + b.tx_bytes;
        return ta != tb ? ta > tb : a.key < b.key;
    });
    return rows;
}

std::vector<DayBytes> HistoryStore::per_day(Dimension dim, const std::string& key,
                                            std::int64_t from, std::int64_t to) const {
    Statement find(db_, "SELECT id FROM keys WHERE dim = ?1 AND name = ?2", path_);
    find.bind(1, static_cast<std::int64_t>(dim));
    find.bind(2, key);
    if (find.step() != SQLITE_ROW) return {};
    const std::int64_t id = find.column_int(0);
    std::map<std::int64_t, DayBytes> days;
    for (const Segment& seg : plan(from, to)) {
        sum_into(dim, seg, id,
                 [&](std::int64_t, std::int64_t start, std::int64_t rx, std::int64_t tx) {
                     const std::int64_t day = floor_to(start, 86400);
                     DayBytes& d = days[day];
                     d.day = day;
                     d.rx_bytes += static_cast<std::uint64_t>(rx);
                     d.tx_bytes += static_cast<std::uint64_t>(tx);
                 });
    }
    std::vector<DayBytes> out;
    for (auto& [day, bytes] : days) out.push_back(bytes);
    return out;
}

std::map<int, std::int64_t> HistoryStore::bucket_counts() const {
    Statement s(db_, "SELECT res, count(*) FROM traffic GROUP BY res", path_);
    std::map<int, std::int64_t> out;
    while (s.step() == SQLITE_ROW) out[static_cast<int>(s.column_int(0))] = s.column_int(1);
    return out;
}

}  // namespace sstop::host::history
