#include "netns.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace sstop::testing {
namespace {

std::atomic<int> g_counter{0};  // only for unique names within this process

bool parse_addr(const std::string& addr, int port, sockaddr_storage& ss, socklen_t& len) {
    std::memset(&ss, 0, sizeof ss);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<std::uint16_t>(port));
        len = sizeof *v4;
        return true;
    }
    if (inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<std::uint16_t>(port));
        len = sizeof *v6;
        return true;
    }
    return false;
}

[[noreturn]] void child_fail(const char* what) {
    std::fprintf(stderr, "test child: %s: %s\n", what, std::strerror(errno));
    _exit(99);
}

int make_socket(const std::string& addr, int port, int type, sockaddr_storage& ss, socklen_t& len) {
    if (!parse_addr(addr, port, ss, len)) child_fail("bad address");
    int fd = ::socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) child_fail("socket");
    return fd;
}

}  // namespace

bool can_create_netns() {
    if (geteuid() != 0) return false;
    std::string name =
        "sstop-probe-" + std::to_string(getpid()) + "-" + std::to_string(g_counter++);
    int rc = 0;
    run_capture({"ip", "netns", "add", name}, &rc);
    if (rc != 0) return false;
    run_capture({"ip", "netns", "del", name}, &rc);
    return true;
}

std::string run_capture(const std::vector<std::string>& argv, int* exit_code,
                        std::chrono::milliseconds timeout, std::string* err) {
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
        ADD_FAILURE() << "pipe: " << std::strerror(errno);
        return {};
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    std::string out, errors;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    bool killed = false;
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0) {
            kill(pid, SIGKILL);  // our own child, by pid
            killed = true;
            break;
        }
        if (poll(fds, 2, static_cast<int>(left)) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char buf[65536];
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? out : errors).append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) close(f.fd);
    int status = 0;
    waitpid(pid, &status, 0);
    if (exit_code) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (killed) ADD_FAILURE() << argv[0] << " timed out and was killed; stderr: " << errors;
    if (err) *err = errors;
    return out;
}

Netns::Netns(const std::string& tag)
    : name_("sstop-t" + std::to_string(getpid()) + "-" + std::to_string(g_counter++) + "-" + tag) {
    int rc = 0;
    std::string err;
    run_capture({"ip", "netns", "add", name_}, &rc, std::chrono::seconds(10), &err);
    if (rc != 0) {
        ADD_FAILURE() << "ip netns add " << name_ << ": " << err;
        return;
    }
    ip({"link", "set", "lo", "up"});
}

Netns::~Netns() {
    int rc = 0;
    run_capture({"ip", "netns", "del", name_}, &rc);
}

void Netns::ip(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"ip", "-n", name_};
    argv.insert(argv.end(), args.begin(), args.end());
    int rc = 0;
    std::string err;
    run_capture(argv, &rc, std::chrono::seconds(10), &err);
    if (rc != 0) ADD_FAILURE() << "ip -n " << name_ << " ... failed: " << err;
}

NetnsPair::NetnsPair(const std::string& tag) : a(tag + "a"), b(tag + "b") {
    // veth names are limited to 15 characters and live in the root namespace at first.
    std::string va = "sva" + std::to_string(getpid() % 100000) + "x" + std::to_string(g_counter);
    std::string vb = "svb" + std::to_string(getpid() % 100000) + "x" + std::to_string(g_counter++);
    int rc = 0;
    std::string err;
    run_capture({"ip", "link", "add", va, "netns", a.name(), "type", "veth", "peer", "name", vb,
                 "netns", b.name()},
                &rc, std::chrono::seconds(10), &err);
    if (rc != 0) {
        ADD_FAILURE() << "veth: " << err;
        return;
    }
    a.ip({"addr", "add", "10.77.0.1/24", "dev", va});
    b.ip({"addr", "add", "10.77.0.2/24", "dev", vb});
    a.ip({"addr", "add", "fd77::1/64", "dev", va, "nodad"});
    b.ip({"addr", "add", "fd77::2/64", "dev", vb, "nodad"});
    a.ip({"link", "set", va, "up"});
    b.ip({"link", "set", vb, "up"});
}

Child::Child(const Netns& ns, const std::string& comm, Body body) {
    int ready_pipe[2];
    if (pipe2(ready_pipe, O_CLOEXEC) != 0) {
        ADD_FAILURE() << "pipe";
        return;
    }
    pid_ = fork();
    if (pid_ == 0) {
        close(ready_pipe[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
        std::string path = "/var/run/netns/" + ns.name();
        int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) child_fail("setns");
        close(fd);
        prctl(PR_SET_NAME, comm.c_str());
        int wfd = ready_pipe[1];
        body([wfd] {
            char c = 'r';
            if (write(wfd, &c, 1) != 1) _exit(98);
        });
        _exit(0);
    }
    close(ready_pipe[1]);
    pollfd p{ready_pipe[0], POLLIN, 0};
    char c = 0;
    if (poll(&p, 1, 10000) != 1 || read(ready_pipe[0], &c, 1) != 1)
        ADD_FAILURE() << "child '" << comm << "' did not get ready";
    close(ready_pipe[0]);
}

Child::~Child() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
}

int Child::wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string sstop_binary() { return std::string(SSTOP_BINARY_DIR) + "/bin/sstop"; }

namespace {

// Every sstop a test starts records history to $XDG_STATE_HOME; each test process gets a
// fresh one, so runs do not share a store (nor its writer lock) with other tests or with the
// user's own. Tests of the history store name their path in a config.
struct PrivateStateHome {
    std::string dir;
    PrivateStateHome() {
        char pattern[] = "/tmp/sstop-test-state-XXXXXX";
        if (::mkdtemp(pattern) == nullptr) return;
        dir = pattern;
        // Tests that run sstop as another user (privileges) need to make their store too.
        ::chmod(pattern, 01777);
        ::setenv("XDG_STATE_HOME", dir.c_str(), 1);
    }
    ~PrivateStateHome() {
        if (!dir.empty()) std::system(("rm -rf '" + dir + "'").c_str());
    }
};
const PrivateStateHome private_state_home;

}  // namespace

std::vector<nlohmann::json> run_sstop_json(const Netns& ns, const std::vector<std::string>& args,
                                           std::chrono::milliseconds timeout) {
    std::vector<std::string> argv{"ip", "netns", "exec", ns.name(), sstop_binary(), "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    int rc = 0;
    std::string err;
    std::string out = run_capture(argv, &rc, timeout, &err);
    EXPECT_EQ(rc, 0) << "sstop failed; stderr: " << err;
    std::vector<nlohmann::json> lines;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        try {
            lines.push_back(nlohmann::json::parse(line));
        } catch (const std::exception& e) {
            ADD_FAILURE() << "unparsable JSON line: " << e.what() << "\n" << line;
        }
    }
    return lines;
}

int tcp_listen(const std::string& addr, int port) {
    sockaddr_storage ss;
    socklen_t len;
    int fd = make_socket(addr, port, SOCK_STREAM, ss, len);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) child_fail("bind");
    if (listen(fd, 64) != 0) child_fail("listen");
    return fd;
}

int tcp_connect(const std::string& addr, int port) {
    sockaddr_storage ss;
    socklen_t len;
    int fd = make_socket(addr, port, SOCK_STREAM, ss, len);
    for (int attempt = 0; attempt < 100; ++attempt) {
        if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) return fd;
        if (errno != ECONNREFUSED) break;
        usleep(20000);  // the peer may still be starting; bounded retries
    }
    child_fail("connect");
}

int tcp_accept(int listen_fd) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) child_fail("accept");
    return fd;
}

int udp_bind(const std::string& addr, int port) {
    sockaddr_storage ss;
    socklen_t len;
    int fd = make_socket(addr, port, SOCK_DGRAM, ss, len);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) child_fail("bind");
    return fd;
}

int udp_connect(const std::string& addr, int port) {
    sockaddr_storage ss;
    socklen_t len;
    int fd = make_socket(addr, port, SOCK_DGRAM, ss, len);
    if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) child_fail("connect");
    return fd;
}

void write_exactly(int fd, std::size_t n) {
    char buf[65536];
    std::memset(buf, 'x', sizeof buf);
    while (n > 0) {
        ssize_t w = write(fd, buf, n < sizeof buf ? n : sizeof buf);
        if (w < 0) {
            if (errno == EINTR) continue;
            child_fail("write");
        }
        n -= static_cast<std::size_t>(w);
    }
}

std::size_t read_exactly(int fd, std::size_t n) {
    char buf[65536];
    std::size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf, n - got < sizeof buf ? n - got : sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += static_cast<std::size_t>(r);
    }
    return got;
}

}  // namespace sstop::testing

namespace sstop::testing {

pid_t spawn_in(const Netns& ns, const std::vector<std::string>& argv, int* stdout_fd) {
    int out[2] = {-1, -1};
    if (stdout_fd && pipe2(out, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        std::string path = "/var/run/netns/" + ns.name();
        int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) _exit(126);
        if (stdout_fd) dup2(out[1], 1);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    if (stdout_fd) {
        close(out[1]);
        *stdout_fd = out[0];
    }
    return pid;
}

int wait_child(pid_t pid, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0) return -1;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return -1;
}

SstopRun::SstopRun(const Netns& ns, const std::vector<std::string>& args) { start(&ns, args); }

SstopRun::SstopRun(const std::vector<std::string>& args) { start(nullptr, args); }

void SstopRun::start(const Netns* ns, const std::vector<std::string>& args) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        ADD_FAILURE() << "pipe";
        return;
    }
    pid_ = fork();
    if (pid_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (ns) {
            std::string path = "/var/run/netns/" + ns->name();
            int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) _exit(126);
        }
        dup2(out[1], 1);
        dup2(err[1], 2);
        std::vector<std::string> argv{sstop_binary(), "--json"};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char*> cargs;
        for (const auto& a : argv) cargs.push_back(const_cast<char*>(a.c_str()));
        cargs.push_back(nullptr);
        execv(cargs[0], cargs.data());
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_thread_ = std::thread([this, fd = out[0]] { reader(fd, true); });
    err_thread_ = std::thread([this, fd = err[0]] { reader(fd, false); });
}

void SstopRun::reader(int fd, bool is_stdout) {
    char buf[65536];
    while (true) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        std::lock_guard lock(mutex_);
        if (!is_stdout) {
            err_.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        partial_.append(buf, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = partial_.find('\n')) != std::string::npos) {
            try {
                snaps_.push_back(nlohmann::json::parse(partial_.substr(0, nl)));
            } catch (const std::exception& e) {
                ADD_FAILURE() << "unparsable JSON line: " << e.what();
            }
            partial_.erase(0, nl + 1);
        }
        cv_.notify_all();
    }
    close(fd);
    if (is_stdout) {
        std::lock_guard lock(mutex_);
        eof_ = true;
        cv_.notify_all();
    }
}

bool SstopRun::wait_for_seq(int seq, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout,
                        [&] {
                            return eof_ ||
                                   (!snaps_.empty() && snaps_.back()["seq"].get<int>() >= seq);
                        }) &&
           !snaps_.empty() && snaps_.back()["seq"].get<int>() >= seq;
}

int SstopRun::stop() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);  // our own child, by pid
        exit_code_ = wait_child(pid_, std::chrono::seconds(10));
        pid_ = -1;
    }
    if (out_thread_.joinable()) out_thread_.join();
    if (err_thread_.joinable()) err_thread_.join();
    return exit_code_;
}

SstopRun::~SstopRun() { stop(); }

std::vector<nlohmann::json> SstopRun::snapshots() {
    std::lock_guard lock(mutex_);
    return snaps_;
}

std::string SstopRun::errors() {
    std::lock_guard lock(mutex_);
    return err_;
}

Gate::Gate()
    : path_(::testing::TempDir() + "sstop-gate-" + std::to_string(getpid()) + "-" +
            std::to_string(g_counter++)) {
    std::remove(path_.c_str());
}

Gate::~Gate() { std::remove(path_.c_str()); }

void Gate::fire() {
    int fd = open(path_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) close(fd);
}

bool Gate::wait(std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (access(path_.c_str(), F_OK) != 0) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        usleep(2000);
    }
    return true;
}

}  // namespace sstop::testing
