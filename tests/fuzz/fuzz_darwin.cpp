// Fuzz target: the macOS netstat and lsof text parsers of source-darwin.
// Layout: byte 0 picks the parser, the rest is the command's output.
//   0  parse_netstat_sockets (+ to_socket_obs)   1  parse_netstat_interfaces (+ to_interface_obs)
//   2  parse_lsof_fields      3  parse_lsof_table      4  parse_netstat_endpoint, parse_lsof_name
// Higher values wrap around (selector % 5).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "lsof_parser.hpp"
#include "netstat_parser.hpp"

namespace dw = sstop::plugins::darwin;

namespace {

std::size_t count_lines(std::string_view text) {
    std::size_t n = 0;
    for (const char c : text) n += (c == '\n' || c == '\0') ? 1 : 0;
    return n + 1;
}

void check_sockets(std::string_view text) {
    const dw::NetstatSocketParse r = dw::parse_netstat_sockets(text);
    SSTOP_FUZZ_CHECK(r.rows.size() + r.malformed + r.other_protocols <= count_lines(text));
    SSTOP_FUZZ_CHECK(r.rows.size() <= dw::kMaxRows);
    SSTOP_FUZZ_CHECK(r.truncated <= r.rows.size());
    for (const dw::NetstatSocketRow& row : r.rows) {
        SSTOP_FUZZ_CHECK(row.proto == sstop::Proto::Tcp || row.proto == sstop::Proto::Udp);
        SSTOP_FUZZ_CHECK(row.family == sstop::Family::V4 || row.family == sstop::Family::V6);
        SSTOP_FUZZ_CHECK(row.pid >= 0);
        SSTOP_FUZZ_CHECK(row.process.size() <= text.size());
        SSTOP_FUZZ_CHECK(row.has_bytes || (row.rx_bytes == 0 && row.tx_bytes == 0));
        sstop::SocketObs obs;
        const bool kept = dw::to_socket_obs(row, obs);
        SSTOP_FUZZ_CHECK(kept == !(row.local_truncated || row.remote_truncated));
        if (kept) {
            SSTOP_FUZZ_CHECK(obs.key.local.addr.family != sstop::Family::None);
            SSTOP_FUZZ_CHECK(obs.owner.pid == row.pid);
        }
    }
}

void check_interfaces(std::string_view text) {
    const dw::InterfaceParse r = dw::parse_netstat_interfaces(text);
    SSTOP_FUZZ_CHECK(r.rows.size() + r.malformed + r.address_rows + r.duplicate_links <=
                     count_lines(text));
    const auto obs = dw::to_interface_obs(r.rows);
    SSTOP_FUZZ_CHECK(obs.size() == r.rows.size());
    for (std::size_t i = 0; i < obs.size(); ++i) {
        SSTOP_FUZZ_CHECK(!r.rows[i].name.empty());
        SSTOP_FUZZ_CHECK(r.rows[i].name.back() != '*');
        SSTOP_FUZZ_CHECK(obs[i].index == r.rows[i].link_index);
        SSTOP_FUZZ_CHECK(obs[i].name.substr(0, r.rows[i].name.size()) == r.rows[i].name);
        for (std::size_t j = 0; j < i; ++j) SSTOP_FUZZ_CHECK(obs[j].index != obs[i].index);
    }
}

void check_lsof(const dw::LsofParse& r, std::string_view text) {
    SSTOP_FUZZ_CHECK(r.sockets.size() <= dw::kMaxRows);
    SSTOP_FUZZ_CHECK(r.processes.size() <= r.sockets.size());
    SSTOP_FUZZ_CHECK(r.sockets.size() + r.malformed <= count_lines(text));
    for (const dw::LsofSocket& s : r.sockets) {
        SSTOP_FUZZ_CHECK(s.pid >= 0);
        SSTOP_FUZZ_CHECK(s.command.size() <= text.size());
        SSTOP_FUZZ_CHECK(s.proto != sstop::Proto::Unknown);
        if (s.has_endpoints) SSTOP_FUZZ_CHECK(s.local.addr.family != sstop::Family::None);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 5) {
        case 0:
            check_sockets(text);
            break;
        case 1:
            check_interfaces(text);
            break;
        case 2:
            check_lsof(dw::parse_lsof_fields(text), text);
            break;
        case 3:
            check_lsof(dw::parse_lsof_table(text), text);
            break;
        default: {
            sstop::Endpoint ep;
            if (dw::parse_netstat_endpoint(text, sstop::Family::V6, ep)) {
                SSTOP_FUZZ_CHECK(text.find('.') != std::string_view::npos);
            }
            sstop::Endpoint local;
            sstop::Endpoint remote;
            if (dw::parse_lsof_name(text, local, remote)) {
                SSTOP_FUZZ_CHECK(local.addr.family != sstop::Family::None);
            }
            (void)dw::decode_lsof_escapes(text);
            break;
        }
    }
    return 0;
}
