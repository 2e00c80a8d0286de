#include "history_view.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "text_canvas.hpp"
#include "view_fixtures.hpp"

using namespace sstop::plugins::view_common::testing;
using sstop::KeyEvent;
using sstop::plugins::history_view::HistoryView;
namespace hist = sstop::host::history;

namespace {

constexpr std::int64_t kNow = 1'733'400'000 - 1'733'400'000 % 86400 + 15 * 3600;  // 15:00 UTC
constexpr std::int64_t kDay = 86400;

class Store {
  public:
    Store() {
        char pattern[] = "/tmp/sstop-history-view-XXXXXX";
        if (::mkdtemp(pattern)) dir_ = pattern;
        auto store = hist::HistoryStore::open_writer(path());
        // curl: 1000 today, 5000 three days ago, 100000 twenty days ago (30-day total 106000).
        // ssh (another user): 50000 two hours ago. old: 40 days ago only.
        store->add({{kNow - 600, hist::Dimension::Program, "curl (root)", 600, 400},
                    {kNow - 3 * kDay, hist::Dimension::Program, "curl (root)", 5000, 0},
                    {kNow - 20 * kDay, hist::Dimension::Program, "curl (root)", 0, 100000},
                    {kNow - 7200, hist::Dimension::Program, "ssh (4242)", 50000, 0},
                    {kNow - 40 * kDay, hist::Dimension::Program, "old (root)", 9, 9}});
        store->roll_up(kNow, hist::RetentionPolicy{});
    }
    ~Store() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    std::string path() const { return dir_ + "/history.db"; }

  private:
    std::string dir_;
};

TEST(HistoryView, ShowsTodaySevenAndThirtyDaysPerProgram) {
    Store store;
    HistoryView view(store.path(), [] { return kNow; });
    const TextCanvas c = draw_checked(view, view_context(), 120, 30);
    EXPECT_EQ(view.problem(), "");
    const int curl = c.find_row("curl (root)");
    const int ssh = c.find_row("ssh (4242)");
    ASSERT_GE(curl, 1) << c.dump();
    ASSERT_GE(ssh, 1) << c.dump();
    EXPECT_LT(curl, ssh) << "largest 30-day total first";
    EXPECT_EQ(c.find_row("old (root)"), -1) << "older than 30 days";
    // TODAY 1000 B, 7 DAYS 6000 B (today + 3 days ago), 30 DAYS 103.5 KiB.
    const std::string row = c.row(curl);
    EXPECT_NE(row.find("1000 B"), std::string::npos) << row;
    EXPECT_NE(row.find("5.86 KiB"), std::string::npos) << row;
    EXPECT_NE(row.find("104 KiB"), std::string::npos) << row;
    // The chart of the selected (first) row.
    EXPECT_GE(c.find_row("Per day, last 30 days (UTC): curl (root)"), 0) << c.dump();
    EXPECT_EQ(view.selected_program(), "curl (root)");
}

TEST(HistoryView, MovingTheSelectionRedrawsTheChartOfThatProgram) {
    Store store;
    HistoryView view(store.path(), [] { return kNow; });
    draw_checked(view, view_context(), 120, 30);
    EXPECT_TRUE(view.on_key(KeyEvent{'j'}, view_context()));
    const TextCanvas c = draw_checked(view, view_context(), 120, 30);
    EXPECT_EQ(view.selected_program(), "ssh (4242)");
    EXPECT_GE(c.find_row("Per day, last 30 days (UTC): ssh (4242)  max 48.8 KiB"), 0) << c.dump();
}

TEST(HistoryView, TheFilterLanguageSelectsPrograms) {
    Store store;
    HistoryView view(store.path(), [] { return kNow; });
    TextCanvas c = draw_checked(view, view_context(sstop::SortKey::Rate, "proc:ssh"), 120, 30);
    EXPECT_EQ(c.find_row("curl (root)"), -1) << c.dump();
    EXPECT_GE(c.find_row("ssh (4242)"), 1) << c.dump();
    c = draw_checked(view, view_context(sstop::SortKey::Rate, "user:0"), 120, 30);
    EXPECT_GE(c.find_row("curl (root)"), 1) << c.dump();
    EXPECT_EQ(c.find_row("ssh (4242)"), -1) << c.dump();
    c = draw_checked(view, view_context(sstop::SortKey::Rate, "not curl"), 120, 30);
    EXPECT_EQ(c.find_row("curl (root)"), -1) << c.dump();
}

TEST(HistoryView, NoStoreSaysSoAndDrawsInBounds) {
    HistoryView view("/nonexistent/sstop/history.db", [] { return kNow; });
    const TextCanvas c = draw_checked(view, view_context(), 100, 10);
    EXPECT_GE(c.find_row("no history recorded yet"), 0) << c.dump();
    expect_in_bounds_up_to(view, view_context(), 40, 20, "no store");
}

TEST(HistoryView, DrawsInBoundsAtEverySize) {
    Store store;
    HistoryView view(store.path(), [] { return kNow; });
    expect_in_bounds_up_to(view, view_context(), 60, 24, "history");
}

TEST(HistoryView, PluginLoadsWithItsTitleAndHotkey) {
    expect_view_plugin_loads("history", "History", 'H');
    expect_plugin_unloads("history");
}

}  // namespace
