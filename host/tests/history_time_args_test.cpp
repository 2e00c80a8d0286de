#include <gtest/gtest.h>

#include "history/report.hpp"
#include "history/time_args.hpp"

namespace sstop::host::history {
namespace {

TEST(HistoryTimeArgs, SpansInEveryUnit) {
    EXPECT_EQ(parse_span("90s"), 90);
    EXPECT_EQ(parse_span("15m"), 900);
    EXPECT_EQ(parse_span("1h"), 3600);
    EXPECT_EQ(parse_span("7d"), 7 * 86400);
    EXPECT_EQ(parse_span("2w"), 14 * 86400);
    EXPECT_EQ(parse_span("1.5d"), 129600);
}

TEST(HistoryTimeArgs, BadSpansAreRefusedWithWhatIsAccepted) {
    for (const char* bad : {"", "d", "7", "7x", "-7d", "7 d", "0s", "0.1s", "1e3d", "..5d"}) {
        try {
            parse_span(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const TimeArgError& e) {
            EXPECT_NE(std::string(e.what()).find('\''), std::string::npos) << bad;
        }
    }
    EXPECT_THROW(parse_span("99999999999999999999d"), TimeArgError);
    EXPECT_THROW(parse_span("40000d"), TimeArgError);
}

TEST(HistoryTimeArgs, TimePointsAbsoluteAndRelative) {
    const std::int64_t now = 1'733'400'000;
    EXPECT_EQ(parse_time_point("now", now, 0), now);
    EXPECT_EQ(parse_time_point("@1700000000", now, 0), 1'700'000'000);
    EXPECT_EQ(parse_time_point("2024-12-05Z", now, 0), 1'733'356'800);
    EXPECT_EQ(parse_time_point("2024-12-05T12:30Z", now, 0), 1'733'356'800 + 45'000);
    EXPECT_EQ(parse_time_point("2024-12-05 12:30:15Z", now, 0), 1'733'356'800 + 45'015);
    // Local time: one hour east of UTC is one hour earlier in unix time.
    EXPECT_EQ(parse_time_point("2024-12-05", now, 3600), 1'733'356'800 - 3600);
    EXPECT_EQ(parse_time_point("7d", now, 0), now - 7 * 86400);
    EXPECT_EQ(parse_time_point("-2h", now, 0), now - 7200);
    EXPECT_EQ(parse_time_point("2024-02-29", now, 0), 1'709'164'800);
}

TEST(HistoryTimeArgs, BadTimePointsAreRefused) {
    for (const char* bad : {"2023-02-29", "2024-13-01", "2024-12-32", "2024-12-05T24:00",
                            "2024-12-05T12", "2024-12-05T12:30:1", "1969-12-31", "@", "@12a",
                            "yesterday", "2024-12-05X", "@99999999999999"}) {
        EXPECT_THROW(parse_time_point(bad, 0, 0), TimeArgError) << bad;
    }
}

TEST(HistoryTimeArgs, FormatUtcRoundTrips) {
    EXPECT_EQ(format_utc(1'733'356'800 + 45'015), "2024-12-05T12:30:15Z");
    EXPECT_EQ(parse_time_point(format_utc(1'733'400'123), 0, 0), 1'733'400'123);
}

TEST(ReportArgs, ParsesEveryOption) {
    auto o = parse_report_args({"--since", "30d", "--by", "host", "--top=5", "--json"});
    EXPECT_EQ(*o.since, "30d");
    EXPECT_EQ(o.by, Dimension::Host);
    EXPECT_EQ(o.top, 5u);
    EXPECT_EQ(o.format, ReportFormat::Json);
    o = parse_report_args({"--from", "2024-12-01", "--to", "2024-12-02", "--csv", "--by",
                           "interface", "--db", "/x.db"});
    EXPECT_EQ(o.format, ReportFormat::Csv);
    EXPECT_EQ(o.by, Dimension::Interface);
    EXPECT_EQ(*o.db_path, "/x.db");
    const ReportRange r = resolve_range(o, 1'800'000'000, 0);
    EXPECT_EQ(r.from, 1'733'011'200);
    EXPECT_EQ(r.to, 1'733'097'600);
}

TEST(ReportArgs, DefaultRangeIsTheLastSevenDaysUpToNow) {
    const ReportRange r = resolve_range(parse_report_args({}), 1'000'000, 0);
    EXPECT_EQ(r.from, 1'000'000 - 7 * 86400);
    EXPECT_EQ(r.to, 1'000'001);
}

TEST(ReportArgs, MistakesAreOneLineErrors) {
    const std::vector<std::vector<std::string>> bad{
        {"--since"},     {"--since", "7"},     {"--by", "user"},
        {"--top", "-1"}, {"--json", "--csv"},  {"--since", "1d", "--from", "2d"},
        {"--to", "now"}, {"--from", "bogus"},  {"--frobnicate"},
        {"--json=yes"},  {"--top", "2000000"}, {"--db", ""}};
    for (const auto& args : bad) {
        try {
            parse_report_args(args);
            ADD_FAILURE() << "accepted " << args[0];
        } catch (const std::invalid_argument& e) {
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
        }
    }
    auto o = parse_report_args({"--from", "2024-12-02", "--to", "2024-12-01"});
    EXPECT_THROW(resolve_range(o, 1'800'000'000, 0), TimeArgError);
}

TEST(ReportFormat, JsonCsvAndTextCarryTheSameRows) {
    const std::vector<ReportRow> rows{{"curl (alice)", 1000, 20}, {"a\"b,c", 5, 6}};
    const ReportRange range{1'733'356'800, 1'733'443'200};
    EXPECT_EQ(format_report(rows, range, Dimension::Program, ReportFormat::Json, 20),
              "{\"from\":\"2024-12-05T00:00:00Z\",\"to\":\"2024-12-06T00:00:00Z\",\"by\":"
              "\"program\",\"rows\":[{\"key\":\"curl (alice)\",\"rx_bytes\":1000,\"tx_bytes\":"
              "20},{\"key\":\"a\\\"b,c\",\"rx_bytes\":5,\"tx_bytes\":6}]}\n");
    EXPECT_EQ(format_report(rows, range, Dimension::Host, ReportFormat::Csv, 1),
              "host,rx_bytes,tx_bytes\ncurl (alice),1000,20\n");
    const std::string text = format_report(rows, range, Dimension::Program, ReportFormat::Text, 0);
    EXPECT_NE(text.find("curl (alice)"), std::string::npos);
    EXPECT_NE(text.find(std::string(24, '#')), std::string::npos);  // the largest: a full bar
    EXPECT_NE(text.find("1000 B"), std::string::npos) << text;
}

}  // namespace
}  // namespace sstop::host::history
