#pragma once
/// @file view.hpp
/// The interface of view plugins: one tab of the terminal UI each.
///
/// A view never touches the terminal: it draws on the `Canvas` the host gives it, a
/// rectangle in cells, so views need no curses and can be tested by drawing into a text
/// buffer. All methods of a view are called on the UI thread only.

#include <cstdint>
#include <memory>
#include <optional>
#include <sstop/model.hpp>
#include <sstop/plugin.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop {

/// A 24-bit colour; the host maps it to what the terminal can show (256, 8 colours, mono).
struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
    friend bool operator==(const Rgb&, const Rgb&) = default;
};

/// Text attributes, as bit flags in `Style::attrs`.
enum TextAttr : std::uint8_t {
    kAttrBold = 1u << 0,
    kAttrDim = 1u << 1,
    kAttrUnderline = 1u << 2,
    kAttrReverse = 1u << 3,
};

/// How a run of text looks.
struct Style {
    Rgb fg;                  ///< foreground colour
    Rgb bg;                  ///< background colour
    bool default_fg = true;  ///< use the terminal's default foreground instead of `fg`
    bool default_bg = true;  ///< use the terminal's default background instead of `bg`
    std::uint8_t attrs = 0;  ///< `TextAttr` flags
};

/// Named colours of the theme, so that users can override them in YAML and every view
/// looks alike.
enum class ThemeRole : std::uint8_t {
    Text,      ///< ordinary text
    Dim,       ///< secondary text
    Header,    ///< table headers
    Selected,  ///< the selected row
    Zebra,     ///< every other row
    Accent,    ///< titles, highlights
    Good,      ///< healthy states (ESTAB)
    Warn,      ///< closing states, warnings
    Bad,       ///< errors
    Rx,        ///< download figures
    Tx,        ///< upload figures
    Count_,    ///< number of roles (not a role)
};

/// Where a view draws: a rectangle of cells. Coordinates are relative to the rectangle;
/// anything outside it is clipped by the host.
class SSTOP_VISIBLE Canvas {
  public:
    virtual ~Canvas() = default;
    /// Width in cells.
    virtual int width() const = 0;
    /// Height in cells.
    virtual int height() const = 0;
    /// Draws UTF-8 `text` at column `x`, row `y`, cut to `max_cells` cells (-1: to the edge).
    /// Returns the number of cells drawn.
    virtual int text(int x, int y, std::string_view text, const Style& style,
                     int max_cells = -1) = 0;
    /// Fills a rectangle with spaces in `style` (its background shows).
    virtual void fill(int x, int y, int w, int h, const Style& style) = 0;
    /// The theme's style for a role.
    virtual Style style(ThemeRole role) const = 0;
    /// A colour for a rate: `level` 0 (idle) … 1 (the highest rate shown) interpolated in
    /// HSL between the theme's low and high rate colours.
    virtual Style rate_style(double level) const = 0;
    /// True when the terminal can show Unicode block glyphs (▁…█); otherwise use ASCII.
    virtual bool unicode() const = 0;
};

/// Special keys, above the Unicode range; a printable key is its code point.
enum Key : std::int32_t {
    kKeyNone = 0,
    kKeyUp = 0x110001,
    kKeyDown,
    kKeyLeft,
    kKeyRight,
    kKeyPageUp,
    kKeyPageDown,
    kKeyHome,
    kKeyEnd,
    kKeyEnter,
    kKeyEscape,
    kKeyTab,
    kKeyBackTab,
    kKeyBackspace,
    kKeyDelete,
    kKeyCtrlU,
    kKeyCtrlD,
};

/// A key press.
struct KeyEvent {
    std::int32_t code = kKeyNone;  ///< a `Key` or a Unicode code point
};

/// A mouse event, in the view's coordinates.
struct MouseEvent {
    enum class Kind : std::uint8_t { Click, DoubleClick, WheelUp, WheelDown };
    Kind kind = Kind::Click;  ///< what happened
    int x = 0;                ///< column inside the view
    int y = 0;                ///< row inside the view
};

/// One key binding shown in the status line and the help overlay.
struct KeyHint {
    std::string key;          ///< as shown, e.g. "Enter", "d"
    std::string description;  ///< what it does, a few words
};

/// Sort orders the host cycles with `s`; views apply the one they are given.
enum class SortKey : std::uint8_t { Rate, Download, Upload, Pid, Name, Connections };

/// UI state owned by the host that views take into account when drawing.
struct ViewContext {
    std::string filter;            ///< the `/` filter text, empty = none (case-insensitive)
    SortKey sort = SortKey::Rate;  ///< current sort order
    bool show_names = true;        ///< show DNS names instead of addresses (`d`)
    bool paused = false;           ///< the display is frozen
    /// (ABI 1.3) Cumulative mode: rate columns show bytes since sstop started instead of
    /// rates (key `a`). Sits in what was padding, so the v1 layout and size are unchanged.
    bool cumulative = false;
};

/// A view plugin: one tab.
class SSTOP_VISIBLE View : public Plugin {
  public:
    /// Tab title, short ("Processes").
    virtual std::string title() const = 0;
    /// A key that jumps to this tab from anywhere (e.g. 'h'), or 0 for none.
    virtual std::int32_t hotkey() const { return 0; }
    /// Keys this view handles, for the status line and the help overlay.
    virtual std::vector<KeyHint> key_hints() const { return {}; }
    /// Receives the newest snapshot (not called while the display is paused).
    virtual void update(std::shared_ptr<const Snapshot> snapshot) = 0;
    /// Draws the whole view.
    virtual void draw(Canvas& canvas, const ViewContext& context) = 0;
    /// Handles a key; returns true when it was used (the host then does not act on it).
    virtual bool on_key(const KeyEvent& key, const ViewContext& context) {
        (void)key;
        (void)context;
        return false;
    }
    /// Handles a mouse event inside the view; returns true when it was used.
    virtual bool on_mouse(const MouseEvent& mouse, const ViewContext& context) {
        (void)mouse;
        (void)context;
        return false;
    }
    /// The process under the cursor, for the host's kill overlay; nullopt if none.
    virtual std::optional<ProcessInfo> selected_process() const { return std::nullopt; }
};

}  // namespace sstop
