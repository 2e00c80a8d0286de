#include "hosts_view.hpp"

#include <gtest/gtest.h>

#include <sstop/format.hpp>

#include "text_canvas.hpp"
#include "view_fixtures.hpp"

using sstop::KeyEvent;
using sstop::RemoteHostSummary;
using sstop::Snapshot;
using sstop::SortKey;
using sstop::ThemeRole;
using sstop::ViewContext;
using sstop::plugins::hosts::HostsView;
// The fixtures every view test shares.
using namespace sstop::plugins::view_common::testing;

namespace {

RemoteHostSummary host(sstop::IpAddr addr, std::string name, double rx, double tx,
                       std::uint32_t conns, std::vector<std::string> procs) {
    RemoteHostSummary h;
    h.addr = addr;
    h.name = std::move(name);
    h.traffic.rx_bps = rx;
    h.traffic.tx_bps = tx;
    h.traffic.rx_bytes = 4096;
    h.traffic.tx_bytes = 1024;
    h.connections = conns;
    h.processes = std::move(procs);
    return h;
}

// cdn: biggest download; backup: biggest upload and rate; dns: most connections, no name.
std::shared_ptr<Snapshot> sample() {
    auto s = std::make_shared<Snapshot>();
    sstop::IpAddr v6;
    v6.family = sstop::Family::V6;
    v6.bytes[0] = 0x20, v6.bytes[1] = 0x01, v6.bytes[2] = 0x0d, v6.bytes[3] = 0xb8;
    v6.bytes[15] = 1;
    s->remote_hosts = {
        host(v4(10, 1, 1, 9), "backup.example.net", 100, 90000, 1, {"rsync"}),
        host(v4(93, 184, 216, 34), "cdn.example.com", 50000, 500, 4, {"curl", "firefox"}),
        host(v4(1, 1, 1, 1), "", 10, 10, 9, {"systemd-resolve"}),
        host(v6, "six.example.org", 0, 0, 2, {"ssh"}),
    };
    return s;
}

TextCanvas draw(HostsView& view, const sstop::ViewContext& c, int w = 130, int h = 12,
                bool unicode = true) {
    return draw_checked(view, c, w, h, unicode);
}

}  // namespace

TEST(HostsView, TitleHotkeyAndHints) {
    HostsView view;
    EXPECT_EQ(view.title(), "Hosts");
    EXPECT_EQ(view.hotkey(), 'h');
    EXPECT_FALSE(view.key_hints().empty());
    EXPECT_FALSE(view.selected_process().has_value());
}

TEST(HostsView, EmptyStateBeforeFirstSnapshot) {
    HostsView view;
    auto canvas = draw(view, view_context());
    EXPECT_GE(canvas.find_row("No remote hosts"), 0) << canvas.dump();
    EXPECT_TRUE(view.on_key(KeyEvent{'j'}, view_context()));
    EXPECT_FALSE(view.selected_host().has_value());
}

TEST(HostsView, ShowsColumnsAndValues) {
    HostsView view;
    view.update(sample());
    auto canvas = draw(view, view_context());
    for (const char* col : {"ADDRESS", "NAME", "↓ RATE", "↑ RATE", "TOTAL", "CONN", "PROCESSES"})
        EXPECT_NE(canvas.row(0).find(col), std::string::npos) << col << " in " << canvas.row(0);
    int y = canvas.find_row("93.184.216.34");
    ASSERT_GE(y, 1);
    std::string row = canvas.row(y);
    EXPECT_NE(row.find("cdn.example.com"), std::string::npos) << row;
    EXPECT_NE(row.find(sstop::format_rate(50000)), std::string::npos) << row;
    EXPECT_NE(row.find(sstop::format_bytes(5120)), std::string::npos) << row;
    EXPECT_NE(row.find("curl, firefox"), std::string::npos) << row;
    EXPECT_GE(canvas.find_row("2001:db8::1"), 1) << canvas.dump();
}

TEST(HostsView, NamesColumnFollowsShowNames) {
    HostsView view;
    view.update(sample());
    auto canvas = draw(view, view_context(SortKey::Rate, {}, false));
    EXPECT_EQ(canvas.row(0).find("NAME"), std::string::npos) << canvas.row(0);
    EXPECT_EQ(canvas.find_row("cdn.example.com"), -1);
    EXPECT_GE(canvas.find_row("93.184.216.34"), 1);
}

TEST(HostsView, SortsBySortKeyWithAddressAndNameFallbacks) {
    struct Case {
        SortKey key;
        std::vector<std::string> order;
        const char* marked;
    };
    const Case cases[] = {
        {SortKey::Rate, {"10.1.1.9", "93.184.216.34", "1.1.1.1", "2001:db8::1"}, "↑ RATE▾"},
        {SortKey::Download, {"93.184.216.34", "10.1.1.9", "1.1.1.1", "2001:db8::1"}, "↓ RATE▾"},
        {SortKey::Upload, {"10.1.1.9", "93.184.216.34", "1.1.1.1", "2001:db8::1"}, "↑ RATE▾"},
        {SortKey::Pid, {"1.1.1.1", "10.1.1.9", "93.184.216.34", "2001:db8::1"}, "ADDRESS▾"},
        {SortKey::Name, {"10.1.1.9", "93.184.216.34", "2001:db8::1", "1.1.1.1"}, "NAME▾"},
        {SortKey::Connections, {"1.1.1.1", "93.184.216.34", "2001:db8::1", "10.1.1.9"}, "CONN▾"},
    };
    for (const Case& c : cases) {
        HostsView view;
        view.update(sample());
        auto canvas = draw(view, view_context(c.key));
        for (std::size_t i = 0; i < c.order.size(); ++i)
            EXPECT_EQ(canvas.find_row(c.order[i] + " "), static_cast<int>(i) + 1)
                << static_cast<int>(c.key) << "\n"
                << canvas.dump();
        EXPECT_NE(canvas.row(0).find(c.marked), std::string::npos) << canvas.row(0);
    }
}

TEST(HostsView, FilterMatchesAddressNameAndProcesses) {
    HostsView view;
    view.update(sample());
    for (const char* filter : {"93.184", "CDN.example", "firefox"}) {
        auto canvas = draw(view, view_context(SortKey::Rate, filter));
        EXPECT_EQ(canvas.find_row("93.184.216.34"), 1) << filter << "\n" << canvas.dump();
        EXPECT_EQ(canvas.find_row("10.1.1.9"), -1) << filter;
        EXPECT_EQ(canvas.find_row("1.1.1.1 "), -1) << filter;
    }
    auto canvas = draw(view, view_context(SortKey::Rate, "zzz"));
    EXPECT_GE(canvas.find_row("No host matches 'zzz'"), 0);
}

TEST(HostsView, SelectionFollowsHostAndNavigates) {
    HostsView view;
    view.update(sample());
    draw(view, view_context());
    EXPECT_TRUE(view.on_key(KeyEvent{sstop::kKeyDown}, view_context()));
    ASSERT_EQ(view.selected_host(), v4(93, 184, 216, 34));
    auto next = sample();
    next->remote_hosts[1].traffic.rx_bps = 1e9;
    view.update(next);
    auto canvas = draw(view, view_context());
    EXPECT_EQ(canvas.find_row("93.184.216.34"), 1) << canvas.dump();
    EXPECT_EQ(view.selected_host(), v4(93, 184, 216, 34));
    EXPECT_EQ(canvas.role_bg_at(0, 1), static_cast<int>(ThemeRole::Selected));
    EXPECT_EQ(canvas.role_bg_at(0, 2), static_cast<int>(ThemeRole::Zebra));
    view.on_key(KeyEvent{'G'}, view_context());
    EXPECT_EQ(view.selected_host()->family, sstop::Family::V6);
    view.on_key(KeyEvent{'g'}, view_context());
    EXPECT_EQ(view.selected_host(), v4(93, 184, 216, 34));
    EXPECT_FALSE(view.on_key(KeyEvent{sstop::kKeyEnter}, view_context()));
    EXPECT_FALSE(view.on_key(KeyEvent{sstop::kKeyEscape}, view_context()));
}

TEST(HostsView, NarrowAndTinyCanvasesStayInBounds) {
    HostsView view;
    view.update(sample());
    expect_in_bounds_up_to(view, view_context(), 60, 5);
    auto canvas = draw(view, view_context(), 40, 6);
    EXPECT_NE(canvas.row(0).find("ADDRESS"), std::string::npos);
    EXPECT_GE(canvas.find_row("93.184.216.34"), 1);
}

TEST(HostsView, AsciiFallbackHasNoNonAsciiBytes) {
    HostsView view;
    auto s = sample();
    s->remote_hosts[0].name = "bäckup.example";
    view.update(s);
    auto canvas = draw(view, view_context(), 130, 12, false);
    EXPECT_FALSE(canvas.has_non_ascii()) << canvas.dump();
    EXPECT_NE(canvas.row(0).find("UP RATEv"), std::string::npos) << canvas.row(0);
}

TEST(HostsPlugin, LoadsThroughItsDescriptor) { expect_view_plugin_loads("hosts", "Hosts", 'h'); }

TEST(HostsPlugin, UnloadsWhenClosed) { expect_plugin_unloads("hosts"); }

TEST(HostsView, FilterTextIsAFilterExpression) {
    HostsView view;
    auto s = sample();
    // firefox has a connection to 93.184.216.34:443.
    sstop::ProcessSummary firefox;
    firefox.info.id = {100, 1};
    firefox.info.name = "firefox";
    sstop::ConnectionSummary c;
    c.key.proto = sstop::Proto::Tcp;
    c.key.local = {v4(10, 0, 0, 2), 40000};
    c.key.remote = {v4(93, 184, 216, 34), 443};
    firefox.sockets.push_back(c);
    s->processes.push_back(firefox);
    view.update(s);
    auto only = [&](const char* filter, const char* row) {
        auto canvas = draw(view, view_context(SortKey::Rate, filter));
        EXPECT_EQ(canvas.find_row(row), 1) << filter << "\n" << canvas.dump();
        EXPECT_EQ(canvas.find_row("No host"), -1) << filter;
        int rows = 0;
        for (int y = 1; y < canvas.height(); ++y)
            rows += canvas.row(y).find('.') != std::string::npos;
        EXPECT_EQ(rows, 1) << filter << "\n" << canvas.dump();
    };
    only("port:443", "93.184.216.34");
    only("proc:rsync", "10.1.1.9");
    only("host:10.0.0.0/8", "10.1.1.9");
    only("tx>80K", "10.1.1.9");
    only("proc:curl and not port:22", "93.184.216.34");
    auto canvas = draw(view, view_context(SortKey::Rate, "not proc:curl and rx>1K"));
    EXPECT_EQ(canvas.find_row("93.184"), -1) << canvas.dump();
}
