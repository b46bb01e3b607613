#include "runners/ladder.hpp"

#include <cmath>
#include <vector>

namespace dmabench::calibrate {

Ladder fit(const std::vector<double>& xs, const std::vector<double>& ys) {
    double n = double(xs.size()), sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < xs.size(); ++i)
        sx += xs[i], sy += ys[i], sxx += xs[i] * xs[i], sxy += xs[i] * ys[i];
    Ladder l;
    l.slope_ns_per_add = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    l.intercept_ns = (sy - l.slope_ns_per_add * sx) / n;
    double mean = sy / n, ss_res = 0, ss_tot = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        double e = ys[i] - (l.intercept_ns + l.slope_ns_per_add * xs[i]);
        ss_res += e * e;
        ss_tot += (ys[i] - mean) * (ys[i] - mean);
    }
    l.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 0;
    return l;
}

double drift(const Ladder& before, const Ladder& after) {
    return std::fabs(after.slope_ns_per_add - before.slope_ns_per_add) / before.slope_ns_per_add;
}

nlohmann::json to_json(const Ladder& l) {
    return {{"slope_ns_per_add", l.slope_ns_per_add}, {"intercept_ns", l.intercept_ns},
            {"r2", l.r2}, {"linear", l.linear()},
            {"implied_ghz", l.slope_ns_per_add > 0 ? 1 / l.slope_ns_per_add : 0}};
}

}  // namespace dmabench::calibrate
