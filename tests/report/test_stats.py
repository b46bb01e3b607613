"""The one quantile, checked against the vectors the C++ core and the
module's integer port share; and the A/B verdict on synthetic samples whose
true difference is known."""
import ast
import json
import math
import os
from fractions import Fraction

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from report import stats

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def quantile_vectors():
    with open(os.path.join(REPO, "tests", "stats", "quantile_vectors.json")) as f:
        return json.load(f)["cases"]


def test_the_quantile_holds_every_shared_vector():
    cases = quantile_vectors()
    assert len(cases) >= 100
    for c in cases:
        num, den = c["p"]
        # An exact p (a Fraction) gives the exact type-7 value, rounded once;
        # a float p, as the package passes it, agrees to rounding.
        assert stats.quantile(c["x"], Fraction(num, den)) == c["q"], c
        assert stats.quantile(c["x"], num / den) == pytest.approx(c["q"], rel=1e-12, abs=0), c
        assert stats.quantile([float(v) for v in c["x"]], num / den) == \
            pytest.approx(c["q"], rel=1e-12, abs=0), c


def test_the_quantile_is_numpys_default_and_ignores_order():
    # Control for the vectors: an independent implementation on other data.
    rng = np.random.default_rng(11)
    for n in (1, 2, 3, 7, 50):
        x = rng.exponential(10.0, n)
        for p in (0.0, 0.1, 0.25, 0.5, 0.9, 0.99, 1.0):
            assert stats.quantile(x, p) == pytest.approx(float(np.quantile(x, p)), rel=1e-12)
            assert stats.quantile(list(reversed(x)), p) == stats.quantile(x, p)


def test_the_median_is_the_half_quantile_and_not_a_rank():
    assert stats.median([1, 2, 3, 10]) == 2.5      # not the lower rank (2) nor v[n/2] (3)
    assert stats.median([4, 1, 3]) == 3
    assert stats.quantile([1, 2, 3, 10], 0.9) == pytest.approx(7.9)
    assert math.isnan(stats.median([]))
    with pytest.raises(ValueError):
        stats.quantile([1, 2], 1.5)


def test_no_module_of_the_package_computes_a_quantile_of_its_own():
    # Every median, percentile and quantile goes through stats.quantile.
    banned = {("np", "median"), ("np", "percentile"), ("np", "quantile"), ("np", "nanmedian"),
              ("numpy", "median"), ("statistics", "median"), ("statistics", "quantiles"),
              ("statistics", "median_low"), ("statistics", "median_high")}
    found = []
    pkg = os.path.join(REPO, "report")
    for name in sorted(os.listdir(pkg)):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(pkg, name)) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and (node.value.id, node.attr) in banned):
                found.append(f"{name}:{node.lineno} {node.value.id}.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "statistics":
                found.append(f"{name}:{node.lineno} from statistics import ...")
    assert not found, found


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
        v = stats.shift(base, new)
        found += v.verdict == expected
        assert v.verdict in (expected, stats.NO_CHANGE)  # never the wrong direction
    assert found >= 95


def test_estimate_and_interval_cover_the_true_ratio():
    covered = 0
    for seed in range(200):
        rng = np.random.default_rng(1000 + seed)
        base, new = timings(rng, 12), timings(rng, 12) * 1.03
        v = stats.shift(base, new)
        assert v.ratio == pytest.approx(1.03, abs=0.015)
        covered += v.ci_lo <= 1.03 <= v.ci_hi
    assert covered >= 180  # a 95 % interval: about 190 of 200


def test_no_shift_gives_no_significant_change():
    calls = []
    for seed in range(200):
        rng = np.random.default_rng(5000 + seed)
        calls.append(stats.shift(timings(rng, 10), timings(rng, 10)).verdict)
    false_alarms = sum(c != stats.NO_CHANGE for c in calls)
    assert false_alarms <= 20  # the test is at 5 %: about 10 of 200


def test_identical_samples_give_no_significant_change():
    x = [10.0, 10.5, 11.0, 10.2, 10.8, 10.1]
    v = stats.shift(x, x)
    assert v.verdict == stats.NO_CHANGE
    assert v.ratio == pytest.approx(1.0)
    assert v.ci_lo <= 1.0 <= v.ci_hi


@pytest.mark.parametrize("m,n", [(3, 3), (1, 10), (2, 2), (3, 2), (0, 5)])
def test_too_few_repetitions_are_said_not_guessed(m, n):
    base = [100.0 + i for i in range(m)]
    new = [200.0 + i for i in range(n)]  # a huge difference, still not enough evidence
    v = stats.shift(base, new)
    assert v.verdict == stats.TOO_FEW
    assert math.isnan(v.ci_lo) and math.isnan(v.p_value)


def test_four_repetitions_each_can_decide_a_clear_difference():
    v = stats.shift([100, 101, 102, 100.5], [110, 111, 109, 110.5])
    assert v.verdict == stats.SLOWER
    assert v.p_value < 0.05


def test_description_median_and_robust_spread():
    s = stats.describe([10, 11, 12, 13, 1000])  # one wild outlier
    assert s.median == 12
    assert s.lo == 10 and s.hi == 1000
    assert s.mad_sigma == pytest.approx(1.4826 * 1)
    assert s.rel_spread == pytest.approx(1.4826 / 12)
    assert math.isnan(stats.describe([5.0]).rel_spread)
    even = stats.describe([1, 2, 3, 10])
    assert even.median == 2.5 and even.mad_sigma == pytest.approx(1.4826 * 1.0)


def test_a_tiny_but_consistent_shift_is_not_called():
    # 0.2 % apart with almost no noise: the test alone would call it; the
    # verdict does not, as such a shift is below what a run resolves.
    rng = np.random.default_rng(3)
    base = 100 * (1 + 1e-4 * rng.standard_normal(30))
    v = stats.shift(base, base * 1.002)
    assert v.p_value < 1e-6 and v.ci_lo > 1
    assert v.verdict == stats.NO_CHANGE
    assert stats.shift(base, base * 1.02).verdict == stats.SLOWER


def test_the_shared_vectors_hold():
    # tests/stats/hl_vectors.json is checked by tests/unit/stats.cpp as well:
    # the C++ of `experiment` and this stats.shift are one method.
    path = os.path.join(os.path.dirname(__file__), "..", "stats", "hl_vectors.json")
    with open(path) as f:
        cases = json.load(f)["cases"]
    assert len(cases) >= 6
    for c in cases:
        v = stats.shift(c["baseline"], c["subject"])
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


# ---- the A/B over many benchmarks ---------------------------------------------

def test_benjamini_hochberg_steps_up_from_the_largest_p_that_passes():
    # Sorted: 0.02 > 0.05 * 1/3, but 0.03 <= 0.05 * 2/3: both smaller are called.
    assert stats.benjamini_hochberg([0.02, 0.5, 0.03]) == [True, False, True]
    assert stats.benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == [True] * 4
    # Control: one test at 5 % each would call the first; the family-wide rule does not.
    assert stats.benjamini_hochberg([0.04] + [0.9] * 19) == [False] * 20


def test_welch_on_log_times_is_scipys():
    from scipy import stats as sps
    base, new = [10.0, 10.4, 9.8, 10.1], [10.9, 11.2, 10.7, 11.4, 11.0]
    e = stats.welch_log(base, new)
    ref = sps.ttest_ind(np.log(new), np.log(base), equal_var=False)
    assert stats.p_value(e, stats.NO_NULL) == pytest.approx(ref.pvalue, rel=1e-9)
    assert math.exp(e.log_ratio) == pytest.approx(np.exp(np.log(new).mean() - np.log(base).mean()))
    assert stats.welch_log([1.0], new) is None  # one repetition: no spread to test with


def test_the_fitted_null_finds_a_heavy_tailed_spread_and_ignores_a_shift():
    rng = np.random.default_rng(7)
    d = 0.01 * rng.standard_t(1.5, size=600)
    v = np.full(d.size, 1e-8)
    null = stats.fit_null(d, v)
    assert 0.007 < null.spread < 0.013 and 1.0 < null.df < 2.2, null
    moved = stats.fit_null(d + 0.05, v)  # every benchmark 5 % slower: the same spread
    assert moved.spread == pytest.approx(null.spread, rel=1e-3)
    # Control: too few benchmarks to fit anything.
    assert stats.fit_null(d[:5], v[:5]) == stats.NO_NULL
