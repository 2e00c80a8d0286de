// The aggregator's census: per-process, per-remote and listening-port counts kept as sockets
// come, change and go (a tick settles only the sockets it touched when every socket source
// is incremental). A seeded simulation of sockets is fed three ways, each tick:
//   - full:        every live socket listed (netlink-like), socket lists on;
//   - incremental: only the sockets that changed (ebpf-like), socket lists on;
//   - lean:        incremental, socket lists off (headless).
// Every snapshot must match the simulation's own books (counts, bytes, ports, remotes), and
// the feeds must agree with each other on every rate.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "aggregator_test_util.hpp"
#include "core/rate_ema.hpp"

namespace {

struct SimSocket {
    std::uint64_t cookie = 0;
    SocketKey key;
    SocketState state = SocketState::Established;
    ProcessId owner;  // pid 0 until known
    ProcessId true_owner;
    std::uint64_t rx = 0;
    std::uint64_t tx = 0;
    bool changed = true;  // listed by the incremental feed this tick
};

SocketObs obs_of(const SimSocket& s, bool closed) {
    SocketObs o;
    o.key = s.key;
    o.state = s.state;
    o.cookie = s.cookie;
    o.inode = s.cookie + 1000;
    o.owner = s.owner;
    o.has_bytes = true;
    o.rx_bytes = s.rx;
    o.tx_bytes = s.tx;
    o.closed = closed;
    return o;
}

bool near(double a, double b) { return std::fabs(a - b) <= 1e-6 * std::max(1.0, std::fabs(b)); }

class Simulation {
  public:
    explicit Simulation(unsigned seed) : rng_(seed) {}

    const IpAddr remotes[4] = {v4(1, 1, 1, 1), v4(2, 2, 2, 2), v4(3, 3, 3, 3), v4(4, 4, 4, 4)};

    void birth() {
        SimSocket s;
        s.cookie = next_cookie_++;
        s.true_owner = pid(100 + static_cast<std::int32_t>(pick(6)));
        s.owner = pick(5) == 0 ? ProcessId{} : s.true_owner;  // some are found later
        const auto port = static_cast<std::uint16_t>(20000 + s.cookie);
        switch (pick(5)) {
            case 0:
                // Listeners share ports (reuseport, or one after another). Their owner is
                // known from the start: a new socket on the 5-tuple of a closed one takes the
                // closed one's owner while its own is unknown (a TIME_WAIT after-life).
                s.key = key(Proto::Tcp, kAny, static_cast<std::uint16_t>(8000 + pick(3)));
                s.state = SocketState::Listen;
                s.owner = s.true_owner;
                break;
            case 1:
                s.key = key(Proto::Udp, kLocal, port);
                s.state = SocketState::Close;  // unconnected
                break;
            case 2:
                s.key = key(Proto::Udp, kLocal, port, remotes[pick(4)], 53);
                break;
            default:
                s.key = tcp(port, remotes[pick(4)], 443);
                break;
        }
        live_.push_back(s);
    }

    // One tick of the world: births, deaths, state and owner changes, traffic. Returns the
    // final records of the sockets that closed.
    std::vector<SimSocket> step() {
        for (auto& s : live_) s.changed = false;
        std::vector<SimSocket> gone;
        for (std::size_t i = 0; i < live_.size();) {
            if (pick(100) < 4) {
                gone.push_back(live_[i]);
                live_.erase(live_.begin() + static_cast<std::ptrdiff_t>(i));
            } else {
                ++i;
            }
        }
        const std::size_t births = pick(5);
        for (std::size_t i = 0; i < births; ++i) birth();
        for (auto& s : live_) {
            if (s.owner.pid == 0 && pick(3) == 0) {
                s.owner = s.true_owner;
                s.changed = true;
            }
            if (s.key.proto == Proto::Tcp && s.state == SocketState::Established && pick(50) == 0) {
                s.state = SocketState::CloseWait;
                s.changed = true;
            }
            if (s.state != SocketState::Listen && pick(100) < 20) {
                s.rx += 1 + pick(100000);
                s.tx += pick(5000);
                s.changed = true;
            }
        }
        return gone;
    }

    std::vector<SocketObs> all(const std::vector<SimSocket>& gone) const {
        std::vector<SocketObs> out;
        for (const auto& s : gone) out.push_back(obs_of(s, true));
        for (const auto& s : live_) out.push_back(obs_of(s, false));
        return out;
    }

    std::vector<SocketObs> changed(const std::vector<SimSocket>& gone) const {
        std::vector<SocketObs> out;
        for (const auto& s : gone) out.push_back(obs_of(s, true));
        for (const auto& s : live_)
            if (s.changed) out.push_back(obs_of(s, false));
        return out;
    }

    const std::vector<SimSocket>& live() const { return live_; }

    // Traffic before the first tick: the aggregator must take it as a baseline.
    void traffic_before_start() {
        for (auto& s : live_) {
            if (s.state != SocketState::Listen) s.rx += pick(1000000);
        }
    }

    std::size_t pick(std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    }

  private:
    std::mt19937 rng_;
    std::uint64_t next_cookie_ = 1;
    std::vector<SimSocket> live_;
};

// What the simulation says a snapshot must show.
struct Books {
    std::map<ProcessId, std::pair<std::uint32_t, std::uint32_t>> counts;  // listening, other
    std::map<ProcessId, std::uint64_t> rx;                                // owned bytes
    std::uint64_t unattributed_rx = 0;
    std::map<IpAddr, std::uint32_t> connections;
    std::map<IpAddr, std::uint64_t> remote_rx;
    std::set<std::tuple<std::uint16_t, Proto, IpAddr, ProcessId>> ports;
};

void book_bytes(Books& b, const SimSocket& s) {
    if (s.owner.pid != 0) {
        b.rx[s.owner] += s.rx;
    } else {
        b.unattributed_rx += s.rx;
    }
    if (s.state != SocketState::Listen &&
        !(s.key.proto == Proto::Udp && s.state == SocketState::Close))
        b.remote_rx[s.key.remote.addr] += s.rx;
}

void check(const Snapshot& snap, const Books& b, bool lists, const char* feed, int tick) {
    SCOPED_TRACE(::testing::Message() << feed << " feed, tick " << tick);
    for (const auto& [id, c] : b.counts) {
        const ProcessSummary* p = find_process(snap, id);
        ASSERT_NE(p, nullptr) << "pid " << id.pid;
        EXPECT_EQ(p->listening, c.first) << "pid " << id.pid;
        EXPECT_EQ(p->connections, c.second) << "pid " << id.pid;
        if (lists) {
            EXPECT_EQ(p->sockets.size(), std::size_t{c.first} + c.second);
        }
    }
    std::uint64_t owned = 0;
    for (const auto& p : snap.processes) {
        if (!b.counts.count(p.info.id)) {
            EXPECT_EQ(p.listening + p.connections, 0u) << "pid " << p.info.id.pid;
        }
        auto it = b.rx.find(p.info.id);
        EXPECT_EQ(p.traffic.rx_bytes, it == b.rx.end() ? 0 : it->second) << "pid " << p.info.id.pid;
        owned += p.traffic.rx_bytes;
    }
    EXPECT_EQ(snap.unattributed.rx_bytes, b.unattributed_rx);
    std::uint64_t booked = b.unattributed_rx;
    for (const auto& [id, rx] : b.rx) {
        booked += rx;
        if (rx != 0) {
            EXPECT_NE(find_process(snap, id), nullptr) << "pid " << id.pid;
        }
    }
    EXPECT_EQ(snap.totals.rx_bytes, booked);
    EXPECT_EQ(snap.totals.rx_bytes, owned + snap.unattributed.rx_bytes);
    std::map<IpAddr, std::uint32_t> shown;
    for (const auto& r : snap.remote_hosts) {
        shown[r.addr] = r.connections;
        EXPECT_EQ(r.traffic.rx_bytes, b.remote_rx.count(r.addr) ? b.remote_rx.at(r.addr) : 0);
    }
    EXPECT_EQ(shown, b.connections);
    std::set<std::tuple<std::uint16_t, Proto, IpAddr, ProcessId>> ports;
    for (const auto& lp : snap.listen_ports) {
        EXPECT_TRUE(ports.emplace(lp.port, lp.proto, lp.addr, lp.owner).second) << "listed twice";
    }
    EXPECT_EQ(ports, b.ports);
}

void check_same_rates(const Snapshot& a, const Snapshot& b, int tick) {
    SCOPED_TRACE(::testing::Message() << "tick " << tick);
    ASSERT_EQ(a.processes.size(), b.processes.size());
    EXPECT_TRUE(near(a.totals.rx_bps, b.totals.rx_bps));
    for (const auto& pa : a.processes) {
        const ProcessSummary* pb = find_process(b, pa.info.id);
        ASSERT_NE(pb, nullptr);
        EXPECT_TRUE(near(pa.traffic.rx_bps, pb->traffic.rx_bps))
            << pa.traffic.rx_bps << " " << pb->traffic.rx_bps;
        EXPECT_TRUE(near(pa.traffic.tx_bps, pb->traffic.tx_bps));
        ASSERT_EQ(pa.sockets.size(), pb->sockets.size());
        std::map<std::uint64_t, sstop::Traffic> by_cookie;
        for (const auto& c : pb->sockets) by_cookie[c.cookie] = c.traffic;
        for (const auto& c : pa.sockets) {
            ASSERT_TRUE(by_cookie.count(c.cookie)) << "cookie " << c.cookie;
            const auto& t = by_cookie[c.cookie];
            EXPECT_EQ(c.traffic.rx_bytes, t.rx_bytes);
            EXPECT_TRUE(near(c.traffic.rx_bps, t.rx_bps))
                << "cookie " << c.cookie << ": " << c.traffic.rx_bps << " " << t.rx_bps;
            EXPECT_TRUE(near(c.traffic.tx_bps, t.tx_bps));
        }
    }
    for (const auto& ra : a.remote_hosts) {
        auto it = std::find_if(b.remote_hosts.begin(), b.remote_hosts.end(),
                               [&](const auto& r) { return r.addr == ra.addr; });
        ASSERT_NE(it, b.remote_hosts.end());
        EXPECT_TRUE(near(ra.traffic.rx_bps, it->traffic.rx_bps));
        EXPECT_EQ(ra.processes, it->processes);
    }
}

TickInput feed_tick(Clock::time_point now, std::vector<SocketObs> sockets, bool incremental,
                    const std::vector<ProcessInfo>& infos) {
    TickInput t;
    t.now = now;
    t.samples.push_back(
        sockets_sample(std::move(sockets), infos, incremental ? "ebpf" : "netlink"));
    if (incremental) t.incremental_sources.push_back("ebpf");
    return t;
}

class AggregatorCensus : public ::testing::TestWithParam<unsigned> {};

TEST_P(AggregatorCensus, IncrementalAndFullFeedsMatchTheSimulationsBooks) {
    Simulation sim(GetParam());
    AggregatorConfig config;
    config.stale_after_s = 1e6;  // nothing expires: the books need not model it
    AggregatorConfig lean_config = config;
    lean_config.socket_detail = false;
    Aggregator full(config), incremental(config), lean(lean_config);
    std::vector<ProcessInfo> infos;
    for (int p = 100; p < 106; ++p) infos.push_back(info(pid(p), "p" + std::to_string(p)));

    for (int i = 0; i < 30; ++i) sim.birth();
    sim.traffic_before_start();
    // Bytes counted from the first tick on: everything before it is a baseline.
    std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> baseline;
    for (const auto& s : sim.live()) baseline[s.cookie] = {s.rx, s.tx};
    Clock::time_point now = kT0;
    full.ingest(feed_tick(now, sim.all({}), false, infos));
    incremental.ingest(feed_tick(now, sim.all({}), true, infos));
    lean.ingest(feed_tick(now, sim.all({}), true, infos));

    Books closed;  // bytes of sockets gone
    // Each socket's receive rate as an average closed every tick would have it.
    std::map<std::uint64_t, std::pair<sstop::core::RateEma, std::uint64_t>> rates;  // ema, rx
    for (int tick = 1; tick <= 60; ++tick) {
        // Ticks of 1 s, with an occasional short or long one (the averages follow elapsed time).
        const auto dt = tick % 7 == 0 ? 2500ms : tick % 5 == 0 ? 300ms : 1000ms;
        now += dt;
        const std::vector<SimSocket> gone = sim.step();
        for (const auto& s : sim.live()) {
            auto [it, born] =
                rates.try_emplace(s.cookie, sstop::core::RateEma(config.ema_alpha),
                                  baseline.count(s.cookie) ? baseline[s.cookie].first : 0);
            it->second.first.update(static_cast<double>(s.rx - it->second.second),
                                    std::chrono::duration<double>(dt).count());
            it->second.second = s.rx;
        }
        auto a = full.ingest(feed_tick(now, sim.all(gone), false, infos));
        auto b = incremental.ingest(feed_tick(now, sim.changed(gone), true, infos));
        auto c = lean.ingest(feed_tick(now, sim.changed(gone), true, infos));

        Books books = closed;
        auto counted = [&](SimSocket s) {
            s.rx -= baseline.count(s.cookie) ? baseline[s.cookie].first : 0;
            return s;
        };
        for (const auto& s : gone) {
            book_bytes(closed, counted(s));
            book_bytes(books, counted(s));
        }
        for (const auto& s : sim.live()) {
            book_bytes(books, counted(s));
            const bool listening = s.state == SocketState::Listen ||
                                   (s.key.proto == Proto::Udp && s.state == SocketState::Close);
            if (s.owner.pid != 0) {
                auto& [l, o] = books.counts[s.owner];
                ++(listening ? l : o);
            }
            if (!listening) ++books.connections[s.key.remote.addr];
            if (listening)
                books.ports.emplace(s.key.local.port, s.key.proto, s.key.local.addr, s.owner);
        }
        // Remote bytes are shown only for remotes with a connection now.
        for (auto it = books.remote_rx.begin(); it != books.remote_rx.end();) {
            it = books.connections.count(it->first) ? std::next(it) : books.remote_rx.erase(it);
        }
        for (const auto& p : a->processes) {
            for (const auto& c : p.sockets) {
                ASSERT_TRUE(rates.count(c.cookie)) << "cookie " << c.cookie;
                EXPECT_TRUE(near(c.traffic.rx_bps, rates.at(c.cookie).first.value()))
                    << "tick " << tick << " cookie " << c.cookie << ": " << c.traffic.rx_bps
                    << ", closed every tick " << rates.at(c.cookie).first.value();
            }
        }
        check(*a, books, true, "full", tick);
        check(*b, books, true, "incremental", tick);
        check(*c, books, false, "lean", tick);
        check_same_rates(*a, *b, tick);
        if (HasFailure()) return;
    }
}

INSTANTIATE_TEST_SUITE_P(Seeds, AggregatorCensus, ::testing::Values(1u, 2u, 3u, 17u, 2026u));

TEST(AggregatorCensus, ASocketQuietForTicksDecaysAsIfClosedEveryTick) {
    // Only touched sockets have their averages closed; a quiet one decays when read.
    const double alpha = 0.3;
    sstop::core::RateEma eager(alpha), lazy(alpha);
    eager.update(5000, 1.0);
    lazy.update(5000, 1.0);
    const double ticks[] = {1.0, 0.25, 2.5, 1.0, 0.75};
    double elapsed = 0;
    for (double dt : ticks) {
        eager.update(0, dt);
        elapsed += dt;
    }
    lazy.idle(elapsed);
    EXPECT_NEAR(lazy.value(), eager.value(), 1e-9 * eager.value());
    EXPECT_GT(lazy.value(), 0.0);
    // Never initialised: the first quiet tick sets it to 0, as an update of 0 would.
    sstop::core::RateEma fresh(alpha);
    fresh.idle(2.0);
    EXPECT_TRUE(fresh.initialised());
    EXPECT_EQ(fresh.value(), 0.0);
    fresh.idle(0.0);
    EXPECT_TRUE(fresh.initialised());
}

}  // namespace
