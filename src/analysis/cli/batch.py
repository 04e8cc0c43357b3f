"""`python -m analysis batch`, `due` and `run-due`: many reports at once, and the ones that are due."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from analysis.errors import UserError


def register(subparsers) -> None:
    p = subparsers.add_parser("batch", help="批量生成月调度或季通报（全部县级单位及市、省），并更新报告索引")
    p.add_argument("--kind", required=True, choices=["monthly", "quarterly"], help="monthly（月调度）或 quarterly（季通报）")
    p.add_argument("--period", required=True, help="月份 YYYY-MM 或季度 YYYY-Qn；latest 表示最新")
    p.add_argument("--regions", default="all", help="all（默认，全部地区）或逗号分隔的地区名称")
    _common(p)
    p.add_argument("--force", action="store_true", help="输入未变的报告也重新生成")
    p.set_defaults(func=run_batch_cmd)

    p = subparsers.add_parser("due", help="列出已到期但尚未生成（或数据已更新）的报告")
    p.add_argument("--today", default=None, help="按此日期判断（YYYY-MM-DD，默认今天）")
    p.add_argument("--store", default=None, help="数据库目录")
    p.add_argument("--out", default=None, help="报告根目录（默认 reports/）")
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


def _today(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"日期“{text}”格式不对，应为 YYYY-MM-DD") from None


def _finish(result) -> int:
    from analysis.batch.run import summary_lines

    print("\n".join(summary_lines(result)))
    return 1 if result.failed else 0


def run_batch_cmd(args) -> int:
    from analysis.batch.run import run_batch
    from analysis.reports.render import parse_formats

    if args.workers is not None and args.workers < 1:
        raise UserError("--workers 应为正整数")
    result = run_batch(args.kind, args.period, args.regions, workers=args.workers, store=args.store,
                       out=Path(args.out) if args.out else None, formats=parse_formats(args.formats),
                       force=args.force, progress=not args.no_progress)
    return _finish(result)


def run_due_list(args) -> int:
    from analysis.reports.render import KIND_ZH
    from analysis.batch.schedule import due_reports

    due = due_reports(_today(args.today), store=args.store, out=Path(args.out) if args.out else None, since=args.since)
    if not due:
        print("没有到期未生成的报告。")
        return 0
    for item in due:
        print(f"{item.period}\t{KIND_ZH[item.kind]}\t{item.region}\t{item.reason}")
    print(f"共 {len(due)} 份到期报告待生成。", file=sys.stderr)
    return 0


def run_due_cmd(args) -> int:
    from analysis.batch.run import run_batch
    from analysis.reports.render import parse_formats
    from analysis.batch.schedule import due_reports, plan

    today = _today(args.today)
    out = Path(args.out) if args.out else None
    due = due_reports(today, store=args.store, out=out, since=args.since)
    print(f"{today.isoformat()}：到期待生成报告 {len(due)} 份。", flush=True)
    if not due:
        return 0
    result = run_batch(None, None, None, workers=args.workers, store=args.store, out=out,
                       formats=parse_formats(args.formats), progress=not args.no_progress, plan=plan(due))
    return _finish(result)
