#pragma once
/// @file command_runner.hpp
/// Runs a command (posix_spawn, stdout through a pipe) with a bound on its output and on its
/// run time. POSIX only, so it is built and tested on Linux as well as on macOS.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace sstop::plugins::darwin {

/// Bounds of one run.
struct CommandLimits {
    std::size_t max_output_bytes = 16u << 20;  ///< more stdout than this kills the child
    std::chrono::milliseconds timeout{2000};   ///< a child still running then is killed
};

/// Outcome of `run_command`.
struct CommandResult {
    enum class Status {
        Ok,              ///< exited with status 0; `output` is all of its stdout
        ExitFailure,     ///< exited with a non-zero status (`exit_code`)
        Signaled,        ///< killed by a signal it did not get from us (`signal`)
        SpawnFailed,     ///< could not start (missing binary, no permission): see `error`
        Timeout,         ///< still running at the timeout: killed and reaped
        OutputTooLarge,  ///< wrote more than the bound: killed and reaped
        IoError,         ///< reading its output failed: killed and reaped
    };
    Status status = Status::SpawnFailed;  ///< what happened
    int exit_code = 0;                    ///< exit status, for Ok and ExitFailure
    int signal = 0;                       ///< terminating signal, for Signaled
    pid_t pid = 0;                        ///< the child's pid (already reaped), 0 if none
    std::string output;                   ///< stdout (up to the bound)
    std::string error;                    ///< one line saying what went wrong, empty when Ok
};

/// Runs `argv[0]` (an absolute path; no PATH search) with `argv`, stdin from /dev/null,
/// stdout captured, stderr discarded, environment `LC_ALL=C` only, in its own process group.
/// On timeout or too much output, the child's process group is killed with SIGKILL and the
/// child reaped before returning, so no zombie is left. Never throws for a failing command
/// (only `std::bad_alloc`). Blocks the caller for at most about `limits.timeout`.
CommandResult run_command(const std::vector<std::string>& argv, const CommandLimits& limits);

/// A short name for a status ("timeout", "spawn failed", …), for messages.
const char* status_name(CommandResult::Status status);

}  // namespace sstop::plugins::darwin
