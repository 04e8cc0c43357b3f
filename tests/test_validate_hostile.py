"""Hostile or odd input the validator must refuse cleanly (or accept) -- found by an adversarial
review: huge and infinite numbers, files without data rows, period labels with colons or error
cells, extra columns' values, control characters, formulas saved without results, empty sheets.

Every workbook is built in tmp_path from the good fixture's rows (tests/fixtures/make_bad.py).
"""
from __future__ import annotations

import copy
import importlib.util
import math
from pathlib import Path

import pytest

from analysis import validate
from analysis.errors import UserError
from analysis.validate import Problem, SubmissionRejected, read_submission

FIXTURES = Path(__file__).parent / "fixtures"
_spec = importlib.util.spec_from_file_location("make_bad", FIXTURES / "make_bad.py")
make_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad)
C1, C2, C3 = make_bad.C1, make_bad.C2, make_bad.C3


def _write(tmp_path: Path, change=None, name="t-2023-06.xlsx") -> Path:
    sheets = copy.deepcopy(make_bad.good_sheets())
    if change:
        change(sheets)
    path = tmp_path / name
    make_bad.write_xlsx(path, sheets)
    return path


def problems_of(path: Path, **kwargs) -> list[Problem]:
    with pytest.raises(SubmissionRejected) as info:
        read_submission(path, **kwargs)
    return info.value.problems


def _many_rows(sheets, copies: int = 3) -> None:
    """More finance rows, so that the column-wise (fast) path sees several cells of a kind."""
    rows = sheets["企业年度财务"]
    for year in range(2010, 2010 + copies):
        rows.append([C3, year, 100, 90, 5, 10, 1, 2, 0])


# --- 1, 2: huge and infinite numbers -------------------------------------------------------


@pytest.mark.parametrize("value", [10 ** 20, "100000000000000000000", 2 ** 53, "-9007199254740992", 2 ** 63])
def test_whole_number_too_large_is_refused_with_its_cell(tmp_path, value):
    def change(s):
        _many_rows(s)
        make_bad.set_cell(s, "企业年度财务", 3, "有效发明专利数", value)
    problems = problems_of(_write(tmp_path, change))
    hits = [p for p in problems if (p.sheet, p.row, p.column) == ("企业年度财务", 3, "有效发明专利数")]
    assert hits and "数值过大" in hits[0].reason, "\n".join(map(str, problems))
    assert hits[0].value == str(value)


def test_whole_number_below_the_bound_is_accepted(tmp_path):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "企业年度财务", 3, "有效发明专利数", 2 ** 53 - 1))
    assert read_submission(path).tables["企业年度财务"].loc[1, "有效发明专利数"] == 2 ** 53 - 1


@pytest.mark.parametrize("sheet, row, column, value", [
    ("企业年度财务", 2, "营业收入(万元)", "1" + "0" * 400),
    ("企业年度财务", 3, "研发费用(万元)", "2" + "0" * 308),
    ("指标填报", 3, "数值", "-1" + "0" * 400),
    ("集群月度", 2, "本年累计营业收入(万元)", "9" * 400),
], ids=["money", "money-309-digits", "negative-value", "cluster-income"])
def test_infinite_numbers_are_refused(tmp_path, sheet, row, column, value):
    def change(s):
        _many_rows(s)
        make_bad.set_cell(s, sheet, row, column, value)
    problems = problems_of(_write(tmp_path, change))
    hits = [p for p in problems if (p.sheet, p.row, p.column) == (sheet, row, column)]
    assert hits, "\n".join(map(str, problems))
    assert "数值过大" in hits[0].reason and hits[0].value.startswith(value[:20])


@pytest.mark.parametrize("value", ["1" + "0" * 400, "-1" + "0" * 400, math.inf, -math.inf, 10 ** 400],
                         ids=["text", "negative-text", "inf", "-inf", "huge-int"])
def test_parse_number_refuses_non_finite(value):
    with pytest.raises(validate._Bad, match="数值过大"):
        validate.parse_number(value)
