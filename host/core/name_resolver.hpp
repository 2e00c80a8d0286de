#pragma once
// Reverse DNS as the aggregator sees it: a non-blocking lookup that answers from a cache and
// queues a background lookup for what it does not know yet.

#include <sstop/model.hpp>
#include <string>

namespace sstop::core {

class NameResolver {
  public:
    virtual ~NameResolver() = default;
    /// The cached name of `addr` ("" if unknown, failed, or not resolved yet). Never blocks:
    /// an unknown or expired address is queued for a background lookup (if the queue has
    /// room), and a stale name is served while it is refreshed. Collector thread.
    virtual std::string name_of(const IpAddr& addr) = 0;
};

}  // namespace sstop::core
