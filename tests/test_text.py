"""Language detection, Chinese word segmentation (the one jieba wrapper) and PII masking on English and Chinese
service text."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from csm.compat import STR
from csm.errors import ParameterError
from csm.text import contains_cjk, detect_language, mask_pii

# (text, expected after masking): personal data in English and in Chinese, where
# Chinese text has no spaces around numbers.
POSITIVE = [
    # Chinese mobile numbers
    ("我的电话是13812345678请回电", "我的电话是[PHONE]请回电"),
    ("手机：138-1234-5678，谢谢", "手机：[PHONE]，谢谢"),
    ("call me on 138 1234 5678 tomorrow", "call me on [PHONE] tomorrow"),
    ("+86 138 1234 5678", "[PHONE]"),
    ("联系+8613912345678或者邮件", "联系[PHONE]或者邮件"),
    ("号码0086-199-1234-5678", "号码[PHONE]"),
    ("(+86)15012345678", "[PHONE]"),
    ("全角号码１３８１２３４５６７８请联系", "全角号码[PHONE]请联系"),
    # Chinese landlines
    ("公司座机010-12345678转人工", "公司座机[PHONE]转人工"),
    ("office (021) 1234-5678", "office [PHONE]"),
    ("电话（0755）8888-1234", "电话[PHONE]"),
    ("0571 88886666", "[PHONE]"),
    # international and North American numbers
    ("Call me at +1 (415) 555-0132.", "Call me at [PHONE]."),
    ("UK office +44 20 7946 0958", "UK office [PHONE]"),
    ("客户美国号码+1-415-555-0132已登记", "客户美国号码[PHONE]已登记"),
    ("my cell is (415) 555-0132", "my cell is [PHONE]"),
    ("or 415-555-0132 after 6pm", "or [PHONE] after 6pm"),
    # e-mail
    ("Please write to jane.doe+csm@example.co.uk today", "Please write to [EMAIL] today"),
    ("我的邮箱是zhangsan2024@qq.com谢谢", "我的邮箱是[EMAIL]谢谢"),
    ("邮箱：li_si@163.com。", "邮箱：[EMAIL]。"),
    # resident ID numbers (18 digits, valid birth date, last may be X)
    ("身份证号110105194912310021请核实", "身份证号[ID]请核实"),
    ("ID 11010519491231002X on file", "ID [ID] on file"),
    ("证件号码44030420010101123x", "证件号码[ID]"),
    # bank cards, 13–19 digits, grouped or not
    ("卡号6222021234567890123已冻结", "卡号[CARD]已冻结"),
    ("card 4111 1111 1111 1111 was charged twice", "card [CARD] was charged twice"),
    ("退款到6217-0012-3456-7890-123", "退款到[CARD]"),
    ("Amex 3782 822463 10005", "Amex [CARD]"),
    ("4000123456789", "[CARD]"),
    # several at once
    ("张先生13812345678，邮箱zhang@example.com，卡号6222021234567890123",
     "张先生[PHONE]，邮箱[EMAIL]，卡号[CARD]"),
]

NEGATIVE = [
    "订单金额¥1,299，已付款",
    "Refund of ¥1,299.00 and $45.50 pending",
    "金额12,345,678元",
    "下单时间2025-11-12 14:30:05",
    "Delivered on 2025-11-12 at 9:45 am",
    "2025年11月12日发货",
    "订单123456还没到",
    "order #654321 arrived broken",
    "order 20251112001 (11 digits, not a mobile)",
    "热线400-820-8820",
    "快递单号SF1234567890123",
    "工单号 T-2025-000123",
    "版本 v1.2.3，评分+5分",
    "温度-5度，降了12.5%",
    "I waited 45 minutes, 3 times",
    "邮编100080",
    "5 stars!!!",
    "",
]


@pytest.mark.parametrize("text, expected", POSITIVE)
def test_personal_data_is_masked(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_numbers_are_kept(text):
    assert mask_pii(text) == text


def test_series_path_matches_the_string_path():
    texts = [t for t, _ in POSITIVE] + NEGATIVE
    expected = [e for _, e in POSITIVE] + NEGATIVE
    for dtype in ("str", object):
        out = mask_pii(pd.Series(texts, dtype=dtype))
        assert out.tolist() == expected


def test_shape_type_index_and_missing_values_are_kept():
    s = pd.Series(["电话13812345678", None, "ok", np.nan, "a@b.cn"], index=[10, 10, 7, 3, 1], name="comment",
                  dtype=STR)
    out = mask_pii(s)
    assert out.dtype == s.dtype and out.name == "comment" and list(out.index) == [10, 10, 7, 3, 1]
    assert out.iloc[0] == "电话[PHONE]" and out.iloc[2] == "ok" and out.iloc[4] == "[EMAIL]"
    assert out.isna().tolist() == [False, True, False, True, False]
    assert s.iloc[0] == "电话13812345678"  # input untouched

    mixed = pd.Series(["x 13812345678", None, 5, float("nan")], dtype=object)
    out = mask_pii(mixed)
    assert out.iloc[0] == "x [PHONE]" and out.iloc[1] is None and out.iloc[2] == 5 and np.isnan(out.iloc[3])

    assert mask_pii(["call 13812345678", None]) == ["call [PHONE]", None]
    assert mask_pii(("a@b.cn",)) == ("[EMAIL]",)
    assert mask_pii(None) is None
    assert np.isnan(mask_pii(float("nan")))
    cats = mask_pii(pd.Series(["13812345678", "ok"], dtype="category"))
    assert cats.tolist() == ["[PHONE]", "ok"]
    with pytest.raises(ParameterError):
        mask_pii(12345678901)


@pytest.mark.parametrize("text, expected", [
    ("物流太慢了，客服也不回复", "zh"),
    ("我的iPhone坏了，能换吗", "zh"),           # a brand name does not make Chinese mixed
    ("订单号ABC123还没到", "zh"),
    ("好", "zh"),
    ("The agent was friendly and fixed it quickly.", "en"),
    ("I love the app, though the UI text in 设置 is odd", "en"),  # one Chinese term in English
    ("café au lait", "en"),
    ("Great service, 谢谢", "mixed"),
    ("The delivery was late 快递太慢了", "mixed"),
    ("客服态度很差, very bad experience, 退货流程太复杂", "mixed"),
    ("12345", "none"),
    ("👍👍", "none"),
    ("！？。", "none"),
    ("", "none"),
])
def test_detect_language(text, expected):
    assert detect_language(text) == expected
    assert detect_language([text]).iloc[0] == expected


def test_detect_language_vectorised_keeps_index_and_handles_missing():
    s = pd.Series(["退款太慢", None, "thanks", "Great service, 谢谢", np.nan], index=list("abcde"))
    out = detect_language(s)
    assert out.name == "language" and list(out.index) == list("abcde")
    assert out.tolist() == ["zh", "none", "en", "mixed", "none"]
    with pytest.raises(ParameterError):
        detect_language(["x"], mixed_share=0.8)


def test_contains_cjk():
    assert contains_cjk("订单123") is True
    assert contains_cjk("order 123 ！") is False
    out = contains_cjk(pd.Series(["中文", "English", None, "𠀀 (Ext B)"], index=[5, 6, 7, 8]))
    assert out.tolist() == [True, False, False, True] and list(out.index) == [5, 6, 7, 8]
    assert out.dtype == bool


def test_detection_is_fast():
    """Vectorised: 200,000 comments, a quarter of them mixed-script, well within a second or two."""
    base = ["物流太慢了，客服也不回复, please help me asap", "Great service, thanks!", "我的iPhone坏了", "非常满意"]
    s = pd.Series(base * 50_000, dtype=STR)
    start = time.perf_counter()
    out = detect_language(s)
    elapsed = time.perf_counter() - start
    assert out.value_counts().to_dict() == {"zh": 100_000, "en": 50_000, "mixed": 50_000}
    assert elapsed < 3.0, f"detect_language took {elapsed:.2f} s for 200,000 texts"


# --------------------------------------------------------------------------- segmentation (the one jieba wrapper)
def test_segment_is_jiebas_default_dictionary_without_hmm():
    import jieba

    from csm.text import segment, segmenter
    text = "快递送晚了三天客服态度很差"
    assert segment(text) == tuple(jieba.lcut(text, HMM=False))
    assert segment(text, hmm=True) == tuple(jieba.lcut(text))
    assert segmenter() is segmenter()       # initialised once, shared


def test_segmenter_with_words_adds_them_without_changing_the_default():
    from csm.text import segment, segmenter
    text = "这个骑手小哥超级给力"
    custom = segmenter(["超级给力"])
    assert "超级给力" in custom.lcut(text)
    assert "超级给力" not in segment(text) and custom is not segmenter()


def test_segmentation_writes_nothing_to_stderr(capfd):
    from csm.text import segmenter
    segmenter(["准时送达"]).lcut("准时送达")
    assert "prefix dict" not in capfd.readouterr().err
