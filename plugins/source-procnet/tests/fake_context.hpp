#pragma once
// A minimal host side for constructing ProcnetSource in tests.

#include <sstop/plugin.hpp>
#include <string>
#include <vector>

namespace sstop::plugins::procnet::testing {

class FakeContext final : public sstop::PluginContext {
  public:
    /// `namespaces` defaults to "own" so a test over the real /proc sees only its own
    /// namespace whatever else runs in parallel; the plugin's default is "auto".
    explicit FakeContext(std::string proc_root, std::string namespaces = "own") {
        sstop::OptionValue value;
        value.type = SSTOP_OPTION_STRING;
        value.s = std::move(proc_root);
        options_.values["proc_root"] = value;
        value.s = std::move(namespaces);
        options_.values["namespaces"] = value;
    }
    std::string_view plugin_id() const override { return "procnet"; }
    const sstop::Options& options() const override { return options_; }
    void log(sstop::Notice::Level, std::string_view message) override {
        logged.emplace_back(message);
    }
    std::vector<std::string> logged;

  private:
    sstop::Options options_;
};

}  // namespace sstop::plugins::procnet::testing
