"""Checking against the contract: every kind of bad value reported with rows and values, conversions, time zones,
labels and extra-column types (csm.data.validate)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csm.data import load_table, read_raw, validate_file
from csm.data.contract import CHANNELS
from csm.data.validate import validate
from csm.errors import DataError

from data_files import HEADER, MAPPINGS, ROWS, one, problems_of, tickets_csv, write_csv


# ----------------------------------------------------------------------------- bad values
def test_missing_required_columns_suggest_the_header_and_a_mapping(tmp_path):
    header = ["Ticket ID", "Customer-Id", "created", "channel", "category", "notes"]
    path = write_csv(tmp_path / "tickets.csv", header, [["T1", "C1", "2025-01-01", "phone", "other", ""]])
    with pytest.raises(DataError) as err:
        load_table(path, "tickets", on_invalid="drop")  # file-level: raises even with drop
    probs = err.value.problems
    assert {p.column for p in probs} == {"ticket_id", "customer_id", "created_at"}
    p = one(probs, "ticket_id", "required but missing")
    assert "did you mean 'Ticket ID'" in p.message and "columns: {ticket_id: Ticket ID}" in p.message
    assert "did you mean 'Customer-Id'" in one(probs, "customer_id", "missing").message
    assert "did you mean 'created'" in one(probs, "created_at", "missing").message
    assert str(p).startswith("tickets.csv, column 'ticket_id': is required but missing")


def test_mapped_header_absent_is_explained(tmp_path):
    path = write_csv(tmp_path / "t.csv", ["工单号", "客户编号", "创建时间", "渠道", "投诉类型"],
                     [["G1", "K1", "2025-01-01", "电话", "其他"]])
    probs = validate_file(path, "tickets", mapping=MAPPINGS / "chinese_crm.yaml")
    p = one(probs, "ticket_id", "missing")
    assert "maps it to header '工单编号', which is not in the file; did you mean '工单号'?" in p.message


def test_every_bad_value_kind_is_reported_with_rows_and_values(tmp_path):
    rows = [
        ["T1", "C1", "2025-03-01 09:00", "2025-03-01 08:00", "phone", "other", "high", "1", "yes", "5", ""],
        ["T2", "", "2025-03-02", "", "Fax", "other", "low", "two", "maybe", "-3", ""],
        ["T1", "C3", "31.02.2025", "", "Carrier pigeon", "", "ASAP", "1.5", "y", "abc", ""],
        ["T4", "C4", "", "", "Fax", "其他", "紧急", "0", "是", "1e400", ""],
    ]
    path = tickets_csv(tmp_path, rows=rows)
    probs = problems_of(path)
    # duplicate id: second occurrence, row 4 (header = row 1)
    p = one(probs, "ticket_id", "repeats")
    assert (p.rows, p.values, p.n_rows) == ((4,), ("T1",), 1)
    p = one(probs, "customer_id", "is empty")
    assert p.rows == (3,)
    p = one(probs, "created_at", "not a date/time")
    assert (p.rows, p.values) == ((4,), ("31.02.2025",)) and "datetime_format" in p.message
    p = one(probs, "created_at", "is empty; the column is required")
    assert p.rows == (5,)
    p = one(probs, "resolved_at", "before created_at")
    assert p.rows == (2,) and p.values == ("2025-03-01 08:00:00 < 2025-03-01 09:00:00",)
    p = one(probs, "channel", "not allowed")
    assert p.rows == (3, 4, 5) and p.values == ("Fax", "Carrier pigeon") and p.n_rows == 3
    assert "phone (Phone / 电话)" in p.message and "values: {channel:" in p.message
    p = one(probs, "category", "is empty")
    assert p.rows == (4,)
    p = one(probs, "priority", "not allowed")
    assert p.values == ("ASAP",)
    assert one(probs, "contacts", "not a number").values == ("two",)
    assert one(probs, "contacts", "not a whole number").values == ("1.5",)
    assert one(probs, "contacts", "out of range").values == ("0",)
    assert one(probs, "first_contact_resolved", "yes/no").values == ("maybe",)
    p = one(probs, "handle_time_minutes", "negative")
    assert p.values == ("-3",) and "≥ 0" in p.message
    assert one(probs, "handle_time_minutes", "not a number").values == ("abc",)
    assert one(probs, "handle_time_minutes", "infinite").rows == (5,)
    assert len(probs) == 15
    # every problem in one DataError, one line each, in str(Problem) form
    with pytest.raises(DataError) as err:
        load_table(path, "tickets")
    assert len(err.value.problems) == 15
    lines = str(err.value).splitlines()
    assert lines[0] == "tickets.csv: 15 problem(s) in the tickets table:"
    assert [ln[4:] for ln in lines[1:16]] == [str(p) for p in probs]
    assert all(ln.startswith("  - tickets.csv, column '") for ln in lines[1:16])


def test_survey_and_purchase_ranges(tmp_path):
    path = write_csv(tmp_path / "responses.csv", ["response_id", "customer_id", "submitted_at", "nps", "csat"],
                     [["R1", "C1", "2025-01-01", "10", "5"], ["R2", "C2", "2025-01-02", "11", "0"],
                      ["R3", "C3", "2025-01-03", "-1", "3"], ["R4", "C4", "2025-01-04", "7.5", "6"]])
    probs = problems_of(path, "responses")
    p = one(probs, "nps", "out of range")
    assert (p.rows, p.values) == ((3, 4), ("11", "-1")) and "from 0 to 10" in p.message
    assert one(probs, "nps", "not a whole number").rows == (5,)
    p = one(probs, "csat", "out of range")
    assert (p.rows, p.values) == ((3, 5), ("0", "6")) and "from 1 to 5" in p.message
    clean, _ = validate(read_raw(path), "responses")
    assert clean["nps"].tolist()[0] == 10 and clean["nps"].isna().tolist() == [False, True, True, True]

    path = write_csv(tmp_path / "transactions.csv", ["customer_id", "transaction_date", "amount"],
                     [["C1", "2025-01-01", '"1,234.50"'], ["C1", "2025-01-02", "-20"], ["C2", "2025-01-03", "１２"]])
    probs = problems_of(path, "transactions")
    assert len(probs) == 1 and probs[0].values == ("-20",) and probs[0].rows == (3,)
    clean, _ = validate(read_raw(path), "transactions")
    assert clean["amount"].tolist()[0::2] == [1234.5, 12.0]


def test_churn_date_before_signup(tmp_path):
    path = write_csv(tmp_path / "customers.csv", ["customer_id", "signup_date", "churned", "churn_date"],
                     [["C1", "2024-05-01", "1", "2024-04-01"], ["C2", "2024-05-01", "0", ""],
                      ["C3", "2024-05-01", "TRUE", "2024-06-01"]])
    p = one(problems_of(path, "customers"), "churn_date", "before signup_date")
    assert p.rows == (2,) and p.values == ("2024-04-01 00:00:00 < 2024-05-01 00:00:00",)


def test_first_response_before_created(tmp_path):
    header = ["ticket_id", "customer_id", "created_at", "first_response_at", "channel", "category"]
    path = write_csv(tmp_path / "t.csv", header, [["T1", "C1", "2025-01-01 10:00", "2025-01-01 09:59", "chat", "x"]])
    assert one(problems_of(path), "first_response_at", "before created_at").rows == (2,)


def test_a_row_longer_than_the_header_is_an_error_not_a_shift(tmp_path):
    path = write_csv(tmp_path / "transactions.csv", ["customer_id", "transaction_date", "amount"],
                     [["C1", "2025-01-01", "1,234.50"], ["C2", "2025-01-02", "3"]])
    with pytest.raises(DataError, match=r"transactions\.csv: cannot be read as CSV \(Expected 3 fields in line 2, "
                                        r"saw 4\).*unquoted separator"):
        load_table(path, "transactions")


def test_row_numbers_count_blank_lines_and_quoted_line_breaks(tmp_path):
    text = ",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\n\n" + ",".join(ROWS[1][:10]) + ',"two\nlines"\n' \
        + ",".join(["T9", "C9", "nope"] + ROWS[0][3:]) + "\n"
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    p = one(problems_of(path), "created_at", "not a date")
    assert p.rows == (5,)  # header 1, T001 2, blank 3, T002 4 (spans two lines), T9 5
    res = load_table(path, "tickets", on_invalid="drop")
    assert res.blank_rows == 1 and res.dropped_rows == 1 and list(res.row_numbers) == [2, 4]


def test_only_the_first_few_rows_and_values_are_shown_but_all_are_counted(tmp_path):
    rows = [[f"T{i}", "C1", "2025-01-01", "", f"fax{i % 7}", "x", "", "", "", "", ""] for i in range(40)]
    p = one(problems_of(tickets_csv(tmp_path, rows=rows)), "channel", "not allowed")
    assert p.n_rows == 40 and p.rows == (2, 3, 4, 5, 6) and len(p.values) == 5
    assert "40 row(s), e.g. rows 2, 3, 4, 5, 6 (and 35 more)" in str(p)


# ----------------------------------------------------------------------------- conversions
def test_booleans_accept_the_documented_spellings():
    yes = ["true", "TRUE", "True", "1", "yes", "YES", "y", "Y", "是", " 是 "]
    no = ["false", "FALSE", "0", "no", "No", "n", "N", "否"]
    frame = pd.DataFrame({"ticket_id": [f"T{i}" for i in range(len(yes) + len(no) + 1)], "customer_id": "C",
                          "created_at": "2025-01-01", "channel": "phone", "category": "other",
                          "escalated": yes + no + [""]})
    clean, probs = validate(frame, "tickets")
    assert probs == []
    assert clean["escalated"].dtype == "boolean"
    assert clean["escalated"].tolist()[:-1] == [True] * len(yes) + [False] * len(no)
    assert clean["escalated"].isna().tolist()[-1]


def test_category_labels_become_codes_and_unknown_categories_are_kept():
    frame = pd.DataFrame({"ticket_id": ["1", "2", "3", "4", "5"], "customer_id": "C", "created_at": "2025-01-01",
                          "channel": ["电话", "E-mail", "在线客服", "社交媒体", "OTHER"],
                          "category": ["产品质量", "物流配送", "After-sales", "service_attitude", "发票问题"],
                          "priority": ["紧急", "Low", "普通", " high ", "NA"]})
    clean, probs = validate(frame, "tickets")
    assert probs == []
    assert clean["channel"].tolist() == ["phone", "email", "chat", "social", "other"]
    assert clean["category"].tolist() == ["product_quality", "logistics", "after_sales", "service_attitude", "发票问题"]
    assert clean["priority"].tolist()[:4] == ["urgent", "low", "normal", "high"] and pd.isna(clean["priority"][4])
    assert set(clean["channel"]) <= set(CHANNELS)


def test_extra_columns_are_kept_and_numeric_prefix_columns_become_float():
    frame = pd.DataFrame({"unit_id": ["u1", "u2"], "variant": ["control", "treatment"],
                          "assigned_at": ["2025-01-01", "2025-01-02"], "pre_spend": ["12.5", "oops"],
                          "note": [" keep  me ", ""]})
    clean, probs = validate(frame, "assignments", file="a.csv")
    assert list(clean.columns) == ["unit_id", "variant", "assigned_at", "pre_spend", "note"]
    assert clean["note"].tolist() == [" keep  me ", ""]  # untouched
    assert clean["pre_spend"].dtype == "float64" and clean["pre_spend"][0] == 12.5
    [p] = probs
    assert (p.file, p.column, p.rows, p.values) == ("a.csv", "pre_spend", (3,), ("oops",))


def test_typed_frames_pass_through():
    frame = pd.DataFrame({
        "ticket_id": [101, 102], "customer_id": [7.0, 8.0],
        "created_at": pd.to_datetime(["2025-01-01 09:00", "2025-01-02 10:00"]).tz_localize("Asia/Shanghai"),
        "channel": pd.Categorical(["phone", "chat"]), "category": ["other", "logistics"],
        "escalated": [True, False], "contacts": np.array([1, 2], dtype="int64"), "nonsense": [1, 2]})
    clean, probs = validate(frame, "tickets", timezone="UTC")
    assert probs == []
    assert clean["ticket_id"].tolist() == ["101", "102"] and clean["customer_id"].tolist() == ["7", "8"]
    assert clean["created_at"].tolist() == [pd.Timestamp("2025-01-01 01:00"), pd.Timestamp("2025-01-02 02:00")]
    assert clean["created_at"].dtype == "datetime64[ns]"
    assert clean["escalated"].dtype == "boolean" and clean["contacts"].dtype == "float64"
    assert clean["nonsense"].dtype == "int64"


# ----------------------------------------------------------------------------- time zones
def _tz_file(tmp_path, created):
    rows = [[f"T{i}", "C", c, "", "phone", "other", "", "", "", "", ""] for i, c in enumerate(created)]
    return tickets_csv(tmp_path, rows=rows)


def test_offsets_mixed_with_naive_times_need_a_timezone(tmp_path):
    path = _tz_file(tmp_path, ["2025-03-01 10:00", "2025-03-01T02:00:00Z", "2025-03-01 11:00+08:00"])
    with pytest.raises(DataError) as err:
        load_table(path, "tickets", on_invalid="drop")  # cannot be fixed by dropping rows
    p = one(err.value.problems, "created_at", "mixes time zones")
    assert p.rows == (3, 4) and "+00:00, +08:00" in p.message and "timezone:" in p.message
    res = load_table(path, "tickets", mapping={"timezone": "Asia/Shanghai"})
    assert res.frame["created_at"].tolist() == [pd.Timestamp("2025-03-01 10:00"), pd.Timestamp("2025-03-01 10:00"),
                                                pd.Timestamp("2025-03-01 11:00")]


def test_differing_offsets_without_timezone_and_one_offset_everywhere(tmp_path):
    path = _tz_file(tmp_path, ["2025-03-01 10:00+08:00", "2025-03-01 10:00+08:00", "2025-03-01 03:00 +0100"])
    p = one(problems_of(path), "created_at", "mixes UTC offsets")
    assert p.rows == (4,) and p.values == ("2025-03-01 03:00 +0100",)
    res = load_table(path, "tickets", mapping={"timezone": "Asia/Shanghai"})
    assert res.frame["created_at"].tolist()[2] == pd.Timestamp("2025-03-01 10:00")
    same = _tz_file(tmp_path, ["2025-03-01 10:00+08:00", "2025-03-02T09:30:00+08:00"])
    assert load_table(same, "tickets").frame["created_at"].tolist() == [pd.Timestamp("2025-03-01 10:00"),
                                                                        pd.Timestamp("2025-03-02 09:30")]


def test_datetime_formats_builtin_and_from_mapping(tmp_path):
    path = _tz_file(tmp_path, ["2025/3/1 9:05", "2025年3月2日 14:30", "2025-03-03", "03 Mar 2025 10:00"])
    got = load_table(path, "tickets").frame["created_at"].tolist()
    assert got == [pd.Timestamp("2025-03-01 09:05"), pd.Timestamp("2025-03-02 14:30"), pd.Timestamp("2025-03-03"),
                   pd.Timestamp("2025-03-03 10:00")]
    path = _tz_file(tmp_path, ["04/03/2025 01:30 PM", "13/03/2025 09:00 AM"])
    res = load_table(path, "tickets", mapping={"datetime_format": "%d/%m/%Y %I:%M %p"})
    assert res.frame["created_at"].tolist() == [pd.Timestamp("2025-03-04 13:30"), pd.Timestamp("2025-03-13 09:00")]
    p = one(problems_of(path), "created_at", "not a date")
    assert p.values == ("04/03/2025 01:30 PM", "13/03/2025 09:00 AM")
    path = _tz_file(tmp_path, ["1899-12-30", "2025-01-01"])
    assert one(problems_of(path), "created_at", "outside 1900–2199").rows == (2,)


def test_common_export_spellings_of_channel_and_priority_are_accepted():
    """Help-desk exports say Medium/Critical, E-mail, Live chat, WeChat: accepted without a mapping,
    while a value nobody could guess is still refused."""
    frame = pd.DataFrame({
        "ticket_id": ["1", "2", "3", "4", "5"],
        "customer_id": ["c"] * 5,
        "created_at": ["2025-03-01 10:00"] * 5,
        "channel": ["E-mail", "Live Chat", "WeChat", "Phone", "电话"],
        "category": ["logistics"] * 5,
        "priority": ["Medium", "Critical", "Low", "ＨＩＧＨ", "紧急"],
    })
    clean, problems = validate(frame, "tickets")
    assert not problems
    assert clean["channel"].tolist() == ["email", "chat", "social", "phone", "phone"]
    assert clean["priority"].tolist() == ["normal", "urgent", "low", "high", "urgent"]
    frame.loc[0, "priority"] = "P7"
    _, problems = validate(frame, "tickets")
    assert len(problems) == 1 and problems[0].column == "priority" and "'P7'" in str(problems[0])


# ----------------------------------------------------------------------------- extra column types, snapshots
def test_extra_csv_columns_keep_the_types_their_values_show(tmp_path):
    header = ["customer_id", "signup_date", "tenure", "MonthlyCharges", "Partner", "zip", "mixed", "SeniorCitizen",
              "note"]
    rows = [["C1", "2024-01-01", "1", "29.85", "Yes", "02134", "12", "0", "NA"],
            ["C2", "2024-02-01", "34", '"1,056.95"', "no", "10001", "abc", "1", ""],
            ["C3", "2024-03-01", "", " ", "", "94105", "7", "0", "-"]]
    frame = load_table(write_csv(tmp_path / "customers.csv", header, rows), "customers").frame
    assert frame["tenure"].dtype == "float64" and frame["tenure"].tolist()[:2] == [1.0, 34.0]
    assert np.isnan(frame["tenure"].iloc[2]) and np.isnan(frame["MonthlyCharges"].iloc[2])
    assert frame["MonthlyCharges"].tolist()[:2] == [29.85, 1056.95]
    assert frame["Partner"].dtype == "boolean" and frame["Partner"].tolist()[:2] == [True, False]
    assert frame["SeniorCitizen"].tolist() == [0.0, 1.0, 0.0]  # 0/1 are numbers, not booleans
    # never coerced: leading zeros (postcodes, ids) and a column mixing numbers and words stay text as written
    assert frame["zip"].tolist() == ["02134", "10001", "94105"]
    assert frame["mixed"].tolist() == ["12", "abc", "7"]
    parquet = tmp_path / "p" / "customers.parquet"
    parquet.parent.mkdir()
    pd.DataFrame({"customer_id": ["C1"], "signup_date": ["2024-01-01"], "code": ["12"]}).to_parquet(parquet)
    assert load_table(parquet, "customers").frame["code"].tolist() == ["12"]  # typed files keep their types
