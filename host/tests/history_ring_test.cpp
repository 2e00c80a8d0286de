#include "core/history_ring.hpp"

#include <gtest/gtest.h>

#include <vector>

using sstop::core::HistoryRing;

TEST(HistoryRing, KeepsValuesOldestFirstUntilFull) {
    HistoryRing<int> ring(4);
    EXPECT_TRUE(ring.empty());
    ring.push(1);
    ring.push(2);
    ring.push(3);
    EXPECT_EQ(ring.size(), 3u);
    EXPECT_EQ(ring.values(), (std::vector<int>{1, 2, 3}));
}

TEST(HistoryRing, PushWhenFullOverwritesTheOldest) {
    HistoryRing<int> ring(3);
    for (int i = 1; i <= 7; ++i) {
        ring.push(i);
    }
    EXPECT_EQ(ring.size(), 3u);
    EXPECT_EQ(ring.capacity(), 3u);
    EXPECT_EQ(ring.values(), (std::vector<int>{5, 6, 7}));
    ring.push(8);
    EXPECT_EQ(ring.values(), (std::vector<int>{6, 7, 8}));
}

TEST(HistoryRing, ZeroCapacityKeepsNothing) {
    HistoryRing<double> ring(0);
    ring.push(1.0);
    EXPECT_TRUE(ring.empty());
    EXPECT_TRUE(ring.values().empty());
}

TEST(HistoryRing, ClearForgetsValuesAndKeepsCapacity) {
    HistoryRing<int> ring(2);
    ring.push(1);
    ring.push(2);
    ring.push(3);
    ring.clear();
    EXPECT_TRUE(ring.empty());
    ring.push(9);
    EXPECT_EQ(ring.values(), (std::vector<int>{9}));
    EXPECT_EQ(ring.capacity(), 2u);
}
