#pragma once
/// @file ebpf_source.hpp
/// source-ebpf: every inet socket of every cgroup and network namespace, seen by BPF
/// programs on the cgroup v2 root (libbpf, CO-RE). The owner is taken in the kernel when a
/// socket is created, its bytes as they pass (TCP from tcp_sock's own counters, the others
/// from the packets), its final counters when it is gone. Each update reads only the
/// sockets that changed (`kIncrementalSockets`): an idle socket costs nothing.
///
/// Sockets older than sstop are listed once at start by a sock_diag dump (source-netlink's
/// code); interfaces come from rtnetlink each update. Everything attaches through BPF links
/// held by this process: nothing stays attached when sstop exits or is killed.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <linuxproc/owner_map.hpp>
#include <map>
#include <memory>
#include <optional>
#include <sstop/plugin.hpp>
#include <sstop/source.hpp>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bpf/sstop_bpf.h"
#include "netlink_source.hpp"

namespace sstop::plugins::ebpf {

/// Settings of an `EbpfSource` (the plugin's options).
struct EbpfSettings {
    std::string proc_root = "/proc";           ///< procfs (owners of accepted sockets)
    std::string proc_mounts = "/proc/mounts";  ///< where the cgroup v2 hierarchy is found
    std::string cgroup_root;                   ///< empty: the first cgroup2 mount
    std::string btf = "/sys/kernel/btf/vmlinux";
    std::size_t max_sockets = 65536;      ///< record slots (and entries of `socks`)
    std::size_t ring_bytes = 512 * 1024;  ///< the dirty ring's size (a power of two)
    std::string namespaces = "auto";      ///< the start-up inventory's namespaces
    /// Where bytes are counted: `syscalls` (the sock_send_length/sock_recv_length
    /// tracepoints, Linux 6.3), `packets` (cgroup_skb egress/ingress), or `auto` (syscalls
    /// where the kernel has them, else packets).
    std::string hooks = "auto";
    /// Batched syscalls where the kernel has them (`sstop_free` to give slots back, batch
    /// lookups for whole-map reads); false: one syscall each, what kernels without them get
    /// (tests compare the two).
    bool batched_reads = true;
};

/// Whether a kernel record belongs to what the source shows. With only sstop's namespace
/// shown, a socket of another one is left out; one whose namespace the kernel side did not
/// record (older than sstop, or a kernel socket) counts as sstop's only if the start-up
/// listing of sstop's namespace had it (`listed`).
bool in_scope(const sstop_sock& rec, bool all_namespaces, std::uint64_t own_netns, bool listed);

/// The cgroup v2 mount point named in the text of /proc/mounts, if any.
std::optional<std::string> find_cgroup2(std::string_view proc_mounts);

/// A kernel record turned into a socket observation: 5-tuple, state, bytes (TCP through
/// source-netlink's rule, so both agree to the byte), cookie, inode, uid. The owner is not
/// set. `own_netns` is sstop's namespace (its sockets carry netns 0, as netlink's do).
SocketObs to_observation(const sstop_sock& rec, std::uint64_t own_netns);

/// The owner's process id: tgid and start time in clock ticks (as /proc/<pid>/stat has it).
ProcessId owner_id(const sstop_sock& rec, long clock_ticks_per_second);

class EbpfSource final : public Source {
  public:
    explicit EbpfSource(PluginContext& context);
    explicit EbpfSource(EbpfSettings settings);
    ~EbpfSource() override;

    std::uint32_t capabilities() const override;
    void open() override;
    CollectStatus collect(Sample& out) override;

    /// Counters of the kernel side (tests).
    struct KernelCounters {
        std::uint64_t map_full = 0;
        std::uint64_t dirty_lost = 0;
        std::uint64_t cookieless = 0;
    };
    KernelCounters kernel_counters() const;
    /// Kernel run time of the programs so far (0 unless kernel.bpf_stats_enabled=1).
    std::uint64_t programs_run_ns() const;

  private:
    struct Kernel;  // the skeleton, links and rings (ebpf_source.cpp)
    struct Known {  // what was reported of a socket
        SocketKey key;
        std::uint64_t inode = 0;
        ProcessId owner;
        // Listed at start without a cookie (ping sockets, /proc): it keeps that identity (no
        // cookie, the listed inode and tuple), so its counters go on from the listing.
        bool listed_cookieless = false;
    };

    void log(Notice::Level level, std::string_view message);
    /// The first update: the sockets of the start-up listing, the records of every socket in
    /// `socks` and of `at` (this update's notices).
    void take_inventory(Sample& out, std::vector<sstop_sock>& finals, std::vector<sstop_dirty>& at);
    void add_record(const sstop_sock& rec, Sample& out);
    void describe_owner(const ProcessId& id, const sstop_sock& rec, Sample& out);
    /// Appends every socket in `socks` (cookie and slot) to `at`: batch lookups where the
    /// kernel has them, else key by key.
    void index_all(std::vector<sstop_dirty>& at);
    /// Sorts `at` by cookie (then slot), each pair once.
    static void sort_once(std::vector<sstop_dirty>& at);
    /// The records in the slots of `at` (each pair once: sorted by sort_once, which
    /// `indexed` does here), read in place from the mapping while still the named cookie's,
    /// and given to `take`. A final record's slot is given back at the next update;
    /// `indexed`: `at` came (in part) from `socks`, where a final record may still be.
    void read_records(std::vector<sstop_dirty>& at, bool indexed,
                      const std::function<void(const sstop_sock&)>& take);
    /// Gives the slots of the final records read in the previous update back to the kernel.
    void give_back_slots();

    EbpfSettings settings_;
    PluginContext* context_ = nullptr;
    std::unique_ptr<Kernel> kernel_;
    std::uint64_t own_netns_ = 0;
    bool all_namespaces_ = true;  // `namespaces` resolved: else only sstop's own is shown
    long clock_ticks_ = 100;
    bool syscall_hooks_ = false;  // bytes counted per syscall (tracepoints), else per packet
    bool first_ = true;
    bool overflow_said_ = false;  // the first ring overflow is said once
    // Notices of the previous update (by cookie): a change after they were read, in that same
    // generation, queued nothing new, so they are read again once.
    std::vector<sstop_dirty> dirty_prev_;
    // Final records read this update: their slots go back at the next (bounded by the slots).
    std::vector<sstop_dirty> to_free_;
    std::unordered_map<std::uint64_t, Known> known_;  ///< bounded by max_sockets
    /// Sockets without an owner yet, cookie → slot: read each update, bounded.
    std::unordered_map<std::uint64_t, std::uint32_t> unowned_;
    /// Older sockets listed without a cookie (ping and raw ones, from /proc), by protocol,
    /// local address and namespace: their kernel record takes their owner and inode, and
    /// replaces them.
    std::map<SocketKey, SocketObs> cookieless_;
    /// (namespace, local port) of a TCP listener → its owner. By namespace: two containers
    /// may both listen on port 80. Bounded by kMaxListeners.
    std::map<std::pair<std::uint64_t, std::uint16_t>, ProcessId> listeners_;
    /// Accepted sockets of this collect: inode → the listener's pid, for the owner map.
    /// Bounded by kMaxUnowned; cleared every collect.
    std::unordered_map<std::uint64_t, std::int32_t> likely_owner_;
    std::unordered_map<std::int32_t, ProcessInfo> described_;  ///< tgid → info, bounded
    std::optional<linuxproc::OwnerMap> owners_;                ///< owners by inode
    std::unique_ptr<netlink::NetlinkSource> interfaces_;       ///< rtnetlink only
    std::uint64_t map_full_seen_ = 0;
    std::uint64_t full_walks_ = 0;
    std::uint64_t batch_reads_ = 0;  ///< batched syscalls (`sstop_free`, whole-map lookups)
    std::uint64_t lookups_ = 0;      ///< `socks` entries looked up one by one (whole-map)
    std::uint64_t slots_lost_ = 0;   ///< slots the kernel would not take back
    std::uint64_t settled_ = 0;      ///< records taken without a `known_` lookup (add_record)
    std::uint64_t last_lost_ = 0;
};

}  // namespace sstop::plugins::ebpf
