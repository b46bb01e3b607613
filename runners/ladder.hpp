// The add ladder's line: what calibration (bench/calibrate.hpp times it,
// before and after every run) makes of the rungs' times, so frequency drift
// during a run is seen rather than guessed.
#pragma once
#include <nlohmann/json.hpp>

#include <vector>

namespace dmabench::calibrate {

struct Ladder {
    double slope_ns_per_add = 0;  // one dependent add: 1 / core clock
    double intercept_ns = 0;      // call, return and the fences around the chain
    double r2 = 0;                // linearity over the rungs
    bool linear() const { return r2 >= 0.99; }
};

// Least-squares line through (x, y): slope, intercept and R^2.
Ladder fit(const std::vector<double>& xs, const std::vector<double>& ys);

// |after - before| / before of the slope.
double drift(const Ladder& before, const Ladder& after);

nlohmann::json to_json(const Ladder& l);

// |after - before| / before of the slope; above this, the clock moved.
inline constexpr double drift_limit = 0.05;

}  // namespace dmabench::calibrate
