#include "app/source_set.hpp"

#include <algorithm>
#include <exception>
#include <optional>

#include "app/plugin_context.hpp"

namespace sstop::host {

struct SourceSet::Slot {
    std::string id;
    std::unique_ptr<HostPluginContext> context;
    std::shared_ptr<Source> source;
    std::uint32_t caps = 0;
    bool opened = false;
    bool dead = false;   // failed for good (unavailable, threw, or failed over from), or ended
    bool ended = false;  // said Ended: it had nothing more to give
    std::string reason;
    std::atomic<bool> stop_flag{false};
    std::thread capture;
    std::uint32_t failures = 0;   // consecutive failed collections (flow sources)
    std::uint64_t resume_at = 0;  // tick before which a backed-off source is skipped
    std::string last_message;     // last Degraded message, to log it once

    bool is_socket_source() const { return caps & kProvidesSockets; }
};

SourceSet::SourceSet(PluginRegistry& registry, const Config& config, Log& log)
    : registry_(registry), config_(config), log_(log) {}

SourceSet::~SourceSet() { stop(); }

bool SourceSet::start(const std::vector<std::string>& order, std::string& why) {
    std::vector<std::string> problems;
    for (const auto& id : order) {
        if (std::find(config_.plugin_disable.begin(), config_.plugin_disable.end(), id) !=
            config_.plugin_disable.end()) {
            problems.push_back(id + ": disabled by plugins.disable");
            continue;
        }
        if (!registry_.has(id)) {
            problems.push_back(id + ": plugin not installed (see --list-plugins)");
            continue;
        }
        if (registry_.kind_of(id) != "source") {
            problems.push_back(id + ": is a " + registry_.kind_of(id) + " plugin, not a source");
            continue;
        }
        auto slot = std::make_unique<Slot>();
        slot->id = id;
        slot->context = make_plugin_context(registry_, config_, id, log_);
        try {
            slot->source = registry_.create_source(id, *slot->context);
            slot->caps = slot->source->capabilities();
        } catch (const std::exception& e) {
            problems.push_back(e.what());
            continue;
        }
        slots_.push_back(std::move(slot));
    }
    // The first socket source that opens is used; the others wait as fallbacks. Every flow
    // source is opened.
    for (auto& slot : slots_) {
        if (slot->is_socket_source() && socket_source_) continue;
        if (open_slot(*slot)) {
            if (slot->is_socket_source()) socket_source_ = slot.get();
        } else {
            problems.push_back(slot->reason);
        }
    }
    bool any = std::any_of(slots_.begin(), slots_.end(),
                           [](const auto& s) { return s->opened && !s->dead; });
    // When something works, each missing piece is one warning; when nothing does, the caller
    // prints a single line with all of them.
    if (any)
        for (const auto& p : problems) log_.write(Notice::Level::Warning, p);
    if (!any) {
        why.clear();
        for (const auto& p : problems) why += (why.empty() ? "" : "; ") + p;
        if (why.empty()) why = "no source configured";
        return false;
    }
    for (auto& slot : slots_)
        if (slot->opened && !slot->dead) start_capture(*slot);
    return true;
}

bool SourceSet::open_slot(Slot& slot) {
    try {
        slot.source->open();
        slot.opened = true;
        return true;
    } catch (const std::exception& e) {
        slot.reason = e.what();
    } catch (...) {
        slot.reason = slot.id + ": unknown exception in open()";
    }
    slot.dead = true;
    return false;
}

void SourceSet::start_capture(Slot& slot) {
    if (!slot.source->has_capture_loop()) return;
    slot.stop_flag = false;
    slot.capture = std::thread([this, &slot] {
        // A capture thread catches at its root and reports; the source is then stopped
        // from the collector by its next failing collect.
        try {
            slot.source->capture_loop(StopToken(slot.stop_flag));
        } catch (const std::exception& e) {
            log_.write(Notice::Level::Error, slot.id + ": capture stopped: " + e.what());
        } catch (...) {
            log_.write(Notice::Level::Error, slot.id + ": capture stopped: unknown exception");
        }
    });
}

void SourceSet::stop_capture(Slot& slot) {
    if (!slot.capture.joinable()) return;
    slot.stop_flag.store(true, std::memory_order_release);
    try {
        slot.source->wake();
    } catch (...) {
        // Waking is best effort; the loop also polls the flag.
    }
    slot.capture.join();
}

void SourceSet::fail_over(const std::string& reason) {
    Slot* failed = socket_source_;
    failed->dead = true;
    stop_capture(*failed);
    socket_source_ = nullptr;
    for (auto& slot : slots_) {
        if (slot.get() == failed || slot->dead || !slot->is_socket_source()) continue;
        if (open_slot(*slot)) {
            socket_source_ = slot.get();
            start_capture(*slot);
            log_.write(Notice::Level::Warning, reason + "; switched to " + slot->id);
            return;
        }
        log_.write(Notice::Level::Warning, slot->reason);
    }
    log_.write(Notice::Level::Error, reason + "; no other socket source left");
}

void SourceSet::back_off(Slot& slot, const std::string& reason) {
    // Exponential back-off (2, 4, … 32 ticks) instead of hammering a failing read.
    ++slot.failures;
    std::uint64_t wait = std::uint64_t{1} << std::min<std::uint32_t>(slot.failures, 5);
    slot.resume_at = tick_ + wait;
    log_.write(Notice::Level::Warning,
               reason + " (retrying in " + std::to_string(wait) + " updates)");
}

void SourceSet::collect(core::TickInput& tick) {
    ++tick_;
    std::optional<std::chrono::steady_clock::time_point> source_time;
    for (auto& slot_ptr : slots_) {
        Slot& slot = *slot_ptr;
        if (!slot.opened || slot.dead || tick_ < slot.resume_at) continue;
        Sample sample;
        CollectStatus status;
        std::string thrown;
        try {
            status = slot.source->collect(sample);
        } catch (const std::exception& e) {
            thrown = e.what();
        } catch (...) {
            thrown = "unknown exception";
        }
        if (!thrown.empty()) {
            // A plugin that throws is disabled with its message; sstop goes on.
            std::string reason = slot.id + " disabled: " + thrown;
            if (&slot == socket_source_) {
                fail_over(reason);
            } else {
                slot.dead = true;
                stop_capture(slot);
                log_.write(Notice::Level::Error, reason);
            }
            continue;
        }
        if (status.code == CollectStatus::Code::Ended) {
            // Not a failure: no fail-over (a live source would mix into a replay).
            slot.dead = true;
            slot.ended = true;
            stop_capture(slot);
            if (&slot == socket_source_) socket_source_ = nullptr;
            log_.write(Notice::Level::Warning, slot.id + ": " + status.message);
            continue;
        }
        if (status.code == CollectStatus::Code::Failed) {
            std::string reason = slot.id + " failed: " + status.message;
            if (&slot == socket_source_)
                fail_over(reason);
            else
                back_off(slot, reason);
            continue;
        }
        slot.failures = 0;
        if (status.code == CollectStatus::Code::Degraded && status.message != slot.last_message)
            log_.write(Notice::Level::Warning, slot.id + ": " + status.message);
        slot.last_message = status.message;
        // Only the socket source in use contributes sockets; a fallback that also lists
        // sockets is not open, so this holds by construction.
        sample.source = slot.id;
        // Asked each time: a replay becomes incremental when its recording is.
        if (slot.source->capabilities() & kIncrementalSockets)
            tick.incremental_sources.push_back(slot.id);
        if (sample.taken_at == std::chrono::steady_clock::time_point{}) {
            sample.taken_at = tick.now;
        } else if (&slot == socket_source_) {
            source_time = sample.taken_at;  // a replay: the tick runs on the recorded time
        }
        tick.samples.push_back(std::move(sample));
    }
    if (source_time && *source_time != tick.now) {
        for (Sample& s : tick.samples)
            if (s.taken_at == tick.now) s.taken_at = *source_time;
        tick.now = *source_time;
    }
}

std::vector<std::string> SourceSet::active_ids() const {
    std::vector<std::string> ids;
    if (socket_source_) ids.push_back(socket_source_->id);
    for (const auto& slot : slots_)
        if (slot->opened && !slot->dead && !slot->is_socket_source()) ids.push_back(slot->id);
    return ids;
}

bool SourceSet::any_ended() const {
    for (const auto& slot : slots_)
        if (slot->ended) return true;
    return false;
}

void SourceSet::stop() {
    for (auto& slot : slots_) stop_capture(*slot);
    // Objects go before their libraries: each shared_ptr's deleter releases its library last.
    for (auto& slot : slots_) slot->source.reset();
    slots_.clear();
    socket_source_ = nullptr;
}

}  // namespace sstop::host
