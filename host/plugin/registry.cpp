// Plugin discovery, the descriptor checks, and the lifetime rule for plugin objects.
//
// Threads: every member of PluginRegistry is called on the main thread only (at start-up,
// before the collector and UI threads exist). dlopen/dlerror state and the registry's vectors
// are not guarded. Objects returned by create_* may then be used and destroyed on any thread;
// their deleter touches only the library they hold.

#include "plugin/registry.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>

#include "plugin/library_file.hpp"

namespace sstop::host {
namespace {

namespace fs = std::filesystem;

#if defined(__APPLE__)
constexpr const char* kLibrarySuffix = ".dylib";
#else
constexpr const char* kLibrarySuffix = ".so";
#endif

// Bounds the verdict list: a directory full of junk must not make discovery unbounded.
constexpr std::size_t kMaxPluginFiles = 1024;
// Bounds how much of a descriptor string is copied; strings come from code we do not trust yet.
constexpr std::size_t kMaxDescriptorString = 256;

struct LoadedPlugin {
    std::string id;
    std::string path;
    std::shared_ptr<const LoadedLibrary> library;
};

const char* kind_name(std::uint32_t kind) {
    switch (static_cast<PluginKind>(kind)) {
        case PluginKind::Source:
            return "source";
        case PluginKind::View:
            return "view";
        case PluginKind::Exporter:
            return "exporter";
    }
    return "?";
}

// A descriptor string made safe to print on one line; null becomes empty.
std::string printable(const char* text) {
    std::string out;
    if (text == nullptr) return out;
    for (std::size_t i = 0; text[i] != '\0' && i < kMaxDescriptorString; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
    }
    return out;
}

bool valid_id_chars(const std::string& id) {
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

std::string abi_string(unsigned major, unsigned minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

// Sorted `*.so` regular files of `dir`; empty when the directory is missing or unreadable.
std::vector<fs::path> library_files(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return out;
    for (const fs::directory_iterator end; it != end; it.increment(ec)) {
        if (ec) break;
        const fs::path& p = it->path();
        std::error_code type_ec;
        if (p.extension() != kLibrarySuffix || !it->is_regular_file(type_ec)) continue;
        out.push_back(p);
        if (out.size() >= kMaxPluginFiles) break;
    }
    std::sort(out.begin(), out.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
    return out;
}

}  // namespace

struct PluginRegistry::State {
    PluginTrust trust;
    std::vector<PluginFile> files;
    std::vector<LoadedPlugin> loaded;

    const LoadedPlugin* find(const std::string& id) const {
        for (const auto& p : loaded) {
            if (p.id == id) return &p;
        }
        return nullptr;
    }

    // Fills `file` with what can be read and the verdict; returns the library when it passed.
    // `dir_fd` is the open directory of `path` when the trust policy is enforced, else -1.
    std::shared_ptr<const LoadedLibrary> inspect(int dir_fd, const fs::path& path,
                                                 PluginFile& file) const;

    template <class T>
    std::shared_ptr<T> create(const std::string& id, PluginKind kind, PluginContext& context);
};

std::shared_ptr<const LoadedLibrary> PluginRegistry::State::inspect(int dir_fd,
                                                                    const fs::path& path,
                                                                    PluginFile& file) const {
    const std::string stem = path.stem().string();
    file.path = path.string();
    file.id = stem;
    file.kind = "?";

    // Declared before `opened`: the descriptor is closed only after the library is released.
    PluginFd fd;
    OpenResult opened;
    if (trust.enforce) {
        // Check the opened file and load that very file: a swap after the check cannot win.
        CheckedFile checked = open_checked_file(dir_fd, path.filename().string(), file.path, trust);
        if (!checked.problem.empty()) {
            file.reason = checked.problem;
            return nullptr;
        }
        fd = std::move(checked.fd);
        opened = open_library_fd(fd.get(), file.path);
    } else {
        opened = open_library(file.path);
    }
    if (!opened.error.empty()) {
        file.reason = opened.error;
        return nullptr;
    }
    // From here on, returning without a LoadedLibrary unloads the file (opened goes away).
    if (!opened.library.has(SSTOP_PLUGIN_ENTRY_NAME)) {
        file.reason = "no " SSTOP_PLUGIN_ENTRY_NAME " entry point (not an sstop plugin)";
        return nullptr;
    }
    using EntryFn = std::remove_pointer_t<sstop_plugin_v1_fn>;
    auto& entry = opened.library.get<EntryFn>(SSTOP_PLUGIN_ENTRY_NAME);
    const sstop_plugin_descriptor_v1* d = nullptr;
    try {
        d = entry();
    } catch (const std::exception& e) {
        file.reason = SSTOP_PLUGIN_ENTRY_NAME " threw: " + printable(e.what());
        return nullptr;
    } catch (...) {
        file.reason = SSTOP_PLUGIN_ENTRY_NAME " threw an unknown exception";
        return nullptr;
    }
    if (d == nullptr) {
        file.reason = SSTOP_PLUGIN_ENTRY_NAME " returned no descriptor";
        return nullptr;
    }

    // struct_size, abi_major and abi_minor sit at the same offsets in every version, so they
    // are safe to read first; the rest of the layout is trusted only after the major matches.
    // ABI 1.0 ends with `create`; later minors append fields, read only where present.
    constexpr std::size_t kMinDescriptor =
        offsetof(sstop_plugin_descriptor_v1, create) + sizeof(d->create);
    if (d->struct_size < kMinDescriptor) {
        file.reason = "descriptor too small (" + std::to_string(d->struct_size) + " bytes, need " +
                      std::to_string(kMinDescriptor) + ")";
        return nullptr;
    }
    file.abi = abi_string(d->abi_major, d->abi_minor);
    if (d->abi_major != SSTOP_ABI_MAJOR) {
        file.reason = "ABI " + file.abi + " is not supported by this sstop (ABI " +
                      abi_string(SSTOP_ABI_MAJOR, SSTOP_ABI_MINOR) + ")";
        return nullptr;
    }
    const std::string id = printable(d->id);
    if (!id.empty()) file.id = id;
    file.kind = kind_name(d->kind);
    file.version = printable(d->version);
    file.description = printable(d->description);
    file.build_key = printable(d->build_key);
    constexpr std::size_t kConsumesEnd =
        offsetof(sstop_plugin_descriptor_v1, consumes) + sizeof(d->consumes);
    file.consumes = d->struct_size >= kConsumesEnd ? d->consumes : SSTOP_CONSUMES_ALL;

    if (d->abi_minor > SSTOP_ABI_MINOR) {
        file.reason = "built for ABI " + file.abi + ", newer than this sstop's " +
                      abi_string(SSTOP_ABI_MAJOR, SSTOP_ABI_MINOR);
        return nullptr;
    }
    if (d->build_key == nullptr || file.build_key != SSTOP_BUILD_KEY) {
        file.reason = "built with '" + file.build_key + "', this sstop is '" SSTOP_BUILD_KEY "'";
        return nullptr;
    }
    if (id.empty()) {
        file.reason = "the descriptor has no id";
        return nullptr;
    }
    if (!valid_id_chars(id)) {
        file.reason = "id '" + id + "' may contain only a-z, 0-9 and '-'";
        return nullptr;
    }
    if (id != stem) {
        file.reason =
            "id '" + id + "' does not match the file name '" + path.filename().string() + "'";
        return nullptr;
    }
    if (file.kind == "?") {
        file.reason = "unknown plugin kind " + std::to_string(d->kind);
        return nullptr;
    }
    if (d->create == nullptr) {
        file.reason = "the descriptor has no create function";
        return nullptr;
    }
    if (const LoadedPlugin* first = find(id)) {
        file.reason = "duplicate of " + first->path;
        return nullptr;
    }
    file.loaded = true;
    return std::make_shared<const LoadedLibrary>(std::move(opened.library), d, std::move(fd));
}

template <class T>
std::shared_ptr<T> PluginRegistry::State::create(const std::string& id, PluginKind kind,
                                                 PluginContext& context) {
    const LoadedPlugin* plugin = find(id);
    const char* wanted = kind_name(static_cast<std::uint32_t>(kind));
    if (plugin == nullptr)
        throw std::runtime_error("no " + std::string(wanted) + " plugin '" + id + "' is loaded");
    const sstop_plugin_descriptor_v1& d = plugin->library->descriptor();
    if (d.kind != static_cast<std::uint32_t>(kind)) {
        throw std::runtime_error("plugin " + id + " is a " + kind_name(d.kind) + ", not a " +
                                 wanted);
    }
    // The deleter's own reference: the object's code lives in this library.
    std::shared_ptr<const LoadedLibrary> library = plugin->library;

    Plugin* object = nullptr;
    try {
        object = d.create(context);
    } catch (const PluginUnavailable& e) {
        // The caught object's vtable is in the plugin; the one thrown on is built by the host,
        // so its message survives the library being released.
        throw PluginUnavailable(std::string(e.what()));
    } catch (const std::exception& e) {
        throw std::runtime_error("plugin " + id + ": " + e.what());
    } catch (...) {
        throw std::runtime_error("plugin " + id + ": unknown exception");
    }
    if (object == nullptr) throw std::runtime_error("plugin " + id + ": create returned no object");

    T* typed = dynamic_cast<T*>(object);
    if (typed == nullptr) {
        delete object;
        throw std::runtime_error("plugin " + id + ": its object does not implement the " + wanted +
                                 " interface");
    }
    // Destroy the object first, then drop the library reference: the destructor and vtable
    // live in the library, so the reverse order would run unmapped code.
    return std::shared_ptr<T>(typed, [library = std::move(library)](T* p) mutable {
        delete p;
        library.reset();
    });
}

PluginTrust plugin_trust(bool elevated) {
    PluginTrust trust;
    trust.enforce = elevated;
    struct stat st {};
    if (::stat("/proc/self/exe", &st) == 0 && st.st_uid != 0) trust.owners.push_back(st.st_uid);
    return trust;
}

PluginRegistry::PluginRegistry() : PluginRegistry(plugin_trust(::geteuid() == 0)) {}

PluginRegistry::PluginRegistry(PluginTrust trust) : state_(std::make_unique<State>()) {
    state_->trust = std::move(trust);
}
PluginRegistry::~PluginRegistry() = default;

void PluginRegistry::discover(const std::vector<SearchDir>& dirs) {
    for (const SearchDir& dir : dirs) {
        std::error_code ec;
        const fs::path base = fs::absolute(fs::path(dir.path), ec);
        if (ec) continue;
        // A directory writable by others lets them swap in code we would run as root. The
        // chain is checked on the opened directory, and files are opened relative to it.
        UniqueFd dir_fd;
        std::string dir_problem;
        if (state_->trust.enforce) {
            if (!fs::is_directory(base, ec)) continue;
            dir_fd = UniqueFd(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (dir_fd.get() < 0) continue;
            // Named by its real path: the walk goes up the real tree, not through symlinks.
            const fs::path real = fs::canonical(base, ec);
            dir_problem =
                directory_chain_problem(dir_fd.get(), (ec ? base : real).string(), state_->trust);
        }
        for (const fs::path& path : library_files(base)) {
            if (state_->files.size() >= kMaxPluginFiles) return;
            PluginFile file;
            std::shared_ptr<const LoadedLibrary> library;
            try {
                if (!dir_problem.empty()) {
                    file.path = path.string();
                    file.id = path.stem().string();
                    file.kind = "?";
                    file.reason = dir_problem;
                } else {
                    library = state_->inspect(dir_fd.get(), path, file);
                }
            } catch (const std::exception& e) {
                file.loaded = false;
                file.reason = std::string("could not inspect: ") + e.what();
                library.reset();
            }
            if (library) {
                state_->loaded.push_back(LoadedPlugin{file.id, file.path, std::move(library)});
            }
            state_->files.push_back(std::move(file));
        }
    }
}

const std::vector<PluginFile>& PluginRegistry::files() const { return state_->files; }

bool PluginRegistry::has(const std::string& id) const { return state_->find(id) != nullptr; }

std::string PluginRegistry::kind_of(const std::string& id) const {
    const LoadedPlugin* p = state_->find(id);
    return p == nullptr ? std::string() : kind_name(p->library->descriptor().kind);
}

std::uint32_t PluginRegistry::consumes_of(const std::string& id) const {
    const LoadedPlugin* p = state_->find(id);
    if (p == nullptr) return SSTOP_CONSUMES_ALL;
    const sstop_plugin_descriptor_v1& d = p->library->descriptor();
    // A plugin built before ABI 1.4 has no such field: it is taken as reading everything.
    constexpr std::size_t kEnd =
        offsetof(sstop_plugin_descriptor_v1, consumes) + sizeof(d.consumes);
    return d.struct_size >= kEnd ? d.consumes : SSTOP_CONSUMES_ALL;
}

OptionList PluginRegistry::options_of(const std::string& id) const {
    const LoadedPlugin* p = state_->find(id);
    if (p == nullptr) return {};
    const sstop_plugin_descriptor_v1& d = p->library->descriptor();
    if (d.options == nullptr) return {};
    return OptionList{d.options, d.option_count};
}

std::vector<std::string> PluginRegistry::ids(const std::string& kind) const {
    std::vector<std::string> out;
    for (const auto& p : state_->loaded) {
        if (kind == kind_name(p.library->descriptor().kind)) out.push_back(p.id);
    }
    return out;
}

std::size_t PluginRegistry::unload_unused() {
    auto& loaded = state_->loaded;
    const std::size_t before = loaded.size();
    // use_count 1: only this entry holds the library (an object holds it too while it lives).
    std::erase_if(loaded, [](const LoadedPlugin& p) { return p.library.use_count() == 1; });
    return before - loaded.size();
}

std::shared_ptr<Source> PluginRegistry::create_source(const std::string& id,
                                                      PluginContext& context) {
    return state_->create<Source>(id, PluginKind::Source, context);
}

std::shared_ptr<View> PluginRegistry::create_view(const std::string& id, PluginContext& context) {
    return state_->create<View>(id, PluginKind::View, context);
}

std::shared_ptr<Exporter> PluginRegistry::create_exporter(const std::string& id,
                                                          PluginContext& context) {
    return state_->create<Exporter>(id, PluginKind::Exporter, context);
}

}  // namespace sstop::host
