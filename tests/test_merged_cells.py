"""Merged cells: a value merged over several rows counts for each of them, as Excel shows it,
except in number columns, where it would be counted twice and is refused."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest
from openpyxl import load_workbook

from analysis.submissions import readers
from analysis.submissions.validate import SubmissionRejected, read_submission

FIXTURES = Path(__file__).parent / "fixtures"
_spec = importlib.util.spec_from_file_location("make_bad", FIXTURES / "make_bad.py")
make_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad)


def _workbook(tmp_path: Path, change=None, merges: dict[str, list[str]] | None = None) -> Path:
    """The good fixture, changed, with `merges` ({sheet: ["C2:C3", …]}) applied as Excel would:
    the merged range keeps its first cell's value, the other cells are emptied."""
    sheets = copy.deepcopy(make_bad.good_sheets())
    if change:
        change(sheets)
    path = tmp_path / "新乐市-2023-06.xlsx"
    make_bad.write_xlsx(path, sheets)
    book = load_workbook(path)
    for sheet, ranges in (merges or {}).items():
        for ref in ranges:
            book[sheet].merge_cells(ref)
    book.save(path)
    return path


def test_a_region_merged_over_two_rows_belongs_to_both(tmp_path):
    path = _workbook(
        tmp_path, lambda s: make_bad.set_cell(s, "企业名录", 3, "所属地区", "新乐市"), {"企业名录": ["C2:C3"]}
    )
    raw = readers.read_workbook(path)
    assert raw.merged_cells["企业名录"] == {(3, 2): "C2"}
    assert raw.sheets["企业名录"].iat[2, 2] == "新乐市"  # the cell Excel shows under the merge
    enterprises = read_submission(path).tables["企业名录"]
    assert enterprises["所属地区"].tolist()[:2] == ["新乐市", "新乐市"] and enterprises["地区"].tolist()[1] == "新乐市"


def test_a_number_merged_over_two_rows_is_refused_on_the_rows_it_spans(tmp_path):
    path = _workbook(tmp_path, merges={"企业年度财务": ["C2:C3"]})
    with pytest.raises(SubmissionRejected) as info:
        read_submission(path)
    [problem] = info.value.problems
    assert (problem.sheet, problem.row, problem.column, problem.value) == (
        "企业年度财务",
        3,
        "营业收入(万元)",
        "12000.5",
    )
    assert "合并单元格（与 C2 合并）" in problem.reason


def test_a_two_row_header_with_merged_cells_is_read(tmp_path):
    def two_rows(sheets):
        header = sheets["企业名录"][0]
        sheets["企业名录"][0:1] = [[header[0], "企业信息", None, None, None, None], [None, *header[1:]]]

    path = _workbook(tmp_path, two_rows, {"企业名录": ["A1:A2", "B1:F1"]})
    enterprises = read_submission(path).tables["企业名录"]
    assert enterprises["_row"].tolist() == [3, 4, 5] and enterprises["统一社会信用代码"].iloc[0] == "91130184968971669E"
