#include "command_runner.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>

namespace {

using sstop::plugins::darwin::CommandLimits;
using sstop::plugins::darwin::CommandResult;
using sstop::plugins::darwin::run_command;

// The child is reaped: waitpid on its pid finds no such child.
bool reaped(pid_t pid) {
    errno = 0;
    return ::waitpid(pid, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

TEST(CommandRunner, CapturesStdoutOfAShell) {
    const CommandResult r = run_command({"/bin/sh", "-c", "printf 'a b\\n%s\\n' \"$LC_ALL\""}, {});
    ASSERT_EQ(r.status, CommandResult::Status::Ok) << r.error;
    EXPECT_EQ(r.output, "a b\nC\n");  // the environment is LC_ALL=C only
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(r.error.empty());
    EXPECT_TRUE(reaped(r.pid));
}

TEST(CommandRunner, ReportsExitStatusAndDiscardsStderr) {
    const CommandResult r = run_command({"/bin/sh", "-c", "printf out; echo err >&2; exit 3"}, {});
    EXPECT_EQ(r.status, CommandResult::Status::ExitFailure);
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(r.output, "out");
    EXPECT_NE(r.error.find("exit status 3"), std::string::npos);
}

TEST(CommandRunner, KillsAChildThatWritesMoreThanTheBound) {
    CommandLimits limits;
    limits.max_output_bytes = 1000;
    limits.timeout = std::chrono::seconds(20);
    const CommandResult r =
        run_command({"/bin/sh", "-c", "while :; do printf 0123456789; done"}, limits);
    EXPECT_EQ(r.status, CommandResult::Status::OutputTooLarge);
    EXPECT_EQ(r.output.size(), 1000u);
    EXPECT_EQ(r.output.substr(0, 10), "0123456789");
    EXPECT_TRUE(reaped(r.pid));
}

TEST(CommandRunner, KillsAChildThatRunsPastTheTimeout) {
    CommandLimits limits;
    limits.timeout = std::chrono::milliseconds(200);
    const auto start = std::chrono::steady_clock::now();
    const CommandResult r = run_command({"/bin/sh", "-c", "printf early; sleep 60"}, limits);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.status, CommandResult::Status::Timeout);
    EXPECT_EQ(r.output, "early");
    EXPECT_NE(r.error.find("200 ms"), std::string::npos);
    EXPECT_TRUE(reaped(r.pid));
    // Not a timing check: a broken timeout would wait for the 60 s sleep.
    EXPECT_LT(took, std::chrono::seconds(30));
}

TEST(CommandRunner, ReportsAMissingBinaryClearly) {
    const CommandResult r = run_command({"/nonexistent/netstat", "-an"}, {});
    EXPECT_EQ(r.status, CommandResult::Status::SpawnFailed);
    EXPECT_EQ(r.pid, 0);
    EXPECT_NE(r.error.find("/nonexistent/netstat"), std::string::npos);
    EXPECT_NE(r.error.find("No such file"), std::string::npos);
}

TEST(CommandRunner, RefusesARelativePath) {
    const CommandResult r = run_command({"sh", "-c", "true"}, {});
    EXPECT_EQ(r.status, CommandResult::Status::SpawnFailed);
    EXPECT_NE(r.error.find("absolute"), std::string::npos);
    EXPECT_EQ(run_command({}, {}).status, CommandResult::Status::SpawnFailed);
}

TEST(CommandRunner, ReportsASignalledChild) {
    const CommandResult r = run_command({"/bin/sh", "-c", "kill -9 $$"}, {});
    EXPECT_EQ(r.status, CommandResult::Status::Signaled);
    EXPECT_EQ(r.signal, 9);
}

}  // namespace
