#include "http_request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sstop::plugins::prometheus {
namespace {

TEST(HttpRequest, ParsesGetHttp11WithHeaders) {
    Request r = parse_request(
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9464\r\nAccept: text/plain;q=0.9\r\n\r\n");
    ASSERT_EQ(r.status, ParseStatus::Ok);
    EXPECT_EQ(r.method, Method::Get);
    EXPECT_EQ(r.path, "/metrics");
    EXPECT_EQ(r.minor_version, 1);
}

TEST(HttpRequest, ParsesHeadHttp10WithoutHeaders) {
    Request r = parse_request("HEAD /metrics HTTP/1.0\r\n\r\n");
    ASSERT_EQ(r.status, ParseStatus::Ok);
    EXPECT_EQ(r.method, Method::Head);
    EXPECT_EQ(r.minor_version, 0);
}

TEST(HttpRequest, StripsQueryStringAndFragmentFromPath) {
    EXPECT_EQ(parse_request("GET /metrics?x HTTP/1.1\r\n\r\n").path, "/metrics");
    EXPECT_EQ(parse_request("GET /metrics?a=1&b=2#f HTTP/1.1\r\n\r\n").path, "/metrics");
    EXPECT_EQ(parse_request("GET /m#frag HTTP/1.1\r\n\r\n").path, "/m");
}

TEST(HttpRequest, OtherMethodTokenIsWellFormedButOther) {
    Request r = parse_request("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    ASSERT_EQ(r.status, ParseStatus::Ok);
    EXPECT_EQ(r.method, Method::Other);
    EXPECT_EQ(r.method_token, "POST");
    // Methods are case-sensitive: "get" is a different (unknown) method.
    EXPECT_EQ(parse_request("get /metrics HTTP/1.1\r\n\r\n").method, Method::Other);
}

TEST(HttpRequest, RejectsMalformedMethodAndTarget) {
    EXPECT_EQ(parse_request("G(T /metrics HTTP/1.1\r\n\r\n").status, ParseStatus::BadRequest);
    EXPECT_EQ(parse_request(" /metrics HTTP/1.1\r\n\r\n").status, ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("GET metrics HTTP/1.1\r\n\r\n").status, ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("GET  /metrics HTTP/1.1\r\n\r\n").status, ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("GET /metrics\r\n\r\n").status, ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("GET /met\x01rics HTTP/1.1\r\n\r\n").status, ParseStatus::BadRequest);
}

TEST(HttpRequest, RejectsBadVersions) {
    EXPECT_EQ(parse_request("GET /metrics HTTP/2.0\r\n\r\n").status,
              ParseStatus::VersionNotSupported);
    EXPECT_EQ(parse_request("GET /metrics HTTP/1.2\r\n\r\n").status,
              ParseStatus::VersionNotSupported);
    EXPECT_EQ(parse_request("GET /metrics HTTP/1\r\n\r\n").status, ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("GET /metrics http/1.1\r\n\r\n").status, ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("GET /metrics HTTP/1.10\r\n\r\n").status, ParseStatus::BadRequest);
}

TEST(HttpRequest, RequiresCrlfLineEnds) {
    EXPECT_EQ(parse_request("GET /metrics HTTP/1.1\n\n").status, ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("GET /metrics HTTP/1.1\r\nHost: x\n\r\n").status,
              ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("GET /metrics HTTP/1.1\r\n").status, ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("GET /metrics HTTP/1.1").status, ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("").status, ParseStatus::BadRequest);
}

TEST(HttpRequest, RejectsMalformedHeaderFields) {
    EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nNoColon\r\n\r\n").status, ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nBad Name: v\r\n\r\n").status,
              ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n").status,
              ParseStatus::BadRequest);
    EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n").status, ParseStatus::BadRequest);
    // Bytes after the blank line are not part of a head.
    EXPECT_EQ(parse_request("GET / HTTP/1.1\r\n\r\nextra").status, ParseStatus::BadRequest);
}

TEST(HttpRequest, OversizeHeadIsTooLarge) {
    std::string head =
        "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(kMaxHeadBytes, 'a') + "\r\n\r\n";
    EXPECT_EQ(parse_request(head).status, ParseStatus::HeadTooLarge);
    std::string fits = "GET /metrics HTTP/1.1\r\nX-Pad: ";
    fits += std::string(kMaxHeadBytes - fits.size() - 4, 'a') + "\r\n\r\n";
    ASSERT_EQ(fits.size(), kMaxHeadBytes);
    EXPECT_EQ(parse_request(fits).status, ParseStatus::Ok);
}

TEST(HttpRequest, FindsTheEndOfTheHead) {
    EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nHost: a\r\n"), 0u);
    EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\n\r\nrest"), 18u);
    EXPECT_EQ(find_head_end("GET / HTTP/1.1\n\n"), 16u);  // answered 400, not waited for
    EXPECT_EQ(find_head_end(""), 0u);
    EXPECT_EQ(find_head_end("\n"), 0u);
}

}  // namespace
}  // namespace sstop::plugins::prometheus
