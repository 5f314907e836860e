"""One small error hierarchy whose messages are written for an analyst.

Every error says where (file, table, column, rows), what was found and what was
expected, and how to fix it.
"""
from __future__ import annotations

__all__ = ["AnalysisError", "CsmError", "DataError", "ParameterError", "RunError"]


class CsmError(Exception):
    """Base class of every error raised on purpose by csm."""


class DataError(CsmError):
    """Input data does not meet the data contract (file, column, rows, values)."""

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        #: list of :class:`csm.data.contract.Problem` when several were found
        self.problems = list(problems or [])


class ParameterError(CsmError):
    """A notebook or analysis parameter is missing, unknown or of the wrong form."""


class AnalysisError(CsmError):
    """An analysis cannot be computed on the data given (too few rows, no variance, …)."""


class RunError(CsmError):
    """A report run failed or was refused (a notebook raised, an input changed since the manifest, …).

    ``notebook`` names the notebook that failed and ``cell`` the 0-based index of the failing cell in
    ``notebooks/<notebook>.ipynb`` (None when unknown or when the run was refused as a whole);
    ``message`` is the message alone, ``exception`` the name of what was raised in the notebook
    (``"DataError"``, or ``"Timeout"``, ``"RunStopped"``, ``"DeadKernelError"`` when the runner stopped it).
    ``str(error)`` says all of it on one line.
    """

    def __init__(self, message: str, *, notebook: str | None = None, cell: int | None = None,
                 exception: str | None = None, execution_count: int | None = None):
        self.message = str(message)
        self.notebook = notebook
        self.cell = cell
        self.exception = exception
        self.execution_count = execution_count
        super().__init__(self._text())

    def _text(self) -> str:
        if self.notebook is None:
            return self.message
        where = f"notebook '{self.notebook}'" + (f", cell {self.cell}" if self.cell is not None else "")
        what = f"{self.exception}: " if self.exception else ""
        return f"{where}: {what}{self.message}"

    def as_record(self) -> dict:
        """The manifest's ``error`` entry: ``{cell_index, execution_count, exception, message}``."""
        return {"cell_index": self.cell, "execution_count": self.execution_count, "exception": self.exception,
                "message": self.message}

    @classmethod
    def from_record(cls, notebook: str | None, record: dict) -> RunError:
        """The error of a manifest's ``error`` entry (see :meth:`as_record`)."""
        record = record if isinstance(record, dict) else {}
        cell, count = record.get("cell_index"), record.get("execution_count")
        return cls(str(record.get("message") or record.get("exception") or "unknown error"), notebook=notebook,
                   cell=cell if isinstance(cell, int) else None, exception=record.get("exception"),
                   execution_count=count if isinstance(count, int) else None)
