#include "results/stats.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace dmabench::results {
namespace {

double median_of_sorted(const std::vector<double>& v) {
    std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double to_ns(const nlohmann::json& b, const char* field) {
    std::string unit = b.value("time_unit", "ns");
    double scale = unit == "us" ? 1e3 : unit == "ms" ? 1e6 : unit == "s" ? 1e9 : 1;
    return b[field].get<double>() * scale;
}

}  // namespace

std::optional<std::pair<std::size_t, std::size_t>> median_ci_ranks(std::size_t n) {
    if (n < 6) return std::nullopt;
    // The CI is [x_(k), x_(n-k+1)] (1-based) for the largest k with
    // P(X <= k-1) <= 2.5 %, X ~ Binomial(n, 1/2): j counts those k terms.
    double tail = 0, term = std::pow(0.5, double(n));  // P(X = 0)
    std::size_t j = 0;
    while (j < n / 2) {
        if (tail + term > 0.025) break;
        tail += term;
        term *= double(n - j) / double(j + 1);
        ++j;
    }
    if (j == 0) return std::nullopt;
    return std::make_pair(j - 1, n - j);
}

Summary summarise(std::vector<double> v) {
    Summary s;
    s.n = v.size();
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    s.median = median_of_sorted(v);
    s.min = v.front();
    s.max = v.back();
    double sum = 0;
    for (double x : v) sum += x;
    s.mean = sum / double(v.size());
    std::vector<double> dev;
    for (double x : v) dev.push_back(std::fabs(x - s.median));
    std::sort(dev.begin(), dev.end());
    s.mad = median_of_sorted(dev);
    if (v.size() > 1 && s.mean != 0) {
        double ss = 0;
        for (double x : v) ss += (x - s.mean) * (x - s.mean);
        s.cv = std::sqrt(ss / double(v.size() - 1)) / s.mean;
    }
    if (auto r = median_ci_ranks(v.size())) s.ci95 = std::make_pair(v[r->first], v[r->second]);
    return s;
}

Ratio median_ratio(const std::vector<double>& subject, const std::vector<double>& baseline,
                   int resamples) {
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return median_of_sorted(v);
    };
    Ratio r;
    if (subject.empty() || baseline.empty()) return r;
    r.value = median(subject) / median(baseline);
    std::mt19937_64 rng(20140801);
    std::vector<double> ratios, a(subject.size()), b(baseline.size());
    for (int i = 0; i < resamples; ++i) {
        for (auto& x : a) x = subject[rng() % subject.size()];
        for (auto& x : b) x = baseline[rng() % baseline.size()];
        ratios.push_back(median(a) / median(b));
    }
    std::sort(ratios.begin(), ratios.end());
    r.lo = ratios[std::size_t(0.025 * (resamples - 1))];
    r.hi = ratios[std::size_t(0.975 * (resamples - 1))];
    return r;
}

std::map<std::string, std::vector<double>> samples(const nlohmann::json& doc,
                                                   const std::string& metric) {
    std::map<std::string, std::vector<double>> by_name;
    for (auto& b : doc["benchmarks"]) {
        if (b.value("run_type", "iteration") != "iteration" || b.value("error_occurred", false))
            continue;
        bool time = metric == "real_time" || metric == "cpu_time";
        if (!(b.contains(metric) && b[metric].is_number())) continue;
        by_name[b.value("run_name", b.value("name", ""))].push_back(
            time ? to_ns(b, metric.c_str()) : b[metric].get<double>());
    }
    return by_name;
}

nlohmann::json statistics(const nlohmann::json& doc, double cv_limit) {
    nlohmann::json out = nlohmann::json::object();
    for (auto& [name, v] : samples(doc)) {
        auto s = summarise(v);
        nlohmann::json j = {{"n", s.n}, {"median_ns", s.median}, {"min_ns", s.min},
                            {"max_ns", s.max}, {"mad_ns", s.mad}, {"cv", s.cv},
                            {"unstable", s.n > 1 && s.cv > cv_limit}};
        j["ci95_ns"] = s.ci95 ? nlohmann::json{s.ci95->first, s.ci95->second} : nlohmann::json();
        out[name] = j;
    }
    return out;
}

}  // namespace dmabench::results
