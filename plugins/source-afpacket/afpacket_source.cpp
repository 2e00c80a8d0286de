#include "afpacket_source.hpp"

#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace sstop::plugins::afpacket {
namespace {

constexpr int kPollTimeoutMs = 100;
constexpr std::int64_t kInterfaceRefreshNs = 30'000'000'000;

std::int64_t steady_now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// A bond slave or bridge port has a `master` link in sysfs; its frames are seen again on
/// the master.
bool is_enslaved(int ifindex) {
    char name[IF_NAMESIZE] = {};
    if (ifindex <= 0 || ::if_indextoname(static_cast<unsigned>(ifindex), name) == nullptr)
        return false;
    const std::string path = std::string("/sys/class/net/") + name + "/master";
    return ::access(path.c_str(), F_OK) == 0;
}

}  // namespace

AfpacketConfig AfpacketConfig::from_options(const Options& options) {
    AfpacketConfig c;
    c.snaplen = static_cast<std::uint32_t>(options.get_int("snaplen"));
    c.ring_bytes = static_cast<std::size_t>(options.get_int("ring_size_mb")) << 20;
    c.max_flows = static_cast<std::size_t>(options.get_int("max_flows"));
    c.idle_timeout = std::chrono::nanoseconds(options.at("idle_timeout").i);
    c.interfaces = options.get_list("interfaces");
    return c;
}

AfpacketSource::AfpacketSource(PluginContext& context)
    : AfpacketSource(AfpacketConfig::from_options(context.options()), &context) {}

AfpacketSource::AfpacketSource(AfpacketConfig config, PluginContext* context)
    : config_(std::move(config)), context_(context) {
    wake_fd_ = UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (wake_fd_.get() < 0) throw PluginUnavailable(errno_message("eventfd", errno));
}

AfpacketSource::~AfpacketSource() = default;

void AfpacketSource::log(Notice::Level level, const std::string& text) {
    if (context_ != nullptr) context_->log(level, text);
}

void AfpacketSource::open() {
    RingConfig rc;
    rc.ring_bytes = config_.ring_bytes;
    rc.snaplen = config_.snaplen;
    for (const std::string& name : config_.interfaces) {
        const unsigned index = ::if_nametoindex(name.c_str());
        if (index == 0)
            throw PluginUnavailable("afpacket: interface '" + name +
                                    "' (option interfaces): " + std::strerror(errno));
        rc.ifindexes.push_back(static_cast<int>(index));
    }
    auto ring = std::make_unique<PacketRing>(rc);
    const int lo = static_cast<int>(::if_nametoindex("lo"));
    auto accounting = std::make_unique<FlowAccounting>(config_.max_flows, lo, &is_enslaved);
    std::lock_guard lock(mutex_);
    ring_ = std::move(ring);
    accounting_ = std::move(accounting);
}

void AfpacketSource::wake() {
    const std::uint64_t one = 1;
    // A full eventfd counter (EAGAIN) already wakes the loop; nothing else can fail here.
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_.get(), &one, sizeof(one));
}

void AfpacketSource::capture_loop(const StopToken& stop) {
    if (!ring_) return;
    const std::int64_t idle_ns = config_.idle_timeout.count();
    const std::int64_t prune_every_ns = std::max<std::int64_t>(idle_ns / 4, 1'000'000'000);
    std::int64_t last_prune = steady_now_ns();
    std::int64_t last_refresh = last_prune;
    std::size_t current = 0;
    bool reported_error = false;

    while (!stop.stop_requested()) {
        auto* desc = reinterpret_cast<tpacket_block_desc*>(ring_->block(current));
        const std::uint32_t status = __atomic_load_n(&desc->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
        const std::int64_t now = steady_now_ns();
        if ((status & TP_STATUS_USER) != 0) {
            process_block(ring_->block(current), now);
            __atomic_store_n(&desc->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
            current = (current + 1) % ring_->block_count();
        }
        if (now - last_prune >= prune_every_ns || now - last_refresh >= kInterfaceRefreshNs) {
            std::lock_guard lock(mutex_);
            if (now - last_prune >= prune_every_ns) {
                accounting_->prune(now - idle_ns);
                last_prune = now;
            }
            if (now - last_refresh >= kInterfaceRefreshNs) {
                accounting_->refresh_interfaces();
                last_refresh = now;
            }
        }
        if ((status & TP_STATUS_USER) != 0) continue;  // drain ready blocks before sleeping

        pollfd fds[2] = {{ring_->fd(), POLLIN | POLLERR, 0}, {wake_fd_.get(), POLLIN, 0}};
        const int ready = ::poll(fds, 2, kPollTimeoutMs);
        if (ready < 0 && errno != EINTR && !reported_error) {
            log(Notice::Level::Warning, errno_message("poll(packet ring)", errno));
            reported_error = true;
        }
        if (ready > 0 && (fds[1].revents & POLLIN) != 0) {
            std::uint64_t value = 0;
            [[maybe_unused]] const ssize_t n = ::read(wake_fd_.get(), &value, sizeof(value));
        }
        if (ready > 0 && (fds[0].revents & POLLERR) != 0) {
            // Clear the pending socket error so poll does not spin on it.
            int err = 0;
            socklen_t len = sizeof(err);
            ::getsockopt(ring_->fd(), SOL_SOCKET, SO_ERROR, &err, &len);
            if (!reported_error && err != 0) {
                log(Notice::Level::Warning, errno_message("packet socket", err));
                reported_error = true;
            }
        }
    }
}

void AfpacketSource::process_block(const std::uint8_t* block, std::int64_t now_ns) {
    const auto* desc = reinterpret_cast<const tpacket_block_desc*>(block);
    const std::size_t size = ring_->block_size();
    const std::uint32_t count = desc->hdr.bh1.num_pkts;
    std::size_t offset = desc->hdr.bh1.offset_to_first_pkt;
    constexpr std::size_t kSllOffset = TPACKET_ALIGN(sizeof(tpacket3_hdr));

    std::lock_guard lock(mutex_);
    for (std::uint32_t i = 0; i < count; ++i) {
        // Kernel-supplied offsets are checked too (as libpcap does): a bad one ends the block.
        if (offset > size || size - offset < kSllOffset + sizeof(sockaddr_ll)) break;
        const auto* hdr = reinterpret_cast<const tpacket3_hdr*>(block + offset);
        const auto* sll = reinterpret_cast<const sockaddr_ll*>(block + offset + kSllOffset);
        if (hdr->tp_mac > size - offset || hdr->tp_snaplen > size - offset - hdr->tp_mac) break;
        Frame frame;
        frame.bytes = std::span<const std::uint8_t>(block + offset + hdr->tp_mac, hdr->tp_snaplen);
        frame.wire_len = hdr->tp_len;
        frame.hatype = sll->sll_hatype;
        frame.pkt_type = sll->sll_pkttype;
        frame.ifindex = sll->sll_ifindex;
        frame.vlan_tci = hdr->hv1.tp_vlan_tci;
        frame.vlan_valid = (hdr->tp_status & TP_STATUS_VLAN_VALID) != 0;
        accounting_->count(frame, now_ns);
        if (hdr->tp_next_offset == 0) break;
        offset += hdr->tp_next_offset;
    }
}

CollectStatus AfpacketSource::collect(Sample& out) {
    if (!ring_) return {CollectStatus::Code::Failed, "afpacket: not open"};
    scratch_.clear();
    CaptureCounters c;
    {
        std::lock_guard lock(mutex_);
        accounting_->table().copy_to(scratch_);
        c = accounting_->counters();
    }
    const std::uint64_t new_drops = ring_->take_drops();  // reading resets the kernel's count
    kernel_drops_ += new_drops;

    out.flows.reserve(out.flows.size() + scratch_.size());
    for (const FlowTable::Entry& e : scratch_) {
        FlowBytes f;
        f.key = to_socket_key(e.key);
        f.rx_bytes = e.counters.rx_bytes;
        f.tx_bytes = e.counters.tx_bytes;
        f.rx_packets = e.counters.rx_packets;
        f.tx_packets = e.counters.tx_packets;
        out.flows.push_back(f);
    }
    out.counters.push_back({"packets", c.packets});
    out.counters.push_back({"kernel_drops", kernel_drops_});
    out.counters.push_back({"malformed", c.malformed});
    out.counters.push_back({"flow_table_full", c.flow_table_full});
    out.counters.push_back({"overflow_bytes", c.overflow_bytes});
    out.counters.push_back({"fragments", c.fragments});
    out.counters.push_back({"duplicates", c.duplicates});
    out.counters.push_back({"tcp_resent_bytes", c.tcp_resent_bytes});
    if (new_drops > 0) {
        // snprintf, not std::to_string: the latter adds an STB_GNU_UNIQUE symbol, and glibc's
        // dlclose() never unloads an object that defines one.
        char text[128];
        std::snprintf(text, sizeof(text),
                      "afpacket: kernel dropped %llu packets (ring full; raise ring_size_mb)",
                      static_cast<unsigned long long>(new_drops));
        return {CollectStatus::Code::Degraded, text};
    }
    return {};
}

}  // namespace sstop::plugins::afpacket
