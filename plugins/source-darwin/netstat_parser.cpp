#include "netstat_parser.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <unordered_set>

#include "text_util.hpp"

namespace sstop::plugins::darwin {
namespace {

using text::Token;

// netstat prints an IPv6 endpoint in 22 columns unless -W is given, and the header does not
// always say so (`-v` widens the header only), so an IPv6 address of exactly this length may
// have been cut too.
constexpr std::size_t kNarrowAddressWidth = 22;

enum class Column : std::uint8_t {
    Other,
    Proto,
    RecvQ,
    SendQ,
    Local,
    Foreign,
    TcpState,
    RxBytes,
    TxBytes,
    Pid,
    Process,
};

struct SocketHeader {
    std::vector<Column> columns;
    std::size_t address_width = std::numeric_limits<std::size_t>::max();
};

Column column_of(std::string_view name) {
    if (name == "Proto") return Column::Proto;
    if (name == "Recv-Q") return Column::RecvQ;
    if (name == "Send-Q") return Column::SendQ;
    if (name == "Local Address") return Column::Local;
    if (name == "Foreign Address") return Column::Foreign;
    if (name == "(state)") return Column::TcpState;
    if (name == "rxbytes") return Column::RxBytes;
    if (name == "txbytes") return Column::TxBytes;
    if (name == "pid") return Column::Pid;
    if (name.substr(0, 8) == "process:" || name == "process") return Column::Process;
    return Column::Other;
}

// A header has "Proto" and "Local Address"; "Local"/"Foreign" + "Address" are one column.
bool parse_socket_header(const std::vector<Token>& tokens, SocketHeader& out) {
    SocketHeader header;
    bool has_proto = false;
    bool has_local = false;
    bool has_foreign = false;
    std::size_t local_offset = 0;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        std::string_view name = tokens[i].text;
        Column column = Column::Other;
        if ((name == "Local" || name == "Foreign") && i + 1 < tokens.size() &&
            tokens[i + 1].text == "Address") {
            column = name == "Local" ? Column::Local : Column::Foreign;
            if (column == Column::Local) {
                local_offset = tokens[i].offset;
                has_local = true;
            } else if (has_local && tokens[i].offset > local_offset) {
                header.address_width = tokens[i].offset - local_offset - 1;
                has_foreign = true;
            }
            ++i;
        } else {
            column = column_of(name);
        }
        if (column == Column::Proto) has_proto = true;
        header.columns.push_back(column);
    }
    if (!has_proto || !has_local || !has_foreign) return false;
    out = std::move(header);
    return true;
}

bool is_state_word(std::string_view s) {
    if (s.empty() || s[0] < 'A' || s[0] > 'Z') return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

bool ends_with_pid(std::string_view s) {
    const std::size_t colon = s.rfind(':');
    if (colon == std::string_view::npos || colon + 1 >= s.size()) return false;
    std::uint64_t pid = 0;
    return text::parse_bounded(s.substr(colon + 1), std::numeric_limits<std::int32_t>::max(), pid);
}

// "name:pid", where the name may hold spaces and colons: the pid follows the last colon.
bool split_process(std::string_view field, std::string& name, std::int32_t& pid) {
    field = text::trim(field);
    const std::size_t colon = field.rfind(':');
    if (colon == std::string_view::npos) return false;
    std::uint64_t value = 0;
    if (!text::parse_bounded(field.substr(colon + 1), std::numeric_limits<std::int32_t>::max(),
                             value)) {
        return false;
    }
    name = std::string(field.substr(0, colon));
    pid = static_cast<std::int32_t>(value);
    return true;
}

enum class ProtoKind { Socket, Other, Bad };

ProtoKind parse_proto(std::string_view s, NetstatSocketRow& row, sstop::Family& any_family) {
    struct Known {
        std::string_view name;
        sstop::Proto proto;
        sstop::Family family;
        bool dual;
    };
    static constexpr Known kKnown[] = {
        {"tcp4", sstop::Proto::Tcp, sstop::Family::V4, false},
        {"tcp6", sstop::Proto::Tcp, sstop::Family::V6, false},
        {"tcp46", sstop::Proto::Tcp, sstop::Family::V6, true},
        {"udp4", sstop::Proto::Udp, sstop::Family::V4, false},
        {"udp6", sstop::Proto::Udp, sstop::Family::V6, false},
        {"udp46", sstop::Proto::Udp, sstop::Family::V6, true},
    };
    for (const Known& k : kKnown) {
        if (s == k.name) {
            row.proto = k.proto;
            row.dual_stack = k.dual;
            row.family = k.family;
            any_family = k.family;
            return ProtoKind::Socket;
        }
    }
    if (s.substr(0, 3) == "tcp" || s.substr(0, 3) == "udp") return ProtoKind::Bad;
    if (s.empty() || s.size() > 8) return ProtoKind::Bad;
    const bool word = std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    });
    return word ? ProtoKind::Other : ProtoKind::Bad;
}

bool possibly_cut(std::string_view address, std::size_t width) {
    if (address.size() >= width) return true;
    return address.find(':') != std::string_view::npos && address.size() == kNarrowAddressWidth;
}

enum class RowResult { Row, Other, Bad };

// Reads an address column: a cut address is kept flagged (endpoint unset if unreadable); an
// unreadable whole one makes the row malformed.
bool read_address(std::string_view token, std::size_t width, sstop::Family any_family,
                  sstop::Endpoint& endpoint, bool& truncated) {
    truncated = possibly_cut(token, width);
    sstop::Endpoint parsed;
    if (parse_netstat_endpoint(token, any_family, parsed)) {
        endpoint = parsed;
        return true;
    }
    return truncated;
}

RowResult parse_socket_row(std::string_view line, const SocketHeader& header,
                           NetstatSocketRow& row) {
    const std::vector<Token> tokens = text::tokenize(line);
    const std::size_t n = tokens.size();
    std::size_t ti = 0;
    sstop::Family any_family = sstop::Family::None;
    bool seen_proto = false;
    bool seen_local = false;
    bool seen_foreign = false;
    bool seen_rx = false;
    bool seen_tx = false;
    const std::vector<Column>& columns = header.columns;
    for (std::size_t ci = 0; ci < columns.size() && ti < n; ++ci) {
        const Column column = columns[ci];
        const std::string_view tok = tokens[ti].text;
        switch (column) {
            case Column::Proto: {
                const ProtoKind kind = parse_proto(tok, row, any_family);
                if (kind == ProtoKind::Bad) return RowResult::Bad;
                if (kind == ProtoKind::Other) return RowResult::Other;
                seen_proto = true;
                ++ti;
                break;
            }
            case Column::RecvQ:
            case Column::SendQ:
            case Column::RxBytes:
            case Column::TxBytes: {
                std::uint64_t value = 0;
                if (!text::parse_u64(tok, value)) return RowResult::Bad;
                if (column == Column::RecvQ) row.recv_q = value;
                if (column == Column::SendQ) row.send_q = value;
                if (column == Column::RxBytes) {
                    row.rx_bytes = value;
                    seen_rx = true;
                }
                if (column == Column::TxBytes) {
                    row.tx_bytes = value;
                    seen_tx = true;
                }
                ++ti;
                break;
            }
            case Column::Local:
            case Column::Foreign: {
                if (!seen_proto) return RowResult::Bad;
                const bool local = column == Column::Local;
                if (!read_address(tok, header.address_width, any_family,
                                  local ? row.local : row.remote,
                                  local ? row.local_truncated : row.remote_truncated)) {
                    return RowResult::Bad;
                }
                (local ? seen_local : seen_foreign) = true;
                ++ti;
                break;
            }
            case Column::TcpState:
                // UDP rows leave the column blank, so a word is consumed only if it is a state.
                if (is_state_word(tok)) {
                    row.state = parse_tcp_state(tok);
                    if (row.state == sstop::SocketState::Unknown) return RowResult::Bad;
                    ++ti;
                }
                break;
            case Column::Pid: {
                std::uint64_t pid = 0;
                if (!text::parse_bounded(tok, std::numeric_limits<std::int32_t>::max(), pid)) {
                    return RowResult::Bad;
                }
                row.pid = static_cast<std::int32_t>(pid);
                ++ti;
                break;
            }
            case Column::Process: {
                const std::size_t after = columns.size() - ci - 1;
                // The columns after the process name are mapped from the end of the row when
                // that leaves a field ending in ":pid"; otherwise the field ends at the first
                // word that ends in ":pid" (a row with more trailing words than the header).
                std::size_t last = n;  // one past the last token of the field
                if (after == 0) {
                    last = n;
                } else if (n >= after + ti + 1 && ends_with_pid(tokens[n - after - 1].text)) {
                    last = n - after;
                } else {
                    for (std::size_t k = ti; k < n; ++k) {
                        if (ends_with_pid(tokens[k].text)) {
                            last = k + 1;
                            break;
                        }
                    }
                    if (last == n && !ends_with_pid(tokens[n - 1].text)) return RowResult::Bad;
                }
                const std::size_t begin = tokens[ti].offset;
                const std::size_t end = tokens[last - 1].offset + tokens[last - 1].text.size();
                if (!split_process(line.substr(begin, end - begin), row.process, row.pid)) {
                    return RowResult::Bad;
                }
                ti = last;
                break;
            }
            case Column::Other:
                ++ti;
                break;
        }
    }
    if (!seen_proto || !seen_local || !seen_foreign) return RowResult::Bad;
    row.has_bytes = seen_rx && seen_tx;
    if (!row.has_bytes) row.rx_bytes = row.tx_bytes = 0;
    // An IPv4-only socket cannot have an IPv6 end.
    if (!row.dual_stack && any_family == sstop::Family::V4 &&
        (row.local.addr.family == sstop::Family::V6 ||
         row.remote.addr.family == sstop::Family::V6)) {
        return RowResult::Bad;
    }
    return RowResult::Row;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

sstop::SocketState parse_tcp_state(std::string_view word) {
    struct Known {
        std::string_view word;
        sstop::SocketState state;
    };
    static constexpr Known kStates[] = {
        {"ESTABLISHED", sstop::SocketState::Established},
        {"LISTEN", sstop::SocketState::Listen},
        {"SYN_SENT", sstop::SocketState::SynSent},
        {"SYN_RCVD", sstop::SocketState::SynRecv},
        {"SYN_RECEIVED", sstop::SocketState::SynRecv},
        {"FIN_WAIT_1", sstop::SocketState::FinWait1},
        {"FIN_WAIT_2", sstop::SocketState::FinWait2},
        {"TIME_WAIT", sstop::SocketState::TimeWait},
        {"CLOSED", sstop::SocketState::Close},
        {"CLOSE_WAIT", sstop::SocketState::CloseWait},
        {"LAST_ACK", sstop::SocketState::LastAck},
        {"CLOSING", sstop::SocketState::Closing},
    };
    for (const Known& k : kStates) {
        if (word == k.word) return k.state;
    }
    return sstop::SocketState::Unknown;
}

bool parse_netstat_endpoint(std::string_view s, sstop::Family any_family, sstop::Endpoint& out) {
    const std::size_t dot = s.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 >= s.size()) return false;
    const std::string_view host = s.substr(0, dot);
    const std::string_view port_text = s.substr(dot + 1);
    sstop::Endpoint ep;
    if (port_text == "*") {
        ep.port = 0;
    } else {
        std::uint64_t port = 0;
        if (!text::parse_bounded(port_text, 65535, port)) return false;
        ep.port = static_cast<std::uint16_t>(port);
    }
    if (host == "*") {
        // "*.*" is "no endpoint" for a remote; the caller decides what a bare local means.
        if (port_text == "*") {
            out = sstop::Endpoint{};
            return true;
        }
        ep.addr = text::any_address(any_family);
    } else if (!text::parse_ip(host, ep.addr)) {
        return false;
    }
    out = ep;
    return true;
}

NetstatSocketParse parse_netstat_sockets(std::string_view input) {
    NetstatSocketParse result;
    text::LineReader lines(input);
    std::string_view line;
    SocketHeader header;
    bool in_section = false;  // inside "Active Internet connections" (or before any section)
    bool seen_section = false;
    while (lines.next(line)) {
        if (line.size() > kMaxLineBytes) {
            if (in_section || !seen_section) ++result.malformed;
            continue;
        }
        const std::string_view trimmed = text::trim(line);
        if (trimmed.empty()) continue;
        if (starts_with(trimmed, "Active ")) {
            const bool internet = starts_with(trimmed, "Active Internet connections");
            if (!internet && (in_section || seen_section)) break;  // UNIX, kctl, kevent …
            in_section = internet;
            seen_section = true;
            continue;
        }
        if (seen_section && !in_section) continue;
        const std::vector<Token> tokens = text::tokenize(line);
        if (parse_socket_header(tokens, header)) {
            result.header_found = true;
            continue;
        }
        if (!result.header_found) {
            ++result.malformed;
            continue;
        }
        if (result.rows.size() >= kMaxRows) {
            result.row_limit_hit = true;
            break;
        }
        NetstatSocketRow row;
        switch (parse_socket_row(line, header, row)) {
            case RowResult::Row:
                if (row.local_truncated || row.remote_truncated) ++result.truncated;
                result.rows.push_back(std::move(row));
                break;
            case RowResult::Other:
                ++result.other_protocols;
                break;
            case RowResult::Bad:
                ++result.malformed;
                break;
        }
    }
    return result;
}

bool to_socket_obs(const NetstatSocketRow& row, sstop::SocketObs& out) {
    if (row.local_truncated || row.remote_truncated) return false;
    if (row.proto != sstop::Proto::Tcp && row.proto != sstop::Proto::Udp) return false;
    sstop::SocketObs obs;
    obs.key.proto = row.proto;
    obs.key.local = row.local;
    obs.key.remote = row.remote;
    if (obs.key.local.addr.family == sstop::Family::None) {
        // "*.*" as a local address: bound to nothing yet, any address of the socket's family.
        obs.key.local.addr = text::any_address(row.family);
    }
    if (row.proto == sstop::Proto::Udp) {
        obs.state = row.remote.addr.family == sstop::Family::None ? sstop::SocketState::Close
                                                                  : sstop::SocketState::Established;
    } else {
        obs.state = row.state;
    }
    obs.owner.pid = row.pid;
    obs.has_bytes = row.has_bytes;
    obs.rx_bytes = row.rx_bytes;
    obs.tx_bytes = row.tx_bytes;
    out = obs;
    return true;
}

InterfaceParse parse_netstat_interfaces(std::string_view input) {
    InterfaceParse result;
    text::LineReader lines(input);
    std::string_view line;
    std::vector<std::string_view> counters;  // header names after "Address"
    std::unordered_set<std::uint32_t> links;
    while (lines.next(line)) {
        if (line.size() > kMaxLineBytes) {
            ++result.malformed;
            continue;
        }
        const std::vector<Token> tokens = text::tokenize(line);
        if (tokens.empty()) continue;
        if (tokens[0].text == "Name" && tokens.size() >= 4 && tokens[1].text == "Mtu") {
            counters.clear();
            bool after_address = false;
            for (const Token& t : tokens) {
                if (after_address) counters.push_back(t.text);
                if (t.text == "Address") after_address = true;
            }
            result.header_found = after_address && !counters.empty();
            continue;
        }
        if (!result.header_found) {
            ++result.malformed;
            continue;
        }
        const std::size_t k = counters.size();
        if (tokens.size() < 3 + k) {
            ++result.malformed;
            continue;
        }
        const std::string_view network = tokens[2].text;
        if (!starts_with(network, "<Link#")) {
            ++result.address_rows;
            continue;
        }
        if (result.rows.size() >= kMaxRows) {
            result.row_limit_hit = true;
            break;
        }
        const std::size_t between = tokens.size() - k - 3;
        std::uint64_t index = 0;
        std::uint64_t mtu = 0;
        InterfaceRow row;
        row.name = std::string(tokens[0].text);
        row.up = true;
        if (!row.name.empty() && row.name.back() == '*') {
            row.name.pop_back();
            row.up = false;
        }
        // netstat marks a down interface with one '*'; a name still ending in one is garbage.
        if (between > 1 || row.name.empty() || row.name.back() == '*' || network.back() != '>' ||
            !text::parse_bounded(network.substr(6, network.size() - 7),
                                 std::numeric_limits<std::uint32_t>::max(), index) ||
            !text::parse_u64(tokens[1].text, mtu)) {
            ++result.malformed;
            continue;
        }
        row.link_index = static_cast<std::uint32_t>(index);
        if (between == 1) row.link_address = std::string(tokens[3].text);
        bool ok = true;
        bool has_ibytes = false;
        bool has_obytes = false;
        for (std::size_t c = 0; c < k && ok; ++c) {
            const std::string_view name = counters[c];
            const std::string_view value = tokens[3 + between + c].text;
            std::uint64_t v = 0;
            const bool optional =
                name == "Ierrs" || name == "Oerrs" || name == "Coll" || name == "Drop";
            if (optional && value == "-") {
                v = 0;
            } else if (!text::parse_u64(value, v)) {
                // Columns that sstop does not read may hold anything.
                ok = !(optional || name == "Ipkts" || name == "Ibytes" || name == "Opkts" ||
                       name == "Obytes");
                continue;
            }
            if (name == "Ipkts") row.rx_packets = v;
            if (name == "Ierrs") row.rx_errors = v;
            if (name == "Ibytes") {
                row.rx_bytes = v;
                has_ibytes = true;
            }
            if (name == "Opkts") row.tx_packets = v;
            if (name == "Oerrs") row.tx_errors = v;
            if (name == "Obytes") {
                row.tx_bytes = v;
                has_obytes = true;
            }
            if (name == "Coll") row.collisions = v;
            if (name == "Drop") {
                row.drops = v;
                row.has_drops = true;
            }
        }
        if (!ok) {
            ++result.malformed;
            continue;
        }
        row.has_bytes = has_ibytes && has_obytes;
        if (!links.insert(row.link_index).second) {
            ++result.duplicate_links;
            continue;
        }
        result.rows.push_back(std::move(row));
    }
    return result;
}

std::vector<sstop::InterfaceObs> to_interface_obs(const std::vector<InterfaceRow>& rows) {
    std::map<std::string_view, std::size_t> uses;  // bounded by rows (≤ kMaxRows)
    for (const InterfaceRow& row : rows) ++uses[row.name];
    std::vector<sstop::InterfaceObs> out;
    out.reserve(rows.size());
    for (const InterfaceRow& row : rows) {
        sstop::InterfaceObs obs;
        obs.name = row.name;
        if (uses[row.name] > 1) obs.name += "#" + std::to_string(row.link_index);
        obs.index = row.link_index;
        obs.up = row.up;
        obs.rx_bytes = row.rx_bytes;
        obs.tx_bytes = row.tx_bytes;
        obs.rx_packets = row.rx_packets;
        obs.tx_packets = row.tx_packets;
        out.push_back(std::move(obs));
    }
    return out;
}

}  // namespace sstop::plugins::darwin
