"""Text of the sample data: ticket-description and survey-comment templates (English and Chinese), the
personal data planted in them, and the vectorised template filling.

Templates are ``str.format`` strings whose slots (``{item}``, ``{carrier}``, ``{days}``, ``{wait}``,
``{contacts}``) are filled per row from arrays (:func:`render`); numpy >= 2 does it with its
variable-width string dtype, numpy 1.26 with object arrays of Python ``str`` (same values, slower).
"""
from __future__ import annotations

import string

import numpy as np

from csm.data.sample.params import PRODUCTS

try:  # numpy >= 2: variable-width string arrays and their ufuncs
    from numpy.dtypes import StringDType

    def as_text(values: np.ndarray) -> np.ndarray:
        return values.astype(StringDType())

    str_add, str_zfill = np.strings.add, np.strings.zfill
except ImportError:  # numpy 1.26: object arrays of Python str hold the same values (slower)
    def StringDType():  # noqa: N802 - stands in for numpy.dtypes.StringDType
        return np.dtype(object)

    def as_text(values: np.ndarray) -> np.ndarray:
        return np.asarray(values).astype(str).astype(object)

    def str_add(a, b) -> np.ndarray:
        return np.add(np.asarray(a, dtype=object), np.asarray(b, dtype=object))

    def str_zfill(a, width: int) -> np.ndarray:
        return np.array([x.zfill(width) for x in a], dtype=object)

__all__ = [
    "CARRIER_NAMES", "COMMENT_TEMPLATES", "COMMENT_TOPICS", "DESCRIPTION_TEMPLATES", "GENERIC_ITEM", "ITEMS",
    "PII_COMMENT", "PII_DESCRIPTION", "PII_SENTENCES", "SENTIMENTS", "StringDType", "as_text", "item_slots",
    "plant_pii", "render", "str_add", "str_zfill", "template_table",
]

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
# Filling templates
# --------------------------------------------------------------------------------------------
def _parse_template(tpl: str) -> list[tuple[str, str | None]]:
    return [(lit, field) for lit, field, _, _ in string.Formatter().parse(tpl)]


def render(template_ids: np.ndarray, templates: list[str], slots: dict[str, np.ndarray]) -> np.ndarray:
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
                acc = str_add(acc, lit)
            if field:
                acc = str_add(acc, slots[field][idx])
        out[idx] = acc
    return out


def template_table(table: dict, keys: list) -> tuple[list[str], np.ndarray, np.ndarray]:
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


def item_slots(rng: np.random.Generator, product: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concrete item names (EN, ZH) for product-line codes (-1 = none)."""
    n_items = np.array([len(ITEMS[p][0]) for p in PRODUCTS])
    en = np.array([x for p in PRODUCTS for x in ITEMS[p][0]] + [GENERIC_ITEM[0]], dtype=StringDType())
    zh = np.array([x for p in PRODUCTS for x in ITEMS[p][1]] + [GENERIC_ITEM[1]], dtype=StringDType())
    start = np.concatenate([[0], np.cumsum(n_items)[:-1]])
    has = product >= 0
    pick = np.full(len(product), len(en) - 1)
    pick[has] = start[product[has]] + (rng.random(has.sum()) * n_items[product[has]]).astype(np.int64)
    return en[pick], zh[pick]


def plant_pii(rng: np.random.Generator, texts: np.ndarray, zh: np.ndarray, eligible: np.ndarray,
               pii: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Append one PII sentence to each of len(pii) randomly chosen eligible rows (each string once)."""
    candidates = np.flatnonzero(eligible)
    rows = np.sort(rng.choice(candidates, size=min(len(pii), candidates.size), replace=False))
    texts = texts.copy()
    for row, (kind, value) in zip(rows, pii):
        sentence = PII_SENTENCES[kind]["zh" if zh[row] else "en"].format(pii=value)
        texts[row] = str(texts[row]) + sentence
    return texts, rows

