// A test driver for the terminal UI shell: publishes synthetic snapshots and runs run_tui with
// small fake views, so tmux tests exercise the shell without sources or plugins.
//
//   tui_harness [--victim-pid N] [--pid-file PATH]
//
// Views: 1 "Procs" (hotkey p; j/k move; '!' aborts, to test the crash path), 2 "Hosts"
// (hotkey h), 3 "Broken" (hotkey b; throws in draw). Exit: run_tui's code, 2 when the
// terminal cannot be used (the message on stderr).

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstop/format.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "tui/tui.hpp"

namespace {

using namespace sstop;

bool contains_ci(const std::string& hay, const std::string& needle) {
    auto lower = [](std::string s) {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    return lower(hay).find(lower(needle)) != std::string::npos;
}

class ProcsView : public View {
  public:
    std::string title() const override { return "Procs"; }
    std::int32_t hotkey() const override { return 'p'; }
    std::vector<KeyHint> key_hints() const override { return {{"j/k", "move"}, {"!", "crash"}}; }
    void update(std::shared_ptr<const Snapshot> s) override { snapshot_ = std::move(s); }

    void draw(Canvas& c, const ViewContext& ctx) override {
        rows_ = visible(ctx);
        if (cursor_ >= rows_.size()) cursor_ = rows_.empty() ? 0 : rows_.size() - 1;
        std::string top = "tick " + std::to_string(snapshot_ ? snapshot_->seq : 0);
        if (cursor_ < rows_.size()) top += "  selected " + rows_[cursor_].info.name;
        c.text(1, 0, top, c.style(ThemeRole::Dim));
        Style header = c.style(ThemeRole::Header);
        c.fill(0, 1, c.width(), 1, header);
        c.text(1, 1, "PID         NAME       RATE", header);
        for (std::size_t i = 0; i < rows_.size(); ++i) {
            const auto& p = rows_[i];
            const int y = 2 + static_cast<int>(i);
            Style s = c.style(i == cursor_ ? ThemeRole::Selected
                              : i % 2      ? ThemeRole::Zebra
                                           : ThemeRole::Text);
            c.fill(0, y, c.width(), 1, s);
            char line[128];
            std::snprintf(line, sizeof line, "%-11d %-10s %s", p.info.id.pid, p.info.name.c_str(),
                          format_rate(p.traffic.rx_bps + p.traffic.tx_bps).c_str());
            c.text(1, y, line, s);
        }
    }

    bool on_key(const KeyEvent& key, const ViewContext&) override {
        if (key.code == 'j' || key.code == kKeyDown) {
            if (cursor_ + 1 < rows_.size()) ++cursor_;
            return true;
        }
        if (key.code == 'k' || key.code == kKeyUp) {
            if (cursor_ > 0) --cursor_;
            return true;
        }
        if (key.code == '!') std::abort();
        return false;
    }

    bool on_mouse(const MouseEvent& m, const ViewContext&) override {
        const int row = m.y - 2;
        if (m.kind == MouseEvent::Kind::Click && row >= 0 &&
            static_cast<std::size_t>(row) < rows_.size()) {
            cursor_ = static_cast<std::size_t>(row);
            return true;
        }
        if (m.kind == MouseEvent::Kind::WheelDown && cursor_ + 1 < rows_.size()) ++cursor_;
        if (m.kind == MouseEvent::Kind::WheelUp && cursor_ > 0) --cursor_;
        return true;
    }

    std::optional<ProcessInfo> selected_process() const override {
        if (cursor_ >= rows_.size()) return std::nullopt;
        return rows_[cursor_].info;
    }

  private:
    std::vector<ProcessSummary> visible(const ViewContext& ctx) const {
        std::vector<ProcessSummary> out;
        if (!snapshot_) return out;
        for (const auto& p : snapshot_->processes)
            if (ctx.filter.empty() || contains_ci(p.info.name, ctx.filter)) out.push_back(p);
        auto rate = [](const ProcessSummary& p) { return p.traffic.rx_bps + p.traffic.tx_bps; };
        std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
            switch (ctx.sort) {
                case SortKey::Download:
                    return a.traffic.rx_bps > b.traffic.rx_bps;
                case SortKey::Upload:
                    return a.traffic.tx_bps > b.traffic.tx_bps;
                case SortKey::Pid:
                    return a.info.id.pid < b.info.id.pid;
                case SortKey::Name:
                    return a.info.name < b.info.name;
                default:
                    return rate(a) > rate(b);
            }
        });
        return out;
    }

    std::shared_ptr<const Snapshot> snapshot_;
    std::vector<ProcessSummary> rows_;
    std::size_t cursor_ = 0;
};

class HostsView : public View {
  public:
    std::string title() const override { return "Hosts"; }
    std::int32_t hotkey() const override { return 'h'; }
    void update(std::shared_ptr<const Snapshot> s) override { snapshot_ = std::move(s); }
    void draw(Canvas& c, const ViewContext& ctx) override {
        c.text(1, 0, "HOSTS VIEW", c.style(ThemeRole::Accent));
        c.text(1, 1, ctx.show_names ? "names on" : "names off", c.style(ThemeRole::Dim));
        // Clipping: a long line must stop at the view's edge, never wrap.
        c.text(c.width() - 5, 2, "EDGE-CLIPPED-TEXT", c.style(ThemeRole::Warn));
        c.text(1, 3, "wide: 日本語 blocks: ▁▂▃▄▅▆▇█", c.style(ThemeRole::Text));
        c.text(1, 4, "rate", c.rate_style(1.0));
    }

  private:
    std::shared_ptr<const Snapshot> snapshot_;
};

class BrokenView : public View {
  public:
    std::string title() const override { return "Broken"; }
    std::int32_t hotkey() const override { return 'b'; }
    void update(std::shared_ptr<const Snapshot>) override {}
    void draw(Canvas&, const ViewContext&) override { throw std::runtime_error("boom"); }
};

ProcessSummary process(std::int32_t pid, const char* name, double rx, double tx) {
    ProcessSummary p;
    p.info.id.pid = pid;
    p.info.name = name;
    p.traffic.rx_bps = rx;
    p.traffic.tx_bps = tx;
    return p;
}

std::shared_ptr<const Snapshot> make_snapshot(std::uint64_t seq, std::int32_t victim) {
    auto s = std::make_shared<Snapshot>();
    s->seq = seq;
    s->sources = {"harness"};
    // Fake pids lie beyond any pid_max, so a stray signal can reach nobody.
    s->processes = {process(2000000001, "zulu", 0, 9000), process(2000000002, "mike", 250, 250),
                    process(2000000003, "alpha", 100, 0), process(victim, "victim", 50, 0)};
    s->totals.rx_bps = 400;
    s->totals.tx_bps = 9250;
    InterfaceSummary lo, eth;
    lo.name = "lo";
    lo.up = true;
    lo.traffic.rx_bps = 1e6;
    eth.name = "eth0";
    eth.up = true;
    eth.traffic.rx_bps = 2048;
    eth.traffic.tx_bps = 1024;
    s->interfaces = {eth, lo};
    for (std::uint64_t i = 0; i < 60 && i <= seq; ++i) {
        s->rx_history.push_back(static_cast<double>((seq - i) % 7) * 100);
        s->tx_history.push_back(static_cast<double>((seq - i) % 5) * 100);
    }
    s->notices.push_back({Notice::Level::Info, "harness notice"});
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    std::int32_t victim = 2000000004;
    std::string pid_file;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--victim-pid") == 0) victim = std::atoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--pid-file") == 0) pid_file = argv[i + 1];
    }
    if (!pid_file.empty()) std::ofstream(pid_file) << ::getpid() << "\n";

    // As sstop's main does: termination signals go to one thread via sigwait.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR2}) sigaddset(&stop_signals, s);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::atomic<bool> stop{false};
    std::thread signal_thread([&] {
        while (true) {
            int sig = 0;
            if (sigwait(&stop_signals, &sig) != 0) continue;
            if (sig == SIGUSR2) return;
            stop = true;
        }
    });

    core::LatestSlot<Snapshot> slot;
    std::atomic<bool> done{false};
    std::thread publisher([&] {
        for (std::uint64_t seq = 0; !done; ++seq) {
            slot.put(make_snapshot(seq, victim));
            for (int i = 0; i < 4 && !done; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });

    tui::TuiHooks hooks;
    hooks.snapshots = &slot;
    hooks.set_interval = [](std::chrono::nanoseconds) {};
    hooks.stop_requested = [&] { return stop.load(); };
    std::vector<tui::TabView> views{{"procs", std::make_shared<ProcsView>()},
                                    {"hosts", std::make_shared<HostsView>()},
                                    {"broken", std::make_shared<BrokenView>()}};
    int rc;
    try {
        rc = tui::run_tui(std::move(views), hooks);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tui_harness: %s\n", e.what());
        rc = 2;
    }
    done = true;
    publisher.join();
    pthread_kill(signal_thread.native_handle(), SIGUSR2);
    signal_thread.join();
    return rc;
}
