#include "tui/canvas.hpp"

#include <algorithm>
#include <string>

#include "tui/text.hpp"

namespace sstop::tui {

PairCache::Slot PairCache::lookup(int fg, int bg) {
    if ((fg < 0 && bg < 0) || capacity_ == 0) return {};
    const auto key = std::make_pair(fg, bg);
    if (auto it = by_colours_.find(key); it != by_colours_.end()) return {it->second, false};
    int pair;
    if (static_cast<int>(by_pair_.size()) < capacity_) {
        by_pair_.push_back(key);
        pair = static_cast<int>(by_pair_.size());
    } else {
        // Full: reuse round-robin. Cells already drawn with the old pair change colour until
        // the next frame, which redraws everything anyway.
        pair = next_ + 1;
        next_ = (next_ + 1) % capacity_;
        by_colours_.erase(by_pair_[static_cast<std::size_t>(pair - 1)]);
        by_pair_[static_cast<std::size_t>(pair - 1)] = key;
    }
    by_colours_[key] = pair;
    return {pair, true};
}

Palette::Palette(Theme theme, int colours, int max_pairs, bool unicode)
    : theme_(theme), colours_(colours), unicode_(unicode), pairs_(colours > 0 ? max_pairs : 0) {}

Style Palette::style(ThemeRole role) const {
    Style s = role_style(theme_, role);
    if (colours_ == 0 && role == ThemeRole::Selected) s.attrs |= kAttrReverse;
    if (colours_ == 0 && role == ThemeRole::Dim) s.attrs |= kAttrDim;
    return s;
}

Style Palette::rate_style(double level) const { return rate_style_for(theme_, level); }

int Palette::colour_number(Rgb c, bool is_bg) const {
    if (colours_ >= 256) return nearest_256(c);
    // With 8 colours the theme's dark background is best left to the terminal's own.
    if (is_bg && c == theme_.background) return -1;
    return nearest_8(c);
}

std::pair<attr_t, short> Palette::resolve(const Style& style) {
    attr_t attrs = A_NORMAL;
    if (style.attrs & kAttrBold) attrs |= A_BOLD;
    if (style.attrs & kAttrDim) attrs |= A_DIM;
    if (style.attrs & kAttrUnderline) attrs |= A_UNDERLINE;
    if (style.attrs & kAttrReverse) attrs |= A_REVERSE;
    if (colours_ == 0) return {attrs, 0};
    const int fg = style.default_fg ? -1 : colour_number(style.fg, false);
    const int bg = style.default_bg ? -1 : colour_number(style.bg, true);
    const PairCache::Slot slot = pairs_.lookup(fg, bg);
    if (slot.fresh)
        init_pair(static_cast<short>(slot.pair), static_cast<short>(fg), static_cast<short>(bg));
    return {attrs, static_cast<short>(slot.pair)};
}

CursesCanvas::CursesCanvas(WINDOW* window, int x, int y, int w, int h, Palette& palette)
    : window_(window), x_(x), y_(y), w_(std::max(0, w)), h_(std::max(0, h)), palette_(palette) {}

int CursesCanvas::text(int x, int y, std::string_view text, const Style& style, int max_cells) {
    if (y < 0 || y >= h_ || x >= w_) return 0;
    int skip = 0;  // cells left of the rectangle
    if (x < 0) skip = -x, x = 0;
    int avail = w_ - x;
    if (max_cells >= 0) avail = std::min(avail, max_cells - skip);
    if (avail <= 0) return 0;
    CellText t = fit_cells(text, avail + skip, palette_.unicode());
    if (skip > 0) {
        // Drop what lies left of the edge; a wide character cut in half becomes a space.
        std::wstring rest;
        int cells = 0, dropped = 0;
        for (wchar_t wc : t.chars) {
            const int w = std::max(0, ::wcwidth(wc));
            if (dropped < skip) {
                dropped += w;
                if (dropped > skip) rest.push_back(L' '), cells += dropped - skip;
                continue;
            }
            rest.push_back(wc);
            cells += w;
        }
        t.chars = std::move(rest);
        t.cells = cells;
    }
    if (t.chars.empty()) return 0;
    const auto [attrs, pair] = palette_.resolve(style);
    wattr_set(window_, attrs, pair, nullptr);
    mvwaddnwstr(window_, y_ + y, x_ + x, t.chars.data(), static_cast<int>(t.chars.size()));
    wattr_set(window_, A_NORMAL, 0, nullptr);
    return t.cells;
}

void CursesCanvas::fill(int x, int y, int w, int h, const Style& style) {
    const int x0 = std::max(0, x), y0 = std::max(0, y);
    const int x1 = std::min(w_, x + w), y1 = std::min(h_, y + h);
    if (x1 <= x0 || y1 <= y0) return;
    const std::wstring blanks(static_cast<std::size_t>(x1 - x0), L' ');
    const auto [attrs, pair] = palette_.resolve(style);
    wattr_set(window_, attrs, pair, nullptr);
    for (int row = y0; row < y1; ++row)
        mvwaddnwstr(window_, y_ + row, x_ + x0, blanks.data(), static_cast<int>(blanks.size()));
    wattr_set(window_, A_NORMAL, 0, nullptr);
}

}  // namespace sstop::tui
