"""The three contract tables as engine relations under one set of KPI definitions (:class:`Inputs`), and the few
grouped queries every KPI of a set of periods is finished from (:class:`Stats`).

The heavy work runs in the engine (:mod:`csm.engine`, Ibis: DuckDB by default, Spark, PostgreSQL); only aggregates
reach pandas. Per ticket, derived columns are Ibis expressions: durations on the calendar clock (an epoch
difference) or the business clock (:meth:`BusinessCalendar.day_table` joined on the day:
``B(t) = cum[day(t)] + clamp(t − opening, 0, day length)``, duration ``B(end) − B(start)``), the first-contact
outcome, the SLA outcome as of each period's end, the complaint flag and the channel code. Then, for all the
periods an analysis needs at once:

1. *overview* — one query grouped by channel: time ranges, the latest timestamp, which FCR method applies;
2. *cells* — ONE grouped aggregation of the tickets by (elementary interval between period bounds, day of the
   control-chart window, channel): counts, successes and sums; every period, day and channel total is a sum of
   cells, so a scorecard, its trend and the daily control-chart series share one query;
3. *deviations* — the second pass of the means: ``Σ(x − cell mean)²`` per cell (the cell means joined back), merged
   per group as ``Σ M2_c + Σ n_c (mean_c − mean)²`` — the two-pass sum of squares, so SDs match a two-pass numpy
   calculation to rounding;
4. *order statistics* — exact medians and the binomial interval ranks of :func:`csm.stats.median_ci_ranks`:
   on DuckDB, two aggregations without a sort (:func:`_bracketed_ranks`: exact quantiles at fixed fractions
   around ½ bracket the wanted ranks, then the count below each bracket and the values inside it); elsewhere
   ``row_number`` per group (exact on every engine, no approximate quantile), only the ranks within
   ``(z/2)·√n + 3`` of the middle reach pandas (about ``2·√n`` rows per group);
5. the responses (cells by period; CSAT is a bounded 1–5 score: shifted sums about 3, exact to a few ulps) and
   the customers (churn counts per period: one aggregation).

A pandas frame passed in is checked column by column as before (numbers, dates, CSAT/NPS ranges, with the rows
named) and registered with the engine; an Ibis table is used as it is (the data layer validated it).
"""
from __future__ import annotations


import numpy as np
import pandas as pd
from scipy import stats as st

from csm.compat import STR
from csm.data.contract import CHANNELS
from csm.engine import as_relation, execute, is_relation
from csm.errors import DataError
from csm.kpi.calendar import NAT, NS_DAY, NS_SEC, BusinessCalendar, to_ns
from csm.notes import Note
from csm.stats import DETRACTOR_MAX, PROMOTER_MIN, median_ci_ranks

__all__ = ["Inputs", "Stats", "relation_of", "require_columns", "missing_inputs", "PeriodPlan"]

_SEC_DAY = 86400
#: the bucket of a missing time
MISSING = -(2**40)



def _flag(condition):
    """1 where ``condition`` holds, else 0 (missing counts as 0), as int64: portable (PostgreSQL casts no
    boolean to bigint)."""
    import ibis

    return ibis.ifelse(condition.fill_null(False), 1, 0).cast("int64")

def missing_inputs(*inputs: str) -> tuple:
    """Notes for missing inputs: ``"responses"`` (a table) or ``"tickets.resolved_at"`` (a column)."""
    return tuple(Note("missing_column", table=i.partition(".")[0], column=i.partition(".")[2]) if "." in i
                 else Note("missing_table", table=i) for i in inputs)


def require_columns(table_or_frame, table: str, columns: tuple[str, ...]):
    present = list(table_or_frame.columns)
    missing = [c for c in columns if c not in present]
    if missing:
        raise DataError(f"{table} table has no column(s) {missing}, required by the data contract; "
                        f"columns present: {present[:20]}. Map your column names to the contract "
                        "names when loading.")


# =========================================================================== pandas input: checked, registered
def _floats(s: pd.Series, where: str) -> pd.Series:
    if pd.api.types.is_float_dtype(s.dtype) and not isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
        return s
    try:
        return pd.Series(pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan), index=s.index)
    except (ValueError, TypeError):
        bad = pd.to_numeric(s, errors="coerce").isna() & s.notna()
        rows = (np.flatnonzero(bad.to_numpy())[:5] + 2).tolist()
        raise DataError(f"{where}: values must be numbers; rows {rows} hold "
                        f"{s[bad].head(5).tolist()}") from None


def _check_range(x: np.ndarray, lo: float, hi: float, where: str):
    bad = ~np.isnan(x) & ((x < lo) | (x > hi))
    if bad.any():
        rows = (np.flatnonzero(bad)[:5] + 2).tolist()
        raise DataError(f"{where}: values must be from {lo:g} to {hi:g}; {int(bad.sum())} row(s) outside, "
                        f"e.g. rows {rows} with values {x[bad][:5].tolist()} (row 2 = first data row)")


def _bools(s: pd.Series, where: str) -> pd.Series:
    if str(s.dtype) == "boolean":
        return s
    try:
        return s.astype("boolean")
    except (TypeError, ValueError):
        raise DataError(f"{where}: values must be true/false; found {s.dropna().unique()[:5].tolist()}") from None


def _datetimes(s: pd.Series, where: str) -> pd.Series:
    if s.dtype == "datetime64[ns]":
        return s
    return pd.Series(to_ns(s, where).view("datetime64[ns]"), index=s.index)


_KINDS = {
    "tickets": {"created_at": "dt", "first_response_at": "dt", "resolved_at": "dt", "handle_time_minutes": "num",
                "contacts": "num", "first_contact_resolved": "bool", "channel": "str"},
    "responses": {"submitted_at": "dt", "csat": "num", "nps": "num"},
    "customers": {"signup_date": "dt", "churn_date": "dt", "churned": "bool"},
}
_RANGES = {"responses": {"csat": (1, 5), "nps": (0, 10)}}


def relation_of(obj, table: str):
    """``obj`` (None, a pandas frame or an Ibis table) as an Ibis table. A frame's KPI columns are checked and
    given their canonical types first (a column already canonical is not copied)."""
    if obj is None or is_relation(obj):
        return obj
    frame = obj
    changed = {}
    for col, kind in _KINDS[table].items():
        if col not in frame.columns:
            continue
        s, where = frame[col], f"{table}.{col}"
        if kind == "dt":
            new = _datetimes(s, where)
        elif kind == "num":
            new = _floats(s, where)
        elif kind == "bool":
            new = _bools(s, where)
        else:
            new = s if s.dtype == object or isinstance(s.dtype, pd.StringDtype) else s.astype(STR).where(s.notna())
        if new is not s:
            changed[col] = new
        lo_hi = _RANGES.get(table, {}).get(col)
        if lo_hi:
            _check_range(new.to_numpy(dtype=float, na_value=np.nan), *lo_hi, where)
    if changed:
        frame = frame.assign(**changed)
    return as_relation(frame)


# =========================================================================== the periods of one computation
class PeriodPlan:
    """The distinct periods ``[start, end)`` (int64 ns) an analysis needs, cut into elementary intervals by every
    bound, and grouped into families of non-overlapping periods (a period of a scorecard that is also a month of
    the trend is computed once)."""

    def __init__(self, periods, window=None):
        """``window``: ``(lo_ns | None, hi_ns | None)`` of a daily series that must also roll up from the cells."""
        uniq = sorted({(int(s), int(e)) for s, e in periods})
        self.periods = uniq
        self.index = {p: i for i, p in enumerate(uniq)}
        self.bounds = np.array(sorted({b for p in uniq for b in p}), dtype=np.int64)
        self.families: list[list[int]] = []
        for i, (s, e) in enumerate(uniq):
            for fam in self.families:
                if all(e <= uniq[j][0] or s >= uniq[j][1] for j in fam):
                    fam.append(i)
                    break
            else:
                self.families.append([i])
        # buckets: days when every bound is a midnight (the usual case: a Period is made of whole days), else the
        # elementary intervals between the bounds
        edges = list(self.bounds) + [x for x in (window or ()) if x is not None]
        self.by_day = all(int(x) % NS_DAY == 0 for x in edges)
        if self.by_day:
            self.buckets = [np.arange(s // NS_DAY, e // NS_DAY) for s, e in uniq]
        else:
            self.buckets = [np.arange(np.searchsorted(self.bounds, s), np.searchsorted(self.bounds, e))
                            for s, e in uniq]

    def ids(self, starts, ends) -> np.ndarray:
        return np.array([self.index[(int(s), int(e))] for s, e in zip(starts, ends)], dtype=np.int64)

    def bucket_expr(self, ts, es=None):
        """The bucket of each time: its day number (``es``: its epoch seconds) or the index of the elementary
        interval holding it (−1: outside every period); :data:`MISSING` for a missing time."""
        import ibis

        if self.by_day:
            es = _epoch(ts) if es is None else es
            return (es / _SEC_DAY).floor().cast("int64").fill_null(MISSING)
        b = self.bounds
        if len(b) < 2:
            return ibis.literal(-1, "int64")
        lits = [ibis.literal(pd.Timestamp(int(x))) for x in b]
        cases = [(ts < lits[0], -1)] + [(ts < lits[i + 1], i) for i in range(len(b) - 1)]
        return ibis.cases(*cases, else_=-1).cast("int64")

    def bucket_case(self, bucket, f: int, values: dict[int, object], default=None):
        """A case on the bucket column: the value of the period of family ``f`` holding the bucket."""
        import ibis

        pairs = []
        for p in self.families[f]:
            bk = self.buckets[p]
            if len(bk) == 0:
                continue
            cond = bucket == int(bk[0]) if len(bk) == 1 else bucket.between(int(bk[0]), int(bk[-1]))
            pairs.append((cond, values[p]))
        if not pairs:
            return ibis.literal(default)
        return ibis.cases(*pairs, else_=default)

    def family_case(self, ts, f: int, values: dict[int, object], default=None):
        """A case on the time ``ts``: the value of the period of family ``f`` holding it (``default`` if none)."""
        import ibis

        if not self.families[f]:
            return ibis.literal(default)
        # the periods of a family are sorted and do not overlap: a time before the first start, in a gap
        # between periods or after the last end holds none
        conds = []
        for p in self.families[f]:
            s, e = self.periods[p]
            conds.append(((ts >= _lit_ts(s)) & (ts < _lit_ts(e)), values[p]))
        return ibis.cases(*conds, else_=default)


def _lit_ts(ns: int):
    import ibis

    return ibis.literal(pd.Timestamp(int(ns)))


def _epoch(col):
    """Seconds since 1970 as a float, from the exact microsecond difference (``epoch_seconds()`` keeps fractions of a
    second on DuckDB but truncates them on Spark; ``delta(unit="microsecond")`` is exact on both)."""
    import ibis

    return col.delta(ibis.literal(pd.Timestamp("1970-01-01")), unit="microsecond").cast("float64") / 1e6


# =========================================================================== inputs
class Inputs:
    """The contract tables (as engine relations) under one set of definitions, with the tickets' overview."""

    def __init__(self, tickets, responses, customers, defs):
        self.defs = defs
        self.cal: BusinessCalendar = defs["business_calendar"]
        self.t = relation_of(tickets, "tickets")
        self.r = relation_of(responses, "responses")
        self.c = relation_of(customers, "customers")
        self.has_tickets, self.has_responses, self.has_customers = (x is not None for x in (self.t, self.r, self.c))
        self.notes: dict[str, Note] = {}
        self._r_range = self._c_range = False
        if self.t is not None:
            require_columns(self.t, "tickets", ("created_at",))
            self.tcols = set(self.t.columns)
            self._overview()
        if self.r is not None:
            require_columns(self.r, "responses", ("submitted_at",))
            self.rcols = set(self.r.columns)
        if self.c is not None:
            require_columns(self.c, "customers", ("signup_date",))
            self.ccols = set(self.c.columns)

    # ------------------------------------------------------------------ tickets: the first query
    def _overview(self):
        t, cols = self.t, self.tcols
        aggs = {"n": t.count(), "c_min": t.created_at.min(), "c_max": t.created_at.max()}
        for c in ("first_response_at", "resolved_at"):
            if c in cols:
                aggs[c + "_min"], aggs[c + "_max"] = t[c].min(), t[c].max()
        if "first_contact_resolved" in cols:
            aggs["flag_n"] = t.first_contact_resolved.count()
        if "handle_time_minutes" in cols:
            aggs["aht_n"], aggs["aht_s"] = t.handle_time_minutes.count(), t.handle_time_minutes.sum()
        if "channel" in cols:
            ov = t.group_by(ch=t.channel.cast("string")).agg(**aggs)
        else:
            ov = t.aggregate(**aggs)
        ov = execute(ov)

        def ns(col, how):
            if col not in ov:
                return None
            v = ov[col].dropna()
            if not len(v):
                return NAT
            v = pd.to_datetime(v)
            return int((v.min() if how == "min" else v.max()).as_unit("ns").value)

        c_min, c_max = ns("c_min", "min"), ns("c_max", "max")
        self.t_range = (c_min, c_max) if c_min not in (None, NAT) else None
        stamps = [x for x in (c_max, ns("first_response_at_max", "max"), ns("resolved_at_max", "max"))
                  if x not in (None, NAT)]
        self.snapshot = max(stamps) if stamps else NAT
        lows = [x for x in (c_min, ns("first_response_at_min", "min"), ns("resolved_at_min", "min"))
                if x not in (None, NAT)]
        self.t_lowest = min(lows) if lows else NAT
        self.t_highest = self.snapshot
        if "channel" in cols:
            present = set(ov["ch"].dropna().astype(str))
            self.channels = [c for c in CHANNELS if c in present] + sorted(present - set(CHANNELS))
        else:
            self.channels = []
        self.has_first = "first_response_at" in cols
        self.has_resolved = "resolved_at" in cols
        self.has_aht = "handle_time_minutes" in cols
        self.aht_shift = float(ov["aht_s"].sum() / ov["aht_n"].sum()) if self.has_aht and ov["aht_n"].sum() else 0.0
        # first-contact resolution: the method and its definition
        method = self.defs["fcr"]
        has_flag = "first_contact_resolved" in cols
        if method == "auto":
            method = "flag" if has_flag and ov["flag_n"].sum() > 0 else "contacts"
        self.fcr_method = method
        self.fcr_note: tuple = ()
        self.fcr_ok_possible = True
        if method == "flag":
            self.fcr_definition = Note("fcr_flag" if self.has_resolved else "fcr_flag_all")
            if not has_flag:
                self.fcr_ok_possible = False
                self.fcr_note = missing_inputs("tickets.first_contact_resolved")
                self.fcr_definition = Note("fcr_flag_among_resolved")
        else:
            self.fcr_definition = Note("fcr_contacts")
            if "contacts" not in cols or not self.has_resolved:
                self.fcr_ok_possible = False
                missing = [c for c, v in (("first_contact_resolved", has_flag), ("contacts", "contacts" in cols),
                                          ("resolved_at", self.has_resolved)) if not v]
                self.fcr_note = missing_inputs(*(f"tickets.{c}" for c in missing))

    # ------------------------------------------------------------------ ranges of the other tables (on demand)
    @property
    def r_range(self):
        if self._r_range is False:
            self._r_range = None
            if self.r is not None:
                r = self.r
                row = execute(r.aggregate(lo=r.submitted_at.min(), hi=r.submitted_at.max()))
                if row["lo"].notna().all():
                    self._r_range = tuple(int(pd.Timestamp(row[c].iloc[0]).as_unit("ns").value) for c in ("lo", "hi"))
        return self._r_range

    @property
    def churn_range(self):
        if self._c_range is False:
            self._c_range = None
            if self.c is not None and "churn_date" in self.ccols:
                c = self.c
                row = execute(c.aggregate(lo=c.churn_date.min(), hi=c.churn_date.max()))
                if row["lo"].notna().all():
                    self._c_range = tuple(int(pd.Timestamp(row[x].iloc[0]).as_unit("ns").value) for x in ("lo", "hi"))
        return self._c_range

    # ------------------------------------------------------------------ per-ticket derived columns
    def _clock_table(self, extra_ns=(), keep_columns=()):
        """The tickets with epoch seconds of their times and, for a business clock, B(t) of each time (built once
        per set of extra times and columns: the queries of one computation share the expression)."""
        key = (tuple(int(x) for x in extra_ns), tuple(keep_columns))
        cache = self.__dict__.setdefault("_clock_cache", {})
        if key not in cache:
            table = self._build_clock_table(extra_ns, keep_columns)
            cache[key] = (table, self.bday)
        table, self.bday = cache[key]  # the day table B(t) of this expression is counted from
        return table

    def _build_clock_table(self, extra_ns=(), keep_columns=()):
        import ibis

        t, cols = self.t, self.tcols
        keep = {"created_at": t.created_at, "es_c": _epoch(t.created_at)}
        for c, e in (("first_response_at", "es_f"), ("resolved_at", "es_r")):
            if c in cols:
                keep[c], keep[e] = t[c], _epoch(t[c])
        for c in ("handle_time_minutes", "contacts", "first_contact_resolved", "category", *keep_columns):
            if c in cols:
                keep[c] = t[c]
        if self.channels:
            keep["ccode"] = ibis.cases(*[(t.channel.cast("string") == c, i) for i, c in enumerate(self.channels)],
                                       else_=-1).cast("int64")
        else:
            keep["ccode"] = ibis.literal(-1, "int64")
        base = t.select(**keep)
        self.bday = None
        if "business" not in (self.defs["time_clock"], self.defs["sla_clock"]) or self.t_lowest == NAT:
            return base
        lo = min([self.t_lowest] + [int(x) for x in extra_ns]) // NS_DAY
        hi = max([self.t_highest] + [int(x) for x in extra_ns]) // NS_DAY
        days = self.cal.day_table(int(lo), int(hi))
        self.bday = days
        cal = ibis.memtable(days)
        for e, b in (("es_c", "b_c"), ("es_f", "b_f"), ("es_r", "b_r")):
            if e not in base.columns:
                continue
            key = (base[e] / _SEC_DAY).floor().cast("int64")
            v = cal.select(**{f"{b}_day": cal.day, f"{b}_cum": cal.cum_s, f"{b}_open": cal.open_s,
                              f"{b}_len": cal.len_s})
            base = base.left_join(v, key == v[f"{b}_day"])
            into = base[e] - base[f"{b}_open"]
            bval = base[f"{b}_cum"] + ibis.greatest(ibis.literal(0.0), ibis.least(into, base[f"{b}_len"]))
            base = base.mutate(**{b: bval}).drop(f"{b}_day", f"{b}_cum", f"{b}_open", f"{b}_len")
        return base

    def business_seconds(self, ns: int) -> float:
        """B(t) of one time (as the engine computes it from the day table)."""
        d = self.bday
        day = int(ns) // NS_DAY
        row = d.iloc[day - int(d["day"].iloc[0])]
        es = ns / NS_SEC
        return float(row["cum_s"] + max(0.0, min(es - row["open_s"], row["len_s"])))

    def _durations(self, b, clock: str, end: str):
        """Hours from creation to ``end`` ("f" first response, "r" resolution) on a clock; null if either time is."""
        if clock == "business":
            return (b[f"b_{end}"] - b["b_c"]) / 3600.0
        return (b[f"es_{end}"] - b["es_c"]) / 3600.0

    def ticket_table(self, plan: PeriodPlan, spc_window, keep=(), want=None):
        """The per-ticket derived columns: bucket, day (of the control-chart window, else −1), channel code and of
        ``want`` (None: all) — "fcr" (fcr_ok/fcr_success, 0/1), "aht", "fr" (minutes), "res" (hours), "neg"
        (negative durations), "sla" (met/known per family of periods, as of each period's end), "complaint"."""
        import ibis

        d = self.defs
        want = set(want) if want is not None else {"fcr", "aht", "fr", "res", "neg", "sla", "complaint"}
        fams = range(len(plan.families))
        as_of = {}
        extra = []
        for f in fams:
            vals = {}
            for p in plan.families[f]:
                end = plan.periods[p][1]
                vals[p] = min(end, self.snapshot) if d["sla_as_of"] == "period_end" else self.snapshot
            as_of[f] = vals
            extra += list(vals.values())
        b = self._clock_table(extra, keep)
        ts = b.created_at
        if spc_window is None or plan.by_day:
            day = ibis.literal(-1, "int64")
        else:
            lo, hi = spc_window
            inwin = ts.notnull()
            if lo is not None:
                inwin &= ts >= _lit_ts(lo)
            if hi is not None:
                inwin &= ts < _lit_ts(hi)
            day = ibis.ifelse(inwin, (b.es_c / _SEC_DAY).floor().cast("int64"), ibis.literal(-1, "int64"))
        b = b.mutate(bucket=plan.bucket_expr(ts, b.es_c))
        cols = {"bucket": b.bucket, "day": day, "ccode": b.ccode}
        if "pid" in want:
            for f in fams:
                cols[f"pid_{f}"] = plan.bucket_case(b.bucket, f, {p: p for p in plan.families[f]}, default=-1)
        if "fcr" in want and self.fcr_ok_possible:
            if self.fcr_method == "flag":
                ok = b.first_contact_resolved.notnull()
                if self.has_resolved:
                    ok &= b.resolved_at.notnull()
                succ = ok & b.first_contact_resolved.fill_null(False)
            else:
                ok = b.resolved_at.notnull() & b.contacts.notnull()
                succ = ok & (b.contacts == 1).fill_null(False)
            cols["fcr_ok"] = _flag(ok)
            cols["fcr_succ"] = _flag(succ)
        if "aht" in want and self.has_aht:
            cols["aht"] = b.handle_time_minutes
        clock = d["time_clock"]
        # first response in minutes, resolution in hours; a negative duration is missing but counted
        durations = [(code, end, scale) for code, end, scale, has in
                     (("fr", "f", 60, self.has_first), ("res", "r", 1, self.has_resolved)) if has and want & {code, "neg"}]
        if durations:
            b = b.mutate(**{f"{code}_raw": self._durations(b, clock, end) * scale for code, end, scale in durations})
        for code, _, _ in durations:
            raw = b[f"{code}_raw"]
            if "neg" in want:
                cols[f"{code}_neg"] = _flag(raw < 0)
            if code in want:
                cols[code] = ibis.ifelse(raw < 0, ibis.null("float64"), raw)
        if self.has_resolved and "sla" in want:
            # staged: each step a named column, so the SQL does not repeat the expressions it builds on
            sdur = self._durations(b, d["sla_clock"], "r")
            b = b.mutate(sla_dur=ibis.ifelse(sdur < 0, ibis.null("float64"), sdur))
            sla = float(d["sla_hours"])
            asof = {}
            for f in fams:
                a_ns = as_of[f]
                # as of: epoch seconds (and, on a business clock, B(as of)) of the period holding the ticket
                asof[f"asof_{f}"] = plan.bucket_case(b.bucket, f, {p: v / NS_SEC for p, v in a_ns.items()})
                if d["sla_clock"] == "business":
                    asof[f"basof_{f}"] = plan.bucket_case(b.bucket, f,
                                                          {p: self.business_seconds(v) for p, v in a_ns.items()})
            b = b.mutate(**asof)
            stage = {}
            for f in fams:
                if d["sla_clock"] == "business":
                    age = (b[f"basof_{f}"] - b.b_c) / 3600.0
                else:
                    age = (b[f"asof_{f}"] - b.es_c) / 3600.0
                stage[f"done_{f}"] = (b.es_r.notnull() & b.sla_dur.notnull()
                                      & (b.es_r <= b[f"asof_{f}"])).fill_null(False)
                stage[f"old_{f}"] = (age > sla).fill_null(False)
            b = b.mutate(sla_in=(b.sla_dur <= sla).fill_null(False), sla_out=(b.sla_dur > sla).fill_null(False),
                         **stage)
            for f in fams:
                done = b[f"done_{f}"]
                met = done & b.sla_in
                cols[f"sla_met_{f}"] = _flag(met)
                cols[f"sla_known_{f}"] = _flag(met | (done & b.sla_out) | (~done & b[f"old_{f}"]))
        if "complaint" in want:
            cats = d["complaint_categories"]
            if cats is None:
                cols["complaint"] = ibis.literal(1, "int64")
            else:
                require_columns(self.t, "tickets", ("category",))
                cols["complaint"] = _flag(b.category.isin(list(cats)))
        for c in keep:
            cols[c] = b[c]
        if keep:
            cols["created_at"] = b.created_at
        return b.select(**cols)


# =========================================================================== the aggregates
_MEAN_METRICS = ("aht", "fr", "res")


def _median_band(confidence: float):
    z = st.norm.ppf((1 + confidence) / 2)
    return z / 2


#: fractions of the bracketing quantiles: ½ ± d (and the minimum and maximum)
_BRACKET_D = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
_BRACKET_Q = tuple(sorted({0.0, 1.0, 0.5, *(0.5 - d for d in _BRACKET_D), *(0.5 + d for d in _BRACKET_D)}))


def _bracketed_ranks(u, conf):
    """The order statistics a median and its interval need (ranks of the medians and of
    :func:`csm.stats.median_ci_ranks`) per group ``(metric, key, chan)`` of ``u`` (column ``v``), as rows
    ``metric, key, chan, rn, cnt, v`` — without sorting the groups in the engine (the largest cost of a
    ``row_number`` at 10M rows). Two aggregations, exact: (1) per group, the count and the quantiles at fixed
    fractions around ½ (DuckDB's exact ``quantile_cont``: nth-element selection, no sort), which give each group
    a value bracket ``[a, b]`` holding the wanted ranks; (2) per group, the rows below ``a`` (a count) and the
    values within ``[a, b]`` (a list of about ``d·n`` values, sorted in pandas), so the rank of a value inside
    is the count below plus its position. The count check (the bracket holds every wanted rank) is exact; if it
    failed for some group, None (the caller ranks with ``row_number``)."""
    import ibis

    keys = ["metric", "key", "chan"]
    first = execute(u.group_by(keys).agg(cnt=u.v.count(), q=u.v.quantile(list(_BRACKET_Q))))
    if first.empty:
        return first.assign(rn=[], v=[])[[*keys, "rn", "cnt", "v"]]
    n = first["cnt"].to_numpy(np.int64)
    lo, hi, _ = median_ci_ranks(n, confidence=conf)
    want_lo = np.where(lo > 0, np.minimum(lo, (n - 1) // 2 + 1), (n - 1) // 2 + 1)
    want_hi = np.where(lo > 0, np.maximum(hi, n // 2 + 1), n // 2 + 1)
    qs = np.array(_BRACKET_Q)
    a = np.empty(len(first))
    b = np.empty(len(first))
    for i, vals in enumerate(first["q"]):
        vals = np.asarray(list(vals), dtype=float)
        # quantile_cont at q lies between the values of ranks floor/ceil(1 + q(n − 1)): one rank of margin
        ok = (np.floor(1 + qs[qs <= 0.5] * (n[i] - 1)) <= want_lo[i] - 1)
        ia = np.flatnonzero(qs <= 0.5)[ok].max() if ok.any() else 0
        ok = (np.ceil(1 + qs[qs >= 0.5] * (n[i] - 1)) >= want_hi[i] + 1)
        ib = np.flatnonzero(qs >= 0.5)[ok].min() if ok.any() else len(qs) - 1
        a[i], b[i] = vals[ia], vals[ib]
    br = first[keys].rename(columns={k: f"{k}_b" for k in keys}).assign(a=a, b=b)
    br["key_b"], br["chan_b"] = br["key_b"].astype(np.int64), br["chan_b"].astype(np.int64)
    mt = ibis.memtable(br)
    j = u.inner_join(mt, [u[k] == mt[f"{k}_b"] for k in keys])
    inside = (j.v >= j.a) & (j.v <= j.b)
    second = execute(j.group_by(keys).agg(below=_flag(j.v < j.a).sum(), vals=j.v.collect(where=inside)))
    merged = first[keys + ["cnt"]].assign(want_lo=want_lo, want_hi=want_hi).merge(second, on=keys, how="left")
    rows = []
    for r in merged.itertuples(index=False):
        vals = np.sort(np.asarray([] if r.vals is None or (np.isscalar(r.vals) and pd.isna(r.vals))
                                  else list(r.vals), dtype=float))
        below = int(r.below) if pd.notna(r.below) else 0
        if below >= r.want_lo or below + len(vals) < r.want_hi:
            return None
        rows.append(pd.DataFrame({"metric": r.metric, "key": r.key, "chan": r.chan,
                                  "rn": below + 1 + np.arange(len(vals)), "cnt": r.cnt, "v": vals}))
    return pd.concat(rows, ignore_index=True)


class Stats:
    """Every aggregate of one :class:`PeriodPlan` (plus the daily series of a control-chart window)."""

    def __init__(self, inputs: Inputs, plan: PeriodPlan, *, spc_window=None, medians=(), spc_median=False):
        """``spc_window``: ``(lo_ns | None, hi_ns | None)`` of the daily series, or None (no daily series);
        ``medians``: the ticket metrics ("aht", "fr", "res") whose periods need medians; ``spc_median``: daily
        medians of handle time."""
        import ibis

        self.inputs, self.plan, self.defs = inputs, plan, inputs.defs
        conf = self.defs["confidence"]
        self.cells = None
        if inputs.has_tickets and (plan.periods or spc_window is not None):
            tt = inputs.ticket_table(plan, spc_window)
            keys = ["bucket", "ccode"] if plan.by_day else ["bucket", "day", "ccode"]
            # every ticket (bucket −1: outside the periods): the notes count negative durations over the table
            aggs = {"rows": tt.count(), "complaint": tt.complaint.sum()}
            cols = tt.columns
            if "fcr_ok" in cols:
                aggs["fcr_n"], aggs["fcr_k"] = tt.fcr_ok.sum(), tt.fcr_succ.sum()
            self.metrics = [m for m in _MEAN_METRICS if m in cols]
            for m in self.metrics:
                aggs[f"{m}_n"], aggs[f"{m}_s"] = tt[m].count(), tt[m].sum()
            for m in ("fr", "res"):
                if f"{m}_neg" in cols:
                    aggs[f"{m}_neg"] = tt[f"{m}_neg"].sum()
            for f in range(len(plan.families)):
                if f"sla_met_{f}" in cols:
                    aggs[f"sla_met_{f}"], aggs[f"sla_known_{f}"] = tt[f"sla_met_{f}"].sum(), tt[f"sla_known_{f}"].sum()
            cells = execute(tt.group_by(keys).agg(**aggs))
            cells = cells.sort_values(keys, kind="stable").reset_index(drop=True)
            for c in cells.columns:
                if c not in keys:
                    cells[c] = cells[c].fillna(0).astype(float)
            for c in keys:
                cells[c] = cells[c].astype(np.int64)
            if plan.by_day:  # the day of the control-chart window is the bucket
                cells["day"] = -1
                if spc_window is not None:
                    lo, hi = spc_window
                    inwin = cells["bucket"] != MISSING
                    if lo is not None:
                        inwin &= cells["bucket"] >= lo // NS_DAY
                    if hi is not None:
                        inwin &= cells["bucket"] < hi // NS_DAY
                    cells.loc[inwin, "day"] = cells.loc[inwin, "bucket"]
            # second pass: squared deviations from each cell's mean (cells of the periods and days only)
            want = [m for m in self.metrics]
            if want:
                means = cells[keys].copy()
                for m in want:
                    with np.errstate(invalid="ignore", divide="ignore"):
                        means[f"{m}_mean"] = np.where(cells[f"{m}_n"] > 0, cells[f"{m}_s"] / cells[f"{m}_n"], 0.0)
                if plan.by_day:
                    used = np.isin(cells["bucket"], np.concatenate(plan.buckets + [np.array([], np.int64)])) \
                        | (cells["day"] >= 0)
                else:
                    used = (cells["bucket"] >= 0) | (cells["day"] >= 0)
                means = means[used.to_numpy() & (cells[[f"{m}_n" for m in want]].sum(axis=1) > 0).to_numpy()]
                if len(means):
                    mt = ibis.memtable(means.rename(columns={k: f"{k}_m" for k in keys}))
                    lean = inputs.ticket_table(plan, spc_window, want=set(want))
                    j = lean.inner_join(mt, [lean[k] == mt[f"{k}_m"] for k in keys])
                    dev = {f"{m}_m2": ((j[m] - j[f"{m}_mean"]) ** 2).sum() for m in want}
                    m2 = execute(j.group_by(keys).agg(**dev))
                    for c in keys:
                        m2[c] = m2[c].astype(np.int64)
                    cells = cells.merge(m2, on=keys, how="left")
                for m in want:
                    if f"{m}_m2" not in cells:
                        cells[f"{m}_m2"] = 0.0
                    cells[f"{m}_m2"] = cells[f"{m}_m2"].fillna(0.0).astype(float)
            self.cells = cells
            for name, col, what in (("first_response", "fr_neg", "first_response_at"),
                                    ("resolution", "res_neg", "resolved_at")):
                if col in cells and cells[col].sum() > 0:
                    inputs.notes[name] = Note("negative_durations", n=int(cells[col].sum()), column=what)
            want_o = set(medians) | ({"aht"} if spc_median else set()) | {"pid"}
            self.order = self._order_statistics(inputs.ticket_table(plan, spc_window, want=want_o), medians,
                                                spc_median, spc_window, conf) if want_o - {"pid"} else {}
        self.responses = self._responses() if inputs.has_responses and plan.periods else None
        self.churn = self._churn() if inputs.has_customers and plan.periods and "churn_date" in inputs.ccols else None

    # ------------------------------------------------------------------ order statistics (exact medians)
    def _order_statistics(self, tt, medians, spc_median, spc_window, conf):
        import ibis

        plan = self.plan
        branches = []
        for m in medians:
            if m not in tt.columns:
                continue
            for f, fam in enumerate(plan.families):
                sub = tt.filter(tt[m].notnull() & (tt[f"pid_{f}"] >= 0)).mutate(pid=tt[f"pid_{f}"].cast("int64"))
                branches.append(sub.select(metric=ibis.literal(m), key=sub.pid, chan=ibis.literal(-1, "int64"),
                                           v=sub[m]))
                if m == "fr" and self.inputs.channels:
                    sc = sub.filter(sub.ccode >= 0)
                    branches.append(sc.select(metric=ibis.literal(m), key=sc.pid, chan=sc.ccode, v=sc[m]))
        if spc_median and spc_window is not None and "aht" in tt.columns:
            if plan.by_day:
                lo, hi = spc_window
                cond = tt.aht.notnull() & (tt.bucket != MISSING)
                if lo is not None:
                    cond &= tt.bucket >= lo // NS_DAY
                if hi is not None:
                    cond &= tt.bucket < hi // NS_DAY
                sub = tt.filter(cond).mutate(day=tt.bucket)
            else:
                sub = tt.filter(tt.aht.notnull() & (tt.day >= 0))
            branches.append(sub.select(metric=ibis.literal("aht_day"), key=sub.day, chan=ibis.literal(-1, "int64"),
                                       v=sub.aht))
        if not branches:
            return {}
        u = branches[0]
        for x in branches[1:]:
            u = u.union(x, distinct=False)
        got = _bracketed_ranks(u, conf) if ibis.get_backend(u).name == "duckdb" else None
        if got is None:
            w = dict(group_by=[u.metric, u.key, u.chan], order_by=[u.v])
            u = u.mutate(rn=ibis.row_number().over(**w) + 1,
                         cnt=u.v.count().over(group_by=[u.metric, u.key, u.chan]))
            band = _median_band(conf)
            near = (2 * u.rn - u.cnt - 1).abs() <= 2 * ((u.cnt.cast("float64").sqrt() * band).ceil() + 3)
            got = execute(u.filter(near).select("metric", "key", "chan", "rn", "cnt", "v"))
        if got.empty:
            return {}
        got["key"], got["chan"], got["rn"], got["cnt"] = (got[c].astype(np.int64) for c in ("key", "chan", "rn", "cnt"))
        groups = got.groupby(["metric", "key", "chan"], sort=True)["cnt"].first()
        n = groups.to_numpy(np.int64)
        lo, hi, _ = median_ci_ranks(n, confidence=conf)
        value = got.set_index(["metric", "key", "chan", "rn"])["v"].astype(float)
        value = value[~value.index.duplicated()]

        def at(ranks):
            idx = pd.MultiIndex.from_arrays([groups.index.get_level_values(0), groups.index.get_level_values(1),
                                             groups.index.get_level_values(2), np.maximum(ranks, 1)])
            v = value.reindex(idx).to_numpy()
            if np.isnan(v[ranks > 0]).any():  # cannot happen: the band holds the interval ranks
                raise AssertionError("an order statistic was not fetched")
            return np.where(ranks > 0, v, np.nan)

        est = (at((n - 1) // 2 + 1) + at(n // 2 + 1)) / 2
        v_lo, v_hi = at(np.where(lo > 0, lo, 0)), at(np.where(lo > 0, hi, 0))
        return {k: (float(n[i]), est[i], v_lo[i], v_hi[i]) for i, k in enumerate(groups.index)}

    # ------------------------------------------------------------------ rolled-up sums
    def _rows(self, pids, chan=None):
        """Masks of cells per requested period (and channel code)."""
        c = self.cells
        b = c["bucket"].to_numpy()
        ch = c["ccode"].to_numpy()
        for p in pids:
            bk = self.plan.buckets[p]
            m = (b >= bk[0]) & (b <= bk[-1]) if len(bk) else np.zeros(len(b), bool)
            if chan is not None:
                m &= ch == chan
            yield m

    def sums(self, cols, pids, chan=None) -> dict[str, np.ndarray]:
        if self.cells is None:
            return {col: np.zeros(len(pids)) for col in cols}
        masks = np.array(list(self._rows(pids, chan)), dtype=float).reshape(len(pids), len(self.cells))
        vals = masks @ self.cells[list(cols)].to_numpy(dtype=float)
        return {col: vals[:, i] for i, col in enumerate(cols)}

    def mean_sd(self, metric, masks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """n, mean and SD (two-pass: cell sums of squared deviations merged about each group's mean)."""
        c = self.cells
        n_c, s_c, m2_c = (c[f"{metric}_{x}"].to_numpy() for x in ("n", "s", "m2"))
        G = len(masks)
        n, mean, sd = np.zeros(G), np.full(G, np.nan), np.full(G, np.nan)
        for i, m in enumerate(masks):
            m = m & (n_c > 0)
            n[i] = n_c[m].sum()
            if n[i] == 0:
                continue
            mean[i] = s_c[m].sum() / n[i]
            mc = s_c[m] / n_c[m]
            ss = m2_c[m].sum() + np.sum(n_c[m] * (mc - mean[i]) ** 2)
            sd[i] = np.sqrt(ss / (n[i] - 1)) if n[i] >= 2 else np.nan
        return n, mean, sd

    def location(self, metric, pids, statistic, chan=None) -> dict:
        from csm.kpi.core import location_from

        if statistic == "mean":
            n, mean, sd = self.mean_sd(metric, list(self._rows(pids, chan)))
            return location_from(n, statistic="mean", mean=mean, sd=sd, confidence=self.defs["confidence"])
        G = len(pids)
        n, est, lo, hi = np.zeros(G), np.full(G, np.nan), np.full(G, np.nan), np.full(G, np.nan)
        key_chan = -1 if chan is None else chan
        for i, p in enumerate(pids):
            r = self.order.get((metric, int(p), int(key_chan)))
            if r is not None:
                n[i], est[i], lo[i], hi[i] = r
        return location_from(n, statistic="median", median=est, lo=lo, hi=hi)

    # ------------------------------------------------------------------ daily series of the chart window
    def daily(self):
        """(days as a DatetimeIndex from the first to the last day with tickets, cells grouped by day)."""
        c = self.cells
        c = c[c["day"] >= 0] if c is not None else None
        return c

    # ------------------------------------------------------------------ responses
    def _responses(self):
        inp, plan, d = self.inputs, self.plan, self.defs
        r, cols = inp.r, inp.rcols
        x = r.mutate(bucket=plan.bucket_expr(r.submitted_at))
        aggs = {"rows": x.count()}
        if "csat" in cols:
            v = x.csat
            aggs.update(csat_n=v.count(), csat_s=(v - 3).sum(), csat_ss=((v - 3) ** 2).sum(),
                        csat_sat=_flag(v.isin([float(s) for s in d["csat_satisfied"]])).sum(),
                        csat_bad=_flag((v < 1) | (v > 5)).sum())
        if "nps" in cols:
            v = x.nps
            aggs.update(nps_n=v.count(), nps_p=_flag(v >= PROMOTER_MIN).sum(),
                        nps_d=_flag(v <= DETRACTOR_MAX).sum(),
                        nps_bad=_flag((v < 0) | (v > 10)).sum())
        cells = execute(x.group_by("bucket").agg(**aggs))
        for c in cells.columns:
            cells[c] = cells[c].fillna(0).astype(float)
        cells["bucket"] = cells["bucket"].astype(np.int64)
        for col, (lo, hi) in (("csat", (1, 5)), ("nps", (0, 10))):
            if f"{col}_bad" in cells and cells[f"{col}_bad"].sum() > 0:
                bad = execute(r.filter((r[col] < lo) | (r[col] > hi)).select(col).limit(5))[col].tolist()
                raise DataError(f"responses.{col}: values must be from {lo:g} to {hi:g}; "
                                f"{int(cells[f'{col}_bad'].sum())} row(s) outside, e.g. values {bad}")
        return cells

    def response_sums(self, cols, pids):
        out = {c: np.zeros(len(pids)) for c in cols}
        c = self.responses
        b = c["bucket"].to_numpy()
        for i, p in enumerate(pids):
            bk = self.plan.buckets[p]
            if not len(bk):
                continue
            m = (b >= bk[0]) & (b <= bk[-1])
            for col in cols:
                out[col][i] = c.loc[m, col].sum()
        return out

    # ------------------------------------------------------------------ customers
    def _churn(self):
        """Churn counts per period from ONE grouped query: customers by the positions of their signup and churn
        dates among the period bounds (``idx(t)`` = number of bounds ≤ t), so ``t < bound_j ⟺ idx(t) ≤ j``."""
        import ibis

        c, bounds = self.inputs.c, self.plan.bounds
        counted = ibis.literal(True)
        if "churned" in self.inputs.ccols:
            counted = ~(c.churned.fill_null(False) & c.churn_date.isnull())

        def idx(ts):
            return ibis.cases(*[(ts < _lit_ts(b), j) for j, b in enumerate(bounds)], else_=len(bounds))

        x = c.select(ok=(c.signup_date.notnull() & counted).fill_null(False), unk=(~counted).fill_null(False),
                     si=idx(c.signup_date), ci=ibis.ifelse(c.churn_date.isnull(), -1, idx(c.churn_date)))
        h = execute(x.group_by(["ok", "unk", "si", "ci"]).agg(k=x.count()))
        unknown = int(h.loc[h["unk"].astype(bool), "k"].sum())
        if unknown:
            self.inputs.notes["churn"] = Note("churned_without_date", n=unknown)
        h = h[h["ok"].astype(bool)]
        si, ci, k = (h[x].to_numpy(np.int64) for x in ("si", "ci", "k"))
        has_churn = ci >= 0
        out = {}
        for p, (s, e) in enumerate(self.plan.periods):
            js, je = int(np.searchsorted(bounds, s)), int(np.searchsorted(bounds, e))  # bounds[js] == s
            active = (si <= js) & (~has_churn | (ci > js))
            out[p] = (float(k[active].sum()), float(k[active & has_churn & (ci <= je)].sum()))
        return out
