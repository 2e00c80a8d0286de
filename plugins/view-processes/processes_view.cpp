#include "processes_view.hpp"

#include <algorithm>
#include <charconv>
#include <sstop/format.hpp>
#include <string>
#include <tuple>
#include <unordered_map>

namespace sstop::plugins::processes {
namespace {

namespace vc = view_common;
using vc::Align;
using vc::Column;

constexpr int kSparkPoints = 16;

// Orders processes for a SortKey; ties fall back to pid (then start time) so rows never
// jump between two draws of the same snapshot.
bool before(const ProcessSummary& a, const ProcessSummary& b, SortKey key, bool cumulative) {
    auto fields = [cumulative](const ProcessSummary& p) {
        const Traffic t = vc::as_shown(p.traffic, cumulative);
        return vc::SortFields{t.rx_bps, t.tx_bps, p.connections, p.info.name};
    };
    if (std::optional<bool> decided = vc::sort_before(key, fields(a), fields(b))) return *decided;
    return a.info.id < b.info.id;
}

// Whether the filter `needle` (lower-case) is in the process's name, command line, pid, or a
// remote address or name of one of its sockets. Nothing is allocated: with tens of thousands
// of connections, building strings was most of a filtered frame.
bool matches(const ProcessSummary& p, std::string_view needle) {
    if (vc::contains_ci(p.info.name, needle) || vc::contains_ci(p.info.cmdline, needle))
        return true;
    char buf[kAddrTextMax];
    const auto pid = std::to_chars(buf, buf + sizeof buf, p.info.id.pid);
    if (std::string_view(buf, static_cast<std::size_t>(pid.ptr - buf)).find(needle) !=
        std::string_view::npos)
        return true;
    for (const ConnectionSummary& c : p.sockets) {
        if (c.key.remote.addr.family == Family::None) continue;
        // Addresses are lower-case already (RFC 5952).
        const std::string_view addr(buf, format_addr_to(c.key.remote.addr, buf));
        if (addr.find(needle) != std::string_view::npos) return true;
        if (vc::contains_ci(c.remote_name, needle)) return true;
    }
    return false;
}

// The top `height` rows of another canvas, so the table leaves the last line free for the
// filter's parse error.
class TopRows final : public Canvas {
  public:
    TopRows(Canvas& base, int height) : base_(base), height_(height) {}
    int width() const override { return base_.width(); }
    int height() const override { return height_; }
    int text(int x, int y, std::string_view text, const Style& style, int max_cells) override {
        return y >= 0 && y < height_ ? base_.text(x, y, text, style, max_cells) : 0;
    }
    void fill(int x, int y, int w, int h, const Style& style) override {
        if (y < 0) h += y, y = 0;
        if (y + h > height_) h = height_ - y;
        if (h > 0) base_.fill(x, y, w, h, style);
    }
    Style style(ThemeRole role) const override { return base_.style(role); }
    Style rate_style(double level) const override { return base_.rate_style(level); }
    bool unicode() const override { return base_.unicode(); }

  private:
    Canvas& base_;
    int height_;
};

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

// A tree row's indentation from its shape (one letter per level below the root: 'm' when
// more siblings follow at that level, 'l' for the last one).
std::string tree_glyphs(const std::string& shape, bool uni) {
    std::string out;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const bool more = shape[i] == 'm';
        if (i + 1 < shape.size())
            out += more ? (uni ? "│ " : "| ") : "  ";
        else
            out += more ? (uni ? "├─" : "|-") : (uni ? "└─" : "`-");
    }
    return out;
}

std::string remote_text(const ConnectionSummary& c, bool show_names) {
    if (show_names && !c.remote_name.empty() && c.key.remote.addr.family != Family::None)
        return c.remote_name + ":" + std::to_string(c.key.remote.port);
    return format_endpoint(c.key.remote);
}

// The service a socket is for: a listener's or unconnected socket's own port, else the
// remote port's service (a client), else the local one (a server's accepted connection).
std::string service_text(const ConnectionSummary& c, const vc::ServiceNames& services) {
    std::string_view name;
    if (c.key.remote.addr.family != Family::None && c.state != SocketState::Listen)
        name = services.name(c.key.proto, c.key.remote.port);
    if (name.empty()) name = services.name(c.key.proto, c.key.local.port);
    return name.empty() ? std::string("-") : std::string(name);
}

}  // namespace

ProcessesView::ProcessesView(PluginContext& context) {
    const std::string& path = context.options().get_string("services_file");
    if (!path.empty()) services_ = vc::ServiceNames::load(path);
}

std::vector<KeyHint> ProcessesView::key_hints() const {
    if (detail_) return {{"Esc", "back"}, {"j/k", "move"}, {"d", "names/addresses"}};
    return {{"Enter", "details"},  {"Esc", "back"}, {"j/k", "move"}, {"PgUp/PgDn", "page"},
            {"g/G", "first/last"}, {"s", "sort"},   {"t", "tree"}};
}

namespace {

bool is_unattributed(const ProcessSummary& p) { return p.info.id.pid == 0; }

// An alert with the `highlight` action is active on the process (the host's label).
bool highlighted(const ProcessSummary& p) {
    for (const Label& l : p.info.labels)
        if (l.key == "highlight") return true;
    return false;
}

bool has_traffic(const Traffic& t) {
    return t.rx_bytes != 0 || t.tx_bytes != 0 || t.rx_bps > 0 || t.tx_bps > 0;
}

}  // namespace

void ProcessesView::update(std::shared_ptr<const Snapshot> snapshot) {
    snapshot_ = std::move(snapshot);
    unattributed_ = ProcessSummary{};
    unattributed_.info.name = "unattributed";
    if (snapshot_) unattributed_.traffic = snapshot_->unattributed;
    matched_.clear();  // worked out again on the first filtered frame of this snapshot
}

void ProcessesView::parse_filter(const std::string& text) const {
    if (text == parsed_text_) return;
    parsed_text_ = text;
    filter_error_ = FilterError{};
    filter_ = Filter::parse(text, &filter_error_);
}

std::vector<const ProcessSummary*> ProcessesView::rows(const ViewContext& context) const {
    std::vector<const ProcessSummary*> out;
    if (!snapshot_) return out;
    parse_filter(context.filter);
    const bool filtered = filter_ ? !filter_->match_all() : true;
    const auto& processes = snapshot_->processes;
    // Index processes.size() is the unattributed row.
    auto row_at = [&](std::size_t i) -> const ProcessSummary& {
        return i < processes.size() ? processes[i] : unattributed_;
    };
    const std::size_t n = processes.size() + 1;
    if (filtered && (matched_.size() != n || matched_text_ != context.filter)) {
        const std::string needle = filter_ ? std::string() : vc::to_lower(context.filter);
        matched_.resize(n);
        for (std::size_t i = 0; i < n; ++i)
            matched_[i] =
                (filter_ ? filter_->matches(row_at(i), *snapshot_) : matches(row_at(i), needle))
                    ? 1
                    : 0;
        matched_text_ = context.filter;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (i == processes.size() && !has_traffic(unattributed_.traffic)) continue;
        if (!filtered || matched_[i] != 0) out.push_back(&row_at(i));
    }
    const SortKey key = context.sort;
    const bool cumulative = context.cumulative;
    std::sort(out.begin(), out.end(),
              [key, cumulative](const ProcessSummary* a, const ProcessSummary* b) {
                  return before(*a, *b, key, cumulative);
              });
    if (tree_) return as_tree(out, context);
    return out;
}

std::vector<const ProcessSummary*> ProcessesView::as_tree(
    const std::vector<const ProcessSummary*>& flat, const ViewContext& context) const {
    const std::size_t n = flat.size();
    std::unordered_map<std::int32_t, std::size_t> index;  // pid -> position in flat
    for (std::size_t i = 0; i < n; ++i)
        if (flat[i]->info.id.pid != 0) index.emplace(flat[i]->info.id.pid, i);
    // Children in flat's (sorted) order; a parent not listed makes its child a root.
    std::vector<std::vector<std::size_t>> children(n);
    std::vector<std::size_t> roots;
    for (std::size_t i = 0; i < n; ++i) {
        const ProcessInfo& info = flat[i]->info;
        auto parent = info.ppid != info.id.pid ? index.find(info.ppid) : index.end();
        if (parent == index.end() || info.id.pid == 0)
            roots.push_back(i);
        else
            children[parent->second].push_back(i);
    }
    // Subtree sums, children before parents (an explicit stack: trees can be deep). A ppid
    // cycle (impossible on Linux, but the data is not ours) leaves its members unvisited;
    // they become roots below.
    std::vector<ProcessSummary> sums(n);
    std::vector<char> state(n, 0);  // 0 new, 1 open, 2 done
    for (std::size_t root : roots) {
        std::vector<std::pair<std::size_t, std::size_t>> stack{{root, 0}};
        state[root] = 1;
        while (!stack.empty()) {
            auto& [node, next] = stack.back();
            if (next < children[node].size()) {
                const std::size_t child = children[node][next++];
                if (state[child] == 0) {
                    state[child] = 1;
                    stack.emplace_back(child, 0);
                }
                continue;
            }
            ProcessSummary& sum = sums[node];
            const ProcessSummary& own = *flat[node];
            sum.info = own.info;
            sum.history = own.history;
            sum.traffic.rx_bps += own.traffic.rx_bps;
            sum.traffic.tx_bps += own.traffic.tx_bps;
            sum.traffic.rx_bytes += own.traffic.rx_bytes;
            sum.traffic.tx_bytes += own.traffic.tx_bytes;
            sum.connections += own.connections;
            sum.listening += own.listening;
            state[node] = 2;
            stack.pop_back();
            if (!stack.empty()) {
                ProcessSummary& up = sums[stack.back().first];
                up.traffic.rx_bps += sum.traffic.rx_bps;
                up.traffic.tx_bps += sum.traffic.tx_bps;
                up.traffic.rx_bytes += sum.traffic.rx_bytes;
                up.traffic.tx_bytes += sum.traffic.tx_bytes;
                up.connections += sum.connections;
                up.listening += sum.listening;
            }
        }
    }
    for (std::size_t i = 0; i < n; ++i)
        if (state[i] == 0) {
            roots.push_back(i);
            sums[i].info = flat[i]->info;
            sums[i].history = flat[i]->history;
            sums[i].traffic = flat[i]->traffic;
            sums[i].connections = flat[i]->connections;
            sums[i].listening = flat[i]->listening;
            children[i].clear();
        }
    const SortKey key = context.sort;
    const bool cumulative = context.cumulative;
    auto by_sums = [&](std::size_t a, std::size_t b) {
        return before(sums[a], sums[b], key, cumulative);
    };
    std::sort(roots.begin(), roots.end(), by_sums);
    for (auto& c : children) std::sort(c.begin(), c.end(), by_sums);

    tree_rows_.clear();
    tree_rows_.reserve(n);
    tree_prefix_.clear();
    tree_prefix_.reserve(n);
    // Depth-first, pre-order. The prefix is built from "is last sibling" flags per level:
    // 'l' last, 'm' more follow; drawn as tree glyphs later.
    std::vector<std::tuple<std::size_t, std::string>> stack;
    for (auto it = roots.rbegin(); it != roots.rend(); ++it) stack.emplace_back(*it, "");
    std::vector<char> emitted(n, 0);
    while (!stack.empty()) {
        auto [node, shape] = std::move(stack.back());
        stack.pop_back();
        if (emitted[node]) continue;
        emitted[node] = 1;
        tree_rows_.push_back(std::move(sums[node]));
        tree_prefix_.push_back(shape);
        const auto& kids = children[node];
        for (std::size_t k = kids.size(); k-- > 0;) {
            std::string child_shape = shape;
            child_shape += k + 1 == kids.size() ? 'l' : 'm';
            stack.emplace_back(kids[k], std::move(child_shape));
        }
    }
    std::vector<const ProcessSummary*> out;
    out.reserve(tree_rows_.size());
    for (const ProcessSummary& p : tree_rows_) out.push_back(&p);
    return out;
}

const ProcessSummary* ProcessesView::find(const ProcessId& id) const {
    if (!snapshot_) return nullptr;
    for (const ProcessSummary& p : snapshot_->processes)
        if (p.info.id == id) return &p;
    if (id == unattributed_.info.id) return &unattributed_;
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
        if (vc::total_rate(a->traffic) != vc::total_rate(b->traffic))
            return vc::total_rate(a->traffic) > vc::total_rate(b->traffic);
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

void ProcessesView::draw_table(Canvas& full, const ViewContext& context) {
    parse_filter(context.filter);
    if (!filter_ && full.height() >= 3) {
        const int last = full.height() - 1;
        full.fill(0, last, full.width(), 1, full.style(ThemeRole::Text));
        vc::draw_line(full, 0, last,
                      "filter: " + filter_error_.message + " (matching as plain text)",
                      full.style(ThemeRole::Warn));
        TopRows table(full, last);
        draw_rows_of_table(table, context);
        return;
    }
    draw_rows_of_table(full, context);
}

void ProcessesView::draw_rows_of_table(Canvas& canvas, const ViewContext& context) {
    const bool uni = canvas.unicode();
    enum { kPid, kName, kRx, kTx, kTotal, kConn, kSpark, kBar };
    std::vector<Column> cols = {
        {"PID", 7, Align::Right},
        {"NAME", 10, Align::Left, 1},
        {vc::rate_title(true, uni, context.cumulative), 10, Align::Right, 0, 1},
        {vc::rate_title(false, uni, context.cumulative), 10, Align::Right, 0, 2},
        {"TOTAL", 9, Align::Right, 0, 3},
        {"CONN", 5, Align::Right, 0, 4},
        {"HISTORY", kSparkPoints, Align::Left, 0, 5},
        {"BANDWIDTH", 10, Align::Left, 2, 6},
    };
    vc::mark_sorted(cols, context.sort, {kRx, kTx, kPid, kName, kConn});
    std::vector<int> widths = vc::draw_table_header(canvas, 0, cols);
    auto list = rows(context);
    const bool cumulative = context.cumulative;
    auto amount = [cumulative](const ProcessSummary& p) {
        return vc::total_rate(vc::as_shown(p.traffic, cumulative));
    };
    double max_rate = 0;
    for (const ProcessSummary* p : list) max_rate = std::max(max_rate, amount(*p));
    auto draw_row = [&](const ProcessSummary& p, const vc::ListRow& row) {
        const int y = row.y;
        auto cell = [&](ThemeRole role) { return row.cell(canvas, role); };
        double level = max_rate > 0 ? amount(p) / max_rate : 0;
        Style rate = vc::on_row(canvas.rate_style(level), row.style);
        const bool unowned = is_unattributed(p);
        vc::draw_cell(canvas, y, widths, kPid, unowned ? "-" : std::to_string(p.info.id.pid),
                      cell(ThemeRole::Dim), Align::Right);
        std::string name = p.info.name;
        if (tree_ && !tree_rows_.empty() && &p >= tree_rows_.data() &&
            &p < tree_rows_.data() + tree_rows_.size())
            name =
                tree_glyphs(tree_prefix_[static_cast<std::size_t>(&p - tree_rows_.data())], uni) +
                name;
        Style name_style = cell(unowned ? ThemeRole::Dim : ThemeRole::Text);
        if (highlighted(p)) {
            name_style = cell(ThemeRole::Bad);
            name_style.attrs |= kAttrBold | kAttrReverse;
        }
        vc::draw_cell(canvas, y, widths, kName, name, name_style, Align::Left);
        vc::draw_traffic_cells(canvas, row, widths, {kRx, kTx, kTotal, kConn}, p.traffic,
                               p.connections, cumulative);
        if (widths[kSpark] > 0)
            vc::draw_cell(canvas, y, widths, kSpark,
                          sparkline(p.history, std::min(kSparkPoints, widths[kSpark]), uni), rate,
                          Align::Left);
        if (widths[kBar] > 0)
            vc::draw_cell(canvas, y, widths, kBar, vc::bar(level, widths[kBar], uni), rate,
                          Align::Left);
    };
    vc::draw_list(canvas, selection_, list, context.filter,
                  {"No processes with network activity", "process"}, draw_row);
}

void ProcessesView::draw_detail(Canvas& canvas, const ViewContext& context) {
    const bool uni = canvas.unicode();
    const ProcessSummary* p = find(*detail_);
    if (!p) {
        vc::draw_line(canvas, 0, 0, "process " + std::to_string(detail_->pid) + " has exited",
                      canvas.style(ThemeRole::Warn));
        vc::draw_line(canvas, 0, 1, "Esc: back to the list", canvas.style(ThemeRole::Dim));
        return;
    }
    Style accent = canvas.style(ThemeRole::Accent);
    accent.attrs |= kAttrBold;
    std::string title = p->info.name + "  pid " + std::to_string(p->info.id.pid) + "  uid " +
                        std::to_string(p->info.uid);
    // Where it runs: its container, else its systemd unit (what the Groups tab sums).
    if (!p->info.container.empty())
        title += "  container " + p->info.container;
    else if (!p->info.unit.empty())
        title += "  unit " + p->info.unit;
    vc::draw_line(canvas, 0, 0, title, accent);
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
    // Peers of its connectionless UDP sockets (labels the host adds from the flows it saw).
    std::vector<std::string> peers;
    std::string dropped;
    for (const Label& l : p->info.labels) {
        if (l.key == "udp_peer") peers.push_back(l.value);
        if (l.key == "udp_peers_dropped") dropped = l.value;
    }
    if (!peers.empty() || !dropped.empty()) {
        std::string line = std::to_string(peers.size()) + " UDP peers";
        if (!dropped.empty()) line += " (+" + dropped + " not kept)";
        line += ":";
        for (const std::string& peer : peers) line += " " + peer;
        vc::draw_line(canvas, 0, 3, line, canvas.style(ThemeRole::Text));
    }

    enum { kProto, kLocal, kRemote, kSvc, kState, kAge, kRx, kTx };
    std::vector<Column> cols = {
        {"PROTO", 5, Align::Left, 0, 2},
        {"LOCAL", 15, Align::Left, 1, 6},
        {"REMOTE", 15, Align::Left, 2},
        {"SVC", 8, Align::Left, 0, 7},
        {"STATE", 11, Align::Left},
        {"AGE", 6, Align::Right, 0, 5},
        {vc::rate_title(true, uni, context.cumulative), 10, Align::Right, 0, 3},
        {vc::rate_title(false, uni, context.cumulative), 10, Align::Right, 0, 4},
    };
    std::vector<int> widths = vc::draw_table_header(canvas, kDetailTableY, cols);
    auto conns = connections(*p);
    const int n = static_cast<int>(conns.size());
    if (n == 0) {
        // Counted but not listed: the host lists a process's sockets once it is selected
        // (SSTOP_CONSUMES_SELECTED_SOCKETS), a moment after the cursor reached it.
        const bool counted = p->connections + p->listening != 0;
        vc::draw_line(canvas, 1, kDetailTableY + 1,
                      !counted           ? "No sockets"
                      : canvas.unicode() ? "Listing sockets…"
                                         : "Listing sockets...",
                      canvas.style(ThemeRole::Dim));
        return;
    }
    vc::draw_rows(canvas, detail_cursor_, kDetailTableY + 1, n, [&](const vc::ListRow& row) {
        const ConnectionSummary& c = *conns[row.item];
        const int y = row.y;
        auto cell = [&](ThemeRole role) { return row.cell(canvas, role); };
        vc::draw_cell(canvas, y, widths, kProto, vc::proto_name(c.key.proto), cell(ThemeRole::Text),
                      Align::Left);
        vc::draw_cell(canvas, y, widths, kLocal, format_endpoint(c.key.local),
                      cell(ThemeRole::Text), Align::Left);
        vc::draw_cell(canvas, y, widths, kRemote, remote_text(c, context.show_names),
                      cell(ThemeRole::Text), Align::Left);
        vc::draw_cell(canvas, y, widths, kSvc, service_text(c, services_), cell(ThemeRole::Dim),
                      Align::Left);
        Style badge = vc::on_row(canvas.style(state_role(c.state, c.key.proto)), row.style);
        vc::draw_cell(canvas, y, widths, kState, state_name(c.state, c.key.proto), badge,
                      Align::Left);
        vc::draw_cell(canvas, y, widths, kAge, format_age(c.age_s), cell(ThemeRole::Dim),
                      Align::Right);
        // An unmeasured socket has no byte counters: "-" instead of a misleading zero.
        auto amount = [&](double rate, std::uint64_t bytes) -> std::string {
            if (!c.measured) return "-";
            return context.cumulative ? format_bytes(static_cast<double>(bytes))
                                      : format_rate(rate);
        };
        vc::draw_cell(canvas, y, widths, kRx, amount(c.traffic.rx_bps, c.traffic.rx_bytes),
                      cell(ThemeRole::Rx), Align::Right);
        vc::draw_cell(canvas, y, widths, kTx, amount(c.traffic.tx_bps, c.traffic.tx_bytes),
                      cell(ThemeRole::Tx), Align::Right);
    });
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
    if (key.code == 't') {
        tree_ = !tree_;
        return true;
    }
    auto list = rows(context);
    if (key.code == kKeyEnter) {
        selection_.sync(list);
        if (!selection_.selected()) return false;           // an empty list
        if (selection_.selected()->pid == 0) return false;  // unattributed: no sockets to list
        detail_ = selection_.selected();
        detail_cursor_ = vc::ListCursor{};
        return true;
    }
    return selection_.on_key(key.code, list);
}

bool ProcessesView::on_mouse(const MouseEvent& mouse, const ViewContext& context) {
    if (vc::on_wheel(mouse, [&](const KeyEvent& key) { on_key(key, context); })) return true;
    if (detail_ || mouse.y < 1) return false;
    if (!selection_.select_visible_row(mouse.y - 1, rows(context))) return false;
    if (mouse.kind == MouseEvent::Kind::DoubleClick) return on_key(KeyEvent{kKeyEnter}, context);
    return true;
}

std::optional<ProcessInfo> ProcessesView::selected_process() const {
    const std::optional<ProcessId>& id = detail_ ? detail_ : selection_.selected();
    if (!id || id->pid == 0) return std::nullopt;  // the unattributed row is no process
    if (const ProcessSummary* p = find(*id)) return p->info;
    return std::nullopt;
}

}  // namespace sstop::plugins::processes
