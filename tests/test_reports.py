"""End to end: `csm run` / `csm validate` on the real notebooks and bundled data, as a user runs them."""
import json
import re
from pathlib import Path


from csm.cli import main
from csm.data.sample import TRUTH

ROOT = Path(__file__).resolve().parents[1]
KPI_KEYS = ["csat_mean", "csat_pct_satisfied", "nps", "fcr_rate", "aht_minutes", "sla_24h_rate", "churn_rate",
            "complaints"]


def _manifest(reports: Path) -> dict:
    (manifest,) = reports.glob("*/manifest.json")
    return json.loads(manifest.read_text(encoding="utf-8"))


def test_csm_run_on_sample_succeeds_with_html_and_manifest(sample_run):
    code, reports = sample_run
    assert code == 0
    manifest = _manifest(reports)
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(manifest["notebooks"]) == notebooks
    assert all(nb["status"] == "ok" for nb in manifest["notebooks"].values())
    kpis = manifest["results"]["kpi_scorecard"]["kpis"]
    assert set(KPI_KEYS) <= set(kpis)
    assert all(isinstance(kpis[k], (int, float)) for k in KPI_KEYS)
    assert manifest["results"]["kpi_scorecard"]["period"]["period"] == "2026-06"  # latest complete month
    assert all(len(v["sha256"]) == 64 for v in manifest["inputs"].values())
    assert (reports / "index.html").exists()
    for name in notebooks:
        html = (reports / manifest["run_id"] / f"{name}.html").read_text(encoding="utf-8")
        assert "<img" in html and "data:image/png;base64" in html
        assert "from csm" not in html and "import " not in html  # code is hidden from management
        assert "application/vnd.csm.result+json" not in html


def test_no_planted_personal_data_in_any_html_report(sample_run):
    _, reports = sample_run
    pii = TRUTH["pii_strings"]
    assert len(pii) >= 20
    for html_file in reports.glob("*/*.html"):
        html = html_file.read_text(encoding="utf-8")
        leaked = [s for s in pii if s in html or re.sub(r"[\s-]", "", s) in html]
        assert not leaked, f"{html_file.name} shows personal data: {leaked[:3]}"


def test_chinese_crm_export_runs_in_chinese_and_reports_missing_inputs_and_drops(tmp_path):
    """A GB18030 export with Chinese headers, through a mapping, with no survey or customer table and
    one row with an unreadable creation time, dropped by policy and counted in the report."""
    exports = tmp_path / "exports"
    exports.mkdir()
    lines = (ROOT / "data" / "examples" / "crm_tickets_gb18030.csv").read_bytes().decode("gb18030").splitlines()
    header = lines[0].split(",")
    row = lines[5].split(",")
    row[header.index("创建时间")] = "下周三"
    lines[5] = ",".join(row)
    (exports / "tickets.csv").write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    before = (exports / "tickets.csv").read_bytes()
    reports = tmp_path / "reports"
    code = main(["run", "kpi_scorecard", "--project", str(ROOT), "--reports-dir", str(reports),
                 "-p", f"data_dir={exports}", "-p", "mapping=data/mappings/chinese_crm.yaml",
                 "-p", "lang=zh", "-p", "period=2025-03", "-p", "on_invalid=drop"])
    assert code == 0
    assert (exports / "tickets.csv").read_bytes() == before  # raw input never modified
    manifest = _manifest(reports)
    kpis = manifest["results"]["kpi_scorecard"]["kpis"]
    march = sum(line.split(",")[header.index("创建时间")].startswith("2025/3/") for line in lines[1:])  # not dropped
    assert kpis["complaints"] == march and kpis["csat_mean"] is None and kpis["churn_rate"] is None
    quality = manifest["results"]["kpi_scorecard"]["data_quality"]
    assert [q["rows_dropped"] for q in quality if q["table"] == "tickets"] == [1]
    html = (reports / manifest["run_id"] / "kpi_scorecard.html").read_text(encoding="utf-8")
    assert "关键指标记分卡" in html and "首次解决率" in html
    assert "<html lang=\"zh-CN\">" in html and "<title>关键指标记分卡（2025年3月）</title>" in html
    assert "需要 responses 表" in html and "需要 customers 表" in html  # the sections left out, and why
    assert "created_at" in html and "已剔除" in html and "下周三" in html  # the dropped row is shown, with its value


def test_failing_notebook_exit_code_and_error_kept(tmp_path):
    """A run that fails inside the kernel (a period the data does not reach: only the data can tell) keeps the
    executed notebook with the error, exits non-zero and never becomes the latest good report."""
    reports = tmp_path / "reports"
    code = main(["run", "kpi_scorecard", "--project", str(ROOT), "--reports-dir", str(reports),
                 "-p", "period=2030-01"])
    assert code != 0
    manifest = _manifest(reports)
    entry = manifest["notebooks"]["kpi_scorecard"]
    assert entry["status"] == "failed"
    assert ("period 2030-01 has no tickets: the data runs from 2025-01-01 to 2026-06-30; choose a period inside "
            "it or 'latest'") in json.dumps(entry["error"], ensure_ascii=False)
    assert (reports / manifest["run_id"] / "kpi_scorecard.ipynb").exists()
    assert not (reports / "latest.json").exists()  # a failed run is never the latest good report
    # the HTML is a one-paragraph error page, not papermill's traceback with highlighted code
    page = (reports / manifest["run_id"] / "kpi_scorecard.html").read_text(encoding="utf-8")
    assert "Report failed: KPI scorecard" in page and "period 2030-01 has no tickets" in page
    assert "The executed notebook kpi_scorecard.ipynb in that folder holds the technical details." in page
    assert f"the run id {manifest['run_id']} and the folder {reports / manifest['folder']}." in page  # whom to ask
    assert "Traceback" not in page and "highlight" not in page and "load_tables" not in page
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert re.search(r'KPI scorecard</a></td><td><span class="status status-failed">failed</span>'
                     r'<div class="reason">The period January 2030 has no data \(tickets\)', index)  # the reason, said plainly


def test_validate_real_export_clean_and_broken(tmp_path, capsys):
    mapping = str(ROOT / "data" / "mappings" / "chinese_crm.yaml")
    raw = ROOT / "data" / "examples" / "crm_tickets_gb18030.csv"
    assert main(["validate", str(raw), "--table", "tickets", "--mapping", mapping]) == 0
    # break two different things: an unknown channel and a resolution before creation
    text = raw.read_bytes().decode("gb18030").splitlines()
    header = text[0].split(",")
    row = text[1].split(",")
    row[header.index("渠道")] = "信鸽"
    created = header.index("创建时间")
    resolved = next(i for i, h in enumerate(header) if h in ("解决时间", "结案时间"))
    row[resolved] = "2000-01-01 00:00:00"
    text[1] = ",".join(row)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(("\n".join(text) + "\n").encode("gb18030"))
    capsys.readouterr()
    assert main(["validate", str(bad), "--table", "tickets", "--mapping", mapping]) == 1
    out = capsys.readouterr()
    report = out.out + out.err
    assert "信鸽" in report and "channel" in report and "row" in report
    assert "resolved_at" in report and created != resolved


def test_validate_a_whole_data_folder_and_infer_the_table(tmp_path, capsys):
    assert main(["validate", str(ROOT / "data" / "sample")]) == 0
    out = capsys.readouterr().out
    assert all(f"meets the contract for table '{t}'" in out
               for t in ("tickets", "responses", "customers", "transactions", "assignments"))
    (tmp_path / "responses.csv").write_text("response_id,customer_id,submitted_at,nps\nR1,C1,2025-03-01,11\n",
                                            encoding="utf-8")
    assert main(["validate", str(tmp_path / "responses.csv")]) == 1  # table taken from the file name
    assert "'nps': is out of range" in capsys.readouterr().out
    assert main(["validate", str(tmp_path)]) == 1  # the folder has no tickets file
    assert "no tickets file" in capsys.readouterr().out
    (tmp_path / "export.csv").write_text("a\n1\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "export.csv")]) == 2
    assert "add --table" in capsys.readouterr().err


# --- headline results of each report in the manifest of the sample run, against the planted truth ---

def test_complaint_results_name_the_planted_root_cause(sample_results):
    results = sample_results["complaint_root_cause"]
    ranked = results["root_causes"]
    # the planted spike ended months before the period: current findings first, the past spike after them
    assert ranked[0]["kind"] != "spike" and ranked[-1]["kind"] == "spike"
    top = [r for r in ranked if r["kind"] == "spike"][0]
    assert (top["kind"], top["category"], top["dimension"], top["level"]) == ("spike", "logistics", "region", "east")
    assert (top["start"][:10], top["end"][:10]) == ("2025-11-10", "2025-11-30")
    assert "carrier=swift_express" in top["drivers"] and "sub_reason=late_delivery" in top["drivers"]
    cells = [s for s in results["spikes"] if s["level"] == "category×region"]
    assert [(s["category"], s["region"]) for s in cells] == [("logistics", "east")]  # and no other hotspot
    assert 2.4 < cells[0]["ratio"] < 3.6  # planted ×3
    pareto = results["pareto"]
    assert [row["count"] for row in pareto] == sorted((row["count"] for row in pareto), reverse=True)
    total = sum(row["count"] for row in pareto)
    assert all(abs(row["share"] - row["count"] / total) < 1e-12 for row in pareto)


def test_sentiment_results_agree_with_ratings_in_both_languages(sample_results):
    results = sample_results["feedback_sentiment"]
    assert 0 < results["share_negative"] < 1
    assert set(results["mean_polarity"]) >= {"en", "zh"}
    assert all(-1 <= v <= 1 for v in results["mean_polarity"].values())
    assert results["spearman_csat"]["en"] > 0.5 and results["spearman_csat"]["zh"] > 0.5


def test_nps_churn_clv_results_recover_the_planted_models(sample_results):
    results = sample_results["nps_churn_clv"]
    nps = results["nps"]
    assert nps["ci_low"] <= nps["value"] <= nps["ci_high"]
    churn = results["churn_rate"]
    assert churn["ci_low"] <= churn["value"] <= churn["ci_high"]
    hazard, churn_truth = results["cox_hazard_ratios"], TRUTH["churn"]
    # the interval covers the planted ratio, allowing 5% for the Cox approximation of the monthly process
    per_failure = hazard["fcr_failed_tickets"]
    assert per_failure["ci_low"] < churn_truth["hr_per_unresolved_ticket"] * 1.05
    assert per_failure["ci_high"] > churn_truth["hr_per_unresolved_ticket"] * 0.95
    assert hazard["vip"]["ci_low"] < churn_truth["hr_vip"] < hazard["vip"]["ci_high"]
    # maximum likelihood on the sample equals the documented fit (T ends at the churn date)
    fitted = TRUTH["transactions"]["fit_check"]["T_to_churn"]
    assert all(abs(results["bgnbd"][k] / fitted[k] - 1) < 0.01 for k in fitted)
    planted = TRUTH["transactions"]["gamma_gamma"]
    assert all(abs(results["gamma_gamma"][k] / planted[k] - 1) < 0.10 for k in planted)


def test_ab_test_results_recover_the_planted_experiment(sample_results):
    results = sample_results["ab_test"]
    assert results["decision"] == "ship"
    assert abs(results["srm_p_value"] - TRUTH["default_dataset"]["experiment"]["srm_p_value"]) < 5e-4
    fcr = results["metrics"]["fcr_rate"]
    lift = TRUTH["experiment"]["fcr_lift"]
    assert fcr["ci_low"] < lift < fcr["ci_high"] and fcr["p_adjusted"] < 0.05
    for metric in results["metrics"].values():
        assert metric["ci_low"] <= metric["diff"] <= metric["ci_high"]
        assert metric["p_value"] <= metric["p_adjusted"] <= 1
