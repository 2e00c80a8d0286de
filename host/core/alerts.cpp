#include "core/alerts.hpp"

#include <charconv>

namespace sstop::core {

AlertEngine::AlertEngine(std::vector<AlertRule> rules) : rules_(std::move(rules)) {}

std::shared_ptr<const Snapshot> AlertEngine::apply(
    std::shared_ptr<const Snapshot> snap, std::vector<std::pair<std::size_t, ActiveAlert>>* fired) {
    if (!snap || rules_.empty()) return snap;
    const std::uint64_t round = ++evaluations_;
    const std::int64_t now = snap->unix_time_ns;
    active_.clear();
    // Which (rule, process index) pairs are active now, to label the copy afterwards.
    std::vector<std::pair<std::size_t, std::size_t>> hits;
    for (std::size_t r = 0; r < rules_.size(); ++r) {
        const AlertRule& rule = rules_[r];
        for (std::size_t i = 0; i < snap->processes.size(); ++i) {
            const ProcessSummary& p = snap->processes[i];
            if (!rule.filter.matches(p, *snap)) continue;
            auto [it, added] = states_.try_emplace({r, p.info.id});
            State& st = it->second;
            if (added || st.seen_seq + 1 != round) {
                // A new run of matches: the previous one (if any) was broken by a miss.
                st.holds_since_ns = now;
                st.active_since_ns = 0;
            }
            st.seen_seq = round;
            if (st.active_since_ns == 0 && now - st.holds_since_ns >= rule.hold.count()) {
                st.active_since_ns = now;
                if (fired)
                    fired->emplace_back(r, ActiveAlert{rule.name, p.info.id, p.info.name, now});
            }
            if (st.active_since_ns != 0) {
                active_.push_back({rule.name, p.info.id, p.info.name, st.active_since_ns});
                hits.emplace_back(r, i);
            }
        }
    }
    // What did not match this round is over (its process changed or is gone).
    std::erase_if(states_, [round](const auto& entry) { return entry.second.seen_seq != round; });
    if (hits.empty()) return snap;

    auto out = std::make_shared<Snapshot>(*snap);
    std::size_t k = 0;
    for (const auto& [r, i] : hits) {
        const AlertRule& rule = rules_[r];
        std::vector<Label>& labels = out->processes[i].info.labels;
        labels.push_back({std::string(kAlertLabel), rule.name});
        labels.push_back(
            {std::string(kAlertSinceLabelPrefix) + rule.name, std::to_string(active_[k].since_ns)});
        if (rule.highlight) labels.push_back({std::string(kHighlightLabel), rule.name});
        ++k;
    }
    return out;
}

std::vector<ActiveAlert> alerts_of(const Snapshot& snapshot) {
    std::vector<ActiveAlert> out;
    for (const ProcessSummary& p : snapshot.processes) {
        for (const Label& label : p.info.labels) {
            if (label.key != kAlertLabel) continue;
            ActiveAlert a{label.value, p.info.id, p.info.name, 0};
            const std::string since_key = std::string(kAlertSinceLabelPrefix) + label.value;
            for (const Label& other : p.info.labels) {
                if (other.key != since_key) continue;
                std::from_chars(other.value.data(), other.value.data() + other.value.size(),
                                a.since_ns);
            }
            out.push_back(std::move(a));
        }
    }
    return out;
}

}  // namespace sstop::core
