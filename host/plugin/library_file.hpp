#pragma once
// Private to host/plugin: opening one plugin file and reading its descriptor, with errors
// turned into one-line reasons instead of exceptions. Main thread only (dlerror state).

#include <boost/dll/shared_library.hpp>
#include <memory>
#include <sstop/plugin.hpp>
#include <sstop/unique_fd.hpp>
#include <string>

#include "plugin/registry.hpp"

namespace sstop::host {

/// An open file descriptor of a plugin file, closed on destruction — unless a library loaded
/// through /proc/self/fd/<n> is still mapped under that name: glibc finds loaded objects by
/// name first, so reusing the number would hand a later dlopen the old library.
class PluginFd {
  public:
    PluginFd() = default;
    explicit PluginFd(int fd) : fd_(fd) {}
    ~PluginFd();
    PluginFd(PluginFd&& other) noexcept = default;
    PluginFd& operator=(PluginFd&& other) noexcept;
    PluginFd(const PluginFd&) = delete;
    PluginFd& operator=(const PluginFd&) = delete;
    int get() const { return fd_.get(); }

  private:
    UniqueFd fd_;
};

/// A plugin library that passed every descriptor check. Objects created from it hold a
/// shared_ptr to it, so it is released only after the last of them is destroyed.
class LoadedLibrary {
  public:
    LoadedLibrary(boost::dll::shared_library library, const sstop_plugin_descriptor_v1* descriptor,
                  PluginFd fd = PluginFd())
        : fd_(std::move(fd)), library_(std::move(library)), descriptor_(descriptor) {}
    LoadedLibrary(const LoadedLibrary&) = delete;
    LoadedLibrary& operator=(const LoadedLibrary&) = delete;

    /// The descriptor; points into the library's static data, valid while this lives.
    const sstop_plugin_descriptor_v1& descriptor() const { return *descriptor_; }

  private:
    PluginFd fd_;  // declared first: closed after the library is unloaded
    boost::dll::shared_library library_;
    const sstop_plugin_descriptor_v1* descriptor_;
};

/// Outcome of opening a file: either a library, or the loader's one-line reason.
struct OpenResult {
    boost::dll::shared_library library;  ///< loaded when `error` is empty
    std::string error;                   ///< one line, empty on success
};

/// Opens `path` (absolute) with RTLD_NOW | RTLD_LOCAL: NOW so that a missing symbol is a
/// verdict at discovery instead of a crash on first call; LOCAL so that plugins cannot
/// interpose on each other's symbols.
OpenResult open_library(const std::string& path);

/// Opens the file behind the open descriptor `fd` the same way (through /proc/self/fd/<fd>
/// on Linux, so the inode that was checked is the one mapped; by `path` elsewhere).
OpenResult open_library_fd(int fd, const std::string& path);

/// Why `dir_fd` (an open directory, reached as `dir_path`) or any directory above it up to /
/// is not trusted under `trust`, or empty. One line naming the directory.
std::string directory_chain_problem(int dir_fd, const std::string& dir_path,
                                    const PluginTrust& trust);

/// Opens `name` in the directory `dir_fd` without following a symbolic link and checks the
/// opened file under `trust`. On success `problem` is empty and `fd` is open.
struct CheckedFile {
    PluginFd fd;
    std::string problem;  ///< one line naming `path`, empty when trusted
};
CheckedFile open_checked_file(int dir_fd, const std::string& name, const std::string& path,
                              const PluginTrust& trust);

}  // namespace sstop::host
