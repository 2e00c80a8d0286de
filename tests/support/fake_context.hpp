#pragma once
// Test support: the one host side a test gives a plugin it builds directly — a PluginContext
// with the options the test sets (the host would fill every declared one) that keeps what the
// plugin logs. Header-only and OS-free, so any test target can use it (target
// `sstop_fake_context`).

#include <chrono>
#include <cstdint>
#include <mutex>
#include <sstop/options.hpp>
#include <sstop/plugin.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sstop::testing {

/// A string option value, as the host would hold it.
inline OptionValue string_option(std::string value) {
    OptionValue v;
    v.type = SSTOP_OPTION_STRING;
    v.s = std::move(value);
    return v;
}

/// An integer option value.
inline OptionValue int_option(std::int64_t value) {
    OptionValue v;
    v.type = SSTOP_OPTION_INT;
    v.i = value;
    return v;
}

/// A boolean option value.
inline OptionValue bool_option(bool value) {
    OptionValue v;
    v.type = SSTOP_OPTION_BOOL;
    v.b = value;
    return v;
}

/// A floating-point option value.
inline OptionValue double_option(double value) {
    OptionValue v;
    v.type = SSTOP_OPTION_DOUBLE;
    v.d = value;
    return v;
}

/// A duration option value (both the nanoseconds and the seconds fields, as the host fills).
inline OptionValue duration_option(std::chrono::nanoseconds value) {
    OptionValue v;
    v.type = SSTOP_OPTION_DURATION;
    v.i = value.count();
    v.d = std::chrono::duration<double>(value).count();
    return v;
}

/// A PluginContext for tests: plugin id and options as given, log lines kept. `log` may be
/// called from any thread (an exporter's server thread logs).
class FakeContext final : public PluginContext {
  public:
    explicit FakeContext(std::string id, Options options = {})
        : id_(std::move(id)), options_(std::move(options)) {}

    /// Sets (or replaces) one option.
    FakeContext& set(const std::string& key, OptionValue value) {
        options_.values[key] = std::move(value);
        return *this;
    }
    FakeContext& set_string(const std::string& key, std::string value) {
        return set(key, string_option(std::move(value)));
    }
    FakeContext& set_int(const std::string& key, std::int64_t value) {
        return set(key, int_option(value));
    }
    FakeContext& set_bool(const std::string& key, bool value) {
        return set(key, bool_option(value));
    }

    std::string_view plugin_id() const override { return id_; }
    const Options& options() const override { return options_; }
    void log(Notice::Level, std::string_view message) override {
        std::lock_guard lock(mutex_);
        logged_.emplace_back(message);
    }

    /// Every line logged so far, oldest first.
    std::vector<std::string> logged() const {
        std::lock_guard lock(mutex_);
        return logged_;
    }

  private:
    std::string id_;
    Options options_;
    mutable std::mutex mutex_;
    std::vector<std::string> logged_;
};

}  // namespace sstop::testing
