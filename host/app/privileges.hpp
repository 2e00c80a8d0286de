#pragma once
// Privileges of the sstop process: is it elevated, and giving up what it no longer needs once
// the privileged handles are open (Wireshark dumpcap's order: open, then drop).
//
// The platform is chosen by CMake: privileges_linux.cpp (capabilities, prctl) or
// privileges_other.cpp (only the effective uid is known; nothing is dropped).

#include <string>
#include <vector>

namespace sstop::host {

/// What drop_privileges did.
struct PrivilegeReport {
    bool elevated = false;           ///< the process was elevated before the call
    std::string kept;                ///< kept capabilities, "dac_read_search,sys_ptrace" or "none"
    std::vector<std::string> notes;  ///< one line each: what could not be done, and why
};

/// True when the process runs with more than an ordinary user's rights: effective uid 0, any
/// effective or permitted capability, or the loader's secure mode (AT_SECURE: set-uid or file
/// capabilities). Plugin loading is then restricted (see plugin_search_dirs, PluginTrust).
bool running_elevated();

/// The capabilities sstop needs after start-up, by name without the "cap_" prefix:
/// dac_read_search and sys_ptrace (mapping sockets of other users' processes through
/// /proc/<pid>/fd and reading their /proc/<pid>/ns/net), plus kill when `interactive` (the
/// TUI's kill overlay).
std::vector<std::string> capabilities_needed(bool interactive);

/// True when the calling thread has capability `name` ("net_raw", "cap_net_raw", …) in its
/// effective set. False for unknown names and on platforms without capabilities.
bool has_capability(const std::string& name);

/// Keeps only those of `keep` (names as in capabilities_needed) that are already permitted,
/// and drops every other capability from the effective, permitted, inheritable and bounding
/// sets, clears the ambient set and sets PR_SET_NO_NEW_PRIVS — in every thread of the process,
/// not only the caller's (Linux credentials are per thread). Open descriptors stay usable.
/// Call it once, from the main thread, after every source's open() and before loading
/// anything else. The uid stays what it was: files made at start-up (a tracefs instance) are
/// removed at shutdown by their owner. A no-op, reporting elevated = false, when not elevated.
PrivilegeReport drop_privileges(const std::vector<std::string>& keep);

/// One line for --version and --list-plugins: "capabilities kept: dac_read_search,sys_ptrace",
/// or "capabilities kept: none". Describes the calling thread's effective set.
std::string describe_capabilities();

/// The one line for a run that lacks what full results need, or empty when nothing is
/// missing. `have_net_raw`: AF_PACKET capture (per-process UDP bytes) is possible;
/// `can_map_others`: sockets of other users' processes can be mapped to them. Names the
/// setcap command for `exe_path`.
std::string unprivileged_notice(bool have_net_raw, bool can_map_others,
                                const std::string& exe_path);

}  // namespace sstop::host
