#pragma once
// DNS wire format for reverse lookups: the PTR question name of an address, the query bytes, and
// a bounds-checked decoder of the reply. Pure functions over bytes, so tests and fuzzers can feed
// them anything; the network part lives in dns_resolver.cpp.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <sstop/model.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop::core::dns {

/// Longest name on the wire, length octets included (RFC 1035 §2.3.4).
inline constexpr std::size_t kMaxNameLength = 255;
/// Longest label (RFC 1035 §2.3.4).
inline constexpr std::size_t kMaxLabelLength = 63;
/// Size of the fixed header.
inline constexpr std::size_t kHeaderSize = 12;
/// QTYPE/TYPE of a PTR record.
inline constexpr std::uint16_t kTypePtr = 12;
/// QCLASS/CLASS Internet.
inline constexpr std::uint16_t kClassIn = 1;

/// The reverse-lookup name of `addr`, without a trailing dot: "4.3.2.1.in-addr.arpa" for
/// 1.2.3.4, 32 nibbles then "ip6.arpa" for IPv6 (lower-case hex). "" for Family::None.
std::string ptr_name(const IpAddr& addr);

/// A standard query (RD set) with one question `name` PTR IN and the given id. Empty when `name`
/// cannot be encoded (empty, an empty label, a label over 63 bytes or a name over 255 bytes).
std::vector<std::uint8_t> encode_ptr_query(std::uint16_t id, std::string_view name);

/// Reads the (possibly compressed) name that starts at `offset` in `msg`. On success returns the
/// dotted name without a trailing dot ("" for the root) and moves `offset` past the name where
/// it starts (after the first pointer, if any). Fails (nullopt) on truncation, a pointer that
/// does not point strictly backwards (which also rules out loops), reserved label types, or a
/// name longer than 255 bytes. Label bytes are returned as they are; see `is_display_safe`.
std::optional<std::string> read_name(std::span<const std::uint8_t> msg, std::size_t& offset);

/// True when every label byte of a dotted name is printable ASCII other than space: names with
/// control characters or raw 8-bit bytes are rejected rather than shown in a terminal.
bool is_display_safe(std::string_view name);

/// How a reply to our PTR query ended.
enum class ReplyKind {
    Name,         ///< a PTR answer; `name` holds it
    NoName,       ///< NXDOMAIN, or NOERROR without a PTR answer
    ServerError,  ///< SERVFAIL, REFUSED, NOTIMP, or another error code
    Mismatch,     ///< not a reply to this query (id, QR bit, opcode or question differ): ignore it
    Malformed,    ///< our id, but the bytes do not parse, or the name is not display-safe
};

/// The decoded reply.
struct PtrReply {
    ReplyKind kind = ReplyKind::Malformed;  ///< the outcome
    std::string name;  ///< the first PTR answer, no trailing dot (only for ReplyKind::Name)
};

/// Decodes `msg` as the reply to the query with `id` and question `question` PTR IN (compared
/// case-insensitively). Every read is bounds-checked; any input gives a result, never a crash.
PtrReply decode_ptr_reply(std::span<const std::uint8_t> msg, std::uint16_t id,
                          std::string_view question);

}  // namespace sstop::core::dns
