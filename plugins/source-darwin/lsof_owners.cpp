#include "lsof_owners.hpp"

#include <algorithm>

namespace sstop::plugins::darwin {
namespace {

// netstat prints a missing remote end as `*.*` (the wildcard address, port 0) and lsof
// prints none at all; both mean "no end", so both compare as an empty Endpoint.
sstop::Endpoint canonical(const sstop::Endpoint& end) {
    if (end.port != 0) return end;
    const bool unspecified =
        std::all_of(end.addr.bytes.begin(), end.addr.bytes.end(), [](auto b) { return b == 0; });
    return unspecified ? sstop::Endpoint{} : end;
}

// The socket's protocol and both ends, as the two commands print the same socket.
sstop::SocketKey ends_key(sstop::Proto proto, const sstop::Endpoint& local,
                          const sstop::Endpoint& remote) {
    sstop::SocketKey key;
    key.proto = proto;
    key.local = canonical(local);
    key.remote = canonical(remote);
    return key;
}

}  // namespace

bool owners_incomplete(const std::vector<sstop::SocketObs>& sockets,
                       const std::map<std::int32_t, std::string>& owners) {
    return std::any_of(sockets.begin(), sockets.end(),
                       [](const sstop::SocketObs& s) { return s.owner.pid == 0; }) ||
           std::any_of(owners.begin(), owners.end(),
                       [](const auto& owner) { return owner.second.empty(); });
}

std::size_t fill_owners_from_lsof(std::vector<sstop::SocketObs>& sockets,
                                  std::map<std::int32_t, std::string>& owners,
                                  const LsofParse& lsof) {
    std::map<sstop::SocketKey, std::int32_t> pid_of;
    for (const LsofSocket& s : lsof.sockets) {
        if (!s.has_endpoints || s.pid <= 0) continue;
        pid_of.emplace(ends_key(s.proto, s.local, s.remote), s.pid);
    }
    std::map<std::int32_t, std::string> command_of;
    for (const sstop::ProcessInfo& p : lsof.processes) command_of.emplace(p.id.pid, p.name);

    std::size_t filled = 0;
    for (sstop::SocketObs& socket : sockets) {
        if (socket.owner.pid != 0) continue;
        const auto found =
            pid_of.find(ends_key(socket.key.proto, socket.key.local, socket.key.remote));
        if (found == pid_of.end()) continue;
        socket.owner.pid = found->second;
        owners.emplace(found->second, std::string());
        ++filled;
    }
    for (auto& [pid, name] : owners) {
        if (!name.empty()) continue;
        if (const auto command = command_of.find(pid); command != command_of.end())
            name = command->second;
    }
    return filled;
}

}  // namespace sstop::plugins::darwin
