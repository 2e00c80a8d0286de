// Privileges on platforms without Linux capabilities (macOS): only the effective uid is
// known, and nothing is dropped — sstop there runs its sources as the invoking user.

#include <unistd.h>

#include "app/privileges.hpp"

namespace sstop::host {

bool running_elevated() { return ::geteuid() == 0 || ::issetugid() != 0; }

std::vector<std::string> capabilities_needed(bool interactive) {
    (void)interactive;
    return {};
}

bool has_capability(const std::string& name) {
    (void)name;
    return ::geteuid() == 0;
}

PrivilegeReport drop_privileges(const std::vector<std::string>& keep) {
    (void)keep;
    PrivilegeReport report;
    report.elevated = running_elevated();
    report.kept = "none";
    if (report.elevated) report.notes.push_back("privileges are not dropped on this platform");
    return report;
}

std::string describe_capabilities() { return "capabilities kept: none"; }

std::string unprivileged_notice(bool have_net_raw, bool can_map_others,
                                const std::string& exe_path) {
    (void)exe_path;
    if (have_net_raw && can_map_others) return {};
    return "running without privileges: traffic of other users' processes is off; to enable: "
           "run sstop with sudo";
}

}  // namespace sstop::host
