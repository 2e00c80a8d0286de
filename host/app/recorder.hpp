#pragma once
// `--record FILE`: appends each tick's samples to a recording (sstop/recording.hpp) from the
// collector thread. One write per tick, so a crash cuts at most the last record; a write error
// (a full disk) stops the recording for good and sstop goes on.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/aggregator.hpp"

namespace sstop::host {

class Recorder {
  public:
    /// Creates or truncates `path` (mode 0600: it holds command lines); the header is written
    /// with the first tick.
    /// Throws std::runtime_error with "PATH: reason" when it cannot.
    explicit Recorder(std::string path);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    /// Appends `tick` (its samples are moved out and back, not copied). Returns one line to
    /// report when recording just stopped (write error, oversized tick); nothing otherwise.
    /// Collector thread.
    std::optional<std::string> append(core::TickInput& tick);

    /// False once recording stopped.
    bool active() const { return fd_ >= 0; }
    /// Ticks written.
    std::uint64_t ticks() const { return ticks_; }

  private:
    bool write_all(const std::string& data, std::string& error);
    void close_file();

    std::string path_;
    int fd_ = -1;
    std::uint64_t ticks_ = 0;
    std::optional<std::chrono::steady_clock::time_point> start_;
    std::string buffer_;  // reused between ticks
};

}  // namespace sstop::host
