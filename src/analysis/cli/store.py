"""`python -m analysis store check|backup|rebuild|migrate`: the store's health, a safe copy, a rebuild from the
archive, a copy to the other backend."""

from __future__ import annotations

import sys

from analysis.errors import InputError
from analysis.store.history import Store

STORE_HELP = "数据库：目录（SQLite，默认 data/store）或 postgresql://… 地址；也可用环境变量 WORKBOOK_STORE"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "store", help="检查数据库（check）、备份（backup）、从存档重建（rebuild）、迁移（migrate）"
    )
    sub = p.add_subparsers(dest="action", metavar="操作", required=True)
    check = sub.add_parser("check", help="核对数据库：结构、每份报送每部分的内容摘要、更正记录、存档")
    check.add_argument("--store", metavar="数据库", help=STORE_HELP)
    check.set_defaults(func=run_check)
    backup = sub.add_parser(
        "backup", help="把数据库连同存档完整复制到一个新文件夹（请用它备份，不要直接复制数据库文件）"
    )
    backup.add_argument("dir", metavar="目录", help="备份到此文件夹（其中不能已有 workbook.sqlite）")
    backup.add_argument("--store", metavar="数据库", help=STORE_HELP)
    backup.set_defaults(func=run_backup)
    rebuild = sub.add_parser(
        "rebuild", help="按原顺序重放存档中的每份报送文件，重建数据库（报送号、入库时间、更正记录与原来相同）"
    )
    rebuild.add_argument("--store", metavar="数据库", help=STORE_HELP)
    rebuild.set_defaults(func=run_rebuild)
    migrate = sub.add_parser("migrate", help="把数据库连同存档复制到另一个（空的）数据库，如从 SQLite 到 PostgreSQL")
    migrate.add_argument("--to", required=True, metavar="数据库", help="目标：目录或 postgresql://… 地址")
    migrate.add_argument("--store", metavar="数据库", help=STORE_HELP)
    migrate.set_defaults(func=run_migrate)


def _existing(location) -> Store:
    store = Store(location)
    if not store.exists():
        raise InputError(f"数据库 {store.location} 不存在；请检查 --store 或环境变量 WORKBOOK_STORE")
    return store


def run_check(args) -> int:
    from analysis.periods import period_text

    store = _existing(args.store)
    problems = store.check()
    archive_problems, notes = store.archive_report() if not problems else ([], [])
    if problems or archive_problems:
        found = problems + archive_problems
        print(f"数据库 {store.location} 有 {len(found)} 处与入库时不一致：")
        print("\n".join(f"  {line}" for line in found[:200]))
        if len(found) > 200:
            print(f"  ……另有 {len(found) - 200} 处未列出")
        repair = f"python -m analysis store rebuild --store {store.backend.store_arg}"
        print(f"修复：{repair}（按原顺序重放存档中的报送文件）")
        return 1
    periods = store.periods()
    shown = "、".join(dict.fromkeys(period_text(p) for p in periods[:1] + periods[-1:])) or "无"
    span = shown.replace("、", " 至 ") if len(periods) > 1 else shown
    print(f"数据库 {store.location} 完好：{len(store.submissions(include_superseded=True))} 份报送，填报期 {span}")
    for note in notes:
        print(f"注：{note}")
    return 0


def run_backup(args) -> int:
    store = _existing(args.store)
    target = store.backup(args.dir)
    print(f"已备份到 {target}（与备份时的数据库完全一致，含存档的原始文件）")
    return 0


def run_rebuild(args) -> int:
    from analysis.store.rebuild import rebuild

    store = Store(args.store)

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r重建中：{done}/{total}", end="", file=sys.stderr, flush=True)

    with store.ingest_lock():
        summary = rebuild(store, on_progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    moved = f"；原数据库文件已移到 {summary['damaged']}" if summary["damaged"] else ""
    print(f"已从存档重建数据库 {store.location}：{summary['submissions']} 份报送，核对无误{moved}")
    return 0


def run_migrate(args) -> int:
    store = _existing(args.store)
    target = store.migrate_to(args.to)
    count = len(target.submissions(include_superseded=True))
    print(f"已把数据库 {store.location} 连同存档复制到 {target.location}：{count} 份报送，核对无误")
    return 0
