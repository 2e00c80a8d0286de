// Parser tests over recorded replies (tests/data/*.bin, made by record_dumps.cpp in a private
// network namespace) and crafted messages.
#include "sock_diag.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace sstop::plugins::netlink {
namespace {

std::vector<std::uint8_t> load(const char* name) {
    std::ifstream in(std::string(SSTOP_SOURCE_DIR) + "/plugins/source-netlink/tests/data/" + name,
                     std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Walks a whole recorded dump (concatenated datagrams) and parses every message.
std::vector<DiagRecord> replay(const char* name, Proto proto, WalkResult* result = nullptr) {
    auto bytes = load(name);
    EXPECT_FALSE(bytes.empty()) << name;
    std::vector<DiagRecord> out;
    if (bytes.empty()) return out;
    auto seq = reinterpret_cast<const nlmsghdr*>(bytes.data())->nlmsg_seq;
    auto portid = reinterpret_cast<const nlmsghdr*>(bytes.data())->nlmsg_pid;
    WalkResult w = walk_dump_buffer(bytes, seq, portid, [&](const nlmsghdr* m) {
        auto r = parse_diag_message(m, proto);
        EXPECT_TRUE(r.has_value());
        if (r) out.push_back(*r);
    });
    if (result) *result = w;
    return out;
}

const DiagRecord* find_local_port(const std::vector<DiagRecord>& v, std::uint16_t port,
                                  SocketState state) {
    for (const auto& r : v)
        if (r.obs.key.local.port == port && r.obs.state == state) return &r;
    return nullptr;
}
const DiagRecord* find_remote_port(const std::vector<DiagRecord>& v, std::uint16_t port) {
    for (const auto& r : v)
        if (r.obs.key.remote.port == port) return &r;
    return nullptr;
}

IpAddr v4(const char* s) {
    IpAddr a;
    a.family = Family::V4;
    inet_pton(AF_INET, s, a.bytes.data());
    return a;
}

/// Builds one SOCK_DIAG_BY_FAMILY message with optional attributes.
struct Crafted {
    alignas(nlmsghdr) std::uint8_t buf[4096]{};
    nlmsghdr* nlh;
    inet_diag_msg* msg;
    explicit Crafted(std::uint8_t state = 1 /* TCP_ESTABLISHED */, std::uint32_t seq = 7) {
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
        nlh->nlmsg_flags = NLM_F_MULTI;
        nlh->nlmsg_seq = seq;
        msg = static_cast<inet_diag_msg*>(mnl_nlmsg_put_extra_header(nlh, sizeof *msg));
        msg->idiag_family = AF_INET;
        msg->idiag_state = state;
        msg->id.idiag_sport = htons(1234);
        msg->id.idiag_dport = htons(80);
        inet_pton(AF_INET, "10.0.0.1", &msg->id.idiag_src[0]);
        inet_pton(AF_INET, "10.0.0.2", &msg->id.idiag_dst[0]);
        msg->id.idiag_cookie[0] = 0x11223344;
        msg->id.idiag_cookie[1] = 0x55667788;
        msg->idiag_inode = 99;
        msg->idiag_uid = 1000;
    }
    void tcp_info_of_length(std::size_t len, std::uint64_t received, std::uint64_t sent) {
        tcp_info info{};
        info.tcpi_bytes_received = received;
        info.tcpi_bytes_sent = sent;
        info.tcpi_bytes_acked = sent + 1;
        std::vector<std::uint8_t> payload(len, 0);
        std::memcpy(payload.data(), &info, std::min(len, sizeof info));
        mnl_attr_put(nlh, INET_DIAG_INFO, len, payload.data());
    }
    std::span<std::uint8_t> span() { return {buf, nlh->nlmsg_len}; }
};

TEST(SockDiag, RecordedTcp4DumpHasExactPayloadCounters) {
    auto recs = replay("tcp4_dump.bin", Proto::Tcp);
    // Client of 127.0.0.1:5001 sent 1000 and received 2000 bytes.
    const DiagRecord* client = find_remote_port(recs, 5001);
    ASSERT_NE(client, nullptr);
    SocketObs o = client->obs;
    EXPECT_EQ(o.key.proto, Proto::Tcp);
    EXPECT_EQ(o.key.local.addr, v4("127.0.0.1"));
    EXPECT_EQ(o.state, SocketState::Established);
    EXPECT_NE(o.inode, 0u);
    EXPECT_NE(o.cookie, 0u);
    apply_tcp_bytes(o, client->tcp, peer_fin_received(o.state));
    EXPECT_TRUE(o.has_bytes);
    EXPECT_EQ(o.tx_bytes, 1000u);
    EXPECT_EQ(o.rx_bytes, 2000u);
    // bytes_acked counts the active opener's SYN: the reason it is not used for TX.
    EXPECT_EQ(*client->tcp.bytes_acked, 1001u);
}

TEST(SockDiag, RecordedListenerHasNoBytesAndNoRemote) {
    auto recs = replay("tcp4_dump.bin", Proto::Tcp);
    const DiagRecord* l = find_local_port(recs, 5001, SocketState::Listen);
    ASSERT_NE(l, nullptr);
    SocketObs o = l->obs;
    apply_tcp_bytes(o, l->tcp, false);
    EXPECT_FALSE(o.has_bytes);
    EXPECT_EQ(o.key.remote.addr.family, Family::None);
}

TEST(SockDiag, RecordedCloseWaitSubtractsPeerFin) {
    auto recs = replay("tcp4_dump.bin", Proto::Tcp);
    const DiagRecord* s = find_local_port(recs, 5004, SocketState::CloseWait);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(*s->tcp.bytes_received, 501u);  // 500 bytes + the client's FIN
    SocketObs o = s->obs;
    apply_tcp_bytes(o, s->tcp, peer_fin_received(o.state));
    EXPECT_EQ(o.rx_bytes, 500u);
    EXPECT_EQ(o.tx_bytes, 700u);
    const DiagRecord* c = find_remote_port(recs, 5004);
    ASSERT_NE(c, nullptr);
    EXPECT_TRUE(c->obs.state == SocketState::FinWait1 || c->obs.state == SocketState::FinWait2);
    o = c->obs;
    apply_tcp_bytes(o, c->tcp, peer_fin_received(o.state));
    EXPECT_EQ(o.tx_bytes, 500u);  // our FIN is not payload
    EXPECT_EQ(o.rx_bytes, 700u);
}

TEST(SockDiag, RecordedTcp6DumpParsesV6Addresses) {
    auto recs = replay("tcp6_dump.bin", Proto::Tcp);
    const DiagRecord* client = find_remote_port(recs, 5002);
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->obs.key.local.addr.family, Family::V6);
    EXPECT_EQ(client->obs.key.local.addr.bytes[15], 1);  // ::1
    SocketObs o = client->obs;
    apply_tcp_bytes(o, client->tcp, false);
    EXPECT_EQ(o.tx_bytes, 3000u);
    EXPECT_EQ(o.rx_bytes, 4000u);
}

TEST(SockDiag, RecordedUdpDumpHasSocketsWithoutBytes) {
    auto recs = replay("udp4_dump.bin", Proto::Udp);
    const DiagRecord* u = find_local_port(recs, 5003, SocketState::Close);
    ASSERT_NE(u, nullptr);
    EXPECT_EQ(u->obs.key.proto, Proto::Udp);
    EXPECT_FALSE(u->tcp.present);
    SocketObs o = u->obs;
    apply_tcp_bytes(o, u->tcp, false);
    EXPECT_FALSE(o.has_bytes);
}

TEST(SockDiag, RecordedDumpEndsWithDone) {
    WalkResult w;
    replay("tcp4_dump.bin", Proto::Tcp, &w);
    EXPECT_EQ(w.status, WalkResult::Status::Done);
    EXPECT_FALSE(w.interrupted);
}

TEST(SockDiag, CookieIsBothWordsAndFieldsAreDecoded) {
    Crafted c;
    auto r = parse_diag_message(c.nlh, Proto::Tcp);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->obs.cookie, 0x5566778811223344ull);
    EXPECT_EQ(r->obs.inode, 99u);
    EXPECT_EQ(r->obs.uid, 1000u);
    EXPECT_EQ(r->obs.key.local.port, 1234);
    EXPECT_EQ(r->obs.key.remote.port, 80);
    EXPECT_EQ(r->obs.key.remote.addr, v4("10.0.0.2"));
}

TEST(SockDiag, MappedV6AddressBecomesV4) {
    Crafted c;
    c.msg->idiag_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:192.0.2.7", c.msg->id.idiag_src);
    auto r = parse_diag_message(c.nlh, Proto::Tcp);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->obs.key.local.addr, v4("192.0.2.7"));
}

TEST(SockDiag, ShortTcpInfoIsZeroFilledAndLacksNewFields) {
    Crafted c;
    // 120 bytes: older than bytes_acked/bytes_received (offsets 120, 128).
    c.tcp_info_of_length(120, 5, 6);
    auto r = parse_diag_message(c.nlh, Proto::Tcp);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->tcp.present);
    EXPECT_FALSE(r->tcp.bytes_received);
    EXPECT_FALSE(r->tcp.bytes_sent);
    SocketObs o = r->obs;
    apply_tcp_bytes(o, r->tcp, false);
    EXPECT_FALSE(o.has_bytes);
}

TEST(SockDiag, TcpInfoWithoutBytesSentFallsBackToAcked) {
    Crafted c;
    c.tcp_info_of_length(offsetof(tcp_info, tcpi_bytes_sent), 300, 200);  // 4.1..4.18 kernels
    auto r = parse_diag_message(c.nlh, Proto::Tcp);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->tcp.bytes_received);
    EXPECT_FALSE(r->tcp.bytes_sent);
    SocketObs o = r->obs;
    apply_tcp_bytes(o, r->tcp, false);
    EXPECT_TRUE(o.has_bytes);
    EXPECT_EQ(o.rx_bytes, 300u);
    EXPECT_EQ(o.tx_bytes, 201u);  // acked, in ESTABLISHED no FIN to remove
}

TEST(SockDiag, LongerTcpInfoThanHeadersIsAccepted) {
    Crafted c;
    c.tcp_info_of_length(sizeof(tcp_info) + 48, 10, 20);  // newer kernel than our headers
    auto r = parse_diag_message(c.nlh, Proto::Tcp);
    ASSERT_TRUE(r);
    SocketObs o = r->obs;
    apply_tcp_bytes(o, r->tcp, false);
    EXPECT_EQ(o.rx_bytes, 10u);
    EXPECT_EQ(o.tx_bytes, 20u);
}

TEST(SockDiag, RetransmittedBytesAreNotPayload) {
    Crafted c;
    tcp_info info{};
    info.tcpi_bytes_received = 1;
    info.tcpi_bytes_sent = 1500;
    info.tcpi_bytes_retrans = 500;
    mnl_attr_put(c.nlh, INET_DIAG_INFO, sizeof info, &info);
    auto r = parse_diag_message(c.nlh, Proto::Tcp);
    ASSERT_TRUE(r);
    SocketObs o = r->obs;
    apply_tcp_bytes(o, r->tcp, true);
    EXPECT_EQ(o.tx_bytes, 1000u);
    EXPECT_EQ(o.rx_bytes, 0u);  // only the FIN: clamps, never wraps
}

TEST(SockDiag, UnknownAttributeIsIgnored) {
    Crafted c;
    std::uint32_t junk = 0xdeadbeef;
    mnl_attr_put(c.nlh, 200, sizeof junk, &junk);
    c.tcp_info_of_length(sizeof(tcp_info), 42, 43);
    auto r = parse_diag_message(c.nlh, Proto::Tcp);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r->tcp.bytes_received, 42u);
}

TEST(SockDiag, TruncatedAttributeKeepsHeaderAndIsNotRead) {
    Crafted c;
    c.tcp_info_of_length(sizeof(tcp_info), 42, 43);
    // Claim the attribute is longer than the message: it must not be read.
    auto* attr =
        reinterpret_cast<nlattr*>(c.buf + MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(inet_diag_msg)));
    attr->nla_len = static_cast<std::uint16_t>(attr->nla_len + 64);
    auto r = parse_diag_message(c.nlh, Proto::Tcp);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->obs.inode, 99u);
    EXPECT_FALSE(r->tcp.present);
}

TEST(SockDiag, ShortMessageIsRejected) {
    Crafted c;
    c.nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 8;
    EXPECT_FALSE(parse_diag_message(c.nlh, Proto::Tcp));
}

TEST(SockDiag, ProtocolAttributeOverridesHint) {
    Crafted c;
    mnl_attr_put_u8(c.nlh, INET_DIAG_PROTOCOL, IPPROTO_UDP);
    auto r = parse_diag_message(c.nlh, Proto::Unknown);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->obs.key.proto, Proto::Udp);
}

TEST(SockDiag, WrongSequenceIsAnError) {
    Crafted c(1, 8);
    int calls = 0;
    WalkResult w = walk_dump_buffer(c.span(), 7, 0, [&](const nlmsghdr*) { ++calls; });
    EXPECT_EQ(w.status, WalkResult::Status::Error);
    EXPECT_EQ(w.error, EPROTO);
    EXPECT_EQ(calls, 0);
}

TEST(SockDiag, WrongPortIdIsAnError) {
    Crafted c;
    c.nlh->nlmsg_pid = 555;
    WalkResult w = walk_dump_buffer(c.span(), 7, 444, [](const nlmsghdr*) {});
    EXPECT_EQ(w.status, WalkResult::Status::Error);
    EXPECT_EQ(w.error, ESRCH);
}

TEST(SockDiag, DumpInterruptedIsReportedAndMessagesStillDelivered) {
    // Two data messages and DONE, all flagged as the kernel does after an interruption.
    alignas(nlmsghdr) std::uint8_t buf[1024]{};
    Crafted a, b;
    std::size_t off = 0;
    for (Crafted* c : {&a, &b}) {
        c->nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
        std::memcpy(buf + off, c->buf, c->nlh->nlmsg_len);
        off += MNL_ALIGN(c->nlh->nlmsg_len);
    }
    auto* done = reinterpret_cast<nlmsghdr*>(buf + off);
    done->nlmsg_len = MNL_NLMSG_HDRLEN + 4;
    done->nlmsg_type = NLMSG_DONE;
    done->nlmsg_flags = NLM_F_MULTI | NLM_F_DUMP_INTR;
    done->nlmsg_seq = 7;
    off += MNL_ALIGN(done->nlmsg_len);
    int calls = 0;
    WalkResult w = walk_dump_buffer({buf, off}, 7, 0, [&](const nlmsghdr*) { ++calls; });
    EXPECT_TRUE(w.interrupted);
    EXPECT_EQ(w.status, WalkResult::Status::Done);
    EXPECT_EQ(calls, 2);
}

TEST(SockDiag, NlmsgErrorBecomesErrorStatus) {
    alignas(nlmsghdr) std::uint8_t buf[256]{};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = NLMSG_ERROR;
    nlh->nlmsg_seq = 7;
    auto* err = static_cast<nlmsgerr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nlmsgerr)));
    err->error = -ENOENT;
    WalkResult w = walk_dump_buffer({buf, nlh->nlmsg_len}, 7, 0, [](const nlmsghdr*) {});
    EXPECT_EQ(w.status, WalkResult::Status::Error);
    EXPECT_EQ(w.error, ENOENT);
}

TEST(SockDiag, DataWithoutDoneAsksForMore) {
    Crafted c;
    WalkResult w = walk_dump_buffer(c.span(), 7, 0, [](const nlmsghdr*) {});
    EXPECT_EQ(w.status, WalkResult::Status::More);
}

TEST(SockDiag, PeerFinStates) {
    EXPECT_TRUE(peer_fin_received(SocketState::CloseWait));
    EXPECT_TRUE(peer_fin_received(SocketState::LastAck));
    EXPECT_TRUE(peer_fin_received(SocketState::Closing));
    EXPECT_TRUE(peer_fin_received(SocketState::TimeWait));
    EXPECT_FALSE(peer_fin_received(SocketState::Established));
    EXPECT_FALSE(peer_fin_received(SocketState::FinWait2));
    EXPECT_FALSE(peer_fin_received(SocketState::Close));
}

// A dump that resumed by hash bucket may list a socket twice: the first listing stays, the
// later one goes, the order of the rest holds, records before `first` (another source's, or the
// previous dump's) are not compared, and cookieless ones are never merged.
TEST(SockDiag, DuplicateCookiesKeepTheirFirstListing) {
    auto obs = [](std::uint64_t cookie, std::uint64_t mark) {
        SocketObs o;
        o.cookie = cookie;
        o.rx_bytes = mark;
        return o;
    };
    std::vector<SocketObs> live = {obs(5, 100), obs(3, 1), obs(5, 2), obs(0, 3),
                                   obs(0, 4),   obs(3, 5), obs(7, 6), obs(7, 7)};
    EXPECT_EQ(drop_duplicate_cookies(live, 1), 2u);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> got;
    for (const SocketObs& o : live) got.emplace_back(o.cookie, o.rx_bytes);
    const std::vector<std::pair<std::uint64_t, std::uint64_t>> want = {{5, 100}, {3, 1}, {5, 2},
                                                                       {0, 3},   {0, 4}, {7, 6}};
    EXPECT_EQ(got, want);
    EXPECT_EQ(drop_duplicate_cookies(live, 0), 1u);  // now 5 is listed twice from 0 on
    EXPECT_EQ(live.size(), 5u);
    EXPECT_EQ(live[0].rx_bytes, 100u);
}

// The listing skips the remembered FIN only where the state proves there was none; CLOSE and
// an unknown state must ask it (a socket closed after LAST_ACK shows CLOSE).
TEST(SockDiag, PeerFinNotYetOnlyWhereTheStateShowsIt) {
    for (int v = 0; v <= static_cast<int>(SocketState::NewSynRecv); ++v) {
        const auto st = static_cast<SocketState>(v);
        EXPECT_FALSE(peer_fin_not_yet(st) && peer_fin_received(st)) << v;
    }
    for (SocketState st : {SocketState::Established, SocketState::SynSent, SocketState::SynRecv,
                           SocketState::FinWait1, SocketState::FinWait2, SocketState::Listen})
        EXPECT_TRUE(peer_fin_not_yet(st)) << static_cast<int>(st);
    EXPECT_FALSE(peer_fin_not_yet(SocketState::Close));
    EXPECT_FALSE(peer_fin_not_yet(SocketState::Unknown));
}

// Found by fuzz_netlink: libmnl checks lengths as int, so these walked forever or past the end.
TEST(SockDiag, MessageLengthsPastTheBufferOrIntMaxAreRejected) {
    for (std::uint32_t bad : {0xFFFFFFFFu, 0xFFFFFFFDu, 0x80000000u, 8u}) {
        Crafted c;
        const std::size_t real = c.nlh->nlmsg_len;  // what recv() would have returned
        c.nlh->nlmsg_len = bad;
        int calls = 0;
        WalkResult w = walk_dump_buffer(std::span<std::uint8_t>(c.buf, real), 7, 0,
                                        [&](const nlmsghdr*) { ++calls; });
        EXPECT_EQ(w.status, WalkResult::Status::Error) << bad;
        EXPECT_EQ(w.error, EBADMSG) << bad;
        EXPECT_EQ(calls, 0) << bad;
    }
    // And with a buffer as long as the claimed length, the walk still ends.
    static std::uint8_t big[1 << 16];
    auto* nlh = reinterpret_cast<nlmsghdr*>(big);
    nlh->nlmsg_len = 0xFFFFFFFDu;
    WalkResult w =
        walk_dump_buffer(std::span<std::uint8_t>(big, sizeof big), 7, 0, [](const nlmsghdr*) {});
    EXPECT_EQ(w.status, WalkResult::Status::Error);
}

}  // namespace
}  // namespace sstop::plugins::netlink
