"""Old import paths of the shared presentation names (the lead removes this module after the merge)."""
from __future__ import annotations

# --- moved to csm.report.display / csm.report.format; the lead removes this block after the merge ---------------
from csm.report.display import (  # noqa: F401
    ReportFrame,
    bullets,
    code_label,
    data_quality_table,
    display_frame,
    escape_markdown,
    heading,
    numeric_column,
    paragraph,
)
from csm.report.format import (  # noqa: F401
    format_interval,
    format_number,
    format_p_value,
    format_quantity,
    format_share,
    n_days,
    unit_suffix,
)
from csm.report.format import KPI_DECIMALS as _DECIMALS  # noqa: F401
from csm.report.format import MINUTES_PER as _MINUTES_PER  # noqa: F401
from csm.report.format import SCORE_UNITS as _SCORE_UNITS  # noqa: F401
from csm.report.format import is_missing as _is_missing  # noqa: F401
from csm.report.format import kpi_value as _kpi_value  # noqa: F401
from csm.report.format import quantity_parts as _quantity_parts  # noqa: F401
from csm.report.display import data_notes  # noqa: F401
# --- end of the moved names ---------------------------------------------------------------------------------------
