"""The ``csm`` command line: run reports, rerun a manifest, validate a file, write sample data.

``csm run`` and ``csm rerun`` run up to ``--jobs`` notebooks at once, each in its own kernel (default: the
cores), and say each notebook on stderr as it finishes; the summary on stdout keeps the notebook order.

Exit codes: 0 success; 1 a notebook failed, results differ, a file has
problems or a file/folder cannot be used (OS error); 2 usage or parameter errors
and refused runs; 128 + n a run stopped by signal n (SIGTERM: 143, SIGINT: 130).
Errors raised on purpose (:class:`csm.errors.CsmError`), OS errors and any other
error are printed as one message line without a traceback (``CSM_DEBUG=1``
shows the traceback of an unexpected one).
"""
from __future__ import annotations

import argparse
import errno
import math
import os
import sys
from pathlib import Path

from csm.errors import CsmError, DataError, ParameterError, RunError

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main", "os_error_line"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so ``main`` returns the exit code."""

    def error(self, message):
        raise _UsageError(f"{self.prog}: {message}\n{self.format_usage().strip()}")


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="csm", description="Customer-service analytics reports: run, rerun, validate, sample data.")
    from csm import __version__

    parser.add_argument("--version", action="version", version=f"csm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    run = sub.add_parser("run", help="run report notebooks into reports/<run-id>/",
                         description="Run report notebooks with papermill and export HTML reports and a manifest.")
    run.add_argument("names", nargs="*", metavar="NAME", help="notebooks to run (default: every notebook in notebooks/)")
    run.add_argument("-p", "--parameter", dest="parameters", action="append", default=[], metavar="KEY=VALUE",
                     help="set a parameter (YAML value; dates stay text), e.g. -p period=2026-06 or -p lang=zh")
    run.add_argument("--params", dest="params_file", type=Path, metavar="FILE", help="YAML file of parameters")
    run.add_argument("--run-id", metavar="ID", help="report folder name (default: UTC time YYYYmmdd-HHMMSS)")
    run.add_argument("--force", action="store_true",
                     help="replace an existing report folder of the same run id (only if every notebook succeeds)")
    run.add_argument("--project", type=Path, metavar="DIR", help="project folder (default: found from cwd)")
    run.add_argument("--reports-dir", type=Path, metavar="DIR", help="where report folders go (default: reports/)")
    run.add_argument("--kernel", metavar="NAME", help="Jupyter kernel (default: python3, always started with the Python that runs csm)")
    run.add_argument("--timeout", type=_seconds, default=_default_timeout(), metavar="SECONDS",
                     help="time limit per notebook, kernel start included (default: %(default)g s; 0: no limit); "
                          "a notebook over it is stopped and marked failed")
    run.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                     help="notebooks run at once, each in its own kernel (default: the number of cores, "
                          f"here {_default_jobs()}; 1: one after the other)")

    rerun = sub.add_parser("rerun", help="rerun a manifest and compare the results",
                           description="Re-execute a run from its manifest.json and compare the recorded results.")
    rerun.add_argument("manifest", type=Path, metavar="MANIFEST", help="a run's manifest.json (or its folder)")
    rerun.add_argument("--force", action="store_true", help="rerun even though input files changed")
    rerun.add_argument("--run-id", metavar="ID", help="folder name for the new run")
    rerun.add_argument("--project", type=Path, metavar="DIR",
                       help="the project whose notebooks the run used (default: the one holding the reports folder)")
    rerun.add_argument("--timeout", type=_seconds, default=_default_timeout(), metavar="SECONDS",
                       help="time limit per notebook (default: %(default)g s; 0: no limit)")
    rerun.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                       help="notebooks run at once (default: the number of cores)")

    validate = sub.add_parser("validate", help="check a data file against the data contract",
                              description="Check a CSV/XLSX/Parquet file against one table of the data contract, or "
                                          "every table of a data folder, Parquet dataset, DuckDB file or "
                                          "postgresql:// URL (checked in the engine, never loaded).")
    validate.add_argument("path", type=_source_argument, metavar="PATH")
    validate.add_argument("--table", metavar="NAME",
                          help="contract table, e.g. tickets (default: from the file name; PATH may be a data folder)")
    validate.add_argument("--mapping", type=Path, metavar="FILE", help="column mapping YAML")

    sample = sub.add_parser("sample-data", help="write the seeded sample data set",
                            description="Write the seeded sample data (five tables with planted truth).")
    sample.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: <project>/data/sample)")
    sample.add_argument("--seed", type=int, help="random seed")
    sample.add_argument("--customers", type=int, help="number of customers")
    sample.add_argument("--format", dest="fmt", choices=("parquet", "csv"), help="file format")
    return parser


def _default_timeout() -> float:
    from csm.run import DEFAULT_TIMEOUT

    return DEFAULT_TIMEOUT


def _default_jobs() -> int:
    from csm.run import DEFAULT_JOBS

    return DEFAULT_JOBS


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of notebooks run at once, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 notebook at once (1: one after the other), got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds ≥ 0 (0: no limit), got {text!r}")
    return value


def _limit(seconds: float):
    return None if seconds == 0 else seconds


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``csm`` console script; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    handlers = {"run": _cmd_run, "rerun": _cmd_rerun, "validate": _cmd_validate, "sample-data": _cmd_sample_data}
    try:
        return handlers[args.command](args, ["csm", *args_list])
    except CsmError as exc:
        print(f"csm {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("csm: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"csm {args.command}: {os_error_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - a scheduled run gets one line, never a traceback
        if os.environ.get("CSM_DEBUG"):
            raise
        print(f"csm {args.command}: {_other_error_line(exc)}", file=sys.stderr)
        return EXIT_FAILED


_OS_ADVICE = {
    errno.ENOSPC: "the disk is full: free space there, or write to another folder (--reports-dir / --out)",
    errno.EDQUOT: "the disk quota is used up: free space there, or write to another folder",
    errno.EROFS: "the file system is read-only: write to another folder (--reports-dir / --out)",
    errno.EACCES: "permission denied: make it readable/writable for this user, or use another folder",
    errno.EPERM: "operation not permitted: make it writable for this user, or use another folder",
    errno.ELOOP: "a symbolic link on this path points back to itself: fix or remove the link",
    errno.EEXIST: "a file is in the way: remove it or choose another path",
    errno.ENOTDIR: "a file is in the way where a folder is needed: remove it or choose another path",
    errno.EISDIR: "a folder is where a file is expected: choose the file itself",
    errno.ENOENT: "it does not exist: check the path",
    errno.ENAMETOOLONG: "the path is too long: choose a shorter one",
}


def os_error_line(exc: OSError) -> str:
    """One line for an OS error: the file, what happened, what to do."""
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    where = " → ".join(names) if names else "a file or folder"
    advice = _OS_ADVICE.get(exc.errno, "check the path, the permissions and the free disk space")
    reason = exc.strerror or type(exc).__name__
    return f"cannot use {where}: {reason}; {advice}."


def _other_error_line(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, RuntimeError) and "symlink loop" in text.lower():
        return f"{text}: a symbolic link points back to itself; fix or remove the link."
    if isinstance(exc, (UnicodeDecodeError, ValueError)) and not isinstance(exc, RecursionError):
        return f"cannot read the input ({type(exc).__name__}: {text}); check the file named in the message."
    return (f"unexpected error {type(exc).__name__}: {text}. Nothing was published for a failed step; set "
            "CSM_DEBUG=1 to see the traceback and report it.")


# --------------------------------------------------------------------------- commands

def _cmd_run(args, command_line) -> int:
    from csm import run as runner

    project = runner.find_project(args.project) if args.project else runner.find_project()
    overrides = dict(runner.parse_parameter_assignment(p) for p in args.parameters)
    names = args.names or None
    plans = runner.plan_reports(names, project=project, overrides=overrides, params_file=args.params_file,
                                kernel_name=args.kernel)
    sample_dir = (project / "data" / "sample").resolve()
    if any(plan.data_dir is not None and plan.data_dir.resolve() == sample_dir for plan in plans) \
            and not sample_dir.exists():
        print(f"Sample data not found; writing it to {_rel(sample_dir)} first …", file=sys.stderr)
        _write_sample(sample_dir)
    result = runner.run_reports(
        names, project=project, overrides=overrides, params_file=args.params_file, run_id=args.run_id,
        reports_dir=args.reports_dir, force=args.force, kernel_name=args.kernel, command_line=command_line,
        timeout=_limit(args.timeout), jobs=args.jobs, progress=_finished,
    )
    _print_run(result)
    return result.exit_code


def _finished(nb) -> None:
    """A line on stderr as each notebook finishes (notebooks running at once finish in any order)."""
    print(f"  {nb.name} finished: {nb.status} ({nb.duration_s:.1f} s)", file=sys.stderr, flush=True)


def _print_run(result) -> None:
    for nb in result.notebooks:
        line = f"  {nb.name:<24} {nb.status:<7} {nb.duration_s:6.1f} s"
        if nb.error is not None:
            where = f"cell {nb.error.cell}" if nb.error.cell is not None else "notebook"
            line += f"  {where}: {nb.error.exception}: {nb.error.message}"
        print(line)
    print(f"Report: {_rel(result.report_dir)}/ (manifest {_rel(result.manifest_path)})")
    if result.previous_kept:
        print(f"Not every notebook succeeded, so the existing report {_rel(result.report_dir.parent / result.run_id)}/ "
              f"was kept; this run is in {_rel(result.report_dir)}/.")
    elif result.replaced_previous:
        print(f"Replaced the previous report {_rel(result.report_dir)}/.")
    if getattr(result, "stopped_by", None):
        print(f"STOPPED by {result.stopped_by}: what was executed is kept in {_rel(result.report_dir)}/.")
    if not result.ok:
        names = ", ".join(nb.name for nb in result.failed)
        print(f"FAILED: {names} (see the executed notebook(s) in {_rel(result.report_dir)}/)")


def _cmd_rerun(args, command_line) -> int:
    from csm import run as runner

    result = runner.rerun(args.manifest, force=args.force, run_id=args.run_id, command_line=command_line,
                          project=args.project, timeout=_limit(args.timeout), jobs=args.jobs,
                          progress=_finished)
    if result.input_changes or result.source_changes:
        print("Differences from the original run (--force given):")
        for change in [*result.input_changes, *result.source_changes]:
            print(f"  {change}")
    for note in result.notes:
        print(f"Note: {note}")
    _print_run(result.run)
    if not result.run.ok:
        print("The rerun did not complete: results compared only where recorded.")
    if result.differences:
        print(f"Results differ from {_rel(result.previous_manifest)} in {len(result.differences)} key(s):")
        for diff in result.differences:
            print(f"  {diff}")
    elif result.run.ok:
        print(f"Results identical to {_rel(result.previous_manifest)}.")
    return result.exit_code


def _cmd_validate(args, command_line) -> int:
    from csm.data.contract import TABLES
    from csm.data.load import validate_file, validate_folder
    from csm.data.mapping import load_mapping

    from csm.data.load import validate_source
    from csm.engine.sources import DUCKDB_SUFFIXES, is_url, mask_url

    try:
        mapping = load_mapping(args.mapping) if args.mapping else None
        if is_url(args.path) or (args.table is None and Path(args.path).suffix.lower() in DUCKDB_SUFFIXES):
            checked = validate_source(args.path, mapping=mapping)
        elif args.path.is_dir() and args.table is None:
            checked = validate_source(args.path, mapping=mapping)
        else:
            table = args.table or _table_from_name(args.path, TABLES)
            checked = {table: (args.path, validate_file(args.path, table, mapping=mapping))}
    except DataError as exc:
        print(f"csm validate: {mask_url(str(exc))}", file=sys.stderr)
        for problem in getattr(exc, "problems", []) or []:
            print(f"  {mask_url(str(problem))}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(args.path)
        print(f"csm validate: {os_error_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    errors = 0
    for table, (path, problems) in checked.items():
        for problem in problems:
            print(("warning: " if problem.warning else "") + str(problem))
        found = sum(not p.warning for p in problems)
        warned = len(problems) - found
        errors += found
        if path is None:
            continue
        noted = f" ({warned} warning(s): the rows are kept)" if warned else ""
        if found:
            print(f"{path}: {found} problem(s) against table '{table}'{noted}.")
        else:
            print(f"{path}: OK — meets the contract for table '{table}'{noted}.")
    return EXIT_FAILED if errors else EXIT_OK  # warnings alone do not fail: the report would load the file


def _source_argument(text: str):
    """A database URL stays text (a Path would fold its ``//``); anything else is a path."""
    from csm.engine.sources import is_url

    return text if is_url(text) else Path(text)


def _table_from_name(path: Path, tables) -> str:
    """``tickets.csv`` → ``tickets``; otherwise the user must say which table the file holds."""
    stem = path.name.split(".")[0].lower()
    if stem in tables:
        return stem
    raise ParameterError(f"Cannot tell which table {path.name} holds; add --table with one of "
                         f"{', '.join(tables)}.")


def _cmd_sample_data(args, command_line) -> int:
    out = args.out
    if out is None:
        from csm import run as runner

        try:
            out = runner.find_project() / "data" / "sample"
        except ParameterError:
            out = Path("data") / "sample"
    if Path(out).exists() and not Path(out).is_dir():
        raise ParameterError(f"--out {out} is an existing file; sample data is written into a folder: give a new "
                             "or existing folder (e.g. --out data/sample).")
    _write_sample(out, seed=args.seed, customers=args.customers, fmt=args.fmt)
    print(f"Sample data written to {_rel(Path(out))}/")
    return EXIT_OK


def _write_sample(out_dir: Path, *, seed=None, customers=None, fmt=None):
    """Call the sample generator, passing only the options given (its defaults otherwise)."""
    try:
        from csm.data.sample import write_sample
    except ImportError as exc:
        raise RunError(f"Cannot write sample data: the generator csm.data.sample is not available ({exc}).") from None
    options = {k: v for k, v in {"seed": seed, "customers": customers, "fmt": fmt}.items() if v is not None}
    return write_sample(Path(out_dir), **options)


def _rel(path: Path) -> str:
    """``path`` relative to the cwd when that is short (at most two ``..``), else absolute."""
    path = Path(path).resolve()
    try:
        rel = Path(os.path.relpath(path, Path.cwd().resolve()))
    except ValueError:  # another drive (Windows)
        return path.as_posix()
    return rel.as_posix() if rel.parts[:3].count("..") <= 2 else path.as_posix()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
