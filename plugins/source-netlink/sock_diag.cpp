#include "sock_diag.hpp"

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sstop::plugins::netlink {
namespace {

/// Reads a u64 field of tcp_info if the kernel's attribute covers it. The kernel may send a
/// shorter struct (older kernel) or a longer one (newer kernel than our headers).
std::optional<std::uint64_t> field_u64(const tcp_info& info, std::size_t have, std::size_t offset) {
    if (offset + sizeof(std::uint64_t) > have) return std::nullopt;
    std::uint64_t v;
    std::memcpy(&v, reinterpret_cast<const std::uint8_t*>(&info) + offset, sizeof v);
    return v;
}

struct AttrTable {
    const nlattr* info = nullptr;
    const nlattr* protocol = nullptr;
};

int attr_cb(const nlattr* attr, void* data) {
    auto* table = static_cast<AttrTable*>(data);
    switch (mnl_attr_get_type(attr)) {
        case INET_DIAG_INFO:
            table->info = attr;  // any length: short ones are zero-filled, long ones cut
            break;
        case INET_DIAG_PROTOCOL:
            if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0) table->protocol = attr;
            break;
        default:
            break;  // unknown attributes are expected from newer kernels
    }
    return MNL_CB_OK;
}

}  // namespace

IpAddr diag_addr(std::uint8_t family, const std::uint32_t (&words)[4]) {
    IpAddr a;
    std::uint8_t raw[16];
    std::memcpy(raw, words, sizeof raw);
    if (family == AF_INET) {
        a.family = Family::V4;
        std::memcpy(a.bytes.data(), raw, 4);
        return a;
    }
    if (family != AF_INET6) return a;
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(raw, kMapped, sizeof kMapped) == 0) {
        a.family = Family::V4;
        std::memcpy(a.bytes.data(), raw + 12, 4);
        return a;
    }
    a.family = Family::V6;
    std::memcpy(a.bytes.data(), raw, 16);
    return a;
}

DumpRequest socket_dump_request(std::uint8_t family, std::uint8_t protocol, std::uint32_t states) {
    static_assert(sizeof(DumpRequest) == NLMSG_LENGTH(sizeof(inet_diag_req_v2)),
                  "the request follows its header without padding");
    DumpRequest msg{};
    msg.header.nlmsg_len = sizeof msg;
    msg.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.request.sdiag_family = family;
    msg.request.sdiag_protocol = protocol;
    msg.request.idiag_states = states;  // all by default, TIME_WAIT and SYN_RECV included
    if (protocol == IPPROTO_TCP) msg.request.idiag_ext = 1u << (INET_DIAG_INFO - 1);
    return msg;
}

std::optional<DiagRecord> parse_diag_message(const nlmsghdr* nlh, Proto proto) {
    if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY) return std::nullopt;
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(inet_diag_msg))) return std::nullopt;
    const auto* msg = static_cast<const inet_diag_msg*>(mnl_nlmsg_get_payload(nlh));
    if (msg->idiag_family != AF_INET && msg->idiag_family != AF_INET6) return std::nullopt;

    AttrTable table;
    // A truncated attribute makes mnl_attr_parse stop with an error; what was parsed before
    // it is still valid, and the fixed header is complete, so keep the record.
    mnl_attr_parse(nlh, sizeof(inet_diag_msg), attr_cb, &table);

    DiagRecord rec;
    if (table.protocol) {
        std::uint8_t p = mnl_attr_get_u8(table.protocol);
        proto = p == IPPROTO_TCP ? Proto::Tcp : p == IPPROTO_UDP ? Proto::Udp : Proto::Unknown;
    }
    SocketObs& o = rec.obs;
    o.key.proto = proto;
    o.key.local.addr = diag_addr(msg->idiag_family, msg->id.idiag_src);
    o.key.local.port = ntohs(msg->id.idiag_sport);
    o.key.remote.addr = diag_addr(msg->idiag_family, msg->id.idiag_dst);
    o.key.remote.port = ntohs(msg->id.idiag_dport);
    o.state = msg->idiag_state <= static_cast<std::uint8_t>(SocketState::NewSynRecv)
                  ? static_cast<SocketState>(msg->idiag_state)
                  : SocketState::Unknown;
    if (o.state == SocketState::Listen ||
        (o.key.remote.port == 0 &&
         std::all_of(o.key.remote.addr.bytes.begin(), o.key.remote.addr.bytes.end(),
                     [](std::uint8_t b) { return b == 0; })))
        o.key.remote = Endpoint{};  // listeners and unconnected UDP have no remote end
    o.inode = msg->idiag_inode;
    o.uid = msg->idiag_uid;
    o.cookie = static_cast<std::uint64_t>(msg->id.idiag_cookie[1]) << 32 | msg->id.idiag_cookie[0];

    if (table.info && proto == Proto::Tcp) {
        tcp_info info{};
        std::size_t have = mnl_attr_get_payload_len(table.info);
        std::memcpy(&info, mnl_attr_get_payload(table.info), std::min(have, sizeof info));
        have = std::min(have, sizeof info);
        rec.tcp.present = true;
        rec.tcp.bytes_acked = field_u64(info, have, offsetof(tcp_info, tcpi_bytes_acked));
        rec.tcp.bytes_received = field_u64(info, have, offsetof(tcp_info, tcpi_bytes_received));
        rec.tcp.bytes_sent = field_u64(info, have, offsetof(tcp_info, tcpi_bytes_sent));
        rec.tcp.bytes_retrans = field_u64(info, have, offsetof(tcp_info, tcpi_bytes_retrans));
    }
    return rec;
}

bool peer_fin_received(SocketState state) {
    switch (state) {
        case SocketState::CloseWait:
        case SocketState::LastAck:
        case SocketState::Closing:
        case SocketState::TimeWait:
            return true;
        default:
            return false;
    }
}

bool peer_fin_not_yet(SocketState state) {
    switch (state) {
        case SocketState::Established:
        case SocketState::SynSent:
        case SocketState::SynRecv:
        case SocketState::NewSynRecv:
        case SocketState::FinWait1:
        case SocketState::FinWait2:
        case SocketState::Listen:
            return true;
        default:
            return false;
    }
}

std::size_t drop_duplicate_cookies(std::vector<SocketObs>& live, std::size_t first) {
    // (cookie, position) pairs, sorted: 16 bytes a socket for the length of this call, where
    // a hash set of cookies kept between collects took about 40.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> listed;
    listed.reserve(live.size() - first);
    for (std::size_t i = first; i < live.size(); ++i)
        if (live[i].cookie) listed.emplace_back(live[i].cookie, static_cast<std::uint32_t>(i));
    // By cookie, then position: the first listing of each socket comes first, and every later
    // one is marked to go.
    std::sort(listed.begin(), listed.end());
    std::vector<bool> later(live.size() - first);
    std::size_t dropped = 0;
    for (std::size_t i = 1; i < listed.size(); ++i) {
        if (listed[i].first != listed[i - 1].first) continue;
        later[listed[i].second - first] = true;
        ++dropped;
    }
    if (dropped == 0) return 0;
    std::size_t kept = first;
    for (std::size_t i = first; i < live.size(); ++i)
        if (!later[i - first]) live[kept++] = live[i];
    live.resize(kept);
    return dropped;
}

void apply_tcp_bytes(SocketObs& obs, const TcpCounters& tcp, bool peer_fin) {
    obs.has_bytes = false;
    obs.rx_bytes = obs.tx_bytes = 0;
    if (obs.key.proto != Proto::Tcp || obs.state == SocketState::Listen || !tcp.present) return;
    auto minus = [](std::uint64_t v, std::uint64_t d) { return v >= d ? v - d : 0; };
    if (tcp.bytes_received) obs.rx_bytes = minus(*tcp.bytes_received, peer_fin ? 1 : 0);
    if (tcp.bytes_sent) {
        obs.tx_bytes = minus(*tcp.bytes_sent, tcp.bytes_retrans.value_or(0));
    } else if (tcp.bytes_acked) {
        // Old kernels: bytes_acked counts our FIN once it is acked.
        bool fin_acked = obs.state == SocketState::FinWait2 || obs.state == SocketState::TimeWait ||
                         obs.state == SocketState::Close;
        obs.tx_bytes = minus(*tcp.bytes_acked, fin_acked ? 1 : 0);
    }
    obs.has_bytes = tcp.bytes_received.has_value() &&
                    (tcp.bytes_sent.has_value() || tcp.bytes_acked.has_value());
}

namespace {
struct WalkContext {
    const std::function<void(const nlmsghdr*)>* on_message;
};

int data_cb(const nlmsghdr* nlh, void* data) {
    (*static_cast<WalkContext*>(data)->on_message)(nlh);
    return MNL_CB_OK;
}
}  // namespace

WalkResult walk_dump_buffer(std::span<std::uint8_t> buffer, std::uint32_t seq, std::uint32_t portid,
                            const std::function<void(const nlmsghdr*)>& on_message) {
    WalkResult result;
    // Every header is checked here with unsigned arithmetic before libmnl walks the buffer:
    // mnl_nlmsg_ok compares the length as an int, so a length past INT_MAX would pass it and
    // make the walk loop forever (a length rounding up to 0) or read past the buffer.
    std::size_t off = 0;
    while (buffer.size() - off >= sizeof(nlmsghdr)) {
        auto* nlh = reinterpret_cast<nlmsghdr*>(buffer.data() + off);
        if (nlh->nlmsg_len < sizeof(nlmsghdr) || nlh->nlmsg_len > buffer.size() - off) {
            result.status = WalkResult::Status::Error;
            result.error = EBADMSG;
            return result;
        }
        if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
            result.interrupted = true;
            nlh->nlmsg_flags &= static_cast<std::uint16_t>(~NLM_F_DUMP_INTR);
        }
        // Aligned in size_t: NLMSG_ALIGN of a 32-bit length near 4 GiB would wrap to 0.
        off += (static_cast<std::size_t>(nlh->nlmsg_len) + NLMSG_ALIGNTO - 1) &
               ~static_cast<std::size_t>(NLMSG_ALIGNTO - 1);
        if (off > buffer.size()) break;  // the last message's padding may be missing
    }
    WalkContext ctx{&on_message};
    errno = 0;
    int ret = mnl_cb_run(buffer.data(), buffer.size(), seq, portid, data_cb, &ctx);
    if (ret == MNL_CB_ERROR) {
        result.status = WalkResult::Status::Error;
        result.error = errno ? errno : EIO;
    } else if (ret == MNL_CB_STOP) {
        result.status = WalkResult::Status::Done;
    }
    return result;
}

}  // namespace sstop::plugins::netlink
