"""The planted ground truth of the sample data: :data:`TRUTH`, the realised numbers of the committed default
dataset, and ``SAMPLE_TRUTH.md`` rendered from them.

:func:`realised` recomputes the headline numbers of a generated dataset with the simple aggregates an
analyst would use; ``TRUTH["default_dataset"]`` holds them for the committed default (tests/test_sample.py
checks that the two agree, and that ``csm/data/SAMPLE_TRUTH.md`` equals :func:`truth_markdown`).
"""
from __future__ import annotations

import math

import pandas as pd

from csm.data.sample.params import (
    AGENTS, ANNUAL_AMPLITUDE, ANNUAL_PEAK_DOY, BGNBD, CARRIER_SHARES, CARRIERS, CATEGORY_CODES,
    CATEGORY_HANDLE_MULTIPLIER, CATEGORY_SHARES, CHANNEL_CODES, CHANNEL_SHARES, CHURN_H0, CHURN_HR_UNRESOLVED,
    CHURN_HR_VIP, COMMENT_PROB, CSAT_MODEL, CUSTOMER_HANDLE_SD, DEFAULT_CUSTOMERS, DEFAULT_SEED, EXP_FCR_LIFT,
    EXP_HANDLE_MULTIPLIER, FCR_BASE, FCR_CATEGORY, FCR_CHANNEL, FCR_CLIP, FCR_PRIORITY, FIRST_RESPONSE,
    GAMMA_GAMMA, NPS_MODEL, PRIORITY_CODES, PRODUCT_SHARES, PRODUCTS, REGION_CODES, REGION_P_CHINESE,
    REGION_SHARES, RESOLUTION_ESCALATED, RESOLUTION_NON_FCR_MEDIAN_H, RESOLUTION_NON_FCR_SIGMA,
    RESOLUTION_PER_EXTRA_CONTACT, ROLLOUT_EFFECT_MIN, ROLLOUT_TEAM, SUB_REASONS, TABLE_NAMES, TALK_CAP_MIN,
    TALK_MEDIAN_MIN, TALK_SIGMA, TICKET_FRAILTY_SHAPE, TICKETS_PER_CUSTOMER_DAY, VIP_SHARE,
    VIP_TICKET_RATE_MULTIPLIER, WEEKDAY_WEIGHTS, WRAP_UP_MIN, day_number,
)
from csm.data.sample.text import PII_COMMENT, PII_DESCRIPTION

__all__ = ["TRUTH", "realised", "truth_markdown"]

#: Realised numbers of the committed default dataset (seed 20250101, 18,000 customers), recomputed by
#: tests/test_sample.py from data/sample/*.parquet with csm.data.sample.truth.realised.
#: After changing the generator: paste ``realised(*simulate(DEFAULT_SEED, DEFAULT_CUSTOMERS))``
#: (csm.data.sample.simulate.simulate) here and the two fits of tests/test_sample.py::bgnbd_fit below, then rewrite
#: csm/data/SAMPLE_TRUTH.md from ``truth_markdown()`` and the data with ``write_sample("data/sample")``.
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
    "late_joiners": [a for a, d in zip(AGENTS["agent_id"], AGENTS["hire_day"]) if d >= day_number("2026-01-01")],
    "pii_strings": [s for _, s in PII_DESCRIPTION + PII_COMMENT],
    "pii": {"descriptions": [{"type": t, "value": s} for t, s in PII_DESCRIPTION],
            "comments": [{"type": t, "value": s} for t, s in PII_COMMENT],
            "note": "Each string appears exactly once: the description ones in one ticket description each, "
                    "the comment ones in one survey comment each. Resident ID numbers carry a valid GB 11643 "
                    "check digit and card numbers pass the Luhn check, as real ones do"},
    # realised numbers in the committed default dataset (seed 20250101, 18,000 customers)
    "default_dataset": _DEFAULT_DATASET,
}

def realised(frames: dict[str, pd.DataFrame], labels: dict[str, pd.DataFrame]) -> dict:
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


def truth_markdown() -> str:
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
        "<!-- Generated from csm.data.sample.TRUTH by csm.data.sample.truth_markdown(); do not edit by hand. "
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

