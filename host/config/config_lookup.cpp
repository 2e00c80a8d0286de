// Where the config file is looked for.

#include <cstdlib>
#include <filesystem>
#include <string>

#include "config/config.hpp"

namespace sstop::host {
namespace {

bool exists(const std::string& path) {
    std::error_code error;
    return std::filesystem::exists(path, error);
}

// XDG base directory rules: an unset, empty or relative $XDG_CONFIG_HOME is ignored.
std::string user_config_file() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/sstop/sstop.yaml";
    const char* home = std::getenv("HOME");
    if (home != nullptr && home[0] != '\0') return std::string(home) + "/.config/sstop/sstop.yaml";
    return {};
}

}  // namespace

std::optional<std::string> find_config_file(const std::optional<std::string>& cli_path,
                                            const std::string& install_sysconf_dir,
                                            const std::string& etc_dir) {
    if (cli_path) return cli_path;
    if (const std::string user = user_config_file(); !user.empty() && exists(user)) return user;
    for (const std::string& dir : {etc_dir, install_sysconf_dir})
        if (const std::string system = dir + "/sstop/sstop.yaml"; exists(system)) return system;
    return std::nullopt;
}

}  // namespace sstop::host
