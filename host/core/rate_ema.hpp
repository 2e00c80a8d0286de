#pragma once
// Exponential moving average of a rate, independent of the tick length.

#include <cmath>
#include <limits>

namespace sstop::core {

/// Smooths a rate (units per second) from deltas observed over ticks of any length.
///
/// `alpha` is the weight of one second of elapsed time. A tick of `dt` seconds gets the
/// weight `1 - (1 - alpha)^dt`, so two 500 ms ticks smooth exactly like one 1 s tick and
/// changing the refresh interval at run time does not change how fast rates react.
/// The first update sets the average to the instantaneous rate: a one-shot run after one
/// interval shows the real rate, not `alpha` times it.
class RateEma {
  public:
    /// `alpha` in (0, 1]; values outside are clamped (1 = no smoothing).
    explicit RateEma(double alpha = 0.3) noexcept : alpha_(clamp_alpha(alpha)) {}

    /// Weight of a tick of `dt_s` seconds for a per-second `alpha`.
    static double weight(double alpha, double dt_s) noexcept {
        return 1.0 - std::pow(1.0 - clamp_alpha(alpha), dt_s);
    }

    /// Feeds `delta` units counted over the last `dt_s` seconds. A non-positive or NaN
    /// `dt_s` carries no rate information and is ignored.
    void update(double delta, double dt_s) noexcept { update(delta, dt_s, weight(alpha_, dt_s)); }

    /// As update(delta, dt_s), with the tick's weight computed once by the caller
    /// (`weight(alpha(), dt_s)`): one tick updates thousands of averages of one alpha.
    void update(double delta, double dt_s, double tick_weight) noexcept {
        if (!(dt_s > 0)) {
            return;
        }
        const double instant = delta / dt_s;
        if (!initialised()) {
            value_ = instant;
            return;
        }
        value_ += tick_weight * (instant - value_);
    }

    /// As update(0, dt) for ticks whose lengths add up to `elapsed_s`: the weights of ticks
    /// of lengths dt_i multiply to (1 - alpha)^elapsed_s, so ticks without traffic need not
    /// be fed one by one. Not yet initialised, it is set to 0, as the first of them would.
    void idle(double elapsed_s) noexcept {
        if (!(elapsed_s > 0)) {
            return;
        }
        if (!initialised()) {
            value_ = 0;
            return;
        }
        value_ *= std::pow(1.0 - alpha_, elapsed_s);
    }

    /// Current smoothed rate, 0 before the first update.
    double value() const noexcept { return initialised() ? value_ : 0.0; }
    /// True once a tick with a positive length was fed.
    bool initialised() const noexcept { return !std::isnan(value_); }
    /// The per-second weight in use.
    double alpha() const noexcept { return alpha_; }

  private:
    static double clamp_alpha(double alpha) noexcept {
        if (!(alpha > 0)) {
            return 1e-6;  // keeps the weight positive so the average still moves
        }
        return alpha > 1 ? 1.0 : alpha;
    }

    double alpha_;
    // NaN until the first tick (a flag beside it would make every average 24 bytes, not 16).
    double value_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace sstop::core
