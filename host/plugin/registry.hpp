#pragma once
// Plugin discovery and loading (Boost.DLL). Loads from one thread (the main thread).

#include <cstdint>
#include <memory>
#include <sstop/exporter.hpp>
#include <sstop/plugin.hpp>
#include <sstop/source.hpp>
#include <sstop/view.hpp>
#include <string>
#include <vector>

namespace sstop::host {

/// One plugin file found during discovery, with the verdict on it.
struct PluginFile {
    std::string path;         ///< absolute path of the file
    std::string id;           ///< from the descriptor, or the file stem if unreadable
    std::string kind;         ///< "source", "view", "exporter", or "?" if unknown
    std::string version;      ///< plugin's version, empty if unknown
    std::string description;  ///< one line, empty if unknown
    std::string abi;          ///< "1.0", empty if unknown
    std::string build_key;    ///< the plugin's build key, empty if unknown
    /// What of a snapshot it reads (`SSTOP_CONSUMES_*`; everything before ABI 1.4).
    std::uint32_t consumes = SSTOP_CONSUMES_ALL;
    bool loaded = false;  ///< verdict: usable
    std::string reason;   ///< why it was skipped (one line), empty when loaded
};

/// A directory to search, and where it came from ("--plugin-path", "config", "env",
/// "build tree", "install").
struct SearchDir {
    std::string path;
    std::string origin;
};

class LoadedLibrary;  // a loaded, checked plugin library (opaque)

/// Whether plugin files and the directories above them are checked before loading, and
/// whom they may belong to. Checked (running elevated): every directory from the plugin
/// directory up to / and the file itself must be owned by root or one of `owners`, and must
/// not be writable by group or others (a sticky directory such as /tmp is fine: its entries
/// are checked by owner); the file must be a regular file, not a symbolic link. The file is
/// checked on its opened descriptor and loaded through that descriptor (/proc/self/fd/<n>),
/// so a file swapped in between check and load is never the one loaded.
struct PluginTrust {
    bool enforce = false;               ///< check before loading
    std::vector<std::uint32_t> owners;  ///< trusted owner uids besides root (0)
};

/// The policy for this process: checks when `elevated`; trusted owners are root and the
/// owner of the running executable's file (/proc/self/exe), so a build tree run with sudo by
/// the user who built it still loads its plugins.
PluginTrust plugin_trust(bool elevated);

/// Finds plugin files in the search directories (in order), loads each with Boost.DLL by
/// absolute path, reads its descriptor and applies the ABI rule; the first file with an id
/// wins, later ones are skipped as duplicates. Objects created from a library keep it
/// loaded; the registry may be destroyed before them.
class PluginRegistry {
  public:
    /// Checks as plugin_trust(geteuid() == 0) says.
    PluginRegistry();
    /// Checks as `trust` says.
    explicit PluginRegistry(PluginTrust trust);
    ~PluginRegistry();
    PluginRegistry(const PluginRegistry&) = delete;
    PluginRegistry& operator=(const PluginRegistry&) = delete;

    /// Scans `dirs` (missing directories are ignored) for `*.so` files (`*.dylib` on macOS).
    void discover(const std::vector<SearchDir>& dirs);

    /// Every file found, in discovery order, with its verdict.
    const std::vector<PluginFile>& files() const;

    /// True if a plugin with `id` was loaded.
    bool has(const std::string& id) const;
    /// The kind of a loaded plugin ("source", "view", "exporter"), empty if none.
    std::string kind_of(const std::string& id) const;
    /// What a loaded plugin reads of a snapshot (`SSTOP_CONSUMES_*`), everything if unknown.
    std::uint32_t consumes_of(const std::string& id) const;
    /// The option schema of a loaded plugin (empty list if none).
    OptionList options_of(const std::string& id) const;
    /// Ids of loaded plugins of a kind, in discovery order.
    std::vector<std::string> ids(const std::string& kind) const;

    /// Create the plugin's object. The returned pointer keeps the library loaded until the
    /// object is destroyed. Rethrows `PluginUnavailable`; any other exception becomes
    /// std::runtime_error("plugin <id>: <what>"). Throws std::runtime_error if `id` is not a
    /// loaded plugin of that kind. `context` must outlive the object.
    std::shared_ptr<Source> create_source(const std::string& id, PluginContext& context);
    std::shared_ptr<View> create_view(const std::string& id, PluginContext& context);
    std::shared_ptr<Exporter> create_exporter(const std::string& id, PluginContext& context);

    /// Unloads every library no created object holds, and forgets its plugin (`has` is then
    /// false for it). Called once every object of the run exists, so plugins found but not
    /// used (views of a headless run, exporters not configured) cost no memory. Returns how
    /// many were unloaded.
    std::size_t unload_unused();

  private:
    struct State;
    std::unique_ptr<State> state_;
};

/// The search order of DESIGN.md: each `--plugin-path`, then `plugins.paths` from the config,
/// then `$SSTOP_PLUGIN_PATH` (colon-separated), then `<exe dir>/../lib/sstop/plugins`, then
/// `install_dir`. Relative paths are made absolute against the current directory.
std::vector<SearchDir> plugin_search_dirs(const std::vector<std::string>& cli_paths,
                                          const std::vector<std::string>& config_paths,
                                          const char* env_value, const std::string& exe_path,
                                          const std::string& install_dir);

/// As above; when `elevated`, `$SSTOP_PLUGIN_PATH` is ignored (a directory in it is searched
/// only if `--plugin-path` also names it), and one line saying so is appended to `notices`
/// when the variable had any entry.
std::vector<SearchDir> plugin_search_dirs(const std::vector<std::string>& cli_paths,
                                          const std::vector<std::string>& config_paths,
                                          const char* env_value, const std::string& exe_path,
                                          const std::string& install_dir, bool elevated,
                                          std::vector<std::string>& notices);

}  // namespace sstop::host
