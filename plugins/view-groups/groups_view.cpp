#include "groups_view.hpp"

#include <algorithm>
#include <map>
#include <string>

namespace sstop::plugins::groups {
namespace {

namespace vc = view_common;
using vc::Align;
using vc::Column;

// Groups have no pid, so SortKey::Pid orders them by name as SortKey::Name does. Ties fall
// back to the name and then the kind, so rows never swap places between two draws.
bool before(const GroupSummary& a, const GroupSummary& b, SortKey key, bool cumulative) {
    if (key == SortKey::Pid) key = SortKey::Name;
    auto fields = [cumulative](const GroupSummary& g) {
        const Traffic t = vc::as_shown(g.traffic, cumulative);
        return vc::SortFields{t.rx_bps, t.tx_bps, g.connections, g.name};
    };
    if (std::optional<bool> decided = vc::sort_before(key, fields(a), fields(b))) return *decided;
    if (int c = vc::compare_ci(a.name, b.name); c != 0) return c < 0;
    if (a.name != b.name) return a.name < b.name;
    return a.kind < b.kind;
}

// The filter sees the kind as shown ("service") and as the core names it ("unit").
bool matches(const GroupSummary& g, std::string_view needle) {
    return vc::contains_ci(g.name, needle) || vc::contains_ci(kind_label(g.kind), needle) ||
           vc::contains_ci(g.kind, needle);
}

}  // namespace

std::string_view kind_label(std::string_view kind) {
    return kind == "unit" ? std::string_view("service") : kind;
}

GroupsView::GroupsView(PluginContext& context) { (void)context; }

std::vector<KeyHint> GroupsView::key_hints() const {
    return {{"j/k", "move"}, {"PgUp/PgDn", "page"}, {"g/G", "first/last"}, {"s", "sort"}};
}

void GroupsView::update(std::shared_ptr<const Snapshot> snapshot) {
    snapshot_ = std::move(snapshot);
    matched_for_ = nullptr;  // a new snapshot may reuse the old one's address
}

std::vector<const GroupSummary*> GroupsView::rows(const ViewContext& context) const {
    std::vector<const GroupSummary*> out;
    if (!snapshot_) return out;
    const bool changed = filter_.set(context.filter);
    const Filter* expr = filter_.match_all() ? nullptr : filter_.expression();
    if (expr && (changed || matched_for_ != snapshot_.get())) {
        // Each group is asked as if it were a process: its name (proc:), its kind and name as
        // its container or unit (group:), the row's text as its command line (a plain word
        // matches what is shown), its traffic, and its processes' sockets (port:, host:).
        std::map<std::pair<std::string, std::string>, ProcessSummary> subjects;
        for (const GroupSummary& g : snapshot_->groups) {
            ProcessSummary& subject = subjects[{g.kind, g.name}];
            subject.info.name = g.name;
            subject.info.cmdline = g.name + " " + std::string(kind_label(g.kind)) + " " + g.kind;
            (g.kind == "container" ? subject.info.container : subject.info.unit) = g.name;
            subject.traffic = g.traffic;
            subject.connections = g.connections;
        }
        for (const ProcessSummary& p : snapshot_->processes)
            if (auto it = subjects.find(vc::group_of(p.info)); it != subjects.end())
                it->second.sockets.insert(it->second.sockets.end(), p.sockets.begin(),
                                          p.sockets.end());
        matched_.clear();
        for (const auto& [key, subject] : subjects)
            if (expr->matches(subject, *snapshot_)) matched_.insert(key);
        matched_for_ = snapshot_.get();
    }
    for (const GroupSummary& g : snapshot_->groups) {
        const bool keep = filter_.match_all() ? true
                          : expr              ? matched_.count({g.kind, g.name}) != 0
                                              : matches(g, filter_.needle());
        if (keep) out.push_back(&g);
    }
    const SortKey key = context.sort;
    std::sort(out.begin(), out.end(),
              [key, cumulative = context.cumulative](const GroupSummary* a, const GroupSummary* b) {
                  return before(*a, *b, key, cumulative);
              });
    return out;
}

void GroupsView::draw(Canvas& canvas, const ViewContext& context) {
    if (canvas.width() <= 0 || canvas.height() <= 0) return;
    const bool uni = canvas.unicode();
    // Narrow terminals lose the bar first, then the counts and totals; kind, name and the
    // rates are what the tab is for.
    enum { kKind, kName, kRx, kTx, kTotal, kProcs, kConns, kBar };
    std::vector<Column> cols = {
        {.title = "KIND", .width = 9},
        {.title = "NAME", .width = 12, .grow = 2},
        {.title = vc::rate_title(true, uni, context.cumulative),
         .width = 10,
         .align = Align::Right,
         .drop_rank = 1},
        {.title = vc::rate_title(false, uni, context.cumulative),
         .width = 10,
         .align = Align::Right,
         .drop_rank = 2},
        {.title = "TOTAL", .width = 9, .align = Align::Right, .drop_rank = 3},
        {.title = "PROCS", .width = 5, .align = Align::Right, .drop_rank = 5},
        // One cell more than the title, for the sort marker.
        {.title = "CONNS", .width = 6, .align = Align::Right, .drop_rank = 4},
        {.title = "BANDWIDTH", .width = 10, .grow = 1, .drop_rank = 6},
    };
    vc::mark_sorted(cols, context.sort, {kRx, kTx, kName, kName, kConns});
    const std::vector<int> widths = vc::draw_table_header(canvas, 0, cols);
    const std::vector<const GroupSummary*> list = rows(context);
    double max_rate = 0;
    auto amount = [&](const GroupSummary& g) {
        return vc::total_rate(vc::as_shown(g.traffic, context.cumulative));
    };
    for (const GroupSummary* g : list) max_rate = std::max(max_rate, amount(*g));
    auto draw_row = [&](const GroupSummary& g, const vc::ListRow& row) {
        const int y = row.y;
        vc::draw_cell(canvas, y, widths, kKind, kind_label(g.kind),
                      row.cell(canvas, ThemeRole::Dim), Align::Left);
        vc::draw_cell(canvas, y, widths, kName, g.name, row.cell(canvas, ThemeRole::Text),
                      Align::Left);
        vc::draw_traffic_cells(canvas, row, widths, {kRx, kTx, kTotal, kConns}, g.traffic,
                               g.connections, context.cumulative);
        vc::draw_cell(canvas, y, widths, kProcs, std::to_string(g.processes),
                      row.cell(canvas, ThemeRole::Text), Align::Right);
        if (widths[kBar] > 0) {
            const double level = max_rate > 0 ? amount(g) / max_rate : 0;
            vc::draw_cell(canvas, y, widths, kBar, vc::bar(level, widths[kBar], uni),
                          vc::on_row(canvas.rate_style(level), row.style), Align::Left);
        }
    };
    vc::draw_list(canvas, selection_, list, context.filter,
                  {"No containers or services (sstop groups processes by their cgroup)", "group"},
                  draw_row);
}

bool GroupsView::on_key(const KeyEvent& key, const ViewContext& context) {
    return selection_.on_key(key.code, rows(context));
}

bool GroupsView::on_mouse(const MouseEvent& mouse, const ViewContext& context) {
    return selection_.on_mouse(mouse, rows(context));
}

}  // namespace sstop::plugins::groups
