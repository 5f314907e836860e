"""Data loading and validation: encodings, formats, mappings, every kind of bad input."""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from csm.compat import STR
from csm.data import (
    Dataset,
    load_mapping,
    load_table,
    load_tables,
    read_raw,
    validate_file,
)
from csm.data.contract import CHANNELS, Problem
from csm.data.validate import validate
from csm.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
MAPPINGS = ROOT / "data" / "mappings"

HEADER = ["ticket_id", "customer_id", "created_at", "resolved_at", "channel", "category", "priority",
          "contacts", "first_contact_resolved", "handle_time_minutes", "description"]
ROWS = [
    ["T001", "C01", "2025-03-01 09:00", "2025-03-01 10:30", "电话", "产品质量", "高", "1", "是", "12.5", "屏幕坏了"],
    ["T002", "C02", "2025-03-02 14:05", "", "Chat", "Logistics", "normal", "2", "no", "30", "Parcel late"],
    ["T003", "C01", "2025-03-03 08:00", "2025-03-04 08:00", "email", "billing", "", "3", "FALSE", "7.25", ""],
]


def write_csv(path: Path, header, rows, encoding="utf-8", sep=","):
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def tickets_csv(tmp_path, rows=None, header=None, name="tickets.csv", **kw):
    return write_csv(tmp_path / name, header or HEADER, ROWS if rows is None else rows, **kw)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def problems_of(path, table="tickets", **kw) -> list[Problem]:
    return validate_file(path, table, **kw)


def one(problems, column, word):
    hits = [p for p in problems if p.column == column and word in p.message]
    assert len(hits) == 1, [str(p) for p in problems]
    return hits[0]


# ----------------------------------------------------------------------------- formats and encodings
def expected_clean() -> pd.DataFrame:
    return pd.DataFrame({
        "ticket_id": pd.Series(["T001", "T002", "T003"], dtype=STR),
        "customer_id": pd.Series(["C01", "C02", "C01"], dtype=STR),
        "created_at": pd.to_datetime(["2025-03-01 09:00", "2025-03-02 14:05", "2025-03-03 08:00"]).astype("M8[ns]"),
        "resolved_at": pd.to_datetime(["2025-03-01 10:30", None, "2025-03-04 08:00"]).astype("M8[ns]"),
        "channel": pd.Series(["phone", "chat", "email"], dtype=STR),
        "category": pd.Series(["product_quality", "logistics", "billing"], dtype=STR),  # unknown kept
        "priority": pd.Series(["high", "normal", None], dtype=STR),
        "contacts": [1.0, 2.0, 3.0],
        "first_contact_resolved": pd.array([True, False, False], dtype="boolean"),
        "handle_time_minutes": [12.5, 30.0, 7.25],
        "description": pd.Series(["屏幕坏了", "Parcel late", None], dtype=STR),
    })


def test_utf8_bom_gb18030_gzip_xlsx_and_parquet_load_to_the_same_frame(tmp_path):
    want = expected_clean()
    files = {
        "utf-8": tickets_csv(tmp_path, name="a.csv"),
        "utf-8-sig": write_csv(tmp_path / "b.csv", ["\ufeff" + HEADER[0]] + HEADER[1:], ROWS),
        "gb18030": tickets_csv(tmp_path, name="c.csv", encoding="gb18030"),
    }
    gz = tmp_path / "d.csv.gz"
    gz.write_bytes(gzip.compress(files["gb18030"].read_bytes()))
    for enc, path in files.items():
        res = load_table(path, "tickets")
        assert res.encoding == enc
        pd.testing.assert_frame_equal(res.frame, want)
    res = load_table(gz, "tickets")
    assert res.encoding == "gb18030"
    pd.testing.assert_frame_equal(res.frame, want)

    # Excel as a user saves it: real dates, numbers and text in cells
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in ROWS:
        cells = list(r)
        cells[2] = dt.datetime.fromisoformat(r[2])
        cells[3] = dt.datetime.fromisoformat(r[3]) if r[3] else None
        cells[7] = int(r[7])
        cells[9] = float(r[9])
        cells[10] = r[10] or None
        ws.append(cells)
    wb.save(tmp_path / "e.xlsx")
    res = load_table(tmp_path / "e.xlsx", "tickets")
    assert res.encoding is None and res.format == "xlsx"
    pd.testing.assert_frame_equal(res.frame, want)

    # Parquet with native types passes through
    typed = want.copy()
    typed["contacts"] = typed["contacts"].astype("int64")
    typed["created_at"] = typed["created_at"].astype("M8[us]")
    typed.to_parquet(tmp_path / "f.parquet")
    pd.testing.assert_frame_equal(load_table(tmp_path / "f.parquet", "tickets").frame, want)


def test_xlsx_sheet_from_mapping_and_unknown_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["this sheet is a cover page"])
    ws = wb.create_sheet("工单")
    ws.append(HEADER)
    for r in ROWS:
        ws.append(r)
    wb.save(tmp_path / "t.xlsx")
    res = load_table(tmp_path / "t.xlsx", "tickets", mapping={"sheet": "工单"})
    assert len(res.frame) == 3
    with pytest.raises(DataError, match=r"t\.xlsx: has no sheet 'Sheet9'.*'说明', '工单'"):
        load_table(tmp_path / "t.xlsx", "tickets", mapping={"sheet": "Sheet9"})


def test_read_raw_keeps_text_as_written_and_reports_encoding(tmp_path):
    path = tickets_csv(tmp_path, encoding="gb18030")
    raw = read_raw(path)
    assert raw.attrs["encoding"] == "gb18030"
    assert raw.loc[0, "channel"] == "电话" and raw.loc[0, "contacts"] == "1"
    assert raw.loc[2, "priority"] == ""  # empty cell stays as written
    assert all(isinstance(t, pd.StringDtype) for t in raw.dtypes)


def test_tab_and_semicolon_separated_files(tmp_path):
    for sep in ("\t", ";"):
        path = tickets_csv(tmp_path, name="t.csv", sep=sep)
        pd.testing.assert_frame_equal(load_table(path, "tickets").frame, expected_clean())


def test_raw_files_are_never_modified(tmp_path):
    paths = [tickets_csv(tmp_path, name="ok.csv", encoding="gb18030"),
             tickets_csv(tmp_path, name="bad.csv", rows=[ROWS[0], ["T001"] + ROWS[1][1:]])]
    pd.DataFrame({"ticket_id": ["T1"], "customer_id": ["C1"], "created_at": ["x"], "channel": ["phone"],
                  "category": ["other"]}).to_parquet(tmp_path / "p.parquet")
    paths.append(tmp_path / "p.parquet")
    before = {p: (sha(p), p.stat().st_mtime_ns) for p in paths}
    for p in paths:
        validate_file(p, "tickets")
        try:
            load_table(p, "tickets", on_invalid="drop")
        except DataError:
            pass
        read_raw(p)
    assert {p: (sha(p), p.stat().st_mtime_ns) for p in paths} == before


# ----------------------------------------------------------------------------- encoding errors
def test_utf16_file_gets_a_clear_error(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(("\t".join(HEADER) + "\n" + "\t".join(ROWS[0]) + "\n").encode("utf-16"))
    with pytest.raises(DataError, match=r"tickets\.csv: is UTF-16 .*CSV UTF-8.*encoding: utf-16") as err:
        load_table(path, "tickets")
    assert err.value.problems and err.value.problems[0].file == "tickets.csv"
    # the mapping can say so, then it loads
    res = load_table(path, "tickets", mapping={"encoding": "utf-16"})
    assert res.encoding == "utf-16" and res.frame.loc[0, "channel"] == "phone"


def test_utf16_without_bom_is_recognised_by_its_nul_bytes(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(",".join(HEADER).encode("utf-16-le"))
    with pytest.raises(DataError, match=r"tickets\.csv: contains NUL bytes \(first at byte offset 1\)"):
        read_raw(path)


def test_undecodable_file_names_the_byte_offset(tmp_path):
    good = (",".join(HEADER) + "\n").encode()
    path = tmp_path / "tickets.csv"
    path.write_bytes(good + b"T1,\xff\xfe\x80 garbage\n")
    with pytest.raises(DataError) as err:
        load_table(path, "tickets")
    msg = str(err.value)
    assert msg.startswith("tickets.csv: cannot be decoded as UTF-8 or GB18030")
    offset = len(good) + 3
    assert f"UTF-8: first bad byte 0xff at byte offset {offset}" in msg
    assert f"GB18030: first bad byte 0xff at byte offset {offset}" in msg
    # random bytes
    path.write_bytes(np.random.default_rng(0).integers(1, 256, 2000, dtype=np.uint8).tobytes())
    with pytest.raises(DataError, match=r"cannot be decoded as UTF-8 or GB18030 .*byte offset \d+"):
        read_raw(path)
    # validate_file reports it instead of raising
    [p] = validate_file(path, "tickets")
    assert p.file == "tickets.csv" and "byte offset" in p.message


def test_damaged_utf8_file_is_not_misread_as_gb18030(tmp_path):
    rows = [[f"T{i}", "C1", "2025-01-01", "", "电话", "产品质量", "", "", "", "", "屏幕坏了"] for i in range(30)]
    data = bytearray(tickets_csv(tmp_path, rows=rows).read_bytes())
    pos = data.index("屏幕坏了".encode(), len(data) // 2)
    data[pos + 1] = 0xFF  # break one character in the middle of the file: 屏 = e5 b1 8f
    path = tmp_path / "tickets.csv"
    path.write_bytes(bytes(data))
    line = data[:pos].count(b"\n") + 1
    with pytest.raises(DataError, match=rf"tickets\.csv: is UTF-8 \(\d+ non-ASCII characters decode correctly\) "
                                        rf"but has an invalid byte 0xe5 at byte offset {pos} \(line {line}\)"):
        load_table(path, "tickets")
    with pytest.raises(DataError, match=r"cannot be decoded as gb18030 \(the encoding set in the mapping\): "
                                        rf"first bad byte 0xe5 at byte offset {pos}"):
        load_table(path, "tickets", mapping={"encoding": "gb18030"})


def test_bad_byte_after_a_read_chunk_gets_the_right_offset(tmp_path):
    chunk = 1 << 20  # the reader decodes 1 MiB at a time; put a 3-byte character across the boundary
    data = b"a\n" + b"x" * (chunk - 3) + "中".encode() + b"\xff"
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    with pytest.raises(DataError, match=rf"UTF-8: first bad byte 0xff at byte offset {len(data) - 1}"):
        read_raw(path)


def test_empty_and_header_only_files(tmp_path):
    empty = tmp_path / "tickets.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match=r"tickets\.csv: is empty"):
        load_table(empty, "tickets")
    header_only = tickets_csv(tmp_path, rows=[], name="h.csv")
    with pytest.raises(DataError, match=r"h\.csv: has a header row but no data rows"):
        load_table(header_only, "tickets")
    blank_lines = tickets_csv(tmp_path, rows=[[""] * len(HEADER)] * 3, name="b.csv")
    with pytest.raises(DataError, match="no data rows"):
        load_table(blank_lines, "tickets", on_invalid="drop")
    assert [p.message for p in validate_file(empty, "tickets")] == ["is empty (no header row, no data)"]


def test_missing_file_and_unsupported_type(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_table(tmp_path / "nope.csv", "tickets")
    (tmp_path / "t.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataError, match=r"t\.xls: old Excel \.xls files are not supported"):
        load_table(tmp_path / "t.xls", "tickets")


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
