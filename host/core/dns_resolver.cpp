#include "core/dns_resolver.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstop/unique_fd.hpp>
#include <sstream>
#include <system_error>

#include "core/dns_message.hpp"

namespace sstop::core {
namespace {

constexpr std::size_t kMaxNameservers = 3;           // glibc's MAXNS
constexpr std::size_t kMaxResolvConf = 64 * 1024;    // a real one is a few hundred bytes
constexpr std::size_t kMaxReply = 4096;              // plain UDP replies are at most 512 bytes
constexpr std::size_t kMaxHosts = 8 * 1024 * 1024;   // block lists run to a few MB
const char* const kDefaultNameserver = "127.0.0.1";  // what glibc uses without any line

// Close-on-exec and non-blocking, set after creation: SOCK_CLOEXEC, SOCK_NONBLOCK and pipe2()
// are not on macOS.
bool set_cloexec_nonblock(int fd) {
    const int fd_flags = ::fcntl(fd, F_GETFD);
    const int fl_flags = ::fcntl(fd, F_GETFL);
    return fd_flags >= 0 && fl_flags >= 0 && ::fcntl(fd, F_SETFD, fd_flags | FD_CLOEXEC) == 0 &&
           ::fcntl(fd, F_SETFL, fl_flags | O_NONBLOCK) == 0;
}

bool numeric_address(const std::string& text) {
    std::string addr = text.substr(0, text.find('%'));
    std::array<unsigned char, 16> buf{};
    if (inet_pton(AF_INET, addr.c_str(), buf.data()) == 1) return true;
    if (inet_pton(AF_INET6, addr.c_str(), buf.data()) == 1) return true;
    return false;
}

std::string read_file(const std::string& path, std::size_t limit) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::string text;
    std::array<char, 4096> buf{};
    while (text.size() < limit &&
           in.read(buf.data(), static_cast<std::streamsize>(buf.size())).gcount() > 0)
        text.append(buf.data(), static_cast<std::size_t>(in.gcount()));
    return text;
}

/// Resolves a numeric address (with an optional %scope) without any network I/O.
bool to_sockaddr(const std::string& server, std::uint16_t port, sockaddr_storage& ss,
                 socklen_t& len) {
    addrinfo hints{};
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* res = nullptr;
    std::string service = std::to_string(port);
    if (getaddrinfo(server.c_str(), service.c_str(), &hints, &res) != 0 || res == nullptr)
        return false;
    std::memcpy(&ss, res->ai_addr, res->ai_addrlen);
    len = res->ai_addrlen;
    freeaddrinfo(res);
    return true;
}

bool same_endpoint(const sockaddr_storage& a, const sockaddr_storage& b) {
    if (a.ss_family != b.ss_family) return false;
    if (a.ss_family == AF_INET) {
        const auto& x = reinterpret_cast<const sockaddr_in&>(a);
        const auto& y = reinterpret_cast<const sockaddr_in&>(b);
        return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
    }
    if (a.ss_family == AF_INET6) {
        const auto& x = reinterpret_cast<const sockaddr_in6&>(a);
        const auto& y = reinterpret_cast<const sockaddr_in6&>(b);
        return x.sin6_port == y.sin6_port &&
               std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0;
    }
    return false;
}

/// `text` (with an optional %scope) as an IPv4 or IPv6 address, if it is one.
bool parse_address(std::string_view text, IpAddr& out) {
    std::string addr(text.substr(0, text.find('%')));
    if (inet_pton(AF_INET, addr.c_str(), out.bytes.data()) == 1) {
        out.family = Family::V4;
        return true;
    }
    if (inet_pton(AF_INET6, addr.c_str(), out.bytes.data()) == 1) {
        out.family = Family::V6;
        return true;
    }
    return false;
}

bool is_local_only_v4(const std::uint8_t* b) {
    if (b[0] == 0 || b[0] == 127) return true;                        // this network, loopback
    if (b[0] == 169 && b[1] == 254) return true;                      // link-local
    if (b[0] == 224 && b[1] == 0 && b[2] == 0) return true;           // link-local multicast
    return b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255;  // limited broadcast
}

}  // namespace

std::string parse_hosts_name(std::string_view hosts, const IpAddr& addr) {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!hosts.empty()) {
        auto eol = hosts.find('\n');
        std::string_view line = hosts.substr(0, eol);
        hosts = eol == std::string_view::npos ? std::string_view{} : hosts.substr(eol + 1);
        line = line.substr(0, line.find('#'));
        // Words: the address, then the canonical name, then aliases.
        std::string_view words[2];
        std::size_t count = 0;
        std::size_t i = 0;
        while (count < 2 && i < line.size()) {
            while (i < line.size() && is_space(line[i])) ++i;
            std::size_t start = i;
            while (i < line.size() && !is_space(line[i])) ++i;
            if (i > start) words[count++] = line.substr(start, i - start);
        }
        if (count < 2) continue;
        IpAddr parsed;
        if (parse_address(words[0], parsed) && parsed == addr) return std::string(words[1]);
    }
    return {};
}

bool is_local_only(const IpAddr& addr) {
    const auto& b = addr.bytes;
    if (addr.family == Family::V4) return is_local_only_v4(b.data());
    if (addr.family != Family::V6) return false;
    bool zero_prefix =
        std::all_of(b.begin(), b.begin() + 10, [](std::uint8_t x) { return x == 0; });
    if (zero_prefix && b[10] == 0xff && b[11] == 0xff) return is_local_only_v4(b.data() + 12);
    if (zero_prefix && b[10] == 0 && b[11] == 0 && b[12] == 0 && b[13] == 0 && b[14] == 0 &&
        b[15] <= 1)
        return true;                                                  // :: and ::1
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;           // fe80::/10 link-local
    return b[0] == 0xff && (b[1] & 0x0f) <= 2 && (b[1] & 0x0f) >= 1;  // ff01::/16, ff02::/16 scopes
}

std::vector<std::string> parse_nameservers(std::string_view resolv_conf) {
    std::vector<std::string> out;
    std::istringstream lines{std::string(resolv_conf)};
    std::string line;
    while (out.size() < kMaxNameservers && std::getline(lines, line)) {
        std::istringstream words(line);
        std::string keyword;
        std::string address;
        if (!(words >> keyword) || keyword != "nameserver" || !(words >> address)) continue;
        if (numeric_address(address)) out.push_back(address);
    }
    return out;
}

DnsResolver::DnsResolver(const DnsConfig& config, DnsTransport transport)
    : config_(config), transport_(std::move(transport)) {
    config_.workers = std::max<std::size_t>(config_.workers, 1);
    config_.queue_size = std::max<std::size_t>(config_.queue_size, 1);
    config_.cache_size = std::max<std::size_t>(config_.cache_size, 1);
    if (!config_.enabled) return;
    if (::pipe(stop_pipe_) != 0)
        throw std::system_error(errno, std::generic_category(), "dns: pipe");
    if (!set_cloexec_nonblock(stop_pipe_[0]) || !set_cloexec_nonblock(stop_pipe_[1])) {
        const int error = errno;
        close_stop_pipe();
        throw std::system_error(error, std::generic_category(), "dns: pipe flags");
    }
    cache_.reserve(std::min<std::size_t>(config_.cache_size, 65536));
    workers_.reserve(config_.workers);
    try {
        for (std::size_t i = 0; i < config_.workers; ++i)
            workers_.emplace_back([this] { worker_loop(); });
    } catch (...) {
        stop();  // join what did start: no thread may outlive the object
        throw;
    }
}

DnsResolver::~DnsResolver() { stop(); }

void DnsResolver::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (stop_pipe_[1] >= 0) {
        // One byte is enough: nobody reads it, so the read end stays readable for every
        // worker's poll() from now on. A full pipe (EAGAIN) is readable already.
        const char one = 1;
        [[maybe_unused]] auto n = ::write(stop_pipe_[1], &one, 1);
    }
    for (auto& t : workers_) {
        if (t.joinable()) t.join();
    }
    workers_.clear();
    close_stop_pipe();
}

void DnsResolver::close_stop_pipe() {
    for (int& fd : stop_pipe_) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
}

std::chrono::steady_clock::time_point DnsResolver::now() const {
    return transport_.clock ? transport_.clock() : std::chrono::steady_clock::now();
}

std::string DnsResolver::name_of(const IpAddr& addr) {
    if (!config_.enabled || addr.family == Family::None) return {};
    auto t = now();
    std::lock_guard lock(mutex_);
    auto it = cache_.find(addr);
    if (it == cache_.end()) {
        enqueue_locked(addr);
        return {};
    }
    Entry& e = it->second;
    lru_.splice(lru_.begin(), lru_, e.lru);
    if (t >= e.expires) enqueue_locked(addr);  // stale: serve the old name, refresh once
    return e.name;
}

bool DnsResolver::enqueue_locked(const IpAddr& addr) {
    if (stopping_ || in_flight_.count(addr) != 0) return false;
    if (queue_.size() >= config_.queue_size) {
        dropped_.fetch_add(1, std::memory_order_relaxed);  // asked again on a later tick
        return false;
    }
    queue_.push_back(addr);
    in_flight_.insert(addr);
    wake_.notify_one();
    return true;
}

void DnsResolver::store_locked(const IpAddr& addr, const Result& result) {
    auto t = now();
    auto it = cache_.find(addr);
    if (it == cache_.end()) {
        if (cache_.size() >= config_.cache_size) {
            cache_.erase(lru_.back());
            lru_.pop_back();
        }
        lru_.push_front(addr);
        it = cache_.emplace(addr, Entry{{}, t, lru_.begin()}).first;
    }
    Entry& e = it->second;
    switch (result.outcome) {
        case Outcome::Name:
            e.name = result.name;
            e.expires = t + config_.ttl;
            break;
        case Outcome::NoName:
        case Outcome::LocalOnly:
            e.name.clear();  // the name is gone: stop showing it
            e.expires = t + config_.negative_ttl;
            break;
        default:
            // A timeout or a broken reply says nothing about the name: keep an old one, and
            // ask again only after the negative TTL.
            e.expires = t + config_.negative_ttl;
            break;
    }
}

void DnsResolver::worker_loop() {
    while (true) {
        IpAddr addr;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            addr = queue_.front();
            queue_.pop_front();
        }
        Result result;
        try {
            lookups_.fetch_add(1, std::memory_order_relaxed);
            result = lookup(addr);
        } catch (const std::exception&) {
            result.outcome = Outcome::Failure;  // e.g. bad_alloc: one lookup fails, not the app
        }
        if (result.outcome == Outcome::LocalOnly)
            local_only_.fetch_add(1, std::memory_order_relaxed);
        if (result.outcome == Outcome::Timeout) timeouts_.fetch_add(1, std::memory_order_relaxed);
        if (result.outcome == Outcome::NoName || result.outcome == Outcome::Failure)
            failures_.fetch_add(1, std::memory_order_relaxed);
        std::lock_guard lock(mutex_);
        in_flight_.erase(addr);
        if (result.outcome == Outcome::Cancelled) return;
        try {
            store_locked(addr, result);
        } catch (const std::exception&) {
            // Out of memory while caching: the address is simply asked again later.
        }
    }
}

DnsResolver::Result DnsResolver::lookup(const IpAddr& addr) {
    // As glibc's "hosts: files dns": the hosts file first (re-read each lookup, like
    // resolv.conf, so an edit is picked up; lookups are rare, the cache answers the rest).
    if (!config_.hosts_file.empty()) {
        std::string name = parse_hosts_name(read_file(config_.hosts_file, kMaxHosts), addr);
        if (!name.empty()) {
            hosts_answers_.fetch_add(1, std::memory_order_relaxed);
            return Result{Outcome::Name, std::move(name)};
        }
    }
    if (is_local_only(addr)) return Result{Outcome::LocalOnly, {}};
    auto servers = parse_nameservers(read_file(transport_.resolv_conf, kMaxResolvConf));
    if (servers.empty()) servers.push_back(kDefaultNameserver);
    auto deadline = std::chrono::steady_clock::now() + config_.timeout;
    bool all_timed_out = true;
    for (std::size_t i = 0; i < servers.size(); ++i) {
        auto remaining = deadline - std::chrono::steady_clock::now();
        if (remaining <= std::chrono::steady_clock::duration::zero()) break;
        // Each remaining server gets an equal share, so one dead server cannot use up the
        // whole lookup timeout.
        auto budget = remaining / static_cast<long>(servers.size() - i);
        Result r = query_server(servers[i], addr, budget);
        if (r.outcome == Outcome::Name || r.outcome == Outcome::NoName ||
            r.outcome == Outcome::Cancelled)
            return r;
        if (r.outcome != Outcome::Timeout) all_timed_out = false;
    }
    return Result{all_timed_out ? Outcome::Timeout : Outcome::Failure, {}};
}

DnsResolver::Result DnsResolver::query_server(const std::string& server, const IpAddr& addr,
                                              std::chrono::steady_clock::duration budget) {
    Result failure{Outcome::Failure, {}};
    sockaddr_storage to{};
    socklen_t to_len = 0;
    if (!to_sockaddr(server, transport_.port, to, to_len)) return failure;
    UniqueFd sock(::socket(to.ss_family, SOCK_DGRAM, 0));
    if (sock.get() < 0 || !set_cloexec_nonblock(sock.get())) return failure;
    // A connected UDP socket: the kernel drops datagrams from any other address, and an ICMP
    // port unreachable comes back as ECONNREFUSED instead of a silent timeout.
    if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&to), to_len) != 0) return failure;

    std::string question = dns::ptr_name(addr);
    std::random_device random;  // unpredictable ids make off-path spoofing harder
    auto id = static_cast<std::uint16_t>(random() & 0xffff);
    auto query = dns::encode_ptr_query(id, question);
    if (query.empty() || ::send(sock.get(), query.data(), query.size(), 0) < 0) return failure;

    auto deadline = std::chrono::steady_clock::now() + budget;
    std::array<std::uint8_t, kMaxReply> buf{};
    while (true) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now());
        if (left.count() <= 0) return Result{Outcome::Timeout, {}};
        std::array<pollfd, 2> fds{pollfd{sock.get(), POLLIN, 0}, pollfd{stop_pipe_[0], POLLIN, 0}};
        int n = ::poll(fds.data(), fds.size(),
                       static_cast<int>(std::min<long long>(left.count(), 60'000)));
        if (n < 0) {
            if (errno == EINTR) continue;
            return failure;
        }
        if (fds[1].revents != 0) return Result{Outcome::Cancelled, {}};
        if (n == 0) continue;  // the deadline check above decides
        sockaddr_storage from{};
        socklen_t from_len = sizeof from;
        ssize_t got = ::recvfrom(sock.get(), buf.data(), buf.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
        if (got < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            return failure;  // ECONNREFUSED and the like
        }
        if (!same_endpoint(from, to)) continue;
        auto reply = dns::decode_ptr_reply(
            std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(got)), id, question);
        switch (reply.kind) {
            case dns::ReplyKind::Name:
                return Result{Outcome::Name, std::move(reply.name)};
            case dns::ReplyKind::NoName:
                return Result{Outcome::NoName, {}};
            case dns::ReplyKind::Mismatch:
                continue;  // a late reply to an older query, or spoofing: keep waiting
            default:
                return failure;
        }
    }
}

std::vector<SourceCounter> DnsResolver::counters() const {
    std::uint64_t entries = 0;
    std::uint64_t queued = 0;
    {
        std::lock_guard lock(mutex_);
        entries = cache_.size();
        queued = queue_.size();
    }
    return {
        {"dns.cache_entries", entries},
        {"dns.queued", queued},
        {"dns.lookups", lookups_.load(std::memory_order_relaxed)},
        {"dns.failures", failures_.load(std::memory_order_relaxed)},
        {"dns.timeouts", timeouts_.load(std::memory_order_relaxed)},
        {"dns.dropped", dropped_.load(std::memory_order_relaxed)},
        {"dns.hosts_answers", hosts_answers_.load(std::memory_order_relaxed)},
        {"dns.local_only", local_only_.load(std::memory_order_relaxed)},
    };
}

}  // namespace sstop::core
