#include "app/recorder.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstop/recording.hpp>
#include <stdexcept>
#include <utility>

namespace sstop::host {

Recorder::Recorder(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) throw std::runtime_error(path_ + ": " + std::strerror(errno));
}

Recorder::~Recorder() { close_file(); }

void Recorder::close_file() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool Recorder::write_all(const std::string& data, std::string& error) {
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        const ssize_t n = ::write(fd_, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            error = std::strerror(errno);
            return false;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return true;
}

std::optional<std::string> Recorder::append(core::TickInput& tick) {
    if (fd_ < 0) return std::nullopt;
    using std::chrono::steady_clock;
    if (!start_) start_ = tick.now;
    RecordedTick rec;
    rec.unix_time_ns = tick.unix_time_ns;
    rec.offset_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(tick.now - *start_).count();
    rec.samples = std::move(tick.samples);
    rec.incremental_sources = tick.incremental_sources;
    // Sample times are written relative to the first tick, so a replay can re-base them.
    std::vector<steady_clock::time_point> taken;
    taken.reserve(rec.samples.size());
    for (auto& s : rec.samples) {
        taken.push_back(s.taken_at);
        s.taken_at = steady_clock::time_point{} + (s.taken_at - *start_);
    }
    // The header goes out with the first record: one write, and a full disk is reported the
    // same way whenever it happens.
    buffer_.clear();
    if (ticks_ == 0) buffer_ = recording_header();
    const bool fits = encode_tick(rec, buffer_);
    for (std::size_t i = 0; i < rec.samples.size(); ++i) rec.samples[i].taken_at = taken[i];
    tick.samples = std::move(rec.samples);
    std::string error;
    if (!fits)
        error = "a tick exceeded " + std::to_string(kMaxRecordBytes >> 20) + " MiB";
    else if (write_all(buffer_, error)) {
        ++ticks_;
        return std::nullopt;
    }
    close_file();
    return "recording stopped: " + path_ + ": " + error + " (" + std::to_string(ticks_) +
           " ticks recorded before are kept)";
}

}  // namespace sstop::host
