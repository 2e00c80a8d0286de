#pragma once
/// @file netlink_source.hpp
/// The netlink source: TCP/UDP sockets with exact TCP byte counters from NETLINK_SOCK_DIAG,
/// final counters of closed sockets from the sock_diag destroy groups, and interface counters
/// from rtnetlink.

#include <libmnl/libmnl.h>

#include <chrono>
#include <cstdint>
#include <linuxproc/netns.hpp>
#include <linuxproc/owner_map.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstop/plugin.hpp>
#include <sstop/source.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "connect_tracer.hpp"
#include "netlink_socket.hpp"
#include "sock_diag.hpp"

namespace sstop::plugins::netlink {

/// The `namespaces` option: its values and their resolution live in linux-proc, shared with
/// procnet.
using linuxproc::dumps_all_namespaces;
using linuxproc::NamespacesMode;
using linuxproc::parse_namespaces_mode;

/// Settings of the source (the plugin's options, plus the fault seam).
struct NetlinkSettings {
    std::string proc_root = "/proc";        ///< where procfs is mounted (owner lookup)
    bool destroy_events = true;             ///< subscribe to sock_diag destroy notifications
    std::int64_t rcvbuf = 4 * 1024 * 1024;  ///< SO_RCVBUF of the netlink sockets, bytes
    /// Trace connect() through tracefs so short connections get their owner.
    bool trace_connects = true;
    /// Which network namespaces to dump. The plugin's option defaults to `auto`; a source
    /// built directly (tests) sees only its own namespace unless it asks for more.
    NamespacesMode namespaces = NamespacesMode::Own;
    /// Most network namespaces enumerated (and so entered) at once.
    std::size_t max_namespaces = linuxproc::kMaxNetworkNamespaces;
    /// Test seam: collect() fails after this many successful collects (SSTOP_FAULT).
    std::optional<std::uint64_t> fail_after;
    /// Test seam: the tracer's capture thread sleeps this long before each read pass, as a
    /// starved thread would (SSTOP_FAULT `tracer_delay_ms=N`, at most 5000).
    std::chrono::milliseconds tracer_delay{0};
    /// Test seam: false leaves exit records as the only source of a gone owner's name.
    bool tracer_saved_cmdlines = true;
};

/// Reads the number of `key=N` from an SSTOP_FAULT value ("a|netlink_fail_after=3|b"), for
/// `key` = "netlink_fail_after" that gives 3. nullopt when absent or without digits.
std::optional<std::uint64_t> parse_fault_number(std::string_view fault, std::string_view key);

/// The source. Its code is split by concern: netlink_source.cpp (set-up, `collect` phase by
/// phase), netlink_dump.cpp, netlink_namespaces.cpp and socket_owners.cpp (who owns each
/// socket: owner map, connect tracer, cookies, listeners). Collector thread, except `capture_loop`
/// (capture thread, reads the connect tracer) and `wake` (any thread).
class NetlinkSource : public Source {
  public:
    /// Built by the plugin loader: options come from the context, SSTOP_FAULT from the env.
    explicit NetlinkSource(PluginContext& context);
    /// Built directly (tests).
    explicit NetlinkSource(NetlinkSettings settings);
    ~NetlinkSource() override;

    std::uint32_t capabilities() const override;
    /// Opens the sock_diag, destroy-group and rtnetlink sockets. Throws PluginUnavailable
    /// when sock_diag cannot be used.
    void open() override;
    CollectStatus collect(Sample& out) override;
    /// True while the connect tracer runs (tracefs instance set up by `open`).
    bool has_capture_loop() const override;
    /// Reads the tracer's trace_pipe until stopped.
    void capture_loop(const StopToken& stop) override;
    void wake() override;

    /// The connect tracer, nullptr when off or unavailable (tests).
    ConnectTracer* connect_tracer() { return tracer_.get(); }
    /// Dumps the interfaces (rtnetlink) into `out`, with the default-route marks; what `collect`
    /// does for interfaces, for a socket source that keeps its own socket list (source-ebpf).
    /// Returns a one-line problem when the list is missing or partial.
    std::optional<std::string> collect_interfaces(Sample& out);
    /// True when this source dumps every network namespace (`namespaces` resolved by open).
    bool dumps_all_namespaces() const { return all_namespaces_; }
    /// Other network namespaces it holds sock_diag sockets in now (tests).
    std::size_t entered_namespaces() const { return foreign_.size(); }

  private:
    /// One per live socket: its owner's ProcessId split in two fields (24 bytes, where a
    /// ProcessId with its padding and a 64-bit generation took 32).
    struct CookieEntry {
        std::uint64_t owner_start = 0;  ///< the owner's start time
        std::int32_t owner_pid = 0;     ///< the owner, 0 = not known
        std::uint32_t last_seen = 0;  ///< collect generation of the last dump listing it (mod 2^32)
        bool peer_fin = false;        ///< seen in a state after the peer's FIN
        ProcessId owner() const { return {owner_pid, owner_start}; }
        void set_owner(const ProcessId& id) {
            owner_pid = id.pid;
            owner_start = id.start_time;
        }
    };
    struct DumpResult {
        bool ok = true;
        std::string error;  ///< why it failed, when !ok
        bool interrupted = false;
    };

    /// Sockets of another network namespace, created inside it (they stay bound to it).
    struct ForeignNetns {
        MnlSocketPtr diag;
        MnlSocketPtr destroy;  ///< null when destroy events are off or unavailable there
        std::int64_t destroy_rcvbuf = 0;
    };

    // collect(), phase by phase.
    /// Destroy notifications since the last collect, of every namespace (entering new ones).
    std::vector<DiagRecord> drain_closed_sockets();
    // The live sockets go straight into the sample's socket list (`live`), each with its
    // byte counters taken from its tcp_info as it is parsed: no copy of every record is kept
    // between collects (at 20,000 sockets that copy was 4.5 MB of the idle RSS).
    /// TCP and UDP dumps of the own namespace; the failure status when the TCP dump failed.
    std::optional<CollectStatus> dump_own_namespace(std::vector<SocketObs>& live,
                                                    std::vector<std::string>& degraded);
    /// The same in the namespaces entered; a failure there only degrades the sample.
    void dump_other_namespaces(std::vector<SocketObs>& live, std::vector<std::string>& degraded);
    /// Ping and raw sockets from procfs, and the namespaces that could not be entered.
    void read_procfs_sockets(std::vector<SocketObs>& live);
    /// How many sockets the first collect should make room for, from /proc/net/sockstat{,6}.
    std::size_t first_dump_estimate() const;
    /// Finds the owners of the live sockets out.sockets[first_live..] and remembers them by
    /// cookie. False when the connect tracer had not caught up with `drain_ticket`.
    bool attribute_live(Sample& out, std::size_t first_live, std::uint64_t drain_ticket);
    /// Remembers the owner of each live socket by its cookie (and fills one in from there).
    void remember_cookie_owners(Sample& out, std::size_t first_live);
    /// Appends the closed records with their owners (cookie, tracer, listener), holding back
    /// those the tracer may still name.
    void add_closed_sockets(Sample& out, std::vector<DiagRecord>& closed, std::size_t first_live,
                            bool tracer_caught_up);
    /// The health counters.
    void append_counters(Sample& out) const;

    /// `reopen`: a socket that failed is replaced by a fresh one in the collector's own
    /// namespace — right for the own sockets, wrong for another namespace's (then it is reset).
    DumpResult dump(MnlSocketPtr& sock, int protocol, nlmsghdr* request,
                    const std::function<void(const nlmsghdr*)>& on_message, bool reopen = true);
    /// Appends the ping and raw sockets (and with `inet` TCP and UDP) of the namespace whose
    /// `/proc/<pid>` (or `/proc`) is `dir_fd`, from net/{tcp,udp,icmp,raw}{,6}, with `netns`.
    /// False (nothing appended) when its TCP table cannot be read.
    bool read_proc_sockets(int dir_fd, std::uint64_t netns, bool inet, std::vector<SocketObs>& out);
    /// Namespaces that cannot be entered (born after the privilege drop) read through
    /// `/proc/<pid>/net`, which needs no capability.
    void read_unreachable_namespaces(std::vector<SocketObs>& out);
    DumpResult dump_sockets(MnlSocketPtr& sock, std::uint64_t netns, std::uint8_t family,
                            std::uint8_t protocol, std::vector<SocketObs>& out,
                            std::uint32_t states = ~0u);
    void drain_destroy_events(MnlSocketPtr& sock, std::int64_t& rcvbuf, std::uint64_t netns,
                              std::vector<DiagRecord>& out);
    /// Opens sockets in the namespaces the enumerator found that are new, closes those of
    /// namespaces that are gone. `at_open`: still privileged, before the first collect.
    void sync_namespaces(bool at_open);
    /// Sets `default_route` on the interfaces a main-table default route leaves through.
    /// False when the IPv4 route dump failed.
    bool mark_default_routes(std::vector<InterfaceObs>& ifaces);
    void raise_destroy_rcvbuf(MnlSocketPtr& sock, std::int64_t& rcvbuf);
    void log(Notice::Level level, std::string_view message);
    void credit_short_connections(Sample& out, std::size_t first_live, std::size_t first_closed,
                                  std::set<ProcessId>& present);
    /// Moves the closed TCP records in out.sockets[first_closed..] that still have no owner
    /// to `deferred_` while the tracer has not caught up, unless they waited long enough.
    /// Those from `first_deferred` on are the ones `deferred_` held, in its order.
    void defer_unowned_closed(Sample& out, std::size_t first_closed, std::size_t first_deferred,
                              bool tracer_caught_up);

    /// A closed record held back for the tracer, with the collect generation it arrived in.
    struct Deferred {
        SocketObs obs;
        std::uint64_t since = 0;                     // generation first held
        std::chrono::steady_clock::time_point held;  // when first held
    };

    NetlinkSettings settings_;
    PluginContext* context_ = nullptr;
    // Declared before owners_, which holds a pointer to it.
    std::unique_ptr<linuxproc::NetnsEnumerator> netns_;
    std::optional<linuxproc::OwnerMap> owners_;
    std::unique_ptr<ConnectTracer> tracer_;
    MnlSocketPtr diag_;
    MnlSocketPtr destroy_;
    MnlSocketPtr route_;
    std::uint32_t seq_ = 0;
    std::vector<std::uint8_t> buffer_;
    std::size_t last_live_ = 0;  ///< live sockets of the last collect (room for the next)
    std::unordered_map<std::uint64_t, CookieEntry> cookies_;  ///< bounded by kMaxCookies
    std::map<ProcessId, ProcessInfo> last_processes_;         ///< owners seen last collect
    std::vector<Deferred> deferred_;                          ///< bounded by kMaxDeferred
    linuxproc::NetnsIdentity identity_;
    bool all_namespaces_ = false;
    std::map<std::uint64_t, ForeignNetns> foreign_;  ///< ⊆ netns_'s list: bounded by it
    std::set<std::uint64_t> unreachable_;            ///< ⊆ netns_'s list: bounded by it
    bool unreachable_noticed_ = false;
    std::uint64_t generation_ = 0;
    std::uint64_t successful_collects_ = 0;
    std::int64_t destroy_rcvbuf_ = 0;
    // Health counters, cumulative.
    std::uint64_t dump_retries_ = 0;
    std::uint64_t dump_interrupted_ = 0;
    std::uint64_t destroy_events_ = 0;
    std::uint64_t enobufs_ = 0;
    std::uint64_t malformed_ = 0;
    bool raw_diag_missing_ = false;
    std::string ping_buffer_;  ///< reused for /proc/net/{icmp,icmp6,raw,raw6}
    static constexpr std::size_t kMaxPingTableBytes =
        16u << 20;  ///< raw_diag failed once: raw sockets are not dumped
    std::uint64_t cookie_map_full_ = 0;
    std::uint64_t duplicates_ = 0;
    std::uint64_t tracer_matches_ = 0;
    std::uint64_t tracer_behind_ = 0;    ///< collects the tracer had not caught up by
    std::uint64_t tracer_deferred_ = 0;  ///< closed records held back for it
    std::uint64_t listener_matches_ = 0;
    std::uint64_t netns_unreachable_ = 0;  ///< namespaces that could not be entered
    std::uint64_t netns_via_proc_ = 0;     ///< of those, read through /proc/<pid>/net now
};

}  // namespace sstop::plugins::netlink
