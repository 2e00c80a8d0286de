#pragma once
// Builders and readers shared by the aggregator's tests (aggregator_test.cpp,
// aggregator_flows_test.cpp).

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/aggregator.hpp"
#include "core/udp_peers.hpp"

namespace {

using namespace std::chrono_literals;
using sstop::Family;
using sstop::FlowBytes;
using sstop::InterfaceObs;
using sstop::IpAddr;
using sstop::ProcessId;
using sstop::ProcessInfo;
using sstop::ProcessSummary;
using sstop::Proto;
using sstop::Sample;
using sstop::Snapshot;
using sstop::SocketKey;
using sstop::SocketObs;
using sstop::SocketState;
using sstop::core::Aggregator;
using sstop::core::AggregatorConfig;
using sstop::core::SocketDemand;
using sstop::core::TickInput;
using Clock = std::chrono::steady_clock;

const Clock::time_point kT0 = Clock::time_point{} + 1000s;

inline IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddr ip;
    ip.family = Family::V4;
    ip.bytes[0] = a;
    ip.bytes[1] = b;
    ip.bytes[2] = c;
    ip.bytes[3] = d;
    return ip;
}

const IpAddr kLocal = v4(10, 0, 0, 1);
const IpAddr kAny = v4(0, 0, 0, 0);

inline SocketKey key(Proto proto, IpAddr local, std::uint16_t lport, IpAddr remote = {},
                     std::uint16_t rport = 0) {
    SocketKey k;
    k.proto = proto;
    k.local = {local, lport};
    k.remote = {remote, rport};
    return k;
}

inline SocketKey tcp(std::uint16_t lport, IpAddr remote, std::uint16_t rport) {
    return key(Proto::Tcp, kLocal, lport, remote, rport);
}

inline ProcessId pid(std::int32_t p, std::uint64_t start = 1) { return ProcessId{p, start}; }

/// A live socket with counters (netlink-like).
inline SocketObs sock(SocketKey k, ProcessId owner, std::uint64_t rx, std::uint64_t tx,
                      std::uint64_t inode, SocketState state = SocketState::Established) {
    SocketObs s;
    s.key = k;
    s.state = state;
    s.inode = inode;
    s.owner = owner;
    s.has_bytes = true;
    s.rx_bytes = rx;
    s.tx_bytes = tx;
    return s;
}

/// A live socket without counters (procnet-like).
inline SocketObs bare(SocketKey k, ProcessId owner, std::uint64_t inode,
                      SocketState state = SocketState::Established) {
    SocketObs s;
    s.key = k;
    s.state = state;
    s.inode = inode;
    s.owner = owner;
    return s;
}

inline FlowBytes flow(SocketKey k, std::uint64_t rx, std::uint64_t tx) {
    FlowBytes f;
    f.key = k;
    f.rx_bytes = rx;
    f.tx_bytes = tx;
    return f;
}

inline ProcessInfo info(ProcessId id, std::string name) {
    ProcessInfo p;
    p.id = id;
    p.name = std::move(name);
    return p;
}

inline Sample sockets_sample(std::vector<SocketObs> sockets,
                             std::vector<ProcessInfo> processes = {},
                             std::string source = "netlink") {
    Sample s;
    s.source = std::move(source);
    s.has_sockets = true;
    s.sockets = std::move(sockets);
    s.processes = std::move(processes);
    return s;
}

inline Sample flows_sample(std::vector<FlowBytes> flows) {
    Sample s;
    s.source = "afpacket";
    s.flows = std::move(flows);
    return s;
}

inline TickInput tick_at(Clock::time_point now, std::vector<Sample> samples) {
    TickInput t;
    t.now = now;
    t.samples = std::move(samples);
    return t;
}

inline const ProcessSummary* find_process(const Snapshot& snap, ProcessId id) {
    for (const auto& p : snap.processes) {
        if (p.info.id == id) {
            return &p;
        }
    }
    return nullptr;
}

inline std::uint64_t sum_rx(const Snapshot& snap) {
    std::uint64_t total = snap.unattributed.rx_bytes;
    for (const auto& p : snap.processes) {
        total += p.traffic.rx_bytes;
    }
    return total;
}

inline std::uint64_t sum_tx(const Snapshot& snap) {
    std::uint64_t total = snap.unattributed.tx_bytes;
    for (const auto& p : snap.processes) {
        total += p.traffic.tx_bytes;
    }
    return total;
}

inline std::uint64_t counter(const Snapshot& snap, const std::string& name) {
    for (const auto& c : snap.counters) {
        if (c.name == name) {
            return c.value;
        }
    }
    ADD_FAILURE() << "no counter " << name;
    return 0;
}

}  // namespace
