#pragma once
// The shared test context (tests/support) with PrometheusExporter's options at the
// descriptor's defaults; any of them can be overridden with `set_string`/`set_int`.

#include <fake_context.hpp>

namespace sstop::plugins::prometheus::testing {

using sstop::testing::FakeContext;

inline FakeContext prometheus_context() {
    sstop::Options options;
    options.values["listen"] = sstop::testing::string_option("127.0.0.1:9464");
    options.values["max_processes"] = sstop::testing::int_option(200);
    options.values["max_remote_hosts"] = sstop::testing::int_option(0);
    options.values["max_groups"] = sstop::testing::int_option(100);
    options.values["path"] = sstop::testing::string_option("/metrics");
    return FakeContext("prometheus", std::move(options));
}

}  // namespace sstop::plugins::prometheus::testing
