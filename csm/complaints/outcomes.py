"""Why outcomes go bad: logistic regressions (odds ratios) of repeat complaint, not resolved at first contact
and escalation on categorical ticket factors (:func:`fit_outcome_model`, :func:`outcome_drivers`)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.stats as st

from csm.compat import STR
from csm.complaints.inputs import OTHER_LEVELS, has_customer_key, require_columns
from csm.errors import AnalysisError, ParameterError
from csm.notes import Note
from csm.stats import adjust_pvalues, single_threaded_blas

__all__ = ["OUTCOMES", "MODEL_COVARIATES", "TENURE_BANDS", "OutcomeModel", "OutcomeDrivers", "repeat_complaints",
           "tenure_band", "outcome_frame", "outcome_patterns", "fit_outcome_model", "outcome_drivers"]

#: Outcomes modelled by :func:`outcome_drivers` (codes used in results and labels).
OUTCOMES = ("repeat_complaint", "not_resolved_first_contact", "escalated")
#: Default covariates of the outcome models (``tenure_band`` is derived from ``agent_tenure_months``).
MODEL_COVARIATES = ("category", "channel", "region", "priority", "tenure_band")
#: Tenure bands (months): code -> [low, high).
TENURE_BANDS = {"tenure_lt6": (0, 6), "tenure_6_24": (6, 24), "tenure_24_60": (24, 60), "tenure_60plus": (60, np.inf)}

def _repeat_column(rel, within_days: float, data_end, order=None):
    """The repeat-complaint flag as an engine expression: a window over each customer's tickets ordered by
    created_at (then ``order``), the gap to the next ticket in days; 1.0 within ``within_days``, NULL when
    the follow-up window runs past ``data_end``, else 0.0."""
    import ibis

    from csm.complaints.engine import seconds_between

    keys = [rel.created_at] + ([rel[order]] if order is not None else [])
    window = ibis.window(group_by=rel.customer_id, order_by=keys)
    nxt = rel.created_at.lead().over(window)
    gap = seconds_between(nxt, rel.created_at) / 86400
    # created_at + within_days > data_end, in whole microseconds
    censored = seconds_between(data_end, rel.created_at) < within_days * 86400
    repeat = rel.customer_id.notnull() & gap.notnull() & (gap <= within_days)
    return ibis.ifelse(repeat, 1.0, ibis.ifelse(censored, ibis.null().cast("float64"), 0.0))


def _data_end(rel, data_end):
    from csm.engine import execute

    return pd.Timestamp(data_end) if data_end is not None else pd.Timestamp(execute(rel.created_at.max()))


def _order_key(rel):
    return "_row" if "_row" in rel.columns else ("ticket_id" if "ticket_id" in rel.columns else None)


def _with_rows(tickets: pd.DataFrame) -> pd.DataFrame:
    return tickets.reset_index(drop=True).assign(_row=np.arange(len(tickets), dtype="int64"))


def repeat_complaints(tickets, *, within_days: float = 30, data_end=None):
    """1.0 when the same customer opens another ticket within ``within_days`` after this one, else 0.0;
    NaN (unknown, censored) when the follow-up window runs past ``data_end`` (default: last ticket).
    Computed in the engine (a window over each customer's tickets); a frame gives a Series aligned with it,
    a relation the relation with a ``repeat_complaint`` column. Tickets at the same time: the earlier row of a
    frame (of a relation: the smaller ticket_id) comes first."""
    from csm.complaints.engine import relation_of
    from csm.engine import execute

    require_columns(tickets, ["customer_id", "created_at"], "repeat_complaints")
    if within_days <= 0:
        raise ParameterError(f"repeat_within_days must be positive, got {within_days!r}")
    if isinstance(tickets, pd.DataFrame):
        rel = relation_of(_with_rows(tickets[["customer_id", "created_at"]]))
        end = _data_end(rel, data_end)
        out = execute(rel.select("_row", repeat_complaint=_repeat_column(rel, within_days, end, "_row")))
        values = out.sort_values("_row")["repeat_complaint"].astype(float).to_numpy()
        return pd.Series(values, index=tickets.index, name="repeat_complaint")
    end = _data_end(tickets, data_end)
    return tickets.mutate(repeat_complaint=_repeat_column(tickets, within_days, end, _order_key(tickets)))


def tenure_band(months):
    """Agent tenure in bands :data:`TENURE_BANDS` (codes ``tenure_lt6`` …); missing stays missing. A Series
    gives a Series, an engine column an expression."""
    if isinstance(months, pd.Series):
        out = pd.Series(pd.NA, index=months.index, dtype=STR)
        for code, (lo, hi) in TENURE_BANDS.items():
            out[(months >= lo) & (months < hi)] = code
        return out
    import ibis

    expr = ibis.null().cast("string")
    known = months.notnull() & ~months.isnan()  # a NaN read from a Parquet file is missing, as in pandas
    for code, (lo, hi) in reversed(TENURE_BANDS.items()):
        inside = (months >= lo) if not np.isfinite(hi) else ((months >= lo) & (months < hi))
        expr = ibis.ifelse((known & inside).fill_null(False), ibis.literal(code), expr)
    return expr


def outcome_frame(tickets, *, repeat_within_days: float = 30, data_end=None, repeat_key: bool | None = None):
    """Tickets with the modelled outcomes as 0/1 floats (NaN unknown): repeat_complaint (only when
    ``customer_id`` is a customer key, :func:`has_customer_key`), not_resolved_first_contact
    (first_contact_resolved False), escalated; and ``tenure_band``. An outcome whose column is absent is
    absent from the frame (:func:`outcome_drivers` then skips it).

    Built in the engine: a relation gives a relation (nothing is executed but the data end and the customer
    key check, or none with ``data_end`` and ``repeat_key``); a frame gives a frame (the same expression run
    over it)."""
    from csm.complaints.engine import relation_of
    from csm.engine import execute

    if isinstance(tickets, pd.DataFrame):
        out = execute(outcome_frame(relation_of(_with_rows(tickets)), repeat_within_days=repeat_within_days,
                                data_end=data_end, repeat_key=repeat_key))
        out = out.sort_values("_row").drop(columns="_row")
        out.index = tickets.index
        for col in tickets.columns:  # the frame's own columns keep their types
            out[col] = tickets[col]
        return out
    rel = tickets
    new = {}
    key = has_customer_key(rel) if repeat_key is None else repeat_key
    if key and "customer_id" in rel.columns:  # else every customer has one ticket: repeats cannot be assessed
        if repeat_within_days <= 0:
            raise ParameterError(f"repeat_within_days must be positive, got {repeat_within_days!r}")
        new["repeat_complaint"] = _repeat_column(rel, repeat_within_days, _data_end(rel, data_end), _order_key(rel))
    if "first_contact_resolved" in rel.columns:
        new["not_resolved_first_contact"] = (~rel.first_contact_resolved).cast("float64")
    if "escalated" in rel.columns:
        new["escalated"] = rel.escalated.cast("float64")
    if "agent_tenure_months" in rel.columns:
        new["tenure_band"] = tenure_band(rel.agent_tenure_months)
    return rel.mutate(**new) if new else rel


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


def outcome_patterns(frame, outcomes, covariates) -> tuple[pd.DataFrame, int]:
    """Covariate patterns of ``frame`` (a frame or a relation) in one engine query: per combination of the
    ``covariates`` (missing values kept as their own group) the tickets ``n`` and, per outcome, the tickets
    with a known outcome ``<outcome>__n`` and its events ``<outcome>__s``. Returns (patterns, rows of frame)."""
    from csm.complaints.engine import relation_of
    from csm.engine import execute

    rel = relation_of(frame, "outcome models")
    covariates = [c for c in covariates if c in rel.columns]
    outcomes = [o for o in outcomes if o in rel.columns]
    metrics = {"n": rel.count()}
    for o in outcomes:
        metrics[f"{o}__n"] = rel[o].count()
        metrics[f"{o}__s"] = rel[o].cast("float64").sum()
    patterns = execute(rel.group_by(covariates).aggregate(**metrics) if covariates else rel.aggregate(**metrics))
    for col in patterns.columns:
        if col.endswith("__n") or col == "n":
            patterns[col] = patterns[col].fillna(0).astype("int64")
        elif col.endswith("__s"):
            patterns[col] = patterns[col].fillna(0).astype(float)
    return patterns, int(patterns["n"].sum())


def _pooled_levels(data: pd.DataFrame, cov: str, min_n: int, min_events: int):
    """Merge levels with fewer than ``min_n`` tickets, ``min_events`` events or non-events into ``other_levels``;
    if the pooled group is still that small, count it with the most common level instead.
    ``data``: patterns with ``size`` and ``sum``. Returns (values, rare levels, pooled-into-reference flag,
    recode)."""
    g = data.groupby(cov, observed=True)[["size", "sum"]].sum()
    small = (g["size"] < min_n) | (g["sum"] < min_events) | (g["size"] - g["sum"] < min_events)
    rare = g.index[small].tolist()
    if not rare:
        return data[cov], [], False, {}
    pooled = g[small].sum()
    into_reference = bool((pooled["size"] < min_n) or (pooled["sum"] < min_events)
                          or (pooled["size"] - pooled["sum"] < min_events))
    # a pooled group still too small to estimate on its own (separation) is counted with the most common level
    target = g["size"].idxmax() if into_reference else OTHER_LEVELS
    values = data[cov].where(~data[cov].isin(rare), target)
    recode = {str(r): target for r in rare if r != target}
    return values, [str(r) for r in rare], into_reference, recode


def fit_outcome_model(frame, outcome: str, covariates=MODEL_COVARIATES, *, min_level_n: int = 50,
                      min_level_events: int = 5, confidence: float = 0.95, patterns=None) -> OutcomeModel:
    """Logistic regression of a 0/1 ``outcome`` on categorical ``covariates`` (statsmodels GLM Binomial).

    ``logit P(y=1) = β₀ + Σ β_level``; odds ratio ``exp(β)`` against the covariate's most common level,
    Wald interval ``exp(β ± z·se)``. The tickets are aggregated to covariate patterns in the engine
    (successes, failures; :func:`outcome_patterns`, or the ``patterns`` given with the table's rows), which
    gives the same estimates as the ticket-level fit. Rows with a missing
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
    if patterns is None:
        require_columns(frame, [outcome, *covariates], f"model of {outcome}")
        patterns = outcome_patterns(frame, [outcome], covariates)
    patterns, n_frame = patterns
    data = patterns.dropna(subset=covariates)
    data = pd.DataFrame({**{c: data[c] for c in covariates}, "size": data[f"{outcome}__n"],
                         "sum": data[f"{outcome}__s"]})
    data = data[data["size"] > 0].reset_index(drop=True)
    n_data, n_events = int(data["size"].sum()), float(data["sum"].sum())
    notes = []
    if n_data < n_frame:
        notes.append(Note("model_missing", outcome=outcome, n=n_frame - n_data))
    if n_data == 0 or n_events == 0 or n_events == n_data:
        raise AnalysisError(f"model of {outcome}: the outcome takes a single value (or no value) in the "
                            f"{n_data:,} usable tickets; there is nothing to explain.")
    used, levels_info, recodes = [], {}, {}
    for cov in covariates:
        values, rare, into_reference, recode = _pooled_levels(data, cov, min_level_n, min_level_events)
        if rare and into_reference:
            notes.append(Note("model_rare_reference", outcome=outcome, factor=cov, levels=tuple(rare)))
        elif rare:
            notes.append(Note("model_rare_pooled", outcome=outcome, factor=cov, levels=tuple(rare)))
        recodes[cov] = recode
        data[cov] = values
        if data[cov].nunique() < 2:
            notes.append(Note("model_one_level", outcome=outcome, factor=cov))
            continue
        used.append(cov)
    if not used:
        raise AnalysisError(f"model of {outcome}: no covariate has two or more levels with enough tickets.")
    patt = data.groupby(used, observed=True)[["sum", "size"]].sum().reset_index()
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
    return OutcomeModel(outcome, tuple(used), summary, n_data, int(n_events), float(res.llf),
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
    from csm.complaints.engine import relation_of

    rel = relation_of(frame, "outcome models")
    patterns, n_frame = outcome_patterns(rel, outcomes, covariates)
    usable = [c for c in covariates if c in patterns and bool(patterns.loc[patterns[c].notna(), "n"].sum())]
    skipped = {c: Note("factor_unavailable", factor=c) for c in covariates if c not in usable}
    models, parts = {}, []
    for outcome in outcomes:
        if f"{outcome}__n" not in patterns or int(patterns[f"{outcome}__n"].sum()) == 0:
            skipped[outcome] = Note("outcome_unavailable", outcome=outcome)
            continue
        try:
            m = fit_outcome_model(rel, outcome, usable, patterns=(patterns, n_frame), **kwargs)
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

