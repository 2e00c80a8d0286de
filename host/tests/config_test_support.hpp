#pragma once
// What the config tests share: fixture paths, catching the ConfigError a text or file gives,
// checking an error's position, and a scratch directory.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace sstop::host::testing {

inline std::string fixture(const std::string& name) {
    return std::string(SSTOP_SOURCE_DIR) + "/tests/data/config/" + name;
}

// The error a file produces; fails the test when it loads.
inline ConfigError file_error(const std::string& path) {
    try {
        load_config_file(path);
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << path << " loaded without error";
    return ConfigError("", 0, 0, "", "");
}

inline ConfigError text_error(std::string_view text) {
    try {
        load_config_text(text, "test.yaml");
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "loaded without error: " << text;
    return ConfigError("", 0, 0, "", "");
}

// A directory under /tmp named after the test and pid, removed even when the test fails.
class TempDir {
  public:
    TempDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = std::filesystem::temp_directory_path() /
                ("sstop-config-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }
    std::string write(const std::string& relative, std::string_view content) const {
        const std::filesystem::path file = path_ / relative;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary)
            .write(content.data(), static_cast<std::streamsize>(content.size()));
        return file.string();
    }

  private:
    std::filesystem::path path_;
};

inline void expect_error(const ConfigError& e, int line, int column, const std::string& key,
                         const std::string& message) {
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.column(), column) << e.what();
    EXPECT_EQ(e.key(), key) << e.what();
    EXPECT_EQ(e.message(), message) << e.what();
}

}  // namespace sstop::host::testing
