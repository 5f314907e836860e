"""Every report, in English and Chinese, rendered by a real browser (headless Chromium).

A small checking script is injected into a copy of each page; Chromium loads it with ``--dump-dom`` and the
script writes its findings (as JSON) into the DOM: errors raised while loading, images that did not load,
table cells whose text overflows them, text not set in the embedded font, and the page's visible text (the
collapsed appendix opened first). The CJK characters of that text must all be in the page's embedded font
subset (its cmap, read with fontTools). System CJK fonts are hidden from Chromium (a fontconfig holding only
DejaVu), so a character the subset lacks would show as a box here, as on a reader's machine without CJK fonts.
.ci/run installs Chromium from Debian's packages (and no CJK fonts).
"""
from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from csm.cli import main
from csm.report.html import FONT_FAMILY, write_error_page

ROOT = Path(__file__).resolve().parents[1]
REPORTS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium; .ci/run does it)")
CJK = re.compile(r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

#: Installed first in <head>: collects every error (script errors, failed resources, console.error).
CATCH = """<script>
window.__csmErrors = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  window.__csmErrors.push(t && t !== window && (t.src || t.href) ? 'failed to load ' + (t.src || t.href).slice(0, 80)
                                                            : String(e.message));
}, true);
window.addEventListener('securitypolicyviolation', function (e) { window.__csmErrors.push('csp ' + e.blockedURI); });
(function (error) { console.error = function () { window.__csmErrors.push([].join.call(arguments, ' ')); error.apply(console, arguments); }; })(console.error);
</script>"""
#: Appended to <body>: waits for the fonts, opens the appendix, measures, writes JSON into <pre id=csm-check>.
CHECK = """<script>
document.fonts.ready.then(function () {
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  var out = {errors: window.__csmErrors, images: [], overflow: [], not_in_font: [], fonts: [], text: ''};
  document.querySelectorAll('img').forEach(function (img) {
    if (!(img.complete && img.naturalWidth > 0)) out.images.push((img.getAttribute('src') || '').slice(0, 60));
  });
  document.querySelectorAll('td, th').forEach(function (c) {
    if (c.scrollWidth > c.clientWidth + 1)
      out.overflow.push({text: c.textContent.slice(0, 80), scroll: c.scrollWidth, client: c.clientWidth});
  });
  document.querySelectorAll('table').forEach(function (t) {
    var box = t.parentElement.getBoundingClientRect(), r = t.getBoundingClientRect();
    if (r.right > box.right + 1)
      out.overflow.push({text: '(a table wider than its column) ' + t.textContent.trim().slice(0, 60),
                         scroll: Math.round(r.width), client: Math.round(box.width)});
  });
  var root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1)
    out.overflow.push({text: '(the page is wider than the window)', scroll: root.scrollWidth, client: root.clientWidth});
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (var n = walker.nextNode(); n; n = walker.nextNode()) {
    var el = n.parentElement;
    if (!el || el.id === 'csm-check' || el.closest('script, style') || !n.nodeValue.trim()) continue;
    if (getComputedStyle(el).fontFamily.indexOf('FAMILY') < 0)
      out.not_in_font.push(el.tagName + ': ' + n.nodeValue.trim().slice(0, 60));
  }
  document.fonts.forEach(function (f) { out.fonts.push(f.family.replace(/["']/g, '') + ' ' + f.status); });
  out.text = document.body.innerText;
  var pre = document.createElement('pre');
  pre.id = 'csm-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>""".replace("FAMILY", FONT_FAMILY)


def _fontconfig(folder: Path) -> dict:
    """Environment for Chromium with system CJK fonts hidden: fontconfig sees DejaVu only (if installed)."""
    dirs = [d for d in ("/usr/share/fonts/truetype/dejavu",) if Path(d).is_dir()]
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                    + "".join(f"  <dir>{d}</dir>\n" for d in dirs)
                    + f"  <cachedir>{folder / 'cache'}</cachedir>\n</fontconfig>\n", encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def render(page: Path, work: Path) -> dict:
    """Load a copy of ``page`` with the checks injected in headless Chromium; the checks' JSON result."""
    work.mkdir(parents=True, exist_ok=True)
    text = page.read_text(encoding="utf-8")
    text = text.replace("<head>", "<head>" + CATCH, 1).replace("</body>", CHECK + "</body>", 1)
    copy = work / page.name
    copy.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars", "--mute-audio", "--disable-dev-shm-usage",
         f"--user-data-dir={work / 'profile'}", "--window-size=1100,900", "--virtual-time-budget=5000",
         "--dump-dom", copy.as_uri()],
        capture_output=True, text=True, timeout=180, env=_fontconfig(work.parent / "fontconfig"))
    found = re.search(r'<pre id="csm-check">(.*?)</pre>', done.stdout, re.S)
    assert found, f"{page.name}: the checks did not report (exit {done.returncode}): {done.stderr[-800:]}"
    return json.loads(html.unescape(found.group(1)))


def font_cmap(page: Path) -> set[str]:
    """Characters of the font subset embedded in ``page``."""
    from fontTools.ttLib import TTFont

    found = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page.read_text(encoding="utf-8"))
    assert found, f"{page.name} embeds no font"
    font = TTFont(io.BytesIO(base64.b64decode(found.group(1))))
    return {chr(code) for code in font.getBestCmap()}


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory):
    """Every report in Chinese on the sample data: (exit code, reports dir)."""
    reports = tmp_path_factory.mktemp("reports-zh")
    return main(["run", "--project", str(ROOT), "--reports-dir", str(reports), "-p", "lang=zh"]), reports


@pytest.fixture(scope="module")
def pages(sample_run, zh_run, tmp_path_factory) -> dict:
    """Every report of both runs, each run's index and a Chinese failure page, checked in Chromium:
    {"<lang>/<name>": (html path, result)}."""
    work = tmp_path_factory.mktemp("browser")
    found = {}
    for lang, (code, reports) in (("en", sample_run), ("zh", zh_run)):
        assert code == 0, f"the {lang} sample run failed"
        (folder,) = [p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")]
        for name in REPORTS:
            found[f"{lang}/{name}"] = folder / f"{name}.html"
        found[f"{lang}/index"] = reports / "index.html"
    error = {"exception": "DataError", "cell_index": 3,
             "message": "tickets.csv, column created_at, rows 5–7: '下周三' is not a date; expected YYYY-MM-DD."}
    found["zh/failure"] = write_error_page(work / "failure.html", "kpi_scorecard", error, "kpi_scorecard.ipynb",
                                           language="zh", run_id="2026-06-monthly", folder="reports/2026-06-monthly")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda item: render(item[1], work / item[0].replace("/", "-")), found.items())
        return {key: (path, result) for (key, path), result in zip(found.items(), results)}


KEYS = [f"{lang}/{name}" for lang in ("en", "zh") for name in REPORTS] + ["en/index", "zh/index", "zh/failure"]


@pytest.mark.parametrize("key", KEYS)
def test_page_loads_whole_in_a_browser(pages, key):
    path, result = pages[key]
    assert result["errors"] == [], f"{key}: errors while loading"
    assert result["images"] == [], f"{key}: images that did not load"
    assert result["overflow"] == [], f"{key}: text wider than its table cell (cut or overlapping)"
    assert result["not_in_font"] == [], f"{key}: text not set in the embedded font"
    assert f"{FONT_FAMILY} loaded" in result["fonts"], f"{key}: the embedded font did not load: {result['fonts']}"
    shown = set(CJK.findall(result["text"]))
    if key.startswith("zh/") and key != "zh/index":  # the index is in English; the reports and pages in Chinese
        assert len(shown) > 20, f"{key}: hardly any Chinese on a Chinese page"
    missing = shown - font_cmap(path)
    assert not missing, f"{key}: CJK characters missing from the embedded font: {''.join(sorted(missing))}"


def test_every_report_shows_charts(pages):
    """The image check has images to check: every report shows at least one chart."""
    for lang in ("en", "zh"):
        for name in REPORTS:
            path, result = pages[f"{lang}/{name}"]
            assert path.read_text(encoding="utf-8").count("<img") >= 1 and result["images"] == [], (lang, name)


def test_the_checks_catch_what_they_look_for(tmp_path):
    """On a page with a planted fault of each kind, each check reports it (so a clean result means something)."""
    from csm.report.html import PAGE_CSS, embed_font

    rare = "\u9ff0"  # a CJK character the bundled font does not hold
    page = tmp_path / "faulty.html"
    page.write_text(embed_font(f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<style>/*csm-embedded-font*/ {PAGE_CSS}</style></head><body><p>报告 {rare}</p>
<table style="width: 120px; table-layout: fixed !important"><tr><td style="white-space: nowrap !important">Logistics·East:512extracomplaintsin2025</td></tr></table>
<p style="font-family: serif">not in the font</p><img alt="x" src="data:image/png;base64,AAAA"></body></html>"""),
                    encoding="utf-8")
    result = render(page, tmp_path / "work")
    assert [o["text"] for o in result["overflow"]] == ["Logistics·East:512extracomplaintsin2025"]
    assert result["images"] and result["errors"]  # the broken image: not decoded, and an error event
    assert result["not_in_font"] == ["P: not in the font"]
    assert rare in set(CJK.findall(result["text"])) - font_cmap(page)
