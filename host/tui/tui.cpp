#include "tui/tui.hpp"

#include <langinfo.h>

#include <algorithm>
#include <clocale>
#include <cstring>
#include <set>

#include "core/alerts.hpp"
#include "tui/canvas.hpp"
#include "tui/color.hpp"
#include "tui/input.hpp"
#include "tui/terminal.hpp"
#include "tui/ui.hpp"

namespace sstop::tui {

namespace {

bool is_utf8_locale() {
    const char* cs = nl_langinfo(CODESET);
    return cs != nullptr && (std::strcmp(cs, "UTF-8") == 0 || std::strcmp(cs, "utf8") == 0);
}

}  // namespace

Ui::Ui(std::vector<TabView> views, const TuiHooks& hooks, Palette& palette)
    : hooks_(hooks), palette_(palette), interval_(hooks.interval) {
    ctx_.show_names = hooks.dns_enabled;
    ctx_.filter = hooks.initial_filter;
    for (auto& v : views) {
        Tab tab;
        tab.id = v.id;
        tab.view = std::move(v.view);
        tab.title = tab.id;
        tab.consumes = v.consumes;
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

int Ui::run() {
    while (!quit_) {
        if (hooks_.stop_requested && hooks_.stop_requested()) break;
        take_snapshot();
        ask_for_socket_lists();
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

void Ui::take_snapshot() {
    if (!hooks_.snapshots) return;
    auto s = hooks_.snapshots->wait_newer(seen_, std::chrono::milliseconds(0));
    if (!s) return;
    latest_ = std::move(s);
    note_alerts(*latest_);
    // While paused, the tick on screen stays; the same tick republished with the socket
    // lists the views asked for since (the cursor moved) is that tick still, so it is shown.
    const bool same_tick =
        shown_ && latest_->seq == shown_->seq && latest_->unix_time_ns == shown_->unix_time_ns;
    if (!ctx_.paused || same_tick) show(latest_);
}

// Every list while a filter is set (it may match sockets) or for a view that reads them all;
// otherwise those of the processes the views have selected. Asked again only on a change; the
// app republishes the snapshot with the new lists at once.
void Ui::ask_for_socket_lists() {
    if (!hooks_.socket_demand) return;
    bool all = false;
    std::vector<ProcessId> pids;
    for (Tab& tab : tabs_) {
        if (!tab.error.empty() || all) continue;
        if (tab.consumes & SSTOP_CONSUMES_SOCKETS) {
            all = true;
        } else if (tab.consumes & SSTOP_CONSUMES_SELECTED_SOCKETS) {
            if (!ctx_.filter.empty()) {
                all = true;
                continue;
            }
            std::optional<ProcessInfo> selected;
            guard(tab, "selected_process", [&] { selected = tab.view->selected_process(); });
            if (selected && selected->id.pid != 0) pids.push_back(selected->id);
        }
    }
    if (all) pids.clear();
    std::pair<bool, std::vector<ProcessId>> now{all, pids};
    if (asked_ == now) return;
    asked_ = std::move(now);
    hooks_.socket_demand(all, std::move(pids));
}

// Counts the active alerts for the header badge and rings the bell for a `bell` rule
// that became active (also while paused: the bell is for what happens now).
void Ui::note_alerts(const Snapshot& s) {
    std::set<std::pair<std::string, std::int32_t>> now;
    bool ring = false;
    for (const core::ActiveAlert& a : core::alerts_of(s)) {
        now.emplace(a.name, a.id.pid);
        const bool bell = std::find(hooks_.bell_alerts.begin(), hooks_.bell_alerts.end(), a.name) !=
                          hooks_.bell_alerts.end();
        if (bell && !active_alerts_.count({a.name, a.id.pid})) ring = true;
    }
    active_alerts_ = std::move(now);
    if (ring) ::beep();
}

void Ui::show(const std::shared_ptr<const Snapshot>& s) {
    shown_ = s;
    for (auto& tab : tabs_) guard(tab, "update", [&] { tab.view->update(s); });
    dirty_ = true;
}

void Ui::say(std::string text) {
    message_ = std::move(text);
    message_until_ = Clock::now() + kMessageTime;
    dirty_ = true;
}

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
