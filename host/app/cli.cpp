#include "app/cli.hpp"

#include <charconv>
#include <string_view>

#include "core/duration.hpp"
#include "tui/key_help.hpp"

namespace sstop::host {

std::vector<std::string> split_ids(const std::string& list, const std::string& option) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        std::size_t comma = list.find(',', start);
        std::string item = list.substr(start, comma == std::string::npos ? comma : comma - start);
        if (item.empty()) throw UsageError(option + ": empty name in list '" + list + "'");
        for (char c : item)
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                throw UsageError(option + ": '" + item + "' is not a plugin id ([a-z0-9-]+)");
        out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

std::string filter_error_context(std::string_view text, const FilterError& error) {
    std::string line = "  ", caret = "  ";
    const std::size_t column = error.column > 0 ? static_cast<std::size_t>(error.column) : 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        line += c < 0x20 || c == 0x7f ? '?' : text[i];
        // One caret cell per character: UTF-8 continuation bytes take no cell of their own.
        if (i + 1 < column && (c & 0xC0) != 0x80) caret += ' ';
    }
    return line + "\n" + caret + "^";
}

CliOptions parse_cli(const std::vector<std::string>& args) {
    CliOptions o;
    if (!args.empty() && args[0] == "report") {
        try {
            o.report = history::parse_report_args({args.begin() + 1, args.end()});
        } catch (const std::invalid_argument& e) {
            throw UsageError(std::string("report: ") + e.what());
        }
        return o;
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        std::optional<std::string> inline_value;
        if (arg.rfind("--", 0) == 0) {
            auto eq = arg.find('=');
            if (eq != std::string::npos) {
                inline_value = arg.substr(eq + 1);
                arg = arg.substr(0, eq);
            }
        }
        auto value = [&]() -> std::string {
            if (inline_value) return *inline_value;
            if (i + 1 >= args.size()) throw UsageError(arg + " needs a value (see --help)");
            return args[++i];
        };
        auto flag = [&] {
            if (inline_value) throw UsageError(arg + " takes no value");
        };
        if (arg == "-c" || arg == "--config") {
            o.config_path = value();
        } else if (arg == "-i" || arg == "--interval") {
            std::string v = value();
            std::chrono::nanoseconds d;
            try {
                d = core::parse_duration(v);
            } catch (const std::exception& e) {
                throw UsageError(std::string("--interval: ") + e.what());
            }
            if (d < std::chrono::milliseconds(100) || d > std::chrono::seconds(10))
                throw UsageError("--interval: " + v + " is out of range (100ms to 10s)");
            o.interval = d;
        } else if (arg == "--sources") {
            o.sources = split_ids(value(), "--sources");
        } else if (arg == "--plugin-path") {
            std::string v = value();
            if (v.empty()) throw UsageError("--plugin-path: empty directory");
            o.plugin_paths.push_back(v);
        } else if (arg == "--json" || arg == "--csv") {
            flag();
            OutputMode m = arg == "--json" ? OutputMode::Json : OutputMode::Csv;
            if (o.output != OutputMode::Default && o.output != m)
                throw UsageError("--json and --csv cannot be used together");
            o.output = m;
        } else if (arg == "-1" || arg == "--once") {
            flag();
            o.once = true;
        } else if (arg == "--count") {
            std::string v = value();
            long n = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc() || p != v.data() + v.size() || n < 1)
                throw UsageError("--count: '" + v + "' is not a positive whole number");
            o.count = n;
        } else if (arg == "--filter") {
            const std::string v = value();
            FilterError error;
            o.filter = Filter::parse(v, &error);
            o.filter_text = v;
            if (!o.filter)
                throw UsageError("--filter: " + error.message + "\n" +
                                 filter_error_context(v, error));
        } else if (arg == "--record") {
            std::string v = value();
            if (v.empty()) throw UsageError("--record: empty file name");
            o.record_path = v;
        } else if (arg == "--headless") {
            flag();
            o.headless = true;
        } else if (arg == "--summary") {
            flag();
            o.summary = true;
        } else if (arg == "-n" || arg == "--no-dns") {
            flag();
            o.no_dns = true;
        } else if (arg == "--list-plugins") {
            flag();
            o.list_plugins = true;
        } else if (arg == "--check-config") {
            flag();
            o.check_config = true;
        } else if (arg == "-V" || arg == "--version") {
            flag();
            o.version = true;
        } else if (arg == "-h" || arg == "--help") {
            flag();
            o.help = true;
        } else if (!arg.empty() && arg[0] == '-') {
            throw UsageError("unknown option '" + arg + "' (see --help)");
        } else {
            throw UsageError("unexpected argument '" + arg + "' (see --help)");
        }
    }
    if (o.once && o.count) throw UsageError("--once and --count cannot be used together");
    if (o.headless && o.output != OutputMode::Default)
        throw UsageError("--headless prints nothing: it cannot be used with --json or --csv");
    return o;
}

namespace {

// "Keys (interactive):" from the table the help overlay draws, so the two cannot drift.
std::string keys_help() {
    constexpr std::size_t kColumn = 23;  // descriptions line up with the options'
    std::string out = "Keys (interactive):\n";
    auto add_group = [&](tui::KeyGroup group) {
        for (const tui::KeyHelp& k : tui::kKeyHelp) {
            if (k.group != group) continue;
            out += "  ";
            out += k.keys;
            out.append(kColumn - k.keys.size(), ' ');
            out += k.what;
            out += '\n';
        }
    };
    add_group(tui::KeyGroup::Host);
    out += tui::kListKeysHeading;
    out += '\n';
    add_group(tui::KeyGroup::List);
    out += "Each view adds its own keys, and may have a tab hotkey; ? lists them.\n\n";
    return out;
}

}  // namespace

std::string help_text() {
    return R"HELP(Usage: sstop [OPTIONS]
       sstop report [--since 7d | --from T --to T] [--by program|group|host|interface]
                    [--top N] [--json | --csv]     (see sstop report --help)

sstop shows, in real time, which processes use the network: per-process download and
upload rates, their connections, the remote hosts they talk to and the ports they
listen on. Without --json or --csv it runs interactively; with them it streams
snapshots for scripts.

Options:
  -c, --config FILE      read the configuration from FILE (YAML). Default lookup:
                         $XDG_CONFIG_HOME/sstop/sstop.yaml, then /etc/sstop/sstop.yaml,
                         then <prefix>/etc/sstop/sstop.yaml, else built-in defaults.
  -i, --interval DUR     time between updates: 500ms, 1s, 2.5s (100ms to 10s;
                         default 1s, or `interval` in the config).
      --sources LIST     comma-separated source plugins to use, in failover order
                         (overrides `sources`; default ebpf,netlink,procnet,afpacket:
                         the first socket source that opens, with every flow source),
                         e.g. netlink,afpacket where eBPF cannot run.
      --plugin-path DIR  also look for plugins in DIR, before the other directories
                         (repeatable).
      --json             print one JSON object per update (JSON Lines) and no UI.
      --csv              print a CSV header, then one row per process per update.
  -1, --once             print one update after one full interval, then exit.
      --count N          print N updates, then exit.
      --filter EXPR      print only the processes that match EXPR (--json, --csv and
                         text output; see Filters below). Totals, unattributed traffic,
                         interfaces, hosts, ports and groups stay whole.
                         Interactively, the UI starts with EXPR as its / filter.
      --record FILE      also write what the sources see each update to FILE (a
                         versioned recording), to replay it later through the same
                         pipeline with the replay source (see Examples). A write error
                         stops the recording with one warning; sstop goes on.
      --headless         no UI and no output: only the exporters (and --record) run,
                         until a signal, or --once/--count updates (a service).
  -n, --no-dns           do not resolve remote addresses to names.
      --summary          when sstop ends (after the screen is restored), print the top
                         10 processes and remote hosts by bytes during the session (as
                         the config's ui.summary: true; on stderr with --json/--csv).
      --list-plugins     list every plugin file found, with its verdict, and exit.
      --check-config     validate the configuration and the plugin sections, and exit.
  -V, --version          print the version, ABI and build key, and exit.
  -h, --help             print this help and exit.

)HELP" + keys_help() +
           R"HELP(Filters (--filter, the config's filter: and alerts:, and / in the interactive views):
  proc:NAME              process name contains NAME (case-insensitive)
  pid:N  user:UID        process id; owner's numeric uid
  host:ADDR[/LEN]        a connection's remote address in the prefix (IPv4, IPv6)
  host:NAME              a connection's remote DNS name contains NAME
  port:N[-M]             a connection's local or remote port in the range
  proto:P                a socket of protocol P: tcp udp icmp icmp6 sctp, a number
                         1-255, or raw (any other IP protocol)
  group:STR              container or systemd unit contains STR; group:none: neither
  rate>V  rx>V  tx<V     rx+tx, receive or send rate above/below V (also >=, <=);
                         V in bytes/s, units B K M G T (or KB, KiB, M/s) of 1024
  WORD                   name, command line, pid, remote address or name contains WORD
Combine with `and' (or just a space), `or', `not' or `!', and parentheses; `and' binds
tighter than `or'. Connection terms look at each of a process's sockets on its own.
Example: sstop --json --filter 'port:443 and not proc:firefox or rate>1M'

Output fields (--json): ts, seq, interval_s, sources, totals, unattributed,
interfaces[], processes[] (pid, name, cmdline, uid, container, unit, rx_bps, tx_bps,
rx_bytes, tx_bytes, connections, listening, sockets[]), remote_hosts[], groups[]
(kind: container or unit, name, the four traffic fields, processes, connections),
listen_ports[], counters, notices. *_bps are smoothed payload bytes per second;
*_bytes are payload bytes counted since sstop started. Interface figures are the
kernel's link counters. The full contract is a JSON Schema: sstop-snapshot.schema.json
(docs/ in the source, share/doc/sstop/ installed).

History: a running sstop records bytes per program, group, remote host and
interface once a minute to $XDG_STATE_HOME/sstop/history.db (`history` in the config;
/var/lib/sstop/history.db with history.service). A second sstop only reads it; a
SIGKILL loses at most the last minute. The History tab (H) and `sstop report` show it:
  --since SPAN           the last SPAN: 90m, 12h, 7d, 2w (default 7d)
  --from T --to T        a range: YYYY-MM-DD[THH:MM[:SS]][Z], @UNIX_SECONDS, now, 3d
  --by KIND              program (default), group, host or interface
  --top N                the N largest rows (default 20; 0 = all)
  --json, --csv          {"from","to","by","rows":[{"key","rx_bytes","tx_bytes"}]}, CSV
  --db FILE              read FILE instead of the configured store

Plugins are searched in: each --plugin-path, `plugins.paths` of the config,
$SSTOP_PLUGIN_PATH, <dir of sstop>/../lib/sstop/plugins, and the install directory.

Privileges: socket lists need none; mapping other users' sockets to processes needs
CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE; packet capture (UDP bytes, unattributed
traffic) needs CAP_NET_RAW. Run as root, or:
  setcap cap_net_raw,cap_dac_read_search,cap_sys_ptrace+ep "$(command -v sstop)"

Exit status: 0 success, 1 runtime error, 2 usage or configuration error,
3 no usable source (none at start, or the last one failed for good while printing).
SIGINT, SIGTERM or SIGHUP stop sstop in order (exit 0). A second one ends it at once,
and a stop still blocked 10 s after the signal ends anyway (exit 1, one line on stderr).

Examples:
  sudo sstop                              interactive view
  sstop --json --once | jq .processes     one snapshot for a script
  sstop --csv --interval 5s --count 12    a minute of per-process rows
  sstop --sources procnet --json          force the /proc source
  sstop report --since 30d --by host      remote hosts of the last 30 days
  sstop --csv --filter 'proto:udp'        processes with UDP sockets
  sstop --json --count 60 --record run.rec
                                          record a minute, then replay it with
  sstop --json --sources replay -c r.yaml   where r.yaml has:
                                            plugins: {replay: {file: run.rec, speed: 0}}
)HELP";
}

}  // namespace sstop::host
