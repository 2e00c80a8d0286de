// SPDX-License-Identifier: GPL-2.0-only
/* source-ebpf's kernel side: every inet socket of every cgroup and namespace, keyed by its
 * cookie, with its owner taken when it is created and its bytes counted as they pass.
 *
 *   cgroup/sock_create       owner (tgid, comm, uid, cgroup, netns, start time)
 *   cgroup_skb/egress|ingress bytes: TCP from tcp_sock's counters, others from skb->len
 *   raw_tp inet_sock_set_state TCP state; the final counters when a TCP socket reaches CLOSE
 *   cgroup/sock_release      the final record of other protocols (TCP: marks it released)
 *   syscall sstop_read       run by user space: copies the records of the cookies it asks for
 *
 * User space reads the sockets that changed: a packet queues its socket's cookie on the
 * `dirty` ring once per generation (user space bumps `generation` each update), so an idle
 * socket costs nothing; their records are copied by `sstop_read` in batches, a syscall per
 * SSTOP_READ_BATCH sockets. A socket that is gone stays in the map, marked closed and queued
 * like a changed one, until that read takes its final record and deletes it. A full ring is
 * counted, never silent: user space then walks the whole map. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

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
#define TCP_CLOSE_ 7
#define TCP_LISTEN_ 10

char LICENSE[] SEC("license") = "GPL";

/* Sizes are set by user space before loading (config keys). */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 65536);
    __type(key, __u64);
    __type(value, struct sstop_sock);
} socks SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} dirty SEC(".maps");

/* The batched read's cookies and records (mmapped by user space; one entry). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(map_flags, BPF_F_MMAPABLE);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct sstop_read_batch);
} batch SEC(".maps");

/* Written by user space (mmap of .bss), read here. */
__u32 generation = 1;
/* Health counters, read by user space. */
__u64 map_full = 0;     /* sockets not tracked: `socks` was full */
__u64 dirty_lost = 0;   /* dirty cookies not queued: ring full (user space walks the map) */

static __always_inline void mark_dirty(struct sstop_sock *s) {
    __u32 gen = generation;
    if (s->dirty_gen == gen) return;
    s->dirty_gen = gen;
    if (bpf_ringbuf_output(&dirty, &s->cookie, sizeof(s->cookie), 0) != 0)
        __sync_fetch_and_add(&dirty_lost, 1);
}

/* The socket is gone: its record is final. It is read with the changed sockets (already
 * queued this generation, it is read again in the next update as user space re-reads the
 * previous one's) and deleted by that read. */
static __always_inline void finish(struct sstop_sock *s) {
    s->closed = 1;
    mark_dirty(s);
}

static __always_inline void read_tcp_counters(struct sstop_sock *s, const struct sock *sk) {
    const struct tcp_sock *tp = (const struct tcp_sock *)sk;
    s->tcp_received = BPF_CORE_READ(tp, bytes_received);
    s->tcp_sent = BPF_CORE_READ(tp, bytes_sent);
    s->tcp_retrans = BPF_CORE_READ(tp, bytes_retrans);
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
    if (bpf_map_update_elem(&socks, &cookie, &s, BPF_NOEXIST) != 0) {
        __sync_fetch_and_add(&map_full, 1);
        return 1;
    }
    struct sstop_sock *e = bpf_map_lookup_elem(&socks, &cookie);
    if (e) mark_dirty(e);
    return 1;
}

SEC("cgroup/sock_release")
int sstop_sock_release(struct bpf_sock *ctx) {
    if (ctx->family != AF_INET && ctx->family != AF_INET6) return 1;
    __u64 cookie = bpf_get_socket_cookie(ctx);
    struct sstop_sock *e = bpf_map_lookup_elem(&socks, &cookie);
    if (!e) {
        /* Never sent a byte since sstop started: user space only needs to know it is gone. */
        struct sstop_sock gone = {};
        gone.cookie = cookie;
        gone.family = ctx->family;
        gone.protocol = ctx->protocol;
        gone.closed = 1;
        if (bpf_map_update_elem(&socks, &cookie, &gone, BPF_NOEXIST) != 0) {
            __sync_fetch_and_add(&map_full, 1);
            return 1;
        }
        e = bpf_map_lookup_elem(&socks, &cookie);
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

SEC("raw_tracepoint/inet_sock_set_state")
int sstop_tcp_state(struct bpf_raw_tracepoint_args *ctx) {
    const struct sock *sk = (const struct sock *)ctx->args[0];
    int newstate = (int)ctx->args[2];
    if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP_) return 0;
    __u64 cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
    if (cookie == 0) return 0; /* never seen by any hook of ours */
    struct sstop_sock *e = bpf_map_lookup_elem(&socks, &cookie);
    if (!e) return 0;
    e->state = newstate;
    read_tuple(e, sk);
    read_tcp_counters(e, sk);
    if (newstate == TCP_CLOSE_ && e->released) {
        finish(e);
        return 0;
    }
    mark_dirty(e);
    return 0;
}

/* Payload bytes of a packet of a socket of another protocol than TCP. */
static __always_inline __u64 payload_of(struct __sk_buff *skb, __u8 protocol) {
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
    struct sstop_sock *e = bpf_map_lookup_elem(&socks, &cookie);
    if (!e) {
        /* A socket sstop did not see created: accepted, or older than sstop. Its owner is
         * found in user space (inode, or the listener). */
        struct sstop_sock s = {};
        s.cookie = cookie;
        s.family = bsk->family;
        s.protocol = bsk->protocol;
        s.sock_type = bsk->type;
        if (bpf_map_update_elem(&socks, &cookie, &s, BPF_NOEXIST) != 0 &&
            bpf_map_lookup_elem(&socks, &cookie) == 0) {
            __sync_fetch_and_add(&map_full, 1);
            return 1;
        }
        e = bpf_map_lookup_elem(&socks, &cookie);
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
        __u64 n = payload_of(skb, e->protocol);
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

/* Run by user space (BPF_PROG_RUN) each update: copies the records of the cookies it wrote
 * to `batch.want` into `batch.got`, one syscall for up to SSTOP_READ_BATCH sockets instead
 * of one lookup each. A record is a plain copy, as a lookup from user space would be. A
 * final record (closed) is deleted once copied: user space has it. */
SEC("syscall")
int sstop_read(struct sstop_read_args *args) {
    __u32 zero = 0;
    struct sstop_read_batch *b = bpf_map_lookup_elem(&batch, &zero);
    if (!b) return 0;
    __u32 n = args->count;
    __u32 found = 0;
    for (__u32 i = 0; i < SSTOP_READ_BATCH; i++) {
        if (i >= n) break;
        __u64 cookie = b->want[i];
        struct sstop_sock *e = bpf_map_lookup_elem(&socks, &cookie);
        if (e) {
            __builtin_memcpy(&b->got[i], e, sizeof(*e));
            /* The element was freed and reused for another socket while being copied. */
            if (b->got[i].cookie == cookie) {
                if (b->got[i].closed) bpf_map_delete_elem(&socks, &cookie);
                found++;
                continue;
            }
        }
        b->got[i].cookie = 0;
    }
    args->found = found;
    return 0;
}
