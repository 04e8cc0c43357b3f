"""`python -m analysis candidates` (后备培育库) and `python -m analysis incentives` (奖补资金测算)."""

from __future__ import annotations

from pathlib import Path

from analysis.analysts.candidates import LIST_HEADERS, candidates, resolve_rung, rung_order
from analysis.analysts.incentives import DETAIL_HEADERS, by_source, by_unit, estimate, not_estimable, parse_period
from analysis.cli.console import (
    add_encoding_option,
    add_force_option,
    check_out,
    print_frame,
    render_frame,
    write_csv_text,
    write_xlsx,
)
from analysis.errors import UserError
from analysis.periods import month_end, parse_month
from analysis.store.history import Store

CANDIDATE_SHOWN = ["unit", "rung", "rank", "name", "n_met", "n_criteria", "met_text", "missed_text"]
INCENTIVE_SHOWN = ["unit", "item", "count", "amount_each", "standard", "sought", "source", "share_pct", "amount"]


def register(subparsers) -> None:
    p = subparsers.add_parser("candidates", help="梯度培育后备库：按认定条件筛选候选企业")
    p.add_argument("--region", required=True, help="地区名称（列出其下各县级单位的候选企业）")
    p.add_argument(
        "--rung", action="append", help="培育梯度（可重复）：创新型、专精特新、小巨人、科技型、高新、规上；默认全部"
    )
    p.add_argument("--period", help="截至月份 YYYY-MM（默认数据库中最新的月份）")
    p.add_argument("--top", type=int, help="每个单位、每个梯度只列前 N 家")
    p.add_argument("--format", choices=("table", "csv", "xlsx"), default="table")
    p.add_argument("--store", help="数据库目录（默认 data/store 或环境变量 WORKBOOK_STORE）")
    p.add_argument("--out", help="输出文件（xlsx 必填；csv 默认输出到屏幕）")
    add_force_option(p)
    add_encoding_option(p)
    p.set_defaults(func=run_candidates)

    q = subparsers.add_parser("incentives", help="奖补资金测算：按期间新认定资质估算各级财政奖补")
    q.add_argument("--period", required=True, help="期间 YYYY、YYYY-MM 或 YYYY-Qn")
    q.add_argument("--region", help="只看该地区下的单位")
    q.add_argument(
        "--format", choices=("table", "csv", "xlsx"), default="table", help="输出格式（默认 table；xlsx 须给 --out）"
    )
    q.add_argument("--out", help="xlsx 输出文件")
    add_force_option(q)
    add_encoding_option(q)
    q.add_argument("--store", help="数据库目录（默认 data/store 或环境变量 WORKBOOK_STORE）")
    q.set_defaults(func=run_incentives)


def _store(path: str | None) -> Store:
    store = Store(path)
    store.require_latest_period()
    return store


def run_candidates(args) -> int:
    rungs = [resolve_rung(r) for r in args.rung] if args.rung else None
    period = parse_month(args.period) if args.period else None
    if args.format == "xlsx" and not args.out:
        raise UserError("输出 xlsx 时须用 --out 指定文件路径")
    if args.out:
        check_out(args)  # before any work: a folder, or an existing file without --force, is refused at once
    store = _store(args.store)
    period = period or store.require_latest_period()
    table = rung_order(candidates(store, args.region, rungs, period, args.top))
    if args.format == "xlsx":
        from analysis.reports.xlsx import data_cutoff, export_title, write_tables

        shown = table.drop(columns=["shortfall_score"]).rename(columns=LIST_HEADERS)
        title = export_title(
            "梯度培育后备库",
            _region_name(args.region),
            period,
            data_cutoff(store.require_latest_period(), month_end(period).date()),
        )
        write_tables(Path(args.out), {"后备培育库": shown}, title=title)
        print(f"已写入 {args.out}（{len(table)} 行）")
        return 0
    if args.format == "csv":
        return _emit(render_frame(table.round(4), "csv"), args.out, args.encoding)
    print_frame(table[CANDIDATE_SHOWN], "table", LIST_HEADERS)
    return 0


def _region_name(region: str | None) -> str:
    from analysis.catalog.regions import load_regions

    return load_regions().get(region).name if region else "全部地区"


def _emit(text: str, out: str | None, encoding: str = "utf-8") -> int:
    """CSV text (UTF-8 with a BOM for Excel, or GBK / GB18030) to a file or standard output."""
    write_csv_text(text, out, encoding)
    if out:
        print(f"已写入 {out}")
    return 0


def _incentive_title(store: Store, period: str, region: str | None) -> str:
    """ "西宁市 2025年第三季度 奖补资金测算（单位：万元；数据截至2025-09-30）"."""
    from analysis.reports.xlsx import data_cutoff, export_title

    until = parse_period(period)[1].date()
    return export_title(
        "奖补资金测算",
        _region_name(region),
        period.strip(),
        data_cutoff(store.require_latest_period(), until),
        note="单位：万元",
    )


def run_incentives(args) -> int:
    check_out(args)
    store = _store(args.store)
    detail = estimate(store, args.period, args.region)
    if args.format == "csv":
        print_frame(detail, "csv", encoding=args.encoding)
        return 0
    if args.format == "xlsx":
        write_xlsx(
            {
                "明细": detail[INCENTIVE_SHOWN].rename(columns=DETAIL_HEADERS),
                "按地区": by_unit(detail).round(2),
                "按资金来源": by_source(detail).round(2),
            },
            args.out,
            _incentive_title(store, args.period, args.region),
            force=args.force,
        )
        return 0
    print(f"奖补资金测算（{args.period}，单位：万元；标准为“最高”的按上限计）")
    print_frame(detail[INCENTIVE_SHOWN], "table", DETAIL_HEADERS)
    print("\n按地区、资金来源汇总：")
    print_frame(by_unit(detail).round(2), "table")
    print("\n按资金来源汇总：")
    print_frame(by_source(detail).round(2), "table")
    skipped = not_estimable()
    if skipped:
        print(f"\n另有 {len(skipped)} 项奖补按比例或按未登记的荣誉计发，数据库中无测算依据，未计入。")
    return 0
