// Frame cost of the processes view with a large synthetic snapshot (default 2,000 processes,
// 20,000 connections), into an in-memory canvas (the view's own work) and into the real
// curses canvas of sstop_tui on a pseudo-terminal (view + curses + terminal output, the pty
// drained as fast as a terminal could read it). The reference, measured in the same run in
// alternating blocks, is the same frame with an empty snapshot.
//
//   tui_frame_bench [--frames N] [--processes P] [--connections C] [--cols W] [--rows H]
//
// Prints one table row per case: median and p95 per frame in microseconds, and the ratio of
// the median to the empty-snapshot frame's median.
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "curses_frames.hpp"
#include "processes_view.hpp"
#include "synthetic.hpp"

namespace {

using sstop::bench::alternate;
using sstop::bench::kBlock;
using sstop::bench::kStatusRows;
using sstop::bench::kViewTop;
using sstop::bench::MemoryCanvas;
using sstop::bench::now_ns;
using sstop::bench::percentiles;
using sstop::bench::Samples;
using sstop::plugins::processes::ProcessesView;

struct Options {
    int frames = 400;
    int processes = 2000;
    int connections = 20000;
    int cols = 160;
    int rows = 45;
};

constexpr int kVariants = 4;  // distinct snapshots cycled, so every frame shows new figures

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const int v = std::atoi(argv[i + 1]);
        if (a == "--frames")
            o.frames = v;
        else if (a == "--processes")
            o.processes = v;
        else if (a == "--connections")
            o.connections = v;
        else if (a == "--cols")
            o.cols = v;
        else if (a == "--rows")
            o.rows = v;
        else
            throw std::runtime_error("unknown option " + a);
    }
    if (o.frames < 2 * kBlock) o.frames = 2 * kBlock;
    return o;
}

void print_row(const std::string& name, const Samples& s) {
    const auto f = percentiles(s.full), e = percentiles(s.empty);
    std::printf("| %-48s | %9.1f | %9.1f | %9.1f | %6.1fx |\n", name.c_str(), f.median / 1e3,
                f.p95 / 1e3, e.median / 1e3, e.median > 0 ? f.median / e.median : 0.0);
}

// ---- in-memory canvas ------------------------------------------------------------------

void bench_memory(const Options& o, const std::vector<std::shared_ptr<const sstop::Snapshot>>& full,
                  const std::shared_ptr<const sstop::Snapshot>& empty) {
    const int view_h = o.rows - kViewTop - kStatusRows;
    struct Case {
        std::string name;
        sstop::ViewContext ctx;
    };
    std::vector<Case> cases(3);
    cases[0].name = "memory canvas: table, sort rate";
    cases[1].name = "memory canvas: table, sort name";
    cases[1].ctx.sort = sstop::SortKey::Name;
    // A filter that matches nothing walks every connection of every process.
    cases[2].name = "memory canvas: table, filter matching none";
    cases[2].ctx.filter = "zzz-no-match";
    for (const Case& c : cases) {
        ProcessesView view;
        MemoryCanvas canvas(o.cols, view_h);
        Samples cpu;
        const Samples s = alternate(o.frames, full, empty, [&](const auto& snap, bool counted) {
            const std::int64_t c0 = sstop::bench::thread_cpu_ns();
            const std::int64_t t0 = now_ns();
            view.update(snap);
            view.draw(canvas, c.ctx);
            const std::int64_t t1 = now_ns();
            const std::int64_t c1 = sstop::bench::thread_cpu_ns();
            if (counted)
                (snap == empty ? cpu.empty : cpu.full).push_back(static_cast<double>(c1 - c0));
            return static_cast<double>(t1 - t0);
        });
        // Proof that the frames measured drew rows: one more full frame, every row inked.
        view.update(full[0]);
        view.draw(canvas, c.ctx);
        for (int y = 1; y < view_h && c.ctx.filter.empty(); ++y)
            if (canvas.inked(y) < 20)
                throw std::runtime_error("the view left row " + std::to_string(y) + " blank");
        print_row(c.name, s);
        print_row("  same, CPU time", cpu);
    }
}

// ---- curses canvas on a pty ------------------------------------------------------------

bool write_all(int fd, const std::string& text) {
    for (std::size_t off = 0; off < text.size();) {
        const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}

std::vector<double> numbers(const std::string& text) {
    std::vector<double> out;
    const char* p = text.c_str();
    char* end = nullptr;
    for (double v = std::strtod(p, &end); end != p; v = std::strtod(p, &end)) {
        out.push_back(v);
        p = end;
    }
    return out;
}

void bench_pty(const Options& o, const std::vector<std::shared_ptr<const sstop::Snapshot>>& full,
               const std::shared_ptr<const sstop::Snapshot>& empty) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
    winsize ws{};
    ws.ws_col = static_cast<unsigned short>(o.cols);
    ws.ws_row = static_cast<unsigned short>(o.rows);
    int master = -1;
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, &ws);
    if (pid < 0) throw std::runtime_error("forkpty failed");
    if (pid == 0) {
        ::close(pipe_fds[0]);
        ::setenv("TERM", "xterm-256color", 1);
        ::setenv("LC_ALL", "C.UTF-8", 1);
        int rc = 1;
        try {
            std::setlocale(LC_ALL, "");
            ProcessesView view;
            const std::string report = sstop::bench::curses_frames(view, o.frames, full, empty);
            rc = write_all(pipe_fds[1], report) ? 0 : 1;
        } catch (const std::exception& e) {
            const std::string msg = std::string("error ") + e.what() + "\n";
            (void)!::write(pipe_fds[1], msg.data(), msg.size());
        }
        ::_exit(rc);
    }
    ::close(pipe_fds[1]);
    // Drain the terminal as fast as it comes, as a fast terminal would, and collect the report.
    std::string report;
    std::uint64_t pty_bytes = 0;
    std::array<char, 65536> buf{};
    bool master_open = true, pipe_open = true;
    while (pipe_open) {
        pollfd fds[2] = {{master_open ? master : -1, POLLIN, 0}, {pipe_fds[0], POLLIN, 0}};
        if (::poll(fds, 2, 10000) <= 0) break;
        if (master_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            const ssize_t n = ::read(master, buf.data(), buf.size());
            if (n > 0)
                pty_bytes += static_cast<std::uint64_t>(n);
            else
                master_open = false;  // EIO once the child has closed the slave
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::read(pipe_fds[0], buf.data(), buf.size());
            if (n > 0)
                report.append(buf.data(), static_cast<std::size_t>(n));
            else
                pipe_open = false;
        }
    }
    ::close(pipe_fds[0]);
    ::close(master);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("pty child failed: " + report);
    std::size_t start = 0;
    std::string info;
    while (start < report.size()) {
        std::size_t nl = report.find('\n', start);
        const std::string line = report.substr(start, nl - start);
        start = nl == std::string::npos ? report.size() : nl + 1;
        const std::size_t bar = line.find('|');
        if (bar == std::string::npos || line.find('\t') == std::string::npos) {
            info = line;
            continue;
        }
        const std::size_t tab = line.find('\t');
        Samples s;
        s.full = numbers(line.substr(tab + 1, bar - tab - 1));
        s.empty = numbers(line.substr(bar + 1));
        print_row(line.substr(0, tab), s);
    }
    std::printf("\npty: %s; %.1f KiB written to the terminal per frame on average\n", info.c_str(),
                static_cast<double>(pty_bytes) / 1024.0 / (2.0 * (o.frames + o.frames / kBlock)));
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse(argc, argv);
        std::vector<std::shared_ptr<const sstop::Snapshot>> full;
        for (int v = 0; v < kVariants; ++v)
            full.push_back(sstop::bench::make_snapshot(o.processes, o.connections,
                                                       static_cast<std::uint32_t>(v)));
        const auto empty = std::make_shared<const sstop::Snapshot>();
        std::printf(
            "processes view, %d processes, %d connections, %dx%d, %d frames per case "
            "(blocks of %d, full and empty alternating)\n\n",
            o.processes, o.connections, o.cols, o.rows, o.frames, kBlock);
        std::printf("| %-48s | %9s | %9s | %9s | %7s |\n", "case", "median us", "p95 us",
                    "empty us", "ratio");
        std::printf("|%s|%s|%s|%s|%s|\n", std::string(50, '-').c_str(),
                    std::string(11, '-').c_str(), std::string(11, '-').c_str(),
                    std::string(11, '-').c_str(), std::string(9, '-').c_str());
        std::fflush(stdout);
        bench_memory(o, full, empty);
        std::fflush(stdout);
        bench_pty(o, full, empty);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tui_frame_bench: %s\n", e.what());
        return 1;
    }
}
