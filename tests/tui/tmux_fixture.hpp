#pragma once
// A tmux fixture for terminal UI tests: a private server per test (socket named with the
// pid), keys in with send-keys, the screen out with capture-pane, bounded polling.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sstop::testing {

inline std::string run(const std::string& cmd, int* rc = nullptr) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return out;
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    const int status = ::pclose(p);
    if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

inline bool have_tmux() {
    int rc = 0;
    run("command -v tmux >/dev/null 2>&1", &rc);
    return rc == 0;
}

inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// The row index of the first line containing `needle`, -1 if none.
inline int row_of(const std::string& screen, const std::string& needle) {
    const auto lines = lines_of(screen);
    for (std::size_t i = 0; i < lines.size(); ++i)
        if (lines[i].find(needle) != std::string::npos) return static_cast<int>(i);
    return -1;
}

/// A private tmux server per test; torn down (kill-server) even when the test fails.
class TmuxTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!have_tmux()) GTEST_SKIP() << "tmux is not installed";
        static int counter = 0;
        socket_ = "sstop-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
        pid_file_ = "/tmp/" + socket_ + ".pid";
        // The pane inherits the server's environment: a UTF-8 locale, as a user's terminal.
        ::setenv("LC_ALL", "C.UTF-8", 1);
    }

    void TearDown() override {
        if (!socket_.empty()) run(tmux("kill-server") + " 2>/dev/null");
        if (victim_ > 0) {
            ::kill(victim_, SIGKILL);
            ::waitpid(victim_, nullptr, 0);
        }
        std::remove(pid_file_.c_str());
        // tmux 3.3a's kill-server leaves its socket file behind.
        if (!socket_.empty())
            std::remove(("/tmp/tmux-" + std::to_string(::getuid()) + "/" + socket_).c_str());
    }

    std::string tmux(const std::string& args) const {
        return "tmux -u -L " + socket_ + " -f /dev/null " + args;
    }

    // Starts `program` in a 160x45 pane; when it ends, the pane prints EXIT=<code> and
    // keeps a shell, so the exit code and the restored screen can be read.
    void start(const std::string& program, int w = 160, int h = 45) {
        const std::string inner = program + "; echo EXIT=$?; exec sh";
        int rc = 0;
        run(tmux("new-session -d -s t -x " + std::to_string(w) + " -y " + std::to_string(h) + " '" +
                 inner + "'"),
            &rc);
        ASSERT_EQ(rc, 0) << "tmux new-session failed";
    }

    std::string capture(bool colours = false) const {
        return run(tmux(std::string("capture-pane -p ") + (colours ? "-e " : "") + "-t t"));
    }

    void keys(const std::string& args) const { run(tmux("send-keys -t t " + args)); }
    void literal(const std::string& text) const { run(tmux("send-keys -t t -l '" + text + "'")); }

    // Polls the screen until `pred` holds on a settled screen, up to `limit`; returns the
    // last screen. Settled means a second capture a moment later is identical: capture-pane
    // can land in the middle of a redraw (the rows above updated, the status line not yet),
    // and asserting on such a half-drawn screen is a race, not a finding.
    std::string wait_until(const std::function<bool(const std::string&)>& pred,
                           std::chrono::milliseconds limit = std::chrono::seconds(5)) const {
        const auto end = std::chrono::steady_clock::now() + limit;
        std::string screen;
        while (true) {
            screen = capture();
            if (pred(screen)) {
                std::this_thread::sleep_for(std::chrono::milliseconds(40));
                std::string again = capture();
                if (again == screen) return screen;
                screen = std::move(again);
                if (pred(screen) && std::chrono::steady_clock::now() > end) return screen;
            }
            if (std::chrono::steady_clock::now() > end) return screen;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    std::string wait_for(const std::string& text,
                         std::chrono::milliseconds limit = std::chrono::seconds(5)) const {
        return wait_until([&](const std::string& s) { return s.find(text) != std::string::npos; },
                          limit);
    }

    std::string wait_gone(const std::string& text,
                          std::chrono::milliseconds limit = std::chrono::seconds(5)) const {
        return wait_until([&](const std::string& s) { return s.find(text) == std::string::npos; },
                          limit);
    }

    static bool has(const std::string& screen, const std::string& text) {
        return screen.find(text) != std::string::npos;
    }

    pid_t pid_from_file() const {
        pid_t pid = 0;
        std::ifstream(pid_file_) >> pid;
        return pid;
    }

    std::string socket_;
    std::string pid_file_;
    pid_t victim_ = -1;
};

}  // namespace sstop::testing
