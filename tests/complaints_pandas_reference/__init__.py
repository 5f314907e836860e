"""The pandas implementation of csm.complaints as on main before issue 14 (a copy, kept as the reference of
tests/test_complaints_engine.py; not part of the package). Its term analysis, unchanged and pandas-only, is
csm.complaints.terms itself."""
"""Complaint root-cause analysis: what customers complain about, where it got worse, why, what to fix first.

:func:`analyse` runs the whole report (:mod:`csm.complaints.analysis`) and returns a frozen
:class:`ComplaintsResult`; the steps are pure functions over the contract's ``tickets`` table (tidy
frames in, tidy frames or small frozen result objects out; nothing here draws, prints or labels):

- :mod:`~csm.complaints.inputs` — required columns, the tickets of a window, :func:`skipped_sections`;
- :mod:`~csm.complaints.pareto` — :func:`pareto`, :func:`pareto_within`;
- :mod:`~csm.complaints.spikes` — :func:`weekly_counts`, :func:`detect_spikes`, :func:`find_spikes`,
  :func:`spike_drivers`, :func:`spike_hierarchy`, :func:`describe_spikes`: weekly volume and spikes against a
  seasonal (STL) or robust rolling-median baseline, what drives each, which are findings;
- :mod:`~csm.complaints.concentration` — :func:`contingency_test`, :func:`concentration`: chi-square with
  adjusted standardised residuals and Cramér's V;
- :mod:`~csm.complaints.outcomes` — :func:`outcome_frame`, :func:`fit_outcome_model`, :func:`outcome_drivers`:
  logistic regressions (odds ratios) of repeat complaint, not resolved at first contact, escalation;
- :mod:`~csm.complaints.resolution` — :func:`resolution_performance`: time to resolve, SLA share, FCR and
  reopen rates per category;
- :mod:`~csm.complaints.terms` — :func:`tokenize`, :func:`weighted_log_odds`, :func:`distinctive_terms`,
  :func:`example_complaints`: the words most distinctive of a group (Monroe, Colaresi & Quinn 2008);
- :mod:`~csm.complaints.ranking` — :func:`period_changes`, :func:`root_cause_table`: what changed, and the
  ranked table of findings.
"""
from .analysis import ComplaintsResult, analyse, for_record, main_spike, spike_text_window
from .concentration import (
    NESTED_SHARE,
    Concentration,
    ContingencyResult,
    adjusted_residuals,
    concentration,
    contingency_test,
    cramers_v,
    nested_share,
)
from .inputs import (
    COVARIATE_SOURCE,
    OTHER_LEVELS,
    SECTION_NEEDS,
    has_customer_key,
    has_values,
    skipped_sections,
    tickets_in,
)
from .outcomes import (
    MODEL_COVARIATES,
    OUTCOMES,
    TENURE_BANDS,
    OutcomeDrivers,
    OutcomeModel,
    fit_outcome_model,
    outcome_drivers,
    outcome_frame,
    repeat_complaints,
    tenure_band,
)
from .pareto import pareto, pareto_within
from .ranking import MIN_CONCENTRATION_RATIO, period_changes, root_cause_table
from .resolution import resolution_hours, resolution_performance
from .spikes import (
    ALL_LEVEL,
    DRIVER_DIMENSIONS,
    EXPLAIN_LIFT,
    EXPLAIN_SHARE,
    MIN_HISTORY_EXTRA_WEEKS,
    SPIKE_LEVELS,
    SpikeResult,
    describe_spikes,
    detect_spikes,
    find_spikes,
    level_columns,
    level_name,
    min_history_weeks,
    spike_drivers,
    spike_hierarchy,
    weekly_counts,
)
from csm.complaints.terms import distinctive_terms, example_complaints, term_counts, tokenize, weighted_log_odds

__all__ = [
    "analyse", "ComplaintsResult", "for_record", "main_spike", "spike_text_window",
    "OTHER_LEVELS", "SECTION_NEEDS", "COVARIATE_SOURCE", "tickets_in", "has_values", "has_customer_key",
    "skipped_sections",
    "pareto", "pareto_within",
    "DRIVER_DIMENSIONS", "SPIKE_LEVELS", "ALL_LEVEL", "MIN_HISTORY_EXTRA_WEEKS", "EXPLAIN_SHARE", "EXPLAIN_LIFT",
    "SpikeResult", "weekly_counts", "min_history_weeks", "detect_spikes", "level_name", "level_columns",
    "find_spikes", "spike_drivers", "spike_hierarchy", "describe_spikes",
    "NESTED_SHARE", "ContingencyResult", "Concentration", "adjusted_residuals", "cramers_v", "contingency_test",
    "nested_share", "concentration",
    "OUTCOMES", "MODEL_COVARIATES", "TENURE_BANDS", "OutcomeModel", "OutcomeDrivers", "repeat_complaints",
    "tenure_band", "outcome_frame", "fit_outcome_model", "outcome_drivers",
    "resolution_performance", "resolution_hours",
    "tokenize", "term_counts", "weighted_log_odds", "distinctive_terms", "example_complaints",
    "MIN_CONCENTRATION_RATIO", "period_changes", "root_cause_table",
]
