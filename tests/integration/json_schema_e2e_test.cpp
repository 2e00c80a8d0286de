// The `--json` contract: every line the real sstop writes, with the default sources and with
// procnet + afpacket, validates against docs/sstop-snapshot.schema.json (python3-jsonschema).
// The schema forbids unknown fields, so a new field in output.cpp fails here until the schema
// documents it. A negative check proves the validator is live, not silently passing.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "netns.hpp"

namespace sstop::testing {
namespace {

using nlohmann::json;

// Prints one line per schema violation and exits 1 if there was any; prints nothing on success.
constexpr const char* kValidator = R"PY(
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
v = cls(schema)
bad = 0
with open(sys.argv[2]) as f:
    for n, line in enumerate(f, 1):
        for e in v.iter_errors(json.loads(line)):
            bad += 1
            print(f"line {n}: /{'/'.join(map(str, e.absolute_path))}: {e.message}")
sys.exit(1 if bad else 0)
)PY";

std::string schema_path() {
    return std::string(SSTOP_SOURCE_DIR) + "/docs/sstop-snapshot.schema.json";
}

/// A file under /tmp named after the pid and a tag; removed on destruction.
class TempFile {
  public:
    TempFile(const std::string& tag, const std::string& text)
        : path_("/tmp/sstop-schema-" + std::to_string(getpid()) + "-" + tag + ".jsonl") {
        std::ofstream(path_) << text;
    }
    ~TempFile() { std::remove(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

struct Validation {
    int exit_code = -1;
    std::string output;  // stdout and stderr of the validator
};

Validation validate(const std::string& tag, const std::string& jsonl) {
    TempFile file(tag, jsonl);
    Validation v;
    std::string err;
    v.output = run_capture({"python3", "-c", kValidator, schema_path(), file.path()}, &v.exit_code,
                           std::chrono::seconds(60), &err);
    v.output += err;
    return v;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

class JsonSchema : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
        int rc = -1;
        run_capture({"python3", "-c", "import jsonschema"}, &rc);
        ASSERT_EQ(rc, 0) << "python3-jsonschema is not installed";
    }
};

constexpr int kTcpPort = 7301;
constexpr int kUdpPort = 7302;

TEST_P(JsonSchema, EveryLineOfRealOutputValidates) {
    NetnsPair net("js");
    Child sink(net.b, "js-sink", [](const auto& ready) {
        int l = tcp_listen(NetnsPair::kAddrB4, kTcpPort);
        ready();
        int c = tcp_accept(l);
        while (read_exactly(c, 4096) > 0) {
        }
        pause();
    });
    Child client(net.a, "js-client", [](const auto& ready) {
        int udp = udp_bind(NetnsPair::kAddrA4, kUdpPort);
        (void)udp;
        int c = tcp_connect(NetnsPair::kAddrB4, kTcpPort);
        ready();
        // Steady traffic for the whole run, paced so it is not a flood.
        for (;;) {
            write_exactly(c, 2000);
            usleep(5000);
        }
    });

    // nsenter, not `ip netns exec`: that one remounts /sys, hiding the cgroup v2 hierarchy
    // the default source (ebpf) attaches to.
    std::vector<std::string> argv{"nsenter",      "--net=/run/netns/" + net.a.name(),
                                  sstop_binary(), "--json",
                                  "--interval",   "200ms",
                                  "--count",      "3"};
    if (!GetParam().empty()) {
        argv.push_back("--sources");
        argv.push_back(GetParam());
    }
    int rc = -1;
    std::string err;
    std::string out = run_capture(argv, &rc, std::chrono::seconds(60), &err);
    ASSERT_EQ(rc, 0) << "sstop failed; stderr: " << err;
    auto lines = split_lines(out);
    ASSERT_EQ(lines.size(), 3u) << out;

    // The run must exercise the socket parts of the schema, not only empty lists.
    bool saw_tcp = false, saw_udp = false;
    for (const auto& line : lines) {
        auto snap = json::parse(line);
        for (const auto& p : snap["processes"]) {
            if (p["pid"] != client.pid()) continue;
            for (const auto& s : p["sockets"]) {
                if (s["proto"] == "tcp" && s["state"] == "ESTAB" && s["remote"].is_string())
                    saw_tcp = true;
                if (s["proto"] == "udp" && s["state"] == "UNCONN" && s["remote"].is_null())
                    saw_udp = true;
            }
        }
    }
    EXPECT_TRUE(saw_tcp) << "client's TCP connection missing from the output:\n" << out;
    EXPECT_TRUE(saw_udp) << "client's UDP socket (null remote) missing from the output:\n" << out;

    // What watching costs is in every line; CPU once an update has passed.
    auto last = json::parse(lines.back());
    ASSERT_TRUE(last.contains("self")) << lines.back();
    EXPECT_GT(last["self"]["max_rss_bytes"].get<std::uint64_t>(), 1u << 20);
    ASSERT_TRUE(last["self"].contains("cpu_percent")) << last["self"];
    EXPECT_GE(last["self"]["cpu_percent"].get<double>(), 0.0);
    EXPECT_LT(last["self"]["cpu_percent"].get<double>(), 100.0 * 64);
    if (GetParam().empty()) {
        EXPECT_EQ(last["sources"], json::array({"ebpf", "afpacket"}))
            << "the default chain runs ebpf where it can load; stderr: " << err;
    }

    Validation v = validate("real", out);
    EXPECT_EQ(v.exit_code, 0) << v.output;
    EXPECT_EQ(v.output, "");

    // Negative checks on the same real line: the validator must reject a missing required
    // field and an unknown one, or the checks above prove nothing.
    auto without_totals = json::parse(lines.back());
    without_totals.erase("totals");
    Validation missing = validate("missing", without_totals.dump() + "\n");
    EXPECT_NE(missing.exit_code, 0);
    EXPECT_NE(missing.output.find("'totals' is a required property"), std::string::npos)
        << missing.output;

    auto with_extra = json::parse(lines.back());
    with_extra["not_in_schema"] = 1;
    Validation extra = validate("extra", with_extra.dump() + "\n");
    EXPECT_NE(extra.exit_code, 0);
    EXPECT_NE(extra.output.find("not_in_schema"), std::string::npos) << extra.output;
}

INSTANTIATE_TEST_SUITE_P(Sources, JsonSchema, ::testing::Values("", "procnet,afpacket"),
                         [](const auto& info) {
                             return info.param.empty() ? std::string("Default")
                                                       : std::string("ProcnetAfpacket");
                         });

}  // namespace
}  // namespace sstop::testing
