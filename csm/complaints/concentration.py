"""Where complaints concentrate: chi-square tests of category × dimension with adjusted standardised
residuals (Haberman 1973), Cramér's V, rare levels pooled, nested dimensions skipped."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.stats as st

from csm.complaints.engine import relation_of
from csm.engine import execute
from csm.complaints.inputs import OTHER_LEVELS, check_nonempty, require_columns
from csm.errors import AnalysisError, DataError
from csm.notes import Note
from csm.stats import adjust_pvalues

__all__ = ["NESTED_SHARE", "ContingencyResult", "Concentration", "adjusted_residuals", "cramers_v",
           "contingency_test", "nested_share", "concentration", "pair_counts"]

@dataclass(frozen=True)
class ContingencyResult:
    """Chi-square test of independence of two ticket dimensions.

    ``cells``: one row per cell — row level, column level, observed, expected, ratio (O/E),
    adjusted_residual, p_value, p_adjusted (Bonferroni over the cells), over_represented, and
    ``<row>_members`` / ``<col>_members``: the levels pooled into :data:`OTHER_LEVELS` ("a|b", else "").
    ``summary``: one row — dimension, n, chi2, dof, p_value, cramers_v, min_expected. ``notes``:
    :class:`~csm.notes.Note` codes ``contingency_missing``, ``contingency_pooled``, ``contingency_dropped``,
    ``contingency_approximate``.
    """

    row: str
    col: str
    observed: pd.DataFrame
    expected: pd.DataFrame
    cells: pd.DataFrame
    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    n: int
    notes: tuple[Note, ...] = ()
    #: levels pooled into :data:`OTHER_LEVELS` and levels left out (level -> tickets), per dimension name
    pooled: dict = field(default_factory=dict)
    dropped: dict = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{"dimension": self.col, "n": self.n, "chi2": self.chi2, "dof": self.dof,
                              "p_value": self.p_value, "cramers_v": self.cramers_v,
                              "min_expected": float(self.expected.to_numpy().min())}])

    def __repr__(self) -> str:
        return (f"ContingencyResult({self.row} × {self.col}: chi2={self.chi2:.1f}, dof={self.dof}, "
                f"p={self.p_value:.3g}, V={self.cramers_v:.3f}, n={self.n})")


def adjusted_residuals(observed) -> np.ndarray:
    """Adjusted standardised residuals (Haberman 1973): ``(O − E) / √(E (1 − r/n)(1 − c/n))``.

    Approximately standard normal under independence, cell by cell.
    """
    o = np.asarray(observed, dtype=float)
    n = o.sum()
    r, c = o.sum(axis=1, keepdims=True), o.sum(axis=0, keepdims=True)
    e = r @ c / n
    with np.errstate(divide="ignore", invalid="ignore"):
        return (o - e) / np.sqrt(e * (1 - r / n) * (1 - c / n))


def cramers_v(chi2: float, n: int, shape: tuple[int, int]) -> float:
    """Cramér's V = √(χ² / (n · (min(r, c) − 1)))."""
    k = min(shape) - 1
    return float(np.sqrt(chi2 / (n * k))) if n > 0 and k > 0 else np.nan


def _merge_sparse(table: pd.DataFrame, min_expected: float) -> tuple[pd.DataFrame, dict, dict]:
    """Pool the rare levels of each axis, so small expected counts do not distort the test.

    Rule: a level is *rare* when it has fewer than ``min_expected × k`` tickets, ``k`` being the number of
    levels on the other axis, i.e. its expected count in a cell of average size is below ``min_expected``
    (5): with 11 categories a channel needs 55 tickets. Rare levels of an axis (two or more) are pooled into
    one level :data:`OTHER_LEVELS` (its members are returned, so it can be shown by name); repeated until no
    level is rare, since pooling one axis changes ``k`` of the other. A level that is not rare is never pooled,
    however small it looks beside the largest. When the table still breaks Cochran's rule (an expected count
    below 1, or more than 20% below ``min_expected``) and a pool or a single rare level is itself rare, its
    tickets are left out of the test (returned as dropped, noted by the caller). Each axis keeps two levels.

    Returns (table, pooled members per axis ``{0: [...], 1: [...]}``, dropped levels per axis with their
    ticket counts ``{0: {level: n}, 1: {...}}``)."""
    pooled, dropped = {0: [], 1: []}, {0: {}, 1: {}}
    t = table.copy()

    def rare(frame, axis):
        totals = frame.sum(axis=1 - axis)  # axis 0: row totals
        return totals[totals < min_expected * frame.shape[1 - axis]]

    for _ in range(100):
        changed = False
        for axis in (0, 1):
            work = t if axis == 1 else t.T  # levels of ``axis`` as columns
            small = rare(t, axis)
            take = [lv for lv in small.index if lv != OTHER_LEVELS]
            if not take or (OTHER_LEVELS not in work.columns and len(take) < 2):
                continue  # a single rare level is not pooled with anything (it may be dropped below)
            if work.shape[1] - len(take) + (OTHER_LEVELS not in work.columns) < 2:
                continue
            pooled[axis] += [str(c) for c in take]
            other = work[take].sum(axis=1) + (work[OTHER_LEVELS] if OTHER_LEVELS in work.columns else 0)
            work = work.drop(columns=[c for c in [*take, OTHER_LEVELS] if c in work.columns])
            work[OTHER_LEVELS] = other
            t = work if axis == 1 else work.T
            changed = True
        if not changed:
            break

    def cochran(frame):
        o = frame.to_numpy(dtype=float)
        e = np.outer(o.sum(axis=1), o.sum(axis=0)) / o.sum()
        return e.min() >= 1 and (e < min_expected).mean() <= 0.2

    while not cochran(t):
        # the rarest level that is still rare (a pool too small, or a lone rare level): leave it out
        cands = [(float(n), axis, lv) for axis in (0, 1) if t.shape[axis] > 2 for lv, n in rare(t, axis).items()]
        if not cands:
            break
        n, axis, lv = min(cands, key=lambda c: (c[0], c[1], str(c[2])))
        dropped[axis][str(lv)] = int(n)
        t = t.drop(index=lv) if axis == 0 else t.drop(columns=lv)
        if lv == OTHER_LEVELS:
            dropped[axis].pop(str(lv))
            for m in pooled[axis]:
                dropped[axis][m] = int(table.sum(axis=1 - axis)[m] if m in table.sum(axis=1 - axis).index else 0)
            pooled[axis] = []
    return t, pooled, dropped


def pair_counts(tickets, cols, row: str = "category") -> dict:
    """Tickets per (``row``, ``col``) level pair for each of ``cols`` (missing values kept as their own level), in
    one engine query: ``{col: frame[row, col, count]}``."""
    import ibis

    rel = relation_of(tickets, "contingency")
    cols = [c for c in cols if c in rel.columns and c != row]
    if not cols:
        return {}
    parts = [rel.group_by([rel[row].cast("string").name("row_level"), rel[c].cast("string").name("col_level")])
             .aggregate(count=rel.count()).mutate(dimension=ibis.literal(c)) for c in cols]
    query = parts[0]
    for p in parts[1:]:
        query = query.union(p, distinct=False)
    counts = execute(query.select("dimension", "row_level", "col_level", "count"))
    counts["count"] = counts["count"].astype("int64")
    return {c: counts[counts["dimension"] == c].rename(columns={"row_level": row, "col_level": c})
            [[row, c, "count"]].reset_index(drop=True) for c in cols}


def _crosstab(counts: pd.DataFrame, index: str, columns: str) -> pd.DataFrame:
    both = counts.dropna(subset=[index, columns])
    table = both.pivot_table(index=index, columns=columns, values="count", aggfunc="sum", fill_value=0)
    table = table.sort_index().sort_index(axis=1).astype("int64")
    table.index.name, table.columns.name = index, columns
    return table


def contingency_test(tickets, col: str, row: str = "category", *, min_expected: float = 5.0,
                     alpha: float = 0.05, counts: pd.DataFrame | None = None) -> ContingencyResult:
    """Pearson chi-square test of ``row`` × ``col`` with adjusted residuals and Cramér's V.

    Rows with either value missing are left out (noted). Small expected counts are guarded by
    pooling rare ``row`` or ``col`` levels into ``other_levels`` (rule: :func:`_merge_sparse`; noted), and
    leaving out a pool or level still too small for Cochran's rule (noted); if the rule still fails the
    note says the p-value is approximate. Cells are
    over-represented when the adjusted residual is positive and significant after Bonferroni
    correction over all cells. Same statistic as ``scipy.stats.chi2_contingency(correction=False)``.
    ``tickets``: a frame or a relation (the contingency table is counted in the engine; or ``counts``, the
    :func:`pair_counts` frame of ``col``).
    """
    what = f"contingency of {row} × {col}"
    if counts is None:
        require_columns(tickets, [row, col], what)
        counts = pair_counts(tickets, [col], row)[col]
    n_rows = int(counts["count"].sum())
    for c in (row, col):
        check_nonempty(c, n_rows, int(counts.loc[counts[c].notna(), "count"].sum()), what)
    n_both = int(counts.loc[counts[row].notna() & counts[col].notna(), "count"].sum())
    notes = []
    if n_both < n_rows:
        notes.append(Note("contingency_missing", n=n_rows - n_both, row=row, dimension=col))
    table = _crosstab(counts, row, col)
    for name, axis in ((row, 0), (col, 1)):
        if table.shape[axis] < 2:
            only = table.index[0] if axis == 0 and len(table.index) else (table.columns[0] if len(table.columns) else "–")
            raise AnalysisError(f"contingency of {row} × {col}: only one {name} ({only!r}) in the "
                                f"{n_both:,} tickets; a chi-square test needs at least two levels of each. "
                                "Widen the period or choose another dimension.")
    table, pooled, dropped = _merge_sparse(table, min_expected)
    for name, axis in ((row, 0), (col, 1)):
        if pooled[axis]:
            notes.append(Note("contingency_pooled", dimension=name, levels=tuple(pooled[axis])))
        if dropped[axis]:
            notes.append(Note("contingency_dropped", dimension=name, n=sum(dropped[axis].values()),
                              levels=tuple(dropped[axis])))
    o = table.to_numpy(dtype=float)
    n = int(o.sum())
    e = np.outer(o.sum(axis=1), o.sum(axis=0)) / n
    if e.min() < 1 or (e < min_expected).mean() > 0.2:
        notes.append(Note("contingency_approximate", share=float((e < min_expected).mean()),
                          min_expected=float(min_expected)))
    chi2 = float(((o - e) ** 2 / e).sum())
    dof = (o.shape[0] - 1) * (o.shape[1] - 1)
    p = float(st.chi2.sf(chi2, dof))
    adj = adjusted_residuals(o)
    pv = 2 * st.norm.sf(np.abs(adj))
    cells = pd.DataFrame({
        row: np.repeat(table.index.astype(str), o.shape[1]),
        col: np.tile(table.columns.astype(str), o.shape[0]),
        "observed": o.ravel(), "expected": e.ravel(), "ratio": (o / e).ravel(),
        "adjusted_residual": adj.ravel(), "p_value": pv.ravel(),
    })
    # members of a pooled level, so it can be shown by name ("phone + email"), never as a plain "other"
    cells[f"{row}_members"] = np.where(cells[row] == OTHER_LEVELS, "|".join(pooled[0]), "")
    cells[f"{col}_members"] = np.where(cells[col] == OTHER_LEVELS, "|".join(pooled[1]), "")
    cells["p_adjusted"] = np.minimum(1.0, cells["p_value"] * len(cells))
    cells["over_represented"] = (cells["adjusted_residual"] > 0) & (cells["p_adjusted"] < alpha)
    return ContingencyResult(row, col, table, pd.DataFrame(e, index=table.index, columns=table.columns), cells,
                             chi2, dof, p, cramers_v(chi2, n, o.shape), n, tuple(notes),
                             pooled={row: pooled[0], col: pooled[1]}, dropped={row: dropped[0], col: dropped[1]})


#: A dimension is nested in the categories when at least this share of tickets have their level's commonest category.
NESTED_SHARE = 0.95


def nested_share(tickets, col: str, row: str = "category", *, counts: pd.DataFrame | None = None) -> float:
    """Share of tickets (with both values) whose ``row`` is the most common ``row`` of their ``col`` level: 1.0
    when ``col`` is a finer classification inside ``row`` (the CFPB export's sub-product inside its product),
    where a chi-square test of independence is bound to be significant and tells nothing. NaN when a column
    is absent or empty, or ``col`` has a single level. ``counts``: the :func:`pair_counts` frame of ``col``."""
    if counts is None:
        if row not in tickets.columns or col not in tickets.columns:
            return np.nan
        counts = pair_counts(tickets, [col], row)[col]
    if not (counts[col].notna().any() and counts[row].notna().any()):
        return np.nan
    table = _crosstab(counts, col, row)
    if table.shape[0] < 2 or table.shape[1] < 2:
        return np.nan
    return float(table.max(axis=1).sum() / table.to_numpy().sum())


@dataclass(frozen=True)
class Concentration:
    """:func:`concentration` result: ``summary`` (one row per dimension), ``cells`` (all dimensions,
    with a ``dimension`` and a ``level`` column), ``tests`` (the :class:`ContingencyResult` per dimension),
    ``skipped`` (dimension -> :class:`~csm.notes.Note`: ``concentration_nested`` with the ``share`` of tickets
    in their level's commonest category, or ``concentration_untestable`` with the error ``message``)."""

    summary: pd.DataFrame
    cells: pd.DataFrame
    tests: dict
    skipped: dict

    def __repr__(self) -> str:
        return f"Concentration({len(self.tests)} dimension(s) tested, {int(self.cells['over_represented'].sum())} over-represented cell(s))"


def concentration(tickets: pd.DataFrame, dimensions=("channel", "region", "product", "priority"), *,
                  row: str = "category", min_expected: float = 5.0, alpha: float = 0.05,
                  counts: dict | None = None) -> Concentration:
    """:func:`contingency_test` of ``row`` against each dimension; dimensions that are absent, empty,
    have a single level or are nested in ``row`` (:func:`nested_share` ≥ :data:`NESTED_SHARE`) are skipped with
    the reason (they do not stop the report). The contingency tables of every dimension come from one
    engine query (:func:`pair_counts`, or ``counts``, its result)."""
    tests, skipped, cells = {}, {}, []
    if counts is None:
        counts = pair_counts(tickets, dimensions, row) if row in tickets.columns else {}
    for dim in dimensions:
        nested = nested_share(tickets, dim, row, counts=counts[dim]) if dim in counts else np.nan
        if nested >= NESTED_SHARE:
            skipped[dim] = Note("concentration_nested", dimension=dim, share=float(nested))
            continue
        try:
            res = contingency_test(tickets, dim, row, min_expected=min_expected, alpha=alpha,
                                   counts=counts.get(dim))
        except (DataError, AnalysisError) as err:
            skipped[dim] = Note("concentration_untestable", dimension=dim, message=str(err))
            continue
        tests[dim] = res
        c = res.cells.rename(columns={dim: "level", f"{dim}_members": "level_members",
                                      f"{row}_members": "category_members"})
        c.insert(0, "dimension", dim)
        cells.append(c)
    if not tests:
        reasons = [n.params.get("message") or f"{dim} is nested in {row}" for dim, n in skipped.items()]
        raise AnalysisError("concentration: no dimension could be tested — " + " | ".join(reasons))
    summary = pd.concat([t.summary for t in tests.values()], ignore_index=True)
    summary["p_adjusted"] = adjust_pvalues(summary["p_value"], method="holm")["p_adjusted"].to_numpy()
    cells = pd.concat(cells, ignore_index=True)
    cells["excess"] = cells["observed"] - cells["expected"]
    return Concentration(summary, cells, tests, skipped)

