#pragma once
/// @file hosts_view.hpp
/// The "Hosts" tab: traffic per remote host across all processes.

#include <memory>
#include <optional>
#include <set>
#include <sstop/plugin.hpp>
#include <sstop/view.hpp>
#include <vector>

#include "expression_filter.hpp"
#include "table.hpp"

namespace sstop::plugins::hosts {

/// Table of remote hosts (ADDRESS, NAME, ↓/↑ rate, total, connections, processes), sorted
/// and filtered as the host's ViewContext says; the selection follows the same address
/// across snapshots. The filter is a `sstop/filter.hpp` expression: a host matches when one
/// of the connections to it matches (with its process, for process terms); text that does
/// not parse is matched as plain text against the address, name and process names. UI
/// thread only, like every View.
class HostsView final : public View {
  public:
    HostsView() = default;
    /// The plugin constructor; the view has no options.
    explicit HostsView(PluginContext& context);

    std::string title() const override { return "Hosts"; }
    std::int32_t hotkey() const override { return 'h'; }
    std::vector<KeyHint> key_hints() const override;
    void update(std::shared_ptr<const Snapshot> snapshot) override;
    void draw(Canvas& canvas, const ViewContext& context) override;
    bool on_key(const KeyEvent& key, const ViewContext& context) override;
    bool on_mouse(const MouseEvent& mouse, const ViewContext& context) override;

    /// The address under the cursor (after the last draw or key), if any.
    std::optional<IpAddr> selected_host() const { return selection_.selected(); }

  private:
    static IpAddr id_of(const RemoteHostSummary& h) { return h.addr; }
    std::vector<const RemoteHostSummary*> rows(const ViewContext& context) const;

    std::shared_ptr<const Snapshot> snapshot_;
    // Addresses of the connections that match the expression, per snapshot and text.
    mutable view_common::ExpressionFilter filter_;
    mutable std::set<IpAddr> matched_;
    mutable const Snapshot* matched_for_ = nullptr;
    view_common::SelectionCursor<RemoteHostSummary, IpAddr> selection_{&id_of};
};

}  // namespace sstop::plugins::hosts
