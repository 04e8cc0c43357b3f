"""A report's 附表 workbook an official would forward: integer counts and ranks, numbers as displayed, units in
headers, full table names through a 目录, a 说明 of every column, the issuer as author, cut text marked."""

from __future__ import annotations

import datetime as dt
import math
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis.reports.xlsx import CUT_MARK, EXCEL_TEXT_MAX, write_tables
from analysis.reports.xlsx_guide import UNDOCUMENTED, undocumented_columns

LONG_NAME = "附表3  专精特新中小企业、创新型中小企业和高新技术企业培育目标完成情况（分县区）"
ISSUER = "石家庄市工业和信息化局"
SIGNED = dt.date(2026, 1, 12)
CUTOFF = dt.date(2025, 12, 31)
TITLE = "关于2025年第四季度县域特色产业集群目标任务推进情况的通报 附表（数据截至2025年12月31日）"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    ranking = pd.DataFrame(
        {
            "地区": ["新乐市", "平山县", "赵县"],
            "综合得分": [118.2395515636513, 107.18, math.nan],
            "排名": [1.0, 2.0, math.nan],
            "指标数": [12.0, 11.0, math.nan],
        }
    )
    targets = pd.DataFrame(
        {
            "指标": ["专精特新中小企业", "研发投入占比", "上市企业"],
            "目标": ["75家", "3.5%", "30至50家"],
            "实际": [105.0, 3.3712, 31.0],
            "完成率%": [140.0, 96.32, 103.333],
        }
    )
    single_unit = pd.DataFrame({"地区": ["新乐市", "赵县"], "目标": ["21家", "8家"], "实际": ["29家", "7家"]})
    sheets = {"附表1  综合排名": ranking, LONG_NAME: targets, "附表4  分解目标": single_unit}
    path = write_tables(
        tmp_path_factory.mktemp("book") / "附表.xlsx",
        sheets,
        title=TITLE,
        issuer=ISSUER,
        report_date=SIGNED,
        contents=True,
        cutoff=CUTOFF,
        notes={"指标数": ("参与评分的目标个数", "本工作簿计算")},
    )
    return path, load_workbook(path), sheets


def header(sheet) -> list:
    return [c.value for c in sheet[2]]


def column(sheet, name: str) -> list:
    i = header(sheet).index(name)
    return [row[i] for row in sheet.iter_rows(min_row=3)]


def test_counts_and_ranks_are_integers(book):
    _, wb, _ = book
    sheet = wb["附表1  综合排名"]
    ranks, counts = column(sheet, "排名"), column(sheet, "指标数")
    assert [c.value for c in ranks] == [1, 2, None] and all(isinstance(c.value, int) for c in ranks[:2])
    assert ranks[0].number_format == "0" and counts[0].number_format == "#,##0" and counts[0].value == 12
    actual = column(wb["表2"], "实际")
    assert actual[0].value == 105 and actual[0].number_format == "#,##0"  # a count in a mixed column: not 105.00


def test_numbers_are_rounded_as_displayed_except_measured_values(book):
    _, wb, _ = book
    score = column(wb["附表1  综合排名"], "综合得分")[0]
    assert score.value == 118.2 and score.number_format == "0.0"  # not 118.2395515636513
    rate = column(wb["表2"], "完成率%")
    assert [c.value for c in rate] == [140.0, 96.3, 103.3]
    assert column(wb["表2"], "实际")[1].value == 3.3712  # a measured ratio keeps its precision


def test_targets_with_units_become_numbers_with_the_unit_in_the_header(book):
    _, wb, _ = book
    single = wb["附表4  分解目标"]
    assert header(single) == ["地区", "目标（家）", "实际（家）"]
    assert [c.value for c in column(single, "目标（家）")] == [21, 8]
    assert all(c.data_type == "n" for c in column(single, "实际（家）"))
    mixed = wb["表2"]
    assert header(mixed)[:4] == ["指标", "目标下限", "目标上限", "目标单位"]
    assert [c.value for c in column(mixed, "目标下限")] == [75, 3.5, 30]
    assert [c.value for c in column(mixed, "目标上限")] == [None, None, 50]
    assert [c.value for c in column(mixed, "目标单位")] == ["家", "%", "家"]


def test_full_names_through_the_contents_sheet(book):
    _, wb, sheets = book
    assert wb.sheetnames[:2] == ["目录", "说明"]
    assert "表2" in wb.sheetnames and all(len(n) <= 31 for n in wb.sheetnames)
    contents = wb["目录"]
    rows = [[c.value for c in row] for row in contents.iter_rows(min_row=3)]
    assert [r[1] for r in rows] == list(sheets)  # every full name, none cut
    assert [r[2] for r in rows] == ["附表1  综合排名", "表2", "附表4  分解目标"]
    assert contents["C4"].hyperlink.location == "'表2'!A1" or contents["C4"].hyperlink.target == "#'表2'!A1"
    assert wb["表2"]["A1"].value.startswith(LONG_NAME)  # the sheet's heading is its full name
    assert not any(LONG_NAME[:31] == n for n in wb.sheetnames)


def test_the_notes_sheet_explains_every_column_with_source_and_cut_off(book):
    _, wb, _ = book
    notes = wb["说明"]
    rows = [[c.value for c in row] for row in notes.iter_rows(min_row=3)]
    written = {(r[0], r[1]) for r in rows}
    for name in ("附表1  综合排名", LONG_NAME, "附表4  分解目标"):
        for col in header(wb[name] if name in wb.sheetnames else wb["表2"]):
            assert (name, col) in written
    assert all(r[2] and r[2] != UNDOCUMENTED and r[3] for r in rows), [r for r in rows if r[2] == UNDOCUMENTED]
    assert {r[4] for r in rows} == {"2025年12月31日"}


def test_the_file_names_the_issuer_and_the_report_date(book):
    path, wb, _ = book
    assert wb.properties.creator == ISSUER and wb.properties.lastModifiedBy == ISSUER
    assert wb.properties.created.date() == SIGNED and wb.properties.title == TITLE
    with zipfile.ZipFile(path) as archive:
        assert b"openpyxl" not in archive.read("docProps/core.xml")


def test_a_text_longer_than_a_cell_is_cut_with_a_mark(tmp_path):
    long = "企业申报材料正在补充完善" * 3000  # 36,000 characters
    exact = long[:EXCEL_TEXT_MAX]
    sheet = load_workbook(write_tables(tmp_path / "t.xlsx", {"表": pd.DataFrame({"说明": [long, exact]})})).active
    cut, whole = sheet["A2"].value, sheet["A3"].value
    assert len(cut) == EXCEL_TEXT_MAX and cut.endswith(CUT_MARK) and cut.startswith(long[:1000])
    assert whole == exact  # exactly the limit: kept whole, no mark


def test_undocumented_columns_are_listed():
    frame = pd.DataFrame({"地区": [], "神秘列": []})
    assert undocumented_columns({"表": frame}) == [("表", "神秘列")]
