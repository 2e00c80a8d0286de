// Fuzz target: any bytes as what a scraper sent, through the exporter's request-head parser
// the way its server uses it (find the end of the head, parse it), and through the response
// built from the result.
// Layout: the whole input is the bytes received on the connection.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "http_request.hpp"
#include "http_server.hpp"

namespace prom = sstop::plugins::prometheus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);

    const prom::Request whole = prom::parse_request(in);
    if (whole.status == prom::ParseStatus::Ok) {
        // A well-formed head ends with its blank line and has an absolute path without a query.
        SSTOP_FUZZ_CHECK(in.size() >= 4 && in.substr(in.size() - 4) == "\r\n\r\n");
        SSTOP_FUZZ_CHECK(!whole.path.empty() && whole.path.front() == '/');
        SSTOP_FUZZ_CHECK(whole.path.find_first_of("?# \r\n") == std::string::npos);
        SSTOP_FUZZ_CHECK(whole.minor_version == 0 || whole.minor_version == 1);
        SSTOP_FUZZ_CHECK(in.size() <= prom::kMaxHeadBytes);
    }
    if (in.size() > prom::kMaxHeadBytes)
        SSTOP_FUZZ_CHECK(whole.status == prom::ParseStatus::HeadTooLarge);

    const std::size_t end = prom::find_head_end(in);
    SSTOP_FUZZ_CHECK(end <= in.size());
    if (end != 0) {
        SSTOP_FUZZ_CHECK(in[end - 1] == '\n');
        const prom::Request r = prom::parse_request(in.substr(0, end));
        auto body = std::make_shared<const std::string>("sstop_up 1\n");
        const prom::Response resp = prom::make_response(r, "/metrics", body);
        SSTOP_FUZZ_CHECK(resp.status >= 200 && resp.status < 600);
        SSTOP_FUZZ_CHECK(resp.head.size() >= 4 &&
                         resp.head.substr(resp.head.size() - 4) == "\r\n\r\n");
        // Nothing the client sent is echoed into the response head (no header injection).
        SSTOP_FUZZ_CHECK(resp.head.find("\r\n\r\n") == resp.head.size() - 4);
        if (resp.status == 200) SSTOP_FUZZ_CHECK(r.path == "/metrics");
    }
    return 0;
}
