"""The summary box that opens every report: three to five findings a manager can act on.

    summary_block([Finding("First response 8.7 min, within the 10 min target.", "met"),
                   Finding("CSAT fell 0.2 points to 4.1 of 5.", "worse")], lang)

Each finding is one sentence with its number and unit and a status from :data:`STATUSES`, shown as a coloured
badge (the colour never carries the meaning alone: the badge says the status in words). All text is data and
is HTML-escaped. The notebook records its most important finding with :func:`record_headline` (the index page
shows it).
"""
from __future__ import annotations

import html
from dataclasses import dataclass

from IPython.display import HTML

__all__ = ["STATUSES", "Finding", "status_label", "status_colour", "badge_html", "SummaryHTML", "summary_block",
           "headline", "record_headline"]

#: The status vocabulary of findings and headlines.
STATUSES = ("met", "at_risk", "missed", "improved", "worse", "no_change", "info")

#: status: (badge text en, badge text zh, background colour, text colour). Colours pass WCAG AA contrast.
_BADGES = {
    "met": ("Met", "达标", "#1a7f37", "#ffffff"),
    "at_risk": ("At risk", "有风险", "#b35900", "#ffffff"),
    "missed": ("Missed", "未达标", "#c62828", "#ffffff"),
    "improved": ("Improved", "改善", "#1a7f37", "#ffffff"),
    "worse": ("Worse", "变差", "#c62828", "#ffffff"),
    "no_change": ("No change", "无变化", "#5f6368", "#ffffff"),
    "info": ("Note", "说明", "#1f5fa8", "#ffffff"),
}
_TITLE = {"en": "Summary", "zh": "摘要"}


@dataclass(frozen=True)
class Finding:
    """One sentence of a report's summary (with its number and unit) and its status (see :data:`STATUSES`)."""

    text: str
    status: str = "info"

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"Finding status must be one of {STATUSES}, got {self.status!r}")
        if not str(self.text).strip():
            raise ValueError("A Finding needs a sentence.")


def status_label(status: str, lang: str) -> str:
    """The badge word of ``status`` in ``lang``: ``"At risk"`` / ``"有风险"``."""
    if status not in _BADGES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    return _BADGES[status][0 if lang == "en" else 1]


def status_colour(status: str) -> str:
    """The badge colour of ``status`` (a CSS hex colour), for tables that colour a status cell."""
    if status not in _BADGES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    return _BADGES[status][2]


def badge_html(status: str, lang: str) -> str:
    """An inline coloured badge saying ``status`` in ``lang``."""
    en, zh, background, colour = _BADGES[status] if status in _BADGES else _BADGES["info"]
    word = en if lang == "en" else zh
    return (f'<span class="csm-badge csm-status-{status}" style="display:inline-block;flex:none;min-width:4.5em;'
            f'text-align:center;padding:0.1em 0.5em;margin-right:0.6em;border-radius:0.8em;font-size:0.85em;'
            f'font-weight:600;background:{background};color:{colour};white-space:nowrap">{html.escape(word)}</span>')


class SummaryHTML(HTML):
    """The summary box: HTML for the report, and a plain-text form (what nbval compares)."""

    def __init__(self, html_text: str, plain: str):
        super().__init__(html_text)
        self._plain = plain

    def __repr__(self) -> str:
        return self._plain


def summary_block(findings, lang: str) -> SummaryHTML:
    """The "Summary / 摘要" box: one line per :class:`Finding`, a coloured status badge before each sentence.
    A report shows 3–5 findings; fewer are accepted (a report whose sections were skipped), none is an error."""
    if lang not in _TITLE:
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    findings = [f if isinstance(f, Finding) else Finding(*f) for f in findings]
    if not findings:
        raise ValueError("summary_block needs at least one finding.")
    items = "".join(
        f'<li style="margin:0.35em 0;list-style:none;display:flex;align-items:baseline">{badge_html(f.status, lang)}'
        f'<span style="overflow-wrap:anywhere">{html.escape(str(f.text))}</span></li>' for f in findings)
    box = (f'<div class="csm-summary" lang="{"zh-CN" if lang == "zh" else "en"}" style="border:1px solid #c9d1d9;'
           f'border-left:6px solid #1f5fa8;border-radius:6px;padding:0.6em 1em;margin:0.8em 0 1.2em 0;'
           f'background:#f6f8fa;max-width:60em">'
           f'<div style="font-weight:700;font-size:1.15em;margin-bottom:0.3em">{_TITLE[lang]}</div>'
           f'<ul style="padding-left:0;margin:0">{items}</ul></div>')
    plain = "\n".join([_TITLE[lang]] + [f"[{status_label(f.status, lang)}] {f.text}" for f in findings])
    return SummaryHTML(box, plain)


def headline(finding: Finding) -> dict:
    """The ``record("headline", …)`` value of a finding: ``{"text": …, "status": …}`` (contract 2)."""
    return {"text": str(finding.text), "status": finding.status}


def record_headline(finding: Finding) -> None:
    """Record ``finding`` as the report's headline for the index page (call once, in the summary cell)."""
    from csm.report.results import record

    record("headline", headline(finding))
