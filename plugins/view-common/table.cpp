#include "table.hpp"

#include <algorithm>
#include <cmath>
#include <sstop/format.hpp>

namespace sstop::plugins::view_common {
namespace {

// Length in bytes of the UTF-8 character at text[i]; 1 for a byte that is not valid UTF-8,
// which counts (and is sanitized) as one character of its own, as the host draws it.
std::size_t sequence_length(std::string_view text, std::size_t i) {
    const std::size_t length = decode_utf8(text, i).length;
    return length == 0 ? 1 : length;
}

}  // namespace

int text_cells(std::string_view text) {
    int cells = 0;
    for (std::size_t i = 0; i < text.size(); i += sequence_length(text, i)) ++cells;
    return cells;
}

std::string sanitize(std::string_view text, bool unicode) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        std::size_t len = sequence_length(text, i);
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7F)
            out += '?';
        else if (c < 0x80)
            out += static_cast<char>(c);
        else if (!unicode || len == 1)  // a stray byte is not valid UTF-8 either
            out += '?';
        else
            out.append(text.substr(i, len));
        i += len;
    }
    return out;
}

std::string fit(std::string_view text, int width, bool unicode, Align align) {
    if (width <= 0) return {};
    std::string clean = sanitize(text, unicode);
    int cells = text_cells(clean);
    if (cells > width) {
        // Keep width-1 code points and mark the cut.
        std::size_t end = 0;
        for (int kept = 0; kept < width - 1; ++kept) end += sequence_length(clean, end);
        clean.resize(end);
        clean += unicode ? "…" : "~";
        return clean;
    }
    std::string pad(static_cast<std::size_t>(width - cells), ' ');
    return align == Align::Left ? clean + pad : pad + clean;
}

void append_lower(std::string& out, std::string_view text) {
    const std::size_t at = out.size();
    out.append(text);
    for (std::size_t i = at; i < out.size(); ++i) out[i] = ascii_lower(out[i]);
}

int compare_ci(std::string_view a, std::string_view b) {
    const auto lower = [](char c) { return static_cast<unsigned char>(ascii_lower(c)); };
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char x = lower(a[i]), y = lower(b[i]);
        if (x != y) return x < y ? -1 : 1;
    }
    return a.size() == b.size() ? 0 : a.size() < b.size() ? -1 : 1;
}

std::string bar(double level, int width, bool unicode) {
    if (width <= 0) return {};
    if (!(level > 0)) level = 0;  // also catches NaN
    if (level > 1) level = 1;
    std::string out;
    if (!unicode) {
        int full = static_cast<int>(std::lround(level * width));
        if (level > 0 && full == 0) full = 1;  // show that something moved
        out.assign(static_cast<std::size_t>(full), '#');
        out.append(static_cast<std::size_t>(width - full), ' ');
        return out;
    }
    static const char* const kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    int eighths = static_cast<int>(std::lround(level * width * 8));
    if (level > 0 && eighths == 0) eighths = 1;
    int full = eighths / 8;
    int tip = eighths % 8;
    for (int i = 0; i < full; ++i) out += "█";
    int used = full;
    if (tip > 0 && used < width) {
        out += kEighths[tip];
        ++used;
    }
    out.append(static_cast<std::size_t>(width - used), ' ');
    return out;
}

const char* proto_name(Proto proto) {
    switch (proto) {
        case Proto::Tcp:
            return "TCP";
        case Proto::Udp:
            return "UDP";
        case Proto::Icmp:
            return "ICMP";
        case Proto::Icmpv6:
            return "ICMP6";
        case Proto::Sctp:
            return "SCTP";
        case Proto::Unknown:
            return "?";
    }
    return "RAW";
}

double total_rate(const Traffic& traffic) { return traffic.rx_bps + traffic.tx_bps; }

std::optional<bool> sort_before(SortKey key, const SortFields& a, const SortFields& b) {
    switch (key) {
        case SortKey::Rate: {
            double ra = a.rx_bps + a.tx_bps, rb = b.rx_bps + b.tx_bps;
            if (ra != rb) return ra > rb;
            break;
        }
        case SortKey::Download:
            if (a.rx_bps != b.rx_bps) return a.rx_bps > b.rx_bps;
            break;
        case SortKey::Upload:
            if (a.tx_bps != b.tx_bps) return a.tx_bps > b.tx_bps;
            break;
        case SortKey::Pid:
            break;
        case SortKey::Name: {
            // Compared in place: lower-casing copies in every comparison of a sort of
            // thousands of rows was most of a frame's cost.
            if (const int c = compare_ci(a.name, b.name); c != 0) return c < 0;
            break;
        }
        case SortKey::Connections:
            if (a.connections != b.connections) return a.connections > b.connections;
            break;
    }
    return std::nullopt;
}

void mark_sorted(std::vector<Column>& columns, SortKey key, const SortColumns& at) {
    auto mark = [&](std::size_t index) {
        if (index < columns.size()) columns[index].sorted = true;
    };
    switch (key) {
        case SortKey::Rate:
            mark(at.rx);
            mark(at.tx);
            break;
        case SortKey::Download:
            mark(at.rx);
            break;
        case SortKey::Upload:
            mark(at.tx);
            break;
        case SortKey::Pid:
            mark(at.pid);
            break;
        case SortKey::Name:
            mark(at.name);
            break;
        case SortKey::Connections:
            mark(at.connections);
            break;
    }
}

std::vector<int> layout(const std::vector<Column>& columns, int width) {
    std::vector<int> widths(columns.size(), 0);
    if (width <= 0 || columns.empty()) return widths;
    std::vector<bool> shown(columns.size(), true);
    auto needed = [&] {
        int sum = 0, n = 0;
        for (std::size_t i = 0; i < columns.size(); ++i)
            if (shown[i]) sum += std::max(1, columns[i].width), ++n;
        return n == 0 ? 0 : sum + n - 1;
    };
    while (needed() > width) {
        // Drop the droppable column with the highest rank (the rightmost on a tie).
        int victim = -1;
        for (std::size_t i = 0; i < columns.size(); ++i)
            if (shown[i] && columns[i].drop_rank > 0 &&
                (victim < 0 ||
                 columns[i].drop_rank >= columns[static_cast<std::size_t>(victim)].drop_rank))
                victim = static_cast<int>(i);
        if (victim < 0) break;
        shown[static_cast<std::size_t>(victim)] = false;
    }
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (shown[i]) widths[i] = std::max(1, columns[i].width);
    // Still too wide: growing columns are the flexible ones, so they give up to half their
    // width first; then the last columns shrink, and hide when even one cell is too much.
    int excess = needed() - width;
    for (std::size_t i = columns.size(); i-- > 0 && excess > 0;) {
        if (!shown[i] || columns[i].grow <= 0) continue;
        int cut = std::min(excess, widths[i] - std::max(1, widths[i] / 2));
        widths[i] -= cut;
        excess -= cut;
    }
    for (std::size_t i = columns.size(); i-- > 0 && excess > 0;) {
        if (!shown[i]) continue;
        int cut = std::min(excess, widths[i] - 1);
        widths[i] -= cut;
        excess -= cut;
        if (excess > 0) {
            excess -= widths[i] + 1;  // the column and its gap
            widths[i] = 0;
            shown[i] = false;
        }
    }
    int used = 0, n = 0;
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (shown[i]) used += widths[i], ++n;
    int spare = width - (n == 0 ? 0 : used + n - 1);
    int total_grow = 0;
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (shown[i]) total_grow += std::max(0, columns[i].grow);
    if (spare > 0 && total_grow > 0) {
        int given = 0;
        int first = -1;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (!shown[i] || columns[i].grow <= 0) continue;
            if (first < 0) first = static_cast<int>(i);
            int extra = spare * columns[i].grow / total_grow;
            widths[i] += extra;
            given += extra;
        }
        widths[static_cast<std::size_t>(first)] += spare - given;
    }
    return widths;
}

std::vector<int> column_x(const std::vector<int>& widths) {
    std::vector<int> xs(widths.size(), 0);
    int x = 0;
    for (std::size_t i = 0; i < widths.size(); ++i) {
        xs[i] = x;
        if (widths[i] > 0) x += widths[i] + 1;
    }
    return xs;
}

Style on_row(const Style& cell, const Style& row) {
    Style s = cell;
    s.bg = row.bg;
    s.default_bg = row.default_bg;
    s.attrs = static_cast<std::uint8_t>(s.attrs | row.attrs);
    return s;
}

Style row_style(const Canvas& canvas, int index, bool selected) {
    if (selected) return canvas.style(ThemeRole::Selected);
    return canvas.style(index % 2 == 1 ? ThemeRole::Zebra : ThemeRole::Text);
}

void draw_header(Canvas& canvas, int y, const std::vector<Column>& columns,
                 const std::vector<int>& widths) {
    if (y < 0 || y >= canvas.height() || canvas.width() <= 0) return;
    Style header = canvas.style(ThemeRole::Header);
    canvas.fill(0, y, canvas.width(), 1, header);
    bool unicode = canvas.unicode();
    for (std::size_t i = 0; i < columns.size() && i < widths.size(); ++i) {
        std::string title = columns[i].title;
        if (columns[i].sorted) title += unicode ? "▾" : "v";
        draw_cell(canvas, y, widths, i, title, header, columns[i].align);
    }
}

std::vector<int> draw_table_header(Canvas& canvas, int y, const std::vector<Column>& columns) {
    std::vector<int> widths = layout(columns, canvas.width());
    draw_header(canvas, y, columns, widths);
    return widths;
}

void draw_cell(Canvas& canvas, int y, const std::vector<int>& widths, std::size_t index,
               std::string_view text, const Style& style, Align align) {
    if (index >= widths.size() || widths[index] <= 0) return;
    if (y < 0 || y >= canvas.height()) return;
    int x = column_x(widths)[index];
    int w = std::min(widths[index], canvas.width() - x);
    if (w <= 0) return;
    canvas.text(x, y, fit(text, w, canvas.unicode(), align), style, w);
}

void draw_line(Canvas& canvas, int x, int y, std::string_view text, const Style& style) {
    if (y < 0 || y >= canvas.height() || x < 0) return;
    int w = canvas.width() - x;
    if (w <= 0) return;
    std::string s = sanitize(text, canvas.unicode());
    if (text_cells(s) > w) s = fit(s, w, canvas.unicode());
    canvas.text(x, y, s, style, w);
}

void draw_no_rows(Canvas& canvas, const std::string& filter, std::string_view empty,
                  std::string_view item) {
    std::string msg = filter.empty() ? std::string(empty)
                                     : "No " + std::string(item) + " matches '" + filter + "'";
    draw_line(canvas, 1, std::min(2, canvas.height() - 1), msg, canvas.style(ThemeRole::Dim));
}

bool on_wheel(const MouseEvent& mouse, const std::function<void(const KeyEvent&)>& on_key) {
    if (mouse.kind != MouseEvent::Kind::WheelUp && mouse.kind != MouseEvent::Kind::WheelDown)
        return false;
    std::int32_t code = mouse.kind == MouseEvent::Kind::WheelUp ? kKeyUp : kKeyDown;
    for (int i = 0; i < kWheelLines; ++i) on_key(KeyEvent{code});
    return true;
}

Style ListRow::cell(const Canvas& canvas, ThemeRole role) const {
    return selected ? style : on_row(canvas.style(role), style);
}

void draw_traffic_cells(Canvas& canvas, const ListRow& row, const std::vector<int>& widths,
                        const TrafficColumns& at, const Traffic& traffic, std::uint32_t connections,
                        bool cumulative) {
    auto shown = [cumulative](double rate, std::uint64_t bytes) {
        return cumulative ? format_bytes(static_cast<double>(bytes)) : format_rate(rate);
    };
    draw_cell(canvas, row.y, widths, at.rx, shown(traffic.rx_bps, traffic.rx_bytes),
              row.cell(canvas, ThemeRole::Rx), Align::Right);
    draw_cell(canvas, row.y, widths, at.tx, shown(traffic.tx_bps, traffic.tx_bytes),
              row.cell(canvas, ThemeRole::Tx), Align::Right);
    draw_cell(canvas, row.y, widths, at.total,
              format_bytes(static_cast<double>(traffic.rx_bytes + traffic.tx_bytes)),
              row.cell(canvas, ThemeRole::Text), Align::Right);
    draw_cell(canvas, row.y, widths, at.connections, std::to_string(connections),
              row.cell(canvas, ThemeRole::Text), Align::Right);
}

std::string rate_title(bool down, bool unicode, bool cumulative) {
    std::string title = down ? (unicode ? "↓ " : "DN ") : (unicode ? "↑ " : "UP ");
    return title + (cumulative ? "BYTES" : "RATE");
}

Traffic as_shown(const Traffic& traffic, bool cumulative) {
    if (!cumulative) return traffic;
    Traffic out = traffic;
    out.rx_bps = static_cast<double>(traffic.rx_bytes);
    out.tx_bps = static_cast<double>(traffic.tx_bytes);
    return out;
}

void draw_rows(Canvas& canvas, ListCursor& cursor, int first_y, int count,
               const std::function<void(const ListRow&)>& draw_row) {
    const int visible = std::max(0, canvas.height() - first_y);
    const int top = cursor.scroll(count, visible);
    for (int r = 0; r < visible && top + r < count; ++r) {
        ListRow row;
        row.item = static_cast<std::size_t>(top + r);
        row.y = first_y + r;
        row.selected = top + r == cursor.index();
        row.style = row_style(canvas, top + r, row.selected);
        canvas.fill(0, row.y, canvas.width(), 1, row.style);
        draw_row(row);
    }
}

bool is_navigation_key(std::int32_t code) {
    switch (code) {
        case 'j':
        case 'k':
        case 'g':
        case 'G':
        case kKeyUp:
        case kKeyDown:
        case kKeyPageUp:
        case kKeyPageDown:
        case kKeyCtrlU:
        case kKeyCtrlD:
        case kKeyHome:
        case kKeyEnd:
            return true;
        default:
            return false;
    }
}

bool ListCursor::on_key(std::int32_t code, int count) {
    int half = std::max(1, page_ / 2);
    switch (code) {
        case 'j':
        case kKeyDown:
            set_index(index_ + 1, count);
            return true;
        case 'k':
        case kKeyUp:
            set_index(index_ - 1, count);
            return true;
        case kKeyPageDown:
            set_index(index_ + page_, count);
            return true;
        case kKeyPageUp:
            set_index(index_ - page_, count);
            return true;
        case kKeyCtrlD:
            set_index(index_ + half, count);
            return true;
        case kKeyCtrlU:
            set_index(index_ - half, count);
            return true;
        case 'g':
        case kKeyHome:
            set_index(0, count);
            return true;
        case 'G':
        case kKeyEnd:
            set_index(count - 1, count);
            return true;
        default:
            return false;
    }
}

void ListCursor::set_index(int index, int count) {
    index_ = count <= 0 ? 0 : std::clamp(index, 0, count - 1);
}

int ListCursor::scroll(int count, int visible) {
    visible = std::max(1, visible);
    page_ = visible;
    set_index(index_, count);
    if (index_ < top_) top_ = index_;
    if (index_ >= top_ + visible) top_ = index_ - visible + 1;
    top_ = std::clamp(top_, 0, std::max(0, count - visible));
    return top_;
}

}  // namespace sstop::plugins::view_common
