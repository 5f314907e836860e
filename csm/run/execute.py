"""Executing the planned notebooks: papermill in Jupyter kernels, in parallel, into one report folder.

:func:`run_reports` plans (:mod:`csm.run.plan`), then runs up to ``jobs`` notebooks at once, each in its own
kernel (a worker thread drives each papermill run), and writes ``reports/<run-id>/`` — executed notebooks,
HTML pages (:mod:`csm.run.export`) and the manifest (:mod:`csm.run.manifest`, notebooks in the order
asked for, whatever order they finished in). A run is written into ``reports/.tmp-<run-id>/`` and renamed
into place at the end, so a half-written report never replaces a good one; ``reports/.lock-<run-id>``
keeps a second run with the same id out. A failing notebook does not stop the others. A dead kernel, the
per-notebook time limit, SIGTERM, SIGINT or SIGHUP end a notebook within seconds as failed (see
:class:`_Stop`); a signal stops every running notebook and starts no new one.
"""
from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from csm.errors import ParameterError, RunError
from csm.run.export import masked, not_run_page, write_failure_page, write_report
from csm.run.manifest import (
    MANIFEST_NAME,
    build_manifest,
    check_run_id,
    hash_inputs,
    previous_durations,
    shown,
    stamp,
    utc_now,
    write_index,
    write_json,
    write_latest,
)
from csm.run.parameters import one_line
from csm.run.plan import DEFAULT_KERNEL, NotebookPlan, plan_reports

__all__ = ["DEFAULT_JOBS", "DEFAULT_TIMEOUT", "NotebookRun", "RunResult", "check_jobs", "execute_plans", "run_reports"]

#: Time limit per notebook in seconds (kernel start included); --timeout changes it, None: no limit.
DEFAULT_TIMEOUT = 1800.0
_ERROR_MARKER_TAG = "papermill-error-cell-tag"


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


#: Notebooks run at once (each in its own kernel) by default: the cores this process may use.
DEFAULT_JOBS = _cores()


# --------------------------------------------------------------------------- results of a run

@dataclass
class NotebookRun:
    """Outcome of one notebook in a run; ``error`` says which cell failed and why (None when it succeeded)."""

    name: str
    status: str  # "ok" | "failed"
    notebook_path: Path
    html_path: Path | None
    duration_s: float
    results: dict
    error: RunError | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class RunResult:
    """Outcome of :func:`run_reports`: where the report went and how each notebook fared (in the order asked)."""

    run_id: str
    report_dir: Path
    manifest_path: Path
    notebooks: list[NotebookRun]
    replaced_previous: bool = False  # force: an existing report folder was replaced
    previous_kept: bool = False  # force, but a notebook failed: the old report stays, this run is kept aside
    stopped_by: str | None = None  # "SIGTERM" / "SIGINT" when a signal ended the run early

    @property
    def ok(self) -> bool:
        return all(nb.ok for nb in self.notebooks)

    @property
    def failed(self) -> list[NotebookRun]:
        return [nb for nb in self.notebooks if not nb.ok]

    @property
    def exit_code(self) -> int:
        if self.stopped_by:
            return 128 + int(getattr(signal, self.stopped_by, 15))
        return 0 if self.ok else 1


# --------------------------------------------------------------------------- running

def run_reports(
    names: list[str] | None = None,
    *,
    project: Path,
    overrides: dict | None = None,
    params_file: Path | None = None,
    run_id: str | None = None,
    reports_dir: Path | None = None,
    force: bool = False,
    kernel_name: str | None = None,
    command_line: list[str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    jobs: int | None = None,
    progress: Callable[[NotebookRun], None] | None = None,
) -> RunResult:
    """Execute notebooks with papermill into ``reports/<run-id>/`` (notebook, HTML, manifest).

    ``names`` default to every notebook of the project (sorted). Parameters:
    params/<name>.yaml, then ``params_file``, then ``overrides``; path-like
    values relative to the project folder. A failing notebook does not stop the
    others (check :attr:`RunResult.ok`). An existing ``reports/<run_id>`` is
    replaced only with ``force`` and only when every notebook succeeded.
    Raises ParameterError (bad name/parameter) or RunError (refused) before any
    notebook runs. ``timeout``: seconds each notebook may take (kernel start included; None: no limit); a
    notebook over it, a kernel that dies, SIGTERM or SIGINT end that notebook as failed within seconds,
    keeping what was executed. ``jobs``: notebooks run at once, each in its own kernel (default
    :data:`DEFAULT_JOBS`, the cores; 1: one after the other). ``progress`` is called with each
    notebook's outcome as soon as it finished (from a worker thread, one call at a time).
    """
    project = Path(project).resolve()
    check_jobs(jobs)
    plans = plan_reports(names, project=project, overrides=overrides, params_file=params_file, kernel_name=kernel_name)
    return execute_plans(
        plans,
        project=project,
        run_id=run_id,
        reports_dir=Path(reports_dir).resolve() if reports_dir else project / "reports",
        force=force,
        kernel_name=kernel_name or DEFAULT_KERNEL,
        command_line=command_line,
        timeout=timeout,
        jobs=jobs,
        progress=progress,
    )


def execute_plans(
    plans: list[NotebookPlan],
    *,
    project: Path,
    run_id: str | None,
    reports_dir: Path,
    force: bool,
    kernel_name: str,
    command_line: list[str] | None,
    extra_manifest: dict | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    jobs: int | None = None,
    progress: Callable[[NotebookRun], None] | None = None,
) -> RunResult:
    """Run checked ``plans`` into a new report folder of ``reports_dir`` (see :func:`run_reports`)."""
    _check_kernel(kernel_name)
    _check_timeout(timeout)
    check_jobs(jobs)
    reports_dir.mkdir(parents=True, exist_ok=True)
    if run_id is not None:
        check_run_id(run_id)
    with _claim_run_id(reports_dir, run_id) as run_id:
        target = reports_dir / run_id
        if target.exists() and not force:
            raise RunError(
                f"The report folder {shown(target)} already exists. Choose another --run-id, or pass --force to "
                "replace it (it is replaced only if every notebook succeeds; otherwise it stays as it is)."
            )
        tmp = reports_dir / f".tmp-{run_id}"
        # we hold the run id's lock: a temp folder of this id is a leftover of a run that died (kill -9, power
        # loss), never one in use — another live run with this id cannot exist
        if tmp.exists() or tmp.is_symlink():
            _remove(tmp)
        tmp.mkdir()  # exclusive creation: fails (and the run stops) if it appeared meanwhile

        started = utc_now()
        stop = _Stop()
        try:
            with stop.signals():  # until the folder is published: a signal stops the run, never half-way
                inputs, input_roots = hash_inputs(plans, project)
                workers = min(jobs or DEFAULT_JOBS, len(plans))
                expected = previous_durations(reports_dir, [p.name for p in plans]) if workers > 1 else {}
                runs = _run_all(plans, tmp, kernel_name, timeout=timeout, stop=stop, jobs=workers,
                                progress=progress, expected=expected)
                finished = utc_now()
                ok = all(r.ok for r in runs) and stop.reason is None
                replacing = target.exists()
                folder = target if (ok or not replacing) else _unique(reports_dir, f"{run_id}.failed-{stamp()}")
                manifest = build_manifest(
                    run_id=run_id, folder=folder, project=project, reports_dir=reports_dir, plans=plans, runs=runs,
                    inputs=inputs, input_roots=input_roots, started=started, finished=finished,
                    command_line=command_line, kernel_name=kernel_name,
                )
                manifest["timeout_s"] = timeout
                manifest["jobs"] = workers
                if stop.reason is not None:
                    manifest["status"] = "failed"
                    manifest["stopped_by"] = stop.reason
                manifest.update(extra_manifest or {})
                write_json(tmp / MANIFEST_NAME, manifest)
                _move_into_place(tmp, folder, replace=(folder == target and replacing))
        except BaseException:
            _remove(tmp)
            raise

    for plan, r in zip(plans, runs):  # paths now point into the final folder
        r.notebook_path = folder / r.notebook_path.name
        r.html_path = folder / r.html_path.name if r.html_path else None
        if not r.ok and r.html_path:  # the failure page names the folder the analyst finds the notebook in
            write_failure_page(plan, r.error, r.html_path,
                               notebook=r.notebook_path.name if r.notebook_path.exists() else None,
                               run_id=run_id, folder=str(folder))
    if ok:
        write_latest(reports_dir, run_id, folder, finished)
    write_index(reports_dir)
    return RunResult(
        run_id=run_id,
        report_dir=folder,
        manifest_path=folder / MANIFEST_NAME,
        notebooks=runs,
        replaced_previous=replacing and folder == target,
        previous_kept=replacing and folder != target,
        stopped_by=stop.reason,
    )


def _run_all(plans: list[NotebookPlan], out_dir: Path, kernel_name: str, *, timeout: float | None, stop: _Stop,
             jobs: int, progress: Callable[[NotebookRun], None] | None = None, expected: dict | None = None
             ) -> list[NotebookRun]:
    """Run ``plans``, ``jobs`` at a time, each in its own kernel; the outcomes in the order of ``plans``.

    The longest notebooks start first, by the seconds they took before (``expected``; a notebook without a
    previous time first of all), so that the run takes about as long as its slowest notebook allows.

    Worker threads drive the kernels; this (main) thread waits and takes the signals. A notebook that has
    not started when the run is stopped is not started. A second SIGINT (KeyboardInterrupt) kills every
    kernel and waits for the workers before it propagates, so nothing writes into the folder afterwards.
    """
    runs: list[NotebookRun | None] = [None] * len(plans)
    expected = expected or {}
    pending = iter(sorted(range(len(plans)), key=lambda i: -expected.get(plans[i].name, math.inf)))
    taking, telling = threading.Lock(), threading.Lock()

    def work():
        try:
            take_notebooks()
        finally:
            _close_thread_event_loop()

    def take_notebooks():
        while True:
            with taking:
                i = next(pending, None)
            if i is None:
                return
            plan = plans[i]
            try:
                if stop.reason is not None:
                    html_path, error = not_run_page(plan, out_dir, stop.reason)
                    runs[i] = NotebookRun(name=plan.name, status="failed", notebook_path=out_dir / f"{plan.name}.ipynb",
                                          html_path=html_path, duration_s=0.0, results={}, error=error)
                else:
                    runs[i] = _run_one(plan, out_dir, kernel_name, timeout=timeout, stop=stop, progress_bar=jobs == 1)
            except BaseException as exc:  # noqa: BLE001 - a worker never dies silently: its notebook failed
                runs[i] = NotebookRun(name=plan.name, status="failed", notebook_path=out_dir / f"{plan.name}.ipynb",
                                      html_path=None, duration_s=0.0, results={},
                                      error=RunError(masked(one_line(exc)), notebook=plan.name,
                                                     exception=type(exc).__name__))
            if progress is not None:
                with telling:
                    with contextlib.suppress(Exception):  # a broken progress report never fails the run
                        progress(runs[i])

    workers = [threading.Thread(target=work, name=f"csm-run-{n + 1}", daemon=True) for n in range(max(1, jobs))]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            while worker.is_alive():
                worker.join(0.2)  # short waits: the main thread stays free to take a signal
    except BaseException:
        stop.abort()
        for worker in workers:
            worker.join()
        raise
    return [r for r in runs if r is not None]


def _close_thread_event_loop() -> None:
    """Close the event loop nbclient left in this worker thread (``jupyter_core.utils.ensure_event_loop`` makes
    one per thread and never closes it): otherwise each finished worker leaks a loop and its two self-pipe
    sockets, which the garbage collector reports later as ResourceWarnings, anywhere."""
    import asyncio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # get_event_loop() without a running loop
        try:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:  # no loop was made in this thread
            return
    if not loop.is_running() and not loop.is_closed():
        loop.close()
    asyncio.set_event_loop(None)


def _remove(path: Path) -> None:
    """Remove a folder of our own (or a leftover of a dead run), never following a symlink out of it."""
    try:
        if path.is_symlink() or path.is_file():
            path.unlink()
        else:
            shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except OSError:
        shutil.rmtree(path, ignore_errors=True)


def _check_timeout(timeout) -> None:
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) \
            or timeout <= 0:
        raise ParameterError(f"The time limit per notebook must be a number of seconds greater than 0, got "
                             f"{timeout!r} (e.g. --timeout 1800).")


def check_jobs(jobs) -> None:
    """ParameterError unless ``jobs`` is None (the default) or a whole number ≥ 1."""
    if jobs is None:
        return
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"The number of notebooks run at once must be a whole number of at least 1, got "
                             f"{jobs!r} (e.g. --jobs 2; --jobs 1 runs them one after the other).")


# --------------------------------------------------------------------------- one run id at a time

@contextlib.contextmanager
def _claim_run_id(reports_dir: Path, run_id: str | None):
    """Hold the lock ``reports/.lock-<run-id>`` while the run writes and publishes; yields the run id.

    The lock is taken by exclusive creation of the lock file (``O_CREAT | O_EXCL``) and, where the OS
    offers it, an advisory ``flock`` on it, so that a lock left by a run that was killed (``kill -9``) is
    recognised as free. A second run with the same id stops with a plain message; it never deletes or
    writes the first one's temp folder. Without ``run_id`` a fresh id (UTC time, ``-2``, ``-3`` …) is
    claimed.
    """
    if run_id is not None:
        fd, path = _lock(reports_dir, run_id)
        if fd is None:
            raise RunError(
                f"Another csm run with run id '{run_id}' is running in {shown(reports_dir)} ({path.name} is "
                "held). Wait for it to finish, or choose another --run-id."
            )
    else:
        base, n = stamp(), 1
        while True:
            run_id = base if n == 1 else f"{base}-{n}"
            n += 1
            if (reports_dir / run_id).exists() or (reports_dir / f".tmp-{run_id}").exists():
                continue
            fd, path = _lock(reports_dir, run_id)
            if fd is not None:
                break
    try:
        yield run_id
    finally:
        _unlock(fd, path)


def _lock(reports_dir: Path, run_id: str):
    """(fd, path) of the lock of ``run_id``, or (None, path) when another live run holds it."""
    path = reports_dir / f".lock-{run_id}"
    try:
        import fcntl
    except ImportError:  # Windows: exclusive creation only
        fcntl = None
    for _attempt in range(50):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            created = True
        except FileExistsError:
            if fcntl is None:
                return None, path
            try:
                fd = os.open(path, os.O_RDWR)
            except FileNotFoundError:
                continue  # released just now: try to create it again
            created = False
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return None, path
            try:  # the file we locked must still be the one at the path (not unlinked by its owner meanwhile)
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
        elif not created:
            os.close(fd)
            return None, path
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return fd, path
    return None, path


def _unlock(fd, path: Path) -> None:
    try:
        os.unlink(path)  # while still locked: no other run can hold this file now
    except OSError:
        pass
    os.close(fd)


# --------------------------------------------------------------------------- stopping a notebook

# --------------------------------------------------------------------------- stopping a notebook

class _Stop:
    """What ends notebooks early — a notebook's time limit, SIGTERM or SIGINT — by killing kernels.

    Every kernel is attached under the name of the notebook it runs: a time limit kills that notebook's
    kernel only, a signal every kernel of the run. A killed kernel is noticed by nbclient within about a
    second (``DeadKernelError``); papermill then saves what was executed, the notebook counts as failed and
    the run publishes its folder as failed. Signals are caught only in the main thread; a second SIGINT more
    than 2 s after the first aborts at once (KeyboardInterrupt: the temp folder is removed, nothing is
    published).
    """

    def __init__(self):
        self.reason: str | None = None  # "SIGTERM" / "SIGINT" / "SIGHUP": the whole run stops
        self._since = 0.0
        self._kernels: dict[str, list] = {}
        self._lock = threading.Lock()

    def attach(self, owner: str, manager) -> None:
        with self._lock:
            self._kernels.setdefault(owner, []).append(manager)
            stopped = self.reason is not None
        if stopped:
            _kill_kernel(manager)

    def detach(self, owner: str) -> None:
        with self._lock:
            self._kernels.pop(owner, None)

    def kill_kernels(self, owner: str | None = None) -> None:
        """Kill the kernels of notebook ``owner`` (None: of every notebook)."""
        with self._lock:
            kernels = [m for name, managers in self._kernels.items() if owner in (None, name) for m in managers]
        for manager in kernels:
            _kill_kernel(manager)

    def abort(self) -> None:
        """Stop at once (KeyboardInterrupt): no new notebook starts, every kernel is killed."""
        if self.reason is None:
            self.reason = "SIGINT"
        self.kill_kernels()

    def _handle(self, signum, frame):
        name = signal.Signals(signum).name
        if self.reason is not None:
            # a double tap of Ctrl-C is one stop; a later SIGINT aborts at once (nothing is kept)
            if signum == signal.SIGINT and time.monotonic() - self._since > 2:
                raise KeyboardInterrupt
            return
        self.reason, self._since = name, time.monotonic()
        print(f"csm: {name} received: stopping the run (the running notebooks are marked failed) …",
              file=sys.stderr, flush=True)
        self.kill_kernels()

    @contextlib.contextmanager
    def signals(self):
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        wanted = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else []) \
            + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
        previous = {}
        for signum in wanted:
            try:
                previous[signum] = signal.signal(signum, self._handle)
            except (ValueError, OSError):
                pass
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def _kernel_manager_class(stop: _Stop, owner: str, *, this_python: bool, cwd: str, ipc_dir: str | None = None):
    """An (asynchronous) KernelManager whose kernels ``stop`` can kill (attached under ``owner``), started in
    the folder ``cwd``; with ``this_python`` it starts ipykernel in *this* interpreter, whatever kernelspecs
    the machine has.

    A ``python3`` kernelspec in the user's Jupyter folders (left by another Python installation) would
    otherwise win over this environment's and run the report where ``csm`` is not installed.
    With ``ipc_dir`` (a private, short-pathed folder; POSIX only) the kernel talks over Unix sockets in it
    instead of TCP on localhost: no other local user can listen in, and ipykernel no longer warns
    "Kernel is running over TCP without encryption" on every run (which filled cron logs).
    It must be the asynchronous manager: nbclient polls ``is_alive()`` of the manager to notice a dead
    kernel, and the synchronous manager's ``is_alive`` never returns inside nbclient's event loop, so a
    killed kernel (``kill -9``, the OOM killer) hung the run forever.
    The kernel's folder is given to the kernel, not taken by changing this process's folder (papermill's
    ``cwd`` does ``os.chdir``, which parallel runs in threads would race on).
    """
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class CsmKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if ipc_dir is not None:
                self.transport = "ipc"
                self.ip = os.path.join(ipc_dir, "kernel")

        if this_python:
            @property
            def kernel_spec(self):
                return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                  display_name=f"Python ({sys.executable})", language="python")

        async def start_kernel(self, **kwargs):
            kwargs["cwd"] = cwd
            await super().start_kernel(**kwargs)
            stop.attach(owner, self)

    return CsmKernelManager


def _ipc_dir():
    """A private temporary folder for the kernel's Unix sockets (None where there are none: Windows)."""
    import tempfile

    if os.name != "posix":
        return None
    return tempfile.TemporaryDirectory(prefix="csm-kernel-")  # 0700, short path under the temp folder


def _kill_kernel(manager) -> None:
    """SIGKILL the kernel — with the processes it started, when it leads its own process group (jupyter_client
    starts kernels in a new session on POSIX); never csm's own group."""
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    if process is None or process.poll() is not None:
        return
    try:
        if hasattr(os, "killpg") and os.getpgid(process.pid) == process.pid != os.getpgid(0):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (OSError, ValueError):
        pass


def _check_kernel(kernel_name: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    if kernel_name == DEFAULT_KERNEL:  # always this interpreter (see _kernel_manager_class)
        return

    try:
        KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        raise RunError(
            f"No Jupyter kernel named '{kernel_name}'. Install one for this Python with "
            f"'{sys.executable} -m ipykernel install --sys-prefix' (see 'jupyter kernelspec list')."
        ) from None


def _run_one(plan: NotebookPlan, out_dir: Path, kernel_name: str, *, timeout: float | None = DEFAULT_TIMEOUT,
             stop: _Stop | None = None, progress_bar: bool = True) -> NotebookRun:
    """Execute one notebook in its own kernel into ``out_dir`` and write its page; never raises for a
    failing notebook (the outcome says it)."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    stop = stop or _Stop()
    out_path = out_dir / f"{plan.name}.ipynb"
    exception = message = count = None
    timed_out = threading.Event()

    def on_timeout():
        timed_out.set()
        stop.kill_kernels(plan.name)

    start = time.monotonic()
    sockets = _ipc_dir() if kernel_name == DEFAULT_KERNEL else None
    timer = threading.Timer(timeout, on_timeout) if timeout is not None else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        papermill.execute_notebook(
            str(plan.notebook_path),
            str(out_path),
            parameters=plan.resolved,
            kernel_name=kernel_name,
            language="python",
            progress_bar=progress_bar,
            kernel_manager_class=_kernel_manager_class(
                stop, plan.name, this_python=kernel_name == DEFAULT_KERNEL, cwd=str(plan.notebook_path.parent),
                ipc_dir=sockets.name if sockets else None),
        )
    except PapermillExecutionError as exc:
        exception, message, count = exc.ename, exc.evalue, exc.exec_count
    except Exception as exc:  # kernel died, timeout …: the notebook failed, the run goes on
        exception, message = type(exc).__name__, one_line(exc)
    finally:
        if timer is not None:
            timer.cancel()
        stop.kill_kernels(plan.name)  # normally shut down already; never leave a kernel behind
        stop.detach(plan.name)
        if sockets is not None:
            sockets.cleanup()
    duration = round(time.monotonic() - start, 3)
    if exception is not None and (timed_out.is_set() or stop.reason is not None):
        why = (f"stopped by {stop.reason}" if stop.reason is not None
               else f"did not finish within the time limit of {timeout:g} s (raise it with --timeout SECONDS)")
        exception = "RunStopped" if stop.reason is not None else "Timeout"
        message, count = f"the notebook {why}; what was executed until then is kept", None
    elif exception == "DeadKernelError":
        message = ("the kernel (the Python process running the notebook) died — killed from outside "
                   "or out of memory on large data; what was executed until then is kept")

    executed = None
    if out_path.exists():
        try:
            executed = nbformat.read(str(out_path), as_version=4)
        except Exception:  # noqa: BLE001 - a truncated file counts as a failure below
            executed = None
    if executed is None and exception is None:
        exception, message = "RunError", "papermill wrote no readable output notebook"
    error = None
    if exception is not None:
        error = RunError(masked(message), notebook=plan.name, exception=exception, execution_count=count,
                         cell=_failed_source_cell(executed) if executed is not None else None)
    html_path, error, results = write_report(plan, executed, error, out_dir)
    return NotebookRun(
        name=plan.name,
        status="ok" if error is None else "failed",
        notebook_path=out_path,
        html_path=html_path,
        duration_s=duration,
        results=results,
        error=error,
    )


def _failed_source_cell(executed) -> int | None:
    """Index (0-based, in notebooks/<name>.ipynb) of the first cell with an error output."""
    index = 0
    for cell in executed.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags or _ERROR_MARKER_TAG in tags:
            continue
        if any(o.get("output_type") == "error" for o in cell.get("outputs", []) or []):
            return index
        if cell.get("metadata", {}).get("papermill", {}).get("exception") is True:
            return index
        index += 1
    # no error output (kernel killed, time limit): the last cell that started, when a later one never did
    source_cells = [c for c in executed.cells
                    if not ({"injected-parameters", _ERROR_MARKER_TAG} & set(c.get("metadata", {}).get("tags", [])))]
    started = [c.get("metadata", {}).get("papermill", {}).get("start_time") is not None for c in source_cells]
    if any(started) and not all(started):
        return max(i for i, s in enumerate(started) if s)
    return None


# --------------------------------------------------------------------------- report folders

def _move_into_place(tmp: Path, folder: Path, *, replace: bool) -> None:
    if not replace:
        os.replace(tmp, folder)
        return
    backup = _unique(folder.parent, f".old-{folder.name}-{stamp()}")
    os.replace(folder, backup)
    try:
        os.replace(tmp, folder)
    except BaseException:
        os.replace(backup, folder)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def _unique(parent: Path, name: str, also=lambda name: False) -> Path:
    candidate, n = name, 1
    while (parent / candidate).exists() or also(candidate):
        n += 1
        candidate = f"{name}-{n}"
    return parent / candidate

