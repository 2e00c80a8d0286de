// source-ebpf's user-space rules: where the cgroup v2 hierarchy is, and how a kernel record
// becomes a socket observation (keys, bytes, owner) the aggregator joins with flows.
#include "ebpf_source.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace sstop::plugins::ebpf {
namespace {

sstop_sock udp_record() {
    sstop_sock r{};
    r.cookie = 42;
    r.family = AF_INET;
    r.protocol = 17;
    r.sock_type = SOCK_DGRAM;
    r.state = 1;  // connected
    inet_pton(AF_INET, "10.1.2.3", &r.laddr[0]);
    inet_pton(AF_INET, "10.1.2.4", &r.raddr[0]);
    r.lport = 5353;
    r.rport = 53;
    r.rx_bytes = 1000;
    r.tx_bytes = 2000;
    r.tgid = 4242;
    r.start_ns = 123'450'000'000ull;  // 123.45 s after boot
    r.netns = 4026531840u;
    return r;
}

TEST(EbpfFindCgroup2, UnifiedHierarchyOfAHybridLayout) {
    const char* mounts =
        "sysfs /sys sysfs rw,nosuid 0 0\n"
        "tmpfs /sys/fs/cgroup tmpfs ro,nosuid 0 0\n"
        "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nsdelegate 0 0\n"
        "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n";
    EXPECT_EQ(find_cgroup2(mounts), "/sys/fs/cgroup/unified");
}

TEST(EbpfFindCgroup2, PureUnifiedLayoutAndNoTrailingNewline) {
    EXPECT_EQ(find_cgroup2("proc /proc proc rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw 0 0"),
              "/sys/fs/cgroup");
}

TEST(EbpfFindCgroup2, NoneMountedOrGarbage) {
    EXPECT_FALSE(find_cgroup2(""));
    EXPECT_FALSE(find_cgroup2("cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\n"));
    EXPECT_FALSE(find_cgroup2("cgroup2\n \n  \ncgroup2 only-two-fields\n"));
    // The device name "cgroup2" alone does not make a cgroup2 mount; the type field does.
    EXPECT_FALSE(find_cgroup2("cgroup2 /mnt/x tmpfs rw 0 0\n"));
}

TEST(EbpfObservation, UdpSocketKeepsItsTupleBytesAndNamespace) {
    SocketObs o = to_observation(udp_record(), 1);
    EXPECT_EQ(o.key.proto, Proto::Udp);
    EXPECT_EQ(o.key.local.port, 5353);
    EXPECT_EQ(o.key.remote.port, 53);
    EXPECT_EQ(o.key.netns, 4026531840u);
    EXPECT_TRUE(o.has_bytes);
    EXPECT_EQ(o.rx_bytes, 1000u);
    EXPECT_EQ(o.tx_bytes, 2000u);
    EXPECT_EQ(o.cookie, 42u);
    EXPECT_FALSE(o.closed);
    EXPECT_EQ(o.owner.pid, 0) << "the owner is the caller's business";
}

TEST(EbpfObservation, SstopsOwnNamespaceIsZeroAsNetlinkHasIt) {
    sstop_sock r = udp_record();
    EXPECT_EQ(to_observation(r, r.netns).key.netns, 0u);
    r.netns = 0;  // not known (a socket older than sstop)
    EXPECT_EQ(to_observation(r, 99).key.netns, 0u);
}

TEST(EbpfObservation, RawSocketHasNoPortsLikeItsFlows) {
    sstop_sock r = udp_record();
    r.protocol = 253;
    r.sock_type = SOCK_RAW;
    r.lport = 253;  // the kernel keeps the protocol in the port field of a raw socket
    SocketObs o = to_observation(r, 1);
    EXPECT_EQ(static_cast<int>(o.key.proto), 253);
    EXPECT_EQ(o.key.local.port, 0);
    EXPECT_EQ(o.key.remote.port, 0);
}

TEST(EbpfObservation, PingSocketKeepsItsEchoIdentifierAsPort) {
    sstop_sock r = udp_record();
    r.protocol = 1;
    r.sock_type = SOCK_DGRAM;
    r.lport = 22319;
    r.rport = 0;
    SocketObs o = to_observation(r, 1);
    EXPECT_EQ(o.key.proto, Proto::Icmp);
    EXPECT_EQ(o.key.local.port, 22319);
}

TEST(EbpfObservation, TcpBytesFollowNetlinksRule) {
    sstop_sock r = udp_record();
    r.protocol = 6;
    r.sock_type = SOCK_STREAM;
    r.state = 1;  // ESTABLISHED
    r.tcp_received = 5000;
    r.tcp_sent = 7000;
    r.tcp_retrans = 500;
    SocketObs o = to_observation(r, 1);
    EXPECT_EQ(o.key.proto, Proto::Tcp);
    EXPECT_EQ(o.state, SocketState::Established);
    ASSERT_TRUE(o.has_bytes);
    EXPECT_EQ(o.rx_bytes, 5000u);
    EXPECT_EQ(o.tx_bytes, 6500u) << "retransmissions are not new payload";
}

TEST(EbpfObservation, FinalRecordIsClosed) {
    sstop_sock r = udp_record();
    r.closed = 1;
    EXPECT_TRUE(to_observation(r, 1).closed);
}

TEST(EbpfScope, OnlySstopsNamespaceWhenNotShowingAll) {
    sstop_sock r = udp_record();  // netns 4026531840
    EXPECT_TRUE(in_scope(r, true, 1, false)) << "all namespaces: everything";
    EXPECT_TRUE(in_scope(r, false, 4026531840u, false));
    EXPECT_FALSE(in_scope(r, false, 1, true)) << "a known other namespace is out";
    r.netns = 0;  // older than sstop, or a kernel socket: the start-up listing decides
    EXPECT_TRUE(in_scope(r, false, 1, true));
    EXPECT_FALSE(in_scope(r, false, 1, false));
}

TEST(EbpfOwner, StartTimeIsInClockTicksAsProcStatHasIt) {
    ProcessId id = owner_id(udp_record(), 100);
    EXPECT_EQ(id.pid, 4242);
    EXPECT_EQ(id.start_time, 12345u);
    EXPECT_EQ(owner_id(udp_record(), 250).start_time, 30862u);
    sstop_sock unknown = udp_record();
    unknown.tgid = 0;
    EXPECT_EQ(owner_id(unknown, 100).pid, 0);
}

TEST(EbpfOpen, NoCgroup2SaysSoInOneLineInsteadOfLoading) {
    char path[] = "/tmp/sstop-ebpf-mounts-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    const char text[] = "proc /proc proc rw 0 0\ncgroup /sys/fs/cgroup/cpu cgroup rw 0 0\n";
    ASSERT_EQ(write(fd, text, sizeof text - 1), static_cast<ssize_t>(sizeof text - 1));
    close(fd);
    EbpfSettings s;
    s.proc_mounts = path;
    s.btf = "/proc/self/status";        // readable: the check that fails must be the cgroup one
    s.proc_root = "/nonexistent-proc";  // nor does pid 1's mount namespace have one
    EbpfSource source(s);
    try {
        source.open();
        ADD_FAILURE() << "opened without a cgroup v2 hierarchy";
    } catch (const PluginUnavailable& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("no cgroup v2 hierarchy"), std::string::npos) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
    std::remove(path);
}

TEST(EbpfOpen, NoBtfSaysSoAndNamesTheFallback) {
    EbpfSettings s;
    s.btf = "/nonexistent/btf/vmlinux";
    EbpfSource source(s);
    try {
        source.open();
        ADD_FAILURE() << "opened without BTF";
    } catch (const PluginUnavailable& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("no kernel BTF"), std::string::npos) << what;
        EXPECT_NE(what.find("netlink"), std::string::npos) << what;
    }
}

}  // namespace
}  // namespace sstop::plugins::ebpf
