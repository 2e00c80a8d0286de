#pragma once
/// @file replay_source.hpp
/// The replay source: reads a recording made with `sstop --record FILE` and gives the
/// aggregator its ticks again, one per collect, so the same pipeline computes the same numbers.

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <optional>
#include <sstop/recording.hpp>
#include <sstop/source.hpp>
#include <string>

namespace sstop::plugins::replay {

/// Merges the samples of one recorded tick into one (a replay is a single source): the lists
/// are joined, interfaces and processes keep their first occurrence, and each counter is named
/// "<recorded source>.<name>".
sstop::Sample merge_samples(const std::vector<sstop::Sample>& samples);

/// Replays a recording. Collector thread only.
class ReplaySource final : public sstop::Source {
  public:
    using Clock = std::chrono::steady_clock;

    /// Reads options `file` (string), `speed` (double, 0 = one recorded tick per collect) and
    /// `loop` (bool). `clock` is injectable for tests.
    explicit ReplaySource(sstop::PluginContext& context,
                          std::function<Clock::time_point()> clock = &Clock::now);

    /// Everything a recording can hold (it carries what the recorded sources gave).
    std::uint32_t capabilities() const override;
    /// Opens the file and reads its header and first tick. Throws `PluginUnavailable` when
    /// `file` is unset, unreadable, not a recording, of a newer format or holds no tick.
    void open() override;
    /// Fills `out` with the next recorded tick (or, with `speed` > 0 before the next tick is
    /// due, the last one again without its closed sockets). `taken_at` is the recorded time,
    /// re-based on this run's clock. At the end (without `loop`) returns Failed with
    /// "end of recording …"; a cut or corrupt record ends it too, with its offset logged.
    sstop::CollectStatus collect(sstop::Sample& out) override;

    /// Ticks delivered so far (repeats not counted).
    std::uint64_t ticks_replayed() const { return replayed_; }

  private:
    /// Reads the next tick into `pending_`; false at the end (or a bad record, logged once).
    bool fetch();
    bool rewind();

    sstop::PluginContext& context_;
    std::function<Clock::time_point()> clock_;
    std::string file_;
    double speed_ = 1.0;
    bool loop_ = false;
    std::ifstream in_;
    std::optional<sstop::RecordingReader> reader_;
    std::optional<sstop::RecordedTick> pending_;
    std::optional<sstop::Sample> last_;  // last delivered, closed sockets removed
    std::int64_t last_offset_ns_ = 0;    // recorded offset of the last delivered tick
    std::int64_t shift_ns_ = 0;          // added to recorded offsets after each loop
    std::int64_t pass_gap_ns_ = 0;       // last recorded interval, used between two passes
    std::uint64_t pass_ticks_ = 0;       // ticks delivered in the current pass
    bool started_ = false;
    Clock::time_point start_{};  // this run's clock at the first delivered tick
    std::int64_t first_offset_ns_ = 0;
    std::uint64_t replayed_ = 0;
    bool ended_ = false;
    bool incremental_ = false;  // the recording's socket source was incremental
    std::string end_message_;
};

}  // namespace sstop::plugins::replay
