#include "service_names.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using sstop::Proto;
using sstop::plugins::view_common::ServiceNames;

namespace {

const char* const kServices =
    "# Network services, Internet style\n"
    "\n"
    "tcpmux\t\t1/tcp\t\t\t\t# TCP port service multiplexer\n"
    "ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol\n"
    "domain\t\t53/tcp\n"
    "domain\t\t53/udp\n"
    "http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP\n"
    "www-alt\t\t80/tcp\n"  // a later line for the same port does not replace the first
    "bad-port\t99999/tcp\n"
    "no-proto\t81\n"
    "odd-proto\t82/ddp\n"
    "junk\t\t8x/tcp\n"
    "#commented\t83/tcp\n"
    "sctp-svc\t9/sctp\r\n"
    "last\t\t8080/udp";  // no final newline

}  // namespace

TEST(ServiceNames, ParsesNamePortAndProtocolFirstLineWins) {
    const ServiceNames s = ServiceNames::parse(kServices);
    EXPECT_EQ(s.name(Proto::Tcp, 22), "ssh");
    EXPECT_EQ(s.name(Proto::Tcp, 53), "domain");
    EXPECT_EQ(s.name(Proto::Udp, 53), "domain");
    EXPECT_EQ(s.name(Proto::Tcp, 80), "http");
    EXPECT_EQ(s.name(Proto::Udp, 80), "");  // only tcp was listed
    EXPECT_EQ(s.name(Proto::Udp, 22), "");
    EXPECT_EQ(s.name(Proto::Sctp, 9), "sctp-svc");
    EXPECT_EQ(s.name(Proto::Udp, 8080), "last");
    EXPECT_EQ(s.name(Proto::Tcp, 81), "");
    EXPECT_EQ(s.name(Proto::Tcp, 82), "");
    EXPECT_EQ(s.name(Proto::Tcp, 83), "");
    EXPECT_EQ(s.name(Proto::Icmp, 22), "");  // portless protocols have no services
    EXPECT_EQ(s.size(), 7u);
}

TEST(ServiceNames, EntriesAreBounded) {
    std::string text;
    for (int port = 1; port <= 100; ++port)
        text += "svc" + std::to_string(port) + " " + std::to_string(port) + "/tcp\n";
    const ServiceNames s = ServiceNames::parse(text, 10);
    EXPECT_EQ(s.size(), 10u);
    EXPECT_EQ(s.name(Proto::Tcp, 10), "svc10");
    EXPECT_EQ(s.name(Proto::Tcp, 11), "");
}

TEST(ServiceNames, LoadsAFileOnceAndAMissingFileIsEmpty) {
    const auto path =
        std::filesystem::temp_directory_path() / ("sstop-services-" + std::to_string(getpid()));
    std::ofstream(path) << kServices;
    const ServiceNames s = ServiceNames::load(path.string());
    std::filesystem::remove(path);
    EXPECT_EQ(s.name(Proto::Tcp, 22), "ssh");  // read at load, not at lookup
    EXPECT_EQ(s.size(), 7u);
    EXPECT_EQ(ServiceNames::load("/nonexistent/sstop-services").size(), 0u);
}
