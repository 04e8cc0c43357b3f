"""`python -m analysis store check` and `store backup DIR`: the store's health and a safe copy of it."""

from __future__ import annotations

from analysis.errors import InputError
from analysis.store.history import Store


def register(subparsers) -> None:
    p = subparsers.add_parser("store", help="检查数据库完整性（check）或做一致的备份（backup）")
    sub = p.add_subparsers(dest="action", metavar="操作", required=True)
    check = sub.add_parser("check", help="检查数据库是否完好（SQLite integrity_check）")
    check.add_argument("--store", metavar="目录", help="数据库目录（默认 data/store，或环境变量 WORKBOOK_STORE）")
    check.set_defaults(func=run_check)
    backup = sub.add_parser(
        "backup", help="把数据库完整复制到一个新文件夹（含尚未写回主文件的 WAL 内容；请用它备份，不要直接复制文件）"
    )
    backup.add_argument("dir", metavar="目录", help="备份到此文件夹（其中不能已有 workbook.sqlite）")
    backup.add_argument("--store", metavar="目录", help="数据库目录（默认 data/store，或环境变量 WORKBOOK_STORE）")
    backup.set_defaults(func=run_backup)


def _existing(path) -> Store:
    store = Store(path)
    if not store.exists():
        raise InputError(f"数据库 {store.db_path} 不存在；请检查 --store 或环境变量 WORKBOOK_STORE")
    return store


def run_check(args) -> int:
    store = _existing(args.store)
    problems = store.check()
    if problems:
        print(f"数据库 {store.db_path} 有 {len(problems)} 处问题（请用备份恢复）：")
        print("\n".join(f"  {line}" for line in problems[:20]))
        return 1
    print(
        f"数据库 {store.db_path} 完好：{len(store.submissions(include_superseded=True))} 份报送，"
        f"填报期 {'、'.join(store.periods()[:1] + store.periods()[-1:]) or '无'}"
    )
    return 0


def run_backup(args) -> int:
    store = _existing(args.store)
    target = store.backup(args.dir)
    print(f"已备份到 {target}（SQLite 在线备份，与备份时的数据库完全一致）")
    return 0
