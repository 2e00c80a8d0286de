#pragma once
// Fixtures every view test uses: addresses, a ViewContext, a draw that fails the test when
// the view writes outside its canvas, and the checks that a built view plugin loads through
// its descriptor and unloads again.

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <sstop/plugin.hpp>
#include <sstop/view.hpp>
#include <string>

#include "text_canvas.hpp"

namespace sstop::plugins::view_common::testing {

/// The IPv4 address a.b.c.d.
inline IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddr ip;
    ip.family = Family::V4;
    ip.bytes[0] = a, ip.bytes[1] = b, ip.bytes[2] = c, ip.bytes[3] = d;
    return ip;
}

/// The host's UI state for a draw, key or click.
inline ViewContext view_context(SortKey sort = SortKey::Rate, std::string filter = {},
                                bool show_names = true) {
    ViewContext c;
    c.sort = sort;
    c.filter = std::move(filter);
    c.show_names = show_names;
    return c;
}

/// `view` drawn on a fresh `width` x `height` canvas; a write outside it fails the test.
inline TextCanvas draw_checked(View& view, const ViewContext& context, int width, int height,
                               bool unicode = true) {
    TextCanvas canvas(width, height, unicode);
    view.draw(canvas, context);
    EXPECT_EQ(canvas.out_of_bounds(), 0) << canvas.dump();
    return canvas;
}

/// Draws `view` on every canvas from 0 x 0 up to `max_width` x `max_height` and fails the
/// test (naming `what` and the size) for any write outside one.
inline void expect_in_bounds_up_to(View& view, const ViewContext& context, int max_width,
                                   int max_height, const std::string& what = "table") {
    for (int w = 0; w <= max_width; ++w)
        for (int h = 0; h <= max_height; ++h) {
            TextCanvas canvas(w, h);
            view.draw(canvas, context);
            EXPECT_EQ(canvas.out_of_bounds(), 0) << what << " " << w << "x" << h;
        }
}

/// Checks that the built plugin `id` is a view for this ABI and build that its descriptor
/// creates with the given title and hotkey; `more` then checks the view further while the
/// library is still open.
inline void expect_view_plugin_loads(const std::string& id, const std::string& title,
                                     std::int32_t hotkey,
                                     const std::function<void(View&)>& more = {}) {
    PluginLibrary lib(built_plugin_path(id));
    ASSERT_EQ(lib.error(), "");
    const sstop_plugin_descriptor_v1* d = lib.descriptor();
    ASSERT_NE(d, nullptr);
    EXPECT_STREQ(d->id, id.c_str());
    EXPECT_EQ(d->kind, static_cast<std::uint32_t>(PluginKind::View));
    EXPECT_EQ(d->abi_major, SSTOP_ABI_MAJOR);
    EXPECT_STREQ(d->build_key, SSTOP_BUILD_KEY);
    FakeContext context(id);
    // String options with their declared defaults, as the host fills them (other types are
    // not read by the built-in views at creation).
    for (std::uint32_t i = 0; i < d->option_count; ++i)
        if (d->options[i].type == SSTOP_OPTION_STRING)
            context.set_string(d->options[i].key, d->options[i].default_value);
    std::unique_ptr<Plugin> object(d->create(context));
    auto* view = dynamic_cast<View*>(object.get());
    ASSERT_NE(view, nullptr);
    EXPECT_EQ(view->title(), title);
    EXPECT_EQ(view->hotkey(), hotkey);
    if (more) more(*view);
}

/// Checks that nothing pins the built plugin `id` (e.g. STB_GNU_UNIQUE symbols): it is
/// unmapped once its library is closed, or a host could never release it and lifetime bugs
/// would hide.
inline void expect_plugin_unloads(const std::string& id) {
    const std::string path = built_plugin_path(id);
    {
        PluginLibrary lib(path);
        ASSERT_EQ(lib.error(), "");
        ASSERT_NE(lib.descriptor(), nullptr);
        EXPECT_TRUE(PluginLibrary::is_loaded(path));
    }
    EXPECT_FALSE(PluginLibrary::is_loaded(path));
}

}  // namespace sstop::plugins::view_common::testing
