// SPDX-License-Identifier: GPL-2.0-only
/* source-ebpf's kernel side: every inet socket of every cgroup and namespace, keyed by its
 * cookie, with its owner taken when it is created and its bytes counted by the syscalls
 * that move them. No program runs per packet.
 *
 *   cgroup/sock_create        owner (tgid, comm, uid, cgroup, netns, start time)
 *   tp_btf sock_send_length   bytes a send moved (sock_sendmsg: send*, write, sendfile,
 *   tp_btf sock_recv_length   splice into a socket, io_uring) or a receive consumed; TCP
 *                             from tcp_sock's counters, others from the syscall's length
 *   tp_btf tcp_rcv_space_adjust  TCP reads that bypass recvmsg (splice from a socket)
 *   sockops                   an accepted TCP socket's cookie and record
 *   raw_tp inet_sock_set_state TCP state; the final counters when a TCP socket reaches CLOSE
 *   cgroup/sock_release       the final record of other protocols (TCP: marks it released)
 *   cgroup_skb/egress|ingress instead of the tracepoints and sockops, on kernels without
 *                             them (before 6.3): bytes counted per packet
 *   syscall sstop_free        run by user space: gives slots back to the free stack
 *
 * Records live in the slots of `recs`, an array user space maps: it reads them in place. A
 * socket's slot comes off the `free_slots` stack when its record is made, and `socks` maps
 * its cookie to the slot. A syscall queues its socket's cookie and slot on the `dirty` ring
 * once per generation (user space bumps `generation` each update), so an idle socket costs
 * nothing, and a changed one costs user space a read of memory: no syscall, no lookup. A
 * socket that is gone leaves `socks`; its final record stays in the slot, queued like a
 * changed one, until user space has read it and given the slot back. A full ring is counted,
 * never silent: user space then walks `socks`, where a final record whose notice did not fit
 * stays until that walk. A stack hands out the slot freed last first, so the slots in use,
 * and the pages of `recs` user space touches, stay few as sockets come and go. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "sstop_bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_UDPLITE_ 136
#define IPPROTO_ICMP_ 1
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_SCTP_ 132
#define IPPROTO_RAW_ 255
#define SOCK_STREAM_ 1
#define SOCK_RAW_ 3
#define MSG_PEEK_ 0x2
#define MSG_ERRQUEUE_ 0x2000
#define PF_KTHREAD_ 0x00200000
#define TCP_CLOSE_ 7
#define TCP_ESTABLISHED_ 1
#define TCP_FIN_WAIT1_ 4
#define TCP_CLOSING_ 11
#define TCP_LAST_ACK_ 9
#define TCP_LISTEN_ 10

char LICENSE[] SEC("license") = "GPL";

/* Sizes are set by user space before loading (config keys: max_sockets for all three). The
 * records, mapped by user space; an array's memory is taken at load (152 bytes a slot). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(map_flags, BPF_F_MMAPABLE);
    __uint(max_entries, 65536);
    __type(key, __u32);
    __type(value, struct sstop_sock);
} recs SEC(".maps");

/* Cookie → slot of the sockets alive. Entries are allocated as sockets appear, not at load. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 65536);
    __type(key, __u64);
    __type(value, __u32);
} socks SEC(".maps");

/* Free slots: filled by user space before the programs attach, taken by the programs, given
 * back by user space (`sstop_free`) once it has read a final record. */
struct {
    __uint(type, BPF_MAP_TYPE_STACK);
    __uint(max_entries, 65536);
    __type(value, __u32);
} free_slots SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} dirty SEC(".maps");

/* The slots `sstop_free` gives back (mmapped by user space; one entry). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(map_flags, BPF_F_MMAPABLE);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct sstop_free_batch);
} free_batch SEC(".maps");

/* Set by user space before loading: bytes are counted per syscall (the tracepoints), not
 * per packet. */
const volatile __u8 per_syscall = 0;
/* Written by user space (mmap of .bss), read here. */
__u32 generation = 1;
/* Health counters, read by user space. */
__u64 map_full = 0;   /* sockets not tracked: every slot was in use (or `socks` was full) */
__u64 dirty_lost = 0; /* notices not queued: ring full (user space walks `socks`) */
__u64 cookieless = 0; /* bytes moved by inet sockets no hook or dump gave a cookie (not counted) */

static __always_inline struct sstop_sock *rec_at(__u32 slot) {
    return bpf_map_lookup_elem(&recs, &slot);
}

/* The record of a socket alive, or NULL. */
static __always_inline struct sstop_sock *find_rec(__u64 cookie) {
    __u32 *slot = bpf_map_lookup_elem(&socks, &cookie);
    if (!slot) return 0;
    struct sstop_sock *r = rec_at(*slot);
    if (!r || r->cookie != cookie) return 0;
    return r;
}

/* A new record, a copy of `init`, in a free slot; `indexed`: entered in `socks`. NULL when
 * no slot is free (counted). Another CPU may have made this socket's record meanwhile: that
 * one is returned, and the slot taken here goes back. */
static __always_inline struct sstop_sock *new_rec(const struct sstop_sock *init, int indexed) {
    __u32 slot = 0;
    if (bpf_map_pop_elem(&free_slots, &slot) != 0) {
        __sync_fetch_and_add(&map_full, 1);
        return 0;
    }
    struct sstop_sock *r = rec_at(slot);
    if (!r) return 0;
    __builtin_memcpy(r, init, sizeof(*r));
    r->slot = slot;
    if (!indexed) return r;
    __u64 cookie = init->cookie;
    if (bpf_map_update_elem(&socks, &cookie, &slot, BPF_NOEXIST) == 0) return r;
    r->cookie = 0;
    bpf_map_push_elem(&free_slots, &slot, 0);
    struct sstop_sock *e = find_rec(cookie);
    if (!e) __sync_fetch_and_add(&map_full, 1);
    return e;
}

/* Queues the socket's notice for this generation; false when the ring is full (counted, and
 * not marked: the next change tries again). */
static __always_inline int queue(struct sstop_sock *s, __u32 gen) {
    struct sstop_dirty d = {};
    d.cookie = s->cookie;
    d.slot = s->slot;
    if (bpf_ringbuf_output(&dirty, &d, sizeof(d), 0) != 0) {
        __sync_fetch_and_add(&dirty_lost, 1);
        return 0;
    }
    s->dirty_gen = gen;
    return 1;
}

static __always_inline void mark_dirty(struct sstop_sock *s) {
    __u32 gen = generation;
    if (s->dirty_gen != gen) queue(s, gen);
}

/* The socket is gone: its record is final. Its notice is queued (or was, this generation:
 * user space reads it again in the next update, as it re-reads the previous one's), and the
 * cookie leaves `socks`; the slot stays the record's until user space gives it back. With
 * the ring full the record stays in `socks` for the whole-map read. */
static __always_inline void finish(struct sstop_sock *s) {
    s->closed = 1;
    __u32 gen = generation;
    if (s->dirty_gen != gen && !queue(s, gen)) return;
    __u64 cookie = s->cookie;
    bpf_map_delete_elem(&socks, &cookie);
}

/* TCP's counters. Per packet, all three are tcp_sock's. Per syscall, the bytes sent are
 * counted by the sends themselves (what each wrote): read here, bytes_sent would lag by what
 * is queued, and adding the queue to it races with a transmit on another CPU, which moves
 * bytes_sent before snd_nxt. */
static __always_inline void read_tcp_counters(struct sstop_sock *s, const struct sock *sk) {
    const struct tcp_sock *tp = (const struct tcp_sock *)sk;
    s->tcp_received = BPF_CORE_READ(tp, bytes_received);
    if (per_syscall) return;
    s->tcp_sent = BPF_CORE_READ(tp, bytes_sent);
    s->tcp_retrans = BPF_CORE_READ(tp, bytes_retrans);
}

/* What a TCP socket first seen with its bytes already moving (older than sstop) had written
 * by then: sent once (bytes_sent without retransmissions), plus what waits in the queue
 * (write_seq past snd_nxt, without our FIN once close() queued it). From there its sends
 * add what they write, so the figure is netlink's once the queue drains. */
static __always_inline __u64 tcp_written(const struct sock *sk) {
    const struct tcp_sock *tp = (const struct tcp_sock *)sk;
    __u64 sent = BPF_CORE_READ(tp, bytes_sent);
    __u64 retrans = BPF_CORE_READ(tp, bytes_retrans);
    __u32 queued = BPF_CORE_READ(tp, write_seq) - BPF_CORE_READ(tp, snd_nxt);
    __u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
    if (queued > (1u << 30)) queued = 0; /* not a queue: sequence numbers not set up */
    if (queued && (state == TCP_FIN_WAIT1_ || state == TCP_CLOSING_ || state == TCP_LAST_ACK_))
        queued--;
    return (sent > retrans ? sent - retrans : 0) + queued;
}

/* The socket's inode (0 while no struct socket holds it: accepted, not yet by accept()).
 * The inode is allocated with the socket, before any file: valid from sock_create on. */
static __always_inline __u64 inode_of(const struct sock *sk) {
    struct socket *sock = BPF_CORE_READ(sk, sk_socket);
    if (!sock) return 0;
    struct socket_alloc *sa = container_of(sock, struct socket_alloc, socket);
    return BPF_CORE_READ(sa, vfs_inode.i_ino);
}

static __always_inline void read_tuple(struct sstop_sock *s, const struct sock *sk) {
    /* Accepted and older sockets had no sock_create here: their namespace comes from the sock. */
    if (s->netns == 0) s->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
    s->family = BPF_CORE_READ(sk, __sk_common.skc_family);
    /* At CLOSE the port is already released (inet_put_port zeroes it before the state
     * changes): the tuple the socket had stays, so its flows still find it. */
    __u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
    if (lport == 0 && s->lport != 0) return;
    s->lport = lport;
    s->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
    if (s->family == AF_INET6) {
        BPF_CORE_READ_INTO(&s->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32);
        BPF_CORE_READ_INTO(&s->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr32);
    } else {
        s->laddr[0] = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
        s->raddr[0] = BPF_CORE_READ(sk, __sk_common.skc_daddr);
    }
}

/* A record for a socket sstop did not see created (accepted, or older than sstop), or NULL
 * when the map is full (counted). */
static __always_inline struct sstop_sock *record_of(const struct sock *sk, __u64 cookie,
                                                    __u16 family, int *created) {
    struct sstop_sock *e = find_rec(cookie);
    if (e) return e;
    *created = 1;
    struct sstop_sock s = {};
    s.cookie = cookie;
    s.family = family;
    s.protocol = BPF_CORE_READ(sk, sk_protocol);
    s.sock_type = BPF_CORE_READ(sk, sk_type);
    s.state = BPF_CORE_READ(sk, __sk_common.skc_state);
    if (per_syscall && s.protocol == IPPROTO_TCP_) s.tcp_sent = tcp_written(sk);
    return new_rec(&s, 1);
}

SEC("cgroup/sock_create")
int sstop_sock_create(struct bpf_sock *ctx) {
    if (ctx->family != AF_INET && ctx->family != AF_INET6) return 1;
    __u64 cookie = bpf_get_socket_cookie(ctx);
    struct sstop_sock s = {};
    s.cookie = cookie;
    s.family = ctx->family;
    s.protocol = ctx->protocol;
    s.sock_type = ctx->type;
    s.state = TCP_CLOSE_;
    s.tgid = bpf_get_current_pid_tgid() >> 32;
    s.uid = (__u32)bpf_get_current_uid_gid();
    s.cgroup_id = bpf_get_current_cgroup_id();
    bpf_get_current_comm(s.comm, sizeof(s.comm));
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    s.start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
    s.netns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
    struct sstop_sock *e = new_rec(&s, 1);
    if (e) mark_dirty(e);
    return 1;
}

SEC("cgroup/sock_release")
int sstop_sock_release(struct bpf_sock *ctx) {
    if (ctx->family != AF_INET && ctx->family != AF_INET6) return 1;
    __u64 cookie = bpf_get_socket_cookie(ctx);
    struct sstop_sock *e = find_rec(cookie);
    if (!e) {
        /* Never sent a byte since sstop started: user space only needs to know it is gone.
         * Its record stays in `socks`, so that a TCP socket's last state changes (FIN_WAIT1
         * comes right after this) update it rather than make a new one; user space takes
         * it out when it reads it. */
        struct sstop_sock gone = {};
        gone.cookie = cookie;
        gone.family = ctx->family;
        gone.protocol = ctx->protocol;
        gone.closed = 1;
        gone.gone = 1;
        e = new_rec(&gone, 1);
        if (e) mark_dirty(e);
        return 1;
    }
    e->released = 1;
    /* TCP goes on sending what is queued after close(): its final counters come with CLOSE. */
    if (e->protocol == IPPROTO_TCP_ && ctx->state != TCP_CLOSE_) {
        mark_dirty(e);
        return 1;
    }
    finish(e);
    return 1;
}

/* Older kernels keep the socket's flags in struct sock itself (`sk_flags`), newer ones in
 * sock_common (`skc_flags`, which `sk_flags` names). */
struct sock___old {
    unsigned long sk_flags;
} __attribute__((preserve_access_index));

static __always_inline __u64 sock_flags_of(const struct sock *sk) {
    if (bpf_core_field_exists(sk->__sk_common.skc_flags))
        return BPF_CORE_READ(sk, __sk_common.skc_flags);
    const struct sock___old *old = (const void *)sk;
    return BPF_CORE_READ(old, sk_flags);
}

SEC("raw_tracepoint/inet_sock_set_state")
int sstop_tcp_state(struct bpf_raw_tracepoint_args *ctx) {
    const struct sock *sk = (const struct sock *)ctx->args[0];
    int newstate = (int)ctx->args[2];
    if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP_) return 0;
    __u64 cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
    if (cookie == 0) return 0; /* never seen by any hook of ours, nor dumped */
    /* A socket no process holds (sk_socket is cleared when its owner closes it; an accepted
     * socket has none before accept()) gets no new record: it is gone, and was told so by
     * sock_release, or its record was made when it was established. A record made now would
     * carry its whole life's bytes a second time. At CLOSE such a socket will not be
     * released: its record is final here, so neither it nor its slot stays behind. */
    const int orphan = BPF_CORE_READ(sk, sk_socket) == 0;
    int created = 0;
    struct sstop_sock *e =
        orphan ? find_rec(cookie)
               : record_of(sk, cookie, BPF_CORE_READ(sk, __sk_common.skc_family), &created);
    if (!e) return 0;
    /* A socket idle since sstop started, closed: what it wrote in its life, as a record made
     * for it would start from, so its final agrees with its listing at start. */
    if (e->gone && per_syscall && e->tcp_sent == 0) e->tcp_sent = tcp_written(sk);
    e->state = newstate;
    read_tuple(e, sk);
    /* The peer's FIN moves the state (CLOSE_WAIT, CLOSING, or CLOSE from FIN_WAIT2), and
     * tcp_fin() marks the socket done before: from here on tcp_received counts it. A final
     * record in CLOSE cannot tell by its state whether it came (a reset does not). */
    if ((sock_flags_of(sk) >> bpf_core_enum_value(enum sock_flags, SOCK_DONE)) & 1) e->fin_in = 1;
    read_tcp_counters(e, sk);
    if (newstate == TCP_CLOSE_ && (orphan || e->released)) {
        finish(e);
        return 0;
    }
    mark_dirty(e);
    return 0;
}

/* A socket sstop did not see created has no owner yet: the process moving its bytes is it
 * (an accepted socket's first read or write comes after accept()). Kernel threads' sockets
 * are left to user space. */
static __always_inline void adopt(struct sstop_sock *e) {
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    if (BPF_CORE_READ(task, flags) & PF_KTHREAD_) return;
    e->uid = (__u32)bpf_get_current_uid_gid();
    e->cgroup_id = bpf_get_current_cgroup_id();
    BPF_CORE_READ_STR_INTO(&e->comm, task, group_leader, comm);
    e->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
    e->tgid = bpf_get_current_pid_tgid() >> 32;
}

/* Bytes of one datagram (or stream chunk) a syscall moved, without the headers the socket
 * hands to the process: a ping or raw ICMP socket's 8-byte ICMP header, and on receive the
 * IPv4 header a raw IPv4 socket gets (IPPROTO_RAW sends it too). */
static __always_inline __u64 payload_of(const struct sstop_sock *e, __u64 len, int tx) {
    __u64 hdr = 0;
    if (e->protocol == IPPROTO_ICMP_ || e->protocol == IPPROTO_ICMPV6_) hdr = 8;
    if (e->sock_type == SOCK_RAW_ && e->family == AF_INET && (!tx || e->protocol == IPPROTO_RAW_))
        hdr += 20;
    return len > hdr ? len - hdr : 0;
}

/* One send or receive syscall's bytes (the sock_send_length / sock_recv_length tracepoints:
 * sock_sendmsg and sock_recvmsg, which sendmsg, sendmmsg, write, sendfile, splice into a
 * socket and io_uring all reach). Per call, not per packet: a socket's traffic costs its
 * syscalls, and the packet path runs no program at all. */
static __always_inline int on_io(struct sock *sk, int ret, int flags, int tx) {
    if (ret <= 0) return 0;
    if (!tx && (flags & (MSG_PEEK_ | MSG_ERRQUEUE_))) return 0; /* nothing consumed */
    /* A BTF tracepoint: the socket is read in place, no helper call per field. */
    __u16 family = sk->__sk_common.skc_family;
    if (family != AF_INET && family != AF_INET6) return 0;
    __u64 cookie = sk->__sk_common.skc_cookie.counter;
    /* No hook of ours and no dump ever named this socket (sock_diag gives every socket it
     * lists a cookie; so do sock_create and the TCP sockops program): a ping or raw socket
     * older than sstop. The helper gives it one now, as SO_COOKIE would. */
    if (cookie == 0) cookie = bpf_get_socket_cookie(sk);
    if (cookie == 0) {
        __sync_fetch_and_add(&cookieless, ret);
        return 0;
    }
    int created = 0;
    struct sstop_sock *e = record_of(sk, cookie, family, &created);
    if (!e) return 0;
    if (e->tgid == 0) adopt(e);
    if (e->protocol == IPPROTO_TCP_) {
        if (e->inode == 0) e->inode = inode_of(sk);
        if (e->lport == 0 || e->rport == 0) read_tuple(e, sk);
        e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
        /* A record made just now started from what was written, this send included. */
        if (tx && !created) __sync_fetch_and_add(&e->tcp_sent, ret);
        read_tcp_counters(e, sk);
    } else {
        __u64 n = payload_of(e, (__u64)ret, tx);
        if (tx)
            __sync_fetch_and_add(&e->tx_bytes, n);
        else
            __sync_fetch_and_add(&e->rx_bytes, n);
        /* The tuple and state once an update: a datagram socket may connect or bind later. */
        if (e->dirty_gen != generation) {
            if (e->inode == 0) e->inode = inode_of(sk);
            e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
            read_tuple(e, sk);
        }
    }
    mark_dirty(e);
    return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sstop_send, struct sock *sk, int ret, int flags) { return on_io(sk, ret, flags, 1); }

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sstop_recv, struct sock *sk, int ret, int flags) { return on_io(sk, ret, flags, 0); }

/* A TCP read that bypasses recvmsg (splice from a socket: tcp_read_sock) still adjusts the
 * receive space: the counters are read there too. Called from recvmsg as well, harmlessly. */
SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(sstop_tcp_read, struct sock *sk) {
    __u64 cookie = sk->__sk_common.skc_cookie.counter;
    if (cookie == 0) return 0;
    struct sstop_sock *e = find_rec(cookie);
    if (!e) return 0;
    read_tcp_counters(e, sk);
    mark_dirty(e);
    return 0;
}

/* An accepted TCP socket is born in softirq context, with no cookie and no sock_create: the
 * established callback gives it its cookie (bpf_get_socket_cookie makes one), so the
 * tracepoints above can find it, and its record. */
SEC("sockops")
int sstop_sockops(struct bpf_sock_ops *ctx) {
    if (ctx->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB &&
        ctx->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB)
        return 1;
    if (ctx->family != AF_INET && ctx->family != AF_INET6) return 1;
    __u64 cookie = bpf_get_socket_cookie(ctx);
    if (find_rec(cookie)) return 1;
    struct sstop_sock s = {};
    s.cookie = cookie;
    s.family = ctx->family;
    s.protocol = IPPROTO_TCP_;
    s.sock_type = SOCK_STREAM_;
    s.state = ctx->state;
    new_rec(&s, 1);
    return 1;
}

/* The per-packet hooks, for kernels without the syscall tracepoints (before 6.3): the same
 * records, counted as packets pass the cgroup's egress and ingress. */

/* Payload bytes of a packet of a socket of another protocol than TCP. */
static __always_inline __u64 packet_payload(struct __sk_buff *skb, __u8 protocol) {
    __u64 len = skb->len;
    __u64 hdr;
    if (skb->protocol == bpf_htons(ETH_P_IP)) {
        /* The IP header's first byte, read in place when it is in the linear data (always,
         * for a locally built packet); the helper copy only when it is not. */
        const __u8 *data = (const __u8 *)(long)skb->data;
        const __u8 *end = (const __u8 *)(long)skb->data_end;
        __u8 vihl = 0;
        if (data + 1 <= end)
            vihl = data[0];
        else if (bpf_skb_load_bytes(skb, 0, &vihl, 1) != 0)
            return 0;
        hdr = (vihl & 0x0f) * 4;
    } else {
        hdr = 40;
    }
    switch (protocol) {
        case IPPROTO_UDP_:
        case IPPROTO_UDPLITE_:
        case IPPROTO_ICMP_:
        case IPPROTO_ICMPV6_:
            hdr += 8;
            break;
        case IPPROTO_SCTP_:
            hdr += 12;
            break;
        default:
            break; /* raw IP: everything after the IP header */
    }
    return len > hdr ? len - hdr : 0;
}

static __always_inline int on_packet(struct __sk_buff *skb, int egress) {
    struct bpf_sock *bsk = skb->sk;
    if (!bsk) return 1;
    bsk = bpf_sk_fullsock(bsk);
    if (!bsk) return 1;
    if (bsk->family != AF_INET && bsk->family != AF_INET6) return 1;
    __u64 cookie = bpf_get_socket_cookie(skb);
    struct sstop_sock *e = find_rec(cookie);
    if (!e) {
        /* A socket sstop did not see created: accepted, or older than sstop. Its owner is
         * found in user space (inode, or the listener). */
        struct sstop_sock s = {};
        s.cookie = cookie;
        s.family = bsk->family;
        s.protocol = bsk->protocol;
        s.sock_type = bsk->type;
        e = new_rec(&s, 1);
        if (!e) return 1;
    }
    struct tcp_sock *tp = bpf_skc_to_tcp_sock(bsk);
    const struct sock *sk = (const struct sock *)tp;
    e->state = bsk->state;
    if (tp) {
        if (e->inode == 0) e->inode = inode_of(sk);
        /* A TCP socket's tuple is set once it has both ports (state changes re-read it in
         * the tracepoint): read here only until then, not on every packet. */
        if (e->lport == 0 || e->rport == 0) read_tuple(e, sk);
        read_tcp_counters(e, sk);
    } else {
        __u64 n = packet_payload(skb, e->protocol);
        if (egress)
            __sync_fetch_and_add(&e->tx_bytes, n);
        else
            __sync_fetch_and_add(&e->rx_bytes, n);
        e->lport = bsk->src_port;
        e->rport = bpf_ntohs(bsk->dst_port);
        if (bsk->family == AF_INET6) {
            e->laddr[0] = bsk->src_ip6[0];
            e->laddr[1] = bsk->src_ip6[1];
            e->laddr[2] = bsk->src_ip6[2];
            e->laddr[3] = bsk->src_ip6[3];
            e->raddr[0] = bsk->dst_ip6[0];
            e->raddr[1] = bsk->dst_ip6[1];
            e->raddr[2] = bsk->dst_ip6[2];
            e->raddr[3] = bsk->dst_ip6[3];
        } else {
            e->laddr[0] = bsk->src_ip4;
            e->raddr[0] = bsk->dst_ip4;
        }
    }
    mark_dirty(e);
    return 1;
}

SEC("cgroup_skb/egress")
int sstop_egress(struct __sk_buff *skb) { return on_packet(skb, 1); }

SEC("cgroup_skb/ingress")
int sstop_ingress(struct __sk_buff *skb) { return on_packet(skb, 0); }

/* Run by user space (BPF_PROG_RUN): pushes the slots it wrote to `free_batch` back onto the
 * free stack, one syscall for up to SSTOP_FREE_BATCH of them. User space has read their
 * final records (and cleared their cookies, so a stale notice matches nothing). */
SEC("syscall")
int sstop_free(struct sstop_free_args *args) {
    __u32 zero = 0;
    struct sstop_free_batch *b = bpf_map_lookup_elem(&free_batch, &zero);
    if (!b) return 0;
    __u32 n = args->count;
    __u32 pushed = 0;
    for (__u32 i = 0; i < SSTOP_FREE_BATCH; i++) {
        if (i >= n) break;
        __u32 slot = b->slots[i];
        if (bpf_map_push_elem(&free_slots, &slot, 0) == 0) pushed++;
    }
    args->pushed = pushed;
    return 0;
}
