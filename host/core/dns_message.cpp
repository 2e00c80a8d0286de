#include "core/dns_message.hpp"

#include <cstring>
#include <sstop/text.hpp>

namespace sstop::core::dns {
namespace {

constexpr std::size_t kMaxPointerJumps = 128;  // a legal name needs far fewer

std::uint16_t read_u16(std::span<const std::uint8_t> msg, std::size_t at) {
    return static_cast<std::uint16_t>((msg[at] << 8) | msg[at + 1]);
}

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

bool equal_names(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

}  // namespace

std::string ptr_name(const IpAddr& addr) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    if (addr.family == Family::V4) {
        for (int i = 3; i >= 0; --i) {
            out += std::to_string(addr.bytes[static_cast<std::size_t>(i)]);
            out += '.';
        }
        out += "in-addr.arpa";
    } else if (addr.family == Family::V6) {
        for (int i = 15; i >= 0; --i) {
            std::uint8_t b = addr.bytes[static_cast<std::size_t>(i)];
            out += kHex[b & 0xf];
            out += '.';
            out += kHex[b >> 4];
            out += '.';
        }
        out += "ip6.arpa";
    }
    return out;
}

std::vector<std::uint8_t> encode_ptr_query(std::uint16_t id, std::string_view name) {
    std::vector<std::uint8_t> out;
    if (name.empty()) return out;
    out.reserve(kHeaderSize + name.size() + 6);
    put_u16(out, id);
    put_u16(out, 0x0100);  // standard query, recursion desired
    put_u16(out, 1);       // QDCOUNT
    put_u16(out, 0);
    put_u16(out, 0);
    put_u16(out, 0);
    std::size_t wire_length = 1;  // the root label
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) dot = name.size();
        std::size_t len = dot - start;
        if (len == 0 || len > kMaxLabelLength) return {};
        wire_length += len + 1;
        if (wire_length > kMaxNameLength) return {};
        out.push_back(static_cast<std::uint8_t>(len));
        out.insert(out.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
                   name.begin() + static_cast<std::ptrdiff_t>(dot));
        start = dot + 1;
    }
    out.push_back(0);
    put_u16(out, kTypePtr);
    put_u16(out, kClassIn);
    return out;
}

std::optional<std::string> read_name(std::span<const std::uint8_t> msg, std::size_t& offset) {
    std::string name;
    std::size_t pos = offset;
    std::size_t wire_length = 1;
    std::size_t jumps = 0;
    std::optional<std::size_t> resume;  // where the caller continues after the first pointer
    while (true) {
        if (pos >= msg.size()) return std::nullopt;
        std::uint8_t len = msg[pos];
        if ((len & 0xc0) == 0xc0) {
            if (pos + 1 >= msg.size()) return std::nullopt;
            std::size_t target = static_cast<std::size_t>(read_u16(msg, pos) & 0x3fff);
            // Only backward pointers: every jump strictly decreases the position, so no loop
            // can form; the jump limit is a second guard.
            if (target >= pos || ++jumps > kMaxPointerJumps) return std::nullopt;
            if (!resume) resume = pos + 2;
            pos = target;
            continue;
        }
        if ((len & 0xc0) != 0) return std::nullopt;  // 0x40/0x80: reserved label types
        if (len == 0) {
            offset = resume ? *resume : pos + 1;
            return name;
        }
        wire_length += len + 1u;
        if (wire_length > kMaxNameLength) return std::nullopt;
        if (pos + 1 + len > msg.size()) return std::nullopt;
        const char* label = reinterpret_cast<const char*>(msg.data() + pos + 1);
        // A dot inside a label would read back as a different name ("a.b" as two labels):
        // such an answer is refused rather than shown as something it is not.
        if (std::memchr(label, '.', len) != nullptr) return std::nullopt;
        if (!name.empty()) name += '.';
        name.append(label, len);
        pos += 1 + len;
    }
}

bool is_display_safe(std::string_view name) {
    // Dots separate labels (read_name refuses a dot inside one). Everything else must be
    // printable ASCII without space.
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return false;
    }
    return true;
}

PtrReply decode_ptr_reply(std::span<const std::uint8_t> msg, std::uint16_t id,
                          std::string_view question) {
    PtrReply out;
    if (msg.size() < kHeaderSize) {
        out.kind = ReplyKind::Mismatch;  // too short to even carry our id
        return out;
    }
    std::uint16_t flags = read_u16(msg, 2);
    bool is_reply = (flags & 0x8000) != 0;
    unsigned opcode = (flags >> 11) & 0xf;
    if (read_u16(msg, 0) != id || !is_reply || opcode != 0) {
        out.kind = ReplyKind::Mismatch;
        return out;
    }
    unsigned rcode = flags & 0xf;
    std::uint16_t qdcount = read_u16(msg, 4);
    std::uint16_t ancount = read_u16(msg, 6);
    if (qdcount != 1) {
        // A server may omit the question in an error reply; without it we cannot tell it is
        // ours, so it is not trusted.
        out.kind = ReplyKind::Mismatch;
        return out;
    }
    std::size_t pos = kHeaderSize;
    auto qname = read_name(msg, pos);
    if (!qname || pos + 4 > msg.size()) {
        out.kind = ReplyKind::Malformed;
        return out;
    }
    if (!equal_names(*qname, question) || read_u16(msg, pos) != kTypePtr ||
        read_u16(msg, pos + 2) != kClassIn) {
        out.kind = ReplyKind::Mismatch;
        return out;
    }
    pos += 4;
    if (rcode == 3) {
        out.kind = ReplyKind::NoName;
        return out;
    }
    if (rcode != 0) {
        out.kind = ReplyKind::ServerError;
        return out;
    }
    for (std::uint16_t i = 0; i < ancount; ++i) {
        if (!read_name(msg, pos) || pos + 10 > msg.size()) {
            out.kind = ReplyKind::Malformed;
            return out;
        }
        std::uint16_t type = read_u16(msg, pos);
        std::uint16_t klass = read_u16(msg, pos + 2);
        std::size_t rdlength = read_u16(msg, pos + 8);
        pos += 10;
        if (pos + rdlength > msg.size()) {
            out.kind = ReplyKind::Malformed;
            return out;
        }
        std::size_t rdata_end = pos + rdlength;
        if (type == kTypePtr && klass == kClassIn) {
            std::size_t at = pos;
            auto name = read_name(msg, at);
            if (!name || at != rdata_end || name->empty() || !is_display_safe(*name)) {
                out.kind = ReplyKind::Malformed;
                return out;
            }
            out.kind = ReplyKind::Name;
            out.name = std::move(*name);
            return out;
        }
        pos = rdata_end;  // CNAMEs (RFC 2317 delegation) and others: skip
    }
    out.kind = ReplyKind::NoName;
    return out;
}

}  // namespace sstop::core::dns
