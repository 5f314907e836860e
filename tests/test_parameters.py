"""Parameters checked before any kernel starts (csm.run.parameters.CHECKS) and partial parameter files merged.

No test here starts a kernel: everything is refused or planned before a notebook runs."""
import ast
from pathlib import Path

import papermill
import pytest

from csm.run import parameters
from csm.cli import main
from csm.errors import ParameterError
from csm.run import plan_reports

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("assignment, name, shown, allowed", [
    ("period=2026-13", "period", "'2026-13'", "month must be 1–12"),
    ("lang=fr", "lang", "'fr'", "one of 'en' or 'zh'"),
    ("sla_hours=abc", "sla_hours", "'abc'", "a number greater than 0"),
    ("sla_hours=-5", "sla_hours", "-5", "a number greater than 0"),
    ("comparison=last_month", "comparison", "'last_month'", "'2026-Q2' (quarter)"),
    ("time_clock=wallclock", "time_clock", "'wallclock'", "'calendar' or 'business'"),
    ("trend_periods=0", "trend_periods", "0", "an integer at least 1"),
    ("targets={complaints: {target_change: -0.1, baseline: last_year}}", "targets", "",
     "same_period_last_year, previous_period, previous_12_months"),
])
def test_a_typo_is_refused_with_one_line_and_no_run_folder(tmp_path, capsys, assignment, name, shown, allowed):
    reports = tmp_path / "reports"
    code = main(["run", "kpi_scorecard", "--project", str(ROOT), "--reports-dir", str(reports), "-p", assignment])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert not reports.exists() or not any(reports.iterdir())  # no run folder, no failed run, no index
    assert len(err.splitlines()) == 1
    assert f"Parameter '{name}' = {shown}" in err and "(from " in err and allowed in err


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_default_and_stored_parameter_passes_the_checks(notebook):
    """The table must not refuse what ships: each notebook's literal defaults and its params/<name>.yaml."""
    defaults = papermill.inspect_notebook(str(ROOT / "notebooks" / f"{notebook}.ipynb"))
    checked = 0
    for name, spec in defaults.items():
        value = ast.literal_eval(spec["default"])
        parameters.check_value(name, value, notebook=notebook)
        checked += name in parameters.CHECKS
    assert checked >= 3  # lang, period, on_invalid at least
    (plan,) = plan_reports([notebook], project=ROOT)
    assert plan.given  # the stored set was read and checked


def test_the_check_table_bounds():
    check = parameters.check_value
    for name, good, bad in [("sla_target", 1.0, 0), ("sla_target", 0.8, 1.2), ("alpha", 0.05, 1.0),
                            ("confidence", 0.95, 0.0), ("cohort_freq", "M", "W"), ("time_unit", "D", "Y"),
                            ("correction", "bh", "fdr"), ("trend_freq", None, "D"), ("seed", 0, -1),
                            ("trend_periods", 6, 2.5), ("sla_hours", 0.5, True), ("holidays", [], ["2026-02-30"]),
                            ("experiment_end", None, "30/04/2026"), ("period", "latest-quarter", "2026-Q5"),
                            ("comparison", None, "2026-00"), ("business_hours", {"start": "08:30"},
                                                               {"start": "08:30", "workdays": [7]})]:
        check(name, good)
        with pytest.raises(ParameterError, match=f"Parameter '{name}'"):
            check(name, bad)
    check("a_parameter_nobody_listed", object())  # unknown names are passed on unchecked


def _kpi_plan(**kwargs):
    (plan,) = plan_reports(["kpi_scorecard"], project=ROOT, **kwargs)
    return plan


def test_a_partial_params_file_merges_into_the_stored_targets(tmp_path):
    stored = _kpi_plan().given["targets"]
    assert {"csat_mean", "fcr_rate", "complaints"} <= set(stored)
    partial = tmp_path / "mine.yaml"
    partial.write_text("targets:\n  fcr_rate: {target: 0.85}\n  aht_minutes: null\n"
                       "business_hours: {end: '20:00'}\n", encoding="utf-8")
    plan = _kpi_plan(params_file=partial)
    targets = plan.given["targets"]
    assert targets["fcr_rate"] == {**stored["fcr_rate"], "target": 0.85}  # direction and deadline kept
    assert "aht_minutes" not in targets  # null removes an entry
    assert {k: v for k, v in targets.items() if k not in ("fcr_rate",)} == \
        {k: v for k, v in stored.items() if k not in ("fcr_rate", "aht_minutes")}
    assert plan.given["business_hours"] == {"start": "09:00", "end": "20:00", "workdays": [0, 1, 2, 3, 4]}
    assert plan.sources["targets"] == f"params/kpi_scorecard.yaml + --params {partial}"
    # -p merges on top of the file; a top-level null sets the whole parameter to None
    plan = _kpi_plan(params_file=partial, overrides={"targets": {"complaints": {"target_change": -0.2}}})
    assert plan.given["targets"]["complaints"]["target_change"] == -0.2
    assert plan.given["targets"]["complaints"]["baseline"] == "previous_12_months"
    assert plan.given["targets"]["fcr_rate"]["target"] == 0.85
    assert _kpi_plan(overrides={"targets": None}).given["targets"] is None


def test_mappings_merge_into_the_notebook_default_and_planned_split_is_replaced():
    (plan,) = plan_reports(["ab_test"], project=ROOT, overrides={"planned_split": {"a": 0.4, "b": 0.6}})
    assert plan.given["planned_split"] == {"a": 0.4, "b": 0.6}  # the arms' names are the keys: replaced whole
    assert parameters.merge_layer("rollout", {"group_column": "team", "date": "2025-09-01"},
                                  {"date": "2025-10-01"}) == {"group_column": "team", "date": "2025-10-01"}
    assert parameters.merge_layer("x", {"a": {"b": 1, "c": 2}}, {"a": {"c": None, "d": 3}}) == {"a": {"b": 1, "d": 3}}
    assert parameters.merge_layer("x", {"a": 1}, [1, 2]) == [1, 2]


def test_parameters_added_by_the_reports_are_checked_before_a_kernel_starts():
    for name, bad in (("looks", 0), ("looks", ["2026-13-01"]), ("text_source", "emails"), ("max_levels", 0),
                      ("rollout", {"group": "team"}), ("rollout", {"date": "soon"}),
                      ("customer_covariates", "tier")):
        with pytest.raises(ParameterError, match=f"Parameter '{name}'"):
            parameters.check_value(name, bad, notebook="x")
    for name, good in (("looks", None), ("looks", 3), ("looks", ["2026-03-20"]), ("text_source", "tickets"),
                       ("rollout", None), ("rollout", {"group_column": "team", "treated": ["a"], "date": "2025-09-01",
                                                       "window": ["2025-03-01", "2026-02-28"]})):
        parameters.check_value(name, good, notebook="x")
