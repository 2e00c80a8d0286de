#include "exposition.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <set>
#include <sstop/format.hpp>
#include <sstop/text.hpp>
#include <utility>
#include <vector>

namespace sstop::plugins::prometheus {
namespace {

std::string format_u64(std::uint64_t v) { return std::to_string(v); }

struct Series {
    std::string labels;  // `{a="b"}` or empty
    const Traffic* traffic;
};

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void sample(std::string& out, std::string_view name, std::string_view labels,
            std::string_view value) {
    out += name;
    out += labels;
    out += ' ';
    out += value;
    out += '\n';
}

std::string label(std::string_view key, std::string_view value) {
    std::string s(key);
    s += "=\"";
    s += escape_label_value(value);
    s += '"';
    return s;
}

std::uint64_t total_bytes(const Traffic& t) { return t.rx_bytes + t.tx_bytes; }

// Indices of the top `n` items by total bytes (ties: the order of the snapshot).
template <typename T, typename Key>
std::vector<std::size_t> top_by_bytes(const std::vector<T>& items, std::size_t n, Key key) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < items.size(); ++i)
        if (key(items[i])) idx.push_back(i);
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        return total_bytes(items[a].traffic) > total_bytes(items[b].traffic);
    });
    if (idx.size() > n) idx.resize(n);
    return idx;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size();) {
        char c = value[i];
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            const std::size_t len = decode_utf8(value, i).length;
            if (len == 0) {
                out += "\xef\xbf\xbd";
                ++i;
                continue;
            }
            out.append(value.substr(i, len));
            i += len;
            continue;
        }
        ++i;
    }
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    if (ec != std::errc()) return "NaN";
    return std::string(buf, end);
}

std::string render_exposition(const Snapshot& snap, const ExpositionLimits& limits) {
    std::string out;
    out.reserve(4096 + 600 * std::min(snap.processes.size(), limits.max_processes));

    family(out, "sstop_up", "gauge", "1 while sstop runs and exports snapshots.");
    sample(out, "sstop_up", "", "1");
    family(out, "sstop_snapshot_seq", "gauge",
           "Sequence number of the latest snapshot (0 = the baseline at start).");
    sample(out, "sstop_snapshot_seq", "", format_u64(snap.seq));
    family(out, "sstop_interval_seconds", "gauge", "Seconds covered by the latest snapshot.");
    sample(out, "sstop_interval_seconds", "", format_value(snap.interval_s));
    family(out, "sstop_sources_info", "gauge", "Sources that contributed to the latest snapshot.");
    {
        std::set<std::string_view> seen;  // a duplicate series would fail the whole scrape
        for (const auto& s : snap.sources)
            if (seen.insert(s).second)
                sample(out, "sstop_sources_info", "{" + label("source", s) + "}", "1");
    }

    // One group of traffic families per scope, so every family has one label set and one
    // meaning, and a sum() over a family is always right.
    struct Scope {
        std::string prefix;  // "sstop_", "sstop_process_" …
        std::string what;    // for the help text
        std::vector<Series> series;
    };
    std::vector<Scope> scopes;
    scopes.push_back({"sstop_",
                      "All traffic (every process plus unattributed), payload bytes.",
                      {{"", &snap.totals}}});
    scopes.push_back({"sstop_unattributed_",
                      "Traffic no process owned (a socket sstop could not map), payload bytes.",
                      {{"", &snap.unattributed}}});
    {
        Scope scope{"sstop_interface_",
                    "Per interface, from the kernel's link counters: link-level bytes, headers "
                    "included (not comparable with the payload families).",
                    {}};
        std::set<std::string_view> seen;
        for (const auto& i : snap.interfaces)
            if (seen.insert(i.name).second)
                scope.series.push_back({"{" + label("interface", i.name) + "}", &i.traffic});
        scopes.push_back(std::move(scope));
    }
    std::vector<std::size_t> procs;
    std::size_t dropped_procs = 0;
    {
        std::set<std::int32_t> seen;  // two processes with one pid (a reused pid) in one snapshot
        auto top = top_by_bytes(snap.processes, snap.processes.size(),
                                [](const ProcessSummary&) { return true; });
        for (std::size_t i : top) {
            if (procs.size() >= limits.max_processes) break;
            if (seen.insert(snap.processes[i].info.id.pid).second) procs.push_back(i);
        }
        dropped_procs = snap.processes.size() - procs.size();
    }
    std::vector<std::string> proc_labels;
    {
        Scope scope{
            "sstop_process_", "Per process (the top max_processes by bytes), payload bytes.", {}};
        for (std::size_t i : procs) {
            const auto& p = snap.processes[i];
            proc_labels.push_back("{" + label("pid", std::to_string(p.info.id.pid)) + "," +
                                  label("name", p.info.name) + "}");
            scope.series.push_back({proc_labels.back(), &p.traffic});
        }
        scopes.push_back(std::move(scope));
    }
    std::size_t dropped_hosts = 0;
    if (limits.max_remote_hosts > 0) {
        Scope scope{"sstop_remote_",
                    "Per remote host (the top max_remote_hosts by bytes), payload bytes.",
                    {}};
        std::set<IpAddr> seen;
        auto top =
            top_by_bytes(snap.remote_hosts, limits.max_remote_hosts,
                         [&](const RemoteHostSummary& h) { return seen.insert(h.addr).second; });
        for (std::size_t i : top) {
            const auto& h = snap.remote_hosts[i];
            scope.series.push_back({"{" + label("remote", format_addr(h.addr)) + "}", &h.traffic});
        }
        dropped_hosts = snap.remote_hosts.size() - top.size();
        scopes.push_back(std::move(scope));
    } else {
        dropped_hosts = snap.remote_hosts.size();
    }

    std::size_t dropped_groups = snap.groups.size();
    if (limits.max_groups > 0) {
        Scope scope{"sstop_group_",
                    "Per container (kind=\"container\") or systemd unit (kind=\"unit\"), the top "
                    "max_groups by bytes, payload bytes; a group keeps the bytes of its exited "
                    "processes.",
                    {}};
        std::set<std::pair<std::string_view, std::string_view>> seen;
        auto top = top_by_bytes(snap.groups, limits.max_groups, [&](const GroupSummary& g) {
            return seen.insert({g.kind, g.name}).second;
        });
        for (std::size_t i : top) {
            const auto& g = snap.groups[i];
            scope.series.push_back(
                {"{" + label("kind", g.kind) + "," + label("name", g.name) + "}", &g.traffic});
        }
        dropped_groups = snap.groups.size() - top.size();
        scopes.push_back(std::move(scope));
    }

    for (const Scope& scope : scopes) {
        auto counter = [&](std::string_view dir, std::string_view verb, bool rx) {
            const std::string name = scope.prefix + std::string(dir) + "_bytes_total";
            family(
                out, name, "counter",
                std::string("Bytes ") + std::string(verb) + " since sstop started. " + scope.what);
            for (const auto& sr : scope.series)
                sample(out, name, sr.labels,
                       format_u64(rx ? sr.traffic->rx_bytes : sr.traffic->tx_bytes));
        };
        auto rate = [&](std::string_view dir, std::string_view verb, bool rx) {
            const std::string name = scope.prefix + std::string(dir) + "_bytes_per_second";
            family(out, name, "gauge",
                   std::string("Bytes ") + std::string(verb) + " per second, smoothed (EMA). " +
                       scope.what);
            for (const auto& sr : scope.series)
                sample(out, name, sr.labels,
                       format_value(rx ? sr.traffic->rx_bps : sr.traffic->tx_bps));
        };
        counter("receive", "received", true);
        counter("transmit", "sent", false);
        rate("receive", "received", true);
        rate("transmit", "sent", false);
    }

    family(out, "sstop_process_connections", "gauge",
           "Non-listening sockets of a process (top max_processes processes).");
    for (std::size_t k = 0; k < procs.size(); ++k)
        sample(out, "sstop_process_connections", proc_labels[k],
               format_u64(snap.processes[procs[k]].connections));
    // Active alerts come as process labels ("alert" = rule name) from the host's alert rules;
    // every process is looked at, not only the top max_processes: an alert is never dropped.
    family(out, "sstop_alert_active", "gauge",
           "1 for each alert rule active on a process (the config's alerts: section).");
    for (const ProcessSummary& p : snap.processes)
        for (const Label& l : p.info.labels)
            if (l.key == "alert")
                sample(out, "sstop_alert_active",
                       "{" + label("name", l.value) + "," +
                           label("pid", std::to_string(p.info.id.pid)) + "," +
                           label("process", p.info.name) + "}",
                       "1");
    family(out, "sstop_listen_ports", "gauge", "Listening sockets (TCP LISTEN, unconnected UDP).");
    sample(out, "sstop_listen_ports", "", format_u64(snap.listen_ports.size()));
    family(out, "sstop_exporter_processes_dropped", "gauge",
           "Processes left out by max_processes (their bytes are still in the totals).");
    sample(out, "sstop_exporter_processes_dropped", "", format_u64(dropped_procs));
    family(out, "sstop_exporter_groups_dropped", "gauge",
           "Groups left out by max_groups (their bytes are still in the totals).");
    sample(out, "sstop_exporter_groups_dropped", "", format_u64(dropped_groups));
    family(out, "sstop_exporter_remote_hosts_dropped", "gauge",
           "Remote hosts left out by max_remote_hosts (their bytes are still in the totals).");
    sample(out, "sstop_exporter_remote_hosts_dropped", "", format_u64(dropped_hosts));
    return out;
}

}  // namespace sstop::plugins::prometheus
