#pragma once
// The SDK Canvas over a curses window region, and the colour machinery behind it.

#include <curses.h>

#include <cstdint>
#include <map>
#include <sstop/view.hpp>
#include <utility>
#include <vector>

#include "tui/color.hpp"

namespace sstop::tui {

/// A bounded map from (foreground, background) colour numbers to curses pair numbers
/// 1..capacity. When full, the least recently allocated pair is reused.
class PairCache {
  public:
    /// What `lookup` decided.
    struct Slot {
        int pair = 0;        ///< pair number to use
        bool fresh = false;  ///< the caller must init_pair it
    };

    explicit PairCache(int capacity) : capacity_(capacity < 0 ? 0 : capacity) {}

    /// The pair for colours `fg`, `bg` (-1 = terminal default); pair 0 when both are default
    /// or there are no pairs at all.
    Slot lookup(int fg, int bg);

    /// Pairs handed out so far (at most the capacity).
    std::size_t size() const { return by_colours_.size(); }

  private:
    int capacity_;
    std::map<std::pair<int, int>, int> by_colours_;
    std::vector<std::pair<int, int>> by_pair_;  ///< index pair-1 → colours
    int next_ = 0;                              ///< next pair to reuse when full
};

/// Colour depth, theme and unicode choice of the running UI; turns a Style into curses
/// attributes and a pair.
class Palette {
  public:
    /// `colours`: 256, 8 or 0 (monochrome); `max_pairs` pairs beyond 0 may be used.
    Palette(Theme theme, int colours, int max_pairs, bool unicode);

    /// The theme's style for a role (monochrome adds reverse video to Selected).
    Style style(ThemeRole role) const;
    /// A rate colour, `level` 0..1.
    Style rate_style(double level) const;
    bool unicode() const { return unicode_; }
    const Theme& theme() const { return theme_; }

    /// Attributes and pair for `style`; may call init_pair (so only with a live screen).
    std::pair<attr_t, short> resolve(const Style& style);

  private:
    int colour_number(Rgb c, bool is_bg) const;

    Theme theme_;
    int colours_;
    bool unicode_;
    PairCache pairs_;
};

/// A Canvas drawing into `window` inside the rectangle (x, y, w, h) of that window.
class CursesCanvas : public Canvas {
  public:
    CursesCanvas(WINDOW* window, int x, int y, int w, int h, Palette& palette);
    int width() const override { return w_; }
    int height() const override { return h_; }
    int text(int x, int y, std::string_view text, const Style& style, int max_cells = -1) override;
    void fill(int x, int y, int w, int h, const Style& style) override;
    Style style(ThemeRole role) const override { return palette_.style(role); }
    Style rate_style(double level) const override { return palette_.rate_style(level); }
    bool unicode() const override { return palette_.unicode(); }

  private:
    WINDOW* window_;
    int x_, y_, w_, h_;
    Palette& palette_;
};

}  // namespace sstop::tui
