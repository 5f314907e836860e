"""The KPI scorecard report as one analysis: :func:`analyse` → :class:`KpiResult`."""
from __future__ import annotations

__all__ = ["SECTION_INPUTS", "skipped_sections", "analyse", "KpiResult"]


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


def skipped_sections(has) -> list[dict]:
    """The scorecard sections the data cannot support: ``[{"section": code, "needs": "tickets.resolved_at"}]``.

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
        out.append({"section": code, "needs": " or ".join(dict.fromkeys(texts))})
    return out




def analyse(data, **kw):  # placeholder, filled below
    raise NotImplementedError


class KpiResult:
    pass
