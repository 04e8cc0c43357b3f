"""Printed names are safe (issue 23, item 4): a newline, ESC or bidi override in a file name or a cell is shown
escaped in every line `ingest` and `status` print, so no file can forge a line or drive the terminal."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.cli.console import render_frame
from analysis.errors import visible
from support.hostile import credit_codes

FORGED = "已入库：伪造文件.xlsx（第 999 号报送，填报期 2026-10，鹿泉区；企业名录 263 行）"
# a file name that would print a forged line, clear it and turn the rest red and right-to-left
NAME = f"新乐市-2026-10\n{FORGED}\r\x1b[2K\x1b[31m\u202e-企业名录.csv"
SHOWN = f"新乐市-2026-10\\n{FORGED}\\r\\x1b[2K\\x1b[31m\\u202e-企业名录.csv"


def cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *argv], capture_output=True, text=True, cwd=paths.PROJECT_ROOT
    )


def assert_clean(text: str) -> None:
    """No raw control, escape or bidi character (but the line ends, and the BOM that starts a CSV for Excel),
    and no line that the forgery starts."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "").replace("\n", "")
    assert visible(lines) == lines, repr(text)
    assert not any(line.lstrip().startswith("已入库：伪造文件") for line in text.splitlines())


def enterprises(path: Path, region: str = "新乐市") -> Path:
    [code] = credit_codes(1)
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["统一社会信用代码", "企业名称", "所属地区"], [code, "新乐甲公司", region]])
    return path


@pytest.fixture
def stored(tmp_path) -> Path:
    """A store holding the forged file name."""
    store = tmp_path / "store"
    done = cli("ingest", str(enterprises(tmp_path / NAME)), "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert_clean(done.stdout + done.stderr)
    assert f"已入库：{visible(str(tmp_path))}/{SHOWN}（第 1 号报送，填报期 2026-10，新乐市" in done.stdout
    return store


def test_a_forged_line_in_a_file_name_is_printed_escaped_by_ingest(stored):
    assert (stored / "workbook.sqlite").exists()


def test_status_shows_the_name_escaped_in_its_table_and_its_csv(stored):
    table = cli("status", "--store", str(stored))
    assert table.returncode == 0, table.stderr
    assert_clean(table.stdout)
    assert "新乐市-2026-10\\n已入库：伪造文件.xlsx" in table.stdout
    as_csv = cli("status", "--store", str(stored), "--format", "csv")
    assert_clean(as_csv.stdout)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout.lstrip("\ufeff"))))
    assert [r["文件"] for r in rows if r["状态"] == "已报送"] == [SHOWN]


def test_a_refused_file_and_its_cells_are_printed_escaped(tmp_path):
    bad = enterprises(tmp_path / NAME, region="新乐市\n已入库：伪造\x1b[2J")
    done = cli("ingest", str(bad), "--store", str(tmp_path / "store"))
    assert done.returncode == 1
    assert_clean(done.stdout + done.stderr)
    assert f"    {SHOWN}｜工作表“企业名录”｜第2行｜列“所属地区”｜值“新乐市\\n已入库：伪造\\x1b[2J”：" in done.stdout


def test_a_file_name_refused_while_reading_is_one_escaped_line(tmp_path):
    empty = tmp_path / NAME.replace(".csv", ".xlsx")
    empty.write_bytes(b"")
    done = cli("ingest", str(empty), "--store", str(tmp_path / "store"))
    assert done.returncode == 1
    assert_clean(done.stdout + done.stderr)
    assert f"    {SHOWN.replace('.csv', '.xlsx')}：文件为空" in done.stdout


@pytest.mark.parametrize(
    "text, shown",
    [
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("\x1b[31m红", "\\x1b[31m红"),
        ("\x00\x07\x7f\x85", "\\x00\\x07\\x7f\\x85"),
        ("甲\u202e乙\u2066丙\u200b丁\ufeff", "甲\\u202e乙\\u2066丙\\u200b丁\\ufeff"),
        ("行\u2028段\u2029", "行\\u2028段\\u2029"),
        ("新乐市　工信局 (x)\\n", "新乐市　工信局 (x)\\n"),  # ideographic space, a written backslash: as they are
        ("𠀀🏭", "𠀀🏭"),
    ],
)
def test_visible_escapes_what_moves_a_terminal_and_nothing_else(text, shown):
    assert visible(text) == shown and visible(shown) == shown


def test_every_table_the_cli_prints_escapes_its_cells_and_headers():
    frame = pd.DataFrame({"文件\x1b": ["a\x1b[2Jb", None], "行数": [3, 4]})
    text = render_frame(frame)
    assert "\x1b" not in text and "a\\x1b[2Jb" in text and "文件\\x1b" in text
    assert frame.iloc[0, 0] == "a\x1b[2Jb"  # the frame itself is left as it was
