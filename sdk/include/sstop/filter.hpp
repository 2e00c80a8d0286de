#pragma once
/// @file filter.hpp
/// The filter language shared by `sstop --filter EXPR` and the TUI's `/` prompt, header-only
/// so that view plugins (which see only the SDK) evaluate exactly what the host evaluates.
///
/// Grammar (keywords `and`, `or`, `not` and field names are case-insensitive):
///
///     expr := or
///     or   := and ('or' and)*
///     and  := not (['and'] not)*          juxtaposition means `and`
///     not  := ('not' | '!') not | '(' expr ')' | term
///
/// Terms (no spaces inside a term; put a value with spaces in double quotes: `proc:"a b"`):
///
// clang-format off
/// | term                 | a process matches when                                           |
/// | -------------------- | ---------------------------------------------------------------- |
/// | `proc:NAME`          | its name (`comm`) contains NAME, ignoring case                   |
/// | `pid:N`              | its pid is N                                                     |
/// | `user:UID`           | its uid is UID (the model carries no user names)                 |
/// | `host:ADDR`          | one of its connections has remote address ADDR (v4 or v6)        |
/// | `host:ADDR/LEN`      | one of its connections has a remote address in the prefix        |
/// | `host:NAME`          | one of its connections' reverse-DNS names contains NAME          |
/// | `port:N`, `port:N-M` | one of its connections has local or remote port in [N, M]        |
/// | `proto:NAME`         | one of its sockets uses that protocol: `tcp`, `udp`, `icmp`,     |
/// |                      | `icmp6` (or `icmpv6`), `sctp`, a number 1–255, or `raw` (any     |
/// |                      | other IP protocol)                                               |
/// | `group:STR`          | its container or systemd unit contains STR; `group:none`: has    |
/// |                      | neither                                                          |
/// | `rate>V`, `rate<V`   | rx + tx rate is above / below V (also `>=`, `<=`)                |
/// | `rx>V`, `tx<V`, …    | the receive / send rate compared with V                          |
/// | WORD                 | name, command line, pid digits, or a remote address or name of   |
/// |                      | one of its connections contains WORD (the plain-text filter of   |
/// |                      | sstop before this language)                                      |
// clang-format on
///
/// Rates: a decimal number with an optional unit `B`, `K`/`KB`/`KiB`, `M`/`MB`/`MiB`,
/// `G`/`GB`/`GiB`, `T`/`TB`/`TiB` and an optional `/s`, per second. All units are powers of
/// 1024, as `format_rate` prints them ("1.21 MiB/s"), so `rate>1M` means what the table shows.
///
/// Connection terms (`host`, `port`, `proto`) are each evaluated over a process's sockets on
/// their own: `port:443 and proto:udp` matches a process with a socket on port 443 and a UDP
/// socket, not necessarily the same one; `not port:443` matches a process with no socket on
/// port 443. A `host:` prefix with host bits set (`10.1.2.3/8`) means its network
/// (`10.0.0.0/8`); an IPv4-mapped IPv6 prefix (`::ffff:10.0.0.0/104`) means the IPv4 one, since
/// sources store mapped addresses as IPv4. A word whose text before `:` is letters only is a
/// field (`dead:beef::1` is an unknown field; use `host:dead:beef::1`).
///
/// Bounds: at most `kMaxLength` bytes, `kMaxDepth` nested parentheses and `not`s, and
/// `kMaxTerms` terms. Nothing here throws; evaluating allocates nothing.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstop/format.hpp>
#include <sstop/model.hpp>
#include <sstop/text.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop {

/// Why `Filter::parse` refused a text.
struct FilterError {
    int column = 0;       ///< 1-based byte column the message points at (length + 1 = the end)
    std::string message;  ///< one line, ends with "at column N", e.g. "expected ')' at column 9"
};

/// A parsed filter expression. Copyable; an empty text parses to a filter matching everything.
/// `matches` may be called from any thread (it only reads).
class Filter {
  public:
    static constexpr std::size_t kMaxLength = 1024;  ///< longest accepted text, in bytes
    static constexpr int kMaxDepth = 32;             ///< deepest nesting of `(` and `not`
    static constexpr std::size_t kMaxTerms = 128;    ///< most terms in one expression

    /// A filter matching everything.
    Filter() = default;

    /// Parses `text`. On failure returns nullopt and, if `err` is not null, fills it.
    static std::optional<Filter> parse(std::string_view text, FilterError* err = nullptr) noexcept;

    /// True when `p` matches. `snapshot` is the snapshot `p` belongs to (reserved for terms
    /// that need snapshot-wide data; no current term reads it).
    bool matches(const ProcessSummary& p, const Snapshot& snapshot) const noexcept;

    /// True when one connection matches, for connection-level views: connection terms and
    /// rates look at `c` alone; process terms look at `owner`, and are false without one
    /// (a WORD then matches `c`'s remote address or name).
    bool matches(const ConnectionSummary& c, const ProcessSummary* owner = nullptr) const noexcept;

    /// True for the filter of an empty (or blank) text: it matches everything.
    bool match_all() const noexcept { return nodes_.empty(); }

    /// Number of terms, 0 for `match_all()`.
    std::size_t term_count() const noexcept { return terms_.size(); }

  private:
    enum class TermKind : std::uint8_t {
        Proc,
        Pid,
        Uid,
        HostPrefix,
        HostName,
        Port,
        Proto,
        Group,
        GroupNone,
        Rate,
        Rx,
        Tx,
        Word,
    };
    enum class Cmp : std::uint8_t { Gt, Ge, Lt, Le };
    struct Term {
        TermKind kind = TermKind::Word;
        std::string text;      // lower-cased needle (Proc, HostName, Group, Word)
        std::uint32_t lo = 0;  // pid, uid, first port
        std::uint32_t hi = 0;  // last port
        sstop::Proto proto = sstop::Proto::Unknown;
        IpAddr addr;       // network (host bits cleared)
        int prefix = 0;    // prefix length in bits
        double value = 0;  // rate, bytes per second
        Cmp cmp = Cmp::Gt;
    };
    enum class NodeKind : std::uint8_t { Term, Not, And, Or };
    struct Node {
        NodeKind kind = NodeKind::Term;
        std::size_t term = 0;           // index into terms_ (Term)
        std::vector<std::size_t> kids;  // indices into nodes_ (Not: one; And/Or: two or more)
    };
    class Parser;

    // What a term is evaluated against: a process (with all its sockets) or one socket.
    struct Subject {
        const ProcessSummary* process = nullptr;
        const ConnectionSummary* connection = nullptr;
    };
    bool eval(std::size_t node, const Subject& s) const noexcept;
    bool eval_term(const Term& t, const Subject& s) const noexcept;
    static bool connection_term(const Term& t, const ConnectionSummary& c) noexcept;
    static bool word_in_connection(const Term& t, const ConnectionSummary& c) noexcept;

    std::vector<Term> terms_;
    std::vector<Node> nodes_;  // the root is the last node
};

// ---------------------------------------------------------------------------------------------
// Inline definitions, so the SDK needs no library.

namespace filter_detail {

using sstop::contains_ci;
using sstop::to_lower;

inline bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
inline bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/// A whole decimal number ≤ `max`, digits only.
inline std::optional<std::uint32_t> parse_uint(std::string_view s, std::uint32_t max) noexcept {
    if (s.empty() || s.size() > 10) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v > max) return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

inline bool parse_ipv4(std::string_view s, std::uint8_t* out) noexcept {
    int part = 0;
    std::size_t i = 0;
    while (true) {
        std::size_t start = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        if (i == start || i - start > 3) return false;
        auto v = parse_uint(s.substr(start, i - start), 255);
        if (!v) return false;
        out[part++] = static_cast<std::uint8_t>(*v);
        if (part == 4) return i == s.size();
        if (i >= s.size() || s[i] != '.') return false;
        ++i;
    }
}

inline int hex_value(char c) noexcept {
    if (is_digit(c)) return c - '0';
    c = ascii_lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/// RFC 4291 text: eight groups, one `::`, an optional trailing dotted quad.
inline bool parse_ipv6(std::string_view s, std::uint8_t* out) noexcept {
    std::uint16_t words[8] = {};
    int count = 0, gap = -1;
    std::size_t i = 0;
    if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
        if (i == s.size()) {
            for (int k = 0; k < 16; ++k) out[k] = 0;
            return true;
        }
    } else if (!s.empty() && s[0] == ':') {
        return false;
    }
    while (i < s.size()) {
        if (count >= 8) return false;
        std::size_t start = i;
        std::uint32_t v = 0;
        while (i < s.size() && hex_value(s[i]) >= 0 && i - start < 4)
            v = v * 16 + static_cast<std::uint32_t>(hex_value(s[i++]));
        if (i < s.size() && s[i] == '.') {  // a dotted quad in the last 32 bits
            if (count > 6) return false;
            std::uint8_t q[4];
            if (!parse_ipv4(s.substr(start), q)) return false;
            words[count++] = static_cast<std::uint16_t>(q[0] << 8 | q[1]);
            words[count++] = static_cast<std::uint16_t>(q[2] << 8 | q[3]);
            i = s.size();
            break;
        }
        if (i == start) return false;
        words[count++] = static_cast<std::uint16_t>(v);
        if (i == s.size()) break;
        if (s[i] != ':') return false;
        ++i;
        if (i < s.size() && s[i] == ':') {
            if (gap >= 0) return false;
            gap = count;
            ++i;
        } else if (i == s.size()) {
            return false;  // a trailing single ':'
        }
    }
    if (gap < 0 && count != 8) return false;
    if (gap >= 0 && count > 7) return false;
    std::uint16_t full[8] = {};
    if (gap < 0) {
        for (int k = 0; k < 8; ++k) full[k] = words[k];
    } else {
        const int tail = count - gap;
        for (int k = 0; k < gap; ++k) full[k] = words[k];
        for (int k = 0; k < tail; ++k) full[8 - tail + k] = words[gap + k];
    }
    for (int k = 0; k < 8; ++k) {
        out[2 * k] = static_cast<std::uint8_t>(full[k] >> 8);
        out[2 * k + 1] = static_cast<std::uint8_t>(full[k]);
    }
    return true;
}

/// An address, optionally with `/len`; host bits are cleared, and an IPv4-mapped IPv6
/// prefix of /96 or longer becomes the IPv4 prefix (sources store mapped addresses as IPv4).
inline bool parse_prefix(std::string_view s, IpAddr& addr, int& len) noexcept {
    std::string_view a = s;
    std::optional<std::uint32_t> bits;
    if (auto slash = s.find('/'); slash != std::string_view::npos) {
        a = s.substr(0, slash);
        std::string_view l = s.substr(slash + 1);
        if (l.size() > 3) return false;
        bits = parse_uint(l, 128);
        if (!bits) return false;
    }
    addr = IpAddr{};
    if (parse_ipv4(a, addr.bytes.data())) {
        addr.family = Family::V4;
        len = bits ? static_cast<int>(*bits) : 32;
        if (len > 32) return false;
    } else if (parse_ipv6(a, addr.bytes.data())) {
        addr.family = Family::V6;
        len = bits ? static_cast<int>(*bits) : 128;
        bool mapped = len >= 96 && addr.bytes[10] == 0xff && addr.bytes[11] == 0xff;
        for (int k = 0; k < 10 && mapped; ++k)
            mapped = addr.bytes[static_cast<std::size_t>(k)] == 0;
        if (mapped) {
            for (int k = 0; k < 4; ++k)
                addr.bytes[static_cast<std::size_t>(k)] =
                    addr.bytes[static_cast<std::size_t>(12 + k)];
            for (int k = 4; k < 16; ++k) addr.bytes[static_cast<std::size_t>(k)] = 0;
            addr.family = Family::V4;
            len -= 96;
        }
    } else {
        return false;
    }
    const int total = addr.family == Family::V4 ? 32 : 128;
    for (int bit = len; bit < total; ++bit)
        addr.bytes[static_cast<std::size_t>(bit / 8)] &=
            static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    return true;
}

inline bool in_prefix(const IpAddr& a, const IpAddr& net, int len) noexcept {
    if (a.family != net.family || a.family == Family::None) return false;
    int k = 0;
    for (; k + 8 <= len; k += 8)
        if (a.bytes[static_cast<std::size_t>(k / 8)] != net.bytes[static_cast<std::size_t>(k / 8)])
            return false;
    if (k < len) {
        const auto mask = static_cast<std::uint8_t>(0xFFu << (8 - (len - k)));
        const std::size_t byte = static_cast<std::size_t>(k / 8);
        if ((a.bytes[byte] & mask) != net.bytes[byte]) return false;
    }
    return true;
}

/// "1.5M", "200k", "10MiB/s", "0": bytes per second, units powers of 1024.
inline std::optional<double> parse_rate(std::string_view s) noexcept {
    std::size_t i = 0;
    double v = 0;
    int digits = 0;
    while (i < s.size() && is_digit(s[i])) {
        v = v * 10 + (s[i++] - '0');
        if (++digits > 15) return std::nullopt;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        double scale = 0.1;
        int frac = 0;
        while (i < s.size() && is_digit(s[i])) {
            v += (s[i++] - '0') * scale;
            scale /= 10;
            if (++frac > 9) return std::nullopt;
        }
        if (frac == 0) return std::nullopt;
    }
    if (digits == 0) return std::nullopt;
    std::string_view unit = s.substr(i);
    if (unit.size() >= 2 && unit.substr(unit.size() - 2) == "/s") unit.remove_suffix(2);
    if (unit.size() >= 2 && unit.substr(unit.size() - 2) == "/S") unit.remove_suffix(2);
    double mult = 1;
    if (!unit.empty()) {
        static constexpr char kPrefixes[] = "kmgt";
        const char p = ascii_lower(unit[0]);
        std::string_view rest = unit;
        if (p != 'b') {
            int power = -1;
            for (int k = 0; k < 4; ++k)
                if (p == kPrefixes[k]) power = k + 1;
            if (power < 0) return std::nullopt;
            for (int k = 0; k < power; ++k) mult *= 1024;
            rest = unit.substr(1);
            if (!rest.empty() && ascii_lower(rest[0]) == 'i') {
                rest.remove_prefix(1);
                if (rest.empty()) return std::nullopt;  // "Ki" alone
            }
        }
        if (!(rest.empty() || iequals(rest, "b"))) return std::nullopt;
    }
    return v * mult;
}

/// `text` for an error message: at most 40 bytes, control characters as '?'.
inline std::string quote(std::string_view text) {
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < 40; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        out += c < 0x20 || c == 0x7f ? '?' : text[i];
    }
    if (text.size() > 40) out += "...";
    return out + "'";
}

}  // namespace filter_detail

class Filter::Parser {
  public:
    explicit Parser(std::string_view text) : text_(text) {}

    std::optional<Filter> run(FilterError* err) {
        if (text_.size() > kMaxLength) {
            fail(static_cast<int>(kMaxLength) + 1,
                 "filter is longer than " + std::to_string(kMaxLength) + " characters");
            return report(err);
        }
        if (!lex()) return report(err);
        if (tokens_.empty()) return Filter{};
        std::optional<std::size_t> root = parse_or(0);
        if (!root) return report(err);
        if (pos_ < tokens_.size()) {
            const Token& t = tokens_[pos_];
            fail(t.column, t.kind == TokKind::Close
                               ? "unexpected ')'"
                               : "expected an operator before " + filter_detail::quote(t.raw));
            return report(err);
        }
        (void)root;
        return std::move(out_);
    }

  private:
    enum class TokKind : std::uint8_t { Word, Open, Close, Not };
    struct Token {
        TokKind kind = TokKind::Word;
        std::string raw;  // as typed, quotes included
        int column = 0;   // 1-based
    };

    std::optional<Filter> report(FilterError* err) {
        if (err) *err = error_;
        return std::nullopt;
    }
    void fail(int column, const std::string& what) {
        error_.column = column;
        error_.message = what + " at column " + std::to_string(column);
    }

    bool lex() {
        using filter_detail::is_space;
        std::size_t i = 0;
        while (i < text_.size()) {
            const char c = text_[i];
            const int column = static_cast<int>(i) + 1;
            if (is_space(c)) {
                ++i;
            } else if (c == '(' || c == ')' || c == '!') {
                tokens_.push_back({c == '('   ? TokKind::Open
                                   : c == ')' ? TokKind::Close
                                              : TokKind::Not,
                                   std::string(1, c), column});
                ++i;
            } else {
                std::size_t start = i;
                while (i < text_.size() && !is_space(text_[i]) && text_[i] != '(' &&
                       text_[i] != ')') {
                    if (text_[i] == '"') {
                        const std::size_t close = text_.find('"', i + 1);
                        if (close == std::string_view::npos) {
                            fail(static_cast<int>(i) + 1, "unterminated quote");
                            return false;
                        }
                        i = close + 1;
                    } else {
                        ++i;
                    }
                }
                std::string raw(text_.substr(start, i - start));
                if (filter_detail::iequals(raw, "not"))
                    tokens_.push_back({TokKind::Not, raw, column});
                else
                    tokens_.push_back({TokKind::Word, raw, column});
            }
        }
        return true;
    }

    bool at_keyword(std::string_view word) const {
        return pos_ < tokens_.size() && tokens_[pos_].kind == TokKind::Word &&
               filter_detail::iequals(tokens_[pos_].raw, word);
    }
    int here() const {
        return pos_ < tokens_.size() ? tokens_[pos_].column : static_cast<int>(text_.size()) + 1;
    }
    bool starts_operand() const {
        if (pos_ >= tokens_.size()) return false;
        const Token& t = tokens_[pos_];
        if (t.kind == TokKind::Close) return false;
        return !(t.kind == TokKind::Word &&
                 (filter_detail::iequals(t.raw, "and") || filter_detail::iequals(t.raw, "or")));
    }

    std::size_t add(Node n) {
        out_.nodes_.push_back(std::move(n));
        return out_.nodes_.size() - 1;
    }

    std::optional<std::size_t> parse_or(int depth) {
        std::optional<std::size_t> first = parse_and(depth);
        if (!first) return std::nullopt;
        Node n{NodeKind::Or, 0, {*first}};
        while (at_keyword("or")) {
            ++pos_;
            std::optional<std::size_t> next = parse_and(depth);
            if (!next) return std::nullopt;
            n.kids.push_back(*next);
        }
        if (n.kids.size() == 1) return first;
        return add(std::move(n));
    }

    std::optional<std::size_t> parse_and(int depth) {
        std::optional<std::size_t> first = parse_not(depth);
        if (!first) return std::nullopt;
        Node n{NodeKind::And, 0, {*first}};
        while (true) {
            if (at_keyword("and")) {
                ++pos_;
            } else if (!starts_operand()) {
                break;
            }
            std::optional<std::size_t> next = parse_not(depth);
            if (!next) return std::nullopt;
            n.kids.push_back(*next);
        }
        if (n.kids.size() == 1) return first;
        return add(std::move(n));
    }

    std::optional<std::size_t> parse_not(int depth) {
        if (pos_ >= tokens_.size() || !starts_operand()) {
            fail(here(), pos_ < tokens_.size()
                             ? "expected a term before " + filter_detail::quote(tokens_[pos_].raw)
                             : std::string("expected a term"));
            return std::nullopt;
        }
        const Token& t = tokens_[pos_];
        if (t.kind == TokKind::Not || t.kind == TokKind::Open) {
            if (depth + 1 > kMaxDepth) {
                fail(t.column, "nesting deeper than " + std::to_string(kMaxDepth));
                return std::nullopt;
            }
            ++pos_;
            if (t.kind == TokKind::Not) {
                std::optional<std::size_t> kid = parse_not(depth + 1);
                if (!kid) return std::nullopt;
                return add(Node{NodeKind::Not, 0, {*kid}});
            }
            std::optional<std::size_t> inner = parse_or(depth + 1);
            if (!inner) return std::nullopt;
            if (pos_ >= tokens_.size() || tokens_[pos_].kind != TokKind::Close) {
                fail(here(), "expected ')'");
                return std::nullopt;
            }
            ++pos_;
            return inner;
        }
        ++pos_;
        return parse_term(t);
    }

    std::optional<std::size_t> parse_term(const Token& t) {
        using namespace filter_detail;
        if (out_.terms_.size() >= kMaxTerms) {
            fail(t.column, "more than " + std::to_string(kMaxTerms) + " terms");
            return std::nullopt;
        }
        const std::string& raw = t.raw;
        // A field is a run of letters before ':', '<' or '>' (outside quotes).
        std::size_t f = 0;
        while (f < raw.size() && is_alpha(raw[f])) ++f;
        Term term;
        if (f == 0 || f == raw.size() || (raw[f] != ':' && raw[f] != '<' && raw[f] != '>')) {
            term.kind = TermKind::Word;
            term.text = to_lower(unquote(raw));
            return add_term(std::move(term));
        }
        const std::string field = to_lower(std::string_view(raw).substr(0, f));
        const int value_column = t.column + static_cast<int>(f) + 1;
        if (raw[f] != ':') {
            if (field != "rate" && field != "rx" && field != "tx") {
                fail(t.column, "unknown field " + quote(field) + " (rate, rx or tx compare)");
                return std::nullopt;
            }
            term.kind = field == "rate" ? TermKind::Rate
                        : field == "rx" ? TermKind::Rx
                                        : TermKind::Tx;
            std::size_t v = f + 1;
            const bool eq = v < raw.size() && raw[v] == '=';
            if (eq) ++v;
            term.cmp = raw[f] == '>' ? (eq ? Cmp::Ge : Cmp::Gt) : (eq ? Cmp::Le : Cmp::Lt);
            const std::string value = unquote(std::string_view(raw).substr(v));
            std::optional<double> rate = parse_rate(value);
            if (!rate) {
                fail(t.column + static_cast<int>(v),
                     "bad rate " + quote(value) + " (e.g. 500K, 1.5MiB, 2G)");
                return std::nullopt;
            }
            term.value = *rate;
            return add_term(std::move(term));
        }
        const std::string value = unquote(std::string_view(raw).substr(f + 1));
        if (value.empty()) {
            fail(value_column, "empty value for " + quote(field));
            return std::nullopt;
        }
        if (field == "proc") {
            term.kind = TermKind::Proc;
            term.text = to_lower(value);
        } else if (field == "pid") {
            auto n = parse_uint(value, 0x7fffffff);
            if (!n) return bad(value_column, "pid", value);
            term.kind = TermKind::Pid;
            term.lo = *n;
        } else if (field == "user") {
            auto n = parse_uint(value, 0xffffffff);
            if (!n) {
                fail(value_column,
                     "user " + quote(value) + " is not a uid (the model has uids, not user names)");
                return std::nullopt;
            }
            term.kind = TermKind::Uid;
            term.lo = *n;
        } else if (field == "host") {
            if (!parse_host(value, value_column, term)) return std::nullopt;
        } else if (field == "port") {
            const std::size_t dash = value.find('-');
            auto lo = parse_uint(value.substr(0, dash), 65535);
            auto hi = dash == std::string::npos ? lo : parse_uint(value.substr(dash + 1), 65535);
            if (!lo || !hi || *lo > *hi) return bad(value_column, "port", value);
            term.kind = TermKind::Port;
            term.lo = *lo;
            term.hi = *hi;
        } else if (field == "proto") {
            term.kind = TermKind::Proto;
            // A name (sstop::proto_name's: tcp, udp, icmp, icmp6, sctp; icmpv6 too), `raw`
            // (every other IP protocol) or an IP protocol number.
            static constexpr sstop::Proto kNamed[] = {sstop::Proto::Tcp, sstop::Proto::Udp,
                                                      sstop::Proto::Icmp, sstop::Proto::Icmpv6,
                                                      sstop::Proto::Sctp};
            bool known = false;
            for (sstop::Proto named : kNamed)
                if (iequals(value, sstop::proto_name(named))) {
                    term.proto = named;
                    known = true;
                }
            if (iequals(value, "icmpv6")) {
                term.proto = sstop::Proto::Icmpv6;
                known = true;
            } else if (iequals(value, "raw")) {
                term.proto = sstop::Proto::Unknown;  // matched by name: any other protocol
                known = true;
            } else if (auto number = parse_uint(value, 255); number && *number > 0) {
                term.proto = static_cast<sstop::Proto>(*number);
                known = true;
            }
            if (!known) {
                fail(value_column, "unknown protocol " + quote(value) +
                                       " (tcp, udp, icmp, icmp6, sctp, raw or 1-255)");
                return std::nullopt;
            }
        } else if (field == "group") {
            term.kind = iequals(value, "none") ? TermKind::GroupNone : TermKind::Group;
            term.text = to_lower(value);
        } else {
            fail(t.column, "unknown field " + quote(field));
            return std::nullopt;
        }
        return add_term(std::move(term));
    }

    bool parse_host(const std::string& value, int column, Term& term) {
        using namespace filter_detail;
        if (parse_prefix(value, term.addr, term.prefix)) {
            term.kind = TermKind::HostPrefix;
            return true;
        }
        if (value.find('/') != std::string::npos) {
            fail(column, "bad CIDR " + quote(value));
            return false;
        }
        // Digits and dots only, or any ':' — meant as an address, not a name.
        bool numeric = true;
        for (char c : value) numeric = numeric && (is_digit(c) || c == '.');
        if (numeric || value.find(':') != std::string::npos) {
            fail(column, "bad address " + quote(value));
            return false;
        }
        term.kind = TermKind::HostName;
        term.text = to_lower(value);
        return true;
    }

    std::optional<std::size_t> bad(int column, const char* what, const std::string& value) {
        fail(column, std::string("bad ") + what + " " + filter_detail::quote(value));
        return std::nullopt;
    }

    std::optional<std::size_t> add_term(Term term) {
        out_.terms_.push_back(std::move(term));
        return add(Node{NodeKind::Term, out_.terms_.size() - 1, {}});
    }

    static std::string unquote(std::string_view s) {
        std::string out;
        for (char c : s)
            if (c != '"') out += c;
        return out;
    }

    std::string_view text_;
    std::vector<Token> tokens_;
    std::size_t pos_ = 0;
    Filter out_;
    FilterError error_;
};

inline std::optional<Filter> Filter::parse(std::string_view text, FilterError* err) noexcept {
    try {
        return Parser(text).run(err);
    } catch (...) {  // only std::bad_alloc can get here
        if (err) *err = FilterError{1, "out of memory at column 1"};
        return std::nullopt;
    }
}

inline bool Filter::matches(const ProcessSummary& p, const Snapshot& snapshot) const noexcept {
    (void)snapshot;
    if (nodes_.empty()) return true;
    return eval(nodes_.size() - 1, Subject{&p, nullptr});
}

inline bool Filter::matches(const ConnectionSummary& c,
                            const ProcessSummary* owner) const noexcept {
    if (nodes_.empty()) return true;
    return eval(nodes_.size() - 1, Subject{owner, &c});
}

inline bool Filter::eval(std::size_t node, const Subject& s) const noexcept {
    const Node& n = nodes_[node];
    switch (n.kind) {
        case NodeKind::Term:
            return eval_term(terms_[n.term], s);
        case NodeKind::Not:
            return !eval(n.kids[0], s);
        case NodeKind::And:
            for (std::size_t k : n.kids)
                if (!eval(k, s)) return false;
            return true;
        case NodeKind::Or:
            for (std::size_t k : n.kids)
                if (eval(k, s)) return true;
            return false;
    }
    return false;
}

inline bool Filter::connection_term(const Term& t, const ConnectionSummary& c) noexcept {
    switch (t.kind) {
        case TermKind::HostPrefix:
            return filter_detail::in_prefix(c.key.remote.addr, t.addr, t.prefix);
        case TermKind::HostName:
            return filter_detail::contains_ci(c.remote_name, t.text);
        case TermKind::Port:
            return (c.key.local.port >= t.lo && c.key.local.port <= t.hi) ||
                   (c.key.remote.port >= t.lo && c.key.remote.port <= t.hi);
        case TermKind::Proto:
            if (t.proto == sstop::Proto::Unknown)
                return std::string_view(sstop::proto_name(c.key.proto)) == "raw";
            return c.key.proto == t.proto;
        default:
            return false;
    }
}

inline bool Filter::word_in_connection(const Term& t, const ConnectionSummary& c) noexcept {
    if (c.key.remote.addr.family == Family::None) return false;
    char buf[kAddrTextMax];
    // format_addr_to writes lower case (RFC 5952), so a plain find is case-insensitive.
    const std::string_view addr(buf, format_addr_to(c.key.remote.addr, buf));
    return addr.find(t.text) != std::string_view::npos ||
           filter_detail::contains_ci(c.remote_name, t.text);
}

inline bool Filter::eval_term(const Term& t, const Subject& s) const noexcept {
    using filter_detail::contains_ci;
    auto compare = [&t](double v) {
        switch (t.cmp) {
            case Cmp::Gt:
                return v > t.value;
            case Cmp::Ge:
                return v >= t.value;
            case Cmp::Lt:
                return v < t.value;
            case Cmp::Le:
                return v <= t.value;
        }
        return false;
    };
    const ProcessSummary* p = s.process;
    const Traffic* traffic = s.connection ? &s.connection->traffic : p ? &p->traffic : nullptr;
    switch (t.kind) {
        case TermKind::Proc:
            return p && contains_ci(p->info.name, t.text);
        case TermKind::Pid:
            return p && p->info.id.pid == static_cast<std::int32_t>(t.lo);
        case TermKind::Uid:
            return p && p->info.uid == t.lo;
        case TermKind::Group:
            return p &&
                   (contains_ci(p->info.container, t.text) || contains_ci(p->info.unit, t.text));
        case TermKind::GroupNone:
            return p && p->info.container.empty() && p->info.unit.empty();
        case TermKind::Rate:
            return traffic && compare(traffic->rx_bps + traffic->tx_bps);
        case TermKind::Rx:
            return traffic && compare(traffic->rx_bps);
        case TermKind::Tx:
            return traffic && compare(traffic->tx_bps);
        case TermKind::Word: {
            if (s.connection && word_in_connection(t, *s.connection)) return true;
            if (!p) return false;
            if (contains_ci(p->info.name, t.text) || contains_ci(p->info.cmdline, t.text))
                return true;
            char digits[16];
            const auto end = std::to_chars(digits, digits + sizeof digits, p->info.id.pid).ptr;
            if (std::string_view(digits, static_cast<std::size_t>(end - digits)).find(t.text) !=
                std::string_view::npos)
                return true;
            if (s.connection) return false;
            for (const ConnectionSummary& c : p->sockets)
                if (word_in_connection(t, c)) return true;
            return false;
        }
        case TermKind::HostPrefix:
        case TermKind::HostName:
        case TermKind::Port:
        case TermKind::Proto:
            if (s.connection) return connection_term(t, *s.connection);
            if (!p) return false;
            for (const ConnectionSummary& c : p->sockets)
                if (connection_term(t, c)) return true;
            return false;
    }
    return false;
}

}  // namespace sstop
