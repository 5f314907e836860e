"""A/B tests of service changes: design checks, comparisons at the randomisation unit, decisions, and
difference in differences for changes that were not randomised (notebooks/ab_test).

Building blocks (each returns a one-row tidy frame with ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``n``;
effects are treatment − control)::

    compare_proportions(successes_control, n_control, successes_treatment, n_treatment, alpha=0.05)
    compare_means(control, treatment, alpha=0.05)            # Welch
    compare_medians(control, treatment, alpha=0.05)          # bootstrap median difference + Mann–Whitney
    compare_ordinal(control, treatment, alpha=0.05)          # e.g. CSAT 1–5
    compare_nps(control, treatment, alpha=0.05)
    compare_ratio(num_c, den_c, num_t, den_t, alpha=0.05)    # delta method, per randomised unit
    compare_clustered(values, is_treatment, clusters)        # cluster-robust
    cuped(values, covariate, is_treatment)                   # variance reduction with a pre-period covariate
    srm_test(observed_counts, expected_shares) -> p-value

Modules: :mod:`~csm.abtest.compare` (two-arm comparisons), :mod:`~csm.abtest.design` (SRM, balance,
power, sequential boundaries), :mod:`~csm.abtest.experiment` (tables → metrics → decision),
:mod:`~csm.abtest.did` (difference in differences), :mod:`~csm.abtest.analysis` (``analyse``: the report's
analysis, data and parameters in, :class:`~csm.abtest.analysis.AbTestResult` out).
"""
from csm.abtest import analysis, compare, design, did, experiment
from csm.abtest.analysis import *  # noqa: F403
from csm.abtest.compare import *  # noqa: F403 - the public names, as listed in each module's __all__
from csm.abtest.design import *  # noqa: F403
from csm.abtest.did import *  # noqa: F403
from csm.abtest.experiment import *  # noqa: F403

__all__ = sorted({*analysis.__all__, *compare.__all__, *design.__all__, *did.__all__, *experiment.__all__})
