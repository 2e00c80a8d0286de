#pragma once
// The host's log: one line per event, to a file if configured, to stderr in headless mode
// (never to the terminal while the UI owns it), and warnings kept as notices for the status
// line. Thread-safe: plugins log from any thread.

#include <cstdio>
#include <deque>
#include <mutex>
#include <sstop/model.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop::host {

class Log {
  public:
    /// `stderr_enabled`: also print warnings and errors to stderr (headless mode).
    explicit Log(bool stderr_enabled = true);
    ~Log();
    Log(const Log&) = delete;
    Log& operator=(const Log&) = delete;

    /// Opens (appends to) a log file; returns false with `error` set when it cannot.
    bool open_file(const std::string& path, std::string& error);
    /// Turns printing to stderr on or off (off while a full-screen UI runs).
    void set_stderr(bool enabled);

    /// Writes one line. Warnings and errors also become notices (the newest 8 are kept).
    void write(Notice::Level level, std::string_view message);

    /// Current notices, oldest first.
    std::vector<Notice> notices() const;

  private:
    mutable std::mutex mutex_;
    bool stderr_enabled_;
    std::FILE* file_ = nullptr;
    std::deque<Notice> notices_;
    static constexpr std::size_t kMaxNotices = 8;
};

}  // namespace sstop::host
