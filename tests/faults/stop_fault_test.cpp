// A stop signal always ends sstop. Here the orderly stop cannot finish: the replay source is
// opening a FIFO nobody writes to, so the main thread is blocked in open(2). sstop must leave
// anyway: after its 10 s grace period with one line, or at once on a second signal. Exit
// status 1 either way (the stop was not orderly).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "netns.hpp"

namespace sstop::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class StopFaults : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sstop-stop-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        fifo_ = dir_ + "/run.rec";
        ASSERT_EQ(::mkfifo(fifo_.c_str(), 0600), 0);
        config_ = dir_ + "/replay.yaml";
        std::ofstream(config_) << "plugins: {replay: {file: " << fifo_ << ", speed: 0}}\n";
        err_ = dir_ + "/stderr";
    }
    void TearDown() override {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);  // only when a check failed: it is ours, by pid
            ::waitpid(pid_, nullptr, 0);
        }
        for (const std::string& f : {fifo_, config_, err_}) std::remove(f.c_str());
        ::rmdir(dir_.c_str());
    }

    // sstop replaying the FIFO, stdout to /dev/null, stderr to err_; blocked once this
    // returns (it has had a moment to reach the open()).
    void start() {
        pid_ = ::fork();
        ASSERT_GE(pid_, 0);
        if (pid_ == 0) {
            const int out = ::open("/dev/null", O_WRONLY);
            const int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (out < 0 || err < 0) ::_exit(120);
            ::dup2(out, STDOUT_FILENO);
            ::dup2(err, STDERR_FILENO);
            const std::string bin = sstop_binary();
            ::execl(bin.c_str(), bin.c_str(), "--json", "--sources", "replay", "--config",
                    config_.c_str(), static_cast<char*>(nullptr));
            ::_exit(121);
        }
        std::this_thread::sleep_for(1500ms);
        int status = 0;
        ASSERT_EQ(::waitpid(pid_, &status, WNOHANG), 0)
            << "sstop ended before the test signalled it";
    }

    // Waits up to `limit` for sstop to end; its exit status, or -1 (still running).
    int wait_exit(std::chrono::milliseconds limit) {
        const auto end = Clock::now() + limit;
        while (Clock::now() < end) {
            int status = 0;
            const pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(20ms);
        }
        return -1;
    }

    std::string stderr_text() const {
        std::ifstream in(err_);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

    std::string dir_, fifo_, config_, err_;
    pid_t pid_ = -1;
};

TEST_F(StopFaults, ABlockedStopEndsAfterTheGracePeriodWithOneLine) {
    start();
    ASSERT_FALSE(HasFailure());
    const auto t0 = Clock::now();
    ASSERT_EQ(::kill(pid_, SIGTERM), 0);
    // Still blocked well inside the grace period: the stop is given its time.
    EXPECT_EQ(wait_exit(5s), -1) << stderr_text();
    const int status = wait_exit(15s);
    const auto took = Clock::now() - t0;
    EXPECT_EQ(status, 1) << stderr_text();
    EXPECT_GE(took, 9s);
    EXPECT_LT(took, 16s);
    EXPECT_NE(stderr_text().find("sstop: not stopped 10 s after the signal; exiting\n"),
              std::string::npos)
        << stderr_text();
}

TEST_F(StopFaults, ASecondSignalEndsABlockedStopAtOnce) {
    start();
    ASSERT_FALSE(HasFailure());
    ASSERT_EQ(::kill(pid_, SIGTERM), 0);
    std::this_thread::sleep_for(500ms);
    const auto t0 = Clock::now();
    ASSERT_EQ(::kill(pid_, SIGINT), 0);
    const int status = wait_exit(3s);
    EXPECT_EQ(status, 1) << stderr_text();
    EXPECT_LT(Clock::now() - t0, 3s);
    EXPECT_NE(stderr_text().find("sstop: second signal; exiting at once\n"), std::string::npos)
        << stderr_text();
}

}  // namespace
}  // namespace sstop::testing
