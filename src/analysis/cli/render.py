"""`python -m analysis render monthly|quarterly --period P --region NAME` and `render final --plan ID`."""

from __future__ import annotations

from pathlib import Path

from analysis.errors import UserError
from analysis.fsutil import check_output_dir
from analysis.reports.render import KIND_ZH, parse_formats, render_report


def register(subparsers) -> None:
    p = subparsers.add_parser("render", help="生成月调度、季通报或方案终期评估（执行笔记本，导出 HTML、PDF、xlsx）")
    p.add_argument(
        "kind",
        choices=["monthly", "quarterly", "final"],
        help="monthly（月调度）、quarterly（季通报）或 final（方案终期评估）",
    )
    p.add_argument(
        "--period", help="月份 YYYY-MM 或季度 YYYY-Qn；latest 表示最近一个已结束的月份（或三个月都已结束的季度）"
    )
    p.add_argument("--region", action="append", help="地区名称（可重复）；终期评估默认为方案的实施地区")
    p.add_argument("--plan", help="终期评估的方案编号（python -m analysis targets summary 可查）")
    p.add_argument("--as-of", dest="as_of", help="终期评估的截至日期 YYYY-MM-DD（默认数据库中最新完整月份的最后一天）")
    p.add_argument("--draft", action="store_true", help="期间尚未结束时生成草稿（每页及文件名标注“草稿”）")
    p.add_argument(
        "--remarks",
        default=None,
        help="终期评估：发文单位自己撰写的段落（文本文件，以【主要成效】【存在问题及原因】【下一步工作建议】等标明章节）",
    )
    p.add_argument("--formats", default="ipynb,html,pdf,xlsx", help="输出格式，逗号分隔（默认全部）")
    p.add_argument("--out", default=None, help="输出根目录（默认 reports/）")
    p.add_argument("--store", default=None, help="数据库目录")
    p.set_defaults(func=run)


def _requests(args) -> list[tuple[str, str | None]]:
    """(period or plan, region) pairs the arguments ask for, with a Chinese message for what is missing."""
    if args.remarks and args.kind != "final":
        raise UserError("--remarks 只用于终期评估（render final）")
    if args.kind == "final":
        if not args.plan:
            raise UserError("生成终期评估须指定 --plan 方案编号（python -m analysis targets summary 可查）")
        return [(args.plan, region) for region in (args.region or [None])]
    if not args.period:
        raise UserError(f"生成{KIND_ZH[args.kind]}须指定 --period（如 2025-09、2025-Q3 或 latest）")
    if not args.region:
        raise UserError(f"生成{KIND_ZH[args.kind]}须指定 --region 地区名称")
    return [(args.period, region) for region in args.region]


def run(args) -> int:
    formats = parse_formats(args.formats)
    if args.out:
        check_output_dir(args.out)
    for period, region in _requests(args):
        result = render_report(
            args.kind,
            period,
            region,
            formats,
            Path(args.out) if args.out else None,
            args.store,
            draft=args.draft,
            as_of=args.as_of,
            remarks=args.remarks,
        )
        print(f"{result.region}{KIND_ZH[result.kind]}（{result.period}）已生成：")
        for fmt, path in result.files.items():
            if fmt != "facts":
                print(f"  {fmt:5s} {path}")
    from analysis.batch.index import write_index

    print(f"报告索引：{write_index(Path(args.out) if args.out else None)}")
    return 0
