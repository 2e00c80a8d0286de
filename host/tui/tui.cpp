#include "tui/tui.hpp"

#include <langinfo.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <clocale>
#include <cstring>
#include <ctime>
#include <optional>
#include <set>
#include <sstop/format.hpp>
#include <stdexcept>

#include "core/alerts.hpp"
#include "core/duration.hpp"
#include "tui/canvas.hpp"
#include "tui/color.hpp"
#include "tui/input.hpp"
#include "tui/key_help.hpp"
#include "tui/self_cost.hpp"
#include "tui/terminal.hpp"
#include "tui/text.hpp"

namespace sstop::tui {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMinWidth = 60;
constexpr int kMinHeight = 15;
constexpr int kHeaderRows = 2;         // title line, sparkline line
constexpr int kTabRow = kHeaderRows;   // the tab bar below the header
constexpr int kViewTop = kTabRow + 1;  // first row of the view rectangle
constexpr int kSparkPoints = 60;
constexpr int kMaxKeysPerFrame = 256;  // drain a paste or a key storm, then draw once
constexpr std::chrono::milliseconds kPoll{100};
constexpr std::chrono::seconds kMessageTime{4};

/// A loaded view and what the host keeps about it.
struct Tab {
    std::string id;
    std::shared_ptr<View> view;
    std::string title;
    std::int32_t hotkey = 0;
    std::string error;  ///< set once the view threw; it is not called again
};

enum class Mode { Normal, Help, Kill, KillConfirm, Filter };

bool is_utf8_locale() {
    const char* cs = nl_langinfo(CODESET);
    return cs != nullptr && (std::strcmp(cs, "UTF-8") == 0 || std::strcmp(cs, "utf8") == 0);
}

class Ui {
  public:
    Ui(std::vector<TabView> views, const TuiHooks& hooks, Palette& palette)
        : hooks_(hooks), palette_(palette), interval_(hooks.interval) {
        ctx_.show_names = hooks.dns_enabled;
        ctx_.filter = hooks.initial_filter;
        for (auto& v : views) {
            Tab tab;
            tab.id = v.id;
            tab.view = std::move(v.view);
            tab.title = tab.id;
            if (!tab.view) {
                tab.error = "no view object";
            } else {
                guard(tab, "title", [&] {
                    tab.title = tab.view->title();
                    tab.hotkey = tab.view->hotkey();
                });
            }
            tabs_.push_back(std::move(tab));
        }
    }

    int run() {
        while (!quit_) {
            if (hooks_.stop_requested && hooks_.stop_requested()) break;
            take_snapshot();
            if (message_ && Clock::now() > message_until_) message_.reset(), dirty_ = true;
            if (dirty_) draw();
            wtimeout(stdscr, static_cast<int>(kPoll.count()));
            wint_t wc = 0;
            int rc = wget_wch(stdscr, &wc);
            if (rc == ERR) continue;
            wtimeout(stdscr, 0);
            for (int n = 0; rc != ERR && n < kMaxKeysPerFrame && !quit_; ++n) {
                handle_input(rc == KEY_CODE_YES, static_cast<std::int64_t>(wc));
                rc = wget_wch(stdscr, &wc);
            }
        }
        return 0;
    }

  private:
    template <typename F>
    bool guard(Tab& tab, const char* what, F&& f) {
        if (!tab.error.empty()) return false;
        try {
            f();
            return true;
        } catch (const std::exception& e) {
            tab.error = e.what();
        } catch (...) {
            tab.error = "unknown exception";
        }
        if (hooks_.log)
            hooks_.log(Notice::Level::Error,
                       "view " + tab.id + " failed in " + what + ": " + tab.error);
        dirty_ = true;
        return false;
    }

    Tab* current() { return tabs_.empty() ? nullptr : &tabs_[current_]; }

    void take_snapshot() {
        if (!hooks_.snapshots) return;
        auto s = hooks_.snapshots->wait_newer(seen_, std::chrono::milliseconds(0));
        if (!s) return;
        latest_ = std::move(s);
        note_alerts(*latest_);
        if (!ctx_.paused) show(latest_);
    }

    // Counts the active alerts for the header badge and rings the bell for a `bell` rule
    // that became active (also while paused: the bell is for what happens now).
    void note_alerts(const Snapshot& s) {
        std::set<std::pair<std::string, std::int32_t>> now;
        bool ring = false;
        for (const core::ActiveAlert& a : core::alerts_of(s)) {
            now.emplace(a.name, a.id.pid);
            const bool bell = std::find(hooks_.bell_alerts.begin(), hooks_.bell_alerts.end(),
                                        a.name) != hooks_.bell_alerts.end();
            if (bell && !active_alerts_.count({a.name, a.id.pid})) ring = true;
        }
        active_alerts_ = std::move(now);
        if (ring) ::beep();
    }

    void show(const std::shared_ptr<const Snapshot>& s) {
        shown_ = s;
        for (auto& tab : tabs_) guard(tab, "update", [&] { tab.view->update(s); });
        dirty_ = true;
    }

    void say(std::string text) {
        message_ = std::move(text);
        message_until_ = Clock::now() + kMessageTime;
        dirty_ = true;
    }

    // ---- input ---------------------------------------------------------------------------

    void handle_input(bool function_key, std::int64_t value) {
        dirty_ = true;
        if (function_key && value == KEY_RESIZE) return;  // the next draw reads the new size
        if (function_key && value == KEY_MOUSE) {
            handle_mouse();
            return;
        }
        if (!function_key && value == 3) {  // Ctrl-C: raw mode delivers it as a key
            quit_ = true;
            return;
        }
        const std::int32_t key = map_curses_key(function_key, value);
        if (key == kKeyNone) return;
        switch (mode_) {
            case Mode::Help:
                mode_ = Mode::Normal;
                return;
            case Mode::Kill:
                kill_key(key);
                return;
            case Mode::KillConfirm:
                confirm_key(key);
                return;
            case Mode::Filter:
                filter_key(key);
                return;
            case Mode::Normal:
                break;
        }
        if (Tab* tab = current(); tab && tab->view) {
            bool used = false;
            guard(*tab, "on_key", [&] { used = tab->view->on_key(KeyEvent{key}, ctx_); });
            if (used) return;
        }
        host_key(key);
    }

    void host_key(std::int32_t key) {
        switch (key) {
            case 'q':
                quit_ = true;
                return;
            case '?':
                mode_ = Mode::Help;
                return;
            case 'K':
                open_kill();
                return;
            case '/':
                mode_ = Mode::Filter;
                return;
            case 's':
                ctx_.sort = next_sort(ctx_.sort);
                say(std::string("sort by ") + sort_name(ctx_.sort));
                return;
            case ' ':
                ctx_.paused = !ctx_.paused;
                if (!ctx_.paused && latest_ && latest_ != shown_) show(latest_);
                return;
            case '+':
            case '=':
                change_interval(+1);
                return;
            case '-':
                change_interval(-1);
                return;
            case 'a':
                ctx_.cumulative = !ctx_.cumulative;
                say(ctx_.cumulative ? "showing bytes since start" : "showing rates");
                return;
            case 'd':
                ctx_.show_names = !ctx_.show_names;
                say(ctx_.show_names ? "showing names" : "showing addresses");
                return;
            case 'i':
                next_interface();
                return;
            case kKeyTab:
                if (!tabs_.empty()) current_ = (current_ + 1) % tabs_.size();
                return;
            case kKeyBackTab:
                if (!tabs_.empty()) current_ = (current_ + tabs_.size() - 1) % tabs_.size();
                return;
            case kKeyEscape:
                ctx_.filter.clear();
                return;
            default:
                break;
        }
        if (key >= '1' && key <= '9') {
            const auto index = static_cast<std::size_t>(key - '1');
            if (index < tabs_.size()) current_ = index;
            return;
        }
        for (std::size_t i = 0; i < tabs_.size(); ++i)
            if (tabs_[i].hotkey != 0 && tabs_[i].hotkey == key) current_ = i;
    }

    void change_interval(int dir) {
        const auto next = step_interval(interval_, dir);
        if (next != interval_ && hooks_.set_interval) {
            try {
                hooks_.set_interval(next);
            } catch (const std::exception& e) {
                say(std::string("interval not changed: ") + e.what());
                return;
            }
        }
        interval_ = next;
        say("interval " + core::format_duration(interval_));
    }

    // Cycles through the interfaces, then "all interfaces" (their sum), then the first again.
    void next_interface() {
        if (!shown_ || shown_->interfaces.empty()) return;
        const auto& itfs = shown_->interfaces;
        if (all_interfaces_) {
            all_interfaces_ = false;
            interface_ = itfs.front().name;
        } else {
            const std::size_t now = interface_index().value_or(0);
            if (now + 1 >= itfs.size() && itfs.size() > 1) {
                all_interfaces_ = true;
                say("all interfaces");
                return;
            }
            interface_ = itfs[(now + 1) % itfs.size()].name;
        }
        say("interface " + interface_);
    }

    std::optional<std::size_t> interface_index() const {
        if (!shown_ || all_interfaces_) return std::nullopt;
        const auto& itfs = shown_->interfaces;
        for (std::size_t i = 0; i < itfs.size(); ++i)
            if (!interface_.empty() && itfs[i].name == interface_) return i;
        return default_interface(itfs);
    }

    void filter_key(std::int32_t key) {
        if (key == kKeyEnter) {
            mode_ = Mode::Normal;
        } else if (key == kKeyEscape) {
            ctx_.filter.clear();
            mode_ = Mode::Normal;
        } else if (key == kKeyBackspace || key == kKeyDelete) {
            // Remove one UTF-8 character.
            while (!ctx_.filter.empty()) {
                const auto c = static_cast<unsigned char>(ctx_.filter.back());
                ctx_.filter.pop_back();
                if ((c & 0xC0) != 0x80) break;
            }
        } else if (key == kKeyCtrlU) {
            ctx_.filter.clear();
        } else if (key >= 0x20 && key < 0x110000 && ctx_.filter.size() < 256) {
            append_utf8(ctx_.filter, static_cast<std::uint32_t>(key));
        }
    }

    void open_kill() {
        Tab* tab = current();
        std::optional<ProcessInfo> target;
        if (tab && tab->view)
            guard(*tab, "selected_process", [&] { target = tab->view->selected_process(); });
        if (!target) {
            say("no process selected");
            return;
        }
        if (!may_signal(target->id.pid, static_cast<std::int32_t>(::getpid()))) {
            say("refusing to signal pid " + std::to_string(target->id.pid));
            return;
        }
        kill_target_ = *target;
        kill_choice_ = 0;
        mode_ = Mode::Kill;
    }

    void kill_key(std::int32_t key) {
        const int n = static_cast<int>(kill_signals().size());
        if (key == kKeyUp || key == 'k') {
            kill_choice_ = (kill_choice_ + n - 1) % n;
        } else if (key == kKeyDown || key == 'j') {
            kill_choice_ = (kill_choice_ + 1) % n;
        } else if (key == kKeyEnter) {
            mode_ = Mode::KillConfirm;
        } else if (key == kKeyEscape || key == 'q') {
            mode_ = Mode::Normal;
        }
    }

    void confirm_key(std::int32_t key) {
        if (key == 'y' || key == 'Y') {
            send_signal();
            mode_ = Mode::Normal;
        } else if (key == 'n' || key == 'N' || key == kKeyEscape) {
            mode_ = Mode::Kill;
        }
    }

    void send_signal() {
        const SignalChoice& sig = kill_signals()[static_cast<std::size_t>(kill_choice_)];
        const std::int32_t pid = kill_target_.id.pid;
        const std::string who = std::to_string(pid) + " (" + kill_target_.name + ")";
        // Checked again here: the overlay must never reach kill(0), kill(-1) or ourselves.
        if (!may_signal(pid, static_cast<std::int32_t>(::getpid()))) {
            say("refusing to signal pid " + std::to_string(pid));
            return;
        }
        if (::kill(pid, sig.number) == 0)
            say(std::string("sent SIG") + sig.name + " to " + who);
        else
            say(std::string("SIG") + sig.name + " to " + who + ": " + std::strerror(errno));
    }

    void handle_mouse() {
        MEVENT ev{};
        if (getmouse(&ev) != OK) return;
        if (mode_ != Mode::Normal) return;
        // curses groups two clicks within its interval into a double click even when they
        // hit different places; only the same cell twice is a double click here.
        const bool same_cell = ev.x == last_click_.first && ev.y == last_click_.second;
        if (ev.bstate & (BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)) last_click_ = {ev.x, ev.y};
        if ((ev.bstate & BUTTON1_DOUBLE_CLICKED) && !same_cell) {
            ev.bstate &= ~static_cast<mmask_t>(BUTTON1_DOUBLE_CLICKED);
            ev.bstate |= BUTTON1_CLICKED;
        }
        if (ev.y == kTabRow && (ev.bstate & (BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED))) {
            for (std::size_t i = 0; i < tab_spans_.size(); ++i)
                if (ev.x >= tab_spans_[i].first && ev.x < tab_spans_[i].second) current_ = i;
            return;
        }
        if (ev.y < view_y_ || ev.y >= view_y_ + view_h_) return;
        MouseEvent m;
        if (ev.bstate & BUTTON1_DOUBLE_CLICKED)
            m.kind = MouseEvent::Kind::DoubleClick;
        else if (ev.bstate & BUTTON1_CLICKED)
            m.kind = MouseEvent::Kind::Click;
        else if (ev.bstate & BUTTON4_PRESSED)
            m.kind = MouseEvent::Kind::WheelUp;
        else if (ev.bstate & BUTTON5_PRESSED)
            m.kind = MouseEvent::Kind::WheelDown;
        else
            return;
        m.x = ev.x;
        m.y = ev.y - view_y_;
        if (Tab* tab = current(); tab && tab->view)
            guard(*tab, "on_mouse", [&] { tab->view->on_mouse(m, ctx_); });
    }

    // ---- drawing -------------------------------------------------------------------------

    void draw() {
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

    void draw_too_small(CursesCanvas& c, int w, int h) {
        const std::string times = palette_.unicode() ? "×" : "x";
        const std::string text = "terminal too small: " + std::to_string(w) + times +
                                 std::to_string(h) + ", need " + std::to_string(kMinWidth) + times +
                                 std::to_string(kMinHeight);
        const int tw = cell_width(text, palette_.unicode());
        c.text(std::max(0, (w - tw) / 2), h / 2, text, palette_.style(ThemeRole::Warn));
    }

    // Draws `text` at (x, y) and returns the column after it.
    int put(CursesCanvas& c, int x, int y, std::string_view text, const Style& s,
            int max_cells = -1) {
        return x + c.text(x, y, text, s, max_cells);
    }

    void draw_header(CursesCanvas& c, int w) {
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
            x = put(c, x + 2, 0, std::to_string(s->processes.size()),
                    palette_.style(ThemeRole::Text));
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
            std::string line = "all interfaces" + std::string(uni ? "  ↓ " : "  v ") +
                               format_rate(rx) + (uni ? "  ↑ " : "  ^ ") + format_rate(tx);
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
    static std::string clock_text() {
        const std::time_t now = std::time(nullptr);
        std::tm local{};
        char buf[16] = "--:--:--";
        if (localtime_r(&now, &local) != nullptr)
            std::strftime(buf, sizeof buf, "%H:%M:%S", &local);
        return buf;
    }

    void draw_tabs(CursesCanvas& c, int w) {
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

    void draw_view(int w) {
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
        canvas.text(2, 1, "view " + tab->id + " failed: " + tab->error,
                    palette_.style(ThemeRole::Bad));
    }

    std::vector<KeyHint> current_hints() {
        std::vector<KeyHint> hints;
        if (Tab* tab = current(); tab && tab->view)
            guard(*tab, "key_hints", [&] { hints = tab->view->key_hints(); });
        return hints;
    }

    void draw_status(CursesCanvas& c, int w, int h) {
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
    std::pair<int, int> draw_box(CursesCanvas& c, int bw, int bh, int w, int h,
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

    void draw_help(CursesCanvas& c, int w, int h) {
        std::vector<std::pair<std::string, std::string>> lines;
        auto add_group = [&](KeyGroup group) {
            for (const KeyHelp& k : kKeyHelp) {
                if (k.group != group) continue;
                std::string what(k.what);
                if (k.now == KeyNow::Sort)
                    what += std::string(" (now: ") + sort_name(ctx_.sort) + ")";
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
                lines.push_back(
                    {std::string(1, static_cast<char>(tab.hotkey)), "go to " + tab.title});
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

    void draw_kill(CursesCanvas& c, int w, int h) {
        const auto& sigs = kill_signals();
        const int bw = std::min(w - 2, 56);
        const int bh = std::min(h - 2, static_cast<int>(sigs.size()) + 4);
        const std::string who =
            std::to_string(kill_target_.id.pid) + " (" + kill_target_.name + ")";
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

    const TuiHooks& hooks_;
    Palette& palette_;
    std::vector<Tab> tabs_;
    std::size_t current_ = 0;
    ViewContext ctx_;
    std::chrono::nanoseconds interval_;
    std::uint64_t seen_ = 0;
    std::shared_ptr<const Snapshot> latest_;                        ///< newest from the collector
    std::set<std::pair<std::string, std::int32_t>> active_alerts_;  ///< (rule, pid) active now
    std::shared_ptr<const Snapshot> shown_;  ///< what is on screen (older while paused)
    std::string interface_;                  ///< chosen with `i`; empty = the default rule
    bool all_interfaces_ = false;            ///< `i` chose "all interfaces" (their sum)
    Mode mode_ = Mode::Normal;
    ProcessInfo kill_target_;
    int kill_choice_ = 0;
    std::optional<std::string> message_;
    Clock::time_point message_until_{};
    std::vector<std::pair<int, int>> tab_spans_;  ///< [start, end) columns per tab
    std::pair<int, int> last_click_{-1, -1};
    int view_y_ = kViewTop;
    int view_h_ = 0;
    bool dirty_ = true;
    bool quit_ = false;
};

}  // namespace

int run_tui(std::vector<TabView> views, const TuiHooks& hooks) {
    std::setlocale(LC_ALL, "");
    bool unicode = is_utf8_locale();
    if (hooks.ui.unicode == "always") unicode = true;
    if (hooks.ui.unicode == "never") unicode = false;
    auto warn = [&](const std::string& text) {
        if (hooks.log) hooks.log(Notice::Level::Warning, text);
    };
    const Theme theme = make_theme(hooks.ui.theme, hooks.ui.colors, warn);
    Terminal terminal(hooks.ui.mouse, warn);  // throws before the screen changes
    Palette palette(theme, terminal.colours(), terminal.max_pairs(), unicode);
    Ui ui(std::move(views), hooks, palette);
    return ui.run();
}

}  // namespace sstop::tui
