#include "trace_ring.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <linuxproc/number.hpp>
#include <string>

#include "trace_events.hpp"

namespace sstop::plugins::netlink {
namespace {

namespace lp = sstop::plugins::linuxproc;

// Event header types (kernel/trace/ring_buffer.c; also printed in events/header_event).
constexpr std::uint32_t kTypeDataMax = 28;
constexpr std::uint32_t kTypePadding = 29;
constexpr std::uint32_t kTypeTimeExtend = 30;
constexpr std::uint32_t kTypeTimeStamp = 31;
constexpr unsigned kTsShift = 27;
// The commit word carries "events were lost" flags in bits 31 and 30.
constexpr std::uint64_t kMissedEvents = 1ull << 31;
constexpr std::uint64_t kMissedStored = 1ull << 30;

// The unsigned value after `key:` in a line of ';'-separated "key:value" items.
std::optional<std::size_t> item(std::string_view line, std::string_view key) {
    std::size_t pos = 0;
    while (pos < line.size()) {
        std::size_t end = line.find(';', pos);
        if (end == std::string_view::npos) end = line.size();
        std::string_view token = trim_blanks(line.substr(pos, end - pos));
        if (token.size() > key.size() && token.substr(0, key.size()) == key &&
            token[key.size()] == ':')
            return lp::parse_unsigned<std::size_t>(trim_blanks(token.substr(key.size() + 1)));
        pos = end + 1;
    }
    return std::nullopt;
}

// Calls `on_field(name, field)` for each "field:<type> <name>[N];\toffset:..;\tsize:..;" line.
template <typename F>
void for_each_field(std::string_view text, F&& on_field) {
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        line = trim_blanks(line);
        if (line.substr(0, 6) != "field:") continue;
        std::size_t semi = line.find(';');
        if (semi == std::string_view::npos) continue;
        std::string_view decl = trim_blanks(line.substr(6, semi - 6));
        if (std::size_t bracket = decl.find('['); bracket != std::string_view::npos)
            decl = decl.substr(0, bracket);
        std::size_t space = decl.find_last_of(" *");
        std::string_view name = space == std::string_view::npos ? decl : decl.substr(space + 1);
        auto offset = item(line, "offset");
        auto size = item(line, "size");
        if (!name.empty() && offset && size) on_field(name, RawField{*offset, *size});
    }
}

template <typename T>
T load(std::span<const std::uint8_t> bytes, std::size_t at) {
    T v;
    std::memcpy(&v, bytes.data() + at, sizeof v);
    return v;
}

std::uint64_t load_unsigned(std::span<const std::uint8_t> bytes, RawField f) {
    switch (f.size) {
        case 1:
            return load<std::uint8_t>(bytes, f.offset);
        case 2:
            return load<std::uint16_t>(bytes, f.offset);
        case 4:
            return load<std::uint32_t>(bytes, f.offset);
        default:
            return load<std::uint64_t>(bytes, f.offset);
    }
}

// The event's type id, from the format's "ID:" line.
std::optional<std::uint16_t> event_id(std::string_view text) {
    std::size_t id_pos = text.find("\nID:");
    if (text.substr(0, 3) == "ID:")
        id_pos = 0;
    else if (id_pos != std::string_view::npos)
        ++id_pos;
    if (id_pos == std::string_view::npos) return std::nullopt;
    std::string_view id_line = text.substr(id_pos + 3);
    id_line = trim_blanks(id_line.substr(0, id_line.find('\n')));
    auto id = lp::parse_unsigned<std::uint32_t>(id_line);
    if (!id || *id == 0 || *id > 0xffff) return std::nullopt;
    return static_cast<std::uint16_t>(*id);
}

template <typename Layout>
struct Want {
    std::string_view name;
    RawField Layout::*field;
    std::size_t size;  // 0: 2, 4 or 8 accepted (integers whose width may differ)
    bool found = false;
};

// Fills `out` (its id, every wanted field and the record size they need) from a format
// file; false when the id or a field is missing, or a field has a size other than the one read.
template <typename Layout, std::size_t N>
bool parse_fields(std::string_view text, Layout& out, Want<Layout> (&wants)[N]) {
    auto id = event_id(text);
    if (!id) return false;
    out.id = *id;
    for_each_field(text, [&](std::string_view name, RawField f) {
        for (Want<Layout>& w : wants) {
            if (w.name != name) continue;
            const bool size_ok =
                w.size ? f.size == w.size : (f.size == 2 || f.size == 4 || f.size == 8);
            if (!size_ok) return;
            out.*(w.field) = f;
            w.found = true;
        }
    });
    for (const Want<Layout>& w : wants) {
        if (!w.found) return false;
        const RawField& f = out.*(w.field);
        out.record_size = std::max(out.record_size, f.offset + f.size);
    }
    return true;
}

}  // namespace

std::optional<PageLayout> parse_header_page(std::string_view text) {
    PageLayout out;
    bool ts = false, commit = false, data = false;
    for_each_field(text, [&](std::string_view name, RawField f) {
        if (name == "timestamp" && f.size == 8) {
            out.timestamp = f;
            ts = true;
        } else if (name == "commit" && (f.size == 4 || f.size == 8)) {
            out.commit = f;
            commit = true;
        } else if (name == "data" && f.size > 0) {
            out.data = f;
            data = true;
        }
    });
    if (!ts || !commit || !data) return std::nullopt;
    return out;
}

std::optional<StateRecordLayout> parse_state_format(std::string_view text) {
    using L = StateRecordLayout;
    StateRecordLayout out;
    Want<L> wants[] = {
        {"common_type", &L::common_type, 2},
        {"common_pid", &L::common_pid, 4},
        {"skaddr", &L::skaddr, 0},
        {"oldstate", &L::oldstate, 0},
        {"newstate", &L::newstate, 0},
        {"sport", &L::sport, 2},
        {"dport", &L::dport, 2},
        {"family", &L::family, 0},
        {"protocol", &L::protocol, 0},
        {"saddr", &L::saddr, 4},
        {"daddr", &L::daddr, 4},
        {"saddr_v6", &L::saddr_v6, 16},
        {"daddr_v6", &L::daddr_v6, 16},
    };
    if (!parse_fields(text, out, wants)) return std::nullopt;
    return out;
}

std::optional<ExitRecordLayout> parse_exit_format(std::string_view text) {
    using L = ExitRecordLayout;
    ExitRecordLayout out;
    Want<L> wants[] = {
        {"common_type", &L::common_type, 2},
        {"comm", &L::comm, 16},
        {"pid", &L::pid, 4},
    };
    if (!parse_fields(text, out, wants)) return std::nullopt;
    return out;
}

std::optional<std::size_t> for_each_record(
    std::span<const std::uint8_t> page, const PageLayout& layout,
    const std::function<void(std::uint64_t, std::span<const std::uint8_t>)>& on_record,
    bool* lost) {
    if (lost) *lost = false;
    const std::size_t header_end =
        std::max({layout.timestamp.offset + layout.timestamp.size,
                  layout.commit.offset + layout.commit.size, layout.data.offset});
    if (page.size() < header_end) return std::nullopt;
    std::uint64_t ts = load<std::uint64_t>(page, layout.timestamp.offset);
    std::uint64_t commit = load_unsigned(page, layout.commit);
    if (lost) *lost = (commit & kMissedEvents) != 0;
    commit &= ~(kMissedEvents | kMissedStored);
    const std::size_t begin = layout.data.offset;
    if (commit > layout.data.size || begin + commit > page.size()) return std::nullopt;
    const std::size_t end = begin + commit;
    std::size_t count = 0;
    std::size_t pos = begin;
    while (pos + 4 <= end) {
        const std::uint32_t word = load<std::uint32_t>(page, pos);
        std::uint32_t type_len, delta;
        if constexpr (std::endian::native == std::endian::little) {
            type_len = word & 0x1f;
            delta = word >> 5;
        } else {
            type_len = word >> 27;
            delta = word & ((1u << 27) - 1);
        }
        const bool has_array = pos + 8 <= end;
        const std::uint32_t array0 = has_array ? load<std::uint32_t>(page, pos + 4) : 0;
        std::size_t next;
        if (type_len == kTypePadding) {
            if (delta == 0) break;  // the rest of the page is empty
            if (!has_array) return std::nullopt;
            next = pos + 4 + array0;
        } else if (type_len == kTypeTimeExtend) {
            if (!has_array) return std::nullopt;
            ts += (static_cast<std::uint64_t>(array0) << kTsShift) + delta;
            next = pos + 8;
        } else if (type_len == kTypeTimeStamp) {
            if (!has_array) return std::nullopt;
            // An absolute stamp of 59 bits; the page's top bits complete it.
            const std::uint64_t abs = (static_cast<std::uint64_t>(array0) << kTsShift) | delta;
            ts = (ts & ~((1ull << 59) - 1)) | abs;
            next = pos + 8;
        } else {
            ts += delta;
            std::size_t data_at, length;
            if (type_len == 0) {
                // Long record: array[0] holds its length, itself included.
                if (!has_array || array0 < 4) return std::nullopt;
                data_at = pos + 8;
                length = array0 - 4;
                next = pos + 4 + ((static_cast<std::size_t>(array0) + 3) & ~std::size_t{3});
            } else if (type_len <= kTypeDataMax) {
                data_at = pos + 4;
                length = type_len * 4u;
                next = data_at + length;
            } else {
                return std::nullopt;
            }
            if (data_at + length > end) return std::nullopt;
            on_record(ts, page.subspan(data_at, length));
            ++count;
        }
        if (next <= pos || next > end) return std::nullopt;
        pos = next;
    }
    return count;
}

std::optional<RawStateRecord> decode_state_record(std::span<const std::uint8_t> record,
                                                  const StateRecordLayout& layout) {
    if (record.size() < layout.record_size) return std::nullopt;
    if (load<std::uint16_t>(record, layout.common_type.offset) != layout.id) return std::nullopt;
    RawStateRecord out;
    out.pid = load<std::int32_t>(record, layout.common_pid.offset);
    out.skaddr = load_unsigned(record, layout.skaddr);
    out.old_state = static_cast<int>(load_unsigned(record, layout.oldstate));
    out.new_state = static_cast<int>(load_unsigned(record, layout.newstate));
    out.sport = load<std::uint16_t>(record, layout.sport.offset);
    out.dport = load<std::uint16_t>(record, layout.dport.offset);
    out.family = static_cast<std::uint16_t>(load_unsigned(record, layout.family));
    out.protocol = static_cast<std::uint16_t>(load_unsigned(record, layout.protocol));
    const bool v6 = out.family == 10;  // AF_INET6
    const RawField& s = v6 ? layout.saddr_v6 : layout.saddr;
    const RawField& d = v6 ? layout.daddr_v6 : layout.daddr;
    out.saddr = record.subspan(s.offset, s.size);
    out.daddr = record.subspan(d.offset, d.size);
    return out;
}

std::optional<RawExitRecord> decode_exit_record(std::span<const std::uint8_t> record,
                                                const ExitRecordLayout& layout) {
    if (record.size() < layout.record_size) return std::nullopt;
    if (load<std::uint16_t>(record, layout.common_type.offset) != layout.id) return std::nullopt;
    RawExitRecord out;
    out.pid = load<std::int32_t>(record, layout.pid.offset);
    const char* comm = reinterpret_cast<const char*>(record.data() + layout.comm.offset);
    out.comm = std::string_view(comm, ::strnlen(comm, layout.comm.size));
    return out;
}

}  // namespace sstop::plugins::netlink
