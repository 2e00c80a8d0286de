#include "core/output.hpp"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <sstop/format.hpp>
#include <sstop/text.hpp>

#include "core/alerts.hpp"
#include "core/udp_peers.hpp"

namespace sstop::core {
namespace {

void append_number(std::string& out, double v) {
    if (!std::isfinite(v)) v = 0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    out += buf;
}

void append_number(std::string& out, std::uint64_t v) { out += std::to_string(v); }

void append_traffic_fields(std::string& out, const Traffic& t) {
    out += "\"rx_bps\":";
    append_number(out, t.rx_bps);
    out += ",\"tx_bps\":";
    append_number(out, t.tx_bps);
    out += ",\"rx_bytes\":";
    append_number(out, t.rx_bytes);
    out += ",\"tx_bytes\":";
    append_number(out, t.tx_bytes);
}

void append_traffic_object(std::string& out, const Traffic& t) {
    out += '{';
    append_traffic_fields(out, t);
    out += '}';
}

void append_endpoint(std::string& out, const Endpoint& e) {
    if (e.addr.family == Family::None) {
        out += "null";
        return;
    }
    append_json_string(out, format_endpoint(e));
}

void append_csv_field(std::string& out, std::string_view text) {
    bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos;
    if (!quote) {
        out += text;
        return;
    }
    out += '"';
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

const SourceCounter* counter_named(const std::vector<SourceCounter>& counters,
                                   std::string_view name) {
    for (const SourceCounter& c : counters)
        if (c.name == name) return &c;
    return nullptr;
}

// ,"self":{...}: what watching costs (the host's self.* counters), when it was measured.
void append_percent(std::string& out, std::uint64_t ppm) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(ppm) / 1e4);
    out += buf;
}

void append_self(std::string& out, const std::vector<SourceCounter>& counters) {
    const SourceCounter* rss = counter_named(counters, "self.max_rss_bytes");
    if (!rss) return;
    out += ",\"self\":{\"max_rss_bytes\":";
    append_number(out, rss->value);
    if (const SourceCounter* cpu = counter_named(counters, "self.cpu_ppm")) {
        out += ",\"cpu_percent\":";
        append_percent(out, cpu->value);
    }
    if (const SourceCounter* bpf = counter_named(counters, "self.bpf_cpu_ppm")) {
        out += ",\"bpf_cpu_percent\":";
        append_percent(out, bpf->value);
    }
    out += '}';
}

std::string unix_seconds(std::int64_t ns) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%" PRId64 ".%03" PRId64, ns / 1000000000,
                  (ns % 1000000000) / 1000000);
    return buf;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            const std::size_t n = decode_utf8(text, i).length;
            if (n == 0) {
                out += "\\ufffd";
                ++i;
            } else {
                out.append(text.substr(i, n));
                i += n;
            }
            continue;
        }
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
        ++i;
    }
    out += '"';
}

// Contract: docs/sstop-snapshot.schema.json. A new field goes there too
// (json_schema_e2e_test validates real output against it).
std::string snapshot_to_json(const Snapshot& s) {
    std::string out;
    out.reserve(1024 + s.processes.size() * 256);
    out += "{\"ts\":";
    out += unix_seconds(s.unix_time_ns);
    out += ",\"seq\":";
    append_number(out, s.seq);
    out += ",\"interval_s\":";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", s.interval_s);
    out += buf;
    out += ",\"sources\":[";
    for (std::size_t i = 0; i < s.sources.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, s.sources[i]);
    }
    out += "],\"totals\":";
    append_traffic_object(out, s.totals);
    out += ",\"unattributed\":";
    append_traffic_object(out, s.unattributed);

    out += ",\"interfaces\":[";
    for (std::size_t i = 0; i < s.interfaces.size(); ++i) {
        const auto& itf = s.interfaces[i];
        if (i) out += ',';
        out += "{\"name\":";
        append_json_string(out, itf.name);
        out += ",\"up\":";
        out += itf.up ? "true," : "false,";
        out += "\"default_route\":";
        out += itf.default_route ? "true," : "false,";
        append_traffic_fields(out, itf.traffic);
        out += '}';
    }

    out += "],\"processes\":[";
    for (std::size_t i = 0; i < s.processes.size(); ++i) {
        const auto& p = s.processes[i];
        if (i) out += ',';
        out += "{\"pid\":";
        out += std::to_string(p.info.id.pid);
        out += ",\"name\":";
        append_json_string(out, p.info.name);
        out += ",\"cmdline\":";
        append_json_string(out, p.info.cmdline);
        out += ",\"uid\":";
        out += std::to_string(p.info.uid);
        out += ",\"container\":";
        append_json_string(out, p.info.container);
        out += ",\"unit\":";
        append_json_string(out, p.info.unit);
        out += ',';
        append_traffic_fields(out, p.traffic);
        out += ",\"connections\":";
        out += std::to_string(p.connections);
        out += ",\"listening\":";
        out += std::to_string(p.listening);
        out += ",\"udp_peers\":[";
        const std::vector<std::string> peers = udp_peers_of(p.info);
        for (std::size_t k = 0; k < peers.size(); ++k) {
            if (k) out += ',';
            append_json_string(out, peers[k]);
        }
        out += "],\"udp_peers_dropped\":";
        out += std::to_string(udp_peers_dropped_of(p.info));
        out += ",\"sockets\":[";
        for (std::size_t k = 0; k < p.sockets.size(); ++k) {
            const auto& c = p.sockets[k];
            if (k) out += ',';
            out += "{\"proto\":\"";
            out += proto_name(c.key.proto);
            out += "\",\"local\":";
            append_endpoint(out, c.key.local);
            out += ",\"remote\":";
            append_endpoint(out, c.key.remote);
            out += ",\"state\":\"";
            out += state_name(c.state, c.key.proto);
            out += "\",\"inode\":";
            append_number(out, c.inode);
            out += ",\"measured\":";
            out += c.measured ? "true," : "false,";
            append_traffic_fields(out, c.traffic);
            if (!c.remote_name.empty()) {
                out += ",\"remote_name\":";
                append_json_string(out, c.remote_name);
            }
            out += '}';
        }
        out += "]}";
    }

    out += "],\"remote_hosts\":[";
    for (std::size_t i = 0; i < s.remote_hosts.size(); ++i) {
        const auto& h = s.remote_hosts[i];
        if (i) out += ',';
        out += "{\"addr\":";
        append_json_string(out, format_addr(h.addr));
        if (!h.name.empty()) {
            out += ",\"name\":";
            append_json_string(out, h.name);
        }
        out += ',';
        append_traffic_fields(out, h.traffic);
        out += ",\"connections\":";
        out += std::to_string(h.connections);
        out += ",\"processes\":[";
        for (std::size_t k = 0; k < h.processes.size(); ++k) {
            if (k) out += ',';
            append_json_string(out, h.processes[k]);
        }
        out += "]}";
    }

    out += "],\"groups\":[";
    for (std::size_t i = 0; i < s.groups.size(); ++i) {
        const auto& g = s.groups[i];
        if (i) out += ',';
        out += "{\"kind\":";
        append_json_string(out, g.kind);
        out += ",\"name\":";
        append_json_string(out, g.name);
        out += ',';
        append_traffic_fields(out, g.traffic);
        out += ",\"processes\":";
        out += std::to_string(g.processes);
        out += ",\"connections\":";
        out += std::to_string(g.connections);
        out += '}';
    }

    out += "],\"listen_ports\":[";
    for (std::size_t i = 0; i < s.listen_ports.size(); ++i) {
        const auto& l = s.listen_ports[i];
        if (i) out += ',';
        out += "{\"proto\":\"";
        out += proto_name(l.proto);
        out += "\",\"addr\":";
        append_json_string(out, l.addr.family == Family::None ? "*" : format_addr(l.addr));
        out += ",\"port\":";
        out += std::to_string(l.port);
        out += ",\"pid\":";
        out += std::to_string(l.owner.pid);
        out += ",\"name\":";
        append_json_string(out, l.name);
        out += '}';
    }

    out += "],\"counters\":{";
    for (std::size_t i = 0; i < s.counters.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, s.counters[i].name);
        out += ':';
        append_number(out, s.counters[i].value);
    }
    out += "},\"notices\":[";
    for (std::size_t i = 0; i < s.notices.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, s.notices[i].text);
    }
    out += "],\"alerts\":[";
    const std::vector<ActiveAlert> alerts = alerts_of(s);
    for (std::size_t i = 0; i < alerts.size(); ++i) {
        if (i) out += ',';
        out += "{\"name\":";
        append_json_string(out, alerts[i].name);
        out += ",\"pid\":";
        out += std::to_string(alerts[i].id.pid);
        out += ",\"process\":";
        append_json_string(out, alerts[i].process);
        out += ",\"since\":";
        out += unix_seconds(alerts[i].since_ns);
        out += '}';
    }
    out += ']';
    append_self(out, s.counters);
    out += "}\n";
    return out;
}

std::string csv_header() {
    return "ts,pid,name,uid,rx_bps,tx_bps,rx_bytes,tx_bytes,connections,listening,cmdline,"
           "container,unit\n";
}

std::string snapshot_to_csv(const Snapshot& s) {
    std::string out;
    std::string ts = unix_seconds(s.unix_time_ns);
    for (const auto& p : s.processes) {
        out += ts;
        out += ',';
        out += std::to_string(p.info.id.pid);
        out += ',';
        append_csv_field(out, p.info.name);
        out += ',';
        out += std::to_string(p.info.uid);
        out += ',';
        append_number(out, p.traffic.rx_bps);
        out += ',';
        append_number(out, p.traffic.tx_bps);
        out += ',';
        append_number(out, p.traffic.rx_bytes);
        out += ',';
        append_number(out, p.traffic.tx_bytes);
        out += ',';
        out += std::to_string(p.connections);
        out += ',';
        out += std::to_string(p.listening);
        out += ',';
        append_csv_field(out, p.info.cmdline);
        out += ',';
        append_csv_field(out, p.info.container);
        out += ',';
        append_csv_field(out, p.info.unit);
        out += '\n';
    }
    return out;
}

Snapshot select_processes(const Snapshot& snapshot, const Filter& filter) {
    Snapshot out;
    // Everything but the process list is copied field by field, so the (large) list is
    // never copied whole only to be thinned out.
    out.seq = snapshot.seq;
    out.unix_time_ns = snapshot.unix_time_ns;
    out.interval_s = snapshot.interval_s;
    out.sources = snapshot.sources;
    out.totals = snapshot.totals;
    out.unattributed = snapshot.unattributed;
    out.interfaces = snapshot.interfaces;
    out.remote_hosts = snapshot.remote_hosts;
    out.listen_ports = snapshot.listen_ports;
    out.groups = snapshot.groups;
    out.rx_history = snapshot.rx_history;
    out.tx_history = snapshot.tx_history;
    out.counters = snapshot.counters;
    out.notices = snapshot.notices;
    for (const ProcessSummary& p : snapshot.processes)
        if (filter.matches(p, snapshot)) out.processes.push_back(p);
    return out;
}

std::string snapshot_to_text(const Snapshot& s, int max_rows) {
    std::string out;
    char line[256];
    std::string sources;
    for (const auto& id : s.sources) sources += (sources.empty() ? "" : ",") + id;
    std::snprintf(line, sizeof line,
                  "sstop  sources: %s  total ↓ %s  ↑ %s  unattributed ↓ %s  ↑ %s\n",
                  sources.empty() ? "-" : sources.c_str(), format_rate(s.totals.rx_bps).c_str(),
                  format_rate(s.totals.tx_bps).c_str(), format_rate(s.unattributed.rx_bps).c_str(),
                  format_rate(s.unattributed.tx_bps).c_str());
    out += line;
    std::snprintf(line, sizeof line, "%8s  %-16s %12s %12s %10s %10s %5s\n", "PID", "NAME",
                  "DOWN/s", "UP/s", "DOWN", "UP", "CONN");
    out += line;
    int rows = 0;
    for (const auto& p : s.processes) {
        if (rows++ >= max_rows) break;
        std::snprintf(line, sizeof line, "%8d  %-16.16s %12s %12s %10s %10s %5u\n", p.info.id.pid,
                      p.info.name.c_str(), format_rate(p.traffic.rx_bps).c_str(),
                      format_rate(p.traffic.tx_bps).c_str(),
                      format_bytes(static_cast<double>(p.traffic.rx_bytes)).c_str(),
                      format_bytes(static_cast<double>(p.traffic.tx_bytes)).c_str(), p.connections);
        out += line;
    }
    for (const auto& n : s.notices) out += "! " + n.text + "\n";
    return out;
}

}  // namespace sstop::core
