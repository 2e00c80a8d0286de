#pragma once
/// @file lsof_parser.hpp
/// Parsers of `lsof -i` output: the field format (`lsof -n -P -i -F pcfPnT`, also the default
/// field set of `-F`) and, for completeness, the plain table (`lsof -i -n -P`). Pure
/// functions over text, no macOS headers; they never throw on bad input.

#include <cstddef>
#include <cstdint>
#include <sstop/model.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop::plugins::darwin {

/// One Internet socket file of one process.
struct LsofSocket {
    std::int32_t pid = 0;    ///< owner pid
    std::string command;     ///< owner command (escapes like `\x20` decoded)
    std::string fd;          ///< file descriptor with its mode, e.g. "22u"
    std::string ip_version;  ///< "IPv4" / "IPv6" (TYPE column, `t` field), may be empty
    sstop::Proto proto = sstop::Proto::Unknown;  ///< TCP/UDP; Unknown for others
    std::string name;                            ///< the NAME text, e.g. "a:1->b:2"
    /// Both ends were numeric (`-n -P`) and parsed into `local`/`remote`.
    bool has_endpoints = false;
    sstop::Endpoint local;   ///< local end (`*:port` = any address)
    sstop::Endpoint remote;  ///< remote end, unset when there is none
    sstop::SocketState state = sstop::SocketState::Unknown;  ///< TCP state, if shown
};

/// Result of both lsof parsers.
struct LsofParse {
    std::vector<LsofSocket> sockets;            ///< in input order
    std::vector<sstop::ProcessInfo> processes;  ///< one per pid seen (pid and name)
    std::size_t malformed = 0;                  ///< lines that could not be read
    bool row_limit_hit = false;                 ///< `kMaxRows` sockets read, the rest ignored
};

/// Parses `lsof -F` field output: lines `p<pid>`, `c<command>`, `f<fd>`, `t<type>`,
/// `P<proto>`, `n<name>`, `TST=<state>`; other fields are ignored. A file set starts at `f`
/// and belongs to the last `p`. NUL-terminated fields (`-F0`) are accepted too.
LsofParse parse_lsof_fields(std::string_view text);

/// Parses the plain `lsof -i [-n] [-P]` table (header optional). Host names and service
/// names are kept in `name` but give no endpoints.
LsofParse parse_lsof_table(std::string_view text);

/// Parses an lsof NAME (`a:1->b:2`, `*:80`, `[::1]:80->[::1]:9`, `*:*`): true when the ends
/// are numeric. Fills local/remote.
bool parse_lsof_name(std::string_view name, sstop::Endpoint& local, sstop::Endpoint& remote);

/// Decodes lsof's escapes in a COMMAND (`\x20` → space, `\\`, `\n`, `\t`, …); unknown escapes
/// stay as they are.
std::string decode_lsof_escapes(std::string_view s);

}  // namespace sstop::plugins::darwin
