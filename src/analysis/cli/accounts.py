"""`python -m analysis accounts add|list|disable|token`: the 报送平台's accounts, kept with the store."""

from __future__ import annotations

import sys

from analysis.errors import UserError

ROLE_CHOICES = ("填报", "审核", "管理")
STORE_HELP = "数据库目录或 PostgreSQL 地址（默认 data/store，或环境变量 WORKBOOK_STORE）"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "accounts", help="管理报送平台的账号", description="报送平台的账号：新建、列出、停用、发放接口令牌。"
    )
    sub = p.add_subparsers(dest="accounts_command", metavar="操作", parser_class=type(p))
    add = sub.add_parser(
        "add", help="新建账号", description="新建账号：属于地区注册表中的一个地区，角色为填报、审核或管理。"
    )
    add.add_argument("name", metavar="账号")
    add.add_argument("--region", required=True, metavar="地区", help="账号所属地区（注册表中的规范名称）")
    add.add_argument(
        "--role", required=True, choices=ROLE_CHOICES, help="填报（本单位报送）、审核（本地区及所辖）或管理（账号）"
    )
    add.add_argument("--email", default="", metavar="邮箱", help="接收催报邮件的邮箱（可选）")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行），不交互询问")
    add.set_defaults(func=run_add)
    listing = sub.add_parser("list", help="列出账号", description="列出全部账号及其地区、角色和状态。")
    listing.set_defaults(func=run_list)
    disable = sub.add_parser(
        "disable", help="停用账号", description="停用账号（不能再登录，其接口令牌作废；记录保留）。"
    )
    disable.add_argument("name", metavar="账号")
    disable.set_defaults(func=run_disable)
    token = sub.add_parser(
        "token", help="发放新的接口令牌", description="为账号发放新的接口令牌（旧令牌作废），只输出令牌本身。"
    )
    token.add_argument("name", metavar="账号")
    token.set_defaults(func=run_token)
    for parser in (add, listing, disable, token):
        parser.add_argument("--store", metavar="目录", help=STORE_HELP)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def _start(args) -> None:
    from analysis.web.runtime import start

    start(args.store)


def run_add(args) -> int:
    _start(args)
    from analysis.web import accounts

    password = _read_password(args.password_stdin)
    account = accounts.add(args.name, args.region, args.role, password, args.email)
    print(f"已新建账号：{account.username}（{account.region}，{account.role}）")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UserError("标准输入中没有密码")
        return password
    import getpass

    if not sys.stdin.isatty():
        raise UserError("没有终端可以输入密码；请加 --password-stdin 并从标准输入给出密码")
    first = getpass.getpass("密码：")
    if first != getpass.getpass("再输入一次：") or not first:
        raise UserError("两次输入的密码不一致（或为空），未新建账号")
    return first


def run_list(args) -> int:
    _start(args)
    import pandas as pd

    from analysis.cli.console import render_frame
    from analysis.web import accounts

    rows = accounts.listing()
    if not rows:
        print("尚无账号；可用 python -m analysis accounts add 新建")
        return 0
    sys.stdout.write(render_frame(pd.DataFrame(rows)))
    return 0


def run_disable(args) -> int:
    _start(args)
    from analysis.web import accounts

    account = accounts.disable(args.name)
    print(f"已停用账号：{account.username}（其接口令牌已作废）")
    return 0


def run_token(args) -> int:
    _start(args)
    from analysis.web import accounts

    print(accounts.new_token(args.name))
    return 0
