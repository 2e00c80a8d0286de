#pragma once
// A minimal host side for constructing PrometheusExporter in tests: the options with the
// descriptor's defaults, any of them overridable.

#include <mutex>
#include <sstop/plugin.hpp>
#include <string>
#include <vector>

namespace sstop::plugins::prometheus::testing {

class FakeContext final : public sstop::PluginContext {
  public:
    FakeContext() {
        set_string("listen", "127.0.0.1:9464");
        set_int("max_processes", 200);
        set_int("max_remote_hosts", 0);
        set_int("max_groups", 100);
        set_string("path", "/metrics");
    }
    void set_string(const std::string& key, std::string value) {
        sstop::OptionValue v;
        v.type = SSTOP_OPTION_STRING;
        v.s = std::move(value);
        options_.values[key] = v;
    }
    void set_int(const std::string& key, std::int64_t value) {
        sstop::OptionValue v;
        v.type = SSTOP_OPTION_INT;
        v.i = value;
        options_.values[key] = v;
    }
    std::string_view plugin_id() const override { return "prometheus"; }
    const sstop::Options& options() const override { return options_; }
    void log(sstop::Notice::Level, std::string_view message) override {
        std::lock_guard lock(mutex_);
        logged_.emplace_back(message);
    }
    std::vector<std::string> logged() const {
        std::lock_guard lock(mutex_);
        return logged_;
    }

  private:
    sstop::Options options_;
    mutable std::mutex mutex_;
    std::vector<std::string> logged_;
};

}  // namespace sstop::plugins::prometheus::testing
