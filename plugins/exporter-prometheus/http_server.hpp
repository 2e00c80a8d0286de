#pragma once
// A small poll-based HTTP/1.x server for one path: one thread, at most `max_connections`
// connections, each closed after one response or at its deadline. It serves the body last
// handed to `set_body` (shared, never copied per scrape).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <sstop/unique_fd.hpp>
#include <string>
#include <string_view>
#include <thread>

#include "http_request.hpp"
#include "prometheus_settings.hpp"

namespace sstop::plugins::prometheus {

/// A complete response: the head (status line and fields) and a shared body.
struct Response {
    int status = 200;                         ///< status code
    std::string head;                         ///< status line, fields, blank line
    std::shared_ptr<const std::string> body;  ///< may be null (HEAD, or empty body)
};

/// The response to a parsed request for a server of `path` whose latest body is `body`
/// (null = nothing rendered yet, answered 503). Pure.
Response make_response(const Request& request, std::string_view path,
                       const std::shared_ptr<const std::string>& body);

/// The response sent when the head grew past kMaxHeadBytes without ending.
Response make_too_large_response();

/// Bounds of the server.
struct ServerLimits {
    std::size_t max_connections = 16;          ///< beyond it, new ones wait in the backlog
    std::chrono::milliseconds deadline{5000};  ///< per connection, from accept to close
};

/// The server. `start` binds and listens (throws `sstop::PluginUnavailable` naming the
/// address) and starts the thread; `stop` (or destruction) ends it.
class HttpServer {
  public:
    using ErrorSink = std::function<void(std::string_view)>;
    HttpServer(ListenAddress listen, std::string path, ServerLimits limits, ErrorSink on_error);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    void start();
    /// Idempotent; joins the thread and closes every socket.
    void stop();
    /// The body served from now on. Any thread.
    void set_body(std::shared_ptr<const std::string> body);
    /// The bound port (useful with port 0). Valid after start().
    std::uint16_t port() const { return port_; }

  private:
    void run();
    void serve();
    std::shared_ptr<const std::string> body() const;

    ListenAddress listen_;
    std::string path_;
    ServerLimits limits_;
    ErrorSink on_error_;
    UniqueFd listen_fd_;
    UniqueFd wake_fd_;
    std::uint16_t port_ = 0;
    std::thread thread_;
    mutable std::mutex body_mutex_;
    std::shared_ptr<const std::string> body_;  // guarded by body_mutex_
};

}  // namespace sstop::plugins::prometheus
