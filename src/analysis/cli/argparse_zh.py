"""argparse in Chinese: its messages (usage, errors, help headings) and a two-line error.

argparse looks its messages up through `gettext` at the moment it prints them (the module-level `_` and
`ngettext`); pointing those at this table gives Chinese without touching how arguments are parsed.
"""

from __future__ import annotations

import argparse
import sys

MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "the following arguments are required: %s": "缺少必填参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的取值：%(value)r（可选：%(choices)s）",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "须给出一个值",
    "expected at most one argument": "最多给出一个值",
    "expected at least one argument": "至少给出一个值",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "无效的%(type)s值：%(value)r",
    "one of the arguments %s is required": "须给出以下参数之一：%s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
}
PLURALS = {"expected %s argument": "须给出 %s 个值"}


def _gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return PLURALS.get(singular, singular if n == 1 else plural)


def install() -> None:
    """Make argparse speak Chinese (idempotent)."""
    # argparse looks its messages up through these module globals (imported from gettext; not in typeshed)
    argparse._ = _gettext  # type: ignore[attr-defined]  # a module global typeshed does not list
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]  # a module global typeshed does not list


class ArgumentParser(argparse.ArgumentParser):
    """A parser whose usage mistakes end in two Chinese lines and exit code 2, without the usage dump."""

    def error(self, message: str):
        sys.stderr.write(f"错误：{message}\n（用法见：{self.prog} --help）\n")
        sys.exit(2)
