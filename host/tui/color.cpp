#include "tui/color.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace sstop::tui {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::uint8_t to_byte(double v) {
    return static_cast<std::uint8_t>(std::clamp(std::lround(v * 255.0), 0L, 255L));
}

double hue_to_channel(double p, double q, double t) {
    if (t < 0) t += 1;
    if (t > 1) t -= 1;
    if (t < 1.0 / 6) return p + (q - p) * 6 * t;
    if (t < 1.0 / 2) return q;
    if (t < 2.0 / 3) return p + (q - p) * (2.0 / 3 - t) * 6;
    return p;
}

int dist2(Rgb a, int r, int g, int b) {
    const int dr = a.r - r, dg = a.g - g, db = a.b - b;
    return dr * dr + dg * dg + db * db;
}

constexpr int kCubeLevels[6] = {0, 95, 135, 175, 215, 255};

int nearest_cube_index(int v) {
    int best = 0;
    for (int i = 1; i < 6; ++i)
        if (std::abs(kCubeLevels[i] - v) < std::abs(kCubeLevels[best] - v)) best = i;
    return best;
}

}  // namespace

std::optional<Rgb> parse_hex_colour(std::string_view text) {
    if (text.size() != 7 || text[0] != '#') return std::nullopt;
    int v[6];
    for (int i = 0; i < 6; ++i) {
        v[i] = hex_digit(text[static_cast<std::size_t>(i) + 1]);
        if (v[i] < 0) return std::nullopt;
    }
    return Rgb{static_cast<std::uint8_t>(v[0] * 16 + v[1]),
               static_cast<std::uint8_t>(v[2] * 16 + v[3]),
               static_cast<std::uint8_t>(v[4] * 16 + v[5])};
}

Hsl to_hsl(Rgb c) {
    const double r = c.r / 255.0, g = c.g / 255.0, b = c.b / 255.0;
    const double mx = std::max({r, g, b}), mn = std::min({r, g, b});
    Hsl out;
    out.l = (mx + mn) / 2;
    const double d = mx - mn;
    if (d <= 0) return out;
    out.s = out.l > 0.5 ? d / (2 - mx - mn) : d / (mx + mn);
    double h;
    if (mx == r)
        h = (g - b) / d + (g < b ? 6 : 0);
    else if (mx == g)
        h = (b - r) / d + 2;
    else
        h = (r - g) / d + 4;
    out.h = h * 60;
    return out;
}

Rgb from_hsl(Hsl c) {
    const double h = std::fmod(std::fmod(c.h, 360.0) + 360.0, 360.0) / 360.0;
    const double s = std::clamp(c.s, 0.0, 1.0), l = std::clamp(c.l, 0.0, 1.0);
    if (s <= 0) return Rgb{to_byte(l), to_byte(l), to_byte(l)};
    const double q = l < 0.5 ? l * (1 + s) : l + s - l * s;
    const double p = 2 * l - q;
    return Rgb{to_byte(hue_to_channel(p, q, h + 1.0 / 3)), to_byte(hue_to_channel(p, q, h)),
               to_byte(hue_to_channel(p, q, h - 1.0 / 3))};
}

Rgb hsl_lerp(Rgb a, Rgb b, double t) {
    if (!(t > 0)) return a;  // also catches NaN
    if (t >= 1) return b;
    const Hsl x = to_hsl(a), y = to_hsl(b);
    double dh = y.h - x.h;
    if (dh > 180) dh -= 360;
    if (dh < -180) dh += 360;
    // A grey has no meaningful hue: keep the other end's, so the path does not swing
    // through unrelated colours.
    double h0 = x.h;
    if (x.s <= 0) {
        h0 = y.h;
        dh = 0;
    } else if (y.s <= 0) {
        dh = 0;
    }
    return from_hsl(Hsl{h0 + dh * t, x.s + (y.s - x.s) * t, x.l + (y.l - x.l) * t});
}

int nearest_256(Rgb c) {
    const int ri = nearest_cube_index(c.r), gi = nearest_cube_index(c.g),
              bi = nearest_cube_index(c.b);
    const int cube = 16 + 36 * ri + 6 * gi + bi;
    const int cube_d = dist2(c, kCubeLevels[ri], kCubeLevels[gi], kCubeLevels[bi]);
    const int avg = (c.r + c.g + c.b) / 3;
    int grey_i = std::clamp((avg - 8 + 5) / 10, 0, 23);
    const int gv = 8 + 10 * grey_i;
    const int grey_d = dist2(c, gv, gv, gv);
    return grey_d < cube_d ? 232 + grey_i : cube;
}

int nearest_8(Rgb c) {
    // curses numbering: black 0, red 1, green 2, yellow 3, blue 4, magenta 5, cyan 6, white 7.
    // Pale colours read as white and dark ones as black on any 8-colour palette. The hue
    // ranges are narrower for yellow and cyan than equal sectors would make them, because
    // terminal yellows lean orange and theme greens lean yellow.
    const Hsl h = to_hsl(c);
    if (h.s < 0.25 || h.l < 0.2 || h.l > 0.8) return h.l < 0.5 ? 0 : 7;
    if (h.h < 30 || h.h >= 330) return 1;
    if (h.h < 80) return 3;
    if (h.h < 160) return 2;
    if (h.h < 210) return 6;
    if (h.h < 270) return 4;
    return 5;
}

Theme tokyo_night() {
    Theme t;
    auto set = [&](ThemeRole r, const char* hex) {
        t.roles[static_cast<std::size_t>(r)] = *parse_hex_colour(hex);
    };
    set(ThemeRole::Text, "#c0caf5");
    set(ThemeRole::Dim, "#565f89");
    set(ThemeRole::Header, "#7aa2f7");
    set(ThemeRole::Selected, "#283457");
    set(ThemeRole::Zebra, "#1f2335");
    set(ThemeRole::Accent, "#7aa2f7");
    set(ThemeRole::Good, "#9ece6a");
    set(ThemeRole::Warn, "#e0af68");
    set(ThemeRole::Bad, "#f7768e");
    set(ThemeRole::Rx, "#7dcfff");
    set(ThemeRole::Tx, "#bb9af7");
    t.background = *parse_hex_colour("#1a1b26");
    t.rate_low = *parse_hex_colour("#9ece6a");
    t.rate_high = *parse_hex_colour("#f7768e");
    return t;
}

Theme make_theme(const std::string& name, const std::map<std::string, std::string>& overrides,
                 const std::function<void(const std::string&)>& warn) {
    if (name != "tokyo-night" && warn)
        warn("ui.theme: unknown theme '" + name + "', using tokyo-night");
    Theme t = tokyo_night();
    static const std::pair<const char*, ThemeRole> kRoles[] = {
        {"text", ThemeRole::Text},     {"dim", ThemeRole::Dim},
        {"header", ThemeRole::Header}, {"selected", ThemeRole::Selected},
        {"zebra", ThemeRole::Zebra},   {"accent", ThemeRole::Accent},
        {"good", ThemeRole::Good},     {"warn", ThemeRole::Warn},
        {"bad", ThemeRole::Bad},       {"rx", ThemeRole::Rx},
        {"tx", ThemeRole::Tx}};
    for (const auto& [role, value] : overrides) {
        const auto rgb = parse_hex_colour(value);
        if (!rgb) {
            if (warn) warn("ui.colors." + role + ": expected \"#rrggbb\", got '" + value + "'");
            continue;
        }
        bool known = true;
        if (role == "background")
            t.background = *rgb;
        else if (role == "rate_low")
            t.rate_low = *rgb;
        else if (role == "rate_high")
            t.rate_high = *rgb;
        else {
            known = false;
            for (const auto& [n, r] : kRoles)
                if (role == n) t.roles[static_cast<std::size_t>(r)] = *rgb, known = true;
        }
        if (!known && warn) warn("ui.colors: unknown role '" + role + "'");
    }
    return t;
}

Style role_style(const Theme& theme, ThemeRole role) {
    Style s;
    s.default_fg = false;
    s.default_bg = false;
    s.fg = theme.role(ThemeRole::Text);
    s.bg = theme.background;
    switch (role) {
        case ThemeRole::Selected:
        case ThemeRole::Zebra:
            s.bg = theme.role(role);
            break;
        case ThemeRole::Header:
            s.fg = theme.role(role);
            s.attrs = kAttrBold;
            break;
        case ThemeRole::Dim:
            s.fg = theme.role(role);
            break;
        default:
            s.fg = theme.role(role);
            break;
    }
    return s;
}

Style rate_style_for(const Theme& theme, double level) {
    Style s = role_style(theme, ThemeRole::Text);
    s.fg = hsl_lerp(theme.rate_low, theme.rate_high, level);
    return s;
}

}  // namespace sstop::tui
