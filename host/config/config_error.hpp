#pragma once
// The one error type of host/config: every message names file:line:column.

#include <stdexcept>
#include <string>

namespace sstop::host {

/// A configuration error. `what()` is one line: "FILE:LINE:COLUMN: KEY: MESSAGE"
/// (line and column 1-based; omitted when unknown, e.g. for a file that cannot be read).
class ConfigError : public std::runtime_error {
  public:
    ConfigError(std::string file, int line, int column, std::string key, std::string message);
    const std::string& file() const { return file_; }
    int line() const { return line_; }
    int column() const { return column_; }
    const std::string& key() const { return key_; }  ///< dotted path, e.g. "dns.timeout"
    const std::string& message() const { return message_; }

  private:
    std::string file_;
    int line_;
    int column_;
    std::string key_;
    std::string message_;
};

}  // namespace sstop::host
