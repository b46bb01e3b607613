"""The A/B verdict on synthetic samples whose true difference is known."""
import math

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from report import stats


def timings(rng, n, centre=100.0, noise=0.01):
    """Benchmark-like samples: a floor plus right-skewed noise (a few slow outliers)."""
    return centre * (1 + noise * rng.standard_normal(n)) + centre * noise * rng.exponential(0.5, n)


def test_u_distribution_matches_known_critical_values():
    # Two-sided 5 % critical values of U from published tables.
    for m, n, c in [(4, 4, 0), (5, 5, 2), (6, 6, 5), (8, 8, 13), (10, 10, 23), (20, 20, 127),
                    (5, 10, 8)]:
        assert stats.u_critical(m, n) == c, (m, n)
    assert stats.u_critical(3, 3) is None
    assert stats.min_repetitions() == 4


def test_u_cdf_matches_scipy_exact_p_values():
    rng = np.random.default_rng(7)
    for m, n in [(4, 6), (7, 7), (9, 5), (12, 12)]:
        x, y = rng.normal(0, 1, m), rng.normal(0.5, 1, n)
        res = mannwhitneyu(x, y, method="exact")
        u = int(res.statistic)
        cdf = stats._u_cdf(m, n)
        ours = min(1.0, 2 * min(cdf[u], 1 - (cdf[u - 1] if u else 0.0)))
        assert ours == pytest.approx(res.pvalue, rel=1e-9)


@pytest.mark.parametrize("shift,expected", [(1.03, stats.SLOWER), (1 / 1.03, stats.FASTER)])
def test_a_real_3_percent_shift_is_found(shift, expected):
    found = 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        base, new = timings(rng, 10), timings(rng, 10) * shift
        v = stats.compare(base, new)
        found += v.verdict == expected
        assert v.verdict in (expected, stats.NO_CHANGE)  # never the wrong direction
    assert found >= 95


def test_estimate_and_interval_cover_the_true_ratio():
    covered = 0
    for seed in range(200):
        rng = np.random.default_rng(1000 + seed)
        base, new = timings(rng, 12), timings(rng, 12) * 1.03
        v = stats.compare(base, new)
        assert v.ratio == pytest.approx(1.03, abs=0.015)
        covered += v.ci_lo <= 1.03 <= v.ci_hi
    assert covered >= 180  # a 95 % interval: about 190 of 200


def test_no_shift_gives_no_significant_change():
    calls = []
    for seed in range(200):
        rng = np.random.default_rng(5000 + seed)
        calls.append(stats.compare(timings(rng, 10), timings(rng, 10)).verdict)
    false_alarms = sum(c != stats.NO_CHANGE for c in calls)
    assert false_alarms <= 20  # the test is at 5 %: about 10 of 200


def test_identical_samples_give_no_significant_change():
    x = [10.0, 10.5, 11.0, 10.2, 10.8, 10.1]
    v = stats.compare(x, x)
    assert v.verdict == stats.NO_CHANGE
    assert v.ratio == pytest.approx(1.0)
    assert v.ci_lo <= 1.0 <= v.ci_hi


@pytest.mark.parametrize("m,n", [(3, 3), (1, 10), (2, 2), (3, 2), (0, 5)])
def test_too_few_repetitions_are_said_not_guessed(m, n):
    base = [100.0 + i for i in range(m)]
    new = [200.0 + i for i in range(n)]  # a huge difference, still not enough evidence
    v = stats.compare(base, new)
    assert v.verdict == stats.TOO_FEW
    assert math.isnan(v.ci_lo) and math.isnan(v.p_value)


def test_four_repetitions_each_can_decide_a_clear_difference():
    v = stats.compare([100, 101, 102, 100.5], [110, 111, 109, 110.5])
    assert v.verdict == stats.SLOWER
    assert v.p_value < 0.05


def test_summary_median_and_robust_spread():
    s = stats.summarise([10, 11, 12, 13, 1000])  # one wild outlier
    assert s.median == 12
    assert s.lo == 10 and s.hi == 1000
    assert s.mad_sigma == pytest.approx(1.4826 * 1)
    assert s.rel_spread == pytest.approx(1.4826 / 12)
    assert math.isnan(stats.summarise([5.0]).rel_spread)


def test_a_tiny_but_consistent_shift_is_not_called():
    # 0.2 % apart with almost no noise: the test alone would call it; the
    # verdict does not, as such a shift is below what a run resolves.
    rng = np.random.default_rng(3)
    base = 100 * (1 + 1e-4 * rng.standard_normal(30))
    v = stats.compare(base, base * 1.002)
    assert v.p_value < 1e-6 and v.ci_lo > 1
    assert v.verdict == stats.NO_CHANGE
    assert stats.compare(base, base * 1.02).verdict == stats.SLOWER


def test_the_shared_vectors_hold():
    # tests/stats/hl_vectors.json is checked by tests/unit/stats.cpp as well:
    # the C++ of `experiment` and this `compare` are one method.
    import json
    import os
    path = os.path.join(os.path.dirname(__file__), "..", "stats", "hl_vectors.json")
    with open(path) as f:
        cases = json.load(f)["cases"]
    assert len(cases) >= 6
    for c in cases:
        v = stats.compare(c["baseline"], c["subject"])
        assert v.ratio == pytest.approx(c["ratio"], rel=1e-12), c["why"]
        assert stats.u_critical(len(c["baseline"]), len(c["subject"])) == c["u_critical"]
        if c["lo"] is None:
            assert math.isnan(v.ci_lo), c["why"]
        else:
            assert (v.ci_lo, v.ci_hi) == pytest.approx((c["lo"], c["hi"]), rel=1e-12), c["why"]


def test_u_critical_matches_a_brute_force_count():
    # Independent of the q-binomial recurrence: every split of m+n ranks.
    import itertools
    for m, n in ((4, 4), (5, 7), (6, 6)):
        us = []
        for pos in itertools.combinations(range(m + n), m):
            # U = pairs (x in the m-sample, y in the n-sample) with y < x
            us.append(sum(p - i for i, p in enumerate(pos)))
        total = len(us)
        c = max(u for u in range(m * n + 1) if sum(x <= u for x in us) / total <= 0.025)
        assert stats.u_critical(m, n) == c, (m, n)
    assert stats.u_critical(3, 3) is None  # control: 1/20 per tail is above 2.5 %
