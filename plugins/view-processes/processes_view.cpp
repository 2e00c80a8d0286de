#include "processes_view.hpp"

#include <algorithm>
#include <sstop/format.hpp>
#include <string>

namespace sstop::plugins::processes {
namespace {

namespace vc = view_common;
using vc::Align;
using vc::Column;

constexpr int kSparkPoints = 16;

double total_rate(const Traffic& t) { return t.rx_bps + t.tx_bps; }

// Orders processes for a SortKey; ties fall back to pid (then start time) so rows never
// jump between two draws of the same snapshot.
bool before(const ProcessSummary& a, const ProcessSummary& b, SortKey key) {
    auto by_id = [&] { return a.info.id < b.info.id; };
    switch (key) {
        case SortKey::Rate:
            if (total_rate(a.traffic) != total_rate(b.traffic))
                return total_rate(a.traffic) > total_rate(b.traffic);
            return by_id();
        case SortKey::Download:
            if (a.traffic.rx_bps != b.traffic.rx_bps) return a.traffic.rx_bps > b.traffic.rx_bps;
            return by_id();
        case SortKey::Upload:
            if (a.traffic.tx_bps != b.traffic.tx_bps) return a.traffic.tx_bps > b.traffic.tx_bps;
            return by_id();
        case SortKey::Pid:
            return by_id();
        case SortKey::Name: {
            std::string na = vc::to_lower(a.info.name), nb = vc::to_lower(b.info.name);
            if (na != nb) return na < nb;
            return by_id();
        }
        case SortKey::Connections:
            if (a.connections != b.connections) return a.connections > b.connections;
            return by_id();
    }
    return by_id();
}

// Everything the filter looks at, lower-cased and joined by newlines (which no needle holds):
// built once per snapshot, so a frame with a filter is a substring search per process.
std::string search_text(const ProcessSummary& p) {
    std::string text = p.info.name + "\n" + p.info.cmdline + "\n" + std::to_string(p.info.id.pid);
    for (const ConnectionSummary& c : p.sockets) {
        if (c.key.remote.addr.family == Family::None) continue;
        text += "\n" + format_addr(c.key.remote.addr);
        if (!c.remote_name.empty()) text += "\n" + c.remote_name;
    }
    return vc::to_lower(text);
}

bool is_closing(SocketState s, Proto proto) {
    switch (s) {
        case SocketState::FinWait1:
        case SocketState::FinWait2:
        case SocketState::TimeWait:
        case SocketState::CloseWait:
        case SocketState::LastAck:
        case SocketState::Closing:
            return true;
        case SocketState::Close:
            return proto == Proto::Tcp;
        default:
            return false;
    }
}

ThemeRole state_role(SocketState s, Proto proto) {
    if (s == SocketState::Established) return ThemeRole::Good;
    if (s == SocketState::Listen) return ThemeRole::Accent;
    if (is_closing(s, proto)) return ThemeRole::Warn;
    return ThemeRole::Dim;
}

const char* proto_name(Proto p) {
    switch (p) {
        case Proto::Tcp:
            return "TCP";
        case Proto::Udp:
            return "UDP";
        case Proto::Unknown:
            break;
    }
    return "?";
}

std::string remote_text(const ConnectionSummary& c, bool show_names) {
    if (show_names && !c.remote_name.empty() && c.key.remote.addr.family != Family::None)
        return c.remote_name + ":" + std::to_string(c.key.remote.port);
    return format_endpoint(c.key.remote);
}

}  // namespace

ProcessesView::ProcessesView(PluginContext& context) { (void)context; }

std::vector<KeyHint> ProcessesView::key_hints() const {
    if (detail_) return {{"Esc", "back"}, {"j/k", "move"}, {"d", "names/addresses"}};
    return {{"Enter", "details"},  {"Esc", "back"},       {"j/k", "move"},
            {"PgUp/PgDn", "page"}, {"g/G", "first/last"}, {"s", "sort"}};
}

void ProcessesView::update(std::shared_ptr<const Snapshot> snapshot) {
    snapshot_ = std::move(snapshot);
    search_.clear();  // rebuilt on the first filtered frame of this snapshot
}

std::vector<const ProcessSummary*> ProcessesView::rows(const ViewContext& context) const {
    std::vector<const ProcessSummary*> out;
    if (!snapshot_) return out;
    std::string needle = vc::to_lower(context.filter);
    const auto& processes = snapshot_->processes;
    if (!needle.empty() && search_.size() != processes.size()) {
        search_.clear();
        search_.reserve(processes.size());
        for (const ProcessSummary& p : processes) search_.push_back(search_text(p));
    }
    for (std::size_t i = 0; i < processes.size(); ++i)
        if (needle.empty() || search_[i].find(needle) != std::string::npos)
            out.push_back(&processes[i]);
    SortKey key = context.sort;
    std::sort(out.begin(), out.end(), [key](const ProcessSummary* a, const ProcessSummary* b) {
        return before(*a, *b, key);
    });
    return out;
}

void ProcessesView::sync(const std::vector<const ProcessSummary*>& rows) {
    int n = static_cast<int>(rows.size());
    if (selected_) {
        auto it = std::find_if(rows.begin(), rows.end(),
                               [&](const ProcessSummary* p) { return p->info.id == *selected_; });
        if (it != rows.end()) cursor_.set_index(static_cast<int>(it - rows.begin()), n);
    }
    cursor_.set_index(cursor_.index(), n);
    if (n > 0)
        selected_ = rows[static_cast<std::size_t>(cursor_.index())]->info.id;
    else
        selected_.reset();
}

const ProcessSummary* ProcessesView::find(const ProcessId& id) const {
    if (!snapshot_) return nullptr;
    for (const ProcessSummary& p : snapshot_->processes)
        if (p.info.id == id) return &p;
    return nullptr;
}

std::vector<const ConnectionSummary*> ProcessesView::connections(const ProcessSummary& p) const {
    std::vector<const ConnectionSummary*> out;
    out.reserve(p.sockets.size());
    for (const ConnectionSummary& c : p.sockets) out.push_back(&c);
    // Busy connections first, listeners last: what moves traffic is what users look for.
    std::sort(out.begin(), out.end(), [](const ConnectionSummary* a, const ConnectionSummary* b) {
        bool la = a->state == SocketState::Listen, lb = b->state == SocketState::Listen;
        if (la != lb) return lb;
        if (total_rate(a->traffic) != total_rate(b->traffic))
            return total_rate(a->traffic) > total_rate(b->traffic);
        return a->key < b->key;
    });
    return out;
}

void ProcessesView::draw(Canvas& canvas, const ViewContext& context) {
    if (canvas.width() <= 0 || canvas.height() <= 0) return;
    if (detail_)
        draw_detail(canvas, context);
    else
        draw_table(canvas, context);
}

void ProcessesView::draw_table(Canvas& canvas, const ViewContext& context) {
    const bool uni = canvas.unicode();
    const int width = canvas.width(), height = canvas.height();
    enum { kPid, kName, kRx, kTx, kTotal, kConn, kSpark, kBar };
    std::vector<Column> cols = {
        {"PID", 7, Align::Right},
        {"NAME", 10, Align::Left, 1},
        {uni ? "↓ RATE" : "DN RATE", 10, Align::Right, 0, 1},
        {uni ? "↑ RATE" : "UP RATE", 10, Align::Right, 0, 2},
        {"TOTAL", 9, Align::Right, 0, 3},
        {"CONN", 5, Align::Right, 0, 4},
        {"HISTORY", kSparkPoints, Align::Left, 0, 5},
        {"BANDWIDTH", 10, Align::Left, 2, 6},
    };
    switch (context.sort) {
        case SortKey::Rate:
            cols[kRx].sorted = cols[kTx].sorted = true;
            break;
        case SortKey::Download:
            cols[kRx].sorted = true;
            break;
        case SortKey::Upload:
            cols[kTx].sorted = true;
            break;
        case SortKey::Pid:
            cols[kPid].sorted = true;
            break;
        case SortKey::Name:
            cols[kName].sorted = true;
            break;
        case SortKey::Connections:
            cols[kConn].sorted = true;
            break;
    }
    std::vector<int> widths = vc::layout(cols, width);
    vc::draw_header(canvas, 0, cols, widths);

    auto list = rows(context);
    sync(list);
    const int n = static_cast<int>(list.size());
    const int visible = std::max(0, height - 1);
    if (n == 0) {
        std::string msg = context.filter.empty() ? std::string("No processes with network activity")
                                                 : "No process matches '" + context.filter + "'";
        vc::draw_line(canvas, 1, std::min(2, height - 1), msg, canvas.style(ThemeRole::Dim));
        return;
    }
    double max_rate = 0;
    for (const ProcessSummary* p : list) max_rate = std::max(max_rate, total_rate(p->traffic));
    int top = cursor_.scroll(n, visible);
    for (int r = 0; r < visible && top + r < n; ++r) {
        const ProcessSummary& p = *list[static_cast<std::size_t>(top + r)];
        const int y = 1 + r;
        const bool selected = top + r == cursor_.index();
        Style row = vc::row_style(canvas, top + r, selected);
        canvas.fill(0, y, width, 1, row);
        auto cell = [&](ThemeRole role) {
            return selected ? row : vc::on_row(canvas.style(role), row);
        };
        double level = max_rate > 0 ? total_rate(p.traffic) / max_rate : 0;
        Style rate = vc::on_row(canvas.rate_style(level), row);
        vc::draw_cell(canvas, y, widths, kPid, std::to_string(p.info.id.pid), cell(ThemeRole::Dim),
                      Align::Right);
        vc::draw_cell(canvas, y, widths, kName, p.info.name, cell(ThemeRole::Text), Align::Left);
        vc::draw_cell(canvas, y, widths, kRx, format_rate(p.traffic.rx_bps), cell(ThemeRole::Rx),
                      Align::Right);
        vc::draw_cell(canvas, y, widths, kTx, format_rate(p.traffic.tx_bps), cell(ThemeRole::Tx),
                      Align::Right);
        vc::draw_cell(canvas, y, widths, kTotal,
                      format_bytes(static_cast<double>(p.traffic.rx_bytes + p.traffic.tx_bytes)),
                      cell(ThemeRole::Text), Align::Right);
        vc::draw_cell(canvas, y, widths, kConn, std::to_string(p.connections),
                      cell(ThemeRole::Text), Align::Right);
        if (widths[kSpark] > 0)
            vc::draw_cell(canvas, y, widths, kSpark,
                          sparkline(p.history, std::min(kSparkPoints, widths[kSpark]), uni), rate,
                          Align::Left);
        if (widths[kBar] > 0)
            vc::draw_cell(canvas, y, widths, kBar, vc::bar(level, widths[kBar], uni), rate,
                          Align::Left);
    }
}

void ProcessesView::draw_detail(Canvas& canvas, const ViewContext& context) {
    const bool uni = canvas.unicode();
    const int width = canvas.width(), height = canvas.height();
    const ProcessSummary* p = find(*detail_);
    if (!p) {
        vc::draw_line(canvas, 0, 0, "process " + std::to_string(detail_->pid) + " has exited",
                      canvas.style(ThemeRole::Warn));
        vc::draw_line(canvas, 0, 1, "Esc: back to the list", canvas.style(ThemeRole::Dim));
        return;
    }
    Style accent = canvas.style(ThemeRole::Accent);
    accent.attrs |= kAttrBold;
    vc::draw_line(canvas, 0, 0,
                  p->info.name + "  pid " + std::to_string(p->info.id.pid) + "  uid " +
                      std::to_string(p->info.uid),
                  accent);
    vc::draw_line(canvas, 0, 1, p->info.cmdline.empty() ? "(no command line)" : p->info.cmdline,
                  canvas.style(ThemeRole::Dim));
    const char* down = uni ? "↓ " : "DN ";
    const char* up = uni ? "↑ " : "UP ";
    vc::draw_line(canvas, 0, 2,
                  down + format_rate(p->traffic.rx_bps) + "  " + up +
                      format_rate(p->traffic.tx_bps) + "   total " + down +
                      format_bytes(static_cast<double>(p->traffic.rx_bytes)) + " " + up +
                      format_bytes(static_cast<double>(p->traffic.tx_bytes)) + "   " +
                      std::to_string(p->connections) + " connections, " +
                      std::to_string(p->listening) + " listening",
                  canvas.style(ThemeRole::Text));

    enum { kProto, kLocal, kRemote, kState, kAge, kRx, kTx };
    std::vector<Column> cols = {
        {"PROTO", 5, Align::Left, 0, 2},
        {"LOCAL", 15, Align::Left, 1, 6},
        {"REMOTE", 15, Align::Left, 2},
        {"STATE", 11, Align::Left},
        {"AGE", 6, Align::Right, 0, 5},
        {uni ? "↓ RATE" : "DN RATE", 10, Align::Right, 0, 3},
        {uni ? "↑ RATE" : "UP RATE", 10, Align::Right, 0, 4},
    };
    std::vector<int> widths = vc::layout(cols, width);
    vc::draw_header(canvas, kDetailTableY, cols, widths);
    auto conns = connections(*p);
    const int n = static_cast<int>(conns.size());
    const int visible = std::max(0, height - kDetailTableY - 1);
    if (n == 0) {
        vc::draw_line(canvas, 1, kDetailTableY + 1, "No sockets", canvas.style(ThemeRole::Dim));
        return;
    }
    int top = detail_cursor_.scroll(n, visible);
    for (int r = 0; r < visible && top + r < n; ++r) {
        const ConnectionSummary& c = *conns[static_cast<std::size_t>(top + r)];
        const int y = kDetailTableY + 1 + r;
        const bool selected = top + r == detail_cursor_.index();
        Style row = vc::row_style(canvas, top + r, selected);
        canvas.fill(0, y, width, 1, row);
        auto cell = [&](ThemeRole role) {
            return selected ? row : vc::on_row(canvas.style(role), row);
        };
        vc::draw_cell(canvas, y, widths, kProto, proto_name(c.key.proto), cell(ThemeRole::Text),
                      Align::Left);
        vc::draw_cell(canvas, y, widths, kLocal, format_endpoint(c.key.local),
                      cell(ThemeRole::Text), Align::Left);
        vc::draw_cell(canvas, y, widths, kRemote, remote_text(c, context.show_names),
                      cell(ThemeRole::Text), Align::Left);
        Style badge = vc::on_row(canvas.style(state_role(c.state, c.key.proto)), row);
        vc::draw_cell(canvas, y, widths, kState, state_name(c.state, c.key.proto), badge,
                      Align::Left);
        vc::draw_cell(canvas, y, widths, kAge, format_age(c.age_s), cell(ThemeRole::Dim),
                      Align::Right);
        // An unmeasured socket has no byte counters: "-" instead of a misleading zero.
        vc::draw_cell(canvas, y, widths, kRx, c.measured ? format_rate(c.traffic.rx_bps) : "-",
                      cell(ThemeRole::Rx), Align::Right);
        vc::draw_cell(canvas, y, widths, kTx, c.measured ? format_rate(c.traffic.tx_bps) : "-",
                      cell(ThemeRole::Tx), Align::Right);
    }
}

bool ProcessesView::on_key(const KeyEvent& key, const ViewContext& context) {
    if (detail_) {
        if (key.code == kKeyEscape) {
            detail_.reset();
            return true;
        }
        if (vc::is_navigation_key(key.code)) {
            const ProcessSummary* p = find(*detail_);
            detail_cursor_.on_key(key.code, p ? static_cast<int>(p->sockets.size()) : 0);
            return true;
        }
        return false;
    }
    auto list = rows(context);
    sync(list);
    const int n = static_cast<int>(list.size());
    if (key.code == kKeyEnter) {
        if (n == 0) return false;
        detail_ = list[static_cast<std::size_t>(cursor_.index())]->info.id;
        detail_cursor_ = vc::ListCursor{};
        return true;
    }
    if (!cursor_.on_key(key.code, n)) return false;
    if (n > 0) selected_ = list[static_cast<std::size_t>(cursor_.index())]->info.id;
    return true;
}

bool ProcessesView::on_mouse(const MouseEvent& mouse, const ViewContext& context) {
    if (mouse.kind == MouseEvent::Kind::WheelUp || mouse.kind == MouseEvent::Kind::WheelDown) {
        std::int32_t code = mouse.kind == MouseEvent::Kind::WheelUp ? kKeyUp : kKeyDown;
        for (int i = 0; i < 3; ++i) on_key(KeyEvent{code}, context);
        return true;
    }
    if (detail_ || mouse.y < 1) return false;
    auto list = rows(context);
    sync(list);
    const int index = cursor_.top() + mouse.y - 1;
    if (index >= static_cast<int>(list.size())) return false;
    cursor_.set_index(index, static_cast<int>(list.size()));
    selected_ = list[static_cast<std::size_t>(index)]->info.id;
    if (mouse.kind == MouseEvent::Kind::DoubleClick) return on_key(KeyEvent{kKeyEnter}, context);
    return true;
}

std::optional<ProcessInfo> ProcessesView::selected_process() const {
    const std::optional<ProcessId>& id = detail_ ? detail_ : selected_;
    if (!id) return std::nullopt;
    if (const ProcessSummary* p = find(*id)) return p->info;
    return std::nullopt;
}

}  // namespace sstop::plugins::processes
