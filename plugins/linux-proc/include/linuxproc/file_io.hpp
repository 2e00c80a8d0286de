#pragma once
// Small RAII file helpers for reading /proc and sysfs: every Linux source reads the same way
// (one open directory fd per process, bounded whole-file reads that tolerate a process dying).

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace sstop::plugins::linuxproc {

/// Owns a file descriptor; closes it on destruction.
class UniqueFd {
  public:
    explicit UniqueFd(int fd = -1) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd();
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

  private:
    int fd_;
};

/// Reads the file `name` relative to `dir_fd` (AT_FDCWD for a plain path) into `out`, at most
/// `cap` bytes. False when it cannot be opened or read (a process that died meanwhile gives
/// ENOENT or ESRCH: the caller skips it).
bool read_at(int dir_fd, const char* name, std::string& out, std::size_t cap);

/// Writes `text` to an existing file (sysfs/tracefs control files); false on any failure.
bool write_file(const std::string& path, std::string_view text);

}  // namespace sstop::plugins::linuxproc
