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
        } else if (field == 9) {
            auto flags = parse_unsigned<std::uint32_t>(token);
            if (!flags) return std::nullopt;
            out.flags = *flags;
        } else if (field == 22) {
            auto start = parse_unsigned<std::uint64_t>(token);
            if (!start) return std::nullopt;
            out.start_time = *start;
        }
    }
    return out;
}

std::optional<std::string> find_mount_point(std::string_view proc_mounts,
                                            std::string_view fs_type) {
    std::size_t pos = 0;
    while (pos < proc_mounts.size()) {
        std::size_t end = proc_mounts.find('\n', pos);
        if (end == std::string_view::npos) end = proc_mounts.size();
        std::string_view line = proc_mounts.substr(pos, end - pos);
        pos = end + 1;
        // device mount-point type options ...
        std::size_t a = line.find(' ');
        if (a == std::string_view::npos) continue;
        std::size_t b = line.find(' ', a + 1);
        if (b == std::string_view::npos) continue;
        std::size_t c = line.find(' ', b + 1);
        std::string_view type = line.substr(b + 1, c == std::string_view::npos ? c : c - b - 1);
        if (type == fs_type) return std::string(line.substr(a + 1, b - a - 1));
    }
    return std::nullopt;
}

std::optional<std::int32_t> parse_pid_name(std::string_view name) {
    if (name.size() > 10) return std::nullopt;
    auto pid = parse_unsigned<std::uint32_t>(name);
    if (!pid || *pid == 0 || *pid > 0x7fffffffu) return std::nullopt;
    return static_cast<std::int32_t>(*pid);
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

std::uint64_t parse_sockstat_sockets(std::string_view text) {
    std::uint64_t total = 0;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view proto = line.substr(0, colon);
        if (proto != "TCP" && proto != "UDP" && proto != "TCP6" && proto != "UDP6") continue;
        // "TCP: inuse 3 orphan 0 tw 1 alloc 5 mem 2": name/value pairs after the colon.
        std::string_view rest = line.substr(colon + 1);
        for (;;) {
            const std::string_view name = next_token(rest);
            if (name.empty()) break;
            const std::string_view value = next_token(rest);
            if (name == "inuse" || name == "tw")
                total += parse_unsigned<std::uint64_t>(value).value_or(0);
        }
    }
    return total;
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

namespace sstop::plugins::linuxproc {
namespace {

// Container ids are 64 hex digits; the short form users know (`docker ps`) is the first 12.
constexpr std::size_t kFullIdLength = 64;
constexpr std::size_t kShortIdLength = 12;

struct CgroupLine {
    std::uint32_t hierarchy = 0;
    std::string_view controllers;
    std::string_view path;
};

std::optional<CgroupLine> split_cgroup_line(std::string_view line) {
    const std::size_t first = line.find(':');
    if (first == std::string_view::npos) return std::nullopt;
    const std::size_t second = line.find(':', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    auto hierarchy = parse_unsigned<std::uint32_t>(line.substr(0, first));
    if (!hierarchy) return std::nullopt;
    CgroupLine out;
    out.hierarchy = *hierarchy;
    out.controllers = line.substr(first + 1, second - first - 1);
    out.path = line.substr(second + 1);
    // The kernel marks the path of a removed cgroup that still has a zombie member.
    constexpr std::string_view kDeleted = " (deleted)";
    if (out.path.size() > kDeleted.size() && out.path.ends_with(kDeleted)) {
        out.path.remove_suffix(kDeleted.size());
    }
    if (out.path.empty() || out.path.front() != '/') return std::nullopt;
    return out;
}

bool has_controller(std::string_view controllers, std::string_view wanted) {
    while (!controllers.empty()) {
        const std::size_t comma = controllers.find(',');
        if (controllers.substr(0, comma) == wanted) return true;
        if (comma == std::string_view::npos) break;
        controllers.remove_prefix(comma + 1);
    }
    return false;
}

bool is_hex(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        const bool digit = c >= '0' && c <= '9';
        const bool lower = c >= 'a' && c <= 'f';
        const bool upper = c >= 'A' && c <= 'F';
        if (!digit && !lower && !upper) return false;
    }
    return true;
}

// A prefixed id (`docker-<id>`) may be any length from the short to the full form; a bare
// component must be a full id, since a short run of hex digits is too easily something else.
bool is_prefixed_id(std::string_view text) {
    return text.size() >= kShortIdLength && text.size() <= kFullIdLength && is_hex(text);
}

bool is_full_id(std::string_view text) { return text.size() == kFullIdLength && is_hex(text); }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// systemd escapes unit-name characters as `\xNN` (`-` inside a name is `\x2d`). Control
// characters, which a terminal must not see, become '?'.
std::string unescape_systemd(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\' && i + 3 < text.size() && text[i + 1] == 'x') {
            const int high = hex_value(text[i + 2]);
            const int low = hex_value(text[i + 3]);
            if (high >= 0 && low >= 0) {
                c = static_cast<char>(high * 16 + low);
                i += 3;
            }
        }
        const auto byte = static_cast<unsigned char>(c);
        out.push_back(byte < 0x20 || byte == 0x7f ? '?' : c);
    }
    return out;
}

// The container that the path component `name` is, if any. `parent` is the component above
// it; `in_kubepods` says whether a `kubepods*` component came earlier.
std::optional<std::string> container_of(std::string_view name, std::string_view parent,
                                        bool in_kubepods) {
    constexpr std::string_view kScope = ".scope";
    std::string_view base = name;
    const bool scope = base.size() > kScope.size() && base.ends_with(kScope);
    if (scope) base.remove_suffix(kScope.size());
    // `libpod-conmon-<id>` and `crio-conmon-<id>` are the monitors, not the containers: their
    // rest is not hex, so they do not match.
    for (std::string_view prefix : {"docker-", "libpod-", "cri-containerd-", "crio-"}) {
        if (base.starts_with(prefix) && is_prefixed_id(base.substr(prefix.size()))) {
            return std::string(base.substr(prefix.size(), kShortIdLength));
        }
    }
    constexpr std::string_view kMachine = "machine-";
    if (scope && base.size() > kMachine.size() && base.starts_with(kMachine)) {
        return unescape_systemd(base.substr(kMachine.size()));
    }
    constexpr std::string_view kLxcPayload = "lxc.payload.";
    if (name.size() > kLxcPayload.size() && name.starts_with(kLxcPayload)) {
        return std::string(name.substr(kLxcPayload.size()));
    }
    if (parent == "lxc") return std::string(name);
    if ((parent == "docker" || in_kubepods) && is_full_id(name)) {
        return std::string(name.substr(0, kShortIdLength));
    }
    return std::nullopt;
}

bool is_unit_name(std::string_view name) {
    for (std::string_view suffix : {".service", ".scope"}) {
        if (name.size() > suffix.size() && name.ends_with(suffix)) return true;
    }
    return false;
}

// Walks the components of `path` once; the innermost container and unit win.
void analyse_path(std::string_view path, std::string* container, std::string* unit) {
    std::string_view parent;
    bool in_kubepods = false;
    std::string_view unit_name;
    std::optional<std::string> found;
    while (!path.empty()) {
        const std::size_t start = path.find_first_not_of('/');
        if (start == std::string_view::npos) break;
        path.remove_prefix(start);
        const std::size_t end = path.find('/');
        const std::string_view name = path.substr(0, end);
        path.remove_prefix(end == std::string_view::npos ? path.size() : end);

        if (auto here = container_of(name, parent, in_kubepods)) {
            found = std::move(here);
        } else if (is_unit_name(name)) {
            unit_name = name;
        }
        if (name.starts_with("kubepods")) in_kubepods = true;
        parent = name;
    }
    if (container && found) *container = std::move(*found);
    if (unit && !unit_name.empty()) *unit = unescape_systemd(unit_name);
}

}  // namespace

CgroupInfo parse_cgroup(std::string_view text) {
    std::optional<std::string_view> unified;  // the cgroup v2 line
    std::optional<std::string_view> systemd;  // the v1 name=systemd line
    std::optional<std::string_view> first;
    std::string_view rest = text;
    while (!rest.empty()) {
        const std::size_t end = rest.find('\n');
        const std::string_view line = rest.substr(0, end);
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
        auto parsed = split_cgroup_line(line);
        if (!parsed) continue;
        if (!first) first = parsed->path;
        if (!unified && parsed->hierarchy == 0 && parsed->controllers.empty()) {
            unified = parsed->path;
        }
        if (!systemd && has_controller(parsed->controllers, "name=systemd")) {
            systemd = parsed->path;
        }
    }

    // On a hybrid system the v2 line can be the root while name=systemd knows better.
    std::optional<std::string_view> chosen = unified;
    if (!chosen || (*chosen == "/" && systemd)) chosen = systemd;
    if (!chosen) chosen = first;

    CgroupInfo out;
    if (!chosen) return out;
    if (*chosen != "/") out.path = std::string(*chosen);
    analyse_path(*chosen, &out.container, &out.unit);
    if (!out.container.empty()) return out;

    // A container runtime on cgroup v1 (or hybrid) may have moved the process only in the v1
    // controllers (`4:memory:/docker/<id>`): look there for a container, not for a unit.
    rest = text;
    while (!rest.empty() && out.container.empty()) {
        const std::size_t end = rest.find('\n');
        const std::string_view line = rest.substr(0, end);
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
        if (auto parsed = split_cgroup_line(line)) {
            analyse_path(parsed->path, &out.container, nullptr);
        }
    }
    return out;
}

}  // namespace sstop::plugins::linuxproc
