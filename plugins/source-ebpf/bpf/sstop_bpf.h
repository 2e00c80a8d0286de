/* The records source-ebpf's kernel programs share with user space. Plain C: included by
 * sstop.bpf.c (clang -target bpf, with vmlinux.h) and by ebpf_source.cpp. */
#ifndef SSTOP_BPF_H
#define SSTOP_BPF_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SSTOP_COMM_LEN 16

/* One socket, in its slot of the `recs` array (which user space maps: it reads records in
 * place, with no syscall and no lookup); `socks` maps the socket's cookie to the slot. When
 * the socket is gone its final record (`closed`) stays in the slot until user space has read
 * it and given the slot back. */
struct sstop_sock {
    __u64 cookie;
    __u64 rx_bytes;     /* payload bytes received (protocols other than TCP) */
    __u64 tx_bytes;     /* payload bytes sent (protocols other than TCP) */
    __u64 tcp_received; /* tcp_sock.bytes_received (TCP; includes the peer's FIN) */
    __u64 tcp_sent;     /* tcp_sock.bytes_sent (TCP; includes retransmissions) */
    __u64 tcp_retrans;  /* tcp_sock.bytes_retrans (TCP) */
    __u64 start_ns;     /* the owner's start time, ns since boot (0: owner not known) */
    __u64 cgroup_id;    /* the owner's cgroup v2 id */
    __u64 inode;        /* socket inode, 0 until seen */
    __u32 tgid;         /* owner process (0: not known: accepted or older than sstop) */
    __u32 uid;
    __u32 netns;     /* network namespace inode of the owner (0: not known) */
    __u32 dirty_gen; /* generation in which the socket was last queued as dirty */
    __u32 slot;      /* this record's index in `recs` */
    __u32 laddr[4];  /* local address, network order (IPv4: laddr[0]) */
    __u32 raddr[4];  /* remote address, network order */
    __u16 lport;     /* local port, host order */
    __u16 rport;     /* remote port, host order */
    __u16 family;    /* AF_INET or AF_INET6 */
    __u8 protocol;   /* IP protocol */
    __u8 state;      /* TCP state (kernel numbering); 7 = CLOSE */
    __u8 released;   /* the owner closed it (TCP may still send what is queued) */
    __u8 closed;     /* final: the socket is gone */
    __u8 sock_type;  /* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, ... */
    __u8 seen;       /* set by user space once it has taken the record (its copy shows 0 the
                      * first time): user space has met this socket before */
    __u8 fin_in;     /* TCP: the peer's FIN arrived (it is in tcp_received, as one byte) */
    __u8 gone;       /* made at release for a socket with no record (idle since sstop
                      * started): it stays in `socks` for the socket's last state changes, and
                      * user space takes it out when it reads the record */
    char comm[SSTOP_COMM_LEN];
};

/* A notice on the `dirty` ring: this socket changed (or is gone); its record is in `slot`. */
struct sstop_dirty {
    __u64 cookie;
    __u32 slot;
    __u32 pad;
};

/* Slots user space gives back (records it has read final), pushed onto the free stack by the
 * `sstop_free` program, run through BPF_PROG_RUN: one syscall per SSTOP_FREE_BATCH slots. */
#define SSTOP_FREE_BATCH 1024

struct sstop_free_batch {
    __u32 slots[SSTOP_FREE_BATCH];
};

/* The context of one run of `sstop_free`. */
struct sstop_free_args {
    __u32 count;  /* slots in the batch (at most SSTOP_FREE_BATCH) */
    __u32 pushed; /* set by the program: slots pushed */
};

#endif
