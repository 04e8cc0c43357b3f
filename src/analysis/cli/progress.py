"""`python -m analysis progress`: every target against actuals at an as-of date."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.catalog.regions import load_regions
from analysis.catalog.targets import load_catalog, select
from analysis.cli.console import add_encoding_option, add_force_option, check_out, print_frame, write_xlsx
from analysis.progress.engine import compute_progress
from analysis.progress.narrative import sentence
from analysis.store.history import Store

CSV_COLUMNS = [
    "plan",
    "jurisdiction",
    "indicator",
    "kind",
    "period",
    "low",
    "high",
    "actual",
    "expected",
    "progress_pct",
    "time_pct",
    "status",
    "projected",
    "source",
]
EXTRA_CSV_COLUMNS = [
    "target_id",
    "indicator_name",
    "basis",
    "target_value",
    "comparison",
    "unit",
    "aspirational",
    "actual_source",
    "as_of",
    "eval_date",
    "window_start",
    "window_end",
    "expected_pct",
    "gap_pp",
    "met",
    "exceeded",
    "base_value",
    "base_date",
    "cagr_observed",
    "cagr_required",
    "trajectory_ratio",
    "trajectory",
    "previous",
    "mom",
    "data_month",
    "stale",
    "closed",
    "narrative",
    "in_force",
    "final",
    "shortfall",
    "met_on",
    "term",
    "light",
    "basis_source",
    "share_of_parent",
]
TABLE_HEADERS = {
    "jurisdiction": "地区",
    "indicator_name": "指标",
    "term": "期限",
    "basis": "口径",
    "target_value": "目标",
    "actual": "实际",
    "progress_pct": "完成率%",
    "expected_pct": "序时进度%",
    "gap_pp": "偏差(百分点)",
    "status": "状态",
    "shortfall": "差额",
    "met_on": "达标月份",
    "trajectory": "趋势",
    "projected": "预计期末",
    "mom": "环比",
    "actual_source": "来源",
}


def register(subparsers) -> None:
    p = subparsers.add_parser("progress", help="各项目标完成情况、序时进度与趋势")
    p.add_argument("--as-of", required=True, help="截至日期 YYYY-MM-DD")
    p.add_argument("--region", help="只看该地区（含上级方案分解到该地区的目标）")
    p.add_argument("--plan", help="方案编号")
    p.add_argument(
        "--format", choices=("table", "csv", "xlsx"), default="table", help="输出格式（默认 table；xlsx 须给 --out）"
    )
    p.add_argument("--out", help="xlsx 输出文件")
    add_force_option(p)
    add_encoding_option(p)
    p.add_argument(
        "--estimate-splits",
        action="store_true",
        help="为未下达分解目标的下级单位按基期占比测算目标（标注“测算”，仅供分析，不用于通报）",
    )
    p.add_argument("--store", help="数据库目录（默认 data/store 或环境变量 WORKBOOK_STORE）")
    p.set_defaults(func=run)


def _title(region: str | None, as_of: dt.date, latest: str) -> str:
    """ "石家庄市 2025年9月 目标进度（数据截至2025-09-30）": the data end at the as-of date or the store's
    latest month."""
    from analysis.reports.xlsx import data_cutoff, export_title

    where = load_regions().get(region).name if region else "全部地区"
    return export_title("目标进度", where, f"{as_of:%Y-%m}", data_cutoff(latest, as_of))


def _as_of(text: str) -> dt.date:
    from analysis.periods import parse_date

    return parse_date(text)


def progress_frame(
    store: Store, as_of: dt.date, plan: str | None = None, region: str | None = None, estimate_splits: bool = False
) -> pd.DataFrame:
    catalog = load_catalog()
    targets = select(catalog, plan=plan, kinds=None)
    frame = compute_progress(store, as_of, targets, estimate_splits=estimate_splits)
    if region:
        frame = frame[frame["jurisdiction"] == load_regions().get(region).name]
    frame = frame.reset_index(drop=True)
    frame["narrative"] = [sentence(row) for _, row in frame.iterrows()]
    return frame


def run(args) -> int:
    check_out(args)
    store = Store(args.store)
    latest = store.require_latest_period()
    as_of = _as_of(args.as_of)
    frame = progress_frame(store, as_of, args.plan, args.region, args.estimate_splits)
    if args.format == "csv":
        print_frame(frame[CSV_COLUMNS + EXTRA_CSV_COLUMNS].round(4), "csv", encoding=args.encoding)
        return 0
    shown = frame[list(TABLE_HEADERS)].round(1)
    shown["basis"] = shown["basis"].replace("", "未下达")  # a unit without an issued target: shown, not judged
    if args.format == "xlsx":
        write_xlsx({"进度": shown}, args.out, _title(args.region, as_of, latest), TABLE_HEADERS, force=args.force)
        return 0
    print_frame(shown, "table", TABLE_HEADERS)
    return 0
