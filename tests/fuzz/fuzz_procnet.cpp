// Fuzz target: the /proc text parsers of the procnet source and of linux-proc.
// Layout: byte 0 picks the parser, the rest is the file's text.
//   0-3  parse_proc_net for tcp, tcp6, udp, udp6     4  parse_proc_net_dev
//   5    parse_stat      6  parse_socket_link      7  parse_status_uid      8  join_cmdline
//   9    parse_cgroup
// Higher values wrap around (selector % 10).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "linuxproc/proc_parse.hpp"
#include "proc_net_parser.hpp"

namespace lp = sstop::plugins::linuxproc;
namespace pn = sstop::plugins::procnet;

namespace {

std::size_t count_lines(std::string_view text) {
    std::size_t n = 0;
    for (const char c : text) n += c == '\n' ? 1 : 0;
    return n + 1;
}

void check_proc_net(std::string_view text, sstop::Proto proto, sstop::Family family) {
    const pn::ProcNetParse r = pn::parse_proc_net(text, proto, family);
    SSTOP_FUZZ_CHECK(r.sockets.size() + r.malformed <= count_lines(text));
    for (const sstop::SocketObs& s : r.sockets) {
        SSTOP_FUZZ_CHECK(s.key.proto == proto);
        SSTOP_FUZZ_CHECK(!s.has_bytes);
        SSTOP_FUZZ_CHECK(s.key.local.addr.family == sstop::Family::V4 ||
                         s.key.local.addr.family == family);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 10) {
        case 0:
            check_proc_net(text, sstop::Proto::Tcp, sstop::Family::V4);
            break;
        case 1:
            check_proc_net(text, sstop::Proto::Tcp, sstop::Family::V6);
            break;
        case 2:
            check_proc_net(text, sstop::Proto::Udp, sstop::Family::V4);
            break;
        case 3:
            check_proc_net(text, sstop::Proto::Udp, sstop::Family::V6);
            break;
        case 4: {
            const pn::ProcNetDevParse r = pn::parse_proc_net_dev(text);
            SSTOP_FUZZ_CHECK(r.interfaces.size() + r.malformed <= count_lines(text));
            for (const sstop::InterfaceObs& i : r.interfaces) SSTOP_FUZZ_CHECK(!i.name.empty());
            break;
        }
        case 5:
            if (auto st = lp::parse_stat(text)) SSTOP_FUZZ_CHECK(st->comm.size() <= text.size());
            break;
        case 6:
            (void)lp::parse_socket_link(text);
            break;
        case 7:
            (void)lp::parse_status_uid(text);
            break;
        case 8: {
            const std::string line = lp::join_cmdline(text);
            SSTOP_FUZZ_CHECK(line.size() <= lp::kMaxCmdline);
            SSTOP_FUZZ_CHECK(line.find('\0') == std::string::npos);
            break;
        }
        default: {
            const lp::CgroupInfo info = lp::parse_cgroup(text);
            SSTOP_FUZZ_CHECK(info.path.size() <= text.size());
            SSTOP_FUZZ_CHECK(info.container.size() <= text.size());
            SSTOP_FUZZ_CHECK(info.unit.size() <= text.size());
            SSTOP_FUZZ_CHECK(info.path.find('\n') == std::string::npos);
            SSTOP_FUZZ_CHECK(info.unit.find('\n') == std::string::npos);
            SSTOP_FUZZ_CHECK(info.container.find('\n') == std::string::npos);
            break;
        }
    }
    return 0;
}
