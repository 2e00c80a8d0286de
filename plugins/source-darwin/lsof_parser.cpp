#include "lsof_parser.hpp"

#include <limits>
#include <unordered_set>

#include "netstat_parser.hpp"
#include "text_util.hpp"

namespace sstop::plugins::darwin {
namespace {

bool parse_pid(std::string_view s, std::int32_t& pid) {
    std::uint64_t value = 0;
    if (!text::parse_bounded(s, std::numeric_limits<std::int32_t>::max(), value)) return false;
    pid = static_cast<std::int32_t>(value);
    return true;
}

sstop::Proto proto_of(std::string_view s) {
    if (s == "TCP") return sstop::Proto::Tcp;
    if (s == "UDP") return sstop::Proto::Udp;
    return sstop::Proto::Unknown;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "host:port", "[v6]:port", "*:port", "*:*".
bool parse_end(std::string_view s, sstop::Family any_family, sstop::Endpoint& out) {
    const std::size_t colon = s.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    std::string_view host = s.substr(0, colon);
    const std::string_view port_text = s.substr(colon + 1);
    sstop::Endpoint ep;
    if (port_text != "*") {
        std::uint64_t port = 0;
        if (!text::parse_bounded(port_text, 65535, port)) return false;
        ep.port = static_cast<std::uint16_t>(port);
    }
    if (host == "*") {
        ep.addr = text::any_address(any_family);
    } else {
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
        } else if (host.find(':') != std::string_view::npos) {
            return false;  // an IPv6 address without brackets: port boundary unknown
        }
        if (!text::parse_ip(host, ep.addr)) return false;
    }
    out = ep;
    return true;
}

// Collects sockets and the processes that own them, with the bounds of the header.
class Collector {
  public:
    explicit Collector(LsofParse& out) : out_(out) {}
    bool full() const { return out_.sockets.size() >= kMaxRows; }
    void add(LsofSocket socket) {
        if (full()) {
            out_.row_limit_hit = true;
            return;
        }
        if (pids_.insert(socket.pid).second) {
            sstop::ProcessInfo info;
            info.id.pid = socket.pid;
            info.name = socket.command;
            out_.processes.push_back(std::move(info));
        }
        out_.sockets.push_back(std::move(socket));
    }

  private:
    LsofParse& out_;
    std::unordered_set<std::int32_t> pids_;  // ≤ kMaxRows, as the sockets
};

void finish_name(LsofSocket& s) {
    s.has_endpoints = parse_lsof_name(s.name, s.local, s.remote);
    // "*:port" of an IPv6 socket is the IPv6 any-address; the NAME alone does not say so.
    if (s.has_endpoints && s.ip_version == "IPv6" && s.name.substr(0, 2) == "*:") {
        s.local.addr = text::any_address(sstop::Family::V6);
    }
}

}  // namespace

std::string decode_lsof_escapes(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c != '\\' || i + 1 >= s.size()) {
            out.push_back(c);
            continue;
        }
        const char e = s[i + 1];
        if (e == 'x' && i + 3 < s.size() && hex_value(s[i + 2]) >= 0 && hex_value(s[i + 3]) >= 0) {
            out.push_back(static_cast<char>(hex_value(s[i + 2]) * 16 + hex_value(s[i + 3])));
            i += 3;
            continue;
        }
        char decoded = 0;
        switch (e) {
            case '\\':
                decoded = '\\';
                break;
            case 'n':
                decoded = '\n';
                break;
            case 't':
                decoded = '\t';
                break;
            case 'r':
                decoded = '\r';
                break;
            case 'b':
                decoded = '\b';
                break;
            case 'f':
                decoded = '\f';
                break;
            default:
                break;
        }
        if (decoded != 0) {
            out.push_back(decoded);
            ++i;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

bool parse_lsof_name(std::string_view name, sstop::Endpoint& local, sstop::Endpoint& remote) {
    const std::size_t arrow = name.find("->");
    const std::string_view left = arrow == std::string_view::npos ? name : name.substr(0, arrow);
    sstop::Endpoint l;
    sstop::Endpoint r;
    const sstop::Family any =
        left.find('[') != std::string_view::npos ? sstop::Family::V6 : sstop::Family::V4;
    if (!parse_end(left, any, l)) return false;
    if (arrow != std::string_view::npos) {
        if (!parse_end(name.substr(arrow + 2), any, r)) return false;
    }
    local = l;
    remote = r;
    return true;
}

LsofParse parse_lsof_fields(std::string_view input) {
    LsofParse result;
    Collector collector(result);
    text::LineReader lines(input);
    std::string_view line;
    std::int32_t pid = 0;
    bool have_process = false;
    std::string command;
    LsofSocket file;
    bool have_file = false;
    auto flush = [&] {
        if (have_file && file.proto != sstop::Proto::Unknown) {
            finish_name(file);
            collector.add(std::move(file));
        }
        file = LsofSocket{};
        have_file = false;
    };
    while (lines.next(line) && !result.row_limit_hit) {
        if (line.size() > kMaxLineBytes) {
            ++result.malformed;
            continue;
        }
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        const char field = line[0];
        const std::string_view value = line.substr(1);
        switch (field) {
            case 'p':
                flush();
                have_process = parse_pid(value, pid);
                if (!have_process) ++result.malformed;
                command.clear();
                break;
            case 'c':
                command = decode_lsof_escapes(value);
                break;
            case 'f':
                flush();
                if (!have_process) {
                    ++result.malformed;
                    break;
                }
                file.pid = pid;
                file.command = command;
                file.fd = std::string(value);
                have_file = true;
                break;
            case 't':
                if (have_file) file.ip_version = std::string(value);
                break;
            case 'P':
                if (have_file) file.proto = proto_of(value);
                break;
            case 'n':
                if (have_file) file.name = std::string(value);
                break;
            case 'T':
                if (have_file && value.substr(0, 3) == "ST=") {
                    file.state = parse_tcp_state(value.substr(3));
                }
                break;
            default:
                // Other fields (g, R, u, L, a, l, G, d, o, …) are not needed; a line that does
                // not start with a field letter is not lsof -F output.
                if (!((field >= 'a' && field <= 'z') || (field >= 'A' && field <= 'Z') ||
                      (field >= '0' && field <= '9'))) {
                    ++result.malformed;
                }
                break;
        }
    }
    if (!result.row_limit_hit) flush();
    return result;
}

LsofParse parse_lsof_table(std::string_view input) {
    LsofParse result;
    Collector collector(result);
    text::LineReader lines(input);
    std::string_view line;
    while (lines.next(line)) {
        if (line.size() > kMaxLineBytes) {
            ++result.malformed;
            continue;
        }
        const std::vector<text::Token> tokens = text::tokenize(line);
        if (tokens.empty()) continue;
        if (tokens[0].text == "COMMAND") continue;
        // COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME [(STATE)]: the NODE column (TCP,
        // UDP) is found by its value, because DEVICE and SIZE/OFF may be blank.
        std::size_t node = 0;
        for (std::size_t i = 5; i < tokens.size(); ++i) {
            if (proto_of(tokens[i].text) != sstop::Proto::Unknown) {
                node = i;
                break;
            }
        }
        LsofSocket s;
        if (tokens.size() < 6 || node == 0 || node + 1 >= tokens.size() ||
            !parse_pid(tokens[1].text, s.pid)) {
            ++result.malformed;
            continue;
        }
        if (collector.full()) {
            result.row_limit_hit = true;
            break;
        }
        s.command = decode_lsof_escapes(tokens[0].text);
        s.fd = std::string(tokens[3].text);
        s.ip_version = std::string(tokens[4].text);
        s.proto = proto_of(tokens[node].text);
        s.name = std::string(tokens[node + 1].text);
        if (node + 2 < tokens.size()) {
            std::string_view st = tokens[node + 2].text;
            if (st.size() > 2 && st.front() == '(' && st.back() == ')') {
                s.state = parse_tcp_state(st.substr(1, st.size() - 2));
            }
        }
        finish_name(s);
        collector.add(std::move(s));
    }
    return result;
}

}  // namespace sstop::plugins::darwin
