#pragma once
// The active sources of a run: which socket source is in use (the first of the configured
// order that opens), the flow sources next to it, their capture threads, and failover when
// the socket source fails at run time. Collector thread, except start() and stop() which run
// on the main thread before the collector starts and after it is joined.

#include <atomic>
#include <cstdint>
#include <memory>
#include <sstop/source.hpp>
#include <string>
#include <thread>
#include <vector>

#include "app/log.hpp"
#include "config/config.hpp"
#include "core/aggregator.hpp"
#include "plugin/registry.hpp"

namespace sstop::host {

class HostPluginContext;

class SourceSet {
  public:
    SourceSet(PluginRegistry& registry, const Config& config, Log& log);
    ~SourceSet();
    SourceSet(const SourceSet&) = delete;
    SourceSet& operator=(const SourceSet&) = delete;

    /// Creates the sources named in `order`, opens the first socket source that works and
    /// every flow source. Returns false when nothing usable is left; `why` then says, per
    /// source, what went wrong. Throws ConfigError for a bad plugin section.
    bool start(const std::vector<std::string>& order, std::string& why);

    /// Collects one sample from each active source into `tick`, failing over or backing off
    /// as needed. When the socket source stamped its own `taken_at` (a replay), `tick.now`
    /// becomes that time, so the aggregator's elapsed time is the recorded one.
    void collect(core::TickInput& tick);

    /// Ids of the sources in use, socket source first.
    std::vector<std::string> active_ids() const;
    /// True when a source said it has nothing more to give (CollectStatus::Code::Ended), as
    /// a replay does at the end of its recording.
    bool any_ended() const;

    /// Stops and joins capture threads, then destroys every source object.
    void stop();

  private:
    struct Slot;
    bool open_slot(Slot& slot);
    void start_capture(Slot& slot);
    void stop_capture(Slot& slot);
    void fail_over(const std::string& reason);
    void back_off(Slot& slot, const std::string& reason);

    PluginRegistry& registry_;
    const Config& config_;
    Log& log_;
    std::vector<std::unique_ptr<Slot>> slots_;
    Slot* socket_source_ = nullptr;
    std::uint64_t tick_ = 0;
};

}  // namespace sstop::host
