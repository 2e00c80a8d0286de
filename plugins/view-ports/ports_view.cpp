#include "ports_view.hpp"

#include <algorithm>
#include <sstop/format.hpp>
#include <string>
#include <unordered_map>

namespace sstop::plugins::ports {
namespace {

namespace vc = view_common;
using vc::Align;
using vc::Column;

// An all-zero address means "any": show it as "*" like ss does, whatever the family.
std::string addr_text(const IpAddr& a) {
    bool any = std::all_of(a.bytes.begin(), a.bytes.end(), [](std::uint8_t b) { return b == 0; });
    return any ? std::string("*") : format_addr(a);
}

std::string pid_text(const ListenPortSummary& p) {
    return p.owner.pid > 0 ? std::to_string(p.owner.pid) : std::string("-");
}

std::string owner_text(const ListenPortSummary& p) {
    return p.name.empty() ? std::string("-") : p.name;
}

bool matches(const ListenPortSummary& p, std::string_view service, const std::string& needle) {
    if (needle.empty()) return true;
    return vc::contains_ci(vc::proto_name(p.proto), needle) || vc::contains_ci(service, needle) ||
           vc::contains_ci(addr_text(p.addr), needle) ||
           vc::contains_ci(format_addr(p.addr), needle) ||
           vc::contains_ci(std::to_string(p.port), needle) ||
           vc::contains_ci(pid_text(p), needle) || vc::contains_ci(p.name, needle);
}

}  // namespace

PortsView::PortsView(PluginContext& context) {
    const std::string& path = context.options().get_string("services_file");
    if (!path.empty()) services_ = vc::ServiceNames::load(path);
}

std::vector<KeyHint> PortsView::key_hints() const {
    return {{"j/k", "move"}, {"PgUp/PgDn", "page"}, {"g/G", "first/last"}};
}

void PortsView::update(std::shared_ptr<const Snapshot> snapshot) {
    snapshot_ = std::move(snapshot);
}

PortsView::PortId PortsView::id_of(const ListenPortSummary& p) {
    return PortId{p.proto, p.addr, p.port, p.owner};
}

std::vector<const ListenPortSummary*> PortsView::rows(const ViewContext& context) const {
    std::vector<const ListenPortSummary*> out;
    if (!snapshot_) return out;
    filter_.set(context.filter);
    const Filter* expr = filter_.match_all() ? nullptr : filter_.expression();
    // A listener matches as a connection in state LISTEN, with its process for process terms.
    std::unordered_map<std::int32_t, const ProcessSummary*> owners;
    if (expr)
        for (const ProcessSummary& p : snapshot_->processes) owners.emplace(p.info.id.pid, &p);
    for (const ListenPortSummary& p : snapshot_->listen_ports) {
        bool keep = true;
        if (expr) {
            // The listener is asked as its process with this one socket, the row's text as
            // its command line (so a plain word matches what is shown).
            ProcessSummary subject;
            auto owner = owners.find(p.owner.pid);
            if (owner != owners.end()) subject.info = owner->second->info;
            subject.info.id = p.owner;
            if (subject.info.name.empty()) subject.info.name = p.name;
            subject.info.cmdline = std::string(vc::proto_name(p.proto)) + " " + addr_text(p.addr) +
                                   " " + std::to_string(p.port) + " " +
                                   std::string(services_.name(p.proto, p.port)) + " " +
                                   subject.info.name + " " + subject.info.cmdline;
            subject.sockets.push_back(vc::as_connection(p));
            keep = expr->matches(subject, *snapshot_);
        } else if (!filter_.match_all()) {
            keep = matches(p, services_.name(p.proto, p.port), filter_.needle());
        }
        if (keep) out.push_back(&p);
    }
    std::sort(out.begin(), out.end(), [](const ListenPortSummary* a, const ListenPortSummary* b) {
        if (a->port != b->port) return a->port < b->port;
        if (a->proto != b->proto) return a->proto < b->proto;
        if (a->addr != b->addr) return a->addr < b->addr;
        return a->owner < b->owner;
    });
    return out;
}

void PortsView::draw(Canvas& canvas, const ViewContext& context) {
    if (canvas.width() <= 0 || canvas.height() <= 0) return;
    enum { kProto, kAddr, kPort, kSvc, kPid, kProc };
    std::vector<Column> cols = {
        {"PROTO", 5, Align::Left},      {"ADDRESS", 15, Align::Left, 1},
        {"PORT", 6, Align::Right},      {"SVC", 10, Align::Left, 0, 2},
        {"PID", 7, Align::Right, 0, 1}, {"PROCESS", 10, Align::Left, 1},
    };
    cols[kPort].sorted = true;
    std::vector<int> widths = vc::draw_table_header(canvas, 0, cols);
    auto draw_row = [&](const ListenPortSummary& p, const vc::ListRow& row) {
        const int y = row.y;
        auto cell = [&](ThemeRole role) { return row.cell(canvas, role); };
        vc::draw_cell(canvas, y, widths, kProto, vc::proto_name(p.proto), cell(ThemeRole::Text),
                      Align::Left);
        vc::draw_cell(canvas, y, widths, kAddr, addr_text(p.addr), cell(ThemeRole::Text),
                      Align::Left);
        vc::draw_cell(canvas, y, widths, kPort, std::to_string(p.port), cell(ThemeRole::Accent),
                      Align::Right);
        const std::string_view svc = services_.name(p.proto, p.port);
        vc::draw_cell(canvas, y, widths, kSvc, svc.empty() ? std::string("-") : std::string(svc),
                      cell(ThemeRole::Dim), Align::Left);
        vc::draw_cell(canvas, y, widths, kPid, pid_text(p), cell(ThemeRole::Dim), Align::Right);
        vc::draw_cell(canvas, y, widths, kProc, owner_text(p), cell(ThemeRole::Text), Align::Left);
    };
    vc::draw_list(canvas, selection_, rows(context), context.filter,
                  {"No listening sockets", "listening socket"}, draw_row);
}

bool PortsView::on_key(const KeyEvent& key, const ViewContext& context) {
    return selection_.on_key(key.code, rows(context));
}

bool PortsView::on_mouse(const MouseEvent& mouse, const ViewContext& context) {
    return selection_.on_mouse(mouse, rows(context));
}

std::optional<ProcessInfo> PortsView::selected_process() const {
    const std::optional<PortId>& selected = selection_.selected();
    if (!selected || selected->owner.pid <= 0 || !snapshot_) return std::nullopt;
    for (const ProcessSummary& p : snapshot_->processes)
        if (p.info.id == selected->owner) return p.info;
    // The owner is known by id only (e.g. it moves no traffic): enough for the kill overlay.
    ProcessInfo info;
    info.id = selected->owner;
    for (const ListenPortSummary& p : snapshot_->listen_ports)
        if (id_of(p) == *selected) info.name = p.name;
    return info;
}

}  // namespace sstop::plugins::ports
