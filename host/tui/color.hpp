#pragma once
// Colour arithmetic for the terminal UI: theme colours, HSL interpolation for rate colours,
// and the mapping of 24-bit colours to what a terminal can show (256, 8 colours). Pure
// functions, so tests pin them without a terminal.

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <sstop/view.hpp>
#include <string>
#include <string_view>

namespace sstop::tui {

/// Parses "#rrggbb" (case-insensitive); nullopt for anything else.
std::optional<Rgb> parse_hex_colour(std::string_view text);

/// Hue (degrees, 0..360), saturation and lightness (0..1) of a colour.
struct Hsl {
    double h = 0, s = 0, l = 0;
};

/// RGB → HSL.
Hsl to_hsl(Rgb c);

/// HSL → RGB (rounded to the nearest 8-bit value).
Rgb from_hsl(Hsl c);

/// Interpolates from `a` (t = 0) to `b` (t = 1) in HSL, hue the short way round; `t` is
/// clamped to 0..1, so both endpoints come back exactly.
Rgb hsl_lerp(Rgb a, Rgb b, double t);

/// The nearest colour of the xterm 256-colour palette (6×6×6 cube and 24 greys, 16..255;
/// the first 16 are left alone because terminals redefine them).
int nearest_256(Rgb c);

/// The nearest of the 8 basic curses colours (COLOR_BLACK … COLOR_WHITE), chosen by hue for
/// saturated colours and by lightness for greys, since terminals' basic palettes differ too
/// much for a distance measure to mean anything.
int nearest_8(Rgb c);

/// The colours of a theme, by role, plus the screen background and the rate gradient.
struct Theme {
    std::array<Rgb, static_cast<std::size_t>(ThemeRole::Count_)> roles{};
    Rgb background;  ///< the screen's background
    Rgb rate_low;    ///< rate colour at level 0
    Rgb rate_high;   ///< rate colour at level 1

    Rgb role(ThemeRole r) const { return roles[static_cast<std::size_t>(r)]; }
};

/// Tokyo Night, the default theme.
Theme tokyo_night();

/// The theme named `name` (only "tokyo-night" exists) with `overrides` (role name →
/// "#rrggbb"; roles as in the config: text, dim, header, selected, zebra, accent, good,
/// warn, bad, rx, tx, rate_low, rate_high, background) applied. Unknown names and bad values
/// are reported through `warn` and ignored.
Theme make_theme(const std::string& name, const std::map<std::string, std::string>& overrides,
                 const std::function<void(const std::string&)>& warn);

/// The style of a role in `theme`: foreground colour, and for Selected/Zebra the role's
/// colour as background over ordinary text; Header is bold.
Style role_style(const Theme& theme, ThemeRole role);

/// The style for a rate `level` (0..1, clamped) between the theme's low and high colours.
Style rate_style_for(const Theme& theme, double level);

}  // namespace sstop::tui
