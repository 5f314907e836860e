"""Customer-service KPIs: named definitions, scorecard, trend, targets, process control, league tables.

The report's entry point is :func:`analyse` (``csm.kpi.analysis``), which returns a frozen :class:`KpiResult`.
The package, along its seams:

- :mod:`csm.kpi.calendar` — business hours (:class:`BusinessCalendar`), holidays, the clock helpers;
- :mod:`csm.kpi.definitions` — the KPI definitions (defaults, checks, units, better direction);
- :mod:`csm.kpi.inputs` — the contract tables as engine relations (Ibis: DuckDB by default, Spark) under those
  definitions, and the few grouped queries every KPI is finished from (only aggregates reach pandas);
- :mod:`csm.kpi.core` — every KPI per period: :func:`scorecard` (with the change against a comparison
  period) and :func:`kpi_trend`;
- :mod:`csm.kpi.measures` — one function per KPI (:func:`csat`, :func:`sla_rate` …);
- :mod:`csm.kpi.targets` — target levels and changes, baselines, deadlines, projections;
- :mod:`csm.kpi.spc` — control charts (p chart, individuals chart);
- :mod:`csm.kpi.league` — league tables of agents and teams with shrinkage;
- :mod:`csm.kpi.analysis` — :func:`analyse`: the whole scorecard report as one result.

Rates (``fcr_rate``, ``sla_<h>h_rate``, ``csat_pct_satisfied``, ``churn_rate``) are fractions 0–1, and
so are their targets and changes; NPS is in points (−100…100). Every function taking tables accepts pandas frames
or Ibis tables (:func:`csm.engine.as_relation`): one code path, the heavy work in the engine.
"""
from csm.kpi.analysis import SECTION_INPUTS, KpiResult, analyse, skipped_sections
from csm.kpi.calendar import BusinessCalendar, holiday_years_missing
from csm.kpi.core import kpi_trend, scorecard
from csm.kpi.definitions import DEFAULT_DEFINITIONS, kpi_direction
from csm.kpi.measures import (
    average_handle_time,
    churn_rate,
    complaint_volume,
    csat,
    first_contact_resolution_rate,
    first_response_time,
    net_promoter_score,
    resolution_time,
    sla_rate,
)
from csm.kpi.league import league_table
from csm.kpi.spc import aht_individuals_chart, fcr_p_chart, individuals_chart, p_chart
from csm.kpi.targets import (
    MIN_BASELINE_SHARE,
    MIN_TREND_PERIODS,
    TARGET_BASELINES,
    TARGET_DEADLINES,
    baseline_start,
    check_targets,
    evaluate_targets,
)

__all__ = [
    "analyse",
    "KpiResult",
    "DEFAULT_DEFINITIONS",
    "BusinessCalendar",
    "kpi_direction",
    "csat",
    "net_promoter_score",
    "first_contact_resolution_rate",
    "average_handle_time",
    "first_response_time",
    "resolution_time",
    "sla_rate",
    "complaint_volume",
    "churn_rate",
    "scorecard",
    "kpi_trend",
    "evaluate_targets",
    "skipped_sections",
    "SECTION_INPUTS",
    "holiday_years_missing",
    "check_targets",
    "baseline_start",
    "TARGET_BASELINES",
    "TARGET_DEADLINES",
    "MIN_TREND_PERIODS",
    "MIN_BASELINE_SHARE",
    "p_chart",
    "individuals_chart",
    "fcr_p_chart",
    "aht_individuals_chart",
    "league_table",
]
