// Unit tests of the raw ftrace reader: layouts parsed from a real kernel's description files
// (tests/data/header_page.txt, tests/data/inet_sock_set_state.format,
// tests/data/sched_process_exit.format), and pages built here
// in the ring buffer's format (data records short and long, time extends, absolute stamps,
// padding, lost-event flags, truncation). The kernel test reads real pages.
#include "trace_ring.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace sstop::plugins::netlink {
namespace {

std::string data_file(const char* name) {
    std::ifstream in(std::string(SSTOP_SOURCE_DIR) + "/plugins/source-netlink/tests/data/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Builds one page: header, then events appended in order.
class PageBuilder {
  public:
    explicit PageBuilder(std::uint64_t ts) : bytes_(16, 0) { put(0, ts); }
    // A data record of `payload` bytes after `delta`; long ones use the type_len 0 form.
    PageBuilder& record(std::uint32_t delta, const std::vector<std::uint8_t>& payload,
                        bool long_form = false) {
        const std::size_t padded = (payload.size() + 3) & ~std::size_t{3};
        if (!long_form && padded / 4 <= 28) {
            header(static_cast<std::uint32_t>(padded / 4), delta);
        } else {
            header(0, delta);
            word(static_cast<std::uint32_t>(padded + 4));
        }
        std::vector<std::uint8_t> p = payload;
        p.resize(padded, 0);
        bytes_.insert(bytes_.end(), p.begin(), p.end());
        return *this;
    }
    PageBuilder& extend(std::uint64_t delta) {
        header(30, static_cast<std::uint32_t>(delta & ((1u << 27) - 1)));
        word(static_cast<std::uint32_t>(delta >> 27));
        return *this;
    }
    PageBuilder& absolute(std::uint64_t ts) {
        header(31, static_cast<std::uint32_t>(ts & ((1u << 27) - 1)));
        word(static_cast<std::uint32_t>(ts >> 27));
        return *this;
    }
    // A discarded record: padding with a length.
    PageBuilder& padding(std::uint32_t length) {
        header(29, 1);
        word(length);
        bytes_.resize(bytes_.size() + length - 4, 0xee);
        return *this;
    }
    std::vector<std::uint8_t> page(std::uint64_t flags = 0, std::size_t size = 4096) {
        std::vector<std::uint8_t> out = bytes_;
        put(8, static_cast<std::uint64_t>(out.size() - 16) | flags, out);
        out.resize(size, 0);
        return out;
    }

  private:
    void header(std::uint32_t type_len, std::uint32_t delta) { word(type_len | (delta << 5)); }
    void word(std::uint32_t w) {
        std::uint8_t b[4];
        std::memcpy(b, &w, 4);
        bytes_.insert(bytes_.end(), b, b + 4);
    }
    void put(std::size_t at, std::uint64_t v) { put(at, v, bytes_); }
    static void put(std::size_t at, std::uint64_t v, std::vector<std::uint8_t>& out) {
        std::memcpy(out.data() + at, &v, 8);
    }
    std::vector<std::uint8_t> bytes_;
};

std::vector<std::uint8_t> payload(std::size_t n, std::uint8_t first) {
    std::vector<std::uint8_t> p(n);
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(first + i);
    return p;
}

using Seen = std::vector<std::pair<std::uint64_t, std::vector<std::uint8_t>>>;

std::optional<std::size_t> read_page(const std::vector<std::uint8_t>& page, Seen& seen,
                                     bool* lost = nullptr) {
    return for_each_record(
        page, PageLayout{},
        [&](std::uint64_t ts, std::span<const std::uint8_t> r) {
            seen.emplace_back(ts, std::vector<std::uint8_t>(r.begin(), r.end()));
        },
        lost);
}

TEST(TraceRingLayout, HeaderPageOfARealKernel) {
    auto layout = parse_header_page(data_file("header_page.txt"));
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->timestamp.offset, 0u);
    EXPECT_EQ(layout->commit.offset, 8u);
    EXPECT_EQ(layout->commit.size, 8u);
    EXPECT_EQ(layout->data.offset, 16u);
    EXPECT_EQ(layout->data.size, 4080u);
    EXPECT_FALSE(parse_header_page("\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"));
    EXPECT_FALSE(parse_header_page(""));
}

TEST(TraceRingLayout, InetSockSetStateFormatOfARealKernel) {
    auto layout = parse_state_format(data_file("inet_sock_set_state.format"));
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->id, 2287);
    EXPECT_EQ(layout->common_pid.offset, 4u);
    EXPECT_EQ(layout->skaddr.offset, 8u);
    EXPECT_EQ(layout->skaddr.size, 8u);
    EXPECT_EQ(layout->oldstate.offset, 16u);
    EXPECT_EQ(layout->newstate.offset, 20u);
    EXPECT_EQ(layout->sport.offset, 24u);
    EXPECT_EQ(layout->dport.offset, 26u);
    EXPECT_EQ(layout->family.offset, 28u);
    EXPECT_EQ(layout->protocol.offset, 30u);
    EXPECT_EQ(layout->saddr.offset, 32u);
    EXPECT_EQ(layout->daddr.offset, 36u);
    EXPECT_EQ(layout->saddr_v6.offset, 40u);
    EXPECT_EQ(layout->daddr_v6.offset, 56u);
    EXPECT_EQ(layout->daddr_v6.size, 16u);
}

TEST(TraceRingLayout, FormatWithAMissingOrResizedFieldIsRefused) {
    const std::string good = data_file("inet_sock_set_state.format");
    std::string no_skaddr = good;
    no_skaddr.replace(no_skaddr.find("skaddr"), 6, "skother");
    EXPECT_FALSE(parse_state_format(no_skaddr));
    std::string wide_port = good;
    const std::size_t sport = wide_port.find("sport;");
    wide_port.replace(wide_port.find("size:2", sport), 6, "size:4");
    EXPECT_FALSE(parse_state_format(wide_port));
    std::string no_id = good;
    no_id.replace(no_id.find("ID:"), 3, "XX:");
    EXPECT_FALSE(parse_state_format(no_id));
}

TEST(TraceRingPage, RecordsWithDeltasExtendsAndAbsoluteStamps) {
    PageBuilder b(1'000'000);
    b.record(10, payload(8, 1))
        .extend(1ull << 30)  // more than a 27-bit delta holds
        .record(5, payload(12, 2))
        .record(0, payload(200, 3), /*long_form=*/true)
        .absolute(5'000'000'000ull)
        .record(7, payload(4, 4));
    Seen seen;
    auto n = read_page(b.page(), seen);
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, 4u);
    EXPECT_EQ(seen[0].first, 1'000'010u);
    EXPECT_EQ(seen[0].second, payload(8, 1));
    EXPECT_EQ(seen[1].first, 1'000'010u + (1ull << 30) + 5);
    EXPECT_EQ(seen[1].second, payload(12, 2));
    EXPECT_EQ(seen[2].first, seen[1].first);
    EXPECT_EQ(seen[2].second, payload(200, 3));
    EXPECT_EQ(seen[3].first, 5'000'000'007u);
}

TEST(TraceRingPage, PaddingIsSkippedAndEmptyPaddingEndsThePage) {
    PageBuilder b(0);
    b.record(1, payload(8, 1)).padding(16).record(1, payload(8, 2));
    Seen seen;
    ASSERT_EQ(read_page(b.page(), seen), 2u);
    EXPECT_EQ(seen[1].second, payload(8, 2));
    // A zero-delta padding header means "nothing more on this page".
    PageBuilder end(0);
    end.record(1, payload(8, 1));
    std::vector<std::uint8_t> page = end.page();
    const std::uint32_t null_padding = 29;
    std::memcpy(page.data() + 16 + 12, &null_padding, 4);
    std::uint64_t commit = 12 + 16;
    std::memcpy(page.data() + 8, &commit, 8);
    seen.clear();
    EXPECT_EQ(read_page(page, seen), 1u);
}

TEST(TraceRingPage, LostFlagIsReportedAndMaskedFromTheLength) {
    PageBuilder b(0);
    b.record(1, payload(8, 1));
    Seen seen;
    bool lost = false;
    EXPECT_EQ(read_page(b.page(1ull << 31), seen, &lost), 1u);
    EXPECT_TRUE(lost);
    seen.clear();
    EXPECT_EQ(read_page(b.page(), seen, &lost), 1u);
    EXPECT_FALSE(lost);
}

TEST(TraceRingPage, TruncatedOrOverlongPagesAreRefused) {
    PageBuilder b(0);
    b.record(1, payload(8, 1)).record(1, payload(200, 2), true);
    std::vector<std::uint8_t> page = b.page();
    Seen seen;
    // Commit beyond the page's data area.
    std::vector<std::uint8_t> bad = page;
    std::uint64_t commit = 5000;
    std::memcpy(bad.data() + 8, &commit, 8);
    EXPECT_FALSE(read_page(bad, seen));
    // A long record whose length runs past the commit: the records before it still count.
    bad = page;
    std::uint32_t huge = 4000;
    std::memcpy(bad.data() + 16 + 12 + 4, &huge, 4);
    seen.clear();
    EXPECT_FALSE(read_page(bad, seen));
    EXPECT_EQ(seen.size(), 1u);
    // A read shorter than the header.
    EXPECT_FALSE(read_page(std::vector<std::uint8_t>(10, 0), seen));
}

TEST(TraceRingRecord, DecodesTheFieldsAtTheFormatsOffsets) {
    auto layout = parse_state_format(data_file("inet_sock_set_state.format"));
    ASSERT_TRUE(layout);
    std::vector<std::uint8_t> r(72, 0);
    auto put = [&](std::size_t at, auto v) { std::memcpy(r.data() + at, &v, sizeof v); };
    put(0, std::uint16_t{2287});
    put(4, std::int32_t{4242});
    put(8, std::uint64_t{0xffff888106941280ull});
    put(16, std::int32_t{7});
    put(20, std::int32_t{2});
    put(24, std::uint16_t{0});
    put(26, std::uint16_t{7109});
    put(28, std::uint16_t{2});
    put(30, std::uint16_t{6});
    const std::uint8_t src[4] = {10, 77, 0, 1}, dst[4] = {10, 77, 0, 2};
    std::memcpy(r.data() + 32, src, 4);
    std::memcpy(r.data() + 36, dst, 4);
    auto rec = decode_state_record(r, *layout);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->pid, 4242);
    EXPECT_EQ(rec->skaddr, 0xffff888106941280ull);
    EXPECT_EQ(rec->old_state, 7);
    EXPECT_EQ(rec->new_state, 2);
    EXPECT_EQ(rec->dport, 7109);
    EXPECT_EQ(rec->family, 2);
    EXPECT_EQ(rec->protocol, 6);
    ASSERT_EQ(rec->saddr.size(), 4u);
    EXPECT_EQ(rec->saddr[1], 77);
    EXPECT_EQ(rec->daddr[3], 2);
    // IPv6 takes the 16-byte fields.
    put(28, std::uint16_t{10});
    r[40] = 0xfd;
    r[56 + 15] = 2;
    rec = decode_state_record(r, *layout);
    ASSERT_TRUE(rec);
    ASSERT_EQ(rec->saddr.size(), 16u);
    EXPECT_EQ(rec->saddr[0], 0xfd);
    EXPECT_EQ(rec->daddr[15], 2);
    // Another event's record, and a short one.
    put(0, std::uint16_t{2288});
    EXPECT_FALSE(decode_state_record(r, *layout));
    put(0, std::uint16_t{2287});
    EXPECT_FALSE(decode_state_record(std::span<const std::uint8_t>(r).first(40), *layout));
}

TEST(TraceRingRecord, ExitRecordGivesTheTaskAndItsNameWithoutPadding) {
    auto layout = parse_exit_format(data_file("sched_process_exit.format"));
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->id, 369);
    EXPECT_EQ(layout->comm.offset, 8u);
    EXPECT_EQ(layout->pid.offset, 24u);
    EXPECT_EQ(layout->record_size, 28u);
    std::vector<std::uint8_t> r(36, 0);
    auto put = [&](std::size_t at, auto v) { std::memcpy(r.data() + at, &v, sizeof v); };
    put(0, std::uint16_t{369});
    put(4, std::int32_t{777});  // common_pid: the exiting task itself
    std::memcpy(r.data() + 8, "sst-reaped", 10);
    put(24, std::int32_t{777});
    auto rec = decode_exit_record(r, *layout);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->pid, 777);
    EXPECT_EQ(rec->comm, "sst-reaped");
    // A name of the full 16 bytes has no NUL: it ends at the field's end.
    std::memcpy(r.data() + 8, "0123456789abcdef", 16);
    rec = decode_exit_record(r, *layout);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->comm, "0123456789abcdef");
    // The state event's records are not exit records, and a short record is refused.
    put(0, std::uint16_t{2287});
    EXPECT_FALSE(decode_exit_record(r, *layout));
    put(0, std::uint16_t{369});
    EXPECT_FALSE(decode_exit_record(std::span<const std::uint8_t>(r).first(27), *layout));
    // A kernel whose comm is not 16 bytes is refused, not misread.
    std::string text = data_file("sched_process_exit.format");
    const std::size_t at = text.find("size:16");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 7, "size:24");
    EXPECT_FALSE(parse_exit_format(text));
}

}  // namespace
}  // namespace sstop::plugins::netlink
