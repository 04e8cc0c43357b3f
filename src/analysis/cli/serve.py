"""`python -m analysis serve`: the 报送平台 on one machine (waitress; production: docs/intake.md)."""

from __future__ import annotations

import os

STORE_HELP = "数据库目录或 PostgreSQL 地址（默认 data/store，或环境变量 WORKBOOK_STORE）"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve",
        help="启动报送平台（网页和接口）",
        description="在本机启动报送平台：各单位上传月度报送文件并立即看到检查结果，审核单位查看报送情况、退回、催报。"
        "供单机使用；正式部署见 docs/intake.md。",
    )
    p.add_argument("--store", metavar="目录", help=STORE_HELP)
    p.add_argument("--host", default="127.0.0.1", metavar="地址", help="监听地址（默认 127.0.0.1，只有本机可以访问）")
    p.add_argument("--port", type=int, default=8000, metavar="端口", help="监听端口（默认 8000）")
    p.add_argument("--threads", type=int, default=8, metavar="N", help="处理请求的线程数（默认 8）")
    p.add_argument("--demo-accounts", action="store_true", help="创建演示账号（每次启动重设随机密码）并打印")
    p.set_defaults(func=run)


def run(args) -> int:
    from analysis.errors import UserError
    from analysis.web.runtime import start

    if not 0 < args.port < 65536:
        raise UserError(f"端口应在 1–65535 之间，现为 {args.port}")
    start(args.store)
    from django.conf import settings

    if args.demo_accounts:
        _print_demo_accounts()
    from waitress import serve

    from analysis.web.wsgi import application

    address = f"http://{_shown_host(args.host)}:{args.port}/"
    print(f"报送平台已启动：{address} （数据库：{settings.STORE_LOCATION}；按 Ctrl+C 停止）")
    print("本命令供单机使用；正式部署请用 gunicorn 或 waitress 置于 nginx 之后，见 docs/intake.md", flush=True)
    _check_port(args.host, args.port)
    serve(
        application,
        host=args.host,
        port=args.port,
        threads=max(1, args.threads),
        max_request_body_size=2 * settings.UPLOAD_LIMIT_BYTES + 1024 * 1024,
        ident="workbook",
        _quiet=True,
    )
    return 0


def _check_port(host: str, port: int) -> None:
    """One Chinese line when the address cannot be listened on (taken, or not this machine's)."""
    import errno
    import socket

    from analysis.errors import UserError

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise UserError(f"端口 {port} 已被占用（可能已有一个报送平台在运行）；请用 --port 换一个端口") from None
        raise UserError(f"无法在 {host}:{port} 上监听（{os.strerror(err.errno or 0)}）；请检查 --host") from None


def _shown_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _print_demo_accounts() -> None:
    from analysis.web.demo import demo_accounts

    print("演示账号（本次启动的随机密码）：")
    for name, region, role, password in demo_accounts():
        print(f"  {role}  {region:<8}  账号 {name}  密码 {password}")
