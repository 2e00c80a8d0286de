#pragma once
/// @file groups_view.hpp
/// The "Groups" tab: traffic per container and per systemd service.

#include <memory>
#include <optional>
#include <set>
#include <sstop/plugin.hpp>
#include <sstop/view.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "expression_filter.hpp"
#include "table.hpp"

namespace sstop::plugins::groups {

/// What identifies a group between snapshots: its kind and its name.
using GroupId = std::pair<std::string, std::string>;

/// How a group kind is shown: "unit" as "service" (what users call a systemd unit that moves
/// traffic), every other kind as it is.
std::string_view kind_label(std::string_view kind);

/// Table of process groups (KIND, NAME, ↓/↑ rate, total, processes, connections, bandwidth
/// bar), sorted and filtered as the host's ViewContext says; the selection follows the same
/// group across snapshots. UI thread only, like every View.
class GroupsView final : public View {
  public:
    GroupsView() = default;
    /// The plugin constructor; the view has no options.
    explicit GroupsView(PluginContext& context);

    std::string title() const override { return "Groups"; }
    std::int32_t hotkey() const override { return 'c'; }
    std::vector<KeyHint> key_hints() const override;
    void update(std::shared_ptr<const Snapshot> snapshot) override;
    void draw(Canvas& canvas, const ViewContext& context) override;
    bool on_key(const KeyEvent& key, const ViewContext& context) override;
    bool on_mouse(const MouseEvent& mouse, const ViewContext& context) override;

    /// The group under the cursor (after the last draw, key or click), if any.
    std::optional<GroupId> selected_group() const { return selection_.selected(); }

  private:
    static GroupId id_of(const GroupSummary& g) { return {g.kind, g.name}; }
    std::vector<const GroupSummary*> rows(const ViewContext& context) const;

    std::shared_ptr<const Snapshot> snapshot_;
    // Groups with a process that matches the expression, per snapshot and text.
    mutable view_common::ExpressionFilter filter_;
    mutable std::set<std::pair<std::string, std::string>> matched_;
    mutable const Snapshot* matched_for_ = nullptr;
    view_common::SelectionCursor<GroupSummary, GroupId> selection_{&id_of};
};

}  // namespace sstop::plugins::groups
