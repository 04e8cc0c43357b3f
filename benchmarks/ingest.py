"""Benchmark: our whole ingest (read, validate, store) against pandas+openpyxl merely reading.

    .venv/bin/python benchmarks/ingest.py [--size province|small] [--data DIR] [--keep DIR] [--no-openpyxl]

The files come from the demo generator (`python -m analysis demo --out DIR --size SIZE`), or
from --data (a folder made by it earlier). Prints a plain table with both times and the ratio
(goal for --size province: ingest at least 5x faster than openpyxl's read alone). --size small
(thousands of small files) measures the per-file overhead; --no-openpyxl skips the comparison.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import pandas as pd  # noqa: E402

from analysis.store.history import Store  # noqa: E402
from analysis.store.ingest import collect_files, ingest  # noqa: E402


def demo_files(out: Path, size: str, until: str | None) -> None:
    """Write the demo submissions of `size` into `out` (python -m analysis demo)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "analysis", "demo", "--out", str(out), "--size", size]
    if until:
        command += ["--until", until]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"demo 命令失败（退出码 {done.returncode}）：{done.stderr.strip()[-500:]}")


def time_openpyxl(files: list[Path]) -> tuple[float, int]:
    start, rows = time.perf_counter(), 0
    for f in files:
        rows += sum(len(df) for df in pd.read_excel(f, sheet_name=None, engine="openpyxl").values())
    return time.perf_counter() - start, rows


def time_calamine(files: list[Path]) -> tuple[float, int]:
    """What reading alone costs: calamine's bare read of every sheet into Python lists (no pandas, no checks)."""
    from python_calamine import CalamineWorkbook

    start, rows = time.perf_counter(), 0
    for f in files:
        book = CalamineWorkbook.from_path(str(f))
        for name in book.sheet_names:
            rows += max(len(book.get_sheet_by_name(name).to_python()) - 1, 0)
    return time.perf_counter() - start, rows


class _TimedStore(Store):
    """A Store that adds up the time spent writing, to split the ingest time."""

    write_seconds = 0.0

    def add(self, submission, *args, **kwargs):
        start = time.perf_counter()
        try:
            return super().add(submission, *args, **kwargs)
        finally:
            self.write_seconds += time.perf_counter() - start


def time_ingest(files: list[Path], store_dir: Path) -> tuple[float, float, int, int, int]:
    store = _TimedStore(store_dir)
    start = time.perf_counter()
    outcomes = ingest(files, store=store)
    seconds = time.perf_counter() - start
    rejected = [o for o in outcomes if o.rejected]
    stored = sum(sum(o.result.rows.values()) for o in outcomes if not o.rejected)
    return seconds, store.write_seconds, stored, len(outcomes), len(rejected)


def main() -> int:
    parser = argparse.ArgumentParser(description="入库速度基准：本工具完整入库 vs. pandas+openpyxl 仅读取")
    parser.add_argument(
        "--size",
        choices=("province", "small"),
        default="province",
        help="演示数据规模：province（默认，两省全部县级单位，约240个文件）或 small（数千个小文件）",
    )
    parser.add_argument("--until", metavar="YYYY-MM", help="演示数据的最后填报期（默认本月）")
    parser.add_argument("--data", type=Path, help="使用此目录中已生成的报送文件，不再生成")
    parser.add_argument("--keep", type=Path, help="把生成的文件和数据库留在此目录")
    parser.add_argument("--no-openpyxl", action="store_true", help="不测 openpyxl 读取（只测本工具入库）")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        data_dir, store_dir = args.data or work / "files", work / "store"
        generated = 0.0
        if args.data is None:
            t0 = time.perf_counter()
            demo_files(data_dir, args.size, args.until)
            generated = time.perf_counter() - t0
        files = collect_files([data_dir])
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        ours, writing, stored_rows, n_files, n_rejected = time_ingest(files, store_dir)
        source = (
            f"已有目录 {data_dir}"
            if args.data
            else f"python -m analysis demo --size {args.size}，生成用时 {generated:.1f} 秒"
        )
        print(f"数据来源：{source}；{n_files} 个文件（拒收 {n_rejected}），{size_mb:.1f} MB；CPU {os.cpu_count()} 核")
        print(f"{'步骤':<34}{'行数':>10}{'用时(秒)':>12}")
        print(f"{'本工具入库（读取+校验+入库）':<26}{stored_rows:>10}{ours:>12.2f}")
        print(f"{'  其中 主进程等待读取+校验':<26}{stored_rows:>10}{ours - writing:>12.2f}")
        print(f"{'  其中 主进程写入数据库':<27}{stored_rows:>10}{writing:>12.2f}")
        print(f"{'  平均每个文件（毫秒）':<28}{'':>10}{1000 * ours / max(n_files, 1):>12.1f}")
        workbooks = [f for f in files if f.suffix.lower() in (".xlsx", ".xlsm")]
        bare, bare_rows = time_calamine(workbooks)
        print(f"{'calamine 仅读取（仅 .xlsx，基线二）':<27}{bare_rows:>10}{bare:>12.2f}")
        if not args.no_openpyxl:
            theirs, read_rows = time_openpyxl(workbooks)
            print(f"{'pandas+openpyxl 仅读取（仅 .xlsx）':<28}{read_rows:>10}{theirs:>12.2f}")
            print(f"倍数（openpyxl 读取 / 本工具入库）：{theirs / ours:.1f}×（目标 ≥ 5×）")
        print(f"倍数（本工具入库 / calamine 仅读取）：{ours / bare:.1f}×（与“只读不校验”的距离；入库还含 CSV 文件）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
