#include "tui/text.hpp"

#include <cwchar>

namespace sstop::tui {

namespace {

/// Decodes one code point at `s[i]`, advancing `i`; returns -1 for an invalid sequence
/// (advancing past one byte, so decoding resynchronises).
long decode_one(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    int len;
    long cp;
    if ((b0 & 0xE0) == 0xC0)
        len = 2, cp = b0 & 0x1F;
    else if ((b0 & 0xF0) == 0xE0)
        len = 3, cp = b0 & 0x0F;
    else if ((b0 & 0xF8) == 0xF0)
        len = 4, cp = b0 & 0x07;
    else {
        ++i;
        return -1;
    }
    if (i + static_cast<std::size_t>(len) > s.size()) {
        ++i;
        return -1;
    }
    for (int k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((b & 0xC0) != 0x80) {
            ++i;
            return -1;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong forms, surrogates and values past Unicode are invalid too.
    static constexpr long kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return -1;
    }
    i += static_cast<std::size_t>(len);
    return cp;
}

}  // namespace

CellText fit_cells(std::string_view utf8, int max_cells, bool unicode) {
    CellText out;
    std::size_t i = 0;
    while (i < utf8.size()) {
        long cp = decode_one(utf8, i);
        int w;
        if (cp < 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||
            (!unicode && cp >= 0x80)) {
            cp = '?';
            w = 1;
        } else {
            w = ::wcwidth(static_cast<wchar_t>(cp));
            if (w < 0) cp = '?', w = 1;  // unprintable in this locale
        }
        if (w == 0 && out.chars.empty()) continue;  // a mark with nothing to attach to
        if (max_cells >= 0 && out.cells + w > max_cells) break;
        out.chars.push_back(static_cast<wchar_t>(cp));
        out.cells += w;
    }
    return out;
}

void append_utf8(std::string& out, std::uint32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

int cell_width(std::string_view utf8, bool unicode) { return fit_cells(utf8, -1, unicode).cells; }

std::string clip_utf8(std::string_view utf8, int max_cells, bool unicode) {
    const CellText t = fit_cells(utf8, max_cells, unicode);
    std::string out;
    for (wchar_t wc : t.chars) append_utf8(out, static_cast<std::uint32_t>(wc));
    return out;
}

}  // namespace sstop::tui
