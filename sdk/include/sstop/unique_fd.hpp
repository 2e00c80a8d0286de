#pragma once
/// @file unique_fd.hpp
/// The one owner of a POSIX file descriptor, for plugins on every platform sstop targets
/// (Linux and macOS): sockets, pipes, `/proc` directories, netlink and packet sockets.
/// Header-only; needs nothing but `<unistd.h>`.

#include <unistd.h>

#include <utility>

namespace sstop {

/// Owns a file descriptor and closes it on destruction. -1 means "none". Move-only.
class UniqueFd {
  public:
    /// Takes ownership of `fd` (-1: none).
    explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    /// The descriptor, -1 when none.
    int get() const noexcept { return fd_; }
    /// True when it holds a descriptor.
    bool valid() const noexcept { return fd_ >= 0; }
    /// Gives up ownership without closing; returns the descriptor.
    int release() noexcept { return std::exchange(fd_, -1); }
    /// Closes the descriptor held (if any) and takes `fd` instead.
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0 && fd_ != fd) ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_;
};

}  // namespace sstop
