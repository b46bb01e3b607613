#include "runners/calibrate.hpp"

#include "kernels/calib/calib.hpp"
#include "runners/clock.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace dmabench::calibrate {
namespace {

// Batches last at least 20 us, so a coarse counter (qemu's CNTVCT_EL0 moves in
// ~1 us steps) quantises each batch by a few percent at most.
template <class F>
int batch_for(int calls, F&& f) {
    for (;; calls *= 2) {
        uint64_t t0 = clock::start();
        for (int i = 0; i < calls; ++i) f();
        if (clock::seconds(clock::stop() - t0) >= 20e-6 || calls > (1 << 24)) return calls;
    }
}

// The fastest of `samples` batches: a fixed instruction sequence has one
// true cost and interrupts or a busy neighbour only add to it (the medians
// of a disturbed moment were seen here to bend the ladder; the minima never).
template <class F>
double min_ns_per_call(int samples, int calls, F&& f) {
    calls = batch_for(calls, f);
    double best = 1e300;
    for (int s = 0; s < samples; ++s) {
        uint64_t t0 = clock::start();
        for (int i = 0; i < calls; ++i) f();
        uint64_t t1 = clock::stop();
        best = std::min(best, clock::seconds(t1 - t0) * 1e9 / calls);
    }
    return best;
}

}  // namespace

Ladder ladder(int samples, int calls) {
    std::vector<double> xs, ys;
    for (const auto& rung : calib::ladder) {
        volatile uint64_t sink = 0;
        uint64_t x = 0;
        ys.push_back(min_ns_per_call(samples, calls, [&] { x = rung.fn(x, 1); }));
        sink = x;
        (void)sink;
        xs.push_back(rung.adds);
    }
    return fit(xs, ys);
}

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

double empty_ns(int samples, int calls) {
    return min_ns_per_call(samples, calls, [] { dmabench_calib_empty(); });
}

nlohmann::json to_json(const Ladder& l) {
    return {{"slope_ns_per_add", l.slope_ns_per_add}, {"intercept_ns", l.intercept_ns},
            {"r2", l.r2}, {"linear", l.linear()},
            {"implied_ghz", l.slope_ns_per_add > 0 ? 1 / l.slope_ns_per_add : 0}};
}

}  // namespace dmabench::calibrate
