"""The committed notebooks keep the project's promises: parameters papermill can read, a stored parameter
set, the shared parameters, executed with machine-independent outputs."""
import ast
import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SHARED = {"data_dir", "mapping", "on_invalid", "lang", "period", "comparison"}


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_parameters_cell_is_fully_understood_by_papermill(notebook):
    path, nb = notebook
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), "the first code cell must be tagged 'parameters'"
    assigned = {t.id for node in ast.parse(code[0].source).body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
    inspected = set(papermill.inspect_notebook(str(path)))
    # papermill silently skips a line it cannot parse (e.g. an '=' inside the comment): it then refuses
    # that parameter as unknown at run time
    assert assigned == inspected, f"papermill cannot read: {sorted(assigned - inspected)}"
    assert SHARED <= inspected
    for line in code[0].source.splitlines():
        if "=" in line and not line.startswith((" ", "}", "#")):
            assert "#" in line, f"parameter without a comment: {line}"


def test_stored_parameter_set_names_only_real_parameters(notebook):
    path, _ = notebook
    stored = yaml.safe_load((ROOT / "params" / f"{path.stem}.yaml").read_text(encoding="utf-8"))
    unknown = set(stored) - set(papermill.inspect_notebook(str(path))) - {"notebook"}
    assert not unknown


def test_committed_executed_with_machine_independent_outputs(notebook):
    _, nb = notebook
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert any(c.outputs for c in code), "commit the notebook executed (nbval compares the outputs)"
    assert not any(c.metadata.get("execution") for c in code), "timing metadata: use record_timing=False"
    texts = [{k: v for k, v in o.get("data", {}).items() if not k.startswith("image/")} | {"text": o.get("text")}
             for c in code for o in c.outputs]  # base64 images are not text
    blob = json.dumps(texts, ensure_ascii=False)
    assert not re.search(r"(?<![:/\w])/(?:[\w.-]+/){2,}[\w.-]+| at 0x[0-9a-f]+", blob)
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)
    assert not any(o.get("name") == "stderr" for c in code for o in c.outputs), "a warning leaked into the report"
