"""Markdown tables for docs/sentiment_accuracy.md from the JSON results of the two evaluation tools.

Usage:  python tools/sentiment_accuracy_tables.py /tmp/zh_sentiment_results.json /tmp/en_sentiment_results.json
"""
from __future__ import annotations

import json
import sys


def pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def zh_tables(r: dict) -> list[str]:
    out = ["### Chinese: leave-one-domain-out (model never saw the domain)", "",
           "| held-out domain | texts | accuracy | 95% CI | positive recall | negative recall | gap (pos − neg) |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for m in r.get("lodo", []):
        out.append(f"| {m['domain']} | {m['n']:,} | {pct(m['accuracy'])} | {pct(m['ci_low'])}–{pct(m['ci_high'])} | "
                   f"{pct(m['positive_recall'])} | {pct(m['negative_recall'])} | "
                   f"{100 * (m['positive_recall'] - m['negative_recall']):+.1f} pp |")
    if "lodo_pooled" in r:
        m = r["lodo_pooled"]
        out.append(f"| **all held-out domains pooled** | {m['n']:,} | **{pct(m['accuracy'])}** | "
                   f"{pct(m['ci_low'])}–{pct(m['ci_high'])} | {pct(m['positive_recall'])} | "
                   f"{pct(m['negative_recall'])} | {100 * (m['positive_recall'] - m['negative_recall']):+.1f} pp |")
    out += ["", "### Chinese: in-domain (random 10% dev split of every domain, the shipped model)", "",
            "| domain | texts | accuracy | 95% CI | positive recall | negative recall |", "|---|---:|---:|---:|---:|---:|"]
    for m in r["in_domain"] + [dict(r["in_domain_pooled"], domain="**pooled**")]:
        out.append(f"| {m['domain']} | {m['n']:,} | {pct(m['accuracy'])} | {pct(m['ci_low'])}–{pct(m['ci_high'])} | "
                   f"{pct(m['positive_recall'])} | {pct(m['negative_recall'])} |")
    for key, title in (("lodo_calibration", "leave-one-domain-out predictions pooled"),
                       ("in_domain_calibration", "in-domain dev split")):
        if key not in r:
            continue
        out += ["", f"### Chinese calibration ({title})", "",
                "| abs(polarity) | texts | share correct | 95% CI | expected if calibrated (1 + abs(p))/2 |",
                "|---|---:|---:|---:|---:|"]
        for b in r[key]:
            if b["by"] == "abs_polarity":
                out.append(f"| {b['bin']} | {b['n']:,} | {pct(b['share_correct'])} | {pct(b['ci_low'])}–"
                           f"{pct(b['ci_high'])} | {pct(b['expected'])} |")
        out += ["", "| length (characters) | texts | share correct | mean abs(polarity) | share with abs(polarity) > 0.95 |",
                "|---|---:|---:|---:|---:|"]
        for b in r[key]:
            if b["by"] == "length":
                out.append(f"| {b['bin']} | {b['n']:,} | {pct(b['share_correct'])} | {b['mean_abs_polarity']:.2f} | "
                           f"{pct(b['share_abs_over_0.95'])} |")
    return out


def en_tables(rows: list[dict]) -> list[str]:
    out = ["### English: VADER's human-rated sets (rating ≠ 0; polarity 0 counts as wrong)", "",
           "| method (csm) | set | texts | accuracy | 95% CI | with 0 read as negative | share scored 0 | pos. recall | neg. recall |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for m in rows:
        out.append(f"| {m['method']} | {m['set']} | {m['n']:,} | {pct(m['accuracy'])} | {pct(m['ci_low'])}–"
                   f"{pct(m['ci_high'])} | {pct(m['accuracy_zero_as_negative'])} | {pct(m['share_zero'])} | "
                   f"{pct(m['positive_recall'])} | {pct(m['negative_recall'])} |")
    return out


if __name__ == "__main__":
    zh = json.load(open(sys.argv[1], encoding="utf-8"))
    print("\n".join(zh_tables(zh)))
    if len(sys.argv) > 2:
        print()
        print("\n".join(en_tables(json.load(open(sys.argv[2], encoding="utf-8")))))
