"""Which texts, which sections: the texts to score (survey comments or ticket descriptions) joined to their
tickets, and what the data in hand allows (breakdowns, the validity check, the latest month with texts)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.errors import DataError, ParameterError
from csm.notes import Skipped
from csm.periods import Period, parse_period
from csm.sentiment.batch import score_texts
from csm.sentiment.summaries import NO_TICKET, require_columns

__all__ = ["TICKET_COLUMNS", "TEXT_SOURCES", "BREAKDOWNS", "TIME_COLUMNS", "KEY_COLUMNS", "scored_comments",
           "scored_descriptions", "scored_relation", "choose_text_source", "breakdown_plan", "validity_ratings",
           "latest_period_with_texts"]

#: The ticket columns joined to each survey comment (those that exist).
TICKET_COLUMNS = ("channel", "team", "agent_id", "category", "created_at", "first_response_at")


def scored_comments(responses: pd.DataFrame, tickets: pd.DataFrame | None = None, *,
                    thresholds: dict | None = None, method: str = "vader", progress=None, cache_dir=None,
                    stats: dict | None = None) -> pd.DataFrame:
    """Survey comments scored and joined to their ticket: one row per response with a comment.

    Columns: the response's (``response_id``, ``submitted_at``, ``csat``, ``nps``, ``comment`` …),
    the ticket's :data:`TICKET_COLUMNS` that exist (channel, team, agent_id, category are
    :data:`NO_TICKET` for responses without a ticket), ``first_response_hours``, and :func:`score`'s.
    ``cache_dir``: the persistent score cache (:func:`csm.sentiment.batch.score_texts`), None for none; ``stats``
    receives what was scored and found in the cache.
    """
    require_columns(responses, ["response_id", "submitted_at", "comment"], "scored_comments (responses)")
    d = responses[responses["comment"].notna()].reset_index(drop=True)
    for col in ("csat", "nps", "ticket_id"):
        if col not in d.columns:
            d[col] = np.nan
    if tickets is not None and "ticket_id" in tickets.columns:
        cols = ["ticket_id", *[c for c in TICKET_COLUMNS if c in tickets.columns]]
        d = d.merge(tickets[cols], on="ticket_id", how="left", validate="many_to_one")
        no_ticket = d["ticket_id"].isna()
        for col in ("channel", "team", "agent_id", "category"):
            if col in d.columns:
                d[col] = d[col].mask(no_ticket, NO_TICKET)
        if {"created_at", "first_response_at"} <= set(d.columns):
            d["first_response_hours"] = (d["first_response_at"] - d["created_at"]).dt.total_seconds() / 3600
    return pd.concat([d, score_texts(d["comment"], thresholds=thresholds, method=method, progress=progress,
                                     cache_dir=cache_dir, stats=stats)], axis=1)


#: Where the report's texts come from: ``responses`` (survey comments, ``responses.comment``), ``tickets``
#: (ticket descriptions, ``tickets.description``) or ``auto`` (comments when there are any, else descriptions).
TEXT_SOURCES = ("auto", "responses", "tickets")
#: Breakdown dimensions of the report, all read from the tickets table.
BREAKDOWNS = ("channel", "team", "category", "agent_id")
#: the time column of each text source
TIME_COLUMNS = {"responses": "submitted_at", "tickets": "created_at"}


#: the row key of each text source (what a bounded sample of texts is drawn by)
KEY_COLUMNS = {"responses": "response_id", "tickets": "ticket_id"}


def _filled(table, column: str) -> bool:
    """Whether ``table`` (a frame or an engine relation, or None) has ``column`` with a value in it."""
    if table is None or column not in table.columns:
        return False
    if isinstance(table, pd.DataFrame):
        return bool(table[column].notna().any())
    from csm.engine import execute
    return int(execute(table[column].count()) or 0) > 0


def _require(table, columns, what: str) -> None:
    """:func:`require_columns` for a frame or a relation."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(f"{what}: the table has no column(s) {missing}; it has {list(table.columns)}.")


def scored_relation(source: str, responses, tickets, *, thresholds: dict | None = None, method: str = "vader",
                    progress=None, cache_dir=None, stats: dict | None = None):
    """The texts of ``source`` scored, as a lazy engine relation (:func:`csm.sentiment.batch.score_relation`):
    what :func:`scored_comments` (``"responses"``) or :func:`scored_descriptions` (``"tickets"``) return, row for
    row, without ``first_response_hours``. ``responses``/``tickets``: engine relations (or None)."""
    import ibis

    from csm.sentiment.batch import score_relation

    if source == "responses":
        _require(responses, ["response_id", "submitted_at", "comment"], "scored_comments (responses)")
        d = responses.filter(responses.comment.notnull())
        d = d.mutate(**{col: ibis.null().cast("float64" if col != "ticket_id" else "string")
                        for col in ("csat", "nps", "ticket_id") if col not in d.columns})
        if tickets is not None and "ticket_id" in tickets.columns:
            cols = [c for c in TICKET_COLUMNS if c in tickets.columns]
            t = tickets.select(_csm_ticket=tickets.ticket_id.cast("string"), **{f"_csm_{c}": tickets[c] for c in cols})
            j = d.left_join(t, d.ticket_id.cast("string") == t._csm_ticket)
            no_ticket = j.ticket_id.isnull()
            added = {}
            for c in cols:
                col = j[f"_csm_{c}"]
                added[c] = (ibis.ifelse(no_ticket, ibis.literal(NO_TICKET), col.cast("string"))
                            if c in ("channel", "team", "agent_id", "category") else col)
            d = j.select(*[j[c] for c in d.columns], **added)
    else:
        _require(tickets, ["ticket_id", "created_at", "description"], "scored_descriptions (tickets)")
        d = tickets.filter(tickets.description.notnull()).rename(comment="description")
    return score_relation(d, "comment", cache_dir=cache_dir, method=method, thresholds=thresholds,
                          progress=progress, stats=stats)


def choose_text_source(text_source: str, responses: pd.DataFrame | None, tickets: pd.DataFrame | None) -> str:
    """``"responses"`` or ``"tickets"``: where the texts to score come from (see :data:`TEXT_SOURCES`).

    ``auto`` takes the survey comments when ``responses.comment`` holds any text, else the ticket
    descriptions. Raises :class:`ParameterError` for an unknown source and :class:`DataError`, naming what to
    provide, when the chosen source (or, for ``auto``, either source) has no text."""
    if text_source not in TEXT_SOURCES:
        raise ParameterError(f"text_source must be one of {list(TEXT_SOURCES)}; got {text_source!r}")
    comments, descriptions = _filled(responses, "comment"), _filled(tickets, "description")
    if text_source == "responses" and not comments:
        what = "no responses table" if responses is None else "the responses table has no comment text"
        raise DataError(f"text_source 'responses': {what}. Provide responses with a filled 'comment' column, or set "
                        "text_source to 'tickets' (ticket descriptions) or 'auto'.")
    if text_source == "tickets" and not descriptions:
        what = "no tickets table" if tickets is None else "the tickets table has no description text"
        raise DataError(f"text_source 'tickets': {what}. Provide tickets with a filled 'description' column, or set "
                        "text_source to 'responses' (survey comments) or 'auto'.")
    if text_source == "auto" and not (comments or descriptions):
        raise DataError("No text to score: the data has neither survey comments (responses.comment) nor ticket "
                        "descriptions (tickets.description). Provide a responses file with a 'comment' column or a "
                        "tickets file with a 'description' column (map the export's header in a mapping file).")
    if text_source == "auto":
        return "responses" if comments else "tickets"
    return text_source


def scored_descriptions(tickets: pd.DataFrame, *, thresholds: dict | None = None, method: str = "vader",
                        progress=None, cache_dir=None, stats: dict | None = None) -> pd.DataFrame:
    """Ticket descriptions scored: one row per ticket with a description, the ticket's columns with the
    text in ``comment`` (as for survey comments) and :func:`score`'s columns (``cache_dir``, ``stats``: as for
    :func:`scored_comments`)."""
    require_columns(tickets, ["ticket_id", "created_at", "description"], "scored_descriptions (tickets)")
    d = tickets[tickets["description"].notna()].reset_index(drop=True).rename(columns={"description": "comment"})
    return pd.concat([d, score_texts(d["comment"], thresholds=thresholds, method=method, progress=progress,
                                     cache_dir=cache_dir, stats=stats)], axis=1)


def breakdown_plan(source: str, responses: pd.DataFrame | None, tickets: pd.DataFrame | None) -> tuple[list, list]:
    """The breakdown dimensions the data allows and the breakdowns left out.

    Returns ``(dimensions, skipped)``: dimensions of :data:`BREAKDOWNS` present in the tickets; ``skipped`` lists
    :class:`csm.notes.Skipped` (section, needs ``table.column``): all breakdowns (``breakdowns``) when survey comments cannot be
    linked to tickets (no tickets table, or no ``responses.ticket_id``), else one entry per missing column
    (``by_team`` needs ``tickets.team`` …)."""
    if source == "responses":
        if tickets is None:
            return [], [Skipped("breakdowns", "tickets")]
        if not _filled(responses, "ticket_id"):
            return [], [Skipped("breakdowns", "responses.ticket_id")]
    dims, skipped = [], []
    for dim in BREAKDOWNS:
        if _filled(tickets, dim):
            dims.append(dim)
        else:
            skipped.append(Skipped(f"by_{dim.removesuffix('_id')}", f"tickets.{dim}"))
    return dims, skipped


def validity_ratings(source: str, responses: pd.DataFrame | None) -> tuple[list[str], list]:
    """Ratings the text sentiment can be checked against (``csat``, ``nps``: survey comments only) and the
    check left out when there is none (``Skipped("validity", "responses.csat")``)."""
    ratings = [r for r in ("csat", "nps") if source == "responses" and _filled(responses, r)]
    return ratings, ([] if ratings else [Skipped("validity", "responses.csat")])


def latest_period_with_texts(times: pd.Series, data_end) -> Period:
    """The ``latest`` reporting month for texts: the latest complete month of the data (``data_end``) or,
    when it holds no text (sparse free text such as published complaint narratives), the latest month before
    it that does. Returns a :class:`csm.periods.Period`."""
    current = parse_period("latest", data_end=data_end)
    if not current.contains(times).any():
        before = times[times < current.start]
        if len(before):
            start = before.max().to_period("M").start_time
            current = Period(start, start + pd.DateOffset(months=1), "month")
    return current

