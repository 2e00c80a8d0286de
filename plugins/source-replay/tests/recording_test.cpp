// The recording codec (sdk/include/sstop/recording.hpp): round trip, versions, cut files,
// bounds.
#include <gtest/gtest.h>

#include <sstop/recording.hpp>
#include <sstream>
#include <string>

namespace {

using namespace std::chrono_literals;

sstop::IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    sstop::IpAddr ip;
    ip.family = sstop::Family::V4;
    ip.bytes[0] = a;
    ip.bytes[1] = b;
    ip.bytes[2] = c;
    ip.bytes[3] = d;
    return ip;
}

sstop::IpAddr v6_all(std::uint8_t first) {
    sstop::IpAddr ip;
    ip.family = sstop::Family::V6;
    for (std::size_t i = 0; i < ip.bytes.size(); ++i)
        ip.bytes[i] = static_cast<std::uint8_t>(first + i);
    return ip;
}

// A sample with every field set to a distinct value, every enum value used.
sstop::Sample full_sample() {
    sstop::Sample s;
    s.source = "netlink";
    s.taken_at = std::chrono::steady_clock::time_point(1234567890ns);
    s.has_sockets = true;
    s.has_interfaces = true;
    const sstop::Family families[] = {sstop::Family::None, sstop::Family::V4, sstop::Family::V6};
    const sstop::Proto protos[] = {sstop::Proto::Unknown, sstop::Proto::Tcp, sstop::Proto::Udp};
    for (int st = 0; st <= static_cast<int>(sstop::SocketState::NewSynRecv); ++st) {
        sstop::SocketObs o;
        o.key.proto = protos[st % 3];
        switch (families[st % 3]) {
            case sstop::Family::V4:
                o.key.local.addr = v4(10, 0, 0, static_cast<std::uint8_t>(st));
                o.key.remote.addr = v4(192, 168, 1, 200);
                break;
            case sstop::Family::V6:
                o.key.local.addr = v6_all(static_cast<std::uint8_t>(st));
                o.key.remote.addr = v6_all(0xf0);
                break;
            case sstop::Family::None:
                break;
        }
        o.key.local.port = static_cast<std::uint16_t>(1000 + st);
        o.key.remote.port = 65535;
        o.key.netns = 0xF000000000000000ull + static_cast<std::uint64_t>(st);
        o.state = static_cast<sstop::SocketState>(st);
        o.inode = 100000 + static_cast<std::uint64_t>(st);
        o.cookie = 0xDEADBEEFCAFEull * static_cast<std::uint64_t>(st + 1);
        o.uid = 4294967294u;
        o.owner = {-5 + st, 987654321012ull};
        o.has_bytes = st % 2 == 0;
        o.closed = st % 3 == 0;
        o.rx_bytes = UINT64_MAX - static_cast<std::uint64_t>(st);
        o.tx_bytes = 1ull << 40;
        s.sockets.push_back(o);
    }
    sstop::FlowBytes f;
    f.key.proto = sstop::Proto::Udp;
    f.key.local = {v6_all(1), 53};
    f.key.remote = {v4(8, 8, 8, 8), 5353};
    f.key.netns = 4026531840ull;
    f.rx_bytes = 1;
    f.tx_bytes = 2;
    f.rx_packets = 3;
    f.tx_packets = 4;
    s.flows.push_back(f);
    s.interfaces.push_back({"eth0", 2, true, true, 10, 20, 30, 40});
    s.interfaces.push_back({"", 0, false, false, 0, 0, 0, 0});
    sstop::ProcessInfo p;
    p.id = {INT32_MAX, UINT64_MAX};
    p.ppid = -1;
    p.uid = 1000;
    p.name = "curl";
    p.cmdline = std::string(100000, 'x') + "\n\0end";
    p.cgroup = "/system.slice/ssh.service";
    p.container = "";
    p.unit = "ssh.service";
    p.labels = {{"k", "v"}, {"", ""}, {"é", std::string("\0\1\2", 3)}};
    s.processes.push_back(p);
    s.processes.push_back({});
    s.counters.push_back({"kernel_drops", 7});
    s.counters.push_back({"", UINT64_MAX});
    return s;
}

void expect_same(const sstop::Sample& a, const sstop::Sample& b) {
    EXPECT_EQ(a.source, b.source);
    EXPECT_EQ(a.taken_at, b.taken_at);
    EXPECT_EQ(a.has_sockets, b.has_sockets);
    EXPECT_EQ(a.has_interfaces, b.has_interfaces);
    ASSERT_EQ(a.sockets.size(), b.sockets.size());
    for (std::size_t i = 0; i < a.sockets.size(); ++i) {
        const auto& x = a.sockets[i];
        const auto& y = b.sockets[i];
        EXPECT_EQ(x.key, y.key) << i;
        EXPECT_EQ(x.state, y.state) << i;
        EXPECT_EQ(x.inode, y.inode);
        EXPECT_EQ(x.cookie, y.cookie);
        EXPECT_EQ(x.uid, y.uid);
        EXPECT_EQ(x.owner, y.owner);
        EXPECT_EQ(x.has_bytes, y.has_bytes);
        EXPECT_EQ(x.closed, y.closed);
        EXPECT_EQ(x.rx_bytes, y.rx_bytes);
        EXPECT_EQ(x.tx_bytes, y.tx_bytes);
    }
    ASSERT_EQ(a.flows.size(), b.flows.size());
    for (std::size_t i = 0; i < a.flows.size(); ++i) {
        EXPECT_EQ(a.flows[i].key, b.flows[i].key);
        EXPECT_EQ(a.flows[i].rx_bytes, b.flows[i].rx_bytes);
        EXPECT_EQ(a.flows[i].tx_bytes, b.flows[i].tx_bytes);
        EXPECT_EQ(a.flows[i].rx_packets, b.flows[i].rx_packets);
        EXPECT_EQ(a.flows[i].tx_packets, b.flows[i].tx_packets);
    }
    ASSERT_EQ(a.interfaces.size(), b.interfaces.size());
    for (std::size_t i = 0; i < a.interfaces.size(); ++i) {
        const auto& x = a.interfaces[i];
        const auto& y = b.interfaces[i];
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.index, y.index);
        EXPECT_EQ(x.up, y.up);
        EXPECT_EQ(x.default_route, y.default_route);
        EXPECT_EQ(x.rx_bytes, y.rx_bytes);
        EXPECT_EQ(x.tx_bytes, y.tx_bytes);
        EXPECT_EQ(x.rx_packets, y.rx_packets);
        EXPECT_EQ(x.tx_packets, y.tx_packets);
    }
    ASSERT_EQ(a.processes.size(), b.processes.size());
    for (std::size_t i = 0; i < a.processes.size(); ++i) {
        const auto& x = a.processes[i];
        const auto& y = b.processes[i];
        EXPECT_EQ(x.id, y.id);
        EXPECT_EQ(x.ppid, y.ppid);
        EXPECT_EQ(x.uid, y.uid);
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.cmdline, y.cmdline);
        EXPECT_EQ(x.cgroup, y.cgroup);
        EXPECT_EQ(x.container, y.container);
        EXPECT_EQ(x.unit, y.unit);
        ASSERT_EQ(x.labels.size(), y.labels.size());
        for (std::size_t l = 0; l < x.labels.size(); ++l) {
            EXPECT_EQ(x.labels[l].key, y.labels[l].key);
            EXPECT_EQ(x.labels[l].value, y.labels[l].value);
        }
    }
    ASSERT_EQ(a.counters.size(), b.counters.size());
    for (std::size_t i = 0; i < a.counters.size(); ++i) {
        EXPECT_EQ(a.counters[i].name, b.counters[i].name);
        EXPECT_EQ(a.counters[i].value, b.counters[i].value);
    }
}

// A small recording: three ticks, two samples in the middle one.
std::string small_recording(std::vector<sstop::RecordedTick>* ticks_out = nullptr) {
    std::vector<sstop::RecordedTick> ticks(3);
    for (std::size_t i = 0; i < ticks.size(); ++i) {
        ticks[i].unix_time_ns = 1'700'000'000'000'000'000 + static_cast<std::int64_t>(i);
        ticks[i].offset_ns = static_cast<std::int64_t>(i) * 1'000'000'000;
        sstop::Sample s;
        s.source = "procnet";
        s.has_sockets = true;
        sstop::SocketObs o;
        o.key.proto = sstop::Proto::Tcp;
        o.key.local = {v4(127, 0, 0, 1), 8080};
        o.tx_bytes = 100 * i;
        o.has_bytes = true;
        s.sockets.push_back(o);
        s.processes.push_back({{42, 7}, 1, 0, "srv", "srv -p", "", "", "", {}});
        ticks[i].samples.push_back(s);
    }
    ticks[1].samples.push_back(sstop::Sample{});
    ticks[1].samples.back().source = "afpacket";
    std::string out = sstop::recording_header();
    for (const auto& t : ticks) EXPECT_TRUE(sstop::encode_tick(t, out));
    if (ticks_out) *ticks_out = ticks;
    return out;
}

TEST(Recording, RoundTripKeepsEveryFieldOfASample) {
    sstop::RecordedTick tick;
    tick.unix_time_ns = -1;
    tick.offset_ns = INT64_MAX;
    tick.samples = {full_sample(), sstop::Sample{}};
    std::string data = sstop::recording_header();
    ASSERT_TRUE(sstop::encode_tick(tick, data));
    ASSERT_TRUE(sstop::encode_tick(tick, data));
    auto parsed = sstop::parse_recording(data);
    ASSERT_FALSE(parsed.error) << parsed.error->describe();
    ASSERT_EQ(parsed.ticks.size(), 2u);
    for (const auto& t : parsed.ticks) {
        EXPECT_EQ(t.unix_time_ns, -1);
        EXPECT_EQ(t.offset_ns, INT64_MAX);
        ASSERT_EQ(t.samples.size(), 2u);
        expect_same(t.samples[0], tick.samples[0]);
        expect_same(t.samples[1], tick.samples[1]);
    }
}

TEST(Recording, StreamReaderReadsWhatParseRecordingReads) {
    std::vector<sstop::RecordedTick> ticks;
    std::istringstream in(small_recording(&ticks));
    sstop::RecordingReader reader(in);
    ASSERT_FALSE(reader.read_header());
    sstop::RecordedTick t;
    for (const auto& want : ticks) {
        ASSERT_EQ(reader.next(t), sstop::RecordingReader::Next::Tick);
        EXPECT_EQ(t.offset_ns, want.offset_ns);
        EXPECT_EQ(t.unix_time_ns, want.unix_time_ns);
        ASSERT_EQ(t.samples.size(), want.samples.size());
        expect_same(t.samples[0], want.samples[0]);
    }
    EXPECT_EQ(reader.next(t), sstop::RecordingReader::Next::End);
}

TEST(Recording, HeaderIsVersionedAndANewerMajorIsRefused) {
    EXPECT_EQ(sstop::recording_header(), "sstop-recording 1\n");
    std::size_t used = 0;
    EXPECT_FALSE(sstop::parse_recording_header("sstop-recording 1\n", used));
    EXPECT_EQ(used, 18u);
    EXPECT_FALSE(sstop::parse_recording_header("sstop-recording 1.7\n", used));
    auto newer = sstop::parse_recording_header("sstop-recording 2\nTICK", used);
    ASSERT_TRUE(newer);
    EXPECT_NE(newer->message.find("recording format 2 is newer"), std::string::npos)
        << newer->message;
    EXPECT_EQ(newer->offset, 16u);
    EXPECT_TRUE(sstop::parse_recording_header("sstop-recording x\n", used));
    EXPECT_TRUE(sstop::parse_recording_header("sstop-recording 1.\n", used));
    EXPECT_TRUE(sstop::parse_recording_header("sstop-recording 0\n", used));
    auto other = sstop::parse_recording_header("GIF89a\n", used);
    ASSERT_TRUE(other);
    EXPECT_NE(other->message.find("not an sstop recording"), std::string::npos);
    EXPECT_TRUE(sstop::parse_recording_header(std::string(200, 'a'), used));
}

TEST(Recording, CutAtEveryByteKeepsTheCompleteTicksAndSaysWhere) {
    std::vector<sstop::RecordedTick> ticks;
    const std::string full = small_recording(&ticks);
    // Where each record ends, to know how many complete ticks a cut keeps.
    std::vector<std::size_t> ends;
    {
        std::string acc = sstop::recording_header();
        for (const auto& t : ticks) {
            sstop::encode_tick(t, acc);
            ends.push_back(acc.size());
        }
    }
    ASSERT_EQ(ends.back(), full.size());
    for (std::size_t cut = 0; cut < full.size(); ++cut) {
        const std::string data = full.substr(0, cut);
        auto parsed = sstop::parse_recording(data);
        std::size_t complete = 0;
        while (complete < ends.size() && ends[complete] <= cut) ++complete;
        EXPECT_EQ(parsed.ticks.size(), complete) << "cut at " << cut;
        const bool at_boundary =
            cut == 18 || std::find(ends.begin(), ends.end(), cut) != ends.end();
        if (at_boundary) {
            EXPECT_FALSE(parsed.error) << "cut at " << cut;
        } else {
            ASSERT_TRUE(parsed.error) << "cut at " << cut;
            EXPECT_TRUE(parsed.error->truncated)
                << "cut at " << cut << ": " << parsed.error->message;
            EXPECT_LE(parsed.error->offset, cut);
        }
        // The stream reader agrees.
        std::istringstream in(data);
        sstop::RecordingReader reader(in);
        std::size_t read = 0;
        if (!reader.read_header()) {
            sstop::RecordedTick t;
            sstop::RecordingReader::Next n;
            while ((n = reader.next(t)) == sstop::RecordingReader::Next::Tick) ++read;
            EXPECT_EQ(n == sstop::RecordingReader::Next::Error, !at_boundary) << cut;
            if (n == sstop::RecordingReader::Next::Error) {
                EXPECT_TRUE(reader.error().truncated);
                EXPECT_LE(reader.error().offset, cut);
            }
        }
        EXPECT_EQ(read, complete) << "cut at " << cut;
    }
}

void put_u32_at(std::string& s, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        s[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
}

TEST(Recording, ARecordLongerThanTheBoundIsRefused) {
    std::string data = small_recording();
    put_u32_at(data, 18 + 4, sstop::kMaxRecordBytes + 1);
    auto parsed = sstop::parse_recording(data);
    ASSERT_TRUE(parsed.error);
    EXPECT_FALSE(parsed.error->truncated);
    EXPECT_EQ(parsed.error->offset, 22u);
    EXPECT_NE(parsed.error->message.find("exceeds"), std::string::npos);
    EXPECT_TRUE(parsed.ticks.empty());
}

TEST(Recording, CountsAboveAMillionAndOversizedStringsAreRefused) {
    // Body: wall time, offset, then the sample count.
    std::string data = sstop::recording_header();
    std::string body(16, '\0');
    body += std::string("\x41\x42\x0f\x00", 4);  // 1,000,001 samples
    data += "TICK";
    data += std::string(4, '\0');
    put_u32_at(data, data.size() - 4, static_cast<std::uint32_t>(body.size()));
    data += body;
    auto parsed = sstop::parse_recording(data);
    ASSERT_TRUE(parsed.error);
    EXPECT_NE(parsed.error->message.find("exceed"), std::string::npos) << parsed.error->message;
    EXPECT_EQ(parsed.error->offset, 18u + 8 + 20);

    // One sample whose source id claims 2 MiB.
    std::string body2(16, '\0');
    body2 += std::string("\x01\x00\x00\x00", 4);
    body2 += std::string("\x00\x00\x20\x00", 4);
    body2 += std::string(40, 'a');
    std::string data2 = sstop::recording_header() + "TICK" + std::string(4, '\0');
    put_u32_at(data2, data2.size() - 4, static_cast<std::uint32_t>(body2.size()));
    data2 += body2;
    auto parsed2 = sstop::parse_recording(data2);
    ASSERT_TRUE(parsed2.error);
    EXPECT_NE(parsed2.error->message.find("string of 2097152 bytes"), std::string::npos)
        << parsed2.error->message;
}

TEST(Recording, CorruptTagsEnumsAndTrailingBytesAreErrorsNotCrashes) {
    std::string bad_tag = small_recording();
    bad_tag[18] = 'X';
    auto p1 = sstop::parse_recording(bad_tag);
    ASSERT_TRUE(p1.error);
    EXPECT_EQ(p1.error->offset, 18u);
    EXPECT_FALSE(p1.error->truncated);

    // The first socket's protocol byte: body + 16 (times) + 4 (count) + 4+7 ("procnet") + 8
    // + 1 (flags) + 4 (socket count).
    std::string bad_proto = small_recording();
    const std::size_t proto_at = 18 + 8 + 16 + 4 + 11 + 8 + 1 + 4;
    ASSERT_EQ(bad_proto[proto_at], 6);
    // Since ABI 1.2 every protocol byte is valid: 99 is a raw socket's IP protocol.
    bad_proto[proto_at] = 99;
    auto p2 = sstop::parse_recording(bad_proto);
    ASSERT_FALSE(p2.error);
    ASSERT_FALSE(p2.ticks.empty());
    ASSERT_FALSE(p2.ticks[0].samples.empty());
    ASSERT_FALSE(p2.ticks[0].samples[0].sockets.empty());
    EXPECT_EQ(static_cast<int>(p2.ticks[0].samples[0].sockets[0].key.proto), 99);

    // A record whose length claims one byte more than its samples use.
    sstop::RecordedTick t;
    std::string extra = sstop::recording_header();
    sstop::encode_tick(t, extra);
    extra.push_back('\0');
    put_u32_at(extra, 22, 21);
    auto p3 = sstop::parse_recording(extra);
    ASSERT_TRUE(p3.error);
    EXPECT_NE(p3.error->message.find("unexpected bytes"), std::string::npos);
}

TEST(Recording, TheWriterCutsOverlongStringsToTheBound) {
    sstop::RecordedTick t;
    t.samples.emplace_back().source = std::string(sstop::kMaxRecordString + 10, 's');
    std::string data = sstop::recording_header();
    ASSERT_TRUE(sstop::encode_tick(t, data));
    auto parsed = sstop::parse_recording(data);
    ASSERT_FALSE(parsed.error);
    EXPECT_EQ(parsed.ticks.at(0).samples.at(0).source.size(), sstop::kMaxRecordString);
}

}  // namespace

TEST(Recording, IncrementalSourcesRoundTripAsASampleFlag) {
    sstop::RecordedTick tick;
    sstop::Sample ebpf;
    ebpf.source = "ebpf";
    ebpf.has_sockets = true;
    sstop::Sample flows;
    flows.source = "afpacket";
    tick.samples = {ebpf, flows};
    tick.incremental_sources = {"ebpf"};
    std::string data = sstop::recording_header();
    ASSERT_TRUE(sstop::encode_tick(tick, data));
    tick.incremental_sources.clear();  // a full-listing source: no flag
    ASSERT_TRUE(sstop::encode_tick(tick, data));
    auto parsed = sstop::parse_recording(data);
    ASSERT_FALSE(parsed.error) << parsed.error->describe();
    ASSERT_EQ(parsed.ticks.size(), 2u);
    EXPECT_EQ(parsed.ticks[0].incremental_sources, std::vector<std::string>{"ebpf"});
    EXPECT_TRUE(parsed.ticks[1].incremental_sources.empty());
}
