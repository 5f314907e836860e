"""Input checks shared by the complaint analyses: required columns, the tickets of a window, which optional
report sections the data can fill (:func:`skipped_sections`)."""
from __future__ import annotations

import pandas as pd

from csm.complaints.engine import Profile, profile, relation_of
from csm.engine import execute
from csm.errors import AnalysisError, DataError, ParameterError
from csm.notes import Skipped

__all__ = ["OTHER_LEVELS", "SECTION_NEEDS", "COVARIATE_SOURCE", "require_columns", "nonempty_column", "tickets_in",
           "has_values", "has_customer_key", "skipped_sections", "check_nonempty"]

#: Level that rare levels are merged into (contingency tests, outcome models).
OTHER_LEVELS = "other_levels"


def require_columns(tickets, columns, what: str) -> None:
    """:class:`ParameterError` unless ``tickets`` is a frame or a relation, :class:`DataError` naming the
    missing columns."""
    from csm.engine import is_relation

    if not (isinstance(tickets, pd.DataFrame) or is_relation(tickets)):
        raise ParameterError(f"{what}: expected the tickets DataFrame, got {type(tickets).__name__}.")
    missing = [c for c in columns if c not in tickets.columns]
    if missing:
        raise DataError(f"{what}: table tickets has no column(s) {', '.join(repr(c) for c in missing)}; "
                        f"its columns are {', '.join(map(repr, tickets.columns))}. Map the column(s) in the "
                        "mapping file or leave this analysis out.")


def check_nonempty(column: str, n_rows: int, n_filled: int, what: str) -> None:
    """Refuse a column that is empty in every one of ``n_rows`` rows (``n_filled`` values)."""
    if n_rows and not n_filled:
        raise DataError(f"{what}: column tickets.{column} is empty in all {n_rows:,} rows; "
                        f"fill it in the export (or map another column to '{column}'), or leave '{column}' "
                        "out of the dimensions parameter.")


def nonempty_column(tickets, column: str, what: str):
    """The column (of a frame or a relation), refusing a column that is empty in every row (one count query
    for a relation)."""
    require_columns(tickets, [column], what)
    if isinstance(tickets, pd.DataFrame):
        values = tickets[column]
        check_nonempty(column, len(values), int(values.notna().sum()), what)
        return values
    row = execute(tickets.aggregate(n=tickets.count(), filled=tickets[column].count())).iloc[0]
    check_nonempty(column, int(row["n"]), int(row["filled"]), what)
    return tickets[column]


def tickets_in(tickets, start, end, *, what: str = "complaints"):
    """Tickets created in ``[start, end)`` (a relation; a frame gives a relation over it);
    :class:`AnalysisError` when there are none (one count query)."""
    require_columns(tickets, ["created_at"], what)
    rel = relation_of(tickets, what)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    inside = rel.filter((rel.created_at >= start.to_pydatetime()) & (rel.created_at < end.to_pydatetime()))
    if int(execute(inside.count())) == 0:
        row = execute(rel.aggregate(lo=rel.created_at.min(), hi=rel.created_at.max())).iloc[0]
        lo, hi = pd.Timestamp(row["lo"]) if pd.notna(row["lo"]) else pd.NaT, pd.Timestamp(row["hi"]) \
            if pd.notna(row["hi"]) else pd.NaT
        cover = f"the tickets cover {lo:%Y-%m-%d} to {hi:%Y-%m-%d}" if pd.notna(lo) else "the tickets table is empty"
        raise AnalysisError(f"{what}: no tickets created from {start:%Y-%m-%d} to "
                            f"{end - pd.Timedelta(days=1):%Y-%m-%d}; {cover}. Choose a period inside the data "
                            "(parameter period) or check the export.")
    return inside


def _profile(tickets) -> Profile:
    return tickets if isinstance(tickets, Profile) else profile(relation_of(tickets))


def has_values(tickets, column: str) -> bool:
    """True when ``column`` exists in ``tickets`` (a frame, a relation or its :class:`Profile`) with at least
    one value."""
    if isinstance(tickets, Profile):
        return tickets.has(column)
    if isinstance(tickets, pd.DataFrame):
        return column in tickets and bool(tickets[column].notna().any())
    return column in tickets.columns and int(execute(tickets[column].count())) > 0


def has_customer_key(tickets) -> bool:
    """True when ``customer_id`` links tickets of one customer: some customer has two or more tickets.
    An export without a customer key (the CFPB database: the complaint id doubles as customer id) has
    every id once, so repeat complaints cannot be assessed (rather than reported as 0%)."""
    return _profile(tickets).repeat_key


#: Optional report sections and the column each needs (``needs`` as ``table.column``).
SECTION_NEEDS = {
    "sub_reasons": "tickets.sub_reason",
    "spikes_region": "tickets.region",
    "spike_terms": "tickets.description",
    "words": "tickets.description",
    "resolution": "tickets.resolved_at",
    "outcome_repeat_complaint": "tickets.customer_id",
    "outcome_not_resolved_first_contact": "tickets.first_contact_resolved",
    "outcome_escalated": "tickets.escalated",
}
#: Covariates of the outcome models derived from another column.
COVARIATE_SOURCE = {"tenure_band": "agent_tenure_months"}


def skipped_sections(tickets, *, dimensions=(), covariates=()) -> list[Skipped]:
    """The optional sections of the complaint report that the data cannot fill, each with the column
    that would enable it: ``[Skipped("resolution", "tickets.resolved_at"), …]`` (empty when nothing is
    missing). Concentration dimensions and model factors appear as ``concentration_<dimension>`` and
    ``factor_<covariate>``; the repeat-complaint model needs a customer key (:func:`has_customer_key`)."""
    out = []
    for section, needs in SECTION_NEEDS.items():
        column = needs.split(".", 1)[1]
        ok = has_customer_key(tickets) if section == "outcome_repeat_complaint" else has_values(tickets, column)
        if not ok:
            out.append(Skipped(section, needs))
    for dim in dimensions:
        if not has_values(tickets, dim):
            out.append(Skipped(f"concentration_{dim}", f"tickets.{dim}"))
    for cov in covariates:
        source = COVARIATE_SOURCE.get(cov, cov)
        if not has_values(tickets, source):
            out.append(Skipped(f"factor_{cov}", f"tickets.{source}"))
    return out
