"""Labels and phrases of NPS, churn and customer lifetime value (notebooks/nps_churn_clv).

Merged into :mod:`csm.report.labels` (use :func:`~csm.report.labels.label` and
:func:`~csm.report.labels.phrase` to show them); same rules: every entry has
``en`` and ``zh``, a code has one meaning across the project.

Every code and phrase key of this topic starts with ``cust_`` so it cannot clash with another topic;
:func:`csm.report.display.code_label` looks up ``cust_<code>`` first (result columns such as
``hazard_ratio`` and model terms such as ``fcr_failed_tickets`` are shown through it).
"""

#: Codes (dimension values, column headers, model terms …) -> display labels.
CODES: dict[str, dict[str, str]] = {
    # customer tiers and groups of the sample data
    "cust_VIP": {"en": "VIP", "zh": "VIP"},
    "cust_standard": {"en": "Standard", "zh": "普通"},
    "cust_unknown": {"en": "Unknown", "zh": "未知"},
    "cust_all": {"en": "All", "zh": "全部"},
    "cust_period_start": {"en": "Month", "zh": "月份"},  # the monthly NPS and churn trends
    "cust_none": {"en": "None", "zh": "无"},
    "cust_current": {"en": "This period", "zh": "本期"},
    "cust_previous": {"en": "Comparison period", "zh": "对比期"},
    # model terms
    "cust_vip": {"en": "VIP tier", "zh": "VIP 客户"},
    "cust_fcr_failed_tickets": {"en": "Tickets not resolved at first contact", "zh": "未首次解决的工单数"},
    "cust_fcr_resolved_tickets": {"en": "Tickets resolved at first contact", "zh": "首次解决的工单数"},
    "cust_slow_resolutions": {"en": "Tickets resolved after 24 h", "zh": "超过24小时解决的工单数"},
    "cust_escalations": {"en": "Escalated tickets", "zh": "升级处理的工单数"},
    "cust_detractor_responses": {"en": "Detractor survey answers (NPS 0–6)", "zh": "贬损评分次数（NPS 0–6）"},
    "cust_fcr_failed": {"en": "Not resolved at first contact", "zh": "未首次解决"},
    "cust_escalated": {"en": "Escalated", "zh": "升级处理"},
    "cust_reopened": {"en": "Reopened", "zh": "重新打开"},
    "cust_slow_first_response": {"en": "First response after 24 h", "zh": "首次响应超过24小时"},
    "cust_extra_contacts": {"en": "Extra contacts (per contact)", "zh": "额外联系次数（每次）"},
    "cust_service_attitude": {"en": "Complaint about service attitude", "zh": "服务态度投诉"},
    "cust_comment_polarity": {"en": "Comment sentiment (per 0.1 polarity)", "zh": "评论情感（极性每 0.1）"},
    "cust_no_comment": {"en": "No comment", "zh": "无评论"},
    # column headers
    "cust_term": {"en": "Factor", "zh": "因素"},
    "cust_hazard_ratio": {"en": "Hazard ratio", "zh": "风险比"},
    "cust_odds_ratio": {"en": "Odds ratio", "zh": "优势比"},
    "cust_marginal_effect": {"en": "Effect on P(detractor), pp", "zh": "对贬损概率的影响（百分点）"},
    "cust_me_ci_low": {"en": "Effect CI low", "zh": "影响区间下限"},
    "cust_me_ci_high": {"en": "Effect CI high", "zh": "影响区间上限"},
    "cust_rho": {"en": "Correlation with log time", "zh": "与对数时间的相关系数"},
    "cust_promoter_share": {"en": "Promoters", "zh": "推荐者占比"},
    "cust_detractor_share": {"en": "Detractors", "zh": "贬损者占比"},
    "cust_cohort": {"en": "Sign-up cohort", "zh": "注册批次"},
    "cust_customers": {"en": "Customers", "zh": "客户数"},
    "cust_customer_months": {"en": "Customer-months at risk", "zh": "风险客户月数"},
    "cust_churned": {"en": "Churned", "zh": "流失数"},
    "cust_customer_id": {"en": "Customer", "zh": "客户"},
    "cust_tenure_months": {"en": "Tenure (months)", "zh": "在网时长（月）"},
    "cust_churn_probability": {"en": "Churn probability", "zh": "流失概率"},
    "cust_relative_hazard": {"en": "Relative hazard", "zh": "相对风险"},
    "cust_main_driver": {"en": "Main driver", "zh": "主要原因"},
    "cust_customer_years": {"en": "Customer-years", "zh": "客户年数"},
    "cust_yearly_contribution": {"en": "Yearly contribution", "zh": "年均贡献"},
    "cust_churn_rate_per_year": {"en": "Churn rate per year", "zh": "年流失率"},
    "cust_capped_lifetime_years": {"en": "Expected lifetime within the cap (years)", "zh": "上限内的期望生命周期（年）"},
    "cust_not_estimated": {"en": "not estimated", "zh": "未估计"},
    "cust_no_driver": {"en": "–", "zh": "–"},
    "cust_lifetime_years": {"en": "Lifetime (years)", "zh": "生命周期（年）"},
    "cust_lifetime_ci_low": {"en": "Lifetime CI low", "zh": "生命周期区间下限"},
    "cust_lifetime_ci_high": {"en": "Lifetime CI high", "zh": "生命周期区间上限"},
    "cust_model": {"en": "Model", "zh": "模型"},
    "cust_parameter": {"en": "Parameter", "zh": "参数"},
    "cust_se": {"en": "Standard error", "zh": "标准误"},
    "cust_frequency_group": {"en": "Repeat purchases in calibration", "zh": "校准期复购次数"},
    "cust_predicted": {"en": "Predicted", "zh": "预测"},
    "cust_recorded_tier": {"en": "Recorded tier", "zh": "记录的等级"},
    "cust_model_tier": {"en": "Model tier (by CLV)", "zh": "模型等级（按 CLV）"},
    "cust_share_of_recorded": {"en": "Share of recorded tier", "zh": "占记录等级比例"},
    "cust_estimate_clv": {"en": "CLV", "zh": "客户终身价值"},
    "cust_plan": {"en": "Plan", "zh": "套餐"},
    "cust_tier": {"en": "Tier", "zh": "等级"},
    # readable columns of the main flow (units in the cells)
    "cust_effect_ci": {"en": "Change in the chance of a detractor [95% CI]", "zh": "成为贬损者的概率变化 [95% 置信区间]"},
    "cust_odds_ci": {"en": "Odds ratio [95% CI]", "zh": "优势比 [95% 置信区间]"},
    "cust_hr_ci": {"en": "Monthly churn risk × [95% CI]", "zh": "月流失风险倍数 [95% 置信区间]"},
    "cust_reading": {"en": "What it means", "zh": "含义"},
    "cust_risk_vs_average": {"en": "Risk vs average customer", "zh": "相对风险（倍）"},
    "cust_clv_ci": {"en": "CLV [95% CI]", "zh": "客户终身价值 [95% 置信区间]"},
    "cust_p_value": {"en": "p-value", "zh": "p 值"},
    # report sections, as named in the sentences on skipped sections
    "cust_section_nps": {"en": "Net Promoter Score", "zh": "净推荐值"},
    "cust_section_nps_change": {"en": "NPS change against the comparison period", "zh": "净推荐值与对比期的变化"},
    "cust_section_nps_compare": {"en": "NPS difference between two segments", "zh": "两个细分群体的净推荐值差异"},
    "cust_section_detractor_drivers": {"en": "What turns customers into detractors", "zh": "客户为何成为贬损者"},
    "cust_section_comment_sentiment": {"en": "Comment sentiment", "zh": "评论情感"},
    "cust_section_churn_rate": {"en": "Churn rate", "zh": "客户流失率"},
    "cust_section_churn_trend": {"en": "Churn rate by month and sign-up cohort", "zh": "各月及各注册批次的流失率"},
    "cust_section_retention": {"en": "Retention curves", "zh": "留存曲线"},
    "cust_section_cox_service": {"en": "Cox model of churn on the service received", "zh": "基于服务经历的 Cox 流失模型"},
    "cust_section_cox_customer": {"en": "Cox model of churn on customer attributes", "zh": "基于客户属性的 Cox 流失模型"},
    "cust_section_at_risk": {"en": "Customers most at risk", "zh": "流失风险最高的客户"},
    "cust_section_seed_clv": {"en": "Lifetime value by the simple formula", "zh": "简单公式计算的客户终身价值"},
    "cust_section_purchase_models": {"en": "Purchase and spend models, holdout check and expected CLV per customer",
                                     "zh": "购买与消费模型、验证期检验及每位客户的期望 CLV"},
    "cust_section_model_tiers": {"en": "Model tiers against the recorded tier", "zh": "模型等级与记录等级的对比"},
    # time units of the purchase models
    "cust_unit_W": {"en": "weeks", "zh": "周"},
    "cust_unit_D": {"en": "days", "zh": "天"},
    "cust_unit_M": {"en": "months", "zh": "月"},
}

#: Report sentences and headings: key -> ``str.format`` template per language.
PHRASES: dict[str, dict[str, str]] = {
    # the summary box and the main flow's plain readings
    "cust_nothing_in_period": {"en": "Nothing was measured in {period}: see the sentences below.",
                               "zh": "{period} 没有可计算的指标：原因见下文。"},
    "cust_appendix_heading": {"en": "Appendix: method and model detail", "zh": "附录：方法与模型细节"},
    "cust_nps_test": {"en": "By {by}: chi-square = {chi2:.1f} (df {dof}), {p}.",
                      "zh": "按{by}：卡方 = {chi2:.1f}（自由度 {dof}），{p}。"},
    "cust_period_line": {"en": "Report period {period}, compared with {previous}; data from {start} to {end}.",
                         "zh": "报告期 {period}，对比期 {previous}；数据时间 {start} 至 {end}。"},
    "cust_period_line_alone": {"en": "Report period {period}; data from {start} to {end}.",
                               "zh": "报告期 {period}；数据时间 {start} 至 {end}。"},
    "cust_sum_nps": {
        "en": "NPS in {period}: {value} points ({n} responses), {diff} against {previous} ({p}{verdict}).",
        "zh": "{period} 净推荐值 {value} 分（{n} 份回复），与 {previous} 相比 {diff}（{p}{verdict}）。"},
    "cust_sum_nps_alone": {"en": "NPS in {period}: {value} points ({n} responses).",
                           "zh": "{period} 净推荐值 {value} 分（{n} 份回复）。"},
    "cust_at_risk_same_driver": {"en": "For every listed customer the factor raising the risk most is {driver}.",
                                 "zh": "所列客户风险升高最多的因素都是{driver}。"},
    "cust_at_risk_order": {
        "en": "The list is sorted by churn probability over the next {months} months. That probability also depends "
              "on how churn risk changes with tenure, so a customer with a slightly higher risk vs average can rank "
              "lower. The first {top} are shown here, the other {rest} in the appendix.",
        "zh": "列表按未来 {months} 个月的流失概率排序。流失概率还取决于流失风险随在网时长的变化，因此相对风险略高的客户"
              "也可能排在后面。此处列出前 {top} 位，其余 {rest} 位见附录。"},
    "cust_at_risk_rest_heading": {"en": "Customers most at risk: the rest of the list",
                                  "zh": "流失风险最高的客户：列表其余部分"},
    "cust_sum_not_significant": {"en": ", not a significant change", "zh": "，无显著变化"},
    "cust_sum_churn": {
        "en": "Churn in {period}: {value} of the {n} customers active at its start left, {diff} against {previous} "
              "({p}{verdict}).",
        "zh": "{period} 客户流失率 {value}（期初 {n} 位活跃客户），与 {previous} 相比 {diff}（{p}{verdict}）。"},
    "cust_sum_churn_alone": {"en": "Churn in {period}: {value} of the {n} customers active at its start left.",
                             "zh": "{period} 客户流失率 {value}（期初 {n} 位活跃客户）。"},
    "cust_sum_churn_driver": {"en": "Biggest churn driver: {term} — {reading}.",
                              "zh": "最主要的流失原因：{term}——{reading}。"},
    "cust_sum_detractor": {
        "en": "Biggest reason for detractors: {term} — {effect} chance that a customer is a detractor rather than a "
              "promoter.",
        "zh": "客户成为贬损者的最主要原因：{term}——成为贬损者（而非推荐者）的概率 {effect}。"},
    "cust_sum_clv": {
        "en": "Expected value of the {n} active customers over the next {months} months: {total} in total, {median} "
              "for the median customer.",
        "zh": "{n} 位活跃客户未来 {months} 个月的期望价值合计 {total}，中位客户 {median}。"},
    "cust_hr_count": {"en": "each one makes a customer {hr} as likely to leave in a given month",
                      "zh": "每多一张，客户在某个月流失的可能性变为原来的{hr}"},
    "cust_hr_flag": {"en": "these customers are {hr} as likely to leave in a given month as the others",
                     "zh": "这类客户在某个月流失的可能性是其他客户的{hr}"},
    "cust_hr_level": {"en": "{hr} as likely to leave in a given month as {reference}",
                      "zh": "在某个月流失的可能性是{reference}的{hr}"},
    "cust_hr_numeric": {"en": "each unit more makes a customer {hr} as likely to leave in a given month",
                        "zh": "每增加 1 个单位，客户在某个月流失的可能性变为原来的{hr}"},
    "cust_hr_unclear": {"en": "no clear effect ({p})", "zh": "无明确影响（{p}）"},
    "cust_or_reading": {"en": "{effect} chance of a detractor rather than a promoter",
                        "zh": "成为贬损者（而非推荐者）的概率 {effect}"},
    "cust_nps_flat": {
        "en": "NPS does not differ significantly by {by} ({p}), so it is not charted here; the figures are in the "
              "appendix.",
        "zh": "净推荐值在不同{by}之间无显著差异（{p}），因此此处不作图；数据见附录。"},
    "cust_retention_flat": {
        "en": "Retention does not differ significantly by {by} ({p}), so it is not charted here.",
        "zh": "留存在不同{by}之间无显著差异（{p}），因此此处不作图。"},
    "cust_drivers_lead": {
        "en": "Each row compares customers with and without the factor, the rest of their service alike: the change "
              "in the chance of being a detractor rather than a promoter, and the odds ratio behind it.",
        "zh": "每一行比较有、无该因素（其他服务经历相同）的客户：成为贬损者（而非推荐者）的概率变化，以及对应的优势比。"},
    "cust_cox_lead": {
        "en": "Each row: how much more (above 1×) or less (below 1×) likely a customer is to leave in a given month, "
              "other factors equal.",
        "zh": "每一行表示在其他因素相同时，客户在某个月流失的可能性高于（大于 1×）或低于（小于 1×）比较对象多少倍。"},
    "cust_at_risk_reading": {
        "en": "Risk vs average customer: {example} means that customer's monthly churn risk is {example} that of an "
              "average customer in the model. Columns: the factors that change the risk significantly. Full method "
              "and limits in the appendix.",
        "zh": "相对风险：{example} 表示该客户的月流失风险是模型中平均客户的 {example}。各列为显著影响风险的因素。"
              "方法与适用范围见附录。"},
    "cust_model_tier_plain": {
        "en": "Of the top {top} of customers by expected CLV, {share} are recorded as VIP.",
        "zh": "期望 CLV 最高的前 {top} 客户中，记录为 VIP 的占 {share}。"},
    "cust_kappa": {"en": "Agreement of model and recorded tier: Cohen's κ = {kappa}.",
                   "zh": "模型等级与记录等级的一致性：Cohen κ = {kappa}。"},
    "cust_clv_axis_currency": {"en": "Expected CLV ({symbol})", "zh": "期望 CLV（{symbol}）"},
    "cust_clv_chart_note": {
        "en": "Boxes: the middle half of customers; whiskers: 5% to 95%; a few very valuable customers beyond the "
              "whiskers are not drawn.",
        "zh": "箱体为中间一半的客户，须线为 5% 至 95%；须线之外的少数高价值客户未画出。"},
    "cust_needs_churn_dates": {"en": "customers.churn_date (dates; this export has a churn flag only)",
                               "zh": "customers.churn_date（日期；此导出文件只有流失标记）"},
    "cust_needs_either": {"en": "{a} or {b}", "zh": "{a} 或 {b}"},
    "cust_retention_overall": {
        "en": "All {n:,} customers ({events:,} churns): {value:.1f}% retained after {months} months "
              "(95% CI {low:.1f}–{high:.1f}%).",
        "zh": "全部 {n:,} 位客户（{events:,} 次流失）：{months} 个月后留存 {value:.1f}%（95% 置信区间 {low:.1f}–{high:.1f}%）。"},
    "cust_retention_overall_title": {"en": "Retention, all customers", "zh": "全部客户的留存曲线"},
    "cust_retention_fallback": {
        "en": "Shown by {by} instead (choose the columns with -p retention_by=[...]).",
        "zh": "改为按{by}显示（可用 -p retention_by=[...] 指定列）。"},
    "cust_retention_hint": {
        "en": "Name columns this export has with -p retention_by=[...] (e.g. [plan]).",
        "zh": "可用 -p retention_by=[...] 指定此导出文件中有的列（例如 [plan]）。"},
    "cust_at_risk_support": {
        "en": "A churn probability is given only where the baseline hazard is supported: up to the tenure at which "
              "fewer than {n} customers{of_stratum} are still followed ({limits}). Beyond it a single churn would move the "
              "monthly hazard by more than 1/{n}, so {missing:,} of the {active:,} active customers (tenure + "
              "{months} months past that limit) are not estimated and are listed after the others.",
        "zh": "只有在基线风险有足够数据支持时才给出流失概率：截至仍被观察的客户{of_stratum}少于 {n} 位的在网时长（{limits}）。"
              "超过该时长后，一次流失就会使月流失风险变动超过 1/{n}，因此 {active:,} 位活跃客户中有 {missing:,} 位"
              "（在网时长加 {months} 个月超过该上限）未估计，排在其他客户之后。"},
    "cust_of_stratum": {"en": " of the same {by}", "zh": "（同一{by}）"},
    "cust_limit_item": {"en": "{stratum}: {months:.0f} months", "zh": "{stratum}：{months:.0f} 个月"},
    "cust_at_risk_stratified": {
        "en": "The proportional-hazards check above fails for {columns} (p < 0.01): its hazard ratio is not the same "
              "at every tenure, so a single baseline would lend long-tenure customers the hazard of other groups. "
              "The list therefore uses a Cox model stratified by {columns}: each level has its own baseline hazard "
              "(the hazard ratio table above remains the average over tenure){rest}.",
        "zh": "上面的比例风险检验显示{columns}不满足假设（p < 0.01）：其风险比随在网时长变化，共用一条基线会让长期客户"
              "借用其他组的风险。因此本列表使用按{columns}分层的 Cox 模型：每个取值有自己的基线风险"
              "（上面的风险比表仍为各时长的平均值）{rest}。"},
    "cust_at_risk_rest": {"en": "; the other attributes keep one hazard ratio each",
                          "zh": "；其他属性各保留一个风险比"},
    "cust_at_risk_ranked_by_stratum": {
        "en": "; no other attribute is in the model, so customers are ranked by their own group's hazard at their "
              "tenure, and relative hazard and main driver are not shown",
        "zh": "；模型中没有其他属性，因此按客户所在组在其在网时长的风险排序，不显示相对风险与主要原因"},
    "cust_at_risk_ph_caveat": {
        "en": "The proportional-hazards check above fails for {terms} (p < 0.01): the probabilities assume a hazard "
              "ratio that is the same at every tenure, so read the list as a ranking by relative hazard.",
        "zh": "上面的比例风险检验显示 {terms} 不满足假设（p < 0.01）：概率假设风险比不随在网时长变化，因此请把列表视为按相对风险的排序。"},
    "cust_at_risk_columns": {
        "en": "Relative hazard: against the average customer of the model (1 = average); main driver: the attribute "
              "that raises this customer's hazard most.",
        "zh": "相对风险：相对于模型中的平均客户（1 = 平均）；主要原因：使该客户风险升高最多的属性。"},
    "cust_at_risk_same": {"en": "Same for every listed customer: {items}.", "zh": "所列客户相同的项：{items}。"},
    "cust_at_risk_none": {
        "en": "No active customer has a supported churn probability: every one is beyond the supported tenure.",
        "zh": "没有活跃客户有可靠的流失概率：所有客户都超出了有数据支持的在网时长。"},
    "cust_seed_clv_cap": {
        "en": "Lifetime is counted up to {cap:g} years (parameter lifetime_cap_years): expected years within the cap = "
              "(1 − e^(−{cap:g}·rate)) / rate, so a very low churn rate cannot give an unbounded value.",
        "zh": "生命周期最多计 {cap:g} 年（参数 lifetime_cap_years）：上限内的期望年数 = (1 − e^(−{cap:g}·流失率)) / 流失率，"
              "因此很低的流失率不会给出无限大的价值。"},
    "cust_seed_clv_beyond": {
        "en": "{group}: at a constant {rate:.2f}% a year the uncapped lifetime would be {life:,.0f} years, beyond the "
              "longest observed tenure ({observed:.1f} years) — an extrapolation; only the capped value is shown.",
        "zh": "{group}：若年流失率恒为 {rate:.2f}%，不设上限的生命周期为 {life:,.0f} 年，超过观察到的最长在网时长"
              "（{observed:.1f} 年）——属于外推；表中只给出设上限后的值。"},
    "cust_seed_clv_few": {
        "en": "{group}: not estimated, because only {churned:.0f} customers churned (needs at least {needed}, parameter "
              "min_churners): the rate would be too uncertain for a lifetime.",
        "zh": "{group}：未估计，原因是只有 {churned:.0f} 位客户流失（至少需要 {needed} 位，参数 min_churners）："
              "流失率过于不确定，无法推算生命周期。"},
    "cust_seed_clv_snapshot": {
        "en": "Snapshot caveat: churn dates are the snapshot date and customers who left before the export's window "
              "are missing, so the churn rate is understated and lifetimes and CLV are overstated.",
        "zh": "快照提示：流失日期取快照日期，且导出时间窗口之前已离开的客户不在文件中，因此流失率被低估，生命周期与 CLV 被高估。"},
    "cust_skipped": {
        "en": "{section}: left out — needs {needs}.",
        "zh": "{section}：未包含——需要 {needs}。"},
    "cust_skipped_by": {
        "en": "{section} by {by}: left out — needs {needs}.",
        "zh": "按{by}的{section}：未包含——需要 {needs}。"},
    "cust_not_tested": {
        "en": "{section}: not tested, because {reason}",
        "zh": "{section}：未检验，原因是{reason}"},
    "cust_reason_fit": {"en": "the model could not be fitted on these data ({detail}).",
                        "zh": "该模型无法在这些数据上拟合（{detail}）。"},
    "cust_reason_no_terms": {"en": "no covariate varies in the data (needs {needs}).",
                             "zh": "数据中没有可变化的协变量（需要 {needs}）。"},
    "cust_reason_no_cox": {"en": "no Cox model could be fitted (see above).", "zh": "无法拟合 Cox 模型（见上文）。"},
    "cust_reason_one_group": {"en": "all customers are in one group ({level}).",
                              "zh": "所有客户都属于同一组（{level}）。"},
    "cust_nothing_to_report": {
        "en": "Nothing to report: the data folder has no survey responses with NPS, no customers with churn "
              "dates (or a churn flag derived in the mapping) and no transactions.",
        "zh": "没有可报告的内容：数据文件夹中既没有含 NPS 的调查回复，也没有含流失日期（或在映射中由流失标记推导）的客户，也没有交易记录。"},
    "cust_headline_nps_none": {
        "en": "NPS in {period}: not measured — no survey responses with an NPS score in the period (responses run "
              "from {start} to {end}).",
        "zh": "{period} 净推荐值：无法计算——该期间没有含 NPS 评分的调查回复（回复时间为 {start} 至 {end}）。"},
    "cust_headline_churn_none": {
        "en": "Churn rate in {period}: not measured — no customer was active at its start (customers signed up "
              "from {start} to {end}).",
        "zh": "{period} 客户流失率：无法计算——期初没有活跃客户（客户注册时间为 {start} 至 {end}）。"},
    "cust_headline_snapshot": {
        "en": "Churned by the snapshot of {date}: {value:.1f}% of {n:,} customers (95% CI {low:.1f}–{high:.1f}%; "
              "{churned:,} customers).",
        "zh": "截至 {date} 的快照，已流失客户占 {value:.1f}%（共 {n:,} 位客户，95% 置信区间 {low:.1f}–{high:.1f}%；"
              "{churned:,} 位）。"},
    "note_customer_sample": {
        "en": "The per-customer models use a sample of {sampled:,} of the {customers:,} customers (the smallest hashes "
              "of customer_id); counts, rates and NPS use every customer.",
        "zh": "按客户建模的部分使用 {customers:,} 位客户中的 {sampled:,} 位样本（customer_id 哈希值最小者）；"
              "计数、比率和 NPS 使用全部客户。"},
    "cust_customer_sample_width": {
        "en": "The retention after {months} months is estimated on this sample to ±{half:.2f} percentage points "
              "(95% CI width {width:.2f} points).",
        "zh": "基于该样本，{months} 个月后留存的估计精度为 ±{half:.2f} 个百分点（95% 置信区间宽度 {width:.2f} 个百分点）。"},
    "cust_snapshot_note": {
        "en": "This customers table is a snapshot: sign-up dates were derived from the tenure in months and the "
              "churned customers' churn date is the snapshot date (the export has none). Tenure-based analyses "
              "(retention curves, Cox model) use the exported tenure; calendar churn rates are left out, and "
              "customers who left before the export's window are not in it, so retention is overstated.",
        "zh": "该客户表是一份快照：注册日期由在网月数推导，已流失客户的流失日期取快照日期（导出文件中没有流失日期）。"
              "基于在网时长的分析（留存曲线、Cox 模型）使用导出的在网时长；按日历计算的流失率不予列出；"
              "在导出时间窗口之前已离开的客户不在文件中，因此留存率会被高估。"},
    "cust_cox_customer_method": {
        "en": "Cox proportional-hazards model (Efron ties) of churn on customer attributes over tenure from sign-up: "
              "{customers:,} customers, {events:,} churns{dropped}. Category columns are compared with their most "
              "common level; numeric columns per unit.",
        "zh": "以客户属性为协变量、从注册起按在网时长的 Cox 比例风险模型（Efron 处理结点）：{customers:,} 位客户，"
              "{events:,} 次流失{dropped}。类别变量与其最常见的取值比较；数值变量按每单位计算。"},
    "cust_cox_dropped": {"en": " ({n:,} customers without a value or without follow-up time left out)",
                         "zh": "（{n:,} 位缺少取值或没有随访时间的客户未纳入）"},
    "cust_cox_left_out": {
        "en": "Not in the model: {items}.",
        "zh": "未纳入模型：{items}。"},
    "cust_cox_left_missing": {"en": "{column} (needs customers.{column})", "zh": "{column}（需要 customers.{column}）"},
    "cust_cox_left_constant": {"en": "{column} (one value only)", "zh": "{column}（只有一个取值）"},
    "cust_cox_terms_missing": {
        "en": "Not in the model: {items}.",
        "zh": "未纳入模型：{items}。"},
    "cust_at_risk_customer_method": {
        "en": "The {n} active customers with the highest churn probability over the next {months} months predicted by "
              "the Cox model on customer attributes, with the attributes behind it.",
        "zh": "按基于客户属性的 Cox 模型预测未来 {months} 个月流失概率最高的 {n} 位活跃客户，以及导致风险的客户属性。"},
    "cust_vs": {"en": "{column}: {level} (vs {reference})", "zh": "{column}：{level}（对比 {reference}）"},
    "cust_title": {"en": "NPS, churn and customer lifetime value, {period}", "zh": "净推荐值、客户流失与客户终身价值（{period}）"},
    "cust_headline_nps": {
        "en": "NPS in {period}: {value:+.1f} (95% CI {low:+.1f} to {high:+.1f}; {n:,} responses).",
        "zh": "{period} 净推荐值：{value:+.1f}（95% 置信区间 {low:+.1f} 至 {high:+.1f}；{n:,} 份回复）。"},
    "cust_nps_change": {
        "en": "Against {previous}: {diff:+.1f} points (95% CI {low:+.1f} to {high:+.1f}; {p}).",
        "zh": "与 {previous} 相比：{diff:+.1f} 分（95% 置信区间 {low:+.1f} 至 {high:+.1f}；{p}）。"},
    "cust_headline_churn": {
        "en": "Churn rate in {period}: {value:.2f}% of the {n:,} customers active at its start (95% CI {low:.2f}–{high:.2f}%).",
        "zh": "{period} 客户流失率：期初 {n:,} 位活跃客户中流失 {value:.2f}%（95% 置信区间 {low:.2f}–{high:.2f}%）。"},
    "cust_headline_more": {
        "en": "Below: what separates detractors from promoters, who leaves and why (retention curves, a Cox model of "
              "churn on the service received, the customers most at risk), and what customers are worth (lifetime "
              "value by tier and per customer).",
        "zh": "下文依次说明：贬损者与推荐者在服务经历上的差别；哪些客户流失及原因（留存曲线、基于服务经历的 Cox 流失模型、"
              "流失风险最高的客户）；以及客户价值（按等级和按客户的终身价值）。"},
    "cust_nps_heading": {"en": "Net Promoter Score", "zh": "净推荐值"},
    "cust_nps_overall": {
        "en": "All responses from {start} to {end}: NPS {value} points (95% CI {low} to {high}; {n:,} responses).",
        "zh": "{start} 至 {end} 的全部回复：净推荐值 {value} 分（95% 置信区间 {low} 至 {high}；{n:,} 份回复）。"},
    "cust_nps_difference": {
        "en": "NPS of {a} minus {b}: {diff} points (95% CI {low} to {high}; {p}).",
        "zh": "{a} 与 {b} 的净推荐值之差：{diff} 分（95% 置信区间 {low} 至 {high}；{p}）。"},
    "cust_nps_trend_title": {"en": "NPS by month", "zh": "各月净推荐值"},
    "cust_nps_method": {
        "en": "NPS = % promoters (9–10) − % detractors (0–6); 95% interval from the multinomial standard error; "
              "differences by a two-sample z test. Channel is the channel of the surveyed ticket.",
        "zh": "净推荐值 = 推荐者（9–10 分）占比 − 贬损者（0–6 分）占比；95% 置信区间基于多项分布标准误；差异采用双样本 z 检验。"
              "渠道指被调查工单的渠道。"},
    "cust_drivers_heading": {"en": "What turns customers into detractors", "zh": "客户为何成为贬损者"},
    "cust_drivers_title": {"en": "Odds of a detractor rather than a promoter", "zh": "成为贬损者（相对推荐者）的优势比"},
    "cust_or_axis": {"en": "Odds ratio, × (log scale: 1× = no effect)", "zh": "优势比，×（对数刻度：1× = 无影响）"},
    "cust_drivers_method": {
        "en": "Logistic regression of detractors (0–6) against promoters (9–10) on the service history of the "
              "surveyed ticket (passives left out): {n:,} responses, {detractors:,} detractors, pseudo R² {r2:.2f}. "
              "An odds ratio above 1 makes a detractor more likely; the effect is the average change in the "
              "probability of being a detractor, in percentage points.",
        "zh": "以被调查工单的服务经历为自变量，对贬损者（0–6 分）与推荐者（9–10 分）做逻辑回归（不含中立者）："
              "{n:,} 份回复，其中贬损者 {detractors:,} 份，伪 R² 为 {r2:.2f}。优势比大于 1 表示更可能成为贬损者；"
              "影响为成为贬损者的概率平均变化（百分点）。"},
    "cust_drivers_top": {"en": "Largest effects on the chance of a detractor: {drivers}.",
                         "zh": "对成为贬损者概率影响最大的因素：{drivers}。"},
    "cust_sentiment_used": {
        "en": "Comment sentiment (csm.sentiment) is shown separately, not in the model above: a comment expresses the "
              "experience rather than causing it, and would absorb the service effects. Added to the model, each 0.1 "
              "of polarity multiplies the odds of a detractor by {odds:.2f} (95% CI {low:.2f}–{high:.2f}; {n:,} "
              "responses with a comment), and pseudo R² rises from {r2_without:.2f} to {r2_with:.2f}.",
        "zh": "评论情感（csm.sentiment）单独列出、未放入上面的模型：评论表达的是服务经历本身而不是其原因，放入模型会吸收服务因素的影响。"
              "加入模型后，情感极性每增加 0.1，成为贬损者的优势比乘以 {odds:.2f}（95% 置信区间 {low:.2f}–{high:.2f}；"
              "{n:,} 份有评论的回复），伪 R² 由 {r2_without:.2f} 升至 {r2_with:.2f}。"},
    "cust_sentiment_means": {
        "en": "How positive the comments read on average (from −1, fully negative, to +1, fully positive): promoters "
              "{promoter}, passives {passive}, detractors {detractor}.",
        "zh": "评论的平均情感倾向（−1 为完全负面，+1 为完全正面）：推荐者 {promoter}，中立者 {passive}，贬损者 {detractor}。"},
    "cust_sentiment_separates": {
        "en": "Comment sentiment is shown separately, not in the model above: a comment expresses the experience "
              "rather than causing it. Added to the model it separates detractors from promoters almost perfectly, "
              "so no stable odds ratio can be given.",
        "zh": "评论情感单独列出、未放入上面的模型：评论表达的是服务经历本身而不是其原因。加入模型后它几乎能完全区分贬损者与推荐者，"
              "因此无法给出稳定的优势比。"},
    "cust_sentiment_not_used": {
        "en": "Comment sentiment is not included (the sentiment module is not available in this installation).",
        "zh": "模型未纳入评论情感（当前安装中没有情感分析模块）。"},
    "cust_churn_heading": {"en": "Churn", "zh": "客户流失"},
    "cust_churn_trend_title": {"en": "Churn rate by month", "zh": "各月客户流失率"},
    "cust_trend_up": {"en": "Churn has risen from {first} to {last} a month over {months} months ({ratio} per year, {p}).",
                      "zh": "近 {months} 个月客户月流失率由 {first} 升至 {last}（每年变为原来的 {ratio}，{p}）。"},
    "cust_trend_down": {"en": "Churn has fallen from {first} to {last} a month over {months} months ({ratio} per year, {p}).",
                        "zh": "近 {months} 个月客户月流失率由 {first} 降至 {last}（每年变为原来的 {ratio}，{p}）。"},
    "cust_trend_flat": {"en": "Monthly churn shows no clear trend over {months} months ({first} to {last} a month on the "
                              "trend line, {p}).",
                        "zh": "近 {months} 个月客户月流失率没有明显趋势（趋势线由每月 {first} 到 {last}，{p}）。"},
    "cust_trend_detail": {
        "en": " The rates are read off a trend line fitted to every month from {start} to {end}; per year the rate "
              "changes by a factor of {ratio} (95% CI {low}–{high}).",
        "zh": "以上比率取自对 {start} 至 {end} 各月拟合的趋势线；流失率每年变为原来的 {ratio}（95% 置信区间 {low}–{high}）。"},
    "cust_churn_axis": {"en": "Churn rate (% per month)", "zh": "流失率（每月 %）"},
    "cust_churn_method": {
        "en": "Churn rate = customers lost in the month / customers active at its start × 100% (sign-ups of the month "
              "excluded), Wilson 95% interval, from {start}. Cohort table: the same rate pooled over the months for "
              "customers who signed up in each period. Trend: Poisson regression of each month's churners on the month, with "
              "the customers active at its start as exposure; the p-value tests the slope.",
        "zh": "流失率 = 当月流失客户数 / 月初活跃客户数 × 100%（不含当月新注册客户），Wilson 95% 置信区间，自 {start} 起。"
              "批次表：按注册时间分组，把各月的流失数与月初客户数分别加总后计算的同一比率。趋势：以各月流失数对月份做泊松回归，"
              "以月初活跃客户数为暴露量；p 值检验斜率。"},
    "cust_retention_heading": {"en": "Retention curves", "zh": "留存曲线"},
    "cust_retention_title": {"en": "Retention by {by}", "zh": "按{by}的留存曲线"},
    "cust_tenure_months_axis": {"en": "Months since sign-up", "zh": "注册后月数"},
    "cust_retained_axis": {"en": "Customers retained (%)", "zh": "留存客户（%）"},
    "cust_logrank": {
        "en": "By {by}, customers retained after {months} months: {items} ({p} for a difference).",
        "zh": "按{by}，{months} 个月后仍留存的客户：{items}（差异检验 {p}）。"},
    "cust_retention_method": {
        "en": "Kaplan–Meier estimates from sign-up; customers still active are censored at the period end; shaded "
              "bands are pointwise 95% intervals (log-log).",
        "zh": "Kaplan–Meier 估计，从注册起计算；仍活跃的客户在期末删失；阴影为逐点 95% 置信区间（log-log 变换）。"},
    "cust_cox_heading": {"en": "Why customers leave", "zh": "客户为何流失"},
    "cust_cox_title": {"en": "Churn hazard ratios", "zh": "流失风险比"},
    "cust_hr_axis": {"en": "Monthly churn risk, × (log scale: 1× = no effect)", "zh": "月流失风险倍数，×（对数刻度：1× = 无影响）"},
    "cust_cox_method": {
        "en": "Cox proportional-hazards model (Efron ties) on {rows:,} customer episodes of {customers:,} customers "
              "with {events:,} churns from {start}: follow-up is split by month, and each month's covariates count "
              "the tickets and survey answers before it, so they change as the service history grows.",
        "zh": "Cox 比例风险模型（Efron 处理结点），自 {start} 起共 {customers:,} 位客户的 {rows:,} 个观察段、{events:,} 次流失："
              "随访按月切分，每月的协变量为该月之前的工单与调查记录，随服务经历累积而变化。"},
    "cust_cox_fcr": {
        "en": "Each ticket not resolved at first contact multiplies the churn hazard by {hr:.2f} (95% CI {low:.2f}–{high:.2f}).",
        "zh": "每多一张未首次解决的工单，流失风险乘以 {hr:.2f}（95% 置信区间 {low:.2f}–{high:.2f}）。"},
    "cust_cox_vip": {
        "en": "VIP customers churn at {hr:.2f} times the hazard of other customers (95% CI {low:.2f}–{high:.2f}).",
        "zh": "VIP 客户的流失风险是其他客户的 {hr:.2f} 倍（95% 置信区间 {low:.2f}–{high:.2f}）。"},
    "cust_ph_heading": {"en": "Check of the proportional-hazards assumption", "zh": "比例风险假设检验"},
    "cust_ph_method": {
        "en": "Mean Schoenfeld residual per tenure decile for each factor: a flat line around 0 means its hazard "
              "ratio is the same at every tenure; the table tests the correlation of the residuals with log time.",
        "zh": "各因素按在网时长十分位的平均 Schoenfeld 残差：围绕 0 的水平线表示风险比不随时长变化；表中检验残差与对数时间的相关性。"},
    "cust_ph_ok": {"en": "No factor shows a trend with tenure (all p ≥ 0.01): the assumption holds.",
                   "zh": "没有因素随时长出现趋势（所有 p ≥ 0.01）：假设成立。"},
    "cust_ph_violated": {
        "en": "The residuals of {terms} trend with tenure (p < 0.01): read their hazard ratio as an average over tenure.",
        "zh": "{terms} 的残差随时长变化（p < 0.01）：其风险比应理解为各时长的平均值。"},
    "cust_at_risk_heading": {"en": "Customers most at risk", "zh": "流失风险最高的客户"},
    "cust_at_risk_method": {
        "en": "The {n} active customers with the highest churn probability over the next {months} months predicted "
              "by the Cox model, with the service events behind it (counts since the start of the ticket data).",
        "zh": "按 Cox 模型预测未来 {months} 个月流失概率最高的 {n} 位活跃客户，以及导致风险的服务事件（自工单数据开始起累计）。"},
    "cust_clv_heading": {"en": "Customer lifetime value", "zh": "客户终身价值"},
    "cust_seed_clv_method": {
        "en": "Simple formula: CLV = average yearly contribution × average lifetime in years; contribution = "
              "{margin:.0%} of revenue per customer-year, lifetime from the yearly churn rate (constant churn, capped: see "
              "below); the interval reflects the uncertainty of the churn rate only.",
        "zh": "简单公式：CLV = 年均贡献 × 平均生命周期（年）；贡献 = 每客户年收入的 {margin:.0%}，生命周期由年流失率推算"
              "（假设流失率不变，设上限：见下文）；区间只反映流失率的不确定性。"},
    "cust_bgnbd_heading": {"en": "Purchase and spend models", "zh": "购买与消费模型"},
    "cust_bgnbd_method": {
        "en": "BG/NBD (repeat purchases and dropout; time in {unit}), its modified form MBG/NBD and the Gamma-Gamma "
              "spend model, fitted by maximum likelihood on {n:,} customers; expected spend per purchase {mean_spend}. "
              "Gamma-Gamma assumes spend does not depend on purchase frequency: their correlation is {corr}.",
        "zh": "BG/NBD（复购与流失；时间单位：{unit}）、其修正形式 MBG/NBD 及 Gamma-Gamma 消费模型，基于 {n:,} 位客户的最大似然估计；"
              "每次购买的期望金额 {mean_spend}。Gamma-Gamma 假设消费金额与购买频次无关：二者相关系数为 {corr}。"},
    "cust_observation_end_note": {
        "en": "Each customer's observation ends at their churn date (or the period end): purchases stop when a customer "
              "leaves for reasons the purchase model does not describe, and counting the time after that as \"no "
              "purchases\" would make the model overstate dropout and understate the purchase rate.",
        "zh": "每位客户的观察期截至其流失日期（或期末）：客户因购买模型之外的原因离开后不再购买，若把流失后的时间也算作"
              "“没有购买”，模型会高估流失、低估购买频率。"},
    "cust_holdout_heading": {"en": "Does the purchase model predict?", "zh": "购买模型的预测检验"},
    "cust_holdout_title": {"en": "Repeat purchases in the holdout, {span}", "zh": "验证期（{span}）复购次数"},
    "cust_legend_actual": {"en": "Actual", "zh": "实际"},
    "cust_legend_predicted": {"en": "Predicted (BG/NBD)", "zh": "预测（BG/NBD）"},
    "cust_calibration_purchases_axis": {"en": "Repeat purchases in the calibration period",
                                        "zh": "校准期复购次数"},
    "cust_holdout_purchases_axis": {"en": "Mean repeat purchases per customer", "zh": "每位客户平均复购次数"},
    "cust_holdout_sentence": {
        "en": "Fitted on purchases up to {start} and checked on {end}: {n:,} customers made {actual:.3f} repeat "
              "purchases each in the holdout, the model predicted {predicted:.3f} ({error}%).",
        "zh": "以 {start} 之前的购买拟合、在截至 {end} 的验证期检验：{n:,} 位客户平均每人实际复购 {actual:.3f} 次，模型预测 "
              "{predicted:.3f} 次（{error}%）。"},
    "cust_one_time_heading": {"en": "One-time buyers", "zh": "仅购买一次的客户"},
    "cust_one_time_note": {
        "en": "BG/NBD assumes a customer who has not bought again is still alive (P(alive) = 1). That misleads for "
              "churn risk: {share:.1f}% of customers ({n:,} still active) are one-time buyers. The modified BG/NBD "
              "(MBG/NBD), in which a customer may leave right after the first purchase, gives them a median P(alive) "
              "of {median:.2f} (10% below {low:.2f}); use it to judge their risk (log-likelihood {ll_m} vs "
              "{ll_b} for BG/NBD).",
        "zh": "BG/NBD 假设未再购买的客户仍然“存活”（P(存活) = 1），用于判断流失风险会产生误导：{share:.1f}% 的客户"
              "（其中 {n:,} 位仍活跃）只购买过一次。修正模型 MBG/NBD 允许客户在首次购买后即离开，给出的 P(存活) 中位数为 "
              "{median:.2f}（10% 的客户低于 {low:.2f}），应据此判断其风险（对数似然 {ll_m}，BG/NBD 为 {ll_b}）。"},
    "cust_clv_customer_heading": {"en": "Expected value per customer", "zh": "每位客户的期望价值"},
    "cust_clv_title": {"en": "Expected {months}-month CLV per active customer", "zh": "活跃客户未来 {months} 个月的期望 CLV"},
    "cust_clv_axis": {"en": "Expected CLV", "zh": "期望 CLV"},
    "cust_clv_sentence": {
        "en": "Expected CLV over {months} months, discounted at {rate} a year, for {n} active customers: median "
              "{median}, mean {mean}, total {total}.",
        "zh": "{n} 位活跃客户未来 {months} 个月的期望 CLV（年折现率 {rate}）：中位数 {median}，平均 {mean}，"
              "合计 {total}。"},
    "cust_model_tier_sentence": {
        "en": "Of the top {top:.0f}% of customers by expected CLV, {share:.1f}% are recorded as VIP (agreement of model "
              "and recorded tier: Cohen's κ = {kappa:.2f}).",
        "zh": "期望 CLV 最高的前 {top:.0f}% 客户中，记录为 VIP 的占 {share:.1f}%（模型等级与记录等级的一致性 Cohen κ = "
              "{kappa:.2f}）。"},
    "cust_tier_weak": {"en": "The recorded tier does not pick out the customers the models expect to be most valuable.",
                       "zh": "记录的等级并不能找出模型预期价值最高的客户。"},
    "cust_tier_agrees": {"en": "The recorded tier largely agrees with the customers' expected value.",
                         "zh": "记录的等级与客户的期望价值大体一致。"},
}

__all__ = ["CODES", "PHRASES"]
