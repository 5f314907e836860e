"""One KPI at a time: :func:`csat`, :func:`sla_rate` … — the scorecard rows of one KPI code, with the KPI's own
parameters (``clock=`` for every time on a calendar or business clock)."""
from __future__ import annotations

import pandas as pd

from csm.errors import ParameterError
from csm.kpi.calendar import BusinessCalendar
from csm.kpi.core import scorecard

__all__ = ["csat", "net_promoter_score", "first_contact_resolution_rate", "average_handle_time",
           "first_response_time", "resolution_time", "sla_rate", "complaint_volume", "churn_rate"]

def _kpi_rows(prefix: str, tickets=None, responses=None, customers=None, *, period=None, comparison=None,
              definitions: dict | None = None) -> pd.DataFrame:
    sc = scorecard(tickets, responses, customers, period=period, comparison=comparison, definitions=definitions)
    rows = sc[(sc["kpi"] == prefix) | sc["kpi"].str.startswith(prefix + "_")]
    if comparison is None:
        rows = rows.drop(columns=["previous", "change", "change_ci_low", "change_ci_high", "p_value",
                                  "change_unit"])
    return rows.reset_index(drop=True)


def csat(responses: pd.DataFrame, *, definition: str = "mean", satisfied=(4, 5), period=None,
         comparison=None, confidence: float = 0.95) -> pd.DataFrame:
    """Customer satisfaction of responses submitted in ``period``.

    ``definition="mean"``: mean 1–5 score, ``x̄ ± t_{n−1}·s/√n`` (code ``csat_mean``);
    ``"pct_satisfied"``: ``#(score ∈ satisfied)/n`` with Wilson interval (``csat_pct_satisfied``).
    """
    if definition not in ("mean", "pct_satisfied"):
        raise ParameterError(f"CSAT definition must be 'mean' or 'pct_satisfied', got {definition!r}")
    return _kpi_rows(f"csat_{definition}", None, responses, period=period, comparison=comparison,
                     definitions={"csat_satisfied": satisfied, "confidence": confidence})


def net_promoter_score(responses: pd.DataFrame, *, period=None, comparison=None,
                       confidence: float = 0.95) -> pd.DataFrame:
    """NPS = 100·(p_P − p_D), promoters 9–10, detractors 0–6; interval from the multinomial SE
    ``√((p_P + p_D − (p_P − p_D)²)/n)``; change by two-sample z test (code ``nps``)."""
    return _kpi_rows("nps", None, responses, period=period, comparison=comparison,
                     definitions={"confidence": confidence})


def first_contact_resolution_rate(tickets: pd.DataFrame, *, method: str = "auto", period=None,
                                  comparison=None, confidence: float = 0.95) -> pd.DataFrame:
    """FCR = resolved at first contact / resolved tickets created in ``period`` (Wilson interval).

    ``method="flag"``: ``first_contact_resolved`` is true; ``"contacts"``: ``contacts == 1``;
    ``"auto"`` (default): the flag when the column has values, else contacts. The denominator is
    the *resolved* tickets (``resolved_at`` present); without ``resolved_at`` the flag method uses
    every ticket with a flag (code ``fcr_rate``).
    """
    return _kpi_rows("fcr_rate", tickets, period=period, comparison=comparison,
                     definitions={"fcr": method, "confidence": confidence})


def average_handle_time(tickets: pd.DataFrame, *, statistic: str = "mean", period=None, comparison=None,
                        confidence: float = 0.95) -> pd.DataFrame:
    """Handle time (``handle_time_minutes``) of tickets created in ``period``: mean with t interval or
    median with the binomial order-statistic interval (code ``aht_minutes``)."""
    return _kpi_rows("aht_minutes", tickets, period=period, comparison=comparison,
                     definitions={"aht_statistic": statistic, "confidence": confidence})


def first_response_time(tickets: pd.DataFrame, *, statistic: str = "median", clock: str = "calendar",
                        calendar: BusinessCalendar | None = None, period=None, comparison=None,
                        confidence: float = 0.95) -> pd.DataFrame:
    """Minutes from ``created_at`` to ``first_response_at`` (calendar or business clock), overall
    (``first_response_minutes``) and per channel (``first_response_minutes_<channel>``); tickets
    without a reply are left out."""
    return _kpi_rows("first_response_minutes", tickets, period=period, comparison=comparison,
                     definitions={"time_statistic": statistic, "time_clock": clock, "business_calendar": calendar,
                                  "confidence": confidence})


def resolution_time(tickets: pd.DataFrame, *, statistic: str = "median", clock: str = "calendar",
                    calendar: BusinessCalendar | None = None, period=None, comparison=None,
                    confidence: float = 0.95) -> pd.DataFrame:
    """Hours from ``created_at`` to ``resolved_at`` of resolved tickets created in ``period``
    (calendar or business clock; code ``resolution_hours``)."""
    return _kpi_rows("resolution_hours", tickets, period=period, comparison=comparison,
                     definitions={"time_statistic": statistic, "time_clock": clock, "business_calendar": calendar,
                                  "confidence": confidence})


def sla_rate(tickets: pd.DataFrame, *, sla_hours: float = 24, clock: str = "calendar",
             as_of: str = "period_end", calendar: BusinessCalendar | None = None, period=None,
             comparison=None, confidence: float = 0.95) -> pd.DataFrame:
    """% of tickets created in ``period`` resolved within ``sla_hours`` (code ``sla_<h>h_rate``).

    Judged as of the period end (``as_of="period_end"``; capped at the latest timestamp in the
    tickets) or the latest timestamp (``"latest"``): resolved by then within the SLA → met;
    resolved later than the SLA, or still open and older than the SLA → breach; still open and
    younger than the SLA → left out (outcome not yet known). Wilson interval.
    """
    return _kpi_rows("sla", tickets, period=period, comparison=comparison,
                     definitions={"sla_hours": sla_hours, "sla_clock": clock, "sla_as_of": as_of,
                                  "business_calendar": calendar, "confidence": confidence})


def complaint_volume(tickets: pd.DataFrame, *, categories=None, period=None, comparison=None,
                     confidence: float = 0.95) -> pd.DataFrame:
    """Number of tickets (of ``categories``, default all) created in ``period``, exact Poisson interval;
    with ``comparison``: relative change of the daily rate ``(k/days)/(k₀/days₀) − 1`` with the exact
    conditional rate-ratio interval and p-value (code ``complaints``)."""
    return _kpi_rows("complaints", tickets, period=period, comparison=comparison,
                     definitions={"complaint_categories": categories, "confidence": confidence})


def churn_rate(customers: pd.DataFrame, *, period, comparison=None, confidence: float = 0.95) -> pd.DataFrame:
    """Churn = customers with ``churn_date`` in ``period`` / customers active at its start.

    Active at start: ``signup_date`` before the start and not churned before it. Customers who
    signed up during the period are in neither count; customers marked ``churned`` without a
    ``churn_date`` are left out (noted). Wilson interval (code ``churn_rate``).
    """
    return _kpi_rows("churn_rate", None, None, customers, period=period, comparison=comparison,
                     definitions={"confidence": confidence})
