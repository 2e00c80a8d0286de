// Fuzz target: the time and duration arguments of `sstop report` (host/history/time_args.cpp,
// report.cpp) and of `history.retention`. Layout: byte 0 picks the entry point; the rest is
// either one argument (spans, time points) or the argument list after `report`, split at NUL
// bytes.
// Properties: a refused input gives one line without control characters; an accepted span is
// within [1 s, kMaxSpanSeconds]; an accepted time point printed as UTC parses back to itself;
// an accepted argument list resolves to a non-empty range or a one-line TimeArgError, and its
// report renders in every format.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "history/report.hpp"
#include "history/time_args.hpp"

namespace {

using namespace sstop::host::history;

constexpr std::int64_t kNow = 1'733'400'000;

void check_message(const char* what) {
    const std::string_view text(what);
    SSTOP_FUZZ_CHECK(!text.empty());
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        SSTOP_FUZZ_CHECK(u >= 0x20 && u != 0x7f);
    }
}

void fuzz_span(std::string_view text) {
    try {
        const std::int64_t s = parse_span(text);
        SSTOP_FUZZ_CHECK(s >= 1 && s <= kMaxSpanSeconds);
    } catch (const TimeArgError& e) {
        check_message(e.what());
    }
}

void fuzz_time_point(std::string_view text, std::int64_t offset) {
    try {
        const std::int64_t t = parse_time_point(text, kNow, offset);
        if (t >= 0 && t <= 253'402'300'799) {  // years 1970 to 9999 print as ISO 8601
            SSTOP_FUZZ_CHECK(parse_time_point(format_utc(t), kNow, offset) == t);
        }
    } catch (const TimeArgError& e) {
        check_message(e.what());
    }
}

void fuzz_args(std::string_view data) {
    std::vector<std::string> args;
    std::size_t start = 0;
    while (start <= data.size() && args.size() < 64) {
        std::size_t end = data.find('\0', start);
        if (end == std::string_view::npos) end = data.size();
        args.emplace_back(data.substr(start, end - start));
        start = end + 1;
    }
    ReportOptions options;
    try {
        options = parse_report_args(args);
    } catch (const std::invalid_argument& e) {
        check_message(e.what());
        return;
    }
    ReportRange range;
    try {
        range = resolve_range(options, kNow, 3600);
    } catch (const TimeArgError& e) {
        check_message(e.what());
        return;
    }
    SSTOP_FUZZ_CHECK(range.from < range.to);
    const std::vector<ReportRow> rows{{"curl (root)", 10, 20}, {std::string(args[0]), 1, 0}};
    for (auto format : {ReportFormat::Text, ReportFormat::Json, ReportFormat::Csv}) {
        const std::string out = format_report(rows, range, options.by, format, options.top);
        SSTOP_FUZZ_CHECK(!out.empty() && out.back() == '\n');
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 4096) return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 4) {
        case 0:
            fuzz_span(rest);
            break;
        case 1:
            fuzz_time_point(rest, 0);
            break;
        case 2:
            fuzz_time_point(rest, -7 * 3600);
            break;
        default:
            fuzz_args(rest);
            break;
    }
    return 0;
}
