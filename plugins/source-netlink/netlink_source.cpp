#include "netlink_source.hpp"

#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <linuxproc/file_io.hpp>
#include <linuxproc/proc_parse.hpp>

#include "netlink_socket.hpp"
#include "rtnl_link.hpp"
#include "rtnl_route.hpp"

// The source is spread over a few files by concern: this one (set-up, collect() phase by
// phase, interfaces, counters), netlink_dump.cpp (sock_diag dumps, destroy notifications),
// netlink_namespaces.cpp (other network namespaces, procfs-only sockets), socket_owners.cpp
// (who owns each socket) and netlink_socket.cpp (opening netlink sockets).

namespace sstop::plugins::netlink {
namespace {

constexpr std::size_t kMinBuffer = 32768;  // as iproute2; never below MNL_SOCKET_BUFFER_SIZE

}  // namespace

std::optional<std::uint64_t> parse_fault_number(std::string_view fault, std::string_view key) {
    for (std::size_t pos = fault.find(key); pos != std::string_view::npos;
         pos = fault.find(key, pos + 1)) {
        // Whole words only: "x_netlink_fail_after=1" is another fault.
        if (pos != 0 && fault[pos - 1] != '|') continue;
        std::size_t i = pos + key.size();
        if (i >= fault.size() || fault[i] != '=') continue;
        std::uint64_t n = 0;
        bool any = false;
        for (++i; i < fault.size() && fault[i] >= '0' && fault[i] <= '9'; ++i) {
            if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
            n = n * 10 + static_cast<std::uint64_t>(fault[i] - '0');
            any = true;
        }
        return any ? std::optional<std::uint64_t>(n) : std::nullopt;
    }
    return std::nullopt;
}

NetlinkSource::NetlinkSource(PluginContext& context) : context_(&context) {
    const Options& o = context.options();
    settings_.proc_root = o.get_string("proc_root");
    settings_.destroy_events = o.get_bool("destroy_events");
    settings_.rcvbuf = o.get_int("rcvbuf");
    settings_.trace_connects = o.get_bool("trace_connects");
    const std::string ns = o.get_string("namespaces");
    if (auto mode = parse_namespaces_mode(ns))
        settings_.namespaces = *mode;
    else
        throw PluginUnavailable("netlink: namespaces: '" + ns + "' is not one of auto, own, all");
    if (const char* fault = std::getenv("SSTOP_FAULT")) {
        settings_.fail_after = parse_fault_number(fault, "netlink_fail_after");
        if (auto ms = parse_fault_number(fault, "tracer_delay_ms"))
            settings_.tracer_delay = std::chrono::milliseconds(std::min<std::uint64_t>(*ms, 5000));
    }
}

NetlinkSource::NetlinkSource(NetlinkSettings settings) : settings_(std::move(settings)) {}

NetlinkSource::~NetlinkSource() = default;

std::uint32_t NetlinkSource::capabilities() const {
    return kProvidesSockets | kProvidesTcpBytes | kProvidesInterfaces | kProvidesOwners;
}

void NetlinkSource::log(Notice::Level level, std::string_view message) {
    if (context_) context_->log(level, message);
}

void NetlinkSource::open() {
    buffer_.resize(std::max<std::size_t>(kMinBuffer, MNL_SOCKET_BUFFER_SIZE));
    diag_ = open_socket(NETLINK_SOCK_DIAG, 0);
    if (!diag_)
        throw PluginUnavailable("netlink: sock_diag unavailable (inet_diag module missing?): " +
                                errno_text(errno));
    // Probe with a real TCP dump so a kernel without inet_diag is refused here, not later.
    // Listening sockets only: the kernel then skips its established hash, and the first
    // collect's dumps are not paid twice (the probe dumped every socket before).
    std::vector<SocketObs> probe;
    DumpResult r = dump_sockets(diag_, 0, AF_INET, IPPROTO_TCP, probe, 1u << TCP_LISTEN);
    if (!r.ok)
        throw PluginUnavailable("netlink: sock_diag unavailable (inet_diag module missing?): " +
                                r.error);
    route_ = open_socket(NETLINK_ROUTE, 0);
    if (!route_)
        log(Notice::Level::Warning, "netlink: rtnetlink unavailable: " + errno_text(errno));

    if (settings_.destroy_events) {
        destroy_ = open_destroy_socket(settings_.rcvbuf);
        if (!destroy_) {
            log(Notice::Level::Warning,
                "netlink: destroy notifications unavailable, short-lived connections may be "
                "missed: " +
                    errno_text(errno));
        } else {
            destroy_rcvbuf_ = settings_.rcvbuf;
        }
    }
    owners_.emplace(settings_.proc_root);
    identity_ = linuxproc::read_netns_identity(settings_.proc_root);
    all_namespaces_ = linuxproc::dumps_all_namespaces(settings_.namespaces, identity_);
    if (all_namespaces_) {
        // Every namespace that exists now is entered while open() still has CAP_SYS_ADMIN;
        // later passes ride on the owner map's listing of /proc, one stat per pid.
        netns_ = std::make_unique<linuxproc::NetnsEnumerator>(settings_.max_namespaces);
        netns_->scan(settings_.proc_root);
        owners_->track_namespaces(netns_.get());
        sync_namespaces(true);
    }
    if (settings_.trace_connects) {
        ConnectTracerSettings ts;
        ts.proc_root = settings_.proc_root;
        ts.read_delay = settings_.tracer_delay;
        ts.saved_cmdlines = settings_.tracer_saved_cmdlines;
        tracer_ = ConnectTracer::start(std::move(ts),
                                       [this](Notice::Level l, std::string_view m) { log(l, m); });
    }
}

bool NetlinkSource::has_capture_loop() const { return tracer_ && tracer_->running(); }

void NetlinkSource::capture_loop(const StopToken& stop) {
    if (tracer_) tracer_->run(stop);
}

void NetlinkSource::wake() {
    if (tracer_) tracer_->wake();
}

bool NetlinkSource::mark_default_routes(std::vector<InterfaceObs>& ifaces) {
    bool ok = true;
    for (std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
        alignas(nlmsghdr) std::uint8_t req_buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(rtmsg))];
        std::memset(req_buf, 0, sizeof req_buf);
        nlmsghdr* nlh = mnl_nlmsg_put_header(req_buf);
        nlh->nlmsg_type = RTM_GETROUTE;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
        rtm->rtm_family = family;
        rtm->rtm_table = RT_TABLE_MAIN;  // a hint only: the parser filters on the table
        // Marks in place, so nothing here grows with the size of the routing table.
        DumpResult r = dump(route_, NETLINK_ROUTE, nlh, [&](const nlmsghdr* m) {
            for (std::uint32_t index : parse_default_route_message(m)) {
                for (InterfaceObs& i : ifaces)
                    if (i.index == index) i.default_route = true;
            }
        });
        // A kernel without IPv6 refuses the AF_INET6 dump; that only means no IPv6 default.
        if (!r.ok && family == AF_INET) ok = false;
    }
    return ok;
}

std::optional<std::string> NetlinkSource::collect_interfaces(Sample& out) {
    if (!route_ && !(route_ = open_socket(NETLINK_ROUTE, 0)))
        return std::string("interfaces: rtnetlink unavailable");
    alignas(nlmsghdr) std::uint8_t req_buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(rtgenmsg))];
    std::memset(req_buf, 0, sizeof req_buf);
    nlmsghdr* nlh = mnl_nlmsg_put_header(req_buf);
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    auto* gen = static_cast<rtgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtgenmsg)));
    gen->rtgen_family = AF_UNSPEC;
    std::vector<InterfaceObs> ifaces;
    DumpResult r = dump(route_, NETLINK_ROUTE, nlh, [&](const nlmsghdr* m) {
        if (auto i = parse_link_message(m)) ifaces.push_back(std::move(*i));
    });
    if (!r.ok) return "interfaces: " + r.error;
    const bool routes_known = mark_default_routes(ifaces);
    out.has_interfaces = true;
    out.interfaces = std::move(ifaces);
    if (!routes_known) return std::string("default route unknown");
    return std::nullopt;
}

CollectStatus NetlinkSource::collect(Sample& out) {
    if (settings_.fail_after && successful_collects_ >= *settings_.fail_after)
        return {CollectStatus::Code::Failed, "netlink: failure injected by SSTOP_FAULT"};
    // diag_ itself may be null here after a failed reopen; dump() retries opening it.
    if (!owners_) return {CollectStatus::Code::Failed, "netlink: not open"};
    ++generation_;
    std::vector<std::string> degraded;

    // 1. What closed since the last collect, in every namespace.
    std::vector<DiagRecord> closed = drain_closed_sockets();
    // The SYN_SENT events of every socket closed so far are in the kernel's trace buffer now;
    // the tracer reads them while the dumps below run, and is waited for before matching.
    const std::uint64_t drain_ticket = tracer_ ? tracer_->request_drain() : 0;

    // 2. What is open now, straight into the sample: sock_diag here and in the namespaces
    // entered, then procfs. Room for as many as last time and a margin (the first time, as
    // many as the kernel counts), so the list is not regrown and faulted in twice over.
    std::vector<SocketObs>& live = out.sockets;
    const std::size_t first_live = live.size();
    const std::size_t expected = successful_collects_ ? last_live_ : first_dump_estimate();
    live.reserve(first_live + expected + expected / 8 + closed.size() + 64);
    if (auto failed = dump_own_namespace(live, degraded)) {
        live.resize(first_live);
        return *failed;
    }
    dump_other_namespaces(live, degraded);
    read_procfs_sockets(live);
    duplicates_ += drop_duplicate_cookies(live, first_live);
    last_live_ = live.size() - first_live;

    // 3. The owners of the live sockets, then the closed ones (socket_owners.cpp).
    out.has_sockets = true;
    const bool tracer_caught_up = attribute_live(out, first_live, drain_ticket);
    add_closed_sockets(out, closed, first_live, tracer_caught_up);

    // 4. Interfaces and health counters.
    if (auto problem = collect_interfaces(out)) degraded.push_back(*problem);
    append_counters(out);
    ++successful_collects_;
    if (degraded.empty()) return {};
    std::string msg = "netlink: ";
    for (std::size_t i = 0; i < degraded.size(); ++i) msg += (i ? "; " : "") + degraded[i];
    return {CollectStatus::Code::Degraded, msg};
}

std::size_t NetlinkSource::first_dump_estimate() const {
    // Grown from empty, 20,000 records (4 MiB) were copied and faulted in about twice over:
    // a tenth of the first cycle. The kernel's counts size it once instead.
    std::uint64_t estimate = 0;
    std::string text;
    for (const char* file : {"/net/sockstat", "/net/sockstat6"})
        if (linuxproc::read_at(AT_FDCWD, (settings_.proc_root + file).c_str(), text, 64 * 1024))
            estimate += linuxproc::parse_sockstat_sockets(text);
    // Bounded: a wrong count must not reserve gigabytes (untouched capacity costs no RSS).
    constexpr std::uint64_t kMaxReserve = 1u << 20;
    return static_cast<std::size_t>(std::min(estimate, kMaxReserve));
}

void NetlinkSource::append_counters(Sample& out) const {
    out.counters.push_back({"dump_retries", dump_retries_});
    out.counters.push_back({"dump_interrupted", dump_interrupted_});
    out.counters.push_back({"destroy_events", destroy_events_});
    out.counters.push_back({"enobufs", enobufs_});
    out.counters.push_back({"malformed", malformed_});
    out.counters.push_back({"cookie_map_full", cookie_map_full_});
    out.counters.push_back({"duplicates", duplicates_});
    const ConnectTracerStats ts = tracer_ ? tracer_->stats() : ConnectTracerStats{};
    out.counters.push_back({"tracer_events", ts.events});
    out.counters.push_back({"tracer_matches", tracer_matches_});
    out.counters.push_back({"tracer_behind", tracer_behind_});
    out.counters.push_back({"tracer_deferred", tracer_deferred_});
    out.counters.push_back({"tracer_evictions", ts.evictions});
    out.counters.push_back({"tracer_foreign", ts.foreign});
    out.counters.push_back({"tracer_exited", ts.exited});
    out.counters.push_back({"tracer_ambiguous", ts.ambiguous});
    out.counters.push_back({"tracer_lost", ts.lost});
    out.counters.push_back({"tracer_malformed", ts.malformed});
    out.counters.push_back({"listener_matches", listener_matches_});
    out.counters.push_back({"netns_active", foreign_.size()});
    out.counters.push_back({"netns_dropped", netns_ ? netns_->dropped() : 0});
    out.counters.push_back({"netns_unreachable", netns_unreachable_});
    out.counters.push_back({"netns_via_proc", netns_via_proc_});
}

}  // namespace sstop::plugins::netlink
