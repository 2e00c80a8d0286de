// When the host may list only the selected processes' sockets: the screen alone, with views
// that all say they read no more (ABI 1.5 `consumes` bits).
#include <gtest/gtest.h>

#include <sstop/plugin.hpp>

#include "app/app.hpp"

namespace {

using sstop::host::lists_on_demand;

constexpr std::uint32_t kSelected = SSTOP_CONSUMES_SELECTED_SOCKETS;

TEST(ListsOnDemand, TheBuiltInViewsOnTheScreenAlone) {
    // processes, hosts, groups read the selected list; ports, interfaces, history none.
    const std::vector<std::uint32_t> built_in{kSelected, kSelected, kSelected, 0, 0, 0};
    EXPECT_TRUE(lists_on_demand(true, false, false, built_in));
    EXPECT_TRUE(lists_on_demand(true, false, false, {0}));
}

TEST(ListsOnDemand, AnyOtherReaderOfTheListsGetsEveryOne) {
    const std::vector<std::uint32_t> built_in{kSelected, 0};
    EXPECT_FALSE(lists_on_demand(false, false, false, built_in));  // --json, --csv, text
    EXPECT_FALSE(lists_on_demand(true, true, false, built_in));    // alert rules (port terms)
    EXPECT_FALSE(lists_on_demand(true, false, true, built_in));    // an exporter reads them
    EXPECT_FALSE(lists_on_demand(true, false, false, {}));         // no view: plain text
}

TEST(ListsOnDemand, AViewBuiltWithThePlainMacroReadsEveryList) {
    EXPECT_FALSE(lists_on_demand(true, false, false, {kSelected, SSTOP_CONSUMES_ALL}));
    EXPECT_FALSE(lists_on_demand(true, false, false, {SSTOP_CONSUMES_SOCKETS}));
}

}  // namespace
