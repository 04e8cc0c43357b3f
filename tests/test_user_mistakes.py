"""Every mistake a Chinese user makes, typed as the user would type it: a clean Chinese answer, never a traceback.

Each command runs in a subprocess (`python -m analysis ...`) so that the exit code, stdout and stderr are the
ones the user sees. A mistake is either accepted (the other forms of a month, quarter or date give exactly the
output of the canonical form) or refused: exit code 2 for a usage mistake, 1 for refused input or a missing
store; stderr starts with "错误：", is at most two lines, is Chinese, and has no traceback, no English argparse
text, no papermill banner and no ANSI colours.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import paths

ROOT = Path(paths.PROJECT_ROOT)
ENV = {key: value for key, value in os.environ.items() if key not in ("WORKBOOK_STORE", "WORKBOOK_DEBUG")}
ENV["PYTHONPATH"] = str(ROOT / "src")
CJK = re.compile(r"[\u4e00-\u9fff]")
# what must never reach the user: a traceback, argparse's English, papermill's banner, an internal fault's name
FORBIDDEN = (
    "Traceback",
    "usage:",
    "error:",
    "Error:",
    "the following arguments",
    "invalid choice",
    "unrecognized arguments",
    "PapermillExecutionError",
    "Exception encountered",
    "\x1b[",
    "程序内部出错",
    "IPKernelApp",
)
ERROR_NAME = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b")

PERIOD = "2025-09"  # the demo store's latest month
TODAY = "2025-10-20"  # a fixed "today" for due


@pytest.fixture(scope="module")
def store(demo_store) -> Path:
    """Two months of demo submissions (2025-08, 2025-09) for the 30 county-level units, ingested."""
    return demo_store


def cli(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=ENV,
        timeout=timeout,
    )


def assert_clean(result: subprocess.CompletedProcess) -> None:
    """Nothing a Chinese user should not see, on either stream."""
    both = result.stdout + result.stderr
    assert not any(word in both for word in FORBIDDEN), both[-2000:]
    assert not ERROR_NAME.search(result.stderr), result.stderr[-2000:]


def assert_refused(result: subprocess.CompletedProcess, code: int, *words: str) -> str:
    """Refused with `code`, one or two Chinese lines on stderr naming `words`; the message."""
    message = result.stderr.strip()
    lines = message.splitlines()
    assert result.returncode == code, (result.returncode, message[-2000:])
    assert message.startswith("错误：") and CJK.search(lines[0]) and len(lines) <= 2, message[-2000:]
    for word in words:
        assert word in message, (word, message)
    assert_clean(result)
    return message


def assert_accepted(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr[-2000:]
    assert_clean(result)
    return result.stdout


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


# --- usage mistakes argparse catches: Chinese, exit 2 -----------------------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (["progress"], "缺少必填参数：--as-of"),
        (["candidates", "--period", PERIOD], "缺少必填参数：--region"),
        (["batch", "--period", PERIOD], "缺少必填参数：--kind"),
        (["notebook"], "缺少必填参数：笔记本"),
        (["render", "weekly"], "无效的取值：'weekly'"),
        (["candidates", "--region", "井陉县", "--format", "pdf"], "无效的取值：'pdf'"),
        (["status", "--what"], "无法识别的参数：--what"),
        (["due", "--sinse", PERIOD], "无法识别的参数：--sinse"),
        (["batch", "--kind", "monthly", "--workers", "two"], "无效的int值：'two'"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_argparse_mistakes_are_two_chinese_lines_and_exit_2(args, words):
    message = assert_refused(cli(*args), 2, words)
    assert "--help" in message.splitlines()[-1]


# --- mistakes the commands catch: refused in Chinese, before any work -------------------------------------------

REFUSED = [
    # a month written without a separator: refused with a hint, not a TypeError
    (
        ["candidates", "--region", "井陉县", "--period", "202509", "--store", "{store}"],
        2,
        ["202509 这种写法无法区分年月，请写成 2025-09"],
    ),
    (["status", "--period", "202509", "--store", "{store}"], 2, ["202509", "应为 YYYY-MM"]),
    # --since must never be dropped silently (reports from 2026-01 on): a quarter or text is refused
    (["due", "--since", "2025-Q3", "--today", TODAY, "--store", "{store}"], 2, ["2025-Q3", "应为 YYYY-MM"]),
    (["due", "--since", "abc", "--today", TODAY, "--store", "{store}"], 2, ["abc", "应为 YYYY-MM"]),
    (
        ["due", "--since", "202509", "--today", TODAY, "--store", "{store}"],
        2,
        ["202509 这种写法无法区分年月，请写成 2025-09"],
    ),
    (
        [
            "run-due",
            "--since",
            "abc",
            "--today",
            TODAY,
            "--store",
            "{store}",
            "--out",
            "{tmp}/reports",
            "--no-progress",
        ],
        2,
        ["abc", "应为 YYYY-MM"],
    ),
    (["progress", "--as-of", "2025-09", "--store", "{store}"], 2, ["2025-09", "YYYY-MM-DD"]),
    (["due", "--today", "20251020", "--store", "{store}"], 2, ["20251020", "YYYY-MM-DD"]),
    # a missing store: exit 1, one Chinese line
    (["due", "--store", "{tmp}/missing"], 1, ["不存在或尚无报送数据", "--store"]),
    (["run-due", "--store", "{tmp}/missing", "--out", "{tmp}/reports", "--no-progress"], 1, ["不存在或尚无报送数据"]),
    (["candidates", "--region", "井陉县", "--store", "{tmp}/missing"], 1, ["数据库", "不存在"]),
    # a file where a folder is expected, or the reverse: refused naming the path, before any work
    (
        ["candidates", "--region", "井陉县", "--format", "xlsx", "--out", "{folder}", "--store", "{store}"],
        2,
        ["{folder}", "文件夹"],
    ),
    (["template", "--out", "{file}"], 2, ["{file}", "已有文件"]),
    (
        ["render", "monthly", "--period", PERIOD, "--region", "井陉县", "--out", "{file}", "--store", "{store}"],
        2,
        ["{file}", "已有文件"],
    ),
    (
        ["batch", "--kind", "monthly", "--period", PERIOD, "--out", "{file}", "--store", "{store}", "--no-progress"],
        2,
        ["{file}", "已有文件"],
    ),
    (
        ["run-due", "--today", TODAY, "--out", "{file}", "--store", "{store}", "--no-progress"],
        2,
        ["{file}", "已有文件"],
    ),
    (["notebook", "00-targets", "--out", "{file}"], 2, ["{file}", "已有文件"]),
    # unknown names, listing the known ones
    (["notebook", "02-nosuch", "--out", "{tmp}/nb"], 2, ["未找到笔记本“02-nosuch”", "00-targets"]),
    (
        ["notebook", "monthly-dispatch", "-p", "Period", PERIOD, "--out", "{tmp}/nb"],
        2,  # papermill would only warn
        ["没有参数 Period", "period、as_of"],
    ),
    (["targets", "--plan", "xinle"], 2, ["未知方案“xinle”", "xinle-2023-cluster-upgrade"]),
    (["status", "--region", "无此地", "--store", "{store}"], 2, ["未知地区“无此地”"]),
    (["candidates", "--region", "无此地", "--store", "{store}"], 2, ["未知地区“无此地”"]),
]


@pytest.mark.parametrize("args, code, words", REFUSED, ids=[" ".join(args) for args, _, _ in REFUSED])
def test_commands_refuse_mistakes_in_chinese(store, tmp_path, args, code, words):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    existing = tmp_path / "a-file.txt"
    existing.write_text("x", encoding="utf-8")
    fill = {"store": store, "tmp": tmp_path, "folder": folder, "file": existing}
    result = cli(*[a.format(**fill) for a in args])
    assert_refused(result, code, *[w.format(**fill) for w in words])
    assert existing.read_text(encoding="utf-8") == "x" and not list(folder.iterdir())
    assert "执行记录" not in result.stderr  # refused before a notebook ran
    assert not (tmp_path / "missing").exists() or not list((tmp_path / "missing").iterdir())


# --- notebooks: parameters as the user types them ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args, code, words",
    [
        (
            ["notebook", "monthly-dispatch", "-p", "period", "202506", "-p", "store", "{store}"],
            2,
            ["202506", "2025-06"],
        ),
        (
            ["notebook", "00-targets", "-p", "plan", "xinle"],
            2,
            ["未知方案“xinle”", "xinle-2023-cluster-upgrade", "shijiazhuang-2022-leaders"],
        ),
        (
            ["notebook", "01-explore", "-p", "indicator", "独角兽企业", "-p", "store", "{store}"],
            2,
            ["未知指标“独角兽企业”"],
        ),
    ],
    ids=["monthly-dispatch period 202506", "00-targets plan xinle", "01-explore indicator 独角兽企业"],
)
def test_a_mistake_inside_a_notebook_is_one_chinese_line(store, tmp_path, args, code, words):
    result = cli(*[a.format(store=store) for a in args], "--out", tmp_path / "nb")
    assert_refused(result, code, *words)
    assert not (tmp_path / "nb" / f"{args[1]}.html").exists()


def test_notebook_monthly_dispatch_with_only_as_of_works(store, tmp_path):
    facts = tmp_path / "facts.json"
    result = cli(
        "notebook",
        "monthly-dispatch",
        "-p",
        "as_of",
        "2025-06-20",
        "-p",
        "store",
        store,
        "-p",
        "facts_out",
        facts,
        "--out",
        tmp_path / "nb",
    )
    if result.returncode:  # refusing is fine, if it is clean
        assert result.returncode in (1, 2)
        assert_refused(result, result.returncode)
        return
    assert_accepted(result)
    assert (tmp_path / "nb" / "monthly-dispatch.html").is_file()
    assert json.loads(facts.read_text(encoding="utf-8"))["as_of"] == "2025-06-20"


def test_notebook_parameters_in_other_forms_give_the_same_report(store, tmp_path):
    def facts(name, *params):
        out = tmp_path / f"{name}.json"
        assert_accepted(
            cli(
                "notebook",
                "monthly-dispatch",
                "-p",
                "region",
                "井陉县",
                *params,
                "-p",
                "store",
                store,
                "-p",
                "facts_out",
                out,
                "--out",
                tmp_path / name,
            )
        )
        return json.loads(out.read_text(encoding="utf-8"))

    canonical = facts("canonical", "-p", "period", PERIOD, "-p", "as_of", "2025-09-20")
    other = facts("other", "-p", "period", "2025年9月", "-p", "as_of", "2025/9/20")
    assert canonical == other and canonical["period"] == PERIOD and canonical["as_of"] == "2025-09-20"
    assert canonical["rows"]


def test_render_with_a_missing_store_is_one_or_two_chinese_lines(tmp_path):
    # the quarter in a Chinese form: the executed notebook is kept under the canonical folder name 2025-Q3
    result = cli(
        "render",
        "quarterly",
        "--period",
        "2025年三季度",
        "--region",
        "井陉县",
        "--store",
        tmp_path / "missing",
        "--out",
        tmp_path / "reports",
        "--formats",
        "ipynb,html",
    )
    message = assert_refused(result, 1, "数据库")
    assert "Papermill" not in message and len(message) < 400
    assert (tmp_path / "reports" / "2025-Q3" / "quarterly" / "井陉县.failed.ipynb").is_file()
    assert not (tmp_path / "reports" / "2025-Q3" / "quarterly" / "井陉县.html").exists()


# --- accepted forms give the canonical form's output, byte for byte ---------------------------------------------

MONTH_FORMS = ["2025/9", "2025/09", "2025-9", "2025年9月", "2025.9"]
QUARTER_FORMS = ["2025Q3", "2025-q3", "2025年三季度", "2025年第三季度", "2025年第3季度"]


@pytest.mark.parametrize(
    "command, canonical, forms",
    [
        (["candidates", "--region", "井陉县", "--format", "csv", "--period"], PERIOD, ["2025/9", "2025年9月"]),
        (["status", "--format", "csv", "--period"], PERIOD, ["2025/9", "2025年9月"]),
        (["due", "--today", TODAY, "--out", "{tmp}/reports", "--since"], PERIOD, ["2025/9", "2025年9月"]),
        (
            ["progress", "--plan", "xinle-2023-cluster-upgrade", "--format", "csv", "--as-of"],
            "2025-09-30",
            ["2025/9/30", "2025年9月30日"],
        ),
        (["due", "--out", "{tmp}/reports", "--today"], TODAY, ["2025/10/20", "2025年10月20日"]),
        (["incentives", "--region", "西宁市", "--format", "csv", "--period"], "2025-Q3", ["2025Q3", "2025年三季度"]),
        (["incentives", "--region", "西宁市", "--format", "csv", "--period"], PERIOD, ["2025/9", "2025年9月"]),
    ],
    ids=[
        "candidates --period",
        "status --period",
        "due --since",
        "progress --as-of",
        "due --today",
        "incentives --period quarter",
        "incentives --period month",
    ],
)
def test_accepted_forms_give_the_canonical_output(store, tmp_path, command, canonical, forms):
    args = [a.format(tmp=tmp_path) for a in command]
    expected = assert_accepted(cli(*args, canonical, "--store", store))
    assert len(expected.strip().splitlines()) > 1, expected  # a real table, not just a header
    for form in forms:
        assert assert_accepted(cli(*args, form, "--store", store)) == expected, form


def test_due_since_a_month_starts_at_that_month(store, tmp_path):
    out = assert_accepted(
        cli("due", "--since", "2025/09", "--today", TODAY, "--out", tmp_path / "reports", "--store", store)
    )
    periods = [line.split("\t")[0] for line in out.splitlines()]
    assert periods and periods[0] == PERIOD and min(p[:7] for p in periods) == PERIOD


@pytest.mark.parametrize(
    "kind, forms, canonical",
    [
        ("monthly", ["2025-09", *MONTH_FORMS], "2025-09"),
        ("quarterly", ["2025-Q3", *QUARTER_FORMS], "2025-Q3"),
    ],
)
def test_render_and_batch_periods_normalise_to_one_folder(kind, forms, canonical):
    from analysis.reports.render import normalise_period, output_dir

    for form in forms:
        assert normalise_period(kind, form) == canonical, form
        assert output_dir(Path("reports"), kind, normalise_period(kind, form)) == Path("reports") / canonical / kind


@pytest.mark.parametrize("form", ["2025/9", "2025年9月"])
def test_demo_until_takes_the_forms_of_the_one_parser(tmp_path, form):
    result = cli("demo", "--out", tmp_path / "demo", "--until", form, "--months", "1")
    assert "填报期 2025-09 至 2025-09" in assert_accepted(result)


# --- names in other forms ----------------------------------------------------------------------------------------


def test_targets_kind_in_chinese_finds_the_stock_targets():
    chinese = assert_accepted(cli("targets", "--kind", "存量", "--format", "csv"))
    rows = csv_rows(chinese)
    assert rows and {row["kind"] for row in rows} == {"stock"}
    assert chinese == assert_accepted(cli("targets", "--kind", "stock", "--format", "csv"))


def test_status_of_a_region_by_its_short_name_lists_only_that_region(store):
    short = assert_accepted(cli("status", "--region", "大通县", "--format", "csv", "--store", store))
    rows = csv_rows(short)
    assert rows and {row["地区"] for row in rows} == {"大通回族土族自治县"}
    full = assert_accepted(cli("status", "--region", "大通回族土族自治县", "--format", "csv", "--store", store))
    assert short == full


def test_status_of_a_missing_store_says_so_and_creates_nothing(tmp_path):
    # status shows what the store holds; of a store that is not there it says so (in Chinese) and creates nothing
    out = assert_accepted(cli("status", "--store", tmp_path / "missing"))
    assert "尚无报送记录" in out and not (tmp_path / "missing").exists()


def test_status_of_one_period_lists_that_period(store):
    rows = csv_rows(assert_accepted(cli("status", "--period", PERIOD, "--format", "csv", "--store", store)))
    assert rows and {row["填报期"] for row in rows} == {PERIOD}
    table = assert_accepted(cli("status", "--period", PERIOD, "--store", store))
    assert "2025-08" not in table and PERIOD in table
