#pragma once
// Small file helpers for reading /proc and sysfs (the fd holder is sstop::UniqueFd): every Linux
// source reads the same way (one open directory fd per process, bounded whole-file reads that
// tolerate a process dying).

#include <cstddef>
#include <sstop/unique_fd.hpp>
#include <string>
#include <string_view>

namespace sstop::plugins::linuxproc {

/// Reads the file `name` relative to `dir_fd` (AT_FDCWD for a plain path) into `out`, at most
/// `cap` bytes. False when it cannot be opened or read (a process that died meanwhile gives
/// ENOENT or ESRCH: the caller skips it).
bool read_at(int dir_fd, const char* name, std::string& out, std::size_t cap);

/// Writes `text` to an existing file (sysfs/tracefs control files); false on any failure.
bool write_file(const std::string& path, std::string_view text);

}  // namespace sstop::plugins::linuxproc
