/* The records source-ebpf's kernel programs share with user space. Plain C: included by
 * sstop.bpf.c (clang -target bpf, with vmlinux.h) and by ebpf_source.cpp. */
#ifndef SSTOP_BPF_H
#define SSTOP_BPF_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SSTOP_COMM_LEN 16

/* One socket, keyed by its cookie in the `socks` map; when the socket is gone, its final
 * record (`closed`) stays there until user space has read it. */
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
    __u32 dirty_gen; /* generation in which the cookie was last queued as dirty */
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
    __u8 seen;       /* set by sstop_read once it has copied the record (the copy shows 0 the
                      * first time): user space has met this socket before */
    char comm[SSTOP_COMM_LEN];
};

/* One batched read of the records of changed sockets (the `sstop_read` program, run by user
 * space through BPF_PROG_RUN): user space writes the cookies to `want`, the program copies
 * each socket's record to `got` at the same index (cookie 0: no longer in the map). The map
 * holding it is mmapped, so an update reads any number of sockets in a few syscalls. */
#define SSTOP_READ_BATCH 256

struct sstop_read_batch {
    __u64 want[SSTOP_READ_BATCH];
    struct sstop_sock got[SSTOP_READ_BATCH];
};

/* The context of one run of `sstop_read`. */
struct sstop_read_args {
    __u32 count; /* cookies in `want` (at most SSTOP_READ_BATCH) */
    __u32 found; /* set by the program: records copied */
};

#endif
