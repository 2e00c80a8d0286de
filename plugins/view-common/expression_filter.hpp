#pragma once
/// @file expression_filter.hpp
/// The `/` text of a built-in view as a filter expression (`sstop/filter.hpp`, the language of
/// `--filter`), so every tab filters with one language. Text that does not parse (often: half
/// typed) is matched as plain text by the view's own substring matcher, as before.

#include <optional>
#include <sstop/filter.hpp>
#include <sstop/model.hpp>
#include <string>

namespace sstop::plugins::view_common {

/// The last `/` text and its parse. UI thread only.
class ExpressionFilter {
  public:
    /// Parses `text` when it differs from the last one; returns true when it changed.
    bool set(const std::string& text);
    /// True for an empty or blank text: every row matches.
    bool match_all() const { return filter_ && filter_->match_all(); }
    /// The parsed expression, or nullptr when the text does not parse (match `needle()`).
    const Filter* expression() const { return filter_ ? &*filter_ : nullptr; }
    /// The text in lower case, for plain-text matching.
    const std::string& needle() const { return needle_; }
    /// Why the text did not parse (empty message when it did).
    const FilterError& error() const { return error_; }

  private:
    std::string text_;
    bool parsed_ = false;
    std::optional<Filter> filter_ = Filter{};
    FilterError error_;
    std::string needle_;
};

/// The group a process belongs to, as the core forms groups: ("container", id) when it is in
/// a container, else ("unit", systemd unit), else empty kind.
std::pair<std::string, std::string> group_of(const ProcessInfo& info);

/// A listening socket as a connection, so connection terms (port:, host:, proto:, state:) of
/// a filter can be asked about it.
ConnectionSummary as_connection(const ListenPortSummary& port);

}  // namespace sstop::plugins::view_common
