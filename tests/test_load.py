"""Loading one table and a folder: the drop policy, mappings, examples, folders, derived columns (csm.data.load)."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from csm.data import Dataset, load_mapping, load_table, load_tables, read_raw, validate_file
from csm.data.contract import CHANNELS
from csm.errors import DataError

from data_files import EXAMPLES, HEADER, MAPPINGS, ROWS, one, problems_of, tickets_csv, write_csv


# ----------------------------------------------------------------------------- drop policy
def test_drop_policy_drops_and_counts_rows(tmp_path):
    rows = [ROWS[0], ["T001"] + ROWS[1][1:], ["T005", "C5", "bad date"] + ROWS[2][3:],
            ["T006", "C6", "2025-03-05", "", "fax", "other", "", "x", "maybe", "", ""], ROWS[2]]
    path = tickets_csv(tmp_path, rows=rows)
    res = load_table(path, "tickets", on_invalid="drop")
    assert res.dropped_rows == 3
    assert res.frame["ticket_id"].tolist() == ["T001", "T003"]
    assert list(res.row_numbers) == [2, 6]
    by_col = {(p.column, p.rows) for p in res.problems}
    assert by_col == {("ticket_id", (3,)), ("created_at", (4,)), ("channel", (5,)), ("contacts", (5,)),
                      ("first_contact_resolved", (5,))}


def test_drop_policy_still_raises_for_file_level_problems(tmp_path):
    header = HEADER[:1] + HEADER[2:]  # no customer_id
    path = write_csv(tmp_path / "t.csv", header, [r[:1] + r[2:] for r in ROWS])
    with pytest.raises(DataError, match="cannot be fixed by dropping rows: column 'customer_id'"):
        load_table(path, "tickets", on_invalid="drop")


def test_duplicate_header_of_a_contract_column_is_refused(tmp_path):
    header = HEADER + ["channel"]
    path = write_csv(tmp_path / "t.csv", header, [r + ["chat"] for r in ROWS])
    p = one(problems_of(path), "channel", "appears more than once")
    assert "columns E, L" in p.message
    dup_extra = write_csv(tmp_path / "u.csv", HEADER + ["备注", "备注"], [r + ["a", "b"] for r in ROWS])
    assert problems_of(dup_extra) == []


# ----------------------------------------------------------------------------- mappings
def test_chinese_crm_example_loads_with_its_mapping():
    path = EXAMPLES / "crm_tickets_gb18030.csv"
    raw = read_raw(path)
    assert raw.attrs["encoding"] == "gb18030"
    assert raw["客户姓名"].str.contains("𠮷").any()  # a GB18030-only character (not in GBK) decoded
    res = load_table(path, "tickets", mapping=MAPPINGS / "chinese_crm.yaml")
    assert res.problems == [] and res.dropped_rows == 0 and len(res.frame) == 50
    f = res.frame
    assert "客户姓名" not in f.columns and "联系电话" not in f.columns  # PII dropped by the mapping
    assert set(f["channel"]) <= set(CHANNELS) and {"phone", "social"} <= set(f["channel"])
    assert {"product_quality", "logistics"} <= set(f["category"])
    assert set(f["priority"]) <= {"low", "normal", "high", "urgent"}
    assert f["first_contact_resolved"].dtype == "boolean" and f["handle_time_minutes"].dtype == "float64"
    assert f["created_at"].dtype == "datetime64[ns]" and f["created_at"].notna().all()
    assert res.missing_optional == []
    assert f.loc[0, "ticket_id"] == "GD202500001" and f.loc[0, "created_at"] == pd.Timestamp("2025-03-09 01:17")


def test_zoho_example_loads_with_its_mapping():
    res = load_table(EXAMPLES / "zoho_desk_tickets.csv", "tickets", mapping=MAPPINGS / "zoho_desk.yaml")
    assert res.encoding == "utf-8-sig" and res.problems == [] and len(res.frame) == 12
    f = res.frame
    # first present of [Contact ID, Email, …]: an e-mail address, shown only as a stable pseudonym (pseudonymise:)
    assert f.loc[0, "customer_id"] == "#" + hashlib.sha256(b"ava.brown@example.com").hexdigest()[:12]
    assert not f["customer_id"].str.contains("@").any()
    assert f.loc[0, "created_at"] == pd.Timestamp("2025-03-06 12:58")
    assert f["priority"].isna().sum() == 2  # "-None-" -> missing
    assert "Phone" not in f.columns and "Classification" in f.columns


def test_mapping_file_forms_and_errors(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("tables:\n  tickets:\n    columns: {ticket_id: 单号}\n"
                 "    values: {escalated: {Yes: true, No: false}}\n", encoding="utf-8")
    tm = load_mapping(m).for_table("tickets")
    assert tm.values["escalated"] == {"yes": "true", "no": "false"}  # Yes/No stay text in mapping files
    m.write_text("tables:\n  tickets:\n    colums: {ticket_id: x}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"m\.yaml: tables\.tickets: unknown key 'colums' \(did you mean 'columns'"):
        load_mapping(m)
    m.write_text("tables:\n  ticket: {}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"unknown table 'ticket' \(did you mean 'tickets'\?\)"):
        load_mapping(m)
    m.write_text("tables:\n  tickets:\n    columns: {ticket_idd: x}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"'ticket_idd' is not a column of the tickets table \(did you mean"):
        load_mapping(m)
    m.write_text("timezone: Asia/Shang_hai\ntables:\n  tickets: {}\n", encoding="utf-8")
    with pytest.raises(DataError, match="unknown time zone 'Asia/Shang_hai'"):
        load_mapping(m)
    m.write_text("columns: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"m\.yaml: line \d+, column \d+: is not valid YAML"):
        load_mapping(m)


def test_mapping_renames_values_and_tolerates_full_width_headers(tmp_path):
    header = ["单号", "客户", "时间", "来源", "类型", "处理时长（分钟）", "手机"]
    path = write_csv(tmp_path / "t.csv", header, [["A1", "K1", "2025-01-01 08:00", "WeChat", "质量问题", "5", "1"],
                                                  ["A2", "K2", "2025-01-01 09:00", " wechat ", "其他", "7", "2"]],
                     encoding="gb18030")
    mapping = {"columns": {"ticket_id": "单号", "customer_id": ["客户编号", "客户"], "created_at": "时间",
                           "channel": "来源", "category": "类型", "handle_time_minutes": "处理时长(分钟)"},
               "values": {"来源": {"WeChat": "social"}, "category": {"质量问题": "product_quality"}},  # header or name
               "drop_columns": ["手机"]}
    f = load_table(path, "tickets", mapping=mapping).frame
    assert list(f.columns[:5]) == ["ticket_id", "customer_id", "created_at", "channel", "category"]
    assert f["channel"].tolist() == ["social", "social"]
    assert f["category"].tolist() == ["product_quality", "other"]
    assert f["handle_time_minutes"].tolist() == [5.0, 7.0] and "手机" not in f.columns


# ----------------------------------------------------------------------------- folders
def _folder(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    tickets_csv(d, encoding="gb18030")
    write_csv(d / "responses.csv", ["response_id", "customer_id", "ticket_id", "submitted_at", "nps"],
              [["R1", "C01", "T001", "2025-03-05", "9"], ["R2", "C02", "T999", "2025-03-06", "3"],
               ["R3", "C01", "T003", "2025-03-01", "12"]])
    return d


def test_load_tables_finds_files_and_reports_cross_table_warnings(tmp_path):
    d = _folder(tmp_path)
    ds = load_tables(d, on_invalid="drop")
    assert isinstance(ds, Dataset)
    assert ds.customers is None and ds.transactions is None and ds.assignments is None
    assert len(ds.tickets) == 3 and len(ds.responses) == 2  # R3 dropped (nps 12)
    assert ds.encodings == {"tickets": "gb18030", "responses": "utf-8"}
    assert ds.files["tickets"] == d / "tickets.csv"
    pr = ds.problems
    assert list(pr.columns) == ["table", "file", "column", "message", "n_rows", "rows", "values", "action"]
    dropped = pr[pr.action == "dropped"].iloc[0]
    assert (dropped.table, dropped.column, dropped.rows, dropped["values"]) == ("responses", "nps", (4,), ("12",))
    warn = pr[pr.action == "warning"].iloc[0]
    assert (warn.table, warn.column, warn.rows, warn["values"]) == ("responses", "ticket_id", (3,), ("T999",))
    assert "tickets.csv" in warn.message
    assert repr(ds) == ("Dataset(tickets=<3 rows from tickets.csv>, responses=<2 rows from responses.csv>, "
                        "customers=None, transactions=None, assignments=None, problems=2)")
    assert ds.has("tickets", "channel", "priority") and not ds.has("tickets", "first_response_at")
    assert not ds.has("customers")
    assert "first_response_at" in ds.missing_optional["tickets"]
    q = ds.quality_summary()
    assert list(q.table) == ["tickets", "responses", "customers", "transactions", "assignments"]
    assert list(q.file) == ["tickets.csv", "responses.csv", "(not provided)", "(not provided)", "(not provided)"]
    assert list(q.rows_loaded[:2]) == [3, 2] and list(q.rows_dropped[:2]) == [0, 1] and q.warnings[1] == 1
    assert not any("/" in f or "\\" in f for f in q.file)
    # raise policy: the row-level problem raises, the warning alone would not
    with pytest.raises(DataError, match=r"responses\.csv, column 'nps': is out of range"):
        load_tables(d)


def test_load_tables_requires_tickets_and_refuses_two_candidates(tmp_path):
    d = _folder(tmp_path)
    (d / "tickets.csv").rename(d / "ticket.csv")
    with pytest.raises(DataError, match=r"no tickets file; expected one of tickets\.parquet.*ticket\.csv"):
        load_tables(d)
    (d / "ticket.csv").rename(d / "tickets.csv")
    pd.DataFrame({"ticket_id": ["x"]}).to_parquet(d / "tickets.parquet")
    with pytest.raises(DataError, match=r"two files for the tickets table: tickets\.parquet and tickets\.csv"):
        load_tables(d)
    ds = load_tables(d, tables=["responses"], on_invalid="drop")
    assert ds.tickets is None and len(ds.responses) == 2 and list(ds.quality_summary().table) == ["responses"]


def test_load_tables_uses_the_file_named_in_the_mapping(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    (d / "工单导出.csv").write_bytes((EXAMPLES / "crm_tickets_gb18030.csv").read_bytes())
    text = (MAPPINGS / "chinese_crm.yaml").read_text(encoding="utf-8")
    text = text.replace("    # file: 工单导出.xlsx", "    file: 工单导出.csv")
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    ds = load_tables(d, mapping=tmp_path / "m.yaml")
    assert ds.files["tickets"].name == "工单导出.csv" and len(ds.tickets) == 50
    assert ds.quality_summary().loc[0, "file"] == "工单导出.csv"
    assert ds.quality_summary().loc[0, "format"] == "csv (gb18030)"


def test_one_export_column_can_feed_two_contract_columns(tmp_path):
    """A help-desk export with a satisfaction rating per ticket loads as tickets *and* survey responses:
    the ticket id is both the response id and its ticket, whichever order the mapping names them in."""
    (tmp_path / "export.csv").write_text(
        "Ticket ID,Customer,Created,Closed,Channel,Type,Rating\n"
        "1001,c1,2025-03-01 09:00,2025-03-01 12:00,Email,Logistics,4\n"
        "1002,c2,2025-03-02 10:00,2025-03-03 10:00,Phone,Product quality,2\n", encoding="utf-8")
    for order in (("response_id", "ticket_id"), ("ticket_id", "response_id")):
        cols = {name: "Ticket ID" for name in order}
        mapping = {"tables": {
            "tickets": {"file": "export.csv", "columns": {"ticket_id": "Ticket ID", "customer_id": "Customer",
                        "created_at": "Created", "resolved_at": "Closed", "channel": "Channel", "category": "Type"}},
            "responses": {"file": "export.csv", "columns": {**cols, "customer_id": "Customer",
                          "submitted_at": "Closed", "csat": "Rating"}}}}
        data = load_tables(tmp_path, mapping=mapping)
        assert data.responses["response_id"].tolist() == ["1001", "1002"]
        assert data.responses["ticket_id"].tolist() == ["1001", "1002"]
        assert data.responses["csat"].tolist() == [4.0, 2.0]
        assert data.tickets["category"].tolist() == ["logistics", "product_quality"]


def test_every_column_mapped_but_a_required_one_missing_says_so(tmp_path):
    path = write_csv(tmp_path / "customers.csv", ["cid"], [["C1"]])
    (p,) = validate_file(path, "customers", mapping={"table": "customers", "columns": {"customer_id": "cid"}})
    assert p.column == "signup_date" and "(none)" not in p.message
    assert "Every column of the file is already used for another contract column ('customer_id')" in p.message


SNAPSHOT_MAPPING = {"tables": {"customers": {
    "columns": {"customer_id": "customerID", "churned": "Churn"},
    "derive": {"signup_date": {"tenure_months": "tenure", "as_of": "2024-06-30"},
               "churn_date": {"when_churned": "as_of"}}}}}


def test_snapshot_mapping_derives_signup_from_tenure_and_churn_date_from_the_flag(tmp_path):
    path = write_csv(tmp_path / "customers.csv", ["customerID", "tenure", "Churn"],
                     [["A", "12", "No"], ["B", "1", "Yes"], ["C", "0", "No"]])
    ds = load_tables(tmp_path, mapping=SNAPSHOT_MAPPING, tables=["customers"], required=())
    c = ds.customers
    as_of = pd.Timestamp("2024-06-30")
    months = (as_of - c["signup_date"]).dt.total_seconds() / 86400 / (365.25 / 12)
    assert np.allclose(months, [12, 1, 0])  # tenure on the survival analyses' month of 365.25/12 days
    assert c["churn_date"].tolist()[1] == as_of and c["churn_date"].isna().tolist() == [True, False, True]
    assert ds.derived["customers"]["churn_date"]["when_churned"] == as_of
    assert path.exists()


def test_snapshot_mapping_problems_are_explained(tmp_path):
    bad = write_csv(tmp_path / "customers.csv", ["customerID", "tenure", "Churn"], [["A", "twelve", "No"]])
    probs = validate_file(bad, "customers", mapping=SNAPSHOT_MAPPING)
    assert "is not a tenure in months" in one(probs, "tenure", "tenure").message
    no_tenure = write_csv(tmp_path / "c2.csv", ["customerID", "months", "Churn"], [["A", "3", "No"]])
    probs = validate_file(no_tenure, "customers", mapping=SNAPSHOT_MAPPING)
    assert "from the tenure header 'tenure', which is not in the file" in one(probs, "signup_date", "derives").message
    with pytest.raises(DataError, match="derive: is available for the customers table only"):
        load_mapping_from({"tables": {"tickets": {"derive": {"signup_date": {}}}}})
    with pytest.raises(DataError, match="is not a date"):
        load_mapping_from({"tables": {"customers": {"derive": {
            "signup_date": {"tenure_months": "tenure", "as_of": "June"}}}}})


def load_mapping_from(data):
    from csm.data.mapping import parse_mapping

    return parse_mapping(data)
