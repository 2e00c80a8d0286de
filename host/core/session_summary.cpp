#include "core/session_summary.hpp"

#include <algorithm>
#include <sstop/format.hpp>
#include <vector>

namespace sstop::core {
namespace {

using Tally = SessionSummary::Tally;

void grow(std::uint64_t& last, std::uint64_t now, std::uint64_t& sum) {
    sum += now >= last ? now - last : now;
    last = now;
}

std::uint64_t total(const Tally& t) { return t.rx + t.tx; }

// Largest total first; equal totals by name, so the order is stable.
bool larger(const Tally* a, const Tally* b) {
    if (total(*a) != total(*b)) return total(*a) > total(*b);
    return a->name < b->name;
}

std::string pad(std::string text, std::size_t width, bool right) {
    if (text.size() >= width) return text;
    return right ? std::string(width - text.size(), ' ') + text
                 : text + std::string(width - text.size(), ' ');
}

template <class Key>
std::string table(const std::string& title, const char* id_title,
                  const std::map<Key, Tally>& tallies, std::size_t top) {
    std::vector<const Tally*> rows;
    for (const auto& [key, t] : tallies)
        if (total(t) > 0) rows.push_back(&t);
    std::sort(rows.begin(), rows.end(), larger);
    if (rows.size() > top) rows.resize(top);
    std::string out = title + "\n";
    if (rows.empty()) return out + "  (no traffic)\n";
    std::size_t name_w = 4;
    for (const Tally* t : rows)
        name_w = std::max(name_w, std::min<std::size_t>(t->name.size(), 40));
    std::size_t id_w = std::string(id_title).size();
    for (const Tally* t : rows) id_w = std::max(id_w, t->id.size());
    out += "  " + pad("NAME", name_w, false) + "  " + pad(id_title, id_w, true) + "  " +
           pad("RECEIVED", 10, true) + "  " + pad("SENT", 10, true) + "  " +
           pad("TOTAL", 10, true) + "\n";
    for (const Tally* t : rows) {
        out += "  " + pad(t->name.substr(0, 40), name_w, false) + "  " + pad(t->id, id_w, true) +
               "  " + pad(format_bytes(static_cast<double>(t->rx)), 10, true) + "  " +
               pad(format_bytes(static_cast<double>(t->tx)), 10, true) + "  " +
               pad(format_bytes(static_cast<double>(total(*t))), 10, true) + "\n";
    }
    return out;
}

}  // namespace

template <class Key>
void SessionSummary::prune(std::map<Key, Tally>& tallies) const {
    if (tallies.size() <= max_entries_) return;
    // Keep the larger half: what a top-10 could still show.
    std::vector<typename std::map<Key, Tally>::iterator> order;
    order.reserve(tallies.size());
    for (auto it = tallies.begin(); it != tallies.end(); ++it) order.push_back(it);
    const std::size_t keep = std::max<std::size_t>(max_entries_ / 2, 1);
    std::nth_element(
        order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep - 1), order.end(),
        [](const auto& a, const auto& b) { return total(a->second) > total(b->second); });
    for (auto it = order.begin() + static_cast<std::ptrdiff_t>(keep); it != order.end(); ++it)
        tallies.erase(*it);
}

void SessionSummary::add(const Snapshot& snapshot) {
    for (const ProcessSummary& p : snapshot.processes) {
        Tally& t = processes_[p.info.id];
        t.name = p.info.name;
        t.id = std::to_string(p.info.id.pid);
        grow(t.last_rx, p.traffic.rx_bytes, t.rx);
        grow(t.last_tx, p.traffic.tx_bytes, t.tx);
    }
    for (const RemoteHostSummary& h : snapshot.remote_hosts) {
        Tally& t = hosts_[h.addr];
        if (!h.name.empty() || t.name.empty())
            t.name = h.name.empty() ? format_addr(h.addr) : h.name;
        t.id = format_addr(h.addr);
        grow(t.last_rx, h.traffic.rx_bytes, t.rx);
        grow(t.last_tx, h.traffic.tx_bytes, t.tx);
    }
    prune(processes_);
    prune(hosts_);
}

std::string SessionSummary::text(std::size_t top) const {
    return table("Top processes by bytes during the session:", "PID", processes_, top) + "\n" +
           table("Top remote hosts by bytes during the session:", "ADDRESS", hosts_, top);
}

}  // namespace sstop::core
