"""Commands for submissions: `ingest`, `status`, `template`."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from analysis.cli.console import add_encoding_option
from analysis.errors import UserError, visible
from analysis.store.history import Store

PROGRESS_MIN_FILES = 10  # show a progress bar from this many files on
SHEET_COLUMNS = ("集群名录", "企业名录", "资质认定", "企业年度财务", "集群月度", "指标填报", "情况说明")
STATUS_FORMATS = ("table", "csv")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "ingest",
        help="导入报送文件（校验后入库）",
        description="导入报送文件或文件夹（含子文件夹）中的 .xlsx/.xlsm/.xls/.csv 文件：逐个校验，合格的入库。",
    )
    p.add_argument("paths", nargs="*", metavar="路径", help="文件或文件夹")
    p.add_argument("--period", metavar="YYYY-MM", help="填报期；不给时从各文件的“填报说明”表或文件名中读取")
    p.add_argument("--store", metavar="目录", help="数据库目录（默认 data/store，或环境变量 WORKBOOK_STORE）")
    p.add_argument("--quiet", action="store_true", help="只列出拒收的文件及其问题和最后的汇总（文件很多时使用）")
    p.add_argument(
        "--empty",
        metavar="工作表",
        help="登记某单位某工作表本期无数据（清空该表本期内容；须同时给 --region 和 --period）",
    )
    p.add_argument("--region", metavar="地区", help="与 --empty 一起使用：清空哪个单位的该工作表")
    p.add_argument(
        "--received-on",
        metavar="日期|mtime",
        help='文件的接收时间，用于判断是否按时报送：日期（如 2025-10-08）、日期和时间（如 "2025-10-08 14:30"），'
        "或 mtime（取各文件的修改时间，仅当文件保留了收到时的修改时间）；不给时接收时间记为未知，"
        "报送情况中只显示“已报”，不判断按时或逾期",
    )
    p.set_defaults(func=run_ingest)

    p = subparsers.add_parser(
        "status",
        help="查看库中已入库的报送和未报送单位",
        description="按填报期和地区列出已入库的报送（文件、SHA256、入库时间、各表行数），"
        "以及最新填报期尚未报送的县级单位。",
    )
    p.add_argument("--store", metavar="目录", help="数据库目录（默认 data/store，或环境变量 WORKBOOK_STORE）")
    p.add_argument(
        "--format",
        choices=STATUS_FORMATS,
        default="table",
        help="table（默认）或 csv（UTF-8 带 BOM，可直接用 Excel 打开）",
    )
    add_encoding_option(p)
    p.add_argument(
        "--region", metavar="地区", help="按该地区下全部县级单位核对未报送情况（默认只核对曾经报送过的单位）"
    )
    p.add_argument("--period", metavar="YYYY-MM", help="只列出该填报期（默认全部；未报送单位按该期核对，默认最新期）")
    p.add_argument("--all", action="store_true", help="同时列出已被更正替换的报送")
    p.set_defaults(func=run_status)

    p = subparsers.add_parser(
        "template", help="生成填报模板（.xlsx）", description="生成带下拉选项和填报说明的 Excel 填报模板。"
    )
    p.add_argument("--out", required=True, metavar="目录", help="模板输出目录")
    p.set_defaults(func=run_template)


# ---------------------------------------------------------------- ingest


def run_ingest(args) -> int:
    from tqdm import tqdm

    from analysis.store.ingest import check_period, check_received_on, collect_files, describe, ingest_files, summary

    period = check_period(args.period)
    received_on = check_received_on(getattr(args, "received_on", None))
    store = Store(args.store)
    if getattr(args, "empty", None):
        return _run_empty(store, args.empty, args.region, period, args.paths)
    if not args.paths:
        raise UserError("请给出要导入的文件或文件夹；登记某表本期无数据请用 --empty 工作表 --region 地区 --period 年月")
    files = collect_files(args.paths)
    if not files:
        raise UserError("所给路径下没有 .xlsx、.xlsm、.xls 或 .csv 文件")
    quiet = getattr(args, "quiet", False)
    cwd = Path.cwd()
    tqdm.monitor_interval = 0  # no monitor thread: ingest forks its worker processes
    # disable=None: tqdm draws the bar only when stderr is a terminal, never into a log file or pipe
    with tqdm(
        total=len(files),
        desc="导入",
        unit="个文件",
        file=sys.stderr,
        disable=True if len(files) < PROGRESS_MIN_FILES else None,
    ) as bar:

        def show(outcome) -> None:
            bar.update(1)
            if outcome.rejected or outcome.notes or not quiet:  # a resolved name is never passed over silently
                for line in describe(outcome, cwd):
                    tqdm.write(visible(line), file=sys.stdout)  # a name holding a newline or ESC forges no line

        def wait() -> None:
            print(f"另一个导入正在写入数据库 {visible(store.db_path)}，等待其结束后继续……", file=sys.stderr, flush=True)

        outcomes = list(ingest_files(store, files, period, on_outcome=show, on_wait=wait, received_on=received_on))
    print(summary(outcomes))
    return 1 if any(o.rejected for o in outcomes) else 0


def _run_empty(store: Store, sheet: str, region: str | None, period: str | None, paths: list[str]) -> int:
    """`ingest --empty SHEET --region UNIT --period P`: the unit has no rows in that sheet for the period."""
    from analysis.catalog.regions import load_regions

    if paths:
        raise UserError("--empty 只登记“本期无数据”，不能同时导入文件")
    if not region or not period:
        raise UserError("--empty 须同时给出 --region 地区 和 --period 年月（如 --region 鹿泉区 --period 2026-11）")
    unit = load_regions().get(region).name
    result = store.empty(sheet, unit, period)
    replaced = (
        f"，替换第 {'、'.join(map(str, result.superseded))} 号报送的该表内容"
        if result.superseded
        else "（此前无该表内容）"
    )
    print(f"已登记本期无数据：{unit} {period} {sheet}（第 {result.submission_id} 号报送）{replaced}")
    return 0


# ---------------------------------------------------------------- status


def run_status(args) -> int:
    store = Store(args.store)
    table = status_table(store, include_superseded=args.all)
    if table.empty:
        print(f"库中尚无报送记录（{visible(store.db_path)}）")
        return 0
    table["文件"] = table["文件"].map(visible)  # file names are the submitters' words: shown escaped, table and CSV
    from analysis.catalog.regions import load_regions
    from analysis.periods import parse_month

    latest = parse_month(args.period) if getattr(args, "period", None) else store.require_latest_period()
    if getattr(args, "period", None):
        table = table[table["填报期"] == latest]
    if args.region:
        # --region narrows the list to the region and the units under it, as it narrows the check of who is missing
        registry = load_regions()
        places = {registry.get(args.region).name, *(u.name for u in registry.units_under(args.region))}
        table = table[table["地区"].isin(places)]
    missing, scope = missing_units(store, latest, args.region)
    if args.format == "csv":
        rows = pd.concat([table, _missing_rows(missing, latest)], ignore_index=True)
        rows["报送号"] = rows["报送号"].astype("Int64")
        _write_csv_with_bom(rows, args.encoding)
        return 0
    from analysis.cli.console import render_frame

    shown = table.assign(SHA256=table["SHA256"].str[:12])
    shown[list(SHEET_COLUMNS)] = shown[list(SHEET_COLUMNS)].astype(object).where(shown[list(SHEET_COLUMNS)].notna(), "")
    sys.stdout.write("已入库的报送：\n" + render_frame(shown))
    which = "填报期" if getattr(args, "period", None) else "最新填报期"
    header = f"\n{which} {latest} 未报送的县级单位（核对范围：{scope}）："
    print(header + (f"{len(missing)} 个\n" + "、".join(missing) if missing else "无"))
    return 0


def status_table(store: Store, include_superseded: bool = False) -> pd.DataFrame:
    """One row per period, unit and submission, with the row count of each sheet (Chinese headers)."""
    parts = store.parts(include_superseded)
    columns = ["填报期", "地区", "状态", "报送号", "文件", "SHA256", "入库时间", *SHEET_COLUMNS]
    if parts.empty:
        return pd.DataFrame(columns=columns)
    counts = parts.pivot_table(
        index=["period", "unit", "submission_id"], columns="sheet", values="n_rows", aggfunc="sum"
    ).reset_index()
    superseded = parts.groupby(["period", "unit", "submission_id"])["superseded_by"].max().reset_index()
    subs = store.submissions(include_superseded=True).rename(columns={"id": "submission_id"})
    table = counts.merge(superseded, on=["period", "unit", "submission_id"]).merge(
        subs[["submission_id", "file_name", "sha256", "ingested_at"]], on="submission_id"
    )
    table["状态"] = table["superseded_by"].map(lambda s: "已报送" if pd.isna(s) else f"已被第 {s} 号更正")
    for sheet in SHEET_COLUMNS:
        table[sheet] = (
            table[sheet].astype("Int64") if sheet in table else pd.Series(pd.NA, index=table.index, dtype="Int64")
        )
    table = table.rename(
        columns={
            "period": "填报期",
            "unit": "地区",
            "submission_id": "报送号",
            "file_name": "文件",
            "sha256": "SHA256",
            "ingested_at": "入库时间",
        }
    )
    return table[columns].sort_values(["填报期", "地区", "报送号"]).reset_index(drop=True)


def missing_units(store: Store, period: str, region: str | None) -> tuple[list[str], str]:
    """County-level units with no current submission for `period`, and the scope checked (Chinese)."""
    from analysis.catalog.regions import load_regions

    registry = load_regions()
    if region:
        expected = [r.name for r in registry.units_under(region)]
        scope = f"{registry.get(region).name}下全部县级单位"
    else:
        ever = set(store.parts()["unit"])
        expected = [u for u in ever if (r := registry.resolve(u)) is None or r.is_unit]
        expected = _registry_order(expected, registry)
        scope = "曾经报送过的县级单位"
    submitted = store.submitted_units(period)
    return [u for u in expected if u not in submitted], scope


def _registry_order(names: list[str], registry) -> list[str]:
    order = {r.name: i for i, r in enumerate(registry)}
    return sorted(names, key=lambda n: (order.get(n, len(order)), n))


def _missing_rows(missing: list[str], period: str) -> pd.DataFrame:
    return pd.DataFrame({"填报期": period, "地区": missing, "状态": "未报送"})


def _write_csv_with_bom(frame: pd.DataFrame, encoding: str = "utf-8") -> None:
    # Excel opens a UTF-8 CSV correctly only with a BOM (otherwise it assumes the ANSI/GBK code page).
    from analysis.cli.console import render_frame, write_csv_text

    write_csv_text(render_frame(frame, "csv"), encoding=encoding)


# ---------------------------------------------------------------- template


def run_template(args) -> int:
    from analysis.fsutil import check_output_dir
    from analysis.submissions.template import write_templates

    written = write_templates(check_output_dir(args.out, "模板输出目录"))
    for path in written:
        print(f"已生成：{path}")
    return 0
