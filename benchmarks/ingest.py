"""Benchmark: our whole ingest (read, validate, store) against pandas+openpyxl merely reading.

    .venv/bin/python benchmarks/ingest.py [--enterprises 90000] [--keep DIR]

Uses `python -m analysis demo --out DIR --size province` when that command exists;
otherwise generates a province-size file set itself (one workbook per county-level
unit of the region registry). Prints a plain table with both times and the ratio
(goal: ingest at least 5x faster than openpyxl's read alone).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import pandas as pd  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from analysis import creditcode  # noqa: E402
from analysis.ingest import collect_files, ingest  # noqa: E402
from analysis.regions import load_regions  # noqa: E402
from analysis.store import Store  # noqa: E402

PERIOD = "2023-06"
AWARDS = ("高新技术企业", "科技型中小企业", "专精特新中小企业", "创新型中小企业")
LEVELLED = {"专精特新中小企业": "省级", "科技型中小企业": "省级"}


def demo_files(out: Path, enterprises: int, generator: str) -> str:
    """Province-size submission files in `out`; returns how they were made (Chinese)."""
    if generator == "demo":
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        done = subprocess.run([sys.executable, "-m", "analysis", "demo", "--out", str(out), "--size", "province"],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode == 0:
            return "python -m analysis demo --size province"
        print(f"注意：demo 命令失败（退出码 {done.returncode}），改用本脚本自带生成器：{done.stderr.strip()[-300:]}")
        shutil.rmtree(out, ignore_errors=True)
    generate_province(out, enterprises)
    return f"本脚本自带生成器（{enterprises} 家企业）"


def _demo_available() -> bool:
    try:
        import analysis.demo  # noqa: F401
    except ImportError:
        # TODO: once src/analysis/demo.py has landed for good, drop the own generator below.
        return False
    return True


def generate_province(out: Path, enterprises: int, seed: int = 2023) -> None:
    """One .xlsx per county-level unit: clusters, enterprises, awards, finance, monthly, indicators."""
    rng = random.Random(seed)
    units = load_regions().units()
    per_unit = max(1, enterprises // len(units))
    out.mkdir(parents=True, exist_ok=True)
    for unit in units:
        _unit_workbook(out / f"{unit.name}-{PERIOD}.xlsx", unit, per_unit, rng)


def _unit_workbook(path: Path, unit, n: int, rng: random.Random) -> None:
    wb = Workbook(write_only=True)
    sheet = lambda name, header: (ws := wb.create_sheet(name), ws.append(header))[0]  # noqa: E731
    sheet("填报说明", ["填报期(年月)", PERIOD])
    clusters = [f"{unit.name}产业集群{i}" for i in range(1, 6)]
    ws = sheet("集群名录", ["集群名称", "所属地区", "主导产业", "集群级别"])
    for c in clusters:
        ws.append([c, unit.name, "装备制造", "市级"])
    codes = list(dict.fromkeys(creditcode.generate(rng, unit.code or "130200") for _ in range(n)))  # no duplicates
    ws = sheet("企业名录", ["统一社会信用代码", "企业名称", "所属地区", "所属集群", "行业代码", "是否规上"])
    for i, code in enumerate(codes):
        ws.append([code, f"{unit.name}第{i}号企业有限公司", unit.name, rng.choice(clusters), "C34", rng.choice("是否")])
    ws = sheet("资质认定", ["统一社会信用代码", "资质类型", "级别", "认定日期", "有效期至", "批次文号"])
    for code in codes[::2]:
        award = rng.choice(AWARDS)
        ws.append([code, award, LEVELLED.get(award), f"2022-{rng.randint(1, 12):02d}-15", None, "冀科高〔2022〕1号"])
    ws = sheet("企业年度财务", ["统一社会信用代码", "年度", "营业收入(万元)", "主营业务收入(万元)", "研发费用(万元)",
                          "职工人数", "研发人员数", "大专以上学历人数", "有效发明专利数"])
    for code in codes:
        staff = rng.randint(20, 500)
        ws.append([code, 2022, round(rng.uniform(500, 50000), 2), round(rng.uniform(400, 40000), 2),
                   round(rng.uniform(10, 2000), 2), staff, rng.randint(0, staff // 5), rng.randint(0, staff), rng.randint(0, 30)])
    ws = sheet("集群月度", ["集群名称", "年月", "本年累计营业收入(万元)", "企业数", "规上企业数"])
    for c in clusters:
        for month in range(1, 7):
            ws.append([c, f"2023-{month:02d}", 10000.0 * month, 60, 20])
    ws = sheet("指标填报", ["地区", "年月", "指标", "数值", "单位", "备注"])
    ws.append([unit.name, PERIOD, "工业云平台普及率", 63.5, "%", None])
    wb.save(path)


def time_openpyxl(files: list[Path]) -> tuple[float, int]:
    start, rows = time.perf_counter(), 0
    for f in files:
        rows += sum(len(df) for df in pd.read_excel(f, sheet_name=None, engine="openpyxl").values())
    return time.perf_counter() - start, rows


class _TimedStore(Store):
    """A Store that adds up the time spent writing, to split the ingest time."""
    write_seconds = 0.0

    def add(self, submission):
        start = time.perf_counter()
        try:
            return super().add(submission)
        finally:
            self.write_seconds += time.perf_counter() - start


def time_ingest(files: list[Path], store_dir: Path) -> tuple[float, float, int, int]:
    store = _TimedStore(store_dir)
    start = time.perf_counter()
    outcomes = ingest(files, store=store)
    seconds = time.perf_counter() - start
    rejected = [o for o in outcomes if o.rejected]
    if rejected:
        raise SystemExit(f"基准数据被拒收：{rejected[0].path}：{rejected[0].problems[:3]}")
    return seconds, store.write_seconds, sum(sum(o.result.rows.values()) for o in outcomes), len(outcomes)


def main() -> int:
    parser = argparse.ArgumentParser(description="入库速度基准：本工具完整入库 vs. pandas+openpyxl 仅读取")
    parser.add_argument("--enterprises", type=int, default=90_000, help="自带生成器的企业总数（默认 90000）")
    parser.add_argument("--keep", type=Path, help="把生成的文件和数据库留在此目录")
    parser.add_argument("--generator", choices=("demo", "own"), default="demo" if _demo_available() else "own",
                        help="demo：python -m analysis demo --size province（默认，可用时）；own：本脚本自带生成器")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        data_dir, store_dir = work / "files", work / "store"
        t0 = time.perf_counter()
        source = demo_files(data_dir, args.enterprises, args.generator)
        generated = time.perf_counter() - t0
        files = collect_files([data_dir])
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        ours, writing, stored_rows, n_files = time_ingest(files, store_dir)
        theirs, read_rows = time_openpyxl([f for f in files if f.suffix.lower() in (".xlsx", ".xlsm")])
        print(f"数据来源：{source}，生成用时 {generated:.1f} 秒；{n_files} 个文件，{size_mb:.1f} MB")
        print(f"{'步骤':<34}{'行数':>10}{'用时(秒)':>12}")
        print(f"{'本工具入库（读取+校验+入库）':<26}{stored_rows:>10}{ours:>12.2f}")
        print(f"{'  其中 读取+校验':<30}{stored_rows:>10}{ours - writing:>12.2f}")
        print(f"{'  其中 写入数据库':<30}{stored_rows:>10}{writing:>12.2f}")
        print(f"{'pandas+openpyxl 仅读取':<30}{read_rows:>10}{theirs:>12.2f}")
        print(f"倍数（openpyxl 读取 / 本工具入库）：{theirs / ours:.1f}×（目标 ≥ 5×）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
