// Against the real kernel: sockets this test opens on loopback must come back from
// ProcnetSource with the right ports and states, owned by this process.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstop/unique_fd.hpp>
#include <sstream>
#include <string>

#include "procnet_context.hpp"
#include "procnet_source.hpp"

namespace pn = sstop::plugins::procnet;
using sstop::UniqueFd;

namespace {

std::uint64_t inode_of(int fd) {
    struct stat st {};
    EXPECT_EQ(::fstat(fd, &st), 0);
    return st.st_ino;
}

std::uint16_t local_port(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

// Binds to loopback of `family` on an ephemeral port.
void bind_loopback(int fd, int family) {
    if (family == AF_INET6) {
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_addr = in6addr_loopback;
        ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    } else {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    }
}

void connect_loopback(int fd, int family, std::uint16_t port) {
    if (family == AF_INET6) {
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_addr = in6addr_loopback;
        addr.sin6_port = htons(port);
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    } else {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(port);
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    }
}

std::uint64_t own_start_time() {
    std::ifstream in("/proc/self/stat");
    std::stringstream text;
    text << in.rdbuf();
    std::string stat = text.str();
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 22; ++i) fields >> field;
    return std::stoull(field);
}

struct Expected {
    sstop::Proto proto;
    sstop::SocketState state;
    std::uint16_t local_port;
    std::uint16_t remote_port;  // 0 = no remote
    sstop::Family family;
};

}  // namespace

TEST(ProcnetKernel, AttributesOwnLoopbackSocketsWithPortsAndStates) {
    std::map<std::uint64_t, Expected> expected;
    std::vector<std::unique_ptr<UniqueFd>> keep;

    for (int family : {AF_INET, AF_INET6}) {
        const sstop::Family fam = family == AF_INET ? sstop::Family::V4 : sstop::Family::V6;
        auto listener = std::make_unique<UniqueFd>(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
        ASSERT_GE(listener->get(), 0);
        bind_loopback(listener->get(), family);
        ASSERT_EQ(::listen(listener->get(), 4), 0);
        const std::uint16_t port = local_port(listener->get());

        auto client = std::make_unique<UniqueFd>(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
        connect_loopback(client->get(), family, port);
        auto server =
            std::make_unique<UniqueFd>(::accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC));
        ASSERT_GE(server->get(), 0);
        const std::uint16_t client_port = local_port(client->get());

        expected[inode_of(listener->get())] = {sstop::Proto::Tcp, sstop::SocketState::Listen, port,
                                               0, fam};
        expected[inode_of(client->get())] = {sstop::Proto::Tcp, sstop::SocketState::Established,
                                             client_port, port, fam};
        expected[inode_of(server->get())] = {sstop::Proto::Tcp, sstop::SocketState::Established,
                                             port, client_port, fam};
        keep.push_back(std::move(listener));
        keep.push_back(std::move(client));
        keep.push_back(std::move(server));
    }
    auto udp = std::make_unique<UniqueFd>(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    bind_loopback(udp->get(), AF_INET);
    expected[inode_of(udp->get())] = {sstop::Proto::Udp, sstop::SocketState::Close,
                                      local_port(udp->get()), 0, sstop::Family::V4};
    keep.push_back(std::move(udp));
    ASSERT_EQ(expected.size(), 7u);

    auto context = pn::testing::procnet_context("/proc");
    pn::ProcnetSource source(context);
    ASSERT_NO_THROW(source.open());
    sstop::Sample sample;
    sstop::CollectStatus status = source.collect(sample);
    ASSERT_NE(status.code, sstop::CollectStatus::Code::Failed) << status.message;

    const sstop::ProcessId me{static_cast<std::int32_t>(::getpid()), own_start_time()};
    std::set<std::uint64_t> mine;
    for (const sstop::SocketObs& sock : sample.sockets) {
        if (sock.owner.pid != me.pid) continue;
        mine.insert(sock.inode);
        EXPECT_EQ(sock.owner, me);
        auto it = expected.find(sock.inode);
        ASSERT_NE(it, expected.end())
            << "unexpected socket owned by the test, inode " << sock.inode;
        const Expected& want = it->second;
        EXPECT_EQ(sock.key.proto, want.proto);
        EXPECT_EQ(sock.state, want.state) << "inode " << sock.inode;
        EXPECT_EQ(sock.key.local.port, want.local_port);
        EXPECT_EQ(sock.key.local.addr.family, want.family);
        EXPECT_EQ(sock.key.remote.port, want.remote_port);
        EXPECT_EQ(sock.key.remote.addr.family,
                  want.remote_port == 0 ? sstop::Family::None : want.family);
        EXPECT_EQ(sock.uid, ::getuid());
    }
    std::set<std::uint64_t> want_inodes;
    for (const auto& [inode, _] : expected) want_inodes.insert(inode);
    EXPECT_EQ(mine, want_inodes);

    int listed = 0;
    for (const sstop::ProcessInfo& info : sample.processes) {
        if (info.id != me) continue;
        ++listed;
        EXPECT_EQ(info.uid, ::getuid());
        EXPECT_FALSE(info.name.empty());
        EXPECT_NE(info.cmdline.find("procnet_kernel_test"), std::string::npos);
    }
    EXPECT_EQ(listed, 1);

    bool has_lo = false;
    for (const auto& obs : sample.interfaces) {
        if (obs.name == "lo") {
            has_lo = true;
            EXPECT_TRUE(obs.up);
            EXPECT_GT(obs.rx_bytes, 0u);
        }
    }
    EXPECT_TRUE(has_lo);
}
