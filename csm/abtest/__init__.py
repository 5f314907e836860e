"""A/B tests of service changes: design checks, comparisons at the randomisation unit, decisions, and
difference in differences for changes that were not randomised (notebooks/ab_test).

Building blocks (each returns a one-row tidy frame with ``diff``, ``ci_low``, ``ci_high``, ``p_value``;
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
:mod:`~csm.abtest.did` (difference in differences).
"""
from csm.abtest.compare import (
                                compare_clustered,
                                compare_means,
                                compare_medians,
                                compare_nps,
                                compare_ordinal,
                                compare_proportions,
                                compare_ratio,
                                cuped,
                                relative_lift,
)
from csm.abtest.design import (
                                SRMResult,
                                covariate_balance,
                                mde_from_se,
                                minimum_detectable_effect,
                                obrien_fleming_spending,
                                required_sample_size,
                                sequential_boundaries,
                                sequential_monitor,
                                srm_check,
                                srm_test,
)
from csm.abtest.did import DiDResult, difference_in_differences, placebo_did, pre_trends
from csm.abtest.experiment import (
                                ExperimentResult,
                                aa_simulation,
                                analyse_experiment,
                                analyse_metric,
                                analyse_metrics,
                                check_metrics,
                                decide,
                                experiment_rows,
                                experiment_units,
                                power_plan,
                                sequential_looks,
                                unit_of_analysis,
                                unit_values,
)

__all__ = [
                                "DiDResult",
                                "ExperimentResult",
                                "SRMResult",
                                "aa_simulation",
                                "analyse_experiment",
                                "analyse_metric",
                                "analyse_metrics",
                                "check_metrics",
                                "compare_clustered",
                                "compare_means",
                                "compare_medians",
                                "compare_nps",
                                "compare_ordinal",
                                "compare_proportions",
                                "compare_ratio",
                                "covariate_balance",
                                "cuped",
                                "decide",
                                "difference_in_differences",
                                "experiment_rows",
                                "experiment_units",
                                "mde_from_se",
                                "minimum_detectable_effect",
                                "obrien_fleming_spending",
                                "placebo_did",
                                "power_plan",
                                "pre_trends",
                                "relative_lift",
                                "required_sample_size",
                                "sequential_boundaries",
                                "sequential_looks",
                                "sequential_monitor",
                                "srm_check",
                                "srm_test",
                                "unit_of_analysis",
                                "unit_values",
]
