"""What an analysis says besides its numbers: notes as codes with parameters, and sections it skipped.

An analysis never writes prose. It returns ``Note("short_history", weeks=77, needed=104)``; the
presentation layer renders it in either language with :func:`csm.report.labels.note_text`, from the
phrase ``note_<code>`` (both languages have the same placeholders, checked by tests/test_labels.py).
A section the data cannot support is a :class:`Skipped`: which section, and the input that would enable it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["Note", "Skipped"]


@dataclass(frozen=True, init=False)
class Note:
    """A note an analysis attaches to its result: ``code`` plus the values its sentence needs."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __init__(self, code: str, /, **params: object):
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "params", MappingProxyType(dict(params)))

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Note({self.code!r}{args})"

    def __hash__(self) -> int:
        return hash(repr(self))

    def as_dict(self) -> dict:
        """``{"code": …, **params}``: the JSON form recorded in a manifest."""
        return {"code": self.code, **self.params}


@dataclass(frozen=True)
class Skipped:
    """A section left out: ``section`` (a code), ``needs`` (the table or ``table.column`` that would enable it,
    alternatives joined by " or ") and an optional ``reason`` code for other causes (``"too_few_rows"``)."""

    section: str
    needs: str = ""
    reason: str = "missing_input"

    def as_dict(self) -> dict:
        return {"section": self.section, "needs": self.needs, "reason": self.reason}
