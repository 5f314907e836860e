"""Shared pytest configuration and fixtures.

Fixture notebooks under tests/fixtures are inputs of the runner tests, not
regression notebooks: nbval must not collect them.
"""
import json
from pathlib import Path

import pytest

from csm.cli import main

ROOT = Path(__file__).resolve().parents[1]
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """`csm run` (every notebook) on the bundled sample data, once per test session: (exit code, reports dir)."""
    reports = tmp_path_factory.mktemp("reports")
    code = main(["run", "--project", str(ROOT), "--reports-dir", str(reports)])
    return code, reports


@pytest.fixture(scope="session")
def sample_results(sample_run):
    """``results`` of the sample run's manifest: notebook name -> recorded headline results."""
    _, reports = sample_run
    (manifest,) = reports.glob("*/manifest.json")
    return json.loads(manifest.read_text(encoding="utf-8"))["results"]
