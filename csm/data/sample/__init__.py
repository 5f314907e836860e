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

Layout: :mod:`~csm.data.sample.params` (generator parameters and the agent roster),
:mod:`~csm.data.sample.text` (description and comment templates, planted personal data),
:mod:`~csm.data.sample.simulate` (the simulation, step by step), :mod:`~csm.data.sample.truth`
(:data:`TRUTH`, the realised numbers, ``SAMPLE_TRUTH.md``), :mod:`~csm.data.sample.stream` (large samples streamed
in chunks of customers to a hive-partitioned Parquet dataset, :func:`write_sample_dataset`); this module holds
the public functions.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from csm.data.contract import TABLES
from csm.data.sample.params import DEFAULT_CUSTOMERS, DEFAULT_SEED, TABLE_NAMES
from csm.data.sample.simulate import simulate
from csm.data.sample.stream import STREAM_CHUNK_CUSTOMERS, write_sample_dataset
from csm.data.sample.truth import TRUTH, realised, truth_markdown
from csm.errors import ParameterError

__all__ = ["DEFAULT_CUSTOMERS", "DEFAULT_SEED", "STREAM_CHUNK_CUSTOMERS", "TABLE_NAMES", "TRUTH", "generate_sample",
           "realised", "sample_labels", "truth_markdown", "write_sample", "write_sample_dataset"]


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
    frames, _ = simulate(int(seed), int(customers))
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
    _, labels = simulate(int(seed), int(customers))
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
