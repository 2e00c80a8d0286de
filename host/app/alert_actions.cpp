#include "app/alert_actions.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

extern char** environ;

namespace sstop::host {

AlertActions::AlertActions(const std::vector<core::AlertRule>* rules, LogFn log,
                           std::chrono::steady_clock::duration min_gap, std::size_t max_running)
    : rules_(rules),
      log_(std::move(log)),
      min_gap_(min_gap),
      max_running_(max_running),
      last_run_(rules->size()),
      logged_(rules->size(), 0) {}

AlertActions::~AlertActions() {
    // Commands are not waited for: they may outlive sstop. Reap what has finished already.
    reap();
}

void AlertActions::failed(std::size_t rule, const std::string& why) {
    if (logged_[rule]) return;
    logged_[rule] = 1;
    if (log_)
        log_("alert '" + (*rules_)[rule].name + "': exec " + (*rules_)[rule].exec[0] + " " + why +
             " (further failures of this rule are not logged)");
}

void AlertActions::reap() {
    std::erase_if(running_, [this](const Running& r) {
        int status = 0;
        const pid_t done = ::waitpid(r.pid, &status, WNOHANG);
        if (done == 0) return false;  // still running
        if (done == r.pid) {
            if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
                failed(r.rule, "exited with " + std::to_string(WEXITSTATUS(status)));
            else if (WIFSIGNALED(status))
                failed(r.rule, "was killed by signal " + std::to_string(WTERMSIG(status)));
        }
        return true;  // finished, or not our child any more
    });
}

void AlertActions::run(const std::vector<std::pair<std::size_t, core::ActiveAlert>>& fired,
                       std::chrono::steady_clock::time_point now) {
    reap();
    for (const auto& [index, alert] : fired) {
        const core::AlertRule& rule = (*rules_)[index];
        if (rule.exec.empty()) continue;
        const auto of_rule = std::count_if(running_.begin(), running_.end(),
                                           [i = index](const Running& r) { return r.rule == i; });
        const bool ran_before = last_run_[index] != std::chrono::steady_clock::time_point{};
        if ((ran_before && now - last_run_[index] < min_gap_) ||
            static_cast<std::size_t>(of_rule) >= max_running_) {
            ++skipped_;
            continue;
        }
        last_run_[index] = now;

        std::vector<std::string> env_text;
        for (char** e = environ; e && *e; ++e)
            if (std::strncmp(*e, "SSTOP_ALERT_", 12) != 0) env_text.emplace_back(*e);
        char since[32];
        std::snprintf(since, sizeof since, "%.3f", static_cast<double>(alert.since_ns) / 1e9);
        env_text.push_back("SSTOP_ALERT_NAME=" + alert.name);
        env_text.push_back("SSTOP_ALERT_PID=" + std::to_string(alert.id.pid));
        env_text.push_back("SSTOP_ALERT_PROCESS=" + alert.process);
        env_text.push_back("SSTOP_ALERT_SINCE=" + std::string(since));
        env_text.push_back("SSTOP_ALERT_WHEN=" + rule.when);
        std::vector<char*> envp;
        for (std::string& e : env_text) envp.push_back(e.data());
        envp.push_back(nullptr);
        std::vector<std::string> args = rule.exec;
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);

        // No terminal for the command: curses may own it. Default signal handling, its own
        // process group (a Ctrl-C meant for sstop is not its business).
        posix_spawn_file_actions_t files;
        posix_spawn_file_actions_init(&files);
        for (int fd = 0; fd <= 2; ++fd)
            posix_spawn_file_actions_addopen(&files, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY,
                                             0);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setflags(
            &attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
        pid_t pid = 0;
        const int rc = ::posix_spawn(&pid, argv[0], &files, &attr, argv.data(), envp.data());
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&files);
        if (rc != 0) {
            failed(index, std::string("could not start: ") + std::strerror(rc));
            continue;
        }
        ++started_;
        running_.push_back({pid, index});
    }
}

}  // namespace sstop::host
