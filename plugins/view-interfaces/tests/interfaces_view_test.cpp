#include "interfaces_view.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstop/format.hpp>

#include "text_canvas.hpp"
#include "view_fixtures.hpp"

using sstop::InterfaceSummary;
using sstop::KeyEvent;
using sstop::MouseEvent;
using sstop::Snapshot;
using sstop::SortKey;
using sstop::ThemeRole;
using sstop::plugins::interfaces::InterfacesView;
// The fixtures every view test shares.
using namespace sstop::plugins::view_common::testing;

namespace {

constexpr const char* kEmptyText = "No network interfaces (the source reports none)";

InterfaceSummary itf(std::string name, bool up, bool default_route, double rx, double tx,
                     std::uint64_t rx_bytes, std::uint64_t tx_bytes) {
    return InterfaceSummary{
        .name = std::move(name),
        .up = up,
        .default_route = default_route,
        .traffic = {.rx_bps = rx, .tx_bps = tx, .rx_bytes = rx_bytes, .tx_bytes = tx_bytes},
    };
}

// eth0: the default route with more than 4 GiB received (64-bit totals), biggest download and rate;
// wg0: biggest upload; Docker0: down and idle, first by name (the name sort ignores case); lo: a
// little of both.
std::shared_ptr<Snapshot> sample() {
    auto s = std::make_shared<Snapshot>();
    s->interfaces = {
        itf("Docker0", false, false, 0, 0, 0, 0),
        itf("eth0", true, true, 2000000, 30000, std::uint64_t{5} << 30, std::uint64_t{7} << 20),
        itf("lo", true, false, 500, 500, 1234, 1234),
        itf("wg0", true, false, 100, 90000, 4096, 81920),
    };
    return s;
}

TextCanvas draw(InterfacesView& view, const sstop::ViewContext& c, int w = 120, int h = 10,
                bool unicode = true) {
    return draw_checked(view, c, w, h, unicode);
}

// The row whose first cells are `name` followed by a space.
int row_of(const TextCanvas& canvas, const std::string& name) {
    for (int y = 1; y < canvas.height(); ++y)
        if (canvas.row(y).rfind(name + " ", 0) == 0) return y;
    return -1;
}

}  // namespace

TEST(InterfacesView, EmptyStateBeforeFirstSnapshotAndWithNoInterfaces) {
    InterfacesView view;
    auto canvas = draw(view, view_context());
    EXPECT_GE(canvas.find_row(kEmptyText), 0) << canvas.dump();
    EXPECT_TRUE(view.on_key(KeyEvent{'j'}, view_context()));
    EXPECT_FALSE(view.selected_interface().has_value());

    view.update(std::make_shared<Snapshot>());
    canvas = draw(view, view_context());
    EXPECT_GE(canvas.find_row(kEmptyText), 0) << canvas.dump();
    EXPECT_NE(canvas.row(0).find("NAME"), std::string::npos) << canvas.row(0);
    EXPECT_FALSE(view.selected_interface().has_value());
}

TEST(InterfacesView, ShowsStateRouteRatesAndTotals) {
    InterfacesView view;
    view.update(sample());
    auto canvas = draw(view, view_context());
    for (const char* col :
         {"NAME", "STATE", "ROUTE", "↓ RATE", "↑ RATE", "↓ TOTAL", "↑ TOTAL", "BANDWIDTH"})
        EXPECT_NE(canvas.row(0).find(col), std::string::npos) << col << " in " << canvas.row(0);

    const int eth = row_of(canvas, "eth0");
    ASSERT_GE(eth, 1) << canvas.dump();
    const std::string row = canvas.row(eth);
    EXPECT_NE(row.find(" up "), std::string::npos) << row;
    EXPECT_NE(row.find("default"), std::string::npos) << row;
    const std::size_t rx = row.find(sstop::format_rate(2000000));
    const std::size_t tx = row.find(sstop::format_rate(30000));
    const std::size_t rx_total = row.find(sstop::format_bytes(5.0 * (1 << 30)));
    const std::size_t tx_total = row.find(sstop::format_bytes(7.0 * (1 << 20)));
    ASSERT_NE(rx, std::string::npos) << row;
    ASSERT_NE(tx, std::string::npos) << row;
    ASSERT_NE(rx_total, std::string::npos) << row;
    ASSERT_NE(tx_total, std::string::npos) << row;
    // Download before upload, rates before totals, each total its own direction.
    EXPECT_LT(rx, tx);
    EXPECT_LT(tx, rx_total);
    EXPECT_LT(rx_total, tx_total);

    const int docker = row_of(canvas, "Docker0");
    ASSERT_GE(docker, 1) << canvas.dump();
    EXPECT_NE(canvas.row(docker).find(" down "), std::string::npos) << canvas.row(docker);
    EXPECT_EQ(canvas.row(docker).find("default"), std::string::npos) << canvas.row(docker);
    EXPECT_EQ(canvas.row(row_of(canvas, "lo")).find("default"), std::string::npos);
    // Only the default route's row carries the mark.
    int marked = 0;
    for (int y = 1; y < canvas.height(); ++y)
        if (canvas.row(y).find("default") != std::string::npos) ++marked;
    EXPECT_EQ(marked, 1) << canvas.dump();
}

TEST(InterfacesView, StateIsColouredGoodOrBad) {
    InterfacesView view;
    view.update(sample());
    // Sorted by name, the cursor is on Docker0 (row 1); eth0 on row 2 shows the row colours.
    auto canvas = draw(view, view_context(SortKey::Name));
    const std::size_t state_x = canvas.row(0).find("STATE");
    ASSERT_NE(state_x, std::string::npos);
    ASSERT_EQ(row_of(canvas, "eth0"), 2) << canvas.dump();
    ASSERT_EQ(row_of(canvas, "lo"), 3) << canvas.dump();
    EXPECT_EQ(canvas.role_fg_at(static_cast<int>(state_x), 2), static_cast<int>(ThemeRole::Good));
    auto down = sample();
    down->interfaces[1].up = false;
    view.update(down);
    canvas = draw(view, view_context(SortKey::Name));
    EXPECT_EQ(canvas.role_fg_at(static_cast<int>(state_x), 2), static_cast<int>(ThemeRole::Bad));
}

TEST(InterfacesView, BandwidthBarIsScaledToTheBusiestInterface) {
    InterfacesView view;
    view.update(sample());
    auto canvas = draw(view, view_context());
    const std::string header = canvas.row(0);
    ASSERT_NE(header.find("BANDWIDTH"), std::string::npos) << header;
    const std::string eth = canvas.row(row_of(canvas, "eth0"));
    const std::string docker = canvas.row(row_of(canvas, "Docker0"));
    EXPECT_NE(eth.find("█"), std::string::npos) << eth;
    EXPECT_EQ(docker.find("█"), std::string::npos) << docker;
}

TEST(InterfacesView, SortsBySortKeyAndPidOrConnectionsSortByName) {
    struct Case {
        SortKey key;
        std::vector<std::string> order;
        const char* marked;
    };
    const std::vector<std::string> by_name = {"Docker0", "eth0", "lo", "wg0"};
    const Case cases[] = {
        {SortKey::Rate, {"eth0", "wg0", "lo", "Docker0"}, "↑ RATE▾"},
        {SortKey::Download, {"eth0", "lo", "wg0", "Docker0"}, "↓ RATE▾"},
        {SortKey::Upload, {"wg0", "eth0", "lo", "Docker0"}, "↑ RATE▾"},
        {SortKey::Pid, by_name, "NAME▾"},
        {SortKey::Name, by_name, "NAME▾"},
        {SortKey::Connections, by_name, "NAME▾"},
    };
    for (const Case& c : cases) {
        InterfacesView view;
        view.update(sample());
        auto canvas = draw(view, view_context(c.key));
        for (std::size_t i = 0; i < c.order.size(); ++i)
            EXPECT_EQ(row_of(canvas, c.order[i]), static_cast<int>(i) + 1)
                << static_cast<int>(c.key) << "\n"
                << canvas.dump();
        EXPECT_NE(canvas.row(0).find(c.marked), std::string::npos) << canvas.row(0);
    }
    InterfacesView view;
    view.update(sample());
    auto canvas = draw(view, view_context(SortKey::Rate));
    EXPECT_NE(canvas.row(0).find("↓ RATE▾"), std::string::npos) << canvas.row(0);
}

TEST(InterfacesView, FilterMatchesNameIgnoringCase) {
    InterfacesView view;
    view.update(sample());
    struct Case {
        const char* filter;
        std::vector<std::string> shown;
    };
    const std::vector<std::string> all = {"Docker0", "eth0", "lo", "wg0"};
    const Case cases[] = {
        {"ETH", {"eth0"}},
        {"docker", {"Docker0"}},
        {"0", {"Docker0", "eth0", "wg0"}},
        {"", all},
    };
    for (const Case& c : cases) {
        auto canvas = draw(view, view_context(SortKey::Rate, c.filter));
        for (const std::string& name : all) {
            const bool expected = std::find(c.shown.begin(), c.shown.end(), name) != c.shown.end();
            EXPECT_EQ(row_of(canvas, name) >= 1, expected) << c.filter << " / " << name << "\n"
                                                           << canvas.dump();
        }
    }
    auto canvas = draw(view, view_context(SortKey::Rate, "zzz"));
    EXPECT_GE(canvas.find_row("No interface matches 'zzz'"), 0) << canvas.dump();
    EXPECT_EQ(canvas.find_row(kEmptyText), -1);
}

TEST(InterfacesView, CursorStaysInBoundsAndFollowsTheInterface) {
    InterfacesView view;
    view.update(sample());
    draw(view, view_context());
    EXPECT_EQ(view.selected_interface(), "eth0");
    EXPECT_TRUE(view.on_key(KeyEvent{sstop::kKeyUp}, view_context()));
    EXPECT_EQ(view.selected_interface(), "eth0");
    for (int i = 0; i < 10; ++i) view.on_key(KeyEvent{'j'}, view_context());
    EXPECT_EQ(view.selected_interface(), "Docker0");
    view.on_key(KeyEvent{'g'}, view_context());
    view.on_key(KeyEvent{'j'}, view_context());
    ASSERT_EQ(view.selected_interface(), "wg0");
    // wg0 becomes the busiest: the cursor moves with it to the top row.
    auto next = sample();
    next->interfaces[3].traffic.rx_bps = 1e9;
    view.update(next);
    auto canvas = draw(view, view_context());
    EXPECT_EQ(row_of(canvas, "wg0"), 1) << canvas.dump();
    EXPECT_EQ(view.selected_interface(), "wg0");
    EXPECT_EQ(canvas.role_bg_at(0, 1), static_cast<int>(ThemeRole::Selected));
    EXPECT_FALSE(view.on_key(KeyEvent{sstop::kKeyEnter}, view_context()));
    EXPECT_FALSE(view.on_key(KeyEvent{'x'}, view_context()));
    // An interface that disappears leaves the cursor on the row where it was, clamped.
    auto gone = std::make_shared<Snapshot>();
    gone->interfaces = {sample()->interfaces[2]};
    view.update(gone);
    draw(view, view_context());
    EXPECT_EQ(view.selected_interface(), "lo");
    view.on_key(KeyEvent{'G'}, view_context());
    EXPECT_EQ(view.selected_interface(), "lo");
    // A filter that hides every row leaves nothing selected.
    EXPECT_TRUE(view.on_key(KeyEvent{'j'}, view_context(SortKey::Rate, "nothing")));
    EXPECT_FALSE(view.selected_interface().has_value());
}

TEST(InterfacesView, MouseClickSelectsAndWheelMoves) {
    InterfacesView view;
    view.update(sample());
    draw(view, view_context(SortKey::Name));
    MouseEvent click;
    click.kind = MouseEvent::Kind::Click;
    click.y = 3;
    EXPECT_TRUE(view.on_mouse(click, view_context(SortKey::Name)));
    EXPECT_EQ(view.selected_interface(), "lo");
    click.y = 0;  // the header
    EXPECT_FALSE(view.on_mouse(click, view_context(SortKey::Name)));
    click.y = 8;  // below the last row
    EXPECT_FALSE(view.on_mouse(click, view_context(SortKey::Name)));
    EXPECT_EQ(view.selected_interface(), "lo");
    MouseEvent wheel;
    wheel.kind = MouseEvent::Kind::WheelUp;
    EXPECT_TRUE(view.on_mouse(wheel, view_context(SortKey::Name)));
    EXPECT_EQ(view.selected_interface(), "Docker0");
}

TEST(InterfacesView, NarrowAndTinyCanvasesStayInBounds) {
    InterfacesView view;
    expect_in_bounds_up_to(view, view_context(), 80, 4, "empty interfaces");
    view.update(sample());
    expect_in_bounds_up_to(view, view_context(), 90, 5);
    expect_in_bounds_up_to(view, view_context(SortKey::Rate, "nothing-matches"), 40, 4,
                           "filtered-empty interfaces");
    // 1 x 1 and zero-width canvases draw nothing outside and do not crash.
    draw(view, view_context(), 1, 1);
    draw(view, view_context(), 0, 5);
    // A narrow canvas keeps the name, state and rates and drops the bar and totals.
    auto canvas = draw(view, view_context(), 40, 6);
    EXPECT_NE(canvas.row(0).find("NAME"), std::string::npos) << canvas.row(0);
    EXPECT_NE(canvas.row(0).find("STATE"), std::string::npos) << canvas.row(0);
    EXPECT_EQ(canvas.row(0).find("BANDWIDTH"), std::string::npos) << canvas.row(0);
    EXPECT_GE(row_of(canvas, "eth0"), 1) << canvas.dump();
}

TEST(InterfacesView, WithoutUnicodeEveryCellIsAscii) {
    InterfacesView view;
    view.update(sample());
    const TextCanvas ascii = draw(view, view_context(SortKey::Upload), 120, 10, false);
    EXPECT_FALSE(ascii.has_non_ascii()) << ascii.dump();
    EXPECT_NE(ascii.row(0).find("UP RATEv"), std::string::npos) << ascii.row(0);
    EXPECT_NE(ascii.row(0).find("DN TOTAL"), std::string::npos) << ascii.row(0);
    EXPECT_NE(ascii.row(row_of(ascii, "wg0")).find("#"), std::string::npos) << ascii.dump();
}

TEST(InterfacesPlugin, LoadsThroughItsDescriptor) {
    expect_view_plugin_loads("interfaces", "Interfaces", 'f', [](sstop::View& view) {
        EXPECT_FALSE(view.key_hints().empty());
        view.update(sample());
        TextCanvas canvas(100, 8);
        view.draw(canvas, view_context());
        EXPECT_GE(row_of(canvas, "eth0"), 1) << canvas.dump();
        // Interfaces are not processes: the host's kill overlay has nothing to act on here.
        EXPECT_FALSE(view.selected_process().has_value());
    });
}

TEST(InterfacesPlugin, UnloadsWhenClosed) { expect_plugin_unloads("interfaces"); }
