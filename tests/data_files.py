"""Small CSV files and problem lookups shared by test_read.py, test_validate.py and test_load.py."""
from __future__ import annotations

import hashlib
from pathlib import Path

from csm.data import validate_file
from csm.data.contract import Problem

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
