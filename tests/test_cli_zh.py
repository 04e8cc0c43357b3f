"""argparse speaks Chinese: usage mistakes end in two Chinese lines with exit code 2; help has Chinese headings."""

from __future__ import annotations

import subprocess
import sys

import pytest

from analysis import paths

ENGLISH = (
    "usage:",
    "error:",
    "the following arguments are required",
    "invalid choice",
    "positional arguments",
    "options:",
    "show this help message",
)


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=paths.PROJECT_ROOT
    )


@pytest.mark.parametrize(
    "args, words",
    [
        (["progress"], "缺少必填参数：--as-of"),
        (["render", "weekly"], "无效的取值：'weekly'"),
        (["render", "monthly", "--period"], "参数 --period：须给出一个值"),
        (["bogus"], "无效的取值：'bogus'"),
        (["demo", "--seed", "x"], "无效的int值：'x'"),
        (["status", "--what"], "无法识别的参数：--what"),
    ],
)
def test_usage_mistakes_end_in_two_chinese_lines(args, words):
    result = cli(*args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 2 and lines[0].startswith("错误：") and words in lines[0]
    assert "--help" in lines[1] and not any(word in result.stderr for word in ENGLISH)


def test_help_has_chinese_headings():
    result = cli("ingest", "--help")
    assert result.returncode == 0 and result.stdout.startswith("用法：") and "显示本帮助并退出" in result.stdout
    assert not any(word in result.stdout for word in ENGLISH)
