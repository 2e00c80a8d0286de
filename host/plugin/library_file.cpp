#include "plugin/library_file.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace sstop::host {
namespace {

namespace fs = std::filesystem;

// dlerror() text starts with "<path>: "; the verdict already names the file.
std::string without_path_prefix(std::string text, const std::string& path) {
    const std::string prefix = path + ": ";
    if (text.compare(0, prefix.size(), prefix) == 0) text.erase(0, prefix.size());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

// Distinguishes "this is not a library at all" from "a library the loader rejected" (a missing
// symbol or dependency), which deserve different wording for the user.
bool looks_like_object_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::array<unsigned char, 4> magic{};
    if (!in.read(reinterpret_cast<char*>(magic.data()), magic.size())) return false;
    static constexpr std::array<unsigned char, 4> kElf = {0x7f, 'E', 'L', 'F'};
    static constexpr std::array<unsigned char, 4> kMachO64 = {0xcf, 0xfa, 0xed, 0xfe};
    return magic == kElf || magic == kMachO64;
}

constexpr const char* kRefused = " (refused when running with elevated privileges)";
constexpr int kMaxDepth = 256;

std::string owner_problem(const struct stat& st, const std::string& path,
                          const PluginTrust& trust) {
    if (st.st_uid == 0) return {};
    for (std::uint32_t owner : trust.owners) {
        if (st.st_uid == owner) return {};
    }
    std::string owners = "root";
    for (std::uint32_t owner : trust.owners) {
        if (owner != 0) owners += " or uid " + std::to_string(owner);
    }
    return path + " is owned by uid " + std::to_string(st.st_uid) + ", not by " + owners + kRefused;
}

// True while a loaded object is known to the dynamic loader as /proc/self/fd/<fd>.
bool mapped_as_proc_fd(int fd) {
    struct Search {
        std::string name;
        bool found = false;
    } search{"/proc/self/fd/" + std::to_string(fd)};
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) -> int {
            auto* s = static_cast<Search*>(data);
            if (info->dlpi_name != nullptr && s->name == info->dlpi_name) {
                s->found = true;
                return 1;
            }
            return 0;
        },
        &search);
    return search.found;
}

}  // namespace

OpenResult open_library(const std::string& path) {
    namespace dll = boost::dll;
    OpenResult result;
    // The error_code overload: the throwing one appends a meaningless errno text to what().
    // Boost.DLL does not clear dlerror() on failure, so the loader's own reason is still there.
    dll::fs::error_code ec;
    ::dlerror();
    result.library.load(dll::fs::path(path), dll::load_mode::rtld_now | dll::load_mode::rtld_local,
                        ec);
    if (!ec && result.library.is_loaded()) return result;

    const char* text = ::dlerror();
    std::string reason = text != nullptr ? without_path_prefix(text, path) : ec.message();
    result.library.unload();
    result.error =
        (looks_like_object_file(path) ? "cannot load: " : "not a shared library: ") + reason;
    return result;
}

OpenResult open_library_fd(int fd, const std::string& path) {
#if defined(__linux__)
    (void)path;
    OpenResult result = open_library("/proc/self/fd/" + std::to_string(fd));
    if (!result.error.empty()) {
        // The loader's text names the /proc path; the verdict already names the real one.
        const std::string proc = "/proc/self/fd/" + std::to_string(fd) + ": ";
        for (auto at = result.error.find(proc); at != std::string::npos;
             at = result.error.find(proc))
            result.error.erase(at, proc.size());
    }
    return result;
#else
    // No /proc/self/fd: the directory chain check is what keeps the file from being swapped.
    (void)fd;
    return open_library(path);
#endif
}

PluginFd::~PluginFd() {
    // Deliberately kept open for the life of the process while mapped (bounded by the plugin
    // count); otherwise UniqueFd closes it.
    if (fd_.valid() && mapped_as_proc_fd(fd_.get())) (void)fd_.release();
}

PluginFd& PluginFd::operator=(PluginFd&& other) noexcept {
    if (this != &other) {
        PluginFd gone;  // the old descriptor goes the way the destructor says
        gone.fd_ = std::move(fd_);
        fd_ = std::move(other.fd_);
    }
    return *this;
}

std::string directory_chain_problem(int dir_fd, const std::string& dir_path,
                                    const PluginTrust& trust) {
    if (!trust.enforce) return {};
    fs::path path(dir_path);
    UniqueFd current(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
    if (current.get() < 0) return "cannot check " + dir_path + ": " + std::strerror(errno);
    // Walk ".." from the opened directory rather than re-resolving names: what is checked is
    // the tree this descriptor really lives in. Bounded: paths are not that deep.
    for (int depth = 0; depth < kMaxDepth; ++depth) {
        struct stat st {};
        if (::fstat(current.get(), &st) != 0)
            return "cannot check " + path.string() + ": " + std::strerror(errno);
        if (std::string problem = owner_problem(st, path.string(), trust); !problem.empty())
            return problem;
        // A sticky directory (/tmp) lets nobody rename or remove another's entry, and the
        // entry below it was checked for its owner already.
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0)
            return path.string() + " is writable by group or others" + kRefused;
        UniqueFd parent(::openat(current.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (parent.get() < 0)
            return "cannot check the parent of " + path.string() + ": " + std::strerror(errno);
        struct stat up {};
        if (::fstat(parent.get(), &up) != 0)
            return "cannot check the parent of " + path.string() + ": " + std::strerror(errno);
        if (up.st_dev == st.st_dev && up.st_ino == st.st_ino) return {};  // reached /
        current = std::move(parent);
        path =
            path.has_parent_path() && path != path.root_path() ? path.parent_path() : fs::path("/");
    }
    return dir_path + " is nested too deeply to check" + kRefused;
}

CheckedFile open_checked_file(int dir_fd, const std::string& name, const std::string& path,
                              const PluginTrust& trust) {
    CheckedFile out;
    out.fd = PluginFd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (out.fd.get() < 0) {
        out.problem = errno == ELOOP ? path + " is a symbolic link" + kRefused
                                     : "cannot open " + path + ": " + std::strerror(errno);
        return out;
    }
    struct stat st {};
    if (::fstat(out.fd.get(), &st) != 0) {
        out.problem = "cannot check " + path + ": " + std::strerror(errno);
        return out;
    }
    if (!S_ISREG(st.st_mode)) {
        out.problem = path + " is not a regular file" + kRefused;
        return out;
    }
    if (std::string problem = owner_problem(st, path, trust); !problem.empty()) {
        out.problem = problem;
        return out;
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        out.problem = path + " is writable by group or others" + kRefused;
    return out;
}

}  // namespace sstop::host
