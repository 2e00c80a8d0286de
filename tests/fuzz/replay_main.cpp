// Replays corpus and regression files through one fuzz target without libFuzzer, so the normal
// (g++) build checks every saved input on every commit. Arguments are files or directories
// (walked recursively); a directory that does not exist is skipped, because git does not keep
// empty regression folders. No input at all is an error: a lost corpus must not pass silently.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool replay_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "fuzz replay: cannot read %s\n", path.c_str());
        return false;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    // A copy in its own allocation, so ASan catches a read one past the end of the input.
    std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
    std::fprintf(stderr, "fuzz replay: %s (%zu bytes)\n", path.c_str(), input.size());
    LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t replayed = 0;
    std::size_t unreadable = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg(argv[i]);
        std::error_code ec;
        if (std::filesystem::is_directory(arg, ec)) {
            std::vector<std::filesystem::path> files;
            for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
                if (entry.is_regular_file() && entry.path().filename() != "README.md")
                    files.push_back(entry.path());
            }
            std::sort(files.begin(), files.end());  // a stable order makes failures repeatable
            for (const auto& f : files) (replay_file(f) ? replayed : unreadable) += 1;
        } else if (std::filesystem::is_regular_file(arg, ec)) {
            (replay_file(arg) ? replayed : unreadable) += 1;
        }
    }
    std::printf("fuzz replay: %zu inputs replayed, %zu unreadable\n", replayed, unreadable);
    return replayed > 0 && unreadable == 0 ? 0 : 1;
}
