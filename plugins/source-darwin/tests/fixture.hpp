#pragma once
// Reads the macOS fixtures of tests/data/ (provenance in tests/data/SOURCES.md).

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace sstop::plugins::darwin::testing {

inline std::string fixture_path(const std::string& name) {
    return std::string(SSTOP_SOURCE_DIR) + "/plugins/source-darwin/tests/data/" + name;
}

inline std::string read_fixture(const std::string& name) {
    std::ifstream in(fixture_path(name), std::ios::binary);
    EXPECT_TRUE(in.good()) << "missing fixture " << name;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// "a.b.c.d" as an IpAddr, for expectations.
inline sstop::IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    sstop::IpAddr addr;
    addr.family = sstop::Family::V4;
    addr.bytes[0] = a;
    addr.bytes[1] = b;
    addr.bytes[2] = c;
    addr.bytes[3] = d;
    return addr;
}

}  // namespace sstop::plugins::darwin::testing
