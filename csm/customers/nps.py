"""Net Promoter Score by segment, channel and period, differences between groups, and detractor drivers.

NPS = % promoters (9–10) − % detractors (0–6); interval from the multinomial standard error
``100·√((p₊ + p₋ − (p₊ − p₋)²)/n)`` (:func:`csm.stats.nps_interval_from_counts`); the difference of two
groups is an unpooled two-sample z test (:func:`csm.stats.nps_difference_from_counts`).

Detractor drivers: logistic regression of detractor (0–6) against promoter (9–10) on the service history of
the surveyed ticket (passives 7–8 left out), odds ratios with Wald intervals and average marginal effects
(differences of probabilities, fractions), statsmodels ``Logit`` (:func:`fit_detractor_model`).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from csm.errors import AnalysisError, DataError, ParameterError
from csm.stats import (DETRACTOR_MAX, PROMOTER_MIN, mean_interval, nps_difference_from_counts, nps_interval_from_counts,
                       single_threaded_blas)

__all__ = ["DRIVERS", "net_promoter_score", "nps_table", "nps_by_period", "nps_difference", "nps_group_test",
           "nps_table_from_counts", "nps_difference_of_table", "nps_group_test_of_table",
           "service_history", "DetractorModel", "fit_detractor_model", "polarity_by_group"]


def _scores(responses: pd.DataFrame) -> pd.DataFrame:
    if responses is None or "nps" not in responses.columns:
        raise DataError("responses: column 'nps' missing; NPS needs 0–10 likelihood-to-recommend scores.")
    r = responses[responses["nps"].notna()]
    bad = r[(r["nps"] < 0) | (r["nps"] > 10)]
    if len(bad):
        raise DataError(f"responses.nps: {len(bad)} value(s) outside 0–10 (e.g. {bad['nps'].head(5).tolist()}); "
                        "NPS scores must be whole numbers 0–10.")
    return r


def net_promoter_score(responses: pd.DataFrame, period=None, *, confidence: float = 0.95) -> pd.DataFrame:
    """NPS of the responses submitted in ``period`` (a :class:`csm.periods.Period`; None = all): 100·(p_P − p_D),
    promoters 9–10, detractors 0–6 among the responses with a score, interval from the multinomial SE — the KPI
    scorecard's ``nps``. One row: estimate, ci_low, ci_high, n, se, promoters, detractors, promoter_share,
    detractor_share (shares are fractions)."""
    r = _scores(responses)
    if period is not None:
        r = r[period.contains(r["submitted_at"])]
    return nps_table(r, confidence=confidence)


def nps_table(responses: pd.DataFrame, by: str | list[str] | None = None, *, confidence: float = 0.95) -> pd.DataFrame:
    """NPS per group of ``by`` (columns of ``responses``; None = overall) with a 95% interval.

    Columns: [by…], estimate, ci_low, ci_high, n, se, promoters, detractors, promoter_share, detractor_share
    (fractions).
    """
    r = _scores(responses)
    keys = [by] if isinstance(by, str) else list(by or [])
    missing = [k for k in keys if k not in r.columns]
    if missing:
        raise DataError(f"responses: column(s) {missing} missing; join them first (see service_history).")
    frame = pd.DataFrame({"promoter": (r["nps"] >= PROMOTER_MIN).to_numpy(float), "detractor": (r["nps"] <= DETRACTOR_MAX).to_numpy(float)},
                         index=r.index)
    if keys:
        for k in keys:
            frame[k] = r[k].astype(object).where(r[k].notna(), "unknown").to_numpy()
        g = frame.groupby(keys, sort=True).agg(n=("promoter", "size"), promoters=("promoter", "sum"),
                                               detractors=("detractor", "sum")).reset_index()
    else:
        g = pd.DataFrame({"n": [float(len(frame))], "promoters": [frame["promoter"].sum()],
                          "detractors": [frame["detractor"].sum()]})
    return nps_table_from_counts(g, keys, confidence=confidence)


def nps_table_from_counts(counts: pd.DataFrame, by: str | list[str] | None = None, *,
                          confidence: float = 0.95) -> pd.DataFrame:
    """:func:`nps_table` from counts: ``counts`` has the ``by`` columns and n, promoters, detractors (one row per
    group, missing groups already "unknown", in the order to report; e.g. counted in the engine)."""
    keys = [by] if isinstance(by, str) else list(by or [])
    g = counts.reset_index(drop=True)
    ci = nps_interval_from_counts(g["promoters"].to_numpy(float), g["detractors"].to_numpy(float),
                                  g["n"].to_numpy(float), confidence=confidence)
    out = g[keys].copy() if keys else pd.DataFrame(index=g.index)
    for col in ("estimate", "ci_low", "ci_high", "n", "se", "promoters", "detractors"):
        out[col] = ci[col].to_numpy()
    out["promoter_share"] = out["promoters"] / out["n"]
    out["detractor_share"] = out["detractors"] / out["n"]
    return out.reset_index(drop=True)


def nps_by_period(responses: pd.DataFrame, *, freq: str = "M", confidence: float = 0.95) -> pd.DataFrame:
    """NPS per period of ``submitted_at`` (``freq`` "M", "Q" …); column ``period_start``."""
    r = _scores(responses)
    r = r.assign(period_start=r["submitted_at"].dt.to_period(freq).dt.start_time)
    return nps_table(r, "period_start", confidence=confidence)


def nps_difference(responses: pd.DataFrame, by: str, a, b, *, confidence: float = 0.95) -> pd.DataFrame:
    """NPS(group a) − NPS(group b) of column ``by``: estimate, ci_low, ci_high, z, p_value, n1, n2."""
    return nps_difference_of_table(nps_table(responses, by, confidence=confidence), by, a, b, confidence=confidence)


def nps_difference_of_table(table: pd.DataFrame, by: str, a, b, *, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`nps_difference` from the :func:`nps_table` of ``by``."""
    t = table.set_index(by)
    for g in (a, b):
        if g not in t.index:
            raise ParameterError(f"nps_difference: no NPS responses in group {g!r} of {by!r} "
                                 f"(groups: {list(t.index)[:10]}).")
    out = nps_difference_from_counts(t.loc[a, "promoters"], t.loc[a, "detractors"], t.loc[a, "n"],
                                     t.loc[b, "promoters"], t.loc[b, "detractors"], t.loc[b, "n"],
                                     confidence=confidence)
    return out.assign(by=by, group_a=str(a), group_b=str(b))[
        ["by", "group_a", "group_b", "estimate", "ci_low", "ci_high", "z", "p_value", "n1", "n2"]]


def nps_group_test(responses: pd.DataFrame, by: str) -> pd.DataFrame:
    """Does NPS differ between the groups of ``by``? Chi-square test of promoters / passives / detractors by
    group: statistic, dof, p_value, groups (a single group: p_value NaN)."""
    return nps_group_test_of_table(nps_table(responses, by))


def nps_group_test_of_table(t: pd.DataFrame) -> pd.DataFrame:
    """:func:`nps_group_test` from an :func:`nps_table` (one row per group)."""
    from scipy.stats import chi2_contingency

    passives = t["n"] - t["promoters"] - t["detractors"]
    table = np.column_stack([t["promoters"], passives, t["detractors"]]).astype(float)
    table = table[:, table.sum(axis=0) > 0]
    if len(t) < 2 or table.shape[1] < 2:
        return pd.DataFrame({"statistic": [np.nan], "dof": [0], "p_value": [np.nan], "groups": [len(t)]})
    stat, p, dof, _ = chi2_contingency(table, correction=False)
    return pd.DataFrame({"statistic": [float(stat)], "dof": [int(dof)], "p_value": [float(p)], "groups": [len(t)]})


#: candidate drivers of detraction: code -> meaning
DRIVERS = {
    "fcr_failed": "ticket not resolved at first contact",
    "escalated": "ticket escalated",
    "reopened": "ticket reopened",
    "slow_first_response": "first response after more than 24 hours",
    "extra_contacts": "contacts beyond the first (capped at 4)",
    "service_attitude": "complaint about service attitude",
    "vip": "customer tier VIP",
    "comment_polarity": "sentiment polarity of the comment (−1 to 1)",
}


def service_history(responses: pd.DataFrame, tickets: pd.DataFrame | None = None,
                    customers: pd.DataFrame | None = None, *, slow_response_hours: float = 24.0,
                    vip_tier: str = "VIP") -> pd.DataFrame:
    """Responses joined with the surveyed ticket's service history and the customer's tier.

    Adds channel, team, category, fcr_failed, escalated, reopened, first_response_hours, slow_first_response,
    extra_contacts (contacts − 1, at most 4), service_attitude, tier, vip. Responses without a ticket get
    missing ticket columns.
    """
    r = _scores(responses)
    out = r.copy()
    if tickets is not None and "ticket_id" in r.columns:
        cols = [c for c in ("ticket_id", "channel", "team", "category", "region", "created_at", "first_response_at",
                            "first_contact_resolved", "escalated", "reopened", "contacts") if c in tickets.columns]
        t = tickets[cols].drop_duplicates("ticket_id")
        out = out.merge(t, on="ticket_id", how="left", suffixes=("", "_ticket"))
        if "first_contact_resolved" in out.columns:
            out["fcr_failed"] = (~out["first_contact_resolved"].astype("boolean")).astype("Float64").astype(float)
        for flag in ("escalated", "reopened"):
            if flag in out.columns:
                out[flag] = out[flag].astype("boolean").astype("Float64").astype(float)
        if "first_response_at" in out.columns:
            out["first_response_hours"] = (out["first_response_at"] - out["created_at"]).dt.total_seconds() / 3600
            out["slow_first_response"] = np.where(out["first_response_hours"].isna(), np.nan,
                                                  (out["first_response_hours"] > slow_response_hours).astype(float))
        if "contacts" in out.columns:
            out["extra_contacts"] = (out["contacts"] - 1).clip(lower=0, upper=4)
        if "category" in out.columns:
            out["service_attitude"] = np.where(out["category"].isna(), np.nan,
                                               (out["category"] == "service_attitude").astype(float))
    if customers is not None:
        # the customer's tier, region and plan (region: the customer's, else the surveyed ticket's)
        cols = [c for c in ("tier", "region", "plan") if c in customers.columns]
        if cols:
            c = customers[["customer_id", *cols]].drop_duplicates("customer_id")
            out = out.drop(columns=[x for x in cols if x in out.columns and x != "region"])
            out = out.merge(c, on="customer_id", how="left", suffixes=("_ticket", ""))
            if "region_ticket" in out.columns:
                out["region"] = out["region"].fillna(out.pop("region_ticket"))
        if "tier" in out.columns:
            out["vip"] = (out["tier"] == vip_tier).astype(float)
    return out


@dataclass(frozen=True)
class DetractorModel:
    """Logistic model of detractor vs promoter (:func:`fit_detractor_model`). ``summary``: term, coef, se,
    odds_ratio, ci_low, ci_high, p_value, marginal_effect (a difference of probabilities, fraction), me_ci_low,
    me_ci_high, share_with (share of responses with the factor, or mean for numeric terms); ``params`` /
    ``standard_errors`` (coefficient per term, with ``const``), ``loglik``, ``n``, ``detractors``, ``pseudo_r2``;
    prediction :meth:`detractor_probability`."""

    summary: pd.DataFrame
    n: int
    detractors: int
    pseudo_r2: float
    terms: tuple = field(default=())
    loglik: float = float("nan")
    intercept: float = float("nan")
    intercept_se: float = float("nan")
    polarity_step: float = 0.1

    @property
    def params(self) -> dict:
        """Coefficients: ``const`` and one per term (log odds ratios)."""
        return {"const": self.intercept, **dict(zip(self.summary["term"], self.summary["coef"].astype(float)))}

    @property
    def standard_errors(self) -> dict:
        return {"const": self.intercept_se, **dict(zip(self.summary["term"], self.summary["se"].astype(float)))}

    def detractor_probability(self, history: pd.DataFrame) -> np.ndarray:
        """P(detractor | promoter or detractor) for each row of ``history`` (columns: the model's terms; a
        ``comment_polarity`` term is read on the polarity scale −1…1)."""
        beta = self.summary.set_index("term").loc[list(self.terms), "coef"].to_numpy(float)
        X = history[list(self.terms)].astype(float)
        if "comment_polarity" in X.columns:
            X = X.assign(comment_polarity=X["comment_polarity"] / self.polarity_step)
        return 1 / (1 + np.exp(-(self.intercept + X.to_numpy(float) @ beta)))


def fit_detractor_model(history: pd.DataFrame, terms=None, *, polarity: str | None = None,
                    polarity_step: float = 0.1, confidence: float = 0.95) -> DetractorModel:
    """Which service events separate detractors (0–6) from promoters (9–10)?

    Logistic regression ``logit P(detractor) = β₀ + Σ βⱼ xⱼ`` on responses with a ticket (passives left
    out); ``terms`` default to the :data:`DRIVERS` present in ``history``; ``polarity`` names an optional
    comment-polarity column (used where present; responses without a comment get 0 = neutral and an
    indicator ``no_comment``). Odds ratios exp(β) with Wald intervals; average marginal effects.
    """
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.tools import add_constant

    h = history[(history["nps"] <= DETRACTOR_MAX) | (history["nps"] >= PROMOTER_MIN)].copy()
    if terms is None:
        terms = [t for t in DRIVERS if t in h.columns and t != "comment_polarity"]
    terms = list(terms)
    if polarity is not None:
        if polarity not in h.columns:
            raise DataError(f"Detractor model: polarity column {polarity!r} not in the service history.")
        h = h[h[polarity].notna()]
        h["comment_polarity"] = h[polarity].astype(float) / polarity_step
        terms = [t for t in terms if t != "comment_polarity"] + ["comment_polarity"]
    missing = [t for t in terms if t not in h.columns]
    if missing:
        raise DataError(f"Detractor model: column(s) {missing} not in the service history.")
    h = h.dropna(subset=terms)
    if len(h) < 50:
        raise AnalysisError(f"Detractor model: only {len(h)} detractor/promoter responses with a complete service "
                            "history; need at least 50.")
    X = h[terms].astype(float)
    constant = [t for t in terms if X[t].std() == 0]
    if constant:
        X = X.drop(columns=constant)
    y = (h["nps"] <= DETRACTOR_MAX).astype(float)
    if y.nunique() < 2:
        raise AnalysisError("Detractor model: all responses are detractors or all promoters; nothing to model.")
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    model = Logit(y.to_numpy(), add_constant(X.to_numpy(), has_constant="add"))
    with warnings.catch_warnings(record=True) as caught:
        # separation and non-convergence are turned into an AnalysisError below, not printed
        warnings.simplefilter("always", PerfectSeparationWarning)
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            # one BLAS thread: a near-separated fit (comment polarity) otherwise depends on the thread count
            with single_threaded_blas():
                # Newton–Raphson until no coefficient moves by more than 1e-10 (then exact to rounding)
                res = model.fit(disp=False, maxiter=200, tol=1e-10)
        except np.linalg.LinAlgError as exc:
            raise AnalysisError(f"Detractor model: the logistic fit failed ({exc}); drivers may be collinear.") from None
    problems = [w for w in caught if issubclass(w.category, (PerfectSeparationWarning, ConvergenceWarning))]
    for w in caught:
        if w not in problems:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if problems or not res.mle_retvals.get("converged", True):
        raise AnalysisError("Detractor model: the logistic fit did not converge (a driver may separate "
                            "detractors from promoters perfectly).")
    z = stats.norm.ppf(0.5 + confidence / 2)
    with single_threaded_blas():  # standard errors and marginal effects: same arithmetic as the fit
        params, bse, pvalues = np.asarray(res.params)[1:], np.asarray(res.bse)[1:], np.asarray(res.pvalues)[1:]
        me = res.get_margeff(at="overall")
        me_est, me_se = np.asarray(me.margeff), np.asarray(me.margeff_se)
    cols = list(X.columns)
    summary = pd.DataFrame({
        "term": cols, "coef": params, "se": bse, "odds_ratio": np.exp(params), "ci_low": np.exp(params - z * bse),
        "ci_high": np.exp(params + z * bse), "p_value": pvalues,
        "marginal_effect": me_est, "me_ci_low": me_est - z * me_se,
        "me_ci_high": me_est + z * me_se, "share_with": X.mean().to_numpy()})
    return DetractorModel(summary=summary, n=len(h), detractors=int(y.sum()), pseudo_r2=float(res.prsquared),
                          terms=tuple(cols), loglik=float(res.llf), intercept=float(np.asarray(res.params)[0]),
                          intercept_se=float(np.asarray(res.bse)[0]), polarity_step=float(polarity_step))


def polarity_by_group(history: pd.DataFrame, polarity: str, *, confidence: float = 0.95) -> pd.DataFrame:
    """Mean comment polarity of promoters, passives and detractors (Student-t intervals); responses without
    a comment (missing polarity) left out. Columns: nps_group, estimate, ci_low, ci_high, n."""
    if polarity not in history.columns:
        raise DataError(f"polarity_by_group: column {polarity!r} not in the service history.")
    h = _scores(history)
    group = np.select([h["nps"] >= PROMOTER_MIN, h["nps"] > DETRACTOR_MAX], ["promoter", "passive"], "detractor")
    rows = []
    for g in ("promoter", "passive", "detractor"):
        ci = mean_interval(h.loc[group == g, polarity].astype(float), confidence=confidence).iloc[0]
        rows.append({"nps_group": g, "estimate": ci["estimate"], "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                     "n": ci["n"]})
    return pd.DataFrame(rows)
