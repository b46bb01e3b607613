#include "results/stats.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace dmabench::results {
namespace {

double to_ns(const nlohmann::json& b, const char* field) {
    std::string unit = b.value("time_unit", "ns");
    double scale = unit == "us" ? 1e3 : unit == "ms" ? 1e6 : unit == "s" ? 1e9 : 1;
    return b[field].get<double>() * scale;
}

}  // namespace

double quantile(std::vector<double>& v, double p) {
    if (v.empty()) return std::nan("");
    const double h = std::clamp(p, 0.0, 1.0) * double(v.size() - 1);
    const auto k = std::size_t(h);
    std::nth_element(v.begin(), v.begin() + long(k), v.end());
    if (k + 1 == v.size()) return v[k];
    // The next order statistic is the least of those above rank k.
    const double next = *std::min_element(v.begin() + long(k) + 1, v.end());
    return v[k] + (h - double(k)) * (next - v[k]);
}

double median(std::vector<double> v) { return quantile(v, 0.5); }

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
    s.median = median(v);
    s.min = v.front();
    s.max = v.back();
    double sum = 0;
    for (double x : v) sum += x;
    s.mean = sum / double(v.size());
    std::vector<double> dev;
    for (double x : v) dev.push_back(std::fabs(x - s.median));
    s.mad = median(std::move(dev));
    if (v.size() > 1 && s.mean != 0) {
        double ss = 0;
        for (double x : v) ss += (x - s.mean) * (x - s.mean);
        s.cv = std::sqrt(ss / double(v.size() - 1)) / s.mean;
    }
    if (auto r = median_ci_ranks(v.size())) s.ci95 = std::make_pair(v[r->first], v[r->second]);
    return s;
}

long u_critical(std::size_t m, std::size_t n, double alpha) {
    if (m < 1 || n < 1) return -1;
    const double mn = double(m * n);
    if (m * n > 40000) {  // the exact table gets slow
        const double z = 1.959963984540054;  // alpha = 0.05, as report/stats.py
        long c = long(std::floor(mn / 2 - z * std::sqrt(mn * double(m + n + 1) / 12))) - 1;
        return c >= 0 ? c : -1;
    }
    // P(U = u) is the coefficient of q^u in the Gaussian binomial
    // [m+n choose m]_q over C(m+n, m): multiply by (1 - q^(n+i)), divide by (1 - q^i).
    std::size_t top = m * n;
    std::vector<double> poly(top + 1, 0.0);
    poly[0] = 1;
    for (std::size_t i = 1; i <= m; ++i) {
        std::size_t step = n + i;
        for (std::size_t d = top; d >= step; --d) poly[d] -= poly[d - step];
        for (std::size_t d = i; d <= top; ++d) poly[d] += poly[d - i];
    }
    double total = 0;
    for (double c : poly) total += c;
    long c = -1;
    double acc = 0;
    for (std::size_t u = 0; u <= top; ++u) {
        acc += poly[u];
        if (acc / total <= alpha / 2 + 1e-12) c = long(u);
        else break;
    }
    return c;
}

Ratio hl_ratio(const std::vector<double>& subject, const std::vector<double>& baseline,
               double alpha) {
    const double nan = std::nan("");
    Ratio r{nan, nan, nan};
    std::vector<double> s, b, d;
    for (double x : subject) if (x > 0) s.push_back(std::log(x));
    for (double x : baseline) if (x > 0) b.push_back(std::log(x));
    if (s.empty() || b.empty()) return r;
    for (double x : b)
        for (double y : s) d.push_back(y - x);
    std::sort(d.begin(), d.end());
    r.value = std::exp(median(d));
    long c = u_critical(b.size(), s.size(), alpha);
    if (c < 0) return r;
    r.lo = std::exp(d[std::size_t(c)]);
    r.hi = std::exp(d[d.size() - std::size_t(c) - 1]);
    return r;
}

nlohmann::json line_states(const nlohmann::json& doc) {
    nlohmann::json out = nlohmann::json::object();
    const auto& dm = doc["context"]["dmabench"];
    if (!dm.contains("cases")) return out;
    const auto& cases = dm["cases"];
    auto state_of = [](const nlohmann::json& t) {
        return t.contains("args") ? t["args"].value("state", "") : std::string();
    };
    auto twin_key = [](nlohmann::json t) {
        t["args"].erase("state");
        return nlohmann::json{t["family"], t["variant"], t["args"]}.dump();
    };
    std::map<std::string, std::string> clean;
    for (auto& [name, t] : cases.items())
        if (t.value("family", "") == "cache" && state_of(t) == "clean") clean[twin_key(t)] = name;
    for (auto& [name, t] : cases.items()) {
        if (t.value("family", "") != "cache" || state_of(t) != "dirty") continue;
        auto c = clean.find(twin_key(t));
        if (c == clean.end()) continue;
        const std::string op = "ns_per_" + t.value("op", "call");
        auto per = [&](const std::string& key, const std::string& who) {
            auto all = samples(doc, key);
            auto it = all.find(who);
            return it == all.end() ? std::vector<double>() : it->second;
        };
        auto d = per(op, name), k = per(op, c->second);
        if (d.empty() || k.empty()) continue;
        Ratio r = hl_ratio(d, k);
        std::string basis = "reps";
        if (std::isnan(r.lo)) {  // too few repetitions: the batches' medians and bands, as report/findings.py
            double d10 = median(per(op + "_p10", name)), d90 = median(per(op + "_p90", name));
            double k10 = median(per(op + "_p10", c->second)), k90 = median(per(op + "_p90", c->second));
            r.value = median(per(op + "_median", name)) / median(per(op + "_median", c->second));
            r.lo = d10 / k90;
            r.hi = d90 / k10;
            basis = "batches";
        }
        // Significantly dearer: the lines were dirty. No interval: no judgement.
        if (std::isnan(r.lo) || std::isnan(r.hi) || r.lo > 1) continue;
        out[name] = {{"state", "evicted"}, {"clean", c->second}, {"ratio", r.value},
                     {"ci95", {r.lo, r.hi}}, {"basis", basis},
                     {"why", "dirty lines already written back before the flush (evicted): "
                             "not significantly dearer than state:clean"}};
    }
    return out;
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
