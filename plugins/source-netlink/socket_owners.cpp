// NetlinkSource: who owns each socket — every way the netlink source finds a socket's
// process, in the order they are tried:
//   1. live sockets with an inode: the owner map (linux-proc: /proc/<pid>/fd → socket inode);
//   2. live TCP sockets still without one (their process exited, or is unreadable): the
//      connect tracer, which read the process when it called connect();
//   3. live sockets without an inode (TIME_WAIT) and closed records (destroy notifications
//      carry no inode): the owner remembered under the socket's cookie;
//   4. closed TCP records never listed by a dump (open and closed within one collect): the
//      connect tracer; for an accepted connection, the listener on its local port;
//   5. closed records still without an owner while the tracer is behind: held back a few
//      collects for it.
// Downstream the host's aggregator has fallbacks of its own (bytes kept for a socket whose
// owner comes later, closed sockets remembered for late flow bytes).

#include <array>
#include <map>
#include <set>
#include <utility>

#include "netlink_source.hpp"

namespace sstop::plugins::netlink {
namespace {

constexpr std::size_t kMaxCookies = 131072;
// A closed socket whose fd is still open is unhashed (absent from dumps) until the fd goes;
// its destroy notification comes later, so its entry must outlive a few missing dumps.
constexpr std::uint32_t kCookieKeepCollects = 64;
constexpr std::uint64_t kCookieSweepEvery = 16;
// How long a collect waits for the connect tracer to read what the kernel has committed.
constexpr std::chrono::milliseconds kTracerWait{100};
// A closed record the tracer may still name is held back for this many collects or this
// long, whichever ends later (collects can come fast: tests, a short interval), and at most
// this many such records are held (a flood of them is emitted without an owner).
constexpr std::uint64_t kDeferCollects = 4;
constexpr std::chrono::seconds kDeferTime{2};
constexpr std::size_t kMaxDeferred = 4096;

}  // namespace

bool NetlinkSource::attribute_live(Sample& out, std::size_t first_live,
                                   std::uint64_t drain_ticket) {
    owners_->attribute(out);
    bool tracer_caught_up = true;
    if (tracer_) {
        tracer_caught_up = tracer_->wait_drained(drain_ticket, kTracerWait);
        if (!tracer_caught_up) ++tracer_behind_;
        // A live socket whose process could not be read (gone, no privileges) may still be
        // known to the tracer; crediting it here also seeds the cookie map below.
        std::set<ProcessId> known;
        for (const ProcessInfo& p : out.processes) known.insert(p.id);
        for (std::size_t i = first_live; i < out.sockets.size(); ++i) {
            SocketObs& s = out.sockets[i];
            if (s.owner.pid != 0 || s.key.proto != Proto::Tcp) continue;
            if (auto p = tracer_->find(s.key)) {
                s.owner = p->id;
                ++tracer_matches_;
                if (known.insert(p->id).second) out.processes.push_back(std::move(*p));
            }
        }
    }
    remember_cookie_owners(out, first_live);
    return tracer_caught_up;
}

void NetlinkSource::remember_cookie_owners(Sample& out, std::size_t first_live) {
    // Destroy notifications carry no inode, and TIME_WAIT sockets have none either, but both
    // keep the cookie of the socket they were.
    for (std::size_t i = first_live; i < out.sockets.size(); ++i) {
        SocketObs& s = out.sockets[i];
        if (!s.cookie) continue;
        auto it = cookies_.find(s.cookie);
        if (it == cookies_.end()) {
            if (cookies_.size() >= kMaxCookies) {
                ++cookie_map_full_;
                continue;
            }
            it = cookies_.emplace(s.cookie, CookieEntry{}).first;
        }
        CookieEntry& e = it->second;
        if (s.owner.pid != 0)
            e.set_owner(s.owner);
        else if (s.inode == 0)
            s.owner = e.owner();
        e.peer_fin = e.peer_fin || peer_fin_received(s.state);
        e.last_seen = static_cast<std::uint32_t>(generation_);
    }
}

void NetlinkSource::add_closed_sockets(Sample& out, std::vector<DiagRecord>& closed,
                                       std::size_t first_live, bool tracer_caught_up) {
    std::set<ProcessId> present;
    for (const ProcessInfo& p : out.processes) present.insert(p.id);
    const std::size_t first_closed = out.sockets.size();
    for (DiagRecord& rec : closed) {
        auto it = rec.obs.cookie ? cookies_.find(rec.obs.cookie) : cookies_.end();
        bool fin = peer_fin_received(rec.obs.state);
        if (it != cookies_.end()) {
            rec.obs.owner = it->second.owner();
            fin = fin || it->second.peer_fin;
            cookies_.erase(it);
        }
        apply_tcp_bytes(rec.obs, rec.tcp, fin);
        if (rec.obs.owner.pid != 0 && !present.count(rec.obs.owner)) {
            // The owner may have no live socket left; give the host its name anyway.
            auto p = last_processes_.find(rec.obs.owner);
            if (p != last_processes_.end()) {
                out.processes.push_back(p->second);
                present.insert(rec.obs.owner);
            }
        }
        out.sockets.push_back(rec.obs);
    }
    // Records held back last time get another chance (their owners were looked up then).
    const std::size_t first_deferred = out.sockets.size();
    for (const Deferred& d : deferred_) out.sockets.push_back(d.obs);
    credit_short_connections(out, first_live, first_closed, present);
    defer_unowned_closed(out, first_closed, first_deferred, tracer_caught_up);
    // Entries of sockets gone without a destroy notification (one lost, or the socket of a
    // namespace left): swept every kCookieSweepEvery collects, not every one (a walk of every
    // live socket's entry), so they go after 64 to 79 collects unseen.
    if (generation_ % kCookieSweepEvery == 0) {
        std::erase_if(cookies_, [&](const auto& kv) {
            // Modulo 2^32, as last_seen is kept.
            return static_cast<std::uint32_t>(generation_) - kv.second.last_seen >=
                   kCookieKeepCollects;
        });
    }
    last_processes_.clear();
    for (const ProcessInfo& p : out.processes) last_processes_.emplace(p.id, p);
}

void NetlinkSource::credit_short_connections(Sample& out, std::size_t first_live,
                                             std::size_t first_closed,
                                             std::set<ProcessId>& present) {
    // Listeners with a known owner, by port: an accepted connection changes state in softirq
    // context, so the tracer never sees its process, but it shares the listener's local port.
    std::multimap<std::uint16_t, const SocketObs*> listeners;
    for (std::size_t i = first_live; i < first_closed; ++i) {
        const SocketObs& s = out.sockets[i];
        if (s.key.proto == Proto::Tcp && s.state == SocketState::Listen && s.owner.pid != 0)
            listeners.emplace(s.key.local.port, &s);
    }
    auto listener_owner = [&](const SocketObs& s) -> std::optional<ProcessId> {
        std::optional<ProcessId> found;
        auto [lo, hi] = listeners.equal_range(s.key.local.port);
        for (auto it = lo; it != hi; ++it) {
            if (it->second->key.netns != s.key.netns) continue;  // same port, other namespace
            const IpAddr& bound = it->second->key.local.addr;
            const bool any = bound.bytes == std::array<std::uint8_t, 16>{};
            if (!any && bound != s.key.local.addr) continue;
            // Two processes on one port (SO_REUSEPORT): no way to tell which accepted it.
            if (found && *found != it->second->owner) return std::nullopt;
            found = it->second->owner;
        }
        return found;
    };
    for (std::size_t i = first_closed; i < out.sockets.size(); ++i) {
        SocketObs& s = out.sockets[i];
        if (s.key.proto != Proto::Tcp) continue;
        if (s.owner.pid != 0) {
            // Known through its cookie (maybe thanks to the tracer): free the tracer's entry.
            if (tracer_) tracer_->take(s.key);
            continue;
        }
        if (tracer_) {
            if (auto p = tracer_->take(s.key)) {
                s.owner = p->id;
                ++tracer_matches_;
                if (present.insert(p->id).second) out.processes.push_back(std::move(*p));
                continue;
            }
        }
        if (auto owner = listener_owner(s)) {
            s.owner = *owner;
            ++listener_matches_;
        }
    }
}

void NetlinkSource::defer_unowned_closed(Sample& out, std::size_t first_closed,
                                         std::size_t first_deferred, bool tracer_caught_up) {
    std::vector<Deferred> keep;
    const auto now = std::chrono::steady_clock::now();
    std::size_t w = first_closed;
    for (std::size_t i = first_closed; i < out.sockets.size(); ++i) {
        SocketObs& s = out.sockets[i];
        const bool again = i >= first_deferred;
        const std::uint64_t since = again ? deferred_[i - first_deferred].since : generation_;
        const auto held = again ? deferred_[i - first_deferred].held : now;
        // Only while the tracer is behind: once it has read everything, an unmatched record
        // has no owner to find (accepted on a shared port, or opened before sstop).
        const bool hold = !tracer_caught_up && tracer_ && tracer_->running() &&
                          s.key.proto == Proto::Tcp && s.owner.pid == 0 && s.key.netns == 0 &&
                          (generation_ - since < kDeferCollects || now - held < kDeferTime) &&
                          keep.size() < kMaxDeferred;
        if (hold) {
            if (since == generation_) ++tracer_deferred_;
            keep.push_back({std::move(s), since, held});
            continue;
        }
        if (w != i) out.sockets[w] = std::move(s);
        ++w;
    }
    out.sockets.resize(w);
    deferred_ = std::move(keep);
}

}  // namespace sstop::plugins::netlink
