#pragma once
// A fake DNS server for tests: answers PTR queries on a UDP socket from its own thread, counts
// the queries it receives, and can be told to stay silent, send garbage, or hold its replies.
// Its encoder is written independently of host/core/dns_message.cpp on purpose, so the two do
// not share a bug.

#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sstop::testing {

class FakeDnsServer {
  public:
    /// How the server answers.
    enum class Mode {
        Answer,             ///< NOERROR with one PTR answer: `name`
        NxDomain,           ///< NXDOMAIN
        Silent,             ///< count the query, never reply
        Garbage,            ///< the query's id and QR set, then bytes that do not parse
        WrongIdThenAnswer,  ///< a reply with another id (name "spoofed.invalid"), then Answer
    };

    /// Binds UDP `addr`:`port` (0 = ephemeral) and starts serving. Fails the test on error.
    explicit FakeDnsServer(const std::string& addr = "127.0.0.1", std::uint16_t port = 0);
    ~FakeDnsServer();
    FakeDnsServer(const FakeDnsServer&) = delete;
    FakeDnsServer& operator=(const FakeDnsServer&) = delete;

    /// The bound port.
    std::uint16_t port() const { return port_; }
    void set_mode(Mode mode);
    /// The PTR target to answer with; "{q}" in it is replaced by the first label of the
    /// question (so distinct addresses get distinct names).
    void set_name(std::string name);
    /// While held, queries are counted and kept (at most 64); releasing answers them.
    void hold(bool held);
    /// Queries received so far.
    std::uint64_t queries() const;
    /// Waits until at least `n` queries arrived; false after `timeout`.
    bool wait_for_queries(std::uint64_t n, std::chrono::milliseconds timeout) const;

  private:
    struct Held {
        sockaddr_storage from;
        socklen_t from_len;
        std::vector<std::uint8_t> query;
    };
    void serve();
    void respond(const Held& q);

    int fd_ = -1;
    int stop_fd_ = -1;
    std::uint16_t port_ = 0;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    Mode mode_ = Mode::Answer;
    std::string name_ = "host.example.test";
    bool held_ = false;
    std::vector<Held> held_queries_;
    std::uint64_t queries_ = 0;
    std::thread thread_;
};

}  // namespace sstop::testing
