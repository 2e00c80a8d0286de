// Where the config file is looked for: --config, XDG, HOME, /etc, the install prefix.

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace sstop::host {
namespace {

using namespace testing;
using namespace std::chrono_literals;

// ---- lookup -----------------------------------------------------------------------------

// Sets environment variables for one test and restores them after.
class EnvOverride {
  public:
    EnvOverride(const char* name, const std::optional<std::string>& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) {
            ::setenv(name, value->c_str(), 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~EnvOverride() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    EnvOverride(const EnvOverride&) = delete;
    EnvOverride& operator=(const EnvOverride&) = delete;

  private:
    const char* name_;
    std::optional<std::string> old_;
};

TEST(ConfigLookup, CliPathWinsEvenWhenMissing) {
    const TempDir dir;
    const std::string xdg = dir.write("xdg/sstop/sstop.yaml", "");
    const EnvOverride env("XDG_CONFIG_HOME", (dir.path() / "xdg").string());
    EXPECT_EQ(find_config_file(std::string("/nonexistent/x.yaml"), dir.path().string()),
              "/nonexistent/x.yaml");
}

TEST(ConfigLookup, XdgBeforeHomeBeforeSystem) {
    const TempDir dir;
    const std::string xdg = dir.write("xdg/sstop/sstop.yaml", "");
    const std::string home = dir.write("home/.config/sstop/sstop.yaml", "");
    const std::string system = dir.write("etc/sstop/sstop.yaml", "");
    const std::string etc = (dir.path() / "etc").string();
    const EnvOverride env_home("HOME", (dir.path() / "home").string());
    {
        const EnvOverride env_xdg("XDG_CONFIG_HOME", (dir.path() / "xdg").string());
        EXPECT_EQ(find_config_file(std::nullopt, etc, etc), xdg);
    }
    {
        const EnvOverride env_xdg("XDG_CONFIG_HOME", std::nullopt);
        EXPECT_EQ(find_config_file(std::nullopt, etc, etc), home);
    }
    {
        // XDG set but without a file: the system file, not $HOME/.config (XDG replaces it).
        const EnvOverride env_xdg("XDG_CONFIG_HOME", (dir.path() / "empty").string());
        EXPECT_EQ(find_config_file(std::nullopt, etc, etc), system);
    }
}

TEST(ConfigLookup, EtcBeforeTheInstallPrefixSysconfDir) {
    const TempDir dir;
    const EnvOverride env_xdg("XDG_CONFIG_HOME", (dir.path() / "empty").string());
    const std::string etc = (dir.path() / "etc").string();
    const std::string prefix_etc = (dir.path() / "usr/local/etc").string();
    const std::string installed = dir.write("usr/local/etc/sstop/sstop.yaml", "");
    EXPECT_EQ(find_config_file(std::nullopt, prefix_etc, etc), installed);
    const std::string admin = dir.write("etc/sstop/sstop.yaml", "");
    EXPECT_EQ(find_config_file(std::nullopt, prefix_etc, etc), admin);
}

TEST(ConfigLookup, RelativeXdgIsIgnored) {
    const TempDir dir;
    const std::string home = dir.write("home/.config/sstop/sstop.yaml", "");
    const EnvOverride env_home("HOME", (dir.path() / "home").string());
    const EnvOverride env_xdg("XDG_CONFIG_HOME", "relative/dir");
    EXPECT_EQ(find_config_file(std::nullopt, (dir.path() / "etc").string(),
                               (dir.path() / "etc").string()),
              home);
}

TEST(ConfigLookup, NothingFoundMeansBuiltInDefaults) {
    const TempDir dir;
    const EnvOverride env_home("HOME", (dir.path() / "home").string());
    const EnvOverride env_xdg("XDG_CONFIG_HOME", std::nullopt);
    EXPECT_EQ(find_config_file(std::nullopt, (dir.path() / "etc").string(),
                               (dir.path() / "etc").string()),
              std::nullopt);
}

}  // namespace
}  // namespace sstop::host
