#include "history/history_recorder.hpp"

#include <pwd.h>
#include <unistd.h>

#include <sstop/format.hpp>

namespace sstop::host::history {
namespace {

// An entity unseen this long is forgotten (it exited; its bytes were credited already).
constexpr std::int64_t kForgetAfter = 600;

std::string system_user_name(std::uint32_t uid) {
    struct passwd pw {};
    struct passwd* found = nullptr;
    char buffer[4096];
    if (::getpwuid_r(uid, &pw, buffer, sizeof buffer, &found) == 0 && found && pw.pw_name)
        return pw.pw_name;
    return std::to_string(uid);
}

}  // namespace

TrafficLedger::TrafficLedger(UserName user_name)
    : user_name_(user_name ? std::move(user_name) : UserName(system_user_name)) {}

const std::string& TrafficLedger::user_of(std::uint32_t uid) {
    auto it = users_.find(uid);
    if (it == users_.end()) it = users_.emplace(uid, user_name_(uid)).first;
    return it->second;
}

void TrafficLedger::credit(std::int64_t minute, Dimension dim, const std::string& key,
                           const std::string& identity, const Traffic& traffic, std::int64_t now,
                           bool baseline) {
    std::string id = std::to_string(static_cast<int>(dim)) + '|' + identity;
    auto [it, fresh] = last_.try_emplace(std::move(id));
    Last& last = it->second;
    // A counter below the last value means the entity was tracked anew from zero.
    const std::uint64_t rx =
        fresh ? traffic.rx_bytes
              : (traffic.rx_bytes >= last.rx ? traffic.rx_bytes - last.rx : traffic.rx_bytes);
    const std::uint64_t tx =
        fresh ? traffic.tx_bytes
              : (traffic.tx_bytes >= last.tx ? traffic.tx_bytes - last.tx : traffic.tx_bytes);
    last.rx = traffic.rx_bytes;
    last.tx = traffic.tx_bytes;
    last.seen = now;
    if (baseline || (rx == 0 && tx == 0)) return;
    std::string cell =
        std::to_string(minute) + '|' + std::to_string(static_cast<int>(dim)) + '|' + key;
    auto p = pending_.find(cell);
    if (p == pending_.end()) {
        if (pending_.size() >= kMaxPending) {
            ++dropped_;
            return;
        }
        p = pending_.emplace(std::move(cell), MinuteBytes{minute, dim, key, 0, 0}).first;
    }
    p->second.rx_bytes += rx;
    p->second.tx_bytes += tx;
}

void TrafficLedger::add(const Snapshot& snap) {
    const std::int64_t now = snap.unix_time_ns / 1'000'000'000;
    const std::int64_t minute = now - now % 60;
    const bool baseline = snap.seq == 0;
    std::string key;
    for (const ProcessSummary& p : snap.processes) {
        key = p.info.name.empty() ? std::string("?") : p.info.name;
        key += " (";
        key += user_of(p.info.uid);
        key += ')';
        credit(minute, Dimension::Program, key,
               std::to_string(p.info.id.pid) + ':' + std::to_string(p.info.id.start_time),
               p.traffic, now, baseline);
    }
    for (const GroupSummary& g : snap.groups) {
        key = g.kind + ':' + g.name;
        credit(minute, Dimension::Group, key, key, g.traffic, now, baseline);
    }
    for (const RemoteHostSummary& h : snap.remote_hosts) {
        key = format_addr(h.addr);
        credit(minute, Dimension::Host, key, key, h.traffic, now, baseline);
    }
    for (const InterfaceSummary& i : snap.interfaces)
        credit(minute, Dimension::Interface, i.name, i.name, i.traffic, now, baseline);
    expire(now);
}

void TrafficLedger::expire(std::int64_t now) {
    if (now - last_expiry_ < 60) return;
    last_expiry_ = now;
    for (auto it = last_.begin(); it != last_.end();) {
        if (now - it->second.seen > kForgetAfter)
            it = last_.erase(it);
        else
            ++it;
    }
}

std::vector<MinuteBytes> TrafficLedger::take() {
    std::vector<MinuteBytes> rows;
    rows.reserve(pending_.size());
    for (auto& [cell, row] : pending_) rows.push_back(std::move(row));
    pending_.clear();
    return rows;
}

void TrafficLedger::give_back(std::vector<MinuteBytes> rows) {
    for (MinuteBytes& row : rows) {
        std::string cell = std::to_string(row.minute) + '|' +
                           std::to_string(static_cast<int>(row.dim)) + '|' + row.key;
        auto p = pending_.find(cell);
        if (p == pending_.end()) {
            if (pending_.size() >= kMaxPending) {
                ++dropped_;
                continue;
            }
            pending_.emplace(std::move(cell), std::move(row));
        } else {
            p->second.rx_bytes += row.rx_bytes;
            p->second.tx_bytes += row.tx_bytes;
        }
    }
}

HistoryRecorder::HistoryRecorder(std::unique_ptr<HistoryStore> store, const HistoryConfig& config,
                                 Hooks hooks)
    : store_(std::move(store)), config_(config), hooks_(std::move(hooks)) {
    if (!hooks_.now) {
        hooks_.now = [] {
            return std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                .count();
        };
    }
    if (!hooks_.log) hooks_.log = [](Notice::Level, const std::string&) {};
    policy_.hour_buckets_for = config_.retention.count();
}

HistoryRecorder::~HistoryRecorder() { stop(); }

void HistoryRecorder::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] { loop(); });
}

void HistoryRecorder::offer(const Snapshot& snap) {
    std::lock_guard lock(mutex_);
    if (failed_ || stop_) return;
    ledger_.add(snap);
}

bool HistoryRecorder::working() const {
    std::lock_guard lock(mutex_);
    return !failed_;
}

void HistoryRecorder::flush() {
    std::unique_lock lock(mutex_);
    if (!thread_.joinable() || stop_) return;
    const std::uint64_t wanted = ++flush_requests_;
    wake_.notify_all();
    flushed_.wait(lock, [&] { return flushes_done_ >= wanted || stop_ || failed_; });
}

void HistoryRecorder::stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void HistoryRecorder::loop() {
    std::unique_lock lock(mutex_);
    auto next = std::chrono::steady_clock::now() + config_.flush_interval;
    while (true) {
        wake_.wait_until(lock, next, [&] { return stop_ || flush_requests_ > flushes_done_; });
        const std::uint64_t requested = flush_requests_;
        const bool last = stop_;
        lock.unlock();
        write_pending();
        lock.lock();
        flushes_done_ = requested;
        flushed_.notify_all();
        if (last || failed_) break;
        if (std::chrono::steady_clock::now() >= next) next += config_.flush_interval;
        if (next < std::chrono::steady_clock::now())
            next = std::chrono::steady_clock::now() + config_.flush_interval;
    }
    flushed_.notify_all();
}

void HistoryRecorder::write_pending() {
    try {
        if (!verified_) {
            store_->verify();
            verified_ = true;
        }
    } catch (const StoreError& e) {
        hooks_.log(Notice::Level::Error,
                   std::string("history: ") + e.what() + "; history is not recorded");
        std::lock_guard lock(mutex_);
        failed_ = true;
        ledger_.take();
        return;
    }
    std::vector<MinuteBytes> rows;
    {
        std::lock_guard lock(mutex_);
        rows = ledger_.take();
    }
    try {
        bool full = false;
        try {
            store_->add(rows, &full);
        } catch (const StoreError& e) {
            if (e.kind() == StoreError::Kind::Damaged || e.kind() == StoreError::Kind::Foreign)
                throw;
            if (!warned_) {
                warned_ = true;
                hooks_.log(Notice::Level::Warning, std::string("history: ") + e.what() +
                                                       (full ? " (disk full)" : "") +
                                                       "; sstop goes on and retries each minute");
            }
            std::lock_guard lock(mutex_);
            ledger_.give_back(std::move(rows));
            return;
        }
        if (warned_) {
            warned_ = false;
            hooks_.log(Notice::Level::Info, "history: writing again to " + store_->path());
        }
        const std::int64_t now = hooks_.now();
        if (now / 3600 != last_rollup_hour_) {
            try {
                store_->roll_up(now, policy_);
                last_rollup_hour_ = now / 3600;
            } catch (const StoreError& e) {
                if (e.kind() == StoreError::Kind::Damaged) throw;
                // A failed roll-up changes nothing; the next hour tries again.
            }
        }
    } catch (const StoreError& e) {
        hooks_.log(Notice::Level::Error,
                   std::string("history: ") + e.what() + "; history is not recorded");
        std::lock_guard lock(mutex_);
        failed_ = true;
    }
}

}  // namespace sstop::host::history
