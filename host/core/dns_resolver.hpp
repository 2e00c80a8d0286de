#pragma once
// Reverse DNS for the views: a bounded cache answered without blocking, fed by a small pool of
// worker threads that send PTR queries over UDP to the nameservers of resolv.conf.
//
// Why not getnameinfo(): it cannot be given a timeout or be cancelled, so with a dead resolver
// every lookup would hang in libc for the resolver's full retry schedule, and threads (or
// shutdown) would pile up behind it. A minimal PTR client over UDP has a per-lookup deadline
// and is interrupted at once on shutdown.
//
// Threads: name_of() and counters() from any thread (the collector calls name_of every tick);
// lookups run only on the resolver's own workers; the destructor stops and joins them.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <sstop/model.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/dns_config.hpp"
#include "core/keys.hpp"
#include "core/name_resolver.hpp"

namespace sstop::core {

/// Where lookups go, and hooks for tests.
struct DnsTransport {
    /// resolv.conf to read the nameservers from (re-read for every lookup, so a changed file
    /// is picked up). `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf over it.
    std::string resolv_conf = "/etc/resolv.conf";
    /// UDP port of the nameservers; tests point it at a fake server on an ephemeral port.
    std::uint16_t port = 53;
    /// Clock for cache expiry (empty: steady_clock::now); called from the caller's and the
    /// workers' threads, so it must be thread-safe. Lookup timeouts always use the real clock.
    std::function<std::chrono::steady_clock::time_point()> clock;
};

/// Up to three nameserver addresses from resolv.conf text, in order (as glibc's MAXNS). Lines
/// other than `nameserver <numeric address>` (options, search, comments, garbage) are skipped;
/// an IPv6 address may carry a `%scope`.
std::vector<std::string> parse_nameservers(std::string_view resolv_conf);

/// The first name given to `addr` in hosts-file text (`/etc/hosts` format: an address, then
/// its canonical name and aliases; `#` starts a comment), or "" when no line names it. An IPv6
/// address may carry a `%scope`; malformed lines are skipped.
std::string parse_hosts_name(std::string_view hosts, const IpAddr& addr);

/// Whether `addr` only means something on this host or link: loopback (127/8, ::1), "this
/// network" (0/8, ::), link-local (169.254/16, fe80::/10), link- or interface-local multicast
/// (224.0.0/24, ff01::/16, ff02::/16), the limited broadcast, and IPv4-mapped forms of these.
/// A nameserver cannot know a name for them, so they are never sent to one.
bool is_local_only(const IpAddr& addr);

/// The reverse-DNS resolver: non-blocking `name_of`, background lookups, bounded everything.
class DnsResolver : public NameResolver {
  public:
    /// Each lookup reads `config.hosts_file` first (when not empty); only addresses that are
    /// not in it and not local-only go to the nameservers.
    /// Starts `config.workers` threads (none when `config.enabled` is false). Sizes of 0 are
    /// treated as 1.
    explicit DnsResolver(const DnsConfig& config, DnsTransport transport = {});
    /// Stops the workers (a lookup in progress is interrupted at once) and joins them.
    ~DnsResolver() override;
    DnsResolver(const DnsResolver&) = delete;
    DnsResolver& operator=(const DnsResolver&) = delete;

    /// The cached name ("" if unknown, negative or pending). A miss or an expired entry queues
    /// one lookup if the queue has room and none is in flight for `addr`; an expired entry
    /// keeps serving its old name meanwhile. Never blocks. Any thread.
    std::string name_of(const IpAddr& addr) override;

    /// Health counters: dns.cache_entries and dns.queued (current sizes), dns.lookups (lookups
    /// started), dns.failures (lookups that ended without a name other than by timeout:
    /// NXDOMAIN, no PTR, server errors, malformed replies, socket errors), dns.timeouts,
    /// dns.dropped (lookups not queued because the queue was full), dns.hosts_answers (names
    /// found in the hosts file), dns.local_only (local-only addresses not in the hosts file,
    /// left numeric without asking a nameserver). Any thread.
    std::vector<SourceCounter> counters() const;

  private:
    struct Entry {
        std::string name;  // "" for a negative entry
        std::chrono::steady_clock::time_point expires;
        std::list<IpAddr>::iterator lru;  // position in lru_ (front = most recently used)
    };
    enum class Outcome { Name, NoName, LocalOnly, Failure, Timeout, Cancelled };
    struct Result {
        Outcome outcome = Outcome::Failure;
        std::string name;
    };

    void stop();
    void close_stop_pipe();
    std::chrono::steady_clock::time_point now() const;
    bool enqueue_locked(const IpAddr& addr);
    void store_locked(const IpAddr& addr, const Result& result);
    void worker_loop();
    Result lookup(const IpAddr& addr);
    Result query_server(const std::string& server, const IpAddr& addr,
                        std::chrono::steady_clock::duration budget);

    DnsConfig config_;
    DnsTransport transport_;
    // Self-pipe (portable, unlike eventfd): its read end turns readable once stopping, which
    // wakes the workers blocked in poll() on a lookup's socket.
    int stop_pipe_[2] = {-1, -1};

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::deque<IpAddr> queue_;                          // bound: config_.queue_size
    std::unordered_set<IpAddr, IpAddrHash> in_flight_;  // queued or running; bound: queue+workers
    std::unordered_map<IpAddr, Entry, IpAddrHash> cache_;  // bound: config_.cache_size
    std::list<IpAddr> lru_;

    std::atomic<std::uint64_t> lookups_{0};
    std::atomic<std::uint64_t> failures_{0};
    std::atomic<std::uint64_t> timeouts_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> hosts_answers_{0};
    std::atomic<std::uint64_t> local_only_{0};

    std::vector<std::thread> workers_;  // last: started after everything above exists
};

}  // namespace sstop::core
