// The built procnet.so: its descriptor, its factory, and that it really unloads (no
// STB_GNU_UNIQUE symbol pins it, which would hide lifetime bugs in the host).
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <sstop/source.hpp>
#include <string>

#include "procnet_context.hpp"

namespace {
const std::string kPlugin = std::string(SSTOP_BINARY_DIR) + "/lib/sstop/plugins/procnet.so";
}

TEST(ProcnetPlugin, DescribesItselfAndCreatesTheSource) {
    void* lib = ::dlopen(kPlugin.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(lib, nullptr) << ::dlerror();
    auto entry = reinterpret_cast<sstop_plugin_v1_fn>(::dlsym(lib, SSTOP_PLUGIN_ENTRY_NAME));
    ASSERT_NE(entry, nullptr);
    const sstop_plugin_descriptor_v1* desc = entry();
    EXPECT_EQ(desc->struct_size, sizeof(sstop_plugin_descriptor_v1));
    EXPECT_EQ(desc->abi_major, SSTOP_ABI_MAJOR);
    EXPECT_EQ(desc->kind, static_cast<std::uint32_t>(sstop::PluginKind::Source));
    EXPECT_STREQ(desc->id, "procnet");
    EXPECT_STREQ(desc->build_key, SSTOP_BUILD_KEY);
    ASSERT_EQ(desc->option_count, 2u);
    EXPECT_STREQ(desc->options[0].key, "proc_root");
    EXPECT_EQ(desc->options[0].type, SSTOP_OPTION_STRING);
    EXPECT_STREQ(desc->options[0].default_value, "/proc");
    EXPECT_STREQ(desc->options[1].key, "namespaces");
    EXPECT_EQ(desc->options[1].type, SSTOP_OPTION_CHOICE);
    EXPECT_STREQ(desc->options[1].default_value, "auto|own|all");  // the default first
    {
        auto context = sstop::plugins::procnet::testing::procnet_context("/proc");
        std::unique_ptr<sstop::Plugin> plugin(desc->create(context));
        auto* source = dynamic_cast<sstop::Source*>(plugin.get());
        ASSERT_NE(source, nullptr);
        EXPECT_TRUE(source->capabilities() & sstop::kProvidesOwners);
    }
    ASSERT_EQ(::dlclose(lib), 0);
    EXPECT_EQ(::dlopen(kPlugin.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr)
        << "procnet.so stayed loaded after dlclose (STB_GNU_UNIQUE symbol?)";
}
