"""Headless report runs: plan, execute (parallel kernels), export HTML, write the manifest, rerun.

A *project* is a folder holding ``notebooks/<name>.ipynb`` (each with a cell tagged ``parameters``) and
``params/<name>.yaml``. :func:`run_reports` executes notebooks with papermill into ``reports/<run-id>/``::

    reports/<run-id>/<name>.ipynb    executed notebook (errors included when a cell failed)
    reports/<run-id>/<name>.html     self-contained report for managers: no code, no external resources
    reports/<run-id>/manifest.json   what ran, with which parameters, inputs (sha256) and results
    reports/index.html               every run on disk, regenerated from the manifests
    reports/latest.json              the last run in which every notebook succeeded

The modules, in the order a run goes through them:

- :mod:`csm.run.parameters` — reading ``-p``/YAML values, the table of checks, merging the layers;
- :mod:`csm.run.plan` — the project, which notebooks run, each one's parameters (:class:`NotebookPlan`);
- :mod:`csm.run.execute` — kernels (several at once: ``jobs``), time limits, signals, the run-id lock,
  the temp folder renamed into place;
- :mod:`csm.run.export` — each notebook's HTML report or failure page;
- :mod:`csm.run.manifest` — the manifest, input hashes, ``index.html`` and ``latest.json``;
- :mod:`csm.run.rerun` — a manifest executed again and its results compared.

The runner knows nothing about any analysis: notebooks report their headline numbers with
:func:`csm.report.results.record`; a failed notebook is described by a :class:`csm.errors.RunError`
(notebook, cell, message).
"""
from __future__ import annotations

from csm.run.execute import DEFAULT_JOBS, DEFAULT_TIMEOUT, NotebookRun, RunResult, run_reports
from csm.run.manifest import hash_inputs, read_manifest, write_index
from csm.run.parameters import (
    load_parameter_file,
    parse_parameter_assignment,
    parse_parameter_value,
    resolve_path_parameters,
)
from csm.run.plan import NotebookPlan, find_project, list_notebooks, plan_reports
from csm.run.rerun import InputChange, RerunResult, ResultDifference, check_inputs, compare_results, rerun

__all__ = [
    "DEFAULT_JOBS", "DEFAULT_TIMEOUT", "InputChange", "NotebookPlan", "NotebookRun", "RerunResult",
    "ResultDifference", "RunResult", "check_inputs", "compare_results", "find_project", "hash_inputs",
    "list_notebooks", "load_parameter_file", "parse_parameter_assignment", "parse_parameter_value",
    "plan_reports", "read_manifest", "rerun", "resolve_path_parameters", "run_reports", "write_index",
]
