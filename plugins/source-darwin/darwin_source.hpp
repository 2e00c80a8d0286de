#pragma once
/// @file darwin_source.hpp
/// The darwin source (macOS): sockets with byte counters and owners from `netstat -anvb`,
/// interface counters from `netstat -ibn`. Only POSIX calls, so it also builds on Linux,
/// where the tests point it at a stand-in netstat that prints the macOS fixtures.

#include <cstdint>
#include <sstop/source.hpp>
#include <string>

#include "command_runner.hpp"

namespace sstop::plugins::darwin {

/// Runs netstat twice per `collect` and parses its text.
class DarwinSource final : public sstop::Source {
  public:
    /// Reads options `netstat` (absolute path) and `timeout` (seconds, per command).
    explicit DarwinSource(sstop::PluginContext& context);

    std::uint32_t capabilities() const override;
    /// Throws `PluginUnavailable` when the netstat binary cannot be executed.
    void open() override;
    /// Fills sockets (owner pid, cumulative rx/tx bytes), processes, interfaces and the
    /// counters `malformed_lines`, `truncated_rows`, `command_failures`. Collector thread.
    sstop::CollectStatus collect(sstop::Sample& out) override;

  private:
    /// Empty on success, else one line saying what failed.
    std::string collect_sockets(sstop::Sample& out);
    std::string collect_interfaces(sstop::Sample& out);

    std::string netstat_;
    CommandLimits limits_;
    std::uint64_t malformed_lines_ = 0;
    std::uint64_t truncated_rows_ = 0;
    std::uint64_t command_failures_ = 0;
};

}  // namespace sstop::plugins::darwin
