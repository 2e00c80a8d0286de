#pragma once
/// @file recording.hpp
/// The recording format: the sample stream of a run (what the sources gave the aggregator,
/// tick by tick), so that a replay goes through the same aggregator and gives the same
/// numbers. Header-only, so the host writes it and the replay plugin reads it without
/// sharing host code.
///
/// Layout (version 1):
/// - a text line `sstop-recording 1\n` (major version; a later minor may add `.N`);
/// - then one record per tick: the 4 bytes `TICK`, a `u32` body length (at most
///   `kMaxRecordBytes`), and the body:
///   `i64 unix_time_ns, i64 offset_ns, u32 sample_count, sample*`;
///   a sample is `str source, i64 taken_at_offset_ns, u8 flags (1 has_sockets,
///   2 has_interfaces, 4 incremental: its socket list holds only what changed, as
///   `kIncrementalSockets` says; readers before it ignore the bit)`, then `u32 n` and n items for
///   sockets, flows, interfaces, processes and counters, in that order (see the encode_* helpers
///   for each item's fields).
/// - integers are little-endian, fixed width; a `str` is a `u32` length (at most
///   `kMaxRecordString`) and that many bytes; every count is at most `kMaxRecordItems`.
///
/// Times: `offset_ns` and `taken_at_offset_ns` are steady-clock nanoseconds since the first
/// tick of the recording. `encode_tick` writes each `taken_at` as its time since the steady
/// clock's epoch, so a writer first sets it to `time_point{} + (taken_at - start)`; decoding
/// gives that back, and a replayer re-bases it on its own clock.
///
/// The decoders never throw on bad input: they return a `RecordingError` that says at which
/// byte offset of the file the problem is.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <istream>
#include <optional>
#include <sstop/model.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sstop {

/// Major version written and read; a file with a newer major is refused.
inline constexpr std::uint32_t kRecordingMajor = 1;
/// First word of the header line.
inline constexpr std::string_view kRecordingMagic = "sstop-recording";
/// Tag in front of each record, so a corrupt length is caught early.
inline constexpr std::string_view kRecordTag = "TICK";
/// Bound of one record's body, in bytes.
inline constexpr std::uint32_t kMaxRecordBytes = 64u * 1024 * 1024;
/// Bound of every count in a record (samples, sockets, flows, labels …).
inline constexpr std::uint32_t kMaxRecordItems = 1'000'000;
/// Bound of one string, in bytes.
inline constexpr std::uint32_t kMaxRecordString = 1024 * 1024;
/// Bound of the header line, in bytes.
inline constexpr std::size_t kMaxRecordingHeader = 64;
/// Bytes before each record's body: tag and length.
inline constexpr std::size_t kRecordPrefixBytes = 8;

/// One tick of a recording.
struct RecordedTick {
    std::int64_t unix_time_ns = 0;  ///< wall clock of the tick
    std::int64_t offset_ns = 0;     ///< steady-clock ns since the recording's first tick
    std::vector<Sample> samples;    ///< one per active source, as the aggregator got them
    /// Sources among `samples` whose socket lists are incremental (sample flag 4).
    std::vector<std::string> incremental_sources;
};

/// Why a recording could not be (fully) read.
struct RecordingError {
    std::uint64_t offset = 0;  ///< byte offset in the file where the problem is
    std::string message;       ///< one line, without the offset
    bool truncated = false;    ///< the file ends inside a record (a cut recording)
    /// "offset N: message".
    std::string describe() const { return "offset " + std::to_string(offset) + ": " + message; }
};

/// The header line of a recording written by this version.
inline std::string recording_header() {
    return std::string(kRecordingMagic) + " " + std::to_string(kRecordingMajor) + "\n";
}

namespace recording_detail {

inline void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }
inline void put_u16(std::string& out, std::uint16_t v) {
    for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void put_i64(std::string& out, std::int64_t v) {
    put_u64(out, static_cast<std::uint64_t>(v));
}
inline void put_str(std::string& out, std::string_view s) {
    // Longer strings are cut to the bound, so the writer never makes a record it would refuse.
    const std::size_t n = s.size() < kMaxRecordString ? s.size() : kMaxRecordString;
    put_u32(out, static_cast<std::uint32_t>(n));
    out.append(s.data(), n);
}
inline void put_count(std::string& out, std::size_t n) {
    put_u32(out, static_cast<std::uint32_t>(n < kMaxRecordItems ? n : kMaxRecordItems));
}
inline std::size_t capped(std::size_t n) { return n < kMaxRecordItems ? n : kMaxRecordItems; }

inline void put_endpoint(std::string& out, const Endpoint& e) {
    put_u8(out, static_cast<std::uint8_t>(e.addr.family));
    out.append(reinterpret_cast<const char*>(e.addr.bytes.data()), e.addr.bytes.size());
    put_u16(out, e.port);
}
inline void put_key(std::string& out, const SocketKey& k) {
    put_u8(out, static_cast<std::uint8_t>(k.proto));
    put_endpoint(out, k.local);
    put_endpoint(out, k.remote);
    put_u64(out, k.netns);
}

/// A bounds-checked little-endian cursor over one record's body.
class Cursor {
  public:
    Cursor(std::string_view data, std::uint64_t base) : data_(data), base_(base) {}

    bool ok() const { return !failed_; }
    bool at_end() const { return pos_ == data_.size(); }
    std::size_t remaining() const { return data_.size() - pos_; }
    const RecordingError& error() const { return error_; }

    void fail(std::string message) {
        if (failed_) return;
        failed_ = true;
        error_.offset = base_ + pos_;
        error_.message = std::move(message);
    }

    std::uint64_t uint(int bytes, const char* what) {
        if (failed_) return 0;
        if (remaining() < static_cast<std::size_t>(bytes)) {
            fail(std::string("record body ends inside ") + what);
            return 0;
        }
        std::uint64_t v = 0;
        for (int i = 0; i < bytes; ++i)
            v |= std::uint64_t{static_cast<unsigned char>(data_[pos_ + i])} << (8 * i);
        pos_ += static_cast<std::size_t>(bytes);
        return v;
    }
    std::uint8_t u8(const char* what) { return static_cast<std::uint8_t>(uint(1, what)); }
    std::uint16_t u16(const char* what) { return static_cast<std::uint16_t>(uint(2, what)); }
    std::uint32_t u32(const char* what) { return static_cast<std::uint32_t>(uint(4, what)); }
    std::uint64_t u64(const char* what) { return uint(8, what); }
    std::int64_t i64(const char* what) { return static_cast<std::int64_t>(uint(8, what)); }
    std::int32_t i32(const char* what) { return static_cast<std::int32_t>(u32(what)); }

    std::string str(const char* what) {
        const std::uint32_t n = u32(what);
        if (failed_) return {};
        if (n > kMaxRecordString) {
            fail(std::string(what) + ": string of " + std::to_string(n) + " bytes exceeds " +
                 std::to_string(kMaxRecordString));
            return {};
        }
        if (remaining() < n) {
            fail(std::string("record body ends inside ") + what);
            return {};
        }
        std::string s(data_.substr(pos_, n));
        pos_ += n;
        return s;
    }

    /// A count, bounded by kMaxRecordItems and by what the rest of the body can hold.
    std::uint32_t count(const char* what, std::size_t min_item_bytes) {
        const std::uint32_t n = u32(what);
        if (failed_) return 0;
        if (n > kMaxRecordItems) {
            fail(std::string(what) + ": " + std::to_string(n) + " items exceed " +
                 std::to_string(kMaxRecordItems));
            return 0;
        }
        if (std::uint64_t{n} * min_item_bytes > remaining()) {
            fail(std::string(what) + ": " + std::to_string(n) + " items cannot fit in " +
                 std::to_string(remaining()) + " remaining bytes");
            return 0;
        }
        return n;
    }

    void bytes(std::uint8_t* out, std::size_t n, const char* what) {
        if (failed_) return;
        if (remaining() < n) {
            fail(std::string("record body ends inside ") + what);
            return;
        }
        std::memcpy(out, data_.data() + pos_, n);
        pos_ += n;
    }

  private:
    std::string_view data_;
    std::uint64_t base_;
    std::size_t pos_ = 0;
    bool failed_ = false;
    RecordingError error_;
};

inline Family read_family(Cursor& c) {
    const std::uint8_t v = c.u8("address family");
    if (v != 0 && v != 4 && v != 6) c.fail("unknown address family " + std::to_string(v));
    return static_cast<Family>(v);
}
inline Endpoint read_endpoint(Cursor& c) {
    Endpoint e;
    e.addr.family = read_family(c);
    c.bytes(e.addr.bytes.data(), e.addr.bytes.size(), "address");
    e.port = c.u16("port");
    return e;
}
inline SocketKey read_key(Cursor& c) {
    SocketKey k;
    const std::uint8_t p = c.u8("protocol");
    // Since ABI 1.2 every value is a protocol (any IP protocol: a raw socket's, ICMP, SCTP).
    k.proto = static_cast<Proto>(p);
    k.local = read_endpoint(c);
    k.remote = read_endpoint(c);
    k.netns = c.u64("netns");
    return k;
}

// Smallest encodings, to refuse counts the body cannot hold before allocating.
inline constexpr std::size_t kKeyBytes = 1 + 2 * (1 + 16 + 2) + 8;
inline constexpr std::size_t kSocketBytes = kKeyBytes + 1 + 8 + 8 + 4 + 4 + 8 + 1 + 8 + 8;
inline constexpr std::size_t kFlowBytes = kKeyBytes + 4 * 8;
inline constexpr std::size_t kInterfaceBytes = 4 + 4 + 1 + 4 * 8;
inline constexpr std::size_t kProcessBytes = 4 + 8 + 4 + 4 + 5 * 4 + 4;
inline constexpr std::size_t kLabelBytes = 8;
inline constexpr std::size_t kCounterBytes = 4 + 8;
inline constexpr std::size_t kSampleBytes = 4 + 8 + 1 + 5 * 4;

}  // namespace recording_detail

/// Appends one record for `tick` to `out` (tag, length, body). Vectors longer than
/// `kMaxRecordItems` and strings longer than `kMaxRecordString` are cut to the bound. Returns
/// false (and appends nothing) when the body would exceed `kMaxRecordBytes`.
inline bool encode_tick(const RecordedTick& tick, std::string& out) {
    using namespace recording_detail;
    std::string b;
    put_i64(b, tick.unix_time_ns);
    put_i64(b, tick.offset_ns);
    put_count(b, tick.samples.size());
    for (std::size_t si = 0; si < capped(tick.samples.size()); ++si) {
        const Sample& s = tick.samples[si];
        put_str(b, s.source);
        put_i64(b,
                std::chrono::duration_cast<std::chrono::nanoseconds>(s.taken_at.time_since_epoch())
                    .count());
        const bool incremental =
            std::find(tick.incremental_sources.begin(), tick.incremental_sources.end(), s.source) !=
            tick.incremental_sources.end();
        put_u8(b, static_cast<std::uint8_t>((s.has_sockets ? 1 : 0) | (s.has_interfaces ? 2 : 0) |
                                            (incremental ? 4 : 0)));
        put_count(b, s.sockets.size());
        for (std::size_t i = 0; i < capped(s.sockets.size()); ++i) {
            const SocketObs& o = s.sockets[i];
            put_key(b, o.key);
            put_u8(b, static_cast<std::uint8_t>(o.state));
            put_u64(b, o.inode);
            put_u64(b, o.cookie);
            put_u32(b, o.uid);
            put_u32(b, static_cast<std::uint32_t>(o.owner.pid));
            put_u64(b, o.owner.start_time);
            put_u8(b, static_cast<std::uint8_t>((o.has_bytes ? 1 : 0) | (o.closed ? 2 : 0)));
            put_u64(b, o.rx_bytes);
            put_u64(b, o.tx_bytes);
        }
        put_count(b, s.flows.size());
        for (std::size_t i = 0; i < capped(s.flows.size()); ++i) {
            const FlowBytes& f = s.flows[i];
            put_key(b, f.key);
            put_u64(b, f.rx_bytes);
            put_u64(b, f.tx_bytes);
            put_u64(b, f.rx_packets);
            put_u64(b, f.tx_packets);
        }
        put_count(b, s.interfaces.size());
        for (std::size_t i = 0; i < capped(s.interfaces.size()); ++i) {
            const InterfaceObs& n = s.interfaces[i];
            put_str(b, n.name);
            put_u32(b, n.index);
            put_u8(b, static_cast<std::uint8_t>((n.up ? 1 : 0) | (n.default_route ? 2 : 0)));
            put_u64(b, n.rx_bytes);
            put_u64(b, n.tx_bytes);
            put_u64(b, n.rx_packets);
            put_u64(b, n.tx_packets);
        }
        put_count(b, s.processes.size());
        for (std::size_t i = 0; i < capped(s.processes.size()); ++i) {
            const ProcessInfo& p = s.processes[i];
            put_u32(b, static_cast<std::uint32_t>(p.id.pid));
            put_u64(b, p.id.start_time);
            put_u32(b, static_cast<std::uint32_t>(p.ppid));
            put_u32(b, p.uid);
            put_str(b, p.name);
            put_str(b, p.cmdline);
            put_str(b, p.cgroup);
            put_str(b, p.container);
            put_str(b, p.unit);
            put_count(b, p.labels.size());
            for (std::size_t l = 0; l < capped(p.labels.size()); ++l) {
                put_str(b, p.labels[l].key);
                put_str(b, p.labels[l].value);
            }
        }
        put_count(b, s.counters.size());
        for (std::size_t i = 0; i < capped(s.counters.size()); ++i) {
            put_str(b, s.counters[i].name);
            put_u64(b, s.counters[i].value);
        }
    }
    if (b.size() > kMaxRecordBytes) return false;
    out.append(kRecordTag);
    put_u32(out, static_cast<std::uint32_t>(b.size()));
    out += b;
    return true;
}

/// Checks the header line at the start of `data`. On success sets `consumed` to its length
/// and returns nothing; else the error (a newer major is refused by name).
inline std::optional<RecordingError> parse_recording_header(std::string_view data,
                                                            std::size_t& consumed) {
    const std::size_t nl = data.substr(0, kMaxRecordingHeader).find('\n');
    if (nl == std::string_view::npos) {
        const bool prefix = data.size() < kMaxRecordingHeader &&
                            std::string_view(kRecordingMagic).substr(0, data.size()) ==
                                data.substr(0, kRecordingMagic.size());
        // The offset is where the search for the newline stopped, as the stream reader sees it.
        const std::size_t looked =
            data.size() < kMaxRecordingHeader ? data.size() : kMaxRecordingHeader;
        RecordingError e{looked, "not an sstop recording (no header line)", false};
        if (prefix) {
            e.message = "recording ends inside its header line";
            e.truncated = true;
        }
        return e;
    }
    const std::string_view line = data.substr(0, nl);
    if (line.size() <= kRecordingMagic.size() + 1 ||
        line.substr(0, kRecordingMagic.size()) != kRecordingMagic ||
        line[kRecordingMagic.size()] != ' ')
        return RecordingError{0, "not an sstop recording (header is not 'sstop-recording N')",
                              false};
    const std::string_view version = line.substr(kRecordingMagic.size() + 1);
    std::uint64_t major = 0;
    std::size_t i = 0;
    for (; i < version.size() && version[i] >= '0' && version[i] <= '9'; ++i) {
        major = major * 10 + static_cast<std::uint64_t>(version[i] - '0');
        if (major > 1'000'000) break;
    }
    bool minor_ok = i < version.size() && version[i] == '.' && i + 1 < version.size();
    for (std::size_t j = i + 1; minor_ok && j < version.size(); ++j)
        minor_ok = version[j] >= '0' && version[j] <= '9';
    if (i == 0 || (i != version.size() && !minor_ok))
        return RecordingError{kRecordingMagic.size() + 1,
                              "bad recording version '" + std::string(version) + "'", false};
    if (major > kRecordingMajor)
        return RecordingError{kRecordingMagic.size() + 1,
                              "recording format " + std::to_string(major) +
                                  " is newer than this sstop reads (" +
                                  std::to_string(kRecordingMajor) + "); use a newer sstop",
                              false};
    if (major == 0)
        return RecordingError{kRecordingMagic.size() + 1, "bad recording version 0", false};
    consumed = nl + 1;
    return std::nullopt;
}

/// Reads a record's tag and body length from its first `kRecordPrefixBytes` bytes.
/// `offset` is where the record starts in the file (for the error).
inline std::optional<RecordingError> parse_record_prefix(std::string_view prefix,
                                                         std::uint64_t offset,
                                                         std::uint32_t& body_bytes) {
    if (prefix.size() < kRecordPrefixBytes)
        return RecordingError{offset + prefix.size(), "recording ends inside a record header",
                              true};
    if (prefix.substr(0, kRecordTag.size()) != kRecordTag)
        return RecordingError{offset, "record does not start with 'TICK' (corrupt recording)",
                              false};
    recording_detail::Cursor c(prefix.substr(4, 4), offset + 4);
    body_bytes = c.u32("record length");
    if (body_bytes > kMaxRecordBytes)
        return RecordingError{offset + 4,
                              "record of " + std::to_string(body_bytes) + " bytes exceeds " +
                                  std::to_string(kMaxRecordBytes),
                              false};
    return std::nullopt;
}

/// Decodes one record's body (exactly `body`; trailing bytes are an error). `offset` is
/// where the body starts in the file.
inline std::optional<RecordingError> decode_tick_body(std::string_view body, std::uint64_t offset,
                                                      RecordedTick& tick) {
    using namespace recording_detail;
    Cursor c(body, offset);
    tick = RecordedTick{};
    tick.unix_time_ns = c.i64("wall time");
    tick.offset_ns = c.i64("monotonic offset");
    const std::uint32_t samples = c.count("samples", kSampleBytes);
    for (std::uint32_t si = 0; si < samples && c.ok(); ++si) {
        Sample& s = tick.samples.emplace_back();
        s.source = c.str("source id");
        s.taken_at = std::chrono::steady_clock::time_point(
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                std::chrono::nanoseconds(c.i64("sample time"))));
        const std::uint8_t flags = c.u8("sample flags");
        s.has_sockets = flags & 1;
        s.has_interfaces = flags & 2;
        if ((flags & 4) && tick.incremental_sources.size() < kMaxRecordItems)
            tick.incremental_sources.push_back(s.source);
        const std::uint32_t nsock = c.count("sockets", kSocketBytes);
        s.sockets.reserve(nsock);
        for (std::uint32_t i = 0; i < nsock && c.ok(); ++i) {
            SocketObs& o = s.sockets.emplace_back();
            o.key = read_key(c);
            const std::uint8_t st = c.u8("socket state");
            if (st > static_cast<std::uint8_t>(SocketState::NewSynRecv))
                c.fail("unknown socket state " + std::to_string(st));
            o.state = static_cast<SocketState>(st);
            o.inode = c.u64("inode");
            o.cookie = c.u64("cookie");
            o.uid = c.u32("uid");
            o.owner.pid = c.i32("owner pid");
            o.owner.start_time = c.u64("owner start time");
            const std::uint8_t of = c.u8("socket flags");
            o.has_bytes = of & 1;
            o.closed = of & 2;
            o.rx_bytes = c.u64("rx bytes");
            o.tx_bytes = c.u64("tx bytes");
        }
        const std::uint32_t nflow = c.count("flows", kFlowBytes);
        s.flows.reserve(nflow);
        for (std::uint32_t i = 0; i < nflow && c.ok(); ++i) {
            FlowBytes& f = s.flows.emplace_back();
            f.key = read_key(c);
            f.rx_bytes = c.u64("rx bytes");
            f.tx_bytes = c.u64("tx bytes");
            f.rx_packets = c.u64("rx packets");
            f.tx_packets = c.u64("tx packets");
        }
        const std::uint32_t nif = c.count("interfaces", kInterfaceBytes);
        s.interfaces.reserve(nif);
        for (std::uint32_t i = 0; i < nif && c.ok(); ++i) {
            InterfaceObs& n = s.interfaces.emplace_back();
            n.name = c.str("interface name");
            n.index = c.u32("interface index");
            const std::uint8_t nf = c.u8("interface flags");
            n.up = nf & 1;
            n.default_route = nf & 2;
            n.rx_bytes = c.u64("rx bytes");
            n.tx_bytes = c.u64("tx bytes");
            n.rx_packets = c.u64("rx packets");
            n.tx_packets = c.u64("tx packets");
        }
        const std::uint32_t nproc = c.count("processes", kProcessBytes);
        s.processes.reserve(nproc);
        for (std::uint32_t i = 0; i < nproc && c.ok(); ++i) {
            ProcessInfo& p = s.processes.emplace_back();
            p.id.pid = c.i32("pid");
            p.id.start_time = c.u64("start time");
            p.ppid = c.i32("ppid");
            p.uid = c.u32("uid");
            p.name = c.str("process name");
            p.cmdline = c.str("command line");
            p.cgroup = c.str("cgroup");
            p.container = c.str("container");
            p.unit = c.str("unit");
            const std::uint32_t nl = c.count("labels", kLabelBytes);
            p.labels.reserve(nl);
            for (std::uint32_t l = 0; l < nl && c.ok(); ++l) {
                Label& label = p.labels.emplace_back();
                label.key = c.str("label key");
                label.value = c.str("label value");
            }
        }
        const std::uint32_t ncount = c.count("counters", kCounterBytes);
        s.counters.reserve(ncount);
        for (std::uint32_t i = 0; i < ncount && c.ok(); ++i) {
            SourceCounter& counter = s.counters.emplace_back();
            counter.name = c.str("counter name");
            counter.value = c.u64("counter value");
        }
    }
    if (c.ok() && !c.at_end())
        c.fail(std::to_string(c.remaining()) + " unexpected bytes after the record's samples");
    if (!c.ok()) {
        tick = RecordedTick{};
        return c.error();
    }
    return std::nullopt;
}

/// A whole recording read from memory.
struct ParsedRecording {
    std::vector<RecordedTick> ticks;      ///< the complete records, in order
    std::optional<RecordingError> error;  ///< why reading stopped early (truncated or bad)
};

/// Decodes a whole recording held in memory (tests, fuzzing, small files). Stops at the first
/// bad or cut record and keeps the ticks before it; at most `max_ticks` ticks are kept.
inline ParsedRecording parse_recording(std::string_view data, std::size_t max_ticks = SIZE_MAX) {
    ParsedRecording out;
    std::size_t pos = 0;
    out.error = parse_recording_header(data, pos);
    if (out.error) return out;
    while (pos < data.size() && out.ticks.size() < max_ticks) {
        std::uint32_t body = 0;
        out.error = parse_record_prefix(data.substr(pos, kRecordPrefixBytes), pos, body);
        if (out.error) return out;
        pos += kRecordPrefixBytes;
        if (data.size() - pos < body) {
            out.error = RecordingError{data.size(),
                                       "recording ends inside a record (" +
                                           std::to_string(data.size() - pos) + " of " +
                                           std::to_string(body) + " bytes)",
                                       true};
            return out;
        }
        RecordedTick tick;
        out.error = decode_tick_body(data.substr(pos, body), pos, tick);
        if (out.error) return out;
        out.ticks.push_back(std::move(tick));
        pos += body;
    }
    return out;
}

/// Reads a recording from a stream, one record at a time (a replay of a long recording never
/// holds it whole). Never throws on bad data.
class RecordingReader {
  public:
    /// Outcome of `next`.
    enum class Next { Tick, End, Error };

    /// `in` must outlive the reader; open it in binary mode.
    explicit RecordingReader(std::istream& in) : in_(&in) {}

    /// Reads and checks the header line; call once, first.
    std::optional<RecordingError> read_header() {
        std::string line;
        char ch = 0;
        while (line.size() < kMaxRecordingHeader && in_->get(ch)) {
            line.push_back(ch);
            if (ch == '\n') break;
        }
        std::size_t used = 0;
        auto error = parse_recording_header(line, used);
        offset_ = used;
        return error;
    }

    /// Reads the next record into `tick`. `End` at a clean end of file; `Error` with
    /// `error()` set for a cut or bad record (the ticks read before stay valid).
    Next next(RecordedTick& tick) {
        char prefix[kRecordPrefixBytes];
        in_->read(prefix, sizeof prefix);
        const auto got = static_cast<std::size_t>(in_->gcount());
        if (got == 0) return Next::End;
        std::uint32_t body_bytes = 0;
        if (auto e = parse_record_prefix(std::string_view(prefix, got), offset_, body_bytes))
            return fail(*e);
        // Read in steps, so a cut file that claims a huge record costs only what it holds.
        constexpr std::size_t kStep = 1024 * 1024;
        std::size_t body_got = 0;
        body_.clear();
        while (body_got < body_bytes) {
            const std::size_t want = std::min<std::size_t>(kStep, body_bytes - body_got);
            body_.resize(body_got + want);
            in_->read(body_.data() + body_got, static_cast<std::streamsize>(want));
            const auto n = static_cast<std::size_t>(in_->gcount());
            body_got += n;
            if (n < want) {
                body_.resize(body_got);
                break;
            }
        }
        if (body_got < body_bytes)
            return fail(RecordingError{offset_ + kRecordPrefixBytes + body_got,
                                       "recording ends inside a record (" +
                                           std::to_string(body_got) + " of " +
                                           std::to_string(body_bytes) + " bytes)",
                                       true});
        if (auto e = decode_tick_body(body_, offset_ + kRecordPrefixBytes, tick)) return fail(*e);
        offset_ += kRecordPrefixBytes + body_bytes;
        return Next::Tick;
    }

    /// Why the last `next` returned Error.
    const RecordingError& error() const { return error_; }
    /// Byte offset of the next record.
    std::uint64_t offset() const { return offset_; }

  private:
    Next fail(RecordingError e) {
        error_ = std::move(e);
        return Next::Error;
    }

    std::istream* in_;
    std::uint64_t offset_ = 0;
    std::string body_;
    RecordingError error_;
};

}  // namespace sstop
