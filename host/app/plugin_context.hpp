#pragma once
// The host's implementation of sstop::PluginContext: one per plugin object.

#include <sstop/plugin.hpp>
#include <string>

#include "app/log.hpp"

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

}  // namespace sstop::host
