"""`python -m analysis batch`, `due` and `run-due`: many reports at once, and the ones that are due."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from analysis.batch.run import REPORT_TIME_LIMIT_S, RegionSpec
from analysis.errors import InputError, UserError
from analysis.fsutil import check_output_dir


def register(subparsers) -> None:
    p = subparsers.add_parser("batch", help="批量生成月调度、季通报或方案终期评估，并更新报告索引")
    p.add_argument(
        "--kind",
        required=True,
        choices=["monthly", "quarterly", "final"],
        help="monthly（月调度）、quarterly（季通报）或 final（方案终期评估）",
    )
    p.add_argument("--period", help="月份 YYYY-MM 或季度 YYYY-Qn；latest 表示最新（月调度、季通报须指定）")
    p.add_argument("--plan", help="终期评估的方案编号，all 表示全部已到期方案（--kind final 须指定）")
    p.add_argument("--regions", default="all", help="all（默认，全部地区）或逗号分隔的地区名称")
    _common(p)
    p.add_argument("--force", action="store_true", help="输入未变的报告也重新生成")
    p.set_defaults(func=run_batch_cmd)

    p = subparsers.add_parser("due", help="列出已到期但尚未生成（或数据已更新）的报告")
    p.add_argument("--today", default=None, help="按此日期判断（YYYY-MM-DD，默认今天）")
    p.add_argument("--store", default=None, help="数据库目录")
    p.add_argument("--out", default=None, help="报告根目录（默认 reports/）")
    p.add_argument(
        "--formats",
        default="ipynb,html,pdf,xlsx",
        help="按这些输出格式判断是否已生成（与 run-due 的 --formats 一致，默认全部）",
    )
    p.add_argument("--since", default=None, help="只看此月份（YYYY-MM）及以后")
    p.set_defaults(func=run_due_list)

    p = subparsers.add_parser("run-due", help="生成全部到期报告（供 cron 或 systemd 定时调用）")
    p.add_argument("--today", default=None, help="按此日期判断（YYYY-MM-DD，默认今天）")
    p.add_argument("--since", default=None, help="只看此月份（YYYY-MM）及以后")
    _common(p)
    p.set_defaults(func=run_due_cmd)


def _common(p) -> None:
    p.add_argument("--workers", type=int, default=None, help="并行进程数（默认为 CPU 核数）")
    p.add_argument("--store", default=None, help="数据库目录")
    p.add_argument("--out", default=None, help="报告根目录（默认 reports/）")
    p.add_argument("--formats", default="ipynb,html,pdf,xlsx", help="输出格式，逗号分隔（默认全部）")
    p.add_argument("--no-progress", action="store_true", help="不显示进度条")
    p.add_argument(
        "--time-limit",
        dest="time_limit",
        type=float,
        default=REPORT_TIME_LIMIT_S,
        help=f"单份报告的时限（秒，默认 {REPORT_TIME_LIMIT_S}）；超时的报告记为失败，其余照常生成",
    )


def _today(text: str | None) -> dt.date:
    from analysis.periods import parse_date, today

    return parse_date(text) if text else today()


def _since(text: str | None) -> str | None:
    """--since as a month (2025-09, 2025/9, 2025年9月); anything else is refused, never silently ignored."""
    from analysis.periods import parse_month

    return parse_month(text) if text else None


def _existing_store(path: str | None) -> str | None:
    """A missing or empty store is an error: a misconfigured cron job must not do nothing quietly every day."""
    from analysis.store.history import Store

    store = Store(path)
    if not store.periods():
        raise InputError(f"数据库 {store.db_path} 不存在或尚无报送数据；请检查 --store 或环境变量 WORKBOOK_STORE")
    return path


def _finish(result) -> int:
    from analysis.batch.run import summary_lines

    print("\n".join(summary_lines(result)))
    return 1 if result.failed or result.problems else 0


def _time_limit(args) -> float:
    if args.time_limit <= 0:
        raise UserError(f"--time-limit 应为正数（秒），如 --time-limit 600，而不是 {args.time_limit:g}")
    return args.time_limit


def run_batch_cmd(args) -> int:
    from analysis.batch.run import run_batch
    from analysis.reports.render import parse_formats

    if args.workers is not None and args.workers < 1:
        raise UserError("--workers 应为正整数")
    if args.out:
        check_output_dir(args.out)
    groups = None
    if args.kind == "final":
        groups = _final_groups(args)
        if not groups:
            print("没有已到期的方案，未生成终期评估（终期评估须在方案到期后生成）。")
            return 0
    elif not args.period:
        raise UserError("批量生成月调度或季通报须指定 --period（如 2025-09、2025-Q3 或 latest）")
    result = run_batch(
        args.kind,
        args.period,
        args.regions,
        workers=args.workers,
        store=args.store,
        out=Path(args.out) if args.out else None,
        formats=parse_formats(args.formats),
        force=args.force,
        progress=not args.no_progress,
        plan=groups,
        time_limit=_time_limit(args),
    )
    return _finish(result)


def _final_groups(args) -> list[tuple[str, str, RegionSpec]]:
    """One group per plan asked for (all: every plan whose end has passed)."""
    from analysis.catalog.targets import load_catalog
    from analysis.periods import today
    from analysis.reports.final import find_plan

    if not args.plan:
        raise UserError("批量生成终期评估须指定 --plan 方案编号，或 --plan all（全部已到期方案）")
    if args.plan == "all":
        plans = [p.id for p in load_catalog().plans.values() if p.end < today()]
    else:
        names = [name.strip() for name in args.plan.replace("，", ",").split(",") if name.strip()]
        if not names:
            raise UserError(f"--plan 应为方案编号（多个用逗号分隔）或 all，而不是“{args.plan}”")
        plans = [find_plan(name).id for name in names]
    return [("final", plan_id, args.regions) for plan_id in plans]


def run_due_list(args) -> int:
    from analysis.batch.schedule import due_reports
    from analysis.reports.render import KIND_ZH, parse_formats

    due = due_reports(
        _today(args.today),
        store=_existing_store(args.store),
        out=Path(args.out) if args.out else None,
        since=_since(args.since),
        formats=parse_formats(args.formats),
    )
    if not due:
        print("没有到期未生成的报告。")
        return 0
    for item in due:
        print(f"{item.period}\t{KIND_ZH[item.kind]}\t{item.region}\t{item.reason}")
    print(f"共 {len(due)} 份到期报告待生成。", file=sys.stderr)
    return 0


def run_due_cmd(args) -> int:
    from analysis.batch.run import run_batch
    from analysis.batch.schedule import due_reports, plan
    from analysis.reports.render import parse_formats

    today = _today(args.today)
    out = check_output_dir(args.out) if args.out else None
    formats, limit = parse_formats(args.formats), _time_limit(args)
    due = due_reports(today, store=_existing_store(args.store), out=out, since=_since(args.since), formats=formats)
    print(f"{today.isoformat()}：到期待生成报告 {len(due)} 份。", flush=True)
    if not due:
        return 0
    result = run_batch(
        None,
        None,
        None,
        workers=args.workers,
        store=args.store,
        out=out,
        formats=formats,
        progress=not args.no_progress,
        plan=plan(due),
        time_limit=limit,
    )
    return _finish(result)
