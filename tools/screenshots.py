"""Regenerate the README's screenshots (docs/img/) from a sample run, with headless Chromium.

Usage (from the repository root):

    python tools/screenshots.py                      # runs the sample reports in English and Chinese first
    python tools/screenshots.py --en reports/RUN_EN --zh reports/RUN_ZH   # or reuse two existing run folders

Writes:
    docs/img/kpi_scorecard_en.png                          the KPI scorecard in English
    docs/img/complaint_root_cause_zh.png                   the complaint briefing in Chinese
    docs/img/zh_kpi_scorecard_without_cjk_fonts_after.png  the Chinese scorecard in a browser without CJK fonts
    docs/img/zh_kpi_scorecard_without_cjk_fonts_before.png the same page with its embedded font removed

Chromium sees only the DejaVu fonts (a private fontconfig), as on a machine without CJK fonts, so the
pictures show what the embedded font does. Needs Debian's ``chromium``.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 1200, 1400


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        sys.exit("headless Chromium is needed: apt-get install --no-install-recommends chromium")
    return found


def fontconfig(folder: Path) -> dict:
    """Environment in which Chromium sees DejaVu only (no system CJK font)."""
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                    "  <dir>/usr/share/fonts/truetype/dejavu</dir>\n"
                    f"  <cachedir>{folder / 'cache'}</cachedir>\n</fontconfig>\n", encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def screenshot(page: Path, png: Path, work: Path) -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars", "--mute-audio", "--disable-dev-shm-usage",
         f"--user-data-dir={work / 'profile'}", f"--window-size={WIDTH},{HEIGHT}", "--virtual-time-budget=5000",
         f"--screenshot={png}", page.resolve().as_uri()],
        check=True, capture_output=True, timeout=180, env=fontconfig(work))
    print(f"wrote {png.relative_to(ROOT) if png.is_relative_to(ROOT) else png}")


def sample_run(reports: Path, lang: str) -> Path:
    from csm.cli import main

    code = main(["run", "--project", str(ROOT), "--reports-dir", str(reports), "--run-id", f"sample-{lang}",
                 "-p", f"lang={lang}"])
    if code != 0:
        sys.exit(f"the {lang} sample run failed (exit {code})")
    return reports / f"sample-{lang}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--en", type=Path, help="an existing English run folder (default: run the sample)")
    parser.add_argument("--zh", type=Path, help="an existing Chinese run folder (default: run the sample)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="where the PNGs go")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="csm-screenshots-") as tmp:
        tmp = Path(tmp)
        en = args.en or sample_run(tmp / "reports", "en")
        zh = args.zh or sample_run(tmp / "reports", "zh")
        screenshot(en / "kpi_scorecard.html", args.out / "kpi_scorecard_en.png", tmp)
        screenshot(zh / "complaint_root_cause.html", args.out / "complaint_root_cause_zh.png", tmp)
        page = zh / "kpi_scorecard.html"
        screenshot(page, args.out / "zh_kpi_scorecard_without_cjk_fonts_after.png", tmp)
        stripped = tmp / "kpi_scorecard_without_font.html"
        stripped.write_text(re.sub(r"@font-face \{[^}]*\}", "", page.read_text(encoding="utf-8"), count=1),
                            encoding="utf-8")
        screenshot(stripped, args.out / "zh_kpi_scorecard_without_cjk_fonts_before.png", tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
