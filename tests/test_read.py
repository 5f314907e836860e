"""Reading files: encodings (UTF-8, BOM, GB18030, UTF-16 refused), formats (CSV, .csv.gz, XLSX, Parquet), delimiters, damaged,
empty and missing files (csm.data.read)."""
from __future__ import annotations

import datetime as dt
import gzip

import numpy as np
import openpyxl
import pandas as pd
import pytest

from csm.compat import STR
from csm.data import load_table, read_raw, validate_file
from csm.errors import DataError

from data_files import HEADER, ROWS, sha, tickets_csv, write_csv


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
