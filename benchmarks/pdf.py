"""Benchmark: html_to_pdf with the full Noto CJK fonts against the reduced ones.

    .venv/bin/python benchmarks/pdf.py [--runs 5]

Renders a one-page and a three-page report (title block, narrative, chart,
table) in one process, after one warm-up each, and prints per-PDF medians:
full Noto fonts, reduced fonts with the shared FontConfiguration, and reduced
fonts with a new FontConfiguration per PDF (what reuse saves).

Measured on this machine (2 cores), medians of 3, fontTools subsetting:
one page 12.6 s full vs 1.41 s reduced (9x); three pages 10.4 s vs 1.44 s (7x).
With libharfbuzz-subset0 loaded: 0.21 s vs 0.10 s; 0.30 s vs 0.18 s.
Reusing the FontConfiguration saved nothing measurable.

Since the 公文 typesetting (仿宋 body at 16 pt, 黑体/楷体 headings; issue 22), with HarfBuzz, medians of 3, the
same hour and machine (loaded): reduced fonts one-page report 0.52 s (now 2 pages) against 0.20 s (1 page) before,
three-page report 0.83 s against 0.65 s. "Full" now means the system's FandolFang/Hei/Kai (installed by
scripts/system-deps.sh), which the stylesheet names after the reduced faces, not Noto. The reduced Fandol faces
are 4.5-6 MB (heavier outlines than Noto's 2 MB reduced faces).
"""

from __future__ import annotations

import argparse
import base64
import io
import logging
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from analysis.reports import pdf  # noqa: E402
from analysis.reports.pdffonts import ensure_report_fonts  # noqa: E402

NARRATIVE = (
    "截至2025年9月底，全市专精特新中小企业达到612家，完成年度目标的81.6%，落后序时进度3.4个百分点；"
    "高新技术企业净增长128家，研发经费投入强度≥3.0%，较上年同期提高0.2个百分点。"
    "各县（市、区）要对照目标任务，压实工作责任，加快培育进度，确保按期完成。"
)
CITIES = ["石家庄", "唐山", "秦皇岛", "邯郸", "邢台", "保定", "张家口", "承德", "沧州", "廊坊", "衡水", "辛集", "定州"]
STATUSES = ["已完成", "超序时", "基本同步", "落后序时", "严重滞后"]


def chart_png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 2.5), dpi=150)
    ax.bar(range(12), [i * 7 % 13 + 3 for i in range(12)])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def report(rows: int, paragraphs: int, png: str) -> str:
    body = "".join(
        f"<tr><td>{CITIES[i % len(CITIES)]}市第{i + 1}县</td><td class='num'>{50 + i * 1.7:.1f}</td>"
        f"<td class='num'>{i * 3 % 40}</td><td>{STATUSES[i % len(STATUSES)]}</td></tr>"
        for i in range(rows)
    )
    prose = "".join(f"<h2>{'一二三四五六'[i % 6]}、工作进展</h2><p>{NARRATIVE}</p>" for i in range(paragraphs))
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>
<div class="issuer">某某市科学技术局</div><hr class="red-rule">
<div class="doc-title">关于2025年9月产业集群培育目标进度的通报</div>{prose}
<img src="data:image/png;base64,{png}"><table><thead><tr><th>地区</th><th>完成率(%)</th>
<th>企业数</th><th>状态</th></tr></thead><tbody>{body}</tbody></table>
<p class="doc-date">2025年10月8日</p></body></html>"""


def median_seconds(html: str, out: Path, runs: int, reduced_fonts: bool) -> tuple[float, int]:
    pdf.html_to_pdf(html, out, reduced_fonts=reduced_fonts)  # warm-up: font loading, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        pdf.html_to_pdf(html, out, reduced_fonts=reduced_fonts)
        times.append(time.perf_counter() - start)
    return statistics.median(times), _pages(out)


def median_fresh(html: str, out: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        pdf._weasy_fonts.cache_clear()  # a new FontConfiguration and @font-face sheet each time
        start = time.perf_counter()
        pdf.html_to_pdf(html, out)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    ensure_report_fonts()
    print(f"ensure_report_fonts(): {time.perf_counter() - start:.2f} s (0 s when cached)")
    from weasyprint.text.ffi import harfbuzz_subset

    print(
        "WeasyPrint subsets with",
        "HarfBuzz (libharfbuzz-subset)" if harfbuzz_subset else "fontTools (libharfbuzz-subset0 not installed: slow)",
    )
    png = chart_png()
    docs = {"one-page": report(5, 1, png), "three-page": report(40, 3, png)}
    print(
        f"{'report':<11} {'pages':>5} {'full Noto':>10} {'reduced':>10} {'ratio':>6} "
        f"{'reduced, new FontConfiguration':>31}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name, html in docs.items():
            full, pages = median_seconds(html, Path(tmp) / "full.pdf", args.runs, reduced_fonts=False)
            reduced, pages_r = median_seconds(html, Path(tmp) / "reduced.pdf", args.runs, reduced_fonts=True)
            fresh = median_fresh(html, Path(tmp) / "fresh.pdf", args.runs)
            print(f"{name:<11} {pages_r:>5} {full:>9.2f}s {reduced:>9.2f}s {full / reduced:>5.1f}x {fresh:>30.2f}s")
            assert pages == pages_r, (pages, pages_r)
    print(f"medians of {args.runs} runs after one warm-up each, in one process")


if __name__ == "__main__":
    main()
