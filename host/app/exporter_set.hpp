#pragma once
// The exporters of a run. Each configured exporter is created and started on the main
// thread before privileges are dropped (so it may bind a privileged port), then gets its own
// thread and a latest-wins mailbox: the collector only swaps a pointer per exporter, so a
// slow or stuck exporter misses snapshots but never stalls collection or the other
// exporters. A plugin that throws is disabled with one logged line; sstop runs on.

#include <atomic>
#include <cstddef>
#include <memory>
#include <sstop/model.hpp>
#include <string>
#include <vector>

#include "app/log.hpp"
#include "config/config.hpp"
#include "plugin/registry.hpp"

namespace sstop::host {

class ExporterSet {
  public:
    /// Most exporters run at once (one thread each); more configured ones are refused.
    static constexpr std::size_t kMaxExporters = 16;

    ExporterSet(PluginRegistry& registry, const Config& config, Log& log);
    /// Stops everything (see stop()).
    ~ExporterSet();
    ExporterSet(const ExporterSet&) = delete;
    ExporterSet& operator=(const ExporterSet&) = delete;

    /// Creates and starts the exporters named in `ids` (main thread). One that is not
    /// installed, fails to start or throws is logged as one line and left out. Throws
    /// ConfigError for a bad plugin section. Returns how many were started.
    std::size_t start(const std::vector<std::string>& ids);

    /// Starts one publishing thread per started exporter (after privileges are dropped, so
    /// the threads are born with the reduced set).
    void run();

    /// Hands `snapshot` to every running exporter. Collector thread; never blocks for long.
    void offer(const std::shared_ptr<const Snapshot>& snapshot);

    /// What the started exporters read of a snapshot, together (`SSTOP_CONSUMES_*` bits).
    std::uint32_t consumes() const;

    /// Ids of the exporters started and not disabled.
    std::vector<std::string> active_ids() const;

    /// Closes the mailboxes, joins the threads, calls each exporter's stop(), then destroys
    /// the exporter objects (before the registry can unload their code). Idempotent.
    void stop();

  private:
    struct Entry;
    void publish_loop(Entry& entry);

    PluginRegistry& registry_;
    const Config& config_;
    Log& log_;
    std::vector<std::unique_ptr<Entry>> entries_;
};

}  // namespace sstop::host
