#include <linuxproc/number.hpp>
#include <linuxproc/proc_parse.hpp>

namespace sstop::plugins::linuxproc {
namespace {

// Splits off the next space-separated token; returns an empty view at the end.
std::string_view next_token(std::string_view& rest) {
    std::size_t start = rest.find_first_not_of(" \t\n");
    if (start == std::string_view::npos) {
        rest = {};
        return {};
    }
    rest.remove_prefix(start);
    std::size_t end = rest.find_first_of(" \t\n");
    std::string_view token = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    return token;
}

}  // namespace

std::optional<ProcStat> parse_stat(std::string_view stat) {
    std::size_t open = stat.find('(');
    std::size_t close = stat.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return std::nullopt;
    }
    std::string_view pid_part = stat.substr(0, open);
    while (!pid_part.empty() && pid_part.back() == ' ') pid_part.remove_suffix(1);
    if (!parse_unsigned<std::uint32_t>(pid_part)) return std::nullopt;

    ProcStat out;
    out.comm = std::string(stat.substr(open + 1, close - open - 1));
    std::string_view rest = stat.substr(close + 1);
    // Fields after the comm start at field 3 (state); the start time is field 22.
    for (int field = 3; field <= 22; ++field) {
        std::string_view token = next_token(rest);
        if (token.empty()) return std::nullopt;
        if (field == 3) {
            if (token.size() != 1) return std::nullopt;
            out.state = token[0];
        } else if (field == 4) {
            auto ppid = parse_unsigned<std::uint32_t>(token);
            if (!ppid || *ppid > 0x7fffffffu) return std::nullopt;
            out.ppid = static_cast<std::int32_t>(*ppid);
        } else if (field == 22) {
            auto start = parse_unsigned<std::uint64_t>(token);
            if (!start) return std::nullopt;
            out.start_time = *start;
        }
    }
    return out;
}

std::optional<std::uint64_t> parse_socket_link(std::string_view link) {
    constexpr std::string_view kPrefix = "socket:[";
    if (link.size() < kPrefix.size() + 2 || link.substr(0, kPrefix.size()) != kPrefix ||
        link.back() != ']') {
        return std::nullopt;
    }
    return parse_unsigned<std::uint64_t>(
        link.substr(kPrefix.size(), link.size() - kPrefix.size() - 1));
}

std::optional<std::uint32_t> parse_status_uid(std::string_view status) {
    constexpr std::string_view kKey = "Uid:";
    std::size_t pos = 0;
    while (pos < status.size()) {
        std::size_t end = status.find('\n', pos);
        std::string_view line =
            status.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (line.substr(0, kKey.size()) == kKey) {
            std::string_view rest = line.substr(kKey.size());
            return parse_unsigned<std::uint32_t>(next_token(rest));
        }
        if (end == std::string_view::npos) break;
        pos = end + 1;
    }
    return std::nullopt;
}

std::string join_cmdline(std::string_view raw) {
    if (raw.size() > kMaxCmdline) raw = raw.substr(0, kMaxCmdline);
    while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
    std::string out(raw);
    for (char& c : out) {
        if (c == '\0') c = ' ';
    }
    return out;
}

}  // namespace sstop::plugins::linuxproc
