// The replay source over recordings written to a temporary file.
#include "replay_source.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fake_context.hpp>
#include <fstream>
#include <sstop/plugin.hpp>

namespace {

using namespace std::chrono_literals;
using sstop::plugins::replay::ReplaySource;
using Clock = std::chrono::steady_clock;

// The shared test context with the options ReplaySource reads.
sstop::testing::FakeContext replay_context(std::string file, double speed, bool loop) {
    sstop::Options options;
    options.values["file"] = sstop::testing::string_option(std::move(file));
    options.values["speed"] = sstop::testing::double_option(speed);
    options.values["loop"] = sstop::testing::bool_option(loop);
    return sstop::testing::FakeContext("replay", std::move(options));
}

// A temporary file removed at the end of the test.
class TempFile {
  public:
    explicit TempFile(const std::string& content) {
        path_ = "/tmp/sstop-replay-test-" + std::to_string(::getpid()) + "-" +
                std::to_string(counter_++);
        std::ofstream(path_, std::ios::binary) << content;
    }
    ~TempFile() { std::remove(path_.c_str()); }
    const std::string& path() const { return path_; }

  private:
    static inline int counter_ = 0;
    std::string path_;
};

// Tick i: one socket that has sent 100*i bytes, closed in tick 1, at offsets 0, 2 s, 3 s.
std::string recording(std::size_t ticks = 3) {
    std::string out = sstop::recording_header();
    const std::int64_t offsets[] = {0, 2'000'000'000, 3'000'000'000, 4'000'000'000};
    for (std::size_t i = 0; i < ticks; ++i) {
        sstop::RecordedTick t;
        t.offset_ns = offsets[i];
        sstop::Sample s;
        s.source = "netlink";
        s.has_sockets = true;
        sstop::SocketObs o;
        o.key.proto = sstop::Proto::Tcp;
        o.key.local.port = 5000;
        o.has_bytes = true;
        o.tx_bytes = 100 * i;
        o.closed = i == 1;
        s.sockets.push_back(o);
        s.counters.push_back({"drops", i});
        s.interfaces.push_back({"lo", 1, true, false, 1, 2, 3, 4});
        sstop::Sample flows;
        flows.source = "afpacket";
        flows.flows.push_back({o.key, 1, 2, 3, 4});
        flows.interfaces.push_back({"lo", 1, true, false, 1, 2, 3, 4});
        t.samples = {s, flows};
        sstop::encode_tick(t, out);
    }
    return out;
}

TEST(ReplaySource, SpeedZeroGivesOneRecordedTickPerCollectThenEnds) {
    TempFile file(recording());
    auto ctx = replay_context(file.path(), 0, false);
    Clock::time_point now = Clock::time_point(100s);
    ReplaySource source(ctx, [&] { return now; });
    source.open();
    for (std::uint64_t i = 0; i < 3; ++i) {
        sstop::Sample s;
        ASSERT_EQ(source.collect(s).code, sstop::CollectStatus::Code::Ok);
        ASSERT_EQ(s.sockets.size(), 1u);
        EXPECT_EQ(s.sockets[0].tx_bytes, 100 * i);
        EXPECT_TRUE(s.has_sockets);
        // Merged: the flow sample's flow and one "lo", counters named by recorded source.
        EXPECT_EQ(s.flows.size(), 1u);
        EXPECT_EQ(s.interfaces.size(), 1u);
        ASSERT_EQ(s.counters.size(), 1u);
        EXPECT_EQ(s.counters[0].name, "netlink.drops");
        now += 1s;  // the host's ticks do not matter at speed 0
    }
    sstop::Sample s;
    auto end = source.collect(s);
    EXPECT_EQ(end.code, sstop::CollectStatus::Code::Ended);
    EXPECT_NE(end.message.find("end of recording"), std::string::npos) << end.message;
    EXPECT_NE(end.message.find("3 ticks"), std::string::npos) << end.message;
    EXPECT_EQ(source.ticks_replayed(), 3u);
}

TEST(ReplaySource, SampleTimesFollowTheRecordingNotTheHostClock) {
    TempFile file(recording());
    auto ctx = replay_context(file.path(), 0, false);
    Clock::time_point now = Clock::time_point(100s);
    ReplaySource source(ctx, [&] { return now; });
    source.open();
    std::vector<Clock::time_point> at;
    for (int i = 0; i < 3; ++i) {
        sstop::Sample s;
        source.collect(s);
        at.push_back(s.taken_at);
        now += 10ms;
    }
    EXPECT_EQ(at[0], Clock::time_point(100s));
    EXPECT_EQ(at[1] - at[0], 2s);
    EXPECT_EQ(at[2] - at[1], 1s);
}

TEST(ReplaySource, AtSpeedOneATickNotYetDueRepeatsTheLastStateWithoutClosedSockets) {
    TempFile file(recording());
    auto ctx = replay_context(file.path(), 1.0, false);
    Clock::time_point now = Clock::time_point(100s);
    ReplaySource source(ctx, [&] { return now; });
    source.open();
    sstop::Sample s0;
    source.collect(s0);
    now += 1s;
    sstop::Sample a;
    ASSERT_EQ(source.collect(a).code, sstop::CollectStatus::Code::Ok);
    EXPECT_EQ(a.sockets.at(0).tx_bytes, 0u);  // still tick 0: tick 1 is due at 2 s
    now += 1s;
    sstop::Sample b;
    source.collect(b);
    ASSERT_EQ(b.sockets.size(), 1u);
    EXPECT_TRUE(b.sockets[0].closed);
    EXPECT_EQ(b.sockets[0].tx_bytes, 100u);
    now += 500ms;
    sstop::Sample c;
    source.collect(c);
    EXPECT_TRUE(c.sockets.empty());  // the final record is not repeated
    EXPECT_EQ(source.ticks_replayed(), 2u);
}

TEST(ReplaySource, LoopStartsAgainWithTheClockMovingOn) {
    TempFile file(recording(2));
    auto ctx = replay_context(file.path(), 0, true);
    ReplaySource source(ctx, [] { return Clock::time_point(1s); });
    source.open();
    std::vector<Clock::time_point> at;
    for (int i = 0; i < 5; ++i) {
        sstop::Sample s;
        ASSERT_EQ(source.collect(s).code, sstop::CollectStatus::Code::Ok) << i;
        at.push_back(s.taken_at);
    }
    for (std::size_t i = 1; i < at.size(); ++i) EXPECT_GT(at[i], at[i - 1]) << i;
    EXPECT_EQ(source.ticks_replayed(), 5u);
}

TEST(ReplaySource, ACutRecordingReplaysItsCompleteTicksAndLogsTheOffset) {
    std::string data = recording();
    data.resize(data.size() - 5);
    TempFile file(data);
    auto ctx = replay_context(file.path(), 0, false);
    ReplaySource source(ctx);
    source.open();
    sstop::Sample s;
    EXPECT_EQ(source.collect(s).code, sstop::CollectStatus::Code::Ok);
    EXPECT_EQ(source.collect(s).code, sstop::CollectStatus::Code::Ok);
    EXPECT_EQ(source.collect(s).code, sstop::CollectStatus::Code::Ended);
    ASSERT_EQ(ctx.logged().size(), 1u);
    EXPECT_NE(ctx.logged()[0].find("offset " + std::to_string(data.size())), std::string::npos)
        << ctx.logged()[0];
    EXPECT_NE(ctx.logged()[0].find("cut recording"), std::string::npos);
}

TEST(ReplaySource, OpenRefusesAMissingFileANewerFormatAndNoFile) {
    auto none = replay_context("", 0, false);
    EXPECT_THROW(ReplaySource(none).open(), sstop::PluginUnavailable);
    auto missing = replay_context("/nonexistent/rec", 0, false);
    EXPECT_THROW(ReplaySource(missing).open(), sstop::PluginUnavailable);
    TempFile newer("sstop-recording 9\n");
    auto ctx = replay_context(newer.path(), 0, false);
    try {
        ReplaySource(ctx).open();
        FAIL() << "opened a newer format";
    } catch (const sstop::PluginUnavailable& e) {
        EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
    }
    TempFile empty(sstop::recording_header());
    auto ectx = replay_context(empty.path(), 0, false);
    EXPECT_THROW(ReplaySource(ectx).open(), sstop::PluginUnavailable);
}

TEST(ReplaySource, ARecordingOfAnIncrementalSourceReplaysAsOne) {
    std::string out = sstop::recording_header();
    for (int i = 0; i < 2; ++i) {
        sstop::RecordedTick t;
        t.offset_ns = i * 1'000'000'000ll;
        sstop::Sample s;
        s.source = "ebpf";
        s.has_sockets = true;
        t.samples = {s};
        t.incremental_sources = {"ebpf"};
        sstop::encode_tick(t, out);
    }
    TempFile file(out);
    auto ctx = replay_context(file.path(), 0, false);
    Clock::time_point now = Clock::time_point(100s);
    ReplaySource source(ctx, [&] { return now; });
    source.open();
    EXPECT_EQ(source.capabilities() & sstop::kIncrementalSockets, 0u) << "not known before a tick";
    sstop::Sample s;
    ASSERT_EQ(source.collect(s).code, sstop::CollectStatus::Code::Ok);
    EXPECT_NE(source.capabilities() & sstop::kIncrementalSockets, 0u);
}

TEST(ReplaySource, ARecordingOfAFullListingSourceIsNotIncremental) {
    TempFile file(recording());
    auto ctx = replay_context(file.path(), 0, false);
    Clock::time_point now = Clock::time_point(100s);
    ReplaySource source(ctx, [&] { return now; });
    source.open();
    sstop::Sample s;
    ASSERT_EQ(source.collect(s).code, sstop::CollectStatus::Code::Ok);
    EXPECT_EQ(source.capabilities() & sstop::kIncrementalSockets, 0u);
}

}  // namespace
