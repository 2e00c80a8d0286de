#include "curses_frames.hpp"

#include <curses.h>

#include "synthetic.hpp"
#include "tui/canvas.hpp"
#include "tui/color.hpp"
#include "tui/terminal.hpp"

namespace sstop::bench {

std::string curses_frames(View& view, int frames,
                          const std::vector<std::shared_ptr<const Snapshot>>& full,
                          const std::shared_ptr<const Snapshot>& empty) {
    std::string report;
    tui::Terminal terminal(false, [](const std::string&) {});
    tui::Palette palette(tui::tokyo_night(), terminal.colours(), terminal.max_pairs(), true);
    int h = 0, w = 0;
    getmaxyx(stdscr, h, w);
    const int view_h = h - kViewTop - kStatusRows;
    ViewContext ctx;
    Samples draw, output, cpu;
    const Samples whole = alternate(frames, full, empty, [&](const auto& snap, bool counted) {
        const std::int64_t c0 = thread_cpu_ns();
        const std::int64_t t0 = now_ns();
        werase(stdscr);
        tui::CursesCanvas screen(stdscr, 0, 0, w, h, palette);
        screen.fill(0, 0, w, h, palette.style(ThemeRole::Text));
        tui::CursesCanvas canvas(stdscr, 0, kViewTop, w, view_h, palette);
        view.update(snap);
        view.draw(canvas, ctx);
        const std::int64_t t1 = now_ns();
        wnoutrefresh(stdscr);
        doupdate();
        const std::int64_t t2 = now_ns();
        const std::int64_t c2 = thread_cpu_ns();
        if (counted) {
            const bool is_full = snap != empty;
            (is_full ? draw.full : draw.empty).push_back(static_cast<double>(t1 - t0));
            (is_full ? output.full : output.empty).push_back(static_cast<double>(t2 - t1));
            (is_full ? cpu.full : cpu.empty).push_back(static_cast<double>(c2 - c0));
        }
        return static_cast<double>(t2 - t0);
    });
    auto line = [&report](const std::string& name, const Samples& s) {
        report += name + "\t";
        for (double v : s.full) report += " " + std::to_string(static_cast<long long>(v));
        report += " |";
        for (double v : s.empty) report += " " + std::to_string(static_cast<long long>(v));
        report += "\n";
    };
    line("curses canvas on pty: whole frame", whole);
    line("  of which erase+fill+view into curses canvas", draw);
    line("  of which wnoutrefresh+doupdate (output)", output);
    line("curses canvas on pty: whole frame, CPU time", cpu);
    report += "size " + std::to_string(w) + "x" + std::to_string(h) + ", " +
              std::to_string(terminal.colours()) + " colours, terminfo " + terminal.name() + "\n";
    return report;
}

}  // namespace sstop::bench
