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

The A/B over a whole run (compare.py) is the part after "A/B over many
benchmarks": each benchmark's log ratio with its own variance (Welch over
repetitions, or the harness's batch interval of one repetition), a
run-to-run null fitted by maximum likelihood (Student t: two processes of one
binary differ with heavy tails), and Benjamini-Hochberg over all of them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import optimize, stats as sps

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


# ---- A/B over many benchmarks -------------------------------------------------

@dataclass
class Evidence:
    """log(NEW/BASE) for one benchmark, with the variance of that estimate
    and its degrees of freedom (math.inf: a normal reference)."""
    log_ratio: float
    var: float
    df: float
    basis: str          # "reps" (Welch over repetitions) or "batches" (one repetition)


def welch_log(base, new) -> Evidence | None:
    """Student's (Welch's) comparison of the mean log time over repetitions
    (within one process each: placement between processes is the null's).
    None below two repetitions a side."""
    b = np.log([x for x in base if x > 0])
    w = np.log([x for x in new if x > 0])
    if b.size < 2 or w.size < 2:
        return None
    vb, vw = b.var(ddof=1) / b.size, w.var(ddof=1) / w.size
    var = vb + vw
    df = var ** 2 / (vb ** 2 / (b.size - 1) + vw ** 2 / (w.size - 1)) if var > 0 else math.inf
    return Evidence(float(w.mean() - b.mean()), float(var), float(df), "reps")


def one_repetition(base: float, base_rel95: float, new: float, new_rel95: float) -> Evidence:
    """One time a side, each with the harness's 95 % half-width over its mean
    (ci95_relative, over the batches of that one process; 0 when unknown)."""
    z = float(sps.norm.ppf(1 - ALPHA / 2))
    var = (base_rel95 / z) ** 2 + (new_rel95 / z) ** 2
    return Evidence(math.log(new / base), var, math.inf, "batches")


def _scale_df(e: Evidence, null) -> tuple:
    """The estimate's scale with the run-to-run spread added, and the df that
    applies: the fitted null's, else the estimate's own."""
    return math.sqrt(e.var + null.spread ** 2), (null.df if null.fitted_on else e.df)


def p_value(e: Evidence, null) -> float:
    """Two-sided p of "no shift" against the null (NO_NULL: the estimate alone)."""
    scale, df = _scale_df(e, null)
    if scale <= 0:
        return 1.0 if e.log_ratio == 0 else 0.0
    t = abs(e.log_ratio) / scale
    return float(2 * (sps.norm.sf(t) if math.isinf(df) else sps.t.sf(t, df)))


def interval(e: Evidence, null, level: float = 1 - ALPHA) -> tuple:
    """(lo, hi) of NEW/BASE at `level`, from the same scale and df as p_value."""
    scale, df = _scale_df(e, null)
    q = sps.norm.ppf(0.5 + level / 2) if math.isinf(df) else sps.t.ppf(0.5 + level / 2, df)
    return math.exp(e.log_ratio - q * scale), math.exp(e.log_ratio + q * scale)


def benjamini_hochberg(pvalues, q: float = ALPHA) -> list:
    """Which hypotheses the step-up procedure rejects, keeping the expected
    share of false calls among all calls at q (Benjamini and Hochberg 1995)."""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    m, k = len(pvalues), 0
    for rank, i in enumerate(order, 1):
        if pvalues[i] <= q * rank / m:
            k = rank
    chosen = set(order[:k])
    return [i in chosen for i in range(m)]


def null_spread(log_ratios) -> float:
    """The run-to-run spread seen across a comparison (an empirical null, after
    Efron): 1.4826 x the median |log ratio|, robust to the few that changed."""
    x = [abs(v) for v in log_ratios if math.isfinite(v)]
    return MAD_TO_SIGMA * median(x) if x else 0.0


# Fewest benchmarks outside a family for a fitted run-to-run null; with fewer,
# the verdict rests on the benchmarks' own spread alone.
MIN_NULL = 20


@dataclass
class Null:
    """The run-to-run spread between two runs: log(NEW/BASE) of an unchanged
    benchmark is Student t with `df` degrees of freedom and scale
    sqrt(own variance + spread^2)."""
    spread: float
    df: float
    fitted_on: int      # benchmarks it was fitted to (0: none, spread 0)


NO_NULL = Null(0.0, math.inf, 0)


def fit_null(log_ratios, variances) -> Null:
    """Maximum likelihood over (spread, df): timings differ between processes
    by more than either process's own spread shows (placement, alignment),
    with tails far heavier than normal, which a fitted df follows. Fitted
    about the median, so that a shift of every benchmark does not widen it
    (and is then called); each benchmark keeps its own variance."""
    d = np.asarray(log_ratios, dtype=float)
    v = np.asarray(variances, dtype=float)
    ok = np.isfinite(d) & np.isfinite(v)
    d, v = d[ok], v[ok]
    if d.size < MIN_NULL:
        return NO_NULL
    d = d - median(d)
    tiny = 1e-12

    def nll(theta):
        s, df = math.exp(theta[0]), math.exp(min(theta[1], 7.0))
        scale = np.sqrt(v + s * s) + tiny
        return -float(np.sum(sps.t.logpdf(d / scale, df) - np.log(scale)))

    start = [math.log(null_spread(d) + 1e-6), 0.0]
    best = optimize.minimize(nll, start, method="Nelder-Mead",
                             options={"xatol": 1e-4, "fatol": 1e-6, "maxiter": 2000})
    s, df = math.exp(best.x[0]), math.exp(min(best.x[1], 7.0))
    return Null(s if s > 1e-9 else 0.0, df if df < 1000 else math.inf, int(d.size))
