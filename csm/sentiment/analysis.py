"""The feedback_sentiment report's analysis: :func:`analyse` turns the loaded data and the report's parameters into
a :class:`SentimentResult` — every table, share and example the report shows, and what it records.

Windows: the report's ``period`` (headline, languages) and the lookback ``window`` of ``lookback_months`` up to the
end of the period (breakdowns, trend, aspects, examples), both :class:`csm.periods.Period` (half-open: a text
stamped at 00:00 the day after the period is outside it). Nothing here draws, prints or builds display text.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from csm.engine import execute, quiet, relation_in
from csm.engine.samples import bounded_rows
from csm.errors import DataError, ParameterError
from csm.notes import Note, Skipped
from csm.periods import Period, parse_period, resolve_periods
from csm.levels import OTHER, top_levels
from csm.sentiment import aggregates as agg
from csm.sentiment.aspects import aspect_summary, aspects, negative_examples
from csm.sentiment.inputs import (
    KEY_COLUMNS, TIME_COLUMNS, breakdown_plan, choose_text_source, scored_relation, validity_ratings,
)
from csm.sentiment.summaries import (
    CALIBRATION_BINS, NO_TICKET, Headline, headline_from_counts, language_mix_from_counts, mix_extremes,
    sentiment_from_counts, spearman_from_sums, validity_from_counts,
)

__all__ = ["SentimentResult", "analyse", "CHARTED", "TOP_AGENTS", "EXAMPLE_ASPECTS", "SCORED_LANGUAGES", "TEXT_SAMPLE"]

#: breakdowns drawn as charts (agents are a table of the most negative)
CHARTED = ("channel", "team", "category")
#: agents listed (the most negative of those with at least agent_min_comments texts)
TOP_AGENTS = 10
#: aspects (the top of the ranking) that get example quotes
EXAMPLE_ASPECTS = 3
#: languages with a scorer of their own; mixed texts are scored but not compared as a language
SCORED_LANGUAGES = ("en", "zh")
#: texts of the lookback window fetched for the aspects and quotes at most (larger windows: a fixed sample by a hash
#: of the row key, stated in a Note ``texts_sampled``); every other number is an aggregate over all texts
TEXT_SAMPLE = 50_000


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
    scored: object                    # every scored text, lazy: an engine relation (score() columns joined to its
                                      # ticket; csm.engine.execute fetches it)
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
    aspect_mentions: pd.DataFrame     # aspects() of the window's texts (or of their stated sample)
    aspect_table: pd.DataFrame        # aspect_summary, ranked by impact
    aspect_base: Headline             # the labelled texts the aspects are counted in (the window, or its sample)
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
    #: how the texts were scored: {"cache": folder or None, "scored": distinct texts passed to the scorer (without a
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


def _periods(period: str, comparison, seen: dict, data_end) -> tuple[Period, Period | None, Period | None]:
    """The report's period and comparison; ``latest`` moves back to the latest complete month with texts (sparse
    free text), returning the empty month it skipped as the third value (as
    :func:`csm.sentiment.inputs.latest_period_with_texts`, from the :func:`csm.sentiment.aggregates.overview` of
    the texts ``seen``)."""
    current, previous = resolve_periods(period, comparison, data_end=data_end)
    empty_latest = None
    if period == "latest" and not seen["in_latest"] and pd.notna(seen["before_latest"]):
        start = seen["before_latest"].to_period("M").start_time
        moved = Period(start, start + pd.DateOffset(months=1), "month")
        empty_latest, (current, previous) = current, resolve_periods(moved.label, comparison, data_end=data_end)
    return current, previous, empty_latest


def _lumped(rows, by: str, counts: pd.DataFrame, max_levels: int):
    """``rows`` with the levels of ``by`` beyond the ``max_levels`` largest (``counts`` per level) pooled as
    :data:`csm.levels.OTHER` (:func:`csm.levels.lump_levels`: unchanged when that would replace a single level)."""
    import ibis

    if len(counts) <= max_levels + 1:
        return rows
    keep = [str(v) for v in top_levels(counts, by, max_levels, weight="count")]
    col = rows[by].cast("string")
    return rows.mutate(**{by: ibis.ifelse(col.isnull() | col.isin(keep), col, ibis.literal(OTHER))})


def _breakdowns(rows, in_window, dims, max_levels: int) -> tuple[dict, dict, dict, dict, bool]:
    """Per charted dimension: sentiment_by of the window with the levels beyond ``max_levels`` pooled (OTHER
    last), the language mix, its extremes and, where the mix differs, the comparison within each language; and
    whether a charted dimension has more than ``max_levels`` + 1 levels."""
    breakdowns, mixes, extremes, within, lumped_any = {}, {}, {}, {}, False
    for by in [d for d in CHARTED if d in dims]:
        counts = agg.level_counts(rows, by, in_window)
        lumped_any |= len(counts) > max_levels + 1
        lumped = _lumped(rows, by, counts, max_levels)
        frame = sentiment_from_counts(agg.label_counts(lumped, [by], in_window), by)
        breakdowns[by] = pd.concat([frame[frame[by] != OTHER], frame[frame[by] == OTHER]], ignore_index=True)
        per_language = agg.label_counts(lumped, [by, "language"], in_window)
        mixes[by] = language_mix_from_counts(per_language, by)
        extremes[by] = mix_extremes(mixes[by])
        if extremes[by] is not None and extremes[by][2]:
            within[by] = sentiment_from_counts(per_language[per_language["language"].isin(SCORED_LANGUAGES)],
                                               ["language", by])
    breakdowns["language"] = sentiment_from_counts(agg.label_counts(rows, ["language"], in_window), "language")
    return breakdowns, mixes, extremes, within, lumped_any


def _agents(agents: pd.DataFrame, min_comments: int) -> pd.DataFrame:
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


def _validity(rows, ratings: list[str], when: str) -> dict:
    if not ratings:
        return {"rated": {"n": 0, "first": None, "last": None},
                "agreement": pd.DataFrame(columns=["language", "rating", "n", "estimate"]), "trust": None,
                "calibration": None, "confusion": {}}
    cube = agg.validity_cube(rows, when, ratings, CALIBRATION_BINS)
    spearman = {}
    for rating in ratings:
        for language, (n, sxx, syy, sxy) in agg.spearman_sums(rows, rating, cube).items():
            spearman[(language, rating)] = (n, *spearman_from_sums(n, sxx, syy, sxy))
    out = validity_from_counts(cube, spearman, ratings)
    if not out["rated"]["n"]:
        out["rated"] = {"n": 0, "first": pd.NaT, "last": pd.NaT}
    return out


def analyse(data, *, period: str = "latest", comparison="previous", text_source: str = "auto",
            lookback_months: int = 12, negative_below: float = -0.05, positive_above: float = 0.2,
            agent_min_comments: int = 30, max_levels: int = 10, examples_per_aspect: int = 3,
            sentiment_cache_dir=None, max_texts: int = TEXT_SAMPLE, progress=None) -> SentimentResult:
    """The feedback_sentiment report of ``data`` (a :class:`csm.data.load.Dataset` with ``responses`` and/or
    ``tickets``, or anything :func:`csm.engine.relation_in` reads); parameters as in
    ``notebooks/feedback_sentiment.ipynb``. ``progress``: None or a callable ``progress(done, total)`` called while
    the texts are scored. ``sentiment_cache_dir``: None (score every distinct text) or the folder of the persistent
    score cache by text hash (:mod:`csm.sentiment.cache`: only texts not scored before by the same scorer are
    scored; results are identical either way; no text is stored). ``max_texts``: texts of the lookback window
    fetched for the aspects and quotes at most; a larger window is sampled by a hash of the row key (a Note
    ``texts_sampled`` states it). Every count, share and statistic else is an engine aggregate over all texts.

    Raises :class:`DataError` when no text can be scored, :class:`ParameterError` when the period holds none."""
    if max_texts < 1:
        raise ParameterError(f"max_texts must be at least 1; got {max_texts}")
    tickets, responses = relation_in(data, "tickets"), relation_in(data, "responses")
    source = choose_text_source(text_source, responses, tickets)
    when, key = TIME_COLUMNS[source], KEY_COLUMNS[source]
    thresholds = {"negative_below": negative_below, "positive_above": positive_above}
    scoring = {"cache": None if sentiment_cache_dir is None else str(sentiment_cache_dir)}
    with quiet():   # the engine's libraries' notices about each other (DuckDB 1.1 scanning pandas 2.2 text)
        scored = scored_relation(source, responses, tickets, thresholds=thresholds, progress=progress,
                                 cache_dir=sentiment_cache_dir, stats=scoring)
    scoring.setdefault("cached", 0)
    dims, skipped = breakdown_plan(source, responses, tickets)
    ratings, skipped_validity = validity_ratings(source, responses)
    column = "responses.comment" if source == "responses" else "tickets.description"
    source_rel = responses if source == "responses" else tickets
    data_end = pd.Timestamp(execute(source_rel[when].max()))
    columns = [key, when, "label", "language", "polarity", *dims, *ratings]
    with quiet():
        rows, name = agg.materialise(scored, list(dict.fromkeys(columns)))
    try:
        seen = agg.overview(rows, when, parse_period("latest", data_end=data_end))
        if seen["labelled"] == 0:
            raise DataError(f"No texts with letters or Chinese characters in {column} ({seen['rows']:,} rows): "
                            "nothing to score. Provide comments or descriptions with text.")
        current, previous, empty_latest = _periods(period, comparison, seen, data_end)
        window_period = Period(current.end - pd.DateOffset(months=lookback_months), current.end, "range")
        counts = agg.period_counts(rows, when, {"current": current, "previous": previous, "window": window_period})
        if not counts["current"][1]:
            raise ParameterError(f"The period {current.label} holds no texts in {column}: they run from "
                                 f"{seen['first_text']:%Y-%m-%d} to {seen['last_text']:%Y-%m-%d}. Choose a period "
                                 "inside that range (parameter period) or period = 'latest'.")
        first_month = seen["first_text"].normalize().replace(day=1)
        window_shown = Period(max(window_period.start, first_month), current.end, "range")

        def in_window(t):
            return agg.within(t[when], window_period)

        def in_period(t):
            return agg.within(t[when], current) & t.language.isin(list(SCORED_LANGUAGES))

        breakdowns, mixes, extremes, within, levels_lumped = _breakdowns(rows, in_window, dims, max_levels)
        agents = None
        if "agent_id" in dims:
            agents = _agents(sentiment_from_counts(agg.label_counts(rows, ["agent_id"], in_window), "agent_id"),
                             agent_min_comments)
        by_month = rows.mutate(period_start=rows[when].truncate("M"))
        trend_counts = agg.label_counts(by_month, ["period_start", "language"], in_window)
        trend_counts["period_start"] = pd.to_datetime(trend_counts["period_start"]).astype("datetime64[ns]")
        trend = sentiment_from_counts(trend_counts, ["period_start", "language"])
        by_language = sentiment_from_counts(agg.label_counts(rows, ["language"], in_period), "language")
        negative_languages = tuple(agg.distinct_values(rows, "language",
                                                       lambda t: in_window(t) & (t.label == "negative")))
        validity = _validity(rows, ratings, when)
    finally:
        agg.drop(rows, name)
    k, n, _ = counts["current"]
    previous_counts = counts["previous"][:2] if previous is not None else (None, None)
    headline = headline_from_counts(k, n, *previous_counts)
    window_headline = headline_from_counts(*counts["window"][:2])
    # the texts for the aspects and quotes: all of the window's, or a fixed sample by the row key's hash
    window_rows = counts["window"][2]
    texts, _ = bounded_rows(scored.filter(agg.within(scored[when], window_period)),
                            [key, when, "comment", "label", "language", "polarity"], max_texts, key=key,
                            n=window_rows, order=(when, key))
    found = aspects(texts["comment"], scores=texts)
    ranking = aspect_summary(texts, found)
    notes = []
    if source == "tickets":
        notes.append(Note("sentiment_source_tickets", n=seen["rows"], chosen=text_source == "auto"))
    if empty_latest is not None:
        notes.append(Note("sentiment_latest_moved", empty=empty_latest.label))
    labelled = texts[texts["label"].notna()]
    aspect_base = headline_from_counts(int((labelled["label"] == "negative").sum()), len(labelled))
    if window_rows > len(texts):  # counted as every other sentence counts: the scored texts
        notes.append(Note("texts_sampled", n=window_headline.n, sampled=aspect_base.n))
    return SentimentResult(
        source=source, text_source=text_source, time_column=when, thresholds=thresholds, current=current,
        previous=previous, window=window_period, window_shown=window_shown, empty_latest=empty_latest, scored=scored,
        headline=headline, window_headline=window_headline, by_language=by_language,
        dims=tuple(dims), breakdowns=breakdowns, max_levels=max_levels, levels_lumped=levels_lumped,
        language_mix=mixes, mix=extremes, within_language=within, agents=agents,
        agent_min_comments=agent_min_comments,
        trend=trend[trend["language"].isin(SCORED_LANGUAGES)].reset_index(drop=True),
        aspect_mentions=found, aspect_table=ranking, aspect_base=aspect_base,
        examples=_examples(texts, found, ranking, examples_per_aspect),
        negative_languages=negative_languages, ratings=tuple(ratings), **validity,
        notes=tuple(notes), skipped=tuple(skipped + skipped_validity),
        text_span=(seen["first"], seen["last"]), scoring=scoring)
