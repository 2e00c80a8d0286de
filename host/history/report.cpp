#include "history/report.hpp"

#include <charconv>
#include <sstop/format.hpp>
#include <stdexcept>

#include "history/time_args.hpp"

namespace sstop::host::history {
namespace {

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    static const char kHex[] = "0123456789abcdef";
                    out += "\\u00";
                    out += kHex[c >> 4];
                    out += kHex[c & 15];
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s) out += c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c);
    return out;
}

}  // namespace

ReportOptions parse_report_args(const std::vector<std::string>& args) {
    ReportOptions o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        std::optional<std::string> inline_value;
        if (arg.rfind("--", 0) == 0) {
            if (auto eq = arg.find('='); eq != std::string::npos) {
                inline_value = arg.substr(eq + 1);
                arg = arg.substr(0, eq);
            }
        }
        auto value = [&]() -> std::string {
            if (inline_value) return *inline_value;
            if (i + 1 >= args.size())
                throw std::invalid_argument(arg + " needs a value (see sstop report --help)");
            return args[++i];
        };
        auto flag = [&] {
            if (inline_value) throw std::invalid_argument(arg + " takes no value");
        };
        auto set_format = [&](ReportFormat f) {
            flag();
            if (o.format != ReportFormat::Text && o.format != f)
                throw std::invalid_argument("--json and --csv cannot be used together");
            o.format = f;
        };
        if (arg == "--since") {
            o.since = value();
            parse_span(*o.since);
        } else if (arg == "--from") {
            o.from = value();
            parse_time_point(*o.from, 0, 0);
        } else if (arg == "--to") {
            o.to = value();
            parse_time_point(*o.to, 0, 0);
        } else if (arg == "--by") {
            const std::string v = value();
            if (v == "program") {
                o.by = Dimension::Program;
            } else if (v == "group") {
                o.by = Dimension::Group;
            } else if (v == "host") {
                o.by = Dimension::Host;
            } else if (v == "interface") {
                o.by = Dimension::Interface;
            } else {
                throw std::invalid_argument("--by: '" + printable(v) +
                                            "' is not one of program, group, host, interface");
            }
        } else if (arg == "--top") {
            const std::string v = value();
            std::size_t n = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc() || p != v.data() + v.size() || n > 1'000'000)
                throw std::invalid_argument("--top: '" + printable(v) +
                                            "' is not a whole number from 0 (all) to 1000000");
            o.top = n;
        } else if (arg == "--json") {
            set_format(ReportFormat::Json);
        } else if (arg == "--csv") {
            set_format(ReportFormat::Csv);
        } else if (arg == "-c" || arg == "--config") {
            o.config_path = value();
        } else if (arg == "--db") {
            o.db_path = value();
            if (o.db_path->empty()) throw std::invalid_argument("--db: empty file name");
        } else if (arg == "-h" || arg == "--help") {
            flag();
            o.help = true;
        } else {
            throw std::invalid_argument("report: unknown argument '" + printable(arg) +
                                        "' (see sstop report --help)");
        }
    }
    if (o.since && (o.from || o.to))
        throw std::invalid_argument("--since cannot be used with --from/--to");
    if (o.to && !o.from) throw std::invalid_argument("--to needs --from");
    return o;
}

ReportRange resolve_range(const ReportOptions& options, std::int64_t now, std::int64_t utc_offset) {
    ReportRange r;
    // Buckets are counted by their start: the range ends after the current minute.
    if (options.from) {
        r.from = parse_time_point(*options.from, now, utc_offset);
        r.to = options.to ? parse_time_point(*options.to, now, utc_offset) : now + 1;
        if (r.to <= r.from)
            throw TimeArgError("--to (" + format_utc(r.to) + ") is not after --from (" +
                               format_utc(r.from) + ")");
    } else {
        r.to = now + 1;
        r.from = now - parse_span(options.since ? *options.since : "7d");
    }
    return r;
}

std::string format_report(const std::vector<ReportRow>& rows, const ReportRange& range,
                          Dimension by, ReportFormat format, std::size_t top) {
    const std::size_t n = top == 0 ? rows.size() : std::min(top, rows.size());
    std::string out;
    if (format == ReportFormat::Json) {
        out = "{\"from\":" + json_string(format_utc(range.from)) +
              ",\"to\":" + json_string(format_utc(range.to)) +
              ",\"by\":" + json_string(dimension_name(by)) + ",\"rows\":[";
        for (std::size_t i = 0; i < n; ++i) {
            if (i) out += ',';
            out += "{\"key\":" + json_string(rows[i].key) +
                   ",\"rx_bytes\":" + std::to_string(rows[i].rx_bytes) +
                   ",\"tx_bytes\":" + std::to_string(rows[i].tx_bytes) + "}";
        }
        return out + "]}\n";
    }
    if (format == ReportFormat::Csv) {
        out = std::string(dimension_name(by)) + ",rx_bytes,tx_bytes\n";
        for (std::size_t i = 0; i < n; ++i)
            out += csv_field(rows[i].key) + "," + std::to_string(rows[i].rx_bytes) + "," +
                   std::to_string(rows[i].tx_bytes) + "\n";
        return out;
    }
    out = "Traffic by " + std::string(dimension_name(by)) + ", " + format_utc(range.from) + " to " +
          format_utc(range.to) + "\n";
    if (n == 0) return out + "(no traffic recorded in this range)\n";
    std::size_t key_width = std::max<std::size_t>(8, std::string(dimension_name(by)).size());
    std::uint64_t largest = 1;
    for (std::size_t i = 0; i < n; ++i) {
        key_width = std::max(key_width, std::min<std::size_t>(rows[i].key.size(), 40));
        largest = std::max(largest, rows[i].rx_bytes + rows[i].tx_bytes);
    }
    auto pad = [](std::string s, std::size_t width, bool right) {
        if (s.size() > width) s = s.substr(0, width - 1) + "~";
        std::string fill(width - s.size(), ' ');
        return right ? fill + s : s + fill;
    };
    constexpr std::size_t kBar = 24;
    out += pad(std::string(dimension_name(by)), key_width, false) + "  " + pad("RX", 10, true) +
           "  " + pad("TX", 10, true) + "  " + pad("TOTAL", 10, true) + "\n";
    for (std::size_t i = 0; i < n; ++i) {
        const ReportRow& r = rows[i];
        const std::uint64_t total = r.rx_bytes + r.tx_bytes;
        const auto cells =
            static_cast<std::size_t>((static_cast<double>(total) * kBar) / largest + 0.5);
        out += pad(printable(r.key), key_width, false) + "  " +
               pad(format_bytes(static_cast<double>(r.rx_bytes)), 10, true) + "  " +
               pad(format_bytes(static_cast<double>(r.tx_bytes)), 10, true) + "  " +
               pad(format_bytes(static_cast<double>(total)), 10, true) + "  " +
               std::string(std::max<std::size_t>(cells, total > 0 ? 1 : 0), '#') + "\n";
    }
    if (n < rows.size())
        out += "(" + std::to_string(rows.size() - n) + " more; --top 0 shows all)\n";
    return out;
}

std::string report_help_text() {
    return R"HELP(Usage: sstop report [--since SPAN | --from T [--to T]] [--by KIND] [--top N]
                    [--json | --csv] [-c FILE] [--db FILE]

Prints the traffic sstop recorded in its history store (see `history` in the config):
bytes received (rx) and sent (tx) per program, group, remote host or interface.

  --since SPAN    the last SPAN: 90m, 12h, 7d, 2w (default 7d)
  --from T        from T: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (local time; a trailing Z
                  means UTC), @UNIX_SECONDS, now, or a span back from now (3d)
  --to T          until T (default now)
  --by KIND       program (name and user; default), group, host, interface
  --top N         the N largest rows (default 20; 0 = all)
  --json          one object: {"from","to","by","rows":[{"key","rx_bytes","tx_bytes"}]}
  --csv           a header line, then one row per key
  -c, --config F  read the store's path from config F (history.path)
  --db FILE       read this store instead

Buckets are minutes for 48 hours, then hours, then days: a range edge falls on the
bucket that starts inside it. Reading needs only read access to the store.
)HELP";
}

}  // namespace sstop::host::history
