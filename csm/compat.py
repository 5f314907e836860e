"""What differs between the pandas versions csm supports (``pandas>=2.2``), in one place.

``STR`` is pandas 3's default string dtype: text, missing values as NaN, pyarrow storage. pandas 3 spells
it ``"str"``; pandas 2.2 has the same dtype as ``StringDtype("pyarrow_numpy")``, while its ``"str"`` means
``object`` and turns missing values into the text ``"None"``/``"nan"``. Write ``s.astype(STR)`` and
``pd.Series(values, dtype=STR)``, never ``astype("str")`` or ``astype(str)`` on data that may be missing.
Importing this module under pandas 2.2 also opts into two pandas 3 rules, no silent downcasting and
copy-on-write (below), so that the analysis code behaves the same under both.
"""
from __future__ import annotations

import pandas as pd

PANDAS_MAJOR = int(pd.__version__.split(".", 1)[0])

#: The string dtype of csm's text columns (see the module docstring).
STR = "str" if PANDAS_MAJOR >= 3 else pd.StringDtype("pyarrow_numpy")

if PANDAS_MAJOR < 3:
    # pandas 3's behaviour, which pandas 2.2 offers as an opt-in: ``fillna``/``where`` on object columns keep
    # their dtype instead of silently downcasting (and warning about it on stderr, which would become a
    # notebook output that another pandas version does not print).
    pd.set_option("future.no_silent_downcasting", True)
    # pandas 3's copy-on-write: a frame derived from another never writes through to it (pandas 2.2 would,
    # or would print a SettingWithCopyWarning).
    pd.set_option("mode.copy_on_write", True)


def read_parquet(path, **kwargs) -> pd.DataFrame:
    """``pd.read_parquet`` with text columns as :data:`STR` under pandas 2.2 too (its default is ``object``)."""
    if PANDAS_MAJOR >= 3:
        return pd.read_parquet(path, **kwargs)
    with pd.option_context("future.infer_string", True):
        frame = pd.read_parquet(path, **kwargs)
    frame.columns = frame.columns.astype(object)  # pandas 2.2's own column labels are object
    return frame


__all__ = ["PANDAS_MAJOR", "STR", "read_parquet"]


def _matplotlib_at_least(major: int, minor: int) -> bool:
    import re
    from importlib.metadata import version

    return tuple(int(p) for p in re.findall(r"\d+", version("matplotlib"))[:2]) >= (major, minor)


#: ``Axes.boxplot`` keywords for horizontal boxes: ``orientation=`` from matplotlib 3.10 (``vert=`` is
#: deprecated there), ``vert=False`` before
BOXPLOT_HORIZONTAL = {"orientation": "horizontal"} if _matplotlib_at_least(3, 10) else {"vert": False}
