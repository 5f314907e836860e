"""The NPS / churn / CLV report's analysis: :func:`analyse` turns a loaded Dataset into a :class:`CustomersResult`.

Every number notebooks/nps_churn_clv shows or records is computed here (the notebook only shows and records):

- the headline period and its comparison (:func:`csm.periods.resolve_periods` on the data's range), everything
  as of the end of the headline period;
- NPS of the period, its change, the whole history, breakdowns with a chi-square test per breakdown, the
  difference of two segments and the monthly trend (:mod:`csm.customers.nps`);
- the detractor model on the surveyed ticket's service history, with the comment's sentiment beside it;
- the churn rate of the period (the KPI scorecard's definition, :func:`csm.customers.churn.churn_rate`; a
  snapshot's churned share when the churn dates were derived from a flag), the monthly churn rate and its trend,
  cohort churn rates, Kaplan–Meier retention with log-rank tests, the Cox model (service covariates from the
  tickets, else customer attributes) and the at-risk list;
- the simple-formula CLV, BG/NBD, MBG/NBD and Gamma-Gamma, expected CLV per active customer, model tiers, the
  holdout check and the one-time buyers' P(alive) (:mod:`csm.customers.clv`).

What the data cannot support is a :class:`csm.notes.Skipped` (in the order the report meets it); a model that
could not be fitted is a ``Note("fit_failed", section=…, detail=…)``. Nothing here draws, prints or words.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from csm.customers import churn, clv, engine, nps
from csm.errors import AnalysisError, CsmError, DataError, ParameterError
from csm.notes import Note, Skipped
from csm.periods import Period, resolve_periods
from csm.levels import lump_levels  # pure pandas; lives in csm.report for now (as for complaints, sentiment)

__all__ = ["CustomersResult", "RetentionGroup", "analyse", "rounded", "COX_TERM_NEEDS"]

#: the ticket / response column each service covariate of the Cox model needs
COX_TERM_NEEDS = {"fcr_failed_tickets": "tickets.first_contact_resolved",
                  "fcr_resolved_tickets": "tickets.first_contact_resolved",
                  "slow_resolutions": "tickets.resolved_at", "escalations": "tickets.escalated",
                  "detractor_responses": "responses.nps", "vip": "customers.tier"}


def _frozen(mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class RetentionGroup:
    """Kaplan–Meier curves by one customer column: ``curves`` (:func:`~csm.customers.churn.retention_curves`),
    ``at`` (retention at the quoted tenure per level) and ``logrank`` (the test row; None for a single group)."""

    by: str
    curves: pd.DataFrame
    at: pd.DataFrame
    logrank: pd.Series | None


@dataclass(frozen=True, eq=False)
class CustomersResult:
    """What notebooks/nps_churn_clv reports. ``None`` marks a part the data (or a failed fit) did not allow;
    :attr:`skipped` says which input would enable it, :attr:`notes` which fit failed and why."""

    # --- periods and inputs (``scored``: the detractor model's rows, the (sampled) customers' scored responses)
    current: Period
    previous: Period | None
    as_of: pd.Timestamp
    data_start: pd.Timestamp
    follow_up_start: pd.Timestamp
    snapshot: bool  # churn dates derived from a churn flag: no calendar churn rate
    snapshot_date: object
    has_nps: bool
    has_churn: bool
    has_tickets: bool
    has_transactions: bool
    has_customers: bool
    parameters: Mapping = field(repr=False)
    # --- NPS
    scored: pd.DataFrame | None = field(repr=False)
    nps_now: pd.Series | None
    nps_change: pd.Series | None
    nps_overall: pd.Series | None
    nps_segments: tuple
    nps_by: Mapping = field(repr=False)
    nps_tests: Mapping = field(repr=False)
    nps_compare: pd.Series | None = field(repr=False)
    nps_trend: pd.DataFrame | None = field(repr=False)
    nps_first: pd.Timestamp | None  # first and last response with a score by as_of
    nps_last: pd.Timestamp | None
    # --- detractor drivers
    drivers: nps.DetractorModel | None = field(repr=False)
    drivers_with_sentiment: nps.DetractorModel | None = field(repr=False)
    polarity: str | None
    polarity_means: pd.Series | None = field(repr=False)
    # --- churn rate, trend, cohorts
    churn_now: pd.Series | None = field(repr=False)
    monthly_churn: pd.DataFrame | None = field(repr=False)
    churn_trend: churn.ChurnTrend | None = field(repr=False)
    cohorts: pd.DataFrame | None = field(repr=False)
    # --- retention
    survival: pd.DataFrame | None = field(repr=False)
    retention_overall: pd.DataFrame | None = field(repr=False)
    retention_overall_at: pd.Series | None = field(repr=False)
    retention_absent: tuple
    retention_fallback: bool
    retention: tuple = field(repr=False)
    logrank_p: Mapping = field(repr=False)
    # --- Cox model and at-risk list
    cox: churn.CoxModel | None = field(repr=False)
    cox_kind: str | None
    panel: pd.DataFrame | None = field(repr=False)
    reference: Mapping = field(repr=False)
    cox_terms_absent: tuple
    cox_needs: str | None
    cox_left_out: Mapping = field(repr=False)
    cox_dropped_rows: int
    violated: tuple
    other_violated: tuple
    at_risk: churn.AtRiskList | None = field(repr=False)
    # --- lifetime value
    seed: pd.DataFrame | None = field(repr=False)
    rfm: pd.DataFrame | None = field(repr=False)
    bgnbd: clv.BGNBDModel | None = field(repr=False)
    mbgnbd: clv.BGNBDModel | None = field(repr=False)
    gamma_gamma: clv.GammaGammaModel | None = field(repr=False)
    clv: pd.DataFrame | None = field(repr=False)
    has_tier: bool
    tiers: pd.DataFrame | None = field(repr=False)
    recorded_vip_share: float | None
    spend_corr: float | None
    calibration_end: pd.Timestamp | None
    holdout: pd.DataFrame | None = field(repr=False)
    one_time: Mapping | None = field(repr=False)
    # --- the customers' sign-up range; the per-customer models' customers (all or a hash sample)
    signup_first: pd.Timestamp | None = None
    signup_last: pd.Timestamp | None = None
    customers_total: int = 0
    customers_used: int = 0
    # --- notes, skipped sections, the data's quality
    notes: tuple = ()
    skipped: tuple = ()
    data: object = field(repr=False, default=None)

    def note(self, section: str, where: str = "") -> Note | None:
        """The ``fit_failed`` note of ``section`` (and ``where``, e.g. "holdout"), or None."""
        return next((n for n in self.notes if n.params.get("section") == section
                     and n.params.get("where", "") == where), None)

    def skip(self, section: str) -> Skipped | None:
        """The :class:`Skipped` entry of ``section`` (e.g. "nps_by_tier"), or None."""
        return next((s for s in self.skipped if s.section == section), None)

    @property
    def holdout_total(self) -> pd.Series | None:
        """The "all customers" row of the holdout check."""
        return None if self.holdout is None else self.holdout[self.holdout["frequency_group"] == "all"].iloc[0]

    def records(self) -> dict[str, object]:
        """The results the notebook records (after its headline), in order: floats rounded to 6 significant
        digits (stable between machines; the fits converge to ~1e-8)."""
        r, cox, values, total = rounded, self.cox, self.clv, self.holdout_total
        drivers, bg, mbg, gg = self.drivers, self.bgnbd, self.mbgnbd, self.gamma_gamma
        now, churn_now = self.nps_now, self.churn_now
        return {
            "period": {"period": self.current.label, "start": self.current.start, "end": self.current.last_day,
                       "as_of": self.as_of},
            "skipped": [{"section": s.section, "needs": s.needs} for s in self.skipped],
            "nps": None if now is None else r({"value": now["estimate"], "ci_low": now["ci_low"],
                                               "ci_high": now["ci_high"], "n": now["n"],
                                               "overall": self.nps_overall["estimate"]}),
            "churn_rate": None if churn_now is None else r({
                "value": churn_now["estimate"], "ci_low": churn_now["ci_low"], "ci_high": churn_now["ci_high"],
                "n": int(churn_now["n"]), "definition": "snapshot_share" if self.snapshot else "monthly"}),
            "detractor_odds_ratios": None if drivers is None else r(
                drivers.summary.set_index("term")[["odds_ratio", "ci_low", "ci_high"]].to_dict(orient="index")),
            "cox_model": self.cox_kind if cox is not None else None,
            "cox_hazard_ratios": None if cox is None else r(
                cox.summary.set_index("term")[["hazard_ratio", "ci_low", "ci_high", "p_value"]].to_dict(orient="index")),
            "ph_check": None if cox is None else r(cox.ph_check.set_index("term")["p_value"].to_dict()),
            "logrank_p": r(dict(self.logrank_p)),
            "bgnbd": None if bg is None else r({**bg.params, "loglik": bg.loglik, "n": bg.n}),
            "mbgnbd": None if mbg is None else r({**mbg.params, "loglik": mbg.loglik}),
            "gamma_gamma": None if gg is None else r({**gg.params, "n": gg.n}),
            "holdout": None if total is None else r({"predicted": total["predicted"], "actual": total["actual"],
                                                     "customers": total["customers"]}),
            "seed_clv": None if self.seed is None else r(self.seed.set_index(self.seed.columns[0])["estimate"].to_dict()),
            "clv": None if values is None else r({"median": values["clv"].median(), "mean": values["clv"].mean(),
                                                  "total": values["clv"].sum(), "customers": len(values)}),
            "at_risk": None if self.at_risk is None else r(
                self.at_risk.table[["customer_id", "churn_probability", "main_driver"]]),
            "data_quality": self.data.quality_summary() if self.data is not None else None,
        }


def rounded(value, digits: int = 6):
    """``value`` (number, dict, list, Series, DataFrame) with floats rounded to ``digits`` significant digits, so
    recorded results are stable between machines (fits agree to about 1e-8 relative; BLAS rounding differs
    in the last bits). Non-floats pass unchanged."""
    import math

    if isinstance(value, pd.DataFrame):
        return value.apply(lambda col: col.map(lambda v: rounded(v, digits)) if col.dtype.kind == "f" else col)
    if isinstance(value, pd.Series):
        return value.map(lambda v: rounded(v, digits)) if value.dtype.kind == "f" else value
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(rounded(v, digits) for v in value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v) or v == 0:
            return v
        return round(v, digits - 1 - int(math.floor(math.log10(abs(v)))))
    return value


class _Skips:
    """Skipped sections in the order the report meets them (each once)."""

    def __init__(self):
        self.items: list[Skipped] = []

    def __call__(self, section: str, needs: str) -> None:
        entry = Skipped(section, needs)
        if entry not in self.items:
            self.items.append(entry)


def _fit_failed(section: str, exc: Exception, where: str = "") -> Note:
    params = {"section": section, "detail": str(exc).rstrip(".")}
    return Note("fit_failed", **params, **({"where": where} if where else {}))


def _dates(t: "engine.Tables", has_churn: bool) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(first, last) of each date column with a value: tickets, transactions, responses, sign-ups, churns."""
    spans = []
    for table, col in (("tickets", "created_at"), ("transactions", "transaction_date"), ("responses", "submitted_at"),
                       ("customers", "signup_date"), ("customers", "churn_date")):
        p = t.prof.get(table)
        if p is None or (col == "churn_date" and not has_churn) or p.first.get(col) is None:
            continue
        spans.append((p.first[col], p.last[col]))
    return spans


def _follow_up_start(t: "engine.Tables", has_churn: bool, data_start) -> pd.Timestamp:
    """Service covariates exist from the first ticket on; without tickets, churn rates start with the first event
    table (responses, transactions) or the first recorded churn."""
    first = {name: p.first for name, p in t.prof.items()}
    events = [first[name].get(col) for name, col in (("responses", "submitted_at"), ("transactions", "transaction_date"))
              if name in first]
    events = [e for e in events if e is not None]
    if "tickets" in first:
        start = first["tickets"].get("created_at")
    elif events:
        start = min(events)
    elif has_churn and first["customers"].get("churn_date") is not None:
        start = first["customers"]["churn_date"]
    else:
        start = data_start
    return pd.Timestamp(start).normalize()


def _lumped(frame: pd.DataFrame, column: str, max_levels: int, weight: str | None = None) -> pd.DataFrame:
    """Many levels: the largest ``max_levels`` by rows (or by ``weight``), the rest as "all others"."""
    return lump_levels(frame, column, max_levels, weight=weight)


def _nps_part(t, as_of, current: Period, previous: Period | None, skip: _Skips, *, nps_segments, nps_compare,
              max_levels) -> dict:
    """NPS of the headline period, its change, the whole history, breakdowns and whether they differ, the two
    segments compared and the monthly trend: counts in the engine, intervals and tests from the counts."""
    out = {"nps_now": None, "nps_change": None, "nps_overall": None, "nps_segments": (), "nps_by": {},
           "nps_tests": {}, "nps_trend": None, "nps_first": None, "nps_last": None, "scored_columns": ()}
    if not t.has("responses", "nps"):
        return out
    engine.check_nps(t["responses"])
    columns = engine.scored_columns(t)
    compare_by = (nps_compare or {}).get("by")
    wanted = [s for s in dict.fromkeys([*nps_segments, *([compare_by] if compare_by else [])]) if s in columns]
    cells = engine.nps_cells(engine.scored_relation(t, as_of, wanted), wanted, current=current, previous=previous)
    out.update(nps_first=engine._ts(cells["lo"].min()), nps_last=engine._ts(cells["hi"].max()),
               scored_columns=tuple(columns))
    now = engine.cells_sum(cells, where=cells["_cur"] == 1)
    if now["n"].iloc[0] > 0:
        out["nps_now"] = engine.nps_table(now).iloc[0]
    if out["nps_now"] is not None and previous is not None:
        before = engine.cells_sum(cells, where=cells["_prev"] == 1)
        if before["n"].iloc[0] > 0:
            both = pd.concat([now.assign(_p="current"), before.assign(_p="previous")], ignore_index=True)
            out["nps_change"] = nps.nps_difference_of_table(engine.nps_table(both, "_p"), "_p", "current",
                                                            "previous").iloc[0]
    out["nps_overall"] = engine.nps_table(engine.cells_sum(cells)).iloc[0]
    by_level = {s: engine.cells_sum(cells, s) for s in wanted}
    segments = [s for s in nps_segments if s in by_level and by_level[s][s].notna().any()]
    for s in nps_segments:
        if s not in segments:
            skip(f"nps_by_{s}", "tickets.channel" if s == "channel" else
                 "customers.region or tickets.region" if s == "region" else f"customers.{s}")
    tables = {s: engine.nps_table(by_level[s], s, max_levels) for s in segments}
    out.update(nps_segments=tuple(segments), nps_by=tables,
               nps_tests={s: nps.nps_group_test_of_table(tables[s]).iloc[0] for s in segments},
               nps_trend=nps.nps_table_from_counts(engine.nps_monthly_of_cells(cells), "period_start"),
               compare_table=engine.nps_table(by_level[compare_by], compare_by) if compare_by in by_level else None)
    return out


def _drivers_part(t, as_of, customers: pd.DataFrame | None, notes: list, *, vip_tier) -> dict:
    """The detractor model on the surveyed ticket's service history (the rows of the (sampled) customers'
    responses with their surveyed tickets), with the comment's sentiment beside it (``scored`` gains a
    ``comment_polarity`` column when there are comments)."""
    out = {"scored": None, "drivers": None, "drivers_with_sentiment": None, "polarity": None}
    if not t.has("responses", "nps") or t["tickets"] is None or "ticket_id" not in t["responses"].columns:
        return out
    rows, tickets = engine.detractor_rows(t, as_of)
    scored = nps.service_history(rows, tickets, customers, vip_tier=vip_tier)
    out["scored"] = scored
    if "comment" in scored.columns and scored["comment"].notna().any():
        from csm import sentiment

        has_comment = scored["comment"].notna()
        scores = sentiment.score(scored.loc[has_comment, "comment"])
        scored = scored.assign(comment_polarity=pd.Series(np.asarray(scores["polarity"], float),
                                                          index=scored.index[has_comment]))
        out.update(scored=scored, polarity="comment_polarity")
    try:
        out["drivers"] = nps.fit_detractor_model(scored)
    except CsmError as exc:
        notes.append(_fit_failed("detractor_drivers", exc))
    if out["drivers"] is not None and out["polarity"]:
        try:
            out["drivers_with_sentiment"] = nps.fit_detractor_model(scored, polarity=out["polarity"])
        except CsmError:  # near-perfect separation: reported in words
            pass
    return out


def _churn_part(t, current: Period, previous: Period | None, as_of, follow_up_start, *, has_churn: bool,
                snapshot: bool, cohort_freq: str) -> dict:
    """The churn rate of the headline period (the scorecard's definition; a snapshot's churned share), the
    monthly churn rate over the follow-up with its Poisson trend test (rate ratio per 12 months) and the cohort
    churn rates: counts in the engine."""
    churn_now = monthly = trend = cohorts = None
    if not has_churn:
        return {"churn_now": None, "monthly_churn": None, "churn_trend": None, "cohorts": None}
    c = t["customers"]
    engine.check_churn_flags(c)
    if snapshot:
        churn_now = churn.churn_share_from_counts(*engine.snapshot_counts(c, as_of)).iloc[0]
    else:
        periods = [(current.start, current.end)] + ([(previous.start, previous.end)] if previous is not None else [])
        counts = engine.churn_counts(c, periods)
        churn_now = churn.churn_rate_from_counts(*counts[0], counts[1] if previous is not None else None).iloc[0]
        if not (churn_now["n"] > 0 and np.isfinite(churn_now["estimate"])):
            churn_now = None  # no customer active at the period start: nothing was measured, so no rate is shown
        if len(pd.period_range(pd.Timestamp(follow_up_start), pd.Timestamp(as_of), freq="M")) == 0:
            raise ParameterError(f"monthly_churn_rate: no month between {follow_up_start} and {as_of}.")
        all_rows, cohort_rows, sizes = engine.cohort_counts(c, start=follow_up_start, end=as_of,
                                                            cohort_freq=cohort_freq)
        monthly = churn.monthly_churn_from_counts(all_rows)
        try:
            trend = churn.fit_churn_trend(monthly)
        except CsmError:  # fewer than 3 months or no churn: no trend sentence
            trend = None
        cohorts = churn.cohort_churn_from_counts(cohort_rows, sizes)
    return {"churn_now": churn_now, "monthly_churn": monthly, "churn_trend": trend, "cohorts": cohorts}


def _cox_part(t, customers, as_of, follow_up_start, skip: _Skips, notes: list, *, has_churn: bool, snapshot: bool,
              vip_tier, customer_covariates, max_levels) -> dict:
    """The Cox model of churn: time-varying service covariates from the tickets, else customer attributes."""
    tickets = t["tickets"]
    out = {"cox": None, "cox_kind": None, "panel": None, "reference": {}, "cox_needs": None, "cox_terms_absent": (),
           "cox_left_out": {}, "cox_dropped_rows": 0}
    if has_churn and tickets is not None and not snapshot:
        months = churn.panel_months(follow_up_start, as_of)
        events = engine.panel_events(t, months, start=pd.Timestamp(follow_up_start).normalize(), as_of=as_of)
        panel = churn.panel_from_events(customers, events, start=follow_up_start, as_of=as_of, vip_tier=vip_tier)
        terms = [t for t in churn.SERVICE_COVARIATES if t in panel.columns and panel[t].std() > 0]
        absent = [t for t in churn.SERVICE_COVARIATES if t not in terms]
        for t in absent:
            skip(f"cox_service_term_{t}", COX_TERM_NEEDS[t])
        out.update(cox_kind="cox_service", panel=panel, cox_terms_absent=tuple(absent))
        if not terms:
            out["cox_needs"] = ", ".join(sorted(set(COX_TERM_NEEDS.values())))
            return out
        section = "cox_service"
    elif has_churn:  # customers-only (or a snapshot): a Cox model on customer attributes over tenure
        if tickets is None:
            skip("cox_service", "tickets")
        design = churn.customer_cox_frame(churn.survival_frame(customers, as_of=as_of), list(customer_covariates),
                                          max_levels=max_levels)
        out.update(cox_kind="cox_customer", panel=design.frame, reference=design.reference,
                   cox_left_out=dict(design.left_out), cox_dropped_rows=int(design.dropped_rows))
        if not design.terms:  # no usable customer column: named, nothing fitted
            out["cox_needs"] = ", ".join(f"customers.{c}" for c in customer_covariates) or "customers.<column>"
            skip("cox_customer", out["cox_needs"])
            return out
        terms, section = design.terms, "cox_customer"
    else:
        return out
    try:
        out["cox"] = churn.fit_cox(out["panel"], terms)
    except CsmError as exc:
        notes.append(_fit_failed(section, exc))
    return out


def _clv_part(t, customers, as_of, notes: list, *, has_churn: bool, margin, lifetime_cap_years, min_churners, time_unit,
              horizon_months, annual_discount_rate) -> dict:
    """The simple formula per tier, the purchase and spend models and the expected CLV per active customer."""
    out = {"seed": None, "rfm": None, "bgnbd": None, "mbgnbd": None, "gamma_gamma": None, "clv": None,
           "active_ids": None, "observation_end": None}
    c = t["customers"]
    if has_churn and "revenue" in c.columns:
        seed_by = next((col for col in ("tier", "plan") if col in c.columns), None) or "all"
        out["seed"] = clv.seed_clv_from_sums(engine.seed_sums(c, as_of=as_of, by=seed_by), by=seed_by, margin=margin,
                                             lifetime_cap_years=lifetime_cap_years, min_churners=min_churners)
    if t["transactions"] is None:
        return out
    observation_end = customers.set_index("customer_id")["churn_date"] if has_churn else None  # T ends at churn
    summary = engine.rfm_summary(t, calibration_end=as_of, observation_end=observation_end, time_unit=time_unit)
    out.update(rfm=summary, observation_end=observation_end)
    try:
        bgnbd = clv.fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
        gamma_gamma = clv.fit_gamma_gamma(summary["frequency"], summary["monetary_value"])
        mbgnbd = clv.fit_mbgnbd(summary["frequency"], summary["recency"], summary["T"])
    except CsmError as exc:
        notes.append(_fit_failed("purchase_models", exc))
        return out
    active_ids = (customers.loc[customers["churn_date"].isna() | (customers["churn_date"] > as_of), "customer_id"]
                  if has_churn else pd.Series(summary.index))
    active = summary[summary.index.isin(active_ids)]
    values = clv.discounted_clv(bgnbd, gamma_gamma, active, horizon_months=horizon_months,
                                annual_discount_rate=annual_discount_rate, margin=margin, time_unit=time_unit)
    has_tier = customers is not None and "tier" in customers.columns
    tier = customers.set_index("customer_id")["tier"] if has_tier else pd.Series(dtype="str")
    out.update(bgnbd=bgnbd, mbgnbd=mbgnbd, gamma_gamma=gamma_gamma, active_ids=active_ids,
               clv=values.join(tier.rename("tier")))
    return out


def _retention_part(customers, as_of, skip: _Skips, *, retention_by, retention_months, max_levels) -> dict:
    """Kaplan–Meier retention overall and by each requested column (many levels lumped), with log-rank tests."""
    survival = churn.survival_frame(customers, as_of=as_of)
    requested = list(retention_by or [])
    groups = [g for g in requested if g in survival.columns and survival[g].notna().any()]
    absent = [g for g in requested if g not in groups]
    for g in absent:
        skip(f"retention_by_{g}", f"customers.{g}")
    fallback = bool(absent) and not groups and "plan" in survival.columns and survival["plan"].notna().any()
    groups = ["plan"] if fallback else groups
    overall = churn.retention_curves(survival.assign(all="all"), "all")
    retention, logrank_p = [], {}
    for g in groups:
        lumped = _lumped(survival, g, max_levels)
        curves = churn.retention_curves(lumped, g)
        try:
            lr = churn.logrank_test(lumped, g).iloc[0]
            logrank_p[g] = lr["p_value"]
        except AnalysisError:  # a single group
            lr = None
        retention.append(RetentionGroup(g, curves, churn.median_retention_at(curves, g, retention_months), lr))
    return {"survival": survival, "retention_overall": overall,
            "retention_overall_at": churn.median_retention_at(overall, "all", retention_months).iloc[0],
            "retention_absent": tuple(absent), "retention_fallback": fallback, "retention": tuple(retention),
            "logrank_p": logrank_p}


def _at_risk_part(cox_part: dict, notes: list, *, at_risk_top, at_risk_horizon_months, at_risk_min_customers) -> dict:
    """The at-risk list; the category column failing the PH check most clearly (largest |rho|) gets its own
    baseline hazard per level (a stratified model: few strata, so each keeps enough customers); other violations
    of the check are a caveat."""
    cox = cox_part["cox"]
    out = {"at_risk": None, "violated": (), "other_violated": ()}
    if cox is None:
        return out
    ph = cox.ph_check
    violated = ph.loc[ph["p_value"] < 0.01, "term"].tolist()
    failing = ph[ph["term"].isin(violated) & ph["term"].str.contains("=", regex=False)]
    strata = ([failing.loc[failing["rho"].abs().idxmax(), "term"].split("=", 1)[0]]
              if cox_part["cox_kind"] == "cox_customer" and len(failing) else [])
    out.update(violated=tuple(violated), other_violated=tuple(t for t in violated if t.split("=", 1)[0] not in strata))
    try:
        out["at_risk"] = churn.at_risk_customers(cox_part["panel"], cox, horizon_months=at_risk_horizon_months,
                                                 top=at_risk_top, min_at_risk=at_risk_min_customers, strata=strata,
                                                 reference=cox_part["reference"])
    except CsmError as exc:
        notes.append(_fit_failed("at_risk", exc))
    return out


def _clv_checks(t, customers, current: Period, as_of, clv_part: dict, notes: list, *, has_tier: bool, vip_share,
                vip_tier,
                holdout_months, time_unit) -> dict:
    """Model tiers against the recorded tier, spend vs frequency, the holdout check of the purchase model and the
    one-time buyers' P(alive) under MBG/NBD (BG/NBD says 1)."""
    out = {"tiers": None, "recorded_vip_share": None, "spend_corr": None, "calibration_end": None, "holdout": None,
           "one_time": None}
    values, summary, bgnbd = clv_part["clv"], clv_part["rfm"], clv_part["bgnbd"]
    if values is not None and has_tier:
        tiers = clv.model_tiers(values["clv"], customers.set_index("customer_id")["tier"], top_share=vip_share,
                                vip_label=vip_tier)
        top_vip = tiers[(tiers["model_tier"] == vip_tier)]
        out.update(tiers=tiers, recorded_vip_share=float(
            top_vip.loc[top_vip["recorded_tier"] == vip_tier, "customers"].sum() / max(top_vip["customers"].sum(), 1)))
    if bgnbd is None:
        return out
    repeat = summary.loc[summary["frequency"] > 0, ["frequency", "monetary_value"]]
    calibration_end = current.end - pd.DateOffset(months=holdout_months) - pd.Timedelta(seconds=1)
    out.update(spend_corr=float(np.corrcoef(repeat.T)[0, 1]), calibration_end=calibration_end)
    cal = engine.rfm_summary(t, calibration_end=calibration_end, holdout_end=as_of, observation_end=clv_part["observation_end"],
               time_unit=time_unit)
    try:
        out["holdout"] = clv.holdout_comparison(clv.fit_bgnbd(cal["frequency"], cal["recency"], cal["T"]), cal)
    except CsmError as exc:
        notes.append(_fit_failed("purchase_models", exc, where="holdout"))
    buyers = summary[(summary["frequency"] == 0) & summary.index.isin(clv_part["active_ids"])]
    p_alive = clv_part["mbgnbd"].p_alive(buyers["frequency"], buyers["recency"], buyers["T"])
    out["one_time"] = _frozen({"share": 100 * len(buyers) / max(len(summary), 1), "n": len(buyers),
                               "median": float(np.median(p_alive)) if len(buyers) else float("nan"),
                               "low": float(np.quantile(p_alive, 0.1)) if len(buyers) else float("nan")})
    return out


def analyse(data, *, period: str = "latest", comparison: str | None = "previous",
            nps_segments=("tier", "region", "channel"), nps_compare: Mapping | None = None, vip_tier: str = "VIP",
            retention_by=("tier", "region"), retention_months: float = 12, cohort_freq: str = "Q",
            customer_covariates=("tier", "region", "plan"), max_levels: int = 10, at_risk_top: int = 20,
            at_risk_horizon_months: float = 3, at_risk_min_customers: int = 100, time_unit: str = "W",
            holdout_months: int = 6, horizon_months: int = 12, annual_discount_rate: float = 0.10,
            margin: float = 1.0, lifetime_cap_years: float = 5, min_churners: int = 20, vip_share: float = 0.10,
            currency: str = "CNY", max_customers: int = engine.MAX_CUSTOMERS, progress=None) -> CustomersResult:
    """NPS, detractor drivers, churn, retention, the Cox model, the at-risk list and CLV of ``data`` (a
    :class:`csm.data.load.Dataset` with any of tickets, responses, customers, transactions), with the parameters
    of notebooks/nps_churn_clv under their notebook names (``currency``: of revenue, so of every CLV figure; kept in
    :attr:`CustomersResult.parameters`). ``progress(done, total)`` is called after each part.
    Counts, rates and NPS are exact over every customer (aggregated in the engine); the per-customer models
    (Kaplan–Meier, Cox, at-risk list, BG/NBD, Gamma-Gamma, CLV, the detractor model) use at most
    ``max_customers`` customers: above, a deterministic hash sample of customer_id, stated as a
    ``Note("customer_sample", …)``.
    Raises :class:`DataError` when there is nothing to report, or when the period has no data."""
    parameters = {k: v for k, v in locals().items() if k not in ("data", "progress")}
    if isinstance(max_customers, bool) or not isinstance(max_customers, (int, np.integer)) or max_customers < 1:
        raise ParameterError(f"max_customers must be a whole number ≥ 1, got {max_customers!r}.")

    def step(done, total=6):
        if progress is not None:
            progress(done, total)

    t = engine.tables(data, max_customers=max_customers)
    has_nps = t.has("responses", "nps")
    has_customers = t["customers"] is not None
    has_churn = has_customers and "churn_date" in t["customers"].columns  # churn dates (real or derived)
    derived = (getattr(data, "derived", None) or {}).get("customers", {})
    snapshot = "churn_date" in derived  # churn dates derived from a flag: no calendar
    if not (has_nps or has_churn or t["transactions"] is not None):
        raise DataError("Nothing to report: the data folder has no survey responses with NPS, no customers with "
                        "churn dates (or a churn flag derived in the mapping) and no transactions.")
    skip, notes = _Skips(), []
    spans = _dates(t, has_churn)
    data_end, data_start = max(hi for _, hi in spans), min(lo for lo, _ in spans)
    # a period without data is refused with the data's range, never reported as zeros
    current, previous = resolve_periods(period, comparison, data_end=data_end, data_start=data_start)
    as_of = current.end - pd.Timedelta(seconds=1)  # everything is as of the end of the headline period
    follow_up_start = _follow_up_start(t, has_churn, data_start)
    # the customers' columns the models need: one row per (sampled) customer
    customers = None
    if has_customers:
        wanted = ["signup_date", "churn_date", "churned", "tier", "region", "plan", *(retention_by or []),
                  *customer_covariates]
        customers = engine.customer_frame(t, wanted)

    # the models, in the order the report's skipped sections are met
    nps_part = _nps_part(t, as_of, current, previous, skip, nps_segments=nps_segments, nps_compare=nps_compare,
                         max_levels=max_levels)
    compare_table, scored_columns = nps_part.pop("compare_table", None), nps_part.pop("scored_columns")
    nps_trend = nps_part.pop("nps_trend")
    step(1)
    drivers_part = _drivers_part(t, as_of, customers, notes, vip_tier=vip_tier)
    scored = drivers_part["scored"]
    step(2)
    churn_part = _churn_part(t, current, previous, as_of, follow_up_start, has_churn=has_churn, snapshot=snapshot,
                             cohort_freq=cohort_freq)
    cohorts = churn_part.pop("cohorts")
    cox_part = _cox_part(t, customers, as_of, follow_up_start, skip, notes, has_churn=has_churn, snapshot=snapshot,
                         vip_tier=vip_tier, customer_covariates=customer_covariates, max_levels=max_levels)
    step(3)
    clv_part = _clv_part(t, customers, as_of, notes, has_churn=has_churn, margin=margin,
                         lifetime_cap_years=lifetime_cap_years, min_churners=min_churners, time_unit=time_unit,
                         horizon_months=horizon_months, annual_discount_rate=annual_discount_rate)
    step(4)

    # the sections in the report's order: what they leave out, and the parts computed for them
    if not has_churn:
        skip("churn_rate", "customers.churn_date" if has_customers else "customers")
    nps_difference = None
    if has_nps:
        if nps_compare and nps_compare.get("by") in scored_columns:
            try:
                nps_difference = nps.nps_difference_of_table(compare_table, nps_compare["by"], nps_compare["a"],
                                                             nps_compare["b"]).iloc[0]
            except CsmError as exc:  # one of the two groups has no responses
                notes.append(_fit_failed("nps_compare", exc))
        elif nps_compare:
            skip("nps_compare", f"customers.{nps_compare.get('by')}")
    else:
        skip("nps", "responses.nps")
        skip("detractor_drivers", "responses.nps")
    if has_nps and (t["tickets"] is None or "ticket_id" not in scored_columns):
        skip("detractor_drivers", "tickets" if t["tickets"] is None else "responses.ticket_id")
    polarity, polarity_means = drivers_part["polarity"], None
    if drivers_part["drivers"] is not None:
        if polarity is None:
            skip("comment_sentiment", "responses.comment")
        else:
            polarity_means = nps.polarity_by_group(scored, polarity).set_index("nps_group")["estimate"]
    if not (has_churn and not snapshot):
        skip("churn_trend", "customers.churn_date" if has_customers else "customers")
    retention_part = {"survival": None, "retention_overall": None, "retention_overall_at": None,
                      "retention_absent": (), "retention_fallback": False, "retention": (), "logrank_p": {}}
    if has_churn:
        retention_part = _retention_part(customers, as_of, skip, retention_by=retention_by,
                                         retention_months=retention_months, max_levels=max_levels)
    else:
        skip("retention", "customers.churn_date" if has_customers else "customers")
        skip("cox_service", "customers.churn_date" if has_customers else "customers")
    step(5)
    at_risk_part = _at_risk_part(cox_part, notes, at_risk_top=at_risk_top, at_risk_horizon_months=at_risk_horizon_months,
                                 at_risk_min_customers=at_risk_min_customers)
    if cox_part["cox"] is None and not has_churn:
        skip("at_risk", "customers.churn_date" if has_customers else "customers")
    elif cox_part["cox"] is None and cox_part["cox_needs"]:
        skip("at_risk", cox_part["cox_needs"])
    if clv_part["seed"] is None:
        skip("seed_clv", "customers.revenue" if has_churn else "customers.churn_date" if has_customers
             else "customers")
    if t["transactions"] is None:
        skip("purchase_models", "transactions")
    has_tier = has_customers and "tier" in t["customers"].columns
    if clv_part["clv"] is not None and not has_tier:
        skip("model_tiers", "customers.tier")
    checks = _clv_checks(t, customers, current, as_of, clv_part, notes, has_tier=has_tier, vip_share=vip_share,
                         vip_tier=vip_tier, holdout_months=holdout_months, time_unit=time_unit)
    step(6)
    clv_part.pop("active_ids")
    clv_part.pop("observation_end")
    if t.sampled:
        notes.append(_sample_note(t, retention_part, retention_months))
    signup = t.prof["customers"] if has_customers else None
    return CustomersResult(
        current=current, previous=previous, as_of=as_of, data_start=data_start, follow_up_start=follow_up_start,
        snapshot=snapshot, snapshot_date=derived["churn_date"]["when_churned"] if snapshot else None,
        has_nps=has_nps, has_churn=has_churn, has_tickets=t["tickets"] is not None,
        has_transactions=t["transactions"] is not None, has_customers=has_customers,
        parameters=_frozen(parameters), scored=scored, **_frozen_values(nps_part), nps_compare=nps_difference,
        nps_trend=nps_trend, drivers=drivers_part["drivers"], drivers_with_sentiment=drivers_part["drivers_with_sentiment"],
        polarity=polarity, polarity_means=polarity_means, **churn_part, cohorts=cohorts,
        **_frozen_values(retention_part), **_frozen_values(cox_part), **at_risk_part, **clv_part, has_tier=has_tier,
        **checks, signup_first=signup.first.get("signup_date") if signup else None,
        signup_last=signup.last.get("signup_date") if signup else None,
        customers_total=t.population, customers_used=min(t.population, t.max_customers),
        notes=tuple(notes), skipped=tuple(skip.items), data=data)


def _sample_note(t, retention_part: dict, retention_months) -> Note:
    """The per-customer models ran on a hash sample of the customers: its size, and the width of the interval
    it gives the quoted retention (percentage points; None without retention)."""
    at = retention_part.get("retention_overall_at")
    width = None if at is None else round(float(100 * (at["ci_high"] - at["ci_low"])), 3)
    return Note("customer_sample", sampled=int(t.max_customers), customers=int(t.population),
                retention_width=width, months=retention_months)


def _frozen_values(part: dict) -> dict:
    """A part's dict values frozen (read-only mappings), so the result stays immutable."""
    return {k: _frozen(v) if isinstance(v, dict) else v for k, v in part.items()}
