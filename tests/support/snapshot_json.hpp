#pragma once
// Reading sstop's --json snapshots in tests: a process by pid, its byte counters, and the
// "within 1% of the truth" check the byte-count tests share.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace sstop::testing {

/// The process with `pid` in a snapshot's "processes", or null.
inline const nlohmann::json* find_process(const nlohmann::json& snap, pid_t pid) {
    for (const auto& p : snap["processes"])
        if (p["pid"].get<int>() == pid) return &p;
    return nullptr;
}

/// `field` ("tx_bytes", "rx_bytes" …) of the process with `pid`; 0 when it is not listed.
inline std::uint64_t bytes_of(const nlohmann::json& snap, pid_t pid, const char* field) {
    const nlohmann::json* p = find_process(snap, pid);
    return p ? (*p)[field].get<std::uint64_t>() : 0;
}

/// Fails the test (non-fatally) unless `measured` is within 1% of `truth`.
inline void expect_within_1pct(std::uint64_t measured, std::uint64_t truth,
                               const std::string& what) {
    const double diff = std::fabs(static_cast<double>(measured) - static_cast<double>(truth));
    EXPECT_LE(diff, 0.01 * static_cast<double>(truth))
        << what << ": sstop says " << measured << ", truth is " << truth;
}

}  // namespace sstop::testing
