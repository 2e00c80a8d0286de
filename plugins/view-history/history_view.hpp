#pragma once
/// @file history_view.hpp
/// The "History" tab: bytes per program today, over 7 days and over 30 days, read from the
/// history store (opened read-only by the view itself), and a per-day bar chart of the
/// selected program over the last 30 days.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <sstop/plugin.hpp>
#include <sstop/view.hpp>
#include <string>
#include <vector>

#include "history/history_store.hpp"
#include "table.hpp"

namespace sstop::plugins::history_view {

/// One program's totals (bytes both ways).
struct ProgramTotals {
    std::string key;  ///< "name (user)"
    std::uint64_t today = 0;
    std::uint64_t week = 0;
    std::uint64_t month_rx = 0;
    std::uint64_t month_tx = 0;
    std::uint64_t month() const { return month_rx + month_tx; }
};

/// UI thread only, like every View. The store is read when the view is first drawn and then
/// at most once a minute (or on `r`); a report over 30 days of the store takes milliseconds.
class HistoryView final : public View {
  public:
    /// Wall clock in unix seconds; local offset from UTC in seconds (for "today").
    using Clock = std::function<std::int64_t()>;

    /// The plugin constructor: option `path` names the store (empty: the default).
    explicit HistoryView(PluginContext& context);
    /// For tests: the store at `path`, an injected clock, "today" in UTC.
    HistoryView(std::string path, Clock now);

    std::string title() const override { return "History"; }
    std::int32_t hotkey() const override { return 'H'; }
    std::vector<KeyHint> key_hints() const override;
    void update(std::shared_ptr<const Snapshot> snapshot) override;
    void draw(Canvas& canvas, const ViewContext& context) override;
    bool on_key(const KeyEvent& key, const ViewContext& context) override;
    bool on_mouse(const MouseEvent& mouse, const ViewContext& context) override;

    /// The program under the cursor, if any.
    std::optional<std::string> selected_program() const { return selection_.selected(); }
    /// Re-reads the store now.
    void reload();
    /// Why nothing can be shown (no store yet, a damaged one), empty when the store was read.
    const std::string& problem() const { return problem_; }

  private:
    static std::string id_of(const ProgramTotals& p) { return p.key; }
    std::vector<const ProgramTotals*> rows(const ViewContext& context) const;
    void load_days(const std::string& key);
    void draw_chart(Canvas& canvas, int y, int height);

    std::string path_;
    Clock now_;
    std::int64_t utc_offset_ = 0;
    std::int64_t loaded_at_ = -1;
    std::string problem_;
    std::vector<ProgramTotals> programs_;
    std::string days_key_;
    std::vector<host::history::DayBytes> days_;  ///< of days_key_, the last 30 days
    std::int64_t days_from_ = 0;
    view_common::SelectionCursor<ProgramTotals, std::string> selection_{&id_of};
};

}  // namespace sstop::plugins::history_view
