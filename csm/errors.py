"""One small error hierarchy whose messages are written for an analyst.

Every error says where (file, table, column, rows), what was found and what was
expected, and how to fix it.
"""
from __future__ import annotations


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
    """A report run failed (a notebook raised, an input changed since the manifest, …)."""
