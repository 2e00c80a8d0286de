// Loads the built netlink.so like the host does and drives it through its descriptor.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fake_context.hpp>
#include <memory>
#include <sstop/plugin.hpp>
#include <sstop/source.hpp>
#include <string>
#include <thread>

namespace {

struct Library {
    void* handle = dlopen(SSTOP_BINARY_DIR "/lib/sstop/plugins/netlink.so", RTLD_NOW | RTLD_LOCAL);
    ~Library() {
        if (handle) dlclose(handle);
    }
};

// The shared test context with every option the netlink source reads.
sstop::testing::FakeContext netlink_context(bool destroy_events, bool trace_connects) {
    sstop::Options options;
    options.values["proc_root"] = sstop::testing::string_option("/proc");
    options.values["destroy_events"] = sstop::testing::bool_option(destroy_events);
    options.values["rcvbuf"] = sstop::testing::int_option(65536);
    options.values["trace_connects"] = sstop::testing::bool_option(trace_connects);
    options.values["namespaces"] = sstop::testing::string_option("own");
    return sstop::testing::FakeContext("netlink", std::move(options));
}

const sstop_plugin_descriptor_v1* descriptor(const Library& lib) {
    auto fn = reinterpret_cast<sstop_plugin_v1_fn>(dlsym(lib.handle, SSTOP_PLUGIN_ENTRY_NAME));
    return fn ? fn() : nullptr;
}

TEST(NetlinkPlugin, DescriptorDeclaresIdKindAndOptions) {
    Library lib;
    ASSERT_NE(lib.handle, nullptr) << dlerror();
    const auto* d = descriptor(lib);
    ASSERT_NE(d, nullptr);
    EXPECT_STREQ(d->id, "netlink");
    EXPECT_EQ(d->kind, static_cast<std::uint32_t>(sstop::PluginKind::Source));
    EXPECT_STREQ(d->build_key, SSTOP_BUILD_KEY);
    ASSERT_EQ(d->option_count, 5u);
    EXPECT_STREQ(d->options[0].key, "proc_root");
    EXPECT_STREQ(d->options[1].key, "destroy_events");
    EXPECT_STREQ(d->options[2].key, "rcvbuf");
    EXPECT_EQ(d->options[2].min, 65536);
    EXPECT_EQ(d->options[2].max, 268435456);
    EXPECT_STREQ(d->options[3].key, "trace_connects");
    EXPECT_STREQ(d->options[3].default_value, "true");
    EXPECT_STREQ(d->options[4].key, "namespaces");
    EXPECT_EQ(d->options[4].type, SSTOP_OPTION_CHOICE);
    EXPECT_STREQ(d->options[4].default_value, "auto|own|all");  // the default first
}

TEST(NetlinkPlugin, CreatedSourceHonoursFaultSeamFromEnvironment) {
    Library lib;
    ASSERT_NE(lib.handle, nullptr) << dlerror();
    const auto* d = descriptor(lib);
    ASSERT_NE(d, nullptr);
    sstop::testing::FakeContext ctx =
        netlink_context(/*destroy_events=*/false, /*trace_connects=*/false);
    ::setenv("SSTOP_FAULT", "netlink_fail_after=1", 1);
    {
        std::unique_ptr<sstop::Plugin> p(d->create(ctx));
        ::unsetenv("SSTOP_FAULT");
        auto* src = dynamic_cast<sstop::Source*>(p.get());
        ASSERT_NE(src, nullptr);
        src->open();
        sstop::Sample a, b;
        EXPECT_NE(src->collect(a).code, sstop::CollectStatus::Code::Failed);
        EXPECT_TRUE(a.has_sockets);
        EXPECT_EQ(src->collect(b).code, sstop::CollectStatus::Code::Failed);
    }  // destroyed before the library is released
}

TEST(NetlinkPlugin, TraceConnectsRunsACaptureLoopThatStopsOnWake) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (tracefs instance)";
    Library lib;
    ASSERT_NE(lib.handle, nullptr) << dlerror();
    const auto* d = descriptor(lib);
    ASSERT_NE(d, nullptr);
    sstop::testing::FakeContext ctx =
        netlink_context(/*destroy_events=*/true, /*trace_connects=*/true);
    {
        std::unique_ptr<sstop::Plugin> p(d->create(ctx));
        auto* src = dynamic_cast<sstop::Source*>(p.get());
        ASSERT_NE(src, nullptr);
        src->open();
        if (!src->has_capture_loop()) GTEST_SKIP() << "tracefs unavailable";
        std::atomic<bool> stop{false};
        std::thread loop([&] { src->capture_loop(sstop::StopToken(stop)); });
        sstop::Sample a;
        EXPECT_NE(src->collect(a).code, sstop::CollectStatus::Code::Failed);
        stop = true;
        src->wake();
        loop.join();  // returns: the test would hang otherwise
    }
}

}  // namespace
