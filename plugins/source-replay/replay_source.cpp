#include "replay_source.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace sstop::plugins::replay {

namespace {

constexpr std::int64_t kDefaultGapNs = 1'000'000'000;

}  // namespace

sstop::Sample merge_samples(const std::vector<sstop::Sample>& samples) {
    sstop::Sample out;
    std::set<std::string> interfaces;
    std::set<sstop::ProcessId> processes;
    for (const auto& s : samples) {
        out.has_sockets = out.has_sockets || s.has_sockets;
        out.has_interfaces = out.has_interfaces || s.has_interfaces;
        out.sockets.insert(out.sockets.end(), s.sockets.begin(), s.sockets.end());
        out.flows.insert(out.flows.end(), s.flows.begin(), s.flows.end());
        // Two recorded sources may both list an interface or a process; the aggregator
        // would otherwise see each twice in one sample.
        for (const auto& i : s.interfaces)
            if (interfaces.insert(i.name).second) out.interfaces.push_back(i);
        for (const auto& p : s.processes)
            if (processes.insert(p.id).second) out.processes.push_back(p);
        for (const auto& c : s.counters)
            out.counters.push_back({s.source.empty() ? c.name : s.source + "." + c.name, c.value});
    }
    return out;
}

ReplaySource::ReplaySource(sstop::PluginContext& context, std::function<Clock::time_point()> clock)
    : context_(context), clock_(std::move(clock)) {
    const auto& options = context.options();
    file_ = options.get_string("file");
    speed_ = options.get_double("speed");
    loop_ = options.get_bool("loop");
}

std::uint32_t ReplaySource::capabilities() const {
    return sstop::kProvidesSockets | sstop::kProvidesTcpBytes | sstop::kProvidesUdpBytes |
           sstop::kProvidesFlows | sstop::kProvidesInterfaces | sstop::kProvidesOwners |
           (incremental_ ? sstop::kIncrementalSockets : 0u);
}

void ReplaySource::open() {
    if (file_.empty())
        throw sstop::PluginUnavailable(
            "replay: no recording to replay: set plugins.replay.file in the config");
    in_.open(file_, std::ios::binary);
    if (!in_) throw sstop::PluginUnavailable("replay: cannot open " + file_);
    reader_.emplace(in_);
    if (auto error = reader_->read_header())
        throw sstop::PluginUnavailable("replay: " + file_ + ": " + error->describe());
    if (!fetch())
        throw sstop::PluginUnavailable("replay: " + file_ + ": no complete tick" +
                                       (end_message_.empty() ? "" : " (" + end_message_ + ")"));
}

bool ReplaySource::fetch() {
    sstop::RecordedTick tick;
    switch (reader_->next(tick)) {
        case sstop::RecordingReader::Next::Tick:
            pending_ = std::move(tick);
            return true;
        case sstop::RecordingReader::Next::End:
            return false;
        case sstop::RecordingReader::Next::Error:
            break;
    }
    // A recording cut by a crash ends at its last complete tick: say where, once.
    const auto& e = reader_->error();
    end_message_ = e.describe();
    context_.log(sstop::Notice::Level::Warning,
                 "replay: " + file_ + ": " + e.describe() +
                     (e.truncated ? " (cut recording; the ticks before it are replayed)"
                                  : " (the ticks before it are replayed)"));
    return false;
}

bool ReplaySource::rewind() {
    if (!loop_ || pass_ticks_ == 0) return false;
    in_.clear();
    in_.seekg(0);
    reader_.emplace(in_);
    if (!in_ || reader_->read_header()) return false;
    pass_ticks_ = 0;
    if (!fetch()) return false;
    // The next pass continues the clock one recorded interval after the last tick.
    shift_ns_ = last_offset_ns_ + pass_gap_ns_ - pending_->offset_ns;
    return true;
}

sstop::CollectStatus ReplaySource::collect(sstop::Sample& out) {
    if (!reader_) return {sstop::CollectStatus::Code::Failed, "replay: not opened"};
    if (ended_) return {sstop::CollectStatus::Code::Ended, end_message_};
    if (!pending_ && !fetch() && !rewind()) {
        ended_ = true;
        end_message_ =
            "end of recording " + file_ + " (" + std::to_string(replayed_) + " ticks replayed)";
        return {sstop::CollectStatus::Code::Ended, end_message_};
    }
    const Clock::time_point now = clock_();
    if (!started_) {
        started_ = true;
        start_ = now;
        first_offset_ns_ = pending_->offset_ns + shift_ns_;
    }
    auto at = [&](std::int64_t offset_ns) {
        return start_ + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::nanoseconds(offset_ns - first_offset_ns_));
    };
    const std::int64_t due_ns = pending_->offset_ns + shift_ns_;
    if (speed_ > 0) {
        // Where the replay is, in recorded time; a tick not yet due is not delivered: the
        // last state is shown again, which adds no bytes.
        const double elapsed_ns =
            static_cast<double>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_).count()) *
            speed_;
        const auto position = first_offset_ns_ + static_cast<std::int64_t>(elapsed_ns);
        if (due_ns > position && last_) {
            out = *last_;
            out.taken_at = at(std::max(position, last_offset_ns_));
            return {};
        }
    }
    out = merge_samples(pending_->samples);
    // A recording of an incremental source (ebpf) is replayed as one: a socket absent from
    // a tick is unchanged, not gone.
    for (const auto& s : pending_->samples)
        if (s.has_sockets &&
            std::find(pending_->incremental_sources.begin(), pending_->incremental_sources.end(),
                      s.source) != pending_->incremental_sources.end())
            incremental_ = true;
    out.taken_at = at(due_ns);
    if (pass_ticks_ > 0) pass_gap_ns_ = due_ns - last_offset_ns_;
    if (pass_gap_ns_ <= 0) pass_gap_ns_ = kDefaultGapNs;
    last_offset_ns_ = due_ns;
    ++replayed_;
    ++pass_ticks_;
    pending_.reset();
    last_ = out;
    // A repeat must not report a closed socket's final record twice.
    auto& sockets = last_->sockets;
    sockets.erase(std::remove_if(sockets.begin(), sockets.end(),
                                 [](const sstop::SocketObs& s) { return s.closed; }),
                  sockets.end());
    return {};
}

}  // namespace sstop::plugins::replay
