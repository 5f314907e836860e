"""Churn: monthly and cohort churn rates, Kaplan–Meier retention, Cox proportional hazards, at-risk list.

- Churn rate (:func:`churn_rate`, the KPI scorecard's definition): customers with ``churn_date`` in the period /
  customers active at its start (signed up before it, not churned before it; new sign-ups of the period are in
  neither), a fraction with a Wilson interval; :func:`monthly_churn_rate` is the same per calendar month.
- Kaplan–Meier (statsmodels ``SurvfuncRight``) with pointwise log(−log) intervals (Kalbfleisch & Prentice
  2002) and the log-rank test (``survdiff``); customers still active are right-censored at ``as_of``.
- Cox model (statsmodels ``PHReg``, Efron ties) in counting-process form: each customer's follow-up is split
  into calendar months with entry/exit times on the tenure scale (months since sign-up), so service
  covariates can change month by month (U(t) = tickets not resolved at first contact before the month) and
  follow-up can start at the first day of the ticket data (left truncation through ``entry``).
- Customers-only exports (no tickets): :func:`customer_cox_frame` turns customer columns (numeric, yes/no,
  text levels against the most common one) into time-fixed covariates of a Cox model on tenure from sign-up.
- Proportional-hazards check: correlation of the Schoenfeld residuals with log time per covariate
  (Grambsch & Therneau 1994, the unscaled-residual version).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from csm.errors import AnalysisError, DataError, ParameterError
from csm.levels import OTHER, lump_levels
from csm.stats import DETRACTOR_MAX, proportion_difference, wilson_interval

__all__ = ["panel_months", "DAYS_PER_MONTH", "SERVICE_COVARIATES", "OTHER_LEVELS", "churn_counts", "churn_rate", "monthly_churn_rate",
           "churn_rate_from_counts", "monthly_churn_from_counts", "cohort_churn_from_counts", "churn_share_from_counts",
           "panel_events", "panel_from_events",
           "cohort_churn_rate", "churn_share", "survival_frame", "kaplan_meier", "retention_curves", "logrank_test",
           "median_retention_at", "churn_panel", "CustomerCovariates", "customer_cox_frame", "CoxModel", "fit_cox",
           "AtRiskList", "at_risk_customers", "ChurnTrend", "fit_churn_trend"]

DAYS_PER_MONTH = 365.25 / 12


def _require(frame: pd.DataFrame | None, table: str, columns) -> None:
    if frame is None:
        raise DataError(f"{table}: table not provided; needed for this analysis.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{table}: column(s) {missing} missing; needed for this analysis.")


def _churn_dates(customers: pd.DataFrame) -> pd.Series:
    if "churn_date" not in customers.columns:
        raise DataError("customers: column 'churn_date' missing; churn analyses need the date each customer left "
                        "(or, for a CRM snapshot with only a churn flag, `derive: churn_date:` in the mapping).")
    churn = customers["churn_date"]
    if "churned" in customers.columns:
        flagged = customers["churned"].fillna(False).to_numpy(bool) & churn.isna().to_numpy()
        if flagged.any():
            ids = customers.loc[flagged, "customer_id"].head(5).tolist()
            raise DataError(f"customers: {int(flagged.sum())} customer(s) have churned = true but no churn_date "
                            f"(e.g. {ids}); give their churn date or set churned to false.")
    return churn


# --------------------------------------------------------------------------- churn rates
def churn_counts(signup, churn, starts, ends, *, counted=None) -> tuple[np.ndarray, np.ndarray]:
    """THE churn definition, per period ``[starts[i], ends[i])``: (customers active at the start, of them churned
    before the end). Active at the start: signed up before it and not churned before it; customers who sign up
    during a period are in neither count. ``signup`` / ``churn``: datetime64[ns] (or int64 nanoseconds, with
    ``NaT``'s value for missing) per customer; ``counted``: a mask of the customers counted at all (those marked
    ``churned`` without a ``churn_date`` are not). Used by :func:`churn_rate` and the KPI scorecard."""
    signup = np.asarray(signup).astype("datetime64[ns]")
    churn = np.asarray(churn).astype("datetime64[ns]")
    base = ~np.isnat(signup) if counted is None else (~np.isnat(signup) & np.asarray(counted, bool))
    has_churn = ~np.isnat(churn)
    starts = np.asarray(starts).astype("datetime64[ns]")
    ends = np.asarray(ends).astype("datetime64[ns]")
    n, k = np.zeros(len(starts), np.int64), np.zeros(len(starts), np.int64)
    for i, (start, end) in enumerate(zip(starts, ends)):
        active = base & (signup < start) & (~has_churn | (churn >= start))
        n[i] = active.sum()
        k[i] = (active & has_churn & (churn < end)).sum()
    return n, k


def _active_and_lost(customers: pd.DataFrame, start, end) -> tuple[int, int]:
    """:func:`churn_counts` of one period from the customers table."""
    churn = customers["churn_date"]
    counted = None
    if "churned" in customers.columns:
        counted = ~(customers["churned"].fillna(False).astype(bool) & churn.isna()).to_numpy()
    n, k = churn_counts(customers["signup_date"].to_numpy("datetime64[ns]"), churn.to_numpy("datetime64[ns]"),
                        [pd.Timestamp(start).as_unit("ns").asm8], [pd.Timestamp(end).as_unit("ns").asm8],
                        counted=counted)
    return int(n[0]), int(k[0])


def churn_rate(customers: pd.DataFrame, period, *, comparison=None, confidence: float = 0.95) -> pd.DataFrame:
    """Churn rate of ``period`` (a :class:`csm.periods.Period`): customers with ``churn_date`` in the period /
    customers active at its start (``signup_date`` before the start and not churned before it). Customers who
    signed up during the period are in neither count; customers marked ``churned`` without a ``churn_date`` are
    left out. A fraction with a Wilson interval — the KPI scorecard's ``churn_rate``.

    One row: estimate, ci_low, ci_high, p_value, n (active at the start), churned; with ``comparison`` (another
    Period) also previous, change, change_ci_low, change_ci_high (a difference of fractions, Newcombe interval)
    and p_value of the pooled two-proportion z test.
    """
    _require(customers, "customers", ["customer_id", "signup_date", "churn_date"])
    n, k = _active_and_lost(customers, pd.Timestamp(period.start), pd.Timestamp(period.end))
    previous = None
    if comparison is not None:
        previous = _active_and_lost(customers, pd.Timestamp(comparison.start), pd.Timestamp(comparison.end))
    return churn_rate_from_counts(n, k, previous, confidence=confidence)


def churn_rate_from_counts(n: int, k: int, previous: tuple[int, int] | None = None, *,
                           confidence: float = 0.95) -> pd.DataFrame:
    """:func:`churn_rate` from the counts (active at the start, churned) of the period and, optionally, of the
    comparison period (e.g. counted in the engine)."""
    ci = wilson_interval(np.array([k], float), np.array([n], float), confidence=confidence)
    out = pd.DataFrame({"estimate": ci["estimate"].to_numpy(), "ci_low": ci["ci_low"].to_numpy(),
                        "ci_high": ci["ci_high"].to_numpy(), "p_value": [np.nan], "n": [n],
                        "churned": [k]})
    if previous is not None:
        n0, k0 = previous
        prev = wilson_interval(np.array([k0], float), np.array([n0], float), confidence=confidence)
        d = proportion_difference(np.array([k], float), np.array([n], float), np.array([k0], float),
                                  np.array([n0], float), confidence=confidence)
        valid = n > 0 and n0 > 0
        out["previous"] = prev["estimate"].to_numpy()
        for col, src in (("change", "estimate"), ("change_ci_low", "ci_low"), ("change_ci_high", "ci_high"),
                         ("p_value", "p_value")):
            out[col] = d[src].to_numpy(float) if valid else np.nan
    return out


def monthly_churn_rate(customers: pd.DataFrame, *, start, end, by: str | None = None,
                       confidence: float = 0.95) -> pd.DataFrame:
    """Churn rate per calendar month in [start, end]: churned in month / active at its start (a fraction).

    Active at start: signed up before the month and not churned before it. ``by`` (e.g. "tier") gives one
    row per month and group. Columns: period_start, [by], n (active at start), churned, estimate, ci_low,
    ci_high (fractions, Wilson).
    """
    _require(customers, "customers", ["customer_id", "signup_date", "churn_date"])
    churn = _churn_dates(customers)
    months = pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq="M")
    if len(months) == 0:
        raise ParameterError(f"monthly_churn_rate: no month between {start} and {end}.")
    groups = customers[by].fillna("unknown").astype(str) if by else pd.Series("all", index=customers.index)
    rows = []
    signup = customers["signup_date"]
    for m in months:
        ms, me = m.start_time, (m + 1).start_time
        active = (signup < ms) & (churn.isna() | (churn >= ms))
        lost = active & churn.notna() & (churn < me)
        tab = pd.DataFrame({"g": groups[active], "lost": lost[active]}).groupby("g")["lost"].agg(["size", "sum"])
        for g, r in tab.iterrows():
            rows.append({"period_start": ms, "group": g, "n": float(r["size"]), "churned": float(r["sum"])})
    return monthly_churn_from_counts(pd.DataFrame(rows), by=by, confidence=confidence)


def monthly_churn_from_counts(counts: pd.DataFrame, *, by: str | None = None,
                              confidence: float = 0.95) -> pd.DataFrame:
    """:func:`monthly_churn_rate` from counts: rows period_start, group, n, churned (floats), one per month and
    group with an active customer, in month order (groups sorted within a month)."""
    out = counts.reset_index(drop=True)
    ci = wilson_interval(out["churned"].to_numpy(), out["n"].to_numpy(), confidence=confidence)
    out["estimate"] = ci["estimate"].to_numpy()
    out["ci_low"] = ci["ci_low"].to_numpy()
    out["ci_high"] = ci["ci_high"].to_numpy()
    return out.rename(columns={"group": by}) if by else out.drop(columns="group")


def cohort_churn_rate(customers: pd.DataFrame, *, start, end, cohort_freq: str = "Q",
                      confidence: float = 0.95) -> pd.DataFrame:
    """Average monthly churn rate per sign-up cohort over the months in [start, end].

    Pooled: Σ churned in month / Σ active at month start over the months (a fraction).
    Wilson interval on the pooled counts (treats customer-months as independent: approximate).
    Columns: cohort, customers, customer_months, churned, estimate, ci_low, ci_high.
    """
    _require(customers, "customers", ["customer_id", "signup_date", "churn_date"])
    cohort = customers["signup_date"].dt.to_period(cohort_freq).astype(str)
    tmp = customers.assign(_cohort=cohort)
    per = monthly_churn_rate(tmp, start=start, end=end, by="_cohort", confidence=confidence)
    return cohort_churn_from_counts(per, cohort.value_counts(), confidence=confidence)


def cohort_churn_from_counts(per: pd.DataFrame, sizes: pd.Series, *, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`cohort_churn_rate` from the monthly counts per cohort (``per``: columns _cohort, n, churned) and
    the customers per cohort (``sizes``, indexed by the cohort's label)."""
    monthly = per.groupby("_cohort").agg(customer_months=("n", "sum"), churned=("churned", "sum"))
    monthly = monthly[monthly["customer_months"] > 0]
    ci = wilson_interval(monthly["churned"].to_numpy(), monthly["customer_months"].to_numpy(), confidence=confidence)
    return pd.DataFrame({"cohort": monthly.index, "customers": sizes.reindex(monthly.index).to_numpy(float),
                         "customer_months": monthly["customer_months"].to_numpy(),
                         "churned": monthly["churned"].to_numpy(), "estimate": ci["estimate"].to_numpy(),
                         "ci_low": ci["ci_low"].to_numpy(), "ci_high": ci["ci_high"].to_numpy()})


def churn_share(customers: pd.DataFrame, *, as_of, confidence: float = 0.95) -> pd.DataFrame:
    """Share of the customers signed up by ``as_of`` who have churned by then (a snapshot's churn rate, e.g.
    0.265 in the IBM Telco sample), a fraction with a Wilson interval. One row: n, churned, estimate, ci_low,
    ci_high."""
    _require(customers, "customers", ["customer_id", "signup_date", "churn_date"])
    as_of = pd.Timestamp(as_of)
    churn = _churn_dates(customers)
    known = customers["signup_date"] <= as_of
    return churn_share_from_counts(int(known.sum()), int((known & churn.notna() & (churn <= as_of)).sum()),
                                   confidence=confidence)


def churn_share_from_counts(n: int, lost: int, *, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`churn_share` from the counts (signed up by ``as_of``, of them churned by then)."""
    ci = wilson_interval(np.array([lost]), np.array([n]), confidence=confidence)
    return pd.DataFrame({"n": [n], "churned": [lost], "estimate": ci["estimate"].to_numpy(),
                         "ci_low": ci["ci_low"].to_numpy(), "ci_high": ci["ci_high"].to_numpy()})


# --------------------------------------------------------------------------- Kaplan–Meier
def survival_frame(customers: pd.DataFrame, *, as_of) -> pd.DataFrame:
    """Tenure in months from sign-up to churn (event = 1) or to ``as_of`` (censored, event = 0)."""
    _require(customers, "customers", ["customer_id", "signup_date", "churn_date"])
    as_of = pd.Timestamp(as_of)
    churn = _churn_dates(customers)
    c = customers[customers["signup_date"] <= as_of]
    churn = churn[c.index]
    event = churn.notna() & (churn <= as_of)
    end = churn.where(event, as_of)
    months = (end - c["signup_date"]).dt.total_seconds() / 86400 / DAYS_PER_MONTH
    out = c.drop(columns=[x for x in ("churned", "churn_date") if x in c.columns]).assign(
        duration=months.clip(lower=0).to_numpy(), event=event.to_numpy(int))
    return out.reset_index(drop=True)


def kaplan_meier(durations, events, *, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan–Meier survival ``S(t) = Π_{t_i ≤ t} (1 − d_i/n_i)`` at each event time, with Greenwood SE and a
    pointwise log(−log) interval. Columns: time, at_risk, events, survival, se, ci_low, ci_high."""
    from statsmodels.duration.survfunc import SurvfuncRight

    d, e = np.asarray(durations, float), np.asarray(events, float)
    if d.size == 0:
        raise AnalysisError("Kaplan–Meier: no customers in this group.")
    sf = SurvfuncRight(d, e)
    s, se = sf.surv_prob, sf.surv_prob_se
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(s)
        se_ll = se / (s * np.abs(log_s))
        lo = np.exp(-np.exp(np.log(-log_s) + z * se_ll))
        hi = np.exp(-np.exp(np.log(-log_s) - z * se_ll))
    lo = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, lo))
    hi = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, hi))
    return pd.DataFrame({"time": sf.surv_times, "at_risk": sf.n_risk, "events": sf.n_events, "survival": s,
                         "se": se, "ci_low": lo, "ci_high": hi})


def retention_curves(survival: pd.DataFrame, by: str, *, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan–Meier curve per group of ``by`` (tidy: by, time, survival, ci_low, ci_high, at_risk, events)."""
    if by not in survival.columns:
        raise DataError(f"customers: column {by!r} missing; cannot draw retention curves by it.")
    parts = []
    for g, sub in survival.groupby(survival[by].fillna("unknown").astype(str), sort=True):
        km = kaplan_meier(sub["duration"], sub["event"], confidence=confidence)
        start = pd.DataFrame({"time": [0.0], "at_risk": [float(len(sub))], "events": [0.0], "survival": [1.0],
                              "se": [0.0], "ci_low": [1.0], "ci_high": [1.0]})
        parts.append(pd.concat([start, km], ignore_index=True).assign(**{by: g}))
    out = pd.concat(parts, ignore_index=True)
    return out[[by] + [c for c in out.columns if c != by]]


def logrank_test(survival: pd.DataFrame, by: str) -> pd.DataFrame:
    """Log-rank test of equal survival across the groups of ``by`` (statsmodels ``survdiff``).
    One row: by, groups, statistic (χ²), dof, p_value, n, events."""
    from statsmodels.duration.survfunc import survdiff

    groups = survival[by].fillna("unknown").astype(str)
    if groups.nunique() < 2:
        raise AnalysisError(f"log-rank test by {by!r}: only one group ({groups.iloc[0] if len(groups) else '–'}).")
    chi2, p = survdiff(survival["duration"].to_numpy(float), survival["event"].to_numpy(float), groups.to_numpy())
    return pd.DataFrame({"by": [by], "groups": [int(groups.nunique())], "statistic": [float(chi2)],
                         "dof": [int(groups.nunique()) - 1], "p_value": [float(p)], "n": [len(survival)],
                         "events": [int(survival["event"].sum())]})


def median_retention_at(curves: pd.DataFrame, by: str, months: float) -> pd.DataFrame:
    """Retention (KM survival) at ``months`` of tenure per group, with its interval."""
    rows = []
    for g, c in curves.groupby(by, sort=True):
        row = c[c["time"] <= months].iloc[-1]
        rows.append({by: g, "months": months, "estimate": row["survival"], "ci_low": row["ci_low"],
                     "ci_high": row["ci_high"]})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- counting-process data
#: service covariates of the Cox model: code -> meaning (counts are cumulative before the month starts)
SERVICE_COVARIATES = {
    "fcr_failed_tickets": "tickets not resolved at first contact so far",
    "fcr_resolved_tickets": "tickets resolved at first contact so far",
    "slow_resolutions": "tickets resolved after more than 24 hours (or still open after 24 hours) so far",
    "escalations": "escalated tickets so far",
    "detractor_responses": "survey responses with NPS 0–6 so far",
    "vip": "tier is VIP",
}


def churn_panel(customers: pd.DataFrame, tickets: pd.DataFrame, responses: pd.DataFrame | None = None, *,
                start, as_of, vip_tier: str = "VIP", slow_hours: float = 24.0, collapse: bool = True) -> pd.DataFrame:
    """Customer-month rows (counting-process layout) for a Cox model with time-varying service covariates.

    Follow-up runs from the first month start ≥ ``start`` after sign-up (one full month after sign-up, as
    customers are at risk from the month after sign-up) to churn or ``as_of``; each row covers one calendar
    month: ``entry``/``exit`` in months of tenure, ``event`` = churned in that month, covariates counted from
    tickets created (and responses submitted) before the month starts (from ``start`` on). Times are on a
    day grid (a churn on day j of tenure exits at j + 1 days), so same-day churns are ties (Efron). With
    ``collapse`` consecutive months whose covariates do not change are merged into one episode.
    """
    _require(customers, "customers", ["customer_id", "signup_date", "churn_date"])
    _require(tickets, "tickets", ["customer_id", "created_at"])
    start, as_of = pd.Timestamp(start).normalize(), pd.Timestamp(as_of)
    months = panel_months(start, as_of)
    events = panel_events(tickets, responses, customers["customer_id"], months, start=start, as_of=as_of,
                          slow_hours=slow_hours)
    return panel_from_events(customers, events, start=start, as_of=as_of, vip_tier=vip_tier, collapse=collapse)


def panel_months(start, as_of) -> pd.DatetimeIndex:
    """The month starts of :func:`churn_panel`'s follow-up: from ``start``'s month to ``as_of``."""
    start, as_of = pd.Timestamp(start).normalize(), pd.Timestamp(as_of)
    months = pd.date_range(start.to_period("M").start_time, as_of, freq="MS")
    if len(months) == 0:
        raise ParameterError(f"churn_panel: no month start between {start:%Y-%m-%d} and {as_of:%Y-%m-%d}.")
    return months


def panel_events(tickets: pd.DataFrame, responses: pd.DataFrame | None, customer_ids, months, *, start, as_of,
                 slow_hours: float = 24.0) -> dict:
    """The service events of :func:`churn_panel` counted per customer and the month from which they count:
    {covariate: frame customer_id, counts_from (the number of month starts at or before the event: the month
    index from which it is counted), count}; tickets (responses) from ``start`` on, of the ``customer_ids``
    only. :mod:`csm.customers.engine` counts the same in the engine."""
    as_of, start = pd.Timestamp(as_of), pd.Timestamp(start).normalize()
    ids = pd.Index(customer_ids)
    t = tickets[tickets["customer_id"].isin(ids) & (tickets["created_at"] >= start)]
    month_ns = months.to_numpy("datetime64[ns]")
    counts_from = np.searchsorted(month_ns, t["created_at"].to_numpy("datetime64[ns]"), side="right")

    def flag(col):
        return t[col].fillna(False).to_numpy(bool) if col in t.columns else np.zeros(len(t), bool)

    fcr = (t["first_contact_resolved"] if "first_contact_resolved" in t.columns
           else pd.Series(pd.NA, index=t.index)).astype("boolean")
    failed = (~fcr).fillna(False).to_numpy(bool)  # unknown FCR counts as neither
    resolved_first = fcr.fillna(False).to_numpy(bool)
    if "resolved_at" in t.columns:
        hours = (t["resolved_at"] - t["created_at"]).dt.total_seconds().to_numpy() / 3600
        slow = np.where(np.isnan(hours), (as_of - t["created_at"]).dt.total_seconds().to_numpy() / 3600 > slow_hours,
                        hours > slow_hours)
        # an open ticket counts as slow once it is older than slow_hours: month from created + slow_hours
        slow_from = np.searchsorted(month_ns, (t["created_at"] + pd.Timedelta(hours=slow_hours)).to_numpy(
            "datetime64[ns]"), side="right")
    else:
        slow, slow_from = np.zeros(len(t), bool), counts_from
    who = t["customer_id"].to_numpy()
    spec = {"fcr_failed_tickets": (failed, counts_from, who), "fcr_resolved_tickets": (resolved_first, counts_from, who),
            "slow_resolutions": (slow, slow_from, who), "escalations": (flag("escalated"), counts_from, who)}
    if responses is not None and "nps" in responses.columns:
        r = responses[responses["customer_id"].isin(ids) & (responses["submitted_at"] >= start)]
        spec["detractor_responses"] = (
            (r["nps"] <= DETRACTOR_MAX).fillna(False).to_numpy(bool),
            np.searchsorted(month_ns, r["submitted_at"].to_numpy("datetime64[ns]"), side="right"),
            r["customer_id"].to_numpy())
    out = {}
    for name, (mask, frm, cust) in spec.items():
        e = pd.DataFrame({"customer_id": cust[mask], "counts_from": frm[mask].astype("int64")})
        out[name] = e.groupby(["customer_id", "counts_from"], sort=True).size().rename("count").reset_index()
    return out


def panel_from_events(customers: pd.DataFrame, events: dict, *, start, as_of, vip_tier: str = "VIP",
                      collapse: bool = True) -> pd.DataFrame:
    """:func:`churn_panel` from the customers (customer_id, signup_date, churn_date, tier) and the event counts
    of :func:`panel_events` (events of customers not in ``customers`` are ignored)."""
    churn = _churn_dates(customers)
    start, as_of = pd.Timestamp(start).normalize(), pd.Timestamp(as_of)
    months = panel_months(start, as_of)
    ids = customers["customer_id"].to_numpy()
    n = len(ids)
    signup = customers["signup_date"].to_numpy("datetime64[ns]")
    churn_ns = churn.to_numpy("datetime64[ns]")
    has_churn = ~np.isnat(churn_ns)
    vip = (customers["tier"].astype(str) == vip_tier).to_numpy(float) if "tier" in customers.columns else np.zeros(n)
    month_ns = months.to_numpy("datetime64[ns]")
    M = len(months)
    cum = {}
    index = pd.Index(ids)
    for name, e in events.items():
        who = index.get_indexer(e["customer_id"])
        known = who >= 0
        grid = np.zeros((n, M + 1))
        np.add.at(grid, (who[known], np.minimum(e["counts_from"].to_numpy("int64")[known], M)),
                  e["count"].to_numpy(float)[known])
        cum[name] = np.cumsum(grid, axis=1)[:, :M]
    rows = []
    month_end = np.append(month_ns[1:], np.datetime64(as_of + pd.Timedelta(seconds=1), "ns"))
    for m in range(M):
        ms, me = month_ns[m], min(month_end[m], np.datetime64(as_of + pd.Timedelta(seconds=1), "ns"))
        signup_next = (signup.astype("datetime64[M]") + 1).astype("datetime64[ns]")
        at_risk = (signup_next <= ms) & (~has_churn | (churn_ns >= ms))
        idx = np.flatnonzero(at_risk)
        ev = has_churn[idx] & (churn_ns[idx] < me)
        # day grid: day k of tenure covers (k-1, k]; a churn during calendar day j (counted from the sign-up
        # date) exits at j + 1; fewer distinct event times make the Efron fit several times faster
        signup_day = signup[idx].astype("datetime64[D]")
        entry_days = (ms.astype("datetime64[D]") - signup_day).astype(float)
        exit_days = np.where(ev, (churn_ns[idx].astype("datetime64[D]") - signup_day).astype(float) + 1,
                             (me.astype("datetime64[D]") - signup_day).astype(float))
        entry, exit_m = entry_days / DAYS_PER_MONTH, exit_days / DAYS_PER_MONTH
        frame = {"customer_id": ids[idx], "month": np.full(idx.size, ms), "entry": entry, "exit": exit_m,
                 "event": ev.astype(int), "vip": vip[idx]}
        for name in cum:
            frame[name] = cum[name][idx, m]
        rows.append(pd.DataFrame(frame))
    panel = pd.concat(rows, ignore_index=True)
    panel = panel[panel["exit"] > panel["entry"]]
    return _collapse(panel, ["vip", *cum]) if collapse else panel.reset_index(drop=True)


def _collapse(panel: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Merge a customer's consecutive months with identical covariates into one (entry, exit] episode
    (same partial likelihood, fewer rows)."""
    p = panel.sort_values(["customer_id", "month"], kind="stable").reset_index(drop=True)
    cols = p[covariates].to_numpy(float)
    cust = p["customer_id"].to_numpy()
    new = np.ones(len(p), bool)
    new[1:] = (cust[1:] != cust[:-1]) | np.any(cols[1:] != cols[:-1], axis=1) | (
        p["entry"].to_numpy()[1:] - p["exit"].to_numpy()[:-1] > 1e-9)
    seg = np.cumsum(new)
    agg = {"customer_id": "first", "month": "first", "entry": "min", "exit": "max", "event": "max",
           **{c: "first" for c in covariates}}
    return p.groupby(seg, sort=False).agg(agg).reset_index(drop=True)


# --------------------------------------------------------------------------- customer-level covariates
@dataclass(frozen=True)
class CustomerCovariates:
    """Design of a Cox model on customer columns (:func:`customer_cox_frame`): ``frame`` (customer_id, entry,
    exit, event and one column per term), ``terms``, ``reference`` {column: reference level} of category
    columns, ``columns`` (the customer columns used), ``left_out`` {column: reason code} (``missing``: not in
    the data; ``constant``: one value only), ``dropped_rows`` (customers with a missing covariate or no
    follow-up time)."""

    frame: pd.DataFrame
    terms: tuple
    reference: dict
    columns: tuple
    left_out: dict
    dropped_rows: int


#: the pooled level of a text covariate beyond ``max_levels`` (the code csm.levels.OTHER labels "all others")
OTHER_LEVELS = OTHER  # the shared "all others" level of csm.levels


def customer_cox_frame(survival: pd.DataFrame, covariates, *, max_levels: int = 10) -> CustomerCovariates:
    """Time-fixed covariates from customer columns for a Cox model on tenure (customers-only exports).

    ``survival`` is :func:`survival_frame` (duration in months, event). Numeric columns enter as they are (one
    term, hazard ratio per unit); yes/no columns as 0/1; text columns as indicators ``column=level`` against
    the most common level (the reference), the ``max_levels`` largest levels kept and the rest pooled into
    "all others" (:data:`OTHER_LEVELS`). Customers with a missing covariate or no follow-up
    (duration 0) are left out and counted. Entry is 0: follow-up from sign-up.
    """
    left_out: dict[str, str] = {}
    used: list[str] = []
    parts: dict[str, np.ndarray] = {}
    reference: dict[str, str] = {}
    frame = survival
    keep = (frame["duration"] > 0).to_numpy(bool).copy()
    for col in covariates:
        if col not in frame.columns or frame[col].isna().all():
            left_out[col] = "missing"
            continue
        s = frame[col]
        if pd.api.types.is_bool_dtype(s):
            s = s.astype("boolean").astype("Float64").astype(float)
        if pd.api.types.is_numeric_dtype(s):
            v = s.to_numpy(float)
            if np.nanstd(v[keep]) == 0:
                left_out[col] = "constant"
                continue
            parts[col] = v
            keep = keep & ~np.isnan(v)
            used.append(col)
            continue
        lumped = lump_levels(s.astype(object).to_frame("level"), "level", max_levels)["level"]
        counts = lumped[keep].value_counts(dropna=True)
        if len(counts) < 2:
            left_out[col] = "constant"
            continue
        # the reference is a real level, never the "all others" pool
        ref = sorted(counts.items(), key=lambda kv: (kv[0] == OTHER_LEVELS, -kv[1], str(kv[0])))[0][0]
        reference[col] = str(ref)
        keep = keep & lumped.notna().to_numpy(bool)
        for level in sorted((str(x) for x in counts.index if x != ref)):
            parts[f"{col}={level}"] = (lumped.astype(str) == level).to_numpy(float)
        used.append(col)
    out = pd.DataFrame({"customer_id": frame["customer_id"].to_numpy(), "entry": 0.0,
                        "exit": frame["duration"].to_numpy(float), "event": frame["event"].to_numpy(int),
                        **parts})[keep].reset_index(drop=True)
    return CustomerCovariates(frame=out, terms=tuple(parts), reference=reference, columns=tuple(used),
                              left_out=left_out, dropped_rows=int((~keep).sum()))


# --------------------------------------------------------------------------- Cox model
@dataclass(frozen=True)
class CoxModel:
    """Fitted Cox model (:func:`fit_cox`): ``summary`` (term, coef, se, hazard_ratio, ci_low, ci_high, p_value),
    ``params`` / ``standard_errors`` (coefficient per term), ``ph_check`` (term, rho, p_value: Schoenfeld
    residuals vs log time), ``loglik``, ``n`` (rows), ``customers``, ``events``, ``baseline`` (time,
    cumulative_hazard at covariates 0), ``terms``; predictions :meth:`relative_hazard`, :meth:`cumulative_baseline`."""

    summary: pd.DataFrame
    ph_check: pd.DataFrame
    loglik: float
    n: int
    customers: int
    events: int
    baseline: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    terms: tuple = ()
    schoenfeld: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    @property
    def params(self) -> dict:
        """Coefficient (log hazard ratio) per term."""
        return dict(zip(self.summary["term"], self.summary["coef"].astype(float)))

    @property
    def standard_errors(self) -> dict:
        """Standard error of each coefficient."""
        return dict(zip(self.summary["term"], self.summary["se"].astype(float)))

    def relative_hazard(self, covariates: pd.DataFrame) -> np.ndarray:
        """exp(xβ) for each row of ``covariates`` (columns: the model's terms)."""
        beta = self.summary.set_index("term").loc[list(self.terms), "coef"].to_numpy(float)
        return np.exp(covariates[list(self.terms)].to_numpy(float) @ beta)

    def hazard_ratio(self, term: str) -> float:
        return float(self.summary.set_index("term").loc[term, "hazard_ratio"])

    def cumulative_baseline(self, time) -> np.ndarray:
        """Baseline cumulative hazard H₀ at ``time`` (step function, constant beyond the last event time)."""
        b = self.baseline
        i = np.searchsorted(b["time"].to_numpy(), np.asarray(time, float), side="right") - 1
        return np.where(i >= 0, b["cumulative_hazard"].to_numpy()[np.maximum(i, 0)], 0.0)


def fit_cox(panel: pd.DataFrame, terms, *, confidence: float = 0.95) -> CoxModel:
    """Cox proportional-hazards model (statsmodels PHReg, Efron ties) on a counting-process panel
    (:func:`churn_panel`: entry, exit, event and covariate columns ``terms``). Hazard ratios exp(β) with
    Wald intervals; PH check by Schoenfeld residuals vs log(time) (Pearson correlation test)."""
    from statsmodels.duration.hazard_regression import PHReg

    terms = list(terms)
    missing = [c for c in ["entry", "exit", "event", *terms] if c not in panel.columns]
    if missing:
        raise ParameterError(f"fit_cox: column(s) {missing} missing from the panel.")
    X = panel[terms].to_numpy(float)
    keep_terms = [t for t, sd in zip(terms, X.std(axis=0)) if sd > 0]
    dropped = sorted(set(terms) - set(keep_terms))
    if dropped:
        raise AnalysisError(f"Cox model: covariate(s) {dropped} do not vary in the data; leave them out.")
    events = int(panel["event"].sum())
    if events < 10:
        raise AnalysisError(f"Cox model: only {events} churn event(s) in the follow-up; too few for a Cox model.")
    model = PHReg(panel["exit"].to_numpy(float), X, status=panel["event"].to_numpy(float),
                  entry=panel["entry"].to_numpy(float), ties="efron")
    with np.errstate(all="ignore"):
        # Newton–Raphson until no coefficient moves by more than 1e-10 (quadratic convergence: the estimates are
        # then exact to rounding); a fit that hits the iteration limit is refused below
        res = model.fit(disp=False, method="newton", tol=1e-10, maxiter=100)
    params, bse = np.asarray(res.params), np.asarray(res.bse)
    with np.errstate(all="ignore"):
        try:  # converged: one more Newton step would move no coefficient by more than 1e-8
            last_step = np.linalg.solve(model.hessian(params), model.score(params))
        except np.linalg.LinAlgError:
            last_step = np.full(len(params), np.nan)
    if not np.all(np.abs(last_step) < 1e-8):
        raise AnalysisError("Cox model: the fit did not converge in 100 Newton steps; a covariate may separate "
                            "churners perfectly — check for rare categories.")
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(bse))):
        raise AnalysisError("Cox model: the fit did not converge (non-finite estimates); a covariate may "
                            "separate churners perfectly — check for rare categories.")
    z = stats.norm.ppf(0.5 + confidence / 2)
    summary = pd.DataFrame({"term": keep_terms, "coef": params, "se": bse, "hazard_ratio": np.exp(params),
                            "ci_low": np.exp(params - z * bse), "ci_high": np.exp(params + z * bse),
                            "p_value": 2 * stats.norm.sf(np.abs(params / bse))})
    # Schoenfeld residuals: rows with events only
    sr = np.asarray(res.schoenfeld_residuals)
    ev = panel["event"].to_numpy(bool)
    times = panel["exit"].to_numpy(float)[ev]
    resid = sr[ev]
    ph_rows = []
    log_t = np.log(np.maximum(times, 1e-9))
    for j, term in enumerate(keep_terms):
        ok = np.isfinite(resid[:, j])
        rho, p = stats.pearsonr(log_t[ok], resid[ok, j]) if ok.sum() > 2 and np.ptp(resid[ok, j]) > 0 else (np.nan, np.nan)
        ph_rows.append({"term": term, "rho": float(rho), "p_value": float(p), "events": int(ok.sum())})
    schoenfeld = pd.DataFrame(resid, columns=keep_terms).assign(time=times)
    bch = res.baseline_cumulative_hazard[0]
    baseline = pd.DataFrame({"time": bch[0], "cumulative_hazard": bch[1]})
    return CoxModel(summary=summary, ph_check=pd.DataFrame(ph_rows), loglik=float(res.llf), n=len(panel),
                     customers=int(panel["customer_id"].nunique()) if "customer_id" in panel.columns else len(panel),
                     events=events, baseline=baseline, terms=tuple(keep_terms), schoenfeld=schoenfeld)


@dataclass(frozen=True)
class AtRiskList:
    """The at-risk list (:func:`at_risk_customers`): ``table`` (customer_id, tenure_months, churn_probability —
    NaN where not estimated —, relative_hazard, main_driver and one column per customer column in the model),
    ``strata`` (columns the baseline hazard is stratified by), ``support`` (stratum, tenure_limit: the last
    tenure at which at least ``min_at_risk`` customers of the stratum are still followed), ``not_estimated``
    (active customers whose tenure + horizon lies beyond that limit), ``active`` (active customers ranked)."""

    table: pd.DataFrame
    strata: tuple
    support: pd.DataFrame
    not_estimated: int
    active: int
    min_at_risk: int
    horizon_months: float


def _term_column(term: str) -> str:
    return str(term).split("=", 1)[0]


def _breslow(entry, exit_, event, weight, times):
    """Breslow cumulative baseline hazard and number at risk (entry < t <= exit) at ``times``."""
    ev_t = np.unique(exit_[event == 1])
    order_exit, order_entry = np.sort(exit_), np.sort(entry)
    w_exit = weight[np.argsort(exit_, kind="stable")]
    w_entry = weight[np.argsort(entry, kind="stable")]
    tail_exit = np.concatenate([np.cumsum(w_exit[::-1])[::-1], [0.0]])
    tail_entry = np.concatenate([np.cumsum(w_entry[::-1])[::-1], [0.0]])

    def risk_sum(t):  # sum of weights with entry < t <= exit
        return tail_exit[np.searchsorted(order_exit, t, side="left")] - tail_entry[np.searchsorted(order_entry, t, side="left")]

    def n_risk(t):
        return (len(exit_) - np.searchsorted(order_exit, t, side="left")) - (
            len(entry) - np.searchsorted(order_entry, t, side="left"))

    d = pd.Series(event).groupby(exit_).sum().reindex(ev_t).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        dH = np.where(risk_sum(ev_t) > 0, d / risk_sum(ev_t), 0.0)
    H = np.cumsum(dH) if ev_t.size else np.zeros(1)  # no churn in the stratum: zero hazard
    times = np.asarray(times, float)
    i = np.searchsorted(ev_t, times, side="right") - 1
    return np.where(i >= 0, H[np.maximum(i, 0)], 0.0), n_risk(times)


def at_risk_customers(panel: pd.DataFrame, cox: CoxModel, *, horizon_months: float = 3.0, top: int = 20,
                      min_at_risk: int = 50, strata=(), reference: dict | None = None) -> AtRiskList:
    """Ranked list of active customers (their last panel row without churn) by predicted churn risk.

    ``churn_probability`` = 1 − exp(−(H₀ₛ(τ + h) − H₀ₛ(τ)) · exp(xβ)) with τ the tenure at the end of follow-up,
    h = ``horizon_months`` and H₀ₛ the Breslow baseline of the customer's stratum s. ``strata``: customer columns
    (category columns ``col=level`` of the model, e.g. those failing the proportional-hazards check) given their
    own baseline hazard instead of a hazard ratio — the model is refitted stratified by them (the remaining terms
    keep one hazard ratio). The baseline is supported only while at least ``min_at_risk`` customers of the
    stratum are still followed: where τ + h is beyond that tenure the probability is not estimated (NaN).
    ``relative_hazard`` = exp((x − x̄)β) against the average customer of the model (x̄ the mean covariates);
    ``main_driver`` = the customer column whose contribution β(x − x̄) raises the hazard most (its terms summed),
    empty when none does. Ranked by probability (not estimated last), then relative hazard.
    """
    reference = reference or {}
    terms = list(cox.terms)
    strata = tuple(c for c in strata if any(_term_column(t) == c for t in terms))
    strat_terms = [t for t in terms if _term_column(t) in strata]
    fit_terms = [t for t in terms if t not in strat_terms]
    p = panel.reset_index(drop=True)
    if strata:
        key = p[strat_terms].astype(int).astype(str).agg("".join, axis=1) if strat_terms else pd.Series("", index=p.index)
        beta = np.zeros(len(fit_terms))
        if fit_terms:
            from statsmodels.duration.hazard_regression import PHReg

            model = PHReg(p["exit"].to_numpy(float), p[fit_terms].to_numpy(float), status=p["event"].to_numpy(float),
                          entry=p["entry"].to_numpy(float), strata=key.to_numpy(), ties="efron")
            with np.errstate(all="ignore"):
                beta = np.asarray(model.fit(disp=False, method="newton", tol=1e-10, maxiter=100).params)
            if not np.all(np.isfinite(beta)):
                raise AnalysisError("at-risk list: the stratified Cox model did not converge.")
    else:
        key = pd.Series("", index=p.index)
        beta = cox.summary.set_index("term").loc[fit_terms, "coef"].to_numpy(float)
    X = p[fit_terms].to_numpy(float) if fit_terms else np.zeros((len(p), 0))
    lin = X @ beta
    last = p.assign(_key=key).sort_values(["customer_id", "exit"], kind="stable").groupby("customer_id").tail(1)
    centre = last[fit_terms].to_numpy(float).mean(axis=0) if fit_terms else np.zeros(0)
    active = last[last["event"] == 0]
    tau = active["exit"].to_numpy(float)
    prob = np.full(len(active), np.nan)
    support = []
    for k in sorted(key.unique()):
        rows = (key == k).to_numpy()
        entry, exit_, event = (p.loc[rows, c].to_numpy(float) for c in ("entry", "exit", "event"))
        grid = np.unique(exit_)
        _, n_grid = _breslow(entry, exit_, event, np.exp(lin[rows]), grid)
        ok = grid[n_grid >= min_at_risk]
        limit = float(ok.max()) if ok.size else 0.0
        label = {c: reference.get(c, "") for c in strata}
        for t in strat_terms:
            if p.loc[rows, t].iloc[0] == 1:
                label[_term_column(t)] = t.split("=", 1)[1]
        support.append({"stratum": ", ".join(f"{c}={label[c]}" for c in strata) or "all", "tenure_limit": limit,
                        **{f"_{c}": label[c] for c in strata}})
        mine = (active["_key"] == k).to_numpy()
        if not mine.any():
            continue
        h0, _ = _breslow(entry, exit_, event, np.exp(lin[rows]), tau[mine])
        h1, _ = _breslow(entry, exit_, event, np.exp(lin[rows]), tau[mine] + horizon_months)
        lin_a = active.loc[mine, fit_terms].to_numpy(float) @ beta if fit_terms else np.zeros(mine.sum())
        pr = -np.expm1(-(h1 - h0) * np.exp(lin_a))
        prob[mine] = np.where(tau[mine] + horizon_months <= limit, pr, np.nan)
    Xa = active[fit_terms].to_numpy(float) if fit_terms else np.zeros((len(active), 0))
    contrib = (Xa - centre) * beta
    columns = list(dict.fromkeys(_term_column(t) for t in terms))
    by_column = {c: contrib[:, [j for j, t in enumerate(fit_terms) if _term_column(t) == c]].sum(axis=1)
                 for c in columns if c not in strata}
    out = pd.DataFrame({"customer_id": active["customer_id"].to_numpy(), "tenure_months": tau,
                        "churn_probability": prob, "relative_hazard": np.exp(contrib.sum(axis=1))})
    if by_column:
        names = list(by_column)
        stack = np.column_stack([by_column[c] for c in names])
        out["main_driver"] = np.where(stack.max(axis=1) > 1e-12, np.array(names)[stack.argmax(axis=1)], "")
    else:
        out["main_driver"] = ""
    for c in columns:  # the customer's value of each model column (a category's level, not its 0/1 indicators)
        col_terms = [t for t in terms if _term_column(t) == c]
        if col_terms == [c]:
            out[c] = active[c].to_numpy()
        else:
            level = np.full(len(active), reference.get(c, ""), dtype=object)
            for t in col_terms:
                level = np.where(active[t].to_numpy(float) == 1, t.split("=", 1)[1], level)
            out[c] = level
    out = out.sort_values(["churn_probability", "relative_hazard", "customer_id"], ascending=[False, False, True],
                          na_position="last", kind="stable")
    return AtRiskList(table=out.head(top).reset_index(drop=True), strata=strata,
                      support=pd.DataFrame(support).sort_values("stratum", kind="stable").reset_index(drop=True), not_estimated=int(np.isnan(prob).sum()), active=len(active),
                      min_at_risk=int(min_at_risk), horizon_months=float(horizon_months))


@dataclass(frozen=True)
class ChurnTrend:
    """A fitted trend of the monthly churn rate (:func:`fit_churn_trend`): ``params`` / ``standard_errors``
    (``const``: log churn rate of the first month; ``slope``: change of the log rate per month), ``loglik``,
    ``summary`` (one row: the rate ratio per 12 months with its interval and p-value); ``months`` (number of
    months), ``first_month`` / ``last_month``, ``first_rate`` / ``last_rate`` (fitted monthly churn rates,
    fractions), ``rate_ratio_12`` with ``ci_low`` / ``ci_high``, ``p_value``, ``slope``, ``se``; prediction
    :meth:`rate`."""

    params: dict
    standard_errors: dict
    loglik: float
    months: int
    first_month: pd.Timestamp
    last_month: pd.Timestamp
    first_rate: float
    last_rate: float
    rate_ratio_12: float
    ci_low: float
    ci_high: float
    p_value: float

    @property
    def slope(self) -> float:
        return self.params["slope"]

    @property
    def se(self) -> float:
        return self.standard_errors["slope"]

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"term": ["rate_ratio_12"], "estimate": [self.rate_ratio_12], "ci_low": [self.ci_low],
                             "ci_high": [self.ci_high], "p_value": [self.p_value], "n": [self.months]})

    def rate(self, period_start) -> np.ndarray:
        """The fitted monthly churn rate (a fraction) of the months starting at ``period_start``."""
        months = pd.PeriodIndex(pd.to_datetime(pd.Series(period_start)), freq="M")
        t = np.asarray([(m - self.first_month.to_period("M")).n for m in months], float)
        return np.exp(self.params["const"] + self.params["slope"] * t)


def fit_churn_trend(monthly: pd.DataFrame, *, confidence: float = 0.95) -> ChurnTrend:
    """A trend test over a monthly churn series (the frame of :func:`monthly_churn_rate`, one row per month).

    Poisson GLM of the month's churners on a time index (months since the first month) with log(active at the
    month start) as offset: the slope is the change of the log monthly churn rate per month; the rate ratio per
    12 months exp(12·slope) has a Wald interval. Raises AnalysisError with fewer than 3 months or no churn.
    """
    import statsmodels.api as sm

    _require(monthly, "monthly churn", ["period_start", "n", "churned"])
    frame = monthly[monthly["n"] > 0].sort_values("period_start")
    if len(frame) < 3 or frame["churned"].sum() == 0:
        raise AnalysisError("churn trend: needs at least 3 months with active customers and at least one churn "
                            f"(got {len(frame)} months, {int(frame['churned'].sum())} churns).")
    months = pd.PeriodIndex(pd.to_datetime(frame["period_start"]), freq="M")
    t = np.asarray([(m - months[0]).n for m in months], float)
    design = sm.add_constant(t)
    fit = sm.GLM(frame["churned"].to_numpy(float), design, family=sm.families.Poisson(),
                 offset=np.log(frame["n"].to_numpy(float))).fit()
    slope, se = float(fit.params[1]), float(fit.bse[1])
    z = stats.norm.ppf(0.5 + confidence / 2)
    fitted = np.exp(fit.params[0] + fit.params[1] * np.array([t[0], t[-1]]))
    return ChurnTrend(params={"const": float(fit.params[0]), "slope": slope},
                      standard_errors={"const": float(fit.bse[0]), "slope": se}, loglik=float(fit.llf),
                      months=int(t[-1] - t[0] + 1), first_month=months[0].start_time,
                      last_month=months[-1].start_time, first_rate=float(fitted[0]), last_rate=float(fitted[1]),
                      rate_ratio_12=float(np.exp(12 * slope)), ci_low=float(np.exp(12 * (slope - z * se))),
                      ci_high=float(np.exp(12 * (slope + z * se))), p_value=float(fit.pvalues[1]))
