#pragma once
/// @file procnet_source.hpp
/// The procnet source: sockets from /proc/net/{tcp,tcp6,udp,udp6}, interfaces from
/// /proc/net/dev and /proc/net/{route,ipv6_route}, owners from /proc/<pid>/fd. No byte
/// counters. With `namespaces: all` (or `auto` in the initial namespace) the sockets of every
/// other network namespace with a process in it come from /proc/<pid>/net/{tcp,...} of one
/// representative pid per namespace, keyed by that namespace's inode.

#include <fcntl.h>

#include <cstddef>
#include <linuxproc/netns.hpp>
#include <linuxproc/owner_map.hpp>
#include <memory>
#include <sstop/source.hpp>
#include <string>
#include <vector>

namespace sstop::plugins::procnet {

/// Reads the /proc text files of the caller's network namespace (and, in `all` mode, of the
/// other ones) each `collect`.
class ProcnetSource final : public sstop::Source {
  public:
    /// Reads options `proc_root` (default "/proc") and `namespaces` (auto | own | all; throws
    /// `PluginUnavailable` for anything else). At most `max_namespaces` other namespaces are
    /// read per collect; the rest are counted in `netns_dropped`.
    explicit ProcnetSource(sstop::PluginContext& context,
                           std::size_t max_namespaces = linuxproc::kMaxNetworkNamespaces);

    std::uint32_t capabilities() const override;
    /// Throws `PluginUnavailable` when `<proc_root>/net/tcp` cannot be read.
    void open() override;
    /// Fills sockets (of other namespaces too in `all` mode), interfaces (own namespace only),
    /// owners and counters. Collector thread.
    sstop::CollectStatus collect(sstop::Sample& out) override;

    /// True when this source reads every network namespace (`namespaces` resolved by `open`,
    /// or by the first `collect` when `open` was not called).
    bool reads_all_namespaces();

  private:
    enum class ReadResult { Ok, Missing, Failed, Truncated };
    /// `path` relative to `dir_fd` (AT_FDCWD: absolute or relative to the cwd).
    ReadResult read_file(const std::string& path, int dir_fd = AT_FDCWD);
    void resolve_namespaces();
    /// Appends the sockets of namespace `ns` read through its representative pid; false (and
    /// nothing appended) when that pid is gone or no longer in `ns`.
    bool collect_namespace(const linuxproc::NetnsEntry& ns, sstop::Sample& out,
                           std::string& missing);
    void fill_interface_state(sstop::InterfaceObs& obs);
    /// Sets `default_route` from <proc_root>/net/{route,ipv6_route}.
    void mark_default_routes(std::vector<sstop::InterfaceObs>& interfaces);

    std::string proc_root_;
    std::string sys_net_root_;  // <proc_root>/../sys/class/net
    linuxproc::NamespacesMode mode_ = linuxproc::NamespacesMode::Auto;
    std::size_t max_namespaces_;
    bool resolved_ = false;
    bool all_namespaces_ = false;
    linuxproc::NetnsIdentity identity_;
    // Declared before owners_, which points at it, so it is destroyed after.
    std::unique_ptr<linuxproc::NetnsEnumerator> netns_;
    linuxproc::OwnerMap owners_;
    std::string buffer_;  // reused by every read, so steady state allocates nothing
    std::uint64_t malformed_lines_ = 0;
    std::uint64_t netns_active_ = 0;    // other namespaces read by the last collect
    std::uint64_t netns_vanished_ = 0;  // representatives gone before their tables were read
    int last_errno_ = 0;                // of the last failed read_file
};

}  // namespace sstop::plugins::procnet
