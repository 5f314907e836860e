"""Seeded sample data for the workbench, with planted ground truth.

:func:`generate_sample` simulates a fictional online retailer and its service
desk (tickets, survey responses, customers, purchases and one A/B test) from
2025-01-01 to 2026-06-30, company-local naive time (Asia/Shanghai). Every fact
the analyses should find is planted on purpose and written down in
:data:`TRUTH` (rendered as ``csm/data/SAMPLE_TRUTH.md``), so tests can assert
that an analysis recovers it.

The generator is vectorised numpy driven by one
``numpy.random.default_rng(seed)``: the same seed gives the same frames, and
:func:`write_sample` the same Parquet bytes within one environment. The only
Python loops run over calendar months (the churn process is a discrete monthly
simulation) and over text templates, never over rows.

Generative model (details and numbers in :data:`TRUTH`):

* customers sign up 2023-01..2026-06 (density falling linearly, most before the
  window); while active they raise tickets as a Poisson process whose rate is
  customer-specific (gamma frailty) × weekday × annual season;
* churn is a discrete monthly proportional-hazards process,
  ``P(churn in month t | active) = 1 - exp(-h0 * HR_vip^vip * HR_unresolved^U(t))``
  with ``U(t)`` = the customer's tickets not resolved at first contact that were
  created before month t;
* purchases follow BG/NBD (Fader, Hardie & Lee 2005) from a first purchase at
  signup, spend per purchase Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"); purchases
  after the churn date are removed.
"""
from __future__ import annotations

import math
import os
import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
try:  # numpy >= 2: variable-width string arrays and their ufuncs
    from numpy.dtypes import StringDType

    def _text(values: np.ndarray) -> np.ndarray:
        return values.astype(StringDType())

    _str_add, _str_zfill = np.strings.add, np.strings.zfill
except ImportError:  # numpy 1.26: object arrays of Python str hold the same values (slower)
    def StringDType():  # noqa: N802 - stands in for numpy.dtypes.StringDType
        return np.dtype(object)

    def _text(values: np.ndarray) -> np.ndarray:
        return np.asarray(values).astype(str).astype(object)

    def _str_add(a, b) -> np.ndarray:
        return np.add(np.asarray(a, dtype=object), np.asarray(b, dtype=object))

    def _str_zfill(a, width: int) -> np.ndarray:
        return np.array([x.zfill(width) for x in a], dtype=object)

from csm.compat import STR
from csm.data.contract import COMPLAINT_CATEGORIES, PRIORITIES, REGIONS, TABLES
from csm.errors import ParameterError

__all__ = ["DEFAULT_SEED", "DEFAULT_CUSTOMERS", "TRUTH", "TABLE_NAMES", "generate_sample", "write_sample",
           "sample_labels"]

DEFAULT_SEED = 20250101
#: Customers in the default sample (about 60,000 tickets over the 18 months).
DEFAULT_CUSTOMERS = 18_000
#: The five tables, in the order they are written.
TABLE_NAMES = ("tickets", "responses", "customers", "transactions", "assignments")

# --------------------------------------------------------------------------------------------
# Calendar: all times are int64 seconds since EPOCH (2023-01-01 00:00 local, a Sunday).
# --------------------------------------------------------------------------------------------
DAY = 86_400
HOUR = 3_600
EPOCH = np.datetime64("2023-01-01", "D")


def _day(date: str) -> int:
    return int((np.datetime64(date, "D") - EPOCH).astype(np.int64))


WINDOW_START_DAY = _day("2025-01-01")
WINDOW_END_DAY = _day("2026-07-01")  # exclusive: data as of 2026-06-30 23:59:59
END_SEC = WINDOW_END_DAY * DAY
MONTH_STARTS = (np.arange("2023-01", "2026-08", dtype="datetime64[M]").astype("datetime64[D]")
                - EPOCH).astype(np.int64)  # 43 boundaries, 42 months
SPIKE_START_DAY, SPIKE_END_DAY = _day("2025-11-10"), _day("2025-12-01")
EXP_START_DAY, EXP_END_DAY = _day("2026-03-01"), _day("2026-05-01")
ROLLOUT_DAY = _day("2025-09-01")
BUSINESS_DAY_SEC = 9 * HOUR  # 09:00-18:00, Monday-Friday
MONTH_SEC = 30.4375 * DAY

# --------------------------------------------------------------------------------------------
# Model parameters (all stated in TRUTH)
# --------------------------------------------------------------------------------------------
REGION_CODES = tuple(REGIONS)  # east, north, south, central, west
REGION_SHARES = np.array([0.30, 0.20, 0.22, 0.15, 0.13])
REGION_P_CHINESE = np.array([0.42, 0.55, 0.50, 0.62, 0.56])
VIP_SHARE = 0.10
PLANS = ("basic", "plus", "premium")
PLAN_SHARES = {"standard": np.array([0.60, 0.30, 0.10]), "VIP": np.array([0.15, 0.40, 0.45])}

TICKETS_PER_CUSTOMER_DAY = 0.0090  # mean over customers, at an average day weight of 1
VIP_TICKET_RATE_MULTIPLIER = 1.2
TICKET_FRAILTY_SHAPE = 1.5  # gamma, mean 1
WEEKDAY_WEIGHTS = np.array([1.12, 1.08, 1.04, 1.00, 0.96, 0.86, 0.94])  # Mon..Sun
ANNUAL_AMPLITUDE, ANNUAL_PEAK_DOY = 0.12, 319  # peak mid-November, trough mid-May

CHANNEL_CODES = ("phone", "email", "chat", "social")
CHANNEL_SHARES = np.array([0.30, 0.15, 0.42, 0.13])
PRIMARY_CHANNEL_WEIGHT = 0.6  # a ticket uses the customer's preferred channel with this prob., else the mix
CATEGORY_CODES = tuple(COMPLAINT_CATEGORIES)  # product_quality, service_attitude, logistics, after_sales, other
CATEGORY_SHARES = np.array([0.26, 0.08, 0.30, 0.24, 0.12])
SUB_REASONS = {
    "product_quality": (("defective_item", 0.40), ("not_as_described", 0.25), ("missing_parts", 0.15),
                        ("poor_quality", 0.20)),
    "service_attitude": (("rude_agent", 0.35), ("unhelpful_answer", 0.35), ("broken_promise", 0.30)),
    "logistics": (("late_delivery", 0.45), ("damaged_parcel", 0.20), ("wrong_address", 0.15),
                  ("lost_parcel", 0.20)),
    "after_sales": (("refund_delay", 0.30), ("return_rejected", 0.20), ("warranty_claim", 0.18),
                    ("exchange_request", 0.22), ("invoice_issue", 0.10)),
    "other": (("account_access", 0.35), ("payment_issue", 0.35), ("promotion_question", 0.30)),
}
CARRIERS = ("swift_express", "north_post", "jd_fast", "cloud_freight")
CARRIER_SHARES = np.array([0.30, 0.25, 0.30, 0.15])
PRODUCTS = ("electronics", "home_appliances", "apparel", "beauty", "groceries", "home_living")
PRODUCT_SHARES = np.array([0.25, 0.15, 0.22, 0.13, 0.10, 0.15])
OTHER_CATEGORY_PRODUCT_MISSING = 0.85
PRIORITY_CODES = tuple(PRIORITIES)  # low, normal, high, urgent
PRIORITY_SHARES = {"standard": np.array([0.22, 0.56, 0.18, 0.04]), "VIP": np.array([0.10, 0.50, 0.30, 0.10])}

FCR_BASE = 0.70
FCR_CHANNEL = np.array([0.05, -0.06, 0.02, -0.10])  # phone, email, chat, social
FCR_CATEGORY = np.array([-0.03, -0.05, 0.00, -0.08, 0.10])
FCR_PRIORITY = np.array([0.03, 0.00, -0.05, -0.10])
FCR_CLIP = (0.15, 0.90)
ESCALATION_NON_FCR = 0.15  # escalation only happens to tickets not resolved at first contact
ESCALATION_URGENT, ESCALATION_HIGH, ESCALATION_ATTITUDE = 0.12, 0.05, 0.08
REOPEN_NON_FCR = 0.10

TALK_MEDIAN_MIN = np.array([4.0, 3.5, 7.0, 2.5])  # phone, email, chat, social
TALK_SIGMA = np.array([0.45, 0.55, 0.55, 0.55])
CATEGORY_HANDLE_MULTIPLIER = np.array([1.10, 1.20, 0.90, 1.15, 0.80])
CUSTOMER_HANDLE_SD = 0.50  # persistent customer random effect on log talk time
TALK_CAP_MIN = 90.0
WRAP_UP_MIN = (1.5, 2.5)  # uniform; the knowledge-base assistant removes ROLLOUT_EFFECT_MIN of it
ROLLOUT_TEAM, ROLLOUT_EFFECT_MIN = "team_c", -1.0
EXP_HANDLE_MULTIPLIER, EXP_FCR_LIFT = 0.90, 0.05

FIRST_RESPONSE = {  # channel: (median, sigma, unit); email/social count business time only
    "phone": (40.0, 0.9, "seconds"),
    "chat": (100.0, 0.9, "seconds"),
    "email": (3.5, 1.0, "business hours"),
    "social": (2.0, 1.1, "business hours"),
}
RESOLUTION_NON_FCR_MEDIAN_H, RESOLUTION_NON_FCR_SIGMA = 9.0, 1.1
RESOLUTION_PER_EXTRA_CONTACT, RESOLUTION_ESCALATED = 0.35, 1.6

CHURN_H0, CHURN_HR_VIP, CHURN_HR_UNRESOLVED = 0.012, 0.5, 1.4

SURVEY_RESPONSE_RATE = 0.31
SURVEY_NO_TICKET_SHARE = 0.015
NPS_MODEL = {"intercept": 7.3, "fcr": 1.3, "escalated": -2.2, "first_response_over_24h": -2.6,
             "per_extra_contact": -0.45, "reopened": -1.2, "service_attitude_category": -1.0,
             "team_d": -0.9, "vip": 0.3, "noise_sd": 1.6, "no_ticket_intercept": 7.0, "no_ticket_sd": 1.8}
CSAT_MODEL = {"intercept": 1.0, "slope": 0.4, "noise_sd": 1.0}
SCORE_MISSING = 0.02  # each of nps / csat missing (never both)
COMMENT_PROB = {"very_negative": 0.85, "negative": 0.62, "neutral": 0.50, "positive": 0.60}

BGNBD = {"r": 0.75, "alpha": 12.0, "a": 0.8, "b": 2.6}
GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "v": 120.0}

# --------------------------------------------------------------------------------------------
# Agents: a fixed roster (the same for every seed, listed in TRUTH)
# --------------------------------------------------------------------------------------------
TEAMS = ("team_a", "team_b", "team_c", "team_d", "team_e", "team_f")
LATE_JOINERS = (("team_a", "2026-06-02"), ("team_e", "2026-06-15"), ("team_f", "2026-06-22"))
LATE_JOINER_TICKET_SHARE = 0.004  # each late joiner takes this share of tickets after joining


def _agent_roster() -> pd.DataFrame:
    rng = np.random.default_rng(5150)
    n_regular = 57
    team = np.array(TEAMS)[np.arange(n_regular) % len(TEAMS)][rng.permutation(n_regular)]
    hire = np.sort(rng.integers(_day("2018-03-01"), _day("2024-11-30"), n_regular))
    tenure_years_2025 = (WINDOW_START_DAY - hire) / 365.25
    fcr = np.clip(0.012 * (tenure_years_2025 - 3.0) + rng.normal(0, 0.04, n_regular), -0.12, 0.10)
    handle = rng.normal(0, 0.10, n_regular) - 0.02 * (tenure_years_2025 - 3.0)
    weight = rng.uniform(0.7, 1.3, n_regular)
    late_team = [t for t, _ in LATE_JOINERS]
    late_hire = [_day(d) for _, d in LATE_JOINERS]
    roster = pd.DataFrame({
        "agent_id": [f"A{i + 1:03d}" for i in range(n_regular + len(LATE_JOINERS))],
        "team": list(team) + late_team,
        "hire_day": np.concatenate([hire, late_hire]).astype(np.int64),
        "fcr_effect": np.round(np.concatenate([fcr, [-0.10] * len(LATE_JOINERS)]), 3),
        "log_handle_effect": np.round(np.concatenate([handle, [0.15] * len(LATE_JOINERS)]), 3),
        "weight": np.round(np.concatenate([weight, [0.0] * len(LATE_JOINERS)]), 3),
    })
    roster["hire_date"] = (EPOCH + roster["hire_day"].to_numpy().astype("timedelta64[D]")).astype(str)
    return roster


AGENTS = _agent_roster()

# --------------------------------------------------------------------------------------------
# PII planted in free text (exact strings; a report must never show any of them)
# --------------------------------------------------------------------------------------------
PII_DESCRIPTION = (
    ("phone", "138-1234-5678"), ("phone", "13912345678"), ("phone", "+86 136 5555 0123"),
    ("phone", "+8615800001111"), ("phone", "186 2345 6789"), ("email", "wang.lei@example.com"),
    ("email", "chen_xiaoyu88@example.cn"), ("email", "customer.liu@example.org"),
    ("id_card", "110101199003074573"), ("id_card", "44030519851212344X"), ("id_card", "320102198807150026"),
    ("bank_card", "6222021234567890128"), ("bank_card", "6228 4800 1234 5678 903"),
    ("bank_card", "4392250012345673"), ("bank_card", "6217 0000 1111 2220"), ("phone", "177-0123-4567"),
    ("phone", "15011112222"), ("email", "zhao.min2024@example.com"), ("id_card", "510104199512318883"),
    ("bank_card", "625965000000000122"),
)
PII_COMMENT = (
    ("phone", "135-8888-2046"), ("phone", "18688886666"), ("phone", "+86 188 0101 2323"),
    ("phone", "+8613700137000"), ("phone", "159 1234 0000"), ("email", "li.na.shop@example.com"),
    ("email", "happy_buyer_77@example.cn"), ("email", "sun.yang@example.org"),
    ("id_card", "330106198001011235"), ("id_card", "37020219921130402X"), ("id_card", "210102197706066669"),
    ("bank_card", "6212260200012345670"), ("bank_card", "6225 8812 3456 7898"),
    ("bank_card", "5187100012345676"), ("bank_card", "6013 8200 1234 5678 908"), ("phone", "199-2020-3030"),
    ("phone", "13300001234"), ("email", "vip.member@example.com"), ("id_card", "120101200002291119"),
    ("bank_card", "6282880012345678906"),
)
PII_SENTENCES = {
    "phone": {"en": " Please call me back on {pii}.", "zh": "请打电话{pii}联系我。"},
    "email": {"en": " You can reach me at {pii}.", "zh": "我的邮箱是{pii}，请回复。"},
    "id_card": {"en": " My ID number is {pii} if you need to verify.", "zh": "我的身份证号是{pii}，可以核实。"},
    "bank_card": {"en": " Refund to card {pii} please.", "zh": "请退款到银行卡{pii}。"},
}

# --------------------------------------------------------------------------------------------
# Text templates
# --------------------------------------------------------------------------------------------
ITEMS = {  # product line -> (English items, Chinese items), same order
    "electronics": (("pair of bluetooth headphones", "phone charger", "tablet", "smart watch"),
                    ("蓝牙耳机", "手机充电器", "平板电脑", "智能手表")),
    "home_appliances": (("air fryer", "vacuum cleaner", "rice cooker"), ("空气炸锅", "吸尘器", "电饭煲")),
    "apparel": (("winter jacket", "pair of running shoes", "pair of jeans"), ("羽绒服", "跑鞋", "牛仔裤")),
    "beauty": (("face cream", "lipstick set", "shampoo"), ("面霜", "口红套装", "洗发水")),
    "groceries": (("bag of coffee beans", "snack box", "tea gift set"), ("咖啡豆", "零食礼盒", "茶叶礼盒")),
    "home_living": (("set of bed sheets", "desk lamp", "storage box"), ("床单", "台灯", "收纳箱")),
}
GENERIC_ITEM = ("order", "订单")
CARRIER_NAMES = {"swift_express": ("Swift Express", "迅捷快递"), "north_post": ("North Post", "北方邮政"),
                 "jd_fast": ("JD Fast", "京速达"), "cloud_freight": ("Cloud Freight", "云途物流")}

DESCRIPTION_TEMPLATES = {
    "defective_item": {
        "en": ["The {item} I received is faulty.", "The {item} turned out to be defective after {days} days.",
               "The {item} was faulty right out of the box, please help."],
        "zh": ["收到的{item}有问题。", "{item}用了{days}天就出了问题。", "刚拆开的{item}就有问题，请帮忙处理。"]},
    "not_as_described": {
        "en": ["The {item} looks nothing like the pictures on the product page.",
               "The {item} I got is not what was described in the listing."],
        "zh": ["收到的{item}和商品详情页的图片完全不一样。", "{item}跟页面描述的不符。"]},
    "missing_parts": {
        "en": ["Parts are missing from my {item} package.", "The {item} came without the accessories listed."],
        "zh": ["{item}少了配件，包装里缺东西。", "{item}没有附带页面上写的配件。"]},
    "poor_quality": {
        "en": ["The quality of the {item} is poor for the price.", "The {item} feels cheap and badly made."],
        "zh": ["{item}质量太差，和价格不符。", "{item}做工粗糙，质量很一般。"]},
    "rude_agent": {
        "en": ["The agent I spoke to last time was rude to me.",
               "Your service staff were impatient and unfriendly when I asked about my {item}."],
        "zh": ["上次客服态度很差，说话很不耐烦。", "问{item}的问题时客服很不客气。"]},
    "unhelpful_answer": {
        "en": ["I keep getting copy-paste answers that do not address my question about the {item}.",
               "Nobody has actually answered my question about the {item}."],
        "zh": ["客服一直复制粘贴回复，根本没回答我关于{item}的问题。", "关于{item}的问题一直没人正面回答。"]},
    "broken_promise": {
        "en": ["I was promised a call back within {days} days but nobody called.",
               "Support promised to fix my {item} issue and then never followed up."],
        "zh": ["客服答应{days}天内回电，结果没人联系我。", "说好会跟进{item}的问题，后来就没消息了。"]},
    "late_delivery": {
        "en": ["My {item} shipped with {carrier} is {days} days late.",
               "The delivery of my {item} by {carrier} is delayed, it should have arrived {days} days ago."],
        "zh": ["通过{carrier}寄的{item}已经晚了{days}天还没到。", "{carrier}配送的{item}延误了{days}天。"]},
    "damaged_parcel": {
        "en": ["The parcel from {carrier} arrived damaged and the {item} is broken.",
               "{carrier} delivered a crushed box, the {item} inside is damaged."],
        "zh": ["{carrier}送来的包裹破损了，{item}也坏了。", "{carrier}的箱子压坏了，里面的{item}受损。"]},
    "wrong_address": {
        "en": ["{carrier} delivered my {item} to the wrong address.",
               "The courier from {carrier} left my {item} at a neighbour's address."],
        "zh": ["{carrier}把我的{item}送错地址了。", "{carrier}的快递员把{item}放到了别人家。"]},
    "lost_parcel": {
        "en": ["Tracking for my {item} has not updated for {days} days, {carrier} seems to have lost it.",
               "{carrier} says my {item} was delivered but I never received it."],
        "zh": ["{item}的物流信息{days}天没更新了，{carrier}好像把包裹弄丢了。", "{carrier}显示{item}已签收，但我根本没收到。"]},
    "refund_delay": {
        "en": ["I returned the {item} {days} days ago and still have not received my refund.",
               "Where is my refund for the {item}? It has been {days} days."],
        "zh": ["{item}退货{days}天了，退款还没到账。", "{item}的退款{days}天了还没收到。"]},
    "return_rejected": {
        "en": ["My return request for the {item} was rejected without a reason.",
               "Why was the return of my {item} refused?"],
        "zh": ["{item}的退货申请被拒绝了，也没有说明原因。", "为什么{item}不给退货？"]},
    "warranty_claim": {
        "en": ["I want to make a warranty claim for my {item}.", "My {item} is still under warranty, please repair it."],
        "zh": ["我的{item}在保修期内，想申请保修。", "{item}还在保修期，请安排维修。"]},
    "exchange_request": {
        "en": ["I would like to exchange the {item} for a different size or model.",
               "Can I swap the {item} for another one?"],
        "zh": ["想把{item}换一个型号或尺码。", "{item}可以换货吗？"]},
    "invoice_issue": {
        "en": ["I need an invoice for my {item} order but cannot download it.",
               "The invoice for the {item} has the wrong company name."],
        "zh": ["{item}订单的发票无法下载，请帮忙开具发票。", "{item}的发票抬头开错了。"]},
    "account_access": {
        "en": ["I cannot log in to my account.", "My account is locked after a password reset."],
        "zh": ["我的账号登录不了。", "重置密码后账号被锁定了。"]},
    "payment_issue": {
        "en": ["I was charged twice for the same order.", "My payment failed but the money was deducted."],
        "zh": ["同一个订单被扣了两次款。", "支付失败了但是钱被扣了。"]},
    "promotion_question": {
        "en": ["How do I use the coupon from the membership promotion?",
               "The discount from the sale was not applied to my order."],
        "zh": ["会员活动的优惠券怎么使用？", "活动折扣没有用到我的订单上。"]},
    "_spike": {  # the excess late deliveries after the Double-11 sale (east, swift_express)
        "en": ["My {item} from the Double 11 sale still has not been delivered by {carrier}, {days} days late!",
               "My Double 11 order has been stuck with {carrier} for {days} days. Where is my parcel?",
               "{carrier} delivery delayed again, my {item} is {days} days overdue."],
        "zh": ["双十一买的{item}，{carrier}已经延误{days}天了还没送到！", "双11的订单在{carrier}卡了{days}天，快递太慢了。",
               "{carrier}配送延迟，{item}超时{days}天未送达。"]},
}

SENTIMENTS = ("very_negative", "negative", "neutral", "positive")
COMMENT_TOPICS = ("speed", "solution", "attitude", "product", "delivery", "general")
COMMENT_TEMPLATES = {
    ("very_negative", "speed"): {
        "en": ["Terrible service. I waited {wait} for a first reply and nobody cared.",
               "Awful response time, {wait} without any answer. Worst support ever."],
        "zh": ["太差了，等了{wait}才有人回复，根本没人管。", "回复速度太慢了，{wait}都没人理，最差的客服。"]},
    ("very_negative", "solution"): {
        "en": ["Useless. I contacted you {contacts} times and the problem is still not solved.",
               "Terrible experience, the so-called solution did not work at all."],
        "zh": ["完全没用，联系了{contacts}次问题还是没解决。", "非常失望，给的解决方案根本不管用。"]},
    ("very_negative", "attitude"): {
        "en": ["The agent was rude and arrogant. Worst customer service I have ever had.",
               "Horrible attitude, the agent hung up on me. Completely unacceptable."],
        "zh": ["客服态度恶劣，非常傲慢，从没见过这么差的服务。", "态度太差了，直接挂我电话，完全不能接受。"]},
    ("very_negative", "product"): {
        "en": ["The {item} is garbage and support did nothing about it. Never buying again.",
               "Worst purchase ever, the {item} is broken and nobody helps."],
        "zh": ["{item}就是垃圾，客服也不管，再也不会买了。", "最差的一次购物，{item}坏了没人处理。"]},
    ("very_negative", "delivery"): {
        "en": ["Awful. My {item} arrived {days} days late and support just kept making excuses.",
               "Terrible delivery, {days} days late and no apology."],
        "zh": ["太糟糕了，{item}晚到了{days}天，客服只会找借口。", "物流太差，晚了{days}天，连句道歉都没有。"]},
    ("very_negative", "general"): {
        "en": ["Terrible shop, I will never order here again.", "Awful experience from start to finish."],
        "zh": ["太差劲了，再也不会在这里买东西。", "从头到尾体验都很糟糕。"]},
    ("negative", "speed"): {
        "en": ["The reply was too slow, I had to wait {wait}.", "Slow response. Waiting {wait} for a simple answer is too long."],
        "zh": ["回复太慢了，等了{wait}。", "响应很慢，一个简单的问题等了{wait}。"]},
    ("negative", "solution"): {
        "en": ["The issue was not really solved, I had to explain it again.",
               "Not happy, the solution only partly worked."],
        "zh": ["问题没有真正解决，我还得重新解释一遍。", "不太满意，解决方案只解决了一部分。"]},
    ("negative", "attitude"): {
        "en": ["The agent was impatient and not very polite.", "Unfriendly agent, it felt like they did not want to help."],
        "zh": ["客服不耐烦，也不太礼貌。", "客服态度冷淡，感觉不想帮忙。"]},
    ("negative", "product"): {
        "en": ["Disappointed with the {item}, and the answer from support did not help much."],
        "zh": ["对{item}很失望，客服的回答也没什么帮助。"]},
    ("negative", "delivery"): {
        "en": ["Delivery of my {item} was late and nobody could tell me where it was."],
        "zh": ["{item}送晚了，也没人能告诉我包裹在哪里。"]},
    ("negative", "general"): {
        "en": ["Not impressed lately, the shopping experience has gone downhill.",
               "Disappointed with the service overall."],
        "zh": ["最近购物体验变差了，不太满意。", "整体服务让人失望。"]},
    ("neutral", "speed"): {
        "en": ["Problem solved in the end, but the reply took {wait}."],
        "zh": ["问题最后解决了，就是回复用了{wait}。"]},
    ("neutral", "solution"): {
        "en": ["It was fixed after a second contact. OK overall."],
        "zh": ["联系了第二次才解决，总体还行。"]},
    ("neutral", "general"): {
        "en": ["Average experience, nothing special.", "OK service, the issue was handled."],
        "zh": ["体验一般，没什么特别的。", "服务还可以，问题处理了。"]},
    ("positive", "speed"): {
        "en": ["Very fast reply, thank you!", "Quick and efficient support, great job."],
        "zh": ["回复很快，谢谢！", "处理迅速高效，很棒。"]},
    ("positive", "solution"): {
        "en": ["Solved on the first contact, excellent service.", "Great help, my problem was fixed right away."],
        "zh": ["一次就解决了，服务很好。", "帮了大忙，问题马上就解决了。"]},
    ("positive", "attitude"): {
        "en": ["The agent was very friendly and patient. Thank you!", "Lovely agent, polite and helpful."],
        "zh": ["客服非常热情耐心，谢谢！", "客服很有礼貌，也很专业。"]},
    ("positive", "general"): {
        "en": ["Great experience, happy with the support.", "Excellent service as always."],
        "zh": ["体验很好，对服务很满意。", "一如既往的好服务。"]},
}

# --------------------------------------------------------------------------------------------
# The planted ground truth
# --------------------------------------------------------------------------------------------
#: Realised numbers of the committed default dataset (seed 20250101, 18,000 customers), recomputed by
#: tests/test_sample.py from data/sample/*.parquet with csm.data.sample._realised.
#: After changing the generator: paste ``_realised(*_simulate(DEFAULT_SEED, DEFAULT_CUSTOMERS))`` here and
#: the two fits of tests/test_sample.py::bgnbd_fit below, then rewrite csm/data/SAMPLE_TRUTH.md from
#: ``_truth_markdown()`` and the data with ``write_sample("data/sample")``.
_DEFAULT_DATASET: dict = {
    "rows": {
        "tickets": 61240,
        "responses": 19170,
        "customers": 18000,
        "transactions": 65528,
        "assignments": 4682
    },
    "first_ticket": "2025-01-01 00:16:47",
    "last_ticket": "2026-06-30 23:40:20",
    "spike": {
        "baseline_weekly_tickets": 85.0,
        "spike_weekly_tickets": 252.67,
        "ratio": 2.97,
        "spike_tickets": 758,
        "swift_express_late_delivery": 519,
        "excess_over_baseline": 503.0,
        "planted_extra_tickets": 477
    },
    "experiment": {
        "units_control": 2381,
        "units_treatment": 2301,
        "srm_p_value": 0.2423,
        "tickets_control": 3446,
        "tickets_treatment": 3319,
        "fcr_control": 0.688,
        "fcr_treatment": 0.7418,
        "fcr_difference": 0.0537,
        "expected_fcr_control": 0.6878,
        "handle_control": 8.82,
        "handle_treatment": 7.75,
        "handle_ratio": 0.8786,
        "units_without_pre_tickets": 2363,
        "pre_handle_time_fill": 8.4264,
        "cuped_correlation": 0.296,
        "cuped_variance_reduction": 0.0876
    },
    "rollout": {
        "window": [
            "2025-03-01",
            "2026-02-28"
        ],
        "did_minutes": -1.1279
    },
    "churn": {
        "churned": 4846,
        "churned_share": 0.2692,
        "churned_in_window": 3335,
        "churned_share_vip": 0.1712,
        "churned_share_standard": 0.2798
    },
    "nps": {
        "nps": 0.41,
        "csat_mean": 3.8981,
        "promoter_share_fcr": 0.4461,
        "promoter_share_not_fcr": 0.0663,
        "detractor_share_escalated": 0.9535,
        "detractor_share_not_escalated": 0.2852
    },
    "sentiment": {
        "comments": 11015,
        "comment_share": 0.5746,
        "comments_chinese_share": 0.511,
        "very_negative_share": 0.0408,
        "very_negative_about_speed_or_solution": 0.8107,
        "slow_response_comments": 1070,
        "slow_response_negative_speed_share": 0.6327,
        "other_comments_negative_speed_share": 0.0584,
        "team_d_negative_attitude_share": 0.2062,
        "other_teams_negative_attitude_share": 0.0382
    },
    "transactions": {
        "transactions": 65528,
        "mean_amount": 238.11,
        "revenue_total": 15602951.47
    },
    "tickets": {
        "fcr": 0.6919,
        "resolved_within_24h": 0.8205,
        "open_at_end": 66,
        "median_handle_phone": 5.94,
        "channel_share": {
            "chat": 0.4269,
            "email": 0.148,
            "phone": 0.3006,
            "social": 0.1245
        },
        "category_share": {
            "after_sales": 0.238,
            "logistics": 0.3069,
            "other": 0.1186,
            "product_quality": 0.257,
            "service_attitude": 0.0796
        },
        "description_chinese_share": 0.5159
    }
}
#: Maximum-likelihood BG/NBD fits on the default dataset (tests/test_sample.py refits them).
_BGNBD_FIT_CHECK: dict = {
    "T_to_churn": {
        "r": 0.7554,
        "alpha": 12.1985,
        "a": 0.7437,
        "b": 2.3336
    },
    "T_to_end": {
        "r": 0.6238,
        "alpha": 9.7163,
        "a": 1.0357,
        "b": 2.8057
    }
}

TRUTH: dict = {
    "seed": DEFAULT_SEED,
    "customers": DEFAULT_CUSTOMERS,
    "window": {"start": "2025-01-01", "end": "2026-06-30", "timezone": "Asia/Shanghai",
               "note": "naive local times; the data are as of 2026-06-30 23:59:59"},
    "volume": {
        "tickets_per_customer_day": TICKETS_PER_CUSTOMER_DAY, "vip_rate_multiplier": VIP_TICKET_RATE_MULTIPLIER,
        "frailty_gamma_shape": TICKET_FRAILTY_SHAPE,
        "weekday_weights_mon_to_sun": WEEKDAY_WEIGHTS.tolist(),
        "annual": {"amplitude": ANNUAL_AMPLITUDE, "peak_day_of_year": ANNUAL_PEAK_DOY},
        "signup_density": "linear on 2023-01-01..2026-06-30, 1.4 at the start falling to 0.6 at the end",
    },
    "shares": {
        "region": dict(zip(REGION_CODES, REGION_SHARES.tolist())),
        "region_p_chinese": dict(zip(REGION_CODES, REGION_P_CHINESE.tolist())),
        "vip": VIP_SHARE,
        "channel": dict(zip(CHANNEL_CODES, CHANNEL_SHARES.tolist())),
        "category": dict(zip(CATEGORY_CODES, CATEGORY_SHARES.tolist())),
        "sub_reason": {c: dict(v) for c, v in SUB_REASONS.items()},
        "carrier": dict(zip(CARRIERS, CARRIER_SHARES.tolist())),
        "product": dict(zip(PRODUCTS, PRODUCT_SHARES.tolist())),
    },
    "spike": {
        "region": "east", "category": "logistics", "start": "2025-11-10", "end": "2025-11-30",
        "multiplier": 3.0, "carrier": "swift_express", "sub_reason": "late_delivery",
        "mechanism": "east customers raise extra logistics tickets at twice their usual logistics rate on "
                     "2025-11-10..2025-11-30, so east logistics volume is 3x its baseline; every extra "
                     "ticket is swift_express / late_delivery and its description (EN or ZH, never empty) "
                     "mentions the delay, two of its three templates also the Double 11 sale. No other "
                     "category/region series has a spike.",
    },
    "experiment": {
        "experiment_id": "smart_triage", "unit_type": "customer", "allocation": 0.5,
        "assignment_window": ["2026-03-01", "2026-04-30"],
        "assigned_at": "created_at of the customer's first ticket in the window",
        "experiment_tickets": "the assigned customer's tickets from assigned_at to 2026-04-30",
        "handle_time_multiplier": EXP_HANDLE_MULTIPLIER,
        "fcr_lift": EXP_FCR_LIFT,
        "fcr_mechanism": "P(FCR) = clip(base, 0.15, 0.90) + 0.05 for treatment, so the lift is exactly "
                         "+5 percentage points in expectation",
        "control_fcr_design": "about 0.70 (see default_dataset for the exact expected value)",
        "pre_period": "pre_tickets_90d and pre_handle_time_minutes (mean) over the 90 days before assigned_at; "
                      "units with no pre-period ticket get pre_tickets_90d = 0 and pre_handle_time_minutes = "
                      "the mean of pre_handle_time_minutes over units that had pre-period tickets",
        "customer_handle_effect_sd": CUSTOMER_HANDLE_SD,
    },
    "rollout": {
        "team": ROLLOUT_TEAM, "date": "2025-09-01", "effect_minutes": ROLLOUT_EFFECT_MIN,
        "mechanism": "handle time = talk time + wrap-up (uniform 1.5-2.5 min); the knowledge-base "
                     "assistant removes 1.0 min of wrap-up on team_c tickets created from 2025-09-01. "
                     "Treatment-arm experiment tickets are multiplied by 0.90 afterwards, so there the "
                     "effect is -0.9 min; in a DiD window without experiment tickets (e.g. 2025-03-01.."
                     "2026-02-28) the expected DiD is exactly -1.0. Team assignment is random and "
                     "stationary, so pre-trends are parallel.",
    },
    "churn": {
        "h0_monthly": CHURN_H0, "hr_vip": CHURN_HR_VIP, "hr_per_unresolved_ticket": CHURN_HR_UNRESOLVED,
        "model": "P(churn in month t | active at its start) = 1 - exp(-h0 * hr_vip^vip * "
                 "hr_per_unresolved_ticket^U(t)); U(t) = the customer's tickets with first_contact_resolved "
                 "False created before the first day of month t; at risk from the month after signup; "
                 "churn_date uniform within the month; tickets only while active.",
    },
    "tickets": {
        "fcr": {"base": FCR_BASE, "channel": dict(zip(CHANNEL_CODES, FCR_CHANNEL.tolist())),
                "category": dict(zip(CATEGORY_CODES, FCR_CATEGORY.tolist())),
                "priority": dict(zip(PRIORITY_CODES, FCR_PRIORITY.tolist())),
                "clip": list(FCR_CLIP), "agent": "fcr_effect in agents (additive)",
                "model": "P(FCR) = clip(base + channel + category + priority + agent, 0.15, 0.90)"},
        "first_response": FIRST_RESPONSE,
        "business_hours": "09:00-18:00 Monday-Friday (no public holidays); email and social are answered "
                          "only then",
        "handle_time": {"talk_median_minutes": dict(zip(CHANNEL_CODES, TALK_MEDIAN_MIN.tolist())),
                        "talk_sigma": dict(zip(CHANNEL_CODES, TALK_SIGMA.tolist())),
                        "category_multiplier": dict(zip(CATEGORY_CODES, CATEGORY_HANDLE_MULTIPLIER.tolist())),
                        "wrap_up_uniform_minutes": list(WRAP_UP_MIN),
                        "talk_cap_minutes": TALK_CAP_MIN,
                        "model": "(min(talk_median * category * exp(customer + agent + sigma*N(0,1)), 90) "
                                 "+ wrap_up [- 1.0 team_c from 2025-09-01]) [* 0.90 treatment]; "
                                 "independent of FCR"},
        "resolution": {"fcr": "resolved at first response + handle time",
                       "non_fcr_median_hours": RESOLUTION_NON_FCR_MEDIAN_H, "sigma": RESOLUTION_NON_FCR_SIGMA,
                       "per_extra_contact": RESOLUTION_PER_EXTRA_CONTACT, "escalated": RESOLUTION_ESCALATED},
        "escalation": "only tickets not resolved at first contact: 0.15 + 0.12 urgent + 0.05 high + 0.08 "
                      "service_attitude",
        "reopened": "only tickets not resolved at first contact: 0.10",
        "contacts": "1 if FCR, else 2 + Poisson(0.5 + 0.7 escalated + 0.6 reopened)",
        "open_tickets": "tickets whose first response or resolution falls after 2026-06-30 have it empty; "
                        "first_contact_resolved is False for open tickets with a first response and empty "
                        "for tickets without one",
    },
    "nps": {
        "model": NPS_MODEL,
        "mechanism": "latent z = intercept + 1.3 FCR - 2.2 escalated - 2.6 [first response > 24h] - 0.45 "
                     "(contacts - 1, at most 4) - 1.2 reopened - 1.0 [service_attitude] - 0.9 [team_d] + 0.3 VIP "
                     "+ N(0, 1.6); nps = clip(round(z), 0, 10); csat = clip(round(1 + 0.4 (z + N(0,1))), 1, 5). "
                     "Surveys go to 31% of resolved tickets, submitted resolved_at + lognormal(median 3 h); "
                     "1.5% extra responses without ticket (z = 7.0 + N(0, 1.8)); 2% miss nps, 2% miss csat.",
        "csat": CSAT_MODEL,
    },
    "sentiment": {
        "levels": "from the nps value (also when it is masked as missing): 0-2 very_negative (clearly "
                  "negative), 3-6 negative, 7-8 neutral, 9-10 positive",
        "comment_probability": COMMENT_PROB,
        "topic_weights": "negative levels: speed 1 + 15 [first response > 24h] + 1 [contacts >= 3]; solution "
                         "1 + 3 [not FCR] + 2 reopened + 2 escalated; attitude 0.5 + 4 [team_d] + 3 "
                         "[service_attitude]; product 1.5 [product_quality]; delivery 1.5 [logistics]. "
                         "neutral: speed 4 [first response > 24h], solution 2 [not FCR], general 1. "
                         "positive: speed 1 + 2 [first response < 1h], solution 1 + 2 FCR, attitude 1, general 1. "
                         "Responses without a ticket only get general comments.",
        "patterns": ["comments on tickets whose first response took more than 24 h are mostly negative and "
                     "about response speed",
                     "team_d tickets get far more negative comments about service attitude",
                     "clearly negative comments (about 5%) are mostly about response speed and solutions"],
        "language": "each customer writes in one language (Chinese with the region's p_chinese)",
    },
    "transactions": {
        "bgnbd": BGNBD, "gamma_gamma": GAMMA_GAMMA, "time_unit": "weeks", "fit_check": _BGNBD_FIT_CHECK,
        "mechanism": "first purchase at signup; repeat purchases Poisson(lambda), lambda ~ Gamma(r, alpha); after "
                     "each repeat purchase the customer drops out with probability p ~ Beta(a, b); amount per "
                     "purchase ~ Gamma(p, nu), nu ~ Gamma(q, v) (rate parameterisation; mean p*v/(q-1) = 240); "
                     "amounts rounded to cents; revenue = sum of the customer's kept purchases.",
        "churn_truncation": "purchases after a customer's churn_date are removed. Churn is independent of the "
                            "purchase process (tier, plan and ticket behaviour do not depend on lambda, p or "
                            "spend), so the truncation is non-informative censoring: fit BG/NBD with each "
                            "customer's T ending at min(churn_date, 2026-06-30) to recover r, alpha, a, b. Using "
                            "the data end as T for churned customers makes them look like early drop-outs and "
                            "biases the dropout (a, b) towards more dropout and lambda down.",
    },
    "agents": AGENTS[["agent_id", "team", "hire_date", "fcr_effect", "log_handle_effect"]].to_dict("records"),
    "late_joiners": [a for a, d in zip(AGENTS["agent_id"], AGENTS["hire_day"]) if d >= _day("2026-01-01")],
    "pii_strings": [s for _, s in PII_DESCRIPTION + PII_COMMENT],
    "pii": {"descriptions": [{"type": t, "value": s} for t, s in PII_DESCRIPTION],
            "comments": [{"type": t, "value": s} for t, s in PII_COMMENT],
            "note": "Each string appears exactly once: the description ones in one ticket description each, "
                    "the comment ones in one survey comment each. Resident ID numbers carry a valid GB 11643 "
                    "check digit and card numbers pass the Luhn check, as real ones do"},
    # realised numbers in the committed default dataset (seed 20250101, 18,000 customers)
    "default_dataset": _DEFAULT_DATASET,
}


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------
def _choice(rng: np.random.Generator, probs: np.ndarray, size: int) -> np.ndarray:
    """Vectorised categorical draw: codes 0..k-1 with probabilities ``probs``."""
    cum = np.cumsum(probs / probs.sum())
    return np.minimum(np.searchsorted(cum, rng.random(size), side="right"), len(probs) - 1)


def _choice_rows(rng: np.random.Generator, prob_rows: np.ndarray) -> np.ndarray:
    """One categorical draw per row of an (n, k) matrix of weights."""
    cum = np.cumsum(prob_rows, axis=1)
    u = rng.random(len(prob_rows)) * cum[:, -1]
    return np.minimum((cum <= u[:, None]).sum(axis=1), prob_rows.shape[1] - 1)


def _lognormal(rng: np.random.Generator, median, sigma, size: int) -> np.ndarray:
    return np.asarray(median) * np.exp(np.asarray(sigma) * rng.standard_normal(size))


def _day_weights() -> np.ndarray:
    """Relative ticket intensity of each day since EPOCH up to the window end (weekday x annual)."""
    days = np.arange(WINDOW_END_DAY)
    dates = EPOCH + days.astype("timedelta64[D]")
    weekday = (days + 6) % 7  # EPOCH is a Sunday; Monday = 0
    doy = (dates - dates.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    annual = 1.0 + ANNUAL_AMPLITUDE * np.cos(2 * np.pi * (doy - ANNUAL_PEAK_DOY) / 365.25)
    w = WEEKDAY_WEIGHTS[weekday] * annual
    return w / w[WINDOW_START_DAY:].mean()


_HOUR_PROFILES = {  # relative ticket intensity per hour of day, by channel
    "phone": np.array([0, 0, 0, 0, 0, 0, 0, 0, 3, 7, 10, 10, 7, 8, 9, 9, 8, 6, 5, 5, 4, 3, 0, 0], float),
    "email": np.array([1, 1, .5, .5, .5, .5, 1, 2, 4, 6, 7, 7, 5, 6, 6, 6, 5, 5, 4, 4, 4, 4, 3, 2], float),
    "chat": np.array([1, .5, .3, .2, .2, .3, .6, 2, 4, 6, 7, 7, 6, 6, 7, 7, 6, 6, 6, 7, 8, 8, 6, 3], float),
    "social": np.array([2, 1, .5, .3, .3, .3, .6, 1.5, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8, 8, 7, 4], float),
}


def _business_seconds(t: np.ndarray) -> np.ndarray:
    """Business seconds (09:00-18:00 Mon-Fri) elapsed between EPOCH and each time ``t``."""
    day = t // DAY
    dates = EPOCH + day.astype("timedelta64[D]")
    before = np.busday_count(EPOCH, dates).astype(np.int64)
    within = np.where(np.is_busday(dates), np.clip(t % DAY - 9 * HOUR, 0, BUSINESS_DAY_SEC), 0)
    return before * BUSINESS_DAY_SEC + within


def _from_business_seconds(b: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_business_seconds` (a business-second count back to a time)."""
    k, rem = np.divmod(b, BUSINESS_DAY_SEC)
    dates = np.busday_offset(EPOCH, k, roll="forward")
    return (dates - EPOCH).astype(np.int64) * DAY + 9 * HOUR + rem


def _to_datetime(sec: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    values = (EPOCH.astype("datetime64[s]") + sec.astype("timedelta64[s]")).astype("datetime64[ns]")
    if missing is not None:
        values = values.copy()
        values[missing] = np.datetime64("NaT")
    return pd.Series(values)


def _codes_to_str(codes: np.ndarray, labels) -> pd.Series:
    """Integer codes (-1 = missing) to a pandas ``str`` Series."""
    values = np.asarray(list(labels), dtype=object)[codes]
    values[np.asarray(codes) < 0] = None  # missing (pandas 2's Categorical.astype("str") would give "nan")
    return pd.Series(values, dtype=STR)


def _strings_to_str(values: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    obj = values.astype(object)
    if missing is not None:
        obj[missing] = None
    return pd.Series(obj, dtype=STR)


def _ids(prefix: str, n: int, width: int) -> pd.Series:
    width = max(width, len(str(n)))
    nums = _text(np.arange(1, n + 1))
    return _strings_to_str(_str_add(prefix, _str_zfill(nums, width)))


def _boolean(values: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    return pd.Series(pd.arrays.BooleanArray(values.astype(bool), np.zeros(len(values), bool)
                                            if missing is None else missing.astype(bool)))


def _parse_template(tpl: str) -> list[tuple[str, str | None]]:
    return [(lit, field) for lit, field, _, _ in string.Formatter().parse(tpl)]


def _render(template_ids: np.ndarray, templates: list[str], slots: dict[str, np.ndarray]) -> np.ndarray:
    """Fill ``templates[template_ids[i]]`` with row i of each slot array, vectorised per template."""
    out = np.full(len(template_ids), "", dtype=StringDType())
    order = np.argsort(template_ids, kind="stable")
    bounds = np.searchsorted(template_ids[order], np.arange(len(templates) + 1))
    for t, tpl in enumerate(templates):
        idx = order[bounds[t]:bounds[t + 1]]
        if idx.size == 0:
            continue
        acc = np.full(idx.size, "", dtype=StringDType())
        for lit, field in _parse_template(tpl):
            if lit:
                acc = _str_add(acc, lit)
            if field:
                acc = _str_add(acc, slots[field][idx])
        out[idx] = acc
    return out


def _template_table(table: dict, keys: list) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Flatten {key: {lang: [templates]}} into a list plus (offset, count) per (key index, lang 0/1)."""
    flat: list[str] = []
    offset = np.zeros((len(keys), 2), np.int64)
    count = np.zeros((len(keys), 2), np.int64)
    for k, key in enumerate(keys):
        for lang_i, lang in enumerate(("en", "zh")):
            offset[k, lang_i] = len(flat)
            count[k, lang_i] = len(table[key][lang])
            flat.extend(table[key][lang])
    return flat, offset, count


def _item_slots(rng: np.random.Generator, product: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concrete item names (EN, ZH) for product-line codes (-1 = none)."""
    n_items = np.array([len(ITEMS[p][0]) for p in PRODUCTS])
    en = np.array([x for p in PRODUCTS for x in ITEMS[p][0]] + [GENERIC_ITEM[0]], dtype=StringDType())
    zh = np.array([x for p in PRODUCTS for x in ITEMS[p][1]] + [GENERIC_ITEM[1]], dtype=StringDType())
    start = np.concatenate([[0], np.cumsum(n_items)[:-1]])
    has = product >= 0
    pick = np.full(len(product), len(en) - 1)
    pick[has] = start[product[has]] + (rng.random(has.sum()) * n_items[product[has]]).astype(np.int64)
    return en[pick], zh[pick]


def _plant_pii(rng: np.random.Generator, texts: np.ndarray, zh: np.ndarray, eligible: np.ndarray,
               pii: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Append one PII sentence to each of len(pii) randomly chosen eligible rows (each string once)."""
    candidates = np.flatnonzero(eligible)
    rows = np.sort(rng.choice(candidates, size=min(len(pii), candidates.size), replace=False))
    texts = texts.copy()
    for row, (kind, value) in zip(rows, pii):
        sentence = PII_SENTENCES[kind]["zh" if zh[row] else "en"].format(pii=value)
        texts[row] = str(texts[row]) + sentence
    return texts, rows


# --------------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------------
def _simulate(seed: int, n_customers: int) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    rng = np.random.default_rng(seed)
    n = n_customers
    weights = _day_weights()
    cum_w = np.concatenate([[0.0], np.cumsum(weights)])

    # ---- customers ----------------------------------------------------------------------
    u = rng.random(n)
    x = (1.4 - np.sqrt(1.96 - 1.6 * u)) / 0.8  # inverse CDF of the density 1.4 - 0.8x on [0, 1]
    signup_day = np.sort(np.minimum((x * WINDOW_END_DAY).astype(np.int64), WINDOW_END_DAY - 1))
    signup_hour = _choice(rng, _HOUR_PROFILES["chat"], n)
    signup_sec = signup_day * DAY + signup_hour * HOUR + rng.integers(0, HOUR, n)
    vip = rng.random(n) < VIP_SHARE
    region = _choice(rng, REGION_SHARES, n)
    plan = np.where(vip, _choice(rng, PLAN_SHARES["VIP"], n), _choice(rng, PLAN_SHARES["standard"], n))
    zh = rng.random(n) < REGION_P_CHINESE[region]
    frailty = rng.gamma(TICKET_FRAILTY_SHAPE, 1.0 / TICKET_FRAILTY_SHAPE, n)
    ticket_rate = TICKETS_PER_CUSTOMER_DAY * frailty * np.where(vip, VIP_TICKET_RATE_MULTIPLIER, 1.0)
    primary_channel = _choice(rng, CHANNEL_SHARES, n)
    handle_effect = rng.normal(0.0, CUSTOMER_HANDLE_SD, n)
    treat_arm = rng.random(n) < 0.5
    signup_month = np.searchsorted(MONTH_STARTS, signup_day, side="right") - 1

    # ---- agents ---------------------------------------------------------------------------
    regular = np.flatnonzero(AGENTS["weight"].to_numpy() > 0)
    agent_w = AGENTS["weight"].to_numpy()[regular]
    agent_fcr = AGENTS["fcr_effect"].to_numpy()
    agent_hire_sec = AGENTS["hire_day"].to_numpy() * DAY
    late = np.flatnonzero(AGENTS["weight"].to_numpy() == 0)
    hour_cum = {c: np.cumsum(_HOUR_PROFILES[c] / _HOUR_PROFILES[c].sum()) for c in CHANNEL_CODES}

    # ---- monthly simulation: churn hazard, tickets, experiment, FCR -----------------------
    alive = np.ones(n, bool)
    churn_sec = np.full(n, -1, np.int64)
    unresolved = np.zeros(n, np.int64)
    assigned_sec = np.full(n, -1, np.int64)
    hazard_base = CHURN_H0 * np.where(vip, CHURN_HR_VIP, 1.0)
    chunks = []
    for m in range(len(MONTH_STARTS) - 1):
        ms, me = MONTH_STARTS[m], MONTH_STARTS[m + 1]
        at_risk = np.flatnonzero(alive & (signup_month < m))
        lam = hazard_base[at_risk] * CHURN_HR_UNRESOLVED ** unresolved[at_risk]
        churners = at_risk[rng.random(at_risk.size) < -np.expm1(-lam)]
        churn_sec[churners] = ms * DAY + (rng.random(churners.size) * (me - ms) * DAY).astype(np.int64)
        if ms >= WINDOW_START_DAY:
            elig = np.flatnonzero(alive & (signup_day + 1 < me))
            lo = np.maximum(ms, signup_day[elig] + 1)
            cnt = rng.poisson(ticket_rate[elig] * (cum_w[me] - cum_w[lo]))
            cust = np.repeat(elig, cnt)
            lo_r = np.repeat(lo, cnt)
            spike = np.zeros(cust.size, bool)
            if ms <= SPIKE_START_DAY < me:
                east = elig[(region[elig] == 0) & (signup_day[elig] + 1 < SPIKE_END_DAY)]
                lo_s = np.maximum(SPIKE_START_DAY, signup_day[east] + 1)
                extra_mean = 2.0 * CATEGORY_SHARES[2] / CATEGORY_SHARES.sum() * ticket_rate[east] * (
                    cum_w[SPIKE_END_DAY] - cum_w[lo_s])
                cnt_s = rng.poisson(extra_mean)
                cust = np.concatenate([cust, np.repeat(east, cnt_s)])
                lo_r = np.concatenate([lo_r, np.repeat(lo_s, cnt_s)])
                hi_r = np.concatenate([np.full(cnt.sum(), me), np.full(cnt_s.sum(), SPIKE_END_DAY)])
                spike = np.concatenate([spike, np.ones(cnt_s.sum(), bool)])
            else:
                hi_r = np.full(cust.size, me)
            k = cust.size
            target = cum_w[lo_r] + rng.random(k) * (cum_w[hi_r] - cum_w[lo_r])
            day = np.clip(np.searchsorted(cum_w, target, side="right") - 1, lo_r, hi_r - 1)
            use_primary = rng.random(k) < PRIMARY_CHANNEL_WEIGHT
            channel = np.where(use_primary, primary_channel[cust], _choice(rng, CHANNEL_SHARES, k))
            hour = np.zeros(k, np.int64)
            u_h = rng.random(k)
            for c_i, c in enumerate(CHANNEL_CODES):
                sel = channel == c_i
                hour[sel] = np.minimum(np.searchsorted(hour_cum[c], u_h[sel], side="right"), 23)
            created = day * DAY + hour * HOUR + rng.integers(0, HOUR, k)
            keep = (churn_sec[cust] < 0) | (created < churn_sec[cust])
            cust, created, channel, spike = cust[keep], created[keep], channel[keep], spike[keep]
            k = cust.size
            category = np.where(spike, 2, _choice(rng, CATEGORY_SHARES, k))
            priority = np.where(vip[cust], _choice(rng, PRIORITY_SHARES["VIP"], k),
                                _choice(rng, PRIORITY_SHARES["standard"], k))
            agent = regular[_choice(rng, agent_w, k)]
            u_late = rng.random(k)
            for j, a in enumerate(late):
                take = (created >= agent_hire_sec[a]) & (u_late >= j * LATE_JOINER_TICKET_SHARE) & (
                    u_late < (j + 1) * LATE_JOINER_TICKET_SHARE)
                agent[take] = a
            # experiment: assignment at the first ticket in the window, then all tickets to 2026-04-30
            in_exp = (created >= EXP_START_DAY * DAY) & (created < EXP_END_DAY * DAY)
            if in_exp.any():
                new = in_exp & (assigned_sec[cust] < 0)
                first = np.full(n, np.iinfo(np.int64).max)
                np.minimum.at(first, cust[new], created[new])
                newly = np.flatnonzero(first < np.iinfo(np.int64).max)
                assigned_sec[newly] = first[newly]
            exp_ticket = in_exp & (assigned_sec[cust] >= 0) & (created >= assigned_sec[cust])
            treated = exp_ticket & treat_arm[cust]
            p_fcr = np.clip(FCR_BASE + FCR_CHANNEL[channel] + FCR_CATEGORY[category] + FCR_PRIORITY[priority]
                            + agent_fcr[agent], *FCR_CLIP)
            fcr = rng.random(k) < p_fcr + EXP_FCR_LIFT * treated
            unresolved += np.bincount(cust[~fcr], minlength=n)
            chunks.append(dict(cust=cust, created=created, channel=channel, category=category,
                               priority=priority, agent=agent, spike=spike, exp_ticket=exp_ticket,
                               treated=treated, fcr=fcr, p_fcr=p_fcr))
        alive[churners] = False

    t = {key: np.concatenate([c[key] for c in chunks]) for key in chunks[0]}
    order = np.lexsort((t["cust"], t["created"]))
    t = {key: v[order] for key, v in t.items()}
    k = t["cust"].size
    cust, created, channel, category = t["cust"], t["created"], t["channel"], t["category"]
    fcr, spike, agent = t["fcr"], t["spike"], t["agent"]

    # ---- ticket attributes ----------------------------------------------------------------
    sub_codes = [code for cat in CATEGORY_CODES for code, _ in SUB_REASONS[cat]]
    sub_start = np.cumsum([0] + [len(SUB_REASONS[c]) for c in CATEGORY_CODES])[:-1]
    sub_reason = np.zeros(k, np.int64)
    for c_i, cat in enumerate(CATEGORY_CODES):
        sel = np.flatnonzero(category == c_i)
        sub_reason[sel] = sub_start[c_i] + _choice(rng, np.array([p for _, p in SUB_REASONS[cat]]), sel.size)
    late_delivery = sub_codes.index("late_delivery")
    sub_reason[spike] = late_delivery
    carrier = np.where(category == 2, _choice(rng, CARRIER_SHARES, k), -1)
    carrier[spike] = 0
    product = _choice(rng, PRODUCT_SHARES, k)
    product[(category == 4) & (rng.random(k) < OTHER_CATEGORY_PRODUCT_MISSING)] = -1
    priority = t["priority"]
    team_idx = np.searchsorted(np.array(TEAMS), AGENTS["team"].to_numpy())[agent]
    p_esc = ESCALATION_NON_FCR + ESCALATION_URGENT * (priority == 3) + ESCALATION_HIGH * (priority == 2) + (
        ESCALATION_ATTITUDE * (category == 1))
    escalated = ~fcr & (rng.random(k) < p_esc)
    reopened = ~fcr & (rng.random(k) < REOPEN_NON_FCR)
    contacts = np.where(fcr, 1, 2 + rng.poisson(0.5 + 0.7 * escalated + 0.6 * reopened))

    talk = np.minimum(TALK_MEDIAN_MIN[channel] * CATEGORY_HANDLE_MULTIPLIER[category] * np.exp(
        handle_effect[cust] + AGENTS["log_handle_effect"].to_numpy()[agent]
        + TALK_SIGMA[channel] * rng.standard_normal(k)), TALK_CAP_MIN)
    rollout = (team_idx == TEAMS.index(ROLLOUT_TEAM)) & (created >= ROLLOUT_DAY * DAY)
    wrap = rng.uniform(*WRAP_UP_MIN, k) + ROLLOUT_EFFECT_MIN * rollout
    handle = np.round((talk + wrap) * np.where(t["treated"], EXP_HANDLE_MULTIPLIER, 1.0), 2)

    wait = np.zeros(k, np.int64)
    for c_i, c in enumerate(CHANNEL_CODES):
        sel = np.flatnonzero(channel == c_i)
        median, sigma, unit = FIRST_RESPONSE[c]
        draw = _lognormal(rng, median, sigma, sel.size)
        if unit == "seconds":
            wait[sel] = np.maximum(np.round(np.minimum(draw, 3600)), 1).astype(np.int64)
        else:
            b = _business_seconds(created[sel]) + np.maximum(np.round(np.minimum(draw, 45) * HOUR), 60).astype(
                np.int64)
            wait[sel] = _from_business_seconds(b) - created[sel]
    first_resp = created + wait
    extra_h = _lognormal(rng, RESOLUTION_NON_FCR_MEDIAN_H, RESOLUTION_NON_FCR_SIGMA, k) * (
        1 + RESOLUTION_PER_EXTRA_CONTACT * (contacts - 2)) * np.where(escalated, RESOLUTION_ESCALATED, 1.0)
    resolve_after = np.where(fcr, np.round(handle * 60), np.round(np.minimum(extra_h, 60 * 24) * HOUR))
    resolved = first_resp + resolve_after.astype(np.int64)
    no_response = first_resp >= END_SEC
    open_ = resolved >= END_SEC
    fcr_obs_missing = no_response
    fcr_obs = fcr & ~open_
    tenure = np.round((created - agent_hire_sec[agent]) / MONTH_SEC, 1)

    # descriptions
    desc_keys = sub_codes + ["_spike"]
    desc_flat, desc_off, desc_cnt = _template_table(DESCRIPTION_TEMPLATES, desc_keys)
    lang = zh[cust].astype(np.int64)
    key = np.where(spike, len(sub_codes), sub_reason)
    tpl = desc_off[key, lang] + (rng.random(k) * desc_cnt[key, lang]).astype(np.int64)
    item_en, item_zh = _item_slots(rng, product)
    carrier_en = np.array([CARRIER_NAMES[c][0] for c in CARRIERS] + ["the courier"], dtype=StringDType())
    carrier_zh = np.array([CARRIER_NAMES[c][1] for c in CARRIERS] + ["快递"], dtype=StringDType())
    days = _text(np.where(spike, rng.integers(3, 9, k), rng.integers(2, 11, k)))
    slots = {"item": np.where(lang == 1, item_zh, item_en),
             "carrier": np.where(lang == 1, carrier_zh[carrier], carrier_en[carrier]),
             "days": days}
    description = _render(tpl, desc_flat, slots)
    desc_missing = (rng.random(k) < 0.01) & ~spike
    description, desc_pii_rows = _plant_pii(rng, description, lang == 1, ~desc_missing & ~spike, PII_DESCRIPTION)

    first_response_over_24h = wait > 24 * HOUR

    # ---- survey responses -----------------------------------------------------------------
    surveyed = np.flatnonzero(~open_ & (rng.random(k) < SURVEY_RESPONSE_RATE))
    sub_at = resolved[surveyed] + np.round(np.minimum(_lognormal(rng, 3.0, 1.3, surveyed.size), 14 * 24) * HOUR
                                           ).astype(np.int64)
    ok = sub_at < END_SEC
    surveyed, sub_at = surveyed[ok], sub_at[ok]
    r_t = surveyed
    nm = NPS_MODEL
    z_t = (nm["intercept"] + nm["fcr"] * fcr[r_t] + nm["escalated"] * escalated[r_t]
           + nm["first_response_over_24h"] * first_response_over_24h[r_t]
           + nm["per_extra_contact"] * np.minimum(contacts[r_t] - 1, 4) + nm["reopened"] * reopened[r_t]
           + nm["service_attitude_category"] * (category[r_t] == 1) + nm["team_d"] * (team_idx[r_t] == 3)
           + nm["vip"] * vip[cust[r_t]] + rng.normal(0, nm["noise_sd"], r_t.size))
    # responses without a ticket (relationship surveys) from customers active at that moment
    n_free = int(round(SURVEY_NO_TICKET_SHARE * r_t.size))
    cand_t = rng.integers(WINDOW_START_DAY * DAY, END_SEC, 4 * n_free + 10)
    cand_c = rng.integers(0, n, cand_t.size)
    active = (signup_sec[cand_c] < cand_t) & ((churn_sec[cand_c] < 0) | (cand_t < churn_sec[cand_c]))
    free_t, free_c = cand_t[active][:n_free], cand_c[active][:n_free]
    n_free = free_t.size
    z_f = nm["no_ticket_intercept"] + rng.normal(0, nm["no_ticket_sd"], n_free)
    z = np.concatenate([z_t, z_f])
    n_resp = z.size
    r_cust = np.concatenate([cust[r_t], free_c])
    r_ticket = np.concatenate([r_t, np.full(n_free, -1)])
    r_sub = np.concatenate([sub_at, free_t])
    nps = np.clip(np.round(z), 0, 10) + 0.0  # + 0.0 turns -0.0 into 0.0
    csat = np.clip(np.round(CSAT_MODEL["intercept"] + CSAT_MODEL["slope"] * (
        z + rng.normal(0, CSAT_MODEL["noise_sd"], n_resp))), 1, 5)
    u_miss = rng.random(n_resp)
    nps_missing = u_miss < SCORE_MISSING
    csat_missing = (u_miss >= SCORE_MISSING) & (u_miss < 2 * SCORE_MISSING)
    sentiment = np.select([nps <= 2, nps <= 6, nps <= 8], [0, 1, 2], 3)
    has_comment = rng.random(n_resp) < np.array([COMMENT_PROB[s] for s in SENTIMENTS])[sentiment]

    has_t = r_ticket >= 0
    rt = np.where(has_t, r_ticket, 0)
    f_slow = has_t & first_response_over_24h[rt]
    f_fast = has_t & (wait[rt] < HOUR)
    f_fcr = has_t & fcr[rt]
    f_team_d = has_t & (team_idx[rt] == 3)
    f_cat = np.where(has_t, category[rt], -1)
    f_esc = has_t & escalated[rt]
    f_reo = has_t & reopened[rt]
    f_multi = has_t & (contacts[rt] >= 3)
    zero = np.zeros(n_resp)
    neg_w = np.stack([1 + 15 * f_slow + 1 * f_multi, 1 + 3 * (has_t & ~f_fcr) + 2 * f_reo + 2 * f_esc,
                      0.5 + 4 * f_team_d + 3 * (f_cat == 1), 1.5 * (f_cat == 0), 1.5 * (f_cat == 2), zero], axis=1)
    neu_w = np.stack([4.0 * f_slow, 2.0 * (has_t & ~f_fcr), zero, zero, zero, 1 + zero], axis=1)
    pos_w = np.stack([1 + 2.0 * f_fast, 1 + 2.0 * f_fcr, 1 + zero, zero, zero, 1 + zero], axis=1)
    pos_w[~has_t, :3] = 0  # relationship surveys: general comments only
    neg_w[~has_t] = 0
    neg_w[~has_t, 5] = 1
    w = np.where((sentiment <= 1)[:, None], neg_w, np.where((sentiment == 2)[:, None], neu_w, pos_w))
    topic = _choice_rows(rng, w)
    comment_keys = list(COMMENT_TEMPLATES)
    key_index = {key_: i for i, key_ in enumerate(comment_keys)}
    lookup = np.full((len(SENTIMENTS), len(COMMENT_TOPICS)), -1)
    for (s, tp), i in key_index.items():
        lookup[SENTIMENTS.index(s), COMMENT_TOPICS.index(tp)] = i
    ckey = lookup[sentiment, topic]
    if (ckey < 0).any():  # pragma: no cover - guarded by the weight matrices above
        raise AssertionError("comment topic without template")
    c_flat, c_off, c_cnt = _template_table(COMMENT_TEMPLATES, comment_keys)
    r_lang = zh[r_cust].astype(np.int64)
    c_tpl = c_off[ckey, r_lang] + (rng.random(n_resp) * c_cnt[ckey, r_lang]).astype(np.int64)
    # the wait a comment mentions: the first response if it took over an hour, else the resolution
    waited = np.where(wait[rt] > HOUR, wait[rt], np.where(open_[rt], wait[rt], resolved[rt] - created[rt]))
    wait_h = np.maximum(waited // HOUR, 1)
    wait_d = np.maximum(np.round(waited / DAY), 1).astype(np.int64)
    wait_en = np.where(wait_h < 24,
                       _str_add(_text(wait_h), np.where(wait_h == 1, " hour", " hours")),
                       _str_add(_text(wait_d), np.where(wait_d == 1, " day", " days")))
    wait_zh = np.where(wait_h < 24, _str_add(_text(wait_h), "个小时"),
                       _str_add(_text(wait_d), "天"))
    r_item_en, r_item_zh = _item_slots(rng, np.where(has_t, product[rt], -1))
    c_slots = {"wait": np.where(r_lang == 1, wait_zh, wait_en),
               "item": np.where(r_lang == 1, r_item_zh, r_item_en),
               "contacts": _text(contacts[rt]),
               "days": _text(rng.integers(3, 10, n_resp))}
    comment = _render(c_tpl, c_flat, c_slots)
    comment, comment_pii_rows = _plant_pii(rng, comment, r_lang == 1, has_comment, PII_COMMENT)

    r_order = np.lexsort((r_cust, r_sub))

    # ---- transactions: BG/NBD purchases, Gamma-Gamma spend --------------------------------
    bg, gg = BGNBD, GAMMA_GAMMA
    lam = rng.gamma(bg["r"], 1.0 / bg["alpha"], n)  # purchases per week
    p_drop = rng.beta(bg["a"], bg["b"], n)
    n_before_drop = rng.geometric(p_drop)  # repeat purchases up to and including the one after which they drop
    horizon_weeks = (END_SEC - signup_sec) / (7 * DAY)
    n_poisson = rng.poisson(lam * horizon_weeks)
    tx_cust = np.repeat(np.arange(n), n_poisson)
    tx_time = signup_sec[tx_cust] + (rng.random(tx_cust.size) * (END_SEC - signup_sec[tx_cust])).astype(np.int64)
    tx_order = np.lexsort((tx_time, tx_cust))
    tx_cust, tx_time = tx_cust[tx_order], tx_time[tx_order]
    starts = np.concatenate([[0], np.cumsum(n_poisson)[:-1]])
    rank = np.arange(tx_cust.size) - starts[tx_cust]
    keep = rank < n_before_drop[tx_cust]
    tx_cust = np.concatenate([np.arange(n), tx_cust[keep]])
    tx_time = np.concatenate([signup_sec, tx_time[keep]])
    nu = rng.gamma(gg["q"], 1.0 / gg["v"], n)
    amount = np.maximum(np.round(rng.gamma(gg["p"], 1.0 / nu[tx_cust]), 2), 0.01)
    kept = (churn_sec[tx_cust] < 0) | (tx_time < churn_sec[tx_cust])
    tx_cust, tx_time, amount = tx_cust[kept], tx_time[kept], amount[kept]
    tx_order = np.lexsort((tx_cust, tx_time))
    tx_cust, tx_time, amount = tx_cust[tx_order], tx_time[tx_order], amount[tx_order]
    revenue = np.round(np.bincount(tx_cust, weights=amount, minlength=n), 2)

    # ---- assignments ----------------------------------------------------------------------
    units = np.flatnonzero(assigned_sec >= 0)
    units = units[np.lexsort((units, assigned_sec[units]))]
    a_sec = assigned_sec[units]
    # pre-period: the unit's tickets in [assigned_at - 90 days, assigned_at)
    unit_of_customer = np.full(n, -1)
    unit_of_customer[units] = np.arange(units.size)
    u_of_t = unit_of_customer[cust]
    in_pre = (u_of_t >= 0)
    in_pre[in_pre] = (created[in_pre] < a_sec[u_of_t[in_pre]]) & (
        created[in_pre] >= a_sec[u_of_t[in_pre]] - 90 * DAY)
    pre_n = np.bincount(u_of_t[in_pre], minlength=units.size).astype(float)
    pre_sum = np.bincount(u_of_t[in_pre], weights=handle[in_pre], minlength=units.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        pre_mean = pre_sum / pre_n
    fill = np.round(pre_mean[pre_n > 0].mean(), 4) if (pre_n > 0).any() else float(np.round(handle.mean(), 4))
    pre_mean = np.where(pre_n > 0, np.round(pre_mean, 4), fill)

    # ---- frames ---------------------------------------------------------------------------
    customer_ids = _ids("C", n, 6)
    cid = customer_ids.to_numpy()
    ticket_ids = _ids("T", k, 8)
    tickets = pd.DataFrame({
        "ticket_id": ticket_ids,
        "customer_id": pd.Series(cid[cust], dtype=STR),
        "created_at": _to_datetime(created),
        "first_response_at": _to_datetime(first_resp, no_response),
        "resolved_at": _to_datetime(resolved, open_),
        "channel": _codes_to_str(channel, CHANNEL_CODES),
        "category": _codes_to_str(category, CATEGORY_CODES),
        "sub_reason": _codes_to_str(sub_reason, sub_codes),
        "product": _codes_to_str(product, PRODUCTS),
        "region": _codes_to_str(region[cust], REGION_CODES),
        "carrier": _codes_to_str(carrier, CARRIERS),
        "agent_id": _codes_to_str(agent, AGENTS["agent_id"]),
        "team": _codes_to_str(team_idx, TEAMS),
        "agent_tenure_months": pd.Series(tenure, dtype="float64"),
        "priority": _codes_to_str(priority, PRIORITY_CODES),
        "contacts": pd.Series(contacts, dtype="float64"),
        "first_contact_resolved": _boolean(fcr_obs, fcr_obs_missing),
        "escalated": _boolean(escalated),
        "reopened": _boolean(reopened & ~open_),
        "handle_time_minutes": pd.Series(handle, dtype="float64"),
        "description": _strings_to_str(description, desc_missing),
    })
    tid = ticket_ids.to_numpy()
    r_tid = np.where(has_t, tid[rt], None)
    responses = pd.DataFrame({
        "response_id": _ids("R", n_resp, 7),
        "customer_id": pd.Series(cid[r_cust[r_order]], dtype=STR),
        "ticket_id": pd.Series(r_tid[r_order], dtype=STR),
        "submitted_at": _to_datetime(r_sub[r_order]),
        "nps": pd.Series(np.where(nps_missing, np.nan, nps)[r_order], dtype="float64"),
        "csat": pd.Series(np.where(csat_missing, np.nan, csat)[r_order], dtype="float64"),
        "comment": _strings_to_str(comment[r_order], ~has_comment[r_order]),
    })
    churned = churn_sec >= 0
    customers = pd.DataFrame({
        "customer_id": customer_ids,
        "signup_date": _to_datetime(signup_sec),
        "tier": _codes_to_str(vip.astype(np.int64), ("standard", "VIP")),
        "region": _codes_to_str(region, REGION_CODES),
        "plan": _codes_to_str(plan, PLANS),
        "churned": _boolean(churned),
        "churn_date": _to_datetime(np.maximum(churn_sec, 0), ~churned),
        "revenue": pd.Series(revenue, dtype="float64"),
    })
    transactions = pd.DataFrame({
        "customer_id": pd.Series(cid[tx_cust], dtype=STR),
        "transaction_date": _to_datetime(tx_time),
        "amount": pd.Series(amount, dtype="float64"),
        "transaction_id": _ids("P", tx_cust.size, 8),
    })
    assignments = pd.DataFrame({
        "unit_id": pd.Series(cid[units], dtype=STR),
        "variant": _codes_to_str(treat_arm[units].astype(np.int64), ("control", "treatment")),
        "assigned_at": _to_datetime(a_sec),
        "experiment_id": pd.Series(["smart_triage"] * units.size, dtype=STR),
        "unit_type": pd.Series(["customer"] * units.size, dtype=STR),
        "pre_tickets_90d": pd.Series(pre_n, dtype="float64"),
        "pre_handle_time_minutes": pd.Series(pre_mean, dtype="float64"),
    })
    frames = {"tickets": tickets, "responses": responses, "customers": customers,
              "transactions": transactions, "assignments": assignments}

    pii_resp = np.zeros(n_resp, bool)
    pii_resp[comment_pii_rows] = True
    pii_desc = np.zeros(k, bool)
    pii_desc[desc_pii_rows] = True
    labels = {
        "tickets": pd.DataFrame({
            "ticket_id": ticket_ids, "spike_excess": spike, "experiment_ticket": t["exp_ticket"],
            "treated": t["treated"], "fcr_probability": t["p_fcr"] + EXP_FCR_LIFT * t["treated"],
            "first_response_over_24h": first_response_over_24h, "language": np.where(lang == 1, "zh", "en"),
            "has_pii": pii_desc, "customer_handle_effect": handle_effect[cust],
        }),
        "responses": pd.DataFrame({
            "response_id": responses["response_id"],
            "sentiment": np.array(SENTIMENTS)[sentiment][r_order],
            "topic": np.array(COMMENT_TOPICS)[topic][r_order],
            "language": np.where(r_lang == 1, "zh", "en")[r_order],
            "has_comment": has_comment[r_order], "has_pii": pii_resp[r_order],
        }),
        "customers": pd.DataFrame({
            "customer_id": customer_ids, "bgnbd_lambda": lam, "bgnbd_p": p_drop, "gamma_gamma_nu": nu,
            "ticket_rate_per_day": ticket_rate, "unresolved_tickets": unresolved,
            "handle_effect": handle_effect, "language": np.where(zh, "zh", "en"),
        }),
    }
    return frames, labels


def _realised(frames: dict[str, pd.DataFrame], labels: dict[str, pd.DataFrame]) -> dict:
    """Headline numbers of one generated dataset (TRUTH["default_dataset"] holds them for the default).

    Everything except the expected control FCR and the sentiment labels is computed from the five
    tables alone, with the simple aggregates an analyst would use.
    """
    T, R, C, X, A = (frames[name] for name in TABLE_NAMES)
    lt, lr = labels["tickets"], labels["responses"]
    r2 = lambda v: round(float(v), 2)  # noqa: E731
    r4 = lambda v: round(float(v), 4)  # noqa: E731
    out: dict = {"rows": {name: int(len(frames[name])) for name in TABLE_NAMES},
                 "first_ticket": str(T["created_at"].min()), "last_ticket": str(T["created_at"].max())}

    # spike: weekly east logistics counts, 3 spike weeks vs 4 weeks before and 4 after
    east = T[(T["category"] == "logistics") & (T["region"] == "east")]
    week = east["created_at"].dt.to_period("W-SUN").dt.start_time.value_counts()
    spike_weeks = pd.date_range(TRUTH["spike"]["start"], periods=3, freq="7D")
    base_weeks = pd.date_range("2025-10-13", periods=4, freq="7D").append(pd.date_range("2025-12-01", periods=4,
                                                                                          freq="7D"))
    spike_mean = week.reindex(spike_weeks, fill_value=0).mean()
    base_mean = week.reindex(base_weeks, fill_value=0).mean()
    in_spike = east[(east["created_at"] >= "2025-11-10") & (east["created_at"] < "2025-12-01")]
    swift_late = (in_spike["carrier"] == "swift_express") & (in_spike["sub_reason"] == "late_delivery")
    out["spike"] = {"baseline_weekly_tickets": r2(base_mean), "spike_weekly_tickets": r2(spike_mean),
                    "ratio": r2(spike_mean / base_mean), "spike_tickets": int(len(in_spike)),
                    "swift_express_late_delivery": int(swift_late.sum()),
                    "excess_over_baseline": r2(len(in_spike) - 3 * base_mean),
                    "planted_extra_tickets": int(lt["spike_excess"].sum())}

    # experiment
    units = A.set_index("unit_id")[["assigned_at", "variant"]]
    m = T.join(units, on="customer_id", how="inner")
    m = m[(m["created_at"] >= m["assigned_at"]) & (m["created_at"] < "2026-05-01")]
    n_units = A["variant"].value_counts()
    n_all = int(n_units.sum())
    z = (n_units.get("treatment", 0) - n_all / 2) / math.sqrt(n_all / 4)
    by = m.groupby("variant").agg(tickets=("ticket_id", "size"), fcr=("first_contact_resolved", "mean"),
                                  handle=("handle_time_minutes", "mean"))
    unit_y = m.groupby("customer_id")["handle_time_minutes"].mean()
    cov = A.set_index("unit_id").join(unit_y.rename("y"), how="inner")
    corr = cov["pre_handle_time_minutes"].corr(cov["y"])
    exp_ctrl = lt["experiment_ticket"] & ~lt["treated"]
    out["experiment"] = {
        "units_control": int(n_units.get("control", 0)), "units_treatment": int(n_units.get("treatment", 0)),
        "srm_p_value": r4(math.erfc(abs(z) / math.sqrt(2))),
        "tickets_control": int(by.loc["control", "tickets"]), "tickets_treatment": int(by.loc["treatment", "tickets"]),
        "fcr_control": r4(by.loc["control", "fcr"]), "fcr_treatment": r4(by.loc["treatment", "fcr"]),
        "fcr_difference": r4(by.loc["treatment", "fcr"] - by.loc["control", "fcr"]),
        "expected_fcr_control": r4(lt.loc[exp_ctrl, "fcr_probability"].mean()),
        "handle_control": r2(by.loc["control", "handle"]), "handle_treatment": r2(by.loc["treatment", "handle"]),
        "handle_ratio": r4(by.loc["treatment", "handle"] / by.loc["control", "handle"]),
        "units_without_pre_tickets": int((A["pre_tickets_90d"] == 0).sum()),
        "pre_handle_time_fill": r4(A.loc[A["pre_tickets_90d"] == 0, "pre_handle_time_minutes"].iloc[0])
        if (A["pre_tickets_90d"] == 0).any() else None,
        "cuped_correlation": r4(corr), "cuped_variance_reduction": r4(corr ** 2),
    }

    # rollout: difference in differences of mean handle time, 6 months either side
    w = T[(T["created_at"] >= "2025-03-01") & (T["created_at"] < "2026-03-01")]
    g = w.groupby([w["team"] == ROLLOUT_TEAM, w["created_at"] >= "2025-09-01"])["handle_time_minutes"].mean()
    out["rollout"] = {"window": ["2025-03-01", "2026-02-28"],
                      "did_minutes": r4((g[(True, True)] - g[(True, False)]) - (g[(False, True)] - g[(False, False)]))}

    # churn
    churned = C["churned"].to_numpy(dtype=bool)
    in_window = churned & (C["churn_date"] >= "2025-01-01").to_numpy(dtype=bool, na_value=False)
    out["churn"] = {"churned": int(churned.sum()), "churned_share": r4(churned.mean()),
                    "churned_in_window": int(in_window.sum()),
                    "churned_share_vip": r4(C.loc[C["tier"] == "VIP", "churned"].mean()),
                    "churned_share_standard": r4(C.loc[C["tier"] == "standard", "churned"].mean())}

    # NPS / CSAT
    rt = R.join(T.set_index("ticket_id")[["first_contact_resolved", "escalated", "team"]], on="ticket_id")
    nps = R["nps"].dropna()
    promoter = (rt["nps"] >= 9).where(rt["nps"].notna())
    detractor = (rt["nps"] <= 6).where(rt["nps"].notna())
    fcr_r = rt["first_contact_resolved"].astype("boolean")
    esc_r = rt["escalated"].astype("boolean")
    out["nps"] = {"nps": r2(100 * ((nps >= 9).mean() - (nps <= 6).mean())), "csat_mean": r4(R["csat"].mean()),
                  "promoter_share_fcr": r4(promoter[fcr_r == True].mean()),  # noqa: E712
                  "promoter_share_not_fcr": r4(promoter[fcr_r == False].mean()),  # noqa: E712
                  "detractor_share_escalated": r4(detractor[esc_r == True].mean()),  # noqa: E712
                  "detractor_share_not_escalated": r4(detractor[esc_r == False].mean())}  # noqa: E712

    # sentiment (labels)
    has = R["comment"].notna().to_numpy()
    lab = lr[has]
    negative = lab["sentiment"].isin(["very_negative", "negative"]).to_numpy()
    slow_ticket = rt["ticket_id"].map(lt.set_index("ticket_id")["first_response_over_24h"]).fillna(False)
    slow = slow_ticket.to_numpy(dtype=bool)[has]
    neg_speed = negative & (lab["topic"] == "speed").to_numpy()
    neg_att = negative & (lab["topic"] == "attitude").to_numpy()
    team_d = (rt["team"] == "team_d").to_numpy(dtype=bool, na_value=False)[has]
    has_team = rt["team"].notna().to_numpy()[has]
    very = (lab["sentiment"] == "very_negative").to_numpy()
    out["sentiment"] = {
        "comments": int(has.sum()), "comment_share": r4(has.mean()),
        "comments_chinese_share": r4((lab["language"] == "zh").mean()),
        "very_negative_share": r4(very.mean()),
        "very_negative_about_speed_or_solution": r4(lab.loc[very, "topic"].isin(["speed", "solution"]).mean()),
        "slow_response_comments": int(slow.sum()),
        "slow_response_negative_speed_share": r4(neg_speed[slow].mean()),
        "other_comments_negative_speed_share": r4(neg_speed[~slow].mean()),
        "team_d_negative_attitude_share": r4(neg_att[team_d].mean()),
        "other_teams_negative_attitude_share": r4(neg_att[~team_d & has_team].mean()),
    }
    out["transactions"] = {"transactions": int(len(X)), "mean_amount": r2(X["amount"].mean()),
                           "revenue_total": r2(C["revenue"].sum())}
    out["tickets"] = {
        "fcr": r4(T["first_contact_resolved"].mean()),
        "resolved_within_24h": r4(((T["resolved_at"] - T["created_at"]) <= pd.Timedelta(hours=24)).mean()),
        "open_at_end": int(T["resolved_at"].isna().sum()),
        "median_handle_phone": r2(T.loc[T["channel"] == "phone", "handle_time_minutes"].median()),
        "channel_share": {c: r4(v) for c, v in T["channel"].value_counts(normalize=True).sort_index().items()},
        "category_share": {c: r4(v) for c, v in T["category"].value_counts(normalize=True).sort_index().items()},
        "description_chinese_share": r4((lt["language"] == "zh").mean()),
    }
    return out


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.2f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def _kv(d: dict) -> str:
    return ", ".join(f"{k} {_fmt(v)}" for k, v in d.items())


def _truth_markdown() -> str:
    """SAMPLE_TRUTH.md, rendered from :data:`TRUTH` (a test keeps the file and TRUTH in step)."""
    T = TRUTH
    d = T["default_dataset"]
    sp, ex, ro, ch, tk = T["spike"], T["experiment"], T["rollout"], T["churn"], T["tickets"]
    dsp, dex, dro, dch = d["spike"], d["experiment"], d["rollout"], d["churn"]
    dnp, dse, dtx, dtk = d["nps"], d["sentiment"], d["transactions"], d["tickets"]
    bg, gg, fit = T["transactions"]["bgnbd"], T["transactions"]["gamma_gamma"], T["transactions"]["fit_check"]
    lines = [
        "# Sample data: the planted ground truth",
        "",
        "<!-- Generated from csm.data.sample.TRUTH by csm.data.sample._truth_markdown(); do not edit by hand. "
        "tests/test_sample.py checks that this file, TRUTH and the committed data/sample files agree. -->",
        "",
        "`csm.data.sample.generate_sample(seed=..., customers=...)` simulates a fictional online retailer with a "
        "service desk. Every pattern below was planted on purpose; the numbers are importable as "
        "`from csm.data.sample import TRUTH`, and `sample_labels()` returns the hidden per-row truth "
        "(spike tickets, experiment tickets, comment sentiment and topic, BG/NBD parameters per customer).",
        "",
        f"- Window: {T['window']['start']} to {T['window']['end']}, naive local time of the company "
        f"({T['window']['timezone']}); the data are as of 2026-06-30 23:59:59.",
        f"- Default: seed {T['seed']}, {T['customers']:,} customers (`data/sample/*.parquet`). `customers=` scales "
        "every volume linearly without changing shares or effects (≈3.4 tickets per customer).",
        "",
        "| table | rows in the default dataset |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {n:,} |" for name, n in d["rows"].items()]
    v, sh = T["volume"], T["shares"]
    lines += [
        "",
        "## The company",
        "",
        f"- Customers sign up from 2023-01-01 to 2026-06-30 ({v['signup_density']}; about two thirds before "
        f"2025). Tier VIP with probability {sh['vip']:.0%}, else standard. Region shares: {_kv(sh['region'])}. "
        "Plan basic / plus / premium (VIP customers hold richer plans). Each customer writes in one language: "
        f"Chinese with probability by region {_kv(sh['region_p_chinese'])}, else English.",
        f"- While active, a customer raises tickets as a Poisson process with rate {v['tickets_per_customer_day']} "
        f"per day × a gamma frailty (shape {v['frailty_gamma_shape']}, mean 1) × {v['vip_rate_multiplier']} for "
        f"VIP × weekday weight (Mon..Sun {', '.join(_fmt(x) for x in v['weekday_weights_mon_to_sun'])}) × annual "
        f"season 1 + {v['annual']['amplitude']}·cos(2π(day of year − {v['annual']['peak_day_of_year']})/365.25) "
        "(peak mid-November, trough mid-May). A growing, churning customer base gives mild growth "
        "(about +15% tickets year on year).",
        f"- Channels: {_kv(sh['channel'])} (each customer has a preferred channel drawn from "
        f"this mix and uses it for 60% of tickets, the mix otherwise, so the mix holds overall). Categories: {_kv(sh['category'])}.",
        "- Sub-reasons within category: " + "; ".join(f"{c}: {_kv(r)}" for c, r in sh["sub_reason"].items()) + ".",
        f"- Carriers (logistics tickets only, empty otherwise): {_kv(sh['carrier'])}. Product lines: "
        f"{_kv(sh['product'])} (85% of `other` tickets have none).",
        f"- Agents: {len(T['agents'])} (A001–A{len(T['agents']):03d}) in 6 teams team_a–team_f, the same roster "
        f"for every seed (table at the end). {', '.join(T['late_joiners'])} joined in June 2026 and have very "
        "few tickets.",
        "",
        "In the default dataset: "
        f"FCR {dtk['fcr']:.1%}, resolved within 24 h of creation {dtk['resolved_within_24h']:.1%}, "
        f"{dtk['open_at_end']} tickets still open at the end, median phone handle time "
        f"{dtk['median_handle_phone']} min; channel shares {_kv(dtk['channel_share'])}; category shares "
        f"{_kv(dtk['category_share'])}; {dtk['description_chinese_share']:.1%} of descriptions in Chinese.",
        "",
        "## 1. Complaint spike (east, logistics, swift_express)",
        "",
        f"- {sp['mechanism']}",
        f"- Window {sp['start']} to {sp['end']} (three Monday–Sunday weeks), multiplier {sp['multiplier']:g}.",
        f"- Default dataset: east logistics tickets per week {dsp['baseline_weekly_tickets']} in the four weeks "
        f"before and after vs {dsp['spike_weekly_tickets']} in the spike weeks (ratio {dsp['ratio']}); "
        f"{dsp['spike_tickets']} tickets in the spike weeks of which {dsp['swift_express_late_delivery']} are "
        f"swift_express / late_delivery; excess over baseline {dsp['excess_over_baseline']}, planted extra "
        f"tickets {dsp['planted_extra_tickets']}.",
        "",
        f"## 2. A/B test `{ex['experiment_id']}`",
        "",
        f"- Randomised by {ex['unit_type']} (unit_id = customer_id), allocation {ex['allocation']:g} by an "
        f"independent coin flip per customer, at their first ticket in {ex['assignment_window'][0]}.."
        f"{ex['assignment_window'][1]} (assigned_at = {ex['assigned_at']}). No sample-ratio mismatch by design.",
        f"- Experiment tickets: {ex['experiment_tickets']}.",
        f"- Effects on experiment tickets: handle time × {ex['handle_time_multiplier']} (the whole handle time, so "
        f"the ratio of means and of geometric means are both {ex['handle_time_multiplier']}); first-contact "
        f"resolution +{ex['fcr_lift'] * 100:g} percentage points ({ex['fcr_mechanism']}). The control FCR level is "
        f"{ex['control_fcr_design']}.",
        f"- Pre-period covariates: {ex['pre_period']}. Every customer has a persistent handle-time effect "
        f"(log scale, sd {ex['customer_handle_effect_sd']}), so pre_handle_time_minutes correlates with the "
        "outcome and CUPED reduces variance.",
        f"- Default dataset: {dex['units_control']:,} control / {dex['units_treatment']:,} treatment units "
        f"(SRM p = {dex['srm_p_value']}); experiment tickets {dex['tickets_control']:,} / "
        f"{dex['tickets_treatment']:,}; FCR {dex['fcr_control']} vs {dex['fcr_treatment']} (difference "
        f"{dex['fcr_difference']:+}; expected control FCR {dex['expected_fcr_control']}); mean handle time "
        f"{dex['handle_control']} vs {dex['handle_treatment']} min (ratio {dex['handle_ratio']}); "
        f"{dex['units_without_pre_tickets']:,} units without pre-period tickets filled with "
        f"{dex['pre_handle_time_fill']} min; correlation of pre_handle_time_minutes with the unit's mean "
        f"experiment handle time {dex['cuped_correlation']} (CUPED variance reduction ≈ "
        f"{dex['cuped_variance_reduction']:.1%}).",
        "",
        f"## 3. Knowledge-base rollout in {ro['team']} (difference in differences)",
        "",
        f"- {ro['team']} adopts a knowledge-base assistant on {ro['date']}: handle time {ro['effect_minutes']:+g} "
        "min per ticket (additive).",
        f"- {ro['mechanism']}",
        f"- Default dataset: DiD of mean handle time ({dro['window'][0]}..{dro['window'][1]}, {ro['team']} vs the "
        f"other teams) = {dro['did_minutes']} min (standard error about 0.2 min at this size).",
        "",
        "## 4. Churn (proportional hazards)",
        "",
        f"- Monthly baseline hazard h0 = {ch['h0_monthly']}, hazard ratio VIP {ch['hr_vip']}, hazard ratio "
        f"{ch['hr_per_unresolved_ticket']} per ticket not resolved at first contact.",
        f"- {ch['model']}",
        "- churned is True with churn_date for customers who left, else False with churn_date empty. Tickets and "
        "purchases stop at the churn date.",
        f"- Default dataset: {dch['churned']:,} churned ({dch['churned_share']:.1%}; {dch['churned_in_window']:,} "
        f"within the window); churned share VIP {dch['churned_share_vip']:.1%} vs standard "
        f"{dch['churned_share_standard']:.1%}.",
        "",
        "## 5. NPS and CSAT",
        "",
        f"- {T['nps']['mechanism']}",
        f"- Default dataset: NPS {dnp['nps']:+}, mean CSAT {dnp['csat_mean']}; promoters {dnp['promoter_share_fcr']:.1%}"
        f" of responses on FCR tickets vs {dnp['promoter_share_not_fcr']:.1%} otherwise; detractors "
        f"{dnp['detractor_share_escalated']:.1%} on escalated tickets vs {dnp['detractor_share_not_escalated']:.1%} "
        "otherwise.",
        "",
        "## 6. Comment sentiment",
        "",
        f"- Sentiment level {T['sentiment']['levels']}. Comment probability by level: "
        f"{_kv(T['sentiment']['comment_probability'])}. Topic chosen with weights: "
        f"{T['sentiment']['topic_weights']} Wording comes from templates per (level, topic, language) and "
        "follows the service received (e.g. the actual wait).",
        "- Patterns to recover: " + "; ".join(T["sentiment"]["patterns"]) + ".",
        f"- Default dataset: {dse['comments']:,} comments ({dse['comment_share']:.1%} of responses, "
        f"{dse['comments_chinese_share']:.1%} Chinese); clearly negative {dse['very_negative_share']:.1%}, of "
        f"which {dse['very_negative_about_speed_or_solution']:.1%} about speed or solution; of the "
        f"{dse['slow_response_comments']:,} comments on tickets with a first response over 24 h, "
        f"{dse['slow_response_negative_speed_share']:.1%} are negative about speed (other comments "
        f"{dse['other_comments_negative_speed_share']:.1%}); negative about attitude: team_d "
        f"{dse['team_d_negative_attitude_share']:.1%} vs other teams {dse['other_teams_negative_attitude_share']:.1%}.",
        "",
        "## 7. Personal data planted in free text",
        "",
        f"- {T['pii']['note']}. A report must never show any of them (mask before display).",
        "",
        "| where | type | exact string |",
        "|---|---|---|",
    ]
    for where in ("descriptions", "comments"):
        lines += [f"| {where} | {p['type']} | `{p['value']}` |" for p in T["pii"][where]]
    tx = T["transactions"]
    lines += [
        "",
        "## Transactions: BG/NBD and Gamma-Gamma",
        "",
        f"- Time unit {tx['time_unit']}. BG/NBD r = {bg['r']}, alpha = {bg['alpha']}, a = {bg['a']}, b = {bg['b']}; "
        f"Gamma-Gamma p = {gg['p']}, q = {gg['q']}, v = {gg['v']}.",
        f"- {tx['mechanism']}",
        f"- {tx['churn_truncation']}",
        f"- Default dataset: {dtx['transactions']:,} transactions, mean amount {dtx['mean_amount']}, total revenue "
        f"{dtx['revenue_total']:,.2f}. Maximum-likelihood BG/NBD on it: with T to min(churn_date, end) "
        f"{_kv(fit['T_to_churn'])}; with T to the data end for everyone {_kv(fit['T_to_end'])}.",
        "",
        "## Other ticket mechanisms",
        "",
        f"- FCR: {tk['fcr']['model']} with base {tk['fcr']['base']}; channel {_kv(tk['fcr']['channel'])}; "
        f"category {_kv(tk['fcr']['category'])}; priority {_kv(tk['fcr']['priority'])}; agent: "
        f"{tk['fcr']['agent']}.",
        "- First response: " + "; ".join(f"{c} lognormal median {m:g} {u}, sigma {s:g}"
                                        for c, (m, s, u) in tk["first_response"].items())
        + f". Business hours: {tk['business_hours']}, so calendar and business-hours response times differ "
        "clearly for email and social.",
        f"- Handle time: {tk['handle_time']['model']}; talk medians {_kv(tk['handle_time']['talk_median_minutes'])}; "
        f"sigma {_kv(tk['handle_time']['talk_sigma'])}; category multiplier "
        f"{_kv(tk['handle_time']['category_multiplier'])}.",
        f"- Resolution: FCR tickets {tk['resolution']['fcr']}; others first response + lognormal(median "
        f"{tk['resolution']['non_fcr_median_hours']} h, sigma {tk['resolution']['sigma']}) × (1 + "
        f"{tk['resolution']['per_extra_contact']} (contacts − 2)) × {tk['resolution']['escalated']} if escalated.",
        f"- Escalation: {tk['escalation']}. Reopened: {tk['reopened']}. Contacts: {tk['contacts']}.",
        f"- Open tickets: {tk['open_tickets']}.",
        "",
        "## Agents",
        "",
        "| agent | team | hired | FCR effect (additive) | log handle-time effect |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {a['agent_id']} | {a['team']} | {a['hire_date']} | {a['fcr_effect']:+.3f} | "
              f"{a['log_handle_effect']:+.3f} |" for a in T["agents"]]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def _check_args(seed, customers) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"sample data: seed must be a non-negative whole number, got {seed!r}.")
    if isinstance(customers, bool) or not isinstance(customers, (int, np.integer)) or customers < 200:
        raise ParameterError(
            f"sample data: customers must be a whole number of at least 200, got {customers!r} "
            f"(the default {DEFAULT_CUSTOMERS:,} gives about 60,000 tickets).")


def generate_sample(*, seed: int = DEFAULT_SEED, customers: int = DEFAULT_CUSTOMERS) -> dict[str, pd.DataFrame]:
    """The five sample tables (tickets, responses, customers, transactions, assignments).

    Columns and dtypes are those of loaded data under :mod:`csm.data.contract`.
    The same ``seed`` and ``customers`` give identical frames; ``customers``
    scales every volume linearly (ticket count ≈ 3.4 × customers) without
    changing any share or planted effect. The planted facts are in :data:`TRUTH`.
    """
    _check_args(seed, customers)
    frames, _ = _simulate(int(seed), int(customers))
    return frames


def sample_labels(*, seed: int = DEFAULT_SEED, customers: int = DEFAULT_CUSTOMERS) -> dict[str, pd.DataFrame]:
    """Hidden per-row truth behind :func:`generate_sample` (for tests of analyses).

    ``tickets``: spike_excess, experiment_ticket, treated, fcr_probability,
    first_response_over_24h, language, has_pii; ``responses``: sentiment
    (very_negative / negative / neutral / positive), topic, language,
    has_comment, has_pii; ``customers``: the BG/NBD λ and p, Gamma-Gamma ν, the
    ticket rate, the final count of unresolved tickets U and the handle-time
    effect. Rows are aligned with the frames of the same seed and size.
    """
    _check_args(seed, customers)
    _, labels = _simulate(int(seed), int(customers))
    return labels


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _whole_numbers_as_int(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """For CSV: write int-kind columns (and pre_tickets_*) as 3 rather than 3.0."""
    ints = [c.name for c in TABLES[name].columns if c.kind == "int" and c.name in frame]
    ints += [c for c in frame.columns if c.startswith("pre_tickets")]
    return frame.astype({c: "Int64" for c in ints}) if ints else frame


def write_sample(out_dir, *, seed: int = DEFAULT_SEED, customers: int = DEFAULT_CUSTOMERS,
                 fmt: str = "parquet") -> list[Path]:
    """Write the five sample tables to ``out_dir`` as ``<table>.parquet`` (or ``.csv``, UTF-8).

    Each file is written to a temporary file in the same folder and renamed, so
    a file is never left half-written. Parquet output is byte-identical for the
    same seed within one environment (same pandas/pyarrow). Returns the paths.
    """
    if fmt not in ("parquet", "csv"):
        raise ParameterError(f"sample data: fmt must be 'parquet' or 'csv', got {fmt!r}.")
    frames = generate_sample(seed=seed, customers=customers)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in TABLE_NAMES:
        path = out / f"{name}.{fmt}"
        frame = frames[name]
        if fmt == "parquet":
            _atomic_write(path, lambda tmp, f=frame: f.to_parquet(tmp, engine="pyarrow", index=False,
                                                                  compression="zstd"))
        else:
            frame = _whole_numbers_as_int(name, frame)
            _atomic_write(path, lambda tmp, f=frame: f.to_csv(tmp, index=False, encoding="utf-8",
                                                              date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n"))
        paths.append(path)
    return paths
