#pragma once
/// @file plugin.hpp
/// The plugin ABI contract, v1.
///
/// A plugin is a shared library that exports one `extern "C"` function,
/// `sstop_plugin_v1`, returning a pointer to a static `sstop_plugin_descriptor_v1`. The host
/// reads the descriptor before it runs any other code of the plugin, and loads the plugin only
/// when all of these hold (otherwise it skips the file with a one-line reason, shown by
/// `sstop --list-plugins`):
///  1. `struct_size` covers every field of ABI 1.0 (through `create`; fields added in a
///     later minor are read only when `struct_size` covers them);
///  2. `abi_major == SSTOP_ABI_MAJOR` of the host;
///  3. `abi_minor <= SSTOP_ABI_MINOR` of the host (a plugin may not use what the host lacks);
///  4. `build_key` equals the host's `SSTOP_BUILD_KEY` (C++ types cross the boundary);
///  5. `id` is non-empty, `[a-z0-9-]`, equal to the file's stem, and unique.
///
/// Lifetime: the host keeps the library loaded while any object created by it lives, and
/// destroys plugin objects before releasing the library. Exceptions thrown by a plugin are
/// caught by the host at every call; a plugin that throws is disabled with its message.
///
/// A plugin's `plugin.cpp` is a few lines:
/// @code
///   static const sstop_option_v1 kOptions[] = {
///       {"proc_root", SSTOP_OPTION_STRING, "/proc", 0, 0, "where procfs is mounted"}};
///   SSTOP_REGISTER_SOURCE(ProcnetSource, "procnet", "1.0.0",
///                         "sockets from /proc/net", sstop::option_list(kOptions))
/// @endcode

#include <cstdint>
#include <sstop/model.hpp>
#include <sstop/options.hpp>
#include <sstop/version.hpp>
#include <string_view>

namespace sstop {

/// What a plugin is.
enum class PluginKind : std::uint32_t {
    Source = 1,    ///< produces `Sample`s (implements `sstop::Source`)
    View = 2,      ///< a tab of the terminal UI (implements `sstop::View`)
    Exporter = 3,  ///< consumes `Snapshot`s (implements `sstop::Exporter`)
};

/// Services the host offers to a plugin. Implemented by the host; a plugin only calls it.
/// New methods are only ever appended (an ABI minor change).
class SSTOP_VISIBLE PluginContext {
  public:
    virtual ~PluginContext() = default;
    /// The plugin's id, as in its descriptor.
    virtual std::string_view plugin_id() const = 0;
    /// The plugin's options, validated against its schema, defaults filled in.
    virtual const Options& options() const = 0;
    /// Writes one line to the log (and, for warnings and errors, to the status line).
    /// Thread-safe; never writes to the terminal directly.
    virtual void log(Notice::Level level, std::string_view message) = 0;
};

/// Common base of every object a plugin creates. Destroyed by the host, before the library
/// that holds its code is released.
class SSTOP_VISIBLE Plugin {
  public:
    virtual ~Plugin() = default;
};

/// Thrown by a plugin when it cannot work at all (e.g. a missing capability or kernel
/// module). The message is one line saying what is lost and how to get it back; the host
/// shows it and goes on without the plugin.
class SSTOP_VISIBLE PluginUnavailable : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace sstop

extern "C" {

/// What a consumer (an exporter or a view) reads of a snapshot besides the per-process,
/// per-host, per-port, per-group and per-interface summaries and the totals: the bits of the
/// descriptor's `consumes` (ABI 1.4).
enum : std::uint32_t {
    /// Each process's `ProcessSummary::sockets` list. When no running consumer reads it,
    /// the host leaves the lists empty (`connections` and `listening` still count them):
    /// copying every socket into every snapshot is most of what watching 20,000 idle
    /// sockets costs.
    SSTOP_CONSUMES_SOCKETS = 1u << 0,
    /// (ABI 1.5, views) The socket list of the process `View::selected_process()` returns,
    /// and every list while the context's `/` filter is set (a filter may match sockets).
    /// The host fills the other processes' lists only when another consumer reads them; a
    /// view with this bit must show a process whose list is empty although `connections` or
    /// `listening` count sockets as "not listed yet": the host publishes the list as soon as
    /// the process is selected, without waiting for the next update.
    SSTOP_CONSUMES_SELECTED_SOCKETS = 1u << 1,
    /// Everything (the default of the registration macros, and of any plugin built before
    /// ABI 1.4).
    SSTOP_CONSUMES_ALL = 0xffffffffu,
};

/// The descriptor a plugin exports. All pointers are to static data of the plugin library.
struct sstop_plugin_descriptor_v1 {
    std::uint32_t struct_size;  ///< `sizeof(sstop_plugin_descriptor_v1)` the plugin was built with
    std::uint16_t abi_major;    ///< `SSTOP_ABI_MAJOR` the plugin was built with
    std::uint16_t abi_minor;    ///< `SSTOP_ABI_MINOR` the plugin was built with
    std::uint32_t kind;         ///< a `sstop::PluginKind`
    const char* id;             ///< unique id = folder name = library file stem, `[a-z0-9-]+`
    const char* version;        ///< the plugin's own version, e.g. "1.0.0"
    const char* description;    ///< one line for `--list-plugins`
    const char* build_key;      ///< `SSTOP_BUILD_KEY` the plugin was built with
    const sstop_option_v1* options;  ///< option schema of its config section
    std::uint32_t option_count;      ///< number of entries in `options`
    /// Creates the plugin's object; called at most once per run, after the checks above.
    /// Returns an object of the interface that matches `kind`; may throw
    /// `sstop::PluginUnavailable`.
    sstop::Plugin* (*create)(sstop::PluginContext& context);
    /// ABI 1.4: what of a snapshot this plugin reads (`SSTOP_CONSUMES_*` bits); sources
    /// leave it `SSTOP_CONSUMES_ALL`. Absent (a smaller `struct_size`): everything.
    std::uint32_t consumes;
};

/// Type of the exported entry point.
typedef const sstop_plugin_descriptor_v1* (*sstop_plugin_v1_fn)();

}  // extern "C"

/// Name of the exported entry point (the ABI major is part of the name).
#define SSTOP_PLUGIN_ENTRY_NAME "sstop_plugin_v1"

/// Defines the entry point of a plugin of `kind` whose object is a `cls` constructed from
/// `sstop::PluginContext&`. Use the per-kind macros below.
#define SSTOP_REGISTER_PLUGIN_(kind, cls, id, version, description, options, consumes)             \
    static sstop::Plugin* sstop_create_plugin_(sstop::PluginContext& context) {                    \
        return new cls(context);                                                                   \
    }                                                                                              \
    extern "C" SSTOP_EXPORT const sstop_plugin_descriptor_v1* sstop_plugin_v1() {                  \
        static const sstop::OptionList option_list_ = options;                                     \
        static const sstop_plugin_descriptor_v1 descriptor_ = {sizeof(sstop_plugin_descriptor_v1), \
                                                               SSTOP_ABI_MAJOR,                    \
                                                               SSTOP_ABI_MINOR,                    \
                                                               static_cast<std::uint32_t>(kind),   \
                                                               (id),                               \
                                                               (version),                          \
                                                               (description),                      \
                                                               SSTOP_BUILD_KEY,                    \
                                                               option_list_.items,                 \
                                                               option_list_.count,                 \
                                                               &sstop_create_plugin_,              \
                                                               (consumes)};                        \
        return &descriptor_;                                                                       \
    }

/// Registers a source plugin: `cls` derives from `sstop::Source`.
#define SSTOP_REGISTER_SOURCE(cls, id, version, description, options)                         \
    SSTOP_REGISTER_PLUGIN_(sstop::PluginKind::Source, cls, id, version, description, options, \
                           SSTOP_CONSUMES_ALL)
/// Registers a view plugin: `cls` derives from `sstop::View`.
#define SSTOP_REGISTER_VIEW(cls, id, version, description, options)                         \
    SSTOP_REGISTER_PLUGIN_(sstop::PluginKind::View, cls, id, version, description, options, \
                           SSTOP_CONSUMES_ALL)
/// Registers a view that reads only what `consumes` names (`SSTOP_CONSUMES_*` bits, 0 for the
/// summaries alone, ABI 1.5).
#define SSTOP_REGISTER_VIEW_READING(cls, id, version, description, options, consumes)       \
    SSTOP_REGISTER_PLUGIN_(sstop::PluginKind::View, cls, id, version, description, options, \
                           consumes)
/// Registers an exporter plugin: `cls` derives from `sstop::Exporter`.
#define SSTOP_REGISTER_EXPORTER(cls, id, version, description, options)                         \
    SSTOP_REGISTER_PLUGIN_(sstop::PluginKind::Exporter, cls, id, version, description, options, \
                           SSTOP_CONSUMES_ALL)
/// Registers an exporter that reads only what `consumes` names (`SSTOP_CONSUMES_*` bits, 0 for
/// the summaries alone), so the host can leave out what no running consumer reads.
#define SSTOP_REGISTER_EXPORTER_READING(cls, id, version, description, options, consumes)       \
    SSTOP_REGISTER_PLUGIN_(sstop::PluginKind::Exporter, cls, id, version, description, options, \
                           consumes)
