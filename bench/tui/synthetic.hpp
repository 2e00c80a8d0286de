#pragma once
// Synthetic snapshots and a plain in-memory Canvas for the TUI benchmarks. Benchmarks only;
// nothing here is part of sstop.

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <sstop/model.hpp>
#include <sstop/view.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop::bench {

/// Monotonic wall clock, in nanoseconds.
inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// CPU time of the calling thread, in nanoseconds: unlike wall time, it does not grow while
/// the thread waits for the CPU on a loaded machine or for the terminal to drain.
inline std::int64_t thread_cpu_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// Median and 95th percentile of a set of durations (nanoseconds in, as given).
struct Percentiles {
    double median = 0;
    double p95 = 0;
    std::size_t n = 0;
};

inline Percentiles percentiles(std::vector<double> v) {
    Percentiles p;
    p.n = v.size();
    if (v.empty()) return p;
    std::sort(v.begin(), v.end());
    p.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    p.p95 = v[std::min(v.size() - 1, (v.size() * 95 + 99) / 100 - 1)];
    return p;
}

/// Frames per block; blocks of full and of empty-snapshot frames alternate.
constexpr int kBlock = 50;
/// Rows above the view (header, tab bar) and below it (status line), as in the host.
constexpr int kViewTop = 2;
constexpr int kStatusRows = 1;

/// Per-frame samples of one case, in nanoseconds.
struct Samples {
    std::vector<double> full, empty;
};

/// Runs `frame(snapshot, counted)` for `frames` full and `frames` empty frames in alternating
/// blocks; the first frame of each block (the switch) is not counted, and `counted` says so.
template <typename Frame>
Samples alternate(int frames, const std::vector<std::shared_ptr<const sstop::Snapshot>>& full,
                  const std::shared_ptr<const sstop::Snapshot>& empty, Frame&& frame) {
    Samples s;
    int i = 0;
    while (static_cast<int>(s.full.size()) < frames) {
        for (int b = 0; b <= kBlock; ++b, ++i) {
            const double ns = frame(full[static_cast<std::size_t>(i) % full.size()], b > 0);
            if (b > 0) s.full.push_back(ns);
        }
        for (int b = 0; b <= kBlock; ++b) {
            const double ns = frame(empty, b > 0);
            if (b > 0) s.empty.push_back(ns);
        }
    }
    return s;
}

/// A snapshot as the aggregator would publish it for `processes` processes sharing
/// `connections` sockets (the same count each, the rest to the first ones). `variant` changes
/// every rate, the way consecutive ticks do, so sort order and figures differ from frame to
/// frame. Addresses are from the documentation ranges (RFC 5737 / RFC 3849); no traffic is
/// involved.
inline std::shared_ptr<const Snapshot> make_snapshot(int processes, int connections,
                                                     std::uint32_t variant) {
    static constexpr std::string_view kNames[] = {
        "firefox", "chrome",  "sshd",  "nginx", "postgres", "redis-server", "node",
        "python3", "java",    "curl",  "git",   "dockerd",  "containerd",   "systemd-resolve",
        "rsync",   "apt-get", "slack", "code",  "spotify",  "thunderbird",
    };
    std::uint64_t seed = 0x9e3779b97f4a7c15ULL * (variant + 1);
    auto next = [&seed] {  // xorshift64*: deterministic, fast, good enough for figures
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        return seed * 2685821657736338717ULL;
    };
    auto snap = std::make_shared<Snapshot>();
    snap->seq = 100 + variant;
    snap->interval_s = 1.0;
    snap->sources = {"netlink", "afpacket"};
    const int per_process = processes > 0 ? connections / processes : 0;
    int extra = processes > 0 ? connections % processes : 0;
    snap->processes.reserve(static_cast<std::size_t>(processes));
    for (int i = 0; i < processes; ++i) {
        ProcessSummary p;
        p.info.id = {1000 + i, 500000ULL + static_cast<std::uint64_t>(i)};
        p.info.ppid = 1;
        p.info.uid = 1000;
        p.info.name = std::string(kNames[static_cast<std::size_t>(i) % std::size(kNames)]);
        p.info.cmdline = "/usr/bin/" + p.info.name + " --worker " + std::to_string(i);
        // Most processes idle, a few busy: a long tail, as on a real host.
        const double scale = (next() % 10 == 0) ? 1e7 : 1e3;
        p.traffic.rx_bps = static_cast<double>(next() % 1000) * scale / 1000.0;
        p.traffic.tx_bps = static_cast<double>(next() % 1000) * scale / 3000.0;
        p.traffic.rx_bytes = next() % (1ULL << 36);
        p.traffic.tx_bytes = next() % (1ULL << 34);
        const int n = per_process + (extra > 0 ? 1 : 0);
        if (extra > 0) --extra;
        p.sockets.reserve(static_cast<std::size_t>(n));
        for (int s = 0; s < n; ++s) {
            ConnectionSummary c;
            c.key.proto = s % 5 == 4 ? Proto::Udp : Proto::Tcp;
            c.key.local.addr.family = Family::V4;
            c.key.local.addr.bytes = {192, 0, 2, 10};
            c.key.local.port = static_cast<std::uint16_t>(30000 + (i * 13 + s) % 30000);
            const bool listen = s == 0 && i % 7 == 0;
            if (listen) {
                c.state = SocketState::Listen;
                c.key.local.port = static_cast<std::uint16_t>(1024 + i);
                ++p.listening;
            } else {
                c.state = SocketState::Established;
                if (s % 3 == 0) {
                    c.key.remote.addr.family = Family::V6;
                    c.key.remote.addr.bytes = {0x20,
                                               0x01,
                                               0x0d,
                                               0xb8,
                                               0,
                                               0,
                                               0,
                                               0,
                                               0,
                                               0,
                                               0,
                                               0,
                                               0,
                                               0,
                                               static_cast<std::uint8_t>(i >> 8),
                                               static_cast<std::uint8_t>(i)};
                } else {
                    c.key.remote.addr.family = Family::V4;
                    c.key.remote.addr.bytes = {198, 51, 100, static_cast<std::uint8_t>(s * 7 + i)};
                }
                c.key.remote.port = s % 2 ? 443 : 80;
                c.remote_name = "host-" + std::to_string((i + s) % 997) + ".example.net";
                ++p.connections;
            }
            c.inode =
                100000ULL + static_cast<std::uint64_t>(i) * 64 + static_cast<std::uint64_t>(s);
            c.traffic.rx_bps = p.traffic.rx_bps / std::max(1, n);
            c.traffic.tx_bps = p.traffic.tx_bps / std::max(1, n);
            c.age_s = static_cast<double>(next() % 3600);
            c.measured = true;
            p.sockets.push_back(std::move(c));
        }
        p.history.resize(16);
        for (double& h : p.history) h = static_cast<double>(next() % 1000) * scale / 1000.0;
        snap->totals.rx_bps += p.traffic.rx_bps;
        snap->totals.tx_bps += p.traffic.tx_bps;
        snap->processes.push_back(std::move(p));
    }
    std::sort(snap->processes.begin(), snap->processes.end(), [](const auto& a, const auto& b) {
        return a.traffic.rx_bps + a.traffic.tx_bps > b.traffic.rx_bps + b.traffic.tx_bps;
    });
    InterfaceSummary eth;
    eth.name = "eth0";
    eth.up = true;
    snap->interfaces.push_back(eth);
    snap->rx_history.assign(60, snap->totals.rx_bps);
    snap->tx_history.assign(60, snap->totals.tx_bps);
    return snap;
}

/// A Canvas that only stores cells (one code point and a style each), so a frame drawn
/// into it costs the view's own work and nothing of curses.
class MemoryCanvas final : public Canvas {
  public:
    MemoryCanvas(int width, int height)
        : width_(width), height_(height), cells_(static_cast<std::size_t>(width * height)) {}

    int width() const override { return width_; }
    int height() const override { return height_; }

    int text(int x, int y, std::string_view text, const Style& style, int max_cells) override {
        if (y < 0 || y >= height_) return 0;
        int drawn = 0;
        for (std::size_t i = 0; i < text.size();) {
            if ((max_cells >= 0 && drawn >= max_cells) || x + drawn >= width_) break;
            const auto lead = static_cast<unsigned char>(text[i]);
            std::size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
            char32_t cp = lead < 0x80 ? lead : lead & (0x3F >> (len - 1));
            for (std::size_t k = 1; k < len && i + k < text.size(); ++k)
                cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
            if (x + drawn >= 0) {
                Cell& c = cells_[static_cast<std::size_t>(y * width_ + x + drawn)];
                c.ch = cp;
                c.style = style;
            }
            ++drawn;
            i += len;
        }
        return drawn;
    }

    void fill(int x, int y, int w, int h, const Style& style) override {
        for (int r = std::max(0, y); r < std::min(height_, y + h); ++r)
            for (int c = std::max(0, x); c < std::min(width_, x + w); ++c)
                cells_[static_cast<std::size_t>(r * width_ + c)] = Cell{U' ', style};
    }

    Style style(ThemeRole role) const override {
        Style s;
        s.fg = Rgb{static_cast<std::uint8_t>(40 + static_cast<int>(role) * 10), 120, 200};
        s.default_fg = false;
        return s;
    }

    Style rate_style(double level) const override {
        Style s;
        s.fg = Rgb{static_cast<std::uint8_t>(level * 255), 100, 100};
        s.default_fg = false;
        return s;
    }

    bool unicode() const override { return true; }

    /// Cells of row `y` that are not blank, for a sanity check that something was drawn.
    int inked(int y) const {
        int n = 0;
        for (int x = 0; x < width_; ++x)
            n += cells_[static_cast<std::size_t>(y * width_ + x)].ch != U' ';
        return n;
    }

  private:
    struct Cell {
        char32_t ch = U' ';
        Style style;
    };
    int width_, height_;
    std::vector<Cell> cells_;
};

}  // namespace sstop::bench
