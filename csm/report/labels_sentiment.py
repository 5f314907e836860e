"""Labels and phrases of feedback sentiment (notebooks/feedback_sentiment).

Merged into :mod:`csm.report.labels` (use :func:`~csm.report.labels.label` and
:func:`~csm.report.labels.phrase` to show them); same rules: every entry has
``en`` and ``zh``, a code has one meaning across the project.
"""

#: Codes (dimension values, column headers, model terms …) -> display labels.
CODES: dict[str, dict[str, str]] = {
    "aspect": {"en": "Aspect", "zh": "方面"},
    "no_ticket": {"en": "No ticket (relationship survey)", "zh": "无工单（关系调研）"},
    "aspect_response_speed": {"en": "Response speed", "zh": "响应速度"},
    "aspect_service_attitude": {"en": "Service attitude", "zh": "服务态度"},
    "aspect_product_quality": {"en": "Product quality", "zh": "产品质量"},
    "aspect_logistics": {"en": "Logistics", "zh": "物流配送"},
    "aspect_after_sales": {"en": "After-sales", "zh": "售后服务"},
    "aspect_price": {"en": "Price", "zh": "价格"},
    "aspect_agent_knowledge": {"en": "Agent knowledge", "zh": "客服专业度"},
    "aspect_resolution": {"en": "Problem solving", "zh": "问题解决"},
    "polarity": {"en": "Polarity", "zh": "情感得分"},
    "subjectivity": {"en": "Subjectivity", "zh": "主观度"},
    "mean_polarity": {"en": "Mean polarity", "zh": "平均情感得分"},
    "share_negative": {"en": "Negative share", "zh": "负面占比"},
    "share_neutral": {"en": "Neutral share", "zh": "中性占比"},
    "share_positive": {"en": "Positive share", "zh": "正面占比"},
    "polarity_ci_low": {"en": "Polarity CI low", "zh": "得分区间下限"},
    "polarity_ci_high": {"en": "Polarity CI high", "zh": "得分区间上限"},
    "mentions": {"en": "Mentions", "zh": "提及次数"},
    "negative_mentions": {"en": "Negative mentions", "zh": "负面提及"},
    "negativity": {"en": "Negativity", "zh": "负面强度"},
    "impact": {"en": "Impact (volume × negativity)", "zh": "影响（数量×负面强度）"},
    "rating": {"en": "Rating", "zh": "评分"},
    "rating_label": {"en": "Label from rating", "zh": "评分对应类别"},
    "sentiment_label": {"en": "Label from text", "zh": "文本情感类别"},
    "agreement": {"en": "Agreement", "zh": "一致率"},
    "agreement_ci_low": {"en": "Agreement CI low", "zh": "一致率区间下限"},
    "agreement_ci_high": {"en": "Agreement CI high", "zh": "一致率区间上限"},
    "spearman_rho": {"en": "Spearman ρ", "zh": "斯皮尔曼相关系数"},
    "example": {"en": "Example (masked)", "zh": "示例（已脱敏）"},
    "rating_csat": {"en": "CSAT (1–5)", "zh": "满意度（1–5）"},
    "rating_nps": {"en": "Likelihood to recommend (0–10)", "zh": "推荐意愿（0–10）"},
    "comments": {"en": "Comments", "zh": "评论数"},
    # report sections that can be left out (record("skipped", ...) codes)
    "sentiment_section_breakdowns": {"en": "Sentiment by channel, team, category and agent",
                                     "zh": "按渠道、团队、类别和客服的情感分布"},
    "sentiment_section_by_channel": {"en": "Sentiment by channel", "zh": "按渠道的情感分布"},
    "sentiment_section_by_team": {"en": "Sentiment by team", "zh": "按团队的情感分布"},
    "sentiment_section_by_category": {"en": "Sentiment by category", "zh": "按类别的情感分布"},
    "sentiment_section_by_agent": {"en": "Sentiment by agent", "zh": "按客服的情感分布"},
    "sentiment_section_validity": {"en": "The check of text sentiment against survey ratings",
                                   "zh": "文本情感与问卷评分的对比检验"},
}

#: Report sentences and headings: key -> ``str.format`` template per language.
PHRASES: dict[str, dict[str, str]] = {
    "sentiment_title": {"en": "Customer feedback sentiment — {period}", "zh": "客户反馈情感分析 — {period}"},
    "sentiment_headline": {
        "en": "{n:,} {noun} in {period}: {neg:.1%} negative ({lo:.1%}–{hi:.1%}), {prev_text}.",
        "zh": "{period}共 {n:,} 条{noun}：负面占 {neg:.1%}（{lo:.1%}–{hi:.1%}），{prev_text}。"},
    "sentiment_headline_few": {
        "en": "Few texts: only {n:,} {noun} in {period} (fewer than {min_n}), {k:,} of them negative — {neg:.1%}, "
              "but with so few texts the share could be anywhere from {lo:.1%} to {hi:.1%}; {prev_text}.",
        "zh": "文本过少：{period}仅有 {n:,} 条{noun}（不足 {min_n} 条），其中负面 {k:,} 条，占 {neg:.1%}；"
              "文本这么少，该占比可能在 {lo:.1%} 至 {hi:.1%} 之间；{prev_text}。"},
    "sentiment_prev": {"en": "{prev:.1%} of the {n_prev:,} {noun} in {previous} (difference {diff}, {p})",
                       "zh": "{previous}的 {n_prev:,} 条{noun}中为 {prev:.1%}（差异 {diff}，{p}）"},
    "sentiment_no_prev": {"en": "no comparison period", "zh": "无对比期"},
    "sentiment_prev_empty": {"en": "no {noun} in {previous} to compare with", "zh": "{previous}没有{noun}可供对比"},
    "sentiment_language_line": {
        "en": "{language}, {period}: {n:,} {noun}, mean polarity {mean:+.2f} ({lo:+.2f} to {hi:+.2f}).",
        "zh": "{period}{language}：{n:,} 条{noun}，平均情感得分 {mean:+.2f}（{lo:+.2f} 至 {hi:+.2f}）。"},
    "sentiment_window": {"en": "the {months} months {start} to {end}", "zh": "{start} 至 {end} 这 {months} 个月"},
    "sentiment_window_dates": {"en": "{start} to {end}", "zh": "{start} 至 {end}"},
    "sentiment_window_line": {
        "en": "Over {window}: {n:,} {noun}, {neg:.1%} negative ({lo:.1%}–{hi:.1%}).",
        "zh": "{window}：共 {n:,} 条{noun}，负面占 {neg:.1%}（{lo:.1%}–{hi:.1%}）。"},
    "sentiment_top_aspects": {
        "en": "Over {window}, negative {noun} concentrate on {a1} ({s1:.0%} of the {k:,} negative {noun}) and {a2} "
              "({s2:.0%}).",
        "zh": "{window}中，负面{noun}主要集中在{a1}（占 {k:,} 条负面{noun}的 {s1:.0%}）和{a2}（{s2:.0%}）。"},
    "sentiment_top_aspect": {
        "en": "Over {window}, negative {noun} concentrate on {a1} ({s1:.0%} of the {k:,} negative {noun}).",
        "zh": "{window}中，负面{noun}主要集中在{a1}（占 {k:,} 条负面{noun}的 {s1:.0%}）。"},
    "sentiment_noun_responses": {"en": "comments", "zh": "评论"},
    "sentiment_noun_tickets": {"en": "ticket descriptions", "zh": "工单描述"},
    "sentiment_source_tickets": {
        "en": "The texts scored are the tickets' descriptions (tickets.description, {n:,} tickets with text): {why}",
        "zh": "本报告分析的是工单描述（tickets.description，共 {n:,} 张有文字的工单）：{why}"},
    "sentiment_source_why_auto": {
        "en": "the data has no survey comments (responses.comment), and text_source is 'auto'.",
        "zh": "数据中没有问卷评论（responses.comment），且 text_source 为“auto”。"},
    "sentiment_source_why_asked": {"en": "text_source is 'tickets'.", "zh": "text_source 设为“tickets”。"},
    "sentiment_latest_moved": {
        "en": "The latest complete month of the data, {empty}, has no {noun}; the report covers {period}, the latest "
              "month with {noun}.",
        "zh": "数据中最近的完整月份 {empty} 没有{noun}；本报告改为分析有{noun}的最近月份 {period}。"},
    "sentiment_period_empty": {
        "en": "The period {period} holds no {noun}: they run from {start} to {end}. Choose a period inside that range "
              "(parameter period) or period = 'latest'.",
        "zh": "报告期 {period} 内没有{noun}：数据期间为 {start} 至 {end}。请在此范围内选择报告期（参数 period），或设为“latest”。"},
    "sentiment_skipped": {"en": "{section} is left out: it needs {needs}.",
                          "zh": "未显示{section}：需要 {needs}。"},
    "sentiment_needs_table": {"en": "the {table} table", "zh": "{table} 表"},
    "sentiment_needs_link": {"en": "responses.ticket_id (to link each comment to its ticket)",
                             "zh": "responses.ticket_id（用于把评论关联到工单）"},
    "sentiment_needs_ratings": {"en": "survey comments with a rating (responses.csat or responses.nps)",
                                "zh": "带评分的问卷评论（responses.csat 或 responses.nps）"},
    "sentiment_distribution_heading": {"en": "Sentiment by channel, team, category and agent",
                                       "zh": "按渠道、团队、类别和客服的情感分布"},
    "sentiment_window_note": {
        "en": "Breakdowns cover {window} ({n:,} {noun}){why}.",
        "zh": "分组统计覆盖{window}（{n:,} 条{noun}）{why}。"},
    "sentiment_window_why": {"en": ", so that {groups} have enough {noun}", "zh": "，以保证{groups}有足够的{noun}"},
    "sentiment_groups_team": {"en": "teams", "zh": "团队"},
    "sentiment_groups_agent_id": {"en": "agents", "zh": "客服"},
    "sentiment_share_title": {"en": "Negative share by {group}", "zh": "按{group}的负面占比"},
    "sentiment_agents_none": {
        "en": "No agent has {min_n} or more {noun} in the window, so none is ranked.",
        "zh": "该时间窗口内没有{noun}数达到 {min_n} 的客服，因此不做排名。"},
    "sentiment_levels_note": {
        "en": "Charts show the {n} largest groups; the rest are pooled as \"all others\".",
        "zh": "图中显示数量最多的 {n} 个组，其余合并为“其他”。"},
    "sentiment_agents_note": {
        "en": "Agents with at least {min_n} comments, highest negative share first.",
        "zh": "至少有 {min_n} 条评论的客服，按负面占比从高到低。"},
    "sentiment_trend_heading": {"en": "Trend", "zh": "趋势"},
    "sentiment_trend_title": {"en": "Negative share of {noun} per month", "zh": "每月负面{noun}占比"},
    "sentiment_aspects_heading": {"en": "What negative feedback is about", "zh": "负面反馈的内容"},
    "sentiment_aspects_note": {
        "en": "Aspects of the {n:,} {noun} of {window}, ranked by negative volume × negativity (mean −polarity of "
              "the negative {noun}); shares are of the {noun} mentioning the aspect.",
        "zh": "{window}的 {n:,} 条{noun}中提及的各方面，按负面数量×负面强度（负面{noun}平均得分的相反数）排序；"
              "占比以提及该方面的{noun}为基数。"},
    "sentiment_aspects_none": {"en": "Not mentioned in any of the {noun} of {window}: {aspects}.",
                               "zh": "{window}的{noun}中未提及：{aspects}。"},
    "sentiment_aspect_chart_title": {"en": "Negative {noun} by aspect", "zh": "各方面的负面{noun}数"},
    "sentiment_examples_heading": {"en": "Example negative {noun} (personal data masked)",
                                   "zh": "负面{noun}示例（个人信息已脱敏）"},
    "sentiment_validity_heading": {"en": "How far to trust the scores", "zh": "情感得分的可信度"},
    "sentiment_validity_text": {
        "en": "Text sentiment against the rating given in the same survey response: Spearman correlation of "
              "polarity with CSAT and NPS, and agreement of the text label with the label implied by the rating "
              "(CSAT 1–2 / 3 / 4–5, NPS 0–6 / 7–8 / 9–10), per language.",
        "zh": "文本情感与同一问卷中评分的对比：情感得分与客户满意度、净推荐值的斯皮尔曼相关，以及文本类别与评分对应类别"
              "（满意度 1–2 / 3 / 4–5，净推荐值 0–6 / 7–8 / 9–10）的一致率，按语言分列。"},
    "sentiment_validity_window": {
        "en": "All {n:,} comments with a rating from {start} to {end} are used, not only those of {period}.",
        "zh": "使用 {start} 至 {end} 全部 {n:,} 条带评分的评论，而不只是{period}的评论。"},
    "sentiment_rho_line": {"en": "{language}: Spearman ρ with {rating} {rho:.2f} ({lo:.2f}–{hi:.2f}, n = {n:,}).",
                           "zh": "{language}：与{rating}的斯皮尔曼相关 {rho:.2f}（{lo:.2f}–{hi:.2f}，样本 {n:,}）。"},
    "sentiment_rho_untested": {"en": "{language}: not tested, because only {n:,} comments have a {rating} rating.",
                               "zh": "{language}：未检验，因为只有 {n:,} 条评论带有{rating}评分。"},
    "sentiment_confusion_title": {"en": "Text label (rows) against the {rating} label (columns), {language}",
                                  "zh": "文本类别（行）与{rating}类别（列）：{language}"},
    "sentiment_rating_csat": {"en": "CSAT", "zh": "客户满意度"},
    "sentiment_rating_nps": {"en": "NPS", "zh": "净推荐值"},
    "sentiment_method_text": {
        "en": "English comments: TextBlob polarity and subjectivity (pattern lexicon). Chinese comments: a HowNet "
              "lexicon with negation and degree words on jieba tokens, blended with a logistic-regression model "
              "trained on public review data; its accuracy on held-out real Chinese review sentences is about 78% "
              "(chance 50%). Label: negative below {lo}, positive above "
              "{hi}. Comments without letters or Chinese characters are not scored.",
        "zh": "英文评论：TextBlob 的情感得分与主观度（pattern 词典）。中文评论：基于知网情感词典、否定词和程度副词的 jieba "
              "分词打分，与在公开评论数据上训练的逻辑回归模型结合；在留出的真实中文评论句上准确率约 78%（随机为 50%）。"
              "类别：得分低于 {lo} 为负面，高于 {hi} 为正面。不含字母或汉字的评论不打分。"},
    "sentiment_no_comments": {
        "en": "No {noun} with letters or Chinese characters in {column} ({n:,} rows): nothing to score.",
        "zh": "{column} 中没有含字母或汉字的{noun}（共 {n:,} 行），无法分析。"},
}
