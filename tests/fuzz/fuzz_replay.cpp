// Fuzz target: the recording decoders of sdk/include/sstop/recording.hpp (what the replay
// source reads from a file given in the config). Layout: the whole input is a recording file.
// Properties: nothing escapes; an error's offset lies inside the input (or just past it) and a
// cut input is reported as truncated only at its end; the stream reader and parse_recording
// agree on the ticks and the error; re-encoding the decoded ticks decodes to the same bytes.

#include <cstddef>
#include <cstdint>
#include <sstop/recording.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const sstop::ParsedRecording parsed = sstop::parse_recording(input);
    if (parsed.error) {
        SSTOP_FUZZ_CHECK(parsed.error->offset <= size);
        SSTOP_FUZZ_CHECK(!parsed.error->message.empty());
        for (char c : parsed.error->message) SSTOP_FUZZ_CHECK(c != '\n');
        if (parsed.error->truncated) SSTOP_FUZZ_CHECK(parsed.error->offset <= size);
    }

    // The stream reader sees the same file the same way.
    std::istringstream in{std::string(input)};
    sstop::RecordingReader reader(in);
    const auto header_error = reader.read_header();
    std::size_t ticks = 0;
    if (header_error) {
        SSTOP_FUZZ_CHECK(parsed.error && parsed.ticks.empty());
        SSTOP_FUZZ_CHECK(header_error->offset == parsed.error->offset);
    } else {
        sstop::RecordedTick tick;
        sstop::RecordingReader::Next next;
        while ((next = reader.next(tick)) == sstop::RecordingReader::Next::Tick) {
            SSTOP_FUZZ_CHECK(ticks < parsed.ticks.size());
            SSTOP_FUZZ_CHECK(tick.offset_ns == parsed.ticks[ticks].offset_ns);
            SSTOP_FUZZ_CHECK(tick.samples.size() == parsed.ticks[ticks].samples.size());
            ++ticks;
        }
        SSTOP_FUZZ_CHECK(ticks == parsed.ticks.size());
        SSTOP_FUZZ_CHECK((next == sstop::RecordingReader::Next::Error) == parsed.error.has_value());
        if (parsed.error) {
            SSTOP_FUZZ_CHECK(reader.error().offset == parsed.error->offset);
            SSTOP_FUZZ_CHECK(reader.error().truncated == parsed.error->truncated);
        }
    }

    // Decoded ticks re-encode to a recording that decodes to itself (the encoding of a decoded
    // tick is canonical).
    std::string again = sstop::recording_header();
    for (const auto& t : parsed.ticks) SSTOP_FUZZ_CHECK(sstop::encode_tick(t, again));
    const sstop::ParsedRecording reparsed = sstop::parse_recording(again);
    SSTOP_FUZZ_CHECK(!reparsed.error);
    SSTOP_FUZZ_CHECK(reparsed.ticks.size() == parsed.ticks.size());
    std::string third = sstop::recording_header();
    for (const auto& t : reparsed.ticks) SSTOP_FUZZ_CHECK(sstop::encode_tick(t, third));
    SSTOP_FUZZ_CHECK(third == again);
    return 0;
}
