// A connectionless UDP socket that sends to several peers has no remote address of its own
// (CONN 0, no peers in the socket list): its peers come from afpacket's flows, joined to the
// socket by protocol, local address and port and namespace, and are listed per process.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "netns.hpp"
#include "snapshot_json.hpp"

namespace sstop::testing {
namespace {

using json = nlohmann::json;

constexpr int kSenderPort = 7400;
constexpr int kPeerPorts[] = {7401, 7402, 7403};

void send_to(int fd, const char* addr, int port) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, addr, &to.sin_addr);
    char payload[200] = {};
    (void)::sendto(fd, payload, sizeof payload, 0, reinterpret_cast<const sockaddr*>(&to),
                   sizeof to);
}

std::set<std::string> peers_of(const json& process) {
    std::set<std::string> out;
    for (const auto& p : process["udp_peers"]) out.insert(p.get<std::string>());
    return out;
}

TEST(UdpPeersE2E, AnUnconnectedSocketListsThePeersItSendsTo) {
    if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    NetnsPair net("udppeers");
    Child peers(net.b, "udp-peers", [](const auto& ready) {
        for (int port : kPeerPorts) udp_bind(NetnsPair::kAddrB4, port);  // held until killed
        ready();
        pause();
    });
    Child sender(net.a, "udp-fanout", [](const auto& ready) {
        const int fd = udp_bind(NetnsPair::kAddrA4, kSenderPort);  // never connected
        ready();
        for (int i = 0; i < 1200; ++i) {  // at most a minute; killed at the end of the test
            for (int port : kPeerPorts) send_to(fd, NetnsPair::kAddrB4, port);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        pause();
    });

    SstopRun sstop(net.a,
                   {"--sources", "netlink,afpacket", "--interval", "300ms", "--count", "60", "-n"});
    std::set<std::string> want;
    for (int port : kPeerPorts)
        want.insert(std::string(NetnsPair::kAddrB4) + ":" + std::to_string(port));
    json last;
    const json* p = nullptr;
    for (int seq = 2; seq < 40; ++seq) {
        ASSERT_TRUE(sstop.wait_for_seq(seq, std::chrono::seconds(20))) << sstop.errors();
        last = sstop.snapshots().back();
        p = find_process(last, sender.pid());
        if (p != nullptr && peers_of(*p) == want) break;
    }
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();
    ASSERT_NE(p, nullptr) << last.dump();
    EXPECT_EQ(peers_of(*p), want) << p->dump();
    EXPECT_EQ((*p)["udp_peers_dropped"], 0) << p->dump();
    EXPECT_EQ((*p)["connections"], 0) << "the socket itself is not connected";
    // Its bytes are the socket's: 3 peers × 200 bytes every 50 ms moved something.
    EXPECT_GT((*p)["tx_bytes"].get<std::uint64_t>(), 0u) << p->dump();
}

}  // namespace
}  // namespace sstop::testing
