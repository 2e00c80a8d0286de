// The command line as a user meets it: --help, --version, --check-config with good and bad
// plugin sections, --csv output, and a plugin section for a plugin that is not installed.

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstop/version.hpp>
#include <string>

#include "netns.hpp"

namespace sstop::testing {
namespace {

std::string temp_config(const std::string& name, const std::string& body) {
    std::string path =
        ::testing::TempDir() + "sstop-cli-" + std::to_string(getpid()) + "-" + name + ".yaml";
    std::ofstream(path) << body;
    return path;
}

// `sstop --check-config --config PATH`: its exit code, with its stderr in `err`.
int check_config(const std::string& path, std::string& err) {
    int rc = 0;
    run_capture({sstop_binary(), "--check-config", "--config", path}, &rc, std::chrono::seconds(10),
                &err);
    return rc;
}

TEST(CliE2E, HelpAndVersion) {
    int rc = 0;
    std::string out = run_capture({sstop_binary(), "--help"}, &rc);
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(out.rfind("Usage: sstop [OPTIONS]", 0), 0u) << out;
    out = run_capture({sstop_binary(), "--version"}, &rc);
    EXPECT_EQ(rc, 0);
    const std::string abi = std::to_string(SSTOP_ABI_MAJOR) + "." + std::to_string(SSTOP_ABI_MINOR);
    EXPECT_NE(out.find("sstop 0.1.0 (plugin ABI " + abi + ", build key '"), std::string::npos)
        << out;
}

TEST(CliE2E, CheckConfigAcceptsTheShippedConfig) {
    int rc = 0;
    std::string err;
    std::string out = run_capture({sstop_binary(), "--check-config", "--config",
                                   std::string(SSTOP_SOURCE_DIR) + "/config/sstop.yaml"},
                                  &rc, std::chrono::seconds(10), &err);
    EXPECT_EQ(rc, 0) << err;
    EXPECT_NE(out.find("configuration OK"), std::string::npos) << out;
}

TEST(CliE2E, CheckConfigNamesAWrongPluginOptionWithLineAndColumn) {
    std::string path =
        temp_config("badopt", "interval: 1s\nplugins:\n  procnet:\n    proc_rot: /proc\n");
    std::string err;
    EXPECT_EQ(check_config(path, err), 2);
    EXPECT_NE(err.find(path + ":4:5:"), std::string::npos) << err;
    EXPECT_NE(err.find("proc_rot"), std::string::npos) << err;
    EXPECT_NE(err.find("proc_root"), std::string::npos) << "suggests the right key: " << err;
    std::remove(path.c_str());
}

TEST(CliE2E, CheckConfigRejectsAnOutOfRangePluginOption) {
    std::string path = temp_config("range", "plugins:\n  afpacket:\n    snaplen: 10\n");
    std::string err;
    EXPECT_EQ(check_config(path, err), 2);
    EXPECT_NE(err.find(path + ":3:14:"), std::string::npos) << err;
    std::remove(path.c_str());
}

// A word outside a plugin's fixed set (SSTOP_OPTION_CHOICE) is refused by the host where it
// stands, with the set and the nearest word; before, the plugin said so only when opened.
TEST(CliE2E, CheckConfigRejectsAWordOutsideAPluginOptionsChoices) {
    std::string path = temp_config("choice", "plugins:\n  ebpf:\n    hooks: syscall\n");
    std::string err;
    EXPECT_EQ(check_config(path, err), 2);
    EXPECT_NE(err.find(path + ":3:12: plugins.ebpf.hooks: expected one of auto syscalls packets, "
                              "got 'syscall' (did you mean 'syscalls'?)"),
              std::string::npos)
        << err;
    std::remove(path.c_str());
}

TEST(CliE2E, SectionOfAnUninstalledPluginIsAWarningNotAnError) {
    std::string path = temp_config("uninstalled", "plugins:\n  not-installed:\n    x: 1\n");
    int rc = 0;
    std::string err;
    std::string out = run_capture({sstop_binary(), "--check-config", "--config", path}, &rc,
                                  std::chrono::seconds(10), &err);
    EXPECT_EQ(rc, 0) << err;
    EXPECT_NE(err.find("no plugin 'not-installed' is installed"), std::string::npos) << err;
    std::remove(path.c_str());
}

TEST(CliE2E, CsvHasAHeaderAndOneRowPerProcess) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    Netns ns("csv");
    Child holder(ns, "csv-holder", [](const auto& ready) {
        tcp_listen("127.0.0.1", 7401);
        ready();
        pause();
    });
    int rc = 0;
    std::string err;
    std::string out = run_capture({"ip", "netns", "exec", ns.name(), sstop_binary(), "--csv",
                                   "--sources", "procnet", "--interval", "100ms", "--count", "2"},
                                  &rc, std::chrono::seconds(20), &err);
    ASSERT_EQ(rc, 0) << err;
    EXPECT_EQ(out.rfind("ts,pid,name,uid,rx_bps,tx_bps,rx_bytes,tx_bytes,connections,listening,"
                        "cmdline,container,unit\n",
                        0),
              0u)
        << out;
    std::string row = "," + std::to_string(holder.pid()) + ",csv-holder,0,";
    std::size_t first = out.find(row);
    ASSERT_NE(first, std::string::npos) << out;
    EXPECT_NE(out.find(row, first + 1), std::string::npos) << "one row per snapshot: " << out;
}

}  // namespace
}  // namespace sstop::testing
