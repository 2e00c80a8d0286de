#include "fake_dns_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cstring>

namespace sstop::testing {
namespace {

void put16(std::vector<std::uint8_t>& out, unsigned v) {
    out.push_back(static_cast<std::uint8_t>((v >> 8) & 0xff));
    out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

// The question of a query as our client sends it (uncompressed): its bytes and first label.
bool question_of(const std::vector<std::uint8_t>& q, std::size_t& end, std::string& first) {
    std::size_t pos = 12;
    while (pos < q.size() && q[pos] != 0) {
        if (q[pos] > 63) return false;
        if (first.empty()) first.assign(reinterpret_cast<const char*>(&q[pos + 1]), q[pos]);
        pos += 1 + q[pos];
    }
    end = pos + 1 + 4;
    return end <= q.size();
}

std::vector<std::uint8_t> reply_to(const std::vector<std::uint8_t>& q, unsigned rcode,
                                   const std::string& name, unsigned id_xor) {
    std::vector<std::uint8_t> out;
    std::size_t qend = 0;
    std::string first;
    if (!question_of(q, qend, first)) return out;
    unsigned id = ((q[0] << 8) | q[1]) ^ id_xor;
    bool answer = rcode == 0 && !name.empty();
    put16(out, id);
    put16(out, 0x8180 | rcode);  // response, RD, RA
    put16(out, 1);
    put16(out, answer ? 1 : 0);
    put16(out, 0);
    put16(out, 0);
    out.insert(out.end(), q.begin() + 12, q.begin() + static_cast<std::ptrdiff_t>(qend));
    if (answer) {
        std::string target = name;
        if (auto at = target.find("{q}"); at != std::string::npos) target.replace(at, 3, first);
        std::vector<std::uint8_t> rdata;
        std::size_t start = 0;
        while (start < target.size()) {
            std::size_t dot = target.find('.', start);
            if (dot == std::string::npos) dot = target.size();
            rdata.push_back(static_cast<std::uint8_t>(dot - start));
            rdata.insert(rdata.end(), target.begin() + static_cast<std::ptrdiff_t>(start),
                         target.begin() + static_cast<std::ptrdiff_t>(dot));
            start = dot + 1;
        }
        rdata.push_back(0);
        put16(out, 0xc00c);  // owner: pointer to the question name
        put16(out, 12);      // PTR
        put16(out, 1);       // IN
        put16(out, 0);
        put16(out, 300);  // TTL
        put16(out, static_cast<unsigned>(rdata.size()));
        out.insert(out.end(), rdata.begin(), rdata.end());
    }
    return out;
}

}  // namespace

FakeDnsServer::FakeDnsServer(const std::string& addr, std::uint16_t port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (inet_pton(AF_INET, addr.c_str(), &sa.sin_addr) != 1) {
        ADD_FAILURE() << "fake dns: bad address " << addr;
        return;
    }
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (fd_ < 0 || stop_fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        ADD_FAILURE() << "fake dns: bind: " << std::strerror(errno);
        return;
    }
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { serve(); });
}

FakeDnsServer::~FakeDnsServer() {
    if (thread_.joinable()) {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(stop_fd_, &one, sizeof one);
        thread_.join();
    }
    if (fd_ >= 0) ::close(fd_);
    if (stop_fd_ >= 0) ::close(stop_fd_);
}

void FakeDnsServer::set_mode(Mode mode) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
}

void FakeDnsServer::set_name(std::string name) {
    std::lock_guard lock(mutex_);
    name_ = std::move(name);
}

void FakeDnsServer::hold(bool held) {
    std::vector<Held> release;
    {
        std::lock_guard lock(mutex_);
        held_ = held;
        if (!held) release.swap(held_queries_);
    }
    for (const auto& q : release) respond(q);
}

std::uint64_t FakeDnsServer::queries() const {
    std::lock_guard lock(mutex_);
    return queries_;
}

bool FakeDnsServer::wait_for_queries(std::uint64_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return queries_ >= n; });
}

void FakeDnsServer::serve() {
    std::array<std::uint8_t, 1500> buf{};
    while (true) {
        std::array<pollfd, 2> fds{pollfd{fd_, POLLIN, 0}, pollfd{stop_fd_, POLLIN, 0}};
        if (::poll(fds.data(), fds.size(), -1) < 0) continue;
        if (fds[1].revents != 0) return;
        Held q{};
        q.from_len = sizeof q.from;
        ssize_t got = ::recvfrom(fd_, buf.data(), buf.size(), 0,
                                 reinterpret_cast<sockaddr*>(&q.from), &q.from_len);
        if (got < 12) continue;
        q.query.assign(buf.begin(), buf.begin() + got);
        {
            std::lock_guard lock(mutex_);
            ++queries_;
            changed_.notify_all();
            if (held_) {
                if (held_queries_.size() < 64) held_queries_.push_back(std::move(q));
                continue;
            }
        }
        respond(q);
    }
}

void FakeDnsServer::respond(const Held& q) {
    Mode mode;
    std::string name;
    {
        std::lock_guard lock(mutex_);
        mode = mode_;
        name = name_;
    }
    auto send = [&](const std::vector<std::uint8_t>& bytes) {
        if (bytes.empty()) return;
        ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&q.from),
                 q.from_len);
    };
    switch (mode) {
        case Mode::Answer:
            send(reply_to(q.query, 0, name, 0));
            break;
        case Mode::NxDomain:
            send(reply_to(q.query, 3, "", 0));
            break;
        case Mode::Silent:
            break;
        case Mode::Garbage: {
            std::vector<std::uint8_t> bytes{q.query[0], q.query[1], 0x81, 0x80, 0,    1,   0,   1,
                                            0,          0,          0,    0,    0x3f, 'x', 0xc0};
            send(bytes);
            break;
        }
        case Mode::WrongIdThenAnswer:
            send(reply_to(q.query, 0, "spoofed.invalid", 0x5a5a));
            send(reply_to(q.query, 0, name, 0));
            break;
    }
}

}  // namespace sstop::testing
