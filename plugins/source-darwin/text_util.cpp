#include "text_util.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <limits>

namespace sstop::plugins::darwin::text {

std::vector<Token> tokenize(std::string_view line, std::size_t max_tokens) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < line.size() && out.size() < max_tokens) {
        while (i < line.size() && is_blank(line[i])) ++i;
        if (i >= line.size()) break;
        const std::size_t start = i;
        while (i < line.size() && !is_blank(line[i])) ++i;
        out.push_back(Token{line.substr(start, i - start), start});
    }
    return out;
}

bool LineReader::next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    std::size_t end = pos_;
    while (end < text_.size() && text_[end] != '\n' && text_[end] != '\0') ++end;
    line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return true;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
    return parse_bounded(s, std::numeric_limits<std::uint64_t>::max(), out);
}

bool parse_bounded(std::string_view s, std::uint64_t max, std::uint64_t& out) {
    if (s.empty() || s.size() > 20) return false;
    std::uint64_t value = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return false;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (max - digit) / 10) return false;
        value = value * 10 + digit;
    }
    out = value;
    return true;
}

bool parse_ip(std::string_view s, sstop::IpAddr& out) {
    // The zone of a link-local address names an interface; the key has no room for it.
    const std::size_t zone = s.find('%');
    if (zone != std::string_view::npos) s = s.substr(0, zone);
    // INET6_ADDRSTRLEN is 46 with the terminator.
    if (s.empty() || s.size() > 45) return false;
    char buf[64];
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    sstop::IpAddr addr;
    if (s.find(':') == std::string_view::npos) {
        if (inet_pton(AF_INET, buf, addr.bytes.data()) != 1) return false;
        addr.family = sstop::Family::V4;
        out = addr;
        return true;
    }
    if (inet_pton(AF_INET6, buf, addr.bytes.data()) != 1) return false;
    static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(addr.bytes.data(), kMappedPrefix, sizeof kMappedPrefix) == 0) {
        sstop::IpAddr v4;
        v4.family = sstop::Family::V4;
        std::memcpy(v4.bytes.data(), addr.bytes.data() + 12, 4);
        out = v4;
        return true;
    }
    addr.family = sstop::Family::V6;
    out = addr;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace sstop::plugins::darwin::text
