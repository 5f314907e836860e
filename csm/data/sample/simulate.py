"""The simulation behind :func:`csm.data.sample.generate_sample`, as a sequence of named steps.

One ``numpy.random.default_rng(seed)`` is passed through the steps in this order (the order of the draws
is part of the output: reordering two steps changes every later value)::

    _customers      sign-up, tier, region, plan, language, ticket rate, preferred channel, handle effect, arm
    _months         month by month: churn (hazard from unresolved tickets), the month's tickets (Poisson,
                    the planted spike), channel, hour, category, priority, agent, experiment assignment, FCR
    _ticket_details sub-reason, carrier, product, escalation, reopening, contacts
    _handling       talk + wrap-up = handle time, first response (business hours for email/social), resolution
    _descriptions   ticket descriptions from the templates, with planted personal data
    _responses      surveys on resolved tickets and relationship surveys: latent score, NPS, CSAT, comment flag
    _comments       comment topic (from the service received), text from the templates, planted personal data
    _purchases      BG/NBD purchases from sign-up, Gamma-Gamma amounts, cut at the churn date
    _assignments    the experiment's units and their pre-period covariates (no random draw)
    _tables         the five contract tables, and _labels the hidden per-row truth

Each step reads and extends plain dicts of numpy arrays: ``c`` (one entry per customer), ``t`` (per ticket),
``r`` (per response). Only the loops over calendar months and over text templates are Python loops.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.compat import STR
from csm.data.sample.params import (
    AGENTS, ANNUAL_AMPLITUDE, ANNUAL_PEAK_DOY, BGNBD, BUSINESS_DAY_SEC, CARRIER_SHARES, CARRIERS, CATEGORY_CODES,
    CATEGORY_HANDLE_MULTIPLIER, CATEGORY_SHARES, CHANNEL_CODES, CHANNEL_SHARES, CHURN_H0, CHURN_HR_UNRESOLVED,
    CHURN_HR_VIP, COMMENT_PROB, CSAT_MODEL, CUSTOMER_HANDLE_SD, DAY, END_SEC, EPOCH, ESCALATION_ATTITUDE,
    ESCALATION_HIGH, ESCALATION_NON_FCR, ESCALATION_URGENT, EXP_END_DAY, EXP_FCR_LIFT, EXP_HANDLE_MULTIPLIER,
    EXP_START_DAY, FCR_BASE, FCR_CATEGORY, FCR_CHANNEL, FCR_CLIP, FCR_PRIORITY, FIRST_RESPONSE, GAMMA_GAMMA, HOUR,
    HOUR_PROFILES, LATE_JOINER_TICKET_SHARE, MONTH_SEC, MONTH_STARTS, NPS_MODEL, OTHER_CATEGORY_PRODUCT_MISSING,
    PLAN_SHARES, PLANS, PRIMARY_CHANNEL_WEIGHT, PRIORITY_CODES, PRIORITY_SHARES, PRODUCT_SHARES, PRODUCTS,
    REGION_CODES, REGION_P_CHINESE, REGION_SHARES, REOPEN_NON_FCR, RESOLUTION_ESCALATED,
    RESOLUTION_NON_FCR_MEDIAN_H, RESOLUTION_NON_FCR_SIGMA, RESOLUTION_PER_EXTRA_CONTACT, ROLLOUT_DAY,
    ROLLOUT_EFFECT_MIN, ROLLOUT_TEAM, SCORE_MISSING, SPIKE_END_DAY, SPIKE_START_DAY, SUB_REASONS,
    SURVEY_NO_TICKET_SHARE, SURVEY_RESPONSE_RATE, TALK_CAP_MIN, TALK_MEDIAN_MIN, TALK_SIGMA, TEAMS,
    TICKET_FRAILTY_SHAPE, TICKETS_PER_CUSTOMER_DAY, VIP_SHARE, VIP_TICKET_RATE_MULTIPLIER, WEEKDAY_WEIGHTS,
    WINDOW_END_DAY, WINDOW_START_DAY, WRAP_UP_MIN,
)
from csm.data.sample.text import (
    CARRIER_NAMES, COMMENT_TEMPLATES, COMMENT_TOPICS, DESCRIPTION_TEMPLATES, PII_COMMENT, PII_DESCRIPTION,
    SENTIMENTS, StringDType, as_text, item_slots, plant_pii, render, str_add, str_zfill, template_table,
)

__all__ = ["simulate", "draw"]

#: the sub-reason codes of every category, in category order, and where each category's codes start
_SUB_CODES = [code for cat in CATEGORY_CODES for code, _ in SUB_REASONS[cat]]
_SUB_START = np.cumsum([0] + [len(SUB_REASONS[c]) for c in CATEGORY_CODES])[:-1]
_LOGISTICS, _ATTITUDE, _OTHER = (CATEGORY_CODES.index(c) for c in ("logistics", "service_attitude", "other"))
_TEAM_D = TEAMS.index("team_d")
#: agents who take tickets by weight, and the late joiners who take a fixed share after their hire date
_REGULAR_AGENTS = np.flatnonzero(AGENTS["weight"].to_numpy() > 0)
_LATE_AGENTS = np.flatnonzero(AGENTS["weight"].to_numpy() == 0)
_AGENT_HIRE_SEC = AGENTS["hire_day"].to_numpy() * DAY
#: cumulative hour-of-day profile per channel
_HOUR_CUM = {ch: np.cumsum(HOUR_PROFILES[ch] / HOUR_PROFILES[ch].sum()) for ch in CHANNEL_CODES}


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


def _ids(prefix: str, n: int, width: int, start: int = 0) -> pd.Series:
    """``prefix`` + the numbers ``start + 1 .. start + n``, zero-padded to ``width`` (at least the last's digits)."""
    width = max(width, len(str(start + n)))
    nums = as_text(np.arange(start + 1, start + n + 1))
    return _strings_to_str(str_add(prefix, str_zfill(nums, width)))


def _boolean(values: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    return pd.Series(pd.arrays.BooleanArray(values.astype(bool), np.zeros(len(values), bool)
                                            if missing is None else missing.astype(bool)))


# --------------------------------------------------------------------------------------------
# The steps
# --------------------------------------------------------------------------------------------
def _customers(rng: np.random.Generator, n: int) -> dict:
    """Who the customers are: sign-up (density falling linearly), tier, region, plan, language, ticket rate
    (gamma frailty), preferred channel, persistent handle-time effect, experiment arm."""
    u = rng.random(n)
    x = (1.4 - np.sqrt(1.96 - 1.6 * u)) / 0.8  # inverse CDF of the density 1.4 - 0.8x on [0, 1]
    signup_day = np.sort(np.minimum((x * WINDOW_END_DAY).astype(np.int64), WINDOW_END_DAY - 1))
    signup_hour = _choice(rng, HOUR_PROFILES["chat"], n)
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
    return dict(n=n, signup_day=signup_day, signup_sec=signup_sec, vip=vip, region=region, plan=plan, zh=zh,
                ticket_rate=ticket_rate, primary_channel=primary_channel, handle_effect=handle_effect,
                treat_arm=treat_arm, signup_month=signup_month)


def _months(rng: np.random.Generator, c: dict) -> dict:
    """The discrete monthly simulation: each month, first who churns (the hazard depends on the tickets not
    resolved at first contact so far), then — in the window — the month's tickets of the customers still
    active. Adds ``churn_sec``, ``unresolved`` and ``assigned_sec`` to ``c``; returns the tickets sorted
    by creation time."""
    n = c["n"]
    cum_w = np.concatenate([[0.0], np.cumsum(_day_weights())])
    alive = np.ones(n, bool)
    c["churn_sec"] = np.full(n, -1, np.int64)
    c["unresolved"] = np.zeros(n, np.int64)
    c["assigned_sec"] = np.full(n, -1, np.int64)
    hazard_base = CHURN_H0 * np.where(c["vip"], CHURN_HR_VIP, 1.0)
    chunks = []
    for m in range(len(MONTH_STARTS) - 1):
        ms, me = MONTH_STARTS[m], MONTH_STARTS[m + 1]
        at_risk = np.flatnonzero(alive & (c["signup_month"] < m))
        lam = hazard_base[at_risk] * CHURN_HR_UNRESOLVED ** c["unresolved"][at_risk]
        churners = at_risk[rng.random(at_risk.size) < -np.expm1(-lam)]
        c["churn_sec"][churners] = ms * DAY + (rng.random(churners.size) * (me - ms) * DAY).astype(np.int64)
        if ms >= WINDOW_START_DAY:
            chunks.append(_month_tickets(rng, c, alive, ms, me, cum_w))
        alive[churners] = False
    t = {key: np.concatenate([chunk[key] for chunk in chunks]) for key in chunks[0]}
    order = np.lexsort((t["cust"], t["created"]))
    return {key: v[order] for key, v in t.items()}


def _month_arrivals(rng: np.random.Generator, c: dict, alive: np.ndarray, ms: int, me: int,
                    cum_w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who raises a ticket in the month [ms, me) and on which day: Poisson counts from the customer's rate
    and the day weights, plus the planted spike's extra east logistics tickets. Returns
    (customer, day, is an extra spike ticket)."""
    signup_day, ticket_rate = c["signup_day"], c["ticket_rate"]
    elig = np.flatnonzero(alive & (signup_day + 1 < me))
    lo = np.maximum(ms, signup_day[elig] + 1)
    cnt = rng.poisson(ticket_rate[elig] * (cum_w[me] - cum_w[lo]))
    cust = np.repeat(elig, cnt)
    lo_r = np.repeat(lo, cnt)
    spike = np.zeros(cust.size, bool)
    if ms <= SPIKE_START_DAY < me:
        east = elig[(c["region"][elig] == 0) & (signup_day[elig] + 1 < SPIKE_END_DAY)]
        lo_s = np.maximum(SPIKE_START_DAY, signup_day[east] + 1)
        extra_mean = 2.0 * CATEGORY_SHARES[_LOGISTICS] / CATEGORY_SHARES.sum() * ticket_rate[east] * (
            cum_w[SPIKE_END_DAY] - cum_w[lo_s])
        cnt_s = rng.poisson(extra_mean)
        cust = np.concatenate([cust, np.repeat(east, cnt_s)])
        lo_r = np.concatenate([lo_r, np.repeat(lo_s, cnt_s)])
        hi_r = np.concatenate([np.full(cnt.sum(), me), np.full(cnt_s.sum(), SPIKE_END_DAY)])
        spike = np.concatenate([spike, np.ones(cnt_s.sum(), bool)])
    else:
        hi_r = np.full(cust.size, me)
    target = cum_w[lo_r] + rng.random(cust.size) * (cum_w[hi_r] - cum_w[lo_r])
    day = np.clip(np.searchsorted(cum_w, target, side="right") - 1, lo_r, hi_r - 1)
    return cust, day, spike


def _month_tickets(rng: np.random.Generator, c: dict, alive: np.ndarray, ms: int, me: int,
                   cum_w: np.ndarray) -> dict:
    """The tickets of one window month: arrival, channel and hour of day, dropped after the customer's churn;
    category, priority, agent (late joiners take a fixed share after their hire date), experiment assignment
    at the customer's first ticket in the experiment window, and whether it is resolved at first contact
    (counted into ``c["unresolved"]``, which drives next month's churn hazard)."""
    n = c["n"]
    cust, day, spike = _month_arrivals(rng, c, alive, ms, me, cum_w)
    k = cust.size
    use_primary = rng.random(k) < PRIMARY_CHANNEL_WEIGHT
    channel = np.where(use_primary, c["primary_channel"][cust], _choice(rng, CHANNEL_SHARES, k))
    hour = np.zeros(k, np.int64)
    u_h = rng.random(k)
    for c_i, ch in enumerate(CHANNEL_CODES):
        sel = channel == c_i
        hour[sel] = np.minimum(np.searchsorted(_HOUR_CUM[ch], u_h[sel], side="right"), 23)
    created = day * DAY + hour * HOUR + rng.integers(0, HOUR, k)
    churn_sec = c["churn_sec"]
    keep = (churn_sec[cust] < 0) | (created < churn_sec[cust])
    cust, created, channel, spike = cust[keep], created[keep], channel[keep], spike[keep]
    k = cust.size
    category = np.where(spike, _LOGISTICS, _choice(rng, CATEGORY_SHARES, k))
    priority = np.where(c["vip"][cust], _choice(rng, PRIORITY_SHARES["VIP"], k),
                        _choice(rng, PRIORITY_SHARES["standard"], k))
    agent_w = AGENTS["weight"].to_numpy()[_REGULAR_AGENTS]
    agent = _REGULAR_AGENTS[_choice(rng, agent_w, k)]
    u_late = rng.random(k)
    for j, a in enumerate(_LATE_AGENTS):
        take = (created >= _AGENT_HIRE_SEC[a]) & (u_late >= j * LATE_JOINER_TICKET_SHARE) & (
            u_late < (j + 1) * LATE_JOINER_TICKET_SHARE)
        agent[take] = a
    # experiment: assignment at the first ticket in the window, then all tickets to 2026-04-30
    assigned_sec = c["assigned_sec"]
    in_exp = (created >= EXP_START_DAY * DAY) & (created < EXP_END_DAY * DAY)
    if in_exp.any():
        new = in_exp & (assigned_sec[cust] < 0)
        first = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first, cust[new], created[new])
        newly = np.flatnonzero(first < np.iinfo(np.int64).max)
        assigned_sec[newly] = first[newly]
    exp_ticket = in_exp & (assigned_sec[cust] >= 0) & (created >= assigned_sec[cust])
    treated = exp_ticket & c["treat_arm"][cust]
    p_fcr = np.clip(FCR_BASE + FCR_CHANNEL[channel] + FCR_CATEGORY[category] + FCR_PRIORITY[priority]
                    + AGENTS["fcr_effect"].to_numpy()[agent], *FCR_CLIP)
    fcr = rng.random(k) < p_fcr + EXP_FCR_LIFT * treated
    c["unresolved"] += np.bincount(cust[~fcr], minlength=n)
    return dict(cust=cust, created=created, channel=channel, category=category, priority=priority, agent=agent,
                spike=spike, exp_ticket=exp_ticket, treated=treated, fcr=fcr, p_fcr=p_fcr)


def _ticket_details(rng: np.random.Generator, t: dict) -> None:
    """Sub-reason (spike tickets: late delivery), carrier (logistics only; spike: swift_express), product line,
    team, escalation and reopening (tickets not resolved at first contact only) and the number of contacts."""
    category, fcr, spike, priority = t["category"], t["fcr"], t["spike"], t["priority"]
    k = category.size
    sub_reason = np.zeros(k, np.int64)
    for c_i, cat in enumerate(CATEGORY_CODES):
        sel = np.flatnonzero(category == c_i)
        sub_reason[sel] = _SUB_START[c_i] + _choice(rng, np.array([p for _, p in SUB_REASONS[cat]]), sel.size)
    sub_reason[spike] = _SUB_CODES.index("late_delivery")
    carrier = np.where(category == _LOGISTICS, _choice(rng, CARRIER_SHARES, k), -1)
    carrier[spike] = CARRIERS.index("swift_express")
    product = _choice(rng, PRODUCT_SHARES, k)
    product[(category == _OTHER) & (rng.random(k) < OTHER_CATEGORY_PRODUCT_MISSING)] = -1
    p_esc = ESCALATION_NON_FCR + ESCALATION_URGENT * (priority == 3) + ESCALATION_HIGH * (priority == 2) + (
        ESCALATION_ATTITUDE * (category == _ATTITUDE))
    escalated = ~fcr & (rng.random(k) < p_esc)
    reopened = ~fcr & (rng.random(k) < REOPEN_NON_FCR)
    contacts = np.where(fcr, 1, 2 + rng.poisson(0.5 + 0.7 * escalated + 0.6 * reopened))
    t.update(sub_reason=sub_reason, carrier=carrier, product=product, escalated=escalated, reopened=reopened,
             contacts=contacts,
             team=np.searchsorted(np.array(TEAMS), AGENTS["team"].to_numpy())[t["agent"]])


def _handling(rng: np.random.Generator, c: dict, t: dict) -> None:
    """Handle time (talk + wrap-up, the team_c rollout, the experiment's multiplier), first response (seconds
    for phone/chat, business hours for email/social), resolution, what is still open at the end, and the
    agent's tenure."""
    cust, created, channel, category, agent = t["cust"], t["created"], t["channel"], t["category"], t["agent"]
    fcr, contacts, escalated = t["fcr"], t["contacts"], t["escalated"]
    k = cust.size
    talk = np.minimum(TALK_MEDIAN_MIN[channel] * CATEGORY_HANDLE_MULTIPLIER[category] * np.exp(
        c["handle_effect"][cust] + AGENTS["log_handle_effect"].to_numpy()[agent]
        + TALK_SIGMA[channel] * rng.standard_normal(k)), TALK_CAP_MIN)
    rollout = (t["team"] == TEAMS.index(ROLLOUT_TEAM)) & (created >= ROLLOUT_DAY * DAY)
    wrap = rng.uniform(*WRAP_UP_MIN, k) + ROLLOUT_EFFECT_MIN * rollout
    handle = np.round((talk + wrap) * np.where(t["treated"], EXP_HANDLE_MULTIPLIER, 1.0), 2)

    wait = np.zeros(k, np.int64)
    for c_i, ch in enumerate(CHANNEL_CODES):
        sel = np.flatnonzero(channel == c_i)
        median, sigma, unit = FIRST_RESPONSE[ch]
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
    open_ = resolved >= END_SEC
    t.update(handle=handle, wait=wait, first_resp=first_resp, resolved=resolved, no_response=first_resp >= END_SEC,
             open=open_, fcr_observed=fcr & ~open_, first_response_over_24h=wait > 24 * HOUR,
             tenure=np.round((created - _AGENT_HIRE_SEC[agent]) / MONTH_SEC, 1))


def _descriptions(rng: np.random.Generator, c: dict, t: dict) -> None:
    """Ticket descriptions in the customer's language from the sub-reason's templates (the spike's own
    templates for the extra spike tickets), 1% missing (never a spike ticket), personal data planted once."""
    spike, sub_reason, carrier = t["spike"], t["sub_reason"], t["carrier"]
    k = spike.size
    desc_flat, desc_off, desc_cnt = template_table(DESCRIPTION_TEMPLATES, _SUB_CODES + ["_spike"])
    lang = c["zh"][t["cust"]].astype(np.int64)
    key = np.where(spike, len(_SUB_CODES), sub_reason)
    tpl = desc_off[key, lang] + (rng.random(k) * desc_cnt[key, lang]).astype(np.int64)
    item_en, item_zh = item_slots(rng, t["product"])
    carrier_en = np.array([CARRIER_NAMES[x][0] for x in CARRIERS] + ["the courier"], dtype=StringDType())
    carrier_zh = np.array([CARRIER_NAMES[x][1] for x in CARRIERS] + ["快递"], dtype=StringDType())
    days = as_text(np.where(spike, rng.integers(3, 9, k), rng.integers(2, 11, k)))
    slots = {"item": np.where(lang == 1, item_zh, item_en),
             "carrier": np.where(lang == 1, carrier_zh[carrier], carrier_en[carrier]),
             "days": days}
    description = render(tpl, desc_flat, slots)
    missing = (rng.random(k) < 0.01) & ~spike
    description, pii_rows = plant_pii(rng, description, lang == 1, ~missing & ~spike, PII_DESCRIPTION)
    t.update(lang=lang, description=description, description_missing=missing, description_pii_rows=pii_rows)


def _responses(rng: np.random.Generator, c: dict, t: dict) -> dict:
    """Survey responses: 31% of resolved tickets (submitted a few hours after resolution) with a latent score
    from the service received, plus relationship surveys without a ticket from customers active at that
    moment; NPS and CSAT from the latent score, 2% of each missing, the sentiment level and the comment flag."""
    n = c["n"]
    cust, resolved = t["cust"], t["resolved"]
    k = cust.size
    surveyed = np.flatnonzero(~t["open"] & (rng.random(k) < SURVEY_RESPONSE_RATE))
    sub_at = resolved[surveyed] + np.round(np.minimum(_lognormal(rng, 3.0, 1.3, surveyed.size), 14 * 24) * HOUR
                                           ).astype(np.int64)
    ok = sub_at < END_SEC
    surveyed, sub_at = surveyed[ok], sub_at[ok]
    r_t = surveyed
    nm = NPS_MODEL
    z_t = (nm["intercept"] + nm["fcr"] * t["fcr"][r_t] + nm["escalated"] * t["escalated"][r_t]
           + nm["first_response_over_24h"] * t["first_response_over_24h"][r_t]
           + nm["per_extra_contact"] * np.minimum(t["contacts"][r_t] - 1, 4) + nm["reopened"] * t["reopened"][r_t]
           + nm["service_attitude_category"] * (t["category"][r_t] == _ATTITUDE)
           + nm["team_d"] * (t["team"][r_t] == _TEAM_D)
           + nm["vip"] * c["vip"][cust[r_t]] + rng.normal(0, nm["noise_sd"], r_t.size))
    # responses without a ticket (relationship surveys) from customers active at that moment
    n_free = int(round(SURVEY_NO_TICKET_SHARE * r_t.size))
    cand_t = rng.integers(WINDOW_START_DAY * DAY, END_SEC, 4 * n_free + 10)
    cand_c = rng.integers(0, n, cand_t.size)
    churn_sec = c["churn_sec"]
    active = (c["signup_sec"][cand_c] < cand_t) & ((churn_sec[cand_c] < 0) | (cand_t < churn_sec[cand_c]))
    free_t, free_c = cand_t[active][:n_free], cand_c[active][:n_free]
    n_free = free_t.size
    z_f = nm["no_ticket_intercept"] + rng.normal(0, nm["no_ticket_sd"], n_free)
    z = np.concatenate([z_t, z_f])
    n_resp = z.size
    nps = np.clip(np.round(z), 0, 10) + 0.0  # + 0.0 turns -0.0 into 0.0
    csat = np.clip(np.round(CSAT_MODEL["intercept"] + CSAT_MODEL["slope"] * (
        z + rng.normal(0, CSAT_MODEL["noise_sd"], n_resp))), 1, 5)
    u_miss = rng.random(n_resp)
    sentiment = np.select([nps <= 2, nps <= 6, nps <= 8], [0, 1, 2], 3)
    has_comment = rng.random(n_resp) < np.array([COMMENT_PROB[s] for s in SENTIMENTS])[sentiment]
    return dict(cust=np.concatenate([cust[r_t], free_c]), ticket=np.concatenate([r_t, np.full(n_free, -1)]),
                submitted=np.concatenate([sub_at, free_t]), nps=nps, csat=csat,
                nps_missing=u_miss < SCORE_MISSING,
                csat_missing=(u_miss >= SCORE_MISSING) & (u_miss < 2 * SCORE_MISSING),
                sentiment=sentiment, has_comment=has_comment)


def _comments(rng: np.random.Generator, c: dict, t: dict, r: dict) -> None:
    """The comment's topic, weighted by the service received (slow first response → speed, not resolved →
    solution, team_d or a service_attitude ticket → attitude, …), and its text from the templates of the
    (sentiment, topic) pair in the customer's language, filled with the actual wait; personal data planted."""
    sentiment, has_comment = r["sentiment"], r["has_comment"]
    n_resp = sentiment.size
    has_t = r["ticket"] >= 0
    rt = np.where(has_t, r["ticket"], 0)
    wait, fcr, category = t["wait"], t["fcr"], t["category"]
    f_slow = has_t & t["first_response_over_24h"][rt]
    f_fast = has_t & (wait[rt] < HOUR)
    f_fcr = has_t & fcr[rt]
    f_team_d = has_t & (t["team"][rt] == _TEAM_D)
    f_cat = np.where(has_t, category[rt], -1)
    f_esc = has_t & t["escalated"][rt]
    f_reo = has_t & t["reopened"][rt]
    f_multi = has_t & (t["contacts"][rt] >= 3)
    zero = np.zeros(n_resp)
    neg_w = np.stack([1 + 15 * f_slow + 1 * f_multi, 1 + 3 * (has_t & ~f_fcr) + 2 * f_reo + 2 * f_esc,
                      0.5 + 4 * f_team_d + 3 * (f_cat == _ATTITUDE), 1.5 * (f_cat == 0), 1.5 * (f_cat == _LOGISTICS),
                      zero], axis=1)
    neu_w = np.stack([4.0 * f_slow, 2.0 * (has_t & ~f_fcr), zero, zero, zero, 1 + zero], axis=1)
    pos_w = np.stack([1 + 2.0 * f_fast, 1 + 2.0 * f_fcr, 1 + zero, zero, zero, 1 + zero], axis=1)
    pos_w[~has_t, :3] = 0  # relationship surveys: general comments only
    neg_w[~has_t] = 0
    neg_w[~has_t, 5] = 1
    w = np.where((sentiment <= 1)[:, None], neg_w, np.where((sentiment == 2)[:, None], neu_w, pos_w))
    topic = _choice_rows(rng, w)
    comment_keys = list(COMMENT_TEMPLATES)
    lookup = np.full((len(SENTIMENTS), len(COMMENT_TOPICS)), -1)
    for i, (s, tp) in enumerate(comment_keys):
        lookup[SENTIMENTS.index(s), COMMENT_TOPICS.index(tp)] = i
    ckey = lookup[sentiment, topic]
    if (ckey < 0).any():  # pragma: no cover - guarded by the weight matrices above
        raise AssertionError("comment topic without template")
    c_flat, c_off, c_cnt = template_table(COMMENT_TEMPLATES, comment_keys)
    r_lang = c["zh"][r["cust"]].astype(np.int64)
    c_tpl = c_off[ckey, r_lang] + (rng.random(n_resp) * c_cnt[ckey, r_lang]).astype(np.int64)
    # the wait a comment mentions: the first response if it took over an hour, else the resolution
    waited = np.where(wait[rt] > HOUR, wait[rt],
                      np.where(t["open"][rt], wait[rt], t["resolved"][rt] - t["created"][rt]))
    wait_h = np.maximum(waited // HOUR, 1)
    wait_d = np.maximum(np.round(waited / DAY), 1).astype(np.int64)
    wait_en = np.where(wait_h < 24,
                       str_add(as_text(wait_h), np.where(wait_h == 1, " hour", " hours")),
                       str_add(as_text(wait_d), np.where(wait_d == 1, " day", " days")))
    wait_zh = np.where(wait_h < 24, str_add(as_text(wait_h), "个小时"),
                       str_add(as_text(wait_d), "天"))
    r_item_en, r_item_zh = item_slots(rng, np.where(has_t, t["product"][rt], -1))
    c_slots = {"wait": np.where(r_lang == 1, wait_zh, wait_en),
               "item": np.where(r_lang == 1, r_item_zh, r_item_en),
               "contacts": as_text(t["contacts"][rt]),
               "days": as_text(rng.integers(3, 10, n_resp))}
    comment = render(c_tpl, c_flat, c_slots)
    comment, pii_rows = plant_pii(rng, comment, r_lang == 1, has_comment, PII_COMMENT)
    r.update(topic=topic, lang=r_lang, comment=comment, comment_pii_rows=pii_rows,
             order=np.lexsort((r["cust"], r["submitted"])))


def _purchases(rng: np.random.Generator, c: dict) -> dict:
    """BG/NBD purchases (Poisson while alive, a Beta drop-out after each repeat purchase) from a first purchase at
    sign-up, Gamma-Gamma amounts, purchases after the churn date removed; the customer's revenue."""
    n, signup_sec, churn_sec = c["n"], c["signup_sec"], c["churn_sec"]
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
    c.update(bgnbd_lambda=lam, bgnbd_p=p_drop, gamma_gamma_nu=nu,
             revenue=np.round(np.bincount(tx_cust, weights=amount, minlength=n), 2))
    return dict(cust=tx_cust, time=tx_time, amount=amount)


def _assignments(c: dict, t: dict) -> dict:
    """The experiment's units in order of assignment, with the pre-period covariates: the unit's tickets in
    [assigned_at - 90 days, assigned_at) and their mean handle time (units without any: the mean over the
    others)."""
    a = _assignment_units(c, t)
    pre_n, pre_sum = a["pre_tickets"], a.pop("pre_sum")
    a["pre_handle"] = _pre_handle_filled(pre_n, pre_sum, t["handle"])
    return a


def _pre_handle_filled(pre_n: np.ndarray, pre_sum: np.ndarray, handle: np.ndarray) -> np.ndarray:
    """Mean pre-period handle time per unit, rounded to 4 places; units without pre-period tickets get the mean
    over the others (or, if no unit has any, the mean handle time of all tickets)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        pre_mean = pre_sum / pre_n
    fill = np.round(pre_mean[pre_n > 0].mean(), 4) if (pre_n > 0).any() else float(np.round(handle.mean(), 4))
    return np.where(pre_n > 0, np.round(pre_mean, 4), fill)


def _assignment_units(c: dict, t: dict) -> dict:
    """The experiment's units in order of assignment with their pre-period ticket count and handle-time sum
    (before the fill of :func:`_assignments`)."""
    n, assigned_sec = c["n"], c["assigned_sec"]
    cust, created, handle = t["cust"], t["created"], t["handle"]
    units = np.flatnonzero(assigned_sec >= 0)
    units = units[np.lexsort((units, assigned_sec[units]))]
    a_sec = assigned_sec[units]
    unit_of_customer = np.full(n, -1)
    unit_of_customer[units] = np.arange(units.size)
    u_of_t = unit_of_customer[cust]
    in_pre = (u_of_t >= 0)
    in_pre[in_pre] = (created[in_pre] < a_sec[u_of_t[in_pre]]) & (
        created[in_pre] >= a_sec[u_of_t[in_pre]] - 90 * DAY)
    pre_n = np.bincount(u_of_t[in_pre], minlength=units.size).astype(float)
    pre_sum = np.bincount(u_of_t[in_pre], weights=handle[in_pre], minlength=units.size)
    return dict(units=units, assigned=a_sec, pre_tickets=pre_n, pre_sum=pre_sum)


#: (prefix, minimum width) of the generated identifiers
ID_FORMATS = {"customer": ("C", 6), "ticket": ("T", 8), "response": ("R", 7), "transaction": ("P", 8)}


def _tables(c: dict, t: dict, r: dict, x: dict, a: dict | None,
            ids: dict | None = None) -> dict[str, pd.DataFrame]:
    """The five contract tables (canonical dtypes of csm.data.contract).

    ``ids`` (for generation in chunks) maps customer/ticket/response/transaction to ``(start, width)``: the
    chunk's numbers continue after ``start`` with at least ``width`` digits; by default they start at 1 with
    the widths of :data:`ID_FORMATS`. Without ``a`` the assignments table is left out."""
    n, k = c["n"], t["cust"].size
    n_resp, order = r["nps"].size, r["order"]
    ids = ids or {}

    def make_ids(kind: str, count: int) -> pd.Series:
        prefix, width = ID_FORMATS[kind]
        start, width = ids.get(kind, (0, width))
        return _ids(prefix, count, width, start)

    customer_ids = make_ids("customer", n)
    cid = customer_ids.to_numpy()
    ticket_ids = make_ids("ticket", k)
    open_ = t["open"]
    tickets = pd.DataFrame({
        "ticket_id": ticket_ids,
        "customer_id": pd.Series(cid[t["cust"]], dtype=STR),
        "created_at": _to_datetime(t["created"]),
        "first_response_at": _to_datetime(t["first_resp"], t["no_response"]),
        "resolved_at": _to_datetime(t["resolved"], open_),
        "channel": _codes_to_str(t["channel"], CHANNEL_CODES),
        "category": _codes_to_str(t["category"], CATEGORY_CODES),
        "sub_reason": _codes_to_str(t["sub_reason"], _SUB_CODES),
        "product": _codes_to_str(t["product"], PRODUCTS),
        "region": _codes_to_str(c["region"][t["cust"]], REGION_CODES),
        "carrier": _codes_to_str(t["carrier"], CARRIERS),
        "agent_id": _codes_to_str(t["agent"], AGENTS["agent_id"]),
        "team": _codes_to_str(t["team"], TEAMS),
        "agent_tenure_months": pd.Series(t["tenure"], dtype="float64"),
        "priority": _codes_to_str(t["priority"], PRIORITY_CODES),
        "contacts": pd.Series(t["contacts"], dtype="float64"),
        "first_contact_resolved": _boolean(t["fcr_observed"], t["no_response"]),
        "escalated": _boolean(t["escalated"]),
        "reopened": _boolean(t["reopened"] & ~open_),
        "handle_time_minutes": pd.Series(t["handle"], dtype="float64"),
        "description": _strings_to_str(t["description"], t["description_missing"]),
    })
    has_t = r["ticket"] >= 0
    r_tid = np.where(has_t, ticket_ids.to_numpy()[np.where(has_t, r["ticket"], 0)], None)
    responses = pd.DataFrame({
        "response_id": make_ids("response", n_resp),
        "customer_id": pd.Series(cid[r["cust"][order]], dtype=STR),
        "ticket_id": pd.Series(r_tid[order], dtype=STR),
        "submitted_at": _to_datetime(r["submitted"][order]),
        "nps": pd.Series(np.where(r["nps_missing"], np.nan, r["nps"])[order], dtype="float64"),
        "csat": pd.Series(np.where(r["csat_missing"], np.nan, r["csat"])[order], dtype="float64"),
        "comment": _strings_to_str(r["comment"][order], ~r["has_comment"][order]),
    })
    churned = c["churn_sec"] >= 0
    customers = pd.DataFrame({
        "customer_id": customer_ids,
        "signup_date": _to_datetime(c["signup_sec"]),
        "tier": _codes_to_str(c["vip"].astype(np.int64), ("standard", "VIP")),
        "region": _codes_to_str(c["region"], REGION_CODES),
        "plan": _codes_to_str(c["plan"], PLANS),
        "churned": _boolean(churned),
        "churn_date": _to_datetime(np.maximum(c["churn_sec"], 0), ~churned),
        "revenue": pd.Series(c["revenue"], dtype="float64"),
    })
    transactions = pd.DataFrame({
        "customer_id": pd.Series(cid[x["cust"]], dtype=STR),
        "transaction_date": _to_datetime(x["time"]),
        "amount": pd.Series(x["amount"], dtype="float64"),
        "transaction_id": make_ids("transaction", x["cust"].size),
    })
    frames = {"tickets": tickets, "responses": responses, "customers": customers, "transactions": transactions}
    if a is not None:
        frames["assignments"] = _assignments_table(cid[a["units"]], c["treat_arm"][a["units"]], a["assigned"],
                                                   a["pre_tickets"], a["pre_handle"])
    return frames


def _assignments_table(unit_ids: np.ndarray, treat_arm: np.ndarray, assigned_sec: np.ndarray,
                       pre_tickets: np.ndarray, pre_handle: np.ndarray) -> pd.DataFrame:
    """The assignments table of the experiment's units (in the order given)."""
    k = len(unit_ids)
    return pd.DataFrame({
        "unit_id": pd.Series(unit_ids, dtype=STR),
        "variant": _codes_to_str(np.asarray(treat_arm).astype(np.int64), ("control", "treatment")),
        "assigned_at": _to_datetime(assigned_sec),
        "experiment_id": pd.Series(["smart_triage"] * k, dtype=STR),
        "unit_type": pd.Series(["customer"] * k, dtype=STR),
        "pre_tickets_90d": pd.Series(pre_tickets, dtype="float64"),
        "pre_handle_time_minutes": pd.Series(pre_handle, dtype="float64"),
    })


def _labels(c: dict, t: dict, r: dict, frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The hidden per-row truth, aligned with the rows of ``frames`` (see csm.data.sample.sample_labels)."""
    order = r["order"]
    pii_resp = np.zeros(r["nps"].size, bool)
    pii_resp[r["comment_pii_rows"]] = True
    pii_desc = np.zeros(t["cust"].size, bool)
    pii_desc[t["description_pii_rows"]] = True
    return {
        "tickets": pd.DataFrame({
            "ticket_id": frames["tickets"]["ticket_id"], "spike_excess": t["spike"],
            "experiment_ticket": t["exp_ticket"], "treated": t["treated"],
            "fcr_probability": t["p_fcr"] + EXP_FCR_LIFT * t["treated"],
            "first_response_over_24h": t["first_response_over_24h"],
            "language": np.where(t["lang"] == 1, "zh", "en"),
            "has_pii": pii_desc, "customer_handle_effect": c["handle_effect"][t["cust"]],
        }),
        "responses": pd.DataFrame({
            "response_id": frames["responses"]["response_id"],
            "sentiment": np.array(SENTIMENTS)[r["sentiment"]][order],
            "topic": np.array(COMMENT_TOPICS)[r["topic"]][order],
            "language": np.where(r["lang"] == 1, "zh", "en")[order],
            "has_comment": r["has_comment"][order], "has_pii": pii_resp[order],
        }),
        "customers": pd.DataFrame({
            "customer_id": frames["customers"]["customer_id"], "bgnbd_lambda": c["bgnbd_lambda"],
            "bgnbd_p": c["bgnbd_p"], "gamma_gamma_nu": c["gamma_gamma_nu"],
            "ticket_rate_per_day": c["ticket_rate"], "unresolved_tickets": c["unresolved"],
            "handle_effect": c["handle_effect"], "language": np.where(c["zh"], "zh", "en"),
        }),
    }


def draw(rng: np.random.Generator, n_customers: int) -> tuple[dict, dict, dict, dict]:
    """Every random draw of the simulation, in order: the customer, ticket, response and purchase arrays
    (``c``, ``t``, ``r``, ``x``) of ``n_customers`` customers. The assignments need no draw."""
    c = _customers(rng, n_customers)
    t = _months(rng, c)
    _ticket_details(rng, t)
    _handling(rng, c, t)
    _descriptions(rng, c, t)
    r = _responses(rng, c, t)
    _comments(rng, c, t, r)
    x = _purchases(rng, c)
    return c, t, r, x


def simulate(seed: int, n_customers: int) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """The five tables and the hidden per-row labels for ``seed`` and ``n_customers`` (arguments checked by the
    caller, :func:`csm.data.sample.generate_sample`)."""
    c, t, r, x = draw(np.random.default_rng(seed), n_customers)
    a = _assignments(c, t)
    frames = _tables(c, t, r, x, a)
    return frames, _labels(c, t, r, frames)
