// The built prometheus.so: its descriptor (id, kind, option schema) and its factory, and that
// it unloads.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <memory>
#include <sstop/exporter.hpp>
#include <string>

#include "prometheus_context.hpp"

namespace {
const std::string kPlugin = std::string(SSTOP_BINARY_DIR) + "/lib/sstop/plugins/prometheus.so";
}

TEST(PrometheusPlugin, DescribesItselfAndCreatesTheExporter) {
    void* lib = ::dlopen(kPlugin.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(lib, nullptr) << ::dlerror();
    auto entry = reinterpret_cast<sstop_plugin_v1_fn>(::dlsym(lib, SSTOP_PLUGIN_ENTRY_NAME));
    ASSERT_NE(entry, nullptr);
    const sstop_plugin_descriptor_v1* desc = entry();
    EXPECT_EQ(desc->kind, static_cast<std::uint32_t>(sstop::PluginKind::Exporter));
    EXPECT_STREQ(desc->id, "prometheus");
    EXPECT_STREQ(desc->build_key, SSTOP_BUILD_KEY);
    ASSERT_EQ(desc->option_count, 5u);
    EXPECT_STREQ(desc->options[0].key, "listen");
    EXPECT_STREQ(desc->options[0].default_value, "127.0.0.1:9464");
    EXPECT_STREQ(desc->options[1].key, "max_processes");
    EXPECT_EQ(desc->options[1].type, SSTOP_OPTION_INT);
    EXPECT_STREQ(desc->options[1].default_value, "200");
    EXPECT_EQ(desc->options[1].min, 1);
    EXPECT_EQ(desc->options[1].max, 100000);
    EXPECT_STREQ(desc->options[2].key, "max_remote_hosts");
    EXPECT_STREQ(desc->options[2].default_value, "0");
    EXPECT_EQ(desc->options[2].max, 10000);
    EXPECT_STREQ(desc->options[3].key, "max_groups");
    EXPECT_STREQ(desc->options[3].default_value, "100");
    EXPECT_EQ(desc->options[3].max, 10000);
    EXPECT_STREQ(desc->options[4].key, "path");
    EXPECT_STREQ(desc->options[4].default_value, "/metrics");
    {
        auto context = sstop::plugins::prometheus::testing::prometheus_context();
        context.set_string("listen", "127.0.0.1:0");
        std::unique_ptr<sstop::Plugin> plugin(desc->create(context));
        auto* exporter = dynamic_cast<sstop::Exporter*>(plugin.get());
        ASSERT_NE(exporter, nullptr);
        exporter->start();
        exporter->publish(std::make_shared<const sstop::Snapshot>());
        // Destroyed without stop(): must still join its thread before dlclose.
    }
    ASSERT_EQ(::dlclose(lib), 0);
    EXPECT_EQ(::dlopen(kPlugin.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr)
        << "prometheus.so stayed loaded after dlclose";
}
