#pragma once
// Private to host/plugin: opening one plugin file and reading its descriptor, with errors
// turned into one-line reasons instead of exceptions. Main thread only (dlerror state).

#include <boost/dll/shared_library.hpp>
#include <memory>
#include <sstop/plugin.hpp>
#include <string>

namespace sstop::host {

/// A plugin library that passed every descriptor check. Objects created from it hold a
/// shared_ptr to it, so it is released only after the last of them is destroyed.
class LoadedLibrary {
  public:
    LoadedLibrary(boost::dll::shared_library library, const sstop_plugin_descriptor_v1* descriptor)
        : library_(std::move(library)), descriptor_(descriptor) {}
    LoadedLibrary(const LoadedLibrary&) = delete;
    LoadedLibrary& operator=(const LoadedLibrary&) = delete;

    /// The descriptor; points into the library's static data, valid while this lives.
    const sstop_plugin_descriptor_v1& descriptor() const { return *descriptor_; }

  private:
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

/// Why the host must refuse `path` when running as root (group/other-writable or not owned
/// by root), or empty when it is acceptable or we are not root.
std::string ownership_problem(const std::string& path);

}  // namespace sstop::host
