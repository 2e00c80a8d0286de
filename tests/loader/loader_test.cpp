// Loader tests against fixture plugins built by tests/loader/CMakeLists.txt: every verdict
// with its reason, creating working objects, exceptions across the boundary, and the lifetime
// rule (objects die before their library; the library really unloads after the last one).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <sstop/version.hpp>
#include <string>
#include <vector>

#include "plugin/registry.hpp"

namespace sstop::host {
namespace {

namespace fs = std::filesystem;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kHostAbi =
    std::to_string(SSTOP_ABI_MAJOR) + "." + std::to_string(SSTOP_ABI_MINOR);

std::string fixture_dir(const std::string& name) {
    return std::string(SSTOP_FIXTURE_ROOT) + "/" + name;
}

std::string fixture_file(const std::string& name) { return fixture_dir(name) + "/" + name + ".so"; }

/// Records what plugins log; fixtures log "destroyed" from their destructors.
class RecordingContext : public PluginContext {
  public:
    std::string_view plugin_id() const override { return "fixture"; }
    const Options& options() const override { return options_; }
    void log(Notice::Level level, std::string_view message) override {
        (void)level;
        lines.emplace_back(message);
    }
    bool logged(const std::string& line) const {
        for (const auto& l : lines) {
            if (l == line) return true;
        }
        return false;
    }
    std::vector<std::string> lines;

  private:
    Options options_;
};

/// True while `path` is mapped into this process as a loaded object (dl_iterate_phdr sees
/// exactly what dlclose removed or kept).
bool is_mapped(const std::string& path) {
    struct Search {
        fs::path wanted;
        bool found = false;
    } search{fs::weakly_canonical(path)};
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) -> int {
            auto* s = static_cast<Search*>(data);
            if (info->dlpi_name == nullptr || info->dlpi_name[0] == '\0') return 0;
            std::error_code ec;
            if (fs::weakly_canonical(info->dlpi_name, ec) == s->wanted) {
                s->found = true;
                return 1;
            }
            return 0;
        },
        &search);
    return search.found;
}

/// Discovers one fixture directory and returns its single verdict.
PluginFile verdict_of(PluginRegistry& registry, const std::string& name) {
    registry.discover({SearchDir{fixture_dir(name), "test"}});
    EXPECT_EQ(registry.files().size(), 1u) << name;
    if (registry.files().empty()) return {};
    return registry.files().front();
}

/// A scratch directory unique to this process and test, removed even when the test fails.
class ScratchDir {
  public:
    explicit ScratchDir(const std::string& name)
        : path_(fs::temp_directory_path() /
                ("sstop-loader-" + std::to_string(::getpid()) + "-" + name)) {
        fs::remove_all(path_);
        fs::create_directories(path_);
        fs::permissions(path_, fs::perms(0755));
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

TEST(Loader, GoodSourceLoadsWithItsDescriptorAndItsObjectCollects) {
    RecordingContext context;
    {
        PluginRegistry registry;
        const PluginFile file = verdict_of(registry, "good-source");
        EXPECT_TRUE(file.loaded);
        EXPECT_EQ(file.reason, "");
        EXPECT_EQ(file.path, fixture_file("good-source"));
        EXPECT_EQ(file.id, "good-source");
        EXPECT_EQ(file.kind, "source");
        EXPECT_EQ(file.version, "1.0.0");
        EXPECT_EQ(file.description, "loader test fixture");
        EXPECT_EQ(file.abi, kHostAbi);
        EXPECT_EQ(file.build_key, SSTOP_BUILD_KEY);

        EXPECT_TRUE(registry.has("good-source"));
        EXPECT_EQ(registry.kind_of("good-source"), "source");
        EXPECT_EQ(registry.ids("source"), std::vector<std::string>{"good-source"});
        EXPECT_TRUE(registry.ids("view").empty());
        const OptionList options = registry.options_of("good-source");
        ASSERT_EQ(options.count, 2u);
        EXPECT_STREQ(options.items[0].key, "greeting");
        EXPECT_EQ(options.items[1].type, SSTOP_OPTION_INT);

        std::shared_ptr<Source> source = registry.create_source("good-source", context);
        ASSERT_NE(source, nullptr);
        Sample sample;
        const CollectStatus status = source->collect(sample);
        EXPECT_EQ(status.code, CollectStatus::Code::Ok);
        ASSERT_EQ(sample.sockets.size(), 1u);
        EXPECT_EQ(sample.sockets[0].inode, 4242u);
        EXPECT_EQ(sample.sockets[0].tx_bytes, 2000u);
        EXPECT_TRUE(sample.has_sockets);
        source.reset();
        EXPECT_TRUE(context.logged("destroyed"));
        EXPECT_TRUE(is_mapped(fixture_file("good-source")));  // the registry still holds it
    }
    EXPECT_FALSE(is_mapped(fixture_file("good-source")));
}

TEST(Loader, GoodViewAndExporterCreateWorkingObjects) {
    RecordingContext context;
    PluginRegistry registry;
    registry.discover({SearchDir{fixture_dir("good-view"), "test"},
                       SearchDir{fixture_dir("good-exporter"), "test"}});
    ASSERT_EQ(registry.files().size(), 2u);
    EXPECT_TRUE(registry.files()[0].loaded) << registry.files()[0].reason;
    EXPECT_TRUE(registry.files()[1].loaded) << registry.files()[1].reason;
    EXPECT_EQ(registry.kind_of("good-view"), "view");
    EXPECT_EQ(registry.kind_of("good-exporter"), "exporter");
    EXPECT_EQ(registry.options_of("good-view").count, 0u);

    std::shared_ptr<View> view = registry.create_view("good-view", context);
    ASSERT_NE(view, nullptr);
    EXPECT_EQ(view->title(), "Fixture");

    std::shared_ptr<Exporter> exporter = registry.create_exporter("good-exporter", context);
    ASSERT_NE(exporter, nullptr);
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->seq = 7;
    exporter->publish(snapshot);
    EXPECT_TRUE(context.logged("published 7"));
}

// Once every object of a run exists, the libraries no object holds are unloaded (a headless
// run does not keep its views' code); the one in use stays, and so does its object.
TEST(Loader, UnusedLibrariesAreUnloadedAndTheOneInUseStays) {
    RecordingContext context;
    PluginRegistry registry;
    registry.discover({SearchDir{fixture_dir("good-source"), "test"},
                       SearchDir{fixture_dir("good-view"), "test"},
                       SearchDir{fixture_dir("good-exporter"), "test"}});
    std::shared_ptr<Source> source = registry.create_source("good-source", context);
    ASSERT_NE(source, nullptr);
    ASSERT_TRUE(is_mapped(fixture_file("good-view")));
    EXPECT_EQ(registry.unload_unused(), 2u);
    EXPECT_FALSE(is_mapped(fixture_file("good-view")));
    EXPECT_FALSE(is_mapped(fixture_file("good-exporter")));
    EXPECT_FALSE(registry.has("good-view"));
    EXPECT_TRUE(registry.has("good-source"));
    EXPECT_TRUE(is_mapped(fixture_file("good-source")));
    Sample sample;
    EXPECT_EQ(source->collect(sample).code, CollectStatus::Code::Ok);
    EXPECT_EQ(registry.files().size(), 3u) << "the verdicts stay for --list-plugins";
    EXPECT_EQ(registry.unload_unused(), 0u);
}

struct BadCase {
    const char* name;
    std::string reason;
};

// A plugin built against ABI 1.3 has no `consumes` field: it loads, and is taken as reading
// everything (its descriptor's memory past `create` is never read).
TEST(Loader, PluginBuiltBeforeConsumesExistedReadsEverything) {
    PluginRegistry registry;
    const PluginFile file = verdict_of(registry, "abi-1-3");
    EXPECT_TRUE(file.loaded) << file.reason;
    EXPECT_EQ(file.abi, std::to_string(SSTOP_ABI_MAJOR) + ".3");
    EXPECT_EQ(file.consumes, SSTOP_CONSUMES_ALL);
    EXPECT_EQ(registry.consumes_of("abi-1-3"), SSTOP_CONSUMES_ALL);
    // A plugin of this ABI says what it reads; the registration macros say "everything".
    PluginRegistry other;
    const PluginFile current = verdict_of(other, "good-source");
    EXPECT_TRUE(current.loaded) << current.reason;
    EXPECT_EQ(current.consumes, SSTOP_CONSUMES_ALL);
}

TEST(Loader, EachBadFixtureIsSkippedWithItsReasonAndUnloaded) {
    // ABI 1.0's fields end with `create`; later fields are optional.
    const std::string sizes = std::to_string(offsetof(sstop_plugin_descriptor_v1, create) +
                                             sizeof(sstop_plugin_descriptor_v1::create));
    const std::vector<BadCase> cases = {
        {"wrong-major", "ABI 2." + std::to_string(SSTOP_ABI_MINOR) +
                            " is not supported by this sstop (ABI " + kHostAbi + ")"},
        {"newer-minor", "built for ABI " + std::to_string(SSTOP_ABI_MAJOR) +
                            ".99, newer than this sstop's " + kHostAbi},
        {"wrong-build-key",
         "built with 'x86_64 gcc-4 libstdc++-4 c++201103L', this sstop is '" SSTOP_BUILD_KEY "'"},
        {"too-small", "descriptor too small (8 bytes, need " + sizes + ")"},
        {"unknown-kind", "unknown plugin kind 7"},
        {"null-create", "the descriptor has no create function"},
        {"bad-id", "id 'Bad Id' may contain only a-z, 0-9 and '-'"},
        {"id-mismatch", "id 'someone-else' does not match the file name 'id-mismatch.so'"},
        {"no-entry", "no sstop_plugin_v1 entry point (not an sstop plugin)"},
    };
    for (const BadCase& c : cases) {
        PluginRegistry registry;
        const PluginFile file = verdict_of(registry, c.name);
        EXPECT_FALSE(file.loaded) << c.name;
        EXPECT_EQ(file.reason, c.reason) << c.name;
        EXPECT_EQ(file.path, fixture_file(c.name));
        EXPECT_FALSE(registry.has(c.name)) << c.name;
        EXPECT_TRUE(registry.ids("source").empty()) << c.name;
        EXPECT_FALSE(is_mapped(fixture_file(c.name))) << c.name << " stayed loaded";
    }
}

TEST(Loader, VerdictShowsWhatTheDescriptorSaysWhenTheLayoutIsTrusted) {
    PluginRegistry registry;
    const PluginFile newer = verdict_of(registry, "newer-minor");
    EXPECT_EQ(newer.abi, std::to_string(SSTOP_ABI_MAJOR) + ".99");
    EXPECT_EQ(newer.kind, "source");
    EXPECT_EQ(newer.version, "0.0.1");

    PluginRegistry other;
    const PluginFile major = verdict_of(other, "wrong-major");
    // The rest of a foreign-major descriptor is not read: the id falls back to the stem.
    EXPECT_EQ(major.id, "wrong-major");
    EXPECT_EQ(major.kind, "?");
    EXPECT_EQ(major.version, "");
}

TEST(Loader, TextFileNamedSoIsNotASharedLibraryWithTheLoadersReason) {
    PluginRegistry registry;
    const PluginFile file = verdict_of(registry, "not-a-library");
    EXPECT_FALSE(file.loaded);
    EXPECT_THAT(file.reason, StartsWith("not a shared library: "));
    // The loader's own words, without Boost.DLL's bogus errno suffix or the path repeated.
    EXPECT_THAT(file.reason, AnyOf(HasSubstr("invalid ELF header"), HasSubstr("file too short")));
    EXPECT_THAT(file.reason, Not(HasSubstr("Bad file descriptor")));
    EXPECT_THAT(file.reason, Not(HasSubstr(file.path)));
    EXPECT_EQ(file.kind, "?");
    EXPECT_EQ(file.id, "not-a-library");
}

TEST(Loader, MissingSymbolIsALoadTimeVerdictBecauseOfRtldNow) {
    PluginRegistry registry;
    const PluginFile file = verdict_of(registry, "missing-symbol");
    EXPECT_FALSE(file.loaded);
    EXPECT_EQ(file.reason, "cannot load: undefined symbol: sstop_fixture_symbol_nobody_defines");
    EXPECT_FALSE(is_mapped(fixture_file("missing-symbol")));
}

TEST(Loader, ThrowingCreateBecomesRuntimeErrorAndRegistryStaysUsable) {
    RecordingContext context;
    PluginRegistry registry;
    registry.discover({SearchDir{fixture_dir("throws-on-create"), "test"},
                       SearchDir{fixture_dir("good-source"), "test"}});
    ASSERT_TRUE(registry.has("throws-on-create"));
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            (void)registry.create_source("throws-on-create", context);
            FAIL() << "create did not throw";
        } catch (const PluginUnavailable&) {
            FAIL() << "an ordinary exception must not become PluginUnavailable";
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "plugin throws-on-create: fixture refused to start");
        }
    }
    std::shared_ptr<Source> good = registry.create_source("good-source", context);
    Sample sample;
    good->collect(sample);
    EXPECT_EQ(sample.sockets.size(), 1u);
}

TEST(Loader, NonStandardExceptionFromCreateIsReportedAsUnknown) {
    RecordingContext context;
    PluginRegistry registry;
    ASSERT_TRUE(verdict_of(registry, "throws-non-std").loaded);
    try {
        (void)registry.create_source("throws-non-std", context);
        FAIL() << "create did not throw";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "plugin throws-non-std: unknown exception");
    }
}

TEST(Loader, UnavailableMessageSurvivesTheLibraryBeingReleased) {
    RecordingContext context;
    std::exception_ptr caught;
    {
        PluginRegistry registry;
        ASSERT_TRUE(verdict_of(registry, "unavailable").loaded);
        try {
            (void)registry.create_source("unavailable", context);
        } catch (const PluginUnavailable&) {
            caught = std::current_exception();
        }
        ASSERT_TRUE(caught) << "PluginUnavailable was not rethrown as such";
        EXPECT_TRUE(is_mapped(fixture_file("unavailable")));
    }
    // The registry held the last reference: the plugin's code is gone now.
    ASSERT_FALSE(is_mapped(fixture_file("unavailable")));
    try {
        std::rethrow_exception(caught);
    } catch (const PluginUnavailable& e) {
        EXPECT_STREQ(e.what(), "unavailable: needs CAP_NET_RAW");
    }
}

TEST(Loader, ExceptionFromCollectReachesTheHost) {
    RecordingContext context;
    PluginRegistry registry;
    ASSERT_TRUE(verdict_of(registry, "throws-in-collect").loaded);
    std::shared_ptr<Source> source = registry.create_source("throws-in-collect", context);
    Sample sample;
    try {
        source->collect(sample);
        FAIL() << "collect did not throw";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "collect failed on purpose");
    }
    source.reset();
    EXPECT_TRUE(context.logged("destroyed"));
}

TEST(Loader, ObjectsOutliveTheRegistryAndTheLibraryUnloadsAfterTheLast) {
    RecordingContext context;
    std::shared_ptr<Source> first;
    std::shared_ptr<Source> second;
    {
        PluginRegistry registry;
        ASSERT_TRUE(verdict_of(registry, "good-source").loaded);
        first = registry.create_source("good-source", context);
        second = registry.create_source("good-source", context);
    }
    // Registry gone; the objects keep the code mapped and still work.
    ASSERT_TRUE(is_mapped(fixture_file("good-source")));
    Sample sample;
    EXPECT_EQ(first->collect(sample).code, CollectStatus::Code::Ok);
    EXPECT_EQ(sample.sockets.size(), 1u);

    first.reset();
    EXPECT_TRUE(is_mapped(fixture_file("good-source")));
    second.reset();
    // Both destructors ran (in plugin code) before the library went away.
    EXPECT_EQ(std::count(context.lines.begin(), context.lines.end(), "destroyed"), 2);
    EXPECT_FALSE(is_mapped(fixture_file("good-source")));
}

TEST(Loader, DuplicateIdFirstDirectoryWins) {
    RecordingContext context;
    PluginRegistry registry;
    registry.discover({SearchDir{SSTOP_FIXTURE_GOOD_SOURCE_DIR, "first"},
                       SearchDir{SSTOP_FIXTURE_DUPLICATE_DIR, "second"}});
    ASSERT_EQ(registry.files().size(), 2u);
    const PluginFile& first = registry.files()[0];
    const PluginFile& dup = registry.files()[1];
    EXPECT_TRUE(first.loaded);
    EXPECT_EQ(first.version, "1.0.0");
    EXPECT_FALSE(dup.loaded);
    EXPECT_EQ(dup.version, "2.0.0-duplicate");
    EXPECT_EQ(dup.reason, "duplicate of " + first.path);
    EXPECT_EQ(registry.ids("source"), std::vector<std::string>{"good-source"});
    EXPECT_FALSE(is_mapped(dup.path));
    EXPECT_TRUE(is_mapped(first.path));
    EXPECT_NE(registry.create_source("good-source", context), nullptr);
}

TEST(Loader, CreateRejectsUnknownIdsAndTheWrongKind) {
    RecordingContext context;
    PluginRegistry registry;
    ASSERT_TRUE(verdict_of(registry, "good-source").loaded);
    EXPECT_THROW((void)registry.create_source("nope", context), std::runtime_error);
    try {
        (void)registry.create_view("good-source", context);
        FAIL() << "create_view accepted a source";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "plugin good-source is a source, not a view");
    }
    EXPECT_TRUE(context.lines.empty()) << "no object should have been created";
}

TEST(Loader, ObjectNotImplementingItsDeclaredKindIsDeletedAndRefused) {
    RecordingContext context;
    PluginRegistry registry;
    ASSERT_TRUE(verdict_of(registry, "lying-kind").loaded);
    EXPECT_EQ(registry.kind_of("lying-kind"), "view");
    try {
        (void)registry.create_view("lying-kind", context);
        FAIL() << "a Source was accepted as a View";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("does not implement the view interface"));
    }
    EXPECT_TRUE(context.logged("destroyed"));
}

TEST(Loader, MissingDirectoriesAreIgnoredAndFilesAreSortedByName) {
    ScratchDir scratch("sorted");
    const fs::path lib = fixture_file("no-entry");
    fs::copy_file(lib, scratch.path() / "b.so");
    fs::copy_file(lib, scratch.path() / "a.so");
    fs::copy_file(lib, scratch.path() / "c.txt");
    fs::create_directory(scratch.path() / "d.so");

    PluginRegistry registry;
    registry.discover({SearchDir{(scratch.path() / "missing").string(), "test"},
                       SearchDir{scratch.path().string(), "test"}});
    ASSERT_EQ(registry.files().size(), 2u);
    EXPECT_EQ(registry.files()[0].path, (scratch.path() / "a.so").string());
    EXPECT_EQ(registry.files()[1].path, (scratch.path() / "b.so").string());
    EXPECT_EQ(registry.files()[0].id, "a");
}

TEST(Loader, AsRootRefusesFilesAndDirectoriesWritableByOthers) {
    if (::geteuid() != 0) GTEST_SKIP() << "only enforced when running as root";
    ScratchDir scratch("perms");
    const fs::path copy = scratch.path() / "good-source.so";
    fs::copy_file(fixture_file("good-source"), copy);
    fs::permissions(copy, fs::perms(0755));
    {
        PluginRegistry registry;
        registry.discover({SearchDir{scratch.path().string(), "test"}});
        ASSERT_EQ(registry.files().size(), 1u);
        EXPECT_TRUE(registry.files()[0].loaded) << registry.files()[0].reason;
    }
    fs::permissions(copy, fs::perms(0775));
    {
        PluginRegistry registry;
        registry.discover({SearchDir{scratch.path().string(), "test"}});
        ASSERT_EQ(registry.files().size(), 1u);
        EXPECT_FALSE(registry.files()[0].loaded);
        EXPECT_THAT(registry.files()[0].reason, HasSubstr("writable by group or others"));
        EXPECT_FALSE(is_mapped(copy.string()));
    }
    fs::permissions(copy, fs::perms(0755));
    fs::permissions(scratch.path(), fs::perms(0777));
    {
        PluginRegistry registry;
        registry.discover({SearchDir{scratch.path().string(), "test"}});
        ASSERT_EQ(registry.files().size(), 1u);
        EXPECT_FALSE(registry.files()[0].loaded);
        EXPECT_THAT(registry.files()[0].reason,
                    HasSubstr(scratch.path().string() + " is writable by group or others"));
    }
}

}  // namespace
}  // namespace sstop::host
