#pragma once
// The shared test context (tests/support) with the options ProcnetSource reads.

#include <fake_context.hpp>
#include <string>
#include <utility>

namespace sstop::plugins::procnet::testing {

/// `namespaces` defaults to "own" so a test over the real /proc sees only its own
/// namespace whatever else runs in parallel; the plugin's default is "auto".
inline sstop::testing::FakeContext procnet_context(std::string proc_root,
                                                   std::string namespaces = "own") {
    sstop::Options options;
    options.values["proc_root"] = sstop::testing::string_option(std::move(proc_root));
    options.values["namespaces"] = sstop::testing::string_option(std::move(namespaces));
    return sstop::testing::FakeContext("procnet", std::move(options));
}

}  // namespace sstop::plugins::procnet::testing
