#include "processes_view.hpp"

#include <gtest/gtest.h>

#include <sstop/format.hpp>

#include "text_canvas.hpp"
#include "view_fixtures.hpp"

using sstop::ConnectionSummary;
using sstop::KeyEvent;
using sstop::ProcessSummary;
using sstop::Snapshot;
using sstop::SortKey;
using sstop::ThemeRole;
using sstop::ViewContext;
using sstop::plugins::processes::ProcessesView;
// The fixtures every view test shares.
using namespace sstop::plugins::view_common::testing;

namespace {

ConnectionSummary conn(sstop::IpAddr remote, std::uint16_t port, sstop::SocketState state,
                       std::string name = {}, double rx = 0) {
    ConnectionSummary c;
    c.key.proto = sstop::Proto::Tcp;
    c.key.local = {v4(10, 0, 0, 2), 40000};
    c.key.remote = {remote, port};
    c.state = state;
    c.remote_name = std::move(name);
    c.traffic.rx_bps = rx;
    c.age_s = 75;
    c.measured = true;
    return c;
}

ProcessSummary proc(int pid, std::string name, double rx, double tx, std::uint32_t conns) {
    ProcessSummary p;
    p.info.id.pid = pid;
    p.info.id.start_time = 1000 + static_cast<std::uint64_t>(pid);
    p.info.uid = 1000;
    p.info.name = std::move(name);
    p.info.cmdline = "/usr/bin/" + p.info.name;
    p.traffic.rx_bps = rx;
    p.traffic.tx_bps = tx;
    p.traffic.rx_bytes = 2048;
    p.traffic.tx_bytes = 1024;
    p.connections = conns;
    p.history = {1, 2, 3, rx + tx};
    return p;
}

// firefox: big download; curl: biggest upload and total; sshd: most connections.
std::shared_ptr<Snapshot> sample() {
    auto s = std::make_shared<Snapshot>();
    auto curl = proc(200, "curl", 100, 9000, 1);
    curl.sockets.push_back(conn(v4(1, 1, 1, 1), 80, sstop::SocketState::Established));
    auto firefox = proc(100, "firefox", 5000, 100, 3);
    firefox.info.cmdline = "/usr/bin/firefox --private-window";
    firefox.sockets.push_back(
        conn(v4(93, 184, 216, 34), 443, sstop::SocketState::Established, "example.com", 4000));
    firefox.sockets.push_back(conn(v4(8, 8, 4, 4), 443, sstop::SocketState::TimeWait));
    auto listener = conn({}, 0, sstop::SocketState::Listen);
    listener.key.local = {v4(0, 0, 0, 0), 8080};
    firefox.sockets.push_back(listener);
    firefox.listening = 1;
    auto sshd = proc(50, "sshd", 10, 10, 5);
    s->processes = {curl, firefox, sshd};  // the core's order: by rx+tx
    return s;
}

TextCanvas draw(ProcessesView& view, const sstop::ViewContext& c, int w = 140, int h = 20,
                bool unicode = true) {
    return draw_checked(view, c, w, h, unicode);
}

// The row on which `name` is listed as a process (column NAME).
int row_of(const TextCanvas& canvas, const std::string& name) {
    return canvas.find_row(" " + name + " ");
}

}  // namespace

TEST(ProcessesView, TitleHotkeyAndHints) {
    ProcessesView view;
    EXPECT_EQ(view.title(), "Processes");
    EXPECT_EQ(view.hotkey(), 0);
    auto hints = view.key_hints();
    ASSERT_FALSE(hints.empty());
    EXPECT_EQ(hints[0].key, "Enter");
    bool has_jk = false;
    for (const auto& h : hints) has_jk |= h.key == "j/k";
    EXPECT_TRUE(has_jk);
}

TEST(ProcessesView, EmptyStateBeforeFirstSnapshotAndWhenIdle) {
    ProcessesView view;
    auto canvas = draw(view, view_context());
    EXPECT_GE(canvas.find_row("No processes with network activity"), 0) << canvas.dump();
    EXPECT_FALSE(view.selected_process().has_value());
    EXPECT_FALSE(view.on_key(KeyEvent{sstop::kKeyEnter}, view_context()));
    view.update(std::make_shared<Snapshot>());
    canvas = draw(view, view_context());
    EXPECT_GE(canvas.find_row("No processes with network activity"), 0);
}

TEST(ProcessesView, ShowsColumnsAndValues) {
    ProcessesView view;
    view.update(sample());
    auto canvas = draw(view, view_context());
    std::string header = canvas.row(0);
    for (const char* col :
         {"PID", "NAME", "↓ RATE", "↑ RATE", "TOTAL", "CONN", "HISTORY", "BANDWIDTH"})
        EXPECT_NE(header.find(col), std::string::npos) << col << " in " << header;
    EXPECT_EQ(canvas.role_bg_at(0, 0), static_cast<int>(ThemeRole::Header));
    int y = row_of(canvas, "firefox");
    ASSERT_GE(y, 1) << canvas.dump();
    std::string row = canvas.row(y);
    EXPECT_NE(row.find("100 firefox"), std::string::npos) << row;
    EXPECT_NE(row.find(sstop::format_rate(5000)), std::string::npos) << row;
    EXPECT_NE(row.find(sstop::format_rate(100)), std::string::npos) << row;
    EXPECT_NE(row.find(sstop::format_bytes(3072)), std::string::npos) << row;
    EXPECT_NE(row.find(sstop::sparkline({1, 2, 3, 5100}, 16, true)), std::string::npos) << row;
    EXPECT_NE(row.find("█"), std::string::npos) << row;  // bandwidth bar
}

TEST(ProcessesView, SortsBySortKey) {
    struct Case {
        SortKey key;
        std::vector<std::string> order;
        const char* marked;
    };
    const Case cases[] = {
        {SortKey::Rate, {"curl", "firefox", "sshd"}, "↓ RATE▾"},
        {SortKey::Download, {"firefox", "curl", "sshd"}, "↓ RATE▾"},
        {SortKey::Upload, {"curl", "firefox", "sshd"}, "↑ RATE▾"},
        {SortKey::Pid, {"sshd", "firefox", "curl"}, "PID▾"},
        {SortKey::Name, {"curl", "firefox", "sshd"}, "NAME▾"},
        {SortKey::Connections, {"sshd", "firefox", "curl"}, "CONN▾"},
    };
    for (const Case& c : cases) {
        ProcessesView view;
        view.update(sample());
        auto canvas = draw(view, view_context(c.key));
        for (std::size_t i = 0; i < c.order.size(); ++i)
            EXPECT_EQ(row_of(canvas, c.order[i]), static_cast<int>(i) + 1)
                << static_cast<int>(c.key) << "\n"
                << canvas.dump();
        EXPECT_NE(canvas.row(0).find(c.marked), std::string::npos) << canvas.row(0);
    }
}

TEST(ProcessesView, FilterMatchesNameCmdlinePidAndRemoteAddress) {
    ProcessesView view;
    view.update(sample());
    for (const char* filter : {"FIRE", "private-window", "100", "93.184", "example.COM"}) {
        auto canvas = draw(view, view_context(SortKey::Rate, filter));
        EXPECT_EQ(row_of(canvas, "firefox"), 1) << filter << "\n" << canvas.dump();
        EXPECT_EQ(row_of(canvas, "curl"), -1) << filter;
        EXPECT_EQ(row_of(canvas, "sshd"), -1) << filter;
    }
    auto canvas = draw(view, view_context(SortKey::Rate, "1.1.1.1"));
    EXPECT_EQ(row_of(canvas, "curl"), 1);
    canvas = draw(view, view_context(SortKey::Rate, "nothing-like-this"));
    EXPECT_GE(canvas.find_row("No process matches 'nothing-like-this'"), 0) << canvas.dump();
}

TEST(ProcessesView, FilterTextIsAFilterExpression) {
    ProcessesView view;
    view.update(sample());
    auto listed = [&](const char* filter) {
        auto canvas = draw(view, view_context(SortKey::Rate, filter));
        std::string out;
        for (const char* name : {"curl", "firefox", "sshd"})
            if (row_of(canvas, name) >= 0) out += (out.empty() ? "" : " ") + std::string(name);
        return out;
    };
    EXPECT_EQ(listed("port:443"), "firefox");
    EXPECT_EQ(listed("not port:443"), "curl sshd");
    EXPECT_EQ(listed("proc:curl or pid:50"), "curl sshd");
    EXPECT_EQ(listed("host:1.1.1.0/24"), "curl");
    EXPECT_EQ(listed("rate>5k"), "curl");  // 9100 B/s; firefox has 5100 < 5 KiB
    EXPECT_EQ(listed("!(fire)"), "curl sshd");
    // The same text on a new snapshot is evaluated again, not served from the old cache.
    auto next = sample();
    next->processes.pop_back();  // sshd gone
    view.update(next);
    EXPECT_EQ(listed("not port:443"), "curl");
}

TEST(ProcessesView, UnparsableFilterMatchesPlainTextAndShowsTheError) {
    ProcessesView view;
    view.update(sample());
    // "(fire" as plain text is in no name: the list says so, the last line says why.
    auto canvas = draw(view, view_context(SortKey::Rate, "(fire"));
    EXPECT_EQ(row_of(canvas, "firefox"), -1) << canvas.dump();
    EXPECT_GE(canvas.find_row("No process matches '(fire'"), 0) << canvas.dump();
    const int last = canvas.height() - 1;
    EXPECT_EQ(canvas.find_row("filter: expected ')' at column 6 (matching as plain text)"), last)
        << canvas.dump();
    EXPECT_EQ(canvas.role_fg_at(0, last), static_cast<int>(ThemeRole::Warn));
    // Typing on until it parses removes the message.
    canvas = draw(view, view_context(SortKey::Rate, "(fire)"));
    EXPECT_EQ(canvas.find_row("filter:"), -1) << canvas.dump();
    EXPECT_EQ(row_of(canvas, "firefox"), 1);
    // An unknown field is refused rather than read as a word.
    canvas = draw(view, view_context(SortKey::Rate, "prot:tcp"));
    EXPECT_GE(canvas.find_row("unknown field 'prot' at column 1"), 0) << canvas.dump();
    // Plain text still finds what it is a part of, as before the language.
    auto odd = sample();
    odd->processes.push_back(proc(77, "app(1)", 1, 1, 1));
    view.update(odd);
    canvas = draw(view, view_context(SortKey::Rate, "app(1"));
    EXPECT_GE(canvas.find_row("filter: expected ')' at column 6"), 0) << canvas.dump();
    EXPECT_EQ(row_of(canvas, "app(1)"), 1) << canvas.dump();
    EXPECT_EQ(row_of(canvas, "curl"), -1);
}

TEST(ProcessesView, SelectionFollowsProcessWhenOrderChanges) {
    ProcessesView view;
    view.update(sample());
    draw(view, view_context());
    ASSERT_TRUE(view.on_key(KeyEvent{'j'}, view_context()));
    ASSERT_EQ(view.selected_process()->id.pid, 100);  // firefox, second by rate
    auto next = sample();
    next->processes[1].traffic.rx_bps = 1e9;  // firefox now on top
    std::swap(next->processes[0], next->processes[1]);
    view.update(next);
    auto canvas = draw(view, view_context());
    EXPECT_EQ(row_of(canvas, "firefox"), 1);
    EXPECT_EQ(view.selected_process()->id.pid, 100);
    EXPECT_EQ(canvas.role_bg_at(5, 1), static_cast<int>(ThemeRole::Selected));
    EXPECT_NE(canvas.role_bg_at(5, 2), static_cast<int>(ThemeRole::Selected));
    // A reused pid with another start time is another process: the selection does not
    // silently jump to it, it stays at the same row.
    auto reused = sample();
    reused->processes[1].info.id.start_time = 1;
    view.update(reused);
    draw(view, view_context());
    EXPECT_NE(view.selected_process()->id.start_time, 1u);
}

TEST(ProcessesView, ZebraAndSelectedRows) {
    ProcessesView view;
    view.update(sample());
    auto canvas = draw(view, view_context());
    EXPECT_EQ(canvas.role_bg_at(3, 1), static_cast<int>(ThemeRole::Selected));
    EXPECT_EQ(canvas.role_bg_at(3, 2), static_cast<int>(ThemeRole::Zebra));
    EXPECT_EQ(canvas.role_bg_at(3, 3), -1);
}

TEST(ProcessesView, BarColourComesFromRateStyle) {
    ProcessesView view;
    view.update(sample());
    auto canvas = draw(view, view_context());
    std::string row = canvas.row(1);  // curl, the top rate: level 1
    int x = sstop::plugins::view_common::text_cells(row.substr(0, row.find("█")));
    EXPECT_EQ(canvas.role_fg_at(x, 1), -1);
    EXPECT_EQ(canvas.style_at(x, 1).fg.g, 255);
}

TEST(ProcessesView, NavigationKeys) {
    auto s = std::make_shared<Snapshot>();
    for (int i = 0; i < 50; ++i)
        s->processes.push_back(proc(1000 + i, "p" + std::to_string(i), 100 - i, 0, 1));
    ProcessesView view;
    view.update(s);
    draw(view, view_context(), 80, 11);  // 10 rows visible
    view.on_key(KeyEvent{sstop::kKeyPageDown}, view_context());
    EXPECT_EQ(view.selected_process()->id.pid, 1010);
    view.on_key(KeyEvent{sstop::kKeyCtrlU}, view_context());
    EXPECT_EQ(view.selected_process()->id.pid, 1005);
    view.on_key(KeyEvent{'G'}, view_context());
    EXPECT_EQ(view.selected_process()->id.pid, 1049);
    auto canvas = draw(view, view_context(), 80, 11);
    EXPECT_GE(row_of(canvas, "p49"), 1) << canvas.dump();  // scrolled into view
    view.on_key(KeyEvent{'g'}, view_context());
    EXPECT_EQ(view.selected_process()->id.pid, 1000);
    view.on_key(KeyEvent{sstop::kKeyDown}, view_context());
    view.on_key(KeyEvent{sstop::kKeyEnd}, view_context());
    view.on_key(KeyEvent{'k'}, view_context());
    EXPECT_EQ(view.selected_process()->id.pid, 1048);
    EXPECT_FALSE(view.on_key(KeyEvent{'x'}, view_context()));
    EXPECT_FALSE(
        view.on_key(KeyEvent{sstop::kKeyEscape}, view_context()));  // nothing to go back from
}

TEST(ProcessesView, DetailNamesTheContainerElseTheUnit) {
    auto snap = sample();  // by rate: curl, firefox, sshd
    snap->processes[0].info.unit = "docker-0123.scope";
    snap->processes[0].info.container = "0123456789ab";  // curl: a container wins
    snap->processes[1].info.unit = "firefox.scope";      // firefox: its unit
    ProcessesView view;
    view.update(snap);
    draw(view, view_context());
    ASSERT_TRUE(view.on_key(KeyEvent{sstop::kKeyEnter}, view_context()));
    std::string top = draw(view, view_context()).row(0);
    EXPECT_NE(top.find("curl  pid 200"), std::string::npos) << top;
    EXPECT_NE(top.find("container 0123456789ab"), std::string::npos) << top;
    EXPECT_EQ(top.find("unit "), std::string::npos) << top;
    view.on_key(KeyEvent{sstop::kKeyEscape}, view_context());
    view.on_key(KeyEvent{'j'}, view_context());
    ASSERT_TRUE(view.on_key(KeyEvent{sstop::kKeyEnter}, view_context()));
    top = draw(view, view_context()).row(0);
    EXPECT_NE(top.find("firefox  pid 100"), std::string::npos) << top;
    EXPECT_NE(top.find("unit firefox.scope"), std::string::npos) << top;
}

TEST(ProcessesView, EnterShowsDetailWithConnectionsAndEscGoesBack) {
    ProcessesView view;
    view.update(sample());
    draw(view, view_context());
    view.on_key(KeyEvent{'j'}, view_context());
    ASSERT_TRUE(view.on_key(KeyEvent{sstop::kKeyEnter}, view_context()));
    ASSERT_TRUE(view.in_detail());
    auto canvas = draw(view, view_context());
    EXPECT_NE(canvas.row(0).find("firefox"), std::string::npos) << canvas.dump();
    EXPECT_NE(canvas.row(0).find("pid 100"), std::string::npos);
    EXPECT_NE(canvas.row(0).find("uid 1000"), std::string::npos);
    EXPECT_EQ(canvas.row(0).find("unit "), std::string::npos);  // none known: nothing said
    EXPECT_GE(canvas.find_row("/usr/bin/firefox --private-window"), 0);
    EXPECT_GE(canvas.find_row(sstop::format_bytes(2048)), 0);
    int header = canvas.find_row("PROTO");
    ASSERT_GE(header, 0);
    for (const char* col : {"LOCAL", "REMOTE", "STATE", "AGE", "↓ RATE", "↑ RATE"})
        EXPECT_NE(canvas.row(header).find(col), std::string::npos) << col;
    int estab = canvas.find_row("example.com:443");
    ASSERT_GT(estab, header) << canvas.dump();
    std::string row = canvas.row(estab);
    EXPECT_NE(row.find("TCP"), std::string::npos);
    EXPECT_NE(row.find("10.0.0.2:40000"), std::string::npos);
    EXPECT_NE(row.find("1m15s"), std::string::npos);
    EXPECT_NE(row.find(sstop::format_rate(4000)), std::string::npos);
    int x =
        static_cast<int>(sstop::plugins::view_common::text_cells(row.substr(0, row.find("ESTAB"))));
    EXPECT_EQ(canvas.role_fg_at(x, estab), static_cast<int>(ThemeRole::Good));
    int tw = canvas.find_row("TIME-WAIT");
    ASSERT_GT(tw, header);
    x = sstop::plugins::view_common::text_cells(
        canvas.row(tw).substr(0, canvas.row(tw).find("TIME-WAIT")));
    EXPECT_EQ(canvas.role_fg_at(x, tw), static_cast<int>(ThemeRole::Warn));
    int listen = canvas.find_row("LISTEN");
    ASSERT_GT(listen, tw);  // listeners last
    x = sstop::plugins::view_common::text_cells(
        canvas.row(listen).substr(0, canvas.row(listen).find("LISTEN")));
    EXPECT_EQ(canvas.role_fg_at(x, listen), static_cast<int>(ThemeRole::Accent));
    EXPECT_EQ(view.selected_process()->id.pid, 100);

    canvas = draw(view, view_context(SortKey::Rate, {}, false));  // `d`: addresses instead of names
    EXPECT_EQ(canvas.find_row("example.com"), -1);
    EXPECT_GT(canvas.find_row("93.184.216.34:443"), header);

    EXPECT_EQ(view.key_hints()[0].key, "Esc");
    ASSERT_TRUE(view.on_key(KeyEvent{sstop::kKeyEscape}, view_context()));
    EXPECT_FALSE(view.in_detail());
    canvas = draw(view, view_context());
    EXPECT_EQ(row_of(canvas, "curl"), 1);
}

TEST(ProcessesView, DetailSaysWhenProcessExited) {
    ProcessesView view;
    view.update(sample());
    draw(view, view_context());
    view.on_key(KeyEvent{'j'}, view_context());
    view.on_key(KeyEvent{sstop::kKeyEnter}, view_context());
    auto gone = sample();
    gone->processes.erase(gone->processes.begin() + 1);
    view.update(gone);
    auto canvas = draw(view, view_context());
    EXPECT_GE(canvas.find_row("process 100 has exited"), 0) << canvas.dump();
    EXPECT_FALSE(view.selected_process().has_value());
    EXPECT_TRUE(view.on_key(KeyEvent{'j'}, view_context()));  // harmless
    ASSERT_TRUE(view.on_key(KeyEvent{sstop::kKeyEscape}, view_context()));
    canvas = draw(view, view_context());
    EXPECT_EQ(row_of(canvas, "curl"), 1);
    EXPECT_EQ(view.selected_process()->id.pid, 50);  // the row it was on is now sshd
}

// The host lists a process's sockets once it is selected (SSTOP_CONSUMES_SELECTED_SOCKETS):
// until that snapshot comes, a process with counted sockets says they are being listed, and
// only one with none says "No sockets".
TEST(ProcessesView, DetailSaysSocketsAreBeingListedWhenCountedButNotListed) {
    ProcessesView view;
    auto snap = sample();
    snap->processes.push_back(proc(60, "idle", 0, 0, 0));
    view.update(snap);
    draw(view, view_context());
    view.on_key(KeyEvent{'j'}, view_context());
    view.on_key(KeyEvent{'j'}, view_context());
    ASSERT_EQ(view.selected_process()->id.pid, 50);  // sshd: 5 connections, none listed
    ASSERT_TRUE(view.on_key(KeyEvent{sstop::kKeyEnter}, view_context()));
    auto canvas = draw(view, view_context());
    EXPECT_GE(canvas.find_row("Listing sockets…"), 0) << canvas.dump();
    EXPECT_EQ(canvas.find_row("No sockets"), -1) << canvas.dump();
    canvas = draw(view, view_context(), 140, 20, false);
    EXPECT_GE(canvas.find_row("Listing sockets..."), 0) << canvas.dump();
    ASSERT_TRUE(view.on_key(KeyEvent{sstop::kKeyEscape}, view_context()));
    view.on_key(KeyEvent{'j'}, view_context());
    ASSERT_EQ(view.selected_process()->id.pid, 60);  // idle: nothing counted
    ASSERT_TRUE(view.on_key(KeyEvent{sstop::kKeyEnter}, view_context()));
    canvas = draw(view, view_context());
    EXPECT_GE(canvas.find_row("No sockets"), 0) << canvas.dump();
}

TEST(ProcessesView, NarrowAndTinyCanvasesStayInBounds) {
    ProcessesView view;
    view.update(sample());
    expect_in_bounds_up_to(view, view_context(), 60, 6);
    auto canvas = draw(view, view_context(), 40, 10);
    EXPECT_NE(canvas.row(0).find("PID"), std::string::npos);
    EXPECT_NE(canvas.row(0).find("NAME"), std::string::npos);
    EXPECT_EQ(canvas.row(0).find("HISTORY"), std::string::npos);  // dropped first
    EXPECT_EQ(canvas.row(0).find("BANDWIDTH"), std::string::npos);
    EXPECT_GE(row_of(canvas, "firefox"), 1);
    view.on_key(KeyEvent{sstop::kKeyEnter}, view_context());
    expect_in_bounds_up_to(view, view_context(), 60, 8, "detail");
}

TEST(ProcessesView, AsciiFallbackHasNoNonAsciiBytes) {
    ProcessesView view;
    auto s = sample();
    s->processes[0].info.name = "cürl";  // a non-ASCII name must not leak either
    view.update(s);
    auto canvas = draw(view, view_context(), 140, 20, false);
    EXPECT_FALSE(canvas.has_non_ascii()) << canvas.dump();
    EXPECT_NE(canvas.row(0).find("DN RATE"), std::string::npos) << canvas.row(0);
    EXPECT_NE(canvas.dump().find("#"), std::string::npos);  // bars in ASCII
    view.on_key(KeyEvent{'j'}, view_context());
    view.on_key(KeyEvent{sstop::kKeyEnter}, view_context());
    canvas = draw(view, view_context(), 140, 20, false);
    EXPECT_FALSE(canvas.has_non_ascii()) << canvas.dump();
    EXPECT_GE(canvas.find_row("ESTAB"), 0);
}

TEST(ProcessesView, MouseClickSelectsAndDoubleClickOpensDetail) {
    ProcessesView view;
    view.update(sample());
    draw(view, view_context());
    sstop::MouseEvent click{sstop::MouseEvent::Kind::Click, 3, 3};
    EXPECT_TRUE(view.on_mouse(click, view_context()));
    EXPECT_EQ(view.selected_process()->id.pid, 50);
    click.kind = sstop::MouseEvent::Kind::DoubleClick;
    click.y = 2;
    EXPECT_TRUE(view.on_mouse(click, view_context()));
    EXPECT_TRUE(view.in_detail());
    EXPECT_EQ(view.selected_process()->id.pid, 100);
}

TEST(ProcessesPlugin, LoadsThroughItsDescriptor) {
    expect_view_plugin_loads("processes", "Processes", 0, [](sstop::View& view) {
        view.update(sample());
        TextCanvas canvas(100, 10);
        view.draw(canvas, view_context());
        EXPECT_GE(canvas.find_row("firefox"), 1);
    });
}

TEST(ProcessesPlugin, UnloadsWhenClosed) { expect_plugin_unloads("processes"); }

TEST(ProcessesView, UnattributedTrafficIsARowSortedAndFilteredLikeTheOthers) {
    ProcessesView view;
    auto s = sample();
    s->unattributed.rx_bps = 3000;
    s->unattributed.rx_bytes = 4096;
    view.update(s);
    auto canvas = draw(view, view_context());
    // curl 9100, firefox 5100, unattributed 3000, sshd 20 bytes/s.
    EXPECT_EQ(row_of(canvas, "unattributed"), 3) << canvas.dump();
    EXPECT_EQ(row_of(canvas, "sshd"), 4) << canvas.dump();
    const std::string row = canvas.row(3);
    EXPECT_NE(row.find("- unattributed"), std::string::npos) << row;
    EXPECT_NE(row.find(sstop::format_bytes(4096)), std::string::npos) << row;
    canvas = draw(view, view_context(SortKey::Name));
    EXPECT_EQ(row_of(canvas, "unattributed"), 4) << canvas.dump();

    canvas = draw(view, view_context(SortKey::Rate, "proc:unattributed"));
    EXPECT_EQ(row_of(canvas, "unattributed"), 1) << canvas.dump();
    EXPECT_EQ(row_of(canvas, "curl"), -1);
    canvas = draw(view, view_context(SortKey::Rate, "proc:curl"));
    EXPECT_EQ(row_of(canvas, "unattributed"), -1) << canvas.dump();

    // It is no process: no detail page, and nothing a signal could be sent to.
    view = ProcessesView{};
    view.update(s);
    auto ctx = view_context();
    draw(view, ctx);
    for (int i = 0; i < 2; ++i) view.on_key(KeyEvent{sstop::kKeyDown}, ctx);
    EXPECT_FALSE(view.selected_process().has_value());
    EXPECT_FALSE(view.on_key(KeyEvent{sstop::kKeyEnter}, ctx));
    EXPECT_FALSE(view.in_detail());
}

TEST(ProcessesView, UnattributedRowIsAbsentWithoutTraffic) {
    ProcessesView view;
    view.update(sample());
    auto canvas = draw(view, view_context());
    EXPECT_EQ(row_of(canvas, "unattributed"), -1) << canvas.dump();
}

TEST(ProcessesView, CumulativeModeShowsAndSortsByBytesSinceStart) {
    ProcessesView view;
    auto s = sample();
    // sshd: the least rate, the most bytes.
    s->processes[2].traffic.rx_bytes = 900'000'000;
    view.update(s);
    auto ctx = view_context();
    ctx.cumulative = true;
    auto canvas = draw(view, ctx);
    EXPECT_NE(canvas.row(0).find("↓ BYTES"), std::string::npos) << canvas.row(0);
    EXPECT_NE(canvas.row(0).find("↑ BYTES"), std::string::npos) << canvas.row(0);
    EXPECT_EQ(canvas.row(0).find("RATE"), std::string::npos) << canvas.row(0);
    EXPECT_EQ(row_of(canvas, "sshd"), 1) << canvas.dump();
    const std::string row = canvas.row(1);
    EXPECT_NE(row.find(sstop::format_bytes(900'000'000)), std::string::npos) << row;
    EXPECT_EQ(row.find("/s"), std::string::npos) << row;
    // Rates again without it.
    canvas = draw(view, view_context());
    EXPECT_EQ(row_of(canvas, "curl"), 1) << canvas.dump();
    EXPECT_NE(canvas.row(1).find(sstop::format_rate(9000)), std::string::npos);
}

TEST(ProcessesView, TreeShowsChildrenUnderParentsWithSubtreeSums) {
    auto s = std::make_shared<Snapshot>();
    auto shell = proc(10, "shell", 10, 10, 1);
    auto py = proc(20, "python", 1000, 0, 2);
    py.info.ppid = 10;
    auto worker = proc(30, "worker", 50000, 0, 1);
    worker.info.ppid = 20;
    auto other = proc(40, "other", 20000, 0, 1);
    other.info.ppid = 1;  // init is not listed: a root
    auto sib = proc(50, "sibling", 5, 0, 1);
    sib.info.ppid = 10;
    s->processes = {worker, other, py, shell, sib};
    ProcessesView view;
    view.update(s);
    EXPECT_TRUE(view.on_key(KeyEvent{'t'}, view_context()));
    EXPECT_TRUE(view.tree());
    auto canvas = draw(view, view_context());
    // shell's subtree (51025 B/s) is above other (20000); python above sibling under shell.
    EXPECT_EQ(row_of(canvas, "shell"), 1) << canvas.dump();
    EXPECT_NE(canvas.row(2).find("├─python"), std::string::npos) << canvas.dump();
    EXPECT_NE(canvas.row(3).find("│ └─worker"), std::string::npos) << canvas.dump();
    EXPECT_NE(canvas.row(4).find("└─sibling"), std::string::npos) << canvas.dump();
    EXPECT_EQ(row_of(canvas, "other"), 5) << canvas.dump();
    // Subtree sums: shell shows 10 + 1000 + 50000 + 5 down, 5 connections.
    EXPECT_NE(canvas.row(1).find(sstop::format_rate(51015)), std::string::npos) << canvas.row(1);
    EXPECT_NE(canvas.row(1).find(" 5 "), std::string::npos) << canvas.row(1);
    // Sorted by name: other comes before shell among the roots.
    canvas = draw(view, view_context(SortKey::Name));
    EXPECT_EQ(row_of(canvas, "other"), 1) << canvas.dump();
    EXPECT_EQ(row_of(canvas, "shell"), 2) << canvas.dump();
    // Filtered: a match whose parent does not match is a root.
    canvas = draw(view, view_context(SortKey::Rate, "proc:worker or proc:other"));
    EXPECT_EQ(row_of(canvas, "worker"), 1) << canvas.dump();
    EXPECT_EQ(row_of(canvas, "other"), 2) << canvas.dump();
    EXPECT_EQ(row_of(canvas, "shell"), -1) << canvas.dump();
    // The selection is the real process, and t goes back to the flat table.
    EXPECT_TRUE(view.on_key(KeyEvent{'t'}, view_context()));
    canvas = draw(view, view_context());
    EXPECT_EQ(row_of(canvas, "worker"), 1) << canvas.dump();
}

TEST(ProcessesView, TreeSurvivesAParentCycle) {
    auto s = std::make_shared<Snapshot>();
    auto a = proc(10, "a", 10, 0, 1);
    a.info.ppid = 20;
    auto b = proc(20, "b", 20, 0, 1);
    b.info.ppid = 10;
    s->processes = {a, b};
    ProcessesView view;
    view.update(s);
    view.on_key(KeyEvent{'t'}, view_context());
    auto canvas = draw(view, view_context());
    EXPECT_GE(row_of(canvas, "a"), 1) << canvas.dump();
    EXPECT_GE(row_of(canvas, "b"), 1) << canvas.dump();
}

TEST(ProcessesView, AHighlightLabelMarksTheRow) {
    auto s = sample();
    s->processes[1].info.labels = {{"alert", "big"}, {"highlight", "big"}};  // firefox
    ProcessesView view;
    view.update(s);
    auto canvas = draw(view, view_context());
    const int y = row_of(canvas, "firefox");
    ASSERT_GE(y, 1) << canvas.dump();
    const int x = static_cast<int>(canvas.row(y).find("firefox"));
    EXPECT_EQ(canvas.role_fg_at(x, y), static_cast<int>(ThemeRole::Bad)) << canvas.dump();
    const int cy = row_of(canvas, "curl");
    const int cx = static_cast<int>(canvas.row(cy).find("curl"));
    EXPECT_NE(canvas.role_fg_at(cx, cy), static_cast<int>(ThemeRole::Bad));
}

// Opens the detail page of the second process of sample() (firefox) drawn by `view`.
TextCanvas firefox_detail(ProcessesView& view, std::shared_ptr<Snapshot> s) {
    view.update(std::move(s));
    draw(view, view_context());
    view.on_key(KeyEvent{'j'}, view_context());
    EXPECT_TRUE(view.on_key(KeyEvent{sstop::kKeyEnter}, view_context()));
    return draw(view, view_context());
}

TEST(ProcessesView, DetailNamesTheServiceOfEachSocket) {
    ProcessesView view(
        sstop::plugins::view_common::ServiceNames::parse("https 443/tcp\nhttp-alt 8080/tcp\n"));
    auto canvas = firefox_detail(view, sample());
    const int header = canvas.find_row("PROTO");
    ASSERT_GE(header, 0) << canvas.dump();
    EXPECT_NE(canvas.row(header).find("SVC"), std::string::npos) << canvas.row(header);
    // A client connection is named by the remote port, a listener by its own.
    EXPECT_NE(canvas.row(canvas.find_row("example.com:443")).find(" https "), std::string::npos)
        << canvas.dump();
    EXPECT_NE(canvas.row(canvas.find_row("LISTEN")).find("http-alt"), std::string::npos)
        << canvas.dump();
}

TEST(ProcessesView, DetailListsThePeersOfConnectionlessUdpSockets) {
    ProcessesView view;
    auto s = sample();
    s->processes[1].info.labels = {
        {"udp_peer", "10.0.0.7:53"}, {"udp_peer", "10.0.0.8:53"}, {"udp_peers_dropped", "4"}};
    auto canvas = firefox_detail(view, s);
    const int peers = canvas.find_row("2 UDP peers (+4 not kept): 10.0.0.7:53 10.0.0.8:53");
    EXPECT_GT(peers, 0) << canvas.dump();
    EXPECT_LT(peers, canvas.find_row("PROTO"));
    // Without peers there is no such line.
    ProcessesView plain;
    canvas = firefox_detail(plain, sample());
    EXPECT_EQ(canvas.find_row("UDP peers"), -1) << canvas.dump();
}
