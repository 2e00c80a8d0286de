// The filter language of sstop/filter.hpp: every term, precedence, errors with their columns,
// bounds, and a table of expressions against a small snapshot.

#include <gtest/gtest.h>

#include <sstop/filter.hpp>
#include <string>
#include <vector>

namespace {

using sstop::ConnectionSummary;
using sstop::Family;
using sstop::Filter;
using sstop::FilterError;
using sstop::IpAddr;
using sstop::ProcessSummary;
using sstop::Snapshot;

IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddr x;
    x.family = Family::V4;
    x.bytes[0] = a, x.bytes[1] = b, x.bytes[2] = c, x.bytes[3] = d;
    return x;
}

IpAddr v6(std::initializer_list<std::uint16_t> words) {
    IpAddr a;
    a.family = Family::V6;
    int i = 0;
    for (auto w : words) {
        a.bytes[static_cast<std::size_t>(2 * i)] = static_cast<std::uint8_t>(w >> 8);
        a.bytes[static_cast<std::size_t>(2 * i + 1)] = static_cast<std::uint8_t>(w);
        ++i;
    }
    return a;
}

ConnectionSummary conn(sstop::Proto proto, std::uint16_t lport, IpAddr remote, std::uint16_t rport,
                       std::string name = "") {
    ConnectionSummary c;
    c.key.proto = proto;
    c.key.local.addr =
        remote.family == Family::V6 ? v6({0, 0, 0, 0, 0, 0, 0, 1}) : v4(192, 168, 1, 2);
    c.key.local.port = lport;
    c.key.remote.addr = remote;
    c.key.remote.port = rport;
    c.remote_name = std::move(name);
    return c;
}

// Four processes: curl (HTTPS to 93.184.216.34 and a v6 host), firefox in a unit, a DNS
// daemon in a container (UDP 53), and sshd listening with no remote.
Snapshot make_snapshot() {
    Snapshot s;
    ProcessSummary curl;
    curl.info.id.pid = 4242;
    curl.info.uid = 1000;
    curl.info.name = "curl";
    curl.info.cmdline = "curl -sS https://example.org/big.iso";
    curl.traffic.rx_bps = 3.0 * 1024 * 1024;  // 3 MiB/s down
    curl.traffic.tx_bps = 10 * 1024;          // 10 KiB/s up
    curl.sockets.push_back(
        conn(sstop::Proto::Tcp, 51000, v4(93, 184, 216, 34), 443, "example.org"));
    curl.sockets.push_back(conn(sstop::Proto::Tcp, 51001,
                                v6({0x2606, 0x2800, 0x220, 1, 0x248, 0x1893, 0x25c8, 0x1946}), 443,
                                "EXAMPLE.com"));
    s.processes.push_back(curl);

    ProcessSummary firefox;
    firefox.info.id.pid = 777;
    firefox.info.uid = 1000;
    firefox.info.name = "firefox-bin";
    firefox.info.cmdline = "/usr/lib/firefox/firefox-bin --new-window";
    firefox.info.unit = "app-firefox.scope";
    firefox.traffic.rx_bps = 200 * 1024;
    firefox.traffic.tx_bps = 50 * 1024;
    firefox.sockets.push_back(
        conn(sstop::Proto::Tcp, 40000, v4(10, 1, 2, 3), 8080, "intranet.corp"));
    s.processes.push_back(firefox);

    ProcessSummary dns;
    dns.info.id.pid = 53;
    dns.info.uid = 101;
    dns.info.name = "unbound";
    dns.info.container = "3f2a9c1dns";
    dns.traffic.rx_bps = 512;
    dns.traffic.tx_bps = 512;
    dns.sockets.push_back(conn(sstop::Proto::Udp, 53, v4(1, 1, 1, 1), 53, "one.one.one.one"));
    s.processes.push_back(dns);

    ProcessSummary sshd;
    sshd.info.id.pid = 1;
    sshd.info.uid = 0;
    sshd.info.name = "sshd";
    sshd.info.cmdline = "sshd: /usr/sbin/sshd -D";
    ConnectionSummary listen;
    listen.key.proto = sstop::Proto::Tcp;
    listen.key.local.addr = v4(0, 0, 0, 0);
    listen.key.local.port = 22;
    listen.state = sstop::SocketState::Listen;
    sshd.sockets.push_back(listen);
    s.processes.push_back(sshd);
    return s;
}

// Names of the processes of make_snapshot() that `expr` matches, in snapshot order.
std::string matching(const std::string& expr) {
    static const Snapshot snap = make_snapshot();
    FilterError err;
    std::optional<Filter> f = Filter::parse(expr, &err);
    if (!f) return "error: " + err.message;
    std::string out;
    for (const ProcessSummary& p : snap.processes)
        if (f->matches(p, snap)) out += (out.empty() ? "" : " ") + p.info.name;
    return out;
}

FilterError error_of(const std::string& expr) {
    FilterError err;
    EXPECT_FALSE(Filter::parse(expr, &err).has_value()) << expr;
    return err;
}

TEST(Filter, TableOfExpressionsAgainstASnapshot) {
    struct Case {
        const char* expr;
        const char* expected;
    };
    const Case cases[] = {
        {"", "curl firefox-bin unbound sshd"},
        {"   ", "curl firefox-bin unbound sshd"},
        {"curl", "curl"},
        {"FIREFOX", "firefox-bin"},
        {"proc:SSH", "sshd"},
        {"pid:53", "unbound"},
        {"user:1000", "curl firefox-bin"},
        {"user:0", "sshd"},
        {"host:93.184.216.34", "curl"},
        {"host:10.0.0.0/8", "firefox-bin"},
        {"host:0.0.0.0/0", "curl firefox-bin unbound"},
        {"host:2606:2800::/32", "curl"},
        {"host:::/0", "curl"},
        {"host:example", "curl"},
        {"host:ONE.one", "unbound"},
        {"port:443", "curl"},
        {"port:22", "sshd"},
        {"port:50-60", "unbound"},
        {"port:8000-9000", "firefox-bin"},
        {"proto:udp", "unbound"},
        {"proto:TCP", "curl firefox-bin sshd"},
        {"group:firefox", "firefox-bin"},
        {"group:3f2a", "unbound"},
        {"group:none", "curl sshd"},
        {"rate>1MB", "curl"},
        {"rate<1k", "sshd"},
        {"rx>100K and tx>20k", "firefox-bin"},
        {"tx<=512", "unbound sshd"},
        {"rx>=512B/s", "curl firefox-bin unbound"},
        {"not proc:curl", "firefox-bin unbound sshd"},
        {"!proc:curl !proc:sshd", "firefox-bin unbound"},
        {"port:443 and proc:curl", "curl"},
        {"port:443 and proc:sshd", ""},
        {"proc:curl or proc:sshd and port:22", "curl sshd"},
        {"(proc:curl or proc:sshd) and port:22", "sshd"},
        {"proc:curl or proc:sshd port:443", "curl"},
        {"not (proto:tcp or proto:udp)", ""},
        {"not not proc:curl", "curl"},
        {"42", "curl"},                 // pid digits, as the plain-text filter did
        {"216.34", "curl"},             // a remote address, likewise
        {"new-window", "firefox-bin"},  // the command line
        {"proc:\"firefox-bin\"", "firefox-bin"},
        {"\"-sS https\"", "curl"},
    };
    for (const Case& c : cases) EXPECT_EQ(matching(c.expr), c.expected) << c.expr;
}

TEST(Filter, KeywordsAreCaseInsensitive) {
    EXPECT_EQ(matching("PROC:curl OR Pid:1"), "curl sshd");
    EXPECT_EQ(matching("NOT proc:curl AND NOT proc:sshd"), "firefox-bin unbound");
    EXPECT_EQ(matching("Rate>1m"), "curl");
}

TEST(Filter, AndBindsTighterThanOr) {
    // a or (b and c): curl matches through a alone.
    EXPECT_EQ(matching("proc:curl or proc:unbound and proto:tcp"), "curl");
    // (a or b) and c.
    EXPECT_EQ(matching("(proc:curl or proc:unbound) and proto:tcp"), "curl");
    EXPECT_EQ(matching("(proc:curl or proc:unbound) and proto:udp"), "unbound");
    // juxtaposition is and, so it binds tighter than or too.
    EXPECT_EQ(matching("proc:sshd or proc:curl proto:udp"), "sshd");
}

TEST(Filter, NotAppliesToTheNextOperandOnly) {
    EXPECT_EQ(matching("not proc:curl and proto:tcp"), "firefox-bin sshd");
    EXPECT_EQ(matching("not (proc:curl and proto:tcp)"), "firefox-bin unbound sshd");
    EXPECT_EQ(matching("!(port:443)"), "firefox-bin unbound sshd");
}

TEST(Filter, Ipv4PrefixEdges) {
    Snapshot snap;
    ProcessSummary p;
    p.sockets.push_back(conn(sstop::Proto::Tcp, 1, v4(10, 0, 0, 1), 2));
    auto match = [&](const char* expr) {
        std::optional<Filter> f = Filter::parse(expr);
        EXPECT_TRUE(f) << expr;
        return f && f->matches(p, snap);
    };
    EXPECT_TRUE(match("host:0.0.0.0/0"));
    EXPECT_TRUE(match("host:10.0.0.1/32"));
    EXPECT_FALSE(match("host:10.0.0.2/32"));
    EXPECT_TRUE(match("host:10.0.0.0/31"));
    EXPECT_FALSE(match("host:10.0.0.2/31"));
    EXPECT_TRUE(match("host:10.9.9.9/8"));  // host bits set: the network 10.0.0.0/8
    EXPECT_FALSE(match("host:11.0.0.0/8"));
    EXPECT_TRUE(match("host:8.0.0.0/5"));  // 10 = 0b00001010, first five bits 00001
    EXPECT_FALSE(match("host:16.0.0.0/5"));
    EXPECT_TRUE(match("host:::ffff:10.0.0.0/104"));  // IPv4-mapped: the IPv4 prefix /8
    EXPECT_FALSE(match("host:::/0"));                // an IPv6 prefix never matches IPv4
}

TEST(Filter, Ipv6PrefixEdges) {
    Snapshot snap;
    ProcessSummary p;
    p.sockets.push_back(conn(sstop::Proto::Tcp, 1, v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}), 2));
    auto match = [&](const char* expr) {
        std::optional<Filter> f = Filter::parse(expr);
        EXPECT_TRUE(f) << expr;
        return f && f->matches(p, snap);
    };
    EXPECT_TRUE(match("host:::/0"));
    EXPECT_TRUE(match("host:2001:db8::1"));
    EXPECT_TRUE(match("host:2001:DB8::1/128"));
    EXPECT_FALSE(match("host:2001:db8::2/128"));
    EXPECT_TRUE(match("host:2001:db8::/32"));
    EXPECT_TRUE(match("host:2001:db8:ffff::1/32"));  // host bits set
    EXPECT_FALSE(match("host:2001:db9::/32"));
    EXPECT_TRUE(match("host:2001:0db8:0:0:0:0:0:1"));
    EXPECT_TRUE(match("host:2001:db8::0.0.0.1"));  // trailing dotted quad
    EXPECT_TRUE(match("host:2001:db8::/127"));
    EXPECT_FALSE(match("host:2001:db8::2/127"));
    EXPECT_FALSE(match("host:0.0.0.0/0"));
}

TEST(Filter, PortRangesIncludeBothEndsAndLocalPorts) {
    Snapshot snap;
    ProcessSummary p;
    p.sockets.push_back(conn(sstop::Proto::Tcp, 5000, v4(1, 2, 3, 4), 80));
    auto match = [&](const char* expr) { return Filter::parse(expr)->matches(p, snap); };
    EXPECT_TRUE(match("port:80"));
    EXPECT_TRUE(match("port:5000"));
    EXPECT_TRUE(match("port:80-80"));
    EXPECT_TRUE(match("port:1-80"));
    EXPECT_TRUE(match("port:5000-65535"));
    EXPECT_FALSE(match("port:81-4999"));
    EXPECT_FALSE(match("port:0"));
}

TEST(Filter, RateUnitsArePowersOf1024LikeTheTable) {
    Snapshot snap;
    ProcessSummary p;
    auto above = [&](double rate, const char* expr) {
        p.traffic.rx_bps = rate;
        p.traffic.tx_bps = 0;
        return Filter::parse(expr)->matches(p, snap);
    };
    EXPECT_TRUE(above(1025, "rate>1K"));
    EXPECT_FALSE(above(1024, "rate>1K"));  // strictly greater
    EXPECT_FALSE(above(1023, "rate>1KB"));
    EXPECT_TRUE(above(1023, "rate<1KiB"));
    EXPECT_TRUE(above(1.5 * 1048576 + 1, "rate>1.5M"));
    EXPECT_FALSE(above(1.5 * 1048576 - 1, "rate>1.5MiB/s"));
    EXPECT_TRUE(above(1073741825.0, "rate>1G"));
    EXPECT_FALSE(above(1073741823.0, "rate>1gb"));
    EXPECT_TRUE(above(1099511627777.0, "rate>1T"));
    EXPECT_TRUE(above(501, "rate>500"));
    EXPECT_TRUE(above(501, "rate>500B"));
    EXPECT_TRUE(above(0, "rate<=0"));
    EXPECT_TRUE(above(0, "rx>=0"));
    EXPECT_FALSE(above(0, "tx>0"));
}

TEST(Filter, ErrorsNameTheColumn) {
    struct Case {
        const char* expr;
        int column;
        const char* message;
    };
    const Case cases[] = {
        {"(proc:a or", 11, "expected a term at column 11"},
        {"(proc:a b", 10, "expected ')' at column 10"},
        {"(proc:a b or c", 15, "expected ')' at column 15"},
        {"prot:tcp", 1, "unknown field 'prot' at column 1"},
        {"proc:a and prot:tcp", 12, "unknown field 'prot' at column 12"},
        {"host:10.0.0.0/33", 6, "bad CIDR '10.0.0.0/33' at column 6"},
        {"host:::/129", 6, "bad CIDR '::/129' at column 6"},
        {"host:10.0.0.256", 6, "bad address '10.0.0.256' at column 6"},
        {"host:1:2:3", 6, "bad address '1:2:3' at column 6"},
        {"port:70000", 6, "bad port '70000' at column 6"},
        {"port:90-80", 6, "bad port '90-80' at column 6"},
        {"port:http", 6, "bad port 'http' at column 6"},
        {"pid:-1", 5, "bad pid '-1' at column 5"},
        {"proto:igmpx", 7,
         "unknown protocol 'igmpx' (tcp, udp, icmp, icmp6, sctp, raw or 1-255) at column 7"},
        {"proto:0", 7,
         "unknown protocol '0' (tcp, udp, icmp, icmp6, sctp, raw or 1-255) at column 7"},
        {"proto:256", 7,
         "unknown protocol '256' (tcp, udp, icmp, icmp6, sctp, raw or 1-255) at column 7"},
        {"rate>fast", 6, "bad rate 'fast' (e.g. 500K, 1.5MiB, 2G) at column 6"},
        {"rate>=1X", 7, "bad rate '1X' (e.g. 500K, 1.5MiB, 2G) at column 7"},
        {"speed>1M", 1, "unknown field 'speed' (rate, rx or tx compare) at column 1"},
        {"proc:", 6, "empty value for 'proc' at column 6"},
        {"user:root", 6,
         "user 'root' is not a uid (the model has uids, not user names) at column 6"},
        {"proc:a)", 7, "unexpected ')' at column 7"},
        {")", 1, "expected a term before ')' at column 1"},
        {"or proc:a", 1, "expected a term before 'or' at column 1"},
        {"proc:a and", 11, "expected a term at column 11"},
        {"not", 4, "expected a term at column 4"},
        {"proc:\"a b", 6, "unterminated quote at column 6"},
    };
    for (const Case& c : cases) {
        FilterError err = error_of(c.expr);
        EXPECT_EQ(err.column, c.column) << c.expr;
        EXPECT_EQ(err.message, c.message) << c.expr;
    }
}

TEST(Filter, ProtocolsBeyondTcpAndUdpByNameNumberAndRaw) {
    Snapshot snap;
    auto with = [&](const char* name, sstop::Proto proto) {
        ProcessSummary p;
        p.info.name = name;
        p.sockets.push_back(conn(proto, 0, v4(10, 0, 0, 2), 0, ""));
        snap.processes.push_back(p);
    };
    with("pinger", sstop::Proto::Icmp);
    with("pinger6", sstop::Proto::Icmpv6);
    with("sctpd", sstop::Proto::Sctp);
    with("lab", static_cast<sstop::Proto>(253));
    auto names = [&](const std::string& expr) {
        std::optional<Filter> f = Filter::parse(expr);
        EXPECT_TRUE(f.has_value()) << expr;
        std::string out;
        if (!f) return out;
        for (const ProcessSummary& p : snap.processes)
            if (f->matches(p, snap)) out += (out.empty() ? "" : " ") + p.info.name;
        return out;
    };
    EXPECT_EQ(names("proto:icmp"), "pinger");
    EXPECT_EQ(names("proto:ICMP6"), "pinger6");
    EXPECT_EQ(names("proto:icmpv6"), "pinger6");
    EXPECT_EQ(names("proto:sctp"), "sctpd");
    EXPECT_EQ(names("proto:132"), "sctpd");
    EXPECT_EQ(names("proto:253"), "lab");
    EXPECT_EQ(names("proto:raw"), "lab");
    EXPECT_EQ(names("proto:tcp"), "");
}

TEST(Filter, ErrorMessagesHideControlCharacters) {
    EXPECT_EQ(error_of("proto:\x01x").message,
              "unknown protocol '?x' (tcp, udp, icmp, icmp6, sctp, raw or 1-255) at column 7");
    EXPECT_EQ(error_of("port:\x1b[31m").message, "bad port '?[31m' at column 6");
}

TEST(Filter, RefusesTextsLongerThan1024Bytes) {
    EXPECT_TRUE(Filter::parse(std::string(1024, 'a')));
    FilterError err = error_of(std::string(1025, 'a'));
    EXPECT_EQ(err.column, 1025);
    EXPECT_EQ(err.message, "filter is longer than 1024 characters at column 1025");
}

TEST(Filter, RefusesNestingDeeperThan32) {
    auto nested = [](int n) { return std::string(n, '(') + "a" + std::string(n, ')'); };
    EXPECT_TRUE(Filter::parse(nested(32)));
    FilterError err = error_of(nested(33));
    EXPECT_EQ(err.column, 33);
    EXPECT_EQ(err.message, "nesting deeper than 32 at column 33");
    // `not` counts as nesting too, so `!!!…` cannot recurse without bound.
    EXPECT_TRUE(Filter::parse(std::string(32, '!') + "a"));
    EXPECT_EQ(error_of(std::string(500, '!') + "a").column, 33);
}

TEST(Filter, RefusesMoreThan128Terms) {
    std::string text;
    for (int i = 0; i < 128; ++i) text += "a ";
    std::optional<Filter> f = Filter::parse(text);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->term_count(), 128u);
    FilterError err = error_of(text + "b");
    EXPECT_EQ(err.column, 257);
    EXPECT_EQ(err.message, "more than 128 terms at column 257");
}

TEST(Filter, EmptyTextMatchesEverything) {
    std::optional<Filter> f = Filter::parse(" \t ");
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->match_all());
    EXPECT_TRUE(f->matches(ProcessSummary{}, Snapshot{}));
    EXPECT_FALSE(Filter::parse("a")->match_all());
}

TEST(Filter, ConnectionLevelMatching) {
    const Snapshot snap = make_snapshot();
    const ProcessSummary& curl = snap.processes[0];
    const ConnectionSummary& v4conn = curl.sockets[0];
    const ConnectionSummary& v6conn = curl.sockets[1];
    std::optional<Filter> f = Filter::parse("host:2606:2800::/32 and port:443");
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->matches(v4conn));
    EXPECT_TRUE(f->matches(v6conn));
    // Process terms need the owner.
    std::optional<Filter> g = Filter::parse("proc:curl port:443");
    EXPECT_FALSE(g->matches(v4conn));
    EXPECT_TRUE(g->matches(v4conn, &curl));
    // A word matches the connection's remote name without an owner.
    EXPECT_TRUE(Filter::parse("example.org")->matches(v4conn));
    EXPECT_FALSE(Filter::parse("example.org")->matches(v6conn));
}

TEST(Filter, ConnectionTermsAreEachEvaluatedOverAllSockets) {
    // curl has TCP/443 to two hosts; `host:A and host:B` needs no single socket with both.
    EXPECT_EQ(matching("host:93.184.216.34 and host:2606:2800::/32"), "curl");
    EXPECT_EQ(matching("not port:443"), "firefox-bin unbound sshd");
}

}  // namespace
