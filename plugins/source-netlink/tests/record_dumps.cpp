// Records raw netlink replies into tests/data/*.bin for the parser tests. Run once as root
// (it makes a private network namespace so the fixture holds only the sockets made here):
//   build/tests/netlink_record_dumps plugins/source-netlink/tests/data
// The sockets made here are what sock_diag_test.cpp asserts about; change both together.
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "sock_diag.hpp"

namespace {

[[noreturn]] void die(const char* what) {
    std::perror(what);
    std::exit(1);
}

void bring_lo_up() {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ifreq ifr{};
    std::strcpy(ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) die("SIOCGIFFLAGS");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) die("SIOCSIFFLAGS");
    close(fd);
}

void send_all(int fd, std::size_t n) {
    std::vector<char> buf(n, 'x');
    std::size_t done = 0;
    while (done < n) {
        ssize_t r = send(fd, buf.data() + done, n - done, 0);
        if (r <= 0) die("send");
        done += static_cast<std::size_t>(r);
    }
}

void recv_exact(int fd, std::size_t n) {
    std::vector<char> buf(n);
    std::size_t done = 0;
    while (done < n) {
        ssize_t r = recv(fd, buf.data() + done, n - done, 0);
        if (r <= 0) die("recv");
        done += static_cast<std::size_t>(r);
    }
}

/// A connection on `family` to `addr:port`; client sends `up`, server sends `down`.
/// Returns {client, accepted}; the listener stays open (leaked on purpose until exit).
std::pair<int, int> connection(int family, const char* addr, int port, std::size_t up,
                               std::size_t down) {
    sockaddr_storage ss{};
    socklen_t len;
    if (family == AF_INET) {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_port = htons(static_cast<std::uint16_t>(port));
        inet_pton(AF_INET, addr, &a->sin_addr);
        len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(static_cast<std::uint16_t>(port));
        inet_pton(AF_INET6, addr, &a->sin6_addr);
        len = sizeof *a;
    }
    int l = socket(family, SOCK_STREAM, 0);
    if (bind(l, reinterpret_cast<sockaddr*>(&ss), len) < 0) die("bind");
    if (listen(l, 4) < 0) die("listen");
    int c = socket(family, SOCK_STREAM, 0);
    if (connect(c, reinterpret_cast<sockaddr*>(&ss), len) < 0) die("connect");
    int a = accept(l, nullptr, nullptr);
    send_all(c, up);
    recv_exact(a, up);
    send_all(a, down);
    recv_exact(c, down);
    return {c, a};
}

void dump(int bus, nlmsghdr* req, const std::string& path) {
    mnl_socket* nl = mnl_socket_open(bus);
    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) die("mnl_socket");
    req->nlmsg_seq = 4242;
    if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) die("sendto");
    std::ofstream out(path, std::ios::binary);
    std::vector<char> buf(65536);
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl, buf.data(), buf.size());
        if (n <= 0) die("recvfrom");
        out.write(buf.data(), n);
        bool done = false;
        int left = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); mnl_nlmsg_ok(h, left);
             h = mnl_nlmsg_next(h, &left))
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) done = true;
        if (done) break;
    }
    mnl_socket_close(nl);
    std::printf("wrote %s\n", path.c_str());
}

void dump_diag(std::uint8_t family, std::uint8_t protocol, const std::string& path) {
    sstop::plugins::netlink::DumpRequest request =
        sstop::plugins::netlink::socket_dump_request(family, protocol);
    dump(NETLINK_SOCK_DIAG, &request.header, path);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <data-dir>\n", argv[0]);
        return 2;
    }
    std::string dir = argv[1];
    if (unshare(CLONE_NEWNET) < 0) die("unshare(CLONE_NEWNET) (needs root)");
    bring_lo_up();

    connection(AF_INET, "127.0.0.1", 5001, 1000, 2000);
    connection(AF_INET6, "::1", 5002, 3000, 4000);
    // CLOSE_WAIT on the server side: the client sends 500 bytes and its FIN.
    auto [c3, a3] = connection(AF_INET, "127.0.0.1", 5004, 500, 700);
    shutdown(c3, SHUT_WR);
    char eof;
    if (recv(a3, &eof, 1, 0) != 0) die("expected EOF");
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in ua{};
    ua.sin_family = AF_INET;
    ua.sin_port = htons(5003);
    inet_pton(AF_INET, "127.0.0.1", &ua.sin_addr);
    if (bind(u, reinterpret_cast<sockaddr*>(&ua), sizeof ua) < 0) die("bind udp");

    dump_diag(AF_INET, IPPROTO_TCP, dir + "/tcp4_dump.bin");
    dump_diag(AF_INET6, IPPROTO_TCP, dir + "/tcp6_dump.bin");
    dump_diag(AF_INET, IPPROTO_UDP, dir + "/udp4_dump.bin");

    alignas(nlmsghdr) char buf[256]{};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    auto* gen = static_cast<rtgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtgenmsg)));
    gen->rtgen_family = AF_UNSPEC;
    dump(NETLINK_ROUTE, nlh, dir + "/link_dump.bin");
    return 0;
}
