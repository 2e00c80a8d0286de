#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <linuxproc/file_io.hpp>

namespace sstop::plugins::linuxproc {

bool read_at(int dir_fd, const char* name, std::string& out, std::size_t cap) {
    out.clear();
    UniqueFd fd(::openat(dir_fd, name, O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return false;
    char chunk[4096];
    while (out.size() < cap) {
        ssize_t n = ::read(fd.get(), chunk, std::min(sizeof chunk, cap - out.size()));
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        if (n == 0) break;
        out.append(chunk, static_cast<std::size_t>(n));
    }
    return true;
}

bool write_file(const std::string& path, std::string_view text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (fd.get() < 0) return false;
    return ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

}  // namespace sstop::plugins::linuxproc
