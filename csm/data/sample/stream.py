"""The sample data at scale: streamed in chunks of customers to a hive-partitioned Parquet dataset.

:func:`write_sample_dataset` runs the simulation of :mod:`~csm.data.sample.simulate` on one chunk of
customers at a time and appends each chunk to open Parquet writers, one row group per chunk and partition,
so memory is bounded by the chunk (about 0.5 GB for the default 100,000 customers, ≈ 340,000 tickets),
not by the size of the dataset. The layout::

    DIR/tickets/year=2025/month=01/part-0.parquet        partitioned by created_at
    DIR/responses/year=YYYY/month=MM/part-K.parquet      partitioned by submitted_at
    DIR/transactions/year=YYYY/month=MM/part-K.parquet   partitioned by transaction_date
    DIR/customers/part-K.parquet                         not partitioned
    DIR/assignments/part-0.parquet                       not partitioned (written at the end)

``year`` and ``month`` live in the folder names only (hive style, ``month`` zero-padded); the files hold the
contract columns with the dtypes of the single-file sample (and its pandas metadata, so pandas reads them
back). A partition's file rolls over to ``part-K+1`` after :data:`ROWS_PER_FILE` rows. Rows are sorted by
time within a row group, not across row groups (readers must not rely on the row order).

Randomness: chunk 0 draws from ``numpy.random.default_rng(seed)``, chunk ``j ≥ 1`` from
``default_rng(SeedSequence([seed, j]))``; the chunks are split as evenly as possible. So the same seed,
number of customers and chunk size give the same bytes (within one environment), and a dataset of at most
one chunk holds exactly the rows of :func:`csm.data.sample.generate_sample` for that seed. A dataset of
several chunks is a *different draw* from the in-memory generator's for the same seed and size (each chunk
is an independent sample of the same population model), with the same planted truth: every effect in
:data:`~csm.data.sample.TRUTH` is planted per customer or per ticket, so it holds in every chunk and in their
union (the spike weeks, the experiment's FCR lift and handle-time multiplier, the team_c rollout, the churn
hazard, the late joiners' share, the purchase model). Identifiers are numbered across chunks (``C…``,
``T…``, ``R…``, ``P…``), so they stay unique; the experiment's units are collected over all chunks and
written at the end, sorted by assignment time, with the pre-period fill (the mean over units with
pre-period tickets) taken over the whole dataset, as in the in-memory generator. That collection is the one
thing that grows with the dataset: five numbers per experiment unit (≈ 9 bytes per customer).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from csm.data.sample.params import DEFAULT_CUSTOMERS, DEFAULT_SEED, TABLE_NAMES
from csm.data.sample.simulate import (
    ID_FORMATS, _assignment_units, _assignments_table, _pre_handle_filled, _tables, draw,
)
from csm.data.sample.text import as_text, str_add, str_zfill
from csm.errors import ParameterError

__all__ = ["PARTITION_COLUMNS", "ROWS_PER_FILE", "STREAM_CHUNK_CUSTOMERS", "chunk_sizes", "write_sample_dataset"]

#: Customers simulated at once by default (≈ 340,000 tickets; peak memory about 0.5 GB).
STREAM_CHUNK_CUSTOMERS = 100_000
#: A partition's file is closed and ``part-K+1`` begun once it holds this many rows.
ROWS_PER_FILE = 4_000_000
#: The tables partitioned by year and month, and the time column that decides the partition.
PARTITION_COLUMNS = {"tickets": "created_at", "responses": "submitted_at", "transactions": "transaction_date"}
#: Rows per row group of the assignments table (written after the last chunk).
_ASSIGNMENT_ROWS_PER_GROUP = 1_000_000
#: Upper bounds of rows per customer, for the width of the numbered identifiers (longer numbers stay unique).
_ROWS_PER_CUSTOMER_BOUND = {"customer": 1, "ticket": 10, "response": 4, "transaction": 40}


def chunk_sizes(customers: int, chunk_customers: int) -> list[int]:
    """``customers`` split into ``ceil(customers / chunk_customers)`` chunks as even as possible."""
    n_chunks = -(-customers // chunk_customers)
    base, extra = divmod(customers, n_chunks)
    return [base + (i < extra) for i in range(n_chunks)]


def _chunk_rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng(seed if index == 0 else np.random.SeedSequence([seed, index]))


class _PartitionWriter:
    """The ``part-K.parquet`` files of one folder: one row group per :meth:`write`, rolled over after
    :data:`ROWS_PER_FILE` rows; each file is written under a hidden name and renamed when it is closed."""

    def __init__(self, folder: Path, schema, rows_per_file: int):
        self.folder, self.schema, self.rows_per_file = folder, schema, rows_per_file
        self.part, self.rows, self.writer, self.tmp = 0, 0, None, None
        self.paths: list[Path] = []

    def write(self, table) -> None:
        import pyarrow.parquet as pq

        if self.writer is not None and self.rows + table.num_rows > self.rows_per_file:
            self.close()
            self.part += 1
        if self.writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.tmp = self.folder / f".part-{self.part}.parquet.tmp"
            self.writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
            self.rows = 0
        self.writer.write_table(table, row_group_size=max(table.num_rows, 1))
        self.rows += table.num_rows

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            path = self.folder / f"part-{self.part}.parquet"
            os.replace(self.tmp, path)
            self.paths.append(path)
            self.writer = None


class _DatasetWriter:
    """Open partition writers of the five tables under a staging folder."""

    def __init__(self, root: Path, rows_per_file: int):
        self.root, self.rows_per_file = root, rows_per_file
        self.schemas: dict = {}
        self.writers: dict[tuple, _PartitionWriter] = {}

    def _arrow(self, name: str, frame: pd.DataFrame):
        import pyarrow as pa

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if name not in self.schemas:
            self.schemas[name] = table.schema  # with the pandas metadata: pandas reads the same dtypes back
        return table.cast(self.schemas[name])

    def _writer(self, name: str, folder: Path) -> _PartitionWriter:
        key = (name, folder)
        if key not in self.writers:
            self.writers[key] = _PartitionWriter(folder, self.schemas[name], self.rows_per_file)
        return self.writers[key]

    def write(self, name: str, frame: pd.DataFrame) -> None:
        table = self._arrow(name, frame)
        if name not in PARTITION_COLUMNS:
            self._writer(name, self.root / name).write(table)
            return
        months = frame[PARTITION_COLUMNS[name]].to_numpy().astype("datetime64[M]")
        if months.size and (np.diff(months.astype(np.int64)) < 0).any():  # pragma: no cover - rows are sorted
            order = np.argsort(months, kind="stable")
            table, months = table.take(order), months[order]
        values, starts, counts = np.unique(months, return_index=True, return_counts=True)
        for month, start, count in zip(values, starts, counts):
            year, mon = str(month).split("-")
            folder = self.root / name / f"year={year}" / f"month={mon}"
            self._writer(name, folder).write(table.slice(int(start), int(count)))

    def close(self) -> list[Path]:
        paths = []
        for writer in self.writers.values():
            writer.close()
            paths += writer.paths
        return paths


def _check(seed, customers, chunk_customers) -> None:
    from csm.data.sample import _check_args

    _check_args(seed, customers)
    if isinstance(chunk_customers, bool) or not isinstance(chunk_customers, (int, np.integer)) \
            or chunk_customers < 200:
        raise ParameterError(f"sample data: chunk_customers must be a whole number of at least 200, got "
                             f"{chunk_customers!r} (the default {STREAM_CHUNK_CUSTOMERS:,} keeps memory near 0.5 GB).")


def write_sample_dataset(out_dir, *, seed: int = DEFAULT_SEED, customers: int = DEFAULT_CUSTOMERS,
                         chunk_customers: int = STREAM_CHUNK_CUSTOMERS, rows_per_file: int = ROWS_PER_FILE,
                         progress: Callable[[dict], None] | None = None) -> list[Path]:
    """Write the five sample tables to ``out_dir`` as a hive-partitioned Parquet dataset, in chunks.

    See the module docstring for the layout, the seeds of the chunks and what differs from
    :func:`csm.data.sample.write_sample`. The dataset is written to a hidden staging folder inside
    ``out_dir`` and moved into place at the end, replacing the five tables' folders (and any
    ``<table>.parquet`` / ``<table>.csv`` of an earlier single-file sample). ``progress``, if given, is
    called after each chunk with ``{"chunk", "chunks", "customers_done", "customers", "rows"}`` (``rows``:
    the chunk's rows per table, i.e. what was held in memory at once). Returns the paths of the files.
    """
    _check(seed, customers, chunk_customers)
    seed, customers = int(seed), int(customers)
    sizes = chunk_sizes(customers, int(chunk_customers))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".sample-stream-", dir=out))
    try:
        writer = _DatasetWriter(stage, rows_per_file)
        widths = {kind: max(width, len(str(_ROWS_PER_CUSTOMER_BOUND[kind] * customers)))
                  for kind, (_, width) in ID_FORMATS.items()}
        starts = dict.fromkeys(ID_FORMATS, 0)
        units: list[tuple] = []
        handle_sum, handle_n, done = 0.0, 0, 0
        for index, size in enumerate(sizes):
            c, t, r, x = draw(_chunk_rng(seed, index), size)
            frames = _tables(c, t, r, x, None, ids={kind: (starts[kind], widths[kind]) for kind in starts})
            a = _assignment_units(c, t)
            units.append((a["units"] + starts["customer"], c["treat_arm"][a["units"]], a["assigned"],
                          a["pre_tickets"].astype(np.int32), a["pre_sum"]))  # counts: exact in int32
            handle_sum, handle_n = handle_sum + float(t["handle"].sum()), handle_n + t["handle"].size
            rows = {name: len(frame) for name, frame in frames.items()}
            del c, t, r, x, a
            for name in ("tickets", "responses", "customers", "transactions"):
                writer.write(name, frames.pop(name))
            for kind, name in (("customer", "customers"), ("ticket", "tickets"), ("response", "responses"),
                               ("transaction", "transactions")):
                starts[kind] += rows[name]
            done += size
            if progress is not None:
                progress({"chunk": index + 1, "chunks": len(sizes), "customers_done": done,
                          "customers": customers, "rows": rows})
        _write_assignments(writer, units, handle_sum / max(handle_n, 1), widths["customer"])
        del units
        staged = writer.close()
        return _move_into_place(stage, out, staged)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _write_assignments(writer: _DatasetWriter, units: list[tuple], handle_mean: float, width: int) -> None:
    """All chunks' experiment units, sorted by assignment time (then customer), pre-period fill over all."""
    columns = []
    for k in range(5):  # one column at a time, freeing the chunks' pieces as they are joined
        columns.append(np.concatenate([part[k] for part in units]))
        units[:] = [part[:k] + (None,) + part[k + 1:] for part in units]
    units.clear()
    unit, arm, assigned, pre_n, pre_sum = columns
    del columns
    order = np.lexsort((unit, assigned))
    unit, arm, assigned = unit[order], arm[order], assigned[order]
    pre_n = pre_n[order].astype(float)
    pre_handle = _pre_handle_filled(pre_n, pre_sum[order], np.array([handle_mean]))
    del pre_sum, order
    prefix = ID_FORMATS["customer"][0]
    for lo in range(0, max(unit.size, 1), _ASSIGNMENT_ROWS_PER_GROUP):
        sl = slice(lo, lo + _ASSIGNMENT_ROWS_PER_GROUP)
        ids = str_add(prefix, str_zfill(as_text(unit[sl] + 1), width)).astype(object)
        writer.write("assignments", _assignments_table(ids, arm[sl], assigned[sl], pre_n[sl], pre_handle[sl]))


def _move_into_place(stage: Path, out: Path, staged: list[Path]) -> list[Path]:
    for name in TABLE_NAMES:
        for old in (out / name, out / f"{name}.parquet", out / f"{name}.csv"):
            if old.is_dir():
                shutil.rmtree(old)
            elif old.exists():
                old.unlink()
        os.replace(stage / name, out / name)
    return sorted(out / path.relative_to(stage) for path in staged)
