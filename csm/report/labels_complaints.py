"""Labels and phrases of complaint root-cause analysis (notebooks/complaint_root_cause).

Merged into :mod:`csm.report.labels` (use :func:`~csm.report.labels.label` and
:func:`~csm.report.labels.phrase` to show them); same rules: every entry has
``en`` and ``zh``, a code has one meaning across the project.
"""

#: Codes (dimension values, column headers, model terms …) -> display labels.
CODES: dict[str, dict[str, str]] = {}

#: Report sentences and headings: key -> ``str.format`` template per language.
PHRASES: dict[str, dict[str, str]] = {}
