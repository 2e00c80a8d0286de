#pragma once
/// @file ports_view.hpp
/// The "Ports" tab: listening sockets and the processes that own them.

#include <memory>
#include <optional>
#include <sstop/plugin.hpp>
#include <sstop/view.hpp>
#include <vector>

#include "expression_filter.hpp"
#include "service_names.hpp"
#include "table.hpp"

namespace sstop::plugins::ports {

/// Table of listening sockets (PROTO, ADDRESS, PORT, SVC, PID, PROCESS), always sorted by port
/// (then protocol, address, pid), filtered on any column. The selection follows the same
/// socket across snapshots; its owner is what `selected_process` returns, for the kill
/// overlay. UI thread only, like every View.
class PortsView final : public View {
  public:
    PortsView() = default;
    /// A view whose SVC column names ports from `services`.
    explicit PortsView(view_common::ServiceNames services) : services_(std::move(services)) {}
    /// The plugin constructor: reads the `services_file` option's file once.
    explicit PortsView(PluginContext& context);

    std::string title() const override { return "Ports"; }
    std::int32_t hotkey() const override { return 'l'; }
    std::vector<KeyHint> key_hints() const override;
    void update(std::shared_ptr<const Snapshot> snapshot) override;
    void draw(Canvas& canvas, const ViewContext& context) override;
    bool on_key(const KeyEvent& key, const ViewContext& context) override;
    bool on_mouse(const MouseEvent& mouse, const ViewContext& context) override;
    std::optional<ProcessInfo> selected_process() const override;

  private:
    /// What identifies a listening socket between snapshots.
    struct PortId {
        Proto proto = Proto::Unknown;
        IpAddr addr;
        std::uint16_t port = 0;
        ProcessId owner;
        friend bool operator==(const PortId&, const PortId&) = default;
    };
    static PortId id_of(const ListenPortSummary& p);
    std::vector<const ListenPortSummary*> rows(const ViewContext& context) const;

    view_common::ServiceNames services_;
    std::shared_ptr<const Snapshot> snapshot_;
    mutable view_common::ExpressionFilter filter_;  // the `/` text, parsed once per change
    view_common::SelectionCursor<ListenPortSummary, PortId> selection_{&id_of};
};

}  // namespace sstop::plugins::ports
