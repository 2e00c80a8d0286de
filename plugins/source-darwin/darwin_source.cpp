#include "darwin_source.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "lsof_owners.hpp"
#include "lsof_parser.hpp"
#include "netstat_parser.hpp"

namespace sstop::plugins::darwin {
namespace {

// A netstat listing of 200k sockets is ~40 MB with -v; 16 MiB covers ~80k sockets, far more
// than a desktop has, and bounds the collector's memory.
constexpr std::size_t kMaxOutputBytes = 16u << 20;

}  // namespace

DarwinSource::DarwinSource(sstop::PluginContext& context)
    : netstat_(context.options().get_string("netstat")),
      lsof_(context.options().get_string("lsof")) {
    limits_.max_output_bytes = kMaxOutputBytes;
    limits_.timeout = std::chrono::milliseconds(
        static_cast<std::int64_t>(context.options().get_seconds("timeout") * 1000.0));
}

std::uint32_t DarwinSource::capabilities() const {
    return sstop::kProvidesSockets | sstop::kProvidesTcpBytes | sstop::kProvidesUdpBytes |
           sstop::kProvidesInterfaces | sstop::kProvidesOwners;
}

void DarwinSource::open() {
    if (netstat_.empty() || netstat_[0] != '/') {
        throw sstop::PluginUnavailable("darwin: option netstat must be an absolute path, not '" +
                                       netstat_ + "'");
    }
    if (::access(netstat_.c_str(), X_OK) != 0) {
        throw sstop::PluginUnavailable("darwin: cannot run " + netstat_ + ": " +
                                       std::strerror(errno));
    }
    if (!lsof_.empty() && lsof_[0] != '/') {
        throw sstop::PluginUnavailable(
            "darwin: option lsof must be an absolute path or empty, not '" + lsof_ + "'");
    }
}

void DarwinSource::add_lsof_owners(std::vector<sstop::SocketObs>& sockets,
                                   std::map<std::int32_t, std::string>& owners) {
    // -F: one field a line, so command names with spaces need no column guessing; `f` starts
    // each socket, `t` tells an IPv6 `*:port` from an IPv4 one.
    const CommandResult run = run_command({lsof_, "-n", "-P", "-i", "-F", "pcftPn"}, limits_);
    // lsof exits 1 when it met anything it could not read (common without root), after
    // listing all it could: its output is still good.
    const bool listed = run.status == CommandResult::Status::Ok ||
                        (run.status == CommandResult::Status::ExitFailure && run.exit_code == 1);
    if (!listed) {
        ++lsof_failures_;
        return;
    }
    const LsofParse parsed = parse_lsof_fields(run.output);
    malformed_lines_ += parsed.malformed;
    lsof_owners_ += fill_owners_from_lsof(sockets, owners, parsed);
}

std::string DarwinSource::collect_sockets(sstop::Sample& out) {
    const CommandResult run = run_command({netstat_, "-anvb"}, limits_);
    if (run.status != CommandResult::Status::Ok) {
        ++command_failures_;
        return "sockets: " + run.error;
    }
    const NetstatSocketParse parsed = parse_netstat_sockets(run.output);
    malformed_lines_ += parsed.malformed;
    truncated_rows_ += parsed.truncated;
    if (!parsed.header_found) return "sockets: netstat printed no socket table";
    // One entry per owner; bounded by the row count, itself bounded by kMaxRows.
    std::map<std::int32_t, std::string> owners;
    out.sockets.reserve(parsed.rows.size());
    for (const NetstatSocketRow& row : parsed.rows) {
        sstop::SocketObs obs;
        if (!to_socket_obs(row, obs)) continue;
        out.sockets.push_back(obs);
        if (row.pid > 0) owners.emplace(row.pid, row.process);
    }
    if (!lsof_.empty() && owners_incomplete(out.sockets, owners)) {
        add_lsof_owners(out.sockets, owners);
    }
    for (const auto& [pid, name] : owners) {
        sstop::ProcessInfo info;
        info.id.pid = pid;
        info.name = name;
        out.processes.push_back(std::move(info));
    }
    out.has_sockets = !parsed.row_limit_hit;
    if (parsed.row_limit_hit) return "sockets: more than 200000 rows, the rest ignored";
    return {};
}

std::string DarwinSource::collect_interfaces(sstop::Sample& out) {
    const CommandResult run = run_command({netstat_, "-ibn"}, limits_);
    if (run.status != CommandResult::Status::Ok) {
        ++command_failures_;
        return "interfaces: " + run.error;
    }
    const InterfaceParse parsed = parse_netstat_interfaces(run.output);
    malformed_lines_ += parsed.malformed;
    if (!parsed.header_found) return "interfaces: netstat printed no interface table";
    out.interfaces = to_interface_obs(parsed.rows);
    out.has_interfaces = true;
    return {};
}

sstop::CollectStatus DarwinSource::collect(sstop::Sample& out) {
    const std::string sockets_error = collect_sockets(out);
    const std::string interfaces_error = collect_interfaces(out);
    out.counters.push_back({"malformed_lines", malformed_lines_});
    out.counters.push_back({"truncated_rows", truncated_rows_});
    out.counters.push_back({"command_failures", command_failures_});
    out.counters.push_back({"lsof_owners", lsof_owners_});
    out.counters.push_back({"lsof_failures", lsof_failures_});
    sstop::CollectStatus status;
    if (!sockets_error.empty() && !interfaces_error.empty()) {
        status.code = sstop::CollectStatus::Code::Failed;
        status.message = "darwin: " + sockets_error + "; " + interfaces_error;
    } else if (!sockets_error.empty() || !interfaces_error.empty()) {
        status.code = sstop::CollectStatus::Code::Degraded;
        status.message = "darwin: " + (sockets_error.empty() ? interfaces_error : sockets_error);
    }
    return status;
}

}  // namespace sstop::plugins::darwin
