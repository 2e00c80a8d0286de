#pragma once
// What `--summary` prints when sstop ends: the processes and remote hosts that moved the most
// bytes during the session, processes that exited on the way included.
//
// Threads: add() on the collector thread (a bus slot); text() once the collector has been
// joined (the join orders the two), so no lock is needed.

#include <cstddef>
#include <cstdint>
#include <map>
#include <sstop/model.hpp>
#include <string>

namespace sstop::core {

class SessionSummary {
  public:
    /// At most `max_entries` processes and as many hosts are tallied; beyond that the
    /// smallest half is forgotten (a process churn must not grow memory without end).
    explicit SessionSummary(std::size_t max_entries = 4096) : max_entries_(max_entries) {}

    /// Adds what moved since the previous snapshot: the growth of each process's and host's
    /// bytes-since-start (a counter that restarts, e.g. a host forgotten and seen again,
    /// counts from zero).
    void add(const Snapshot& snapshot);

    /// "Top processes by bytes" and "Top remote hosts by bytes", `top` rows each (name, pid or
    /// address, received, sent, total; readable units), largest total first. Says so when
    /// nothing moved.
    std::string text(std::size_t top = 10) const;

    /// One process or host: its bytes over the session.
    struct Tally {
        std::string name;
        std::string id;                          ///< pid, or the address
        std::uint64_t last_rx = 0, last_tx = 0;  ///< last bytes-since-start seen
        std::uint64_t rx = 0, tx = 0;            ///< accumulated over the session
    };

  private:
    template <class Key>
    void prune(std::map<Key, Tally>& tallies) const;

    std::size_t max_entries_;
    std::map<ProcessId, Tally> processes_;
    std::map<IpAddr, Tally> hosts_;
};

}  // namespace sstop::core
