"""Two-arm comparisons of an experiment metric: control vs treatment, one row per comparison.

Every function returns a one-row :class:`pandas.DataFrame` with the house columns

``control``, ``treatment`` (the arm estimates), ``estimate`` (the effect: treatment − control), ``ci_low``,
``ci_high`` (interval of ``estimate`` at level ``confidence``), ``p_value`` (two-sided), ``se``,
``relative_lift`` (``treatment / control − 1``) with ``relative_ci_low``/``relative_ci_high``
(delta method on the ratio of the arm estimates), ``n_control``, ``n_treatment``, ``n`` (both arms) and ``test``.

Effects are always *treatment minus control*. Proportions are fractions (0–1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as st

from csm.compat import STR
from csm import stats as cs
from csm.errors import AnalysisError, ParameterError


class Untestable(AnalysisError):
    """A comparison that cannot run on the data given: ``reason`` is a phrase code (``empty_arm``,
    ``no_variance``, ``too_few``) and ``values`` fill its sentence, so the report can say why in its own
    language (the message itself stays English for logs and tracebacks)."""

    def __init__(self, message: str, reason: str, **values):
        super().__init__(message)
        self.reason = reason
        self.values = values

__all__ = [
    "Untestable",
    "bootstrap_medians",
    "compare_clustered",
    "compare_means",
    "compare_medians",
    "compare_means_from_stats",
    "compare_nps",
    "compare_nps_counts",
    "compare_ordinal",
    "compare_ordinal_counts",
    "compare_clustered_sums",
    "mann_whitney_counts",
    "ArmStats",
    "compare_proportions",
    "compare_ratio",
    "cuped",
    "relative_lift",
]


# --------------------------------------------------------------------------- helpers
def _check_confidence(confidence) -> float:
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise ParameterError(f"confidence must be a number between 0 and 1 (e.g. 0.95), got {confidence!r}")
    return float(confidence)


def _z(confidence: float) -> float:
    return float(st.norm.ppf(0.5 + confidence / 2))


def _values(x, arm: str, what: str) -> np.ndarray:
    """Numbers of one arm, missing values dropped; an empty arm is an :class:`AnalysisError`."""
    s = x if isinstance(x, pd.Series) else pd.Series(np.asarray(x, dtype=object).ravel())
    try:
        v = pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{what}: the {arm} values must be numbers ({exc})") from None
    v = v[~np.isnan(v)]
    if v.size == 0:
        raise Untestable(f"{what}: the {arm} arm is empty (no non-missing values). Check that units were "
                         f"assigned to '{arm}' and that the metric's column is filled for them.", "empty_arm", arm=arm)
    return v


def _check_variance(control: np.ndarray, treatment: np.ndarray, what: str) -> None:
    if np.ptp(np.concatenate([control, treatment])) == 0:
        _no_variance(what, control[0])


def _no_variance(what: str, value: float):
    raise Untestable(f"{what}: the metric has no variance — every value in both arms is "
                     f"{value:g}, so there is nothing to compare. Check the column (is it filled "
                     f"with a default?) or drop the metric.", "no_variance", value=f"{value:g}")


def relative_lift(control, var_control, treatment, var_treatment, *, confidence: float = 0.95) -> tuple:
    """``treatment/control − 1`` with a delta-method interval on the log ratio.

    ``Var(log(T/C)) ≈ Var(T)/T² + Var(C)/C²``; the interval is ``exp(log(T/C) ± z·se) − 1``.
    ``var_*`` are variances of the arm estimates (se²). Returns ``(lift, low, high)``; NaN when an
    estimate is not positive.
    """
    z = _z(_check_confidence(confidence))
    c, t = float(control), float(treatment)
    if not (c > 0 and t > 0):
        return (t / c - 1 if c != 0 else np.nan), np.nan, np.nan
    se = np.sqrt(var_treatment / t**2 + var_control / c**2)
    r = np.log(t / c)
    return float(np.exp(r) - 1), float(np.exp(r - z * se) - 1), float(np.exp(r + z * se) - 1)


def _row(*, control, treatment, estimate, ci_low, ci_high, p_value, se, var_control, var_treatment, n_control,
         n_treatment, test, confidence, **extra) -> pd.DataFrame:
    lift, lo, hi = relative_lift(control, var_control, treatment, var_treatment, confidence=confidence)
    row = {"control": control, "treatment": treatment, "estimate": estimate, "ci_low": ci_low, "ci_high": ci_high,
           "p_value": p_value, "se": se, "relative_lift": lift, "relative_ci_low": lo, "relative_ci_high": hi,
           "n_control": n_control, "n_treatment": n_treatment, "n": n_control + n_treatment, "test": test}
    row.update(extra)
    out = pd.DataFrame([row])
    for col in out.columns:
        if col != "test" and out[col].dtype == object and pd.api.types.infer_dtype(out[col]) != "string":
            out[col] = pd.to_numeric(out[col])
    return out


# --------------------------------------------------------------------------- proportions
def compare_proportions(successes_control, n_control, successes_treatment, n_treatment, *,
                        confidence: float = 0.95) -> pd.DataFrame:
    """Difference of two proportions ``p_T − p_C`` (independent units).

    Interval: Newcombe hybrid score interval; p-value: pooled two-proportion z test
    (both from :func:`csm.stats.proportion_difference`). Relative lift ``p_T/p_C − 1``.
    """
    confidence = _check_confidence(confidence)
    counts = {"successes_control": successes_control, "n_control": n_control,
              "successes_treatment": successes_treatment, "n_treatment": n_treatment}
    for name, v in counts.items():
        if not np.isscalar(v) or not np.isfinite(float(v)) or float(v) < 0 or float(v) != round(float(v)):
            raise ParameterError(f"compare_proportions: {name} must be a whole number ≥ 0, got {v!r}")
    for arm in ("control", "treatment"):
        if counts[f"n_{arm}"] == 0:
            raise Untestable(f"compare_proportions: the {arm} arm is empty (n_{arm} = 0); a proportion needs "
                             "at least one unit in each arm.", "empty_arm", arm=arm)
        if counts[f"successes_{arm}"] > counts[f"n_{arm}"]:
            raise ParameterError(f"compare_proportions: successes_{arm} ({counts[f'successes_{arm}']}) exceeds "
                                 f"n_{arm} ({counts[f'n_{arm}']}).")
    total_k = successes_control + successes_treatment
    if total_k == 0 or total_k == n_control + n_treatment:
        raise Untestable(f"compare_proportions: the metric has no variance — "
                         f"{'no' if total_k == 0 else 'every'} unit in either arm is a success, "
                         "so there is nothing to compare.", "no_variance", value="1" if total_k else "0")
    r = cs.proportion_difference(successes_treatment, n_treatment, successes_control, n_control,
                                 confidence=confidence).iloc[0]
    pc, pt = successes_control / n_control, successes_treatment / n_treatment
    vc, vt = pc * (1 - pc) / n_control, pt * (1 - pt) / n_treatment
    return _row(control=pc, treatment=pt, estimate=r["estimate"], ci_low=r["ci_low"], ci_high=r["ci_high"],
                p_value=r["p_value"], se=np.sqrt(vc + vt), var_control=vc, var_treatment=vt,
                n_control=n_control, n_treatment=n_treatment, test="two-proportion z (Newcombe interval)",
                confidence=confidence)


# --------------------------------------------------------------------------- means, medians, ordinal, NPS
def compare_means(control, treatment, *, confidence: float = 0.95) -> pd.DataFrame:
    """Welch's t test of ``mean(treatment) − mean(control)`` with Welch–Satterthwaite interval
    (:func:`csm.stats.mean_difference_from_stats`). Missing values are dropped."""
    c, t = _values(control, "control", "compare_means"), _values(treatment, "treatment", "compare_means")
    return compare_means_from_stats(ArmStats.of(c), ArmStats.of(t), confidence=confidence)


@dataclass(frozen=True)
class ArmStats:
    """One arm's values in summary: ``n``, ``mean``, ``var`` (ddof 1), ``lo``/``hi`` (smallest and largest value)
    — what Welch's test needs, from the values (:meth:`of`) or from sums the engine computed
    (:meth:`from_sums`: ``n``, ``Σx``, ``Σx²``)."""

    n: int
    mean: float
    var: float
    lo: float
    hi: float

    @classmethod
    def of(cls, v: np.ndarray) -> ArmStats:
        return cls(int(v.size), float(v.mean()), float(v.var(ddof=1)) if v.size >= 2 else np.nan,
                   float(v.min()), float(v.max()))

    @classmethod
    def from_sums(cls, n, total, squares, lo, hi) -> ArmStats:
        n = int(n)
        if n == 0:
            return cls(0, np.nan, np.nan, np.nan, np.nan)
        mean = float(total) / n
        var = max((float(squares) - float(total) * mean) / (n - 1), 0.0) if n >= 2 else np.nan
        if lo == hi:
            var = 0.0
        return cls(n, mean, var, float(lo), float(hi))


def compare_means_from_stats(control: ArmStats, treatment: ArmStats, *, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`compare_means` from each arm's :class:`ArmStats` (e.g. sums over tickets computed in the engine)."""
    confidence = _check_confidence(confidence)
    c, t = control, treatment
    for arm, v in (("control", c), ("treatment", t)):
        if v.n == 0:
            raise Untestable(f"compare_means: the {arm} arm is empty (no non-missing values). Check that units were "
                             f"assigned to '{arm}' and that the metric's column is filled for them.", "empty_arm",
                             arm=arm)
    for arm, v in (("control", c), ("treatment", t)):
        if v.n < 2:
            raise Untestable(f"compare_means: the {arm} arm has {v.n} value; Welch's test needs at least 2.",
                                 "too_few", arm=arm, n=int(v.n), need=2)
    if min(c.lo, t.lo) == max(c.hi, t.hi):
        _no_variance("compare_means", c.lo)
    r = cs.mean_difference_from_stats(t.mean, np.sqrt(t.var), t.n, c.mean, np.sqrt(c.var), c.n,
                                      confidence=confidence).iloc[0]
    vc, vt = c.var / c.n, t.var / t.n
    return _row(control=c.mean, treatment=t.mean, estimate=r["estimate"], ci_low=r["ci_low"], ci_high=r["ci_high"],
                p_value=r["p_value"], se=np.sqrt(vc + vt), var_control=vc, var_treatment=vt, n_control=c.n,
                n_treatment=t.n, test="Welch t", confidence=confidence, dof=r["dof"])


def bootstrap_medians(x, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot`` draws of the median of a bootstrap resample of ``x`` (``n`` values drawn with replacement, as
    ``np.median(x[rng.integers(0, n, n)])``), drawn exactly in law from two order statistics instead of ``n``
    draws each.

    A resample is ``x₍⌈nUᵢ⌉₎`` for ``n`` iid uniforms ``Uᵢ`` (``x`` sorted), so its ``j``-th order statistic is
    ``x₍⌈nU₍ⱼ₎⌉₎`` with ``U₍ⱼ₎ ~ Beta(j, n − j + 1)``; the next one is ``U₍ⱼ₊₁₎ = U₍ⱼ₎ + (1 − U₍ⱼ₎)·Beta(1, n − j)`` (the
    smallest of the ``n − j`` uniforms above ``U₍ⱼ₎``). The median is ``x₍⌈nU₍ₘ₎⌉₎`` for odd ``n = 2m − 1`` and the
    mean of the ``m``-th and ``(m + 1)``-th for even ``n = 2m``. O(n log n) once, then O(1) per resample, where
    resampling costs O(n) per resample (2,000 resamples of 1.5M units took minutes)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = x.size
    m = (n + 1) // 2
    u = rng.beta(m, n - m + 1, size=n_boot)
    low = x[np.clip(np.ceil(n * u).astype(np.int64), 1, n) - 1]
    if n % 2:
        return low
    u_next = u + (1.0 - u) * rng.beta(1, n - m, size=n_boot)
    return (low + x[np.clip(np.ceil(n * u_next).astype(np.int64), 1, n) - 1]) / 2


def _bootstrap_median_estimate(c: np.ndarray, t: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """The bootstrap distribution of median(t) − median(c), the arms resampled independently."""
    mc = bootstrap_medians(c, n_boot, rng)
    return bootstrap_medians(t, n_boot, rng) - mc


def compare_medians(control, treatment, *, confidence: float = 0.95, n_boot: int = 2000, seed=0) -> pd.DataFrame:
    """Robust comparison of a skewed metric: difference of medians with a percentile bootstrap interval
    (Efron & Tibshirani 1993, ch. 13; arms resampled independently, each resample's median drawn exactly from
    its order statistics by :func:`bootstrap_medians`) and the two-sided Mann–Whitney U
    p-value (asymptotic, tie-corrected; ``scipy.stats.mannwhitneyu``).

    Extra column ``prob_superiority`` = ``P(T > C) + ½P(T = C)`` = ``U_T/(n_C n_T)``.
    """
    confidence = _check_confidence(confidence)
    c, t = _values(control, "control", "compare_medians"), _values(treatment, "treatment", "compare_medians")
    _check_variance(c, t, "compare_medians")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    boot = _bootstrap_median_estimate(c, t, int(n_boot), rng)
    lo, hi = np.quantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2])
    mw = st.mannwhitneyu(t, c, alternative="two-sided", method="asymptotic")
    vc = vt = np.var(boot) / 2  # bootstrap variance of the difference, split evenly for the relative lift
    return _row(control=np.median(c), treatment=np.median(t), estimate=np.median(t) - np.median(c), ci_low=lo,
                ci_high=hi, p_value=mw.pvalue, se=np.std(boot, ddof=1), var_control=vc, var_treatment=vt,
                n_control=c.size, n_treatment=t.size, test="median difference (bootstrap) + Mann–Whitney U",
                confidence=confidence, prob_superiority=mw.statistic / (c.size * t.size))


def _value_counts(x, arm: str, what: str) -> pd.Series:
    v = _values(x, arm, what)
    values, counts = np.unique(v, return_counts=True)
    return pd.Series(counts, index=values)


def _arm_counts(control: pd.Series, treatment: pd.Series, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values of both arms (sorted) and each arm's counts of them; an empty arm is an
    :class:`Untestable`."""
    both = pd.concat([control.rename("c"), treatment.rename("t")], axis=1).fillna(0).sort_index()
    both = both[(both["c"] > 0) | (both["t"] > 0)]
    for arm, col in (("control", "c"), ("treatment", "t")):
        if both[col].sum() == 0:
            raise Untestable(f"{what}: the {arm} arm is empty (no non-missing values). Check that units were "
                             f"assigned to '{arm}' and that the metric's column is filled for them.", "empty_arm",
                             arm=arm)
    return both.index.to_numpy(dtype=float), both["c"].to_numpy(dtype=float), both["t"].to_numpy(dtype=float)


def mann_whitney_counts(values, counts_x, counts_y) -> tuple[float, float]:
    """Two-sided Mann–Whitney U test of sample x against y given as counts of the distinct ``values`` (sorted
    ascending): ``(U_x, p)`` with mid-ranks for ties, the tie-corrected normal approximation and the
    continuity correction — :func:`scipy.stats.mannwhitneyu` (``method="asymptotic"``) on the expanded
    samples, without expanding them."""
    nx_, ny_ = np.asarray(counts_x, dtype=float), np.asarray(counts_y, dtype=float)
    t = nx_ + ny_
    n1, n2 = nx_.sum(), ny_.sum()
    n = n1 + n2
    below = np.concatenate([[0.0], np.cumsum(t)[:-1]])
    midrank = below + (t + 1) / 2
    u1 = float(np.sum(nx_ * midrank) - n1 * (n1 + 1) / 2)
    u = max(u1, n1 * n2 - u1)
    tie_term = np.sum(t**3 - t)
    s = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (u - n1 * n2 / 2 - 0.5) / s
    return u1, float(np.clip(2 * st.norm.sf(z), 0.0, 1.0))


def compare_ordinal(control, treatment, *, confidence: float = 0.95) -> pd.DataFrame:
    """Ordinal comparison (e.g. CSAT 1–5): probability of superiority and the Mann–Whitney U test.

    ``A = P(T > C) + ½P(T = C) = U_T/(n_C n_T)``; ``estimate = A − ½`` (0 = no shift; +0.5 = every
    treatment rating is higher). Interval ``A ± z·se`` with the Hanley–McNeil (1982) standard error
    ``se² = (A(1−A) + (n_T−1)(Q₁−A²) + (n_C−1)(Q₂−A²))/(n_C n_T)``, ``Q₁ = A/(2−A)``, ``Q₂ = 2A²/(1+A)``.
    p-value: two-sided Mann–Whitney U, normal approximation with tie correction. ``control`` and
    ``treatment`` columns are the arms' mean scores (for reading only).
    """
    c = _value_counts(control, "control", "compare_ordinal")
    t = _value_counts(treatment, "treatment", "compare_ordinal")
    return compare_ordinal_counts(c, t, confidence=confidence)


def _mean_var_counts(values: np.ndarray, counts: np.ndarray) -> tuple[float, float]:
    n = counts.sum()
    mean = float(np.sum(values * counts) / n)
    var = float(np.sum(counts * (values - mean) ** 2) / (n - 1)) if n >= 2 else np.nan
    return mean, var


def compare_ordinal_counts(control: pd.Series, treatment: pd.Series, *, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`compare_ordinal` from each arm's counts per score (a Series indexed by the score), e.g. counted
    in the engine."""
    confidence = _check_confidence(confidence)
    values, nc, nt = _arm_counts(control, treatment, "compare_ordinal")
    if values.size == 1:
        _no_variance("compare_ordinal", values[0])
    u_t, p_value = mann_whitney_counts(values, nt, nc)
    n1, n2 = int(nt.sum()), int(nc.sum())
    a = u_t / (n1 * n2)
    q1, q2 = a / (2 - a), 2 * a**2 / (1 + a)
    se = np.sqrt(max(a * (1 - a) + (n1 - 1) * (q1 - a**2) + (n2 - 1) * (q2 - a**2), 0) / (n1 * n2))
    z = _z(confidence)
    (mc, vc), (mt, vt) = _mean_var_counts(values, nc), _mean_var_counts(values, nt)
    return _row(control=mc, treatment=mt, estimate=a - 0.5, ci_low=a - 0.5 - z * se,
                ci_high=a - 0.5 + z * se, p_value=p_value, se=se, var_control=vc / n2,
                var_treatment=vt / n1, n_control=n2, n_treatment=n1,
                test="Mann–Whitney U (probability of superiority − ½)", confidence=confidence, prob_superiority=a)


def compare_nps(control, treatment, *, confidence: float = 0.95) -> pd.DataFrame:
    """NPS(treatment) − NPS(control) in points, unpooled multinomial z test
    (:func:`csm.stats.nps_difference_test`). Scores 0–10."""
    c = _value_counts(control, "control", "compare_nps")
    t = _value_counts(treatment, "treatment", "compare_nps")
    return compare_nps_counts(c, t, confidence=confidence)


def compare_nps_counts(control: pd.Series, treatment: pd.Series, *, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`compare_nps` from each arm's counts per score 0–10 (a Series indexed by the score)."""
    confidence = _check_confidence(confidence)
    values, nc, nt = _arm_counts(control, treatment, "compare_nps")
    if np.any((values < 0) | (values > 10)):
        bad = values[(values < 0) | (values > 10)][:5]
        raise ParameterError(f"NPS scores must be between 0 and 10; found {bad.tolist()}")
    arms = {}
    for arm, k in (("control", nc), ("treatment", nt)):
        arms[arm] = (int(k[values >= cs.PROMOTER_MIN].sum()), int(k[values <= cs.DETRACTOR_MAX].sum()), int(k.sum()))
    r = cs.nps_difference_from_counts(*arms["treatment"], *arms["control"], confidence=confidence).iloc[0]
    a = cs.nps_interval_from_counts(*arms["control"], confidence=confidence).iloc[0]
    b = cs.nps_interval_from_counts(*arms["treatment"], confidence=confidence).iloc[0]
    if not (a["se"] > 0 or b["se"] > 0):
        raise Untestable("compare_nps: the metric has no variance — every response in both arms is in one NPS "
                         "group, so there is nothing to compare.", "no_variance_nps")
    vc, vt = a["se"] ** 2, b["se"] ** 2
    out = _row(control=a["estimate"], treatment=b["estimate"], estimate=r["estimate"], ci_low=r["ci_low"],
               ci_high=r["ci_high"], p_value=r["p_value"], se=np.sqrt(vc + vt), var_control=vc, var_treatment=vt,
               n_control=arms["control"][2], n_treatment=arms["treatment"][2], test="NPS difference (multinomial z)",
               confidence=confidence)
    # NPS can be ≤ 0, where a ratio means nothing: no relative lift
    out[["relative_lift", "relative_ci_low", "relative_ci_high"]] = np.nan
    return out


# --------------------------------------------------------------------------- ratio metrics (delta method)
def _ratio_stats(num: np.ndarray, den: np.ndarray):
    """Ratio ``R = Σnum/Σden`` over units and its delta-method variance.

    ``Var(R) ≈ (s²_num − 2R·s_num,den + R²·s²_den) / (n·d̄²)`` (Deng, Knoblich & Lu 2018, eq. 2).
    """
    n = num.size
    r = num.sum() / den.sum()
    if n < 2:
        return r, np.nan
    cov = np.cov(num, den, ddof=1)
    var = (cov[0, 0] - 2 * r * cov[0, 1] + r**2 * cov[1, 1]) / (n * den.mean() ** 2)
    return r, max(var, 0.0)


def compare_ratio(numerator_control, denominator_control, numerator_treatment, denominator_treatment, *,
                  confidence: float = 0.95) -> pd.DataFrame:
    """Ratio metric whose unit differs from the randomisation unit, e.g. FCR = resolved-at-first-contact
    tickets / tickets, with one (numerator, denominator) pair per *randomised unit*.

    Difference of the arm ratios ``R_T − R_C`` with a normal interval and z test from the
    delta-method variance of each ratio (see :func:`_ratio_stats`; Deng et al. 2018). Units whose
    denominator is 0 are kept (they add to the variance of the denominator).
    """
    confidence = _check_confidence(confidence)
    arms = {}
    for arm, num, den in (("control", numerator_control, denominator_control),
                          ("treatment", numerator_treatment, denominator_treatment)):
        n_ = np.asarray(num, dtype=float).ravel()
        d_ = np.asarray(den, dtype=float).ravel()
        if n_.shape != d_.shape:
            raise ParameterError(f"compare_ratio: the {arm} numerator ({n_.size}) and denominator ({d_.size}) "
                                 "must have one value per unit")
        ok = ~(np.isnan(n_) | np.isnan(d_))
        n_, d_ = n_[ok], d_[ok]
        if n_.size == 0 or d_.sum() <= 0:
            raise Untestable(f"compare_ratio: the {arm} arm is empty (no unit with a denominator > 0).", "empty_arm",
                             arm=arm)
        if n_.size < 2:
            raise Untestable(f"compare_ratio: the {arm} arm has 1 unit; the delta method needs at least 2.", "too_few",
                             arm=arm, n=1, need=2)
        arms[arm] = (n_, d_)
    (nc, dc), (nt, dt) = arms["control"], arms["treatment"]
    rc, vc = _ratio_stats(nc, dc)
    rt, vt = _ratio_stats(nt, dt)
    se = np.sqrt(vc + vt)
    if not se > 0:
        raise Untestable(f"compare_ratio: the metric has no variance — the ratio is {rc:g} for every unit in "
                         "both arms, so there is nothing to compare.", "no_variance", value=f"{rc:g}")
    z = _z(confidence)
    d = rt - rc
    return _row(control=rc, treatment=rt, estimate=d, ci_low=d - z * se, ci_high=d + z * se,
                p_value=2 * st.norm.sf(abs(d / se)), se=se, var_control=vc, var_treatment=vt,
                n_control=nc.size, n_treatment=nt.size, test="ratio, delta method", confidence=confidence,
                denominator_control=dc.sum(), denominator_treatment=dt.sum())


# --------------------------------------------------------------------------- cluster-robust
def compare_clustered(values, is_treatment, clusters, *, confidence: float = 0.95, min_clusters: int = 30) -> pd.DataFrame:
    """Difference in means when whole clusters (agents, teams, customers) were randomised.

    OLS ``y = a + b·treatment`` with cluster-robust (CR1) standard errors and a t reference with
    ``G − 1`` degrees of freedom (as statsmodels ``cov_type="cluster"``; Cameron & Miller 2015), computed from
    per-cluster sums (:func:`compare_clustered_sums`). With few clusters these errors are too small:
    ``few_clusters`` is True (and ``warning`` says so) when either arm has fewer than ``min_clusters`` clusters.
    """
    y = pd.to_numeric(pd.Series(np.asarray(values, dtype=float)), errors="raise").to_numpy(dtype=float)
    treat = np.asarray(is_treatment, dtype=bool)
    groups = pd.Series(np.asarray(clusters, dtype=object)).astype(STR)
    ok = ~np.isnan(y) & groups.notna().to_numpy()
    y, treat, groups = y[ok], treat[ok], groups[ok]
    mixed = pd.DataFrame({"g": groups.to_numpy(), "t": treat}).groupby("g")["t"].nunique()
    if (mixed > 1).any():
        bad = mixed[mixed > 1].index[:5].tolist()
        raise ParameterError(f"compare_clustered: clusters {bad} appear in both arms; with cluster "
                             "randomisation every cluster belongs to one arm. Check the cluster column.")
    frame = pd.DataFrame({"g": groups.to_numpy(), "y": y, "t": treat})
    sums = frame.groupby("g", sort=False).agg(num=("y", "sum"), den=("y", "count"), lo=("y", "min"),
                                              hi=("y", "max"), t=("t", "first"))
    return compare_clustered_sums(sums, sums["t"].to_numpy(dtype=bool), confidence=confidence,
                                  min_clusters=min_clusters)


def compare_clustered_sums(sums: pd.DataFrame, is_treatment, *, confidence: float = 0.95,
                           min_clusters: int = 30) -> pd.DataFrame:
    """:func:`compare_clustered` from one row per cluster: ``num`` (Σy), ``den`` (number of values), ``lo`` and
    ``hi`` (smallest and largest value); ``is_treatment`` per cluster. Clusters without values are left out.

    With ``X = [1, treatment]`` and residuals ``u = y − ȳ(arm)`` the cluster scores are ``e_g·[1, t_g]``,
    ``e_g = Σy − n_g·ȳ(arm)``; ``V = (X'X)⁻¹ (Σ_g s_g s_g') (X'X)⁻¹ · G/(G−1) · (N−1)/(N−2)``."""
    confidence = _check_confidence(confidence)
    den = sums["den"].to_numpy(dtype=float)
    keep = den > 0
    num, den = sums["num"].to_numpy(dtype=float)[keep], den[keep]
    lo, hi = sums["lo"].to_numpy(dtype=float)[keep], sums["hi"].to_numpy(dtype=float)[keep]
    treat = np.asarray(is_treatment, dtype=bool)[keep]
    for arm, mask in (("control", ~treat), ("treatment", treat)):
        if mask.sum() == 0:
            raise Untestable(f"compare_clustered: the {arm} arm is empty.", "empty_arm", arm=arm)
    if lo.min() == hi.max():
        _no_variance("compare_clustered", lo.min())
    n_c, n_t = den[~treat].sum(), den[treat].sum()
    mc, mt = num[~treat].sum() / n_c, num[treat].sum() / n_t
    e = num - den * np.where(treat, mt, mc)
    n, k, g = n_c + n_t, 2, int(keep.sum())
    bread = np.linalg.inv(np.array([[n, n_t], [n_t, n_t]]))
    scores = e[:, None] * np.column_stack([np.ones_like(e), treat.astype(float)])
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = bread @ (scores.T @ scores) @ bread * (g / (g - 1)) * ((n - 1) / (n - k))
        b, se = mt - mc, float(np.sqrt(max(cov[1, 1], 0.0)))
        q = st.t.ppf(0.5 + confidence / 2, g - 1)
        p_value = float(2 * st.t.sf(np.abs(np.float64(b) / se), g - 1))
    g_c, g_t = int((~treat).sum()), int(treat.sum())
    few = min(g_c, g_t) < min_clusters
    warning = (f"only {min(g_c, g_t)} clusters in the smaller arm (fewer than {min_clusters}): cluster-robust "
               "standard errors are unreliable; treat the p-value as optimistic") if few else ""
    # variance of each arm mean from the same cluster-robust covariance
    vc = cov[0, 0]
    vt = cov[0, 0] + cov[1, 1] + 2 * cov[0, 1]
    return _row(control=mc, treatment=mt, estimate=b, ci_low=b - q * se, ci_high=b + q * se, p_value=p_value, se=se,
                var_control=vc, var_treatment=vt, n_control=int(n_c), n_treatment=int(n_t),
                test="OLS, cluster-robust (CR1)", confidence=confidence, clusters_control=g_c, clusters_treatment=g_t,
                few_clusters=few, warning=warning)


# --------------------------------------------------------------------------- CUPED
def cuped(values, covariate, is_treatment, *, confidence: float = 0.95) -> pd.DataFrame:
    """CUPED (Deng, Xu, Kohavi & Walker 2013): Welch comparison of ``Y − θ(X − X̄)``.

    ``θ = Cov(Y, X)/Var(X)`` pooled over both arms (X is a pre-period covariate, unaffected by the
    treatment); the adjusted difference has the same expectation and variance reduced by ``ρ²``.
    Extra columns: ``theta``, ``variance_reduction`` (``1 − Var(Y_adj)/Var(Y)``, pooled within arms),
    ``se_unadjusted``, ``estimate_unadjusted``, ``ci_low_unadjusted``, ``ci_high_unadjusted``, ``p_value_unadjusted``.
    """
    confidence = _check_confidence(confidence)
    y = np.asarray(values, dtype=float)
    x = np.asarray(covariate, dtype=float)
    treat = np.asarray(is_treatment, dtype=bool)
    if not (y.shape == x.shape == treat.shape):
        raise ParameterError("cuped: values, covariate and is_treatment must have one entry per unit")
    ok = ~(np.isnan(y) | np.isnan(x))
    y, x, treat = y[ok], x[ok], treat[ok]
    if np.ptp(x) == 0 if x.size else True:
        raise Untestable("cuped: the pre-period covariate has no variance (every unit has the same value), "
                         "so it cannot reduce variance; run the comparison without CUPED.", "no_variance_covariate")
    theta = np.cov(y, x, ddof=1)[0, 1] / x.var(ddof=1)
    y_adj = y - theta * (x - x.mean())
    raw = compare_means(y[~treat], y[treat], confidence=confidence)
    adj = compare_means(y_adj[~treat], y_adj[treat], confidence=confidence)

    def within_var(v):
        return (v[~treat].var(ddof=1) * (np.sum(~treat) - 1) + v[treat].var(ddof=1) * (treat.sum() - 1)) / (v.size - 2)

    adj["test"] = "Welch t on CUPED-adjusted values"
    adj["control"], adj["treatment"] = raw["control"].iloc[0], raw["treatment"].iloc[0]
    adj["theta"] = theta
    adj["variance_reduction"] = 1 - within_var(y_adj) / within_var(y)
    for col in ("estimate", "ci_low", "ci_high", "p_value", "se"):
        adj[f"{col}_unadjusted"] = raw[col].iloc[0]
    return adj
