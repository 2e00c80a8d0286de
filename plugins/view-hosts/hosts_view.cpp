#include "hosts_view.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <sstop/format.hpp>
#include <string>

namespace sstop::plugins::hosts {
namespace {

namespace vc = view_common;
using vc::Align;
using vc::Column;

constexpr std::size_t kAbsent = std::numeric_limits<std::size_t>::max();

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
bool before(const RemoteHostSummary& a, const RemoteHostSummary& b, SortKey key, bool cumulative) {
    if (key == SortKey::Name && a.name.empty() != b.name.empty()) return b.name.empty();
    auto fields = [cumulative](const RemoteHostSummary& h) {
        const Traffic t = vc::as_shown(h.traffic, cumulative);
        return vc::SortFields{t.rx_bps, t.tx_bps, h.connections, h.name};
    };
    if (std::optional<bool> decided = vc::sort_before(key, fields(a), fields(b))) return *decided;
    return a.addr < b.addr;
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
    matched_for_ = nullptr;  // a new snapshot may reuse the old one's address
}

std::vector<const RemoteHostSummary*> HostsView::rows(const ViewContext& context) const {
    std::vector<const RemoteHostSummary*> out;
    if (!snapshot_) return out;
    const bool changed = filter_.set(context.filter);
    const Filter* expr = filter_.match_all() ? nullptr : filter_.expression();
    if (expr && (changed || matched_for_ != snapshot_.get())) {
        // Each host is asked as if it were a process: its name is its processes' names (so
        // proc: works), its command line the row's text (so a plain word matches what is
        // shown), its traffic the host's, its sockets the connections to it.
        std::map<IpAddr, ProcessSummary> subjects;
        for (const RemoteHostSummary& h : snapshot_->remote_hosts) {
            ProcessSummary& subject = subjects[h.addr];
            subject.info.name = join(h.processes);
            subject.info.cmdline = format_addr(h.addr) + " " + h.name;
            subject.traffic = h.traffic;
            subject.connections = h.connections;
            // The host itself, so host: matches its address and name without a listed socket.
            ConnectionSummary self;
            self.key.remote.addr = h.addr;
            self.remote_name = h.name;
            subject.sockets.push_back(self);
        }
        for (const ProcessSummary& p : snapshot_->processes)
            for (const ConnectionSummary& c : p.sockets)
                if (auto it = subjects.find(c.key.remote.addr); it != subjects.end())
                    it->second.sockets.push_back(c);
        matched_.clear();
        for (const auto& [addr, subject] : subjects)
            if (expr->matches(subject, *snapshot_)) matched_.insert(addr);
        matched_for_ = snapshot_.get();
    }
    for (const RemoteHostSummary& h : snapshot_->remote_hosts) {
        const bool keep = filter_.match_all() ? true
                          : expr              ? matched_.count(h.addr) != 0
                                              : matches(h, filter_.needle());
        if (keep) out.push_back(&h);
    }
    SortKey key = context.sort;
    std::sort(out.begin(), out.end(),
              [key, cumulative = context.cumulative](const RemoteHostSummary* a,
                                                     const RemoteHostSummary* b) {
                  return before(*a, *b, key, cumulative);
              });
    return out;
}

void HostsView::draw(Canvas& canvas, const ViewContext& context) {
    if (canvas.width() <= 0 || canvas.height() <= 0) return;
    const bool uni = canvas.unicode();
    std::vector<Column> cols;
    auto add = [&](Column c) {
        cols.push_back(std::move(c));
        return cols.size() - 1;
    };
    const std::size_t kAddr = add({"ADDRESS", 15, Align::Left, 1});
    const std::size_t kName = context.show_names ? add({"NAME", 12, Align::Left, 2, 5}) : kAbsent;
    const std::size_t kRx =
        add({vc::rate_title(true, uni, context.cumulative), 10, Align::Right, 0, 1});
    const std::size_t kTx =
        add({vc::rate_title(false, uni, context.cumulative), 10, Align::Right, 0, 2});
    const std::size_t kTotal = add({"TOTAL", 9, Align::Right, 0, 3});
    const std::size_t kConn = add({"CONN", 5, Align::Right, 0, 4});
    const std::size_t kProcs = add({"PROCESSES", 10, Align::Left, 2, 6});
    vc::mark_sorted(cols, context.sort, {kRx, kTx, kAddr, kName != kAbsent ? kName : kAddr, kConn});
    std::vector<int> widths = vc::draw_table_header(canvas, 0, cols);
    auto draw_row = [&](const RemoteHostSummary& h, const vc::ListRow& row) {
        const int y = row.y;
        auto cell = [&](ThemeRole role) { return row.cell(canvas, role); };
        vc::draw_cell(canvas, y, widths, kAddr, format_addr(h.addr), cell(ThemeRole::Text),
                      Align::Left);
        vc::draw_cell(canvas, y, widths, kName, h.name, cell(ThemeRole::Accent), Align::Left);
        vc::draw_traffic_cells(canvas, row, widths, {kRx, kTx, kTotal, kConn}, h.traffic,
                               h.connections, context.cumulative);
        vc::draw_cell(canvas, y, widths, kProcs, join(h.processes), cell(ThemeRole::Dim),
                      Align::Left);
    };
    vc::draw_list(canvas, selection_, rows(context), context.filter, {"No remote hosts", "host"},
                  draw_row);
}

bool HostsView::on_key(const KeyEvent& key, const ViewContext& context) {
    return selection_.on_key(key.code, rows(context));
}

bool HostsView::on_mouse(const MouseEvent& mouse, const ViewContext& context) {
    return selection_.on_mouse(mouse, rows(context));
}

}  // namespace sstop::plugins::hosts
