#include "tui/terminal.hpp"

#include <signal.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace sstop::tui {

namespace {

// What a crash handler writes to put the terminal back. A signal handler can only reach
// static storage, so this is the one mutable global of the UI; it is filled before the
// handlers are installed and only read by them.
struct CrashRestore {
    char bytes[512];
    std::size_t length = 0;
    int fd = -1;
    bool have_termios = false;
    termios saved{};
    struct sigaction previous[9];
    bool installed[9] = {};
};
CrashRestore g_restore;  // NOLINT: signal handlers need static storage

// Crash signals, and the termination signals for a caller that neither blocks nor handles
// them (sstop's main blocks them and takes them in its signal thread, so there the UI sees
// them as stop_requested()).
constexpr int kRestoreSignals[] = {SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE,
                                   SIGQUIT, SIGTERM, SIGINT, SIGHUP};

// The line a crash leaves on stderr once the terminal is back, so the reason is readable
// even where the shell says nothing about signals. String literals: static, safe to write.
const char* crash_message(int sig) {
    switch (sig) {
        case SIGSEGV:
            return "sstop: crashed (SIGSEGV, invalid memory access); terminal restored\n";
        case SIGABRT:
            return "sstop: crashed (SIGABRT, aborted); terminal restored\n";
        case SIGBUS:
            return "sstop: crashed (SIGBUS, bus error); terminal restored\n";
        case SIGILL:
            return "sstop: crashed (SIGILL, illegal instruction); terminal restored\n";
        case SIGFPE:
            return "sstop: crashed (SIGFPE, arithmetic error); terminal restored\n";
        default:
            return nullptr;
    }
}

extern "C" void restore_and_reraise(int sig) {
    // Only async-signal-safe calls here: write, tcsetattr, signal, raise.
    const int saved_errno = errno;
    const std::size_t length = g_restore.length;
    if (length > 0) {
        ssize_t ignored = ::write(g_restore.fd, g_restore.bytes, length);
        (void)ignored;
    }
    if (g_restore.have_termios) ::tcsetattr(g_restore.fd, TCSANOW, &g_restore.saved);
    if (const char* message = crash_message(sig)) {
        ssize_t ignored = ::write(STDERR_FILENO, message, std::strlen(message));
        (void)ignored;
    }
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    errno = saved_errno;
}

}  // namespace

void restore_terminal_now() {
    // As the crash handler does: the saved escape sequences and tty modes, nothing else.
    const std::size_t length = g_restore.length;
    if (length > 0) {
        ssize_t ignored = ::write(g_restore.fd, g_restore.bytes, length);
        (void)ignored;
    }
    if (g_restore.have_termios) ::tcsetattr(g_restore.fd, TCSANOW, &g_restore.saved);
}

namespace {

void install_restore_handlers() {
    struct sigaction sa {};
    sa.sa_handler = restore_and_reraise;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (std::size_t i = 0; i < std::size(kRestoreSignals); ++i) {
        // Someone else's handler (a sanitizer, a debugger) stays in charge.
        g_restore.installed[i] = false;
        if (sigaction(kRestoreSignals[i], nullptr, &g_restore.previous[i]) != 0) continue;
        if (g_restore.previous[i].sa_handler != SIG_DFL) continue;
        g_restore.installed[i] = sigaction(kRestoreSignals[i], &sa, nullptr) == 0;
    }
}

void remove_restore_handlers() {
    for (std::size_t i = 0; i < std::size(kRestoreSignals); ++i)
        if (g_restore.installed[i]) sigaction(kRestoreSignals[i], &g_restore.previous[i], nullptr);
    g_restore.length = 0;
    g_restore.have_termios = false;
}

void append(std::string& out, const char* cap) {
    const char* s = tigetstr(const_cast<char*>(cap));
    if (s != nullptr && s != reinterpret_cast<char*>(-1)) out += s;
}

bool terminfo_exists(const std::string& name, bool& usable) {
    int err = 0;
    TERMINAL* previous = cur_term;
    usable = false;
    // A failure cannot tell a missing entry from a generic one (both are err 0); "dumb",
    // the generic entry met in practice, is refused by name before this is asked.
    if (setupterm(name.c_str(), STDOUT_FILENO, &err) != OK) return false;
    const char* cup = tigetstr(const_cast<char*>("cup"));
    usable = cup != nullptr && cup != reinterpret_cast<char*>(-1);
    TERMINAL* probe = cur_term;
    set_curterm(previous);
    del_curterm(probe);
    return true;
}

std::string cannot_show(const std::string& name) {
    return "terminal '" + name + "' cannot show the interactive view; use --json or --csv";
}

}  // namespace

std::string choose_terminal(const std::string& term,
                            const std::function<bool(const std::string&)>& known,
                            const std::function<bool(const std::string&)>& usable) {
    if (term.empty())
        throw std::runtime_error("TERM is not set: no interactive view; use --json or --csv");
    if (term == "dumb") throw std::runtime_error(cannot_show(term));
    if (known(term)) {
        if (!usable(term)) throw std::runtime_error(cannot_show(term));
        return term;
    }
    for (const char* fallback : {"xterm-256color", "xterm"})
        if (known(fallback) && usable(fallback)) return fallback;
    throw std::runtime_error("terminal '" + term +
                             "' is unknown (no terminfo entry); use --json or --csv");
}

Terminal::Terminal(bool mouse, const std::function<void(const std::string&)>& warn) {
    const char* env = std::getenv("TERM");
    const std::string term = env ? env : "";
    name_ = choose_terminal(
        term,
        [](const std::string& n) {
            bool u = false;
            return terminfo_exists(n, u);
        },
        [](const std::string& n) {
            bool u = false;
            return terminfo_exists(n, u) && u;
        });
    if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO))
        throw std::runtime_error("the interactive view needs a terminal; use --json or --csv");
    if (name_ != term && warn)
        warn("terminal '" + term + "' has no terminfo entry; using " + name_);

    have_termios_ = ::tcgetattr(STDOUT_FILENO, &before_) == 0;
    // The handlers go in before curses changes the terminal mode: a crash at any later point
    // (another thread is already collecting) puts the saved mode back. The escape sequences
    // to leave the screen are added once curses has loaded them.
    g_restore.length = 0;
    g_restore.fd = STDOUT_FILENO;
    g_restore.saved = before_;
    g_restore.have_termios = have_termios_;
    install_restore_handlers();

    screen_ = newterm(name_.c_str(), stdout, stdin);
    if (screen_ == nullptr) {
        remove_restore_handlers();
        throw std::runtime_error(cannot_show(name_));
    }
    set_term(screen_);
    try {
        init_screen(mouse);
    } catch (...) {
        endwin();
        delscreen(screen_);
        remove_restore_handlers();
        throw;
    }
}

void Terminal::init_screen(bool mouse) {
    raw();  // Ctrl-C arrives as a key, so quitting runs the ordinary path
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    if (has_colors() && start_color() == OK) {
        use_default_colors();
        colours_ = COLORS >= 256 ? 256 : COLORS >= 8 ? 8 : 0;
        max_pairs_ = COLOR_PAIRS - 1 < 1024 ? COLOR_PAIRS - 1 : 1024;
        if (max_pairs_ > 32767) max_pairs_ = 32767;
        if (max_pairs_ < 1) colours_ = 0;
    }
    if (mouse)
        mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED,
                  nullptr);

    // Precompute what a crash handler writes: leave the alternate screen, cursor on,
    // attributes off, keypad and mouse reporting off.
    std::string seq;
    append(seq, "sgr0");
    append(seq, "rmkx");
    append(seq, "cnorm");
    append(seq, "rmcup");
    if (mouse) seq += "\033[?1000l\033[?1002l\033[?1003l\033[?1006l";
    // Length last: a crash while copying writes nothing rather than half a sequence.
    g_restore.length = 0;
    if (seq.size() < sizeof g_restore.bytes) {
        std::memcpy(g_restore.bytes, seq.data(), seq.size());
        g_restore.length = seq.size();
    }
}

Terminal::~Terminal() {
    remove_restore_handlers();
    if (screen_ != nullptr) {
        endwin();
        delscreen(screen_);
    }
}

}  // namespace sstop::tui
