"""One quantile, descriptions of repetitions, and the A/B verdict.

Every median, percentile and quantile the package computes is quantile()
below, Hyndman and Fan's type 7 (numpy's default); results/ (C++) and the
module's integer C port use the same definition and are tested against the
same vectors (tests/stats/quantile_vectors.json).

The verdict is distribution-free: timings are skewed and have outliers, and a
handful of repetitions cannot show they are normal. The ratio NEW/BASE is the
Hodges-Lehmann estimate on log times, exp(median over all pairs of
log(new_j / base_i)); its 95 % confidence interval comes from inverting the
exact Mann-Whitney U test, so the interval excludes 1 exactly when the test
rejects "no shift" at 5 %. A shift under 1 % (MIN_EFFECT) is not called
either way. With too few repetitions no interval can reach 95 %, and the
verdict says so instead of guessing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats as sps

ALPHA = 0.05
# A shift must also be at least this large to be called: timings quantised
# by the timer and runs of identical code differ by fractions of a percent,
# and with enough repetitions the test alone would call those.
MIN_EFFECT = 0.01
MAD_TO_SIGMA = 1.4826  # MAD of a normal sample times this estimates sigma

FASTER = "faster"
SLOWER = "slower"
NO_CHANGE = "no significant change"
TOO_FEW = "too few repetitions"


def quantile(xs, p) -> float:
    """Type 7: over the sorted x[0..n), h = p (n - 1), k = floor(h),
    Q = x[k] + (h - k)(x[k+1] - x[k]); nan for no samples. p may be a
    Fraction, which keeps Q exact for integer samples."""
    if not 0 <= p <= 1:
        raise ValueError(f"quantile: p is {p}; accepted: 0 <= p <= 1")
    x = sorted(xs)
    if not x:
        return math.nan
    h = p * (len(x) - 1)
    k = math.floor(h)
    if k + 1 == len(x):  # p = 1: the largest sample (there is no x[k+1])
        return float(x[k])
    return float(x[k] + (h - k) * (x[k + 1] - x[k]))


def median(xs) -> float:
    return quantile(xs, 0.5)


@dataclass
class Description:
    """A set of samples (the repetitions of one benchmark, mostly), described."""
    n: int
    median: float
    lo: float           # smallest sample
    hi: float           # largest sample
    mad_sigma: float    # 1.4826 * median absolute deviation: a robust sigma

    @property
    def rel_spread(self) -> float:
        """Robust spread as a fraction of the median (nan with one sample)."""
        if self.n < 2 or self.median == 0:
            return math.nan
        return self.mad_sigma / abs(self.median)


def describe(samples) -> Description:
    x = [float(v) for v in samples]
    if not x:
        return Description(0, math.nan, math.nan, math.nan, math.nan)
    med = median(x)
    mad = median([abs(v - med) for v in x]) * MAD_TO_SIGMA
    return Description(len(x), med, min(x), max(x), mad)


@lru_cache(maxsize=256)
def _u_cdf(m: int, n: int) -> tuple:
    """P(U <= u) for u = 0..m*n under H0, no ties: the coefficients of the
    Gaussian binomial [m+n choose m]_q divided by C(m+n, m)."""
    top = m * n
    poly = [0] * (top + 1)
    poly[0] = 1
    for i in range(1, m + 1):
        # multiply by (1 - q^(n+i)) ...
        step = n + i
        for d in range(top, step - 1, -1):
            poly[d] -= poly[d - step]
        # ... and divide by (1 - q^i): a running sum with stride i (exact).
        for d in range(i, top + 1):
            poly[d] += poly[d - i]
    total = math.comb(m + n, m)
    cdf, acc = [], 0
    for c in poly:
        acc += c
        cdf.append(acc / total)
    return tuple(cdf)


def u_critical(m: int, n: int, alpha: float = ALPHA):
    """Largest c with P(U <= c) <= alpha/2, or None when even c = 0 is too likely
    (too few repetitions for any two-sided test at level alpha)."""
    if m < 1 or n < 1:
        return None
    if m * n > 40000:  # normal approximation; the exact table gets slow
        z = sps.norm.ppf(1 - alpha / 2)
        c = math.floor(m * n / 2 - z * math.sqrt(m * n * (m + n + 1) / 12)) - 1
        return c if c >= 0 else None
    cdf = _u_cdf(m, n)
    c = None
    for u, p in enumerate(cdf):
        if p <= alpha / 2 + 1e-12:
            c = u
        else:
            break
    return c


def min_repetitions(alpha: float = ALPHA) -> int:
    """Fewest repetitions per side (equal sizes) for which a verdict is possible."""
    n = 1
    while u_critical(n, n, alpha) is None:
        n += 1
    return n


@dataclass
class Verdict:
    n_base: int
    n_new: int
    ratio: float        # Hodges-Lehmann NEW/BASE (nan when not computable)
    ci_lo: float        # 95 % interval for the ratio (nan when too few)
    ci_hi: float
    p_value: float      # two-sided Mann-Whitney U (nan when too few)
    verdict: str


def shift(base, new, alpha: float = ALPHA, min_effect: float = MIN_EFFECT) -> Verdict:
    """NEW/BASE for a lower-is-better quantity (a time): how far NEW moved from BASE."""
    b = np.asarray([x for x in base if x > 0], dtype=float)
    w = np.asarray([x for x in new if x > 0], dtype=float)
    m, n = b.size, w.size
    if m == 0 or n == 0:
        return Verdict(m, n, math.nan, math.nan, math.nan, math.nan, TOO_FEW)
    diffs = np.sort((np.log(w)[None, :] - np.log(b)[:, None]).ravel())
    ratio = math.exp(median(diffs))
    c = u_critical(m, n, alpha)
    if c is None:
        return Verdict(m, n, ratio, math.nan, math.nan, math.nan, TOO_FEW)
    lo = float(math.exp(diffs[c]))
    hi = float(math.exp(diffs[m * n - c - 1]))
    p = float(sps.mannwhitneyu(w, b, alternative="two-sided").pvalue)
    # The interval and the test must agree (they can differ only with ties),
    # and the shift must reach MIN_EFFECT.
    if lo > 1 and p < alpha and ratio >= 1 + min_effect:
        verdict = SLOWER
    elif hi < 1 and p < alpha and ratio <= 1 / (1 + min_effect):
        verdict = FASTER
    else:
        verdict = NO_CHANGE
    return Verdict(m, n, ratio, lo, hi, p, verdict)


def median_ci_ranks(n: int, alpha: float = ALPHA):
    """0-based ranks (lo, hi) of the order statistics bounding a 95 % interval
    for the median (binomial, coverage >= 95 %), or None below 6 samples."""
    if n < 6:
        return None
    tail, term, j = 0.0, 0.5 ** n, 0
    while j < n // 2 and tail + term <= alpha / 2:
        tail += term
        term *= (n - j) / (j + 1)
        j += 1
    return None if j == 0 else (j - 1, n - j)
