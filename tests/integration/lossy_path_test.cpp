// Ground truth over a lossy path: nftables in each namespace drops every 20th TCP data packet
// after it was captured (in the receiver's input hook, behind AF_PACKET), so the senders
// retransmit and a capture sees those segments twice. Each process's bytes must still be
// within 1% of what it moved: netlink has tcp_info's counters (retransmissions excluded);
// afpacket counts each direction's new sequence space once.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <sstream>
#include <string>

#include "netns.hpp"
#include "snapshot_json.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;

constexpr std::size_t kUpload = 6'000'000;
constexpr std::size_t kDownload = 5'000'000;

/// Installs the drop rule in `ns`: every 20th incoming TCP packet with payload is dropped
/// in the input hook, after packet sockets have seen it.
void drop_every_twentieth(const Netns& ns) {
    int rc = -1;
    std::string err;
    run_capture({"ip", "netns", "exec", ns.name(), "nft",
                 "add table inet sstop_loss; "
                 "add chain inet sstop_loss in { type filter hook input priority 0; }; "
                 "add rule inet sstop_loss in meta l4proto tcp meta length > 200 "
                 "numgen inc mod 20 == 0 counter drop"},
                &rc, std::chrono::seconds(10), &err);
    ASSERT_EQ(rc, 0) << "nft (Debian package nftables, installed by .ci/setup): " << err;
}

/// TCP segments the namespace's stack retransmitted (RetransSegs of /proc/net/snmp).
std::uint64_t retransmitted_segments(const Netns& ns) {
    int rc = -1;
    const std::string snmp =
        run_capture({"ip", "netns", "exec", ns.name(), "cat", "/proc/net/snmp"}, &rc);
    std::istringstream in(snmp);
    std::string header, values;
    while (std::getline(in, header) && std::getline(in, values)) {
        if (header.rfind("Tcp:", 0) != 0) continue;
        std::istringstream h(header), v(values);
        std::string name, value;
        while (h >> name && v >> value)
            if (name == "RetransSegs") return std::stoull(value);
    }
    return 0;
}

class LossyPath : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    }
};

TEST_P(LossyPath, RetransmittedBytesAreNotCountedTwice) {
    NetnsPair net("loss");
    drop_every_twentieth(net.a);
    drop_every_twentieth(net.b);
    Gate go;
    Child sink(net.b, "loss-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, 7101);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, kUpload);
        pause();
    });
    Child source(net.b, "loss-source", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB6, 7102);
        ready();
        int c = tcp_accept(l);
        read_exactly(c, 1);  // the client's "go"
        write_exactly(c, kDownload);
        pause();
    });
    Child up(net.a, "loss-up", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB4, 7101);
        ready();
        go.wait();
        write_exactly(s, kUpload);
        pause();
    });
    Child down(net.a, "loss-down", [&go](const auto& ready) {
        int s = tcp_connect(NetnsPair::kAddrB6, 7102);
        ready();
        go.wait();
        write_exactly(s, 1);
        read_exactly(s, kDownload);
        pause();
    });

    std::vector<std::string> args{"--interval", "500ms", "--count", "80"};
    if (!GetParam().empty()) args.insert(args.end(), {"--sources", GetParam()});
    SstopRun sstop(net.a, args);
    ASSERT_TRUE(sstop.wait_for_seq(1, std::chrono::seconds(20))) << sstop.errors();
    const std::uint64_t retrans_before = retransmitted_segments(net.a);
    go.fire();

    // Done when both transfers are complete in sstop's view, or after a bounded wait.
    const auto done = [&](const json& s) {
        return bytes_of(s, up.pid(), "tx_bytes") >= kUpload &&
               bytes_of(s, down.pid(), "rx_bytes") >= kDownload;
    };
    for (int seq = 2; seq < 60; ++seq) {
        ASSERT_TRUE(sstop.wait_for_seq(seq, std::chrono::seconds(10))) << sstop.errors();
        if (done(sstop.snapshots().back())) break;
    }
    // Two more ticks, so anything late (a retransmission after the last byte) is in.
    const int last = sstop.snapshots().back()["seq"].get<int>();
    ASSERT_TRUE(sstop.wait_for_seq(last + 2, std::chrono::seconds(10)));
    EXPECT_EQ(sstop.stop(), 0) << sstop.errors();
    const json snap = sstop.snapshots().back();
    SCOPED_TRACE("sources " + snap["sources"].dump() + " counters " + snap["counters"].dump());

    // The path really was lossy: the senders in a retransmitted (the ones in b did too).
    EXPECT_GE(retransmitted_segments(net.a) - retrans_before, 5u);

    expect_within_1pct(bytes_of(snap, up.pid(), "tx_bytes"), kUpload, "TCP upload (v4) tx");
    expect_within_1pct(bytes_of(snap, down.pid(), "rx_bytes"), kDownload, "TCP download (v6) rx");
    EXPECT_EQ(bytes_of(snap, down.pid(), "tx_bytes"), 1u) << "one byte of request";
    if (!GetParam().empty()) {
        // afpacket saw the retransmitted payload and said so.
        std::uint64_t resent = 0;
        for (const auto& [name, value] : snap["counters"].items())
            if (name.find("tcp_resent_bytes") != std::string::npos)
                resent = value.get<std::uint64_t>();
        EXPECT_GT(resent, 0u);
    }
}

INSTANTIATE_TEST_SUITE_P(Sources, LossyPath, ::testing::Values("", "procnet,afpacket"),
                         [](const auto& info) {
                             return info.param.empty() ? std::string("DefaultSources")
                                                       : std::string("ProcnetAfpacket");
                         });

}  // namespace
}  // namespace sstop::testing
