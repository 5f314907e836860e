"""Labels and phrases of complaint root-cause analysis (notebooks/complaint_root_cause).

Merged into :mod:`csm.report.labels` (use :func:`~csm.report.labels.label` and
:func:`~csm.report.labels.phrase` to show them); same rules: every entry has
``en`` and ``zh``, a code has one meaning across the project.

Column headers of the complaint tables that have generic names in the results
(observed, ratio, …) are shown through ``complaint_*`` codes (see
:data:`csm.report.complaints.HEADERS`), so they cannot clash with another topic's wording.
"""

#: Codes (dimension values, column headers, model terms …) -> display labels.
CODES: dict[str, dict[str, str]] = {
    # sub-reasons of the sample data (user data may bring others; unknown codes are shown as given)
    "defective_item": {"en": "Defective item", "zh": "商品故障"},
    "not_as_described": {"en": "Not as described", "zh": "与描述不符"},
    "missing_parts": {"en": "Missing parts", "zh": "缺少配件"},
    "poor_quality": {"en": "Poor quality", "zh": "质量差"},
    "rude_agent": {"en": "Rude agent", "zh": "客服态度差"},
    "unhelpful_answer": {"en": "Unhelpful answer", "zh": "答复无帮助"},
    "broken_promise": {"en": "Broken promise", "zh": "承诺未兑现"},
    "late_delivery": {"en": "Late delivery", "zh": "配送延误"},
    "damaged_parcel": {"en": "Damaged parcel", "zh": "包裹破损"},
    "wrong_address": {"en": "Wrong address", "zh": "地址错误"},
    "lost_parcel": {"en": "Lost parcel", "zh": "包裹丢失"},
    "refund_delay": {"en": "Refund delay", "zh": "退款延迟"},
    "return_rejected": {"en": "Return rejected", "zh": "退货被拒"},
    "warranty_claim": {"en": "Warranty claim", "zh": "保修申请"},
    "exchange_request": {"en": "Exchange request", "zh": "换货申请"},
    "invoice_issue": {"en": "Invoice issue", "zh": "发票问题"},
    "account_access": {"en": "Account access", "zh": "账号登录"},
    "payment_issue": {"en": "Payment issue", "zh": "支付问题"},
    "promotion_question": {"en": "Promotion question", "zh": "促销咨询"},
    # carriers and product lines of the sample data
    "swift_express": {"en": "Swift Express", "zh": "迅捷快递"},
    "north_post": {"en": "North Post", "zh": "北方邮政"},
    "jd_fast": {"en": "JD Fast", "zh": "京速达"},
    "cloud_freight": {"en": "Cloud Freight", "zh": "云途物流"},
    "electronics": {"en": "Electronics", "zh": "电子产品"},
    "home_appliances": {"en": "Home appliances", "zh": "家用电器"},
    "apparel": {"en": "Apparel", "zh": "服装"},
    "beauty": {"en": "Beauty", "zh": "美妆"},
    "groceries": {"en": "Groceries", "zh": "食品"},
    "home_living": {"en": "Home & living", "zh": "家居生活"},
    # outcomes, model terms
    "repeat_complaint": {"en": "Repeat complaint", "zh": "重复投诉"},
    "not_resolved_first_contact": {"en": "Not resolved at first contact", "zh": "未能首次解决"},
    "escalated": {"en": "Escalated", "zh": "升级处理"},
    "tenure_band": {"en": "Agent tenure", "zh": "客服司龄"},
    "tenure_lt6": {"en": "Tenure < 6 months", "zh": "司龄不足6个月"},
    "tenure_6_24": {"en": "Tenure 6–24 months", "zh": "司龄6–24个月"},
    "tenure_24_60": {"en": "Tenure 2–5 years", "zh": "司龄2–5年"},
    "tenure_60plus": {"en": "Tenure 5+ years", "zh": "司龄5年以上"},
    "other_levels": {"en": "Rare levels pooled", "zh": "合并的少见取值"},
    # finding kinds of the root-cause table and spike levels
    "spike": {"en": "Spike", "zh": "激增"},
    "concentration": {"en": "Concentration", "zh": "集中"},
    "resolution": {"en": "Slow resolution", "zh": "解决慢"},
    "category×region": {"en": "Category × region", "zh": "类别 × 区域"},
    "all_complaints": {"en": "All complaints", "zh": "全部投诉"},
    "complaint_role": {"en": "Finding or part of", "zh": "归属"},
    "complaint_breakdown": {"en": "Breakdown", "zh": "构成"},
    # sections that need an optional column (skipped-section sentences)
    "complaint_section_sub_reasons": {"en": "Complaints by sub-reason", "zh": "按具体原因的投诉分析"},
    "complaint_section_spikes_region": {"en": "Spikes by region", "zh": "按区域的激增检测"},
    "complaint_section_spike_terms": {"en": "What the spike's complaints say", "zh": "激增期间的投诉内容"},
    "complaint_section_words": {"en": "What the words say", "zh": "投诉文本分析"},
    "complaint_section_resolution": {"en": "Resolution performance by category", "zh": "各类别的解决表现"},
    "complaint_section_outcome_repeat_complaint": {"en": "The repeat-complaint model", "zh": "重复投诉模型"},
    "complaint_section_outcome_not_resolved_first_contact": {"en": "The first-contact resolution model",
                                                             "zh": "首次解决模型"},
    "complaint_section_outcome_escalated": {"en": "The escalation model", "zh": "升级处理模型"},
    # column headers
    "complaint_type": {"en": "Type", "zh": "类型"},
    "complaint_label_en": {"en": "English label", "zh": "英文名称"},
    "complaint_label_zh": {"en": "Chinese label", "zh": "中文名称"},
    "complaint_cumulative_share": {"en": "Cumulative share", "zh": "累计占比"},
    "complaint_vital_few": {"en": "Top 80%", "zh": "前80%"},
    "complaint_start": {"en": "From", "zh": "开始"},
    "complaint_weeks_from_to": {"en": "Weeks (from – to)", "zh": "周（起止）"},
    "complaint_end": {"en": "To", "zh": "结束"},
    "complaint_weeks": {"en": "Weeks", "zh": "周数"},
    "complaint_observed": {"en": "Observed", "zh": "实际"},
    "complaint_expected": {"en": "Expected", "zh": "预期"},
    "complaint_excess": {"en": "Excess tickets", "zh": "超出件数"},
    "complaint_ratio": {"en": "Observed / expected", "zh": "实际 / 预期"},
    "complaint_score": {"en": "Robust z", "zh": "稳健 z 值"},
    "complaint_level": {"en": "Level", "zh": "取值"},
    "complaint_dimension": {"en": "Dimension", "zh": "维度"},
    "complaint_drivers": {"en": "Driven by", "zh": "主要来源"},
    "complaint_in_period": {"en": "In this period", "zh": "在本期内"},
    "complaint_adjusted_residual": {"en": "Adjusted residual", "zh": "调整残差"},
    "complaint_p_adjusted": {"en": "Adjusted p", "zh": "校正后 p 值"},
    "complaint_cramers_v": {"en": "Cramér's V", "zh": "克莱姆 V 系数"},
    "complaint_chi2": {"en": "Chi-square", "zh": "卡方值"},
    "complaint_dof": {"en": "df", "zh": "自由度"},
    "complaint_odds_ratio": {"en": "Odds ratio (95% CI)", "zh": "比值比（95% 置信区间）"},
    "complaint_outcome": {"en": "Outcome", "zh": "结果"},
    "complaint_covariate": {"en": "Factor", "zh": "因素"},
    "complaint_reference": {"en": "Compared with", "zh": "对照组"},
    "complaint_rate": {"en": "Rate at level", "zh": "该组比例"},
    "complaint_median_hours": {"en": "Median time to resolve (95% CI)", "zh": "解决时长中位数（95% 置信区间）"},
    "complaint_p90_hours": {"en": "90th percentile time", "zh": "90% 分位解决时长"},
    "complaint_sla_rate": {"en": "Resolved within SLA", "zh": "SLA 内解决率"},
    "complaint_fcr_rate": {"en": "First-contact resolution", "zh": "首次解决率"},
    "complaint_reopen_rate": {"en": "Reopen rate", "zh": "重开率"},
    "complaint_term": {"en": "Term", "zh": "词语"},
    "complaint_terms": {"en": "Distinctive terms", "zh": "特征词"},
    "complaint_example": {"en": "Example (masked)", "zh": "示例（已脱敏）"},
    "complaint_kind": {"en": "Finding", "zh": "发现类型"},
    "complaint_evidence": {"en": "Evidence", "zh": "证据"},
    "complaint_impact": {"en": "Tickets affected", "zh": "涉及件数"},
    "complaint_finding": {"en": "What we found", "zh": "结论"},
    "complaint_count_previous": {"en": "Previous period", "zh": "上期件数"},
    "complaint_rate_ratio": {"en": "Rate ratio (95% CI)", "zh": "日均比（95% 置信区间）"},
    "complaint_share_change": {"en": "Share change", "zh": "占比变化"},
    "complaint_hours": {"en": "Hours to resolve", "zh": "解决时长（小时）"},
    "complaint_weekly": {"en": "Complaints per week", "zh": "每周投诉量"},
    "complaint_baseline": {"en": "Expected (baseline)", "zh": "预期基线"},
    "complaint_group": {"en": "Group", "zh": "分组"},
    "complaint_excess_share": {"en": "Share of excess", "zh": "占超出部分"},
    "complaint_usual_share": {"en": "Usual share", "zh": "平常占比"},
    "complaint_over": {"en": "Over-represented", "zh": "显著偏多"},
    "complaint_is_driver": {"en": "Driver", "zh": "主因"},
    "complaint_spike_period": {"en": "Spike weeks", "zh": "激增周"},
    "complaint_usual_weeks": {"en": "Usual weeks", "zh": "平常周"},
    "complaint_when": {"en": "When", "zh": "时间"},
    "complaint_verdict": {"en": "What to do", "zh": "处理建议"},
    # outcomes as verbs of a plain sentence ("… of complaints {stay unresolved at first contact}")
    "outcome_verb_repeat_complaint": {"en": "come back as a repeat complaint", "zh": "再次投诉"},
    "outcome_verb_not_resolved_first_contact": {"en": "stay unresolved at first contact", "zh": "首次接触未能解决"},
    "outcome_verb_escalated": {"en": "are escalated", "zh": "被升级处理"},
}

#: Report sentences and headings: key -> ``str.format`` template per language.
PHRASES: dict[str, dict[str, str]] = {
    "complaints_title": {"en": "Complaint root-cause briefing — {period}",
                         "zh": "投诉根因分析简报 — {period}"},
    "complaints_intro": {
        "en": "{n} complaints in {period} ({per_day} a day). {spike_scope} Concentration and outcome models use the "
              "{n_model} tickets of {model_window}.",
        "zh": "{period}共有 {n} 件投诉（日均 {per_day} 件）。{spike_scope}集中度分析和结果模型使用{model_window}"
              "的 {n_model} 件工单。"},
    "spike_scope_searched": {"en": "Spikes are searched over {lookback}.", "zh": "激增检测范围为 {lookback}。"},
    "spike_scope_not_tested": {"en": "Spikes are not tested ({weeks} complete weeks of history, at least {needed} "
                                     "needed).",
                               "zh": "未检测激增（历史数据只有 {weeks} 个完整周，至少需要 {needed} 周）。"},
    "model_window_full": {"en": "the {months} months ending with the period ({start} – {end})",
                          "zh": "截至本期末的 {months} 个月（{start} – {end}）"},
    "model_window_short": {"en": "{start} – {end}, all the data up to the period end (parameter model_months asks "
                                 "for {months} months)",
                           "zh": "{start} – {end}（截至本期末的全部数据；参数 model_months 要求 {months} 个月）"},
    "complaints_root_heading": {"en": "What to fix first", "zh": "优先整改事项"},
    "complaints_no_root_cause": {"en": "No finding passed the significance checks: no spike, no over-represented "
                                       "cell and no outcome driver.",
                                 "zh": "没有发现通过显著性检验的问题：没有激增、没有显著集中的组合，也没有显著的结果驱动因素。"},
    "complaints_no_root_cause_untested": {"en": "No finding passed the significance checks: no over-represented cell "
                                                "and no outcome driver (spikes were not tested, see below).",
                                          "zh": "没有发现通过显著性检验的问题：没有显著集中的组合，也没有显著的结果驱动因素（未检测激增，见下文）。"},
    "root_spike": {"en": "{where}: {excess} extra complaints in {when} ({ratio} the expected level){drivers}.",
                   "zh": "{where}：{when}多出 {excess} 件投诉（为预期水平的 {ratio}）{drivers}。"},
    "root_spike_drivers": {"en": ", driven by {drivers}", "zh": "，主要来自{drivers}"},
    "root_spike_breakdown": {"en": "; of which {parts}", "zh": "；其中{parts}"},
    "spike_role_finding": {"en": "finding", "zh": "独立发现"},
    "spike_role_part": {"en": "part of {where} from {start}", "zh": "属于{start}起的{where}激增"},
    "spike_role_explained": {"en": "explained by {where}", "zh": "由{where}解释"},
    "spike_rule": {"en": "All complaints together are searched as well as each category, region and category × region. "
                         "A spike is one finding unless the finer spikes inside it (by category, by region) hold at "
                         "least {share} of its excess and are concentrated (that share at least {lift}× their usual "
                         "share of its volume); then they are the findings. Spikes inside a finding are its breakdown.",
                   "zh": "除各类别、各区域及类别 × 区域外，也对全部投诉一并检测。一次激增作为一项发现列出，除非其内部更细的激增"
                         "（按类别、按区域）占其超出部分的至少 {share}，且足够集中（该占比至少为它们平常所占份额的 {lift} 倍），"
                         "此时改为列出这些更细的激增。发现内部的更细激增作为其构成列出。"},
    "spikes_shown": {"en": "The table shows the {shown} largest of the {n} spikes (findings first).",
                     "zh": "表中列出 {n} 次激增中最大的 {shown} 次（先列独立发现）。"},
    "complaints_skipped": {"en": "{section} left out: it needs {needs}, which the data do not have.",
                           "zh": "{section}未列出：需要 {needs} 列，数据中没有。"},
    "complaints_skipped_customer_key": {
        "en": "{section} left out: every customer id appears once (the export has no customer key), so repeat "
              "complaints cannot be assessed; map a customer identifier to {needs} to enable it.",
        "zh": "{section}未列出：每个客户编号只出现一次（导出数据没有客户标识），无法评估重复投诉；将客户标识映射到 {needs} 即可启用。"},
    "complaints_skipped_concentration": {"en": "{dimension} is not tested for concentration: it needs {needs}, which "
                                               "the data do not have.",
                                         "zh": "未检验{dimension}的集中度：需要 {needs} 列，数据中没有。"},
    "complaints_skipped_factor": {"en": "{factor} is not a factor of the outcome models: it needs {needs}, which the "
                                        "data do not have.",
                                  "zh": "结果模型未纳入{factor}：需要 {needs} 列，数据中没有。"},
    "outcomes_not_tested": {"en": "Not tested, because {reasons}.", "zh": "未检验，原因：{reasons}。"},
    "outcome_reason_needs": {"en": "there is no {needs} for “{outcome}”", "zh": "“{outcome}”需要 {needs} 列，数据中没有"},
    "outcome_reason_no_key": {"en": "repeat complaints need a customer key in tickets.customer_id",
                              "zh": "重复投诉需要 tickets.customer_id 中的客户标识"},
    "outcome_reason_failed": {"en": "the model of “{outcome}” could not be fitted ({reason})",
                              "zh": "“{outcome}”模型无法拟合（{reason}）"},
    "root_concentration": {"en": "{category} complaints are over-represented in {dimension} {level}: "
                                 "{excess} more than expected ({ratio} expected).",
                           "zh": "{category}投诉在{dimension}“{level}”中偏多：比预期多 {excess} 件（为预期的 {ratio}）。"},
    "root_outcome": {"en": "{level} ({dimension}) raises the odds of “{outcome}” {odds}× (95% CI {low}–{high}); "
                           "about {excess} more such tickets than at the reference level.",
                     "zh": "{level}（{dimension}）使“{outcome}”的几率提高到 {odds} 倍（95% 置信区间 {low}–{high}），"
                           "比对照组约多 {excess} 件。"},
    "root_resolution": {"en": "{category}: only {rate} resolved within the SLA (target {target}).",
                        "zh": "{category}：SLA 内解决率仅 {rate}（目标 {target}）。"},
    "evidence_spike": {"en": "{ratio} the usual weekly level; beyond chance ({p}, adjusted)",
                       "zh": "为平常每周水平的 {ratio}；并非偶然（校正后 {p}）"},
    "evidence_concentration": {"en": "{ratio} the expected count; beyond chance ({p}, adjusted)",
                               "zh": "为预期的 {ratio}；并非偶然（校正后 {p}）"},
    "evidence_outcome": {"en": "odds ratio {odds} (95% CI {low}–{high}); beyond chance ({p}, adjusted)",
                         "zh": "比值比 {odds}（95% 置信区间 {low}–{high}）；并非偶然（校正后 {p}）"},
    "evidence_resolution": {"en": "SLA {rate} (95% CI {low}–{high})", "zh": "SLA 达成率 {rate}（95% 置信区间 {low}–{high}）"},
    "root_outcome_plain": {
        "en": "{dimension} {level}: {rate} of complaints {outcome}, against about {base} had they fared like "
              "{reference} — {times_n}× as likely (other factors held equal); about {excess} more such tickets.",
        "zh": "{dimension}“{level}”：{rate} 的投诉{outcome}，若与“{reference}”相同约为 {base}——可能性是其 {times_n} 倍"
              "（其他因素保持不变），约多 {excess} 件。"},
    "outcome_reading": {
        "en": "{dimension} {level}: {rate} of complaints {outcome}, against about {base} had they fared like "
              "{reference} — {times_n}× as likely.",
        "zh": "{dimension}“{level}”：{rate} 的投诉{outcome}，若与“{reference}”相同约为 {base}——可能性是其 {times_n} 倍。"},
    "when_in_period": {"en": "{when} — in this period", "zh": "{when}（在本期内）"},
    "when_before": {"en": "{when} — ended {ago} before this period", "zh": "{when}（本期开始前 {ago}已结束）"},
    "when_months_before": {"en": "{n} months", "zh": "{n} 个月"},
    "when_one_month_before": {"en": "1 month", "zh": "1 个月"},
    "when_weeks_before": {"en": "{n} weeks", "zh": "{n} 周"},
    "impact_in_weeks": {"en": "{n} in {weeks}", "zh": "{weeks}内 {n} 件"},
    "impact_in_period": {"en": "{n} in this period", "zh": "本期 {n} 件"},
    "impact_in_months": {"en": "{n} in {months} months (about {per_month} a month)",
                         "zh": "{months} 个月共 {n} 件（约每月 {per_month} 件）"},
    "root_order_rule": {"en": "Order: spikes running in this period first, then standing patterns by tickets affected "
                              "per month, then spikes that are already over (with their dates).",
                        "zh": "排序：先列本期仍在发生的激增，再按每月涉及件数列长期现象，最后列已结束的激增（附日期）。"},
    "verdict_spike_now": {"en": "Act now: it is running in this period", "zh": "立即处理：本期仍在发生"},
    "verdict_spike_past": {"en": "Over: check that its cause is fixed and cannot recur",
                           "zh": "已结束：确认原因已消除、不会再发生"},
    "verdict_spike_check": {"en": "Check that its cause is fixed", "zh": "确认原因已消除"},
    "verdict_resolution": {"en": "Below the SLA target: speed up {category} tickets",
                           "zh": "低于 SLA 目标：加快{category}工单的处理"},
    "verdict_concentration": {"en": "Standing pattern: look into {category} complaints in {level}",
                              "zh": "长期现象：排查“{level}”的{category}投诉"},
    "verdict_outcome": {"en": "Standing pattern: review how {level} tickets are handled",
                        "zh": "长期现象：检查“{level}”工单的处理方式"},
    "complaint_n_weeks": {"en": "{n} weeks", "zh": "{n} 周"},
    "complaint_one_week": {"en": "1 week", "zh": "1 周"},
    "pareto_more": {"en": " and {n} more (see the table)", "zh": "等（另有 {n} 个，见下表）"},
    "change_open": {"en": "{rr} (from {low})", "zh": "{rr}（下限 {low}）"},
    "concentration_reading_sig": {
        "en": "{dimension}: the mix of categories differs by {dimension_lower} more than chance explains ({p}); "
              "the difference is {strength}.",
        "zh": "{dimension}：各{dimension_lower}的投诉类别构成差异超出偶然（{p}），差异程度{strength}。"},
    "concentration_reading_none": {
        "en": "{dimension}: no evidence that the mix of categories differs by {dimension_lower}.",
        "zh": "{dimension}：没有证据表明各{dimension_lower}的投诉类别构成不同。"},
    "heatmap_none": {
        "en": "No combination of category × {dimension_lower} differs from its expected count by more than chance "
              "explains, allowing for testing every combination at once.",
        "zh": "类别 × {dimension_lower}的各组合都没有超出偶然的偏差（已考虑同时检验所有组合）。"},
    "heatmap_cell": {"en": "{category} in {level}, {observed} against {expected} expected ({ratio})",
                     "zh": "“{level}”的{category}：{observed} 件，预期 {expected} 件（{ratio}）"},
    "heatmap_some": {
        "en": "{k} category × level combinations differ from the expected count by more than chance explains, "
              "allowing for testing every combination at once: {cells}.",
        "zh": "{k} 个“类别 × 取值”组合的偏差超出偶然（已考虑同时检验所有组合）：{cells}。"},
    "heatmap_one": {
        "en": "{k} category × level combination differs from the expected count by more than chance explains, "
              "allowing for testing every combination at once: {cells}.",
        "zh": "{k} 个“类别 × 取值”组合的偏差超出偶然（已考虑同时检验所有组合）：{cells}。"},
    "heatmap_legend": {"en": "Coloured: beyond chance after correction; grey: within chance",
                       "zh": "着色：经校正后仍显著；灰色：偶然波动范围内"},
    "note_model_missing": {"en": "{outcome}: {n} tickets with a missing value left out",
                           "zh": "{outcome}：{n} 件工单因有缺失值未计入"},
    "note_model_rare_reference": {"en": "{outcome}: {factor}: rare levels counted with the most common level (too "
                                        "few to estimate): {levels}",
                                  "zh": "{outcome}：{factor}：少见取值（样本太少，无法单独估计）并入最常见的取值：{levels}"},
    "note_model_rare_pooled": {"en": "{outcome}: {factor}: rare levels pooled: {levels}",
                               "zh": "{outcome}：{factor}：少见取值已合并：{levels}"},
    "note_model_one_level": {"en": "{outcome}: {factor}: only one level left, dropped from the model",
                             "zh": "{outcome}：{factor}：只剩一个取值，已从模型中去掉"},
    "note_model_separation": {"en": "{outcome}: the fit did not converge cleanly (possible separation); treat extreme "
                                    "odds ratios with care",
                              "zh": "{outcome}：模型未能完全收敛（可能存在完全分离），极端的比值比请谨慎解读"},
    "note_model_failed": {"en": "{outcome}: the model could not be fitted ({reason})",
                          "zh": "{outcome}：模型无法拟合（{reason}）"},
    "note_spike_level_not_searched": {"en": "spikes by {series} not searched: column tickets.{column} is absent or empty",
                                      "zh": "未按 {series} 检测激增：tickets.{column} 列缺失或为空"},
    "note_concentration_failed": {"en": "{message}", "zh": "{message}"},
    "note_changes_failed": {"en": "{message}", "zh": "{message}"},
    "note_spike_terms_failed": {"en": "{message}", "zh": "{message}"},
    "note_category_terms_failed": {"en": "{message}", "zh": "{message}"},
    "note_texts_sampled": {"en": "term analysis ({window} window): {sampled} of {n} complaint texts, a fixed "
                                 "sample by ticket id",
                           "zh": "词语分析（{window}窗口）：{n} 条投诉文本中按工单编号固定抽取的 {sampled} 条"},
    "note_contingency_missing": {"en": "{dimension}: {n} tickets without {row} or {dimension_lower} left out",
                                 "zh": "{dimension}：{n} 件工单缺少{row}或{dimension_lower}，未计入"},
    "note_contingency_pooled": {"en": "{dimension}: rare levels pooled: {levels}",
                                "zh": "{dimension}：少见取值已合并：{levels}"},
    "note_contingency_dropped": {"en": "{dimension}: {n} tickets of rare levels left out (too few for the test): {levels}",
                                 "zh": "{dimension}：少见取值的 {n} 件工单因数量太少未参与检验：{levels}"},
    "note_contingency_approximate": {"en": "{share} of expected counts below {min_expected}: p-value approximate",
                                     "zh": "{share} 的期望频数低于 {min_expected}：p 值为近似值"},
    "finding_volume": {"en": "{n} complaints in {period}; the largest category is {category} ({share}).",
                       "zh": "{period}共有 {n} 件投诉，最大的类别是{category}（{share}）。"},
    "finding_past_spike": {"en": "The largest spike, {where}: {excess} extra complaints in {when}.",
                           "zh": "最大的一次激增：{where}，{when}多出 {excess} 件投诉。"},
    "finding_no_root": {"en": "No finding passed the significance checks.", "zh": "没有通过显著性检验的发现。"},
    "finding_change": {"en": "{category}: {count} complaints against {previous_count} in {previous} ({p}).",
                       "zh": "{category}：{count} 件投诉，{previous}为 {previous_count} 件（{p}）。"},
    "finding_no_change": {"en": "No category changed significantly against {previous} ({now} complaints against "
                                "{before}).",
                          "zh": "与{previous}相比没有类别出现显著变化（{now} 件，上期 {before} 件）。"},
    "finding_resolution": {"en": "Slowest category, {category}: {sla} resolved within {hours} (target {target}).",
                           "zh": "最慢的类别{category}：{hours}内解决 {sla}（目标 {target}）。"},
    "complaints_changes_heading": {"en": "What changed since {previous}", "zh": "与{previous}相比的变化"},
    "change_up": {"en": "{category}: {count} complaints vs {previous} ({rr}× per day, 95% CI {low}–{high}, "
                        "adjusted p {p}).",
                  "zh": "{category}：{count} 件，上期 {previous} 件（日均为上期的 {rr} 倍，95% 置信区间 {low}–{high}，校正后 p 值 {p}）。"},
    "no_category_change": {"en": "No category changed by more than chance explains, allowing for testing every category at once; the largest move was "
                                 "{category}: {count} vs {previous}.",
                           "zh": "考虑到同时检验了所有类别，没有类别的变化超出偶然；变化最大的是{category}：{count} 件，上期 {previous} 件。"},
    "changes_adjust_note": {
        "en": "Why an interval can exclude 1 while the adjusted p is above 0.05: the intervals are for each category "
              "on its own; the adjusted p allows for testing {k} categories at once, where one of them moving by "
              "chance is likely. Only an adjusted p below 0.05 counts as a change.",
        "zh": "为何区间不含 1、校正后 p 值却高于 0.05：区间只针对单个类别；校正后 p 值考虑了同时检验 {k} 个类别"
              "——其中某个类别因偶然而变动并不少见。只有校正后 p 值低于 0.05 才算变化。"},
    "no_comparison": {"en": "No comparison period was given (parameter comparison).",
                      "zh": "未设置对比周期（参数 comparison）。"},
    "complaints_pareto_heading": {"en": "What customers complain about", "zh": "客户投诉什么"},
    "pareto_sentence": {"en": "{k} of {total} categories make up {share} of complaints: {names}.",
                        "zh": "{total} 个类别中的 {k} 个占投诉的 {share}：{names}。"},
    "pareto_title": {"en": "Complaints by category, {period}", "zh": "各类别投诉量（{period}）"},
    "pareto_sub_title": {"en": "Reasons inside {category}", "zh": "{category}的具体原因"},
    "complaints_spikes_heading": {"en": "Where it got worse: spikes", "zh": "哪里变差了：投诉激增"},
    "spike_method_stl": {"en": "Baseline: seasonal pattern from an STL decomposition ({season}-week season, clear "
                                "outliers replaced first) plus a rolling median of {window} weeks of the rest.",
                         "zh": "基线：STL 分解得到的季节模式（季节周期 {season} 周，先替换明显异常值）加上其余部分的 {window} 周滚动中位数。"},
    "note_short_history": {"en": "The data hold {weeks} complete weeks, fewer than the {needed} (two yearly cycles) a "
                                 "seasonal decomposition needs: the baseline is a rolling median of {window} weeks, so "
                                 "slow seasonal swings are followed but not modelled separately.",
                           "zh": "数据只有 {weeks} 个完整周，少于季节分解所需的 {needed} 周（两个年度周期）：基线改用 "
                                 "{window} 周滚动中位数，可跟随缓慢的季节波动，但不单独建模季节性。"},
    "spike_method_test": {"en": "A week is flagged when its robust z-score exceeds {threshold} (Bonferroni over "
                                "{tests} weekly tests, family-wise false-alarm rate 5%) and it is at least {ratio}× "
                                "the baseline and {excess} tickets above it.",
                          "zh": "当某周的稳健 z 值超过 {threshold}（对 {tests} 个周检验做 Bonferroni 校正，整体误报率 5%），"
                                "且至少为基线的 {ratio} 倍、超出 {excess} 件时，标记为激增。"},
    "no_spikes": {"en": "No spike in {lookback}.", "zh": "{lookback}内没有发现激增。"},
    "note_spikes_not_tested": {"en": "Spikes not tested: {weeks} complete weeks of history, at least {needed} needed (the "
                                "{window}-week rolling-median baseline plus {extra} weeks, so that a surge of a few "
                                "weeks cannot lift its own baseline).",
                          "zh": "未检测激增：历史数据只有 {weeks} 个完整周，至少需要 {needed} 周（{window} 周滚动中位数基线"
                                "再加 {extra} 周，以免持续数周的激增抬高自身的基线）。"},
    "spikes_found": {"en": "{n} spike(s) in {lookback}; {n_period} overlap the reporting period.",
                     "zh": "{lookback}内发现 {n} 次激增，其中 {n_period} 次与本期重叠。"},
    "spike_chart_title": {"en": "{where}: weekly complaints and baseline", "zh": "{where}：每周投诉量与基线"},
    "spike_terms_heading": {"en": "What the spike's complaints say", "zh": "激增期间的投诉内容"},
    "weekly_title": {"en": "Complaints per week by {group}", "zh": "按{group}的每周投诉量"},
    "complaints_concentration_heading": {"en": "Where complaints are concentrated", "zh": "投诉集中在哪里"},
    "concentration_sentence": {"en": "{dimension}: chi-square {chi2} (df {dof}), {p}, Cramér's V {v} ({strength}).",
                               "zh": "{dimension}：卡方 {chi2}（自由度 {dof}），{p}，克莱姆 V 系数 {v}（{strength}）。"},
    "concentration_method": {"en": "Cells marked are over-represented: adjusted standardised residual significant after "
                                   "Bonferroni correction over the cells. A level with fewer than 5 × (levels of the other "
                                   "dimension) tickets — expected count below 5 in an average cell — is rare: rare "
                                   "levels are pooled and shown by name, and a rare level or pool still too small for "
                                   "the test is left out (both named below). Only cells with at least {ratio}× their "
                                   "expected count are listed in “What to fix first”.",
                             "zh": "标出的组合为显著偏多：调整标准化残差经 Bonferroni 校正后仍显著。工单数少于 5 ×（另一维度取值个数）"
                                   "的取值（平均单元格期望频数低于 5）视为少见：少见取值合并后按名称列出，合并后仍太少而无法检验的"
                                   "取值不参与检验（见下文）。只有实际数至少为预期 {ratio} 倍的组合才列入“优先整改事项”。"},
    "concentration_pooled": {"en": "{dimension}: {k} rare levels pooled into one ({names}).",
                             "zh": "{dimension}：{k} 个少见取值合并为一组（{names}）。"},
    "concentration_pooled_rows": {"en": "In the {dimension} test: {k} rare categories pooled into one ({names}).",
                                  "zh": "{dimension}检验中：{k} 个少见类别合并为一组（{names}）。"},
    "concentration_dropped_rows": {"en": "In the {dimension} test: {n} tickets of rare categories left out, too few "
                                         "to test: {levels}.",
                                   "zh": "{dimension}检验中：少见类别的 {n} 件工单因数量太少未参与检验：{levels}。"},
    "concentration_dropped": {"en": "{dimension}: {n} tickets left out of the test, too few to test: {levels}.",
                              "zh": "{dimension}：{n} 件工单因数量太少未参与检验：{levels}。"},
    "pooled_levels": {"en": "{names}", "zh": "{names}"},
    "pooled_levels_many": {"en": "{k} rare levels: {names}", "zh": "{k} 个少见取值：{names}"},
    "change_new": {"en": "new (0 before)", "zh": "新增（上期为 0）"},
    "change_new_sentence": {"en": "{category}: {count} complaints, none in the previous period (adjusted p {p}).",
                            "zh": "{category}：{count} 件投诉，上期为 0（校正后 p 值 {p}）。"},
    "spike_level_in": {"en": "{dimension} {level}", "zh": "{dimension}“{level}”"},
    "note_concentration_nested": {"en": "{dimension} not tested: {share} of tickets have the category most common for their "
                                   "{dimension_lower}, so each lies within one category (a finer classification) and a "
                                   "test of independence would say nothing.",
                             "zh": "{dimension}未检验：{share} 的工单属于其{dimension_lower}最常见的类别，即每个{dimension_lower}都从属于"
                                   "一个类别（更细的分类），独立性检验没有意义。"},
    "note_concentration_untestable": {"en": "{dimension} not tested: {message}", "zh": "{dimension}未检验：{message}"},
    "strength_negligible": {"en": "negligible", "zh": "可忽略"},
    "strength_weak": {"en": "weak", "zh": "弱"},
    "strength_moderate": {"en": "moderate", "zh": "中等"},
    "strength_strong": {"en": "strong", "zh": "强"},
    "residual_title": {"en": "Adjusted residuals: category × {dimension}", "zh": "调整残差：类别 × {dimension}"},
    "complaints_outcomes_heading": {"en": "Why outcomes go bad", "zh": "结果为何变差"},
    "outcomes_method": {"en": "Logistic regressions (one per outcome) on {covariates}; odds ratios against the most "
                              "common level, 95% Wald intervals, p-values Holm-adjusted over all terms. A repeat complaint is "
                              "another ticket by the same customer within {days} days. Rare levels are pooled.",
                        "zh": "逻辑回归（每个结果一个模型），因素：{covariates}；比值比相对最常见的取值，95% Wald 置信区间，"
                              "p 值对全部项做 Holm 校正。重复投诉指同一客户在 {days} 天内再次提交工单。少见取值已合并。"},
    "outcome_summary": {"en": "{outcome}: {rate} of {n} tickets.", "zh": "{outcome}：{n} 件工单中占 {rate}。"},
    "odds_chart_title": {"en": "Odds ratios of significant factors", "zh": "显著因素的比值比"},
    "no_outcome_drivers": {"en": "In the {k} model(s) fitted, no factor changes the odds of a bad outcome "
                                 "significantly (Holm-adjusted p < 0.05).",
                           "zh": "在已拟合的 {k} 个模型中，没有因素显著改变不良结果的几率（Holm 校正后 p < 0.05）。"},
    "complaints_resolution_heading": {"en": "Resolution performance by category", "zh": "各类别的解决表现"},
    "resolution_sentence": {"en": "Slowest category: {category}, median {median} to resolve, {sla} within {hours}.",
                            "zh": "最慢的类别：{category}，解决时长中位数 {median}，{hours}内解决 {sla}。"},
    "resolution_chart_title": {"en": "Hours to resolve by category (log scale)", "zh": "各类别解决时长（对数刻度）"},
    "complaints_words_heading": {"en": "What the words say", "zh": "投诉文本说了什么"},
    "words_method": {"en": "Terms most distinctive of each group by weighted log-odds with an informative Dirichlet "
                           "prior (Monroe, Colaresi & Quinn 2008); Chinese text segmented with jieba; at most {cap} "
                           "texts per group. Examples are masked for personal data.",
                     "zh": "按带信息先验（Dirichlet）的加权对数几率比找出各组最有代表性的词（Monroe、Colaresi 和 Quinn，2008）；"
                           "中文用结巴分词；每组最多 {cap} 条文本。示例已做个人信息脱敏。"},
    "no_spike_terms": {"en": "No term stands out in the spike weeks (weighted log-odds z > 1.96 in at least 5 texts): "
                             "{n} complaint texts in the spike weeks, {m} in the usual weeks around them.",
                       "zh": "激增周内没有突出的词语（加权对数几率 z > 1.96 且至少出现在 5 条文本中）：激增周有 {n} 条投诉文本，"
                             "前后平常周有 {m} 条。"},
    "no_category_terms": {"en": "No term stands out in any category (weighted log-odds z > 1.96 in at least 5 texts; "
                                "{n} complaint texts).",
                          "zh": "各类别都没有突出的词语（加权对数几率 z > 1.96 且至少出现在 5 条文本中；共 {n} 条投诉文本）。"},
    "no_texts": {"en": "No complaint texts (column description) to analyse.", "zh": "没有可分析的投诉文本（description 列）。"},
    "complaints_data_heading": {"en": "Data and method notes", "zh": "数据与方法说明"},
    "complaints_notes": {"en": "Notes from the analysis:", "zh": "分析说明："},
    "spike_where_level": {"en": "{level}", "zh": "{level}"},
}

__all__ = ["CODES", "PHRASES"]
