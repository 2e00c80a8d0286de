// The SDK's helpers and contract, as a third-party plugin sees them.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <sstop/abi_check.hpp>
#include <sstop/format.hpp>
#include <sstop/plugin.hpp>
#include <sstop/source.hpp>
#include <sstop/unique_fd.hpp>

namespace {

sstop::IpAddr v6(std::initializer_list<std::uint16_t> words) {
    sstop::IpAddr a;
    a.family = sstop::Family::V6;
    int i = 0;
    for (auto w : words) {
        a.bytes[2 * i] = static_cast<std::uint8_t>(w >> 8);
        a.bytes[2 * i + 1] = static_cast<std::uint8_t>(w);
        ++i;
    }
    return a;
}

TEST(Format, Ipv6FollowsRfc5952) {
    EXPECT_EQ(sstop::format_addr(v6({0, 0, 0, 0, 0, 0, 0, 1})), "::1");
    EXPECT_EQ(sstop::format_addr(v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1})), "2001:db8::1");
    EXPECT_EQ(sstop::format_addr(v6({0x2001, 0xdb8, 0, 1, 0, 0, 0, 1})), "2001:db8:0:1::1");
    EXPECT_EQ(sstop::format_addr(v6({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1})), "2001:db8::1:0:0:1");
    EXPECT_EQ(sstop::format_addr(v6({0xfe80, 0, 0, 0, 0, 0, 0, 0})), "fe80::");
    EXPECT_EQ(sstop::format_addr(v6({0, 0, 0, 0, 0, 0, 0, 0})), "::");
    EXPECT_EQ(sstop::format_addr(v6({1, 0, 2, 0, 3, 0, 4, 0})), "1:0:2:0:3:0:4:0");
}

// Against the C library's inet_ntop (RFC 5952 too), over addresses from a seeded generator
// with many zero words; IPv4-mapped and -compatible forms are left out: inet_ntop writes
// their last 32 bits as a dotted quad, sstop keeps plain hex words.
TEST(Format, AddressesAgreeWithInetNtop) {
    std::mt19937 rng(5952);
    char expected[INET6_ADDRSTRLEN];
    for (int round = 0; round < 20000; ++round) {
        sstop::IpAddr a;
        a.family = sstop::Family::V6;
        for (int i = 0; i < 8; ++i) {
            const unsigned r = rng();
            const std::uint16_t w = (r & 3) == 0   ? static_cast<std::uint16_t>(r >> 16)
                                    : (r & 3) == 1 ? static_cast<std::uint16_t>(r >> 28)
                                                   : 0;
            a.bytes[2 * i] = static_cast<std::uint8_t>(w >> 8);
            a.bytes[2 * i + 1] = static_cast<std::uint8_t>(w);
        }
        bool first_80_zero = true;
        for (int i = 0; i < 10; ++i) first_80_zero &= a.bytes[i] == 0;
        if (first_80_zero) continue;  // ::ffff:a.b.c.d and ::a.b.c.d
        ASSERT_NE(inet_ntop(AF_INET6, a.bytes.data(), expected, sizeof expected), nullptr);
        ASSERT_EQ(sstop::format_addr(a), expected) << round;
        char buf[sstop::kAddrTextMax];
        ASSERT_EQ(std::string(buf, sstop::format_addr_to(a, buf)), expected);
    }
    for (int round = 0; round < 2000; ++round) {
        sstop::IpAddr a;
        a.family = sstop::Family::V4;
        const unsigned r = rng();
        std::memcpy(a.bytes.data(), &r, 4);
        ASSERT_NE(inet_ntop(AF_INET, a.bytes.data(), expected, sizeof expected), nullptr);
        ASSERT_EQ(sstop::format_addr(a), expected);
    }
}

TEST(Format, EndpointsAndUnsetAddresses) {
    sstop::Endpoint e;
    e.addr.family = sstop::Family::V4;
    e.addr.bytes[0] = 127, e.addr.bytes[3] = 1;
    e.port = 8080;
    EXPECT_EQ(sstop::format_endpoint(e), "127.0.0.1:8080");
    sstop::Endpoint six{v6({0, 0, 0, 0, 0, 0, 0, 1}), 443};
    EXPECT_EQ(sstop::format_endpoint(six), "[::1]:443");
    EXPECT_EQ(sstop::format_addr(sstop::IpAddr{}), "*");
}

TEST(Format, BytesRatesAndAges) {
    EXPECT_EQ(sstop::format_bytes(0), "0 B");
    EXPECT_EQ(sstop::format_bytes(1023), "1023 B");
    EXPECT_EQ(sstop::format_bytes(1024), "1.00 KiB");
    EXPECT_EQ(sstop::format_bytes(1536 * 1024), "1.50 MiB");
    EXPECT_EQ(sstop::format_bytes(200.0 * 1024 * 1024 * 1024), "200 GiB");
    EXPECT_EQ(sstop::format_rate(-5), "0 B/s");
    EXPECT_EQ(sstop::format_age(45), "45s");
    EXPECT_EQ(sstop::format_age(192), "3m12s");
    EXPECT_EQ(sstop::format_age(7500), "2h5m");
    EXPECT_EQ(sstop::format_age(100800), "1d4h");
}

TEST(Format, SparklineScalesToTheLargestValue) {
    EXPECT_EQ(sstop::sparkline({0, 4, 8}, 3, false), " =@");
    EXPECT_EQ(sstop::sparkline({8}, 3, false), "  @") << "right-aligned, padded";
    EXPECT_EQ(sstop::sparkline({0, 8}, 2, true), " █");
    EXPECT_EQ(sstop::sparkline({1, 1000}, 2, false), ".@") << "a small non-zero value shows";
}

TEST(Options, AccessorsAndUndeclaredKeys) {
    sstop::Options o;
    sstop::OptionValue v;
    v.type = SSTOP_OPTION_DURATION;
    v.i = 1500000000;
    v.d = 1.5;
    o.values["timeout"] = v;
    EXPECT_DOUBLE_EQ(o.get_seconds("timeout"), 1.5);
    EXPECT_THROW(o.get_bool("nope"), sstop::OptionError);
}

struct Fixture : sstop::Source {
    explicit Fixture(sstop::PluginContext&) {}
    std::uint32_t capabilities() const override { return sstop::kProvidesSockets; }
    sstop::CollectStatus collect(sstop::Sample&) override { return {}; }
};

// Open means fcntl(F_GETFD) succeeds on the number.
bool fd_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(UniqueFd, ClosesOnDestructionResetAndMoveButNotAfterRelease) {
    int raw = -1;
    {
        sstop::UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        ASSERT_TRUE(fd.valid());
        raw = fd.get();
        EXPECT_TRUE(fd_open(raw));
    }
    EXPECT_FALSE(fd_open(raw)) << "not closed on destruction";

    sstop::UniqueFd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    const int first = a.get();
    a.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    EXPECT_FALSE(fd_open(first)) << "reset did not close the old descriptor";
    ASSERT_TRUE(a.valid());

    sstop::UniqueFd b(std::move(a));
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty
    ASSERT_TRUE(b.valid());
    sstop::UniqueFd c(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    const int overwritten = c.get();
    c = std::move(b);
    EXPECT_FALSE(fd_open(overwritten)) << "move assignment did not close the target's descriptor";
    EXPECT_TRUE(fd_open(c.get()));

    const int kept = c.release();
    EXPECT_FALSE(c.valid());
    EXPECT_TRUE(fd_open(kept)) << "release closed the descriptor";
    ::close(kept);
}

}  // namespace

static const sstop_option_v1 kOptions[] = {
    {"enabled", SSTOP_OPTION_BOOL, "true", 0, 0, "turns it on"}};
SSTOP_REGISTER_SOURCE(Fixture, "fixture", "1.2.3", "a test source", sstop::option_list(kOptions))

TEST(Descriptor, RegistrationMacroFillsEveryField) {
    const sstop_plugin_descriptor_v1* d = sstop_plugin_v1();
    EXPECT_EQ(d->struct_size, sizeof(sstop_plugin_descriptor_v1));
    EXPECT_EQ(d->abi_major, SSTOP_ABI_MAJOR);
    EXPECT_EQ(d->abi_minor, SSTOP_ABI_MINOR);
    EXPECT_EQ(d->kind, static_cast<std::uint32_t>(sstop::PluginKind::Source));
    EXPECT_STREQ(d->id, "fixture");
    EXPECT_STREQ(d->version, "1.2.3");
    EXPECT_STREQ(d->build_key, SSTOP_BUILD_KEY);
    ASSERT_EQ(d->option_count, 1u);
    EXPECT_STREQ(d->options[0].key, "enabled");
    EXPECT_NE(d->create, nullptr);
}

TEST(Descriptor, BuildKeyNamesCompilerLibraryAndStandard) {
    std::string key = SSTOP_BUILD_KEY;
    EXPECT_NE(key.find("c++2020"), std::string::npos) << key;
    EXPECT_TRUE(key.find("libstdc++-") != std::string::npos ||
                key.find("libc++-") != std::string::npos)
        << key;
}

TEST(Model, StateNamesMatchSs) {
    EXPECT_STREQ(sstop::state_name(sstop::SocketState::Established, sstop::Proto::Tcp), "ESTAB");
    EXPECT_STREQ(sstop::state_name(sstop::SocketState::Close, sstop::Proto::Udp), "UNCONN");
    EXPECT_STREQ(sstop::state_name(sstop::SocketState::Listen, sstop::Proto::Tcp), "LISTEN");
}
