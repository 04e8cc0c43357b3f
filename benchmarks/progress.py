"""Progress for every target and unit of the province-size demo store.

    .venv/bin/python benchmarks/progress.py [--keep DIR]

Builds the province-size demo (one month, every county-level unit of Hebei and Qinghai), ingests it into a
temporary store, then times in the same process: reading the store's facts
(the baseline: what any computation must pay), and compute_progress for every
target and every jurisdiction, with and without the previous month (环比).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from analysis.demo.generate import generate_demo  # noqa: E402
from analysis.progress import facts as facts_module  # noqa: E402
from analysis.progress.engine import compute_progress  # noqa: E402
from analysis.store.history import Store  # noqa: E402


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", help="folder to keep the demo files and store in")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-progress-"))
    store_dir = work / "store"
    if not (store_dir / "workbook.sqlite").exists():
        summary = generate_demo(work / "in", seed=0, size="province")
        print(summary.text())
        subprocess.run(
            [sys.executable, "-m", "analysis", "ingest", str(work / "in"), "--store", str(store_dir)],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
    store = Store(store_dir)
    period = store.latest_period()
    as_of = f"{period}-28"
    # the baseline reads the store every time: load_facts remembers its result, so timing it would print 0.00
    t_facts, facts = timed(lambda: facts_module._read_facts(store, period))

    def cold(**kwargs):
        facts_module._MEMO.clear()  # every run pays the read, as a report of a new period does
        return compute_progress(store, as_of, **kwargs)

    t_now, frame = timed(lambda: cold(with_previous=False))
    t_full, _ = timed(lambda: cold())
    jurisdictions = frame["jurisdiction"].nunique()
    rows = [
        ("读取事实表（基线）", t_facts, f"{len(facts.awards):,} 条资质，{len(facts.enterprises):,} 家企业"),
        ("全部目标×全部地区进度（不含环比）", t_now, f"{len(frame):,} 行，{jurisdictions} 个地区"),
        ("全部目标×全部地区进度（含环比）", t_full, f"{len(frame):,} 行"),
    ]
    print(f"{'步骤':<28}{'中位数(秒)':>12}{'相对基线':>10}  说明")
    for name, seconds, note in rows:
        print(f"{name:<28}{seconds:>12.2f}{seconds / t_facts:>9.1f}×  {note}")


if __name__ == "__main__":
    main()
