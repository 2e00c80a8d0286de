#include "tui/input.hpp"

#include <curses.h>

#include <algorithm>
#include <csignal>
#include <cstdio>

namespace sstop::tui {

std::int32_t map_curses_key(bool is_function_key, std::int64_t value) {
    if (is_function_key) {
        switch (value) {
            case KEY_UP:
                return kKeyUp;
            case KEY_DOWN:
                return kKeyDown;
            case KEY_LEFT:
                return kKeyLeft;
            case KEY_RIGHT:
                return kKeyRight;
            case KEY_PPAGE:
                return kKeyPageUp;
            case KEY_NPAGE:
                return kKeyPageDown;
            case KEY_HOME:
                return kKeyHome;
            case KEY_END:
                return kKeyEnd;
            case KEY_ENTER:
                return kKeyEnter;
            case KEY_BTAB:
                return kKeyBackTab;
            case KEY_BACKSPACE:
                return kKeyBackspace;
            case KEY_DC:
                return kKeyDelete;
            default:
                return kKeyNone;
        }
    }
    switch (value) {
        case '\n':
        case '\r':
            return kKeyEnter;
        case 27:
            return kKeyEscape;
        case '\t':
            return kKeyTab;
        case 127:
        case 8:
            return kKeyBackspace;
        case 0x15:
            return kKeyCtrlU;
        case 0x04:
            return kKeyCtrlD;
        default:
            break;
    }
    if (value < 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return kKeyNone;
    return static_cast<std::int32_t>(value);
}

const std::vector<std::chrono::nanoseconds>& interval_steps() {
    using namespace std::chrono;
    static const std::vector<nanoseconds> kSteps{
        milliseconds(100), milliseconds(250), milliseconds(500), seconds(1),
        seconds(2),        seconds(5),        seconds(10)};
    return kSteps;
}

std::chrono::nanoseconds step_interval(std::chrono::nanoseconds current, int dir) {
    const auto& steps = interval_steps();
    if (dir > 0) {
        for (const auto& s : steps)
            if (s > current) return s;
        return steps.back();
    }
    if (dir < 0) {
        for (auto it = steps.rbegin(); it != steps.rend(); ++it)
            if (*it < current) return *it;
        return steps.front();
    }
    return current;
}

SortKey next_sort(SortKey key) {
    switch (key) {
        case SortKey::Rate:
            return SortKey::Download;
        case SortKey::Download:
            return SortKey::Upload;
        case SortKey::Upload:
            return SortKey::Pid;
        case SortKey::Pid:
            return SortKey::Name;
        case SortKey::Name:
            return SortKey::Connections;
        case SortKey::Connections:
            return SortKey::Rate;
    }
    return SortKey::Rate;
}

const char* sort_name(SortKey key) {
    switch (key) {
        case SortKey::Rate:
            return "rate";
        case SortKey::Download:
            return "download";
        case SortKey::Upload:
            return "upload";
        case SortKey::Pid:
            return "pid";
        case SortKey::Name:
            return "name";
        case SortKey::Connections:
            return "connections";
    }
    return "rate";
}

Trend trend_of(const std::vector<double>& history) {
    if (history.size() < 2) return Trend::Flat;
    const double now = history.back();
    const std::size_t n = std::min<std::size_t>(5, history.size() - 1);
    double sum = 0;
    for (std::size_t i = history.size() - 1 - n; i < history.size() - 1; ++i) sum += history[i];
    const double avg = sum / static_cast<double>(n);
    if (avg <= 0) return now > 0 ? Trend::Up : Trend::Flat;
    if (now > avg * 1.2) return Trend::Up;
    if (now < avg * 0.8) return Trend::Down;
    return Trend::Flat;
}

const char* trend_arrow(Trend trend, bool unicode) {
    switch (trend) {
        case Trend::Up:
            return unicode ? "↑" : "^";
        case Trend::Down:
            return unicode ? "↓" : "v";
        case Trend::Flat:
            break;
    }
    return unicode ? "→" : "-";
}

std::vector<double> sum_histories(const std::vector<double>& a, const std::vector<double>& b) {
    const std::vector<double>& longer = a.size() >= b.size() ? a : b;
    const std::vector<double>& shorter = a.size() >= b.size() ? b : a;
    std::vector<double> out = longer;
    const std::size_t off = longer.size() - shorter.size();
    for (std::size_t i = 0; i < shorter.size(); ++i) out[off + i] += shorter[i];
    return out;
}

std::optional<std::size_t> default_interface(const std::vector<InterfaceSummary>& interfaces) {
    if (interfaces.empty()) return std::nullopt;
    std::optional<std::size_t> best;
    auto rate = [&](std::size_t i) {
        return interfaces[i].traffic.rx_bps + interfaces[i].traffic.tx_bps;
    };
    auto total = [&](std::size_t i) {
        return interfaces[i].traffic.rx_bytes + interfaces[i].traffic.tx_bytes;
    };
    // The default route's interface is where "the network" is; traffic only breaks ties
    // (several default routes) or picks one when no source knows the routes.
    auto better = [&](std::size_t i, std::size_t than) {
        const bool route = interfaces[i].default_route;
        const bool than_route = interfaces[than].default_route;
        if (route != than_route) return route;
        if (rate(i) != rate(than)) return rate(i) > rate(than);
        return total(i) > total(than);
    };
    for (std::size_t i = 0; i < interfaces.size(); ++i) {
        const auto& itf = interfaces[i];
        if (!itf.up || itf.name == "lo") continue;
        if (!best || better(i, *best)) best = i;
    }
    return best ? best : std::optional<std::size_t>(0);
}

const std::vector<SignalChoice>& kill_signals() {
    static const std::vector<SignalChoice> kSignals{
        {SIGTERM, "TERM"}, {SIGKILL, "KILL"}, {SIGINT, "INT"},
        {SIGHUP, "HUP"},   {SIGQUIT, "QUIT"}, {SIGUSR1, "USR1"},
        {SIGUSR2, "USR2"}, {SIGSTOP, "STOP"}, {SIGCONT, "CONT"}};
    return kSignals;
}

bool may_signal(std::int32_t pid, std::int32_t self) { return pid > 0 && pid != self; }

}  // namespace sstop::tui
