"""The KPI scorecard report as one analysis: :func:`analyse` (the loaded data and the notebook's parameters)
→ a frozen :class:`KpiResult` (periods, scorecard, trend, target status, control charts, league tables, what
was skipped and the notes), which :mod:`csm.report.kpi` shows and ``KpiResult.records()`` records.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from csm.errors import CsmError, DataError, ParameterError
from csm.kpi.core import _medians, scorecard_from, scorecard_periods, trend_from
from csm.kpi.core import trend_periods as trend_periods_of
from csm.kpi.definitions import resolve_definitions
from csm.engine import relation_in
from csm.kpi.inputs import Inputs, PeriodPlan, Stats, relation_of, require_columns
from csm.kpi.league import league_from
from csm.kpi.spc import aht_chart_from, fcr_chart_from
from csm.kpi.targets import baseline_start, check_targets, evaluate_targets
from csm.notes import Note, Skipped
from csm.periods import Period, resolve_periods, trend_frequency, trend_start

__all__ = ["SECTION_INPUTS", "skipped_sections", "definitions_from", "control_charts", "league_tables",
           "trend_kpis", "headline_rows", "available_rows", "kpi_notes", "analyse", "KpiResult"]


#: Scorecard sections that need an optional input: code -> alternatives, each a tuple of "table.column"
#: (or "table") that must all be present; the section is shown when any alternative is complete.
SECTION_INPUTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "csat": (("responses.csat",),),
    "nps": (("responses.nps",),),
    "fcr": (("tickets.first_contact_resolved",), ("tickets.contacts", "tickets.resolved_at")),
    "aht": (("tickets.handle_time_minutes",),),
    "first_response": (("tickets.first_response_at",),),
    "resolution": (("tickets.resolved_at",),),
    "churn": (("customers.churn_date",),),
    "team_league": (("tickets.team",),),
    "agent_league": (("tickets.agent_id",),),
}


def skipped_sections(has) -> list[Skipped]:
    """The scorecard sections the data cannot support: ``[Skipped("resolution", "tickets.resolved_at")]``.

    ``has(table, *columns)`` says whether a table (with those columns, holding values) was loaded, e.g.
    :meth:`csm.data.load.Dataset.has`. ``needs`` names what would enable the section (alternatives
    joined by " or ", columns needed together by " with "); a missing table is named by itself ("responses").
    """
    out = []
    for code, alternatives in SECTION_INPUTS.items():
        ok = False
        for alt in alternatives:
            by_table: dict[str, list[str]] = {}
            for item in alt:
                table, _, column = item.partition(".")
                by_table.setdefault(table, []).extend([column] if column else [])
            if all(has(t, *cols) for t, cols in by_table.items()):
                ok = True
                break
        if ok:
            continue
        texts = []
        for alt in alternatives:
            parts = [item if has(item.partition(".")[0]) else item.partition(".")[0] for item in alt]
            texts.append(" with ".join(dict.fromkeys(parts)))
        out.append(Skipped(code, " or ".join(dict.fromkeys(texts))))
    return out


def definitions_from(*, time_clock: str = "calendar", time_statistic: str = "median", aht_statistic: str = "mean",
                     sla_hours: float = 24, business_hours: Mapping | None = None, holidays=()) -> dict:
    """The :data:`csm.kpi.core.DEFAULT_DEFINITIONS` overrides of the report's parameters: one clock
    (``time_clock``) for first-response times, resolution times and the SLA."""
    return {"aht_statistic": aht_statistic, "time_statistic": time_statistic, "time_clock": time_clock,
            "sla_clock": time_clock, "sla_hours": sla_hours,
            "business_calendar": {**dict(business_hours or {}), "holidays": list(holidays or [])}}


#: Control charts of the report: KPI code -> (chart function on the shared aggregates, section it needs).
_CHARTS = {"fcr_rate": (fcr_chart_from, "fcr"), "aht_minutes": (aht_chart_from, "aht")}


def _spc_window(period: Period, days: int) -> tuple[int, int]:
    if not (isinstance(days, int) and days >= 1):
        raise ParameterError(f"spc_days must be a whole number of days (at least 1), got {days!r}")
    end = pd.Timestamp(period.end)
    return (end - pd.Timedelta(days=days)).as_unit("ns").value, end.as_unit("ns").value


def control_charts(tickets, period: Period, *, days: int, definitions: dict,
                   sections=None) -> tuple[dict, tuple]:
    """The control charts of the ``days`` days ending with ``period`` (tickets created in
    ``[period.end − days, period.end)``), for the charts whose section is in ``sections`` (None: all):
    ``({code: chart frame}, codes that could not be charted)`` — a chart the data cannot support (no tickets in
    the window, no usable values: :class:`csm.errors.CsmError`) is named, not raised. ``tickets``: a pandas frame
    or an Ibis table (the daily series are computed in the engine)."""
    window = _spc_window(period, days)
    defs = resolve_definitions(definitions)
    inp = Inputs(tickets, None, None, defs)
    stats = Stats(inp, PeriodPlan([], window), spc_window=window, spc_median=defs["aht_statistic"] == "median")
    return _charts_from(inp, stats, sections)


def _charts_from(inp, stats, sections) -> tuple[dict, tuple]:
    charts, missing = {}, []
    for code, (make_chart, section) in _CHARTS.items():
        if sections is not None and section not in sections:
            continue
        try:
            charts[code] = make_chart(inp, stats).reset_index()
        except CsmError:
            missing.append(code)
    return charts, tuple(missing)


def league_tables(tickets, responses, period: Period, *, sections=None,
                  csat_definition: str = "mean", min_n: int = 30, definitions: dict | None = None
                  ) -> tuple[dict, tuple]:
    """The report's league tables, ``{(by, metric): league}``: FCR by team and by agent, CSAT by team — each
    only when its sections are in ``sections`` (None: all) — and the ``(by, metric)`` pairs the data could not rank
    (e.g. survey responses that cannot be matched to a team). ``tickets``/``responses``: pandas frames or Ibis
    tables."""
    defs = resolve_definitions(definitions)
    return _leagues_from(Inputs(tickets, None, None, defs), relation_of(responses, "responses"), period,
                         sections=sections, csat_definition=csat_definition, min_n=min_n, defs=defs)


def _leagues_from(inp: Inputs, responses, period, *, sections, csat_definition, min_n, defs):
    wanted = [("team", "fcr_rate", "tickets", ("team_league", "fcr")),
              ("agent_id", "fcr_rate", "tickets", ("agent_league", "fcr")),
              ("team", f"csat_{csat_definition}", "responses", ("team_league", "csat"))]
    leagues, missing = {}, []
    for by, metric, table, needs in wanted:
        if sections is not None and not all(n in sections for n in needs):
            continue
        try:
            if table == "tickets":
                require_columns(inp.t, "tickets", ("created_at", by))
                leagues[(by, metric)] = league_from(inp, None, None, by=by, metric=metric, min_n=min_n,
                                                    period=period, defs=defs)
            else:
                if responses is None:
                    raise DataError("no responses")
                require_columns(responses, "responses", ("submitted_at",))
                t_rel = None
                if by not in responses.columns:
                    if "ticket_id" not in responses.columns:
                        raise DataError(f"responses have no column {by!r} and no ticket_id")
                    require_columns(inp.t, "tickets", ("ticket_id", by))
                    t_rel = inp.t
                leagues[(by, metric)] = league_from(None, responses, t_rel, by=by, metric=metric, min_n=min_n,
                                                    period=period, defs=defs)
        except CsmError:
            missing.append((by, metric))
    return leagues, tuple(missing)


#: The KPIs of the trend grid, in order; ``csat`` and ``sla`` stand for the CSAT definition and SLA code chosen.
_TREND_KPIS = ("csat", "nps", "fcr_rate", "aht_minutes", "sla", "complaints")


def trend_kpis(trend: pd.DataFrame, card: pd.DataFrame, csat_definition: str = "mean") -> tuple[str, ...]:
    """The KPIs the trend grid shows: the headline CSAT, NPS, FCR, AHT, the SLA rate and complaints, each only
    when the trend has an estimate for it."""
    sla = next((k for k in card["kpi"] if k.startswith("sla_")), None)
    codes = [{"csat": f"csat_{csat_definition}", "sla": sla}.get(k, k) for k in _TREND_KPIS]
    has = set(trend.loc[trend["estimate"].notna(), "kpi"])
    return tuple(k for k in codes if k in has)


def headline_rows(card: pd.DataFrame, csat_definition: str = "mean") -> pd.DataFrame:
    """The scorecard rows that lead the report: one CSAT definition, no per-channel breakdown rows."""
    per_channel = card["kpi"].str.startswith("first_response_minutes_")
    other_csat = card["kpi"].isin(["csat_mean", "csat_pct_satisfied"]) & (card["kpi"] != f"csat_{csat_definition}")
    return card[~per_channel & ~other_csat]


#: Note codes that only say an input is missing: the section is left out and said so once (``skipped``).
_INPUT_MISSING = frozenset({"missing_table", "missing_column"})


def _input_missing(notes) -> bool:
    return bool(notes) and all(n.code in _INPUT_MISSING for n in notes)


def available_rows(card: pd.DataFrame) -> pd.DataFrame:
    """Scorecard rows without those left out for a missing input (they are named by the skipped sections)."""
    return card[~(card["estimate"].isna() & card["note"].map(_input_missing))]


def kpi_notes(card: pd.DataFrame) -> tuple[Note, ...]:
    """The notes of the KPIs a reader must know about, each with its ``kpi``: a KPI's notes other than a
    missing input (said once by the skipped sections)."""
    return tuple(Note(n.code, kpi=kpi, **n.params) for kpi, notes in zip(card["kpi"], card["note"])
                 for n in notes if n.code not in _INPUT_MISSING)


def _note_records(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``note`` tuples as lists of ``{"code": …, **params}`` (the recorded JSON form)."""
    out = frame.copy()
    out["note"] = [[n.as_dict() for n in notes] for notes in out["note"]]
    return out


@dataclass(frozen=True)
class KpiResult:
    """The KPI scorecard of one reporting period (:func:`analyse`). Rates are fractions.

    ``scorecard`` is :func:`csm.kpi.scorecard` of the period against ``previous``; ``headline`` its rows that
    lead the report (one CSAT definition, no per-channel rows, none left out for a missing input); ``trend``
    :func:`csm.kpi.kpi_trend` over the trend window (``trend_from`` on); ``targets``
    :func:`csm.kpi.evaluate_targets`; ``spc`` the control charts ``{kpi: frame}`` of the ``spc_days`` days
    ending with the period (``spc_missing``: charts the data could not support); ``leagues``
    ``{(by, metric): league}`` (``league_missing``: leagues the data could not rank); ``trend_kpis`` the KPIs
    of the trend grid; ``skipped`` the sections an optional input is missing for; ``notes`` the KPI notes
    (each with its ``kpi``). ``data_quality`` / ``data_problems`` / ``data_start`` / ``data_end`` describe the
    input (:class:`csm.data.load.Dataset`).
    """

    current: Period
    previous: Period | None
    freq: str
    scorecard: pd.DataFrame
    headline: pd.DataFrame
    trend: pd.DataFrame
    trend_from: pd.Timestamp
    targets: pd.DataFrame
    spc: Mapping[str, pd.DataFrame]
    spc_missing: tuple[str, ...]
    leagues: Mapping[tuple[str, str], pd.DataFrame]
    league_missing: tuple[tuple[str, str], ...]
    trend_kpis: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    notes: tuple[Note, ...]
    data_quality: pd.DataFrame
    data_problems: pd.DataFrame | None
    data_start: pd.Timestamp
    data_end: pd.Timestamp
    csat_definition: str = "mean"
    time_clock: str = "calendar"
    holidays: tuple = ()
    league_min_n: int = 30
    shows: Mapping[str, bool] = field(default_factory=dict)

    def records(self) -> dict[str, object]:
        """What the report records, in order: period, kpis (every KPI of the period, both CSAT definitions),
        scorecard, targets, control_signals, data_quality, skipped."""
        cur, prev = self.current, self.previous
        return {
            "period": {"period": cur.label, "start": cur.start, "end": cur.last_day,
                       "comparison": prev.label if prev else None},
            "kpis": dict(zip(self.scorecard["kpi"], self.scorecard["estimate"])),
            "scorecard": _note_records(self.scorecard.drop(columns=["definition"])),
            "targets": _note_records(self.targets),
            "control_signals": {code: int(chart["out_of_control"].sum()) for code, chart in self.spc.items()},
            "data_quality": self.data_quality,
            "skipped": [{"section": s.section, "needs": s.needs} for s in self.skipped],
        }


def analyse(data, *, period: str = "latest", comparison: str | None = "previous", trend_freq: str | None = None,
            trend_periods: int = 12, csat_definition: str = "mean", time_clock: str = "calendar",
            time_statistic: str = "median", aht_statistic: str = "mean", business_hours: Mapping | None = None,
            holidays=(), sla_hours: float = 24, targets: Mapping | None = None, spc_days: int = 90,
            league_min_n: int = 30) -> KpiResult:
    """The KPI scorecard of ``data`` (a :class:`csm.data.load.Dataset` with ``tickets``, optionally
    ``responses`` and ``customers``) under the notebook's parameters (their meaning: notebooks/kpi_scorecard,
    params/kpi_scorecard.yaml). Targets of rates are fractions (``fcr_rate: {target: 0.80}``).

    The period is resolved against the tickets' creation times (a period without tickets is refused); the
    trend reaches back ``trend_periods`` periods of ``trend_freq`` and further when a target's baseline needs it;
    sections whose optional input is missing are skipped (``skipped``), never raised.
    """
    if csat_definition not in ("mean", "pct_satisfied"):
        raise ParameterError(f"csat_definition must be 'mean' or 'pct_satisfied', got {csat_definition!r}")
    targets = dict(targets or {})
    check_targets(targets)
    definitions = definitions_from(time_clock=time_clock, time_statistic=time_statistic,
                                   aht_statistic=aht_statistic, sla_hours=sla_hours,
                                   business_hours=business_hours, holidays=holidays)
    defs = resolve_definitions(definitions)
    # the tables as engine relations; one overview query of the tickets, then one set of aggregates for the
    # scorecard, the trend (and the baselines of targets) and the daily control-chart series together
    inp = Inputs(relation_in(data, "tickets"), relation_in(data, "responses"), relation_in(data, "customers"), defs)
    if inp.t_range is None:
        raise DataError("tickets.created_at holds no dates: no period to report")
    data_start, data_end = (pd.Timestamp(x) for x in inp.t_range)
    current, previous = resolve_periods(period, comparison, data_start=data_start, data_end=data_end,
                                        what="tickets")
    freq = trend_frequency(current, trend_freq)
    skipped = tuple(skipped_sections(data.has))
    left_out = {s.section for s in skipped}
    sections = frozenset(code for code in SECTION_INPUTS if code not in left_out)
    cur, prev = scorecard_periods(inp, current, previous)
    trend_from_ = trend_start(current, freq, trend_periods)
    bounds = trend_periods_of(inp, freq, start=min(trend_from_, baseline_start(targets, current) or trend_from_),
                              end=current.last_day)  # + baselines
    window = _spc_window(current, spc_days)
    plan = PeriodPlan([cur] + ([prev] if prev else []) + (list(zip(*bounds)) if bounds else []), window)
    stats = Stats(inp, plan, spc_window=window, medians=_medians(defs), spc_median=aht_statistic == "median")
    card = scorecard_from(inp, stats, cur, prev)
    history = trend_from(inp, stats, bounds)
    trend = history[history["period_start"] >= trend_from_].reset_index(drop=True)
    status = evaluate_targets(history, targets, period=current, k=trend_periods)
    spc, spc_missing = _charts_from(inp, stats, sections)
    leagues, league_missing = _leagues_from(inp, inp.r, current, sections=sections, csat_definition=csat_definition,
                                            min_n=league_min_n, defs=defs)
    problems = getattr(data, "problems", None)
    return KpiResult(
        current=current, previous=previous, freq=freq, scorecard=card,
        headline=available_rows(headline_rows(card, csat_definition)), trend=trend, trend_from=trend_from_,
        targets=status, spc=MappingProxyType(spc), spc_missing=spc_missing, leagues=MappingProxyType(leagues),
        league_missing=league_missing, trend_kpis=trend_kpis(trend, card, csat_definition), skipped=skipped,
        notes=kpi_notes(available_rows(card)), data_quality=data.quality_summary(), data_problems=problems,
        data_start=data_start, data_end=data_end, csat_definition=csat_definition, time_clock=time_clock,
        holidays=tuple(holidays or ()), league_min_n=league_min_n,
        shows=MappingProxyType({code: code in sections for code in SECTION_INPUTS}))
