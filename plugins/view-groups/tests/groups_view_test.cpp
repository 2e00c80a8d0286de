#include "groups_view.hpp"

#include <gtest/gtest.h>

#include <sstop/format.hpp>

#include "text_canvas.hpp"
#include "view_fixtures.hpp"

using sstop::GroupSummary;
using sstop::KeyEvent;
using sstop::MouseEvent;
using sstop::Snapshot;
using sstop::SortKey;
using sstop::ThemeRole;
using sstop::plugins::groups::GroupId;
using sstop::plugins::groups::GroupsView;
using sstop::plugins::groups::kind_label;
// The fixtures every view test shares.
using namespace sstop::plugins::view_common::testing;

namespace {

constexpr const char* kEmptyText =
    "No containers or services (sstop groups processes by their cgroup)";

GroupSummary group(std::string kind, std::string name, double rx, double tx, std::uint32_t procs,
                   std::uint32_t conns) {
    return GroupSummary{
        .kind = std::move(kind),
        .name = std::move(name),
        .traffic = {.rx_bps = rx, .tx_bps = tx, .rx_bytes = 3000, .tx_bytes = 2000},
        .processes = procs,
        .connections = conns,
    };
}

// backup: biggest upload and rate; web: biggest download; resolved: most connections;
// Alpine-db: idle, first by name (the name sort ignores case).
std::shared_ptr<Snapshot> sample() {
    auto s = std::make_shared<Snapshot>();
    s->groups = {
        group("unit", "backup.service", 100, 90000, 1, 1),
        group("container", "web", 50000, 500, 3, 4),
        group("unit", "systemd-resolved.service", 10, 10, 1, 9),
        group("container", "Alpine-db", 0, 0, 2, 2),
    };
    return s;
}

TextCanvas draw(GroupsView& view, const sstop::ViewContext& c, int w = 130, int h = 12,
                bool unicode = true) {
    return draw_checked(view, c, w, h, unicode);
}

// The glyphs of row `y` as one string per cell.
std::vector<std::string> cells(const TextCanvas& canvas, int y) {
    std::vector<std::string> out;
    const std::string row = canvas.row(y);
    for (std::size_t i = 0; i < row.size();) {
        std::size_t len = 1;
        while (i + len < row.size() && (static_cast<unsigned char>(row[i + len]) & 0xC0) == 0x80)
            ++len;
        out.push_back(row.substr(i, len));
        i += len;
    }
    return out;
}

// The cell where `title` starts in the header row.
int column_x(const TextCanvas& canvas, const std::string& title) {
    const std::vector<std::string> header = cells(canvas, 0);
    for (std::size_t x = 0; x + title.size() <= header.size(); ++x) {
        std::string s;
        for (std::size_t i = 0; i < title.size(); ++i) s += header[x + i];
        if (s == title) return static_cast<int>(x);
    }
    ADD_FAILURE() << title << " not in " << canvas.row(0);
    return 0;
}

// `n` cells of row `y` from column `x`, joined.
std::string span(const TextCanvas& canvas, int y, int x, int n) {
    const std::vector<std::string> row = cells(canvas, y);
    std::string out;
    for (int i = x; i < x + n && i < static_cast<int>(row.size()); ++i)
        out += row[static_cast<std::size_t>(i)];
    return out;
}

}  // namespace

TEST(GroupsView, UnitKindIsShownAsService) {
    EXPECT_EQ(kind_label("unit"), "service");
    EXPECT_EQ(kind_label("container"), "container");
    EXPECT_EQ(kind_label("user"), "user");
}

TEST(GroupsView, EmptyStateBeforeFirstSnapshotAndWithNoGroups) {
    GroupsView view;
    auto canvas = draw(view, view_context());
    EXPECT_GE(canvas.find_row(kEmptyText), 0) << canvas.dump();
    EXPECT_TRUE(view.on_key(KeyEvent{'j'}, view_context()));
    EXPECT_FALSE(view.selected_group().has_value());

    view.update(std::make_shared<Snapshot>());
    canvas = draw(view, view_context());
    EXPECT_GE(canvas.find_row(kEmptyText), 0) << canvas.dump();
    EXPECT_NE(canvas.row(0).find("KIND"), std::string::npos) << canvas.row(0);
    EXPECT_FALSE(view.selected_group().has_value());
}

TEST(GroupsView, ShowsColumnsAndValues) {
    GroupsView view;
    view.update(sample());
    auto canvas = draw(view, view_context());
    for (const char* col :
         {"KIND", "NAME", "↓ RATE", "↑ RATE", "TOTAL", "PROCS", "CONNS", "BANDWIDTH"})
        EXPECT_NE(canvas.row(0).find(col), std::string::npos) << col << " in " << canvas.row(0);
    const int y = canvas.find_row("web ");
    ASSERT_GE(y, 1) << canvas.dump();
    const std::string row = canvas.row(y);
    EXPECT_EQ(row.rfind("container ", 0), 0u) << row;
    EXPECT_NE(row.find(sstop::format_rate(50000)), std::string::npos) << row;
    EXPECT_NE(row.find(sstop::format_rate(500)), std::string::npos) << row;
    EXPECT_NE(row.find(sstop::format_bytes(5000)), std::string::npos) << row;
    // Counts are right-aligned under their five-cell headers.
    EXPECT_EQ(span(canvas, y, column_x(canvas, "PROCS"), 5), "    3") << row;
    EXPECT_EQ(span(canvas, y, column_x(canvas, "CONNS"), 5), "    4") << row;
    const int unit = canvas.find_row("backup.service");
    ASSERT_GE(unit, 1);
    EXPECT_EQ(canvas.row(unit).rfind("service ", 0), 0u) << canvas.row(unit);
    EXPECT_EQ(canvas.find_row("unit "), -1) << canvas.dump();
}

TEST(GroupsView, BandwidthBarIsScaledAndColouredByRate) {
    GroupsView view;
    view.update(sample());
    auto canvas = draw(view, view_context());
    const int bar = column_x(canvas, "BANDWIDTH");
    const int busiest = canvas.find_row("backup.service");
    const int idle = canvas.find_row("Alpine-db");
    ASSERT_GE(busiest, 1);
    ASSERT_GE(idle, 1);
    EXPECT_EQ(span(canvas, busiest, bar, 1), "█") << canvas.row(busiest);
    EXPECT_EQ(canvas.style_at(bar, busiest).fg.r, TextCanvas::kRateMarker);
    EXPECT_EQ(canvas.style_at(bar, busiest).fg.g, 255);
    EXPECT_EQ(span(canvas, idle, bar, 1), " ") << canvas.row(idle);
    EXPECT_EQ(canvas.style_at(bar, idle).fg.g, 0);
    // web moves about half of backup's rate: its bar is shorter but not empty.
    const int web = canvas.find_row("web ");
    const std::string web_bar = span(canvas, web, bar, 200);
    const std::string full_bar = span(canvas, busiest, bar, 200);
    auto blocks = [](const std::string& s) {
        std::size_t n = 0;
        for (std::size_t at = s.find("█"); at != std::string::npos; at = s.find("█", at + 1)) ++n;
        return n;
    };
    EXPECT_GT(blocks(web_bar), 0u) << web_bar;
    EXPECT_LT(blocks(web_bar), blocks(full_bar)) << web_bar << "\n" << full_bar;
    EXPECT_GT(canvas.style_at(bar, web).fg.g, 0);
    EXPECT_LT(canvas.style_at(bar, web).fg.g, 255);
}

TEST(GroupsView, SortsBySortKeyAndPidSortsByName) {
    struct Case {
        SortKey key;
        std::vector<std::string> order;
        const char* marked;
    };
    const std::vector<std::string> by_name = {"Alpine-db", "backup.service",
                                              "systemd-resolved.service", "web "};
    const Case cases[] = {
        {SortKey::Rate,
         {"backup.service", "web ", "systemd-resolved.service", "Alpine-db"},
         "↑ RATE▾"},
        {SortKey::Download,
         {"web ", "backup.service", "systemd-resolved.service", "Alpine-db"},
         "↓ RATE▾"},
        {SortKey::Upload,
         {"backup.service", "web ", "systemd-resolved.service", "Alpine-db"},
         "↑ RATE▾"},
        {SortKey::Pid, by_name, "NAME▾"},
        {SortKey::Name, by_name, "NAME▾"},
        {SortKey::Connections,
         {"systemd-resolved.service", "web ", "Alpine-db", "backup.service"},
         "CONNS▾"},
    };
    for (const Case& c : cases) {
        GroupsView view;
        view.update(sample());
        auto canvas = draw(view, view_context(c.key));
        for (std::size_t i = 0; i < c.order.size(); ++i)
            EXPECT_EQ(canvas.find_row(c.order[i]), static_cast<int>(i) + 1)
                << static_cast<int>(c.key) << "\n"
                << canvas.dump();
        EXPECT_NE(canvas.row(0).find(c.marked), std::string::npos) << canvas.row(0);
    }
    GroupsView view;
    view.update(sample());
    auto canvas = draw(view, view_context(SortKey::Rate));
    EXPECT_NE(canvas.row(0).find("↓ RATE▾"), std::string::npos) << canvas.row(0);
}

TEST(GroupsView, SameNameInTwoKindsIsTwoStableRows) {
    auto s = std::make_shared<Snapshot>();
    s->groups = {group("unit", "db", 5, 5, 1, 1), group("container", "db", 5, 5, 1, 1)};
    GroupsView view;
    view.update(s);
    auto canvas = draw(view, view_context(SortKey::Name));
    EXPECT_EQ(canvas.row(1).rfind("container ", 0), 0u) << canvas.dump();
    EXPECT_EQ(canvas.row(2).rfind("service ", 0), 0u) << canvas.dump();
    EXPECT_TRUE(view.on_key(KeyEvent{'j'}, view_context(SortKey::Name)));
    EXPECT_EQ(view.selected_group(), (GroupId{"unit", "db"}));
}

TEST(GroupsView, FilterMatchesKindAndNameIgnoringCase) {
    GroupsView view;
    view.update(sample());
    struct Case {
        const char* filter;
        std::vector<std::string> shown;
    };
    const std::vector<std::string> all = {"backup.service", "web ", "systemd-resolved.service",
                                          "Alpine-db"};
    const Case cases[] = {
        {"WEB", {"web "}},
        {"alpine", {"Alpine-db"}},
        {"Container", {"web ", "Alpine-db"}},
        {"service", {"backup.service", "systemd-resolved.service"}},
        {"unit", {"backup.service", "systemd-resolved.service"}},
        {"RESOLVED", {"systemd-resolved.service"}},
    };
    for (const Case& c : cases) {
        auto canvas = draw(view, view_context(SortKey::Rate, c.filter));
        for (const std::string& name : all) {
            const bool expected = std::find(c.shown.begin(), c.shown.end(), name) != c.shown.end();
            EXPECT_EQ(canvas.find_row(name) >= 1, expected) << c.filter << " / " << name << "\n"
                                                            << canvas.dump();
        }
    }
    auto canvas = draw(view, view_context(SortKey::Rate, "zzz"));
    EXPECT_GE(canvas.find_row("No group matches 'zzz'"), 0) << canvas.dump();
    EXPECT_EQ(canvas.find_row(kEmptyText), -1);
}

TEST(GroupsView, SelectionFollowsGroupAcrossSnapshotsAndNavigates) {
    GroupsView view;
    view.update(sample());
    draw(view, view_context());
    EXPECT_TRUE(view.on_key(KeyEvent{sstop::kKeyDown}, view_context()));
    ASSERT_EQ(view.selected_group(), (GroupId{"container", "web"}));
    auto next = sample();
    next->groups[1].traffic.rx_bps = 1e9;
    view.update(next);
    auto canvas = draw(view, view_context());
    EXPECT_EQ(canvas.find_row("web "), 1) << canvas.dump();
    EXPECT_EQ(view.selected_group(), (GroupId{"container", "web"}));
    EXPECT_EQ(canvas.role_bg_at(0, 1), static_cast<int>(ThemeRole::Selected));
    EXPECT_EQ(canvas.role_bg_at(0, 2), static_cast<int>(ThemeRole::Zebra));
    view.on_key(KeyEvent{'G'}, view_context());
    EXPECT_EQ(view.selected_group(), (GroupId{"container", "Alpine-db"}));
    view.on_key(KeyEvent{'g'}, view_context());
    EXPECT_EQ(view.selected_group(), (GroupId{"container", "web"}));
    EXPECT_FALSE(view.on_key(KeyEvent{sstop::kKeyEnter}, view_context()));
    EXPECT_FALSE(view.on_key(KeyEvent{'x'}, view_context()));
    // A group that disappears leaves the cursor on the row where it was.
    auto gone = sample();
    gone->groups.erase(gone->groups.begin() + 1);
    view.update(gone);
    draw(view, view_context());
    EXPECT_EQ(view.selected_group(), (GroupId{"unit", "backup.service"}));
}

TEST(GroupsView, MouseClickSelectsAndWheelMoves) {
    GroupsView view;
    view.update(sample());
    draw(view, view_context());
    MouseEvent click;
    click.kind = MouseEvent::Kind::Click;
    click.y = 3;
    EXPECT_TRUE(view.on_mouse(click, view_context()));
    EXPECT_EQ(view.selected_group(), (GroupId{"unit", "systemd-resolved.service"}));
    click.y = 0;  // the header
    EXPECT_FALSE(view.on_mouse(click, view_context()));
    click.y = 9;  // below the last row
    EXPECT_FALSE(view.on_mouse(click, view_context()));
    EXPECT_EQ(view.selected_group(), (GroupId{"unit", "systemd-resolved.service"}));
    MouseEvent wheel;
    wheel.kind = MouseEvent::Kind::WheelUp;
    EXPECT_TRUE(view.on_mouse(wheel, view_context()));
    EXPECT_EQ(view.selected_group(), (GroupId{"unit", "backup.service"}));
    wheel.kind = MouseEvent::Kind::WheelDown;
    EXPECT_TRUE(view.on_mouse(wheel, view_context()));
    EXPECT_EQ(view.selected_group(), (GroupId{"container", "Alpine-db"}));
}

TEST(GroupsView, NarrowAndTinyCanvasesStayInBounds) {
    GroupsView view;
    expect_in_bounds_up_to(view, view_context(), 80, 4, "empty groups");
    view.update(sample());
    expect_in_bounds_up_to(view, view_context(), 60, 5);
    expect_in_bounds_up_to(view, view_context(SortKey::Rate, "nothing-matches"), 40, 4,
                           "filtered-empty groups");
    auto canvas = draw(view, view_context(), 40, 6);
    EXPECT_NE(canvas.row(0).find("KIND"), std::string::npos) << canvas.row(0);
    EXPECT_NE(canvas.row(0).find("NAME"), std::string::npos) << canvas.row(0);
    EXPECT_GE(canvas.find_row("backup.service"), 1) << canvas.dump();
}

TEST(GroupsView, WithoutUnicodeEveryCellIsAscii) {
    auto s = sample();
    s->groups[1].name = "wëb";
    GroupsView view;
    view.update(s);
    const TextCanvas ascii = draw(view, view_context(SortKey::Upload), 130, 12, false);
    EXPECT_FALSE(ascii.has_non_ascii()) << ascii.dump();
    EXPECT_NE(ascii.row(0).find("UP RATEv"), std::string::npos) << ascii.row(0);
    // The busiest group's bar is drawn in '#', the name with '?' for what ASCII cannot show.
    const int busiest = ascii.find_row("backup.service");
    ASSERT_GE(busiest, 1) << ascii.dump();
    EXPECT_EQ(span(ascii, busiest, column_x(ascii, "BANDWIDTH"), 1), "#") << ascii.dump();
    EXPECT_GE(ascii.find_row("w?b"), 1) << ascii.dump();
}

TEST(GroupsPlugin, LoadsThroughItsDescriptor) {
    expect_view_plugin_loads("groups", "Groups", 'c', [](sstop::View& view) {
        EXPECT_FALSE(view.key_hints().empty());
        view.update(sample());
        TextCanvas canvas(100, 8);
        view.draw(canvas, view_context());
        EXPECT_GE(canvas.find_row("backup.service"), 1) << canvas.dump();
        // Groups are not processes: the host's kill overlay has nothing to act on here.
        EXPECT_FALSE(view.selected_process().has_value());
    });
}

TEST(GroupsPlugin, UnloadsWhenClosed) { expect_plugin_unloads("groups"); }

TEST(GroupsView, FilterTextIsAFilterExpression) {
    GroupsView view;
    view.update(sample());
    auto only = [&](const char* filter, std::vector<std::string> shown) {
        auto canvas = draw(view, view_context(SortKey::Name, filter));
        for (const char* name :
             {"backup.service", "web ", "systemd-resolved.service", "Alpine-db"}) {
            const bool want = std::find(shown.begin(), shown.end(), name) != shown.end();
            EXPECT_EQ(canvas.find_row(name) >= 1, want) << filter << " " << name << "\n"
                                                        << canvas.dump();
        }
    };
    only("tx>10K", {"backup.service"});
    only("rx>10K or proc:alpine", {"web ", "Alpine-db"});
    only("group:service and not proc:backup", {"systemd-resolved.service"});
    only("not rate>1", {"Alpine-db"});
}
