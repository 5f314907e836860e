"""The feedback_sentiment report's analysis: :func:`analyse` turns the loaded data and the report's parameters into
a :class:`SentimentResult` — every table, share and example the report shows, and what it records.

Windows: the report's ``period`` (headline, languages) and the lookback ``window`` of ``lookback_months`` up to the
end of the period (breakdowns, trend, aspects, examples), both :class:`csm.periods.Period` (half-open: a text
stamped at 00:00 the day after the period is outside it). Nothing here draws, prints or builds display text.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from csm.errors import DataError, ParameterError
from csm.notes import Note, Skipped
from csm.periods import Period, resolve_periods
from csm.levels import OTHER, lump_levels
from csm.sentiment.aspects import aspect_summary, aspects, negative_examples
from csm.sentiment.inputs import (
    TIME_COLUMNS, breakdown_plan, choose_text_source, latest_period_with_texts, scored_comments, scored_descriptions,
    validity_ratings,
)
from csm.sentiment.summaries import (
    NO_TICKET, Headline, calibration_by_rating, confusion_matrix, language_mix, mix_extremes, period_headline,
    rating_agreement, sentiment_by, sentiment_trend, trust_by_language,
)

__all__ = ["SentimentResult", "analyse", "CHARTED", "TOP_AGENTS", "EXAMPLE_ASPECTS", "SCORED_LANGUAGES"]

#: breakdowns drawn as charts (agents are a table of the most negative)
CHARTED = ("channel", "team", "category")
#: agents listed (the most negative of those with at least agent_min_comments texts)
TOP_AGENTS = 10
#: aspects (the top of the ranking) that get example quotes
EXAMPLE_ASPECTS = 3
#: languages with a scorer of their own; mixed texts are scored but not compared as a language
SCORED_LANGUAGES = ("en", "zh")


@dataclass(frozen=True, eq=False)
class SentimentResult:
    """Everything the feedback_sentiment report shows (one frozen object; frames are tidy, shares fractions).

    Periods: ``current``, ``previous`` (None without comparison), ``window`` (the lookback window, ending with the
    period), ``window_shown`` (the window from the month of the first text on: what sentences name),
    ``empty_latest`` (the latest complete month when it held no text and the report moved back, else None).
    """

    source: str                       # "responses" (survey comments) or "tickets" (descriptions)
    text_source: str                  # the parameter as given ("auto", "responses", "tickets")
    time_column: str                  # submitted_at / created_at
    thresholds: dict
    current: Period
    previous: Period | None
    window: Period
    window_shown: Period
    empty_latest: Period | None
    scored: pd.DataFrame              # every scored text (score() columns joined to its ticket)
    headline: Headline                # the period against its comparison
    window_headline: Headline         # the lookback window
    by_language: pd.DataFrame         # sentiment_by language of the period's en/zh texts
    dims: tuple[str, ...]             # breakdown dimensions the data allows
    breakdowns: dict                  # {dimension or "language": sentiment_by of the window}, OTHER last
    max_levels: int
    levels_lumped: bool               # a charted breakdown has more than max_levels + 1 levels
    language_mix: dict                # {dimension: language_mix of the window}
    mix: dict                         # {dimension: (lowest, highest, differs) of mix_extremes, or None}
    within_language: dict             # {dimension: sentiment_by ["language", dimension]} where the mix differs
    agents: pd.DataFrame | None       # most negative agents (None when the data has no agents)
    agent_min_comments: int
    trend: pd.DataFrame               # sentiment_trend per month and language (en, zh), period_start
    aspect_mentions: pd.DataFrame     # aspects() of the window's texts
    aspect_table: pd.DataFrame        # aspect_summary, ranked by impact
    examples: dict                    # {"en" / "zh": examples from texts in that language, "any": from all}
    negative_languages: tuple         # languages of the window's negative texts
    ratings: tuple                    # ratings the text can be checked against (csat, nps)
    rated: dict                       # {"n", "first", "last"} of the rated en/zh texts (validity)
    agreement: pd.DataFrame           # rating_agreement per language and rating
    trust: pd.DataFrame | None        # trust_by_language against the main rating
    calibration: pd.DataFrame | None  # calibration_by_rating against the main rating
    confusion: dict                   # {language: confusion_matrix against the main rating}
    notes: tuple[Note, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    text_span: tuple = field(default=(None, None))   # first and last text time
    #: how the texts were scored: {"cache": folder or None, "scored": texts passed to the scorer (None without a
    #: cache: every distinct text), "cached": distinct texts whose scores came from the cache, "corrupt": cache
    #: segments found damaged and rebuilt}
    scoring: dict = field(default_factory=dict)

    @property
    def main_rating(self) -> str | None:
        """The rating the validity section reads (CSAT when the survey has it)."""
        return self.ratings[0] if self.ratings else None

    def records(self) -> dict[str, object]:
        """What the notebook records (keys and order as before the redesign)."""
        head, agreement = self.headline, self.agreement

        def rho(rating: str) -> dict:
            rows = agreement[agreement["rating"] == rating]
            return dict(zip(rows["language"], rows["estimate"]))

        return {
            "period": {"period": self.current.label, "start": self.current.start, "end": self.current.last_day,
                       "comparison": self.previous.label if self.previous else None},
            "text_source": self.source,
            "comments": head.n,
            "share_negative": head.share_negative,
            "share_negative_ci": [head.ci_low, head.ci_high],
            "share_negative_previous": head.previous_share_negative,
            "mean_polarity": dict(zip(self.by_language["language"], self.by_language["mean_polarity"])),
            "spearman_csat": rho("csat"),
            "spearman_nps": rho("nps"),
            "aspects": self.aspect_table[["aspect", "mentions", "negative", "share_negative", "impact"]],
            "thresholds": dict(self.thresholds),
            "skipped": [{"section": s.section, "needs": s.needs} for s in self.skipped],
        }


def _periods(period: str, comparison, text_times: pd.Series, data_end) -> tuple[Period, Period | None, Period | None]:
    """The report's period and comparison; ``latest`` moves back to the latest complete month with texts (sparse
    free text), returning the empty month it skipped as the third value."""
    current, previous = resolve_periods(period, comparison, data_end=data_end)
    empty_latest = None
    if period == "latest":
        latest = latest_period_with_texts(text_times, data_end)
        if latest != current:
            empty_latest, (current, previous) = current, resolve_periods(latest.label, comparison, data_end=data_end)
    return current, previous, empty_latest


def _breakdowns(window: pd.DataFrame, dims, max_levels: int) -> tuple[dict, dict, dict, dict]:
    """Per charted dimension: sentiment_by of the window with the levels beyond ``max_levels`` pooled (OTHER
    last), the language mix, its extremes and, where the mix differs, the comparison within each language."""
    breakdowns, mixes, extremes, within = {}, {}, {}, {}
    for by in [d for d in CHARTED if d in dims]:
        lumped = lump_levels(window, by, max_levels)
        frame = sentiment_by(lumped, by)
        breakdowns[by] = pd.concat([frame[frame[by] != OTHER], frame[frame[by] == OTHER]], ignore_index=True)
        mixes[by] = language_mix(lumped, by)
        extremes[by] = mix_extremes(mixes[by])
        if extremes[by] is not None and extremes[by][2]:
            within[by] = sentiment_by(lumped[lumped["language"].isin(SCORED_LANGUAGES)], ["language", by])
    breakdowns["language"] = sentiment_by(window, "language")
    return breakdowns, mixes, extremes, within


def _agents(window: pd.DataFrame, min_comments: int) -> pd.DataFrame:
    agents = sentiment_by(window, "agent_id")
    agents = agents[(agents["n"] >= min_comments) & (agents["agent_id"] != NO_TICKET)]
    return agents.sort_values("share_negative", ascending=False).head(TOP_AGENTS)


def _examples(texts: pd.DataFrame, found: pd.DataFrame, ranking: pd.DataFrame, n: int) -> dict:
    """Example quotes of the top aspects: from the texts in each scored language and from all texts."""
    def quotes(scored: pd.DataFrame) -> pd.DataFrame:
        rows = [{"aspect": aspect, "example": q} for aspect in ranking["aspect"].head(EXAMPLE_ASPECTS)
                for q in negative_examples(texts["comment"], scored, found, aspect, n=n)]
        return pd.DataFrame(rows, columns=["aspect", "example"])

    out = {lang: quotes(texts.assign(label=texts["label"].where(texts["language"] == lang)))
           for lang in SCORED_LANGUAGES}
    out["any"] = quotes(texts)
    return out


def _validity(scored: pd.DataFrame, ratings: list[str], when: str) -> dict:
    known = scored[scored["language"].isin(SCORED_LANGUAGES)]
    if not ratings:
        return {"rated": {"n": 0, "first": None, "last": None},
                "agreement": pd.DataFrame(columns=["language", "rating", "n", "estimate"]), "trust": None,
                "calibration": None, "confusion": {}}
    rated = known[known[ratings].notna().any(axis=1) & known["label"].notna()]
    agreement = rating_agreement(known)
    main = ratings[0]
    confusion = {}
    for language in SCORED_LANGUAGES:
        part = known[(known["language"] == language) & known[main].notna()]
        if len(part):
            confusion[language] = confusion_matrix(part, main)
    return {"rated": {"n": len(rated), "first": rated[when].min(), "last": rated[when].max()},
            "agreement": agreement[agreement["rating"].isin(ratings)], "trust": trust_by_language(scored, main),
            "calibration": calibration_by_rating(known, main), "confusion": confusion}


def analyse(data, *, period: str = "latest", comparison="previous", text_source: str = "auto",
            lookback_months: int = 12, negative_below: float = -0.05, positive_above: float = 0.2,
            agent_min_comments: int = 30, max_levels: int = 10, examples_per_aspect: int = 3,
            sentiment_cache_dir=None, progress=None) -> SentimentResult:
    """The feedback_sentiment report of ``data`` (a :class:`csm.data.load.Dataset` with ``responses`` and/or
    ``tickets``); parameters as in ``notebooks/feedback_sentiment.ipynb``. ``progress``: None or a callable
    ``progress(done, total)`` called while the texts are scored. ``sentiment_cache_dir``: None (score every
    distinct text) or the folder of the persistent score cache by text hash (:mod:`csm.sentiment.cache`: only texts
    not scored before by the same scorer are scored; results are identical either way; no text is stored).

    Raises :class:`DataError` when no text can be scored, :class:`ParameterError` when the period holds none."""
    tickets, responses = getattr(data, "tickets", None), getattr(data, "responses", None)
    source = choose_text_source(text_source, responses, tickets)
    when = TIME_COLUMNS[source]
    thresholds = {"negative_below": negative_below, "positive_above": positive_above}
    scoring = {"cache": None if sentiment_cache_dir is None else str(sentiment_cache_dir)}
    options = {"thresholds": thresholds, "progress": progress, "cache_dir": sentiment_cache_dir, "stats": scoring}
    scored = (scored_comments(responses, tickets, **options) if source == "responses"
              else scored_descriptions(tickets, **options))
    column = "responses.comment" if source == "responses" else "tickets.description"
    if scored["label"].notna().sum() == 0:
        raise DataError(f"No texts with letters or Chinese characters in {column} ({len(scored):,} rows): nothing to "
                        "score. Provide comments or descriptions with text.")
    text_times = scored.loc[scored["label"].notna(), when]
    data_end = (responses if source == "responses" else tickets)[when].max()
    current, previous, empty_latest = _periods(period, comparison, text_times, data_end)
    if not current.contains(text_times).any():
        raise ParameterError(f"The period {current.label} holds no texts in {column}: they run from "
                             f"{text_times.min():%Y-%m-%d} to {text_times.max():%Y-%m-%d}. Choose a period inside that "
                             "range (parameter period) or period = 'latest'.")
    dims, skipped = breakdown_plan(source, responses, tickets)
    ratings, skipped_validity = validity_ratings(source, responses)
    window_period = Period(current.end - pd.DateOffset(months=lookback_months), current.end, "range")
    first_month = text_times.min().normalize().replace(day=1)
    window_shown = Period(max(window_period.start, first_month), current.end, "range")
    window = scored[window_period.contains(scored[when])]
    window_scored = window.reset_index(drop=True)
    found = aspects(window["comment"])
    ranking = aspect_summary(window_scored, found)
    breakdowns, mixes, extremes, within = _breakdowns(window, dims, max_levels)
    trend = sentiment_trend(window, time=when, by="language")
    in_period = scored[current.contains(scored[when])]
    notes = []
    if source == "tickets":
        notes.append(Note("sentiment_source_tickets", n=len(scored), chosen=text_source == "auto"))
    if empty_latest is not None:
        notes.append(Note("sentiment_latest_moved", empty=empty_latest.label))
    return SentimentResult(
        source=source, text_source=text_source, time_column=when, thresholds=thresholds, current=current,
        previous=previous, window=window_period, window_shown=window_shown, empty_latest=empty_latest, scored=scored,
        headline=period_headline(scored, current, previous, time=when),
        window_headline=period_headline(scored, window_period, None, time=when),
        by_language=sentiment_by(in_period[in_period["language"].isin(SCORED_LANGUAGES)], "language"),
        dims=tuple(dims), breakdowns=breakdowns, max_levels=max_levels,
        levels_lumped=any(window[by].nunique() > max_levels + 1 for by in CHARTED if by in dims),
        language_mix=mixes, mix=extremes, within_language=within,
        agents=_agents(window, agent_min_comments) if "agent_id" in dims else None,
        agent_min_comments=agent_min_comments,
        trend=trend[trend["language"].isin(SCORED_LANGUAGES)].reset_index(drop=True),
        aspect_mentions=found, aspect_table=ranking,
        examples=_examples(window_scored, found, ranking, examples_per_aspect),
        negative_languages=tuple(sorted(set(window_scored.loc[window_scored["label"] == "negative", "language"]))),
        ratings=tuple(ratings), **_validity(scored, ratings, when),
        notes=tuple(notes), skipped=tuple(skipped + skipped_validity),
        text_span=(scored[when].min(), scored[when].max()), scoring=scoring)
