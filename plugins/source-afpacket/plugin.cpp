// Descriptor of the afpacket source: id, options schema, registration.
#include <sstop/plugin.hpp>

#include "afpacket_source.hpp"

namespace {
const sstop_option_v1 kOptions[] = {
    {"snaplen", SSTOP_OPTION_INT, "256", 64, 65535,
     "bytes of each packet copied to the ring (headers only; sizes come from the IP header)"},
    {"ring_size_mb", SSTOP_OPTION_INT, "2", 1, 256, "size of the capture ring in MiB"},
    {"max_flows", SSTOP_OPTION_INT, "65536", 1024, 4194304,
     "most flows tracked; packets of further flows only raise flow_table_full"},
    {"idle_timeout", SSTOP_OPTION_DURATION, "60s", 5, 3600,
     "a flow unseen for this long is forgotten"},
    {"interfaces", SSTOP_OPTION_STRING_LIST, "[]", 0, 0,
     "interface names to capture on; empty = all"},
};
}  // namespace

SSTOP_REGISTER_SOURCE(
    sstop::plugins::afpacket::AfpacketSource, "afpacket", "1.0.0",
    "per-flow payload bytes from an AF_PACKET TPACKET_V3 ring (needs CAP_NET_RAW)",
    sstop::option_list(kOptions))
