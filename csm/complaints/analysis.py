"""The complaint root-cause report in one call: :func:`analyse` (loaded data and the report's parameters in,
a frozen :class:`ComplaintsResult` out). Everything the notebook shows is computed here: the periods and
windows, every section's frames, the main spike (found by an exact key) and its text window, notes and
skipped sections, and :meth:`ComplaintsResult.records` for the run manifest."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from csm.complaints.concentration import Concentration, concentration, pair_counts
from csm.complaints.engine import TEXT_SAMPLE, bounded_rows, group_counts, lump, profile, profiles
from csm.engine import execute, relation_in
from csm.complaints.inputs import skipped_sections, tickets_in
from csm.complaints.outcomes import OutcomeDrivers, outcome_drivers, outcome_frame
from csm.complaints.pareto import pareto, pareto_within
from csm.complaints.ranking import period_changes, root_cause_table
from csm.complaints.resolution import resolution_hours, resolution_performance
from csm.complaints.spikes import (
    ALL_LEVEL,
    SpikeResult,
    describe_spikes,
    find_spikes,
    level_columns,
    spikes_drivers,
    weekly_cube,
)
from csm.complaints.terms import distinctive_terms, example_complaints
from csm.errors import CsmError, ParameterError
from csm.notes import Note, Skipped
from csm.periods import Period, resolve_periods

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
    #: texts fetched for the term analyses: window ("spike", "model") -> {"texts": texts in the window,
    #: "used": texts fetched (fewer when sampled, see ``max_texts``)}
    text_samples: dict = field(default_factory=dict)

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


def _slice_of(tickets, spike: pd.Series):
    """The tickets of a spike's series (its category and/or region; all tickets for an all-complaints spike),
    as a relation."""
    from csm.complaints.engine import relation_of

    rel = relation_of(tickets, "spike text window")
    for col in level_columns(spike["level"]):
        rel = rel.filter(rel[col] == spike[col])
    return rel


def _text_window(tickets, spike: pd.Series, weeks: int):
    start, stop = pd.Timestamp(spike["start"]), pd.Timestamp(spike["end"]) + pd.Timedelta(days=1)
    rel = _slice_of(tickets, spike)
    lo, hi = (start - pd.Timedelta(weeks=weeks)).to_pydatetime(), (stop + pd.Timedelta(weeks=weeks)).to_pydatetime()
    near = rel.filter((rel.created_at >= lo) & (rel.created_at < hi))
    return near, start, stop


def spike_text_window(tickets, spike: pd.Series, *, weeks: int = SPIKE_TEXT_WEEKS, max_rows: int = TEXT_SAMPLE
                      ) -> tuple[pd.DataFrame, pd.Series]:
    """The tickets of a spike's series from ``weeks`` weeks before its first week to ``weeks`` weeks after its
    last day, and for each whether it lies in the spike's weeks (``[start, end + 1 day)``). ``tickets``: a
    frame or a relation; at most ``max_rows`` tickets come back (created_at, ticket_id, the series' columns,
    description; a deterministic sample by ticket_id beyond, ``attrs["n"]`` the tickets in the window)."""
    near, start, stop = _text_window(tickets, spike, weeks)
    columns = [c for c in ("created_at", "ticket_id", *level_columns(spike["level"]), "description")
               if c in near.columns]
    frame, n = bounded_rows(near, columns, max_rows)
    frame.attrs.update(n=n, sampled=n > max_rows)
    return frame, (frame["created_at"] >= start) & (frame["created_at"] < stop)


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
            max_texts_per_group: int = 4000, seed: int = 20250101, max_texts: int = TEXT_SAMPLE,
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
    _check("max_texts", max_texts, low=1, integer=True)
    tick = (lambda i: progress(i, _STEPS)) if progress else (lambda i: None)
    # the heavy work runs in the engine (csm.engine): the tickets are a relation; only aggregates and the
    # bounded text samples come back
    tickets = relation_in(data, "tickets")
    if tickets is None:
        raise ParameterError("complaint analysis: the data have no tickets table; load it with tables=['tickets'].")
    info = profiles(tickets, {"all": None}, keys=())["all"]  # repeat_key below, from the model window's
    data_start, data_end = info.first, info.last
    current, previous = resolve_periods(period, comparison, data_end=data_end)
    model_start = current.end - pd.DateOffset(months=model_months)
    end_, start_, model_ = (t.to_pydatetime() for t in (current.end, current.start, pd.Timestamp(model_start)))
    c = tickets.created_at
    windows = profiles(tickets, {"period": (c >= start_) & (c < end_), "model": (c >= model_) & (c < end_),
                                 "history": c < end_}, keys=("model",))
    period_info, model_info, history_info = windows["period"], windows["model"], windows["history"]
    # a customer with two tickets in the model window has two in the table; else one distinct count of all rows
    info = replace(info, repeat_key=model_info.repeat_key or profile(tickets).repeat_key)
    in_period = tickets.filter((c >= start_) & (c < end_))
    model_tickets = tickets.filter((c >= model_) & (c < end_))
    history = tickets.filter(c < end_)
    if not period_info.n:
        tickets_in(tickets, current.start, current.end, what=f"complaints in {current.label}")  # raises
    if not model_info.n:
        tickets_in(tickets, model_start, current.end, what="complaints in the model window")  # raises
    lookback_start = current.end - pd.Timedelta(weeks=spike_lookback_weeks)
    chart_start = lookback_start - pd.Timedelta(weeks=CHART_LEAD_WEEKS)
    model_first = model_info.first.normalize()
    skipped = skipped_sections(info, dimensions=dimensions, covariates=model_covariates)
    skip = {s.section for s in skipped}
    notes: list[Note] = []
    tick(1)

    with_sub = "sub_reasons" not in skip and period_info.has("sub_reason")
    category_counts = group_counts(in_period, ["category", "sub_reason"] if with_sub else ["category"]) \
        if "category" in tickets.columns else None  # one count for both Pareto tables
    table = pareto(in_period, "category", counts=category_counts)
    within = pareto_within(in_period, "category", "sub_reason", top=top_categories, counts=category_counts) \
        if with_sub else None
    groups = [g for g in ("category", "region") if history_info.has(g)]
    cube = weekly_cube(history, groups, end=current.end, info=history_info)
    spikes = find_spikes(history, lookback_start=lookback_start, end=current.end, season_length=season_length,
                         alpha=spike_alpha, min_ratio=min_spike_ratio, cube=cube, info=history_info)
    driver_frames = spikes_drivers(history, spikes.summary, info=history_info)
    spike_table = describe_spikes(history, spikes, period=current, drivers=driver_frames)
    tick(2)
    conc, pairs = None, {}
    try:
        tested = [d for d in dimensions if info.has(d)]
        pairs = pair_counts(model_tickets, tested) if "category" in tickets.columns else {}
        conc = concentration(model_tickets, tested, counts=pairs)
    except CsmError as err:
        notes.append(Note("concentration_failed", message=str(err)))
    heatmap_dimension = None
    if conc is not None:
        strongest = conc.summary.sort_values("chi2", ascending=False).iloc[0]["dimension"]
        heatmap_dimension = "region" if "region" in conc.tests else strongest
    tick(3)
    outcomes = outcome_drivers(outcome_frame(model_tickets, repeat_within_days=repeat_within_days, data_end=data_end,
                                             repeat_key=model_info.repeat_key), covariates=model_covariates)
    tick(4)
    resolution = hours = None
    if "resolution" not in skip:
        # many categories: the largest and "all others" (the rows still add up to every complaint)
        lumped = lump(in_period, "category", max_levels, table.set_index("category")["count"])
        resolution = resolution_performance(lumped, sla_hours=sla_hours, data_end=data_end)
        hours = resolution_hours(in_period)
    changes = None
    if previous is not None:
        try:
            changes = period_changes(tickets, current, previous, max_levels=max_levels)
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
    for group in groups:
        counts = cube.series(group)
        weekly[group] = counts[counts["week"] >= chart_start].reset_index(drop=True)
        weekly_spikes[group] = spike_table[spike_table["level"].isin([group, ALL_LEVEL])
                                           & spike_table["finding"].astype(bool)]
    spike = main_spike(root, spike_table)
    series = drivers = spike_terms = spike_examples = None
    texts = (0, 0)
    text_samples = {}
    if spike is not None:
        series = _series_of(spikes.scores, spike)
        series = series[series["week"] >= chart_start].reset_index(drop=True)
        drivers = driver_frames[spike_table.index.get_loc(spike.name)]
        if "spike_terms" not in skip:
            window, start, stop = _text_window(history, spike, SPIKE_TEXT_WEEKS)
            near, n_near = bounded_rows(window.filter(window.description.notnull()),
                                        ["created_at", "ticket_id", "description"], max_texts)
            if n_near > len(near):  # sampled: the counts of texts come from the engine
                has_text = window.description.notnull() & (window.description.length() > 0)
                during_ = (window.created_at >= start.to_pydatetime()) & (window.created_at < stop.to_pydatetime())
                counts = execute(window.aggregate(during=(has_text & during_).ifelse(1, 0).sum(),
                                              usual=(has_text & ~during_).ifelse(1, 0).sum())).iloc[0]
                texts = tuple(int(v) if pd.notna(v) else 0 for v in (counts["during"], counts["usual"]))
            else:
                in_weeks = (near["created_at"] >= start) & (near["created_at"] < stop)
                has_text = near["description"].str.len() > 0
                texts = (int((has_text & in_weeks).sum()), int((has_text & ~in_weeks).sum()))
            text_samples["spike"] = {"texts": n_near, "used": len(near)}
            if n_near > max_texts:
                notes.append(Note("texts_sampled", window="spike", n=n_near, sampled=len(near)))
            during = (near["created_at"] >= start) & (near["created_at"] < stop)
            groups_ = during.map({True: SPIKE_GROUP, False: USUAL_GROUP})
            try:
                spike_terms = distinctive_terms(near["description"], groups_, top=SPIKE_TERMS_TOP,
                                                max_texts_per_group=max_texts_per_group, seed=seed)
                spike_examples = example_complaints(near["description"], groups_,
                                                    spike_terms[spike_terms["group"] == SPIKE_GROUP],
                                                    per_group=SPIKE_EXAMPLES, seed=seed)
            except CsmError as err:
                notes.append(Note("spike_terms_failed", message=str(err)))
    tick(7)
    for model in outcomes.models.values():
        notes += list(model.notes)
    notes += [n for n in outcomes.skipped.values() if n.code == "model_failed"]
    category_terms = category_examples = None
    n_texts = model_info.filled.get("description", 0)
    if "words" not in skip and n_texts:
        # many categories: the largest and "all others" as one group (one table row each)
        # the model window's categories, from a contingency count when there is one
        model_counts = next(iter(pairs.values())).groupby("category")["count"].sum() if pairs else None
        lumped = lump(model_tickets, "category", max_levels, model_counts)
        texts_frame, n_model_texts = bounded_rows(lumped.filter(lumped.description.notnull()),
                                                  ["created_at", "ticket_id", "category", "description"], max_texts,
                                                  n=n_texts)
        text_samples["model"] = {"texts": n_model_texts, "used": len(texts_frame)}
        if n_model_texts > max_texts:
            notes.append(Note("texts_sampled", window="model", n=n_model_texts, sampled=len(texts_frame)))
        term_groups = texts_frame["category"]
        try:
            category_terms = distinctive_terms(texts_frame["description"], term_groups,
                                               max_texts_per_group=max_texts_per_group, seed=seed)
        except CsmError as err:
            notes.append(Note("category_terms_failed", message=str(err)))
        if category_terms is not None and len(category_terms):
            category_examples = example_complaints(texts_frame["description"], term_groups, category_terms,
                                                   per_group=CATEGORY_EXAMPLES, seed=seed)
    tick(8)
    parameters = {"period": period, "comparison": comparison, "spike_lookback_weeks": spike_lookback_weeks,
                  "model_months": model_months, "repeat_within_days": repeat_within_days, "sla_hours": sla_hours,
                  "sla_target": sla_target, "dimensions": tuple(dimensions),
                  "model_covariates": tuple(model_covariates), "season_length": season_length,
                  "spike_alpha": spike_alpha, "min_spike_ratio": min_spike_ratio, "top_categories": top_categories,
                  "max_levels": max_levels, "max_texts_per_group": max_texts_per_group, "seed": seed,
                  "max_texts": max_texts,
                  "spike_window_weeks": SPIKE_WINDOW_WEEKS, "spike_min_excess": SPIKE_MIN_EXCESS}
    result = ComplaintsResult(
        period=current, comparison=previous, data_start=data_start, data_end=data_end,
        search_start=max(lookback_start, history_info.first), chart_start=chart_start,
        model_start=max(model_start, model_first), model_window_full=bool(data_start < model_start),
        n_period=period_info.n, n_model=model_info.n, pareto=table, pareto_within=within, spikes=spikes,
        spike_table=spike_table, weekly=weekly, weekly_spikes=weekly_spikes, main_spike=spike,
        main_spike_series=series, main_spike_drivers=drivers, main_spike_terms=spike_terms,
        main_spike_examples=spike_examples, main_spike_texts=texts, concentration=conc,
        heatmap_dimension=heatmap_dimension, outcomes=outcomes, has_customer_key=model_info.repeat_key,
        resolution=resolution, resolution_hours=hours, changes=changes, category_terms=category_terms,
        category_examples=category_examples, n_model_texts=n_texts, root=root,
        data_quality=data.quality_summary(), data_problems=getattr(data, "problems", None),
        notes=tuple(notes), skipped=tuple(skipped), parameters=parameters, text_samples=text_samples)
    tick(_STEPS)
    return result
