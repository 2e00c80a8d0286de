#pragma once
// The host's implementation of sstop::PluginContext: one per plugin object.

#include <memory>
#include <sstop/plugin.hpp>
#include <string>

#include "app/log.hpp"
#include "config/config.hpp"
#include "plugin/registry.hpp"

namespace sstop::host {

class HostPluginContext final : public PluginContext {
  public:
    HostPluginContext(std::string id, Options options, Log& log)
        : id_(std::move(id)), options_(std::move(options)), log_(log) {}
    std::string_view plugin_id() const override { return id_; }
    const Options& options() const override { return options_; }
    /// Lines are prefixed with the plugin's id, so the log says who spoke.
    void log(Notice::Level level, std::string_view message) override {
        std::string line = id_;
        line += ": ";
        line += message;
        log_.write(level, line);
    }

  private:
    std::string id_;
    Options options_;
    Log& log_;
};

/// The context of plugin `id`: its options resolved from the config against the schema its
/// descriptor declares (throws ConfigError for a bad section), logging to `log`.
inline std::unique_ptr<HostPluginContext> make_plugin_context(const PluginRegistry& registry,
                                                              const Config& config,
                                                              const std::string& id, Log& log) {
    const auto schema = registry.options_of(id);
    return std::make_unique<HostPluginContext>(
        id, resolve_plugin_options(config, id, schema.items, schema.count), log);
}

}  // namespace sstop::host
