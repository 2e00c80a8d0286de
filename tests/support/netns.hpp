#pragma once
// Test support: network namespaces made by the test, processes inside them, and sstop runs.
//
// Rules kept here so every test keeps them: namespace names carry the test's pid and a
// counter (tests run in parallel); namespaces and children are removed in destructors, so a
// failing assertion still cleans up; traffic only ever goes to namespaces made here.

#include <sys/mman.h>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace sstop::testing {

/// True when this process may create network namespaces (root with CAP_SYS_ADMIN).
bool can_create_netns();

/// Runs argv, returns its stdout; `exit_code` gets the exit status (128+signal if killed).
/// Kills the command after `timeout`. stderr goes to `err` when given.
std::string run_capture(const std::vector<std::string>& argv, int* exit_code,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30),
                        std::string* err = nullptr);

/// A network namespace with lo up; deleted on destruction.
class Netns {
  public:
    explicit Netns(const std::string& tag);
    ~Netns();
    Netns(const Netns&) = delete;
    Netns& operator=(const Netns&) = delete;
    const std::string& name() const { return name_; }
    /// Runs `ip -n <ns> <args...>` and fails the test if it fails.
    void ip(const std::vector<std::string>& args) const;

  private:
    std::string name_;
};

/// Two namespaces joined by a veth pair: a = 10.77.0.1/24, fd77::1/64; b = 10.77.0.2/24,
/// fd77::2/64 (private to these namespaces).
class NetnsPair {
  public:
    explicit NetnsPair(const std::string& tag);
    Netns a;
    Netns b;
    static constexpr const char* kAddrA4 = "10.77.0.1";
    static constexpr const char* kAddrB4 = "10.77.0.2";
    static constexpr const char* kAddrA6 = "fd77::1";
    static constexpr const char* kAddrB6 = "fd77::2";
};

/// A child process running `body` inside a namespace. `body` calls `ready()` once its
/// sockets are set up; the constructor returns after that (or fails the test after 10 s).
/// The child is killed (SIGKILL, by pid) and reaped on destruction.
class Child {
  public:
    using Body = std::function<void(const std::function<void()>& ready)>;
    Child(const Netns& ns, const std::string& comm, Body body);
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    pid_t pid() const { return pid_; }
    /// Waits for the child to exit by itself; returns its exit status.
    int wait();

  private:
    pid_t pid_ = -1;
};

/// Path of the built sstop binary.
std::string sstop_binary();

/// Runs sstop inside `ns` with `args`; returns one parsed JSON object per output line.
/// Fails the test on a non-zero exit or unparsable output.
std::vector<nlohmann::json> run_sstop_json(
    const Netns& ns, const std::vector<std::string>& args,
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// Socket helpers for child bodies: they abort the child (exit 99) on failure.
int tcp_listen(const std::string& addr, int port);
int tcp_connect(const std::string& addr, int port);
int tcp_accept(int listen_fd);
int udp_bind(const std::string& addr, int port);
int udp_connect(const std::string& addr, int port);
/// Writes exactly `n` bytes (a pattern) to fd.
void write_exactly(int fd, std::size_t n);
/// Reads until `n` bytes arrived or EOF; returns bytes read.
std::size_t read_exactly(int fd, std::size_t n);

}  // namespace sstop::testing

namespace sstop::testing {

/// sstop running in the background inside a namespace, its JSON lines collected as they come.
/// Stopped with SIGTERM (by pid) on stop() or destruction.
class SstopRun {
  public:
    SstopRun(const Netns& ns, const std::vector<std::string>& args);
    /// sstop running in the test's own network namespace (no `ip netns exec`).
    explicit SstopRun(const std::vector<std::string>& args);
    ~SstopRun();
    SstopRun(const SstopRun&) = delete;
    SstopRun& operator=(const SstopRun&) = delete;
    /// Waits until a snapshot with seq >= `seq` arrived; false on timeout or exit.
    bool wait_for_seq(int seq, std::chrono::milliseconds timeout);
    /// Stops sstop (SIGTERM) and returns its exit code.
    int stop();
    /// Every snapshot so far.
    std::vector<nlohmann::json> snapshots();
    /// What sstop wrote to stderr (complete after stop()).
    std::string errors();
    /// sstop's pid while it runs (-1 after stop()).
    pid_t pid() const { return pid_; }

  private:
    void start(const Netns* ns, const std::vector<std::string>& args);
    void reader(int fd, bool is_stdout);
    pid_t pid_ = -1;
    int exit_code_ = -1;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<nlohmann::json> snaps_;
    std::string err_;
    std::string partial_;
    bool eof_ = false;
    std::thread out_thread_, err_thread_;
};

/// Starts argv inside `ns` (fork, setns, exec); returns the pid (the caller reaps it).
pid_t spawn_in(const Netns& ns, const std::vector<std::string>& argv, int* stdout_fd = nullptr);

/// Waits for a child started by spawn_in; returns its exit code, or -1 after `timeout` (then
/// the child is killed by pid).
int wait_child(pid_t pid, std::chrono::milliseconds timeout);

/// A one-shot signal between processes: the test calls fire(), children block in wait().
/// A marker file, not a pipe: forked children would hold each other's pipe ends open.
class Gate {
  public:
    Gate();
    ~Gate();
    void fire();  ///< releases every waiter
    /// Blocks until fire(); false after `timeout` (the child then gives up).
    bool wait(std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;

  private:
    std::string path_;
};

/// A `T` in memory shared across fork (anonymous, zero-filled): what a forked generator
/// counts (its own bytes, say) and the test reads. T is made of atomics.
template <class T>
class SharedValue {
  public:
    SharedValue() {
        void* p =
            mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::runtime_error("mmap of a shared value");
        t_ = new (p) T();
    }
    ~SharedValue() {
        t_->~T();
        munmap(t_, sizeof(T));
    }
    SharedValue(const SharedValue&) = delete;
    SharedValue& operator=(const SharedValue&) = delete;
    T* operator->() const { return t_; }
    T& operator*() const { return *t_; }

  private:
    T* t_;
};

}  // namespace sstop::testing
