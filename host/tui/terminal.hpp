#pragma once
// The screen: ncursesw set up with newterm (so a bad TERM is an error before anything on the
// terminal changes) and torn down on every exit path, including crash signals.

#include <curses.h>
#include <termios.h>

#include <functional>
#include <string>

namespace sstop::tui {

/// Which terminfo entry to use for `term` (the value of $TERM, possibly empty): `term` itself
/// when `known(term)` holds, else xterm-256color, else xterm. Throws std::runtime_error for
/// an unset TERM, for "dumb", for an entry that `usable` rejects, and when nothing is known.
/// `known` says whether a terminfo entry exists; `usable` whether it can address the cursor.
std::string choose_terminal(const std::string& term,
                            const std::function<bool(const std::string&)>& known,
                            const std::function<bool(const std::string&)>& usable);

/// Puts the terminal back as the crash handler would (the saved escape sequences and tty
/// modes), when a Terminal lives; else does nothing. For a process about to `_exit` from
/// another thread while the UI still runs.
void restore_terminal_now();

/// Owns the curses screen for its lifetime (RAII): endwin and delscreen in the destructor,
/// and an async-signal-safe restore on crash signals while it lives. One at a time.
class Terminal {
  public:
    /// Opens the screen on stdin/stdout. `warn` hears about a TERM fallback. Throws
    /// std::runtime_error, with the terminal untouched, if it cannot be used.
    Terminal(bool mouse, const std::function<void(const std::string&)>& warn);
    ~Terminal();
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    /// Colours the terminal can show: 256, 8, or 0 (monochrome).
    int colours() const { return colours_; }
    /// Colour pairs available beyond pair 0.
    int max_pairs() const { return max_pairs_; }
    /// The terminfo name in use.
    const std::string& name() const { return name_; }

  private:
    /// Modes, colours, mouse and the crash restore, once the screen exists.
    void init_screen(bool mouse);

    SCREEN* screen_ = nullptr;
    termios before_{};  ///< tty modes before curses, for the crash handler
    bool have_termios_ = false;
    std::string name_;
    int colours_ = 0;
    int max_pairs_ = 0;
};

}  // namespace sstop::tui
