"""`python -m analysis COMMAND`: one entry point; each command module registers itself.

A command module exposes `register(subparsers)`, which adds its parser(s) and sets
`func` to a callable taking the parsed args and returning an exit status.
"""

from __future__ import annotations

import argparse
import sys

from analysis.cli import argparse_zh
from analysis.errors import UserError

# Modules that contribute commands, in the order `--help` lists them.
COMMAND_MODULES = (
    "analysis.cli.targets",
    "analysis.cli.regions",
    "analysis.cli.notebooks",
    "analysis.cli.submissions",
    "analysis.cli.store",
    "analysis.cli.demo",
    "analysis.cli.progress",
    "analysis.cli.render",
    "analysis.cli.batch",
    "analysis.cli.analysts",
    "analysis.cli.serve",
    "analysis.cli.accounts",
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    argparse_zh.install()
    parser = argparse_zh.ArgumentParser(prog="python -m analysis", description="产业集群目标调度工作簿")
    parser.add_argument("--debug", action="store_true", help="出错时显示完整的调用栈（供维护人员排查）")
    # sub-commands' parsers are built by add_parser with the parent's class, so they speak Chinese too
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=argparse_zh.ArgumentParser)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that every `finally` runs (workers stopped, temporary files removed)."""


def _terminate_cleanly() -> None:
    import logging
    import signal

    def handler(signum, frame):
        # A stopped command says one line of its own. What the notebook client logs as its kernel goes down with it
        # ("Kernel died…", asyncio's "Task exception was never retrieved" at exit) would come after that line.
        logging.disable(logging.CRITICAL)
        raise Terminated

    signal.signal(signal.SIGTERM, handler)


DEBUG_ENV = "WORKBOOK_DEBUG"  # set (or pass --debug) to see the traceback behind a message


def main(argv: list[str] | None = None) -> int:
    import os

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if args.debug:
        os.environ[DEBUG_ENV] = "1"
    _terminate_cleanly()
    try:
        return _run(args)
    except Exception as err:  # noqa: BLE001 - a fault that is not the user's: one line, the traceback on request
        if os.environ.get(DEBUG_ENV):
            raise
        print(
            f"错误：程序内部出错（{type(err).__name__}：{str(err)[:200]}）；"
            f"请加 --debug（或设置环境变量 {DEBUG_ENV}=1）重新运行，并把输出交给维护人员",
            file=sys.stderr,
        )
        return 1


# What a stopped command leaves behind, said when it is stopped (SIGTERM or Ctrl-C); by command, then by the
# store's action; anything else gets the plain line.
STOPPED = {
    "ingest": "本次未完成的文件未入库，已入库的不受影响。",
    "render": "正在生成的报告未写出，此前已有的报告文件不受影响。",
    "notebook": "笔记本未执行完，未写出输出文件。",
    "batch": "已生成的报告保留，未完成的报告未写出；再次运行会接着生成。",
    "run-due": "已生成的报告保留，未完成的报告未写出；再次运行会接着生成。",
    "rebuild": "重建未完成，原数据库未改动。",
    "migrate": "迁移未完成，目标数据库未写入任何内容。",
    "backup": "备份未完成，请删除不完整的备份文件夹后重新备份。",
}


def stopped_message(args, signal_name: str) -> str:
    what = STOPPED.get(getattr(args, "action", None) or "") or STOPPED.get(getattr(args, "command", None) or "")
    return f"已{signal_name}。" + (what or "")


def _run(args) -> int:
    from analysis.errors import os_error_text

    try:
        return int(args.func(args) or 0)
    except Terminated:
        print(stopped_message(args, "终止（收到终止信号）"), file=sys.stderr)
        return 143
    except UserError as err:
        print(f"错误：{err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(stopped_message(args, "中断"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as err:
        if os_error_text(err) is None:
            raise
        print(f"错误：{os_error_text(err)}", file=sys.stderr)
        return 1
