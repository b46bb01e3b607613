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

// median(subject) / median(baseline) with a 95 % percentile-bootstrap
// interval (each group resampled on its own; a fixed seed, so reruns of the
// same data agree).
struct Ratio {
    double value = 0;
    double lo = 0, hi = 0;
};
Ratio median_ratio(const std::vector<double>& subject, const std::vector<double>& baseline,
                   int resamples = 4000);

// Per benchmark of a Google Benchmark document: its repetitions' real time
// (ns) summarised, and "unstable" when the CV exceeds cv_limit.
// Every repetition's value per run name (aggregates left out): the real or
// CPU time in ns, or a counter the family reports per unit (ns_per_call, ...).
std::map<std::string, std::vector<double>> samples(const nlohmann::json& doc,
                                                   const std::string& metric = "real_time");

nlohmann::json statistics(const nlohmann::json& doc, double cv_limit);

}  // namespace dmabench::results
