#include "http_request.hpp"

namespace sstop::plugins::prometheus {
namespace {

// RFC 9110 tchar.
bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~':
            return true;
        default:
            return false;
    }
}

bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_tchar(c)) return false;
    return true;
}

// Visible ASCII: what a request target may hold (percent-encoding covers the rest).
bool is_target(std::string_view s) {
    if (s.empty() || s.front() != '/') return false;
    for (char c : s)
        if (c <= 0x20 || c >= 0x7f) return false;
    return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A header field line: `name ":" OWS value OWS`, value of visible characters, SP, HTAB or
// obs-text.
bool is_field_line(std::string_view line) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return false;
    for (char c : line.substr(colon + 1)) {
        auto u = static_cast<unsigned char>(c);
        if (u == 0x7f || (u < 0x20 && c != '\t')) return false;
    }
    return true;
}

}  // namespace

std::size_t find_head_end(std::string_view buffer) {
    for (std::size_t i = 1; i < buffer.size(); ++i) {
        if (buffer[i] != '\n') continue;
        if (buffer[i - 1] == '\n') return i + 1;
        if (i >= 2 && buffer[i - 1] == '\r' && buffer[i - 2] == '\n') return i + 1;
    }
    return 0;
}

Request parse_request(std::string_view head) {
    Request r;
    if (head.size() > kMaxHeadBytes) {
        r.status = ParseStatus::HeadTooLarge;
        return r;
    }
    auto eol = head.find("\r\n");
    if (eol == std::string_view::npos) return r;
    std::string_view line = head.substr(0, eol);
    if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos)
        return r;

    auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) return r;
    auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return r;
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method) || !is_target(target)) return r;
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !is_digit(version[5]) ||
        version[6] != '.' || !is_digit(version[7]))
        return r;

    // Header fields: each a CRLF-terminated line, then an empty CRLF line and nothing after.
    std::string_view rest = head.substr(eol + 2);
    while (true) {
        auto end = rest.find("\r\n");
        if (end == std::string_view::npos) return r;
        std::string_view field = rest.substr(0, end);
        rest = rest.substr(end + 2);
        if (field.empty()) break;
        if (field.find('\n') != std::string_view::npos ||
            field.find('\r') != std::string_view::npos || !is_field_line(field))
            return r;  // also rejects obs-fold (a line starting with whitespace)
    }
    if (!rest.empty()) return r;

    r.method_token = std::string(method);
    r.method = method == "GET" ? Method::Get : method == "HEAD" ? Method::Head : Method::Other;
    r.path = std::string(target.substr(0, target.find_first_of("?#")));
    if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
        r.status = ParseStatus::VersionNotSupported;
        return r;
    }
    r.minor_version = version[7] - '0';
    r.status = ParseStatus::Ok;
    return r;
}

}  // namespace sstop::plugins::prometheus
