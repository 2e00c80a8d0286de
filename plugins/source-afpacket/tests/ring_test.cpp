#include "ring.hpp"

#include <gtest/gtest.h>

#include "afpacket_source.hpp"

namespace sstop::plugins::afpacket {
namespace {

/// Runs a classic BPF program of the shapes `build_filter` emits (ld ifindex, jeq, ret).
std::uint32_t run(const std::vector<sock_filter>& prog, std::uint32_t ifindex) {
    std::uint32_t a = 0;
    for (std::size_t pc = 0; pc < prog.size(); ++pc) {
        const sock_filter& i = prog[pc];
        if (i.code == (BPF_LD | BPF_W | BPF_ABS)) {
            EXPECT_EQ(i.k, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_IFINDEX));
            a = ifindex;
        } else if (i.code == (BPF_JMP | BPF_JEQ | BPF_K)) {
            pc += (a == i.k) ? i.jt : i.jf;
        } else if (i.code == (BPF_RET | BPF_K)) {
            return i.k;
        } else {
            ADD_FAILURE() << "unexpected opcode " << i.code;
            return 0;
        }
    }
    ADD_FAILURE() << "fell off the end";
    return 0;
}

TEST(BuildFilter, AcceptsEveryFrameTruncatedToSnaplen) {
    const auto prog = build_filter(256, {});
    ASSERT_EQ(prog.size(), 1u);
    EXPECT_EQ(run(prog, 3), 256u);
}

TEST(BuildFilter, KeepsOnlyListedInterfaces) {
    const auto prog = build_filter(128, {2, 5, 9});
    EXPECT_EQ(run(prog, 2), 128u);
    EXPECT_EQ(run(prog, 5), 128u);
    EXPECT_EQ(run(prog, 9), 128u);
    EXPECT_EQ(run(prog, 1), 0u);
    EXPECT_EQ(run(prog, 7), 0u);
}

TEST(AfpacketConfig, ReadsTheDeclaredOptions) {
    Options o;
    o.values["snaplen"].i = 512;
    o.values["ring_size_mb"].i = 8;
    o.values["max_flows"].i = 2048;
    o.values["idle_timeout"].i = 5'000'000'000;
    o.values["idle_timeout"].d = 5.0;
    o.values["interfaces"].list = {"eth0", "wg0"};
    const AfpacketConfig c = AfpacketConfig::from_options(o);
    EXPECT_EQ(c.snaplen, 512u);
    EXPECT_EQ(c.ring_bytes, 8u << 20);
    EXPECT_EQ(c.max_flows, 2048u);
    EXPECT_EQ(c.idle_timeout, std::chrono::seconds(5));
    EXPECT_EQ(c.interfaces, (std::vector<std::string>{"eth0", "wg0"}));
}

TEST(AfpacketSource, ProvidesFlowsOnlyAndWantsACaptureThread) {
    AfpacketSource s(AfpacketConfig{});
    EXPECT_EQ(s.capabilities(), static_cast<std::uint32_t>(kProvidesFlows));
    EXPECT_TRUE(s.has_capture_loop());
    Sample sample;
    EXPECT_EQ(s.collect(sample).code, CollectStatus::Code::Failed);  // not open yet
}

}  // namespace
}  // namespace sstop::plugins::afpacket
