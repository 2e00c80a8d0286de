#include "history_view.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <sstop/filter.hpp>
#include <sstop/format.hpp>

#include "history/time_args.hpp"

namespace sstop::plugins::history_view {
namespace {

namespace vc = view_common;
namespace hist = host::history;
using vc::Align;
using vc::Column;

constexpr std::int64_t kDay = 86400;
constexpr int kChartDays = 30;
constexpr std::int64_t kReloadEvery = 60;

std::int64_t system_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string default_path() {
    std::string path =
        hist::default_history_path(false, std::getenv("XDG_STATE_HOME"), std::getenv("HOME"));
    // A user's sstop reads the service's store when it has none of its own.
    if (::access(path.c_str(), F_OK) != 0 &&
        ::access(hist::default_history_path(true, nullptr, nullptr).c_str(), R_OK) == 0)
        path = hist::default_history_path(true, nullptr, nullptr);
    return path;
}

// "curl (alice)" → name "curl", user "alice".
std::pair<std::string, std::string> split_key(const std::string& key) {
    const auto open = key.rfind(" (");
    if (open == std::string::npos || key.back() != ')') return {key, ""};
    return {key.substr(0, open), key.substr(open + 2, key.size() - open - 3)};
}

std::uint32_t uid_of(const std::string& user) {
    struct passwd pw {};
    struct passwd* found = nullptr;
    char buffer[4096];
    if (::getpwnam_r(user.c_str(), &pw, buffer, sizeof buffer, &found) == 0 && found)
        return pw.pw_uid;
    char* end = nullptr;
    const unsigned long v = std::strtoul(user.c_str(), &end, 10);
    return end && *end == '\0' && !user.empty() ? static_cast<std::uint32_t>(v) : UINT32_MAX;
}

std::string bytes_cell(std::uint64_t bytes) {
    return bytes == 0 ? std::string("-") : format_bytes(static_cast<double>(bytes));
}

}  // namespace

HistoryView::HistoryView(PluginContext& context) : now_(system_now) {
    try {
        path_ = context.options().get_string("path");
    } catch (const OptionError&) {
        // A host without this plugin's schema: the default.
    }
    if (path_.empty()) path_ = default_path();
    utc_offset_ = hist::local_utc_offset(now_());
}

HistoryView::HistoryView(std::string path, Clock now)
    : path_(std::move(path)), now_(std::move(now)) {}

std::vector<KeyHint> HistoryView::key_hints() const {
    return {{"j/k", "move"}, {"PgUp/PgDn", "page"}, {"r", "reload"}};
}

void HistoryView::update(std::shared_ptr<const Snapshot> snapshot) {
    (void)snapshot;  // the store, not the live snapshot, is what this tab shows
    if (loaded_at_ >= 0 && now_() - loaded_at_ >= kReloadEvery) reload();
}

void HistoryView::reload() {
    const std::int64_t now = now_();
    loaded_at_ = now;
    problem_.clear();
    programs_.clear();
    days_key_.clear();
    days_.clear();
    try {
        auto store = hist::HistoryStore::open_reader(path_);
        const std::int64_t local_now = now + utc_offset_;
        const std::int64_t midnight = local_now - ((local_now % kDay) + kDay) % kDay - utc_offset_;
        std::map<std::string, ProgramTotals> by_key;
        for (const auto& r : store->totals(hist::Dimension::Program, now - 30 * kDay, now + 1)) {
            ProgramTotals& p = by_key[r.key];
            p.key = r.key;
            p.month_rx = r.rx_bytes;
            p.month_tx = r.tx_bytes;
        }
        for (const auto& r : store->totals(hist::Dimension::Program, now - 7 * kDay, now + 1))
            by_key[r.key].week = r.rx_bytes + r.tx_bytes;
        for (const auto& r : store->totals(hist::Dimension::Program, midnight, now + 1))
            by_key[r.key].today = r.rx_bytes + r.tx_bytes;
        for (auto& [key, p] : by_key) programs_.push_back(std::move(p));
        std::sort(programs_.begin(), programs_.end(),
                  [](const ProgramTotals& a, const ProgramTotals& b) {
                      return a.month() != b.month() ? a.month() > b.month() : a.key < b.key;
                  });
    } catch (const hist::StoreError& e) {
        problem_ = e.what();
    }
}

void HistoryView::load_days(const std::string& key) {
    if (key == days_key_) return;
    days_key_ = key;
    days_.clear();
    const std::int64_t now = now_();
    days_from_ = now - now % kDay - (kChartDays - 1) * kDay;
    try {
        days_ = hist::HistoryStore::open_reader(path_)->per_day(hist::Dimension::Program, key,
                                                                days_from_, now + 1);
    } catch (const hist::StoreError& e) {
        problem_ = e.what();
    }
}

std::vector<const ProgramTotals*> HistoryView::rows(const ViewContext& context) const {
    std::vector<const ProgramTotals*> out;
    // The filter language of the Processes tab: a program is a process with its name and
    // user (its 30-day bytes as totals; rates are zero). Text that is not an expression
    // is matched as a substring.
    std::optional<Filter> filter;
    if (!context.filter.empty()) filter = Filter::parse(context.filter);
    const std::string needle = vc::to_lower(context.filter);
    const Snapshot empty;
    for (const ProgramTotals& p : programs_) {
        bool keep = true;
        if (filter) {
            ProcessSummary process;
            const auto [name, user] = split_key(p.key);
            process.info.name = name;
            process.info.cmdline = p.key;
            process.info.uid = uid_of(user);
            process.traffic.rx_bytes = p.month_rx;
            process.traffic.tx_bytes = p.month_tx;
            keep = filter->matches(process, empty);
        } else if (!needle.empty()) {
            keep = vc::contains_ci(p.key, needle);
        }
        if (keep) out.push_back(&p);
    }
    return out;
}

void HistoryView::draw(Canvas& canvas, const ViewContext& context) {
    if (canvas.width() <= 0 || canvas.height() <= 0) return;
    if (loaded_at_ < 0) reload();
    if (!problem_.empty()) {
        canvas.text(0, 0, vc::fit("History: " + problem_, canvas.width(), canvas.unicode()),
                    canvas.style(ThemeRole::Warn));
        if (canvas.height() > 1)
            canvas.text(0, 1,
                        vc::fit("A running sstop records once a minute; `sstop report` prints "
                                "it. Option plugins.history.path names the store.",
                                canvas.width(), canvas.unicode()),
                        canvas.style(ThemeRole::Dim));
        return;
    }
    const bool uni = canvas.unicode();
    // The chart takes the lower part when there is room for both.
    const int chart_height = canvas.height() >= 16 ? std::min(10, canvas.height() / 3) : 0;
    enum { kName, kToday, kWeek, kMonth, kRx, kTx, kBar };
    const std::vector<Column> cols = {
        {.title = "PROGRAM", .width = 14, .grow = 2},
        {.title = "TODAY", .width = 10, .align = Align::Right},
        {.title = "7 DAYS", .width = 10, .align = Align::Right, .drop_rank = 2},
        {.title = "30 DAYS", .width = 10, .align = Align::Right},
        {.title = uni ? "↓ 30 DAYS" : "DN 30 DAYS",
         .width = 10,
         .align = Align::Right,
         .drop_rank = 3},
        {.title = uni ? "↑ 30 DAYS" : "UP 30 DAYS",
         .width = 10,
         .align = Align::Right,
         .drop_rank = 4},
        {.title = "SHARE", .width = 10, .grow = 1, .drop_rank = 5},
    };
    const std::vector<int> widths = vc::draw_table_header(canvas, 0, cols);
    const std::vector<const ProgramTotals*> list = rows(context);
    std::uint64_t largest = 1;
    for (const ProgramTotals* p : list) largest = std::max(largest, p->month());
    auto draw_row = [&](const ProgramTotals& p, const vc::ListRow& row) {
        const int y = row.y;
        if (y >= canvas.height() - chart_height) return;
        vc::draw_cell(canvas, y, widths, kName, p.key, row.cell(canvas, ThemeRole::Text),
                      Align::Left);
        vc::draw_cell(canvas, y, widths, kToday, bytes_cell(p.today),
                      row.cell(canvas, ThemeRole::Text), Align::Right);
        vc::draw_cell(canvas, y, widths, kWeek, bytes_cell(p.week),
                      row.cell(canvas, ThemeRole::Text), Align::Right);
        vc::draw_cell(canvas, y, widths, kMonth, bytes_cell(p.month()),
                      row.cell(canvas, ThemeRole::Text), Align::Right);
        vc::draw_cell(canvas, y, widths, kRx, bytes_cell(p.month_rx),
                      row.cell(canvas, ThemeRole::Rx), Align::Right);
        vc::draw_cell(canvas, y, widths, kTx, bytes_cell(p.month_tx),
                      row.cell(canvas, ThemeRole::Tx), Align::Right);
        if (widths[kBar] > 0) {
            const double level = static_cast<double>(p.month()) / static_cast<double>(largest);
            vc::draw_cell(canvas, y, widths, kBar, vc::bar(level, widths[kBar], uni),
                          vc::on_row(canvas.rate_style(level), row.style), Align::Left);
        }
    };
    vc::draw_list(canvas, selection_, list, context.filter,
                  {"No traffic recorded in the last 30 days", "program"}, draw_row);
    if (chart_height > 0) {
        canvas.fill(0, canvas.height() - chart_height, canvas.width(), chart_height,
                    canvas.style(ThemeRole::Text));
        draw_chart(canvas, canvas.height() - chart_height, chart_height);
    }
}

void HistoryView::draw_chart(Canvas& canvas, int y, int height) {
    const auto selected = selection_.selected();
    if (!selected) return;
    load_days(*selected);
    const bool uni = canvas.unicode();
    std::uint64_t by_day[kChartDays] = {};
    std::uint64_t largest = 0;
    for (const auto& d : days_) {
        const std::int64_t i = (d.day - days_from_) / kDay;
        if (i < 0 || i >= kChartDays) continue;
        by_day[i] += d.rx_bytes + d.tx_bytes;
        largest = std::max(largest, by_day[i]);
    }
    canvas.text(
        0, y,
        vc::fit("Per day, last 30 days (UTC): " + *selected + "  max " + bytes_cell(largest),
                canvas.width(), uni),
        canvas.style(ThemeRole::Accent));
    const int bars = height - 2;  // title row and the day-number row
    if (bars <= 0) return;
    const int step = std::max(1, std::min(3, canvas.width() / kChartDays));
    static const char* const kEighths[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    for (int i = 0; i < kChartDays; ++i) {
        const int x = i * step;
        if (x >= canvas.width()) break;
        const double level =
            largest ? static_cast<double>(by_day[i]) / static_cast<double>(largest) : 0;
        int eighths = static_cast<int>(level * bars * 8 + 0.5);
        if (by_day[i] > 0 && eighths == 0) eighths = 1;  // any traffic shows
        for (int row = 0; row < bars; ++row) {
            const int cell = std::clamp(eighths - row * 8, 0, 8);
            if (cell == 0) break;
            const std::string glyph = uni ? kEighths[cell] : (cell >= 4 ? "#" : ".");
            canvas.text(x, y + bars - row, glyph, canvas.rate_style(level), 1);
        }
        if (i % 7 == 0 || (i == kChartDays - 1 && i % 7 >= 3)) {
            const std::int64_t day = days_from_ + i * kDay;
            const std::string label = hist::format_utc(day).substr(8, 2);
            canvas.text(x, y + height - 1, label, canvas.style(ThemeRole::Dim),
                        std::min(step * 2, canvas.width() - x));
        }
    }
}

bool HistoryView::on_key(const KeyEvent& key, const ViewContext& context) {
    if (key.code == 'r') {
        reload();
        return true;
    }
    return selection_.on_key(key.code, rows(context));
}

bool HistoryView::on_mouse(const MouseEvent& mouse, const ViewContext& context) {
    return selection_.on_mouse(mouse, rows(context));
}

}  // namespace sstop::plugins::history_view
