// Fuzz target: one received netlink datagram through the dump walker and the sock_diag and
// rtnetlink message parsers, as the netlink source does with a kernel reply.
// Layout: byte 0 is the selector, the rest is the datagram.
//   bit 0  protocol the dump asked for: 0 TCP, 1 UDP
//   bit 1  check sequence and port id against the first message's (as for a dump reply)
//          instead of accepting anything (as for multicast notifications)

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "rtnl_link.hpp"
#include "sock_diag.hpp"

namespace nl = sstop::plugins::netlink;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t selector = data[0];
    const sstop::Proto proto = (selector & 1) != 0 ? sstop::Proto::Udp : sstop::Proto::Tcp;
    // The walker writes into the buffer (it clears NLM_F_DUMP_INTR) and reads headers as
    // structs: give it its own, suitably aligned, copy as recv() into a buffer would.
    std::vector<std::uint32_t> storage((size - 1 + 3) / 4 + 1, 0);
    auto* bytes = reinterpret_cast<std::uint8_t*>(storage.data());
    if (size > 1) std::memcpy(bytes, data + 1, size - 1);
    const std::span<std::uint8_t> buffer(bytes, size - 1);

    std::uint32_t seq = 0;
    std::uint32_t portid = 0;
    if ((selector & 2) != 0 && buffer.size() >= sizeof(nlmsghdr)) {
        nlmsghdr first;
        std::memcpy(&first, bytes, sizeof first);
        seq = first.nlmsg_seq;
        portid = first.nlmsg_pid;
    }

    std::size_t messages = 0;
    const nl::WalkResult w = nl::walk_dump_buffer(buffer, seq, portid, [&](const nlmsghdr* m) {
        ++messages;
        const auto* begin = reinterpret_cast<const std::uint8_t*>(m);
        SSTOP_FUZZ_CHECK(begin >= buffer.data());
        SSTOP_FUZZ_CHECK(m->nlmsg_len >= sizeof(nlmsghdr));
        SSTOP_FUZZ_CHECK(begin + m->nlmsg_len <= buffer.data() + buffer.size());
        if (auto rec = nl::parse_diag_message(m, proto)) {
            // The byte arithmetic must clamp, never wrap, whatever the counters say.
            for (const bool fin : {false, true}) {
                sstop::SocketObs obs = rec->obs;
                nl::apply_tcp_bytes(obs, rec->tcp, fin);
                if (obs.has_bytes) {
                    if (rec->tcp.bytes_received)
                        SSTOP_FUZZ_CHECK(obs.rx_bytes <= *rec->tcp.bytes_received);
                }
            }
            (void)nl::peer_fin_received(rec->obs.state);
        }
        (void)nl::parse_link_message(m);
    });
    if (w.status != nl::WalkResult::Status::Error) SSTOP_FUZZ_CHECK(w.error == 0);
    SSTOP_FUZZ_CHECK(messages <= buffer.size() / sizeof(nlmsghdr));
    return 0;
}
