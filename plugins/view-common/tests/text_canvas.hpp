#pragma once
// Test doubles for view tests: a Canvas that records cells into a text grid, a PluginContext,
// and a loader that reads a built view plugin's descriptor through dlopen.

#include <dlfcn.h>

#include <cstdint>
#include <fake_context.hpp>
#include <memory>
#include <sstop/plugin.hpp>
#include <sstop/view.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop::plugins::view_common::testing {

/// A Canvas that keeps every cell (one UTF-8 code point each) and its style. Strict: a write
/// outside the rectangle is not clipped silently but counted in `out_of_bounds()`, so tests
/// can prove a view never depends on the host's clipping.
class TextCanvas final : public Canvas {
  public:
    TextCanvas(int width, int height, bool unicode = true)
        : width_(width), height_(height), unicode_(unicode) {
        cells_.assign(static_cast<std::size_t>(height_),
                      std::vector<Cell>(static_cast<std::size_t>(width_ < 0 ? 0 : width_)));
    }

    int width() const override { return width_; }
    int height() const override { return height_; }

    int text(int x, int y, std::string_view text, const Style& style, int max_cells = -1) override {
        int drawn = 0;
        for (std::size_t i = 0; i < text.size();) {
            if (max_cells >= 0 && drawn >= max_cells) break;
            std::size_t len = 1;
            while (i + len < text.size() &&
                   (static_cast<unsigned char>(text[i + len]) & 0xC0) == 0x80)
                ++len;
            put(x + drawn, y, std::string(text.substr(i, len)), style);
            ++drawn;
            i += len;
        }
        return drawn;
    }

    void fill(int x, int y, int w, int h, const Style& style) override {
        if (w < 0 || h < 0) ++out_of_bounds_;
        for (int r = y; r < y + h; ++r)
            for (int c = x; c < x + w; ++c) put(c, r, " ", style);
    }

    /// Each role's style carries the role's number in `fg.r` so tests can read it back.
    Style style(ThemeRole role) const override {
        Style s;
        s.fg = Rgb{static_cast<std::uint8_t>(role), 0, 0};
        s.default_fg = false;
        if (role == ThemeRole::Zebra || role == ThemeRole::Selected || role == ThemeRole::Header) {
            s.bg = Rgb{static_cast<std::uint8_t>(role), 1, 1};
            s.default_bg = false;
        }
        return s;
    }

    /// Rate styles carry 200 in `fg.r` and the level in `fg.g` (0…255).
    Style rate_style(double level) const override {
        if (!(level >= 0)) level = 0;
        if (level > 1) level = 1;
        Style s;
        s.fg = Rgb{kRateMarker, static_cast<std::uint8_t>(level * 255), 0};
        s.default_fg = false;
        return s;
    }

    bool unicode() const override { return unicode_; }

    /// Row `y` as text.
    std::string row(int y) const {
        std::string out;
        for (const Cell& c : cells_.at(static_cast<std::size_t>(y))) out += c.glyph;
        return out;
    }
    /// All rows joined by newlines.
    std::string dump() const {
        std::string out;
        for (int y = 0; y < height_; ++y) out += row(y) + "\n";
        return out;
    }
    /// First row containing `needle`, or -1.
    int find_row(std::string_view needle) const {
        for (int y = 0; y < height_; ++y)
            if (row(y).find(needle) != std::string::npos) return y;
        return -1;
    }
    /// The style last written at a cell.
    const Style& style_at(int x, int y) const {
        return cells_.at(static_cast<std::size_t>(y)).at(static_cast<std::size_t>(x)).style;
    }
    /// The theme role a cell's foreground came from (see `style`), or -1 for rate colours.
    int role_fg_at(int x, int y) const {
        const Style& s = style_at(x, y);
        return s.fg.r == kRateMarker ? -1 : s.fg.r;
    }
    /// The theme role a cell's background came from, or -1 for the default background.
    int role_bg_at(int x, int y) const {
        const Style& s = style_at(x, y);
        return s.default_bg ? -1 : s.bg.r;
    }
    /// Writes that fell outside the rectangle (and fills with a negative size).
    int out_of_bounds() const { return out_of_bounds_; }
    /// True when any cell holds a byte >= 0x80.
    bool has_non_ascii() const {
        for (const auto& r : cells_)
            for (const Cell& c : r)
                for (char ch : c.glyph)
                    if (static_cast<unsigned char>(ch) >= 0x80) return true;
        return false;
    }

    static constexpr std::uint8_t kRateMarker = 200;

  private:
    struct Cell {
        std::string glyph = " ";
        Style style;
    };

    void put(int x, int y, std::string glyph, const Style& style) {
        if (x < 0 || y < 0 || x >= width_ || y >= height_) {
            ++out_of_bounds_;
            return;
        }
        auto& cell = cells_[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)];
        cell.glyph = std::move(glyph);
        cell.style = style;
    }

    int width_;
    int height_;
    bool unicode_;
    int out_of_bounds_ = 0;
    std::vector<std::vector<Cell>> cells_;
};

/// The shared test context (tests/support).
using sstop::testing::FakeContext;

/// A built plugin library opened with dlopen; closed on destruction. Objects created from
/// it must be destroyed first.
class PluginLibrary {
  public:
    explicit PluginLibrary(const std::string& path)
        : handle_(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {}
    ~PluginLibrary() {
        if (handle_) dlclose(handle_);
    }
    PluginLibrary(const PluginLibrary&) = delete;
    PluginLibrary& operator=(const PluginLibrary&) = delete;

    /// The dlerror() text when opening failed, empty otherwise.
    std::string error() const {
        if (handle_) return {};
        const char* e = dlerror();
        return e ? e : "dlopen failed";
    }
    /// The descriptor, or null when the library or its entry point is missing.
    const sstop_plugin_descriptor_v1* descriptor() const {
        if (!handle_) return nullptr;
        void* sym = dlsym(handle_, SSTOP_PLUGIN_ENTRY_NAME);
        if (!sym) return nullptr;
        auto fn = reinterpret_cast<sstop_plugin_v1_fn>(sym);
        return fn();
    }

    /// True while the library at `path` is mapped in this process (without loading it).
    static bool is_loaded(const std::string& path) {
        void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
        if (!h) return false;
        dlclose(h);
        return true;
    }

  private:
    void* handle_;
};

/// Path of a plugin built in this build tree.
inline std::string built_plugin_path(const std::string& id) {
    return std::string(SSTOP_BINARY_DIR) + "/lib/sstop/plugins/" + id + ".so";
}

}  // namespace sstop::plugins::view_common::testing
