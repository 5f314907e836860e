"""Customer lifetime value: the seed formula, BG/NBD / MBG/NBD and Gamma-Gamma models, discounted CLV.

References
----------
- Fader, Hardie & Lee (2005a), "Counting your customers the easy way: an alternative to the Pareto/NBD
  model", Marketing Science 24(2) — BG/NBD likelihood (eq. 6), E[X(t)] (eq. 7), P(alive) and the
  conditional expectation E[Y(t) | x, t_x, T] (eq. 10).
- Fader, Hardie & Lee (2005b), "RFM and CLV: using iso-value curves for customer base analysis",
  JMR 42(4) — Gamma-Gamma spend model and the conditional expected spend.
- Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of models for customer base
  analysis", IJRM 24(3) — the modified BG/NBD (MBG/NBD) in which a customer may also drop out right after
  the first purchase, so one-time buyers are not assumed alive.

Conventions (those of the literature and of the ``lifetimes`` package): ``frequency`` = number of repeat
purchases, ``recency`` = time from the first to the last purchase, ``T`` = time from the first purchase to
the end of observation, all in one time unit (weeks by default); ``monetary_value`` = mean amount of the
repeat purchases. Fits are maximum likelihood on log parameters (L-BFGS-B, log-likelihoods built from
``gammaln``/``betaln``/``logaddexp``); a fit that does not converge, or runs to the edge of the parameter
space, raises :class:`csm.errors.AnalysisError` instead of returning estimates.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import betaln, gammaln, hyp2f1

from csm.errors import AnalysisError, DataError, ParameterError

__all__ = ["TIME_UNITS", "WEEKS_PER_MONTH", "GRADIENT_TOL", "STEP_TOL", "BGNBDModel", "fit_bgnbd", "fit_mbgnbd",
           "GammaGammaModel", "fit_gamma_gamma", "simulate_bgnbd", "rfm_summary", "rfm_from_aggregates", "seed_clv_from_sums", "discounted_clv", "seed_clv",
           "holdout_comparison", "model_tiers"]

#: days per time unit of the purchase models
TIME_UNITS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}
#: weeks per month (for monthly discounting of weekly models)
WEEKS_PER_MONTH = 365.25 / 12 / 7
_LOG_BOUND = 11.0  # |log parameter| above this = ran to the edge of the parameter space (e^11 ≈ 60,000)


# --------------------------------------------------------------------------- input checks
def _array(values, name: str) -> np.ndarray:
    try:
        x = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name} must be numbers; could not convert ({exc}).") from None
    if x.size == 0:
        raise AnalysisError(f"{name} is empty: there are no customers to fit the model on.")
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        raise ParameterError(f"{name} has {bad.size} missing or infinite value(s) (positions {bad[:5].tolist()}); "
                             "drop or fill those customers first.")
    return x


def _rft(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T = _array(frequency, "frequency"), _array(recency, "recency"), _array(T, "T")
    if not (x.size == t_x.size == T.size):
        raise ParameterError(f"frequency, recency and T must have the same length (got {x.size}, {t_x.size}, "
                             f"{T.size}).")
    checks = [
        (x < 0, "frequency must be ≥ 0 (repeat purchases)"),
        (x != np.round(x), "frequency must be a whole number of repeat purchases"),
        (t_x < 0, "recency must be ≥ 0"),
        (t_x > T * (1 + 1e-9) + 1e-9, "recency must not exceed T (last purchase after the end of observation)"),
        ((x == 0) & (t_x > 0), "recency must be 0 for customers without a repeat purchase"),
    ]
    for bad, message in checks:
        rows = np.flatnonzero(bad)
        if rows.size:
            raise ParameterError(f"{message}: {rows.size} customer(s), positions {rows[:5].tolist()}, "
                                 f"frequency {x[rows[:5]].tolist()}, recency {t_x[rows[:5]].round(3).tolist()}, "
                                 f"T {T[rows[:5]].round(3).tolist()}.")
    return x, t_x, T


# --------------------------------------------------------------------------- fitting machinery
def _minimize(nll, start: np.ndarray, names: tuple[str, ...], model: str):
    """Minimise ``nll`` over log parameters; raise AnalysisError on failure or at a bound."""
    bounds = [(-_LOG_BOUND - 1, _LOG_BOUND + 1)] * len(start)
    with np.errstate(all="ignore"):
        res = optimize.minimize(nll, start, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-7})
    fun = float(res.fun)
    if not np.isfinite(fun) or not np.all(np.isfinite(res.x)):
        raise AnalysisError(f"{model} fit failed: the log-likelihood is not finite at the optimiser's answer "
                            f"({res.message}). Check the inputs (time unit, recency ≤ T, enough repeat purchases).")
    if not res.success:
        raise AnalysisError(f"{model} fit did not converge: {res.message}. The data may not identify the model "
                            "(too few customers or repeat purchases); check the inputs or use a longer period.")
    at_edge = [n for n, v in zip(names, res.x) if abs(v) > _LOG_BOUND]
    if at_edge:
        raise AnalysisError(f"{model} fit ran to the edge of the parameter space for {', '.join(at_edge)} "
                            f"(estimates {dict(zip(names, np.exp(res.x).round(6).tolist()))}): the data do not "
                            "identify the model (e.g. no or almost no repeat purchases, or no sign of dropout). "
                            "Use a longer calibration period or more customers.")
    return _polish(nll, res, model)


#: Newton polishing after L-BFGS-B: stop when the largest step in the log parameters is below STEP_TOL
#: (a relative change of the parameters of 1e-7); refuse the fit unless the largest gradient component of
#: the per-customer negative log-likelihood is then below GRADIENT_TOL
STEP_TOL, GRADIENT_TOL, POLISH_STEPS = 1e-7, 1e-6, 8


def _polish(nll, res, model: str):
    """Newton steps on the central-difference gradient and Hessian from the L-BFGS-B answer.

    L-BFGS-B stops on a small gradient; along a flat ridge of the likelihood (Gamma-Gamma p and q, smallest
    Hessian eigenvalue ≈ 0.01 on the sample) that leaves the estimates off by ~1e-5 relative, which shows in
    the third decimal and differs between CPUs. After polishing, repeated fits agree to ~1e-8 relative
    (the noise floor of the numerical derivatives)."""
    from statsmodels.tools.numdiff import approx_fprime, approx_hess3

    x, fun = np.asarray(res.x, float).copy(), float(res.fun)
    with np.errstate(all="ignore"):
        for _ in range(POLISH_STEPS):
            g = approx_fprime(x, nll, centered=True)
            try:
                step = np.linalg.solve(approx_hess3(x, nll), g)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)):
                break
            for shrink in (1.0, 0.5, 0.25, 0.125):  # a Newton step must not make the fit worse
                trial = x - shrink * step
                f = float(nll(trial))
                if np.isfinite(f) and f <= fun + 1e-13 * max(abs(fun), 1.0):
                    break
            else:
                break
            x, fun = trial, f
            if np.max(np.abs(shrink * step)) < STEP_TOL:
                break
        gradient = float(np.max(np.abs(approx_fprime(x, nll, centered=True))))
    if not np.isfinite(gradient) or gradient > GRADIENT_TOL:
        raise AnalysisError(f"{model} fit did not converge: the largest gradient component is {gradient:.2g} "
                            f"after polishing (tolerance {GRADIENT_TOL:g}); the data may not identify the model.")
    res.x, res.fun = x, fun
    return res


def _param_summary(nll, log_x: np.ndarray, names: tuple[str, ...], confidence: float = 0.95) -> pd.DataFrame:
    """Estimates with standard errors from the numerical Hessian of the negative log-likelihood (log scale).

    Wald interval on the log scale, exponentiated; se by the delta method (se_log × estimate).
    """
    from statsmodels.tools.numdiff import approx_hess3

    with np.errstate(all="ignore"):
        H = approx_hess3(log_x, nll)
    try:
        cov = np.linalg.inv(H)
        se_log = np.sqrt(np.diag(cov))
        if not np.all(np.isfinite(se_log)) or np.any(np.diag(cov) <= 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        se_log = np.full(len(names), np.nan)
    z = stats.norm.ppf(0.5 + confidence / 2)
    est = np.exp(log_x)
    return pd.DataFrame({"parameter": list(names), "estimate": est, "se": se_log * est,
                         "ci_low": np.exp(log_x - z * se_log), "ci_high": np.exp(log_x + z * se_log)})


def _standard_errors(summary: pd.DataFrame) -> dict:
    """``{parameter: se}`` of a fitted model's summary (:func:`_param_summary`)."""
    return dict(zip(summary["parameter"], summary["se"].astype(float))) if len(summary) else {}


# --------------------------------------------------------------------------- BG/NBD and MBG/NBD
def _bgnbd_loglik(params, x, t_x, T, modified: bool, groups=None) -> np.ndarray:
    """Per-customer log-likelihood of BG/NBD (FHL 2005a eq. 6) or MBG/NBD (Batislam et al. 2007).

    The gamma and beta functions depend on x only, so they are computed once per distinct frequency
    (a few dozen values) and indexed: the per-customer work is two logarithms and a ``logaddexp``.
    """
    r, alpha, a, b = params
    ux, inv = groups if groups is not None else np.unique(x, return_inverse=True)
    common = (gammaln(r + ux) - gammaln(r) + r * np.log(alpha))[inv]
    log_alive_T = -(r + x) * np.log(alpha + T)
    log_dead_tx = -(r + x) * np.log(alpha + t_x)
    if modified:
        alive = (betaln(a, b + ux + 1) - betaln(a, b))[inv] + log_alive_T
        dead = (betaln(a + 1, b + ux) - betaln(a, b))[inv] + log_dead_tx
    else:
        alive = (betaln(a, b + ux) - betaln(a, b))[inv] + log_alive_T
        dead = np.where(x > 0, (betaln(a + 1, np.maximum(b + ux - 1, 1e-300)) - betaln(a, b))[inv] + log_dead_tx,
                        -np.inf)
    return common + np.logaddexp(alive, dead)


@dataclass(frozen=True)
class BGNBDModel:
    """A fitted BG/NBD (``model="bgnbd"``) or MBG/NBD (``model="mbgnbd"``) purchase model.

    ``params``: dict r, alpha, a, b (time unit of the inputs); ``loglik``: total log-likelihood;
    ``summary``: estimate, se, ci_low, ci_high per parameter; ``n``: customers fitted.
    """

    params: dict
    loglik: float
    n: int
    model: str = "bgnbd"
    summary: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def standard_errors(self) -> dict:
        """Standard error of each parameter (delta method from the log-scale Hessian)."""
        return _standard_errors(self.summary)

    @property
    def _modified(self) -> bool:
        return self.model == "mbgnbd"

    def _p(self):
        return self.params["r"], self.params["alpha"], self.params["a"], self.params["b"]

    def p_alive(self, frequency, recency, T) -> np.ndarray:
        """P(still active at T | x, t_x, T).

        BG/NBD: ``1 / (1 + δ_{x>0} a/(b+x−1) · ((α+T)/(α+t_x))^{r+x})`` — equal to 1 for x = 0.
        MBG/NBD: ``1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^{r+x})`` — below 1 also for one-time buyers.
        """
        x, t_x, T = _rft(frequency, recency, T)
        r, alpha, a, b = self._p()
        if self._modified:
            log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        else:
            log_odds = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)), -np.inf)
        return np.exp(-np.logaddexp(0.0, log_odds))

    def expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected repeat purchases in the next ``t`` time units (FHL 2005a eq. 10).

        BG/NBD: ``(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] /
        (1 + δ_{x>0} a/(b+x−1) ((α+T)/(α+t_x))^{r+x})``; MBG/NBD the analogue of Batislam et al.
        ``t`` may be a scalar or one value per customer.
        """
        x, t_x, T = _rft(frequency, recency, T)
        t = np.broadcast_to(np.asarray(t, dtype=float), x.shape)
        if np.any(t < 0):
            raise ParameterError("t (the prediction horizon) must be ≥ 0.")
        r, alpha, a, b = self._p()
        if abs(a - 1) < 1e-8:
            a = 1 + 1e-8  # the closed form has a removable singularity at a = 1
        z = t / (alpha + T + t)
        log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + T + t))
        if self._modified:
            front = (a + b + x) / (a - 1)
            h = hyp2f1(r + x, b + x + 1, a + b + x, z)
        else:
            front = (a + b + x - 1) / (a - 1)
            h = hyp2f1(r + x, b + x, a + b + x - 1, z)
        with np.errstate(over="ignore", invalid="ignore"):
            value = front * (1 - np.exp(log_ratio) * h) * self.p_alive(x, t_x, T)
        bad = ~np.isfinite(value)
        if bad.any():
            raise AnalysisError(f"{self.model}: the expected number of purchases is not finite for "
                                f"{int(bad.sum())} customer(s) (first positions {np.flatnonzero(bad)[:5].tolist()}); "
                                "the horizon t may be too long for the time unit, or the parameters extreme.")
        return np.maximum(value, 0.0)

    def expected_purchases_new(self, t) -> np.ndarray:
        """E[X(t)] for a new customer (FHL 2005a eq. 7): ``(a+b−1)/(a−1) [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]``.

        MBG/NBD: ``(a+b)/(a−1) [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))]`` (Batislam et al. 2007).
        """
        t = np.asarray(t, dtype=float)
        r, alpha, a, b = self._p()
        z = t / (alpha + t)
        if self._modified:
            return (a + b) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, z))
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))

    def __repr__(self) -> str:
        p = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"{self.model.upper()}({p}; loglik={self.loglik:.2f}, n={self.n})"


def _fit_purchase_model(frequency, recency, T, *, modified: bool, confidence: float) -> BGNBDModel:
    model = "mbgnbd" if modified else "bgnbd"
    x, t_x, T = _rft(frequency, recency, T)
    if not np.any(x > 0):
        raise AnalysisError(f"{model.upper()} cannot be fitted: none of the {x.size} customers has a repeat "
                            "purchase (frequency is 0 for all), so purchase rate and dropout are not identified. "
                            "Use a longer calibration period or check that repeat purchases were counted.")
    if np.all(T <= 0):
        raise AnalysisError(f"{model.upper()} cannot be fitted: every customer has T = 0 (no observation time).")
    n = x.size
    scale = 1.0 / n

    groups = np.unique(x, return_inverse=True)

    def nll(log_params):
        ll = _bgnbd_loglik(np.exp(log_params), x, t_x, T, modified, groups)
        total = ll.sum()
        return -total * scale if np.isfinite(total) else 1e300

    # start: rate from the data, moderate heterogeneity and dropout
    rate = max(x.sum() / max(T.sum(), 1e-12), 1e-6)
    start = np.log([1.0, 1.0 / rate, 1.0, 3.0])
    res = _minimize(nll, start, ("r", "alpha", "a", "b"), model.upper())
    summary = _param_summary(lambda lp: nll(lp) / scale, res.x, ("r", "alpha", "a", "b"), confidence)
    params = dict(zip(("r", "alpha", "a", "b"), np.exp(res.x).tolist()))
    return BGNBDModel(params=params, loglik=-float(res.fun) / scale, n=n, model=model, summary=summary)


def fit_bgnbd(frequency, recency, T, *, confidence: float = 0.95) -> BGNBDModel:
    """Maximum-likelihood BG/NBD (Fader, Hardie & Lee 2005a).

    ``frequency`` = repeat purchases, ``recency`` and ``T`` in the same time unit. Returns a
    :class:`BGNBDModel` with ``.params`` (r, alpha, a, b), ``.loglik``, ``.summary``,
    ``.expected_purchases(t, frequency, recency, T)`` and ``.p_alive(frequency, recency, T)``.
    Raises :class:`AnalysisError` when the fit fails or is not identified (e.g. no repeat purchases).
    """
    return _fit_purchase_model(frequency, recency, T, modified=False, confidence=confidence)


def fit_mbgnbd(frequency, recency, T, *, confidence: float = 0.95) -> BGNBDModel:
    """Maximum-likelihood modified BG/NBD (Batislam et al. 2007): a customer may drop out right after the
    first purchase, so P(alive) < 1 for one-time buyers. Same interface as :func:`fit_bgnbd`."""
    return _fit_purchase_model(frequency, recency, T, modified=True, confidence=confidence)


# --------------------------------------------------------------------------- Gamma-Gamma
def _gg_inputs(frequency, monetary_value) -> tuple[np.ndarray, np.ndarray]:
    x, m = _array(frequency, "frequency"), _array(monetary_value, "monetary_value")
    if x.size != m.size:
        raise ParameterError(f"frequency and monetary_value must have the same length (got {x.size}, {m.size}).")
    return x, m


@dataclass(frozen=True)
class GammaGammaModel:
    """A fitted Gamma-Gamma spend model: ``params`` p, q, v; ``loglik``; ``summary``; ``n`` customers fitted."""

    params: dict
    loglik: float
    n: int
    summary: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def standard_errors(self) -> dict:
        """Standard error of each parameter (delta method from the log-scale Hessian)."""
        return _standard_errors(self.summary)

    @property
    def mean_spend(self) -> float:
        """Population mean spend per purchase ``p v / (q − 1)`` (infinite when q ≤ 1)."""
        p, q, v = self.params["p"], self.params["q"], self.params["v"]
        return p * v / (q - 1) if q > 1 else np.inf

    def expected_spend(self, frequency, monetary_value) -> np.ndarray:
        """E[M | x, m̄] = ``p (v + x m̄) / (p x + q − 1)`` (FHL 2005b): a weighted mean of the population mean
        ``p v/(q−1)`` and the customer's own mean ``m̄``. Customers with x = 0 get the population mean."""
        x, m = _gg_inputs(frequency, monetary_value)
        p, q, v = self.params["p"], self.params["q"], self.params["v"]
        if q <= 1:
            raise AnalysisError(f"Gamma-Gamma q = {q:.3g} ≤ 1: mean spend per purchase is infinite; the model does "
                                "not fit these amounts (very heavy-tailed spend).")
        m = np.where(x > 0, m, 0.0)
        return p * (v + x * m) / (p * x + q - 1)

    def __repr__(self) -> str:
        p = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"GammaGamma({p}; loglik={self.loglik:.2f}, n={self.n})"


def fit_gamma_gamma(frequency, monetary_value, *, confidence: float = 0.95) -> GammaGammaModel:
    """Maximum-likelihood Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005b).

    Uses customers with ``frequency > 0`` (``monetary_value`` = mean of their repeat purchases, > 0).
    Per-customer log-likelihood: ``lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v + (px−1) ln m̄ + px ln x −
    (px+q) ln(v + x m̄)``. Assumes spend is independent of purchase frequency (check the correlation).
    """
    x, m = _gg_inputs(frequency, monetary_value)
    use = x > 0
    bad = np.flatnonzero(use & (m <= 0))
    if bad.size:
        raise ParameterError(f"monetary_value must be > 0 for customers with repeat purchases: {bad.size} "
                             f"customer(s), positions {bad[:5].tolist()}, values {m[bad[:5]].tolist()}.")
    x, m = x[use], m[use]
    if x.size < 3:
        raise AnalysisError(f"Gamma-Gamma cannot be fitted: {x.size} customer(s) with repeat purchases "
                            "(need at least a few dozen).")
    if np.ptp(m) == 0:
        raise AnalysisError("Gamma-Gamma cannot be fitted: every customer has the same mean spend, so spend "
                            "heterogeneity is not identified.")
    scale = 1.0 / x.size
    log_m, log_x = np.log(m), np.log(x)

    def nll(log_params):
        p, q, v = np.exp(log_params)
        px = p * x
        ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * log_m + px * log_x
              - (px + q) * np.log(v + x * m))
        total = ll.sum()
        return -total * scale if np.isfinite(total) else 1e300

    mean = m.mean()
    start = np.log([2.0, 3.0, mean * 2 / 2.0])
    res = _minimize(nll, start, ("p", "q", "v"), "Gamma-Gamma")
    summary = _param_summary(lambda lp: nll(lp) / scale, res.x, ("p", "q", "v"), confidence)
    params = dict(zip(("p", "q", "v"), np.exp(res.x).tolist()))
    return GammaGammaModel(params=params, loglik=-float(res.fun) / scale, n=int(x.size), summary=summary)


# --------------------------------------------------------------------------- simulation (tests, benchmarks)
def simulate_bgnbd(n: int, *, r: float, alpha: float, a: float, b: float, T, seed,
                   p: float | None = None, q: float | None = None, v: float | None = None,
                   modified: bool = False) -> pd.DataFrame:
    """Simulate ``n`` customers from BG/NBD (and Gamma-Gamma spend when p, q, v are given).

    λ ~ Gamma(r, rate α); dropout probability π ~ Beta(a, b); purchases Poisson(λ) after the first at
    time 0; after each repeat purchase the customer drops out with probability π. ``T`` scalar or per
    customer. Returns frequency, recency, T (and monetary_value: mean of the repeat purchases).
    ``modified``: MBG/NBD — the customer may also drop out right after the first purchase (prob. π).
    ``seed``: int or numpy Generator.
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1 / alpha, n)
    pi = rng.beta(a, b, n)
    freq, rec = np.zeros(n), np.zeros(n)
    t = np.zeros(n)
    active = np.ones(n, bool)
    if modified:
        active &= rng.random(n) >= pi
    while active.any():
        idx = np.flatnonzero(active)
        t_next = t[idx] + rng.exponential(1 / np.maximum(lam[idx], 1e-300))
        done = t_next > T[idx]
        active[idx[done]] = False
        go = idx[~done]
        t[go] = t_next[~done]
        freq[go] += 1
        rec[go] = t[go]
        drop = rng.random(go.size) < pi[go]
        active[go[drop]] = False
    out = pd.DataFrame({"frequency": freq, "recency": rec, "T": T})
    if p is not None:
        nu = rng.gamma(q, 1 / v, n)
        k = freq.astype(int)
        total = rng.gamma(np.maximum(p * k, 1e-300), 1 / nu)  # sum of k Gamma(p, ν) amounts
        out["monetary_value"] = np.where(k > 0, total / np.maximum(k, 1), 0.0)
    return out


# --------------------------------------------------------------------------- summaries from transactions
def _check_transactions(transactions: pd.DataFrame):
    if transactions is None or len(transactions) == 0:
        raise DataError("transactions: the table is empty or missing; the CLV models need one row per purchase "
                        "(customer_id, transaction_date, amount).")
    missing = [c for c in ("customer_id", "transaction_date", "amount") if c not in transactions.columns]
    if missing:
        raise DataError(f"transactions: column(s) {missing} missing; expected customer_id, transaction_date, amount.")


def _observation_end(customer_ids: pd.Index, end: pd.Timestamp, observation_end) -> pd.Series:
    """Per customer min(end, observation_end) (observation_end: Series by customer_id, NaT = no earlier end)."""
    out = pd.Series(end, index=customer_ids, dtype="datetime64[ns]")
    if observation_end is not None:
        obs = pd.Series(observation_end)
        obs = obs[~obs.index.duplicated()].reindex(customer_ids)
        out = out.where(~(obs < end).fillna(False).to_numpy(bool), obs)
    return out


def rfm_summary(transactions: pd.DataFrame, *, calibration_end, observation_end=None, holdout_end=None,
                time_unit: str = "W") -> pd.DataFrame:
    """Per-customer frequency / recency / T / monetary_value from the transactions table.

    Purchases up to ``calibration_end`` (inclusive) form the calibration period; first purchase = the
    customer's first transaction; ``frequency`` = later transactions; ``recency`` = last − first;
    ``T`` = end of observation − first, where the end of observation is ``min(calibration_end,
    observation_end[customer])``. ``observation_end`` (Series indexed by customer_id, e.g. the churn date)
    ends the observation of customers whose purchases stop for a reason outside the purchase model
    (non-informative censoring); purchases after it are ignored. ``monetary_value`` = mean amount of the
    repeat purchases (0 without; the first purchase among purchases at the same time is the one with the smaller
    transaction_id, else the smaller amount). With ``holdout_end``: ``frequency_holdout`` (purchases in
    (calibration_end, min(holdout_end, observation_end)]) and ``duration_holdout`` (its length).
    Times in ``time_unit`` ("D", "W" or "M" = 365.25/12 days). Index: customer_id.
    """
    _check_transactions(transactions)
    if time_unit not in TIME_UNITS:
        raise ParameterError(f"time_unit must be one of {list(TIME_UNITS)}, got {time_unit!r}.")
    cal_end = pd.Timestamp(calibration_end)
    # purchases at the same time: the first is the one with the smaller transaction_id (else the smaller amount)
    tie = "transaction_id" if "transaction_id" in transactions.columns else "amount"
    tx = transactions[list(dict.fromkeys(["customer_id", "transaction_date", "amount", tie]))]
    tx = tx[tx["transaction_date"].notna()].sort_values(["customer_id", "transaction_date", tie], kind="stable")
    ids = pd.Index(tx["customer_id"].unique(), name="customer_id")
    obs_end = _observation_end(ids, cal_end, observation_end)
    t_end = tx["customer_id"].map(obs_end)
    cal = tx[(tx["transaction_date"] <= cal_end) & (tx["transaction_date"] <= t_end)]
    if cal.empty:
        raise AnalysisError(f"No purchases on or before the calibration end {cal_end:%Y-%m-%d}; choose a later "
                            "calibration end.")
    g = cal.groupby("customer_id", sort=False)
    agg = pd.DataFrame({"first": g["transaction_date"].min(), "last": g["transaction_date"].max(), "count": g.size(),
                        "first_amount": g["amount"].first(), "total": g["amount"].sum()})
    holdout = None
    if holdout_end is not None:
        h_end = pd.Timestamp(holdout_end)
        if h_end <= cal_end:
            raise ParameterError(f"holdout_end ({h_end:%Y-%m-%d}) must be after calibration_end ({cal_end:%Y-%m-%d}).")
        end_h = _observation_end(agg.index, h_end, observation_end)
        hold = tx[(tx["transaction_date"] > cal_end) & (tx["transaction_date"] <= h_end)]
        hold = hold[hold["transaction_date"] <= hold["customer_id"].map(end_h)]
        holdout = hold.groupby("customer_id").size()
    return rfm_from_aggregates(agg, calibration_end=cal_end, observation_end=observation_end, holdout_end=holdout_end,
                               frequency_holdout=holdout, time_unit=time_unit)


def rfm_from_aggregates(agg: pd.DataFrame, *, calibration_end, observation_end=None, holdout_end=None,
                        frequency_holdout: pd.Series | None = None, time_unit: str = "W") -> pd.DataFrame:
    """:func:`rfm_summary` from per-customer aggregates of the calibration purchases (index customer_id; first,
    last: first and last transaction_date; count; first_amount: the amount of the first purchase; total: the
    sum of amounts) and, with ``holdout_end``, the holdout purchases per customer (``frequency_holdout``,
    indexed by customer_id; customers absent made none). :mod:`csm.customers.engine` builds them in the engine."""
    unit = pd.Timedelta(days=TIME_UNITS[time_unit])
    cal_end = pd.Timestamp(calibration_end)
    obs_end = _observation_end(agg.index, cal_end, observation_end)
    first, last = agg["first"], agg["last"]
    freq = (agg["count"] - 1).astype(float)
    out = pd.DataFrame({"frequency": freq, "recency": (last - first) / unit,
                        "T": ((obs_end.reindex(first.index) - first) / unit).clip(lower=0),
                        "monetary_value": np.where(freq > 0, (agg["total"] - agg["first_amount"]) / freq.where(freq > 0, 1),
                                                   0.0),
                        "first_purchase": first})
    out.index.name = "customer_id"
    if holdout_end is not None:
        h_end = pd.Timestamp(holdout_end)
        end_h = _observation_end(out.index, h_end, observation_end)
        held = frequency_holdout if frequency_holdout is not None else pd.Series(dtype=float)
        out["frequency_holdout"] = held.reindex(out.index).fillna(0).astype(float)
        out["duration_holdout"] = ((end_h - cal_end) / unit).clip(lower=0).to_numpy()
    return out.sort_index()


# --------------------------------------------------------------------------- CLV
def discounted_clv(purchase_model: BGNBDModel, spend_model: GammaGammaModel, summary: pd.DataFrame, *,
                   horizon_months: int = 12, annual_discount_rate: float = 0.10, margin: float = 1.0,
                   time_unit: str = "W") -> pd.DataFrame:
    """Expected discounted CLV per customer over ``horizon_months``.

    ``CLV = margin · E[M] · Σ_{k=1..H} (E[Y(t_k)] − E[Y(t_{k−1})]) / (1 + d)^k`` with ``t_k`` = k months in
    the model's time unit, ``d = (1 + annual_discount_rate)^{1/12} − 1`` monthly, E[Y] from the purchase model
    (conditional on each customer's history) and E[M] from Gamma-Gamma. Columns: expected_purchases,
    p_alive, expected_spend, clv.
    """
    if horizon_months < 1 or int(horizon_months) != horizon_months:
        raise ParameterError(f"horizon_months must be a whole number ≥ 1, got {horizon_months!r}.")
    if not (0 <= annual_discount_rate < 1):
        raise ParameterError(f"annual_discount_rate must be in [0, 1), e.g. 0.1 for 10%, got {annual_discount_rate!r}.")
    months_per_unit = TIME_UNITS[time_unit] / (365.25 / 12)
    x, t_x, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    d_month = (1 + annual_discount_rate) ** (1 / 12) - 1
    prev = np.zeros(x.size)
    discounted = np.zeros(x.size)
    for k in range(1, int(horizon_months) + 1):
        cum = purchase_model.expected_purchases(k / months_per_unit, x, t_x, T)
        discounted += (cum - prev) / (1 + d_month) ** k
        prev = cum
    spend = spend_model.expected_spend(x, summary["monetary_value"].to_numpy(float))
    return pd.DataFrame({"expected_purchases": prev, "p_alive": purchase_model.p_alive(x, t_x, T),
                         "expected_spend": spend, "clv": margin * spend * discounted}, index=summary.index)


def seed_clv(customers: pd.DataFrame, *, as_of, by: str = "tier", margin: float = 1.0, confidence: float = 0.95,
             lifetime_cap_years: float = 5.0, min_churners: int = 20) -> pd.DataFrame:
    """The seed formula per group: CLV = average yearly contribution × expected lifetime in years, the lifetime
    capped at ``lifetime_cap_years``.

    Yearly contribution = margin × Σ revenue / Σ customer-years observed (signup to churn or ``as_of``);
    churn rate λ = churned customers / customer-years (constant-hazard assumption; exact Poisson interval);
    ``lifetime_years`` = 1 / λ (uncapped, shown for reference); ``capped_lifetime_years`` = E[min(T, cap)] =
    (1 − e^{−λ·cap}) / λ, the expected years within the cap (for λ → 0 it tends to the cap instead of
    infinity); CLV = contribution × capped lifetime, the interval from the rate interval holding the
    contribution fixed. A group with fewer than ``min_churners`` churns is not estimated (NaN lifetime and CLV,
    ``estimated`` False): its rate rests on too few events for a lifetime (Poisson relative error
    ≈ 1/√churners, 22% at 20). ``beyond_follow_up`` marks groups whose uncapped lifetime exceeds the longest
    observed customer-time (an extrapolation of the constant hazard).
    Columns: by, customers, churned, customer_years, yearly_contribution, churn_rate_per_year, lifetime_years,
    capped_lifetime_years, estimate (CLV), ci_low, ci_high, estimated, beyond_follow_up, max_observed_years.
    """
    need = ["signup_date", "churn_date", "revenue"]
    missing = [c for c in need if c not in customers.columns]
    if missing:
        raise DataError(f"customers: column(s) {missing} missing; the seed CLV needs signup_date, churn_date, revenue.")
    if not lifetime_cap_years > 0:
        raise ParameterError(f"lifetime_cap_years must be a number of years > 0, got {lifetime_cap_years!r}.")
    as_of = pd.Timestamp(as_of)
    c = customers[customers["signup_date"] <= as_of]
    end = c["churn_date"].where(c["churn_date"].notna() & (c["churn_date"] <= as_of), as_of)
    years = ((end - c["signup_date"]).dt.total_seconds() / (365.25 * 86400)).clip(lower=0)
    frame = pd.DataFrame({"g": c[by].fillna("unknown") if by in c.columns else "all", "years": years,
                          "churned": (c["churn_date"].notna() & (c["churn_date"] <= as_of)).astype(float),
                          "revenue": c["revenue"].fillna(0.0)})
    agg = frame.groupby("g", sort=True).agg(customers=("years", "size"), churned=("churned", "sum"),
                                             customer_years=("years", "sum"), revenue=("revenue", "sum"),
                                             max_observed_years=("years", "max"))
    return seed_clv_from_sums(agg, by=by, margin=margin, confidence=confidence,
                              lifetime_cap_years=lifetime_cap_years, min_churners=min_churners)


def seed_clv_from_sums(agg: pd.DataFrame, *, by: str = "tier", margin: float = 1.0, confidence: float = 0.95,
                       lifetime_cap_years: float = 5.0, min_churners: int = 20) -> pd.DataFrame:
    """:func:`seed_clv` from the sums per group (index: the group, sorted; customers, churned, customer_years,
    revenue, max_observed_years), e.g. summed in the engine."""
    from csm.stats import poisson_interval

    if not lifetime_cap_years > 0:
        raise ParameterError(f"lifetime_cap_years must be a number of years > 0, got {lifetime_cap_years!r}.")
    rate = poisson_interval(agg["churned"].to_numpy(), agg["customer_years"].to_numpy(), confidence=confidence)
    contribution = (margin * agg["revenue"] / agg["customer_years"]).to_numpy()
    cap = float(lifetime_cap_years)

    def capped(lam):
        lam = np.asarray(lam, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(lam > 0, -np.expm1(-lam * cap) / lam, cap)

    est, lo_rate, hi_rate = (rate[k].to_numpy(float) for k in ("estimate", "ci_low", "ci_high"))
    estimated = agg["churned"].to_numpy() >= min_churners
    with np.errstate(divide="ignore"):
        life = np.where(estimated, 1 / est, np.nan)
    life_capped = np.where(estimated, capped(est), np.nan)
    out = pd.DataFrame({by: agg.index, "customers": agg["customers"].to_numpy(),
                        "churned": agg["churned"].to_numpy(), "customer_years": agg["customer_years"].to_numpy(),
                        "yearly_contribution": contribution, "churn_rate_per_year": est,
                        "lifetime_years": life, "capped_lifetime_years": life_capped,
                        "estimate": contribution * life_capped,
                        "ci_low": np.where(estimated, contribution * capped(hi_rate), np.nan),
                        "ci_high": np.where(estimated, contribution * capped(lo_rate), np.nan),
                        "estimated": estimated,
                        "beyond_follow_up": estimated & (life > agg["max_observed_years"].to_numpy()),
                        "max_observed_years": agg["max_observed_years"].to_numpy()})
    return out.reset_index(drop=True)


def holdout_comparison(purchase_model: BGNBDModel, summary: pd.DataFrame, *, max_frequency: int = 7) -> pd.DataFrame:
    """Predicted vs actual holdout repeat purchases by calibration frequency (groups 0 … max_frequency+).

    Predicted = E[Y(duration_holdout) | calibration history]. Needs ``rfm_summary(..., holdout_end=...)``.
    Columns: frequency_group, customers, actual, predicted (means per customer), plus a row "all".
    """
    for col in ("frequency_holdout", "duration_holdout"):
        if col not in summary.columns:
            raise ParameterError("holdout_comparison needs rfm_summary(..., holdout_end=...) (column "
                                 f"{col!r} missing).")
    pred = purchase_model.expected_purchases(summary["duration_holdout"].to_numpy(float), summary["frequency"],
                                             summary["recency"], summary["T"])
    grp = np.minimum(summary["frequency"].to_numpy(), max_frequency).astype(int)
    frame = pd.DataFrame({"g": grp, "actual": summary["frequency_holdout"].to_numpy(float), "predicted": pred})
    by = frame.groupby("g").agg(customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean"))
    labels = [f"{g}+" if g == max_frequency else str(g) for g in by.index]
    out = pd.DataFrame({"frequency_group": labels, "customers": by["customers"].to_numpy(),
                        "actual": by["actual"].to_numpy(), "predicted": by["predicted"].to_numpy()})
    total = pd.DataFrame({"frequency_group": ["all"], "customers": [len(frame)], "actual": [frame["actual"].mean()],
                          "predicted": [frame["predicted"].mean()]})
    return pd.concat([out, total], ignore_index=True)


def model_tiers(clv: pd.Series, recorded_tier: pd.Series, *, top_share: float = 0.10,
                vip_label: str = "VIP", other_label: str = "standard") -> pd.DataFrame:
    """Model tier (top ``top_share`` of CLV = VIP) against the recorded tier: counts per (recorded, model)
    pair with the share of the recorded tier and Cohen's κ of the agreement (same for every row)."""
    if not 0 < top_share < 1:
        raise ParameterError(f"top_share must be between 0 and 1, got {top_share!r}.")
    clv = pd.Series(clv).dropna()
    cut = clv.quantile(1 - top_share)
    model = pd.Series(np.where(clv >= cut, vip_label, other_label), index=clv.index)
    recorded = pd.Series(recorded_tier).reindex(clv.index).fillna("unknown").astype(str)
    tab = pd.crosstab(recorded, model)
    for col in (vip_label, other_label):
        if col not in tab.columns:
            tab[col] = 0
    n = tab.to_numpy().sum()
    both = [t for t in (vip_label, other_label) if t in tab.index]
    po = sum(tab.loc[t, t] for t in both) / n
    pe = sum(tab.loc[t].sum() * tab[t].sum() for t in both) / n**2
    kappa = (po - pe) / (1 - pe) if pe < 1 else np.nan
    long = tab.stack().rename("customers").reset_index()
    long.columns = ["recorded_tier", "model_tier", "customers"]
    long["share_of_recorded"] = long["customers"] / long.groupby("recorded_tier")["customers"].transform("sum")
    long["kappa"] = kappa
    return long
