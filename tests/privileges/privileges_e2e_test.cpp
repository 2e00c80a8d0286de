// The sstop binary's privileges end to end (root): what --version says it keeps, what a running
// sstop really holds in every thread, a run as nobody, and SSTOP_PLUGIN_PATH while root.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "netns.hpp"

namespace {

using sstop::testing::run_capture;
using sstop::testing::sstop_binary;

constexpr std::uint64_t kKept = (1ull << 2) | (1ull << 19);  // dac_read_search, sys_ptrace

bool is_root() { return ::geteuid() == 0; }

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(line);
    return out;
}

std::uint64_t status_field(const std::string& status, const std::string& key, int base) {
    const auto at = status.find("\n" + key + ":");
    if (at == std::string::npos) return ~0ull;
    return std::strtoull(status.c_str() + at + key.size() + 2, nullptr, base);
}

/// sstop --json running in the background, stopped by pid (SIGTERM, then SIGKILL) at the end.
class Running {
  public:
    explicit Running(const std::vector<std::string>& args) {
        int out[2];
        if (::pipe(out) != 0) return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(out[1], STDOUT_FILENO);
            ::close(out[0]);
            ::close(out[1]);
            std::vector<char*> argv;
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        out_ = ::fdopen(out[0], "r");
    }
    ~Running() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            for (int i = 0; i < 50 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) ::usleep(100000);
            if (::waitpid(pid_, &status, WNOHANG) == 0) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
            }
        }
        if (out_ != nullptr) std::fclose(out_);
    }
    /// Blocks until sstop wrote its first snapshot line; empty on exit.
    std::string first_line() {
        if (out_ == nullptr) return {};
        char* line = nullptr;
        std::size_t size = 0;
        const ssize_t n = ::getline(&line, &size, out_);
        std::string text = n > 0 ? std::string(line, static_cast<std::size_t>(n)) : "";
        std::free(line);
        return text;
    }
    pid_t pid() const { return pid_; }

  private:
    pid_t pid_ = -1;
    std::FILE* out_ = nullptr;
};

TEST(PrivilegesE2E, VersionPrintsTheKeptCapabilities) {
    if (!is_root()) GTEST_SKIP() << "needs root";
    int rc = -1;
    const std::string out = run_capture({sstop_binary(), "--version"}, &rc);
    EXPECT_EQ(rc, 0);
    EXPECT_NE(out.find("capabilities kept: dac_read_search,sys_ptrace"), std::string::npos) << out;
}

TEST(PrivilegesE2E, NobodyGetsJsonAndExactlyOneNoticeNamingSetcap) {
    if (!is_root()) GTEST_SKIP() << "needs root to become nobody";
    int rc = -1;
    std::string err;
    const std::string out =
        run_capture({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                     "--inh-caps=-all", sstop_binary(), "--json", "--once", "--no-dns"},
                    &rc, std::chrono::seconds(30), &err);
    EXPECT_EQ(rc, 0) << err;
    const auto json = nlohmann::json::parse(out, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << out;
    EXPECT_TRUE(json.contains("processes"));
    const auto errors = lines_of(err);
    ASSERT_EQ(errors.size(), 1u) << err;
    EXPECT_NE(errors[0].find("setcap cap_net_raw,cap_dac_read_search,cap_sys_ptrace+ep"),
              std::string::npos)
        << errors[0];
}

TEST(PrivilegesE2E, RunningSstopHoldsOnlyTheKeptCapabilitiesInEveryThread) {
    if (!is_root()) GTEST_SKIP() << "needs root";
    Running sstop({sstop_binary(), "--json", "--no-dns"});
    ASSERT_GT(sstop.pid(), 0);
    const std::string first = sstop.first_line();
    ASSERT_FALSE(first.empty()) << "sstop wrote no snapshot";
    int threads = 0;
    const std::string tasks = "/proc/" + std::to_string(sstop.pid()) + "/task";
    for (const auto& task : std::filesystem::directory_iterator(tasks)) {
        std::ifstream in(task.path() / "status");
        const std::string status = "\n" + std::string(std::istreambuf_iterator<char>(in), {});
        ++threads;
        SCOPED_TRACE("thread " + task.path().filename().string());
        EXPECT_EQ(status_field(status, "CapEff", 16) & ~kKept, 0u);
        EXPECT_EQ(status_field(status, "CapPrm", 16) & ~kKept, 0u);
        EXPECT_EQ(status_field(status, "CapBnd", 16) & ~kKept, 0u);
        EXPECT_EQ(status_field(status, "CapAmb", 16), 0u);
        EXPECT_EQ(status_field(status, "NoNewPrivs", 10), 1u);
    }
    EXPECT_GE(threads, 2) << "the collector thread must have been checked too";
}

TEST(PrivilegesE2E, PluginPathVariableIsIgnoredWhenRootUnlessGivenOnTheCommandLine) {
    if (!is_root()) GTEST_SKIP() << "needs root";
    const std::string dir = std::string(SSTOP_FIXTURE_ROOT) + "/good-source";
    ::setenv("SSTOP_PLUGIN_PATH", dir.c_str(), 1);
    int rc = -1;
    std::string err;
    const std::string ignored =
        run_capture({sstop_binary(), "--list-plugins"}, &rc, std::chrono::seconds(30), &err);
    std::string err_cli;
    const std::string given = run_capture({sstop_binary(), "--list-plugins", "--plugin-path", dir},
                                          &rc, std::chrono::seconds(30), &err_cli);
    ::unsetenv("SSTOP_PLUGIN_PATH");
    EXPECT_EQ(ignored.find("good-source"), std::string::npos) << ignored;
    EXPECT_NE(err.find("SSTOP_PLUGIN_PATH ignored while running with elevated privileges; use "
                       "--plugin-path"),
              std::string::npos)
        << err;
    EXPECT_NE(given.find(dir + "/good-source.so"), std::string::npos) << given;
    EXPECT_NE(given.find("loaded"), std::string::npos) << given;
}

}  // namespace
