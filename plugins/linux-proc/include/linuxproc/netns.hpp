#pragma once
/// @file netns.hpp
/// Network namespaces that have processes in them, found by `stat`ing `/proc/<pid>/ns/net`:
/// the inode of that file is the namespace's identity (what `SocketKey::netns` holds).
///
/// Cost model: one `fstatat` per pid per pass, no file read. The pass rides on a listing of
/// `/proc` that is done anyway: `OwnerMap::attribute` calls `observe` for every pid it lists
/// when a `NetnsEnumerator` is attached to it (`OwnerMap::track_namespaces`); `scan` is a
/// standalone pass for start-up and tests.
///
/// Privileges: stat of another user's `ns/net` needs ptrace read access (CAP_SYS_PTRACE).
/// A pid whose link cannot be followed is skipped (it counts in `unreadable`).
///
/// Not thread-safe: one owner (a source's collector thread) calls it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sstop::plugins::linuxproc {

/// Most namespaces an enumerator keeps by default; the rest of a pass is dropped and counted.
inline constexpr std::size_t kMaxNetworkNamespaces = 1024;

/// One network namespace with processes in it.
struct NetnsEntry {
    std::uint64_t inode = 0;  ///< inode of `/proc/<pid>/ns/net`
    std::int32_t pid = 0;     ///< a process in it, to reach it through `/proc/<pid>/ns/net`
};

/// The namespaces that decide what "own" and "all" mean.
struct NetnsIdentity {
    std::uint64_t own = 0;      ///< the caller's (`<proc_root>/self/ns/net`), 0 = unknown
    std::uint64_t initial = 0;  ///< the initial namespace (pid 1's, or kthreadd's), 0 = unknown
    /// True when both are known and equal: the caller runs in the initial network namespace.
    bool in_initial() const { return own != 0 && own == initial; }
};

/// Which network namespaces a socket source reads (its option `namespaces`; netlink and
/// procnet share the values and what they mean).
enum class NamespacesMode : std::uint8_t {
    Auto,  ///< `All` when sstop runs in the initial network namespace, else `Own`
    Own,   ///< only the namespace sstop runs in
    All,   ///< every namespace that has a process in it
};

/// Parses the option's value: "auto", "own" or "all"; nullopt for anything else.
std::optional<NamespacesMode> parse_namespaces_mode(std::string_view text);

/// True when `mode` means reading every namespace for a source running where `id` says
/// (`Auto` inside a container or under `ip netns exec` means only that one).
bool dumps_all_namespaces(NamespacesMode mode, const NetnsIdentity& id);

/// Reads the caller's and the initial network namespace. Pid 1's link is unreadable when pid
/// 1 holds capabilities the caller lacks (some sandboxes); kthreadd (pid 2, parent 0) is in
/// the initial namespace too, so it answers then.
NetnsIdentity read_netns_identity(const std::string& proc_root = "/proc");

/// The inode of the namespace file at `path` (following the link), 0 when it cannot be read.
std::uint64_t netns_inode(const std::string& path);

/// Network namespace inode → one representative pid, rebuilt by every pass.
class NetnsEnumerator {
  public:
    /// Keeps at most `max_namespaces` namespaces per pass.
    explicit NetnsEnumerator(std::size_t max_namespaces = kMaxNetworkNamespaces);

    /// Starts a pass.
    void begin();
    /// One pid of the pass: one `fstatat(root_fd, "<pid>/ns/net")`.
    void observe(int root_fd, std::int32_t pid);
    /// Ends a pass: namespaces without a process seen in it are gone.
    void end();
    /// A whole pass over `<proc_root>`; false when it cannot be listed (the result is kept).
    bool scan(const std::string& proc_root);

    /// The namespaces of the last finished pass, by inode. A namespace keeps the pid that
    /// represented it before while that pid is still in it (a long-lived one stays);
    /// otherwise its lowest pid (usually its oldest process) represents it.
    const std::vector<NetnsEntry>& namespaces() const { return namespaces_; }
    /// Namespaces the last pass dropped because of the bound (distinct ones, up to 65,536;
    /// past that every further pid of a dropped namespace counts).
    std::uint64_t dropped() const { return dropped_; }
    /// Pids of the last pass whose `ns/net` could not be followed (gone, no privileges).
    std::uint64_t unreadable() const { return unreadable_; }
    /// Finished passes.
    std::uint64_t passes() const { return passes_; }

  private:
    std::size_t max_;
    std::unordered_map<std::uint64_t, std::int32_t> pass_;  ///< bounded by max_
    std::unordered_map<std::uint64_t, std::int32_t> previous_;
    std::unordered_set<std::uint64_t> over_;  ///< inodes dropped this pass, bounded
    std::vector<NetnsEntry> namespaces_;
    std::uint64_t dropped_ = 0;
    std::uint64_t pass_dropped_ = 0;
    std::uint64_t unreadable_ = 0;
    std::uint64_t pass_unreadable_ = 0;
    std::uint64_t passes_ = 0;
};

}  // namespace sstop::plugins::linuxproc
