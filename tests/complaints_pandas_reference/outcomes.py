"""Why outcomes go bad: logistic regressions (odds ratios) of repeat complaint, not resolved at first contact
and escalation on categorical ticket factors (:func:`fit_outcome_model`, :func:`outcome_drivers`)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.stats as st

from csm.compat import STR
from .inputs import OTHER_LEVELS, has_customer_key, require_columns
from csm.errors import AnalysisError, ParameterError
from csm.notes import Note
from csm.stats import adjust_pvalues, single_threaded_blas

__all__ = ["OUTCOMES", "MODEL_COVARIATES", "TENURE_BANDS", "OutcomeModel", "OutcomeDrivers", "repeat_complaints",
           "tenure_band", "outcome_frame", "fit_outcome_model", "outcome_drivers"]

#: Outcomes modelled by :func:`outcome_drivers` (codes used in results and labels).
OUTCOMES = ("repeat_complaint", "not_resolved_first_contact", "escalated")
#: Default covariates of the outcome models (``tenure_band`` is derived from ``agent_tenure_months``).
MODEL_COVARIATES = ("category", "channel", "region", "priority", "tenure_band")
#: Tenure bands (months): code -> [low, high).
TENURE_BANDS = {"tenure_lt6": (0, 6), "tenure_6_24": (6, 24), "tenure_24_60": (24, 60), "tenure_60plus": (60, np.inf)}

def repeat_complaints(tickets: pd.DataFrame, *, within_days: float = 30, data_end=None) -> pd.Series:
    """1.0 when the same customer opens another ticket within ``within_days`` after this one, else 0.0;
    NaN (unknown, censored) when the follow-up window runs past ``data_end`` (default: last ticket)."""
    require_columns(tickets, ["customer_id", "created_at"], "repeat_complaints")
    if within_days <= 0:
        raise ParameterError(f"repeat_within_days must be positive, got {within_days!r}")
    data_end = pd.Timestamp(data_end) if data_end is not None else tickets["created_at"].max()
    order = tickets.sort_values(["customer_id", "created_at"], kind="stable")
    nxt = order.groupby("customer_id", sort=False)["created_at"].shift(-1)
    gap = (nxt - order["created_at"]).dt.total_seconds() / 86400
    out = (gap <= within_days).astype(float)
    out[order["created_at"] + pd.Timedelta(days=within_days) > data_end] = np.nan
    out[(gap <= within_days)] = 1.0  # a repeat seen before the data end is known
    return out.reindex(tickets.index).rename("repeat_complaint")


def tenure_band(months: pd.Series) -> pd.Series:
    """Agent tenure in bands :data:`TENURE_BANDS` (codes ``tenure_lt6`` …); missing stays missing."""
    out = pd.Series(pd.NA, index=months.index, dtype=STR)
    for code, (lo, hi) in TENURE_BANDS.items():
        out[(months >= lo) & (months < hi)] = code
    return out


def outcome_frame(tickets: pd.DataFrame, *, repeat_within_days: float = 30, data_end=None) -> pd.DataFrame:
    """Tickets with the modelled outcomes as 0/1 floats (NaN unknown): repeat_complaint (only when
    ``customer_id`` is a customer key, :func:`has_customer_key`), not_resolved_first_contact
    (first_contact_resolved False), escalated; and ``tenure_band``. An outcome whose column is absent is
    absent from the frame (:func:`outcome_drivers` then skips it)."""
    out = tickets.copy()
    if has_customer_key(tickets):  # else every customer has one ticket: repeats cannot be assessed
        out["repeat_complaint"] = repeat_complaints(tickets, within_days=repeat_within_days, data_end=data_end)
    if "first_contact_resolved" in tickets:
        out["not_resolved_first_contact"] = (~tickets["first_contact_resolved"]).astype("Float64").astype(float)
    if "escalated" in tickets:
        out["escalated"] = tickets["escalated"].astype("Float64").astype(float)
    if "agent_tenure_months" in tickets:
        out["tenure_band"] = tenure_band(tickets["agent_tenure_months"])
    return out


@dataclass(frozen=True)
class OutcomeModel:
    """A fitted logistic regression of one outcome (see :func:`fit_outcome_model`).

    ``params`` / ``standard_errors``: coefficients (log odds) and their standard errors, by term (``const``,
    ``channel[email]`` …); ``loglik``: the maximised log-likelihood. ``summary``: one row per
    non-reference level — outcome, covariate, level, reference, estimate (the odds ratio ``exp(β)``),
    ci_low, ci_high, p_value, n (tickets at the level), events, rate. ``notes``: :class:`~csm.notes.Note`
    codes ``model_missing``, ``model_rare_pooled``, ``model_rare_reference``, ``model_one_level``,
    ``model_separation``. :meth:`predict` gives the probability of the outcome for new tickets.
    """

    outcome: str
    covariates: tuple[str, ...]
    summary: pd.DataFrame
    n: int
    events: int
    loglik: float
    converged: bool
    params: pd.Series
    standard_errors: pd.Series
    notes: tuple[Note, ...] = ()
    #: per covariate: (reference level, modelled levels, {rare level: level it was counted with})
    levels: dict = field(default_factory=dict)

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        """P(outcome) for each row of ``frame`` (columns :attr:`covariates`); rare levels are counted as in the
        fit, a level the model has not seen as the reference level."""
        require_columns(frame, list(self.covariates), f"prediction of {self.outcome}")
        eta = pd.Series(float(self.params["const"]), index=frame.index)
        for cov in self.covariates:
            ref, levels, recode = self.levels[cov]
            values = frame[cov].astype(object).replace(recode)
            for lvl in levels:
                eta = eta + float(self.params[f"{cov}[{lvl}]"]) * (values == lvl).astype(float)
        return (1 / (1 + np.exp(-eta))).rename(self.outcome)

    def __repr__(self) -> str:
        return f"OutcomeModel({self.outcome}: n={self.n:,}, events={self.events:,}, {len(self.summary)} terms)"


def _pooled_levels(frame: pd.DataFrame, cov: str, outcome: str, min_n: int, min_events: int):
    """Merge levels with fewer than ``min_n`` tickets, ``min_events`` events or non-events into ``other_levels``;
    if the pooled group is still that small, count it with the most common level instead.
    Returns (values, rare levels, pooled-into-reference flag)."""
    g = frame.groupby(cov, observed=True)[outcome].agg(["size", "sum"])
    small = (g["size"] < min_n) | (g["sum"] < min_events) | (g["size"] - g["sum"] < min_events)
    rare = g.index[small].tolist()
    if not rare:
        return frame[cov], [], False
    pooled = g[small].sum()
    into_reference = bool((pooled["size"] < min_n) or (pooled["sum"] < min_events)
                          or (pooled["size"] - pooled["sum"] < min_events))
    # a pooled group still too small to estimate on its own (separation) is counted with the most common level
    target = g["size"].idxmax() if into_reference else OTHER_LEVELS
    values = frame[cov].where(~frame[cov].isin(rare), target)
    return values, [str(r) for r in rare], into_reference


def fit_outcome_model(frame: pd.DataFrame, outcome: str, covariates=MODEL_COVARIATES, *, min_level_n: int = 50,
                      min_level_events: int = 5, confidence: float = 0.95) -> OutcomeModel:
    """Logistic regression of a 0/1 ``outcome`` on categorical ``covariates`` (statsmodels GLM Binomial).

    ``logit P(y=1) = β₀ + Σ β_level``; odds ratio ``exp(β)`` against the covariate's most common level,
    Wald interval ``exp(β ± z·se)``. For speed the tickets are aggregated to covariate patterns
    (successes, failures), which gives the same estimates as the ticket-level fit. Rows with a missing
    outcome or covariate are left out; rare levels (fewer than ``min_level_n`` tickets or
    ``min_level_events`` events / non-events — the source of (quasi-)separation) are merged into
    ``other_levels``; a covariate left with one level is dropped (noted). If the fit still fails, a
    ridge-penalised fit without intervals is not attempted: :class:`AnalysisError` says why.
    """
    # the GLM module directly: ``statsmodels.api`` imports every submodule (~1–2 s of report time)
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        PerfectSeparationWarning,
    )

    covariates = [c for c in covariates]
    require_columns(frame, [outcome, *covariates], f"model of {outcome}")
    data = frame[[outcome, *covariates]].dropna()
    notes = []
    if len(data) < len(frame):
        notes.append(Note("model_missing", outcome=outcome, n=len(frame) - len(data)))
    if data.empty or data[outcome].nunique() < 2:
        raise AnalysisError(f"model of {outcome}: the outcome takes a single value (or no value) in the "
                            f"{len(data):,} usable tickets; there is nothing to explain.")
    used, levels_info, recodes = [], {}, {}
    for cov in covariates:
        values, rare, into_reference = _pooled_levels(data, cov, outcome, min_level_n, min_level_events)
        if rare and into_reference:
            notes.append(Note("model_rare_reference", outcome=outcome, factor=cov, levels=tuple(rare)))
        elif rare:
            notes.append(Note("model_rare_pooled", outcome=outcome, factor=cov, levels=tuple(rare)))
        changed = values.ne(data[cov])
        recodes[cov] = dict(zip(data.loc[changed, cov].astype(str), values[changed]))
        data[cov] = values
        if data[cov].nunique() < 2:
            notes.append(Note("model_one_level", outcome=outcome, factor=cov))
            continue
        used.append(cov)
    if not used:
        raise AnalysisError(f"model of {outcome}: no covariate has two or more levels with enough tickets.")
    patt = data.groupby(used, observed=True)[outcome].agg(["sum", "size"]).reset_index()
    design_parts = [pd.Series(1.0, index=patt.index, name="const")]
    level_counts = {cov: patt.groupby(cov)[["size", "sum"]].sum() for cov in used}
    for cov in used:
        counts = level_counts[cov]["size"]
        counts = counts.iloc[np.lexsort((counts.index.astype(str), -counts.to_numpy()))]
        ref = counts.index[0] if counts.index[0] != OTHER_LEVELS else counts.index[1]
        levels = sorted(l for l in counts.index if l != ref)
        levels_info[cov] = (ref, levels, recodes[cov])
        for lvl in levels:
            design_parts.append((patt[cov] == lvl).astype(float).rename(f"{cov}[{lvl}]"))
    X = pd.concat(design_parts, axis=1)
    endog = np.column_stack([patt["sum"].to_numpy(float), (patt["size"] - patt["sum"]).to_numpy(float)])
    with warnings.catch_warnings():
        # separation is handled by pooling rare levels above; a remaining warning is reported via the check below
        warnings.simplefilter("ignore", (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning))
        try:
            with single_threaded_blas():
                # tight convergence (deviance change < 1e-12): odds ratios agree to their shown digits on any CPU
                res = GLM(endog, X, family=Binomial()).fit(tol=1e-12, maxiter=200)
        except Exception as err:  # noqa: BLE001 - report any numerical failure in plain words
            raise AnalysisError(f"model of {outcome}: the logistic regression could not be fitted ({err}). "
                                "Use fewer covariates or a longer period.") from None
    converged = bool(getattr(res, "converged", True))
    z = st.norm.isf((1 - confidence) / 2)
    rows = []
    for cov in used:
        ref, levels, _ = levels_info[cov]
        for lvl in levels:
            name = f"{cov}[{lvl}]"
            b, se = float(res.params[name]), float(res.bse[name])
            n_lvl, ev_lvl = level_counts[cov].loc[lvl]
            with np.errstate(over="ignore"):
                rows.append({"outcome": outcome, "covariate": cov, "level": str(lvl), "reference": str(ref),
                             "estimate": np.exp(b), "ci_low": np.exp(b - z * se), "ci_high": np.exp(b + z * se),
                             "p_value": float(res.pvalues[name]), "n": int(n_lvl), "events": int(ev_lvl),
                             "rate": float(ev_lvl / n_lvl)})
    summary = pd.DataFrame(rows)
    if not converged or (summary["ci_high"] / summary["ci_low"] > 1e4).any():
        notes.append(Note("model_separation", outcome=outcome))
    return OutcomeModel(outcome, tuple(used), summary, len(data), int(data[outcome].sum()), float(res.llf),
                        converged, pd.Series(res.params, index=X.columns, dtype=float),
                        pd.Series(res.bse, index=X.columns, dtype=float), tuple(notes), levels_info)


@dataclass(frozen=True)
class OutcomeDrivers:
    """:func:`outcome_drivers` result: ``summary`` (all terms of all models, Holm-adjusted within the
    family of all terms, ranked by strength of a significant effect; ``estimate`` is the odds ratio),
    ``models`` (outcome -> :class:`OutcomeModel`), ``skipped`` (covariate or outcome -> :class:`~csm.notes.Note`:
    ``factor_unavailable``, ``outcome_unavailable`` or ``model_failed`` with the error ``message``)."""

    summary: pd.DataFrame
    models: dict
    skipped: dict

    def __repr__(self) -> str:
        return f"OutcomeDrivers({', '.join(self.models)}; {int(self.summary['significant'].sum())} significant term(s))"


def outcome_drivers(frame: pd.DataFrame, outcomes=OUTCOMES, covariates=MODEL_COVARIATES, *, alpha: float = 0.05,
                    **kwargs) -> OutcomeDrivers:
    """One :func:`fit_outcome_model` per outcome; covariates that are absent or all empty are left out
    (noted in ``skipped``); an outcome that cannot be modelled is skipped with the reason.

    Ranking: significant terms (Holm-adjusted p < ``alpha``) first, then by |log odds ratio|.
    ``excess_events`` ≈ events at the level − events expected at the reference rate
    (``n × rate_ref``-scaled by the odds ratio), a count a manager can compare across findings.
    """
    usable = [c for c in covariates if c in frame and frame[c].notna().any()]
    skipped = {c: Note("factor_unavailable", factor=c) for c in covariates if c not in usable}
    models, parts = {}, []
    for outcome in outcomes:
        if outcome not in frame or frame[outcome].notna().sum() == 0:
            skipped[outcome] = Note("outcome_unavailable", outcome=outcome)
            continue
        try:
            m = fit_outcome_model(frame, outcome, usable, **kwargs)
        except AnalysisError as err:
            skipped[outcome] = Note("model_failed", outcome=outcome,
                                    reason=str(err).removeprefix(f"model of {outcome}: ").strip().rstrip("."))
            continue
        models[outcome] = m
        parts.append(m.summary)
    cols = ["outcome", "covariate", "level", "reference", "estimate", "ci_low", "ci_high", "p_value", "n",
            "events", "rate", "p_adjusted", "significant", "excess_events"]
    if not parts:
        return OutcomeDrivers(pd.DataFrame(columns=cols), models, skipped)
    s = pd.concat(parts, ignore_index=True)
    s["p_adjusted"] = adjust_pvalues(s["p_value"], method="holm")["p_adjusted"].to_numpy()
    s["significant"] = s["p_adjusted"] < alpha
    # events above what the level would have at the reference odds: n·rate − n·p0, with p0 from OR
    odds = s["rate"] / (1 - s["rate"]).clip(lower=1e-12)
    p0 = (odds / s["estimate"]) / (1 + odds / s["estimate"])
    s["excess_events"] = s["events"] - s["n"] * p0
    strength = np.abs(np.log(s["estimate"]))
    s = s.assign(_k=(~s["significant"]).astype(int), _s=-strength).sort_values(["_k", "_s"], kind="stable")
    return OutcomeDrivers(s.drop(columns=["_k", "_s"]).reset_index(drop=True)[cols], models, skipped)

