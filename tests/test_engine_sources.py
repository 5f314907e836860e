"""Where the data lives (csm.engine.sources) and the contract checks in the engine (csm.engine.checks).

References: the pandas path of csm.data.load on the same data (the sample folder, a CSV with planted problems),
which has its own tests against hand-made files.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csm.data.load import load_tables, validate_file, validate_source
from csm.data.read import read_file
from csm.engine.sources import detect_source, mask_url
from csm.errors import DataError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
TABLE_NAMES = ("tickets", "responses", "customers", "transactions", "assignments")


@pytest.fixture(scope="module")
def folder_data():
    return load_tables(SAMPLE)


@pytest.fixture(scope="module")
def parquet_dataset(tmp_path_factory):
    """The sample written as a Parquet dataset: tickets hive-partitioned by channel (several files)."""
    root = tmp_path_factory.mktemp("dataset")
    for name in TABLE_NAMES:
        table = pq.read_table(SAMPLE / f"{name}.parquet")
        if name == "tickets":
            pq.write_to_dataset(table, root / name, partition_cols=["channel"])
        else:
            (root / name).mkdir()
            pq.write_table(table, root / name / "part-0.parquet")
    return root


def _sorted(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


KEY = {"tickets": "ticket_id", "responses": "response_id", "customers": "customer_id",
       "transactions": "transaction_id", "assignments": "unit_id"}


def test_parquet_dataset_gives_the_tables_of_the_folder(folder_data, parquet_dataset):
    ds = load_tables(parquet_dataset)
    assert detect_source(parquet_dataset).kind == "folder"
    for name in TABLE_NAMES:
        assert name in ds.lazy  # checked in the engine, not loaded
        ref = folder_data.table(name)
        rel = ds.relation(name)
        assert list(rel.columns) == list(ref.columns)
        got = ds.table(name)  # materialised on access
        assert list(got.dtypes) == list(ref.dtypes)
        pd.testing.assert_frame_equal(_sorted(got, KEY[name]), _sorted(ref, KEY[name]))
    # has() and quality_summary() answer without materialising
    fresh = load_tables(parquet_dataset)
    assert fresh.has("tickets", "carrier", "description") and not fresh.has("tickets", "no_such_column")
    summary = fresh.quality_summary().set_index("table")
    assert summary.loc["tickets", "rows_loaded"] == len(folder_data.tickets)
    assert summary.loc["tickets", "file"] == "tickets/"
    assert summary.loc["tickets", "format"].startswith("parquet dataset (")
    assert "_frames" not in fresh.__dict__ or all(v is None for v in fresh.__dict__["_frames"].values())
    assert repr(fresh).startswith(f"Dataset(tickets=<{len(folder_data.tickets)} rows from tickets/>")


def test_folder_relation_is_the_frame(folder_data):
    rel = folder_data.relation("tickets")
    assert int(rel.count().execute()) == len(folder_data.tickets)
    assert folder_data.engine.name == "duckdb"
    assert load_tables(SAMPLE, tables=["tickets"]).relation("customers") is None


def test_duckdb_file(tmp_path, folder_data):
    import duckdb

    path = tmp_path / "service.duckdb"
    con = duckdb.connect(str(path))
    for name in ("tickets", "customers"):
        frame = folder_data.table(name)  # noqa: F841 - read by DuckDB's replacement scan
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
    con.close()
    ds = load_tables(path, tables=["tickets", "customers"])
    assert detect_source(path).kind == "duckdb"
    for name in ("tickets", "customers"):
        pd.testing.assert_frame_equal(_sorted(ds.table(name), KEY[name]), _sorted(folder_data.table(name), KEY[name]))
    assert ds.files["tickets"] == "service.duckdb table tickets"
    with pytest.raises(DataError, match="no responses table"):
        load_tables(path, tables=["tickets", "responses"], required=("responses",))


def _planted(tmp_path):
    """40 sample tickets as CSV text with planted problems, and the same text as a Parquet dataset."""
    src = pd.read_parquet(SAMPLE / "tickets.parquet").head(40).astype(str).replace(
        {"None": "", "nan": "", "NaT": "", "<NA>": ""})
    src.loc[3, "ticket_id"] = ""                     # empty id (row 5)
    src.loc[5, "ticket_id"] = src.loc[4, "ticket_id"]  # repeated id (row 7)
    src.loc[6, "channel"] = "fax"                    # not allowed
    src.loc[7, "channel"] = "微信"                    # alias: social
    src.loc[8, "channel"] = "N/A"                    # missing: required
    src.loc[9, "contacts"] = "abc"
    src.loc[10, "contacts"] = "0"
    src.loc[11, "contacts"] = "1.5"
    src.loc[12, "handle_time_minutes"] = "-3"
    src.loc[13, "handle_time_minutes"] = "1,234.5"   # thousands separator: fine
    src.loc[14, "created_at"] = "not a date"
    src.loc[15, "created_at"] = "1850-01-01"
    src.loc[16, "resolved_at"] = "2020-01-01 00:00:00"  # before created_at
    src.loc[17, "first_response_at"] = "2099-01-01"     # future: warning
    src.loc[18, "escalated"] = "maybe"
    src.loc[19, "escalated"] = "是"
    src.loc[20, "customer_id"] = "jane.doe@example.com"  # personal data: pseudonymised
    src.loc[21, "priority"] = "critical"                 # alias: urgent
    src.loc[22, "customer_id"] = "138 1234 5678"         # a phone number: pseudonymised
    (tmp_path / "csv").mkdir()
    src.to_csv(tmp_path / "csv" / "tickets.csv", index=False)
    raw = read_file(tmp_path / "csv" / "tickets.csv").frame
    (tmp_path / "ds" / "tickets").mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(raw, preserve_index=False), tmp_path / "ds" / "tickets" / "part-0.parquet")
    return tmp_path / "csv", tmp_path / "ds"


def _keys(problems):
    return sorted((p.column, p.message, p.n_rows, p.rows, p.values, p.warning) for p in problems)


def test_engine_validation_finds_the_planted_problems_as_the_csv_path(tmp_path):
    csv, ds = _planted(tmp_path)
    ref = validate_file(csv / "tickets.csv", "tickets")
    got = validate_source(ds)["tickets"][1]
    assert _keys(got) == _keys(ref)
    assert {p.file for p in got} == {"tickets/part-0.parquet"}
    by = {(p.column, p.message.split(";")[0]): p for p in got}
    assert by[("ticket_id", "is empty")].rows == (5,)
    assert by[("contacts", "is out of range")].rows == (12,) and by[("contacts", "is out of range")].values == ("0",)
    assert by[("first_response_at", "is in the future (after " + pd.Timestamp.now().strftime("%Y-%m-%d")
               + "): a typo in the year, day and month swapped, or a wrong time zone? The rows are kept")].warning
    # drop: the same rows are left out, and the kept rows equal the pandas path's
    a = load_tables(csv, on_invalid="drop")
    b = load_tables(ds, on_invalid="drop")
    assert b.dropped_rows["tickets"] == a.dropped_rows["tickets"] == 12
    pd.testing.assert_frame_equal(b.tickets, a.tickets)
    with pytest.raises(DataError) as err:
        load_tables(ds)
    assert "tickets/: 13 problem(s) in the tickets table" in str(err.value) or "problem(s)" in str(err.value)


def test_problem_in_several_files_names_the_first(tmp_path):
    for part, ids in (("a", ["T1", "T2"]), ("b", ["T3", ""])):
        folder = tmp_path / "tickets" / f"part={part}"
        folder.mkdir(parents=True)
        pq.write_table(pa.table({"ticket_id": ids, "customer_id": ["C1", ""], "created_at": ["2025-01-01"] * 2,
                                 "channel": ["phone", "chat"], "category": ["other", "other"]}),
                       folder / "data.parquet")
    problems = {(p.column, p.message.split(";")[0]): p for p in validate_source(tmp_path)["tickets"][1]}
    cust = problems[("customer_id", "is empty")]
    assert cust.n_rows == 2 and cust.file == "tickets/part=a/data.parquet and 1 other file(s)" and cust.rows == (3,)
    assert problems[("ticket_id", "is empty")].file == "tickets/part=b/data.parquet"


def test_mapping_applies_to_a_parquet_dataset(tmp_path, folder_data):
    tickets = folder_data.tickets.head(200)
    export = tickets.rename(columns={"ticket_id": "工单编号", "channel": "渠道"}).assign(
        渠道=tickets["channel"].map({"phone": "400热线", "chat": "在线", "email": "邮件", "social": "微信",
                                    "other": "其他"}), 联系电话="13812345678")
    (tmp_path / "export").mkdir()
    pq.write_table(pa.Table.from_pandas(export, preserve_index=False), tmp_path / "export" / "part-0.parquet")
    mapping = {"tables": {"tickets": {"file": "export", "columns": {"ticket_id": "工单编号", "channel": "渠道"},
                                      "values": {"渠道": {"400热线": "phone", "在线": "chat"}},
                                      "drop_columns": ["联系电话"]}}}
    ds = load_tables(tmp_path, mapping=mapping, tables=["tickets"])
    assert "tickets" in ds.lazy
    got = ds.tickets
    assert "联系电话" not in got.columns
    pd.testing.assert_frame_equal(got, tickets.reset_index(drop=True))


def test_password_never_shown(tmp_path):
    url = "postgresql://ana:s3cret-pw@127.0.0.1:1/cs?sslmode=disable"
    assert mask_url(url) == "postgresql://ana:***@127.0.0.1:1/cs?sslmode=disable"
    assert "s3cret" not in mask_url("postgresql://ana@h/cs?password=s3cret-pw")
    source = detect_source(url)
    assert "s3cret" not in repr(source) and "s3cret" not in source.label
    with pytest.raises(DataError) as err:
        load_tables(url)
    text = str(err.value) + " ".join(str(p) for p in err.value.problems)
    assert "s3cret" not in text and "***" in text
    from csm.run.parameters import CHECKS, check_value
    from csm.errors import ParameterError

    with pytest.raises(ParameterError, match="PGPASSWORD") as perr:
        check_value("data_dir", url)
    assert "s3cret" not in str(perr.value)
    check_value("data_dir", "postgresql://ana@db:5432/cs")
    check_value("engine", "spark")
    with pytest.raises(ParameterError, match="duckdb"):
        check_value("engine", "polars")
    assert "engine" in CHECKS


def test_data_dir_url_is_not_made_a_path():
    from csm.run.parameters import resolve_path_parameters

    out = resolve_path_parameters({"data_dir": "postgresql://ana@db:5432/cs", "mapping": "m.yaml"}, Path("/p"))
    assert out["data_dir"] == "postgresql://ana@db:5432/cs" and out["mapping"] == "/p/m.yaml"


def test_links_between_engine_tables_are_warned_as_in_pandas(tmp_path):
    frames = {
        "tickets": pd.DataFrame({"ticket_id": ["T1", "T2"], "customer_id": ["C1", "C9"],
                                 "created_at": ["2025-01-02", "2025-01-03"], "channel": ["phone", "chat"],
                                 "category": ["other"] * 2}),
        "responses": pd.DataFrame({"response_id": ["R1", "R2", "R3"], "customer_id": ["C1", "C1", "C2"],
                                   "ticket_id": ["T1", "T7", "T2"],
                                   "submitted_at": ["2025-01-01", "2025-01-05", "2025-01-05"]}),
        "customers": pd.DataFrame({"customer_id": ["C1", "C2"], "signup_date": ["2024-01-01"] * 2}),
    }
    for name, frame in frames.items():
        (tmp_path / "csv").mkdir(exist_ok=True)
        frame.to_csv(tmp_path / "csv" / f"{name}.csv", index=False)
        (tmp_path / "ds" / name).mkdir(parents=True)
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "ds" / name / "p.parquet")
    names = list(frames)
    ref = load_tables(tmp_path / "csv", tables=names).problems
    got = load_tables(tmp_path / "ds", tables=names).problems
    cols = ["table", "column", "n_rows", "rows", "values", "action"]
    assert got[cols].values.tolist() == ref[cols].values.tolist()
    assert got["message"].str.replace("/", ".csv").tolist() == ref["message"].tolist()


def test_real_cfpb_export_as_a_text_parquet_dataset_loads_as_the_csv(tmp_path):
    """A real export kept in a warehouse as text (raw CFPB headers, US dates as text, partitioned by year),
    mapped in the engine, gives the tickets of the CSV path. (The engine's date parsing with the mapping's
    formats failed on exactly this before: an Ibis UDF annotation it could not resolve.)"""
    import yaml

    examples = Path(__file__).resolve().parents[1] / "data" / "examples"
    mapping_file = Path(__file__).resolve().parents[1] / "data" / "mappings" / "cfpb.yaml"
    spec = yaml.safe_load(mapping_file.read_text(encoding="utf-8"))
    ref = load_tables(examples, mapping=spec, tables=["tickets"]).tickets

    raw = pd.read_csv(examples / "cfpb_complaints.csv.gz", dtype=str, keep_default_na=False)
    year = raw["Date received"].str.extract(r"(\d{4})", expand=False)
    for y, part in raw.groupby(year):
        (tmp_path / "tickets" / f"year={y}").mkdir(parents=True)
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False),
                       tmp_path / "tickets" / f"year={y}" / "part-0.parquet")
    del spec["tables"]["tickets"]["file"]
    ds = load_tables(tmp_path, mapping=spec, tables=["tickets"])
    assert "tickets" in ds.lazy
    got = ds.tickets
    assert len(got) == len(ref) > 6000
    for col in ("ticket_id", "created_at", "channel", "category", "sub_reason", "description"):
        pd.testing.assert_series_equal(_sorted(got, "ticket_id")[col], _sorted(ref, "ticket_id")[col])
