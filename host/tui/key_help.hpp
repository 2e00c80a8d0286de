#pragma once
// The interactive keys, in one table: the help overlay (`?`) and `sstop --help` are both drawn
// from it, and a test holds the man page (docs/sstop.1) to it, so the three cannot drift.

#include <array>
#include <cstdint>
#include <string_view>

namespace sstop::tui {

/// Who handles a key, which decides where it is listed.
enum class KeyGroup : std::uint8_t {
    Host,  ///< the UI shell itself, in every tab
    List,  ///< the lists of the built-in views (view-common's cursor); a third-party view
           ///< may differ, and lists its own keys in its hints
};

/// What the help overlay appends to an entry's description: the setting's current value.
enum class KeyNow : std::uint8_t { Nothing, Sort, Interval };

/// One line of key help.
struct KeyHelp {
    std::string_view keys;  ///< space-separated alternatives as a user names them: "q Ctrl-C"
    std::string_view what;  ///< what they do; short enough for the overlay with its "(now: …)"
    KeyGroup group = KeyGroup::Host;
    KeyNow now = KeyNow::Nothing;
};

/// Widest `keys` text: the overlay's and --help's key column is sized for it.
inline constexpr std::size_t kKeyHelpKeysWidth = 14;
/// Widest `what` text plus any "(now: …)" suffix: the overlay's description column.
inline constexpr std::size_t kKeyHelpWhatWidth = 43;

/// Every key of the interactive UI that the host and the built-in views' lists handle, in
/// the order shown. Tab hotkeys and a view's own keys come from the views at run time.
inline constexpr std::array kKeyHelp{
    KeyHelp{"1-9 Tab S-Tab", "switch tab"},
    KeyHelp{"/", "filter the rows (Enter keeps, Esc clears)"},
    KeyHelp{"Esc", "clear the filter (in details: back)"},
    KeyHelp{"s", "next sort order", KeyGroup::Host, KeyNow::Sort},
    KeyHelp{"Space", "pause the display (collection goes on)"},
    KeyHelp{"+ -", "longer/shorter update interval", KeyGroup::Host, KeyNow::Interval},
    KeyHelp{"a", "rates / bytes since start (cumulative)"},
    KeyHelp{"d", "names / addresses"},
    KeyHelp{"i", "next interface (or all) in the header"},
    KeyHelp{"K", "send a signal to the selected process"},
    KeyHelp{"?", "show the keys, with the current view's own"},
    KeyHelp{"q Ctrl-C", "quit"},
    KeyHelp{"Click", "on the tab bar: switch tab"},
    KeyHelp{"j k Down Up", "next / previous row", KeyGroup::List},
    KeyHelp{"PgDn PgUp", "a page down / up", KeyGroup::List},
    KeyHelp{"Ctrl-D Ctrl-U", "half a page down / up", KeyGroup::List},
    KeyHelp{"g Home", "first row", KeyGroup::List},
    KeyHelp{"G End", "last row", KeyGroup::List},
    KeyHelp{"Enter", "open the row's details (Processes)", KeyGroup::List},
    KeyHelp{"Click", "select a row", KeyGroup::List},
    KeyHelp{"Double-click", "select and open details (Processes)", KeyGroup::List},
    KeyHelp{"Wheel", "move the selection three rows", KeyGroup::List},
};

/// Every entry fits its column (all ASCII, so bytes are cells), the overlay's longest
/// suffixes included: " (now: connections)" and " (now: 100ms)".
constexpr bool key_help_fits() {
    for (const KeyHelp& k : kKeyHelp) {
        const std::size_t suffix = k.now == KeyNow::Sort ? 19 : k.now == KeyNow::Interval ? 13 : 0;
        if (k.keys.empty() || k.keys.size() > kKeyHelpKeysWidth ||
            k.what.size() + suffix > kKeyHelpWhatWidth)
            return false;
    }
    return true;
}
static_assert(key_help_fits(), "a key help entry is wider than its column");

/// Heading of the KeyGroup::List entries, in the overlay and in --help.
inline constexpr std::string_view kListKeysHeading = "Keys in the lists of the built-in views:";

}  // namespace sstop::tui
