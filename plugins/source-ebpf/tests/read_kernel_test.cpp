// source-ebpf against the real kernel (root): the sockets that moved bytes since the last
// update are read back with their exact counters, in place from the mapped records; final
// records give their slots back, in batches through `sstop_free` and, as kernels before 5.14
// do it, one syscall each (`OneByOne` also walks the map key by key). Traffic: loopback
// datagrams and connections of this process.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ebpf_source.hpp"

namespace sstop::plugins::ebpf {
namespace {

std::uint64_t counter(const Sample& s, const std::string& name) {
    for (const SourceCounter& c : s.counters)
        if (c.name == name) return c.value;
    ADD_FAILURE() << "no counter " << name;
    return 0;
}

std::uint64_t cookie_of(int fd) {
    std::uint64_t cookie = 0;
    socklen_t len = sizeof cookie;
    return getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len) == 0 ? cookie : 0;
}

class EbpfReadKernel : public ::testing::TestWithParam<bool> {};

// UDP senders on loopback, each with its own datagram size and count, and a sink that drains
// them: `sent` holds each sender's payload bytes by cookie.
class LoopbackSenders {
  public:
    LoopbackSenders() {
        sink_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        at_.sin_family = AF_INET;
        at_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof at_;
        ok_ = sink_ >= 0 && bind(sink_, reinterpret_cast<sockaddr*>(&at_), sizeof at_) == 0 &&
              getsockname(sink_, reinterpret_cast<sockaddr*>(&at_), &len) == 0;
    }
    ~LoopbackSenders() {
        for (int fd : fds)
            if (fd >= 0) close(fd);
        if (sink_ >= 0) close(sink_);
    }
    bool ok() const { return ok_; }

    // A new sender that sends `count` datagrams of `size` bytes; false (with why) if not.
    ::testing::AssertionResult add(std::size_t size, int count) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return ::testing::AssertionFailure() << "socket: " << std::strerror(errno);
        fds.push_back(fd);
        std::vector<char> buf(size, 's');
        for (int k = 0; k < count; ++k)
            if (sendto(fd, buf.data(), size, 0, reinterpret_cast<sockaddr*>(&at_), sizeof at_) !=
                static_cast<ssize_t>(size))
                return ::testing::AssertionFailure() << "sendto: " << std::strerror(errno);
        const std::uint64_t cookie = cookie_of(fd);
        if (cookie == 0) return ::testing::AssertionFailure() << "no SO_COOKIE";
        sent[cookie] = size * static_cast<std::uint64_t>(count);
        drain();
        return ::testing::AssertionSuccess();
    }

    // One more datagram of `size` bytes from sender `i`.
    ::testing::AssertionResult send_again(std::size_t i, std::size_t size) {
        std::vector<char> buf(size, 'a');
        if (sendto(fds[i], buf.data(), size, 0, reinterpret_cast<sockaddr*>(&at_), sizeof at_) !=
            static_cast<ssize_t>(size))
            return ::testing::AssertionFailure() << "sendto: " << std::strerror(errno);
        sent[cookie_of(fds[i])] += size;
        drain();
        return ::testing::AssertionSuccess();
    }

    std::vector<int> fds;                         // -1 once closed
    std::map<std::uint64_t, std::uint64_t> sent;  // cookie → payload bytes

  private:
    void drain() {
        char buf[2048];
        while (recv(sink_, buf, sizeof buf, MSG_DONTWAIT) > 0) {
        }
    }
    int sink_ = -1;
    sockaddr_in at_{};
    bool ok_ = false;
};

// An opened source reading in batches or one lookup each.
// TCP connections over loopback: each a client and the server end accept() gave it. Closed
// by the destructor, each pair client first.
class LoopbackConnections {
  public:
    ~LoopbackConnections() { close_all(); }

    ::testing::AssertionResult open(int count) {
        listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        at_.sin_family = AF_INET;
        at_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof at_;
        if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&at_), sizeof at_) != 0 ||
            getsockname(listener_, reinterpret_cast<sockaddr*>(&at_), &len) != 0 ||
            listen(listener_, count) != 0)
            return ::testing::AssertionFailure() << "listener: " << std::strerror(errno);
        for (int i = 0; i < count; ++i) {
            int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (c < 0) return ::testing::AssertionFailure() << "socket: " << std::strerror(errno);
            clients.push_back(c);
            if (connect(c, reinterpret_cast<sockaddr*>(&at_), sizeof at_) != 0)
                return ::testing::AssertionFailure() << "connect: " << std::strerror(errno);
            int s = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (s < 0) return ::testing::AssertionFailure() << "accept: " << std::strerror(errno);
            servers.push_back(s);
        }
        return ::testing::AssertionSuccess();
    }

    // Client `i` sends `size` bytes; server `i` reads them all.
    ::testing::AssertionResult transfer(std::size_t i, std::size_t size) {
        std::vector<char> buf(size, 't');
        if (send(clients[i], buf.data(), size, 0) != static_cast<ssize_t>(size))
            return ::testing::AssertionFailure() << "send: " << std::strerror(errno);
        for (std::size_t got = 0; got < size;) {
            ssize_t n = recv(servers[i], buf.data(), size - got, 0);
            if (n <= 0) return ::testing::AssertionFailure() << "recv: " << std::strerror(errno);
            got += static_cast<std::size_t>(n);
        }
        return ::testing::AssertionSuccess();
    }

    void close_all() {
        for (std::size_t i = 0; i < clients.size(); ++i) {
            close(clients[i]);
            if (i < servers.size()) close(servers[i]);
        }
        clients.clear();
        servers.clear();
        if (listener_ >= 0) close(listener_);
        listener_ = -1;
    }

    std::uint16_t port() const { return ntohs(at_.sin_port); }

    std::vector<int> clients, servers;

  private:
    int listener_ = -1;
    sockaddr_in at_{};
};

std::unique_ptr<EbpfSource> open_source(bool batched, std::size_t max_sockets = 65536,
                                        std::size_t ring_bytes = 512 * 1024) {
    EbpfSettings settings;
    settings.batched_reads = batched;
    settings.max_sockets = max_sockets;
    settings.ring_bytes = ring_bytes;
    settings.namespaces = "all";
    auto source = std::make_unique<EbpfSource>(settings);
    source->open();
    return source;
}

// 600 senders, each sending its own number of datagrams of its own size: every sender's
// record carries exactly its bytes, in the update after, read from the mapping without a
// syscall. Every third sender is closed before that update: its final record has the same
// bytes and comes once (its slot, given back, matches nothing when read again).
TEST_P(EbpfReadKernel, ChangedSocketsAreReadWithTheirExactBytes) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)";
    const bool batched = GetParam();
    std::unique_ptr<EbpfSource> source;
    ASSERT_NO_THROW(source = open_source(batched));
    Sample first;
    ASSERT_NE(source->collect(first).code, CollectStatus::Code::Failed);
    // The first update reads the whole map: in batch lookups, or key by key.
    if (batched) {
        EXPECT_GE(counter(first, "batch_reads"), 1u);
        EXPECT_EQ(counter(first, "lookups"), 0u);
    } else {
        EXPECT_EQ(counter(first, "batch_reads"), 0u);
    }

    constexpr int kSenders = 600;
    LoopbackSenders senders;
    ASSERT_TRUE(senders.ok());
    for (int i = 0; i < kSenders; ++i)
        ASSERT_TRUE(senders.add(100 + static_cast<std::size_t>(i), 1 + i % 4)) << "sender " << i;
    std::vector<int>& fds = senders.fds;
    const auto& sent = senders.sent;

    std::map<std::uint64_t, bool> closed_early;  // cookie → closed before the update
    for (int i = 0; i < kSenders; ++i) {
        const std::uint64_t cookie = cookie_of(fds[static_cast<std::size_t>(i)]);
        closed_early[cookie] = i % 3 == 0;
        if (i % 3 == 0) {
            close(fds[static_cast<std::size_t>(i)]);
            fds[static_cast<std::size_t>(i)] = -1;
        }
    }

    Sample next;
    ASSERT_NE(source->collect(next).code, CollectStatus::Code::Failed);
    std::size_t found = 0, finals = 0;
    for (const SocketObs& s : next.sockets) {
        auto it = sent.find(s.cookie);
        if (it == sent.end()) continue;
        ++found;
        EXPECT_TRUE(s.has_bytes);
        EXPECT_EQ(s.tx_bytes, it->second) << "cookie " << s.cookie;
        EXPECT_EQ(s.rx_bytes, 0u) << "cookie " << s.cookie;
        EXPECT_EQ(s.closed, closed_early[s.cookie]) << "cookie " << s.cookie;
        finals += s.closed ? 1 : 0;
    }
    EXPECT_EQ(found, sent.size()) << "senders read back, each once";
    EXPECT_EQ(finals, static_cast<std::size_t>(kSenders / 3)) << "final records";
    // The next update re-reads this one's changed sockets: the closed ones are gone.
    Sample after;
    ASSERT_NE(source->collect(after).code, CollectStatus::Code::Failed);
    for (const SocketObs& s : after.sockets) {
        auto it = closed_early.find(s.cookie);
        if (it != closed_early.end()) {
            EXPECT_FALSE(it->second) << "final record of " << s.cookie << " read twice";
        }
    }
    EXPECT_EQ(counter(next, "full_walks"), 1u) << "only the first update read the whole map";
    // The changed sockets were read in place: no lookup, no batch, nothing walked.
    EXPECT_EQ(counter(next, "lookups"), counter(first, "lookups"));
    EXPECT_EQ(counter(next, "batch_reads"), counter(first, "batch_reads"));
    // The 200 final records' slots went back in the update after: one `sstop_free` run.
    if (batched)
        EXPECT_GE(counter(after, "batch_reads"), counter(next, "batch_reads") + 1);
    else
        EXPECT_EQ(counter(after, "batch_reads"), 0u);
    EXPECT_EQ(counter(after, "slots_lost"), 0u);

    // The open senders send once more: each is read again, with exactly its bytes so far.
    std::size_t open = 0;
    for (std::size_t i = 0; i < fds.size(); ++i) {
        if (fds[i] < 0) continue;
        ASSERT_TRUE(senders.send_again(i, 7 + i % 5)) << "sender " << i;
        ++open;
    }
    Sample again;
    ASSERT_NE(source->collect(again).code, CollectStatus::Code::Failed);
    std::size_t found_again = 0;
    for (const SocketObs& s : again.sockets) {
        auto it = sent.find(s.cookie);
        if (it == sent.end()) continue;
        ++found_again;
        EXPECT_FALSE(s.closed) << "cookie " << s.cookie;
        EXPECT_EQ(s.tx_bytes, it->second) << "cookie " << s.cookie;
        EXPECT_NE(s.owner.pid, 0) << "cookie " << s.cookie;
        EXPECT_NE(s.key.local.port, 0) << "cookie " << s.cookie;
    }
    EXPECT_EQ(found_again, open) << "every open sender read again, once";
}

// TCP connections whose records carry owner, namespace, inode and tuple: once the source has
// taken a record (it marks it `seen`), the next reads take it without its own lookup of the
// cookie (`settled`), and the bytes stay exact through that path. `older`: the connections
// exist and moved bytes before the source opened (listed at start; their records get an
// owner from their first send or receive after it).
void settled_case(bool batched, bool older) {
    std::unique_ptr<EbpfSource> source;
    if (!older) {
        ASSERT_NO_THROW(source = open_source(batched));
    }
    constexpr int kConns = 40;
    LoopbackConnections conns;
    ASSERT_TRUE(conns.open(kConns));
    std::map<std::uint64_t, std::uint64_t> sent;  // client cookie → payload bytes
    for (int c : conns.clients) sent[cookie_of(c)] = 0;
    // One round: each client sends its own size, each server reads all of it back.
    auto round = [&](std::size_t base) {
        for (std::size_t i = 0; i < conns.clients.size(); ++i) {
            ASSERT_TRUE(conns.transfer(i, base + i)) << "connection " << i;
            sent[cookie_of(conns.clients[i])] += base + i;
        }
    };
    auto check = [&](const Sample& s, const char* when) {
        std::size_t found = 0;
        for (const SocketObs& o : s.sockets) {
            auto it = sent.find(o.cookie);
            if (it == sent.end()) continue;
            ++found;
            EXPECT_EQ(o.tx_bytes, it->second) << when << ", cookie " << o.cookie;
            EXPECT_EQ(o.owner.pid, getpid()) << when;
            EXPECT_NE(o.inode, 0u) << when;
            EXPECT_EQ(o.key.remote.port, conns.port()) << when;
        }
        EXPECT_EQ(found, sent.size()) << when << ": every client once";
    };
    Sample first, next, again;
    if (older) {
        round(500);
        ASSERT_NO_THROW(source = open_source(batched));
        ASSERT_NE(source->collect(first).code, CollectStatus::Code::Failed);  // the listing
        check(first, "listed");
        first = Sample{};
    }
    round(1000);
    ASSERT_NE(source->collect(first).code, CollectStatus::Code::Failed);  // the whole map
    check(first, "first");
    round(2000);
    ASSERT_NE(source->collect(next).code, CollectStatus::Code::Failed);  // handed over
    check(next, "next");
    round(3000);
    ASSERT_NE(source->collect(again).code, CollectStatus::Code::Failed);  // settled
    check(again, "again");
    EXPECT_GE(counter(again, "settled") - counter(next, "settled"),
              static_cast<std::uint64_t>(kConns));
}

TEST_P(EbpfReadKernel, RecordsHandedOverBeforeSkipTheCookieLookupWithExactBytes) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)";
    settled_case(GetParam(), false);
}

TEST_P(EbpfReadKernel, OlderConnectionsSkipTheCookieLookupTooWithExactBytes) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)";
    settled_case(GetParam(), true);
}

// The first update reads the whole map. 1,500 senders that moved bytes before it (more than
// a batch of 1,024): each is there once, with exactly its bytes.
TEST_P(EbpfReadKernel, WholeMapReadAtTheFirstUpdateHasEveryRecordOnce) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)";
    const bool batched = GetParam();
    std::unique_ptr<EbpfSource> source;
    ASSERT_NO_THROW(source = open_source(batched));
    constexpr int kSenders = 1500;
    LoopbackSenders senders;
    ASSERT_TRUE(senders.ok());
    for (int i = 0; i < kSenders; ++i)
        ASSERT_TRUE(senders.add(50 + static_cast<std::size_t>(i % 500), 1 + i % 3))
            << "sender " << i;
    const auto& sent = senders.sent;

    Sample first;
    ASSERT_NE(source->collect(first).code, CollectStatus::Code::Failed);
    std::map<std::uint64_t, int> seen;
    for (const SocketObs& s : first.sockets) {
        auto it = sent.find(s.cookie);
        if (it == sent.end()) continue;
        ++seen[s.cookie];
        EXPECT_EQ(s.tx_bytes, it->second) << "cookie " << s.cookie;
    }
    EXPECT_EQ(seen.size(), sent.size()) << "senders in the first update";
    for (const auto& [cookie, n] : seen) EXPECT_EQ(n, 1) << "cookie " << cookie << " listed twice";
    if (batched) {
        EXPECT_GE(counter(first, "batch_reads"), 2u) << "more records than one batch";
        EXPECT_EQ(counter(first, "lookups"), 0u);
    } else {
        EXPECT_EQ(counter(first, "batch_reads"), 0u);
        EXPECT_GE(counter(first, "lookups"), sent.size());
    }
}

// Idle connections older than sstop, closed while it runs: nothing of ours saw them move, so
// each end is told gone by sock_release, and reaches CLOSE with no process holding it. Each
// end is final once, and never carries its whole life's bytes as new (a record made at
// CLOSE would); the next updates say nothing more of them.
TEST_P(EbpfReadKernel, IdleOlderConnectionsClosedAreFinalOnceWithoutTheirBytesAgain) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)";
    constexpr int kConns = 20;
    LoopbackConnections conns;
    ASSERT_TRUE(conns.open(kConns));
    std::map<std::uint64_t, int> finals;  // cookie of either end → final records seen
    for (std::size_t i = 0; i < conns.clients.size(); ++i) {
        ASSERT_TRUE(conns.transfer(i, 3000)) << "connection " << i;
        finals[cookie_of(conns.clients[i])] = 0;
        finals[cookie_of(conns.servers[i])] = 0;
    }
    std::unique_ptr<EbpfSource> source;
    ASSERT_NO_THROW(source = open_source(GetParam()));
    Sample listing;
    ASSERT_NE(source->collect(listing).code, CollectStatus::Code::Failed);
    std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> listed;  // tx, rx
    for (const SocketObs& o : listing.sockets)
        if (finals.count(o.cookie)) listed[o.cookie] = {o.tx_bytes, o.rx_bytes};
    EXPECT_EQ(listed.size(), finals.size()) << "both ends of every connection listed at start";
    conns.close_all();  // each pair client first: both ends go through FIN to CLOSE
    for (int update = 0; update < 3; ++update) {
        Sample s;
        ASSERT_NE(source->collect(s).code, CollectStatus::Code::Failed);
        for (const SocketObs& o : s.sockets) {
            auto it = finals.find(o.cookie);
            if (it == finals.end()) continue;
            EXPECT_TRUE(o.closed) << "update " << update << ", cookie " << o.cookie;
            EXPECT_EQ(o.tx_bytes, listed[o.cookie].first)
                << "update " << update << ", cookie " << o.cookie;
            EXPECT_EQ(o.rx_bytes, listed[o.cookie].second)
                << "update " << update << ", cookie " << o.cookie;
            ++it->second;
        }
    }
    for (const auto& [cookie, n] : finals) EXPECT_EQ(n, 1) << "final records of " << cookie;
}

// Slots go back and are taken again: with 8,192 slots, ten rounds of 1,000 sockets that each
// send and close (10,000 sockets) are all read, each once, with its exact bytes: every one
// had a record, so slots of the earlier rounds' finals were taken again. (The records are
// machine-wide: the slots leave room for the sockets of other tests running beside this one,
// and of the machine.)
TEST_P(EbpfReadKernel, SlotsOfClosedSocketsAreTakenAgainWithExactBytes) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)";
    const bool batched = GetParam();
    std::unique_ptr<EbpfSource> source;
    ASSERT_NO_THROW(source = open_source(batched, 8192));
    Sample first;
    ASSERT_NE(source->collect(first).code, CollectStatus::Code::Failed);
    std::size_t finals = 0;
    constexpr int kRounds = 10;
    constexpr int kSenders = 1000;
    for (int round = 0; round < kRounds; ++round) {
        LoopbackSenders senders;
        ASSERT_TRUE(senders.ok());
        for (int i = 0; i < kSenders; ++i)
            ASSERT_TRUE(senders.add(60 + static_cast<std::size_t>(i % 500), 1 + i % 2))
                << "round " << round << ", sender " << i;
        const auto sent = senders.sent;
        for (int& fd : senders.fds) {
            close(fd);
            fd = -1;
        }
        // The finals are read in this update; their slots go back in the next.
        for (int update = 0; update < 2; ++update) {
            Sample s;
            ASSERT_NE(source->collect(s).code, CollectStatus::Code::Failed);
            for (const SocketObs& o : s.sockets) {
                auto it = sent.find(o.cookie);
                if (it == sent.end()) continue;
                EXPECT_TRUE(o.closed) << "round " << round;
                EXPECT_EQ(o.tx_bytes, it->second) << "round " << round << ", cookie " << o.cookie;
                ++finals;
            }
            EXPECT_EQ(counter(s, "slots_lost"), 0u);
        }
    }
    EXPECT_EQ(finals, static_cast<std::size_t>(kRounds * kSenders)) << "each final once";
}

// A ring too small for an update's notices (16 KiB: about 680) overflows: the update reads
// every socket in `socks` instead, and still has every sender once with exactly its bytes,
// the closed ones (their final records kept in `socks` when their notice did not fit) final
// once; they are not read again in the next update, and every slot goes back.
TEST_P(EbpfReadKernel, RingOverflowReadsEverySocketWithExactBytes) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)";
    std::unique_ptr<EbpfSource> source;
    ASSERT_NO_THROW(source = open_source(GetParam(), 65536, 16 * 1024));
    Sample first;
    ASSERT_NE(source->collect(first).code, CollectStatus::Code::Failed);
    constexpr int kSenders = 1500;
    LoopbackSenders senders;
    ASSERT_TRUE(senders.ok());
    for (int i = 0; i < kSenders; ++i)
        ASSERT_TRUE(senders.add(80 + static_cast<std::size_t>(i % 300), 1 + i % 3))
            << "sender " << i;
    std::map<std::uint64_t, bool> closed_early;
    for (std::size_t i = 0; i < senders.fds.size(); ++i) {
        closed_early[cookie_of(senders.fds[i])] = i % 3 == 0;
        if (i % 3 == 0) {
            close(senders.fds[i]);
            senders.fds[i] = -1;
        }
    }
    EXPECT_GT(source->kernel_counters().dirty_lost, 0u) << "the ring overflowed";
    Sample next;
    ASSERT_NE(source->collect(next).code, CollectStatus::Code::Failed);
    EXPECT_EQ(counter(next, "full_walks"), counter(first, "full_walks") + 1);
    std::map<std::uint64_t, int> seen;
    for (const SocketObs& s : next.sockets) {
        auto it = senders.sent.find(s.cookie);
        if (it == senders.sent.end()) continue;
        ++seen[s.cookie];
        EXPECT_EQ(s.tx_bytes, it->second) << "cookie " << s.cookie;
        EXPECT_EQ(s.closed, closed_early[s.cookie]) << "cookie " << s.cookie;
    }
    EXPECT_EQ(seen.size(), senders.sent.size()) << "every sender read";
    for (const auto& [cookie, n] : seen) EXPECT_EQ(n, 1) << "cookie " << cookie << " read twice";
    Sample after;
    ASSERT_NE(source->collect(after).code, CollectStatus::Code::Failed);
    for (const SocketObs& s : after.sockets) {
        if (closed_early.count(s.cookie)) {
            EXPECT_FALSE(closed_early[s.cookie]) << "final record of " << s.cookie << " again";
        }
    }
    EXPECT_EQ(counter(after, "slots_lost"), 0u);
}

// More sockets than slots: the ones without a record are counted (ebpf.map_full), and an
// update that turned more away says so, degraded (the host logs the same message once);
// every sender that has a record is read with exactly its bytes (none gets another's slot
// or a wrong count).
TEST_P(EbpfReadKernel, FullSlotsAreCountedAndSaidAndNoCountIsWrong) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)";
    std::unique_ptr<EbpfSource> source;
    ASSERT_NO_THROW(source = open_source(GetParam(), 1024));
    Sample first;
    ASSERT_NE(source->collect(first).code, CollectStatus::Code::Failed);
    LoopbackSenders senders;
    ASSERT_TRUE(senders.ok());
    for (int i = 0; i < 1500; ++i)
        ASSERT_TRUE(senders.add(90 + static_cast<std::size_t>(i % 200), 1)) << "sender " << i;
    Sample next;
    const CollectStatus st = source->collect(next);
    EXPECT_EQ(st.code, CollectStatus::Code::Degraded);
    EXPECT_NE(st.message.find("socket map is full (max_sockets 1024)"), std::string::npos)
        << st.message;
    EXPECT_GE(counter(next, "map_full"), 1500u - 1024u);
    std::size_t read = 0;
    for (const SocketObs& s : next.sockets) {
        auto it = senders.sent.find(s.cookie);
        if (it == senders.sent.end()) continue;
        ++read;
        EXPECT_EQ(s.tx_bytes, it->second) << "cookie " << s.cookie;
    }
    EXPECT_GT(read, 0u);
    EXPECT_LE(read, 1024u);
    // Said when more were turned away: an update whose count (taken as it starts) is the
    // previous update's does not say it again.
    Sample again;
    const CollectStatus st2 = source->collect(again);
    if (counter(again, "map_full") == counter(next, "map_full")) {
        EXPECT_EQ(st2.message.find("socket map is full"), std::string::npos) << st2.message;
    } else {
        EXPECT_NE(st2.message.find("socket map is full"), std::string::npos) << st2.message;
    }
}

INSTANTIATE_TEST_SUITE_P(Reads, EbpfReadKernel, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Batched" : "OneByOne"; });

}  // namespace
}  // namespace sstop::plugins::ebpf
