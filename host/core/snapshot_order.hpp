#pragma once
// The orders of a snapshot's lists, in one place: busiest first (rx + tx rate), ties broken
// by identity so that equal rates keep a stable order from one snapshot to the next.

#include <sstop/model.hpp>
#include <vector>

namespace sstop::core {

/// True when `a` moves more bytes per second than `b` (rx + tx).
inline bool busier(const Traffic& a, const Traffic& b) {
    return a.rx_bps + a.tx_bps > b.rx_bps + b.tx_bps;
}

/// Busiest first; equal rates (nearly every socket of an idle host) by 5-tuple, then cookie
/// and inode. Tens of thousands of sockets are sorted every tick: their keys are packed into
/// integer words once and sorted as such, and each ConnectionSummary moves once.
void sort_connections(std::vector<ConnectionSummary>& sockets);

}  // namespace sstop::core
