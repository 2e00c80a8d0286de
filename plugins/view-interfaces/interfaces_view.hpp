#pragma once
/// @file interfaces_view.hpp
/// The "Interfaces" tab: rates and totals of each network interface, from the kernel's
/// counters.

#include <memory>
#include <optional>
#include <sstop/plugin.hpp>
#include <sstop/view.hpp>
#include <string>
#include <vector>

#include "table.hpp"

namespace sstop::plugins::interfaces {

/// Table of network interfaces (NAME, STATE, ROUTE, ↓/↑ rate, ↓/↑ total, bandwidth bar),
/// sorted and filtered as the host's ViewContext says; the selection follows the same
/// interface (by name) across snapshots. UI thread only, like every View.
class InterfacesView final : public View {
  public:
    InterfacesView() = default;
    /// The plugin constructor; the view has no options.
    explicit InterfacesView(PluginContext& context);

    std::string title() const override { return "Interfaces"; }
    // 'i' is the host's "next interface in the header"; 'f' as in "iFaces" is free.
    std::int32_t hotkey() const override { return 'f'; }
    std::vector<KeyHint> key_hints() const override;
    void update(std::shared_ptr<const Snapshot> snapshot) override;
    void draw(Canvas& canvas, const ViewContext& context) override;
    bool on_key(const KeyEvent& key, const ViewContext& context) override;
    bool on_mouse(const MouseEvent& mouse, const ViewContext& context) override;

    /// The name of the interface under the cursor (after the last draw, key or click), if any.
    std::optional<std::string> selected_interface() const { return selection_.selected(); }

  private:
    static std::string id_of(const InterfaceSummary& i) { return i.name; }
    std::vector<const InterfaceSummary*> rows(const ViewContext& context) const;

    std::shared_ptr<const Snapshot> snapshot_;
    view_common::SelectionCursor<InterfaceSummary, std::string> selection_{&id_of};
};

}  // namespace sstop::plugins::interfaces
