"""Bilingual labels: complete translations, contract vocabularies, phrases and frame helpers."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from fontTools.ttLib import TTFont

from csm.data.contract import CHANNELS, COMPLAINT_CATEGORIES, PRIORITIES, REGIONS
from csm.errors import ParameterError
from csm.report import labels as L
from csm.report.labels import axis_label, kpi_unit, label, phrase, placeholders, relabel, rename_columns

from csm.report.theme import FONT_PATH as FONT


def test_every_entry_has_both_languages():
    assert L.missing_translations() == []


def test_missing_translation_is_reported(monkeypatch):
    monkeypatch.setitem(L.PHRASES, "half_done", {"en": "Only English"})
    monkeypatch.setitem(L.STATUS, "late", {"en": "Late", "zh": "  "})
    problems = L.missing_translations()
    assert "phrase 'half_done': no 'zh' text" in problems
    assert "status 'late': no 'zh' text" in problems


@pytest.mark.parametrize("vocabulary", [COMPLAINT_CATEGORIES, CHANNELS, PRIORITIES, REGIONS])
def test_contract_vocabularies_come_from_the_contract(vocabulary):
    for code, texts in vocabulary.items():
        assert label(code, "en") == texts["en"]
        assert label(code, "zh") == texts["zh"]


def test_a_code_shared_by_two_vocabularies_has_one_meaning():
    seen: dict[str, dict[str, str]] = {}
    for _, entries in L._GROUPS:
        for code, texts in entries.items():
            if code in seen:
                assert seen[code] == dict(texts), code
            seen[code] = dict(texts)


@pytest.mark.parametrize("code, en, zh", [
    ("csat_mean", "CSAT (mean score)", "客户满意度（平均分）"),
    ("fcr_rate", "First-contact resolution", "首次解决率"),
    ("aht_minutes", "Average handle time", "平均处理时长"),
    ("complaints", "Complaints", "投诉量"),
    ("churn_rate", "Churn rate", "客户流失率"),
    ("logistics", "Logistics", "物流配送"),
    ("chat", "Chat", "在线客服"),
    ("urgent", "Urgent", "紧急"),
    ("east", "East", "华东"),
    ("at_risk", "At risk", "有风险"),
    ("ci_low", "CI low", "置信区间下限"),
    ("previous", "Previous", "上期"),
])
def test_known_labels(code, en, zh):
    assert label(code, "en") == en
    assert label(code, "zh") == zh


def test_all_kpis_statuses_and_headers_of_the_brief_exist():
    kpis = ["csat_mean", "csat_pct_satisfied", "nps", "fcr_rate", "aht_minutes", "first_response_minutes",
            "resolution_hours", "sla_24h_rate", "complaints", "churn_rate"]
    words = ["met", "at_risk", "missed", "estimate", "ci_low", "ci_high", "n", "target", "actual", "status",
             "on_track", "previous", "change"]
    assert set(kpis) <= set(L.KPI_NAMES) and set(kpis) <= set(L.KPI_UNITS)
    for code in kpis + words:
        assert label(code, "en") != code or code == "n"
        assert label(code, "zh") != label(code, "en")


def test_unknown_codes_and_missing_values_come_back_unchanged():
    assert label("north_east_2", "zh") == "north_east_2"
    assert label(42, "en") == 42
    assert label(None, "zh") is None
    assert math.isnan(label(float("nan"), "zh"))


def test_units_and_axis_labels():
    assert kpi_unit("fcr_rate", "en") == "%"
    assert kpi_unit("unknown_kpi", "zh") == ""
    assert axis_label("aht_minutes", "en") == "Average handle time (minutes)"
    assert axis_label("aht_minutes", "zh") == "平均处理时长（分钟）"
    assert axis_label("estimate", "zh") == "估计值"
    # a name that ends in a bracket takes the unit inside it, never a second bracket
    assert axis_label("csat_mean", "en") == "CSAT (mean score, 1–5)"
    assert axis_label("csat_mean", "zh") == "客户满意度（平均分，1–5）"
    assert axis_label("nps", "en") == "Net Promoter Score (points, −100 to 100)"


@pytest.mark.parametrize("func", [
    lambda lang: label("chat", lang),
    lambda lang: phrase("kpis_met", lang, met=1, total=2),
    lambda lang: relabel(pd.DataFrame({"channel": ["chat"]}), "channel", lang),
    lambda lang: rename_columns(pd.DataFrame({"n": [1]}), lang),
    lambda lang: axis_label("nps", lang),
])
@pytest.mark.parametrize("lang", ["fr", "ZH", None, ""])
def test_unknown_language_is_a_parameter_error(func, lang):
    with pytest.raises(ParameterError, match="lang must be one of 'en', 'zh'"):
        func(lang)


def test_phrases_have_the_same_placeholders_in_both_languages():
    for key, texts in L.PHRASES.items():
        assert placeholders(texts["en"]) == placeholders(texts["zh"]), key


def test_phrase_fills_templates():
    assert phrase("kpis_met", "en", met=3, total=5) == "3 of 5 KPIs met their target."
    assert phrase("kpis_met", "zh", met=3, total=5) == "5 项指标中有 3 项达标。"
    assert phrase("legend_ci", "zh", level=0.9) == "90% 置信区间"
    assert phrase("n_tickets", "en", n=12345) == "12,345 tickets"
    fcr = label("fcr_rate", "zh")
    assert phrase("kpi_against_target", "zh", kpi=fcr, value="71%", interval="[70%, 72%]", target="75%",
                  status=label("missed", "zh")) == "首次解决率：71% [70%, 72%]，目标 75%——未达标。"


def test_phrase_errors_name_the_problem():
    with pytest.raises(ParameterError, match="no report phrase 'kpi_met'.*'kpis_met'"):
        phrase("kpi_met", "en", met=1, total=2)
    with pytest.raises(ParameterError, match="needs the value 'total'; its placeholders are met, total"):
        phrase("kpis_met", "zh", met=1)


def test_relabel_maps_codes_and_keeps_the_rest():
    frame = pd.DataFrame({"category": ["logistics", "mystery", None], "channel": ["phone", "chat", "email"],
                          "n": [3, 2, 1]})
    out = relabel(frame, ["category", "channel"], "zh")
    assert out["category"].tolist()[:2] == ["物流配送", "mystery"]
    assert pd.isna(out["category"].iloc[2])
    assert out["channel"].tolist() == ["电话", "在线客服", "邮件"]
    assert out["n"].tolist() == [3, 2, 1]
    assert frame["category"].iloc[0] == "logistics"  # input untouched


def test_relabel_keeps_category_order():
    frame = pd.DataFrame({"priority": pd.Categorical(["high", "low"], categories=["low", "normal", "high", "urgent"],
                                                     ordered=True)})
    out = relabel(frame, "priority", "en")
    assert list(out["priority"].cat.categories) == ["Low", "Normal", "High", "Urgent"]
    assert out["priority"].tolist() == ["High", "Low"]


def test_relabel_missing_column_is_a_parameter_error():
    with pytest.raises(ParameterError, match="'region' not in the frame; its columns are 'channel'"):
        relabel(pd.DataFrame({"channel": ["chat"]}), ["region"], "en")


def test_rename_columns():
    frame = pd.DataFrame(columns=["team", "estimate", "ci_low", "ci_high", "n", "p_value", "own_column"])
    assert list(rename_columns(frame, "zh").columns) == ["团队", "估计值", "置信区间下限", "置信区间上限", "样本量",
                                                         "p 值", "own_column"]
    assert list(rename_columns(frame, "en").columns)[:3] == ["Team", "Estimate", "CI low"]


def test_every_character_of_every_label_is_in_the_chart_font():
    """A label with a character outside the bundled font would draw an empty box in charts."""
    with TTFont(FONT, lazy=True) as font:  # closed at once: an open handle warns later, in another test
        cmap = font.getBestCmap()
    missing = sorted({c for text in L.all_texts() for c in text if ord(c) not in cmap and not c.isspace()})
    assert not missing, (f"characters {missing} are not in the chart font; rebuild it "
                         "(csm/report/fonts/README.md) so it includes them")


def test_parameterised_kpi_codes_are_labelled_from_their_parts():
    assert label("sla_8h_rate", "en") == "Resolved within 8 h"
    assert label("sla_4_5h_rate", "zh") == "4.5小时内解决率"
    assert kpi_unit("sla_8h_rate", "en") == "%"
    assert label("first_response_minutes_chat", "zh") == "首次响应时长（在线客服）"
    assert axis_label("first_response_minutes_phone", "en") == "First response time, Phone (minutes)"
    assert label("first_response_minutes_fax", "en") == "first_response_minutes_fax"  # not a channel
