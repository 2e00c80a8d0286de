#include "core/rate_ema.hpp"

#include <gtest/gtest.h>

#include <cmath>

using sstop::core::RateEma;

TEST(RateEma, FirstUpdateIsTheInstantaneousRate) {
    RateEma ema(0.3);
    EXPECT_FALSE(ema.initialised());
    ema.update(5000, 2.0);
    EXPECT_TRUE(ema.initialised());
    EXPECT_DOUBLE_EQ(ema.value(), 2500.0);
}

TEST(RateEma, ConstantInputStaysEqualToTheRate) {
    RateEma ema(0.3);
    for (int i = 0; i < 50; ++i) {
        ema.update(1000, 1.0);
        EXPECT_DOUBLE_EQ(ema.value(), 1000.0);
    }
}

TEST(RateEma, ConvergesToAStepInput) {
    RateEma ema(0.3);
    ema.update(0, 1.0);
    ema.update(1000, 1.0);
    EXPECT_NEAR(ema.value(), 300.0, 1e-9);  // one second moves it by alpha
    ema.update(1000, 1.0);
    EXPECT_NEAR(ema.value(), 510.0, 1e-9);
    for (int i = 0; i < 200; ++i) {
        ema.update(1000, 1.0);
    }
    EXPECT_NEAR(ema.value(), 1000.0, 1e-6);
}

TEST(RateEma, TwoHalfSecondTicksSmoothLikeOneSecondTick) {
    RateEma one(0.3);
    RateEma halves(0.3);
    one.update(0, 1.0);
    halves.update(0, 1.0);
    // Step to 1000 B/s.
    one.update(1000, 1.0);
    halves.update(500, 0.5);
    halves.update(500, 0.5);
    EXPECT_NEAR(one.value(), halves.value(), 1e-9);
    EXPECT_NEAR(one.value(), 300.0, 1e-9);
    // And for an arbitrary alpha and a 250 ms interval.
    RateEma a(0.55);
    RateEma b(0.55);
    a.update(200, 1.0);
    b.update(200, 1.0);
    a.update(7000, 1.0);
    for (int i = 0; i < 4; ++i) {
        b.update(1750, 0.25);
    }
    EXPECT_NEAR(a.value(), b.value(), 1e-9);
}

TEST(RateEma, NonPositiveIntervalIsIgnored) {
    RateEma ema(0.3);
    ema.update(1000, 0.0);
    ema.update(1000, -1.0);
    ema.update(1000, std::nan(""));
    EXPECT_FALSE(ema.initialised());
    ema.update(1000, 1.0);
    ema.update(99999, 0.0);
    EXPECT_DOUBLE_EQ(ema.value(), 1000.0);
}

TEST(RateEma, WeightFollowsElapsedTime) {
    EXPECT_NEAR(RateEma::weight(0.3, 1.0), 0.3, 1e-12);
    EXPECT_NEAR(RateEma::weight(0.3, 2.0), 1 - 0.7 * 0.7, 1e-12);
    EXPECT_NEAR(RateEma::weight(1.0, 0.1), 1.0, 1e-12);
}

TEST(RateEma, AlphaOneFollowsTheInputExactly) {
    RateEma ema(1.0);
    ema.update(100, 1.0);
    ema.update(900, 1.0);
    EXPECT_DOUBLE_EQ(ema.value(), 900.0);
}
