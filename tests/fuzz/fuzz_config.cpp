// Fuzz target: YAML text through the config loader and validator. The only exception allowed
// out is sstop::host::ConfigError (main turns it into one clear line); anything else escaping,
// a crash, a hang or unbounded memory is a bug. Run with -rss_limit_mb=512. Every plugin
// section that loads is also checked against a schema with one option of each type, as the
// host does once a plugin declared its options.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iterator>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "fuzz_check.hpp"

namespace {

const sstop_option_v1 kSchema[] = {
    {"flag", SSTOP_OPTION_BOOL, "true", 0, 0, "a bool"},
    {"count", SSTOP_OPTION_INT, "4", 1, 1e6, "an int"},
    {"ratio", SSTOP_OPTION_DOUBLE, "0.5", 0, 1, "a double"},
    {"name", SSTOP_OPTION_STRING, "x", 0, 0, "a string"},
    {"period", SSTOP_OPTION_DURATION, "1s", 0.001, 3600, "a duration"},
    {"items", SSTOP_OPTION_STRING_LIST, "[a, b]", 0, 0, "a list"},
    {"mode", SSTOP_OPTION_CHOICE, "auto|own|all", 0, 0, "one word of a set"},
};

// ConfigError's what() is printed to the terminal as one line starting with the file name:
// no line breaks, and no control characters (an escape sequence from a config key would
// reach the terminal).
void check_message(const sstop::host::ConfigError& e, std::string_view file) {
    const std::string_view what = e.what();
    SSTOP_FUZZ_CHECK(what.substr(0, file.size()) == file);
    for (const char c : what) {
        const auto u = static_cast<unsigned char>(c);
        SSTOP_FUZZ_CHECK(u >= 0x20 && u != 0x7F);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const sstop::host::Config config = sstop::host::load_config_text(text, "fuzz.yaml");
        SSTOP_FUZZ_CHECK(config.path == "fuzz.yaml");
        for (const auto& [id, section] : config.plugin_sections) {
            try {
                const sstop::Options options = sstop::host::resolve_plugin_options(
                    config, id, kSchema, static_cast<std::uint32_t>(std::size(kSchema)));
                (void)options;
            } catch (const sstop::host::ConfigError& e) {
                check_message(e, "fuzz.yaml");
            }
        }
    } catch (const sstop::host::ConfigError& e) {
        check_message(e, "fuzz.yaml");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_config: escaped exception: %s\n", e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "fuzz_config: escaped non-std exception\n");
        std::abort();
    }
    return 0;
}
