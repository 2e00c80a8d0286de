#include "plugin/library_file.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <fstream>
#include <string_view>

namespace sstop::host {
namespace {

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

std::string ownership_problem(const std::string& path) {
    if (::geteuid() != 0) return {};
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return "cannot stat " + path + ": " + std::strerror(errno);
    if (st.st_uid != 0) return path + " is not owned by root (refused when running as root)";
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        return path + " is writable by group or others (refused when running as root)";
    }
    return {};
}

}  // namespace sstop::host
