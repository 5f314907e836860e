"""Sentiment of customer feedback in English and Chinese (see :mod:`csm.sentiment.score`).

The public names are re-exported here, so ``from csm import sentiment; sentiment.score(...)`` works.
"""
from csm.sentiment.score import (  # noqa: F401
    LABELS, MEASURED_ACCURACY, DEFAULT_THRESHOLDS, ASPECT_KEYWORDS, ASPECTS, ZH_MODEL_FILE, CONTRAST_MARKERS,
    CONTRAST_OPENERS, CONCESSION_MARKERS, LENGTH_FLOOR, WAIT_WEIGHT, chinese_model_features, segment_weights,
    textblob_sentiment, chinese_sentiment, label_polarity, METHODS, PARALLEL_MIN_TEXTS, score, aspects,
    sentiment_by, sentiment_trend, rating_labels, rating_agreement, confusion_table, aspect_summary,
    negative_examples, polarity_accuracy, NO_TICKET, TICKET_COLUMNS, scored_comments, period_headline,
    TEXT_SOURCES, BREAKDOWNS, TIME_COLUMNS, choose_text_source, scored_descriptions, breakdown_plan,
    validity_ratings, latest_period_with_texts,
)

__all__ = [
    "LABELS", "MEASURED_ACCURACY", "DEFAULT_THRESHOLDS", "ASPECT_KEYWORDS", "ASPECTS", "ZH_MODEL_FILE",
    "CONTRAST_MARKERS", "CONTRAST_OPENERS", "CONCESSION_MARKERS", "LENGTH_FLOOR", "WAIT_WEIGHT",
    "chinese_model_features", "segment_weights", "textblob_sentiment", "chinese_sentiment", "label_polarity",
    "METHODS", "PARALLEL_MIN_TEXTS", "score", "aspects", "sentiment_by", "sentiment_trend", "rating_labels",
    "rating_agreement", "confusion_table", "aspect_summary", "negative_examples", "polarity_accuracy",
    "NO_TICKET", "TICKET_COLUMNS", "scored_comments", "period_headline", "TEXT_SOURCES", "BREAKDOWNS",
    "TIME_COLUMNS", "choose_text_source", "scored_descriptions", "breakdown_plan", "validity_ratings",
    "latest_period_with_texts",
]
