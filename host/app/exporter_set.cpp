#include "app/exporter_set.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <sstop/exporter.hpp>
#include <thread>

#include "app/plugin_context.hpp"
#include "core/bus.hpp"

namespace sstop::host {

namespace {

/// Runs a call into plugin code; returns what it threw, or nothing.
template <typename Call>
std::optional<std::string> plugin_call(Call&& call) {
    try {
        call();
        return std::nullopt;
    } catch (const std::exception& e) {
        return std::string(e.what());
    } catch (...) {
        return std::string("it threw a non-standard exception");
    }
}

}  // namespace

struct ExporterSet::Entry {
    std::string id;
    std::unique_ptr<HostPluginContext> context;
    std::shared_ptr<Exporter> exporter;
    core::LatestSlot<Snapshot> mailbox;
    std::thread thread;
    std::atomic<bool> disabled{false};
};

ExporterSet::ExporterSet(PluginRegistry& registry, const Config& config, Log& log)
    : registry_(registry), config_(config), log_(log) {}

ExporterSet::~ExporterSet() { stop(); }

std::size_t ExporterSet::start(const std::vector<std::string>& ids) {
    for (const std::string& id : ids) {
        const bool seen = std::any_of(entries_.begin(), entries_.end(),
                                      [&](const auto& e) { return e->id == id; });
        if (seen) continue;  // listed twice: one instance
        if (!registry_.has(id) || registry_.kind_of(id) != "exporter") {
            log_.write(Notice::Level::Warning,
                       "exporter '" + id + "' is not installed (see --list-plugins)");
            continue;
        }
        if (entries_.size() >= kMaxExporters) {
            log_.write(Notice::Level::Warning, "exporter '" + id + "' left out: at most " +
                                                   std::to_string(kMaxExporters) +
                                                   " exporters run at once");
            continue;
        }
        auto entry = std::make_unique<Entry>();
        entry->id = id;
        entry->context = make_plugin_context(registry_, config_, id, log_);
        if (auto error = plugin_call([&] {
                entry->exporter = registry_.create_exporter(id, *entry->context);
                entry->exporter->start();
            })) {
            log_.write(Notice::Level::Warning, "exporter '" + id + "' unavailable: " + *error);
            entry->exporter.reset();  // its destructor runs while the context still exists
            continue;
        }
        entries_.push_back(std::move(entry));
    }
    return entries_.size();
}

void ExporterSet::run() {
    for (auto& entry : entries_)
        if (!entry->thread.joinable())
            entry->thread = std::thread([this, e = entry.get()] { publish_loop(*e); });
}

void ExporterSet::publish_loop(Entry& entry) {
    std::uint64_t seen = 0;
    while (!entry.mailbox.closed()) {
        auto snapshot = entry.mailbox.wait_newer(seen, std::chrono::milliseconds(500));
        if (!snapshot) continue;
        if (auto error = plugin_call([&] { entry.exporter->publish(snapshot); })) {
            log_.write(Notice::Level::Error, "exporter '" + entry.id + "' disabled: " + *error);
            entry.disabled = true;
            return;
        }
    }
}

void ExporterSet::offer(const std::shared_ptr<const Snapshot>& snapshot) {
    for (auto& entry : entries_)
        if (!entry->disabled.load(std::memory_order_relaxed)) entry->mailbox.put(snapshot);
}

std::vector<std::string> ExporterSet::active_ids() const {
    std::vector<std::string> ids;
    for (const auto& entry : entries_)
        if (!entry->disabled.load()) ids.push_back(entry->id);
    return ids;
}

std::uint32_t ExporterSet::consumes() const {
    std::uint32_t out = 0;
    for (const auto& entry : entries_) out |= registry_.consumes_of(entry->id);
    return out;
}

void ExporterSet::stop() {
    for (auto& entry : entries_) entry->mailbox.close();
    for (auto& entry : entries_)
        if (entry->thread.joinable()) entry->thread.join();
    for (auto& entry : entries_) {
        if (auto error = plugin_call([&] { entry->exporter->stop(); }))
            log_.write(Notice::Level::Warning,
                       "exporter '" + entry->id + "': stop failed: " + *error);
        entry->exporter.reset();
    }
    entries_.clear();
}

}  // namespace sstop::host
