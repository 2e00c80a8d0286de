#pragma once
/// @file exporter.hpp
/// The interface of exporter plugins: they consume snapshots (Prometheus, files, …).

#include <memory>
#include <sstop/model.hpp>
#include <sstop/plugin.hpp>

namespace sstop {

/// An exporter plugin, run when its id is listed under `exporters:` in the config.
/// Each exporter has its own host-owned thread; `publish` is called there with the newest
/// snapshot (the first is the baseline, `seq` 0, with no rates yet). A slow exporter misses
/// snapshots (latest wins) but never stalls collection or the other exporters. An exception
/// from `start` leaves the exporter out, from `publish` disables it; either is logged as one
/// line and sstop runs on.
class SSTOP_VISIBLE Exporter : public Plugin {
  public:
    /// Opens what the exporter needs (a listening socket, a file). Throws
    /// `PluginUnavailable` if it cannot work. Called once on the main thread, before any
    /// `publish` and before sstop drops its privileges.
    virtual void start() {}
    /// Receives the newest snapshot. Exporter thread.
    virtual void publish(const std::shared_ptr<const Snapshot>& snapshot) = 0;
    /// Releases what `start` opened. Called once, after the last `publish` returned (also
    /// after `publish` threw), before the object is destroyed.
    virtual void stop() {}
};

}  // namespace sstop
