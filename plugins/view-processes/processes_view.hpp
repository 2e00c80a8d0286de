#pragma once
/// @file processes_view.hpp
/// The "Processes" tab: one row per process with network activity, and a detail page with
/// its connections.

#include <memory>
#include <optional>
#include <sstop/filter.hpp>
#include <sstop/plugin.hpp>
#include <sstop/view.hpp>
#include <string>
#include <vector>

#include "service_names.hpp"
#include "table.hpp"

namespace sstop::plugins::processes {

/// Table of processes (PID, NAME, ↓/↑ rate, total, connections, history sparkline,
/// bandwidth bar), sorted and filtered as the host's ViewContext says. The filter text is a
/// `sstop/filter.hpp` expression; text that does not parse (yet: the user is typing) is
/// matched as plain text, and the parse error is shown on the view's last line. The selection
/// follows the same process (pid and start time) across snapshots. Enter opens the detail
/// page of the selected process; Esc returns. Traffic no process owned is one more row,
/// `unattributed` (pid shown as `-`), present while it has bytes, sorted and filtered like
/// the others; it has no detail page and is never a signal's target. UI thread only, like
/// every View. `t` toggles a process tree: children under their parents (by ppid, among the
/// listed processes), each row showing its subtree's sums, siblings sorted and rows filtered
/// as in the flat table (a match whose parent did not match is a root). In cumulative mode
/// (`ViewContext::cumulative`) the rate columns show bytes since start and sort by them.
class ProcessesView final : public View {
  public:
    ProcessesView() = default;
    /// A view whose detail page names services from `services`.
    explicit ProcessesView(view_common::ServiceNames services) : services_(std::move(services)) {}
    /// The plugin constructor: reads the `services_file` option's file once.
    explicit ProcessesView(PluginContext& context);

    std::string title() const override { return "Processes"; }
    std::int32_t hotkey() const override { return 0; }
    std::vector<KeyHint> key_hints() const override;
    void update(std::shared_ptr<const Snapshot> snapshot) override;
    void draw(Canvas& canvas, const ViewContext& context) override;
    bool on_key(const KeyEvent& key, const ViewContext& context) override;
    bool on_mouse(const MouseEvent& mouse, const ViewContext& context) override;
    std::optional<ProcessInfo> selected_process() const override;

    /// True while the detail page is shown.
    bool in_detail() const { return detail_.has_value(); }
    /// True while the table is a process tree (key `t`).
    bool tree() const { return tree_; }

  private:
    static ProcessId id_of(const ProcessSummary& p) { return p.info.id; }
    std::vector<const ProcessSummary*> rows(const ViewContext& context) const;
    /// `flat` (filtered) as a tree: each child under its parent (by ppid, among `flat`),
    /// siblings sorted by their subtree sums; the rows point into tree_rows_, whose traffic
    /// and counts are subtree sums, and tree_prefix_ holds each row's indentation.
    std::vector<const ProcessSummary*> as_tree(const std::vector<const ProcessSummary*>& flat,
                                               const ViewContext& context) const;
    const ProcessSummary* find(const ProcessId& id) const;
    std::vector<const ConnectionSummary*> connections(const ProcessSummary& p) const;
    void draw_table(Canvas& canvas, const ViewContext& context);
    void draw_rows_of_table(Canvas& canvas, const ViewContext& context);
    void draw_detail(Canvas& canvas, const ViewContext& context);

    /// The `/` text as a filter expression: parsed again only when the text changes.
    void parse_filter(const std::string& text) const;

    view_common::ServiceNames services_;
    std::shared_ptr<const Snapshot> snapshot_;
    // The `unattributed` row (pid 0): the snapshot's bytes that no process owned, listed while
    // it has traffic and sorted like the processes, so the rows add up to the header's totals.
    ProcessSummary unattributed_;
    // Per process of snapshot_: whether it matches matched_text_, worked out once per
    // snapshot and filter text (rows() is const: a cache, not state).
    mutable std::vector<char> matched_;
    mutable std::string matched_text_;
    // The last `/` text parsed, and its filter, or why it did not parse (then the text is
    // matched as plain text, as before the filter language, and the error is shown).
    mutable std::string parsed_text_;
    mutable std::optional<Filter> filter_ = Filter{};
    mutable FilterError filter_error_;
    bool tree_ = false;
    mutable std::vector<ProcessSummary> tree_rows_;  // stable: reserved before filling
    mutable std::vector<std::string> tree_prefix_;   // per tree_rows_ entry
    view_common::SelectionCursor<ProcessSummary, ProcessId> selection_{&id_of};
    std::optional<ProcessId> detail_;
    view_common::ListCursor detail_cursor_;
    static constexpr int kDetailTableY = 4;  // rows above the connection table's header
};

}  // namespace sstop::plugins::processes
