"""An experiment from the contract tables to a decision: units, experiment rows, one comparison per metric
at the randomisation unit, multiplicity correction, guardrails, sequential looks, A/A validity check.

A metric is a dict (the notebook's ``metrics`` parameter)::

    {"kind": "ratio", "table": "tickets", "column": "first_contact_resolved",
     "direction": "higher", "role": "primary"}

- ``kind``: ``proportion`` (per unit: any True of a boolean column, or a date column's event inside the
  unit's experiment window — e.g. churn), ``mean`` (per unit: mean of the column over the unit's rows;
  Welch, CUPED with ``covariate``, and the robust median/Mann–Whitney comparison), ``ratio`` (Σcolumn / rows
  per unit, delta method — for per-ticket metrics when customers were randomised), ``ordinal`` (response
  level, Mann–Whitney), ``nps`` (response level, NPS difference);
- ``table``: tickets, responses or customers; ``direction``: higher or lower is better;
- ``role``: primary, secondary or guardrail; ``covariate``: a ``pre_*`` assignments column for CUPED.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy import stats as st

from csm.compat import STR
from csm import stats as cs
from csm.abtest import compare as cmp
from csm.abtest import engine as ab_engine
from csm.engine import execute, is_relation
from csm.abtest.design import SRMResult, mde_from_se, sequential_monitor
from csm.errors import AnalysisError, DataError, ParameterError

__all__ = [
    "Decision",
    "KINDS",
    "ROLES",
    "UNIT_KEYS",
    "aa_simulation",
    "analyse_metric",
    "analyse_metrics",
    "check_metrics",
    "decide",
    "experiment_rows",
    "experiment_units",
    "linked_rows",
    "planned_looks",
    "power_plan",
    "sequential_looks",
    "unit_of_analysis",
    "unit_type_of",
    "unit_values",
    "usable_metrics",
]

#: unit_type -> the tickets column that identifies the randomised unit
UNIT_KEYS = {"customer": "customer_id", "ticket": "ticket_id", "agent": "agent_id", "team": "team"}
KINDS = ("proportion", "mean", "ratio", "ordinal", "nps")
ROLES = ("primary", "secondary", "guardrail")
DIRECTIONS = ("higher", "lower")
TABLES = ("tickets", "responses", "customers")


# --------------------------------------------------------------------------- parameters
def check_metrics(metrics: Mapping) -> dict:
    """Validate the metrics parameter; returns ``{name: spec}`` with defaults filled in."""
    if not isinstance(metrics, Mapping) or not metrics:
        raise ParameterError("metrics must map a metric name to its spec, e.g. {'fcr_rate': {'kind': 'ratio', "
                             "'table': 'tickets', 'column': 'first_contact_resolved', 'direction': 'higher', "
                             "'role': 'primary'}}")
    out = {}
    for name, spec in metrics.items():
        if not isinstance(spec, Mapping):
            raise ParameterError(f"metric {name!r}: the spec must be a mapping, got {spec!r}")
        s = {"table": "tickets", "role": "secondary", "direction": "higher", "covariate": None, "robust": False,
             **spec}
        for key, allowed in (("kind", KINDS), ("role", ROLES), ("direction", DIRECTIONS), ("table", TABLES)):
            if s.get(key) not in allowed:
                raise ParameterError(f"metric {name!r}: {key} must be one of {list(allowed)}, got {s.get(key)!r}")
        if not s.get("column"):
            raise ParameterError(f"metric {name!r}: give the column it is computed from (e.g. 'column': "
                                 "'handle_time_minutes')")
        if s["kind"] in ("ordinal", "nps") and s["table"] != "responses":
            raise ParameterError(f"metric {name!r}: kind {s['kind']!r} reads survey answers, so table must be "
                                 f"'responses', got {s['table']!r}")
        out[str(name)] = s
    if not any(s["role"] == "primary" for s in out.values()):
        raise ParameterError(f"metrics: none has role 'primary'; the decision needs one (metrics: {list(out)})")
    return out


def _filled(frame: pd.DataFrame | None, column: str) -> bool:
    return frame is not None and column in frame.columns and bool(frame[column].notna().any())


def usable_metrics(specs: Mapping, *, tickets=None, responses=None, customers=None,
                   units: pd.DataFrame | None = None) -> tuple[dict, list]:
    """The metrics the data can compute, and what was left out.

    ``tickets``, ``responses``, ``customers``: relations or pandas frames (or None when absent); which of the
    metric columns are filled is asked in one aggregate query per table. A metric whose table is absent, whose
    column is missing or empty, or (survey metrics) whose answers cannot
    be linked to experiment tickets (no ``responses.ticket_id``) is dropped; a ``covariate`` missing from the
    assignments is dropped from its metric (no CUPED). Returns ``(specs, skipped)``, ``skipped`` a list of
    ``{"section": <metric> or "cuped_<metric>", "needs": "table.column" or "table"}``. Raises
    :class:`DataError` when the primary metric is dropped: the decision needs it."""
    tables = {"tickets": ab_engine.relation(tickets), "responses": ab_engine.relation(responses),
              "customers": ab_engine.relation(customers)}
    wanted = {name: set() for name in tables}
    for spec in specs.values():
        wanted[spec["table"]] |= {spec["column"], *(("ticket_id",) if spec["table"] == "responses" else ())}
    filled = {name: ab_engine.filled_columns(rel, wanted[name]) if rel is not None and wanted[name] else set()
              for name, rel in tables.items()}
    kept, skipped = {}, []
    for name, spec in specs.items():
        needs = None
        if tables[spec["table"]] is None:
            needs = spec["table"]
        elif spec["column"] not in filled[spec["table"]]:
            needs = f"{spec['table']}.{spec['column']}"
        elif spec["table"] == "responses" and "ticket_id" not in filled["responses"]:
            needs = "responses.ticket_id"
        if needs:
            if spec["role"] == "primary":
                raise DataError(f"The primary metric {name!r} needs {needs}, which is not in the data. Provide it "
                                f"(or map the export's header to it), or give another metric role 'primary' in the "
                                f"metrics parameter; the decision rests on the primary metric.")
            skipped.append({"section": name, "needs": needs})
            continue
        covariate = spec.get("covariate")
        if covariate and not _filled(units, covariate):
            skipped.append({"section": f"cuped_{name}", "needs": f"assignments.{covariate}"})
            spec = {**spec, "covariate": None}
        kept[name] = dict(spec)
    return kept, skipped


def planned_looks(looks, start, end, *, default: int = 3) -> tuple[list[pd.Timestamp], bool]:
    """The dates of the planned looks at the primary metric: ``looks`` as dates; a whole number ``k`` (or
    ``None``: ``default``) gives ``k`` equally spaced looks over the experiment window, the last on ``end``
    (day ``start + i·(end − start)/k``, i = 1…k, rounded down to the day); ``[]`` none. Returns
    ``(dates, derived)``."""
    if looks is None or (isinstance(looks, int) and not isinstance(looks, bool)):
        k = default if looks is None else int(looks)
        if k < 0:
            raise ParameterError(f"looks: a number of looks must be 0 or more, got {looks}")
        start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
        span = (end - start).days
        return sorted({start + pd.Timedelta(days=span * i // k) for i in range(1, k + 1)}), True
    if isinstance(looks, str) or not isinstance(looks, Sequence):
        raise ParameterError(f"looks must be a list of dates, a number of equally spaced looks or null; got {looks!r}")
    try:
        return [pd.Timestamp(d) for d in looks], False
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"looks: {exc}; write dates as '2026-04-30'") from None


# --------------------------------------------------------------------------- units and rows
def experiment_units(assignments: pd.DataFrame | None, *, planned_split: Mapping[str, float],
                     experiment_id: str | None = None) -> pd.DataFrame:
    """The assignments of one experiment, checked against the planned split.

    Raises :class:`DataError` without an assignments table, :class:`ParameterError` for an unknown
    experiment or a variant label that was not planned (with counts and example units) and
    :class:`AnalysisError` when a planned arm has no unit.

    ``assignments`` may be a relation: the experiment's rows are selected in the engine and fetched (one row per
    assigned unit of the experiment). Units come back ordered by ``assigned_at`` then ``unit_id``, so the A/A
    re-splits draw the same units on every engine and in every file order.
    """
    if assignments is not None and is_relation(assignments):
        assignments = _experiment_assignments(assignments, experiment_id)
    if assignments is None or len(assignments) == 0:
        raise DataError("assignments: no assignments table (or it is empty) in the data folder; an A/B test needs "
                        "one row per randomised unit with unit_id, variant and assigned_at.")
    units = assignments
    if experiment_id is not None and "experiment_id" in units.columns:
        known = sorted(units["experiment_id"].dropna().astype(str).unique())
        if experiment_id not in known:
            raise ParameterError(f"experiment_id {experiment_id!r} is not in the assignments table; it holds "
                                 f"{known}. Set the notebook parameter experiment_id to one of them.")
        units = units[units["experiment_id"] == experiment_id]
    elif "experiment_id" in units.columns and units["experiment_id"].nunique() > 1:
        raise ParameterError(f"the assignments table holds several experiments "
                             f"{sorted(units['experiment_id'].dropna().unique())}; set experiment_id.")
    planned = [str(v) for v in planned_split]
    variant = units["variant"].astype(str)
    unplanned = variant[~variant.isin(planned)]
    if len(unplanned):
        counts = unplanned.value_counts()
        examples = units.loc[unplanned.index[:3], "unit_id"].tolist()
        raise ParameterError(
            f"assignments, column 'variant': label(s) {', '.join(f'{v!r} ({n} units)' for v, n in counts.items())} "
            f"were not planned (planned: {planned}); e.g. units {examples}. Fix or map the labels, or add the "
            "variant to planned_split.")
    for arm in planned:
        if not (variant == arm).any():
            raise AnalysisError(f"assignments: the {arm!r} arm is empty — no unit was assigned to it "
                                f"({len(units)} units in total). The experiment cannot be compared.")
    units = units.copy()
    units["variant"] = variant
    return units.sort_values(["assigned_at", "unit_id"], kind="stable", na_position="last").reset_index(drop=True)


def _experiment_assignments(rel, experiment_id: str | None) -> pd.DataFrame:
    """The assignments of one experiment fetched from the engine (all rows when there is no experiment id)."""
    if experiment_id is not None and "experiment_id" in rel.columns:
        known = sorted(execute(rel.select("experiment_id").distinct())["experiment_id"].dropna().astype(str))
        if experiment_id not in known:
            raise ParameterError(f"experiment_id {experiment_id!r} is not in the assignments table; it holds "
                                 f"{known}. Set the notebook parameter experiment_id to one of them.")
        rel = rel.filter(rel.experiment_id == experiment_id)
    return execute(rel)


def unit_type_of(units: pd.DataFrame) -> str:
    """The experiment's randomised unit (``unit_type`` column; customer when absent), one of :data:`UNIT_KEYS`."""
    types = units["unit_type"].dropna().unique().tolist() if "unit_type" in units.columns else []
    if len(types) > 1:
        raise DataError(f"assignments, column 'unit_type': one experiment mixes unit types {types}")
    t = str(types[0]) if types else "customer"
    if t not in UNIT_KEYS:
        raise DataError(f"assignments, column 'unit_type': {t!r} is not one of {list(UNIT_KEYS)}")
    return t


def experiment_rows(table, units: pd.DataFrame, *, time_column: str, end, key: str | None = None):
    """Rows of ``table`` (a relation or a pandas frame) belonging to the experiment, as a relation: the unit's
    rows (``key`` = the tickets column of the unit type, default from ``unit_type``) with ``time_column`` from
    the unit's ``assigned_at`` to ``end`` (inclusive day). Adds ``unit_id``, ``variant``, ``assigned_at``. The
    join runs in the engine; nothing is fetched."""
    import ibis

    key = key or UNIT_KEYS[unit_type_of(units)]
    rel = ab_engine.relation(table)
    if key not in rel.columns:
        raise DataError(f"the table has no column {key!r} to link its rows to the randomised units")
    u = ab_engine.units_table(units, ["unit_id", "variant", "assigned_at"], {"unit_id": "_unit"})
    u = u.mutate(_unit=u._unit.cast(rel[key].type()))
    stop = ibis.literal((pd.Timestamp(end).normalize() + pd.Timedelta(days=1)).to_pydatetime())
    j = rel.join(u, rel[key] == u._unit)
    j = j.filter(j[time_column] >= j.assigned_at, j[time_column] < stop)
    own = [c for c in rel.columns if c not in ("unit_id", "variant", "assigned_at")]
    return j.select(*own, unit_id=j[key], variant=j.variant, assigned_at=j.assigned_at)


def linked_rows(table, rows, *, on: str, right_on: str | None = None):
    """Rows of ``table`` (a relation or frame) joined to experiment ``rows`` (a relation with ``unit_id``,
    ``variant``, ``assigned_at``) on ``on`` (= ``right_on`` of ``rows``): e.g. the survey answers of the
    experiment tickets, or the customer rows of the units."""
    rel = ab_engine.relation(table)
    right_on = right_on or on
    link = rows.select(_link=rows[right_on], unit_id=rows.unit_id, variant=rows.variant,
                       assigned_at=rows.assigned_at)
    link = link.mutate(_link=link._link.cast(rel[on].type()))
    j = rel.join(link, rel[on] == link._link)
    own = [c for c in rel.columns if c not in ("unit_id", "variant", "assigned_at")]
    return j.select(*own, unit_id=j.unit_id, variant=j.variant, assigned_at=j.assigned_at)


def unit_values(spec: Mapping, units: pd.DataFrame, rows: Mapping, *, end) -> pd.DataFrame:
    """Per-unit numbers of one metric: ``unit_id``, ``variant`` and ``num``, ``den`` (ratio / mean / proportion:
    value = num/den); units without rows get den 0 (ratio) or are dropped (mean). Ratio and mean metrics also
    carry ``sq`` (Σx²), ``lo`` and ``hi`` (smallest and largest value) of the unit's rows. ``rows``: relations (or
    frames) of experiment rows; the sums are computed in the engine (:mod:`csm.abtest.engine`), one row per unit
    comes back; rows of units not in ``units`` are left out."""
    table = ab_engine.relation(rows[spec["table"]])
    col = spec["column"]
    if col not in table.columns:
        raise DataError(f"{spec['table']}: column {col!r} (metric) is not in the data; columns are "
                        f"{list(table.columns)[:25]}")
    base = units[["unit_id", "variant", "assigned_at"]]
    if spec["kind"] == "proportion":
        per = ab_engine.event_flags(table, col, units=base, end=end)
        out = base.merge(per, on="unit_id", how="left")
        out["num"] = out["num"].fillna(0.0)
        out["den"] = 1.0
        return out[["unit_id", "variant", "num", "den"]]
    agg = ab_engine.unit_sums(table, col, where=f"{spec['table']}.{col}")
    out = base.merge(agg, on="unit_id", how="left")
    out[["num", "den", "sq"]] = out[["num", "den", "sq"]].astype(float).fillna(0.0)
    if spec["kind"] == "mean":
        out = out[out["den"] > 0]
    return out[["unit_id", "variant", "num", "den", "sq", "lo", "hi"]].reset_index(drop=True)


def _row_stats(v: pd.DataFrame) -> cmp.ArmStats:
    """The rows of some units in summary (Welch's test at the row level) from their per-unit sums."""
    return cmp.ArmStats.from_sums(v["den"].sum(), v["num"].sum(), v["sq"].sum(), v["lo"].min(), v["hi"].max())


def _score_counts(spec: Mapping, units: pd.DataFrame, rows: Mapping) -> dict[str, pd.Series]:
    """Answers per score and variant of an ordinal / NPS metric (units not in ``units`` left out)."""
    counts = ab_engine.unit_score_counts(ab_engine.relation(rows[spec["table"]]), spec["column"])
    counts = counts.merge(units[["unit_id", "variant"]], on="unit_id", how="inner")
    by = counts.groupby(["variant", "score"])["n"].sum()
    return {arm: by.xs(arm, level="variant") if arm in by.index.get_level_values("variant") else
            pd.Series(dtype="int64") for arm in units["variant"].unique()}


# --------------------------------------------------------------------------- one metric
def analyse_metric(name: str, spec: Mapping, units: pd.DataFrame, rows: Mapping[str, pd.DataFrame], *, end,
                   control: str = "control", treatment: str = "treatment", alpha: float = 0.05, n_boot: int = 2000,
                   seed=0) -> pd.DataFrame:
    """One metric compared at the randomisation unit (see module docstring), tested at level ``alpha``
    (intervals at confidence ``1 − alpha``; ``mde`` at ``alpha`` and 80% power); one row."""
    kind = spec["kind"]
    confidence = 1 - alpha
    if kind in ("ordinal", "nps"):
        counts = _score_counts(spec, units, rows)
        empty = pd.Series(dtype="int64")
        res = (cmp.compare_ordinal_counts if kind == "ordinal" else cmp.compare_nps_counts)(
            counts.get(control, empty), counts.get(treatment, empty), confidence=confidence)
    else:
        v = unit_values(spec, units, rows, end=end)
        c, t = v[v["variant"] == control], v[v["variant"] == treatment]
        if kind == "proportion":
            res = cmp.compare_proportions(float(c["num"].sum()), float(len(c)), float(t["num"].sum()),
                                          float(len(t)), confidence=confidence)
        elif kind == "ratio":
            res = cmp.compare_ratio(c["num"], c["den"], t["num"], t["den"], confidence=confidence)
            naive = cmp.compare_means_from_stats(_row_stats(c), _row_stats(t), confidence=confidence)
            res["se_naive"] = naive["se"].iloc[0]
            res["p_value_naive"] = naive["p_value"].iloc[0]
            res["design_effect"] = (res["se"] / res["se_naive"]) ** 2
        else:  # mean per unit
            yc, yt = c["num"] / c["den"], t["num"] / t["den"]
            cov_col = spec.get("covariate")
            if cov_col:
                if cov_col not in units.columns:
                    raise DataError(f"assignments: CUPED covariate column {cov_col!r} not found; pre-period columns "
                                    f"are {[k for k in units.columns if k.startswith('pre_')]}")
                both = pd.concat([c, t]).merge(units[["unit_id", cov_col]], on="unit_id")
                res = cmp.cuped((both["num"] / both["den"]).to_numpy(), both[cov_col].to_numpy(dtype=float),
                                (both["variant"] == treatment).to_numpy(), confidence=confidence)
            else:
                res = cmp.compare_means(yc, yt, confidence=confidence)
            if spec.get("robust"):
                rob = cmp.compare_medians(yc, yt, confidence=confidence, n_boot=n_boot, seed=seed)
                for col in ("control", "treatment", "estimate", "ci_low", "ci_high", "p_value"):
                    res[f"median_{col}"] = rob[col].iloc[0]
    if kind in ("ordinal", "nps"):
        scale = "probability" if kind == "ordinal" else "points"
    else:
        boolean = ab_engine.is_boolean(ab_engine.relation(rows[spec["table"]]), spec["column"])
        scale = "share" if kind == "proportion" or (kind == "ratio" and boolean) else "value"
    res.insert(0, "metric", name)
    res.insert(1, "kind", kind)
    res.insert(2, "role", spec["role"])
    res.insert(3, "direction", spec["direction"])
    res["scale"] = scale
    res["mde"] = mde_from_se(res["se"].to_numpy(), alpha=alpha)
    return res


def analyse_metrics(metrics: Mapping, units: pd.DataFrame, rows: Mapping[str, pd.DataFrame], *, end,
                    control: str = "control", treatment: str = "treatment", alpha: float = 0.05,
                    correction: str = "holm", n_boot: int = 2000, seed=0) -> pd.DataFrame:
    """Every metric (one row each) with ``p_adjusted`` (Holm or Benjamini–Hochberg over all metrics,
    :func:`csm.stats.adjust_pvalues`) and ``verdict`` (improved / degraded / no_change / not_tested,
    judged on ``p_adjusted < alpha`` and the metric's direction). A metric that cannot be computed
    (e.g. no variance) gets verdict ``not_tested``, its reason in ``error`` (English) and, for the report's
    language, ``error_reason`` (a code of :class:`csm.abtest.compare.Untestable`) with ``error_values``."""
    specs = check_metrics(metrics)
    frames = []
    for name, spec in specs.items():
        try:
            frames.append(analyse_metric(name, spec, units, rows, end=end, control=control, treatment=treatment,
                                         alpha=alpha, n_boot=n_boot, seed=seed))
        except AnalysisError as exc:  # its reason in words of the report's language: error_reason, error_values
            frames.append(pd.DataFrame([{"metric": name, "kind": spec["kind"], "role": spec["role"],
                                         "direction": spec["direction"], "error": str(exc),
                                         "error_reason": getattr(exc, "reason", "other"),
                                         "error_values": dict(getattr(exc, "values", {}))}]))
    out = pd.concat(frames, ignore_index=True)
    if "error" not in out.columns:
        out["error"] = ""
    out["error"] = out["error"].fillna("").astype(STR)
    if "error_reason" not in out.columns:
        out["error_reason"] = ""
        out["error_values"] = None
    out["error_reason"] = out["error_reason"].fillna("").astype(STR)
    adj = cs.adjust_pvalues(out["p_value"].astype(float), method=correction, alpha=alpha)
    out["p_adjusted"] = adj["p_adjusted"].to_numpy()
    better = np.where(out["direction"] == "higher", out["estimate"] > 0, out["estimate"] < 0)
    significant = out["p_adjusted"] < alpha
    out["significant"] = significant.to_numpy()
    out["verdict"] = np.select([out["p_adjusted"].isna(), significant & better, significant & ~better],
                               ["not_tested", "improved", "degraded"], "no_change")
    return out


@dataclass(frozen=True)
class Decision:
    """The launch decision (``ship``, ``do_not_ship``, ``inconclusive`` or ``inconclusive_srm``) and one reason
    per metric (metric, role, verdict, reason: a phrase key ``reason_<role>_<verdict>``)."""

    decision: str
    reasons: pd.DataFrame = field(repr=False)


def decide(results: pd.DataFrame, *, srm: SRMResult | None = None, sequential: pd.DataFrame | None = None) -> Decision:
    """The launch decision and one reason per metric.

    ``ship``: a primary metric improved (after correction; and, with a sequential design, it crossed a
    boundary), no primary and no guardrail degraded; ``do_not_ship``: a guardrail (or a primary) degraded;
    ``inconclusive`` otherwise — and always when the sample-ratio check failed, since then the arms
    are not comparable. Returns a :class:`Decision`.
    """
    r = results[["metric", "role", "verdict"]].copy()
    if sequential is not None and len(sequential) and not sequential["crossed"].any():
        r.loc[(r["role"] == "primary") & (r["verdict"] == "improved"), "verdict"] = "no_change"
    r["reason"] = "reason_" + r["role"] + "_" + r["verdict"]
    primary = r[r["role"] == "primary"]["verdict"]
    guard = r[r["role"] == "guardrail"]["verdict"]
    if srm is not None and srm.flagged:
        decision = "inconclusive_srm"
    elif (guard == "degraded").any() or (primary == "degraded").any():
        decision = "do_not_ship"
    elif (primary == "improved").any():
        decision = "ship"
    else:
        decision = "inconclusive"
    return Decision(decision, r.reset_index(drop=True))


# --------------------------------------------------------------------------- sequential looks
def sequential_looks(name: str, spec: Mapping, units: pd.DataFrame, rows: Mapping[str, pd.DataFrame], *,
                     looks: Sequence, time_columns: Mapping[str, str], control: str = "control",
                     treatment: str = "treatment", alpha: float = 0.05, planned_units: int | None = None,
                     seed: int = 0) -> pd.DataFrame:
    """The metric as it would have been seen at each planned look date, against O'Brien–Fleming-type
    Lan–DeMets boundaries. At a look, only units assigned and rows recorded by the end of that day count;
    the information fraction is units at the look / ``planned_units`` (default: units at the last look).
    Columns: look_date, units, estimate, ci_low, ci_high (unadjusted), z, plus :func:`sequential_monitor`'s."""
    dates = [pd.Timestamp(d) for d in looks]
    if not dates or any(b <= a for a, b in pairwise(dates)):
        raise ParameterError(f"looks must be increasing dates, got {list(looks)}")
    stats_ = []
    for d in dates:
        cut = d.normalize() + pd.Timedelta(days=1)
        u = units[units["assigned_at"] < cut]
        stop = cut.to_pydatetime()
        rr = {}
        for k, v in rows.items():  # rows recorded by the end of the look's day; rows of later units drop out
            rel = ab_engine.relation(v)
            rr[k] = rel.filter(rel[time_columns[k]] < stop) if k in time_columns else rel
        res = analyse_metric(name, spec, u, rr, end=d, control=control, treatment=treatment, alpha=alpha,
                             n_boot=200, seed=seed)
        r = res.iloc[0]
        stats_.append({"look_date": d, "units": len(u), "estimate": r["estimate"], "ci_low": r["ci_low"],
                       "ci_high": r["ci_high"], "z": r["estimate"] / r["se"]})
    s = pd.DataFrame(stats_)
    total = planned_units or s["units"].iloc[-1]
    frac = np.minimum(s["units"].to_numpy() / total, 1.0)
    mon = sequential_monitor(s["z"].to_numpy(), frac, alpha, seed=seed)
    return pd.concat([s.drop(columns="z"), mon], axis=1)


# --------------------------------------------------------------------------- A/A check
def aa_simulation(numerator, denominator=None, *, n_splits: int = 500, alpha: float = 0.05, share: float = 0.5,
                  seed=0) -> pd.DataFrame:
    """False-positive rate of the delta-method ratio test (a mean when ``denominator`` is None) on random
    re-splits of the same units (A/A test: no true effect). Vectorised over splits.

    Returns one row: n_splits, alpha, false_positive_rate, ci_low, ci_high (Wilson), and ``p_values``
    is not kept (use a small n_splits to inspect them). Under a valid test the rate is near ``alpha``.
    """
    y = np.asarray(numerator, dtype=float)
    x = np.ones_like(y) if denominator is None else np.asarray(denominator, dtype=float)
    ok = ~(np.isnan(y) | np.isnan(x))
    y, x = y[ok], x[ok]
    if y.size < 4:
        raise AnalysisError(f"aa_simulation: needs at least 4 units, got {y.size}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    p_all = []
    chunk = int(max(1, min(100, 4_000_000 // y.size)))  # splits per matrix product, ≤ ~32 MB per weight matrix
    for start in range(0, n_splits, chunk):
        k = min(chunk, n_splits - start)
        m = rng.random((k, y.size)) < share
        arms = []
        for mask in (m, ~m):
            w = mask.astype(float)
            n = w.sum(1)
            sy, sx = w @ y, w @ x
            syy, sxx, sxy = w @ (y * y), w @ (x * x), w @ (x * y)
            vyy = (syy - sy**2 / n) / (n - 1)
            vxx = (sxx - sx**2 / n) / (n - 1)
            vxy = (sxy - sx * sy / n) / (n - 1)
            r = sy / sx
            var = (vyy - 2 * r * vxy + r**2 * vxx) / (n * (sx / n) ** 2)
            arms.append((r, var))
        z = (arms[0][0] - arms[1][0]) / np.sqrt(arms[0][1] + arms[1][1])
        p_all.append(2 * st.norm.sf(np.abs(z)))
    p = np.concatenate(p_all)
    hits = int((p < alpha).sum())
    ci = cs.wilson_interval(hits, p.size).iloc[0]
    return pd.DataFrame([{"n_splits": p.size, "alpha": alpha, "false_positives": hits,
                          "false_positive_rate": hits / p.size, "ci_low": ci["ci_low"], "ci_high": ci["ci_high"]}])


# --------------------------------------------------------------------------- unit of analysis
def unit_of_analysis(name: str, spec: Mapping, units: pd.DataFrame, rows: Mapping[str, pd.DataFrame], *, end,
                     control: str = "control", treatment: str = "treatment", confidence: float = 0.95,
                     min_clusters: int = 30) -> pd.DataFrame:
    """The same per-row metric three ways: naive row-level test (treats tickets as independent — wrong when
    customers were randomised), delta-method ratio at the unit, and OLS with errors clustered by unit — all three
    from the per-unit sums of one engine query (:func:`unit_values`).
    The naive standard error is too small by the square root of the design effect. One row per method."""
    v = unit_values({**spec, "kind": "ratio"}, units, rows, end=end)
    c, t = v[v["variant"] == control], v[v["variant"] == treatment]
    naive = cmp.compare_means_from_stats(_row_stats(c), _row_stats(t), confidence=confidence).assign(
        method="naive_rows")
    ratio = cmp.compare_ratio(c["num"], c["den"], t["num"], t["den"], confidence=confidence).assign(
        method="delta_method")
    both = pd.concat([c, t])
    clus = cmp.compare_clustered_sums(both, (both["variant"] == treatment).to_numpy(), confidence=confidence,
                                      min_clusters=min_clusters).assign(method="cluster_robust")
    cols = ["method", "estimate", "ci_low", "ci_high", "se", "p_value"]
    out = pd.concat([naive[cols], ratio[cols], clus[cols]], ignore_index=True)
    out["se_ratio_to_naive"] = out["se"] / out["se"].iloc[0]
    out.insert(0, "metric", name)
    return out


# --------------------------------------------------------------------------- power for the actual sample
def power_plan(results: pd.DataFrame, target_effects: Mapping[str, float] | None = None, *, alpha: float = 0.05,
               power: float = 0.8) -> pd.DataFrame:
    """Minimum detectable effect for the sample the test actually had, and units per arm needed for the
    ``target_effects`` (metric -> absolute effect), with statsmodels' power classes.

    Shares (proportions, ratios of a yes/no column): ``NormalIndPower`` on Cohen's h with the *effective*
    number of rows per arm ``rows / design effect`` (the delta-method variance over the naive one), turned
    back into units via rows per unit. Means: ``TTestIndPower`` with ``sd = se/√(1/n_C + 1/n_T)`` (after
    CUPED when used). Ordinal and NPS metrics use the normal MDE from their standard error only.
    Columns: metric, scale, baseline, n_actual (units per arm, smaller arm), mde, effect, n_needed.
    """
    from csm.abtest.design import minimum_detectable_effect, required_sample_size

    target_effects = dict(target_effects or {})
    rows = []
    for _, r in results[results["error"] == ""].iterrows():
        n_c, n_t = float(r["n_control"]), float(r["n_treatment"])
        effect = target_effects.get(r["metric"], np.nan)
        n_needed = np.nan
        if r["scale"] == "share":
            per_unit = r["denominator_control"] / n_c if "denominator_control" in r and not pd.isna(
                r.get("denominator_control")) else 1.0
            deff = r["design_effect"] if "design_effect" in r and not pd.isna(r.get("design_effect")) else 1.0
            eff_c, eff_t = n_c * per_unit / deff, n_t * per_unit / deff
            sign = -1 if r["direction"] == "lower" else 1
            mde = minimum_detectable_effect("proportion", eff_c, eff_t, baseline=float(r["control"]) if sign > 0
                                            else 1 - float(r["control"]), alpha=alpha, power=power)["mde"].iloc[0]
            mde *= sign
            if not np.isnan(effect):
                n_rows = required_sample_size("proportion", effect, baseline=float(r["control"]), alpha=alpha,
                                              power=power)["n_control"].iloc[0]
                n_needed = np.ceil(n_rows * deff / per_unit)
        elif r["kind"] == "mean":
            sd = r["se"] / np.sqrt(1 / n_c + 1 / n_t)
            mde = minimum_detectable_effect("mean", n_c, n_t, sd=sd, alpha=alpha, power=power)["mde"].iloc[0]
            mde *= -1 if r["direction"] == "lower" else 1
            if not np.isnan(effect):
                n_needed = required_sample_size("mean", effect, sd=sd, alpha=alpha, power=power)["n_control"].iloc[0]
        else:
            mde = float(mde_from_se(r["se"], alpha=alpha, power=power)) * (-1 if r["direction"] == "lower" else 1)
        rows.append({"metric": r["metric"], "scale": r["scale"], "baseline": r["control"],
                     "n_actual": min(n_c, n_t), "mde": mde, "effect": effect, "n_needed": n_needed})
    return pd.DataFrame(rows, columns=["metric", "scale", "baseline", "n_actual", "mde", "effect", "n_needed"])
