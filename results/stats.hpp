// Robust statistics over a run's repetitions: the median is the headline,
// with its spread and a distribution-free confidence interval.
#pragma once
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dmabench::results {

// The one quantile of the project (Hyndman and Fan's type 7, numpy's
// default): over the sorted samples, h = p (n - 1), k = floor(h),
// x[k] + (h - k)(x[k+1] - x[k]). The median is quantile(v, 0.5). The
// harness, results/, runners/, report/stats.py and the module's integer port
// (kernels/kmod/dmabench_core.h) are all tested against
// tests/stats/quantile_vectors.json. v is reordered; NaN when empty.
double quantile(std::vector<double>& v, double p);
double median(std::vector<double> v);

struct Summary {
    std::size_t n = 0;
    double median = 0, min = 0, max = 0, mean = 0;
    double mad = 0;  // median absolute deviation (unscaled)
    double cv = 0;   // stddev / mean
    std::optional<std::pair<double, double>> ci95;  // of the median; none when n < 6
};

Summary summarise(std::vector<double> samples);

// 95 % interval for the median from order statistics (binomial, exact
// coverage >= 95 %): ranks [lo, hi], 0-based; none below 6 samples.
std::optional<std::pair<std::size_t, std::size_t>> median_ci_ranks(std::size_t n);

// subject / baseline for times, the one method of `compare` and `experiment`
// (report/stats.py is the same formulas; tests/stats/hl_vectors.json holds
// both to it): the Hodges-Lehmann estimate on log times, exp(median over all
// pairs of log(s_j / b_i)), and its 95 % interval from inverting the exact
// two-sided Mann-Whitney U test (normal approximation past m*n = 40000).
// lo and hi are NaN when too few repetitions allow no 95 % interval
// (fewer than 4 a side).
struct Ratio {
    double value = 0;
    double lo = 0, hi = 0;
};
Ratio hl_ratio(const std::vector<double>& subject, const std::vector<double>& baseline,
               double alpha = 0.05);

// Largest c with P(U <= c) <= alpha/2 under no shift, or -1 when none.
long u_critical(std::size_t m, std::size_t n, double alpha = 0.05);

// Line states that did not hold: each state:dirty cache case whose time per
// unit is not significantly above its state:clean twin's (same family,
// variant and args but state) in this run. Judged by hl_ratio over
// repetitions, or with fewer than 4 by the per-batch p10-p90 bands:
// {dirty name: {state: "evicted", clean, ratio, ci95, basis, why}}.
nlohmann::json line_states(const nlohmann::json& doc);

// Every repetition's value per run name (aggregates left out): the real or
// CPU time in ns, or a counter the family reports per unit (ns_per_call, ...).
std::map<std::string, std::vector<double>> samples(const nlohmann::json& doc,
                                                   const std::string& metric = "real_time");

// Per benchmark of a Google Benchmark document: its repetitions' real time
// (ns) summarised, and "unstable" when the CV exceeds cv_limit.
nlohmann::json statistics(const nlohmann::json& doc, double cv_limit);

}  // namespace dmabench::results
