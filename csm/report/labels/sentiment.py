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
    "abs_polarity": {"en": "|Polarity|", "zh": "|情感得分|"},
    "agreement_ci_low": {"en": "Agreement CI low", "zh": "一致率区间下限"},
    "agreement_ci_high": {"en": "Agreement CI high", "zh": "一致率区间上限"},
    "spearman_rho": {"en": "Spearman ρ", "zh": "斯皮尔曼相关系数"},
    "example": {"en": "Example (masked)", "zh": "示例（已脱敏）"},
    "rating_csat": {"en": "CSAT (1–5)", "zh": "满意度（1–5）"},
    "rating_nps": {"en": "Likelihood to recommend (0–10)", "zh": "推荐意愿（0–10）"},
    "comments": {"en": "Comments", "zh": "评论数"},
    "descriptions": {"en": "Ticket descriptions", "zh": "工单描述数"},
    "interval": {"en": "95% interval", "zh": "95% 置信区间"},
    "agreement_interval": {"en": "Agreement, 95% interval", "zh": "一致率 95% 置信区间"},
    "polarity_interval": {"en": "Polarity, 95% interval", "zh": "情感得分 95% 置信区间"},
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
        "en": "{language}, {period}: {n:,} {noun}, mean polarity {mean} ({lo} to {hi}).",
        "zh": "{period}{language}：{n:,} 条{noun}，平均情感得分 {mean}（{lo} 至 {hi}）。"},
    "sentiment_window": {"en": "the {months} months {start} to {end}", "zh": "{start}至{end}这 {months} 个月"},
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
    "sentiment_texts_sampled": {
        "en": "Topics and example quotes come from {sampled:,} of the {n:,} {noun} of the window, a fixed sample by "
              "row key; every other figure counts all {noun}.",
        "zh": "各方面与示例引文取自该时间窗口 {n:,} 条{noun}中按记录编号固定抽取的 {sampled:,} 条；其余数字均统计全部{noun}。"},
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
        "en": "Topics of the {n:,} {noun} of {window}, those with the most and the most strongly negative {noun} "
              "first; shares are of the {noun} mentioning the topic.",
        "zh": "{window}的 {n:,} 条{noun}涉及的各方面，负面{noun}最多、最强烈的排在前面；占比以提及该方面的{noun}为基数。"},
    "sentiment_aspects_note_sampled": {
        "en": "Topics of a fixed sample of {n:,} of the {total:,} {noun} of {window} (chosen by row key), those with "
              "the most and the most strongly negative {noun} first; shares are of the sampled {noun} mentioning the "
              "topic.",
        "zh": "{window}共 {total:,} 条{noun}，按记录编号固定抽取其中 {n:,} 条统计涉及的各方面，负面{noun}最多、最强烈的排在前面；"
              "占比以样本中提及该方面的{noun}为基数。"},
    "sentiment_aspects_detail_note": {
        "en": "Ranking of the aspects: impact = negative mentions × negativity (mean −polarity of the negative {noun}).",
        "zh": "各方面的排序：影响 = 负面提及数 × 负面强度（负面{noun}平均情感得分的相反数）。"},
    "sentiment_examples_other_language": {
        "en": "No negative {noun} in English mention these topics; the examples are in the customers' language "
              "({language}).",
        "zh": "这些方面没有中文的负面{noun}；示例为客户使用的语言（{language}）。"},
    "sentiment_aspects_none": {"en": "Not mentioned in any of the {noun} of {window}: {aspects}.",
                               "zh": "{window}的{noun}中未提及：{aspects}。"},
    "sentiment_aspects_none_sampled": {"en": "Not mentioned in any of the sampled {noun} of {window}: {aspects}.",
                                       "zh": "{window}抽取的{noun}样本中未提及：{aspects}。"},
    "sentiment_aspect_chart_title": {"en": "Negative {noun} by aspect", "zh": "各方面的负面{noun}数"},
    "sentiment_examples_heading": {"en": "Example negative {noun} (personal data masked)",
                                   "zh": "负面{noun}示例（个人信息已脱敏）"},
    "sentiment_validity_heading": {"en": "How far to trust the scores", "zh": "情感得分的可信度"},
    "sentiment_validity_text": {
        "en": "Each comment's text verdict (negative, neutral, positive) is set against the rating the same customer "
              "gave in the same survey response (CSAT 1–2 low, 3 middle, 4–5 high; likelihood to recommend 0–6 "
              "low, 7–8 middle, 9–10 high), per language.",
        "zh": "将每条评论的文本判断（负面、中性、正面）与同一客户在同一问卷中给出的评分对比（满意度 1–2 为低、3 为中、4–5 为高；"
              "推荐意愿 0–6 为低、7–8 为中、9–10 为高），按语言分列。"},
    "sentiment_validity_window": {
        "en": "All {n:,} comments with a rating from {start} to {end} are used, not only those of {period}.",
        "zh": "使用{start}至{end}全部 {n:,} 条带评分的评论，而不只是{period}的评论。"},
    "sentiment_rho_line": {"en": "{language}: Spearman ρ with {rating} {rho:.2f} ({lo:.2f}–{hi:.2f}, n = {n:,}).",
                           "zh": "{language}：与{rating}的斯皮尔曼相关 {rho:.2f}（{lo:.2f}–{hi:.2f}，样本 {n:,}）。"},
    "sentiment_rho_untested": {"en": "{language}: not tested, because only {n:,} comments have a {rating} rating.",
                               "zh": "{language}：未检验，因为只有 {n:,} 条评论带有{rating}评分。"},
    "sentiment_confusion_title": {"en": "Text label (rows) against the {rating} label (columns), {language}",
                                  "zh": "文本类别（行）与{rating}类别（列）：{language}"},
    "sentiment_rating_csat": {"en": "CSAT", "zh": "客户满意度"},
    "sentiment_rating_nps": {"en": "NPS", "zh": "净推荐值"},
    "sentiment_method_text": {
        "en": "English comments: VADER (a human-rated sentiment lexicon with rules for negation, degree words, "
              "\"but\" and emphasis). Chinese comments: a logistic-regression model on jieba words and character "
              "pairs, trained on {zh_train} public labelled reviews, with a lexicon of service words, negation and "
              "degree rules, and clauses after 但是 / 不过 / 就是 weighted above those before them. On labelled "
              "reviews from product domains the Chinese model never saw, {zh_acc} of verdicts were right "
              "(per domain {zh_lo}–{zh_hi}); English VADER was right on {en_social} of human-rated tweets and "
              "{en_review} of review snippets (details: docs/sentiment_accuracy.md). Label: negative below {lo}, "
              "positive above {hi}. Comments without letters or Chinese characters are not scored.",
        "zh": "英文评论：VADER（人工标注的情感词典，含否定、程度副词、转折与强调规则）。中文评论：基于 jieba 分词与汉字二元组的"
              "逻辑回归模型，用 {zh_train} 条公开标注评论训练，结合服务用语词典、否定与程度规则，并对“但是／不过／就是”之后的"
              "分句加权。在模型从未见过的商品领域的标注评论上，{zh_acc} 的判断正确（各领域 {zh_lo}–{zh_hi}）；英文 VADER 在人工标注的"
              "推文上正确率 {en_social}，在评论片段上 {en_review}（详见 docs/sentiment_accuracy.md）。类别：得分低于 {lo} 为负面，"
              "高于 {hi} 为正面。不含字母或汉字的评论不打分。"},
    "sentiment_precision_part": {"en": "{language} {share} {interval}", "zh": "{language} {share} {interval}"},
    "sentiment_verdict_apart": {
        "en": "Of the comments read as negative, only about 1 in {one_in} came with a low rating ({parts}): read the "
              "negative share as \"comments that complain\", useful for trends and for comparisons within a language, "
              "not as the share of unhappy customers.",
        "zh": "判为负面的评论中，大约每 {one_in} 条只有 1 条带有低评分（{parts}）：负面占比应理解为“提出抱怨的评论”占比，"
              "适合看趋势和在同一语言内比较，不能当作不满意客户的占比。"},
    "sentiment_verdict_trusted": {
        "en": "Most comments read as negative came with a low rating ({parts}), and the negative share is within "
              "about {margin} pp of the share of low ratings: it can be read as the share of dissatisfied customers.",
        "zh": "判为负面的评论大多带有低评分（{parts}），负面占比与低评分占比相差约 {margin} 个百分点以内：可以当作不满意客户的占比。"},
    "sentiment_trust_detail": {
        "en": "{language}: of {n} comments with a {rating} rating, the text reads {text} as negative, the ratings "
              "give {rated} low; {recall} of the low-rated comments are read as negative.",
        "zh": "{language}：在 {n} 条带有{rating}评分的评论中，文本判为负面的占 {text}，低评分占 {rated}；低评分评论中有 "
              "{recall} 被判为负面。"},
    "sentiment_calibration_title": {
        "en": "Calibration: share of rated comments whose text verdict agrees with the {rating} rating, by strength "
              "of the score (|polarity|; middle ratings left out).",
        "zh": "校准：按得分强度（|情感得分|）分组，文本判断与{rating}评分一致的评论占比（不含中等评分）。"},
    "sentiment_calibration_rises": {
        "en": "{language}: agreement rises with the strength of the score at every step ({seq}).",
        "zh": "{language}：一致率随得分强度逐级上升（{seq}）。"},
    "sentiment_calibration_not": {
        "en": "{language}: agreement does not rise steadily with the strength of the score ({seq}); a stronger "
              "score is not always a surer verdict.",
        "zh": "{language}：一致率并不随得分强度逐级上升（{seq}）；得分越强并不总是越可靠。"},
    "sentiment_polarity_title": {"en": "Mean polarity (−1 to +1) by language, {period}",
                                 "zh": "{period}各语言的平均情感得分（−1 至 +1）"},
    "sentiment_trust_heading": {"en": "How far to trust the negative share", "zh": "负面占比的可信程度"},
    "sentiment_mix_same": {
        "en": "Language mix by {group}: Chinese {lo}–{hi} of the scored texts, similar across levels, so the "
              "comparison above is not driven by language.",
        "zh": "按{group}的语言构成：中文占已打分文本的 {lo}–{hi}，各组相近，因此上述比较不受语言构成影响。"},
    "sentiment_mix_differs": {
        "en": "Language mix by {group} differs: Chinese is {lo} of the texts in {lo_level} but {hi} in {hi_level}. "
              "Chinese and English comments are scored by different methods, so the comparison within each "
              "language follows.",
        "zh": "按{group}的语言构成不同：{lo_level}中中文占 {lo}，{hi_level}中占 {hi}。中英文评论的打分方法不同，因此下面按语言分别比较。"},
    "sentiment_within_language_title": {"en": "{group} within each language", "zh": "各语言内按{group}比较"},
    "sentiment_sum_head": {
        "en": "{n} {noun} in {period}: {neg} negative ({lo}–{hi}){change}.",
        "zh": "{period}共 {n} 条{noun}，负面占 {neg}（{lo}–{hi}）{change}。"},
    "sentiment_sum_change": {"en": ", {diff} against {previous} ({p})", "zh": "，较{previous}变化 {diff}（{p}）"},
    "sentiment_sum_aspect": {
        "en": "Over {window}, {aspect} is the most frequent topic of negative {noun}: {k} of {total} ({share}).",
        "zh": "{window}中，负面{noun}最常涉及{aspect}：{total} 条中有 {k} 条（{share}）。"},
    "sentiment_sum_aspect_sampled": {
        "en": "In a fixed sample of {sampled} of the {n} {noun} of {window}, {aspect} is the most frequent topic of "
              "negative {noun}: {k} of {total} ({share}, 95% CI {lo}–{hi}).",
        "zh": "{window}共 {n} 条{noun}，在按记录编号固定抽取的 {sampled} 条中，负面{noun}最常涉及{aspect}：{total} 条中有 "
              "{k} 条（{share}，95% 置信区间 {lo}–{hi}）。"},
    "sentiment_sum_lang_part": {"en": "{language} {neg} negative ({n})", "zh": "{language}负面占 {neg}（{n} 条）"},
    "sentiment_sum_languages": {
        "en": "By language in {period}: {parts}; compare teams and channels within a language.",
        "zh": "{period}按语言：{parts}；团队与渠道请在同一语言内比较。"},
    "sentiment_appendix_heading": {"en": "Appendix: rating agreement in detail", "zh": "附录：与评分一致性的详细数据"},
}

__all__ = ["CODES", "PHRASES"]
