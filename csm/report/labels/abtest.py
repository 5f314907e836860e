"""Labels and phrases of A/B tests of service changes (notebooks/ab_test).

Merged into :mod:`csm.report.labels` (use :func:`~csm.report.labels.label` and
:func:`~csm.report.labels.phrase` to show them); same rules: every entry has
``en`` and ``zh``, a code has one meaning across the project.

Codes are prefixed (``ab_``, ``kind_``, ``role_``, ``verdict_``, ``decision_``, ``method_``) so that they
cannot collide with other topics' generic words.
"""

#: Codes (dimension values, column headers, model terms …) -> display labels.
CODES: dict[str, dict[str, str]] = {
    # metrics of the sample experiment that are not KPIs of the scorecard
    "handle_time_per_ticket": {"en": "Handle time per ticket", "zh": "每张工单处理时长"},
    "escalation_rate": {"en": "Escalation rate", "zh": "升级率"},
    "reopen_rate": {"en": "Reopen rate", "zh": "重开率"},
    "csat_ordinal": {"en": "CSAT (ordinal)", "zh": "客户满意度（等级）"},
    "pre_tickets_90d": {"en": "Tickets in the 90 days before", "zh": "分组前90天工单数"},
    "pre_handle_time_minutes": {"en": "Handle time before (minutes)", "zh": "分组前处理时长（分钟）"},
    # the sample's experiment and teams (ids a user gave are shown with their label when one exists)
    "ab_experiment_smart_triage": {"en": "Smart triage", "zh": "智能分诊"},
    # the report's parameters where a sentence names them (the name as written in params/ab_test.yaml)
    "param_looks": {"en": "looks", "zh": "查看日期（looks）"},
    "param_experiment_end": {"en": "experiment_end", "zh": "实验结束日期（experiment_end）"},
    "param_rollout": {"en": "rollout", "zh": "非随机上线（rollout）"},
    "param_rollout_window": {"en": "rollout.window", "zh": "上线时间窗口（rollout.window）"},
    "param_group_column": {"en": "group_column", "zh": "分组列（group_column）"},
    "param_treated": {"en": "treated", "zh": "上线组（treated）"},
    "param_date": {"en": "date", "zh": "上线日期（date）"},
    "param_covariate": {"en": "metrics parameter, covariate", "zh": "分组前协变量（metrics 参数中的 covariate）"},
    # metric kinds, roles, verdicts, decisions
    "kind_proportion": {"en": "proportion", "zh": "比例"},
    "kind_mean": {"en": "mean", "zh": "均值"},
    "kind_ratio": {"en": "ratio (delta method)", "zh": "比率（Delta 方法）"},
    "kind_ordinal": {"en": "ordinal", "zh": "等级"},
    "kind_nps": {"en": "NPS", "zh": "NPS"},
    "role_primary": {"en": "primary", "zh": "主要指标"},
    "role_secondary": {"en": "secondary", "zh": "次要指标"},
    "role_guardrail": {"en": "guardrail", "zh": "护栏指标"},
    "verdict_improved": {"en": "improved", "zh": "改善"},
    "verdict_degraded": {"en": "degraded", "zh": "变差"},
    "verdict_no_change": {"en": "no significant change", "zh": "无显著变化"},
    "verdict_not_tested": {"en": "not tested", "zh": "未检验"},
    "decision_ship": {"en": "Ship", "zh": "上线"},
    "decision_do_not_ship": {"en": "Do not ship", "zh": "不上线"},
    "decision_inconclusive": {"en": "Inconclusive", "zh": "尚无定论"},
    "decision_inconclusive_srm": {"en": "Inconclusive (sample-ratio mismatch)", "zh": "尚无定论（样本比例失衡）"},
    # methods compared for the unit of analysis and variance reduction
    "method_naive_rows": {"en": "Tickets as independent (naive)", "zh": "按工单独立计算（朴素）"},
    "method_delta_method": {"en": "Per customer, delta method", "zh": "按客户，Delta 方法"},
    "method_cluster_robust": {"en": "Per ticket, clustered by customer", "zh": "按工单，按客户聚类"},
    "method_unadjusted": {"en": "Without adjustment", "zh": "未调整"},
    "method_cuped": {"en": "CUPED (pre-period adjusted)", "zh": "CUPED（用分组前数据调整）"},
    # difference in differences groups and periods
    "did_treated": {"en": "Rollout group", "zh": "上线组"},
    "did_comparison": {"en": "Other groups", "zh": "其他组"},
    "did_before": {"en": "Before", "zh": "上线前"},
    "did_after": {"en": "After", "zh": "上线后"},
    "did_change": {"en": "Change", "zh": "变化"},
    # column headers of the report tables
    "ab_metric": {"en": "Metric", "zh": "指标"},
    "ab_role": {"en": "Role", "zh": "角色"},
    "ab_kind": {"en": "Analysis", "zh": "分析方法"},
    "ab_control": {"en": "Control", "zh": "对照组"},
    "ab_treatment": {"en": "Treatment", "zh": "实验组"},
    "ab_effect": {"en": "Effect [95% CI]", "zh": "效应 [95% 置信区间]"},
    "ab_lift": {"en": "Relative lift", "zh": "相对提升"},
    "ab_p": {"en": "p-value", "zh": "p 值"},
    "ab_p_adjusted": {"en": "Adjusted p", "zh": "校正后 p 值"},
    "ab_verdict": {"en": "Verdict", "zh": "结论"},
    "ab_mde": {"en": "Detectable effect (80% power)", "zh": "可检出效应（80% 功效）"},
    "ab_units": {"en": "Units", "zh": "单位数"},
    "ab_variant": {"en": "Variant", "zh": "组别"},
    "ab_share": {"en": "Share", "zh": "占比"},
    "ab_expected_share": {"en": "Planned share", "zh": "计划占比"},
    "ab_covariate": {"en": "Pre-period covariate", "zh": "分组前协变量"},
    "ab_smd": {"en": "Standardised difference", "zh": "标准化差异"},
    "ab_method": {"en": "Method", "zh": "方法"},
    "ab_se": {"en": "Standard error", "zh": "标准误"},
    "ab_se_ratio": {"en": "SE relative to naive", "zh": "标准误相对朴素方法"},
    "ab_se_ratio_unadjusted": {"en": "SE relative to unadjusted", "zh": "标准误相对未调整"},
    "ab_cluster_customer_id": {"en": "customer", "zh": "客户"},
    "ab_unit_customer": {"en": "customer", "zh": "客户"},
    "ab_unit_ticket": {"en": "ticket", "zh": "工单"},
    "ab_unit_agent": {"en": "agent", "zh": "客服"},
    "ab_unit_team": {"en": "team", "zh": "团队"},
    "ab_cluster_agent_id": {"en": "agent", "zh": "客服"},
    "ab_cluster_team": {"en": "team", "zh": "团队"},
    "ab_look": {"en": "Look", "zh": "查看次序"},
    "ab_look_date": {"en": "Date", "zh": "日期"},
    "ab_information": {"en": "Information fraction", "zh": "信息比例"},
    "ab_boundary": {"en": "Boundary |z|", "zh": "边界 |z|"},
    "ab_z": {"en": "z", "zh": "z 值"},
    "ab_crossed": {"en": "Boundary crossed", "zh": "越过边界"},
    "ab_baseline": {"en": "Control level", "zh": "对照组水平"},
    "ab_needed": {"en": "Units per arm needed", "zh": "每组所需单位数"},
    "ab_target_effect": {"en": "Effect to detect", "zh": "目标效应"},
    "ab_group": {"en": "Group", "zh": "组别"},
    "ab_variance_reduction": {"en": "Variance reduction", "zh": "方差降低"},
    "ab_relative_lift_axis": {"en": "Relative change, treatment vs control", "zh": "实验组相对对照组的变化"},
    "ab_effect_axis": {"en": "Effect, treatment − control", "zh": "效应（实验组 − 对照组）"},
    "ab_z_axis": {"en": "Cumulative z statistic", "zh": "累计 z 统计量"},
}

#: Report sentences and headings: key -> ``str.format`` template per language.
PHRASES: dict[str, dict[str, str]] = {
    # headings
    "ab_title": {"en": "A/B test: {experiment}", "zh": "A/B 测试：{experiment}"},
    "ab_period_line": {"en": "Experiment window {window}; {units} {unit_type}s assigned, {tickets} experiment tickets.",
                       "zh": "实验时间 {window}；共分组 {units} 个{unit_type}，实验工单 {tickets} 张。"},
    "ab_summary_decision": {"en": "{experiment}: {decision}. {change}", "zh": "{experiment}：{decision}。{change}"},
    "ab_summary_change": {
        "en": "{metric} {control} in control vs {treatment} in treatment ({effect}, adjusted {p}).",
        "zh": "{metric}：对照组 {control}，实验组 {treatment}（{effect}，校正后 {p}）。"},
    "ab_summary_guardrails_ok": {
        "en": "No guardrail got worse: {n} checked ({metrics}), none changed significantly.",
        "zh": "没有护栏指标变差：检查了 {n} 个（{metrics}），均无显著变化。"},
    "ab_summary_srm_ok": {
        "en": "Assignment as planned: {control} control vs {treatment} treatment units ({p}).",
        "zh": "分组符合计划：对照组 {control} 个、实验组 {treatment} 个单位（{p}）。"},
    "ab_summary_srm_bad": {
        "en": "Assignment is broken: {control} control vs {treatment} treatment units do not match the plan ({p}); "
              "do not act on these results.",
        "zh": "分组有问题：对照组 {control} 个、实验组 {treatment} 个单位与计划不符（{p}）；请勿依据这些结果做决定。"},
    "ab_appendix_heading": {"en": "Appendix: checks and method detail", "zh": "附录：检验与方法细节"},
    "ab_results_lead": {"en": "Control and treatment with their units; effect = treatment − control.",
                        "zh": "对照组与实验组数值均带单位；效应 = 实验组 − 对照组。"},
    "ab_decision_heading": {"en": "Decision", "zh": "决策"},
    "ab_srm_heading": {"en": "Assignment check", "zh": "分组检查"},
    "ab_results_heading": {"en": "Results by metric", "zh": "各指标结果"},
    "ab_unit_heading": {"en": "Tickets are not independent: analysis at the customer", "zh": "工单并不独立：按客户分析"},
    "ab_cuped_heading": {"en": "Variance reduction with the pre-period (CUPED)", "zh": "用分组前数据降低方差（CUPED）"},
    "ab_sequential_heading": {"en": "Looks while the test ran", "zh": "测试期间的中期查看"},
    "ab_power_heading": {"en": "Power and sample size", "zh": "检验功效与样本量"},
    "ab_aa_heading": {"en": "A/A check", "zh": "A/A 检验"},
    "ab_did_heading": {"en": "Rollout without randomisation: difference in differences",
                       "zh": "非随机上线：双重差分"},
    "ab_method_heading": {"en": "Method", "zh": "方法说明"},
    # decision
    "ab_decision": {"en": "Decision: {decision}.", "zh": "决策：{decision}。"},
    "ab_decision_reason_ship": {
        "en": "The primary metric improved significantly after correction for {n} metrics and no guardrail degraded.",
        "zh": "经 {n} 个指标的多重比较校正后，主要指标显著改善，且没有护栏指标变差。"},
    "ab_decision_reason_do_not_ship": {
        "en": "At least one guardrail or primary metric got significantly worse.",
        "zh": "至少有一个护栏指标或主要指标显著变差。"},
    "ab_decision_reason_inconclusive": {
        "en": "No primary metric improved significantly after correction; nothing degraded either.",
        "zh": "经校正后主要指标没有显著改善，也没有指标显著变差。"},
    "ab_decision_reason_inconclusive_srm": {
        "en": "The arms' sizes do not match the planned split, so the comparison cannot be trusted until the "
              "assignment is fixed.",
        "zh": "两组样本量与计划比例不符，在修复分组问题之前，对比结果不可信。"},
    "ab_metric_sentence": {
        "en": "{metric} ({role}): {control} in control vs {treatment} in treatment, effect {effect} {interval}, "
              "adjusted {p_adj} — {verdict}.",
        "zh": "{metric}（{role}）：对照组 {control}，实验组 {treatment}，效应 {effect} {interval}，"
              "校正后 {p_adj}——{verdict}。"},
    "ab_metric_not_tested": {"en": "{metric} ({role}): not tested — {reason}", "zh": "{metric}（{role}）：未检验——{reason}"},
    # why a metric could not be tested (csm.abtest.compare.Untestable reasons)
    "ab_untestable_empty_arm": {"en": "the {arm} arm has no value of this metric; check that units were assigned "
                                      "to it and that the metric's column is filled for them.",
                                "zh": "{arm}没有该指标的数据；请检查是否有单元分到该组，以及该指标的列是否有值。"},
    "ab_untestable_too_few": {"en": "the {arm} arm has {n} value(s); the test needs at least {need}.",
                              "zh": "{arm}只有 {n} 个数据，检验至少需要 {need} 个。"},
    "ab_untestable_no_variance": {
        "en": "the metric has no variance (every value in both arms is {value}), so there is nothing to compare; "
              "check the column (is it filled with a default?) or drop the metric.",
        "zh": "该指标没有变异（两组的所有值都是 {value}），无从比较；请检查该列（是否填了默认值？）或去掉该指标。"},
    "ab_untestable_no_variance_nps": {
        "en": "every response in both arms is in one NPS group, so there is nothing to compare.",
        "zh": "两组的所有回答都属于同一个 NPS 类别，无从比较。"},
    "ab_untestable_no_variance_covariate": {
        "en": "the pre-period covariate has the same value for every unit, so CUPED cannot use it; drop the "
              "covariate from the metric.",
        "zh": "分组前协变量对所有单元取值相同，CUPED 无法使用；请从该指标中去掉协变量。"},
    "ab_untestable_other": {"en": "{error}", "zh": "分析无法运行（{error}）。"},
    "ab_arm_control": {"en": "control", "zh": "对照组"},
    "ab_arm_treatment": {"en": "treatment", "zh": "实验组"},
    "ab_sequential_not_crossed": {
        "en": "The primary metric did not cross its sequential boundary at any planned look, so it is not counted "
              "as an improvement.",
        "zh": "主要指标在所有计划查看中都未越过序贯边界，因此不算作改善。"},
    # SRM and balance
    "ab_srm_failed": {
        "en": "WARNING — sample-ratio mismatch: the arms hold {counts} units against a planned split of {split} "
              "(chi-square {p} < {threshold}). Assignment or logging is broken; do not act on the results "
              "below until it is explained.",
        "zh": "警告——样本比例失衡：各组单位数为 {counts}，计划比例为 {split}（卡方检验 {p} < {threshold}）。"
              "分组或记录存在问题；在查明原因之前，请勿依据下面的结果做决定。"},
    "ab_srm_ok": {
        "en": "The arms hold {counts} units, consistent with the planned split {split} (sample-ratio chi-square "
              "{p}).",
        "zh": "各组单位数为 {counts}，与计划比例 {split} 一致（样本比例卡方检验 {p}）。"},
    "ab_balance_ok": {
        "en": "Pre-period covariates are balanced between the arms (all standardised differences below 0.1).",
        "zh": "分组前协变量在两组间均衡（标准化差异均小于 0.1）。"},
    "ab_balance_off": {
        "en": "Pre-period covariates differ between the arms ({covariates}: standardised difference above 0.1); "
              "CUPED-adjusted results are the safer read.",
        "zh": "分组前协变量在两组间存在差异（{covariates}：标准化差异大于 0.1）；以 CUPED 调整后的结果为准更稳妥。"},
    "ab_window": {
        "en": "Experiment {experiment}: {units} {unit_type} units assigned from {start} to {end}; {tickets} "
              "experiment tickets (each unit's tickets from its assignment to {end}).",
        "zh": "实验 {experiment}：{start} 至 {end} 共分组 {units} 个{unit_type}单位；实验工单 {tickets} 张"
              "（每个单位从分组时起至 {end} 的工单）。"},
    "note_ab_period_ignored": {
        "en": "The report period (by default the latest complete month) is not used: an experiment is read over its "
              "own window. The comparison period is not used either (the control arm is the comparison).",
        "zh": "未使用报告期（默认为最近一个完整月）：实验按其自身时间窗口分析；也未使用对比期（对照组即为对比）。"},
    "note_ab_period_used": {
        "en": "The experiment is read up to the end of the report period {period}.",
        "zh": "实验分析截至报告期 {period} 结束。"},
    "ab_correction": {
        "en": "p-values are adjusted for {n} metrics with the {method} method; a metric counts as changed when its "
              "adjusted p-value is below {alpha}.",
        "zh": "p 值已按 {method} 方法对 {n} 个指标做多重比较校正；校正后 p 值低于 {alpha} 的指标视为发生变化。"},
    "ab_correction_holm": {"en": "Holm", "zh": "Holm"},
    "ab_correction_bh": {"en": "Benjamini–Hochberg", "zh": "Benjamini–Hochberg"},
    "ab_effect_note": {
        "en": "Effects are treatment minus control: percentage points for rates, minutes for times, points for "
              "NPS and CSAT. CSAT (ordinal) shows the difference of the mean scores; it is tested with a rank test "
              "(Mann–Whitney), whose effect is the probability that a treatment rating beats a control rating, "
              "minus 50%.",
        "zh": "效应为实验组减对照组：比率以百分点计，时长以分钟计，NPS 与满意度以分计。满意度（等级）显示平均分之差；"
              "其检验为秩和检验（Mann–Whitney），效应为实验组评分高于对照组评分的概率减去 50%。"},
    "ab_unadjusted_note": {
        "en": "The 95% intervals are not adjusted for the number of metrics: the interval of {metrics} does not "
              "include zero, but after adjusting for the {n} metrics tested together the change is not significant "
              "(adjusted {p}).",
        "zh": "95% 置信区间未按指标个数校正：{metrics}的区间不含 0，但按同时检验的 {n} 个指标校正后，变化并不显著（校正后 {p}）。"},
    "ab_lift_missing": {
        "en": "Not in the chart: {metrics} — a relative change needs a positive control value, and NPS can be zero "
              "or negative; its effect in points is in the table above.",
        "zh": "未列入图中：{metrics}——相对变化需要对照组数值为正，而 NPS 可能为零或负数；其以分计的效应见上表。"},
    "ab_lift_chart_title": {"en": "Relative change by metric, 95% CI", "zh": "各指标相对变化（95% 置信区间）"},
    # unit of analysis
    "ab_unit_text": {
        "en": "Customers were randomised, but {metric} is measured per ticket and a customer's tickets are alike. "
              "Treating tickets as independent understates the standard error by {understate:.0%} (design effect "
              "{deff:.2f}); the report uses the customer-level delta method, which agrees with errors clustered by "
              "customer.",
        "zh": "随机分组的单位是客户，但{metric}按工单计量，而同一客户的工单彼此相似。把工单当作独立样本会使标准误低估 "
              "{understate:.0%}（设计效应 {deff:.2f}）；本报告采用按客户的 Delta 方法，其结果与按客户聚类的标准误一致。"},
    "ab_unit_chart_title": {"en": "{metric}: effect by method of analysis", "zh": "{metric}：不同分析方法下的效应"},
    "note_ab_few_clusters": {
        "en": "WARNING — only {n} clusters in the smaller arm (fewer than {min_n}): cluster-robust errors are too "
              "small with so few clusters; read p-values as optimistic.",
        "zh": "警告——较小一组只有 {n} 个聚类（少于 {min_n}）：聚类数太少时稳健标准误偏小，p 值偏乐观。"},
    # CUPED
    "ab_cuped_text": {
        "en": "Adjusting {metric} for {covariate} (CUPED, θ = {theta:.2f}) reduced its variance by {reduction:.1%}: "
              "the effect is {effect} {interval} against {raw} {raw_interval} without adjustment.",
        "zh": "用{covariate}对{metric}做 CUPED 调整（θ = {theta:.2f}）后，方差降低 {reduction:.1%}：效应为 {effect} "
              "{interval}，未调整时为 {raw} {raw_interval}。"},
    "ab_cuped_chart_title": {"en": "{metric}: effect with and without CUPED", "zh": "{metric}：CUPED 调整前后的效应"},
    "ab_robust_text": {
        "en": "{metric} is skewed: the median moved from {control} to {treatment} (difference {diff} {interval}, "
              "bootstrap; Mann–Whitney {p}).",
        "zh": "{metric}分布偏斜：中位数由 {control} 变为 {treatment}（差值 {diff} {interval}，自助法；Mann–Whitney 检验 "
              "{p}）。"},
    # sequential
    "ab_sequential_text": {
        "en": "{metric} was planned to be watched at {k} looks with O'Brien–Fleming-type alpha spending (overall "
              "α = {alpha}), so early looks need much stronger evidence. {outcome}",
        "zh": "{metric}计划进行 {k} 次查看，采用 O'Brien–Fleming 型 α 消耗函数（总体 α = {alpha}），因此越早的查看需要越强的证据。{outcome}"},
    "ab_sequential_stop": {
        "en": "It crossed the boundary at look {look} ({date}, |z| = {z:.2f} ≥ {boundary:.2f}): the test could have "
              "stopped there.",
        "zh": "在第 {look} 次查看（{date}，|z| = {z:.2f} ≥ {boundary:.2f}）越过边界：测试可以在此停止。"},
    "ab_sequential_none": {
        "en": "It did not cross a boundary at any look (final |z| = {z:.2f} < {boundary:.2f}).",
        "zh": "所有查看均未越过边界（最终 |z| = {z:.2f} < {boundary:.2f}）。"},
    "ab_sequential_chart_title": {"en": "{metric}: z statistic at each look and stopping boundary",
                                  "zh": "{metric}：各次查看的 z 统计量与停止边界"},
    "ab_sequential_off": {"en": "No interim looks were planned (parameter {param_looks}), so the test is read once, at "
                                "its end.",
                          "zh": "参数{param_looks}未计划中期查看，因此测试只在结束时分析一次。"},
    "ab_legend_boundary": {"en": "Stopping boundary", "zh": "停止边界"},
    "ab_legend_z": {"en": "Observed z", "zh": "观测 z 值"},
    # power
    "ab_power_text": {
        "en": "With {n_c} control and {n_t} treatment units the test detects, with 80% power at α = {alpha}, an "
              "effect on {metric} of {mde} (the true effect found is {effect}).",
        "zh": "对照组 {n_c}、实验组 {n_t} 个单位时，在 α = {alpha}、80% 功效下，{metric}可检出的最小效应为 {mde}"
              "（实际估计效应为 {effect}）。"},
    # A/A
    "ab_aa_text": {
        "en": "{n} random re-splits of the control arm into two halves (no true effect): {metric} came out "
              "significant in {rate:.1%} of them [{low:.1%}, {high:.1%}] against the nominal {alpha:.0%}.",
        "zh": "将对照组随机拆分为两半 {n} 次（不存在真实效应）：{metric}显著的比例为 {rate:.1%} [{low:.1%}, "
              "{high:.1%}]，名义水平为 {alpha:.0%}。"},
    # DiD
    "ab_did_text": {
        "en": "{groups} changed {metric} on {date}, without randomisation. Over {start} to {end}, against the other "
              "groups, the change is {effect} {interval} (difference in differences, errors clustered by {cluster}, "
              "{p}).",
        "zh": "{groups}于 {date} 上线改动（未随机分组）。在 {start} 至 {end} 期间，与其他组相比，{metric}的变化为 "
              "{effect} {interval}（双重差分，按{cluster}聚类的标准误，{p}）。"},
    "ab_did_pretrend_ok": {
        "en": "Before the change the two groups moved in parallel (joint test of monthly gaps {p}) and a "
              "placebo change on {placebo} finds {effect} {interval} ({pp}): the comparison is credible.",
        "zh": "上线前两组走势平行（各月差距的联合检验 {p}），在 {placebo} 设置的安慰剂上线日得到 {effect} "
              "{interval}（{pp}）：对比可信。"},
    "ab_did_pretrend_bad": {
        "en": "Caution: before the change the groups did not move in parallel (joint test {p}) or the "
              "placebo change on {placebo} finds an effect ({effect} {interval}, {pp}); the estimate may "
              "be biased.",
        "zh": "注意：上线前两组走势并不平行（联合检验 {p}），或在 {placebo} 的安慰剂上线日也检出效应（{effect} "
              "{interval}，{pp}）；估计可能有偏。"},
    "ab_did_few_groups": {
        "en": "The change went to whole groups and there are only {n} of them, too few for errors clustered at the "
              "group level; errors are clustered by {cluster} instead, which assumes no shock hit one whole group "
              "at the time of the change — the pre-trend and placebo checks are the evidence for that.",
        "zh": "改动按整组上线，而组数只有 {n} 个，太少，无法在组一级聚类标准误；因此改为按{cluster}聚类，这假设上线时没有其他冲击"
              "恰好只影响某一整组——上面的平行趋势与安慰剂检验为此提供依据。"},
    "ab_did_chart_title": {"en": "{metric} by month: rollout group vs others", "zh": "{metric}按月走势：上线组与其他组"},
    "ab_did_change_line": {"en": "Rollout", "zh": "上线日"},
    "note_ab_did_off": {"en": "No rollout is set (parameter {param_rollout}), so difference in differences is not "
                              "estimated. To estimate a change rolled out to some groups without randomisation, set "
                              "{param_rollout} to its {param_group_column}, {param_treated} groups and {param_date}.",
                        "zh": "未设置参数{param_rollout}，因此不做双重差分。如需评估未经随机分组、只在部分组上线的改动，请在其中设置"
                              "{param_group_column}、{param_treated}和{param_date}。"},
    "ab_did_skipped": {"en": "Difference in differences is left out: it needs {needs} (parameter {param_rollout}).",
                       "zh": "未做双重差分：需要 {needs}；见参数{param_rollout}。"},
    "ab_did_not_tested": {"en": "Difference in differences: not tested, because {reason}.",
                          "zh": "双重差分：未检验，因为{reason}。"},
    "ab_did_reason_date_outside": {"en": "the change date {date} is outside the tickets ({start} to {end})",
                                   "zh": "上线日期 {date} 不在工单数据范围（{start} 至 {end}）内"},
    "ab_did_reason_groups_unknown": {"en": "{column} has no group {treated} (its groups: {groups})",
                                     "zh": "{column} 列中没有 {treated} 组（现有组：{groups}）"},
    "ab_did_reason_empty_side": {
        "en": "the window {start} to {end} has too few tickets before or after {date} in the rollout group or in the "
              "others",
        "zh": "时间窗口 {start} 至 {end} 内，上线组或其他组在 {date} 之前或之后的工单太少"},
    "note_ab_did_window_derived": {
        "en": "The window {start} to {end} is derived from the change date (parameter {param_rollout_window} not set): "
              "up to {months} months before and after it, within the tickets and before the experiment.",
        "zh": "时间窗口 {start} 至 {end} 由上线日期推算，因为未设置参数{param_rollout_window}：上线日前后各至多 {months} 个月，"
              "限于工单数据范围内且在实验开始之前。"},
    # what is derived and what is left out
    "note_ab_aa_too_few": {
        "en": "The A/A check is left out: re-splitting the control arm needs at least {need} units, it has {n}.",
        "zh": "未做 A/A 检验：随机重分对照组至少需要 {need} 个单位，对照组只有 {n} 个。"},
    "note_ab_end_derived": {
        "en": "The experiment end (parameter {param_experiment_end}) is not set: the experiment is read up to {end}, "
              "the day of the last assignment.",
        "zh": "未设置参数{param_experiment_end}：实验分析截至最后一次分组的日期 {end}。"},
    "note_ab_looks_derived": {
        "en": "The look dates (parameter {param_looks}) are not given as dates: {k} equally spaced looks over the "
              "experiment window ({dates}).",
        "zh": "参数{param_looks}未以日期给出：在实验窗口内等间隔安排 {k} 次查看（{dates}）。"},
    "ab_skipped_metric": {"en": "{metric} ({role}) is left out: it needs {needs}.",
                          "zh": "未分析{metric}（{role}）：需要 {needs}。"},
    "ab_skipped_cuped": {"en": "CUPED is not applied to {metric}: it needs {needs}; the effect is unadjusted.",
                         "zh": "{metric}未做 CUPED 调整：需要 {needs}；效应为未调整值。"},
    "ab_needs_table": {"en": "the {table} table", "zh": "{table} 表"},
    "ab_balance_untested": {
        "en": "Pre-period balance: not tested, because the assignments have no pre-period columns (assignments.pre_…).",
        "zh": "分组前均衡性：未检验，因为分组表中没有分组前的列（assignments.pre_…）。"},
    "ab_cuped_none": {"en": "No metric has a pre-period covariate ({param_covariate}), so CUPED is not used.",
                      "zh": "没有指标设置{param_covariate}，因此未使用 CUPED。"},
    "ab_method_text": {
        "en": "Methods: proportions — Newcombe interval and pooled z test; means — Welch's t test; skewed times — "
              "bootstrap interval of the median difference and Mann–Whitney U; ordinal CSAT — Mann–Whitney U with "
              "the probability of superiority; NPS — multinomial z test; per-ticket metrics under customer "
              "randomisation — delta method (Deng et al. 2018); CUPED (Deng et al. 2013); sample-ratio mismatch — "
              "chi-square test; sequential looks — Lan–DeMets O'Brien–Fleming-type spending; multiple metrics — "
              "{method}; rollout — difference in differences with cluster-robust errors.",
        "zh": "方法：比例——Newcombe 区间与合并 z 检验；均值——Welch t 检验；偏斜时长——中位数差的自助法区间与 Mann–Whitney U "
              "检验；满意度等级——Mann–Whitney U 检验与优势概率；NPS——多项分布 z 检验；按客户随机分组的按工单指标——Delta 方法"
              "（Deng 等，2018）；CUPED（Deng 等，2013）；样本比例失衡——卡方检验；中期查看——Lan–DeMets O'Brien–Fleming 型 α "
              "消耗；多个指标——{method}；非随机上线——聚类稳健标准误的双重差分。"},
}

__all__ = ["CODES", "PHRASES"]
