"""Parameters of the sample-data generator: calendar, shares, effect sizes and the agent roster.

Every number here is stated in :data:`csm.data.sample.TRUTH` (and ``csm/data/SAMPLE_TRUTH.md``).
All times are int64 seconds since :data:`EPOCH` (2023-01-01 00:00 local, a Sunday).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.data.contract import COMPLAINT_CATEGORIES, PRIORITIES, REGIONS

__all__ = [
    "AGENTS", "ANNUAL_AMPLITUDE", "ANNUAL_PEAK_DOY", "BGNBD", "BUSINESS_DAY_SEC", "CARRIERS", "CARRIER_SHARES",
    "CATEGORY_CODES", "CATEGORY_HANDLE_MULTIPLIER", "CATEGORY_SHARES", "CHANNEL_CODES", "CHANNEL_SHARES",
    "CHURN_H0", "CHURN_HR_UNRESOLVED", "CHURN_HR_VIP", "COMMENT_PROB", "CSAT_MODEL", "CUSTOMER_HANDLE_SD", "DAY",
    "DEFAULT_CUSTOMERS", "DEFAULT_SEED", "END_SEC", "EPOCH", "ESCALATION_ATTITUDE", "ESCALATION_HIGH",
    "ESCALATION_NON_FCR", "ESCALATION_URGENT", "EXP_END_DAY", "EXP_FCR_LIFT", "EXP_HANDLE_MULTIPLIER",
    "EXP_START_DAY", "FCR_BASE", "FCR_CATEGORY", "FCR_CHANNEL", "FCR_CLIP", "FCR_PRIORITY", "FIRST_RESPONSE",
    "GAMMA_GAMMA", "HOUR", "HOUR_PROFILES", "LATE_JOINERS", "LATE_JOINER_TICKET_SHARE", "MONTH_SEC",
    "MONTH_STARTS", "NPS_MODEL", "OTHER_CATEGORY_PRODUCT_MISSING", "PLANS", "PLAN_SHARES",
    "PRIMARY_CHANNEL_WEIGHT", "PRIORITY_CODES", "PRIORITY_SHARES", "PRODUCTS", "PRODUCT_SHARES", "REGION_CODES",
    "REGION_P_CHINESE", "REGION_SHARES", "REOPEN_NON_FCR", "RESOLUTION_ESCALATED", "RESOLUTION_NON_FCR_MEDIAN_H",
    "RESOLUTION_NON_FCR_SIGMA", "RESOLUTION_PER_EXTRA_CONTACT", "ROLLOUT_DAY", "ROLLOUT_EFFECT_MIN",
    "ROLLOUT_TEAM", "SCORE_MISSING", "SPIKE_END_DAY", "SPIKE_START_DAY", "SUB_REASONS", "SURVEY_NO_TICKET_SHARE",
    "SURVEY_RESPONSE_RATE", "TABLE_NAMES", "TALK_CAP_MIN", "TALK_MEDIAN_MIN", "TALK_SIGMA", "TEAMS",
    "TICKETS_PER_CUSTOMER_DAY", "TICKET_FRAILTY_SHAPE", "VIP_SHARE", "VIP_TICKET_RATE_MULTIPLIER",
    "WEEKDAY_WEIGHTS", "WINDOW_END_DAY", "WINDOW_START_DAY", "WRAP_UP_MIN", "day_number",
]

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


def day_number(date: str) -> int:
    return int((np.datetime64(date, "D") - EPOCH).astype(np.int64))


WINDOW_START_DAY = day_number("2025-01-01")
WINDOW_END_DAY = day_number("2026-07-01")  # exclusive: data as of 2026-06-30 23:59:59
END_SEC = WINDOW_END_DAY * DAY
MONTH_STARTS = (np.arange("2023-01", "2026-08", dtype="datetime64[M]").astype("datetime64[D]")
                - EPOCH).astype(np.int64)  # 43 boundaries, 42 months
SPIKE_START_DAY, SPIKE_END_DAY = day_number("2025-11-10"), day_number("2025-12-01")
EXP_START_DAY, EXP_END_DAY = day_number("2026-03-01"), day_number("2026-05-01")
ROLLOUT_DAY = day_number("2025-09-01")
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
    hire = np.sort(rng.integers(day_number("2018-03-01"), day_number("2024-11-30"), n_regular))
    tenure_years_2025 = (WINDOW_START_DAY - hire) / 365.25
    fcr = np.clip(0.012 * (tenure_years_2025 - 3.0) + rng.normal(0, 0.04, n_regular), -0.12, 0.10)
    handle = rng.normal(0, 0.10, n_regular) - 0.02 * (tenure_years_2025 - 3.0)
    weight = rng.uniform(0.7, 1.3, n_regular)
    late_team = [t for t, _ in LATE_JOINERS]
    late_hire = [day_number(d) for _, d in LATE_JOINERS]
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


HOUR_PROFILES = {  # relative ticket intensity per hour of day, by channel
    "phone": np.array([0, 0, 0, 0, 0, 0, 0, 0, 3, 7, 10, 10, 7, 8, 9, 9, 8, 6, 5, 5, 4, 3, 0, 0], float),
    "email": np.array([1, 1, .5, .5, .5, .5, 1, 2, 4, 6, 7, 7, 5, 6, 6, 6, 5, 5, 4, 4, 4, 4, 3, 2], float),
    "chat": np.array([1, .5, .3, .2, .2, .3, .6, 2, 4, 6, 7, 7, 6, 6, 7, 7, 6, 6, 6, 7, 8, 8, 6, 3], float),
    "social": np.array([2, 1, .5, .3, .3, .3, .6, 1.5, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8, 8, 7, 4], float),
}
