#pragma once
// The orders of a snapshot's lists, in one place: busiest first (rx + tx rate), ties broken
// by identity so that equal rates keep a stable order from one snapshot to the next.

#include <algorithm>
#include <sstop/model.hpp>
#include <vector>

namespace sstop::core {

/// Sorts `items` (anything with a `traffic`) busiest first, and equal rates by `tie`, a strict
/// weak order of their identity.
template <class T, class Tie>
void sort_busiest_first(std::vector<T>& items, Tie tie) {
    std::sort(items.begin(), items.end(), [&tie](const T& a, const T& b) {
        const double ra = a.traffic.rx_bps + a.traffic.tx_bps;
        const double rb = b.traffic.rx_bps + b.traffic.tx_bps;
        if (ra != rb) return ra > rb;
        return tie(a, b);
    });
}

/// Busiest first; equal rates (nearly every socket of an idle host) by 5-tuple, then cookie
/// and inode. Tens of thousands of sockets are sorted every tick: their keys are packed into
/// integer words once and sorted as such, and each ConnectionSummary moves once.
void sort_connections(std::vector<ConnectionSummary>& sockets);

}  // namespace sstop::core
