// A plugin that crashes the process (segv-source writes through a null pointer in its fifth
// collect()).
// Nothing in-process survives that, so what must hold is the way out: in the terminal the
// screen and tty modes are given back (stty settings identical before and after) and the
// user reads which signal ended sstop; headless, sstop dies of SIGSEGV promptly, not hanging.

#include <fstream>
#include <string>

#include "netns.hpp"
#include "tmux_fixture.hpp"

namespace sstop::testing {
namespace {

const std::string kPluginDir = std::string(SSTOP_FAULT_PLUGIN_ROOT) + "/segv-source";

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

class PluginCrash : public TmuxTest {
  protected:
    void TearDown() override {
        TmuxTest::TearDown();
        std::remove(before_.c_str());
        std::remove(after_.c_str());
    }
    std::string before_ = "/tmp/sstop-stty-before-" + std::to_string(getpid());
    std::string after_ = "/tmp/sstop-stty-after-" + std::to_string(getpid());
};

TEST_F(PluginCrash, InteractiveCrashNamesTheSignalAndGivesTheTerminalBack) {
    // The pane's shell saves the tty modes, runs sstop, and saves them again after the crash.
    start("stty -g > " + before_ + "; " + sstop_binary() + " --plugin-path " + kPluginDir +
          " --sources segv-source --interval 200ms; rc=$?; stty -g > " + after_ +
          "; echo EXIT=$rc");
    // The screen is up (the header names the source) before the fifth collection crashes.
    auto s = wait_for("segv-source", std::chrono::seconds(10));
    ASSERT_TRUE(has(s, "1 Processes")) << s;
    s = wait_for("EXIT=", std::chrono::seconds(15));
    ASSERT_TRUE(has(s, "EXIT=")) << s;
    EXPECT_TRUE(has(s, "EXIT=139")) << s;  // 128 + SIGSEGV: the default action ran
    EXPECT_TRUE(has(s, "Segmentation fault")) << s;
    EXPECT_TRUE(has(s, "sstop: crashed (SIGSEGV")) << "sstop says why itself: " << s;
    EXPECT_FALSE(has(s, "1 Processes")) << "the alternate screen was left: " << s;
    const std::string before = slurp(before_), after = slurp(after_);
    ASSERT_FALSE(before.empty());
    EXPECT_EQ(before, after) << "tty modes changed by the crash";
    // The shell prompt works: what is typed is echoed and run.
    literal("echo restored-ok");
    keys("Enter");
    EXPECT_TRUE(has(wait_for("restored-ok\n"), "restored-ok"));
}

TEST(PluginCrashHeadless, JsonModeDiesOfSigsegvWithoutHanging) {
    int rc = 0;
    std::string err;
    run_capture({sstop_binary(), "--json", "--plugin-path", kPluginDir, "--sources", "segv-source",
                 "--interval", "100ms", "--count", "20"},
                &rc, std::chrono::seconds(20), &err);
    EXPECT_EQ(rc, 128 + 11) << err;  // run_capture fails the test itself if it had to kill
}

}  // namespace
}  // namespace sstop::testing
