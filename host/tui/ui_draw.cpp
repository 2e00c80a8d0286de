// The UI's drawing: header, tab bar, view rectangle, status line, help and kill overlays.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <sstop/format.hpp>
#include <stdexcept>

#include "core/alerts.hpp"
#include "core/duration.hpp"
#include "tui/input.hpp"
#include "tui/key_help.hpp"
#include "tui/self_cost.hpp"
#include "tui/terminal.hpp"
#include "tui/text.hpp"
#include "tui/ui.hpp"

namespace sstop::tui {

void Ui::draw() {
    dirty_ = false;
    werase(stdscr);
    int h = 0, w = 0;
    getmaxyx(stdscr, h, w);
    CursesCanvas screen(stdscr, 0, 0, w, h, palette_);
    if (w < kMinWidth || h < kMinHeight) {
        draw_too_small(screen, w, h);
    } else {
        screen.fill(0, 0, w, h, palette_.style(ThemeRole::Text));
        draw_header(screen, w);
        draw_tabs(screen, w);
        view_y_ = kViewTop;
        view_h_ = h - kViewTop - 1;
        draw_view(w);
        draw_status(screen, w, h);
        if (mode_ == Mode::Help) draw_help(screen, w, h);
        if (mode_ == Mode::Kill || mode_ == Mode::KillConfirm) draw_kill(screen, w, h);
    }
    wnoutrefresh(stdscr);
    doupdate();
}

void Ui::draw_too_small(CursesCanvas& c, int w, int h) {
    const std::string times = palette_.unicode() ? "×" : "x";
    const std::string text = "terminal too small: " + std::to_string(w) + times +
                             std::to_string(h) + ", need " + std::to_string(kMinWidth) + times +
                             std::to_string(kMinHeight);
    const int tw = cell_width(text, palette_.unicode());
    c.text(std::max(0, (w - tw) / 2), h / 2, text, palette_.style(ThemeRole::Warn));
}

// Draws `text` at (x, y) and returns the column after it.
int Ui::put(CursesCanvas& c, int x, int y, std::string_view text, const Style& s, int max_cells) {
    return x + c.text(x, y, text, s, max_cells);
}

void Ui::draw_header(CursesCanvas& c, int w) {
    const bool uni = palette_.unicode();
    Style title = palette_.style(ThemeRole::Accent);
    title.attrs |= kAttrBold;
    int x = put(c, 1, 0, "sstop", title);
    const Snapshot* s = shown_.get();
    std::vector<double> history;
    if (s) history = sum_histories(s->rx_history, s->tx_history);
    const Style dim = palette_.style(ThemeRole::Dim);
    if (s) {
        // What the totals count: every process's bytes plus those no process owned (the
        // Processes tab's `unattributed` row), so its rows add up to these figures.
        x = put(c, x + 2, 0, "procs+unattributed", dim);
        x = put(c, x + 1, 0, std::string(uni ? "↓ " : "v ") + format_rate(s->totals.rx_bps),
                palette_.style(ThemeRole::Rx));
        x = put(c, x + 2, 0, std::string(uni ? "↑ " : "^ ") + format_rate(s->totals.tx_bps),
                palette_.style(ThemeRole::Tx));
        x = put(c, x + 2, 0, "trend", dim);
        x = put(c, x + 1, 0, trend_arrow(trend_of(history), uni),
                palette_.style(ThemeRole::Accent));
        x = put(c, x + 2, 0, std::to_string(s->processes.size()), palette_.style(ThemeRole::Text));
        x = put(c, x + 1, 0, "procs", dim);
    } else {
        x = put(c, x + 2, 0, "waiting for the first sample…", dim);
    }
    if (ctx_.paused) {
        Style p = palette_.style(ThemeRole::Warn);
        p.attrs |= kAttrBold | kAttrReverse;
        x = put(c, x + 2, 0, " PAUSED ", p);
    }
    if (!active_alerts_.empty()) {
        Style b = palette_.style(ThemeRole::Bad);
        b.attrs |= kAttrBold | kAttrReverse;
        x = put(c, x + 2, 0, " ALERT " + std::to_string(active_alerts_.size()) + " ", b);
    }
    if (ctx_.cumulative) {
        Style b = palette_.style(ThemeRole::Accent);
        b.attrs |= kAttrBold | kAttrReverse;
        x = put(c, x + 2, 0, " CUMULATIVE ", b);
    }
    std::string right = "every " + core::format_duration(interval_) + "  sort " +
                        sort_name(ctx_.sort) + "  " + clock_text();
    if (s && !s->sources.empty()) {
        std::string src;
        for (const auto& id : s->sources) src += (src.empty() ? "" : "+") + id;
        right = src + "  " + right;
    }
    // On a narrow terminal the clock alone, rather than nothing.
    if (w - cell_width(right, uni) - 1 <= x + 1) right = clock_text();
    const int rw = cell_width(right, uni);
    if (w - rw - 1 > x + 1) put(c, w - rw - 1, 0, right, dim);

    // Second row: the system sparkline and one interface.
    const int spark = std::min(kSparkPoints, w / 2);
    put(c, 1, 1, sparkline(history, spark, uni), palette_.style(ThemeRole::Accent));
    if (all_interfaces_ && s && !s->interfaces.empty()) {
        double rx = 0, tx = 0;
        for (const auto& itf : s->interfaces) {
            rx += itf.traffic.rx_bps;
            tx += itf.traffic.tx_bps;
        }
        std::string line = "all interfaces" + std::string(uni ? "  ↓ " : "  v ") + format_rate(rx) +
                           (uni ? "  ↑ " : "  ^ ") + format_rate(tx);
        int ix = put(c, spark + 3, 1, line, palette_.style(ThemeRole::Text), w - spark - 4);
        put(c, ix + 2, 1, "(i: next)", dim, w - ix - 3);
    } else if (const auto idx = interface_index()) {
        const auto& itf = s->interfaces[*idx];
        std::string line = itf.name + (itf.up ? "" : " (down)") + (uni ? "  ↓ " : "  v ") +
                           format_rate(itf.traffic.rx_bps) + (uni ? "  ↑ " : "  ^ ") +
                           format_rate(itf.traffic.tx_bps);
        int ix = put(c, spark + 3, 1, line, palette_.style(ThemeRole::Text), w - spark - 4);
        if (s->interfaces.size() > 1) put(c, ix + 2, 1, "(i: next)", dim, w - ix - 3);
    }
}

// The local wall-clock time, HH:MM:SS, for the header.
std::string Ui::clock_text() {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    char buf[16] = "--:--:--";
    if (localtime_r(&now, &local) != nullptr) std::strftime(buf, sizeof buf, "%H:%M:%S", &local);
    return buf;
}

void Ui::draw_tabs(CursesCanvas& c, int w) {
    tab_spans_.clear();
    int x = 1;
    for (std::size_t i = 0; i < tabs_.size(); ++i) {
        const bool active = i == current_;
        Style s = active ? palette_.style(ThemeRole::Selected) : palette_.style(ThemeRole::Dim);
        if (active) {
            s.fg = palette_.theme().role(ThemeRole::Accent);
            s.attrs |= kAttrBold;
        }
        std::string label =
            " " + (i < 9 ? std::to_string(i + 1) + " " : std::string()) + tabs_[i].title + " ";
        const int start = x;
        x = put(c, x, kTabRow, label, s, w - x);
        tab_spans_.emplace_back(start, x);
        x += 1;
        if (x >= w) break;
    }
}

void Ui::draw_view(int w) {
    Tab* tab = current();
    CursesCanvas canvas(stdscr, 0, view_y_, w, view_h_, palette_);
    if (!tab) {
        canvas.text(2, 1, "no views loaded", palette_.style(ThemeRole::Dim));
        return;
    }
    if (tab->error.empty()) {
        const bool ok = guard(*tab, "draw", [&] { tab->view->draw(canvas, ctx_); });
        if (ok) return;
        // Whatever it drew before it threw is not to be trusted.
        canvas.fill(0, 0, w, view_h_, palette_.style(ThemeRole::Text));
    }
    canvas.text(2, 1, "view " + tab->id + " failed: " + tab->error, palette_.style(ThemeRole::Bad));
}

std::vector<KeyHint> Ui::current_hints() {
    std::vector<KeyHint> hints;
    if (Tab* tab = current(); tab && tab->view)
        guard(*tab, "key_hints", [&] { hints = tab->view->key_hints(); });
    return hints;
}

void Ui::draw_status(CursesCanvas& c, int w, int h) {
    const int y = h - 1;
    c.fill(0, y, w, 1, palette_.style(ThemeRole::Zebra));
    Style bar = palette_.style(ThemeRole::Zebra);
    bar.fg = palette_.theme().role(ThemeRole::Text);
    Style key = bar;
    key.fg = palette_.theme().role(ThemeRole::Accent);
    key.attrs |= kAttrBold;
    if (mode_ == Mode::Filter) {
        int x = put(c, 1, y, "filter: /", key);
        x = put(c, x, y, ctx_.filter, bar, w - x - 30);
        x = put(c, x, y, palette_.unicode() ? "▏" : "_", key);
        put(c, x + 2, y, "Enter keep  Esc clear", bar, w - x - 3);
        return;
    }
    if (message_) {
        put(c, 1, y, *message_, key, w - 2);
        return;
    }
    int x = 1;
    auto hint = [&](const std::string& k, const std::string& d) {
        if (x >= w - 2) return;
        x = put(c, x, y, k, key, w - x - 1);
        x = put(c, x + 1, y, d, bar, w - x - 2) + 2;
    };
    if (!ctx_.filter.empty()) hint("/", "filter: " + ctx_.filter);
    for (const auto& kh : current_hints()) hint(kh.key, kh.description);
    hint("?", "help");
    hint("q", "quit");
    // What watching costs, at the right end: "sstop 0.4% CPU 31 MiB".
    int right = w - 1;
    if (shown_) {
        const std::string cost = self_cost_text(shown_->counters);
        const int cw = cell_width(cost, palette_.unicode());
        if (!cost.empty() && right - cw > x + 2) {
            Style dim = bar;
            dim.fg = palette_.theme().role(ThemeRole::Dim);
            put(c, right - cw, y, cost, dim);
            right -= cw + 2;
        }
    }
    // The newest notice, right-aligned, where the hints leave room.
    if (shown_ && !shown_->notices.empty()) {
        const Notice& n = shown_->notices.back();
        Style ns = bar;
        ns.fg = palette_.theme().role(n.level == Notice::Level::Error     ? ThemeRole::Bad
                                      : n.level == Notice::Level::Warning ? ThemeRole::Warn
                                                                          : ThemeRole::Dim);
        const int room = right - x - 1;
        if (room > 10) {
            const std::string text = clip_utf8(n.text, room, palette_.unicode());
            put(c, right - cell_width(text, palette_.unicode()), y, text, ns);
        }
    }
}

// A framed box; returns the inner rectangle's left column and top row.
std::pair<int, int> Ui::draw_box(CursesCanvas& c, int bw, int bh, int w, int h,
                                 const std::string& title) {
    const int x0 = std::max(0, (w - bw) / 2), y0 = std::max(0, (h - bh) / 2);
    const Style body = palette_.style(ThemeRole::Zebra);
    Style frame = body;
    frame.fg = palette_.theme().role(ThemeRole::Accent);
    c.fill(x0, y0, bw, bh, body);
    const bool uni = palette_.unicode();
    const std::string hz = uni ? "─" : "-", vt = uni ? "│" : "|";
    std::string top = uni ? "┌" : "+", bottom = uni ? "└" : "+";
    for (int i = 0; i < bw - 2; ++i) top += hz, bottom += hz;
    top += uni ? "┐" : "+";
    bottom += uni ? "┘" : "+";
    c.text(x0, y0, top, frame);
    c.text(x0, y0 + bh - 1, bottom, frame);
    for (int r = 1; r < bh - 1; ++r) {
        c.text(x0, y0 + r, vt, frame);
        c.text(x0 + bw - 1, y0 + r, vt, frame);
    }
    Style t = frame;
    t.attrs |= kAttrBold;
    c.text(x0 + 2, y0, " " + title + " ", t, bw - 4);
    return {x0 + 2, y0 + 1};
}

void Ui::draw_help(CursesCanvas& c, int w, int h) {
    std::vector<std::pair<std::string, std::string>> lines;
    auto add_group = [&](KeyGroup group) {
        for (const KeyHelp& k : kKeyHelp) {
            if (k.group != group) continue;
            std::string what(k.what);
            if (k.now == KeyNow::Sort) what += std::string(" (now: ") + sort_name(ctx_.sort) + ")";
            if (k.now == KeyNow::Interval)
                what += " (now: " + core::format_duration(interval_) + ")";
            lines.emplace_back(std::string(k.keys), std::move(what));
        }
    };
    add_group(KeyGroup::Host);
    // The current view's keys and the tab hotkeys before the list keys: on a short screen
    // the tail is cut, and the built-in views' hints already name their list keys.
    const auto hints = current_hints();
    if (!hints.empty()) {
        lines.push_back({"", current() ? current()->title + " keys:" : ""});
        for (const auto& kh : hints) lines.push_back({kh.key, kh.description});
    }
    for (const auto& tab : tabs_)
        if (tab.hotkey > 0x20 && tab.hotkey < 0x7F)
            lines.push_back({std::string(1, static_cast<char>(tab.hotkey)), "go to " + tab.title});
    lines.push_back({"", std::string(kListKeysHeading)});
    add_group(KeyGroup::List);
    const int bw = std::min(w - 2, 64);
    const int bh = std::min(h - 2, static_cast<int>(lines.size()) + 2);
    const auto [x, y] = draw_box(c, bw, bh, w, h, "Help - any key closes");
    Style body = palette_.style(ThemeRole::Zebra);
    Style key = body;
    key.fg = palette_.theme().role(ThemeRole::Accent);
    key.attrs |= kAttrBold;
    for (int i = 0; i < static_cast<int>(lines.size()) && i < bh - 2; ++i) {
        const auto& [k, d] = lines[static_cast<std::size_t>(i)];
        c.text(x, y + i, k, key, 16);
        c.text(x + 17, y + i, d, body, bw - 21);
    }
}

void Ui::draw_kill(CursesCanvas& c, int w, int h) {
    const auto& sigs = kill_signals();
    const int bw = std::min(w - 2, 56);
    const int bh = std::min(h - 2, static_cast<int>(sigs.size()) + 4);
    const std::string who = std::to_string(kill_target_.id.pid) + " (" + kill_target_.name + ")";
    const auto [x, y] = draw_box(c, bw, bh, w, h, "Send a signal to " + who);
    Style body = palette_.style(ThemeRole::Zebra);
    Style sel = palette_.style(ThemeRole::Selected);
    sel.attrs |= kAttrBold;
    for (int i = 0; i < static_cast<int>(sigs.size()) && i < bh - 4; ++i) {
        const bool on = i == kill_choice_;
        const std::string line = std::string(on ? "> " : "  ") + "SIG" +
                                 sigs[static_cast<std::size_t>(i)].name + " (" +
                                 std::to_string(sigs[static_cast<std::size_t>(i)].number) + ")";
        c.text(x, y + i, line, on ? sel : body, bw - 4);
    }
    Style foot = body;
    foot.fg = palette_.theme().role(ThemeRole::Accent);
    if (mode_ == Mode::KillConfirm) {
        foot.fg = palette_.theme().role(ThemeRole::Warn);
        foot.attrs |= kAttrBold;
        c.text(x, y + bh - 3,
               std::string("Send SIG") + sigs[static_cast<std::size_t>(kill_choice_)].name +
                   " to " + who + "? y/n",
               foot, bw - 4);
    } else {
        c.text(x, y + bh - 3, "j/k choose  Enter send  Esc cancel", foot, bw - 4);
    }
}

}  // namespace sstop::tui
