#pragma once
/// @file procnet_source.hpp
/// The procnet source: sockets from /proc/net/{tcp,tcp6,udp,udp6}, interfaces from
/// /proc/net/dev and /proc/net/{route,ipv6_route}, owners from /proc/<pid>/fd. No byte
/// counters.

#include <linuxproc/owner_map.hpp>
#include <sstop/source.hpp>
#include <string>
#include <vector>

namespace sstop::plugins::procnet {

/// Reads the /proc text files of the caller's network namespace each `collect`.
class ProcnetSource final : public sstop::Source {
  public:
    /// Reads option `proc_root` (default "/proc").
    explicit ProcnetSource(sstop::PluginContext& context);

    std::uint32_t capabilities() const override;
    /// Throws `PluginUnavailable` when `<proc_root>/net/tcp` cannot be read.
    void open() override;
    /// Fills sockets, interfaces, owners and the `malformed_lines` counter. Collector thread.
    sstop::CollectStatus collect(sstop::Sample& out) override;

  private:
    enum class ReadResult { Ok, Missing, Failed, Truncated };
    ReadResult read_file(const std::string& path);
    void fill_interface_state(sstop::InterfaceObs& obs);
    /// Sets `default_route` from <proc_root>/net/{route,ipv6_route}.
    void mark_default_routes(std::vector<sstop::InterfaceObs>& interfaces);

    std::string proc_root_;
    std::string sys_net_root_;  // <proc_root>/../sys/class/net
    linuxproc::OwnerMap owners_;
    std::string buffer_;  // reused by every read, so steady state allocates nothing
    std::uint64_t malformed_lines_ = 0;
    int last_errno_ = 0;  // of the last failed read_file
};

}  // namespace sstop::plugins::procnet
