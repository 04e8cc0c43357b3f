"""Benchmark: our whole ingest (read, validate, store) into SQLite and into PostgreSQL, against pandas+openpyxl
merely reading, in one run.

    .venv/bin/python benchmarks/ingest.py [--size province|small] [--data DIR] [--keep DIR] [--no-openpyxl]
                                          [--postgres URL | --no-postgres] [--repeat N]

The files come from the demo generator (`python -m analysis demo --out DIR --size SIZE`), or from --data (a
folder made by it earlier). PostgreSQL: the server at --postgres (a database is created for the run and dropped
after), else a private server started for the run (tests/support/postgres.py, with fsync on, as SQLite's
synchronous=FULL). Each step runs --repeat times (default 3), our SQLite ingest and the baselines taking turns, so
that a slower minute of a shared machine weighs on both: the table shows each step's median and range, the ratios
are taken between medians. Prints one table: each step's rows and seconds, then the ratios against their goals
(--size province: PostgreSQL within 1.5x of SQLite; SQLite at least 5x faster than openpyxl's read alone), and
what verifying the store costs (in full, and remembered).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

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


def time_ingest(files: list[Path], location: str) -> dict:
    store = _TimedStore(location)
    start = time.perf_counter()
    outcomes = ingest(files, store=store)
    seconds = time.perf_counter() - start
    rejected = [o for o in outcomes if o.rejected]
    stored = sum(sum(o.result.rows.values()) for o in outcomes if not o.rejected)
    return {"seconds": seconds, "writing": store.write_seconds, "rows": stored, "files": len(outcomes),
            "rejected": len(rejected)}  # fmt: skip


def time_verification(location: str) -> tuple[float, float]:
    """(a whole-store verification, one read's check when the verification is remembered), in seconds."""
    store = Store(location)
    start = time.perf_counter()
    problems = store.check()
    full = time.perf_counter() - start
    if problems:
        raise SystemExit(f"数据库核对不一致：{problems[0]}")
    store.periods()  # remembered from here on
    start = time.perf_counter()
    for _ in range(100):
        store.verify()
    return full, (time.perf_counter() - start) / 100


def postgres_server(args, stack: ExitStack) -> str | None:
    """The server the PostgreSQL runs use: --postgres, else a private one for the run; None: SQLite only."""
    if args.no_postgres:
        return None
    from support.postgres import find_bin_dir, private_cluster

    if args.postgres is not None:
        return args.postgres
    if find_bin_dir() is None:
        print("未安装 PostgreSQL（scripts/system-deps.sh 安装），只测 SQLite")
        return None
    return stack.enter_context(private_cluster(durable=True))


def new_postgres_database(server: str, stack: ExitStack) -> str:
    """An empty database on the server, dropped when the run ends."""
    from support.postgres import drop_database, new_database

    url = new_database(server)
    stack.callback(drop_database, server, url)
    return url


def median_run(runs: list[dict]) -> dict:
    """The run of median time, with every run's seconds beside it (`all`)."""
    ranked = sorted(runs, key=lambda run: run["seconds"])
    return {**ranked[len(ranked) // 2], "seconds": statistics.median(r["seconds"] for r in runs),
            "all": [r["seconds"] for r in runs]}  # fmt: skip


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}" if len(values) > 1 else ""


def main() -> int:
    parser = argparse.ArgumentParser(
        description="入库速度基准：本工具完整入库（SQLite、PostgreSQL）vs. pandas+openpyxl 仅读取"
    )
    parser.add_argument(
        "--size",
        choices=("province", "small"),
        default="province",
        help="演示数据规模：province（默认，两省全部县级单位，约240个文件）或 small（数千个小文件）",
    )
    parser.add_argument("--until", metavar="YYYY-MM", help="演示数据的最后填报期（默认本月）")
    parser.add_argument("--data", type=Path, help="使用此目录中已生成的报送文件，不再生成")
    parser.add_argument("--keep", type=Path, help="把生成的文件和 SQLite 数据库留在此目录")
    parser.add_argument("--no-openpyxl", action="store_true", help="不测 openpyxl 读取（只测本工具入库）")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL 服务器（默认临时启动一个私有服务器）")
    parser.add_argument("--no-postgres", action="store_true", help="不测 PostgreSQL")
    parser.add_argument("--repeat", type=int, default=3, help="每一步运行的次数（取中位数；默认 3）")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        work = args.keep or Path(tmp)
        data_dir, store_dir = args.data or work / "files", work / "store"
        generated = 0.0
        if args.data is None:
            t0 = time.perf_counter()
            demo_files(data_dir, args.size, args.until)
            generated = time.perf_counter() - t0
        files = collect_files([data_dir])
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        workbooks = [f for f in files if f.suffix.lower() in (".xlsx", ".xlsm")]
        sqlite_runs, bare_runs, openpyxl_runs = [], [], []
        for turn in range(args.repeat):  # taking turns; the last run's store is kept and verified below
            location = store_dir if turn == args.repeat - 1 else work / f"store-run{turn + 1}"
            shutil.rmtree(location, ignore_errors=True)  # a store kept by an earlier run would take all as duplicates
            sqlite_runs.append(time_ingest(files, str(location)))
            if location != store_dir:
                shutil.rmtree(location)
            bare_runs.append(time_calamine(workbooks))
            if not args.no_openpyxl:
                openpyxl_runs.append(time_openpyxl(workbooks))
        runs = {"SQLite": median_run(sqlite_runs)}
        # PostgreSQL after the baselines: the autovacuum that follows each load would slow them
        server = postgres_server(args, stack)
        postgres = None
        if server is not None:
            postgres_runs = []
            for _ in range(args.repeat):
                postgres = new_postgres_database(server, stack)
                postgres_runs.append(time_ingest(files, postgres))
            runs["PostgreSQL"] = median_run(postgres_runs)
        bare, bare_rows = statistics.median(t for t, _ in bare_runs), bare_runs[0][1]
        theirs = statistics.median(t for t, _ in openpyxl_runs) if openpyxl_runs else None
        read_rows = openpyxl_runs[0][1] if openpyxl_runs else 0
        source = (
            f"已有目录 {data_dir}"
            if args.data
            else f"python -m analysis demo --size {args.size}，生成用时 {generated:.1f} 秒"
        )
        first = runs["SQLite"]
        print(
            f"数据来源：{source}；{first['files']} 个文件（拒收 {first['rejected']}），{size_mb:.1f} MB；"
            f"CPU {os.cpu_count()} 核"
        )
        print(f"{args.repeat} 次取中位数，范围为各次最快–最慢")
        print(f"{'步骤':<34}{'行数':>10}{'用时(秒)':>12}{'范围(秒)':>14}")
        for name, run in runs.items():
            print(
                f"{'本工具入库 ' + name + '（读取+校验+入库）':<28}{run['rows']:>10}{run['seconds']:>12.2f}"
                f"{spread(run['all']):>16}"
            )
            print(f"{'  其中 主进程写入数据库':<27}{run['rows']:>10}{run['writing']:>12.2f}")
            print(f"{'  平均每个文件（毫秒）':<28}{'':>10}{1000 * run['seconds'] / max(run['files'], 1):>12.1f}")
        bare_spread = spread([t for t, _ in bare_runs])
        print(f"{'calamine 仅读取（仅 .xlsx，基线二）':<27}{bare_rows:>10}{bare:>12.2f}{bare_spread:>16}")
        if theirs is not None:
            their_spread = spread([t for t, _ in openpyxl_runs])
            print(f"{'pandas+openpyxl 仅读取（仅 .xlsx）':<28}{read_rows:>10}{theirs:>12.2f}{their_spread:>16}")
        locations = {"SQLite": str(store_dir), **({"PostgreSQL": postgres} if postgres else {})}
        for name, location in locations.items():
            full, remembered = time_verification(location)
            print(f"{'全库核对 ' + name + '（写入后首次读取）':<28}{'':>10}{full:>12.2f}")
            print(f"{'已记住的核对 ' + name + '（每次读取，毫秒）':<26}{'':>10}{1000 * remembered:>12.2f}")
        if "PostgreSQL" in runs:
            ratio = runs["PostgreSQL"]["seconds"] / first["seconds"]
            print(f"倍数（PostgreSQL 入库 / SQLite 入库）：{ratio:.2f}×（目标 ≤ 1.5×）")
        if theirs is not None:
            turns = [t / run["seconds"] for (t, _), run in zip(openpyxl_runs, sqlite_runs, strict=True)]
            each = f"；逐次 {min(turns):.1f}–{max(turns):.1f}×" if len(turns) > 1 else ""
            print(f"倍数（openpyxl 读取 / 本工具 SQLite 入库）：{theirs / first['seconds']:.1f}×（目标 ≥ 5×{each}）")
        print(
            f"倍数（本工具 SQLite 入库 / calamine 仅读取）：{first['seconds'] / bare:.1f}×"
            "（与“只读不校验”的距离；入库还含 CSV 文件）"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
