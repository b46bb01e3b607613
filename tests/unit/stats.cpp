// The statistics behind every headline number.
#include "results/stats.hpp"

#include <gtest/gtest.h>

#include "tests/unit/vectors.hpp"

#include <cmath>
#include <fstream>
#include <random>

using namespace dmabench::results;

TEST(Stats, MedianMadCvOfKnownSamples) {
    auto s = summarise({5, 1, 3, 2, 4});
    EXPECT_EQ(s.n, 5u);
    EXPECT_DOUBLE_EQ(s.median, 3);
    EXPECT_DOUBLE_EQ(s.min, 1);
    EXPECT_DOUBLE_EQ(s.mad, 1);  // |x-3| = 2,2,0,1,1 -> median 1
    EXPECT_NEAR(s.cv, std::sqrt(2.5) / 3, 1e-12);
    EXPECT_FALSE(s.ci95);  // five samples cannot give 95 %
    EXPECT_DOUBLE_EQ(summarise({1, 2, 3, 4}).median, 2.5);
}

// The one quantile, against the vectors report/stats.py and the module's
// integer port are held to.
TEST(Stats, QuantileMatchesTheSharedVectors) {
    for (const auto& c : shared_vectors("quantile_vectors.json", 50)) {
        std::vector<double> x;
        for (const auto& v : c["x"]) x.push_back(v.get<double>());
        const double p = c["p"][0].get<double>() / c["p"][1].get<double>();
        const double want = c["q"].get<double>();
        EXPECT_NEAR(quantile(x, p), want, 1e-9 * std::max(1.0, std::fabs(want))) << c.dump();
    }
    std::vector<double> none;
    EXPECT_TRUE(std::isnan(quantile(none, 0.5)));
    EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);  // the mean of the middle two
}

TEST(Stats, MedianCiRanksMatchTheBinomialTable) {
    // Known values (1-based ranks of the 95 % interval for the median):
    // n=6: 1..6, n=10: 2..9, n=20: 6..15, n=30: 10..21.
    EXPECT_FALSE(median_ci_ranks(5));
    EXPECT_EQ(median_ci_ranks(6), std::make_pair(std::size_t(0), std::size_t(5)));
    EXPECT_EQ(median_ci_ranks(10), std::make_pair(std::size_t(1), std::size_t(8)));
    EXPECT_EQ(median_ci_ranks(20), std::make_pair(std::size_t(5), std::size_t(14)));
    EXPECT_EQ(median_ci_ranks(30), std::make_pair(std::size_t(9), std::size_t(20)));
}

TEST(Stats, MedianCiCoversTheTrueMedianAtLeast95Percent) {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> d(0.0, 0.5);  // true median exp(0) = 1
    int covered = 0, trials = 4000;
    for (int t = 0; t < trials; ++t) {
        std::vector<double> v(15);
        for (auto& x : v) x = d(rng);
        auto s = summarise(v);
        covered += s.ci95->first <= 1.0 && 1.0 <= s.ci95->second;
    }
    EXPECT_GE(covered, int(0.94 * trials));
}

TEST(Stats, UnstableWhenCvExceedsTheLimit) {
    nlohmann::json doc = {{"benchmarks", nlohmann::json::array()}};
    for (double t : {10.0, 10.1, 9.9, 10.0})
        doc["benchmarks"].push_back({{"name", "a/steady"}, {"run_name", "a/steady"},
                                     {"run_type", "iteration"}, {"real_time", t}, {"time_unit", "ns"}});
    for (double t : {1.0, 2.0, 1.0, 3.0})
        doc["benchmarks"].push_back({{"name", "a/noisy"}, {"run_name", "a/noisy"},
                                     {"run_type", "iteration"}, {"real_time", t}, {"time_unit", "us"}});
    doc["benchmarks"].push_back({{"name", "a/noisy_mean"}, {"run_name", "a/noisy"},
                                 {"run_type", "aggregate"}, {"real_time", 99.0}, {"time_unit", "us"}});
    auto s = statistics(doc, 0.05);
    EXPECT_FALSE(s["a/steady"]["unstable"].get<bool>());
    EXPECT_TRUE(s["a/noisy"]["unstable"].get<bool>());
    EXPECT_EQ(s["a/noisy"]["n"], 4);  // the aggregate is not a sample
    EXPECT_DOUBLE_EQ(s["a/noisy"]["median_ns"].get<double>(), 1500);
}

TEST(Stats, HlRatioFindsAKnownShiftAndRarelyAnAbsentOne) {
    // 200 synthetic A/B pairs of 12 repetitions with 1 % noise: a real 3 %
    // shift is found nearly always; with no shift the 95 % interval excludes
    // 1 about 5 % of the time, and never far more.
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0, 0.01);
    int found = 0, false_alarms = 0, trials = 200;
    for (int t = 0; t < trials; ++t) {
        std::vector<double> base, same, slower;
        for (int i = 0; i < 12; ++i) {
            base.push_back(100 * (1 + noise(rng)));
            same.push_back(100 * (1 + noise(rng)));
            slower.push_back(103 * (1 + noise(rng)));
        }
        auto r = hl_ratio(slower, base);
        EXPECT_NEAR(r.value, 1.03, 0.02);
        EXPECT_LE(r.lo, r.value);
        EXPECT_GE(r.hi, r.value);
        found += r.lo > 1.0;
        auto n = hl_ratio(same, base);
        false_alarms += n.lo > 1.0 || n.hi < 1.0;
    }
    EXPECT_GE(found, int(0.9 * trials));
    EXPECT_LE(false_alarms, int(0.12 * trials));
}

// The same vectors report/stats.py is checked against: the two
// implementations of the one method cannot drift apart.
TEST(Stats, HlRatioMatchesTheSharedVectors) {
    for (auto& c : shared_vectors("hl_vectors.json", 6)) {
        SCOPED_TRACE(c["why"].get<std::string>());
        auto b = c["baseline"].get<std::vector<double>>(), s = c["subject"].get<std::vector<double>>();
        auto r = hl_ratio(s, b);
        EXPECT_NEAR(r.value, c["ratio"].get<double>(), 1e-9 * c["ratio"].get<double>());
        long u = c["u_critical"].is_null() ? -1 : c["u_critical"].get<long>();
        EXPECT_EQ(u_critical(b.size(), s.size()), u);
        if (c["lo"].is_null()) {
            EXPECT_TRUE(std::isnan(r.lo));
        } else {
            EXPECT_NEAR(r.lo, c["lo"].get<double>(), 1e-9);
            EXPECT_NEAR(r.hi, c["hi"].get<double>(), 1e-9);
        }
    }
}

TEST(Stats, LineStatesMarkADirtyCaseNoDearerThanClean) {
    // Two cache sizes, four repetitions each: at 4 KiB dirty is 2x clean (it
    // held), at 64 MiB dirty equals clean (written back before the flush).
    nlohmann::json doc = {{"benchmarks", nlohmann::json::array()}};
    auto& cases = doc["context"]["dmabench"]["cases"];
    auto add = [&](std::string size, std::string state, double ns) {
        std::string name = "cache/x/size:" + size + "/state:" + state;
        cases[name] = {{"family", "cache"}, {"variant", "x"}, {"op", "call"},
                       {"args", {{"size", size}, {"state", state}}}};
        for (int i = 0; i < 4; ++i)
            doc["benchmarks"].push_back({{"name", name}, {"run_name", name}, {"run_type", "iteration"},
                                         {"ns_per_call", ns * (1 + 0.01 * i)}});
    };
    add("4096", "dirty", 200);
    add("4096", "clean", 100);
    add("67108864", "dirty", 100);
    add("67108864", "clean", 100);
    add("67108864", "cold", 50);  // clean dearer than cold is no mark
    auto m = line_states(doc);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m.begin().key(), "cache/x/size:67108864/state:dirty");
    EXPECT_EQ(m.begin().value()["state"], "evicted");
    EXPECT_EQ(m.begin().value()["basis"], "reps");
}
