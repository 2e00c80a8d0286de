// Fuzz target: a UDP datagram as the reply to our reverse-lookup query, through the DNS
// decoder, and the same bytes through the name reader at every offset of the first 64 bytes.
// Layout: the whole input is the datagram. The expected query is fixed (id 0x1234, question
// "4.3.2.1.in-addr.arpa") so that seeds built from real replies to it reach the answers.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/dns_message.hpp"
#include "fuzz_check.hpp"

namespace dns = sstop::core::dns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> msg(data, size);
    constexpr std::uint16_t kId = 0x1234;
    constexpr std::string_view kQuestion = "4.3.2.1.in-addr.arpa";
    const dns::PtrReply reply = dns::decode_ptr_reply(msg, kId, kQuestion);
    if (reply.kind == dns::ReplyKind::Name) {
        // What the TUI will print: never control characters, never over the wire limit.
        SSTOP_FUZZ_CHECK(dns::is_display_safe(reply.name));
        SSTOP_FUZZ_CHECK(reply.name.size() < dns::kMaxNameLength);
    } else {
        SSTOP_FUZZ_CHECK(reply.name.empty());
    }

    for (std::size_t start = 0; start < size && start < 64; ++start) {
        std::size_t offset = start;
        if (auto name = dns::read_name(msg, offset)) {
            SSTOP_FUZZ_CHECK(offset > start && offset <= size);
            SSTOP_FUZZ_CHECK(name->size() < dns::kMaxNameLength);
            // No round-trip check through encode_ptr_query: label bytes are returned as they
            // are, so a label holding a '.' reads back as a name with an empty label.
        }
    }
    return 0;
}
