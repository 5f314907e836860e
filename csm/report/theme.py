"""The one chart theme: the bundled Chinese font, the colour-blind palette, colours with a meaning, the rc.

Nothing is applied at import (as seaborn's ``set_theme``): a notebook's first code cell calls
:func:`use_theme`, and so does anything else that draws (tests use the autouse fixture in
``tests/conftest.py``). After it, Chinese titles, ticks and legends render on any machine — also one without a
system CJK font — with no "Glyph … missing" warnings.

    >>> from csm.report.theme import use_theme
    >>> use_theme()
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["FONT_PATH", "CJK_FAMILY", "LATIN_FALLBACK", "PALETTE", "COLORS", "THEME_RC",
           "register_cjk_font", "font_families", "use_theme"]

#: Font file shipped with the package: Noto Sans CJK SC cut to GB2312 + Latin (see fonts/README.md).
FONT_PATH = Path(__file__).parent / "fonts" / "CSMSansCJKSC-Regular.otf"
#: Family name of :data:`FONT_PATH` as matplotlib knows it.
CJK_FAMILY = "CSM Sans CJK SC"
#: Fonts for glyphs the CJK font lacks, in order; only those installed are used
#: (DejaVu Sans ships with matplotlib, so the list is never empty).
LATIN_FALLBACK = ("DejaVu Sans", "Liberation Sans", "Arial", "Helvetica")
#: Colour-blind-safe qualitative palette of every chart.
PALETTE = "colorblind"
#: Colours with a meaning, used consistently across charts.
COLORS = {
    "estimate": "#0173b2",
    "band": "#0173b2",
    "target": "#029e73",
    "limit": "#d55e00",
    "center": "#555555",
    "alarm": "#d55e00",
    "reference": "#555555",
    "interval": "#333333",  # the whisker of an error bar drawn over a bar
}

#: The matplotlib rc of the theme (on top of seaborn's ``whitegrid``; the font family is added by
#: :func:`use_theme`).
THEME_RC = {
    "figure.dpi": 110,            # ~880 px wide at the default size: fits an HTML report column
    "savefig.dpi": "figure",
    "savefig.bbox": "tight",      # as the notebook inline backend: legends outside the axes are kept
    "figure.figsize": (8.0, 4.5),
    "axes.unicode_minus": False,  # the ASCII hyphen-minus, as typed in reports and tables
    "axes.titlelocation": "left",
    "axes.titlesize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "date.autoformatter.month": "%Y-%m",
    "text.parse_math": False,     # "$" in a team or category name is text, never mathtext (issue 15)
}


def register_cjk_font() -> str:
    """Add the bundled CJK font to matplotlib's font manager (once) and return its family name.

    Registering only makes the family known; :func:`use_theme` makes it the charts' font."""
    from matplotlib import font_manager

    fname = str(FONT_PATH)
    if not FONT_PATH.is_file():  # pragma: no cover - a broken installation
        raise FileNotFoundError(f"the chart font {fname} is missing; reinstall csm (pip install -e .)")
    if not any(f.fname == fname for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(fname)
    return CJK_FAMILY


def font_families() -> list[str]:
    """The family list of every chart: the CJK font first, then the installed Latin fallbacks.

    Matplotlib draws each glyph with the first family in the list that has it.
    Only installed families are listed, so matplotlib never logs "font family not found".
    """
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [register_cjk_font(), *(f for f in LATIN_FALLBACK if f in installed)]


def use_theme() -> None:
    """Apply the project theme (idempotent): seaborn ``whitegrid``, colour-blind palette, CJK font, :data:`THEME_RC`.

    Call it once before drawing (a notebook's first code cell); importing a chart module applies nothing.
    """
    import seaborn as sns

    families = font_families()
    rc = dict(THEME_RC, **{"font.family": families, "font.sans-serif": families})
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font=families, rc=rc)
