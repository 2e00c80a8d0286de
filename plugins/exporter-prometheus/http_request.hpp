#pragma once
// The HTTP/1.x request head parser of the exporter's server: a pure function, so unit tests
// and the fuzzer feed it any bytes.

#include <cstddef>
#include <string>
#include <string_view>

namespace sstop::plugins::prometheus {

/// Largest request head (request line, header fields and the blank line) that is read.
inline constexpr std::size_t kMaxHeadBytes = 8192;

/// Methods the server knows; everything else is answered 405.
enum class Method { Get, Head, Other };

/// What a request head is, or why it is refused.
enum class ParseStatus {
    Ok,                   ///< a well-formed HTTP/1.0 or HTTP/1.1 request
    BadRequest,           ///< malformed: answered 400
    HeadTooLarge,         ///< longer than kMaxHeadBytes: answered 431
    VersionNotSupported,  ///< well-formed, but not HTTP/1.0 or 1.1: answered 505
};

/// A parsed request head. Only what the server needs; header fields are checked for form
/// and otherwise ignored.
struct Request {
    ParseStatus status = ParseStatus::BadRequest;  ///< Ok, or why not
    Method method = Method::Other;                 ///< GET, HEAD or another token
    std::string method_token;                      ///< the method as sent
    std::string path;       ///< the target's path, without query string or fragment
    int minor_version = 0;  ///< 0 for HTTP/1.0, 1 for HTTP/1.1
};

/// Parses a request head: everything up to and including the empty line that ends it. Lines
/// must end in CRLF; the request line is `METHOD SP origin-form-target SP HTTP/1.x`. Never
/// throws; never reads past `head`.
Request parse_request(std::string_view head);

/// Where the request head in `buffer` ends (one past the LF of the empty line), or 0 while it
/// is incomplete. A bare-LF empty line counts too, so a malformed client is answered 400
/// rather than left waiting.
std::size_t find_head_end(std::string_view buffer);

}  // namespace sstop::plugins::prometheus
