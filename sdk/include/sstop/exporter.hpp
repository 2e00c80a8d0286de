#pragma once
/// @file exporter.hpp
/// The interface of exporter plugins: they consume snapshots (Prometheus, files, …).

#include <memory>
#include <sstop/model.hpp>
#include <sstop/plugin.hpp>

namespace sstop {

/// An exporter plugin. `publish` is called on a host-owned exporter thread with the
/// newest snapshot; a slow exporter misses snapshots (latest wins) but never stalls
/// collection.
class SSTOP_VISIBLE Exporter : public Plugin {
  public:
    /// Opens what the exporter needs (a listening socket, a file). Throws
    /// `PluginUnavailable` if it cannot work. Called once, before any `publish`.
    virtual void start() {}
    /// Receives the newest snapshot. Exporter thread.
    virtual void publish(const std::shared_ptr<const Snapshot>& snapshot) = 0;
    /// Releases what `start` opened. Called once, after the last `publish`.
    virtual void stop() {}
};

}  // namespace sstop
