#include <gtest/gtest.h>

#include <fstream>
#include <linuxproc/number.hpp>
#include <linuxproc/proc_parse.hpp>
#include <sstream>
#include <string>

namespace lp = sstop::plugins::linuxproc;

namespace {
std::string fixture(const std::string& name) {
    std::ifstream in(std::string(SSTOP_SOURCE_DIR) + "/plugins/linux-proc/tests/data/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
}  // namespace

TEST(ParseStat, ReadsRealStatFile) {
    auto stat = lp::parse_stat(fixture("stat_bash"));
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->comm, "bash");
    EXPECT_EQ(stat->state, 'S');
    EXPECT_EQ(stat->ppid, 2689);
    EXPECT_EQ(stat->start_time, 39506u);
    EXPECT_EQ(stat->flags, 4194560u);
    EXPECT_FALSE(stat->flags & lp::kPfExiting);
}

TEST(ParseStat, CommWithSpacesAndParenthesesEndsAtLastParenthesis) {
    auto stat = lp::parse_stat("1 (a) b (c)) S 7 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0\n");
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->comm, "a) b (c)");
    EXPECT_EQ(stat->state, 'S');
    EXPECT_EQ(stat->ppid, 7);
    EXPECT_EQ(stat->start_time, 4242u);
}

TEST(ParseStat, CommOfOddCharactersIsKept) {
    auto stat = lp::parse_stat("12 (a) b (c) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0");
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->comm, "a) b (c");
    EXPECT_EQ(stat->state, 'R');
    EXPECT_EQ(stat->start_time, 99u);
}

TEST(ParseStat, RejectsTruncatedOrGarbage) {
    EXPECT_FALSE(lp::parse_stat(""));
    EXPECT_FALSE(lp::parse_stat("1 (x) S 1 2 3"));            // ends before field 22
    EXPECT_FALSE(lp::parse_stat("1 x S 1 2 3 4 5 6 7 8 9"));  // no parentheses
    EXPECT_FALSE(lp::parse_stat("abc (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0"));
    EXPECT_FALSE(lp::parse_stat("1 (x) S z 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0"));
    EXPECT_FALSE(lp::parse_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5x 0"));
    EXPECT_FALSE(lp::parse_stat("1 (x) S 1 1 1 0 -1 -4 0 0 0 0 0 0 0 0 20 0 1 0 5 0"));  // flags
}

TEST(ParseSocketLink, ReadsInodeOfSocketLinksOnly) {
    EXPECT_EQ(lp::parse_socket_link("socket:[12345]"), 12345u);
    EXPECT_EQ(lp::parse_socket_link("socket:[18446744073709551615]"), 18446744073709551615ull);
    EXPECT_FALSE(lp::parse_socket_link("pipe:[12345]"));
    EXPECT_FALSE(lp::parse_socket_link("/dev/null"));
    EXPECT_FALSE(lp::parse_socket_link("anon_inode:[eventpoll]"));
    EXPECT_FALSE(lp::parse_socket_link("socket:[]"));
    EXPECT_FALSE(lp::parse_socket_link("socket:[12a]"));
    EXPECT_FALSE(lp::parse_socket_link("socket:[123"));
    EXPECT_FALSE(lp::parse_socket_link("socket:[99999999999999999999]"));  // overflows
}

TEST(ParseStatusUid, ReadsRealUid) {
    EXPECT_EQ(lp::parse_status_uid(fixture("status_bash")), 0u);
    EXPECT_EQ(lp::parse_status_uid("Name:\tx\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t5\n"),
              1000u);
    EXPECT_FALSE(lp::parse_status_uid("Name:\tx\nGid:\t5\n"));
    EXPECT_FALSE(lp::parse_status_uid("Uid:\tabc\n"));
}

TEST(JoinCmdline, JoinsArgumentsWithSpacesAndCaps) {
    using namespace std::string_literals;
    EXPECT_EQ(lp::join_cmdline("/usr/bin/python3\0-m\0http.server\0"s),
              "/usr/bin/python3 -m http.server");
    EXPECT_EQ(lp::join_cmdline(""), "");
    std::string long_arg(10000, 'x');
    EXPECT_EQ(lp::join_cmdline(long_arg).size(), lp::kMaxCmdline);
}

TEST(ParseUnsigned, AcceptsOnlyWholeInRangeNumbers) {
    EXPECT_EQ(lp::parse_unsigned<std::uint32_t>("0100007F", 16), 0x0100007Fu);
    EXPECT_EQ(lp::parse_unsigned<std::uint32_t>("ffffffff", 16), 0xffffffffu);
    EXPECT_FALSE(lp::parse_unsigned<std::uint32_t>("100000000", 16));  // overflows
    EXPECT_EQ(lp::parse_unsigned<std::uint64_t>("18446744073709551615"), UINT64_MAX);
    EXPECT_FALSE(lp::parse_unsigned<std::uint64_t>("18446744073709551616"));
    EXPECT_FALSE(lp::parse_unsigned<std::uint16_t>("7F", 10));  // hex digit in decimal
    EXPECT_FALSE(lp::parse_unsigned<std::uint16_t>("0x10", 16));
    EXPECT_FALSE(lp::parse_unsigned<std::uint16_t>("-1"));
    EXPECT_FALSE(lp::parse_unsigned<std::uint16_t>(""));
}

TEST(FormatDecimal, WritesNulTerminatedDigits) {
    char buf[24];
    EXPECT_EQ(lp::format_decimal(0, buf), 1u);
    EXPECT_STREQ(buf, "0");
    EXPECT_EQ(lp::format_decimal(4194304, buf), 7u);
    EXPECT_STREQ(buf, "4194304");
    EXPECT_EQ(lp::format_decimal(UINT64_MAX, buf), 20u);
    EXPECT_STREQ(buf, "18446744073709551615");
}

namespace {
// A real-looking 64-hex container id; its short form is the first 12 digits.
constexpr const char* kId = "3f4c2b1a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b";
constexpr const char* kShortId = "3f4c2b1a9e8d";

std::string id_line(const std::string& before, const std::string& after = "") {
    return "0::" + before + kId + after + "\n";
}
}  // namespace

TEST(ParseCgroup, SystemdServiceOnCgroupV2) {
    auto info = lp::parse_cgroup("0::/system.slice/nginx.service\n");
    EXPECT_EQ(info.path, "/system.slice/nginx.service");
    EXPECT_EQ(info.unit, "nginx.service");
    EXPECT_EQ(info.container, "");
}

TEST(ParseCgroup, InnermostScopeOfAUserSessionIsTheUnit) {
    auto info = lp::parse_cgroup(
        "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox-1234.scope\n");
    EXPECT_EQ(info.unit, "app-firefox-1234.scope");
    EXPECT_EQ(info.container, "");
    EXPECT_EQ(info.path,
              "/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox-1234.scope");
}

TEST(ParseCgroup, UnitNameIsUnescaped) {
    auto info = lp::parse_cgroup(
        "0::/system.slice/system-systemd\\x2dfsck.slice/"
        "systemd-fsck@dev-disk-by\\x2duuid-1234.service\n");
    EXPECT_EQ(info.unit, "systemd-fsck@dev-disk-by-uuid-1234.service");
    // The path stays as the kernel wrote it.
    EXPECT_NE(info.path.find("\\x2d"), std::string::npos);
}

TEST(ParseCgroup, DockerScopeIsAContainerNotAUnit) {
    auto info = lp::parse_cgroup(id_line("/system.slice/docker-", ".scope"));
    EXPECT_EQ(info.container, kShortId);
    EXPECT_EQ(info.unit, "");
    EXPECT_EQ(info.path, std::string("/system.slice/docker-") + kId + ".scope");
}

TEST(ParseCgroup, DockerWithCgroupfsDriver) {
    auto info = lp::parse_cgroup(id_line("/docker/"));
    EXPECT_EQ(info.container, kShortId);
    EXPECT_EQ(info.unit, "");
    // Not under /docker/: a 64-hex component alone is not a container.
    EXPECT_EQ(lp::parse_cgroup(id_line("/other/")).container, "");
    // Under /docker/ but not an id.
    EXPECT_EQ(lp::parse_cgroup("0::/docker/buildkit\n").container, "");
}

TEST(ParseCgroup, ServiceInsideAContainerIsItsUnit) {
    auto info =
        lp::parse_cgroup(id_line("/system.slice/docker-", ".scope/system.slice/sshd.service"));
    EXPECT_EQ(info.container, kShortId);
    EXPECT_EQ(info.unit, "sshd.service");
}

TEST(ParseCgroup, PodmanContainerButNotItsMonitor) {
    auto info = lp::parse_cgroup(id_line("/machine.slice/libpod-", ".scope/container"));
    EXPECT_EQ(info.container, kShortId);
    EXPECT_EQ(info.unit, "");
    // Rootless podman under the user's manager.
    auto rootless = lp::parse_cgroup(
        id_line("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-", ".scope"));
    EXPECT_EQ(rootless.container, kShortId);
    EXPECT_EQ(rootless.unit, "user@1000.service");
    // conmon watches the container from outside it.
    auto conmon = lp::parse_cgroup(id_line("/machine.slice/libpod-conmon-", ".scope"));
    EXPECT_EQ(conmon.container, "");
    EXPECT_EQ(conmon.unit, std::string("libpod-conmon-") + kId + ".scope");
}

TEST(ParseCgroup, ContainerdAndCrioScopes) {
    EXPECT_EQ(lp::parse_cgroup(id_line("/system.slice/cri-containerd-", ".scope")).container,
              kShortId);
    EXPECT_EQ(lp::parse_cgroup(id_line("/machine.slice/crio-", ".scope")).container, kShortId);
    EXPECT_EQ(lp::parse_cgroup(id_line("/machine.slice/crio-conmon-", ".scope")).container, "");
}

TEST(ParseCgroup, KubernetesPods) {
    // systemd cgroup driver.
    auto systemd_driver = lp::parse_cgroup(
        id_line("/kubepods.slice/kubepods-burstable.slice/"
                "kubepods-burstable-pod0a1b2c3d_4e5f_6789_abcd_ef0123456789.slice/cri-containerd-",
                ".scope"));
    EXPECT_EQ(systemd_driver.container, kShortId);
    EXPECT_EQ(systemd_driver.unit, "");
    // cgroupfs driver, cgroup v1.
    auto cgroupfs = lp::parse_cgroup(std::string("11:memory:/kubepods/burstable/"
                                                 "pod0a1b2c3d-4e5f-6789-abcd-ef0123456789/") +
                                     kId + "\n");
    EXPECT_EQ(cgroupfs.container, kShortId);
    // The pod's own cgroup (the pause container's parent) is not a container.
    EXPECT_EQ(lp::parse_cgroup("0::/kubepods/burstable/pod0a1b2c3d-4e5f\n").container, "");
}

TEST(ParseCgroup, LxcContainersByName) {
    auto payload = lp::parse_cgroup("0::/lxc.payload.web1/system.slice/nginx.service\n");
    EXPECT_EQ(payload.container, "web1");
    EXPECT_EQ(payload.unit, "nginx.service");
    EXPECT_EQ(lp::parse_cgroup("0::/lxc/db2\n").container, "db2");
    EXPECT_EQ(lp::parse_cgroup("0::/lxc.monitor.web1\n").container, "");
}

TEST(ParseCgroup, NspawnMachineNameIsUnescaped) {
    auto info = lp::parse_cgroup("0::/machine.slice/machine-debian\\x2dbookworm.scope/payload\n");
    EXPECT_EQ(info.container, "debian-bookworm");
    EXPECT_EQ(info.unit, "");
    EXPECT_EQ(lp::parse_cgroup("0::/machine.slice/machine-foo.slice\n").container, "");
}

TEST(ParseCgroup, CgroupV1OnlyUsesTheNameSystemdLine) {
    auto info = lp::parse_cgroup(
        "12:pids:/system.slice/cron.service\n"
        "11:memory:/system.slice/cron.service\n"
        "5:cpu,cpuacct:/\n"
        "1:name=systemd:/system.slice/ssh.service\n");
    EXPECT_EQ(info.path, "/system.slice/ssh.service");
    EXPECT_EQ(info.unit, "ssh.service");
}

TEST(ParseCgroup, HybridPrefersTheV2Line) {
    auto info = lp::parse_cgroup(
        "9:name=systemd:/system.slice/old.service\n"
        "4:memory:/system.slice/old.service\n"
        "0::/system.slice/new.service\n");
    EXPECT_EQ(info.path, "/system.slice/new.service");
    EXPECT_EQ(info.unit, "new.service");
}

TEST(ParseCgroup, HybridWithRootV2LineFallsBackToNameSystemd) {
    auto info = lp::parse_cgroup(
        "9:name=systemd:/system.slice/cron.service\n"
        "0::/\n");
    EXPECT_EQ(info.path, "/system.slice/cron.service");
    EXPECT_EQ(info.unit, "cron.service");
}

TEST(ParseCgroup, ContainerOnlyInV1ControllersIsFound) {
    auto info =
        lp::parse_cgroup(std::string("9:name=systemd:/\n4:memory:/docker/") + kId + "\n0::/\n");
    EXPECT_EQ(info.container, kShortId);
    EXPECT_EQ(info.path, "");
    EXPECT_EQ(info.unit, "");
}

TEST(ParseCgroup, WithoutV2OrSystemdUsesTheFirstLine) {
    auto info = lp::parse_cgroup("4:memory:/batch/job7.scope\n3:cpu:/\n");
    EXPECT_EQ(info.path, "/batch/job7.scope");
    EXPECT_EQ(info.unit, "job7.scope");
}

TEST(ParseCgroup, RootOrEmptyGivesNothing) {
    for (const char* text : {"", "0::/\n", "\n\n", "9:name=systemd:/\n0::/\n"}) {
        auto info = lp::parse_cgroup(text);
        EXPECT_EQ(info.path, "") << text;
        EXPECT_EQ(info.container, "") << text;
        EXPECT_EQ(info.unit, "") << text;
    }
}

TEST(ParseCgroup, DeletedCgroupMarkIsDropped) {
    auto info = lp::parse_cgroup("0::/system.slice/gone.service (deleted)\n");
    EXPECT_EQ(info.path, "/system.slice/gone.service");
    EXPECT_EQ(info.unit, "gone.service");
}

TEST(ParseCgroup, IgnoresMalformedLines) {
    auto info = lp::parse_cgroup(
        "garbage\n"
        "x::/system.slice/bad.service\n"      // hierarchy is not a number
        "0:/system.slice/bad.service\n"       // one colon
        "0::system.slice/relative.service\n"  // path not absolute
        "0::/system.slice/good.service\n");
    EXPECT_EQ(info.path, "/system.slice/good.service");
    EXPECT_EQ(info.unit, "good.service");
    auto none = lp::parse_cgroup(std::string("\0\xff:::\n::\n:\n", 10));
    EXPECT_EQ(none.path, "");
    EXPECT_EQ(none.unit, "");
    EXPECT_EQ(none.container, "");
}

TEST(ParseCgroup, EscapesThatDecodeToControlCharactersAreMasked) {
    auto info = lp::parse_cgroup("0::/system.slice/a\\x0ab\\x2.service\n");
    EXPECT_EQ(info.unit, "a?b\\x2.service");  // a cut escape is kept as written
}

TEST(ParseCgroup, VeryLongLinesAreParsed) {
    std::string deep;
    for (int i = 0; i < 2000; ++i) deep += "/level" + std::to_string(i) + ".slice";
    auto info = lp::parse_cgroup("0::" + deep + "/deep.service\n");
    EXPECT_EQ(info.unit, "deep.service");
    EXPECT_EQ(info.path.size(), deep.size() + 13);
    std::string huge_name(100000, 'a');
    auto huge = lp::parse_cgroup("0::/" + huge_name + "\n");
    EXPECT_EQ(huge.path.size(), huge_name.size() + 1);
    EXPECT_EQ(huge.unit, "");
    // A docker- prefix with far too long an "id" is not a container.
    auto fake = lp::parse_cgroup("0::/system.slice/docker-" + std::string(200, 'a') + ".scope\n");
    EXPECT_EQ(fake.container, "");
}

TEST(FindMountPoint, FirstMountOfTheTypeByItsTypeFieldNotItsDevice) {
    const char* mounts =
        "tracefs /mnt/x tmpfs rw 0 0\n"
        "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nsdelegate 0 0\n"
        "tracefs /sys/kernel/tracing tracefs rw 0 0\n"
        "tracefs /other tracefs rw 0 0";
    EXPECT_EQ(lp::find_mount_point(mounts, "tracefs"), "/sys/kernel/tracing");
    EXPECT_EQ(lp::find_mount_point(mounts, "cgroup2"), "/sys/fs/cgroup/unified");
    EXPECT_FALSE(lp::find_mount_point(mounts, "debugfs"));
    EXPECT_FALSE(lp::find_mount_point("", "tracefs"));
    EXPECT_FALSE(lp::find_mount_point("only-two fields\n\n", "fields"));
}

TEST(ParseSockstat, SumsTheInUseAndTimeWaitSocketsOfTcpAndUdp) {
    // Real /proc/net/sockstat and sockstat6 texts (kernel 6.18), concatenated.
    const char* text =
        "sockets: used 20041\n"
        "TCP: inuse 20003 orphan 0 tw 12 alloc 20005 mem 100\n"
        "UDP: inuse 4 mem 0\n"
        "UDPLITE: inuse 7\n"
        "RAW: inuse 9\n"
        "FRAG: inuse 0 memory 0\n"
        "TCP6: inuse 30\n"
        "UDP6: inuse 2\n"
        "UDPLITE6: inuse 0\n";
    EXPECT_EQ(lp::parse_sockstat_sockets(text), 20003u + 12 + 4 + 30 + 2);
    EXPECT_EQ(lp::parse_sockstat_sockets(""), 0u);
    EXPECT_EQ(lp::parse_sockstat_sockets("TCP: inuse\nUDP: inuse x\ngarbage"), 0u);
}
