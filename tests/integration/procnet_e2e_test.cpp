// The foundation end to end: in a namespace made here, processes with known TCP and UDP
// sockets (IPv4 and IPv6, listening and established); `sstop --json --sources procnet
// --count 2` must list each connection under the right pid, with the right addresses,
// states and listening ports. Also the headless edge cases: a closed stdout, a broken config.

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "netns.hpp"
#include "snapshot_json.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;

class ProcnetE2E : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
    }
};

bool has_socket(const json& proc, const std::string& proto, const std::string& local_suffix,
                const std::string& remote, const std::string& state) {
    for (const auto& s : proc["sockets"]) {
        std::string local = s["local"].is_null() ? "" : s["local"].get<std::string>();
        std::string rem = s["remote"].is_null() ? "" : s["remote"].get<std::string>();
        bool local_ok = local.size() >= local_suffix.size() &&
                        local.compare(local.size() - local_suffix.size(), local_suffix.size(),
                                      local_suffix) == 0;
        if (s["proto"] == proto && local_ok && rem == remote && s["state"] == state) return true;
    }
    return false;
}

std::string dump_process(const json* p) { return p ? p->dump(1) : std::string("(absent)"); }

TEST_F(ProcnetE2E, ListsEachConnectionUnderItsOwner) {
    NetnsPair net("pn");
    // Peer in namespace b: accepts TCP on 6001 (v4) and 6002 (v6), receives UDP on 6003.
    Child peer(net.b, "sst-peer", [](const auto& ready) {
        int l4 = tcp_listen(NetnsPair::kAddrB4, 6001);
        int l6 = tcp_listen(NetnsPair::kAddrB6, 6002);
        udp_bind(NetnsPair::kAddrB4, 6003);
        ready();
        tcp_accept(l4);
        tcp_accept(l6);
        pause();
    });
    // Server in namespace a: listens on 5001 (v4) and 5002 (v6), accepts one local client.
    Child server(net.a, "sst-server", [](const auto& ready) {
        int l4 = tcp_listen(NetnsPair::kAddrA4, 5001);
        tcp_listen(NetnsPair::kAddrA6, 5002);
        ready();
        tcp_accept(l4);
        pause();
    });
    // Client in namespace a: established connections over the veth (v4, v6), one to the local
    // server, a connected UDP socket and an unconnected one bound to 5003.
    Child client(net.a, "sst-client", [](const auto& ready) {
        tcp_connect(NetnsPair::kAddrB4, 6001);
        tcp_connect(NetnsPair::kAddrB6, 6002);
        tcp_connect(NetnsPair::kAddrA4, 5001);
        udp_connect(NetnsPair::kAddrB4, 6003);
        udp_bind("0.0.0.0", 5003);
        ready();
        pause();
    });

    auto snaps =
        run_sstop_json(net.a, {"--sources", "procnet", "--count", "2", "--interval", "200ms"});
    ASSERT_EQ(snaps.size(), 2u);
    const json& snap = snaps.back();
    EXPECT_EQ(snap["sources"], json::array({"procnet"}));
    EXPECT_EQ(snaps[0]["seq"].get<int>(), 1);
    EXPECT_EQ(snaps[1]["seq"].get<int>(), 2);

    const json* c = find_process(snap, client.pid());
    ASSERT_NE(c, nullptr) << snap.dump(1);
    EXPECT_EQ((*c)["name"], "sst-client");
    EXPECT_TRUE(has_socket(*c, "tcp", "", "10.77.0.2:6001", "ESTAB")) << dump_process(c);
    EXPECT_TRUE(has_socket(*c, "tcp", "", "[fd77::2]:6002", "ESTAB")) << dump_process(c);
    EXPECT_TRUE(has_socket(*c, "tcp", "", "10.77.0.1:5001", "ESTAB")) << dump_process(c);
    EXPECT_TRUE(has_socket(*c, "udp", "", "10.77.0.2:6003", "ESTAB")) << dump_process(c);
    EXPECT_TRUE(has_socket(*c, "udp", "0.0.0.0:5003", "", "UNCONN")) << dump_process(c);
    EXPECT_EQ((*c)["connections"].get<int>(), 4) << dump_process(c);

    const json* s = find_process(snap, server.pid());
    ASSERT_NE(s, nullptr) << snap.dump(1);
    EXPECT_EQ((*s)["name"], "sst-server");
    EXPECT_TRUE(has_socket(*s, "tcp", "10.77.0.1:5001", "", "LISTEN")) << dump_process(s);
    EXPECT_TRUE(has_socket(*s, "tcp", "[fd77::1]:5002", "", "LISTEN")) << dump_process(s);
    EXPECT_TRUE(has_socket(*s, "tcp", "10.77.0.1:5001", "", "ESTAB") || [&] {
        for (const auto& k : (*s)["sockets"])
            if (k["state"] == "ESTAB" && k["local"] == "10.77.0.1:5001") return true;
        return false;
    }()) << dump_process(s);
    EXPECT_EQ((*s)["connections"].get<int>(), 1) << dump_process(s);

    // The peer lives in another namespace: sstop in `a` must not see it.
    EXPECT_EQ(find_process(snap, peer.pid()), nullptr);

    auto has_listen = [&](const std::string& proto, const std::string& addr, int port, pid_t pid) {
        for (const auto& l : snap["listen_ports"])
            if (l["proto"] == proto && l["addr"] == addr && l["port"] == port && l["pid"] == pid)
                return true;
        return false;
    };
    EXPECT_TRUE(has_listen("tcp", "10.77.0.1", 5001, server.pid())) << snap["listen_ports"];
    EXPECT_TRUE(has_listen("tcp", "fd77::1", 5002, server.pid())) << snap["listen_ports"];
    EXPECT_TRUE(has_listen("udp", "0.0.0.0", 5003, client.pid())) << snap["listen_ports"];

    // Remote hosts: both addresses of the peer appear.
    bool v4 = false, v6 = false;
    for (const auto& h : snap["remote_hosts"]) {
        v4 |= h["addr"] == "10.77.0.2";
        v6 |= h["addr"] == "fd77::2";
    }
    EXPECT_TRUE(v4 && v6) << snap["remote_hosts"];

    // Interfaces come from /proc/net/dev of the namespace: lo and the veth end.
    bool lo = false;
    for (const auto& i : snap["interfaces"]) lo |= i["name"] == "lo";
    EXPECT_TRUE(lo) << snap["interfaces"];
}

TEST_F(ProcnetE2E, ClosedStdoutEndsQuietly) {
    Netns ns("pipe");
    int rc = 0;
    std::string err;
    std::string cmd = "ip netns exec " + ns.name() + " " + sstop_binary() +
                      " --json --sources procnet --interval 100ms | head -1 >/dev/null; "
                      "echo ${PIPESTATUS[0]}";
    std::string out = run_capture({"bash", "-c", cmd}, &rc, std::chrono::seconds(20), &err);
    ASSERT_EQ(rc, 0);
    int status = std::stoi(out);
    EXPECT_TRUE(status == 0 || status == 141) << "exit status " << status;
    EXPECT_EQ(err, "") << "stderr must stay quiet";
}

TEST(HeadlessErrors, BrokenConfigExitsTwoWithFileLineColumn) {
    std::string path = ::testing::TempDir() + "sstop-broken-" + std::to_string(getpid()) + ".yaml";
    {
        std::ofstream f(path);
        f << "# a config with a typo\ninterval: 1s\nsources: [procnet]\nintervl: 2s\n";
    }
    int rc = 0;
    std::string err;
    run_capture({sstop_binary(), "--config", path, "--json", "--once"}, &rc,
                std::chrono::seconds(10), &err);
    EXPECT_EQ(rc, 2);
    EXPECT_NE(err.find(path + ":4:1:"), std::string::npos) << err;
    EXPECT_NE(err.find("intervl"), std::string::npos) << err;
    std::remove(path.c_str());
}

TEST(HeadlessErrors, NoUsableSourceExitsThree) {
    int rc = 0;
    std::string err;
    run_capture({sstop_binary(), "--sources", "no-such-source", "--json", "--once"}, &rc,
                std::chrono::seconds(10), &err);
    EXPECT_EQ(rc, 3);
    EXPECT_NE(err.find("no-such-source"), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "one line: " << err;
}

TEST(HeadlessErrors, UsageErrorExitsTwo) {
    int rc = 0;
    std::string err;
    run_capture({sstop_binary(), "--interval", "20s"}, &rc, std::chrono::seconds(10), &err);
    EXPECT_EQ(rc, 2);
    EXPECT_NE(err.find("--interval"), std::string::npos) << err;
}

}  // namespace
}  // namespace sstop::testing
