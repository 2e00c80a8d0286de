#include "interfaces_view.hpp"

#include <algorithm>
#include <sstop/format.hpp>
#include <string>

namespace sstop::plugins::interfaces {
namespace {

namespace vc = view_common;
using vc::Align;
using vc::Column;

// Interfaces have no pid and no connections, so SortKey::Pid and SortKey::Connections order
// them by name as SortKey::Name does. Ties fall back to the exact name (names are unique in
// a snapshot), so rows never swap places between two draws.
bool before(const InterfaceSummary& a, const InterfaceSummary& b, SortKey key) {
    if (key == SortKey::Pid || key == SortKey::Connections) key = SortKey::Name;
    auto fields = [](const InterfaceSummary& i) {
        return vc::SortFields{i.traffic.rx_bps, i.traffic.tx_bps, 0, i.name};
    };
    if (std::optional<bool> decided = vc::sort_before(key, fields(a), fields(b))) return *decided;
    if (int c = vc::compare_ci(a.name, b.name); c != 0) return c < 0;
    return a.name < b.name;
}

}  // namespace

InterfacesView::InterfacesView(PluginContext& context) { (void)context; }

std::vector<KeyHint> InterfacesView::key_hints() const {
    return {{"j/k", "move"}, {"PgUp/PgDn", "page"}, {"g/G", "first/last"}, {"s", "sort"}};
}

void InterfacesView::update(std::shared_ptr<const Snapshot> snapshot) {
    snapshot_ = std::move(snapshot);
}

std::vector<const InterfaceSummary*> InterfacesView::rows(const ViewContext& context) const {
    std::vector<const InterfaceSummary*> out;
    if (!snapshot_) return out;
    // sstop/filter.hpp describes processes; an interface is matched by its name alone.
    const std::string needle = vc::to_lower(context.filter);
    for (const InterfaceSummary& i : snapshot_->interfaces)
        if (vc::contains_ci(i.name, needle)) out.push_back(&i);
    const SortKey key = context.sort;
    std::sort(out.begin(), out.end(), [key](const InterfaceSummary* a, const InterfaceSummary* b) {
        return before(*a, *b, key);
    });
    return out;
}

void InterfacesView::draw(Canvas& canvas, const ViewContext& context) {
    if (canvas.width() <= 0 || canvas.height() <= 0) return;
    const bool uni = canvas.unicode();
    // Narrow terminals lose the bar first, then the totals and the route; name, state and
    // the rates are what the tab is for.
    enum { kName, kState, kRoute, kRx, kTx, kRxTotal, kTxTotal, kBar };
    std::vector<Column> cols = {
        {.title = "NAME", .width = 10, .grow = 1},
        {.title = "STATE", .width = 5},
        {.title = "ROUTE", .width = 7, .drop_rank = 4},
        {.title = uni ? "↓ RATE" : "DN RATE", .width = 10, .align = Align::Right, .drop_rank = 1},
        {.title = uni ? "↑ RATE" : "UP RATE", .width = 10, .align = Align::Right, .drop_rank = 2},
        {.title = uni ? "↓ TOTAL" : "DN TOTAL", .width = 9, .align = Align::Right, .drop_rank = 3},
        {.title = uni ? "↑ TOTAL" : "UP TOTAL", .width = 9, .align = Align::Right, .drop_rank = 3},
        {.title = "BANDWIDTH", .width = 10, .grow = 2, .drop_rank = 5},
    };
    vc::mark_sorted(cols, context.sort, {kRx, kTx, kName, kName, kName});
    const std::vector<int> widths = vc::draw_table_header(canvas, 0, cols);
    const std::vector<const InterfaceSummary*> list = rows(context);
    double max_rate = 0;
    for (const InterfaceSummary* i : list)
        max_rate = std::max(max_rate, vc::total_rate(i->traffic));
    auto draw_row = [&](const InterfaceSummary& i, const vc::ListRow& row) {
        const int y = row.y;
        vc::draw_cell(canvas, y, widths, kName, i.name, row.cell(canvas, ThemeRole::Text),
                      Align::Left);
        vc::draw_cell(canvas, y, widths, kState, i.up ? "up" : "down",
                      row.cell(canvas, i.up ? ThemeRole::Good : ThemeRole::Bad), Align::Left);
        if (i.default_route)
            vc::draw_cell(canvas, y, widths, kRoute, "default", row.cell(canvas, ThemeRole::Accent),
                          Align::Left);
        vc::draw_cell(canvas, y, widths, kRx, format_rate(i.traffic.rx_bps),
                      row.cell(canvas, ThemeRole::Rx), Align::Right);
        vc::draw_cell(canvas, y, widths, kTx, format_rate(i.traffic.tx_bps),
                      row.cell(canvas, ThemeRole::Tx), Align::Right);
        vc::draw_cell(canvas, y, widths, kRxTotal,
                      format_bytes(static_cast<double>(i.traffic.rx_bytes)),
                      row.cell(canvas, ThemeRole::Text), Align::Right);
        vc::draw_cell(canvas, y, widths, kTxTotal,
                      format_bytes(static_cast<double>(i.traffic.tx_bytes)),
                      row.cell(canvas, ThemeRole::Text), Align::Right);
        if (widths[kBar] > 0) {
            const double level = max_rate > 0 ? vc::total_rate(i.traffic) / max_rate : 0;
            vc::draw_cell(canvas, y, widths, kBar, vc::bar(level, widths[kBar], uni),
                          vc::on_row(canvas.rate_style(level), row.style), Align::Left);
        }
    };
    vc::draw_list(canvas, selection_, list, context.filter,
                  {"No network interfaces (the source reports none)", "interface"}, draw_row);
}

bool InterfacesView::on_key(const KeyEvent& key, const ViewContext& context) {
    return selection_.on_key(key.code, rows(context));
}

bool InterfacesView::on_mouse(const MouseEvent& mouse, const ViewContext& context) {
    return selection_.on_mouse(mouse, rows(context));
}

}  // namespace sstop::plugins::interfaces
