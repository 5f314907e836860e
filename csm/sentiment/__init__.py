"""Sentiment of customer feedback in English and Chinese, and the feedback_sentiment report's analysis.

Modules (data flows top to bottom)::

    score.py      score(texts) → language, polarity, subjectivity, label per text (mixed texts: both sides)
      english.py  VADER with service words, and exactly TextBlob's PatternAnalyzer (fast, identical results)
      chinese.py  the supervised Chinese model over contrast-weighted segments, with lexicon rules (jieba through
                  csm.text.segmenter); cache.py the scorers' bounded caches and the persistent score cache by
                  text hash (ScoreCache: Parquet segments per scorer identity; no text stored)
    batch.py      score_relation(rel, column): distinct texts and their SHA-256 in the engine, anti-joined with the
                  cache, only new texts scored (Arrow batches), scores joined back in the engine; score_texts: the
                  same for a Series, bit-identical to score()
    aspects.py    service aspects per text, their ranking (aspect_summary) and masked example quotes
    summaries.py  tidy summaries with intervals: shares per group / month, a period's headline against its
                  comparison, agreement with ratings, calibration, trust, language mix
    inputs.py     which texts (survey comments or ticket descriptions), joined to tickets (scored_relation: lazy, in
                  the engine); which sections the data allows (Skipped)
    aggregates.py the report's tables as engine aggregates (counts, means, the validity cube, Spearman's rank sums);
                  only these and a bounded, stated sample of texts reach pandas
    analysis.py   analyse(data, …) → SentimentResult: everything the report shows and records

``from csm import sentiment; sentiment.score(...)`` and the other public names work from the package.
Note: ``sentiment.score`` is the function; the module is ``csm.sentiment.score`` in ``from … import``.
"""
from csm.sentiment.aspects import ASPECT_KEYWORDS, ASPECTS, aspect_summary, aspects, negative_examples
from csm.sentiment.chinese import (
    CONCESSION_MARKERS, CONTRAST_MARKERS, CONTRAST_OPENERS, LENGTH_FLOOR, WAIT_WEIGHT, ZH_MODEL_FILE,
    chinese_model_features, segment_weights,
)
from csm.sentiment.inputs import (
    BREAKDOWNS, TEXT_SOURCES, TICKET_COLUMNS, TIME_COLUMNS, breakdown_plan, choose_text_source,
    latest_period_with_texts, scored_comments, scored_descriptions, validity_ratings,
)
from csm.sentiment.score import (
    DEFAULT_THRESHOLDS, LABELS, MEASURED_ACCURACY, METHODS, PARALLEL_MIN_TEXTS, chinese_sentiment, label_polarity,
    reset_scorers, score, textblob_sentiment,
)
from csm.sentiment.summaries import (
    NO_TICKET, Headline, calibration_by_rating, confusion_matrix, confusion_table, language_mix, period_headline,
    polarity_accuracy, rating_agreement, rating_labels, sentiment_by, sentiment_trend, trust_by_language,
)
from csm.sentiment.batch import score_relation, score_texts
from csm.sentiment.analysis import SentimentResult, analyse  # noqa: E402  (analysis uses the modules above)

__all__ = [
    "LABELS", "MEASURED_ACCURACY", "DEFAULT_THRESHOLDS", "ASPECT_KEYWORDS", "ASPECTS", "ZH_MODEL_FILE",
    "CONTRAST_MARKERS", "CONTRAST_OPENERS", "CONCESSION_MARKERS", "LENGTH_FLOOR", "WAIT_WEIGHT",
    "chinese_model_features", "segment_weights", "textblob_sentiment", "chinese_sentiment", "label_polarity",
    "METHODS", "PARALLEL_MIN_TEXTS", "score", "reset_scorers", "aspects", "sentiment_by", "sentiment_trend",
    "rating_labels", "rating_agreement", "confusion_table", "confusion_matrix", "aspect_summary",
    "negative_examples", "polarity_accuracy", "NO_TICKET", "TICKET_COLUMNS", "scored_comments", "Headline",
    "period_headline", "calibration_by_rating", "trust_by_language", "language_mix", "TEXT_SOURCES", "BREAKDOWNS",
    "TIME_COLUMNS", "choose_text_source", "scored_descriptions", "breakdown_plan", "validity_ratings",
    "latest_period_with_texts", "SentimentResult", "analyse", "score_relation", "score_texts",
]
