#include "tui/text.hpp"

#include <cwchar>
#include <sstop/text.hpp>

namespace sstop::tui {

namespace {

/// Decodes one code point at `s[i]`, advancing `i`; returns -1 for an invalid sequence
/// (advancing past one byte, so decoding resynchronises).
long decode_one(std::string_view s, std::size_t& i) {
    const Utf8Char c = decode_utf8(s, i);
    if (c.length == 0) {
        ++i;
        return -1;
    }
    i += c.length;
    return static_cast<long>(c.code_point);
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
