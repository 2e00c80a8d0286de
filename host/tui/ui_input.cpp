// The UI's input: keys by mode, the host's own keys, the filter prompt, the kill dialog, mouse.

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

void Ui::handle_input(bool function_key, std::int64_t value) {
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

void Ui::host_key(std::int32_t key) {
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

void Ui::change_interval(int dir) {
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
void Ui::next_interface() {
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

std::optional<std::size_t> Ui::interface_index() const {
    if (!shown_ || all_interfaces_) return std::nullopt;
    const auto& itfs = shown_->interfaces;
    for (std::size_t i = 0; i < itfs.size(); ++i)
        if (!interface_.empty() && itfs[i].name == interface_) return i;
    return default_interface(itfs);
}

void Ui::filter_key(std::int32_t key) {
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

void Ui::open_kill() {
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

void Ui::kill_key(std::int32_t key) {
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

void Ui::confirm_key(std::int32_t key) {
    if (key == 'y' || key == 'Y') {
        send_signal();
        mode_ = Mode::Normal;
    } else if (key == 'n' || key == 'N' || key == kKeyEscape) {
        mode_ = Mode::Kill;
    }
}

void Ui::send_signal() {
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

void Ui::handle_mouse() {
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

}  // namespace sstop::tui
