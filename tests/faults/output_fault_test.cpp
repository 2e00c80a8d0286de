// Output that cannot be written: a full device is a runtime error reported in one line with
// exit 1; a reader that goes away is a normal end (exit 0, or 141 from the shell's view of
// SIGPIPE) with nothing on stderr.

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "netns.hpp"

namespace sstop::testing {
namespace {

// Runs a shell pipeline and returns sstop's own exit status (first element of PIPESTATUS).
int sstop_status_in(const std::string& pipeline, std::string* err) {
    int rc = 0;
    std::string out = run_capture({"bash", "-c", pipeline + "; echo ${PIPESTATUS[0]}"}, &rc,
                                  std::chrono::seconds(30), err);
    EXPECT_EQ(rc, 0) << pipeline;
    return out.empty() ? -1 : std::stoi(out);
}

TEST(OutputFaults, JsonIntoAFullDeviceExitsOneWithOneClearLine) {
    std::string err;
    int status =
        sstop_status_in(sstop_binary() + " --json --once --sources procnet >/dev/full", &err);
    EXPECT_EQ(status, 1);
    EXPECT_EQ(err, "sstop: writing output: No space left on device\n");
}

// CSV has rows only for processes with sockets, so these run in a namespace with a listener.
class CsvOutputFaults : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!can_create_netns()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) for namespaces";
        ns_ = std::make_unique<Netns>("out");
        listener_ = std::make_unique<Child>(*ns_, "csv-listener", [](const auto& ready) {
            tcp_listen("127.0.0.1", 7100);
            ready();
            pause();
        });
    }
    std::string in_ns(const std::string& args) const {
        return "ip netns exec " + ns_->name() + " " + sstop_binary() + " " + args;
    }
    std::unique_ptr<Netns> ns_;
    std::unique_ptr<Child> listener_;
};

TEST_F(CsvOutputFaults, FullDeviceExitsOneWithOneClearLine) {
    std::string err;
    int status = sstop_status_in(
        in_ns("--csv --interval 100ms --count 3 --sources procnet >/dev/full"), &err);
    EXPECT_EQ(status, 1);
    EXPECT_EQ(err, "sstop: writing output: No space left on device\n");
}

TEST_F(CsvOutputFaults, ReaderThatNeverReadsEndsQuietly) {
    // `true` exits without reading: the first write meets a closed pipe. --count bounds the
    // run should the pipe stay open by mistake.
    std::string err;
    int status =
        sstop_status_in(in_ns("--csv --interval 100ms --count 50 --sources procnet | true"), &err);
    EXPECT_TRUE(status == 0 || status == 141) << "exit status " << status;
    EXPECT_EQ(err, "") << "stderr must stay quiet";
}

}  // namespace
}  // namespace sstop::testing
