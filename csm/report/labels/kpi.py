"""Labels and phrases of the KPI scorecard (notebooks/kpi_scorecard) added for real exports: sections
left out for a missing input, targets not evaluated, business-hour calendars.

Merged into :mod:`csm.report.labels` (use :func:`~csm.report.labels.label` and
:func:`~csm.report.labels.phrase`); every entry has ``en`` and ``zh``.
"""

#: Codes (scorecard sections, target status words) -> display labels.
CODES: dict[str, dict[str, str]] = {
    "kpi_section_csat": {"en": "Customer satisfaction (CSAT, and the team CSAT league)",
                         "zh": "客户满意度（含各团队满意度排名）"},
    "kpi_section_nps": {"en": "Net Promoter Score", "zh": "净推荐值（NPS）"},
    "kpi_section_fcr": {"en": "First-contact resolution (scorecard, control chart, team and agent league)",
                        "zh": "首次解决率（记分卡、控制图、团队与客服排名）"},
    "kpi_section_aht": {"en": "Average handle time (scorecard and control chart)",
                        "zh": "平均处理时长（记分卡与控制图）"},
    "kpi_section_first_response": {"en": "First response time (overall and by channel)",
                                   "zh": "首次响应时长（整体及各渠道）"},
    "kpi_section_resolution": {"en": "Resolution time and the SLA rate", "zh": "解决时长与 SLA 达成率"},
    "kpi_section_churn": {"en": "Churn rate", "zh": "客户流失率"},
    "kpi_section_team_league": {"en": "Team league tables", "zh": "团队排名"},
    "kpi_section_agent_league": {"en": "Agent league table", "zh": "客服排名"},
    "not_evaluated": {"en": "Not evaluated", "zh": "未评估"},
}

#: Sections whose English name is plural ("Team league tables", "Resolution time and the SLA rate"): their
#: sentence says "are left out: they need …" (:func:`csm.report.kpi.skipped_sentences`).
PLURAL_SECTIONS = frozenset({"resolution", "team_league"})

PHRASES: dict[str, dict[str, str]] = {
    "kpi_section_skipped": {
        "en": "{section} is left out: it needs {needs}, which the data does not have.",
        "zh": "未显示{section}：这部分需要 {needs}，而数据中没有。",
    },
    "kpi_sections_skipped": {
        "en": "{section} are left out: they need {needs}, which the data does not have.",
        "zh": "未显示{section}：这部分需要 {needs}，而数据中没有。",
    },
    "kpi_target_thin_baseline": {
        "en": "{kpi}: target not evaluated — its baseline {window} has data in only {n} of its {total} periods "
              "(at least {share} are needed for a baseline). Change the parameter {parameter} (e.g. "
              "previous_period or a number) or remove the target.",
        "zh": "{kpi}：未评估目标——其基准期 {window} 的 {total} 个周期中只有 {n} 个有数据（基准至少需要 {share} "
              "的周期有数据）。请修改参数 {parameter}（如 previous_period 或一个数值），或删除该目标。",
    },
    "kpi_no_projection": {
        "en": "No projection to {deadline}: the trend has {n} period(s) with data, at least {needed} are needed.",
        "zh": "未预测至 {deadline} 的走势：趋势中只有 {n} 个周期有数据，至少需要 {needed} 个。",
    },
    "league_extremes_heading": {
        "en": "{kpi} by {group}: best and worst", "zh": "各{group}{kpi}：最佳与最差名单",
    },
    "kpi_target_skipped": {
        "en": "{kpi}: target not evaluated — its baseline {window} has no data. Change the parameter {parameter} "
              "(e.g. previous_12_months, same_period_last_year or a number) or remove the target.",
        "zh": "{kpi}：未评估目标——其基准期 {window} 没有数据。请修改参数 {parameter}"
              "（如 previous_12_months、same_period_last_year 或一个数值），或删除该目标。",
    },
    "kpi_baseline_partial": {
        "en": "{kpi}: the baseline {window} rests on {n} of {total} periods with data.",
        "zh": "{kpi}：基准期 {window} 中仅有 {n}/{total} 个周期有数据。",
    },
    "kpis_met_of_evaluated": {
        "en": "{met} of the {total} KPI targets that could be evaluated were met.",
        "zh": "可评估的 {total} 项指标目标中有 {met} 项达标。",
    },
    "kpi_only_target_met": {
        "en": "The only KPI target that could be evaluated was met.",
        "zh": "唯一可评估的指标目标已达标。",
    },
    "kpi_only_target_not_met": {
        "en": "The only KPI target that could be evaluated was not met.",
        "zh": "唯一可评估的指标目标未达标。",
    },
    "no_target_evaluated": {
        "en": "No KPI target could be evaluated for this period (see the notes below).",
        "zh": "本期没有可评估的指标目标（见下方说明）。",
    },
    "holidays_not_covered": {
        "en": "Business hours: the holidays list covers {covered}, not {missing}; public holidays in {missing} "
              "count as working days. Extend the parameter holidays to fix this.",
        "zh": "工作时间：节假日列表仅覆盖 {covered}，未覆盖 {missing}；{missing} 的公众假期按工作日计算。"
              "请补充参数 holidays。",
    },
    "holidays_none": {
        "en": "Business hours: no public holidays are given (parameter holidays), so every working weekday counts.",
        "zh": "工作时间：未提供公众假期（参数 holidays），所有工作日均计入。",
    },
    # summary findings and readings (csm.report.kpi)
    "kpi_more_days": {"en": " and {n} more", "zh": "等，另有 {n} 天"},
    "league_indistinct": {
        "en": "None of the {n} {group_lower}s has an interval wholly above or below the overall {overall}: with "
              "these numbers of cases the {group_lower}s cannot be told apart, so no ranking or best/worst list "
              "is shown (it would be mostly chance).",
        "zh": "全部 {n} 个{group_lower}的区间都与整体水平 {overall} 重叠：在现有样本量下无法区分各{group_lower}的表现，"
              "因此不列排名及最佳/最差名单（其先后主要出于偶然）。",
    },
    "league_above": {"en": "{k} lie above it ({names})", "zh": "{k} 个高于整体（{names}）"},
    "league_below": {"en": "{k} lie below it ({names})", "zh": "{k} 个低于整体（{names}）"},
    "league_distinct": {
        "en": "Of the {n} {group_lower}s, {parts}, with intervals wholly on that side of the overall {overall}; "
              "the other {rest} cannot be told apart from the overall level.",
        "zh": "{n} 个{group_lower}中，{parts}，其区间完全位于整体水平 {overall} 的一侧；其余 {rest} 个与整体水平无法区分。",
    },
    "channel_fast_slow": {
        "en": "Fastest first response: {fast}, {fast_value}; slowest: {slow}, {slow_value} ({times}× as long).",
        "zh": "首次响应最快的是{fast}（{fast_value}），最慢的是{slow}（{slow_value}，为前者的 {times} 倍）。",
    },
    "kpi_finding_targets_missed": {"en": "{met} of {total} KPI targets met in {period}; missed: {missed}.",
                                   "zh": "{period}，{total} 项指标目标中有 {met} 项达标；未达标：{missed}。"},
    "kpi_not_tested": {"en": "not tested", "zh": "未检验"},
    "kpi_median_untested": {"en": "No p-value: a change in a median time is not tested here; read the change against "
                                  "the interval of each period.",
                            "zh": "无 p 值：中位时长的变化在此未做检验，请对照各期的区间解读变化。"},
    "league_too_few_note": {"en": " {k} {group_lower}s with fewer than {min_n} cases are not rated.",
                            "zh": "另有 {k} 个{group_lower}案例少于 {min_n} 件，未评级。"},
    "kpi_finding_targets": {"en": "{met} of {total} KPI targets met in {period}.",
                            "zh": "{period}，{total} 项指标目标中有 {met} 项达标。"},
    "kpi_finding_met": {"en": "{kpi}: {value}, target {target} — met.", "zh": "{kpi}：{value}，目标 {target}，已达标。"},
    "kpi_finding_missed": {"en": "{kpi}: {value} against a target of {target} — missed.",
                           "zh": "{kpi}：{value}，目标 {target}，未达标。"},
    "kpi_finding_at_risk": {"en": "{kpi}: {value} against a target of {target} — not met yet, within reach.",
                            "zh": "{kpi}：{value}，目标 {target}，尚未达标，但有望达成。"},
    "kpi_finding_on_track": {"en": " The trend reaches it by {deadline}.", "zh": "按当前趋势可在 {deadline} 前达到。"},
    "kpi_finding_off_track": {"en": " At the current trend, not by {deadline}.",
                              "zh": "按当前趋势无法在 {deadline} 前达到。"},
    "kpi_finding_changed": {"en": "{kpi} moved from {previous} in {comparison} to {value} ({p}).",
                            "zh": "{kpi}由{comparison}的 {previous} 变为 {value}（{p}）。"},
    "kpi_finding_no_change": {"en": "No KPI changed significantly against {comparison}.",
                              "zh": "与{comparison}相比，没有指标发生显著变化。"},
    "kpi_finding_signal": {"en": "{kpi} left its control limits on {n_days}: {days}.",
                           "zh": "{kpi}有 {n_days}超出控制限：{days}。"},
    "kpi_finding_none": {"en": "No KPI target is set or could be evaluated for {period}.",
                         "zh": "{period}没有设定或可评估的指标目标。"},
    "out_of_control_days": {
        "en": "{kpi} fell outside its control limits on {n_days} ({days}): on those days something beyond "
              "everyday variation was at work — worth finding out what happened.",
        "zh": "{kpi}有 {n_days}超出控制限（{days}）：这些天出现了超出日常波动的情况，值得查明原因。",
    },
    "kpi_by_deadline": {"en": " by {deadline}", "zh": "，截止 {deadline}"},
    # KPI definitions (the Note in csm.kpi's ``definition`` column, worded by csm.report.kpi.definition_text)
    "kpi_definition_csat_mean": {"en": "mean CSAT score (1–5) of responses submitted in the period",
                                 "zh": "本期提交的满意度评分（1–5 分）的平均值"},
    "kpi_definition_csat_pct_satisfied": {"en": "% of CSAT responses scoring {scores}",
                                          "zh": "满意度评分为 {scores} 分的回复占比"},
    "kpi_definition_nps": {"en": "% promoters (9–10) − % detractors (0–6) of NPS responses in the period",
                           "zh": "本期 NPS 回复中推荐者（9–10 分）占比减去贬损者（0–6 分）占比"},
    "kpi_definition_fcr_flag": {"en": "% of resolved tickets with first_contact_resolved = true",
                                "zh": "已解决工单中标记为首次接触即解决的占比"},
    "kpi_definition_fcr_flag_all": {
        "en": "% of tickets with first_contact_resolved = true (tickets.resolved_at missing: all tickets with the flag)",
        "zh": "标记为首次接触即解决的工单占比（数据缺少解决时间：计入所有带该标记的工单）"},
    "kpi_definition_fcr_contacts": {"en": "% of resolved tickets needing one contact (contacts == 1)",
                                    "zh": "只需一次接触即解决的已解决工单占比"},
    "kpi_definition_fcr_flag_among_resolved": {"en": "first_contact_resolved among resolved tickets",
                                               "zh": "已解决工单中首次接触即解决的占比"},
    "kpi_definition_fcr": {"en": "% of resolved tickets resolved at first contact", "zh": "已解决工单中首次接触即解决的占比"},
    "kpi_definition_aht": {"en": "{statistic} handle_time_minutes of tickets created in the period",
                           "zh": "本期创建工单的处理时长（分钟）{statistic}"},
    "kpi_definition_first_response": {
        "en": "{statistic} {clock}-clock minutes from created_at to first_response_at (tickets without a reply left out)",
        "zh": "从创建到首次响应的{clock}分钟数{statistic}（未回复的工单不计入）"},
    "kpi_definition_first_response_channel": {
        "en": "{statistic} {clock}-clock minutes from created_at to first_response_at (tickets without a reply left "
              "out); channel {channel}",
        "zh": "从创建到首次响应的{clock}分钟数{statistic}（未回复的工单不计入）；渠道：{channel}"},
    "kpi_definition_resolution": {"en": "{statistic} {clock}-clock hours from created_at to resolved_at (resolved tickets)",
                                  "zh": "从创建到解决的{clock}小时数{statistic}（仅已解决工单）"},
    "kpi_definition_sla": {
        "en": "% of tickets resolved within {hours} {clock} hours; unresolved tickets older than the SLA at {as_of} "
              "count as breaches, younger ones are left out",
        "zh": "在 {hours} 个{clock}小时内解决的工单占比；截至{as_of}仍未解决且已超过 SLA 时限的工单计为未达标，未超过的不计入"},
    "kpi_definition_complaints": {"en": "tickets created in the period", "zh": "本期创建的工单数"},
    "kpi_definition_complaints_of": {"en": "tickets of categories {categories} created in the period",
                                     "zh": "本期创建的{categories}类工单数"},
    "kpi_definition_churn": {
        "en": "customers with churn_date in the period / customers active at its start × 100 (signed up before the "
              "start, not churned before it; new sign-ups in the period excluded)",
        "zh": "本期流失客户数 ÷ 期初活跃客户数 × 100（期初前注册且此前未流失的客户；本期新注册客户不计入）"},
    # notes of csm.kpi (csm.notes.Note codes, rendered by csm.report.labels.note_text)
    "note_missing_table": {"en": "{table} table not provided", "zh": "未提供 {table} 表"},
    "note_missing_column": {"en": "{table}.{column} missing", "zh": "{table} 表缺少 {column} 列"},
    "note_no_csat_responses": {"en": "no CSAT responses in period", "zh": "本期没有满意度评分"},
    "note_no_nps_responses": {"en": "no NPS responses in period", "zh": "本期没有 NPS 评分"},
    "note_no_resolved_tickets": {"en": "no resolved tickets in period", "zh": "本期没有已解决的工单"},
    "note_no_handle_time": {"en": "no tickets with handle time in period", "zh": "本期没有带处理时长的工单"},
    "note_no_answered_tickets": {"en": "no answered tickets in period", "zh": "本期没有已响应的工单"},
    "note_no_sla_outcome": {"en": "no tickets with a known SLA outcome in period",
                            "zh": "本期没有可判定 SLA 结果的工单"},
    "note_no_active_customers": {"en": "no customers active at period start", "zh": "期初没有活跃客户"},
    "note_negative_durations": {"en": "{n} ticket(s) with {column} before created_at left out",
                                "zh": "{n} 张 {column} 早于 created_at 的工单未计入"},
    "note_partly_covered": {"en": "period only partly covered by ticket data ({first} to {last})",
                            "zh": "工单数据仅部分覆盖本期（{first} 至 {last}）"},
    "note_outside_data": {"en": "period outside the ticket data ({first} to {last})",
                          "zh": "本期不在工单数据范围内（{first} 至 {last}）"},
    "note_churned_without_date": {"en": "{n} customer(s) marked churned without churn_date left out",
                                  "zh": "{n} 位标记为流失但没有流失日期的客户未计入"},
    # notes of csm.kpi.evaluate_targets
    "note_no_estimate": {"en": "no estimate on or before {as_of}", "zh": "{as_of} 及之前没有估计值"},
    "note_baseline_first_period": {"en": "baseline = first period {start}", "zh": "基准为首个周期 {start}"},
    "note_baseline_empty": {
        "en": "no data in the baseline {window} ({parameter} = {value}): target not evaluated; set {parameter} to a "
              "window the data covers (same_period_last_year, previous_12_months, previous_period), a number, or "
              "remove the target",
        "zh": "基准期 {window} 没有数据（{parameter} = {value}）：未评估目标；请将 {parameter} 设为数据覆盖的时间窗口"
              "（same_period_last_year、previous_12_months、previous_period）或一个数值，或删除该目标"},
    "note_baseline_thin": {
        "en": "baseline {window} has data in only {n} of {total} trend periods (at least {needed} needed; "
              "{parameter} = {value}): target not evaluated; set {parameter} to a window the data covers, a number, "
              "or remove the target",
        "zh": "基准期 {window} 的 {total} 个周期中只有 {n} 个有数据（至少需要 {needed} 个；{parameter} = {value}）："
              "未评估目标；请将 {parameter} 设为数据覆盖的时间窗口或一个数值，或删除该目标"},
    "note_baseline_partial": {"en": "baseline {window} from {n} of {total} trend periods (the rest have no data)",
                              "zh": "基准期 {window} 取自 {total} 个周期中的 {n} 个（其余没有数据）"},
    "note_no_projection": {"en": "trend of {n} period(s): no projection to {deadline} (needs at least {needed})",
                           "zh": "趋势只有 {n} 个周期：未预测至 {deadline}（至少需要 {needed} 个）"},
    "league_reference_note": {
        "en": "Dashed line: the overall {overall}.", "zh": "虚线：整体水平 {overall}。",
    },

}

#: The words a KPI definition's parameters take (``statistic``, ``clock``, ``as_of``) in each language.
DEFINITION_TERMS: dict[str, dict[str, dict[str, str]]] = {
    "statistic": {"mean": {"en": "mean", "zh": "平均值"}, "median": {"en": "median", "zh": "中位数"}},
    "clock": {"calendar": {"en": "calendar", "zh": "自然时间"}, "business": {"en": "business", "zh": "工作时间"}},
    "as_of": {"period_end": {"en": "the period end", "zh": "期末"},
              "latest": {"en": "the latest data timestamp", "zh": "最新数据时间"}},
}

__all__ = ["CODES", "DEFINITION_TERMS", "PHRASES", "PLURAL_SECTIONS"]
