#include "ports_view.hpp"

#include <gtest/gtest.h>

#include "text_canvas.hpp"
#include "view_fixtures.hpp"

using sstop::KeyEvent;
using sstop::ListenPortSummary;
using sstop::Snapshot;
using sstop::SortKey;
using sstop::ThemeRole;
using sstop::ViewContext;
using sstop::plugins::ports::PortsView;
// The fixtures every view test shares.
using namespace sstop::plugins::view_common::testing;

namespace {

ListenPortSummary port(sstop::Proto proto, sstop::IpAddr addr, std::uint16_t p, int pid,
                       std::string name) {
    ListenPortSummary l;
    l.proto = proto;
    l.addr = addr;
    l.port = p;
    l.owner.pid = pid;
    l.owner.start_time = 77;
    l.name = std::move(name);
    return l;
}

// Deliberately not in port order: the view sorts.
std::shared_ptr<Snapshot> sample() {
    auto s = std::make_shared<Snapshot>();
    s->listen_ports = {
        port(sstop::Proto::Tcp, v4(127, 0, 0, 1), 5432, 900, "postgres"),
        port(sstop::Proto::Tcp, v4(0, 0, 0, 0), 22, 50, "sshd"),
        port(sstop::Proto::Udp, v4(127, 0, 0, 53), 53, 0, ""),
        port(sstop::Proto::Tcp, v4(0, 0, 0, 0), 8080, 1234, "python3"),
    };
    sstop::ProcessSummary sshd;
    sshd.info.id = {50, 77};
    sshd.info.name = "sshd";
    sshd.info.cmdline = "/usr/sbin/sshd -D";
    s->processes.push_back(sshd);
    return s;
}

TextCanvas draw(PortsView& view, const sstop::ViewContext& c, int w = 80, int h = 10,
                bool unicode = true) {
    return draw_checked(view, c, w, h, unicode);
}

}  // namespace

TEST(PortsView, TitleHotkeyAndHints) {
    PortsView view;
    EXPECT_EQ(view.title(), "Ports");
    EXPECT_EQ(view.hotkey(), 'l');
    EXPECT_FALSE(view.key_hints().empty());
}

TEST(PortsView, EmptyStateBeforeFirstSnapshot) {
    PortsView view;
    auto canvas = draw(view, view_context());
    EXPECT_GE(canvas.find_row("No listening sockets"), 0) << canvas.dump();
    EXPECT_FALSE(view.selected_process().has_value());
}

TEST(PortsView, ShowsColumnsSortedByPortWhateverTheSortKey) {
    for (SortKey key : {SortKey::Rate, SortKey::Name, SortKey::Pid}) {
        PortsView view;
        view.update(sample());
        auto canvas = draw(view, view_context(key));
        for (const char* col : {"PROTO", "ADDRESS", "PORT▾", "PID", "PROCESS"})
            EXPECT_NE(canvas.row(0).find(col), std::string::npos) << col << canvas.row(0);
        EXPECT_EQ(canvas.find_row(" 22 "), 1) << canvas.dump();
        EXPECT_EQ(canvas.find_row(" 53 "), 2);
        EXPECT_EQ(canvas.find_row(" 5432 "), 3);
        EXPECT_EQ(canvas.find_row(" 8080 "), 4);
    }
    PortsView view;
    view.update(sample());
    auto canvas = draw(view, view_context());
    std::string row = canvas.row(canvas.find_row("postgres"));
    EXPECT_NE(row.find("TCP"), std::string::npos) << row;
    EXPECT_NE(row.find("127.0.0.1"), std::string::npos) << row;
    EXPECT_NE(row.find("900"), std::string::npos) << row;
    row = canvas.row(canvas.find_row(" 53 "));
    EXPECT_NE(row.find("UDP"), std::string::npos) << row;
    EXPECT_NE(row.find("-"), std::string::npos) << row;   // unknown owner
    EXPECT_EQ(row.find("0 "), std::string::npos) << row;  // not pid 0
    row = canvas.row(canvas.find_row("sshd"));
    EXPECT_NE(row.find("*"), std::string::npos) << row;  // 0.0.0.0 is "any"
}

TEST(PortsView, SvcColumnNamesWellKnownPorts) {
    PortsView view(sstop::plugins::view_common::ServiceNames::parse(
        "ssh 22/tcp\ndomain 53/udp\npostgresql 5432/udp\n"));
    view.update(sample());
    auto canvas = draw(view, view_context(), 100);
    EXPECT_NE(canvas.row(0).find("SVC"), std::string::npos) << canvas.row(0);
    EXPECT_NE(canvas.row(canvas.find_row("sshd")).find(" ssh "), std::string::npos)
        << canvas.dump();
    EXPECT_NE(canvas.row(canvas.find_row(" 53 ")).find("domain"), std::string::npos);
    // 5432 is named for udp only: the tcp listener has no service.
    EXPECT_EQ(canvas.row(canvas.find_row("postgres")).find("postgresql"), std::string::npos);
    EXPECT_EQ(canvas.find_row("8080"), canvas.find_row("python3"));
    // The filter sees the service name too.
    canvas = draw(view, view_context(SortKey::Rate, "domain"), 100);
    EXPECT_EQ(canvas.find_row(" 53 "), 1) << canvas.dump();
    EXPECT_EQ(canvas.find_row("sshd"), -1);
}

TEST(PortsView, FilterMatchesAnyColumn) {
    PortsView view;
    view.update(sample());
    for (const char* filter : {"POSTGRES", "5432", "900", "127.0.0.1"}) {
        auto canvas = draw(view, view_context(SortKey::Rate, filter));
        EXPECT_EQ(canvas.find_row("postgres"), 1) << filter << "\n" << canvas.dump();
        EXPECT_EQ(canvas.find_row("sshd"), -1) << filter;
    }
    auto canvas = draw(view, view_context(SortKey::Rate, "udp"));
    EXPECT_EQ(canvas.find_row(" 53 "), 1) << canvas.dump();
    EXPECT_EQ(canvas.find_row("postgres"), -1);
    canvas = draw(view, view_context(SortKey::Rate, "nope"));
    EXPECT_GE(canvas.find_row("No listening socket matches 'nope'"), 0);
}

TEST(PortsView, SelectionFollowsSocketAndGivesItsOwner) {
    PortsView view;
    view.update(sample());
    draw(view, view_context());
    EXPECT_EQ(view.selected_process()->id.pid, 50);
    EXPECT_EQ(view.selected_process()->cmdline, "/usr/sbin/sshd -D");  // full info when known
    view.on_key(KeyEvent{'j'}, view_context());
    EXPECT_FALSE(view.selected_process().has_value());  // port 53 has no known owner
    view.on_key(KeyEvent{'j'}, view_context());
    EXPECT_EQ(view.selected_process()->id.pid, 900);
    EXPECT_EQ(view.selected_process()->name, "postgres");
    auto next = sample();
    next->listen_ports.push_back(port(sstop::Proto::Tcp, v4(0, 0, 0, 0), 1, 7, "tcpmux"));
    view.update(next);
    auto canvas = draw(view, view_context());
    int y = canvas.find_row("postgres");
    EXPECT_EQ(y, 4);
    EXPECT_EQ(canvas.role_bg_at(0, y), static_cast<int>(ThemeRole::Selected));
    EXPECT_EQ(view.selected_process()->id.pid, 900);
    view.on_key(KeyEvent{sstop::kKeyHome}, view_context());
    EXPECT_EQ(view.selected_process()->id.pid, 7);
    EXPECT_FALSE(view.on_key(KeyEvent{sstop::kKeyEnter}, view_context()));
}

TEST(PortsView, NarrowAndTinyCanvasesStayInBounds) {
    PortsView view;
    view.update(sample());
    expect_in_bounds_up_to(view, view_context(), 50, 5);
    auto canvas = draw(view, view_context(), 40, 6);
    EXPECT_GE(canvas.find_row(" 5432 "), 1) << canvas.dump();
}

TEST(PortsView, AsciiFallbackHasNoNonAsciiBytes) {
    PortsView view;
    view.update(sample());
    auto canvas = draw(view, view_context(), 80, 10, false);
    EXPECT_FALSE(canvas.has_non_ascii()) << canvas.dump();
    EXPECT_NE(canvas.row(0).find("PORTv"), std::string::npos);
}

TEST(PortsPlugin, LoadsThroughItsDescriptor) { expect_view_plugin_loads("ports", "Ports", 'l'); }

TEST(PortsPlugin, UnloadsWhenClosed) { expect_plugin_unloads("ports"); }

TEST(PortsView, FilterTextIsAFilterExpression) {
    PortsView view;
    view.update(sample());
    auto canvas = draw(view, view_context(SortKey::Rate, "port:5000-6000"));
    EXPECT_EQ(canvas.find_row("postgres"), 1) << canvas.dump();
    EXPECT_EQ(canvas.find_row("sshd"), -1) << canvas.dump();
    canvas = draw(view, view_context(SortKey::Rate, "proto:udp"));
    EXPECT_EQ(canvas.find_row(" 53 "), 1) << canvas.dump();
    EXPECT_EQ(canvas.find_row("postgres"), -1) << canvas.dump();
    // Process terms look at the owner (its command line from the processes).
    canvas = draw(view, view_context(SortKey::Rate, "pid:50 or proc:python"));
    EXPECT_GE(canvas.find_row("sshd"), 1) << canvas.dump();
    EXPECT_GE(canvas.find_row("python3"), 1) << canvas.dump();
    EXPECT_EQ(canvas.find_row("postgres"), -1) << canvas.dump();
    canvas = draw(view, view_context(SortKey::Rate, "sbin/sshd"));
    EXPECT_EQ(canvas.find_row("sshd"), 1) << canvas.dump();
    canvas = draw(view, view_context(SortKey::Rate, "not port:22 and not proto:udp"));
    EXPECT_EQ(canvas.find_row("sshd"), -1) << canvas.dump();
    EXPECT_GE(canvas.find_row("postgres"), 1) << canvas.dump();
}
