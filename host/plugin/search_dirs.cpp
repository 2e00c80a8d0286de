#include <filesystem>
#include <string_view>
#include <system_error>

#include "plugin/registry.hpp"

namespace sstop::host {
namespace {

namespace fs = std::filesystem;

// Absolute and lexically normal, without a trailing slash, so that "a/b/" and "a/./b" compare
// equal when deduplicating.
std::string normalise(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::absolute(fs::path(path), ec);
    if (ec) p = fs::path(path);
    p = p.lexically_normal();
    std::string out = p.string();
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
}

void add(std::vector<SearchDir>& dirs, const std::string& path, const char* origin) {
    if (path.empty()) return;
    std::string normal = normalise(path);
    for (const SearchDir& d : dirs) {
        if (d.path == normal) return;  // the first (higher-priority) occurrence wins
    }
    dirs.push_back(SearchDir{std::move(normal), origin});
}

}  // namespace

std::vector<SearchDir> plugin_search_dirs(const std::vector<std::string>& cli_paths,
                                          const std::vector<std::string>& config_paths,
                                          const char* env_value, const std::string& exe_path,
                                          const std::string& install_dir) {
    std::vector<std::string> notices;
    return plugin_search_dirs(cli_paths, config_paths, env_value, exe_path, install_dir, false,
                              notices);
}

std::vector<SearchDir> plugin_search_dirs(const std::vector<std::string>& cli_paths,
                                          const std::vector<std::string>& config_paths,
                                          const char* env_value, const std::string& exe_path,
                                          const std::string& install_dir, bool elevated,
                                          std::vector<std::string>& notices) {
    std::vector<SearchDir> dirs;
    // Directories the user named are expected to exist: say so when one does not (a typo
    // would otherwise just look like a missing plugin). The built-in ones may be absent.
    auto named = [&](const std::string& p, const char* origin, const char* what) {
        std::error_code ec;
        if (!p.empty() && !fs::is_directory(p, ec))
            notices.push_back(std::string(what) + " " + p + ": not a directory");
        add(dirs, p, origin);
    };
    for (const auto& p : cli_paths) named(p, "--plugin-path", "--plugin-path");
    for (const auto& p : config_paths) named(p, "config", "plugins.paths:");
    // The environment is the caller's to set, not root's: whoever can set it for a sudo run
    // could otherwise choose the code that runs as root. A directory also given with
    // --plugin-path is already in the list (added above), so dropping it here loses nothing.
    if (elevated && env_value != nullptr) {
        if (std::string_view(env_value).find_first_not_of(':') != std::string_view::npos) {
            notices.push_back(
                "SSTOP_PLUGIN_PATH ignored while running with elevated privileges; use "
                "--plugin-path");
        }
        env_value = nullptr;
    }
    if (env_value != nullptr) {
        std::string_view rest(env_value);
        while (true) {
            const auto colon = rest.find(':');
            add(dirs, std::string(rest.substr(0, colon)), "env");
            if (colon == std::string_view::npos) break;
            rest.remove_prefix(colon + 1);
        }
    }
    if (!exe_path.empty()) {
        const fs::path exe_dir = fs::path(exe_path).parent_path();
        add(dirs, (exe_dir / ".." / "lib" / "sstop" / "plugins").string(), "build tree");
    }
    add(dirs, install_dir, "install");
    return dirs;
}

}  // namespace sstop::host
