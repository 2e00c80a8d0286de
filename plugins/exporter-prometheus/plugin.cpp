// Descriptor of the prometheus exporter plugin.
#include <sstop/exporter.hpp>
#include <sstop/plugin.hpp>

#include "prometheus_exporter.hpp"

using sstop::plugins::prometheus::PrometheusExporter;

namespace {
const sstop_option_v1 kOptions[] = {
    {"listen", SSTOP_OPTION_STRING, "127.0.0.1:9464", 0, 0,
     "address to serve on: ADDR:PORT or [IPV6]:PORT, numeric (port 0 = any free port)"},
    {"max_processes", SSTOP_OPTION_INT, "200", 1, 100000,
     "only the top N processes by total bytes get per-process series (cardinality bound)"},
    {"max_remote_hosts", SSTOP_OPTION_INT, "0", 0, 10000,
     "the top N remote hosts by total bytes get per-host series; 0 = none"},
    {"max_groups", SSTOP_OPTION_INT, "100", 0, 10000,
     "the top N containers and systemd units by total bytes get per-group series; 0 = none"},
    {"path", SSTOP_OPTION_STRING, "/metrics", 0, 0, "HTTP path of the metrics"},
};
}  // namespace

// Per-process counts and rates only: it never reads a process's socket list.
SSTOP_REGISTER_EXPORTER_READING(PrometheusExporter, "prometheus", "1.0.0",
                                "Prometheus metrics over HTTP (text exposition format)",
                                sstop::option_list(kOptions), 0)
