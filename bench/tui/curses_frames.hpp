#pragma once
// The curses half of tui_frame_bench, in its own translation unit because <curses.h>
// defines macros (scroll, …) that clash with the view's headers.

#include <memory>
#include <sstop/view.hpp>
#include <string>
#include <vector>

namespace sstop::bench {

/// On the terminal of stdin/stdout (a pty slave): opens sstop's own Terminal, Palette and
/// CursesCanvas and draws `frames` full and `frames` empty-snapshot frames of `view` the way
/// the host draws one (erase, background fill, view, wnoutrefresh + doupdate), in
/// alternating blocks. Returns one line per measured part, "<name><TAB><full ns...>|<empty
/// ns...>", and a last line describing the terminal. Closes the screen before returning.
std::string curses_frames(View& view, int frames,
                          const std::vector<std::shared_ptr<const Snapshot>>& full,
                          const std::shared_ptr<const Snapshot>& empty);

}  // namespace sstop::bench
