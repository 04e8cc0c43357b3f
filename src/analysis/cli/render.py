"""`python -m analysis render monthly|quarterly --period P --region NAME`."""
from __future__ import annotations

from pathlib import Path

from analysis.reports.render import KIND_ZH, parse_formats, render_report


def register(subparsers) -> None:
    p = subparsers.add_parser("render", help="生成月调度或季通报（执行笔记本，导出 HTML、PDF、xlsx）")
    p.add_argument("kind", choices=["monthly", "quarterly"], help="monthly（月调度）或 quarterly（季通报）")
    p.add_argument("--period", required=True, help="月份 YYYY-MM 或季度 YYYY-Qn；latest 表示数据库中最新的月份（或最近一个数据齐全的季度）")
    p.add_argument("--region", required=True, action="append", help="地区名称（可重复）")
    p.add_argument("--formats", default="ipynb,html,pdf,xlsx", help="输出格式，逗号分隔（默认全部）")
    p.add_argument("--out", default=None, help="输出根目录（默认 reports/）")
    p.add_argument("--store", default=None, help="数据库目录")
    p.set_defaults(func=run)


def run(args) -> int:
    for region in args.region:
        result = render_report(args.kind, args.period, region, parse_formats(args.formats),
                               Path(args.out) if args.out else None, args.store)
        print(f"{result.region}{KIND_ZH[result.kind]}（{result.period}）已生成：")
        for fmt, path in result.files.items():
            if fmt != "facts":
                print(f"  {fmt:5s} {path}")
    from analysis.batch.index import write_index

    print(f"报告索引：{write_index(Path(args.out) if args.out else None)}")
    return 0
