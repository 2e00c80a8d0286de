#pragma once
// Private to host/tui: the UI loop's state, shared by its three files: tui.cpp (start-up,
// the loop, snapshots), ui_input.cpp (keys and mouse) and ui_draw.cpp (the screen).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <sstop/view.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tui/canvas.hpp"
#include "tui/color.hpp"
#include "tui/tui.hpp"

namespace sstop::tui {

using Clock = std::chrono::steady_clock;

inline constexpr int kMinWidth = 60;
inline constexpr int kMinHeight = 15;
inline constexpr int kHeaderRows = 2;         // title line, sparkline line
inline constexpr int kTabRow = kHeaderRows;   // the tab bar below the header
inline constexpr int kViewTop = kTabRow + 1;  // first row of the view rectangle
inline constexpr int kSparkPoints = 60;
inline constexpr int kMaxKeysPerFrame = 256;  // drain a paste or a key storm, then draw once
inline constexpr std::chrono::milliseconds kPoll{100};
inline constexpr std::chrono::seconds kMessageTime{4};

/// A loaded view and what the host keeps about it.
struct Tab {
    std::string id;
    std::shared_ptr<View> view;
    std::string title;
    std::int32_t hotkey = 0;
    std::uint32_t consumes = SSTOP_CONSUMES_ALL;  ///< what of a snapshot it reads
    std::string error;  ///< set once the view threw; it is not called again
};

enum class Mode { Normal, Help, Kill, KillConfirm, Filter };

/// The UI: tabs, modes, what is on screen. UI thread only.
class Ui {
  public:
    Ui(std::vector<TabView> views, const TuiHooks& hooks, Palette& palette);
    /// Runs until the user quits or the app stops; returns the exit code.
    int run();

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

    void take_snapshot();
    /// Tells the app whose socket lists the views read now (see TuiHooks::socket_demand).
    void ask_for_socket_lists();
    void note_alerts(const Snapshot& s);
    void show(const std::shared_ptr<const Snapshot>& s);
    void say(std::string text);

    // Input (ui_input.cpp).
    void handle_input(bool function_key, std::int64_t value);
    void host_key(std::int32_t key);
    void change_interval(int dir);
    void next_interface();
    std::optional<std::size_t> interface_index() const;
    void filter_key(std::int32_t key);
    void open_kill();
    void kill_key(std::int32_t key);
    void confirm_key(std::int32_t key);
    void send_signal();
    void handle_mouse();

    // Drawing (ui_draw.cpp).
    void draw();
    void draw_too_small(CursesCanvas& c, int w, int h);
    int put(CursesCanvas& c, int x, int y, std::string_view text, const Style& s,
            int max_cells = -1);
    void draw_header(CursesCanvas& c, int w);
    static std::string clock_text();
    void draw_tabs(CursesCanvas& c, int w);
    void draw_view(int w);
    std::vector<KeyHint> current_hints();
    void draw_status(CursesCanvas& c, int w, int h);
    std::pair<int, int> draw_box(CursesCanvas& c, int bw, int bh, int w, int h,
                                 const std::string& title);
    void draw_help(CursesCanvas& c, int w, int h);
    void draw_kill(CursesCanvas& c, int w, int h);

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
    std::optional<std::pair<bool, std::vector<ProcessId>>> asked_;  ///< last socket_demand call
};

}  // namespace sstop::tui
