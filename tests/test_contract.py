"""The data contract: its documentation and its vocabularies."""
import re
from pathlib import Path

from csm.data.contract import TABLES, markdown_tables

ROOT = Path(__file__).resolve().parents[1]


def test_readme_documents_the_contract_as_it_is():
    """The README's data-contract section is generated from csm.data.contract and must not drift."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"<!-- contract:start -->\n(.*)<!-- contract:end -->", readme, re.S).group(1)
    assert section == markdown_tables(), "regenerate it: python -m csm.data.contract"


def test_every_table_has_a_unique_required_id_and_described_columns():
    for table in TABLES.values():
        names = table.names
        assert len(names) == len(set(names)), table.name
        assert all(c.description for c in table.columns)
        assert table.required, table.name
