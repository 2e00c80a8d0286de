#include "prometheus_exporter.hpp"

#include "exposition.hpp"

namespace sstop::plugins::prometheus {

PrometheusExporter::PrometheusExporter(PluginContext& context) : context_(context) {}

PrometheusExporter::~PrometheusExporter() { stop(); }

void PrometheusExporter::start() {
    settings_ = settings_from_options(context_.options());
    auto server = std::make_unique<HttpServer>(
        settings_.listen, settings_.path, limits_,
        [this](std::string_view message) { context_.log(Notice::Level::Error, message); });
    server->start();
    server_ = std::move(server);
    context_.log(Notice::Level::Info, "serving http://" + settings_.listen.text + settings_.path +
                                          " (port " + std::to_string(server_->port()) + ")");
}

void PrometheusExporter::publish(const std::shared_ptr<const Snapshot>& snapshot) {
    if (!server_ || !snapshot) return;
    ExpositionLimits limits{settings_.max_processes, settings_.max_remote_hosts,
                            settings_.max_groups};
    server_->set_body(std::make_shared<const std::string>(render_exposition(*snapshot, limits)));
}

void PrometheusExporter::stop() {
    if (server_) server_->stop();
    server_.reset();
}

std::uint16_t PrometheusExporter::bound_port() const { return server_ ? server_->port() : 0; }

}  // namespace sstop::plugins::prometheus
