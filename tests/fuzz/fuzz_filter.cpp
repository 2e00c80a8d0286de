// Fuzz target: the filter language of sdk/include/sstop/filter.hpp (the text users type after
// `--filter` or `/`). Layout: the whole input is the expression text.
// Properties: a refused text has a column inside it (or just past its end) and a one-line
// message ending with that column; an accepted text stays in its bounds, evaluates the same
// twice, and `not (text)` matches exactly the processes it does not.

#include <cstddef>
#include <cstdint>
#include <sstop/filter.hpp>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace {

sstop::Snapshot make_snapshot() {
    sstop::Snapshot s;
    for (int i = 0; i < 3; ++i) {
        sstop::ProcessSummary p;
        p.info.id.pid = 100 + i;
        p.info.uid = static_cast<std::uint32_t>(i * 1000);
        p.info.name = i == 0 ? "curl" : i == 1 ? "Firefox" : "unbound";
        p.info.cmdline = p.info.name + " --arg " + std::to_string(i);
        if (i == 1) p.info.unit = "app.scope";
        if (i == 2) p.info.container = "abc123";
        p.traffic.rx_bps = 1024.0 * 1024 * i;
        p.traffic.tx_bps = 512.0 * i;
        sstop::ConnectionSummary c;
        c.key.proto = i == 2 ? sstop::Proto::Udp : sstop::Proto::Tcp;
        c.key.local.port = static_cast<std::uint16_t>(40000 + i);
        c.key.remote.port = static_cast<std::uint16_t>(i == 2 ? 53 : 443);
        c.key.remote.addr.family = i == 1 ? sstop::Family::V6 : sstop::Family::V4;
        c.key.remote.addr.bytes[0] = static_cast<std::uint8_t>(10 + i);
        c.key.remote.addr.bytes[15] = 1;
        c.remote_name = "host" + std::to_string(i) + ".example";
        p.sockets.push_back(c);
        s.processes.push_back(p);
    }
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const sstop::Snapshot snapshot = make_snapshot();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    sstop::FilterError err;
    const std::optional<sstop::Filter> filter = sstop::Filter::parse(text, &err);
    if (!filter) {
        SSTOP_FUZZ_CHECK(err.column >= 1);
        SSTOP_FUZZ_CHECK(static_cast<std::size_t>(err.column) <= size + 1);
        const std::string suffix = " at column " + std::to_string(err.column);
        SSTOP_FUZZ_CHECK(err.message.size() > suffix.size());
        SSTOP_FUZZ_CHECK(
            err.message.compare(err.message.size() - suffix.size(), suffix.size(), suffix) == 0);
        for (char c : err.message)
            SSTOP_FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
        return 0;
    }
    SSTOP_FUZZ_CHECK(size <= sstop::Filter::kMaxLength);
    SSTOP_FUZZ_CHECK(filter->term_count() <= sstop::Filter::kMaxTerms);
    const std::optional<sstop::Filter> negated =
        sstop::Filter::parse("not (" + std::string(text) + "\n)");
    for (const sstop::ProcessSummary& p : snapshot.processes) {
        const bool m = filter->matches(p, snapshot);
        SSTOP_FUZZ_CHECK(m == filter->matches(p, snapshot));
        if (negated) SSTOP_FUZZ_CHECK(negated->matches(p, snapshot) == !m);
        for (const sstop::ConnectionSummary& c : p.sockets) {
            (void)filter->matches(c);
            (void)filter->matches(c, &p);
        }
    }
    return 0;
}
