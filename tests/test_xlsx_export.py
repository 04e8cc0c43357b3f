"""The exported workbook reopened with openpyxl, as Excel or WPS would read it."""

from __future__ import annotations

import datetime as dt
import math
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis.periods import period_text as period_label
from analysis.reports.xlsx import STATUS_FILLS, data_cutoff, display_width, export_title, write_tables

HOSTILE = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", "＝1+1", "＋1", "－1", "＠x"]
TITLE = "石家庄市 2025年9月 专精特新企业培育进度（数据截至2025年9月30日）"


@pytest.fixture
def progress() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "地区": ["石家庄市", "唐山市", "邯郸市", "<script>alert(1)</script>", "邢台市", "保定市"],
            "企业数": [612, 480, 300, 12, 0, 77],
            "完成率(%)": [81.64, 102.0, 45.25, np.nan, 0.0, 66.666],
            "落后序时进度百分点": [3.44, -1.2, 30.0, np.nan, 70.0, 8.0],
            "金额": [1234.5, 2.0, np.nan, 3.333, 0.0, 1.0],
            "截至日期": pd.to_datetime(["2025-09-30", "2025-09-30", None, "2025-08-31", "2025-09-30", "2025-09-30"]),
            "状态": ["超序时", "已完成", "严重滞后", "无数据", "落后序时", "基本同步"],
        }
    )


@pytest.fixture
def book(tmp_path, progress):
    hostile = pd.DataFrame({"企业名称": HOSTILE, "备注": ["正常"] * len(HOSTILE)})
    out = write_tables(tmp_path / "进度表.xlsx", {"市级汇总": progress, "可疑/名称:表?": hostile}, title=TITLE)
    return out, load_workbook(out)


def header_row(sheet) -> int:
    """The header is the row above the frozen panes: 2 under a title, else 1."""
    return int(sheet.freeze_panes[1:]) - 1


def column(sheet, header: str) -> list:
    top = header_row(sheet)
    names = [c.value for c in sheet[top]]
    idx = names.index(header)
    return [row[idx] for row in sheet.iter_rows(min_row=top + 1)]


def test_numbers_stay_numbers_with_formats(book):
    _, wb = book
    sheet = wb["市级汇总"]
    counts = column(sheet, "企业数")
    assert [c.value for c in counts] == [612, 480, 300, 12, 0, 77]
    assert all(c.data_type == "n" and c.number_format == "#,##0" for c in counts)  # thousands separators
    rates = column(sheet, "完成率(%)")
    assert rates[0].value == 81.6 and rates[0].number_format == "0.0"  # rounded as displayed
    assert rates[3].value is None  # NaN -> empty cell
    assert column(sheet, "落后序时进度百分点")[1].value == pytest.approx(-1.2)
    assert column(sheet, "落后序时进度百分点")[1].number_format == "0.0"
    amounts = column(sheet, "金额")
    assert amounts[0].value == pytest.approx(1234.5) and amounts[0].number_format == "#,##0.00"
    assert amounts[2].value is None


def test_dates_are_dates(book):
    _, wb = book
    dates = column(wb["市级汇总"], "截至日期")
    assert dates[0].value == dt.datetime(2025, 9, 30) and dates[0].is_date
    assert dates[0].number_format == "yyyy-mm-dd"
    assert dates[2].value is None  # NaT


def test_title_row_above_a_frozen_filtered_header(book, progress):
    _, wb = book
    for sheet in wb.worksheets:
        assert sheet["A1"].value == TITLE and sheet["A1"].font.b and sheet["B1"].value is None
        assert sheet.freeze_panes == "A3"  # panes frozen below the header row
        assert all(c.font.b and c.fill.fgColor.rgb.endswith("DDEBF7") for c in sheet[2])
        assert sheet.print_title_rows == "$2:$2"
    assert wb["市级汇总"].auto_filter.ref == f"A2:G{len(progress) + 2}"  # header and data, not the title
    assert wb["可疑_名称_表_"].auto_filter.ref == f"A2:B{len(HOSTILE) + 2}"


def test_pandas_reads_the_table_under_the_title(book, progress):
    path, _ = book
    back = pd.read_excel(path, sheet_name="市级汇总", header=1, engine="openpyxl")
    assert list(back.columns) == list(progress.columns)
    assert back["企业数"].tolist() == [612, 480, 300, 12, 0, 77] and back["地区"][0] == "石家庄市"
    assert back["截至日期"][0] == pd.Timestamp("2025-09-30")


def test_without_a_title_the_header_is_row_one(tmp_path):
    sheet = load_workbook(
        write_tables(tmp_path / "n.xlsx", {"表": pd.DataFrame({"地区": ["新乐市"], "数": [3]})})
    ).active
    assert [c.value for c in sheet[1]] == ["地区", "数"] and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B2" and sheet.print_title_rows == "$1:$1"


def test_export_titles():
    assert export_title("目标进度", "石家庄市", "2025-09", dt.date(2025, 9, 30)) == TITLE.replace(
        "专精特新企业培育进度", "目标进度"
    )
    assert (
        export_title("奖补资金测算", "西宁市", "2025-Q3", dt.date(2025, 9, 30), note="单位：万元")
        == "西宁市 2025年第三季度 奖补资金测算（单位：万元；数据截至2025年9月30日）"
    )
    assert export_title("量化目标一览") == "量化目标一览"
    assert [period_label(p) for p in ("2025-09", "2025-Q1", "2025q4", "2025")] == [
        "2025年9月",
        "2025年第一季度",
        "2025年第四季度",
        "2025年",
    ]
    assert data_cutoff("2025-09") == dt.date(2025, 9, 30)  # the store's latest month
    assert data_cutoff("2025-09", dt.date(2025, 6, 30)) == dt.date(2025, 6, 30)  # or an earlier as-of date
    assert data_cutoff("2024-02", dt.date(2025, 6, 30)) == dt.date(2024, 2, 29)


def test_iso_date_text_becomes_excel_dates(tmp_path):
    frame = pd.DataFrame(
        {
            "认定日期": ["2025-09-15", "", "2024-02-29"],
            "入库时间": ["2025-10-01 08:30:00", None, "2025-10-02T09:00"],
            "达标月份": ["2025-09", "", "2025-08"],
            "错日期": ["2025-02-30", "2025-01-01", ""],
            "页面日期": ["2025年12月15日", "", "2024年2月29日"],  # as the page's tables write dates
            "页面错日期": ["2025年2月30日", "2025年1月1日", ""],
        }
    )
    sheet = load_workbook(write_tables(tmp_path / "d.xlsx", {"表": frame}))["表"]
    granted = column(sheet, "认定日期")
    assert (
        granted[0].value == dt.datetime(2025, 9, 15) and granted[0].is_date and granted[0].number_format == "yyyy-mm-dd"
    )
    assert granted[1].value is None and granted[2].value == dt.datetime(2024, 2, 29)
    stamp = column(sheet, "入库时间")[0]
    assert stamp.value == dt.datetime(2025, 10, 1, 8, 30) and stamp.number_format == "yyyy-mm-dd hh:mm"
    assert column(sheet, "达标月份")[0].value == "2025-09"  # a month is not a day: text
    assert column(sheet, "错日期")[0].value == "2025-02-30"  # not a real date: the column stays text
    page = column(sheet, "页面日期")
    assert page[0].is_date and page[0].value == dt.datetime(2025, 12, 15) and page[2].value == dt.datetime(2024, 2, 29)
    assert column(sheet, "页面错日期")[0].value == "2025年2月30日"


def test_actual_over_target_text_becomes_two_numeric_columns(tmp_path):
    frame = pd.DataFrame(
        {
            "地区": ["井陉县", "井陉矿区", "赵县"],
            "专精特新中小企业（2025年）": ["17/19", "5/6", "—"],
            "研发投入占比": ["3.5/3", "2/3", "1/2"],
            "说明": ["1/2家", "", ""],
        }
    )
    sheet = load_workbook(
        write_tables(tmp_path / "p.xlsx", {"分地区情况": frame}, title="石家庄市 2025年9月 分地区情况")
    )["分地区情况"]
    assert [c.value for c in sheet[2]] == [
        "地区",
        "专精特新中小企业（2025年）实际",
        "专精特新中小企业（2025年）目标",
        "研发投入占比实际",
        "研发投入占比目标",
        "说明",
    ]
    assert [c.value for c in column(sheet, "专精特新中小企业（2025年）实际")] == [17, 5, None]
    assert [c.value for c in column(sheet, "专精特新中小企业（2025年）目标")] == [19, 6, None]
    assert all(
        c.data_type == "n" and c.number_format == "#,##0" for c in column(sheet, "专精特新中小企业（2025年）目标")[:2]
    )
    assert column(sheet, "研发投入占比实际")[0].value == 3.5
    assert column(sheet, "说明")[0].value == "1/2家"  # other text is left alone


def test_status_cells_coloured(book):
    _, wb = book
    for cell in column(wb["市级汇总"], "状态"):
        assert cell.fill.fill_type == "solid"
        assert cell.fill.fgColor.rgb == "00" + STATUS_FILLS[cell.value]
    assert column(wb["市级汇总"], "地区")[0].fill.fill_type is None


def test_custom_status_colours(tmp_path):
    out = write_tables(
        tmp_path / "a.xlsx",
        {"表": pd.DataFrame({"进展": ["好", "差"]})},
        status_column="进展",
        status_fills={"差": "FF0000"},
    )
    cells = column(load_workbook(out)["表"], "进展")
    assert cells[0].fill.fill_type is None and cells[1].fill.fgColor.rgb == "00FF0000"


def test_formula_like_text_stays_text(book):
    path, wb = book
    sheet = wb["可疑_名称_表_"]
    cells = column(sheet, "企业名称")
    # the text comes back unchanged, except that openpyxl's stdlib XML reader normalises CR to LF (with lxml
    # installed, as python-docx brings it, openpyxl reads with lxml and keeps the CR)
    assert all(c.value in (h, h.replace("\r", "\n")) for c, h in zip(cells, HOSTILE, strict=True))
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert not column(sheet, "备注")[0].quotePrefix
    with zipfile.ZipFile(path) as z:  # no formula element anywhere in the file
        assert all(
            b"<f>" not in z.read(n) and b"<f " not in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")
        )


def test_markup_is_plain_text(book):
    _, wb = book
    cell = column(wb["市级汇总"], "地区")[3]
    assert cell.value == "<script>alert(1)</script>" and cell.data_type == "s"


def test_column_widths_count_cjk_double(book):
    _, wb = book
    sheet = wb["市级汇总"]
    assert display_width("石家庄市") == 8 and display_width("ab") == 2
    width = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[header_row(sheet)]}
    assert width["落后序时进度百分点"] == 2 * 9 + 2
    assert width["地区"] == len("<script>alert(1)</script>") + 2
    assert width["截至日期"] == 10 + 2


def test_sheet_names_valid_unique_and_short(tmp_path):
    frames = {
        "a" * 40: pd.DataFrame({"x": [1]}),
        "A" * 40: pd.DataFrame({"x": [2]}),
        "[县区]明细:*?": pd.DataFrame({"x": [3]}),
    }
    wb = load_workbook(write_tables(tmp_path / "b.xlsx", frames))
    assert wb.sheetnames == ["a" * 31, "A" * 28 + "(2)", "_县区_明细___"]
    assert wb["_县区_明细___"]["A2"].value == 3


def test_title_and_atomic_write(book, tmp_path):
    path, wb = book
    assert wb.properties.title == TITLE
    assert wb["市级汇总"].oddHeader.center.text == TITLE
    assert [p.name for p in path.parent.iterdir()] == ["进度表.xlsx"]


def test_nullable_and_numpy_values(tmp_path):
    frame = pd.DataFrame(
        {
            "数": pd.array([1, None], dtype="Int64"),
            "比重": pd.array([0.5, None], dtype="Float64"),
            "是否": [True, False],
            "文字": pd.array(["甲", None], dtype="string"),
        }
    )
    sheet = load_workbook(write_tables(tmp_path / "c.xlsx", {"表": frame}))["表"]
    assert [c.value for c in sheet[2]] == [1, 0.5, "是", "甲"]  # yes/no in words, not TRUE/FALSE
    assert [c.value for c in sheet[3]] == [None, None, "否", None]
    assert not any(isinstance(c.value, float) and math.isnan(c.value) for row in sheet.iter_rows() for c in row)


def test_every_sheet_can_be_filtered_and_long_text_wraps(tmp_path):
    import openpyxl

    from analysis.reports.xlsx import write_tables

    frame = pd.DataFrame({"地区": ["新乐市", "鹿泉区"], "情况说明": ["说明" * 80, "短"], "完成": [True, False]})
    wb = openpyxl.load_workbook(write_tables(tmp_path / "t.xlsx", {"说明": frame}))
    sheet = wb["说明"]
    assert sheet.auto_filter.ref == "A1:C3"
    assert sheet["B2"].alignment.wrap_text and not sheet["B3"].alignment.wrap_text
    assert [sheet["C2"].value, sheet["C3"].value] == ["是", "否"]
