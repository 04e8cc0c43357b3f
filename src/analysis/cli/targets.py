"""`python -m analysis targets [check]`: list the catalog, or report its consistency."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.catalog.checks import cascades, contradictions, implied_flows
from analysis.catalog.targets import (
    CATALOG_COLUMNS,
    KIND_NAMES_ZH,
    PERIOD_NAMES_ZH,
    PROGRESS_KINDS,
    check_quotes,
    load_catalog,
    select,
)
from analysis.catalog.views import plan_summary
from analysis.cli.console import (
    FORMATS,
    add_encoding_option,
    add_force_option,
    check_out,
    print_frame,
    render_frame,
    write_csv_text,
    write_xlsx,
)
from analysis.errors import UserError

TABLE_HEADERS = {
    "id": "编号",
    "plan": "方案",
    "jurisdiction": "地区",
    "indicator": "指标代码",
    "indicator_name": "指标",
    "kind": "类型",
    "period": "期限",
    "low": "下限",
    "high": "上限",
    "comparison": "比较",
    "unit": "单位",
    "aspirational": "预期性",
    "quote": "原文",
    "source": "来源",
    "note": "说明",
}
TABLE_COLUMNS = [
    "jurisdiction",
    "indicator_name",
    "kind",
    "period",
    "comparison",
    "low",
    "high",
    "unit",
    "aspirational",
    "quote",
]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "targets",
        help="列出目标库中各方案的量化目标；targets check 检查口径与层级分解；targets draft 从新方案原文读出目标草稿",
    )
    p.add_argument(
        "action",
        nargs="?",
        choices=["list", "summary", "check", "draft"],
        default="list",
        help="list（默认，逐条列出）、summary（各方案汇总）、check（口径与分解检查）或 draft（从方案原文读出目标草稿）",
    )
    p.add_argument("file", nargs="?", help="draft：方案原文文件（.txt、.pdf 或 .docx）")
    p.add_argument(
        "--plan", help="方案编号，如 shijiazhuang-2022-leaders（draft：新方案的编号，原文存为 data/policies/编号.txt）"
    )
    p.add_argument("--data-dir", help=argparse.SUPPRESS)
    p.add_argument("--region", help="地区名称（含其下级地区的方案）")
    p.add_argument("--kind", action="append", help="只列出某类目标（可重复），如 stock 或 存量、incentive 或 奖补标准")
    p.add_argument(
        "--format",
        choices=(*FORMATS, "xlsx", "yaml", "html"),
        default="table",
        help="输出格式（默认 table；xlsx 须给 --out）；draft 用 yaml（默认）、csv 或 html（核对页）",
    )
    p.add_argument("--out", help="xlsx 输出文件")
    add_force_option(p)
    add_encoding_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.action == "draft":
        from analysis.cli.draft import run_draft

        return run_draft(args)
    if args.file:
        raise UserError(f"targets {args.action} 不接受文件参数“{args.file}”；从方案原文读取目标请用 targets draft 文件")
    if args.format in ("yaml", "html"):
        raise UserError(f"--format {args.format} 只用于 targets draft；列出目标请用 table、csv、json 或 xlsx")
    check_out(args)
    catalog = load_catalog(Path(args.data_dir)) if args.data_dir else load_catalog()
    if args.action == "check":
        return _run_check(catalog, args.format, args.encoding)
    if args.action == "summary":
        print_frame(plan_summary(catalog), args.format, encoding=args.encoding)
        return 0
    frame = catalog.to_frame(select(catalog, args.plan, args.region, _kinds(args.kind)))
    if args.format == "table":
        shown = frame[TABLE_COLUMNS].assign(
            kind=frame["kind"].map(KIND_NAMES_ZH),
            period=frame["period"].map(PERIOD_NAMES_ZH),
            aspirational=frame["aspirational"].map({True: "力争", False: ""}),
        )
        print_frame(shown, "table", TABLE_HEADERS)
        print(f"\n共 {len(frame)} 条（其中进度目标 {int(frame['kind'].isin(PROGRESS_KINDS).sum())} 条）")
    elif args.format == "xlsx":
        shown = frame[CATALOG_COLUMNS].assign(
            kind=frame["kind"].map(KIND_NAMES_ZH), aspirational=frame["aspirational"].map({True: "力争", False: ""})
        )
        write_xlsx({"目标": shown}, args.out, _title(catalog, args.plan, args.region), TABLE_HEADERS, force=args.force)
    else:
        print_frame(frame[CATALOG_COLUMNS], args.format, encoding=args.encoding)
    return 0


def _title(catalog, plan: str | None, region: str | None) -> str:
    """The xlsx title row: the region and the plan when given (a catalog has no data cut-off)."""
    from analysis.catalog.regions import load_regions
    from analysis.reports.xlsx import export_title

    note = catalog.plans[plan].title if plan in catalog.plans else None
    return export_title("量化目标一览", load_regions().get(region).name if region else None, note=note)


def _run_check(catalog, fmt: str, encoding: str = "utf-8") -> int:
    sections = [
        ("方案内部口径不一致（同一地区、指标、期限的数量目标不同）", contradictions(catalog)),
        ("存量目标隐含的年增量与“每年”目标对比", implied_flows(catalog)),
        ("目标逐级分解（下级目标占上级目标的比例，%）", cascades(catalog)),
    ]
    if fmt == "csv":  # the three tables one after another, a blank line between, in one file (one BOM)
        write_csv_text("\r\n".join(render_frame(frame, "csv") for _, frame in sections), encoding=encoding)
    for title, frame in sections:
        if fmt == "table":
            print(f"\n【{title}】")
        if fmt != "csv":
            print_frame(frame, fmt)
    missing = check_quotes(catalog)
    for line in missing:
        print(line, file=sys.stderr)
    if fmt == "table":
        print(f"\n引文核对：{len(catalog.targets) - len(missing)}/{len(catalog.targets)} 条引文在原文中逐字找到。")
    return 0


def _kinds(kinds: list[str] | None) -> list[str] | None:
    """Kinds as given: the code (stock) or the Chinese name the table prints (存量)."""
    if not kinds:
        return kinds
    by_name = {zh: code for code, zh in KIND_NAMES_ZH.items()}
    out = []
    for kind in kinds:
        code = by_name.get(kind.strip(), kind.strip())
        if code not in KIND_NAMES_ZH:
            raise UserError(
                f"未知目标类型“{kind}”，可选：" + "、".join(f"{zh}（{c}）" for c, zh in KIND_NAMES_ZH.items())
            )
        out.append(code)
    return out
