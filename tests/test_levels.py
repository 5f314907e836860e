"""csm.levels: top N levels by volume plus one "other" level, nothing dropped."""
import pandas as pd

from csm.report import labels
from csm.levels import OTHER, lump_levels, top_levels


def _states(k: int) -> pd.DataFrame:
    # state s_i has i + 1 rows: volumes 1..k, so the top n are the last n states
    return pd.DataFrame({"region": [f"s{i:02d}" for i in range(k) for _ in range(i + 1)]})


def test_fifty_two_levels_become_top_ten_and_other_with_every_row_kept():
    frame = _states(52)
    out = lump_levels(frame, "region", 10)
    counts = out["region"].value_counts()
    assert len(counts) == 11 and OTHER in counts
    assert set(counts.index) - {OTHER} == {f"s{i:02d}" for i in range(42, 52)}
    assert counts[OTHER] == sum(range(1, 43))  # states s00..s41 hold 1..42 rows
    assert counts.sum() == len(frame)
    assert labels.label(OTHER, "en") == "all others" and labels.label(OTHER, "zh") == "其他"


def test_one_level_more_than_n_is_kept_and_weights_decide_the_order():
    assert lump_levels(_states(11), "region", 10)["region"].nunique() == 11
    frame = pd.DataFrame({"team": ["a", "b", "c"], "tickets": [5, 50, 7]})
    assert top_levels(frame, "team", 2, weight="tickets") == ["b", "c"]
    assert top_levels(pd.DataFrame({"x": ["b", "a"]}), "x", 1) == ["a"]  # ties by name
