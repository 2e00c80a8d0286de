#include "ring.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstop/plugin.hpp>

namespace sstop::plugins::afpacket {

const char* const kNoCapNetRawMessage =
    "afpacket: no CAP_NET_RAW — UDP byte counts and unattributed traffic are off (run as "
    "root or: setcap cap_net_raw,cap_dac_read_search,cap_sys_ptrace+ep $(command -v sstop))";

namespace {
constexpr std::size_t kBlockSize = 256u << 10;                // ~1000 truncated frames per block
constexpr std::uint32_t kFrameSize = TPACKET_ALIGNMENT << 7;  // only sizes tp_frame_nr
}  // namespace

std::string errno_message(const char* what, int err) {
    return std::string("afpacket: ") + what + ": " + std::strerror(err);
}

std::vector<sock_filter> build_filter(std::uint32_t snaplen, const std::vector<int>& ifindexes) {
    std::vector<sock_filter> prog;
    if (!ifindexes.empty()) {
        // ld ifindex; jeq #i, accept …; ret #0; accept: ret #snaplen
        const std::size_t n = std::min<std::size_t>(ifindexes.size(), 250);
        prog.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_IFINDEX)));
        for (std::size_t i = 0; i < n; ++i)
            prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                    static_cast<std::uint32_t>(ifindexes[i]),
                                    static_cast<std::uint8_t>(n - i), 0));
        prog.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
    }
    prog.push_back(BPF_STMT(BPF_RET | BPF_K, snaplen));
    return prog;
}

PacketRing::PacketRing(const RingConfig& config) {
    // Protocol 0 first: no frame is queued before the ring and the filter are in place.
    fd_ = UniqueFd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    if (fd_.get() < 0) {
        const int err = errno;
        if (err == EPERM || err == EACCES) throw PluginUnavailable(kNoCapNetRawMessage);
        throw PluginUnavailable(errno_message("socket(AF_PACKET)", err));
    }
    int version = TPACKET_V3;
    if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) != 0)
        throw PluginUnavailable(errno_message("setsockopt(PACKET_VERSION, TPACKET_V3)", errno));

    block_size_ = kBlockSize;
    blocks_ = std::max<std::size_t>(config.ring_bytes / block_size_, 2);
    tpacket_req3 req{};
    req.tp_block_size = static_cast<unsigned>(block_size_);
    req.tp_block_nr = static_cast<unsigned>(blocks_);
    req.tp_frame_size = kFrameSize;
    req.tp_frame_nr = static_cast<unsigned>(block_size_ / kFrameSize * blocks_);
    req.tp_retire_blk_tov = config.block_timeout_ms;
    if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0)
        throw PluginUnavailable(errno_message("setsockopt(PACKET_RX_RING)", errno));

    map_len_ = block_size_ * blocks_;
    // Not MAP_LOCKED: it fails with EAGAIN under RLIMIT_MEMLOCK for a non-root user.
    void* map = ::mmap(nullptr, map_len_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
    if (map == MAP_FAILED) throw PluginUnavailable(errno_message("mmap(packet ring)", errno));
    map_ = static_cast<std::uint8_t*>(map);

    std::vector<sock_filter> prog = build_filter(config.snaplen, config.ifindexes);
    sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
    if (::setsockopt(fd_.get(), SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) != 0) {
        const int err = errno;
        ::munmap(map_, map_len_);
        throw PluginUnavailable(errno_message("setsockopt(SO_ATTACH_FILTER)", err));
    }

    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = 0;  // all interfaces
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        const int err = errno;
        ::munmap(map_, map_len_);
        throw PluginUnavailable(errno_message("bind(AF_PACKET, ETH_P_ALL)", err));
    }
}

PacketRing::~PacketRing() {
    if (map_ != nullptr) ::munmap(map_, map_len_);
}

std::uint64_t PacketRing::take_drops() {
    tpacket_stats_v3 stats{};
    socklen_t len = sizeof(stats);
    if (::getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &stats, &len) != 0) return 0;
    return stats.tp_drops;
}

}  // namespace sstop::plugins::afpacket
