"""The complaint root-cause report in one call: :func:`analyse` (loaded data and the report's parameters in,
a frozen :class:`ComplaintsResult` out). Everything the notebook shows is computed here: the periods and
windows, every section's frames, the main spike (found by an exact key) and its text window, notes and
skipped sections, and :meth:`ComplaintsResult.records` for the run manifest."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .concentration import Concentration, concentration
from .inputs import has_customer_key, has_values, skipped_sections, tickets_in
from .outcomes import OutcomeDrivers, outcome_drivers, outcome_frame
from .pareto import pareto, pareto_within
from .ranking import period_changes, root_cause_table
from .resolution import resolution_hours, resolution_performance
from .spikes import (
    ALL_LEVEL,
    SpikeResult,
    describe_spikes,
    find_spikes,
    level_columns,
    spike_drivers,
    weekly_counts,
)
from csm.complaints.terms import distinctive_terms, example_complaints
from csm.errors import CsmError, ParameterError
from csm.notes import Note, Skipped
from csm.periods import Period, resolve_periods
from csm.levels import lump_levels

__all__ = ["ComplaintsResult", "analyse", "for_record", "main_spike", "spike_text_window", "MONTH_DAYS", "SPIKE_WINDOW_WEEKS", "SPIKE_TEXT_WEEKS",
           "CHART_LEAD_WEEKS", "SPIKE_MIN_EXCESS"]

#: Average days per month: windows in months (a finding's ``months``) are days / this.
MONTH_DAYS = 365.25 / 12
#: Rolling-median window of the spike baseline (weeks) and the minimum excess of a spike week (tickets).
SPIKE_WINDOW_WEEKS = 13
SPIKE_MIN_EXCESS = 10
#: Weeks before and after the main spike whose complaint texts are its "usual weeks".
SPIKE_TEXT_WEEKS = 8
#: Weekly charts start this many weeks before the spike search window (a quarter of context).
CHART_LEAD_WEEKS = 13
#: Spike terms and examples shown for the main spike.
SPIKE_TERMS_TOP = 10
SPIKE_EXAMPLES = 3
CATEGORY_EXAMPLES = 2
#: Groups of the main spike's text comparison (label codes).
SPIKE_GROUP, USUAL_GROUP = "complaint_spike_period", "complaint_usual_weeks"

_STEPS = 9


@dataclass(frozen=True)
class ComplaintsResult:
    """Everything the complaint root-cause report shows, as tidy frames and small result objects.

    Periods: ``period``, ``comparison`` (:class:`~csm.periods.Period`, None without a comparison);
    ``search_start`` (first day of the spike search shown), ``chart_start`` (first week of the weekly charts),
    ``model_start`` (first day of the concentration/outcome/text window actually covered),
    ``model_window_full`` (the data reach back the ``model_months`` asked for); ``data_start``/``data_end``
    (first and last ticket). Sections: ``pareto``, ``pareto_within`` (None without sub-reasons), ``spikes``
    (:class:`SpikeResult`), ``spike_table`` (:func:`describe_spikes`), ``weekly`` / ``weekly_spikes`` (group ->
    weekly counts from ``chart_start`` / the finding spikes to shade), ``main_spike`` (the top spike finding's
    row of ``spike_table``, None without one) with ``main_spike_series``, ``main_spike_drivers``,
    ``main_spike_terms`` / ``main_spike_examples`` and ``main_spike_texts`` ((texts in the spike weeks, texts
    in the usual weeks)), ``concentration`` (None when nothing could be tested) with ``heatmap_dimension``,
    ``outcomes`` (:class:`OutcomeDrivers`), ``resolution`` and ``resolution_hours`` (None without
    resolved_at), ``changes`` (None without a comparison), ``category_terms`` / ``category_examples``,
    ``n_model_texts``, ``root`` (:func:`root_cause_table`). ``notes`` (:class:`~csm.notes.Note`) and
    ``skipped`` (:class:`~csm.notes.Skipped`). ``parameters``: the analysis parameters used.
    """

    period: Period
    comparison: Period | None
    data_start: pd.Timestamp
    data_end: pd.Timestamp
    search_start: pd.Timestamp
    chart_start: pd.Timestamp
    model_start: pd.Timestamp
    model_window_full: bool
    n_period: int
    n_model: int
    pareto: pd.DataFrame
    pareto_within: pd.DataFrame | None
    spikes: SpikeResult
    spike_table: pd.DataFrame
    weekly: dict
    weekly_spikes: dict
    main_spike: pd.Series | None
    main_spike_series: pd.DataFrame | None
    main_spike_drivers: pd.DataFrame | None
    main_spike_terms: pd.DataFrame | None
    main_spike_examples: pd.DataFrame | None
    main_spike_texts: tuple[int, int]
    concentration: Concentration | None
    heatmap_dimension: str | None
    outcomes: OutcomeDrivers
    has_customer_key: bool
    resolution: pd.DataFrame | None
    resolution_hours: pd.DataFrame | None
    changes: pd.DataFrame | None
    category_terms: pd.DataFrame | None
    category_examples: pd.DataFrame | None
    n_model_texts: int
    root: pd.DataFrame
    data_quality: pd.DataFrame
    data_problems: pd.DataFrame | None
    notes: tuple[Note, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    parameters: dict = field(default_factory=dict)

    @property
    def model_months(self) -> float:
        """Months the model window covers (ending with the period)."""
        return (self.period.end - self.model_start).days / MONTH_DAYS

    def skipped_of(self, *sections: str, prefix: bool = False) -> list[Skipped]:
        """The skipped sections named (or, with ``prefix``, starting with one of the names)."""
        return [s for s in self.skipped if (s.section.startswith(sections) if prefix else s.section in sections)]

    def is_skipped(self, section: str) -> bool:
        return any(s.section == section for s in self.skipped)

    def records(self) -> dict[str, object]:
        """What the notebook records for the run manifest, in order (floats rounded by :func:`for_record`)."""
        spikes, period, previous = self.spike_table, self.period, self.comparison
        spike_columns = ["level", *self.spikes.by, "start", "end", "weeks", "observed", "expected", "excess", "ratio",
                         "p_value", "method", "drivers", "finding", "explained_by", "part_of", "breakdown", "in_period"]
        drivers = self.outcomes.summary
        return {
            "period": {"period": period.label, "start": period.start, "end": period.last_day,
                       "comparison": previous.label if previous else None},
            "skipped": [{"section": s.section, "needs": s.needs} for s in self.skipped],
            "pareto": self.pareto[["category", "count", "share", "cumulative_share", "vital_few"]],
            "spike_search": {"tested": self.spikes.tested, "weeks": self.spikes.weeks, "needed": self.spikes.min_weeks},
            "spikes": for_record(spikes[spike_columns]),
            "root_causes": for_record(self.root.drop(columns=["effect_name", "spike_index"])),
            "changes": for_record(self.changes.rename(columns={"estimate": "rate_ratio"})[[
                "category", "count", "count_previous", "rate_ratio", "ci_low", "ci_high", "p_adjusted"]])
            if self.changes is not None else None,
            "concentration": for_record(self.concentration.summary) if self.concentration is not None else None,
            "outcome_drivers": for_record(drivers[drivers["significant"].astype(bool)]
                                          .rename(columns={"estimate": "odds_ratio"})),
            "resolution": for_record(self.resolution) if self.resolution is not None else None,
            "distinctive_terms": for_record(self.category_terms) if self.category_terms is not None else None,
            "data_quality": self.data_quality,
        }


def for_record(frame: pd.DataFrame | None, digits: int = 6) -> pd.DataFrame | None:
    """A copy of a result frame for the run manifest with every float rounded to ``digits`` significant digits:
    recorded results are compared across machines (nbval, ``csm rerun``), and STL baselines, fitted models
    and p-values differ in their last bits between CPUs and BLAS kernels."""
    if frame is None:
        return None
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            values = out[col].to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                mag = np.where(np.isfinite(values) & (values != 0), np.floor(np.log10(np.abs(values))), 0)
            scale = 10.0 ** (digits - 1 - mag)
            out[col] = np.where(np.isfinite(values), np.round(values * scale) / scale, values)
    return out


def _series_of(scores: pd.DataFrame, spike: pd.Series) -> pd.DataFrame:
    """The weekly scores of the series a spike belongs to (its level and its level's values)."""
    series = scores[scores["level"] == spike["level"]]
    for col in level_columns(spike["level"]):
        series = series[series[col] == spike[col]]
    return series


def _slice_of(tickets: pd.DataFrame, spike: pd.Series) -> pd.DataFrame:
    """The tickets of a spike's series (its category and/or region; all tickets for an all-complaints spike)."""
    for col in level_columns(spike["level"]):
        tickets = tickets[tickets[col] == spike[col]]
    return tickets


def spike_text_window(tickets: pd.DataFrame, spike: pd.Series, *, weeks: int = SPIKE_TEXT_WEEKS
                      ) -> tuple[pd.DataFrame, pd.Series]:
    """The tickets of a spike's series from ``weeks`` weeks before its first week to ``weeks`` weeks after its
    last day, and for each whether it lies in the spike's weeks (``[start, end + 1 day)``)."""
    start, stop = pd.Timestamp(spike["start"]), pd.Timestamp(spike["end"]) + pd.Timedelta(days=1)
    series = _slice_of(tickets, spike)
    near = series[(series["created_at"] >= start - pd.Timedelta(weeks=weeks))
                  & (series["created_at"] < stop + pd.Timedelta(weeks=weeks))]
    return near, (near["created_at"] >= start) & (near["created_at"] < stop)


def main_spike(root: pd.DataFrame, spike_table: pd.DataFrame) -> pd.Series | None:
    """The row of ``spike_table`` behind the first spike of the ranked findings (by its exact row key,
    ``root["spike_index"]``), None when no spike is ranked."""
    spikes = root[root["kind"] == "spike"]
    if spikes.empty:
        return None
    return spike_table.loc[int(spikes["spike_index"].iloc[0])]


def _check(name: str, value, *, low=None, high=None, integer: bool = False) -> None:
    if integer and (isinstance(value, bool) or not isinstance(value, (int, np.integer))):
        raise ParameterError(f"{name} must be a whole number; got {value!r}.")
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        raise ParameterError(f"{name} must be a number; got {value!r}.")
    if (low is not None and value < low) or (high is not None and value > high):
        rng = f"between {low} and {high}" if low is not None and high is not None else \
            f"at least {low}" if low is not None else f"at most {high}"
        hint = " (a fraction: write 0.80 for 80%)" if name == "sla_target" else ""
        raise ParameterError(f"{name} must be {rng}{hint}; got {value!r}.")


def analyse(data, *, period: str = "latest", comparison: str | None = "previous", spike_lookback_weeks: int = 78,
            model_months: int = 12, repeat_within_days: float = 30, sla_hours: float = 24,
            sla_target: float | None = 0.8, dimensions=("channel", "region", "product", "priority"),
            model_covariates=("category", "channel", "region", "priority", "tenure_band"), season_length: int = 52,
            spike_alpha: float = 0.05, min_spike_ratio: float = 1.2, top_categories: int = 3, max_levels: int = 10,
            max_texts_per_group: int = 4000, seed: int = 20250101,
            progress: Callable[[int, int], None] | None = None) -> ComplaintsResult:
    """The complaint root-cause analysis of ``data`` (a :class:`csm.data.load.Dataset` with a tickets table)
    for the reporting ``period`` (parameters as in notebooks/complaint_root_cause, documented there).

    Windows: the Pareto, resolution and "what changed" use the period's tickets; spikes are searched over
    all history up to the period end and listed when they end within ``spike_lookback_weeks`` weeks before it;
    concentration, outcome models and the text analysis use the ``model_months`` months ending with the
    period (or all data up to its end when the data begin later). With many categories, resolution, changes
    and the category terms use the ``max_levels`` largest and "all others". ``progress(done, total)`` is
    called after each step.
    """
    if sla_target is not None:
        _check("sla_target", sla_target, low=0, high=1)
    _check("sla_hours", sla_hours, low=0)
    _check("model_months", model_months, low=1, integer=True)
    _check("spike_lookback_weeks", spike_lookback_weeks, low=1, integer=True)
    _check("max_levels", max_levels, low=1, integer=True)
    _check("top_categories", top_categories, low=1, integer=True)
    tick = (lambda i: progress(i, _STEPS)) if progress else (lambda i: None)
    tickets = data.tickets
    if tickets is None:
        raise ParameterError("complaint analysis: the data have no tickets table; load it with tables=['tickets'].")
    data_start, data_end = tickets["created_at"].min(), tickets["created_at"].max()
    current, previous = resolve_periods(period, comparison, data_end=data_end)
    in_period = tickets_in(tickets, current.start, current.end, what=f"complaints in {current.label}")
    model_start = current.end - pd.DateOffset(months=model_months)
    model_tickets = tickets_in(tickets, model_start, current.end, what="complaints in the model window")
    history = tickets[tickets["created_at"] < current.end]
    lookback_start = current.end - pd.Timedelta(weeks=spike_lookback_weeks)
    chart_start = lookback_start - pd.Timedelta(weeks=CHART_LEAD_WEEKS)
    model_first = model_tickets["created_at"].min().normalize()
    skipped = skipped_sections(tickets, dimensions=dimensions, covariates=model_covariates)
    skip = {s.section for s in skipped}
    notes: list[Note] = []
    tick(1)

    table = pareto(in_period, "category")
    within = pareto_within(in_period, "category", "sub_reason", top=top_categories) \
        if "sub_reasons" not in skip and in_period["sub_reason"].notna().any() else None
    spikes = find_spikes(history, lookback_start=lookback_start, end=current.end, season_length=season_length,
                         alpha=spike_alpha, min_ratio=min_spike_ratio)
    spike_table = describe_spikes(history, spikes, period=current)
    tick(2)
    conc = None
    try:
        conc = concentration(model_tickets, [d for d in dimensions if has_values(tickets, d)])
    except CsmError as err:
        notes.append(Note("concentration_failed", message=str(err)))
    heatmap_dimension = None
    if conc is not None:
        strongest = conc.summary.sort_values("chi2", ascending=False).iloc[0]["dimension"]
        heatmap_dimension = "region" if "region" in conc.tests else strongest
    tick(3)
    outcomes = outcome_drivers(outcome_frame(model_tickets, repeat_within_days=repeat_within_days, data_end=data_end),
                               covariates=model_covariates)
    tick(4)
    resolution = hours = None
    if "resolution" not in skip:
        # many categories: the largest and "all others" (the rows still add up to every complaint)
        resolution = resolution_performance(lump_levels(in_period, "category", max_levels), sla_hours=sla_hours,
                                            data_end=data_end)
        hours = resolution_hours(in_period)
    changes = None
    if previous is not None:
        try:
            both = tickets[(tickets["created_at"] >= min(current.start, previous.start))
                           & (tickets["created_at"] < max(current.end, previous.end))]
            changes = period_changes(lump_levels(both, "category", max_levels), current, previous)
        except CsmError as err:
            notes.append(Note("changes_failed", message=str(err)))
    tick(5)
    root = root_cause_table(spikes=spike_table, concentration_cells=conc.cells if conc else None,
                            drivers=outcomes.summary, resolution=resolution, sla_target=sla_target,
                            model_months=(current.end - max(model_start, model_first)).days / MONTH_DAYS,
                            period_months=(current.end - current.start).days / MONTH_DAYS)
    notes += list(spikes.notes)
    tick(6)

    weekly, weekly_spikes = {}, {}
    for group in (g for g in ("category", "region") if has_values(history, g)):
        counts = weekly_counts(history, group, end=current.end)
        weekly[group] = counts[counts["week"] >= chart_start].reset_index(drop=True)
        weekly_spikes[group] = spike_table[spike_table["level"].isin([group, ALL_LEVEL])
                                           & spike_table["finding"].astype(bool)]
    spike = main_spike(root, spike_table)
    series = drivers = spike_terms = spike_examples = None
    texts = (0, 0)
    if spike is not None:
        series = _series_of(spikes.scores, spike)
        series = series[series["week"] >= chart_start].reset_index(drop=True)
        drivers = spike_drivers(history, spike)
        if "spike_terms" not in skip:
            near, during = spike_text_window(history, spike)
            groups = during.map({True: SPIKE_GROUP, False: USUAL_GROUP})
            has_text = near["description"].notna() & (near["description"].str.len() > 0)
            texts = (int((has_text & during).sum()), int((has_text & ~during).sum()))
            try:
                spike_terms = distinctive_terms(near["description"], groups, top=SPIKE_TERMS_TOP,
                                                max_texts_per_group=max_texts_per_group, seed=seed)
                spike_examples = example_complaints(near["description"], groups,
                                                    spike_terms[spike_terms["group"] == SPIKE_GROUP],
                                                    per_group=SPIKE_EXAMPLES, seed=seed)
            except CsmError as err:
                notes.append(Note("spike_terms_failed", message=str(err)))
    tick(7)
    for model in outcomes.models.values():
        notes += list(model.notes)
    notes += [n for n in outcomes.skipped.values() if n.code == "model_failed"]
    category_terms = category_examples = None
    n_texts = int(model_tickets["description"].notna().sum()) if "description" in model_tickets else 0
    if "words" not in skip and n_texts:
        # many categories: the largest and "all others" as one group (one table row each)
        term_groups = lump_levels(model_tickets, "category", max_levels)["category"]
        try:
            category_terms = distinctive_terms(model_tickets["description"], term_groups,
                                               max_texts_per_group=max_texts_per_group, seed=seed)
        except CsmError as err:
            notes.append(Note("category_terms_failed", message=str(err)))
        if category_terms is not None and len(category_terms):
            category_examples = example_complaints(model_tickets["description"], term_groups, category_terms,
                                                   per_group=CATEGORY_EXAMPLES, seed=seed)
    tick(8)
    parameters = {"period": period, "comparison": comparison, "spike_lookback_weeks": spike_lookback_weeks,
                  "model_months": model_months, "repeat_within_days": repeat_within_days, "sla_hours": sla_hours,
                  "sla_target": sla_target, "dimensions": tuple(dimensions),
                  "model_covariates": tuple(model_covariates), "season_length": season_length,
                  "spike_alpha": spike_alpha, "min_spike_ratio": min_spike_ratio, "top_categories": top_categories,
                  "max_levels": max_levels, "max_texts_per_group": max_texts_per_group, "seed": seed,
                  "spike_window_weeks": SPIKE_WINDOW_WEEKS, "spike_min_excess": SPIKE_MIN_EXCESS}
    result = ComplaintsResult(
        period=current, comparison=previous, data_start=data_start, data_end=data_end,
        search_start=max(lookback_start, history["created_at"].min()), chart_start=chart_start,
        model_start=max(model_start, model_first), model_window_full=bool(data_start < model_start),
        n_period=len(in_period), n_model=len(model_tickets), pareto=table, pareto_within=within, spikes=spikes,
        spike_table=spike_table, weekly=weekly, weekly_spikes=weekly_spikes, main_spike=spike,
        main_spike_series=series, main_spike_drivers=drivers, main_spike_terms=spike_terms,
        main_spike_examples=spike_examples, main_spike_texts=texts, concentration=conc,
        heatmap_dimension=heatmap_dimension, outcomes=outcomes, has_customer_key=has_customer_key(model_tickets),
        resolution=resolution, resolution_hours=hours, changes=changes, category_terms=category_terms,
        category_examples=category_examples, n_model_texts=n_texts, root=root,
        data_quality=data.quality_summary(), data_problems=getattr(data, "problems", None),
        notes=tuple(notes), skipped=tuple(skipped), parameters=parameters)
    tick(_STEPS)
    return result
