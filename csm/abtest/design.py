"""Before and during a test: sample-ratio mismatch, covariate balance, power and sample size, and a
group-sequential design (Lan–DeMets alpha spending) for tests that are watched while they run."""
from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as st

from csm.errors import AnalysisError, ParameterError

__all__ = [
    "SRMResult",
    "covariate_balance",
    "mde_from_se",
    "minimum_detectable_effect",
    "obrien_fleming_spending",
    "required_sample_size",
    "sequential_boundaries",
    "sequential_monitor",
    "srm_check",
    "srm_test",
]


def _mvn_rng(seed) -> dict:
    """``rng=`` for ``multivariate_normal.cdf`` where it takes one (scipy >= 1.15, randomised QMC); older
    scipy integrates with Genz's deterministic Fortran code and takes no generator."""
    if "rng" in inspect.signature(st.multivariate_normal.cdf).parameters:
        return {"rng": np.random.default_rng(seed)}
    return {}


# --------------------------------------------------------------------------- sample-ratio mismatch

def _as_counts(observed_counts) -> pd.Series:
    if isinstance(observed_counts, pd.Series):
        s = observed_counts.copy()
    elif isinstance(observed_counts, Mapping):
        s = pd.Series(dict(observed_counts), dtype=float)
    else:
        raise ParameterError("observed_counts must be a mapping or Series variant -> number of units, e.g. "
                             "{'control': 2381, 'treatment': 2301}")
    s.index = s.index.astype(str)
    s = pd.to_numeric(s, errors="raise").astype(float)
    if (s < 0).any() or not np.all(np.isfinite(s)):
        raise ParameterError(f"observed_counts must be counts ≥ 0, got {s.to_dict()}")
    return s


def _as_shares(expected_shares) -> pd.Series:
    if not isinstance(expected_shares, (Mapping, pd.Series)) or len(expected_shares) < 2:
        raise ParameterError("expected_shares must map each planned variant to its planned share, e.g. "
                             f"{{'control': 0.5, 'treatment': 0.5}}; got {expected_shares!r}")
    s = pd.Series(dict(expected_shares), dtype=float)
    s.index = s.index.astype(str)
    if (s <= 0).any() or abs(s.sum() - 1) > 1e-6:
        raise ParameterError(f"the planned split must have shares > 0 that add up to 1; got {s.to_dict()} "
                             f"(sum {s.sum():g})")
    return s


@dataclass(frozen=True)
class SRMResult:
    """Sample-ratio-mismatch check: ``summary`` (one row per variant), chi-square, ``dof`` (its degrees of
    freedom), p-value and
    ``flagged`` (p below ``threshold``)."""

    summary: pd.DataFrame
    chi2: float
    dof: int
    p_value: float
    threshold: float
    flagged: bool


def srm_check(observed_counts, expected_shares, *, threshold: float = 0.001) -> SRMResult:
    """Pearson chi-square goodness-of-fit of the units per variant against the planned split.

    ``χ² = Σ (O − E)²/E`` with ``E = share × total``, ``k − 1`` degrees of freedom. A mismatch
    (p < ``threshold``; 0.001 is the usual bar, Fabijan et al. 2019) means the assignment or the
    logging is broken and the comparison cannot be trusted. A variant that was not planned is an error.
    """
    counts, shares = _as_counts(observed_counts), _as_shares(expected_shares)
    unplanned = [v for v in counts.index if v not in shares.index]
    if unplanned:
        raise ParameterError(f"variant label(s) {unplanned} were not planned: the planned split has "
                             f"{list(shares.index)}. Fix the labels in the assignments table (or map them) or add "
                             "the variant to the planned split.")
    counts = counts.reindex(shares.index, fill_value=0.0)
    total = counts.sum()
    if total <= 0:
        raise AnalysisError("srm_check: no units in any variant.")
    expected = shares * total
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    dof = len(shares) - 1
    p = float(st.chi2.sf(chi2, dof))
    summary = pd.DataFrame({"variant": shares.index, "n": counts.to_numpy(), "share": (counts / total).to_numpy(),
                            "expected_share": shares.to_numpy(), "expected_n": expected.to_numpy()})
    return SRMResult(summary, chi2, dof, p, threshold, p < threshold)


def srm_test(observed_counts, expected_shares) -> float:
    """Chi-square p-value of the sample-ratio-mismatch test (see :func:`srm_check`)."""
    return srm_check(observed_counts, expected_shares).p_value


# --------------------------------------------------------------------------- balance
def covariate_balance(units: pd.DataFrame, covariates: Sequence[str], *, variant: str = "variant",
                      control: str = "control", treatment: str = "treatment") -> pd.DataFrame:
    """Pre-period balance between arms: per covariate the arm means, the standardised mean difference
    ``SMD = (x̄_T − x̄_C)/√((s²_T + s²_C)/2)`` (|SMD| > 0.1 is the usual flag, Austin 2009) and the
    Welch p-value. Columns: covariate, control, treatment, smd, p_value, imbalanced."""
    rows = []
    for cov in covariates:
        if cov not in units.columns:
            raise ParameterError(f"assignments: covariate column {cov!r} not found; columns are "
                                 f"{list(units.columns)}")
        x = pd.to_numeric(units[cov], errors="coerce")
        c = x[units[variant] == control].dropna().to_numpy(dtype=float)
        t = x[units[variant] == treatment].dropna().to_numpy(dtype=float)
        if c.size < 2 or t.size < 2:
            rows.append({"covariate": cov, "control": np.nan, "treatment": np.nan, "smd": np.nan, "p_value": np.nan})
            continue
        pooled = np.sqrt((c.var(ddof=1) + t.var(ddof=1)) / 2)
        smd = (t.mean() - c.mean()) / pooled if pooled > 0 else 0.0
        p = st.ttest_ind(t, c, equal_var=False).pvalue if pooled > 0 else 1.0
        rows.append({"covariate": cov, "control": c.mean(), "treatment": t.mean(), "smd": smd, "p_value": float(p)})
    out = pd.DataFrame(rows, columns=["covariate", "control", "treatment", "smd", "p_value"])
    out["imbalanced"] = out["smd"].abs() > 0.1
    return out


# --------------------------------------------------------------------------- power
def _check_power(alpha, power):
    for name, v in (("alpha", alpha), ("power", power)):
        if not (isinstance(v, (int, float)) and 0 < v < 1):
            raise ParameterError(f"{name} must be between 0 and 1, got {v!r}")


def minimum_detectable_effect(kind: str, n_control: float, n_treatment: float | None = None, *,
                              baseline: float | None = None, sd: float | None = None, alpha: float = 0.05,
                              power: float = 0.8) -> pd.DataFrame:
    """Smallest true effect a two-sided test at ``alpha`` detects with probability ``power``.

    ``kind="proportion"``: statsmodels ``NormalIndPower`` on Cohen's h (``proportion_effectsize``),
    mapped back to an increase of ``baseline``: ``p_T = sin²(asin√p_C + h/2)``.
    ``kind="mean"``: ``TTestIndPower`` on Cohen's d, ``mde = d·sd``.
    Columns: kind, baseline, n_control, n_treatment, effect_size, mde, relative_mde.
    """
    from statsmodels.stats.power import NormalIndPower, TTestIndPower

    _check_power(alpha, power)
    n_treatment = n_control if n_treatment is None else n_treatment
    if not (n_control >= 2 and n_treatment >= 2):
        raise AnalysisError(f"minimum_detectable_effect: each arm needs at least 2 units (got {n_control}, "
                            f"{n_treatment}).")
    ratio = n_treatment / n_control
    if kind == "proportion":
        if baseline is None or not 0 < baseline < 1:
            raise ParameterError(f"a proportion MDE needs baseline between 0 and 1, got {baseline!r}")
        h = NormalIndPower().solve_power(effect_size=None, nobs1=n_control, ratio=ratio, alpha=alpha, power=power)
        p_t = np.sin(min(np.arcsin(np.sqrt(baseline)) + h / 2, np.pi / 2)) ** 2
        mde = p_t - baseline
    elif kind == "mean":
        if sd is None or not sd > 0:
            raise ParameterError(f"a mean MDE needs the standard deviation sd > 0, got {sd!r}")
        h = TTestIndPower().solve_power(effect_size=None, nobs1=n_control, ratio=ratio, alpha=alpha, power=power)
        mde = h * sd
    else:
        raise ParameterError(f"kind must be 'proportion' or 'mean', got {kind!r}")
    rel = mde / baseline if baseline else np.nan
    return pd.DataFrame([{"kind": kind, "baseline": baseline, "n_control": n_control, "n_treatment": n_treatment,
                          "effect_size": float(h), "mde": float(mde), "relative_mde": rel}])


def required_sample_size(kind: str, effect: float, *, baseline: float | None = None, sd: float | None = None,
                         alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0) -> pd.DataFrame:
    """Units per arm needed to detect ``effect`` (absolute, treatment − control) with ``power``.

    Proportions: Cohen's ``h = proportion_effectsize(baseline + effect, baseline)`` and ``NormalIndPower``;
    means: ``d = effect/sd`` and ``TTestIndPower``. ``ratio`` = n_treatment / n_control.
    Columns: kind, baseline, effect, effect_size, n_control, n_treatment, n_total (rounded up).
    """
    from statsmodels.stats.power import NormalIndPower, TTestIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    _check_power(alpha, power)
    if effect == 0:
        raise ParameterError("required_sample_size: the effect must not be 0")
    if kind == "proportion":
        if baseline is None or not 0 < baseline < 1 or not 0 < baseline + effect < 1:
            raise ParameterError(f"a proportion needs 0 < baseline < 1 and 0 < baseline + effect < 1; got "
                                 f"baseline={baseline!r}, effect={effect!r}")
        es = abs(proportion_effectsize(baseline + effect, baseline))
        n = NormalIndPower().solve_power(effect_size=es, nobs1=None, ratio=ratio, alpha=alpha, power=power)
    elif kind == "mean":
        if sd is None or not sd > 0:
            raise ParameterError(f"a mean needs the standard deviation sd > 0, got {sd!r}")
        es = abs(effect) / sd
        n = TTestIndPower().solve_power(effect_size=es, nobs1=None, ratio=ratio, alpha=alpha, power=power)
    else:
        raise ParameterError(f"kind must be 'proportion' or 'mean', got {kind!r}")
    nc = int(np.ceil(n))
    nt = int(np.ceil(n * ratio))
    return pd.DataFrame([{"kind": kind, "baseline": baseline, "effect": effect, "effect_size": float(es),
                          "n_control": nc, "n_treatment": nt, "n_total": nc + nt}])


def mde_from_se(se, *, alpha: float = 0.05, power: float = 0.8):
    """MDE of a test whose estimate has standard error ``se``: ``(z_{1−α/2} + z_{power})·se``
    (normal approximation; works for any metric, e.g. a delta-method ratio)."""
    _check_power(alpha, power)
    return (st.norm.ppf(1 - alpha / 2) + st.norm.ppf(power)) * np.asarray(se, dtype=float)


# --------------------------------------------------------------------------- sequential design
def obrien_fleming_spending(t, alpha: float = 0.05):
    """Lan–DeMets O'Brien–Fleming-type spending function (two-sided): ``α(t) = 2 − 2Φ(z_{1−α/2}/√t)``
    (Lan & DeMets 1983); ``α(1) = α``."""
    t = np.asarray(t, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(t > 0, 2 - 2 * st.norm.cdf(st.norm.ppf(1 - alpha / 2) / np.sqrt(np.maximum(t, 1e-300))), 0.0)


def _check_fractions(information_fractions) -> np.ndarray:
    t = np.asarray(information_fractions, dtype=float).ravel()
    if t.size == 0 or np.any(~np.isfinite(t)) or np.any(t <= 0) or np.any(t > 1 + 1e-9) or np.any(np.diff(t) <= 0):
        raise ParameterError("the looks' information fractions must increase strictly within (0, 1], e.g. "
                             f"[0.33, 0.67, 1.0]; got {t.tolist()}")
    return np.minimum(t, 1.0)


def sequential_boundaries(information_fractions, alpha: float = 0.05, *, seed: int = 0) -> pd.DataFrame:
    """Two-sided group-sequential boundaries from O'Brien–Fleming-type alpha spending.

    Under H0 the cumulative z statistics at information fractions ``t₁ < … < t_K`` are multivariate
    normal with ``Corr(Z_i, Z_j) = √(t_i/t_j)`` (i ≤ j). Boundary ``c_k`` solves
    ``P(|Z_1| < c_1, …, |Z_k| < c_k) = 1 − α(t_k)`` given the earlier ones (Jennison & Turnbull 2000,
    ch. 7), with the multivariate normal probability from ``scipy.stats.multivariate_normal``
    (Genz' quasi-Monte Carlo, fixed ``seed`` so the boundaries are reproducible).
    Columns: look, information_fraction, alpha_cumulative, alpha_at_look, z_boundary, nominal_p.
    """
    t = _check_fractions(information_fractions)
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1, got {alpha!r}")
    spent = obrien_fleming_spending(t, alpha)
    corr = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    bounds: list[float] = []
    for k in range(t.size):
        target = 1 - spent[k]
        if k == 0:
            c = float(st.norm.isf(spent[0] / 2))
        else:
            cov = corr[: k + 1, : k + 1]
            prev = np.array(bounds)

            def stay(c_k, prev=prev, cov=cov, target=target):
                upper = np.append(prev, c_k)
                return st.multivariate_normal.cdf(upper, mean=np.zeros(upper.size), cov=cov, lower_limit=-upper,
                                                  abseps=1e-6, releps=1e-6, maxpts=25_000 * upper.size,
                                                  **_mvn_rng(seed)) - target

            c = float(optimize.brentq(stay, 0.5, 12.0, xtol=1e-5)) if stay(12.0) > 0 else np.inf
        bounds.append(c)
    b = np.array(bounds)
    return pd.DataFrame({"look": np.arange(1, t.size + 1), "information_fraction": t, "alpha_cumulative": spent,
                         "alpha_at_look": np.diff(np.concatenate([[0.0], spent])), "z_boundary": b,
                         "nominal_p": 2 * st.norm.sf(b)})


def sequential_monitor(z_statistics, information_fractions, alpha: float = 0.05, *, seed: int = 0) -> pd.DataFrame:
    """Looks of a running test against :func:`sequential_boundaries`: the test stops at the first look with
    ``|z| ≥ c_k``; without a crossing the final look decides at its boundary.

    Columns as :func:`sequential_boundaries` plus z, crossed, stop (True at the deciding look).
    """
    z = np.asarray(z_statistics, dtype=float).ravel()
    table = sequential_boundaries(information_fractions, alpha, seed=seed)
    if z.size != len(table):
        raise ParameterError(f"sequential_monitor: {z.size} z statistics for {len(table)} looks")
    table["z"] = z
    table["crossed"] = np.abs(z) >= table["z_boundary"].to_numpy()
    first = int(np.argmax(table["crossed"])) if table["crossed"].any() else len(table) - 1
    table["stop"] = np.arange(len(table)) == first
    return table
