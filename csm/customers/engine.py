"""Where the NPS / churn / CLV report meets the engine (:mod:`csm.engine`): the four tables as Ibis relations
(:func:`csm.engine.relation_in`), and the queries :func:`csm.customers.analyse` is finished from. Only aggregates
and per-customer tables (one row per customer, at most ``max_customers``) reach pandas:

- a profile per table (rows, filled values per column, first and last date): the data's range;
- NPS counts (n, promoters, detractors) of the headline and comparison periods, the whole history, per month and
  per breakdown level (the intervals and chi-square tests are computed from the counts);
- churn counts: active at the start and lost per period, per month and per sign-up cohort and month; the seed
  CLV's sums per tier;
- per customer: the customers' columns the models need; the RFM summary of the transactions (first and last
  purchase, purchases, amounts, holdout purchases); the service events of the Cox panel counted per customer
  and month (:func:`csm.customers.churn.panel_events`);
- the detractor model's rows: the responses with their surveyed ticket (the comment's sentiment is a
  per-response covariate, so the model does not reduce to covariate patterns).

Above ``max_customers`` customers the per-customer tables hold a deterministic sample: the ``max_customers``
customers with the smallest engine ``hash`` of customer_id (as the complaints' text sample); the counts and
rates above stay exact over every customer. Portable spellings as in :mod:`csm.complaints.engine`: 0/1 sums of
``ifelse`` flags, durations as microseconds elapsed, calendar parts by ``year()``/``month()``.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csm.complaints.engine import seconds_between
from csm.engine import execute, relation_in
from csm.customers import clv, nps
from csm.errors import AnalysisError, DataError, ParameterError
from csm.kpi.inputs import _flag
from csm.levels import lump_levels
from csm.stats import DETRACTOR_MAX, PROMOTER_MIN

__all__ = ["between", "cells_sum", "check_churn_flags", "check_nps", "nps_cells", "nps_monthly",
           "nps_monthly_of_cells", "profile", "scored_columns", "scored_relation", "MAX_CUSTOMERS",
           "TABLES", "Profile", "Tables", "tables", "nps_counts", "churn_counts", "cohort_counts",
           "snapshot_counts", "seed_sums", "customer_frame", "rfm_aggregates", "rfm_summary",
           "panel_events", "nps_table", "detractor_rows"]

#: per-customer tables (Kaplan–Meier, Cox, BG/NBD, Gamma-Gamma) hold at most this many customers by default.
#: Measured on the streamed sample at 1M tickets: the report's kernel peaks at 1.2 GB with 100,000 customers and
#: 2.5 GB with 293,686 (about 6.5 KB per customer, mostly the Cox panel's customer × month grid), so 250,000
#: keeps a run within the 2.5 GB goal at any size; counts, rates and NPS always use every customer.
MAX_CUSTOMERS = 250_000
TABLES = ("tickets", "responses", "customers", "transactions")
_DATES = {"tickets": ("created_at",), "responses": ("submitted_at",), "transactions": ("transaction_date",),
          "customers": ("signup_date", "churn_date")}


@dataclass(frozen=True)
class Profile:
    """One pass over a table: ``n`` rows, ``filled`` (column -> non-missing values), ``first`` / ``last``
    (date column -> first / last value, None when empty)."""

    n: int
    filled: dict
    first: dict
    last: dict

    def has(self, column: str) -> bool:
        return self.filled.get(column, 0) > 0


def _ts(value):
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


#: the columns whose filled values the analysis asks about (Tables.has)
_FILLED = {"responses": ("nps",)}


def profile(rel, table: str) -> Profile:
    """Rows, filled values of the columns in ``_FILLED`` and the date columns' first and last value: one query."""
    metrics = {"n": rel.count()}
    filled = [c for c in _FILLED.get(table, ()) if c in rel.columns]
    for i, col in enumerate(filled):
        metrics[f"f{i}"] = rel[col].count()
    dates = [c for c in _DATES.get(table, ()) if c in rel.columns]
    for i, col in enumerate(dates):
        metrics[f"lo{i}"] = rel[col].min()
        metrics[f"hi{i}"] = rel[col].max()
    row = execute(rel.aggregate(**metrics)).iloc[0]
    return Profile(int(row["n"] or 0), {c: int(row[f"f{i}"] or 0) for i, c in enumerate(filled)},
                   {c: _ts(row[f"lo{i}"]) for i, c in enumerate(dates)},
                   {c: _ts(row[f"hi{i}"]) for i, c in enumerate(dates)})


@dataclass
class Tables:
    """The four tables of ``data`` as relations (None when absent) with their profiles, and the customer sample:
    ``population`` (customers in the customers table, else distinct buyers), ``sample`` (a relation of the
    sampled customer_ids, None when every customer is used)."""

    rel: dict
    prof: dict
    population: int = 0
    sample: object = None
    max_customers: int = MAX_CUSTOMERS

    def __getitem__(self, name):
        return self.rel.get(name)

    def has(self, table: str, *columns: str) -> bool:
        p = self.prof.get(table)
        return p is not None and all(p.has(c) for c in columns)

    @property
    def sampled(self) -> bool:
        return self.sample is not None

    def restrict(self, rel):
        """``rel`` restricted to the sampled customers (as it is without a sample)."""
        return rel if self.sample is None else rel.semi_join(self.sample, "customer_id")


def tables(data, *, max_customers: int = MAX_CUSTOMERS) -> Tables:
    """The relations of ``data`` (:func:`csm.engine.relation_in`), one profile query each, and the customer sample
    when there are more than ``max_customers`` customers."""
    rel = {name: relation_in(data, name) for name in TABLES}
    rel = {k: v for k, v in rel.items() if v is not None}
    prof = {k: profile(v, k) for k, v in rel.items()}
    out = Tables(rel, prof, max_customers=int(max_customers))
    if "customers" in rel:
        ids = rel["customers"].select("customer_id")
        out.population = prof["customers"].n
    elif "transactions" in rel:
        ids = rel["transactions"].select("customer_id").filter(rel["transactions"].customer_id.notnull()).distinct()
        out.population = int(execute(ids.count().name("n").as_table())["n"].iloc[0])
    else:
        return out
    if out.population > max_customers:
        hashed = ids.mutate(_h=ids.customer_id.hash())
        out.sample = hashed.order_by([hashed._h, hashed.customer_id]).limit(int(max_customers)).select("customer_id")
    return out


# --------------------------------------------------------------------------- NPS
def check_nps(responses) -> None:
    """The responses' NPS scores are 0–10 (:func:`csm.customers.nps._scores`'s message)."""
    bad = responses.filter(responses.nps.notnull() & ((responses.nps < 0) | (responses.nps > 10)))
    n = int(execute(bad.count().name("n").as_table())["n"].iloc[0])
    if n:
        values = execute(bad.select("nps").limit(5))["nps"].tolist()
        raise DataError(f"responses.nps: {n} value(s) outside 0–10 (e.g. {values}); NPS scores must be whole "
                        "numbers 0–10.")


def scored_columns(t: Tables) -> list[str]:
    """The columns :func:`csm.customers.nps.service_history` gives the responses (response columns, the surveyed
    ticket's, the customer's tier/region/plan and the derived drivers)."""
    cols = list(t["responses"].columns)
    if t["tickets"] is not None and "ticket_id" in cols:
        cols += [c for c in ("channel", "team", "category", "region", "created_at", "first_response_at",
                             "first_contact_resolved", "escalated", "reopened", "contacts")
                 if c in t["tickets"].columns and c not in cols]
    if t["customers"] is not None:
        cols += [c for c in ("tier", "region", "plan") if c in t["customers"].columns and c not in cols]
    return cols


def scored_relation(t: Tables, as_of, columns):
    """The responses with an NPS score submitted by ``as_of``, with the breakdown ``columns`` as
    :func:`~csm.customers.nps.service_history` joins them (a customer's region, else the surveyed ticket's)."""
    import ibis

    r = t["responses"]
    r = r.filter(r.nps.notnull() & (r.submitted_at <= ibis.literal(pd.Timestamp(as_of).to_pydatetime())))
    tickets, customers = t["tickets"], t["customers"]
    own = [c for c in columns if c in r.columns]
    cust_cols = [c for c in ("tier", "region", "plan") if customers is not None and c in customers.columns]
    ticket_cols = [c for c in columns if tickets is not None and "ticket_id" in r.columns and c in tickets.columns
                   and c not in r.columns and c not in set(cust_cols) - {"region"}]
    keep = ["customer_id", "submitted_at", "nps", *own, *(["ticket_id"] if ticket_cols else [])]
    out = r.select(*dict.fromkeys(keep))
    if ticket_cols:
        tk = tickets.select(_tid=tickets.ticket_id, **{f"_t_{c}": tickets[c] for c in ticket_cols})
        j = out.left_join(tk, out.ticket_id == tk._tid)
        out = j.select(*[j[c] for c in out.columns], *[j[f"_t_{c}"].name(c) for c in ticket_cols])
    wanted = [c for c in cust_cols if c in columns]
    if wanted:
        cu = customers.select(_c_id=customers.customer_id, **{f"_c_{c}": customers[c] for c in wanted})
        joined = out.left_join(cu, out.customer_id == cu._c_id)
        values = {}
        for c in wanted:
            if c == "region" and "region" in out.columns:  # the customer's region, else the surveyed ticket's
                values[c] = ibis.coalesce(joined[f"_c_{c}"], joined["region"])
            else:
                values[c] = joined[f"_c_{c}"]
        out = joined.select(*[joined[c] for c in out.columns if c not in values], **values)
    return out


def nps_counts(scored, by=None, *, where=None) -> pd.DataFrame:
    """n, promoters, detractors of ``scored`` (per ``by`` level, missing levels as missing; rows ``where``)."""
    rel = scored if where is None else scored.filter(where)
    metrics = {"n": rel.count(), "promoters": _flag(rel.nps >= PROMOTER_MIN).sum(),
               "detractors": _flag(rel.nps <= DETRACTOR_MAX).sum()}
    by = [by] if isinstance(by, str) else list(by or [])
    out = execute(rel.group_by(by).aggregate(**metrics) if by else rel.aggregate(**metrics))
    for c in ("n", "promoters", "detractors"):
        out[c] = pd.to_numeric(out[c]).fillna(0).astype(float)
    for c in by:
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def nps_cells(scored, by, *, current, previous=None) -> pd.DataFrame:
    """ONE grouped count of ``scored`` by calendar month (_y, _m), the ``by`` columns and whether a response is in
    the ``current`` / ``previous`` period (_cur, _prev: 0/1), with the first and last submitted_at per cell
    (lo, hi): every NPS table of the report is a sum of these cells (:func:`cells_sum`)."""
    import ibis

    by = list(by)
    cur = _flag(between(scored.submitted_at, current.start, current.end))
    prev = _flag(between(scored.submitted_at, previous.start, previous.end)) if previous is not None else \
        ibis.literal(0).cast("int64")
    rel = scored.mutate(_y=scored.submitted_at.year(), _m=scored.submitted_at.month(), _cur=cur, _prev=prev)
    out = execute(rel.group_by(["_y", "_m", *by, "_cur", "_prev"]).aggregate(
        n=rel.count(), promoters=_flag(rel.nps >= PROMOTER_MIN).sum(), detractors=_flag(rel.nps <= DETRACTOR_MAX).sum(),
        lo=rel.submitted_at.min(), hi=rel.submitted_at.max()))
    for c in ("n", "promoters", "detractors"):
        out[c] = pd.to_numeric(out[c]).fillna(0).astype(float)
    for c in by:
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def cells_sum(cells: pd.DataFrame, by=None, *, where=None) -> pd.DataFrame:
    """n, promoters, detractors summed over the ``cells`` (of :func:`nps_cells`) per ``by`` level (missing levels
    kept as missing; rows ``where``, a boolean mask)."""
    c = cells if where is None else cells[where]
    metrics = ["n", "promoters", "detractors"]
    by = [by] if isinstance(by, str) else list(by or [])
    if not by:
        return pd.DataFrame({m: [float(c[m].sum())] for m in metrics})
    out = c.groupby(by, dropna=False, sort=False)[metrics].sum().reset_index()
    for col in by:
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def nps_monthly_of_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """NPS counts per calendar month (column period_start) from the :func:`nps_cells`."""
    out = cells_sum(cells, ["_y", "_m"])
    out["period_start"] = pd.to_datetime({"year": out["_y"].astype(int), "month": out["_m"].astype(int), "day": 1})
    return out.sort_values("period_start").reset_index(drop=True)[["period_start", "n", "promoters", "detractors"]]


def nps_monthly(scored) -> pd.DataFrame:
    """NPS counts per calendar month of submitted_at (column period_start)."""
    rel = scored.mutate(_y=scored.submitted_at.year(), _m=scored.submitted_at.month())
    out = nps_counts(rel, ["_y", "_m"])
    out["period_start"] = pd.to_datetime({"year": out["_y"].astype(int), "month": out["_m"].astype(int), "day": 1})
    return out.sort_values("period_start").reset_index(drop=True)[["period_start", "n", "promoters", "detractors"]]


def nps_table(counts: pd.DataFrame, by: str | None = None, max_levels: int | None = None) -> pd.DataFrame:
    """:func:`nps.nps_table` from engine counts: levels beyond ``max_levels`` lumped, missing as "unknown"."""
    if by is None:
        return nps.nps_table_from_counts(counts)
    c = counts
    if max_levels is not None and c[by].notna().any():
        c = lump_levels(c.assign(**{by: c[by].astype(object)}), by, max_levels, weight="n")
    c = c.assign(**{by: c[by].astype(object).where(c[by].notna(), "unknown")})
    g = c.groupby(by, sort=True)[["n", "promoters", "detractors"]].sum().reset_index()
    return nps.nps_table_from_counts(g, by)


def between(col, start, end):
    """``start <= col < end`` (a half-open period)."""
    import ibis

    return (col >= ibis.literal(pd.Timestamp(start).to_pydatetime())) & (
        col < ibis.literal(pd.Timestamp(end).to_pydatetime()))


# --------------------------------------------------------------------------- churn
def check_churn_flags(customers) -> None:
    """Customers marked churned without a churn_date are refused (:func:`csm.customers.churn._churn_dates`)."""
    if "churned" not in customers.columns:
        return
    bad = customers.filter(customers.churned.fill_null(False) & customers.churn_date.isnull())
    n = int(execute(bad.count().name("n").as_table())["n"].iloc[0])
    if n:
        ids = sorted(execute(bad.select("customer_id").order_by("customer_id").limit(5))["customer_id"].tolist())
        raise DataError(f"customers: {n} customer(s) have churned = true but no churn_date "
                        f"(e.g. {ids}); give their churn date or set churned to false.")


def _lit(ts):
    import ibis

    return ibis.literal(pd.Timestamp(ts).to_pydatetime())


def _active_lost(c, start, end):
    active = (c.signup_date < _lit(start)) & (c.churn_date.isnull() | (c.churn_date >= _lit(start)))
    return _flag(active).sum(), _flag(active & c.churn_date.notnull() & (c.churn_date < _lit(end))).sum()


def churn_counts(customers, periods) -> list[tuple[int, int]]:
    """(active at the start, lost before the end) per (start, end) of ``periods``: :func:`csm.customers.churn.
    churn_counts` in one query (customers without a sign-up date are in neither count)."""
    metrics = {}
    for i, (start, end) in enumerate(periods):
        metrics[f"n{i}"], metrics[f"k{i}"] = _active_lost(customers, start, end)
    row = execute(customers.aggregate(**metrics)).iloc[0]
    return [(int(row[f"n{i}"] or 0), int(row[f"k{i}"] or 0)) for i in range(len(periods))]


def _month_bounds(start, end):
    months = pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq="M")
    return [(m.start_time, (m + 1).start_time) for m in months]


def cohort_counts(customers, *, start, end, cohort_freq: str = "Q"):
    """Per sign-up cohort (year and month of signup_date, labelled as ``Period(…, cohort_freq)``) and calendar
    month in [start, end]: active at the month start and lost in it. Returns (monthly counts over all customers
    as :func:`csm.customers.churn.monthly_churn_from_counts` takes them, the same per cohort with column
    _cohort, customers per cohort)."""
    bounds = _month_bounds(start, end)
    c = customers.mutate(_y=customers.signup_date.year(), _m=customers.signup_date.month())
    metrics = {"customers": c.count()}
    for i, (ms, me) in enumerate(bounds):
        metrics[f"n{i}"], metrics[f"k{i}"] = _active_lost(c, ms, me)
    g = execute(c.group_by(["_y", "_m"]).aggregate(**metrics))
    label = [("NaT" if pd.isna(y) else str(pd.Period(pd.Timestamp(int(y), int(m), 1), cohort_freq)))
             for y, m in zip(g["_y"], g["_m"])]
    g = g.assign(_cohort=label)
    per_cohort = g.drop(columns=["_y", "_m"]).groupby("_cohort", sort=True).sum()
    all_rows, cohort_rows = [], []
    for i, (ms, _) in enumerate(bounds):
        n_all = float(per_cohort[f"n{i}"].sum())
        if n_all > 0:
            all_rows.append({"period_start": ms, "group": "all", "n": n_all, "churned": float(per_cohort[f"k{i}"].sum())})
        for cohort, r in per_cohort.iterrows():
            if r[f"n{i}"] > 0:
                cohort_rows.append({"period_start": ms, "group": cohort, "n": float(r[f"n{i}"]),
                                    "churned": float(r[f"k{i}"])})
    sizes = per_cohort["customers"].astype("int64")
    sizes.index.name = None
    return pd.DataFrame(all_rows), pd.DataFrame(cohort_rows).rename(columns={"group": "_cohort"}), sizes


def snapshot_counts(customers, as_of) -> tuple[int, int]:
    """:func:`csm.customers.churn.churn_share`'s counts: signed up by ``as_of``, of them churned by then."""
    known = customers.signup_date <= _lit(as_of)
    lost = known & customers.churn_date.notnull() & (customers.churn_date <= _lit(as_of))
    row = execute(customers.aggregate(n=_flag(known).sum(), k=_flag(lost).sum())).iloc[0]
    return int(row["n"] or 0), int(row["k"] or 0)


def seed_sums(customers, *, as_of, by: str) -> pd.DataFrame:
    """:func:`csm.customers.clv.seed_clv`'s sums per group (customers signed up by ``as_of``): customers,
    churned, customer_years, revenue, max_observed_years."""
    import ibis

    c = customers.filter(customers.signup_date <= _lit(as_of))
    churned = c.churn_date.notnull() & (c.churn_date <= _lit(as_of))
    end = ibis.ifelse(churned, c.churn_date, _lit(as_of))
    years = seconds_between(end, c.signup_date) / (365.25 * 86400)
    years = ibis.ifelse(years < 0, 0.0, years)
    group = c[by].cast("string") if by in c.columns else ibis.literal("all")
    c = c.mutate(_g=group, _years=years, _churned=_flag(churned), _revenue=c.revenue.fill_null(0.0))
    out = execute(c.group_by("_g").aggregate(customers=c.count(), churned=c._churned.sum(),
                                             customer_years=c._years.sum(), revenue=c._revenue.sum(),
                                             max_observed_years=c._years.max()))
    out["_g"] = out["_g"].astype(object).where(out["_g"].notna(), "unknown")
    out = out.groupby("_g", sort=True).agg(customers=("customers", "sum"), churned=("churned", "sum"),
                                           customer_years=("customer_years", "sum"), revenue=("revenue", "sum"),
                                           max_observed_years=("max_observed_years", "max"))
    out["customers"] = out["customers"].astype("int64")
    out["churned"] = out["churned"].astype(float)
    out.index.name = "g"
    return out


# --------------------------------------------------------------------------- per-customer tables
def customer_frame(t: Tables, columns) -> pd.DataFrame:
    """The customers' ``columns`` (those present; customer_id first), one row per (sampled) customer, sorted by
    customer_id."""
    c = t["customers"]
    cols = list(dict.fromkeys(["customer_id", *[x for x in columns if x in c.columns]]))
    out = execute(t.restrict(c).select(*cols))
    return out.sort_values("customer_id", kind="stable").reset_index(drop=True)


def _obs_end(t: Tables, tx, end):
    """``tx`` with ``_end``: min(end, the customer's churn date) (the observation end of the purchase models)."""
    import ibis

    customers = t["customers"]
    if customers is None or "churn_date" not in customers.columns:
        return tx.mutate(_end=_lit(end))
    cu = customers.select(_cid=customers.customer_id, _churn=customers.churn_date)
    j = tx.left_join(cu, tx.customer_id == cu._cid)
    early = j._churn.notnull() & (j._churn < _lit(end))
    return j.select(*[j[c] for c in tx.columns], _end=ibis.ifelse(early, j._churn, _lit(end)))


def rfm_aggregates(t: Tables, *, calibration_end, holdout_end=None):
    """Per (sampled) customer the calibration purchases' first and last transaction_date, count, first_amount
    (the first non-missing amount, ties by transaction_id, else amount) and total; with ``holdout_end`` also the
    holdout purchases per customer. Returns (aggregates indexed by customer_id, holdout Series or None), as
    :func:`csm.customers.clv.rfm_from_aggregates` takes them."""
    import ibis

    tx = t["transactions"]
    tx = t.restrict(tx.filter(tx.transaction_date.notnull()))
    tie = "transaction_id" if "transaction_id" in tx.columns else "amount"
    base = tx.select(*dict.fromkeys(["customer_id", "transaction_date", "amount", tie]))
    cal = _obs_end(t, base, calibration_end)
    cal = cal.filter((cal.transaction_date <= _lit(calibration_end)) & (cal.transaction_date <= cal._end))
    agg = cal.group_by("customer_id").aggregate(first=cal.transaction_date.min(), last=cal.transaction_date.max(),
                                                count=cal.count(), total=cal.amount.sum())
    priced = cal.filter(cal.amount.notnull())
    w = ibis.window(group_by=priced.customer_id, order_by=[priced.transaction_date, priced[tie], priced.amount])
    firsts = priced.mutate(_rn=ibis.row_number().over(w))
    firsts = firsts.filter(firsts._rn == 0).select(_fid=firsts.customer_id, first_amount=firsts.amount)
    joined = agg.left_join(firsts, agg.customer_id == firsts._fid)
    out = execute(joined.select(*[joined[c] for c in agg.columns], joined.first_amount))
    out = out.set_index("customer_id").sort_index()
    out["count"] = out["count"].astype("int64")
    out["total"] = out["total"].astype(float).fillna(0.0)
    out["first_amount"] = out["first_amount"].astype(float)
    for c in ("first", "last"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
    holdout = None
    if holdout_end is not None:
        h = _obs_end(t, base, holdout_end)
        h = h.filter((h.transaction_date > _lit(calibration_end)) & (h.transaction_date <= _lit(holdout_end))
                     & (h.transaction_date <= h._end))
        held = execute(h.group_by("customer_id").aggregate(n=h.count()))
        holdout = held.set_index("customer_id")["n"].astype("int64")
    return out, holdout


def rfm_summary(t: Tables, *, calibration_end, observation_end, time_unit, holdout_end=None) -> pd.DataFrame:
    """:func:`clv.rfm_summary` of the (sampled) customers' transactions, aggregated in the engine."""
    # the table's emptiness and columns checked as for a frame (one profile row says both)
    clv._check_transactions(pd.DataFrame(index=range(min(t.prof["transactions"].n, 1)),
                                         columns=list(t["transactions"].columns)))
    if time_unit not in clv.TIME_UNITS:
        raise ParameterError(f"time_unit must be one of {list(clv.TIME_UNITS)}, got {time_unit!r}.")
    cal_end = pd.Timestamp(calibration_end)
    if holdout_end is not None and pd.Timestamp(holdout_end) <= cal_end:
        raise ParameterError(f"holdout_end ({pd.Timestamp(holdout_end):%Y-%m-%d}) must be after calibration_end "
                             f"({cal_end:%Y-%m-%d}).")
    agg, holdout = rfm_aggregates(t, calibration_end=cal_end, holdout_end=holdout_end)
    if agg.empty:
        raise AnalysisError(f"No purchases on or before the calibration end {cal_end:%Y-%m-%d}; choose a later "
                            "calibration end.")
    return clv.rfm_from_aggregates(agg, calibration_end=cal_end, observation_end=observation_end,
                                   holdout_end=holdout_end, frequency_holdout=holdout, time_unit=time_unit)


def panel_events(t: Tables, months, *, start, as_of, slow_hours: float = 24.0) -> dict:
    """:func:`csm.customers.churn.panel_events` in the engine: per service covariate, the events counted per
    (sampled) customer and counts_from (the number of the ``months`` starts at or before the event)."""
    import ibis

    tickets, responses, customers = t["tickets"], t["responses"], t["customers"]
    known = t.restrict(customers.select("customer_id"))

    first = pd.Timestamp(months[0])
    step = slow_hours * 3600.0
    shift = ibis.interval(int(step), unit="s") if step == int(step) else ibis.interval(round(step * 1e6), unit="us")

    def month_parts(ts_expr, name):
        """The calendar year and month of ``ts_expr`` (grouped on; the month index is computed in pandas:
        DuckDB 2.0.1 miscomputes ``(year − y0)·12 + month`` of a nanosecond timestamp inside a grouped query)."""
        return {f"{name}_y": ts_expr.year(), f"{name}_m": ts_expr.month()}

    def month_index(frame, name):
        """searchsorted(months, ts, side="right") for ts ≥ the first month start: the calendar months from the
        first month start's month to ts's, plus one (months are consecutive month starts; capped later)."""
        y, m = (pd.to_numeric(frame[f"{name}_{k}"]).astype("int64") for k in ("y", "m"))
        return (y - first.year) * 12 + m - first.month + 1

    tk = tickets.filter(tickets.created_at >= _lit(start)).semi_join(known, "customer_id")
    cols = tk.columns
    fcr = tk.first_contact_resolved if "first_contact_resolved" in cols else None
    flags = {
        "fcr_failed_tickets": (fcr == False) if fcr is not None else ibis.literal(False),  # noqa: E712
        "fcr_resolved_tickets": (fcr == True) if fcr is not None else ibis.literal(False),  # noqa: E712
        "escalations": (tk.escalated == True) if "escalated" in cols else ibis.literal(False),  # noqa: E712
    }
    if "resolved_at" in cols:
        open_slow = seconds_between(_lit(as_of), tk.created_at) / 3600 > slow_hours
        slow = ibis.ifelse(tk.resolved_at.isnull(), open_slow,
                           seconds_between(tk.resolved_at, tk.created_at) / 3600 > slow_hours)
        slow_from = tk.created_at + shift
    else:
        slow, slow_from = ibis.literal(False), None
    e = tk.mutate(**month_parts(tk.created_at, "_c"), **{f"_{k}": _flag(v) for k, v in flags.items()},
                  _slow=_flag(slow), **(month_parts(slow_from, "_s") if slow_from is not None else {}))
    out = {}
    grouped = execute(e.group_by(["customer_id", "_c_y", "_c_m"]).aggregate(**{k: e[f"_{k}"].sum() for k in flags}))
    grouped["_from"] = month_index(grouped, "_c")
    for k in flags:
        out[k] = grouped[["customer_id", "_from", k]]
    key = "_s" if slow_from is not None else "_c"
    s = e.filter(e._slow == 1)
    slow_rows = execute(s.group_by(["customer_id", f"{key}_y", f"{key}_m"]).aggregate(slow_resolutions=s.count()))
    out["slow_resolutions"] = slow_rows.assign(_from=month_index(slow_rows, key))[["customer_id", "_from",
                                                                                    "slow_resolutions"]]
    if responses is not None and "nps" in responses.columns:
        r = responses.filter((responses.submitted_at >= _lit(start)) & (responses.nps <= DETRACTOR_MAX))
        r = r.semi_join(known, "customer_id")
        r = r.mutate(**month_parts(r.submitted_at, "_r"))
        rows = execute(r.group_by(["customer_id", "_r_y", "_r_m"]).aggregate(detractor_responses=r.count()))
        out["detractor_responses"] = rows.assign(_from=month_index(rows, "_r"))[["customer_id", "_from",
                                                                                 "detractor_responses"]]
    order = ["fcr_failed_tickets", "fcr_resolved_tickets", "slow_resolutions", "escalations", "detractor_responses"]
    events = {}
    for k in order:
        if k not in out:
            continue
        f = out[k].rename(columns={"_from": "counts_from", k: "count"})
        f = f[pd.to_numeric(f["count"]).fillna(0) > 0].copy()
        f["counts_from"] = f["counts_from"].astype("int64")
        f["count"] = f["count"].astype("int64")
        events[k] = f.sort_values(["customer_id", "counts_from"], kind="stable").reset_index(drop=True)
    return events


def detractor_rows(t: Tables, as_of) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The detractor model's inputs: the (sampled) customers' responses with an NPS score submitted by ``as_of``
    (customer_id, ticket_id, submitted_at, nps, comment) and their surveyed tickets (the columns
    :func:`csm.customers.nps.service_history` reads), sorted."""
    r = t["responses"]
    r = t.restrict(r.filter(r.nps.notnull() & (r.submitted_at <= _lit(as_of))))
    rcols = [c for c in ("response_id", "customer_id", "ticket_id", "submitted_at", "nps", "comment") if c in r.columns]
    r = r.select(*rcols)
    tickets = t["tickets"]
    tcols = [c for c in ("ticket_id", "channel", "team", "category", "region", "created_at", "first_response_at",
                         "first_contact_resolved", "escalated", "reopened", "contacts") if c in tickets.columns]
    ids = r.select(_tid=r.ticket_id)
    tsel = tickets.select(*tcols)
    surveyed = tsel.semi_join(ids, tsel.ticket_id == ids._tid)
    rows = execute(r)
    order = [c for c in ("submitted_at", "response_id", "customer_id", "ticket_id") if c in rows.columns]
    rows = rows.sort_values(order, kind="stable").reset_index(drop=True)
    tk = execute(surveyed).sort_values("ticket_id", kind="stable").reset_index(drop=True)
    return rows, tk

