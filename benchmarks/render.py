"""Batch rendering against the plain pipeline, on the province-size demo store.

    python benchmarks/render.py [--store S] [--sample 3] [--workers 2] [--work DIR]

Without --store it builds one: `python -m analysis demo --out DIR --size province`,
then `python -m analysis ingest DIR --store S`. It then renders every county-level
unit's 月调度 for the store's latest month with `python -m analysis batch` (all
formats, fresh output folder), and a sample of the same reports with the plain
pipeline: papermill CLI, `jupyter nbconvert --to html --no-input`, WeasyPrint on
that HTML. It prints per-report medians, the ratio, and peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
BIN = Path(PY).parent


def run(cmd, **kw) -> float:
    start = time.monotonic()
    subprocess.run([str(c) for c in cmd], check=True, **kw)
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", default=None)
    parser.add_argument("--sample", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-render-"))
    store = Path(args.store) if args.store else work / "store"
    if not args.store:
        run([PY, "-m", "analysis", "demo", "--out", work / "demo", "--size", "province"], cwd=ROOT)
        run([PY, "-m", "analysis", "ingest", work / "demo", "--store", store], cwd=ROOT)
    sys.path.insert(0, str(ROOT / "src"))
    from analysis.catalog.regions import load_regions
    from analysis.store.history import Store

    period = Store(store).latest_period()
    units = [u.name for u in load_regions().units()]
    out = work / "batch-out"
    shutil.rmtree(out, ignore_errors=True)
    batch_s = run(
        [
            PY,
            "-m",
            "analysis",
            "batch",
            "--kind",
            "monthly",
            "--period",
            period,
            "--regions",
            ",".join(units),
            "--workers",
            args.workers,
            "--store",
            store,
            "--out",
            out,
            "--no-progress",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    batch_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    manifest = json.loads((out / period / "monthly" / "manifest.json").read_text(encoding="utf-8"))["reports"]
    ok = [r for r, e in manifest.items() if e["status"] == "ok"]
    per_job = [e["seconds"] for e in manifest.values() if e["status"] == "ok"]

    plain = []
    plain_dir = work / "plain"
    plain_dir.mkdir(exist_ok=True)
    for region in units[: args.sample]:
        nb = plain_dir / f"{region}.ipynb"
        t = run(
            [
                BIN / "papermill",
                ROOT / "notebooks" / "monthly-dispatch.ipynb",
                nb,
                "-p",
                "region",
                region,
                "-p",
                "period",
                period,
                "-p",
                "store",
                store,
                "--cwd",
                ROOT / "notebooks",
                "--no-progress-bar",
            ],
            stderr=subprocess.DEVNULL,
        )
        t += run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", nb], stderr=subprocess.DEVNULL)
        t += run(
            [
                PY,
                "-c",
                "import sys; from weasyprint import HTML; HTML(sys.argv[1]).write_pdf(sys.argv[2])",
                nb.with_suffix(".html"),
                nb.with_suffix(".pdf"),
            ]
        )
        plain.append(t)
    all_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

    n = len(units)
    per_report = batch_s / n
    median_plain = statistics.median(plain)
    print(f"规模：省级演示数据库 {store}，期别 {period}，县级单位 {n} 个")
    print(
        f"batch（{args.workers} 个进程，ipynb+html+pdf+xlsx）：总用时 {batch_s:.1f} 秒，成功 {len(ok)}/{n}，"
        f"墙钟/份 {per_report:.2f} 秒；单份处理中位数 {statistics.median(per_job) if per_job else float('nan'):.1f} 秒"
    )
    print(
        f"plain（papermill CLI + nbconvert --no-input + WeasyPrint），{len(plain)} 份：中位数 {median_plain:.1f} 秒/份 "
        f"（{', '.join(f'{t:.1f}' for t in plain)}）"
    )
    print(f"比值 plain 单份 / batch 墙钟每份：{median_plain / per_report:.1f}×（目标 ≥ 6×）")
    print(f"峰值内存（最大单个子进程 RSS）：batch 期间 {batch_rss / 1024:.0f} MiB；全程 {all_rss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
