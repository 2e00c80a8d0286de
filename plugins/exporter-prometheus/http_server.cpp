#include "http_server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstop/plugin.hpp>
#include <vector>

namespace sstop::plugins::prometheus {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";
// After an accept error such as EMFILE the listening socket stays readable: pause accepting
// instead of spinning.
constexpr std::chrono::milliseconds kAcceptBackoff{100};

const char* reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 431:
            return "Request Header Fields Too Large";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Error";
    }
}

Response build(int status, int minor_version, std::string_view content_type,
               std::shared_ptr<const std::string> body, bool head_only,
               std::string_view extra_fields = {}) {
    Response r;
    r.status = status;
    std::size_t length = body ? body->size() : 0;
    r.head = "HTTP/1." + std::to_string(minor_version) + " " + std::to_string(status) + " " +
             reason(status) + "\r\nContent-Type: " + std::string(content_type) +
             "\r\nContent-Length: " + std::to_string(length) + "\r\nConnection: close\r\n";
    r.head += extra_fields;
    r.head += "\r\n";
    if (!head_only) r.body = std::move(body);
    return r;
}

Response error(int status, int minor_version, bool head_only, std::string_view extra = {}) {
    auto body = std::make_shared<const std::string>(std::string(reason(status)) + "\n");
    return build(status, minor_version, "text/plain; charset=utf-8", body, head_only, extra);
}

struct Connection {
    enum class Phase { Reading, Writing, Draining };
    UniqueFd fd;
    Clock::time_point deadline;
    Phase phase = Phase::Reading;
    std::string in;
    Response response;
    std::size_t sent = 0;  // bytes of head + body written
};

// Writes as much of the response as the socket takes. False when the connection is done
// (fully written: then shut down for writing; or failed).
bool write_some(Connection& c) {
    const std::size_t head_size = c.response.head.size();
    const std::size_t body_size = c.response.body ? c.response.body->size() : 0;
    while (c.sent < head_size + body_size) {
        const char* data;
        std::size_t left;
        if (c.sent < head_size) {
            data = c.response.head.data() + c.sent;
            left = head_size - c.sent;
        } else {
            data = c.response.body->data() + (c.sent - head_size);
            left = body_size - (c.sent - head_size);
        }
        ssize_t n = ::send(c.fd.get(), data, left, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        if (n <= 0) return false;
        c.sent += static_cast<std::size_t>(n);
    }
    // Half-close and read what the client still sends until it closes: closing with unread
    // input would reset the connection and could destroy the response in flight.
    ::shutdown(c.fd.get(), SHUT_WR);
    c.phase = Connection::Phase::Draining;
    return true;
}

}  // namespace

Response make_response(const Request& request, std::string_view path,
                       const std::shared_ptr<const std::string>& body) {
    const int minor = request.status == ParseStatus::Ok ? request.minor_version : 1;
    const bool head_only = request.status == ParseStatus::Ok && request.method == Method::Head;
    switch (request.status) {
        case ParseStatus::Ok:
            break;
        case ParseStatus::HeadTooLarge:
            return error(431, minor, false);
        case ParseStatus::VersionNotSupported:
            return error(505, minor, false);
        case ParseStatus::BadRequest:
            return error(400, minor, false);
    }
    if (request.method == Method::Other) return error(405, minor, false, "Allow: GET, HEAD\r\n");
    if (request.path != path) return error(404, minor, head_only);
    if (!body) {
        auto text = std::make_shared<const std::string>("no snapshot yet; try again shortly\n");
        return build(503, minor, "text/plain; charset=utf-8", text, head_only,
                     "Retry-After: 1\r\n");
    }
    return build(200, minor, kContentType, body, head_only);
}

Response make_too_large_response() {
    Request r;
    r.status = ParseStatus::HeadTooLarge;
    return make_response(r, "", nullptr);
}

HttpServer::HttpServer(ListenAddress listen, std::string path, ServerLimits limits,
                       ErrorSink on_error)
    : listen_(std::move(listen)),
      path_(std::move(path)),
      limits_(limits),
      on_error_(std::move(on_error)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
    auto fail = [&](const char* what) {
        int err = errno;
        throw PluginUnavailable("prometheus: cannot " + std::string(what) + " on " + listen_.text +
                                ": " + std::strerror(err));
    };
    UniqueFd fd(::socket(listen_.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) fail("create a socket to listen");
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (listen_.family == AF_INET6)  // [::]:port means IPv6 only, as written
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_storage addr;
    socklen_t len = listen_.to_sockaddr(addr);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) fail("listen");
    if (::listen(fd.get(), 64) != 0) fail("listen");
    len = sizeof addr;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) fail("listen");
    port_ = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (wake.get() < 0) fail("create an eventfd to serve");
    listen_fd_ = std::move(fd);
    wake_fd_ = std::move(wake);
    thread_ = std::thread([this] { run(); });
}

void HttpServer::stop() {
    if (thread_.joinable()) {
        std::uint64_t one = 1;
        while (::write(wake_fd_.get(), &one, sizeof one) < 0 && errno == EINTR) {
        }
        thread_.join();
    }
    listen_fd_.reset();
    wake_fd_.reset();
}

void HttpServer::set_body(std::shared_ptr<const std::string> body) {
    std::lock_guard lock(body_mutex_);
    body_ = std::move(body);
}

std::shared_ptr<const std::string> HttpServer::body() const {
    std::lock_guard lock(body_mutex_);
    return body_;
}

void HttpServer::run() {
    try {
        serve();
    } catch (const std::exception& e) {
        if (on_error_) on_error_(std::string("server stopped: ") + e.what());
    }
}

void HttpServer::serve() {
    std::vector<Connection> conns;
    conns.reserve(limits_.max_connections);
    std::vector<pollfd> fds;
    Clock::time_point accept_paused_until{};
    while (true) {
        const auto now = Clock::now();
        const bool accepting = conns.size() < limits_.max_connections && now >= accept_paused_until;
        fds.clear();
        fds.push_back({wake_fd_.get(), POLLIN, 0});
        fds.push_back({accepting ? listen_fd_.get() : -1, POLLIN, 0});
        auto next = Clock::time_point::max();
        if (!accepting && conns.size() < limits_.max_connections) next = accept_paused_until;
        for (const auto& c : conns) {
            short events = c.phase == Connection::Phase::Writing ? POLLOUT : POLLIN;
            fds.push_back({c.fd.get(), events, 0});
            next = std::min(next, c.deadline);
        }
        int timeout = -1;
        if (next != Clock::time_point::max()) {
            auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
            timeout = static_cast<int>(std::clamp<long long>(ms, 0, 60'000));
        }
        int n = ::poll(fds.data(), fds.size(), timeout);
        if (n < 0 && errno != EINTR) throw std::runtime_error(std::strerror(errno));
        if (n > 0 && fds[0].revents) return;

        // Existing connections first: their pollfds are at 2.. in the same order.
        std::vector<bool> done(conns.size(), false);
        for (std::size_t k = 0; n > 0 && k < conns.size(); ++k) {
            short rev = fds[k + 2].revents;
            if (!rev) continue;
            Connection& c = conns[k];
            if (c.phase == Connection::Phase::Writing) {
                done[k] = (rev & (POLLERR | POLLNVAL)) || !write_some(c);
                continue;
            }
            char buf[4096];
            ssize_t got = ::recv(c.fd.get(), buf, sizeof buf, 0);
            if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
            if (got <= 0) {  // closed (or failed) before a complete head, or drained
                done[k] = true;
                continue;
            }
            if (c.phase == Connection::Phase::Draining) continue;
            c.in.append(buf, static_cast<std::size_t>(got));
            std::size_t end = find_head_end(c.in);
            if (end != 0) {
                c.response = make_response(parse_request(std::string_view(c.in).substr(0, end)),
                                           path_, body());
            } else if (c.in.size() > kMaxHeadBytes) {
                c.response = make_too_large_response();
            } else {
                continue;
            }
            c.in.clear();
            c.in.shrink_to_fit();
            c.phase = Connection::Phase::Writing;
            done[k] = !write_some(c);
        }
        const auto after = Clock::now();
        for (std::size_t k = conns.size(); k-- > 0;)
            if (done[k] || after >= conns[k].deadline)
                conns.erase(conns.begin() + static_cast<long>(k));

        if (n > 0 && accepting && fds[1].revents) {
            while (conns.size() < limits_.max_connections) {
                int fd =
                    ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                    if (errno == EINTR || errno == ECONNABORTED) continue;
                    if (errno != EAGAIN && errno != EWOULDBLOCK)
                        accept_paused_until = after + kAcceptBackoff;
                    break;
                }
                Connection c;
                c.fd.reset(fd);
                c.deadline = after + limits_.deadline;
                conns.push_back(std::move(c));
            }
        }
    }
}

}  // namespace sstop::plugins::prometheus
