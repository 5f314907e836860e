"""The A/B test report's analysis: one call from the loaded data and the report's parameters to a result.

:func:`analyse` checks the assignments against the planned split, reads every metric at the randomisation
unit, corrects for the number of metrics, applies the planned sequential looks, and adds the appendix's
checks (pre-period balance, unit of analysis, CUPED, power, an A/A re-split) and the difference in
differences of a rollout that was not randomised. It returns an :class:`AbTestResult`; the report
(:mod:`csm.report.abtest`) only shows it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from csm.abtest.engine import row_count, units_table
from csm.abtest.design import SRMResult, covariate_balance, srm_check
from csm.abtest.did import DiDResult, RolloutPlan, difference_in_differences, placebo_did, pre_trends, rollout_plan
from csm.abtest.experiment import (
    aa_simulation,
    analyse_metrics,
    check_metrics,
    decide,
    experiment_rows,
    experiment_units,
    linked_rows,
    planned_looks,
    power_plan,
    sequential_looks,
    unit_of_analysis,
    unit_type_of,
    unit_values,
    UNIT_KEYS,
    usable_metrics,
)
from csm.engine import execute, quiet, relation_in
from csm.errors import DataError, ParameterError
from csm.notes import Note, Skipped
from csm.periods import Period, parse_period

__all__ = ["cuped_comparison", "AbTestResult", "analyse"]

#: the time column of each experiment table (a row counts at a look when recorded by then)
TIME_COLUMNS = {"tickets": "created_at", "responses": "submitted_at"}
#: units the A/A re-split of the control arm needs
AA_MIN_UNITS = 4


@dataclass(frozen=True)
class AbTestResult:
    """Everything the A/B test report shows.

    The set-up: ``experiment_id``, ``planned_split``, ``control``, ``treatment``, ``alpha`` (level of every
    test), ``correction``, ``srm_threshold``, ``min_clusters``, ``period`` (the experiment window, a
    :class:`~csm.periods.Period` from the first assignment day to the experiment end), ``report_period``
    (the ``period`` parameter: ``"latest"`` or the period that ended the experiment early).

    The experiment: ``units`` (one row per analysis unit), ``rows`` (experiment tickets, responses,
    customers with the columns the metrics use: tables cached in the engine, never fetched), ``row_counts`` (experiment tickets), ``unit_type``, ``analysis_unit`` (the unit type, or ``cluster``), ``units_per_arm``,
    ``few_clusters``, ``srm`` (:class:`~csm.abtest.design.SRMResult`), ``balance`` (pre-period covariates),
    ``specs`` (the metrics computed, ``{name: spec}``), ``requested`` (every metric asked for), ``primary``,
    ``metrics`` (one row per metric, verdicts before the sequential rule), ``decision`` and ``reasons``
    (after it), ``sequential_blocked`` (the primary improved but crossed no boundary).

    Sections: ``look_dates``, ``sequential`` (one row per look, or None), ``rollout``
    (:class:`~csm.abtest.did.RolloutPlan` or None), ``did``, ``did_trend``, ``did_pre_trend_p``,
    ``did_placebo``, ``did_groups`` (groups in the rollout column), ``unit_methods`` (the ticket-level
    ratio metrics three ways, :func:`~csm.abtest.experiment.unit_of_analysis`; ``unit_metric`` the one
    whose naive error is most wrong), ``cuped`` (per CUPED-adjusted metric, rows ``unadjusted`` and
    ``cuped``), ``power`` (:func:`~csm.abtest.experiment.power_plan`), ``aa`` (the A/A check, one row; None with fewer
    than :data:`AA_MIN_UNITS` control units).

    ``notes`` (:class:`~csm.notes.Note`) and ``skipped`` (:class:`~csm.notes.Skipped`, in the order the
    report meets them); :meth:`records` is what the notebook records."""

    experiment_id: str | None
    planned_split: Mapping
    control: str
    treatment: str
    alpha: float
    correction: str
    srm_threshold: float
    min_clusters: int
    period: Period
    report_period: str
    units: pd.DataFrame
    rows: dict
    unit_type: str
    analysis_unit: str
    units_per_arm: dict
    few_clusters: bool
    srm: SRMResult
    balance: pd.DataFrame
    specs: dict
    requested: dict
    primary: str
    metrics: pd.DataFrame
    decision: str
    reasons: pd.DataFrame
    sequential_blocked: bool
    look_dates: tuple
    looks_derived: bool
    sequential: pd.DataFrame | None
    rollout: RolloutPlan | None
    did: DiDResult | None
    did_trend: pd.DataFrame | None
    did_pre_trend_p: float | None
    did_placebo: DiDResult | None
    did_groups: int | None
    unit_methods: pd.DataFrame
    unit_metric: str | None
    cuped: pd.DataFrame
    power: pd.DataFrame
    aa: pd.DataFrame | None
    notes: tuple = field(default_factory=tuple)
    skipped: tuple = field(default_factory=tuple)
    row_counts: dict = field(default_factory=dict)

    def note(self, code: str) -> Note | None:
        """The note ``code`` (None when the analysis did not attach it)."""
        return next((n for n in self.notes if n.code == code), None)

    def records(self) -> dict[str, object]:
        """What the notebook records for the run manifest (keys and order as before issue 11; an effect is
        recorded as ``diff``)."""
        verdicts = self.reasons["verdict"]
        out: dict[str, object] = {
            "decision": self.decision,
            "srm_p_value": self.srm.p_value,
            "metrics": {r["metric"]: {"diff": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                                      "p_value": r["p_value"], "p_adjusted": r["p_adjusted"], "verdict": v}
                        for (_, r), v in zip(self.metrics.iterrows(), verdicts)},
            "experiment": {"experiment_id": self.experiment_id, "start": self.period.start,
                           "end": self.period.last_day,
                           "units": self.srm.summary.set_index("variant")["n"].astype(int).to_dict(),
                           "tickets": self.row_counts["tickets"]},
        }
        if "variance_reduction" in self.metrics.columns:
            adjusted = self.metrics[self.metrics["variance_reduction"].notna()]
            out["cuped_variance_reduction"] = dict(zip(adjusted["metric"], adjusted["variance_reduction"]))
        out["looks"] = {"dates": [f"{d:%Y-%m-%d}" for d in self.look_dates], "derived": self.looks_derived}
        seq = self.sequential
        out["sequential"] = (seq.drop(columns=["look_date"]).assign(look_date=seq["look_date"])
                             .rename(columns={"estimate": "diff"}) if seq is not None else None)
        out["aa_false_positive_rate"] = self.aa["false_positive_rate"].iloc[0] if self.aa is not None else None
        out["did"] = (self.did.summary.drop(columns=["warning"]).rename(columns={"estimate": "diff"}).iloc[0].to_dict()
                      if self.did is not None else None)
        out["skipped"] = [{"section": s.section, "needs": s.needs} for s in self.skipped]
        return out


def analyse(data, *, metrics: Mapping, planned_split: Mapping[str, float], experiment_id: str | None = None,
            experiment_end=None, period: str = "latest", control: str = "control", treatment: str = "treatment",
            alpha: float = 0.05, correction: str = "holm", srm_threshold: float = 0.001, looks=None,
            planned_units: int | None = None, power: float = 0.8, target_effects: Mapping | None = None,
            min_clusters: int = 30, n_boot: int = 2000, aa_splits: int = 500, seed=0,
            rollout: Mapping | None = None) -> AbTestResult:
    """The whole A/B test report from ``data`` (a :class:`csm.data.load.Dataset` with tickets and
    assignments; responses and customers for survey and churn metrics) and the notebook's parameters.

    Units are checked against ``planned_split`` (SRM at ``srm_threshold``), experiment rows run from each
    unit's assignment to ``experiment_end`` (default: the day of the last assignment; a ``period`` other
    than ``"latest"`` ends the experiment early and keeps the units assigned before its end), every metric
    is compared at the randomisation unit (per cluster when ``cluster_id`` is filled), p-values are
    corrected over the metrics (``correction``) and judged at ``alpha``. The primary metric is re-read at
    the planned ``looks`` (:func:`~csm.abtest.experiment.planned_looks`); without a crossed boundary an
    improvement does not ship. Metrics, CUPED adjustments, the rollout and the balance check that the
    data cannot support are listed in ``skipped``."""
    if control not in planned_split or treatment not in planned_split:
        raise ParameterError(f"control {control!r} and treatment {treatment!r} must be in planned_split "
                             f"{dict(planned_split)}")
    tickets, assignments = relation_in(data, "tickets"), relation_in(data, "assignments")
    responses, customers = relation_in(data, "responses"), relation_in(data, "customers")
    end = pd.Timestamp(experiment_end) if experiment_end else None
    if period != "latest":  # an explicit report period ends the experiment early (e.g. to re-read an interim look)
        report_period = parse_period(period, data_end=pd.Timestamp(execute(tickets.created_at.max())))
        end = min(end, report_period.last_day) if end is not None else report_period.last_day
        if assignments is not None:
            assignments = assignments.filter(assignments.assigned_at < report_period.end.to_pydatetime())

    units = experiment_units(assignments, planned_split=planned_split, experiment_id=experiment_id)
    unit_type = unit_type_of(units)
    notes = []
    if end is None:
        end = units["assigned_at"].max().normalize()
        if period == "latest":
            notes.append(Note("ab_end_derived", end=end))
    notes.append(Note("ab_period_ignored") if period == "latest" else Note("ab_period_used", period=period))
    srm = srm_check(units["variant"].value_counts(), planned_split, threshold=srm_threshold)
    balance = covariate_balance(units, [c for c in units.columns if c.startswith("pre_")], control=control,
                                treatment=treatment)
    specs, skipped = usable_metrics(check_metrics(metrics), tickets=tickets, responses=responses,
                                    customers=customers, units=units)
    uses = {name: [s["column"] for s in specs.values() if s["table"] == name]
            for name in ("tickets", "responses", "customers")}
    # the experiment rows, with the columns the metrics use, kept in the engine for the analysis's queries
    keep = ["ticket_id", "created_at", UNIT_KEYS[unit_type], *uses["tickets"]]
    rows = {"tickets": _kept(experiment_rows(tickets, units, time_column="created_at", end=end), keep)}
    if uses["responses"]:
        rows["responses"] = _kept(linked_rows(responses, rows["tickets"], on="ticket_id"),
                                  ["ticket_id", "submitted_at", *uses["responses"]])
    if uses["customers"]:
        if unit_type != "customer":
            raise ParameterError("customer-level metrics need an experiment randomised by customer")
        rows["customers"] = _kept(linked_rows(customers, units_table(units, ["unit_id", "variant", "assigned_at"]),
                                              on="customer_id", right_on="unit_id"), ["customer_id", *uses["customers"]])
    row_counts = {"tickets": row_count(rows["tickets"])}
    analysis_unit = unit_type
    if "cluster_id" in units.columns and units["cluster_id"].notna().any():
        units, rows = _to_clusters(units, rows)
        analysis_unit = "cluster"
        srm = srm_check(units["variant"].value_counts(), planned_split, threshold=srm_threshold)
    per_arm = {str(k): int(v) for k, v in units["variant"].value_counts().items()}
    few = analysis_unit in ("agent", "team", "cluster") and min(per_arm.values()) < min_clusters
    if few:
        notes.append(Note("ab_few_clusters", n=min(per_arm.values()), min_n=min_clusters))
    results = analyse_metrics(specs, units, rows, end=end, control=control, treatment=treatment, alpha=alpha,
                              correction=correction, n_boot=n_boot, seed=seed)
    window = Period(units["assigned_at"].min().normalize(), end.normalize() + pd.Timedelta(days=1), "range")
    primary = next(name for name, spec in specs.items() if spec["role"] == "primary")
    arms = dict(control=control, treatment=treatment, alpha=alpha)

    # sequential looks at the primary metric, then the decision
    look_dates, derived = planned_looks(looks, window.start, end)
    sequential = (sequential_looks(primary, specs[primary], units, rows, looks=look_dates, time_columns=TIME_COLUMNS,
                                   planned_units=planned_units, seed=seed, **arms) if look_dates else None)
    if derived and look_dates:
        notes.append(Note("ab_looks_derived", k=len(look_dates), dates=tuple(look_dates)))
    verdict = decide(results, srm=srm, sequential=sequential)
    decision, reasons = verdict.decision, verdict.reasons
    primary_improved = (results.loc[results["role"] == "primary", "verdict"] == "improved").any()
    blocked = sequential is not None and not sequential["crossed"].any() and bool(primary_improved)

    # a rollout without randomisation: difference in differences
    skipped = [Skipped(s["section"], s["needs"]) for s in skipped]
    plan = rollout_plan(rollout, tickets, experiment_start=window.start)
    did = trend = pre_p = placebo = groups = None
    if plan is None:
        notes.append(Note("ab_did_off"))
    elif plan.skipped:
        skipped += [Skipped(s["section"], s["needs"]) for s in plan.skipped]
    elif not plan.reason:
        did_args = plan.args
        did = difference_in_differences(tickets, confidence=1 - alpha, min_clusters=min_clusters, **did_args)
        trend, pre_p = pre_trends(tickets, confidence=1 - alpha, **did_args)
        placebo = placebo_did(tickets, confidence=1 - alpha, min_clusters=min_clusters, **did_args)
        groups = int(execute(tickets[did_args["group_column"]].nunique()))
        if plan.window_derived:
            notes.append(Note("ab_did_window_derived", start=pd.Timestamp(did_args["window"][0]),
                              end=pd.Timestamp(did_args["window"][1]), months=6))
    if not len(balance):
        skipped.append(Skipped("balance", "assignments.pre_*"))
    aa = _aa_check(specs[primary], units, rows, end=end, control=control, n_splits=aa_splits, alpha=alpha, seed=seed)
    if aa is None:
        notes.append(Note("ab_aa_too_few", n=int((units["variant"] == control).sum()), need=AA_MIN_UNITS))
        skipped.append(Skipped("aa", reason="too_few_units"))

    return AbTestResult(
        experiment_id=experiment_id, planned_split=dict(planned_split), control=control, treatment=treatment,
        alpha=alpha, correction=correction, srm_threshold=srm_threshold, min_clusters=min_clusters, period=window,
        report_period=period, units=units, rows=rows, unit_type=unit_type, analysis_unit=analysis_unit,
        units_per_arm=per_arm, few_clusters=few, srm=srm, balance=balance, specs=specs,
        requested=check_metrics(metrics), primary=primary, metrics=results, decision=decision, reasons=reasons,
        sequential_blocked=blocked, look_dates=tuple(look_dates), looks_derived=derived,
        sequential=sequential, rollout=plan, did=did,
        did_trend=trend, did_pre_trend_p=pre_p, did_placebo=placebo, did_groups=groups,
        **_unit_methods({name: specs[name] for name in results.loc[results["error"] == "", "metric"]}, units, rows,
                        end=end, min_clusters=min_clusters, **arms),
        cuped=cuped_comparison(results),
        power=power_plan(results, target_effects, alpha=alpha, power=power),
        aa=aa, notes=tuple(notes), skipped=tuple(skipped), row_counts=row_counts)


def _kept(rel, columns):
    """The experiment rows ``rel`` with ``columns`` (and unit_id, variant, assigned_at) as a table cached in the
    engine (``Table.cache``: a temporary table on DuckDB and PostgreSQL, a persisted frame on Spark; dropped when
    the result holding it is garbage-collected). It holds the experiment's rows only (bounded by the tickets of
    the assigned units in the window), so every per-unit query of the analysis reads it instead of the source
    (one scan of the tickets, one compiled join)."""
    import ibis

    columns = [c for c in dict.fromkeys([*columns, "unit_id", "variant", "assigned_at"]) if c in rel.columns]
    expr = rel.select(*columns)
    with quiet():
        backend = ibis.get_backend(expr)
        if backend.name == "pyspark":  # Ibis's PySpark cache() compiles without uploading the units table first
            backend._register_in_memory_tables(expr)
        cached = expr.cache()
        execute(cached.count())  # Spark caches lazily: fill it now, while the units table is registered
    return cached


def _unit_methods(specs: Mapping, units: pd.DataFrame, rows: Mapping, *, end, control: str, treatment: str,
                  alpha: float, min_clusters: int) -> dict:
    """Every (tested) ticket-level ratio metric three ways (:func:`unit_of_analysis`), and the one whose naive
    standard error is most wrong (largest delta-method / naive ratio)."""
    by_metric = {name: unit_of_analysis(name, spec, units, rows, end=end, control=control, treatment=treatment,
                                        confidence=1 - alpha, min_clusters=min_clusters)
                 for name, spec in specs.items() if spec["kind"] == "ratio" and spec["table"] == "tickets"}
    if not by_metric:
        return {"unit_methods": pd.DataFrame(columns=["metric", "method", "estimate", "ci_low", "ci_high", "se",
                                                      "p_value", "se_ratio_to_naive"]), "unit_metric": None}
    shown = max(by_metric, key=lambda name: by_metric[name]["se_ratio_to_naive"].iloc[1])
    return {"unit_methods": pd.concat(by_metric.values(), ignore_index=True), "unit_metric": shown}


def cuped_comparison(metrics: pd.DataFrame) -> pd.DataFrame:
    """The CUPED-adjusted metrics side by side with their unadjusted comparison: per metric two rows
    (``method`` unadjusted, cuped) with estimate, ci_low, ci_high, se, p_value. Empty without CUPED."""
    columns = ["metric", "method", "estimate", "ci_low", "ci_high", "se", "p_value"]
    if "variance_reduction" not in metrics.columns:
        return pd.DataFrame(columns=columns)
    adjusted = metrics[metrics["variance_reduction"].notna()]
    raw = adjusted[["metric"] + [f"{c}_unadjusted" for c in columns[2:]]].rename(
        columns=lambda c: c.removesuffix("_unadjusted")).assign(method="unadjusted")
    out = pd.concat([raw, adjusted[["metric", *columns[2:]]].assign(method="cuped")])
    order = {m: i for i, m in enumerate(adjusted["metric"])}
    out = out.sort_values(by=["metric", "method"], key=lambda s: s.map(order) if s.name == "metric"
                          else (s == "cuped").astype(int), kind="stable")
    return out[columns].reset_index(drop=True)


def _aa_check(spec: Mapping, units: pd.DataFrame, rows: Mapping, *, end, control: str, n_splits: int,
              alpha: float, seed) -> pd.DataFrame | None:
    """The A/A check of the primary metric: random re-splits of the control arm (:func:`aa_simulation`);
    None when the control arm has fewer than :data:`AA_MIN_UNITS` units (e.g. a few randomised clusters)."""
    values = unit_values(spec, units[units["variant"] == control], rows, end=end)
    if values[["num", "den"]].notna().all(axis=1).sum() < AA_MIN_UNITS:
        return None
    return aa_simulation(values["num"], values["den"], n_splits=n_splits, alpha=alpha, seed=seed)


def _to_clusters(units: pd.DataFrame, rows: dict) -> tuple[pd.DataFrame, dict]:
    """Units and rows re-keyed to ``cluster_id`` (one analysis unit per randomised cluster; the rows in the
    engine, joined to the unit → cluster map)."""
    if units["cluster_id"].isna().any():
        bad = units.loc[units["cluster_id"].isna(), "unit_id"].head(3).tolist()
        raise DataError(f"assignments, column 'cluster_id': filled for some units but empty for "
                        f"{int(units['cluster_id'].isna().sum())} (e.g. units {bad}); fill it for every unit or none.")
    arms = units.groupby("cluster_id")["variant"].nunique()
    if (arms > 1).any():
        bad = arms[arms > 1].index[:5].tolist()
        raise DataError(f"assignments, column 'cluster_id': clusters {bad} have units in more than one variant; "
                        "with cluster randomisation a whole cluster gets one variant.")
    pre = [c for c in units.columns if c.startswith("pre_")]
    clusters = units.groupby("cluster_id", as_index=False).agg(
        variant=("variant", "first"), assigned_at=("assigned_at", "min"), **{c: (c, "mean") for c in pre})
    clusters = clusters.rename(columns={"cluster_id": "unit_id"})
    to_cluster = units_table(units, ["unit_id", "cluster_id"], {"unit_id": "_unit", "cluster_id": "_cluster"})

    def rekey(rel):
        j = rel.join(to_cluster, rel.unit_id == to_cluster._unit)
        return j.select(*[c for c in rel.columns if c != "unit_id"], unit_id=j._cluster)

    return clusters, {name: rekey(rel) for name, rel in rows.items()}
