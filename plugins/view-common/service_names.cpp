#include "service_names.hpp"

#include <array>
#include <charconv>
#include <fstream>

namespace sstop::plugins::view_common {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/// The next blank-separated word of `line` from `pos`, "" at the end.
std::string_view next_word(std::string_view line, std::size_t& pos) {
    while (pos < line.size() && is_space(line[pos])) ++pos;
    const std::size_t start = pos;
    while (pos < line.size() && !is_space(line[pos])) ++pos;
    return line.substr(start, pos - start);
}

bool proto_of(std::string_view text, Proto& out) {
    if (text == "tcp") {
        out = Proto::Tcp;
    } else if (text == "udp") {
        out = Proto::Udp;
    } else if (text == "sctp") {
        out = Proto::Sctp;
    } else {
        return false;
    }
    return true;
}

}  // namespace

ServiceNames ServiceNames::parse(std::string_view text, std::size_t max_entries) {
    ServiceNames out;
    while (!text.empty() && out.names_.size() < max_entries) {
        const std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        line = line.substr(0, line.find('#'));
        std::size_t pos = 0;
        const std::string_view name = next_word(line, pos);
        const std::string_view port_proto = next_word(line, pos);
        const std::size_t slash = port_proto.find('/');
        if (name.empty() || slash == std::string_view::npos) continue;
        unsigned port = 0;
        const char* first = port_proto.data();
        const char* last = port_proto.data() + slash;
        auto [end, ec] = std::from_chars(first, last, port);
        if (ec != std::errc{} || end != last || port > 65535) continue;
        Proto proto = Proto::Unknown;
        if (!proto_of(port_proto.substr(slash + 1), proto)) continue;
        out.names_.try_emplace(key(proto, static_cast<std::uint16_t>(port)), name);
    }
    return out;
}

ServiceNames ServiceNames::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::string text;
    std::array<char, 4096> buf{};
    while (text.size() < kMaxBytes &&
           in.read(buf.data(), static_cast<std::streamsize>(buf.size())).gcount() > 0)
        text.append(buf.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxBytes) text.resize(text.rfind('\n', kMaxBytes) + 1);  // whole lines
    return parse(text);
}

std::string_view ServiceNames::name(Proto proto, std::uint16_t port) const {
    if (proto != Proto::Tcp && proto != Proto::Udp && proto != Proto::Sctp) return {};
    auto it = names_.find(key(proto, port));
    return it == names_.end() ? std::string_view{} : std::string_view(it->second);
}

}  // namespace sstop::plugins::view_common
