#pragma once
// What the terminal UI is told to look like: plain values, filled by the config layer from
// `ui:` (like core::AggregatorConfig), so the TUI needs no config or YAML code.

#include <map>
#include <string>

namespace sstop::tui {

/// Terminal UI settings (`ui:`).
struct UiConfig {
    std::string theme = "tokyo-night";
    std::string unicode = "auto";  ///< auto | always | never
    bool mouse = true;
    bool summary = false;  ///< `ui.summary`: print the session's top talkers on exit
    std::map<std::string, std::string> colors;  ///< role → "#rrggbb" overrides
};

}  // namespace sstop::tui
