#pragma once
// The prometheus exporter: renders each published snapshot once and serves the latest text
// to scrapers over HTTP.

#include <chrono>
#include <cstdint>
#include <memory>
#include <sstop/exporter.hpp>
#include <sstop/plugin.hpp>

#include "http_server.hpp"
#include "prometheus_settings.hpp"

namespace sstop::plugins::prometheus {

/// The exporter object the plugin's factory creates.
class PrometheusExporter final : public Exporter {
  public:
    explicit PrometheusExporter(PluginContext& context);
    ~PrometheusExporter() override;

    /// Reads the options, binds the listening socket and starts the server thread. Throws
    /// `PluginUnavailable` ("prometheus: cannot listen on ADDR:PORT: reason").
    void start() override;
    /// Renders `snapshot` and makes it what scrapes get. Exporter thread.
    void publish(const std::shared_ptr<const Snapshot>& snapshot) override;
    /// Stops the server thread and closes its sockets. Idempotent.
    void stop() override;

    /// The bound port (for `listen: ADDR:0`, the one the kernel picked). After start().
    std::uint16_t bound_port() const;
    /// Per-connection deadline; tests shorten it. Call before start().
    void set_connection_deadline(std::chrono::milliseconds deadline) {
        limits_.deadline = deadline;
    }

  private:
    PluginContext& context_;
    Settings settings_;
    ServerLimits limits_;
    std::unique_ptr<HttpServer> server_;
};

}  // namespace sstop::plugins::prometheus
