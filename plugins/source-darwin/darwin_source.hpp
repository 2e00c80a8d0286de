#pragma once
/// @file darwin_source.hpp
/// The darwin source (macOS): sockets with byte counters and owners from `netstat -anvb`
/// (owners netstat does not show from `lsof -n -P -i`), interface counters from `netstat -ibn`.
/// Only POSIX calls, so it also builds on Linux, where the tests point it at a stand-in netstat
/// that prints the macOS fixtures.

#include <cstdint>
#include <map>
#include <sstop/source.hpp>
#include <string>
#include <vector>

#include "command_runner.hpp"

namespace sstop::plugins::darwin {

/// Runs netstat twice per `collect` (and lsof when netstat left owners unknown) and parses
/// their text.
class DarwinSource final : public sstop::Source {
  public:
    /// Reads options `netstat` (absolute path), `lsof` (absolute path, empty = never run) and
    /// `timeout` (seconds, per command).
    explicit DarwinSource(sstop::PluginContext& context);

    std::uint32_t capabilities() const override;
    /// Throws `PluginUnavailable` when the netstat binary cannot be executed or `lsof` is not
    /// an absolute path. A missing lsof only counts `lsof_failures` when it is needed.
    void open() override;
    /// Fills sockets (owner pid, cumulative rx/tx bytes), processes, interfaces and the
    /// counters `malformed_lines`, `truncated_rows`, `command_failures`, `lsof_owners`
    /// (sockets whose owner came from lsof), `lsof_failures`. Collector thread.
    sstop::CollectStatus collect(sstop::Sample& out) override;

  private:
    /// Empty on success, else one line saying what failed.
    std::string collect_sockets(sstop::Sample& out);
    std::string collect_interfaces(sstop::Sample& out);
    /// Runs lsof and gives sockets without an owner the one it lists, names to owners
    /// without one.
    void add_lsof_owners(std::vector<sstop::SocketObs>& sockets,
                         std::map<std::int32_t, std::string>& owners);

    std::string netstat_;
    std::string lsof_;  // empty: never run
    CommandLimits limits_;
    std::uint64_t malformed_lines_ = 0;
    std::uint64_t truncated_rows_ = 0;
    std::uint64_t command_failures_ = 0;
    std::uint64_t lsof_owners_ = 0;
    std::uint64_t lsof_failures_ = 0;
};

}  // namespace sstop::plugins::darwin
