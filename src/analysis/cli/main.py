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
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    argparse_zh.install()
    parser = argparse_zh.ArgumentParser(prog="python -m analysis", description="产业集群目标调度工作簿")
    # sub-commands' parsers are built by add_parser with the parent's class, so they speak Chinese too
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=argparse_zh.ArgumentParser)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that every `finally` runs (workers stopped, temporary files removed)."""


def _terminate_cleanly() -> None:
    import signal

    def handler(signum, frame):
        raise Terminated

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    _terminate_cleanly()
    try:
        return int(args.func(args) or 0)
    except Terminated:
        print("已终止（收到终止信号），本次未完成的文件未入库，已入库的不受影响。", file=sys.stderr)
        return 143
    except UserError as err:
        print(f"错误：{err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
