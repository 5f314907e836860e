"""Shared statistics: intervals, two-sample comparisons, empirical-Bayes shrinkage, multiplicity.

Every function returns a tidy :class:`pandas.DataFrame` with the house column
names — ``estimate``, ``ci_low``, ``ci_high``, ``n`` (and ``p_value`` for
tests). Functions named ``*_from_counts`` / ``*_from_stats`` are vectorised:
give arrays and get one row per element. Shrinkage returns a small
:class:`Shrinkage` result with a ``summary`` frame and the fitted ``prior``.

Proportions are returned as fractions (0–1); NPS in points (−100…100).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from threadpoolctl import threadpool_limits

import numpy as np
import pandas as pd
from scipy import optimize, special
from scipy import stats as st

from csm.errors import AnalysisError, ParameterError

__all__ = [
    "PROMOTER_MIN", "DETRACTOR_MAX",
    "wilson_interval",
    "mean_interval",
    "mean_interval_from_stats",
    "median_interval",
    "median_ci_ranks",
    "nps_interval",
    "nps_interval_from_counts",
    "nps_difference_test",
    "nps_difference_from_counts",
    "proportion_difference",
    "mean_difference",
    "mean_difference_from_stats",
    "poisson_interval",
    "rate_ratio_test",
    "Shrinkage",
    "shrink_proportions",
    "shrink_means",
    "adjust_pvalues",
    "single_threaded_blas",
]


# --------------------------------------------------------------------------- helpers
def _check_confidence(confidence: float) -> float:
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise ParameterError(f"confidence must be a number between 0 and 1 (e.g. 0.95), got {confidence!r}")
    return float(confidence)


def _z(confidence: float) -> float:
    return float(st.norm.ppf(0.5 + _check_confidence(confidence) / 2))


def _arr(x) -> np.ndarray:
    if isinstance(x, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        return np.atleast_1d(x.to_numpy(dtype=float, na_value=np.nan))
    return np.atleast_1d(np.asarray(x, dtype=float))


def _index_of(*xs):
    for x in xs:
        if isinstance(x, (pd.Series, pd.Index)):
            return x.index if isinstance(x, pd.Series) else x
    return None


def _frame(index=None, **cols) -> pd.DataFrame:
    arrays = np.broadcast_arrays(*[_arr(v) for v in cols.values()])
    out = pd.DataFrame(dict(zip(cols, arrays)))
    if index is not None and len(index) == len(out):
        out.index = index
    return out


def _clean(values) -> np.ndarray:
    """Values as a float array with missing values dropped."""
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    x = pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    return x[~np.isnan(x)]


# --------------------------------------------------------------------------- proportions
def wilson_interval(successes, trials, *, confidence: float = 0.95) -> pd.DataFrame:
    """Wilson score interval for a binomial proportion (Wilson 1927).

    ``p̂ = k/n``; bounds ``(p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)``.
    Vectorised over ``successes``/``trials``; ``n = 0`` gives NaN.
    Columns: estimate (= p̂), ci_low, ci_high, n, successes.
    """
    z = _z(confidence)
    k, n = np.broadcast_arrays(_arr(successes), _arr(trials))
    if np.any((k < 0) | (k > n)):
        bad = np.flatnonzero((k < 0) | (k > n))[:5]
        raise ParameterError(
            f"successes must lie between 0 and trials; positions {bad.tolist()} have "
            f"successes={k[bad].tolist()}, trials={n[bad].tolist()}")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, k / n, np.nan)
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return _frame(_index_of(successes, trials), estimate=p, ci_low=np.clip(centre - half, 0, 1),
                  ci_high=np.clip(centre + half, 0, 1), n=n, successes=k)


def proportion_difference(successes1, trials1, successes2, trials2, *, confidence: float = 0.95) -> pd.DataFrame:
    """Difference of two independent proportions ``p₁ − p₂``.

    Interval: Newcombe (1998) hybrid score interval from the two Wilson intervals,
    ``d − √((p₁−l₁)² + (u₂−p₂)²)``, ``d + √((u₁−p₁)² + (p₂−l₂)²)``.
    p-value: pooled two-proportion z test, ``z = d / √(p̄(1−p̄)(1/n₁ + 1/n₂))``.
    Vectorised. Columns: estimate, ci_low, ci_high, z, p_value, n1, n2.
    """
    a = wilson_interval(successes1, trials1, confidence=confidence)
    b = wilson_interval(successes2, trials2, confidence=confidence)
    p1, l1, u1 = a["estimate"].to_numpy(), a["ci_low"].to_numpy(), a["ci_high"].to_numpy()
    p2, l2, u2 = b["estimate"].to_numpy(), b["ci_low"].to_numpy(), b["ci_high"].to_numpy()
    k1, n1, k2, n2 = a["successes"].to_numpy(), a["n"].to_numpy(), b["successes"].to_numpy(), b["n"].to_numpy()
    d = p1 - p2
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (k1 + k2) / (n1 + n2)
        se0 = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = np.where(se0 > 0, d / se0, np.where(d == 0, 0.0, np.nan))
    p = 2 * st.norm.sf(np.abs(z))
    return _frame(_index_of(successes1, trials1), estimate=d,
                  ci_low=d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
                  ci_high=d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
                  z=z, p_value=p, n1=n1, n2=n2)


# --------------------------------------------------------------------------- means and medians
def mean_interval_from_stats(mean, sd, n, *, confidence: float = 0.95) -> pd.DataFrame:
    """Student-t interval for a mean from summary statistics: ``x̄ ± t_{n−1} · s/√n``.

    Vectorised; ``n < 2`` gives NaN bounds. Columns: estimate, ci_low, ci_high, n, sd.
    """
    _check_confidence(confidence)
    m, s, n = np.broadcast_arrays(_arr(mean), _arr(sd), _arr(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, st.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)), np.nan)
        half = t * s / np.sqrt(n)
    m = np.where(n > 0, m, np.nan)
    return _frame(_index_of(mean, sd, n), estimate=m, ci_low=m - half, ci_high=m + half, n=n, sd=s)


def mean_interval(values, *, confidence: float = 0.95) -> pd.DataFrame:
    """Mean with Student-t interval ``x̄ ± t_{n−1, 1−α/2} · s/√n`` (missing values dropped). One row."""
    x = _clean(values)
    n = x.size
    sd = x.std(ddof=1) if n >= 2 else np.nan
    return mean_interval_from_stats(x.mean() if n else np.nan, sd, n, confidence=confidence)


def mean_difference_from_stats(mean1, sd1, n1, mean2, sd2, n2, *, confidence: float = 0.95) -> pd.DataFrame:
    """Welch's difference of two means ``x̄₁ − x̄₂`` with Welch–Satterthwaite t interval and p-value.

    ``se = √(s₁²/n₁ + s₂²/n₂)``, ``dof = se⁴ / ((s₁²/n₁)²/(n₁−1) + (s₂²/n₂)²/(n₂−1))``.
    Vectorised. Columns: estimate, ci_low, ci_high, t, dof, p_value, n1, n2.
    """
    _check_confidence(confidence)
    m1, s1, n1, m2, s2, n2 = np.broadcast_arrays(*map(_arr, (mean1, sd1, n1, mean2, sd2, n2)))
    with np.errstate(invalid="ignore", divide="ignore"):
        v1, v2 = s1**2 / n1, s2**2 / n2
        se = np.sqrt(v1 + v2)
        dof = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
        d = m1 - m2
        t = d / se
        ok = (n1 >= 2) & (n2 >= 2) & (se > 0)
        q = st.t.ppf(0.5 + confidence / 2, np.where(ok, dof, 1))
        p = 2 * st.t.sf(np.abs(t), np.where(ok, dof, 1))
    nan = np.full(d.shape, np.nan)
    return _frame(_index_of(mean1, mean2), estimate=d, ci_low=np.where(ok, d - q * se, nan),
                  ci_high=np.where(ok, d + q * se, nan), t=np.where(ok, t, nan), dof=np.where(ok, dof, nan),
                  p_value=np.where(ok, p, nan), n1=n1, n2=n2)


def mean_difference(a, b, *, confidence: float = 0.95) -> pd.DataFrame:
    """Welch two-sample comparison of raw values ``mean(a) − mean(b)`` (see :func:`mean_difference_from_stats`)."""
    x, y = _clean(a), _clean(b)
    sd = lambda v: v.std(ddof=1) if v.size >= 2 else np.nan  # noqa: E731
    return mean_difference_from_stats(x.mean() if x.size else np.nan, sd(x), x.size,
                                      y.mean() if y.size else np.nan, sd(y), y.size, confidence=confidence)


def median_ci_ranks(n, *, confidence: float = 0.95):
    """1-based order-statistic ranks ``(l, u)`` of the distribution-free CI for a median, and its coverage.

    With ``B ~ Binomial(n, ½)``, ``l − 1`` is the largest ``j`` with ``P(B ≤ j) ≤ α/2`` and
    ``u = n − l + 1``; the interval ``[x₍ₗ₎, x₍ᵤ₎]`` covers the median with probability
    ``1 − 2·P(B ≤ l − 1) ≥ 1 − α`` (Conover, *Practical Nonparametric Statistics*, §3.2).
    Returns integer arrays ``l, u`` (0 where no interval exists, i.e. ``n`` too small) and ``coverage``.
    """
    alpha = 1 - _check_confidence(confidence)
    n = np.atleast_1d(np.asarray(n, dtype=np.int64))
    j = st.binom.ppf(alpha / 2, n, 0.5)
    j = np.where(np.isnan(j), -1, j).astype(np.int64)
    j = np.where(st.binom.cdf(j, n, 0.5) > alpha / 2 + 1e-12, j - 1, j)
    ok = (j >= 0) & (n > 0)
    lo = np.where(ok, j + 1, 0)
    hi = np.where(ok, n - j, 0)
    coverage = np.where(ok, 1 - 2 * st.binom.cdf(j, n, 0.5), np.nan)
    return lo, hi, coverage


def median_interval(values, *, confidence: float = 0.95) -> pd.DataFrame:
    """Sample median with the distribution-free binomial order-statistic interval (see :func:`median_ci_ranks`).

    NaN bounds when ``n`` is too small for the requested confidence (``n < 6`` at 95%).
    Columns: estimate, ci_low, ci_high, n, coverage (the exact coverage of the interval). One row.
    """
    x = np.sort(_clean(values))
    n = x.size
    lo, hi, cov = median_ci_ranks(n, confidence=confidence)
    ok = lo[0] > 0
    return _frame(estimate=np.median(x) if n else np.nan, ci_low=x[lo[0] - 1] if ok else np.nan,
                  ci_high=x[hi[0] - 1] if ok else np.nan, n=n, coverage=cov)


# --------------------------------------------------------------------------- NPS
#: NPS groups on the 0–10 likelihood-to-recommend scale: promoters score 9–10, detractors 0–6 (passives 7–8)
PROMOTER_MIN = 9
DETRACTOR_MAX = 6


def _nps_counts(scores):
    x = _clean(scores)
    if np.any((x < 0) | (x > 10)):
        bad = x[(x < 0) | (x > 10)][:5]
        raise ParameterError(f"NPS scores must be between 0 and 10; found {bad.tolist()}")
    return int((x >= PROMOTER_MIN).sum()), int((x <= DETRACTOR_MAX).sum()), int(x.size)


def nps_interval_from_counts(promoters, detractors, n, *, confidence: float = 0.95) -> pd.DataFrame:
    """Net Promoter Score with a normal interval from the multinomial standard error.

    ``NPS = 100·(p_P − p_D)``; ``Var = 100²·(p_P + p_D − (p_P − p_D)²)/n``; bounds clipped to ±100.
    Vectorised. Columns: estimate, ci_low, ci_high, n, se, promoters, detractors.
    """
    z = _z(confidence)
    P, D, n = np.broadcast_arrays(_arr(promoters), _arr(detractors), _arr(n))
    if np.any((P < 0) | (D < 0) | (P + D > n)):
        raise ParameterError("NPS counts must satisfy 0 ≤ promoters, detractors and promoters + detractors ≤ n")
    with np.errstate(invalid="ignore", divide="ignore"):
        pp, pd_ = np.where(n > 0, P / n, np.nan), np.where(n > 0, D / n, np.nan)
        est = 100 * (pp - pd_)
        se = 100 * np.sqrt(np.maximum(pp + pd_ - (pp - pd_) ** 2, 0) / n)
    return _frame(_index_of(promoters, n), estimate=est, ci_low=np.clip(est - z * se, -100, 100),
                  ci_high=np.clip(est + z * se, -100, 100), n=n, se=se, promoters=P, detractors=D)


def nps_interval(scores, *, confidence: float = 0.95) -> pd.DataFrame:
    """NPS of 0–10 scores (promoters 9–10, detractors 0–6) with multinomial interval. One row."""
    P, D, n = _nps_counts(scores)
    return nps_interval_from_counts(P, D, n, confidence=confidence)


def nps_difference_from_counts(promoters1, detractors1, n1, promoters2, detractors2, n2, *,
                               confidence: float = 0.95) -> pd.DataFrame:
    """Two-sample z test for ``NPS₁ − NPS₂`` with unpooled multinomial standard errors.

    ``se = √(se₁² + se₂²)``, ``z = (NPS₁ − NPS₂)/se``, two-sided p-value from N(0, 1).
    Vectorised. Columns: estimate, ci_low, ci_high, z, p_value, n1, n2.
    """
    z_crit = _z(confidence)
    a = nps_interval_from_counts(promoters1, detractors1, n1, confidence=confidence)
    b = nps_interval_from_counts(promoters2, detractors2, n2, confidence=confidence)
    d = a["estimate"].to_numpy() - b["estimate"].to_numpy()
    se = np.sqrt(a["se"].to_numpy() ** 2 + b["se"].to_numpy() ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, d / se, np.where(d == 0, 0.0, np.nan))
    return _frame(_index_of(promoters1), estimate=d, ci_low=d - z_crit * se, ci_high=d + z_crit * se, z=z,
                  p_value=2 * st.norm.sf(np.abs(z)), n1=a["n"].to_numpy(), n2=b["n"].to_numpy())


def nps_difference_test(a, b, *, confidence: float = 0.95) -> pd.DataFrame:
    """NPS(a) − NPS(b) for two samples of 0–10 scores; see :func:`nps_difference_from_counts`. One row."""
    return nps_difference_from_counts(*_nps_counts(a), *_nps_counts(b), confidence=confidence)


# --------------------------------------------------------------------------- counts and rates
def poisson_interval(count, exposure=1.0, *, confidence: float = 0.95) -> pd.DataFrame:
    """Exact (Garwood 1936) interval for a Poisson count or rate ``k / exposure``.

    ``[χ²_{α/2}(2k)/2, χ²_{1−α/2}(2k+2)/2] / exposure`` (lower bound 0 when k = 0).
    Vectorised. Columns: estimate, ci_low, ci_high, n (= count), exposure.
    """
    alpha = 1 - _check_confidence(confidence)
    k, e = np.broadcast_arrays(_arr(count), _arr(exposure))
    if np.any(k < 0):
        raise ParameterError("counts must be ≥ 0")
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(k > 0, st.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0) / e
        hi = st.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2 / e
    return _frame(_index_of(count), estimate=k / e, ci_low=lo, ci_high=hi, n=k, exposure=e)


def rate_ratio_test(count1, exposure1, count2, exposure2, *, confidence: float = 0.95) -> pd.DataFrame:
    """Ratio of two Poisson rates ``(k₁/E₁)/(k₂/E₂)``, exact conditional test and interval.

    Given ``K = k₁ + k₂``, ``k₁ ~ Binomial(K, π)`` with ``π = R·E₁/(R·E₁ + E₂)``. The interval is the
    Clopper–Pearson interval for π mapped to ``R = π/(1−π) · E₂/E₁``; the p-value is the exact binomial
    test of ``π₀ = E₁/(E₁+E₂)`` (R = 1). Vectorised. Columns: estimate, ci_low, ci_high, p_value, n1, n2.
    """
    alpha = 1 - _check_confidence(confidence)
    k1, e1, k2, e2 = np.broadcast_arrays(*map(_arr, (count1, exposure1, count2, exposure2)))
    K = k1 + k2
    est, lo, hi, p = (np.full(k1.shape, np.nan) for _ in range(4))
    for i in range(k1.size):
        if K[i] <= 0 or e1[i] <= 0 or e2[i] <= 0:
            continue
        f = e2[i] / e1[i]
        with np.errstate(divide="ignore"):
            est[i] = (k1[i] / e1[i]) / (k2[i] / e2[i]) if k2[i] > 0 else np.inf
            pl = st.beta.ppf(alpha / 2, k1[i], K[i] - k1[i] + 1) if k1[i] > 0 else 0.0
            pu = st.beta.ppf(1 - alpha / 2, k1[i] + 1, K[i] - k1[i]) if k2[i] > 0 else 1.0
            lo[i] = pl / (1 - pl) * f
            hi[i] = pu / (1 - pu) * f if pu < 1 else np.inf
        p[i] = st.binomtest(int(k1[i]), int(K[i]), e1[i] / (e1[i] + e2[i])).pvalue
    return _frame(_index_of(count1), estimate=est, ci_low=lo, ci_high=hi, p_value=p, n1=k1, n2=k2)


# --------------------------------------------------------------------------- shrinkage
@dataclass(frozen=True)
class Shrinkage:
    """Empirical-Bayes shrinkage result.

    ``summary``: one row per group — n, raw, estimate (posterior mean), ci_low, ci_high
    (posterior interval), weight_raw (weight on the group's own data, 0–1).
    ``prior``: the fitted prior (family, its parameters, method).
    """

    summary: pd.DataFrame
    prior: dict = field(default_factory=dict)


def _beta_binomial_mom(k: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Method-of-moments (mean, intra-class correlation ρ) for a beta-binomial with unequal n.

    With ``S = Σ nᵢ(p̂ᵢ − p̄)²``, ``N = Σ nᵢ`` and ``G`` groups,
    ``E[S] = μ(1−μ)[G − 1 + ρ(N − Σnᵢ²/N − (G − 1))]`` (Kleinman 1973), solved for ρ.
    """
    N, G = n.sum(), n.size
    mu = k.sum() / N
    S = np.sum(n * (k / n - mu) ** 2)
    denom = N - np.sum(n**2) / N - (G - 1)
    v = mu * (1 - mu)
    rho = (S / v - (G - 1)) / denom if (v > 0 and denom > 0) else 0.0
    return mu, rho


def shrink_proportions(successes, trials, *, method: str = "mom", confidence: float = 0.95) -> Shrinkage:
    """Beta-binomial empirical-Bayes shrinkage of group proportions.

    Prior ``pᵢ ~ Beta(α, β)`` fitted across groups by method of moments (``"mom"``, Kleinman 1973)
    or maximum marginal likelihood (``"ml"``; ``Σ log B(kᵢ+α, nᵢ−kᵢ+β) − log B(α, β)``).
    Posterior ``Beta(α + kᵢ, β + nᵢ − kᵢ)``: estimate ``(kᵢ + α)/(nᵢ + α + β)``, equal-tailed
    credible interval, ``weight_raw = nᵢ/(nᵢ + α + β)``. With no between-group spread the prior
    strength ``α + β`` is capped at 10⁶ (≈ complete pooling). Groups with ``n = 0`` get the prior.
    """
    if method not in ("mom", "ml"):
        raise ParameterError(f"method must be 'mom' or 'ml', got {method!r}")
    alpha_ci = 1 - _check_confidence(confidence)
    index = _index_of(successes, trials)
    k, n = np.broadcast_arrays(_arr(successes), _arr(trials))
    if np.any((k < 0) | (k > n)):
        raise ParameterError("successes must lie between 0 and trials for every group")
    use = n > 0
    if use.sum() < 2:
        raise AnalysisError(f"shrinkage needs at least 2 groups with observations; got {int(use.sum())}")
    ku, nu = k[use], n[use]
    mu, rho = _beta_binomial_mom(ku, nu)
    mu = float(np.clip(mu, 1e-6, 1 - 1e-6))
    max_strength = 1e6
    strength = max_strength if rho <= 1 / (max_strength + 1) else min(1 / rho - 1, max_strength)
    a, b = mu * strength, (1 - mu) * strength
    if method == "ml":
        def nll(theta):
            aa, bb = np.exp(theta)
            return -np.sum(special.betaln(ku + aa, nu - ku + bb) - special.betaln(aa, bb))

        start = np.log([max(a, 1e-3), max(b, 1e-3)])
        start = np.clip(start, -9, np.log(max_strength) - 1)
        res = optimize.minimize(nll, start, method="L-BFGS-B",
                                bounds=[(-10, np.log(max_strength))] * 2)
        a, b = map(float, np.exp(res.x))
        strength, mu = a + b, a / (a + b)
    post_a, post_b = a + k, b + n - k
    est = post_a / (post_a + post_b)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(n > 0, k / n, np.nan)
    summary = _frame(index, n=n, successes=k, raw=raw, estimate=est,
                     ci_low=st.beta.ppf(alpha_ci / 2, post_a, post_b),
                     ci_high=st.beta.ppf(1 - alpha_ci / 2, post_a, post_b),
                     weight_raw=n / (n + strength))
    return Shrinkage(summary, {"family": "beta", "alpha": a, "beta": b, "mean": mu, "strength": strength,
                               "method": method})


def shrink_means(means, n, *, within_sd, method: str = "mom", confidence: float = 0.95) -> Shrinkage:
    """Normal–normal empirical-Bayes shrinkage of group means.

    ``ȳᵢ ~ N(θᵢ, vᵢ)`` with ``vᵢ = σᵢ²/nᵢ`` and ``θᵢ ~ N(μ, τ²)``. ``within_sd`` is σ — one pooled
    value (recommended: per-group SDs of small groups are unreliable, e.g. 0 for five identical
    scores) or one per group. τ² by DerSimonian–Laird method of moments (``"mom"``) or maximum
    likelihood (``"ml"``); μ is the precision-weighted mean with weights ``1/(vᵢ + τ²)``.
    Estimate ``μ + (1 − Bᵢ)(ȳᵢ − μ)`` with ``Bᵢ = vᵢ/(vᵢ + τ²)``; interval ± z·√((1 − Bᵢ)vᵢ + Bᵢ²·Var(μ̂))
    (Morris 1983, first-order correction for estimating μ). Groups with ``n = 0`` get μ.
    """
    if method not in ("mom", "ml"):
        raise ParameterError(f"method must be 'mom' or 'ml', got {method!r}")
    z = _z(confidence)
    index = _index_of(means, n)
    y, n, sd = np.broadcast_arrays(_arr(means), _arr(n), _arr(within_sd))
    with np.errstate(divide="ignore", invalid="ignore"):
        v = sd**2 / n
    use = (n > 0) & np.isfinite(y) & np.isfinite(v)
    if use.sum() < 2:
        raise AnalysisError(f"shrinkage needs at least 2 groups with observations; got {int(use.sum())}")
    if np.any(v[use] <= 0):
        raise AnalysisError("within-group standard deviation must be > 0 (pass a pooled SD for groups "
                            "whose values are all equal)")
    yu, vu = y[use], v[use]
    w = 1 / vu
    mu_fe = np.sum(w * yu) / w.sum()
    Q = np.sum(w * (yu - mu_fe) ** 2)
    tau2 = float(max(0.0, (Q - (yu.size - 1)) / (w.sum() - np.sum(w**2) / w.sum())))
    if method == "ml":
        def nll(tau):
            ww = 1 / (vu + tau**2)
            mu = np.sum(ww * yu) / ww.sum()
            return 0.5 * np.sum(np.log(vu + tau**2) + ww * (yu - mu) ** 2)

        upper = max(np.ptp(yu), np.sqrt(vu.max())) * 2 + 1e-12
        res = optimize.minimize_scalar(nll, bounds=(0, upper), method="bounded",
                                       options={"xatol": upper * 1e-8})
        tau = res.x if nll(res.x) <= nll(0.0) else 0.0
        tau2 = float(tau**2)
    ww = 1 / (vu + tau2)
    mu = float(np.sum(ww * yu) / ww.sum())
    var_mu = 1 / ww.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        B = np.where(use, v / (v + tau2), 1.0)
        est = np.where(use, mu + (1 - B) * (y - mu), mu)
        post_var = np.where(use, (1 - B) * v + B**2 * var_mu, tau2 + var_mu)
    se = np.sqrt(post_var)
    summary = _frame(index, n=n, raw=np.where(n > 0, y, np.nan), estimate=est, ci_low=est - z * se,
                     ci_high=est + z * se, weight_raw=1 - B)
    return Shrinkage(summary, {"family": "normal", "mean": mu, "tau": float(np.sqrt(tau2)), "tau2": tau2,
                               "method": method})


# --------------------------------------------------------------------------- multiplicity
_MT_METHODS = {"holm": "holm", "bh": "fdr_bh", "fdr_bh": "fdr_bh", "by": "fdr_by", "fdr_by": "fdr_by",
               "bonferroni": "bonferroni", "hommel": "hommel"}


def adjust_pvalues(p_values, *, method: str = "holm", alpha: float = 0.05) -> pd.DataFrame:
    """Adjust p-values for multiple testing (statsmodels ``multipletests``).

    ``method``: "holm" (family-wise error, default), "bh"/"fdr_bh" (Benjamini–Hochberg false
    discovery rate), "by", "bonferroni", "hommel". Missing p-values stay missing and are not counted.
    Columns: p_value, p_adjusted, reject (index kept from a Series input).
    """
    from statsmodels.stats.multitest import multipletests

    if method not in _MT_METHODS:
        raise ParameterError(f"method must be one of {sorted(_MT_METHODS)}, got {method!r}")
    index = _index_of(p_values)
    p = _arr(p_values)
    if np.any((p[~np.isnan(p)] < 0) | (p[~np.isnan(p)] > 1)):
        raise ParameterError("p-values must lie between 0 and 1")
    adj = np.full(p.shape, np.nan)
    rej = np.zeros(p.shape, dtype=bool)
    ok = ~np.isnan(p)
    if ok.any():
        r, a, _, _ = multipletests(p[ok], alpha=alpha, method=_MT_METHODS[method])
        adj[ok], rej[ok] = a, r
    out = pd.DataFrame({"p_value": p, "p_adjusted": adj, "reject": rej})
    if index is not None:
        out.index = index
    return out


def single_threaded_blas():
    """A context with one BLAS thread, for small model fits (e.g. a ~1,000 × 20 IRLS step).

    Multi-threaded OpenBLAS is 10–50× slower on such small problems when the CPUs are busy, and the order
    of its sums (so the last bits of a result, and whether a nearly separated fit converges) depends on the
    thread count. One thread makes fits reproducible on any machine and under any runner (nbconvert,
    nbval, ``csm run``).
    """
    return threadpool_limits(limits=1, user_api="blas")
