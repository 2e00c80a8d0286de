#include "expression_filter.hpp"

#include "table.hpp"

namespace sstop::plugins::view_common {

bool ExpressionFilter::set(const std::string& text) {
    if (parsed_ && text == text_) return false;
    parsed_ = true;
    text_ = text;
    error_ = FilterError{};
    filter_ = Filter::parse(text, &error_);
    needle_ = to_lower(text);
    return true;
}

std::pair<std::string, std::string> group_of(const ProcessInfo& info) {
    if (!info.container.empty()) return {"container", info.container};
    if (!info.unit.empty()) return {"unit", info.unit};
    return {};
}

ConnectionSummary as_connection(const ListenPortSummary& port) {
    ConnectionSummary c;
    c.key.proto = port.proto;
    c.key.local = Endpoint{port.addr, port.port};
    c.state = SocketState::Listen;
    return c;
}

}  // namespace sstop::plugins::view_common
