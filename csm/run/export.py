"""The pages a run writes for each notebook: its HTML report, or the failure page that stands in for it.

A notebook that succeeded becomes a self-contained HTML report (:func:`csm.report.html.export_html`: no
code, no external resources). A notebook that failed gets no management report — papermill's output is a
traceback with code — but a one-page explanation in the report's language
(:func:`csm.report.html.write_error_page`), built from the notebook's :class:`csm.errors.RunError`; the
executed notebook stays next to it for the analyst. Error messages leave the data layer here, so personal
data in them is masked (:func:`masked`).
"""
from __future__ import annotations

from pathlib import Path

from csm.errors import RunError
from csm.report.html import export_html, write_error_page
from csm.report.results import collect
from csm.run.parameters import one_line
from csm.run.plan import NotebookPlan, report_language

__all__ = ["masked", "not_run_page", "write_failure_page", "write_report"]


def masked(message) -> str:
    """An error message with personal data (phone numbers, e-mail addresses, ids …) masked: it goes into
    manifest.json, the failure page and the console, which leave the data layer."""
    from csm.text import mask_pii

    text = "" if message is None else str(message)
    try:
        return str(mask_pii(text))
    except Exception:  # noqa: BLE001 - never lose the failure over the masking
        return "(message withheld: it could not be checked for personal data)"


def write_report(plan: NotebookPlan, executed, error: RunError | None, out_dir: Path
                 ) -> tuple[Path | None, RunError | None, dict]:
    """(HTML page, error, recorded results) of one executed notebook (``executed``: None when papermill
    left no readable notebook). A failed notebook gets its failure page; an HTML export that fails makes
    the notebook fail."""
    results: dict = {}
    html_path = out_dir / f"{plan.name}.html"
    lang = report_language(plan)
    if executed is not None:
        results = collect(executed)
    if error is None and executed is not None:
        try:
            export_html(executed, html_path, title=plan.name, language=lang)
            return html_path, None, results
        except Exception as exc:  # noqa: BLE001
            return None, RunError(masked(f"HTML export failed: {one_line(exc)}"), notebook=plan.name,
                                  exception=type(exc).__name__), results
    write_failure_page(plan, error, html_path, notebook=f"{plan.name}.ipynb" if executed is not None else None,
                       run_id=out_dir.name.removeprefix(".tmp-"))
    return html_path, error, results


def write_failure_page(plan: NotebookPlan, error: RunError, html_path: Path, *, notebook: str | None,
                       run_id: str | None = None, folder: str | None = None) -> Path:
    """The failure page of ``plan``'s notebook at ``html_path``, in the report's language; ``notebook``: the
    executed notebook's file name next to it (None when there is none), ``folder``: where the analyst
    finds it."""
    return write_error_page(html_path, plan.name, error, notebook, language=report_language(plan), run_id=run_id,
                            folder=folder)


def not_run_page(plan: NotebookPlan, out_dir: Path, reason: str) -> tuple[Path, RunError]:
    """(failure page, error) of a notebook that did not start because the run was stopped by ``reason``."""
    error = RunError(f"not run: the run was stopped by {reason} before this notebook started", notebook=plan.name,
                     exception="RunStopped")
    return write_failure_page(plan, error, out_dir / f"{plan.name}.html", notebook=None), error
