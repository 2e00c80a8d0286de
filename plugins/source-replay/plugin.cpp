// Descriptor of the replay source plugin.
#include <sstop/plugin.hpp>

#include "replay_source.hpp"

using sstop::plugins::replay::ReplaySource;

namespace {
const sstop_option_v1 kOptions[] = {
    {"file", SSTOP_OPTION_STRING, "", 0, 0,
     "recording to replay, written by `sstop --record FILE` (required)"},
    {"speed", SSTOP_OPTION_DOUBLE, "1.0", 0, 1000,
     "replay speed: 1 = recorded pace, 2 = twice as fast; 0 = one recorded tick per update"},
    {"loop", SSTOP_OPTION_BOOL, "false", 0, 0,
     "start again from the first tick at the end instead of ending"},
};
}  // namespace

SSTOP_REGISTER_SOURCE(ReplaySource, "replay", "1.0.0",
                      "replays a recording made with --record through the same pipeline",
                      sstop::option_list(kOptions))
