#include "hosts_view.hpp"

#include <algorithm>
#include <limits>
#include <sstop/format.hpp>
#include <string>

namespace sstop::plugins::hosts {
namespace {

namespace vc = view_common;
using vc::Align;
using vc::Column;

constexpr std::size_t kAbsent = std::numeric_limits<std::size_t>::max();

double total_rate(const Traffic& t) { return t.rx_bps + t.tx_bps; }

std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out;
}

// Orders hosts for a SortKey. Hosts have no pid, so Pid sorts by address; Name sorts by DNS
// name with unnamed hosts last. Ties fall back to the address so the order is stable.
bool before(const RemoteHostSummary& a, const RemoteHostSummary& b, SortKey key) {
    auto by_addr = [&] { return a.addr < b.addr; };
    switch (key) {
        case SortKey::Rate:
            if (total_rate(a.traffic) != total_rate(b.traffic))
                return total_rate(a.traffic) > total_rate(b.traffic);
            return by_addr();
        case SortKey::Download:
            if (a.traffic.rx_bps != b.traffic.rx_bps) return a.traffic.rx_bps > b.traffic.rx_bps;
            return by_addr();
        case SortKey::Upload:
            if (a.traffic.tx_bps != b.traffic.tx_bps) return a.traffic.tx_bps > b.traffic.tx_bps;
            return by_addr();
        case SortKey::Pid:
            return by_addr();
        case SortKey::Name: {
            if (a.name.empty() != b.name.empty()) return b.name.empty();
            std::string na = vc::to_lower(a.name), nb = vc::to_lower(b.name);
            if (na != nb) return na < nb;
            return by_addr();
        }
        case SortKey::Connections:
            if (a.connections != b.connections) return a.connections > b.connections;
            return by_addr();
    }
    return by_addr();
}

bool matches(const RemoteHostSummary& h, const std::string& needle) {
    if (needle.empty()) return true;
    if (vc::contains_ci(format_addr(h.addr), needle) || vc::contains_ci(h.name, needle))
        return true;
    for (const std::string& p : h.processes)
        if (vc::contains_ci(p, needle)) return true;
    return false;
}

}  // namespace

HostsView::HostsView(PluginContext& context) { (void)context; }

std::vector<KeyHint> HostsView::key_hints() const {
    return {{"j/k", "move"},
            {"PgUp/PgDn", "page"},
            {"g/G", "first/last"},
            {"s", "sort"},
            {"d", "names/addresses"}};
}

void HostsView::update(std::shared_ptr<const Snapshot> snapshot) {
    snapshot_ = std::move(snapshot);
}

std::vector<const RemoteHostSummary*> HostsView::rows(const ViewContext& context) const {
    std::vector<const RemoteHostSummary*> out;
    if (!snapshot_) return out;
    std::string needle = vc::to_lower(context.filter);
    for (const RemoteHostSummary& h : snapshot_->remote_hosts)
        if (matches(h, needle)) out.push_back(&h);
    SortKey key = context.sort;
    std::sort(out.begin(), out.end(),
              [key](const RemoteHostSummary* a, const RemoteHostSummary* b) {
                  return before(*a, *b, key);
              });
    return out;
}

void HostsView::sync(const std::vector<const RemoteHostSummary*>& rows) {
    int n = static_cast<int>(rows.size());
    if (selected_) {
        auto it = std::find_if(rows.begin(), rows.end(),
                               [&](const RemoteHostSummary* h) { return h->addr == *selected_; });
        if (it != rows.end()) cursor_.set_index(static_cast<int>(it - rows.begin()), n);
    }
    cursor_.set_index(cursor_.index(), n);
    if (n > 0)
        selected_ = rows[static_cast<std::size_t>(cursor_.index())]->addr;
    else
        selected_.reset();
}

void HostsView::draw(Canvas& canvas, const ViewContext& context) {
    const int width = canvas.width(), height = canvas.height();
    if (width <= 0 || height <= 0) return;
    const bool uni = canvas.unicode();
    std::vector<Column> cols;
    auto add = [&](Column c) {
        cols.push_back(std::move(c));
        return cols.size() - 1;
    };
    const std::size_t kAddr = add({"ADDRESS", 15, Align::Left, 1});
    const std::size_t kName = context.show_names ? add({"NAME", 12, Align::Left, 2, 5}) : kAbsent;
    const std::size_t kRx = add({uni ? "↓ RATE" : "DN RATE", 10, Align::Right, 0, 1});
    const std::size_t kTx = add({uni ? "↑ RATE" : "UP RATE", 10, Align::Right, 0, 2});
    const std::size_t kTotal = add({"TOTAL", 9, Align::Right, 0, 3});
    const std::size_t kConn = add({"CONN", 5, Align::Right, 0, 4});
    const std::size_t kProcs = add({"PROCESSES", 10, Align::Left, 2, 6});
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
            cols[kAddr].sorted = true;
            break;
        case SortKey::Name:
            cols[kName != kAbsent ? kName : kAddr].sorted = true;
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
    if (n == 0) {
        std::string msg = context.filter.empty() ? std::string("No remote hosts")
                                                 : "No host matches '" + context.filter + "'";
        vc::draw_line(canvas, 1, std::min(2, height - 1), msg, canvas.style(ThemeRole::Dim));
        return;
    }
    const int visible = std::max(0, height - 1);
    int top = cursor_.scroll(n, visible);
    for (int r = 0; r < visible && top + r < n; ++r) {
        const RemoteHostSummary& h = *list[static_cast<std::size_t>(top + r)];
        const int y = 1 + r;
        const bool selected = top + r == cursor_.index();
        Style row = vc::row_style(canvas, top + r, selected);
        canvas.fill(0, y, width, 1, row);
        auto cell = [&](ThemeRole role) {
            return selected ? row : vc::on_row(canvas.style(role), row);
        };
        vc::draw_cell(canvas, y, widths, kAddr, format_addr(h.addr), cell(ThemeRole::Text),
                      Align::Left);
        vc::draw_cell(canvas, y, widths, kName, h.name, cell(ThemeRole::Accent), Align::Left);
        vc::draw_cell(canvas, y, widths, kRx, format_rate(h.traffic.rx_bps), cell(ThemeRole::Rx),
                      Align::Right);
        vc::draw_cell(canvas, y, widths, kTx, format_rate(h.traffic.tx_bps), cell(ThemeRole::Tx),
                      Align::Right);
        vc::draw_cell(canvas, y, widths, kTotal,
                      format_bytes(static_cast<double>(h.traffic.rx_bytes + h.traffic.tx_bytes)),
                      cell(ThemeRole::Text), Align::Right);
        vc::draw_cell(canvas, y, widths, kConn, std::to_string(h.connections),
                      cell(ThemeRole::Text), Align::Right);
        vc::draw_cell(canvas, y, widths, kProcs, join(h.processes), cell(ThemeRole::Dim),
                      Align::Left);
    }
}

bool HostsView::on_key(const KeyEvent& key, const ViewContext& context) {
    auto list = rows(context);
    sync(list);
    const int n = static_cast<int>(list.size());
    if (!cursor_.on_key(key.code, n)) return false;
    if (n > 0) selected_ = list[static_cast<std::size_t>(cursor_.index())]->addr;
    return true;
}

bool HostsView::on_mouse(const MouseEvent& mouse, const ViewContext& context) {
    if (mouse.kind == MouseEvent::Kind::WheelUp || mouse.kind == MouseEvent::Kind::WheelDown) {
        std::int32_t code = mouse.kind == MouseEvent::Kind::WheelUp ? kKeyUp : kKeyDown;
        for (int i = 0; i < 3; ++i) on_key(KeyEvent{code}, context);
        return true;
    }
    if (mouse.y < 1) return false;
    auto list = rows(context);
    sync(list);
    const int index = cursor_.top() + mouse.y - 1;
    if (index >= static_cast<int>(list.size())) return false;
    cursor_.set_index(index, static_cast<int>(list.size()));
    selected_ = list[static_cast<std::size_t>(index)]->addr;
    return true;
}

}  // namespace sstop::plugins::hosts
