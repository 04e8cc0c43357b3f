"""Hostile or odd input the validator must refuse cleanly (or accept) -- found by an adversarial
review: huge and infinite numbers, files without data rows, period labels with colons or error
cells, extra columns' values, control characters, formulas saved without results, empty sheets.

Every workbook is built in tmp_path from the good fixture's rows (tests/fixtures/make_bad.py).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import sqlite3
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.store.history import Store
from analysis.submissions import readers, validate
from analysis.submissions.validate import Problem, SubmissionRejected, read_submission

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


@pytest.mark.parametrize("value", [10**20, "100000000000000000000", 2**53, "-9007199254740992", 2**63])
def test_whole_number_too_large_is_refused_with_its_cell(tmp_path, value):
    def change(s):
        _many_rows(s)
        make_bad.set_cell(s, "企业年度财务", 3, "有效发明专利数", value)

    problems = problems_of(_write(tmp_path, change))
    hits = [p for p in problems if (p.sheet, p.row, p.column) == ("企业年度财务", 3, "有效发明专利数")]
    assert hits and "数值过大" in hits[0].reason, "\n".join(map(str, problems))
    assert hits[0].value == str(value)


def test_whole_number_below_the_bound_is_accepted(tmp_path):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "企业年度财务", 3, "有效发明专利数", 2**53 - 1))
    assert read_submission(path).tables["企业年度财务"].loc[1, "有效发明专利数"] == 2**53 - 1


@pytest.mark.parametrize(
    "sheet, row, column, value",
    [
        ("企业年度财务", 2, "营业收入(万元)", "1" + "0" * 400),
        ("企业年度财务", 3, "研发费用(万元)", "2" + "0" * 308),
        ("指标填报", 3, "数值", "-1" + "0" * 400),
        ("集群月度", 2, "本年累计营业收入(万元)", "9" * 400),
    ],
    ids=["money", "money-309-digits", "negative-value", "cluster-income"],
)
def test_infinite_numbers_are_refused(tmp_path, sheet, row, column, value):
    def change(s):
        _many_rows(s)
        make_bad.set_cell(s, sheet, row, column, value)

    problems = problems_of(_write(tmp_path, change))
    hits = [p for p in problems if (p.sheet, p.row, p.column) == (sheet, row, column)]
    assert hits, "\n".join(map(str, problems))
    assert "数值过大" in hits[0].reason and hits[0].value.startswith(value[:20])


@pytest.mark.parametrize(
    "value",
    ["1" + "0" * 400, "-1" + "0" * 400, math.inf, -math.inf, 10**400],
    ids=["text", "negative-text", "inf", "-inf", "huge-int"],
)
def test_parse_number_refuses_non_finite(value):
    with pytest.raises(validate._Bad, match="数值过大"):
        validate.parse_number(value)


# --- 3, 8: files without data rows; blank contract sheets -----------------------------------


def _header_only(sheets) -> None:
    for name in list(sheets):
        if name != "填报说明":
            del sheets[name][1:]


def test_workbook_with_headers_only_is_refused(tmp_path):
    [p] = problems_of(_write(tmp_path, _header_only))
    assert (p.sheet, p.row, p.column) == (None, None, None)
    assert "没有数据行" in p.reason and "只有表头" in p.reason


def test_csv_with_header_line_only_is_refused(tmp_path):
    path = tmp_path / "新乐市-2023-06-企业名录.csv"
    path.write_text("统一社会信用代码,企业名称,所属地区\n", encoding="utf-8")
    [p] = problems_of(path)
    assert "没有数据行" in p.reason


def test_header_only_sheet_beside_sheets_with_rows_is_kept(tmp_path):
    path = _write(tmp_path, lambda s: s["情况说明"].__delitem__(slice(1, None)))
    sub = read_submission(path)
    assert len(sub.tables["情况说明"]) == 0 and len(sub.tables["企业名录"]) == 3 and sub.units == {"新乐市"}


def test_blank_contract_sheet_is_treated_as_absent(tmp_path):
    def change(s):
        s["情况说明"] = []  # the sheet exists, without a single cell
        s["企业名录 "] = []  # a blank second sheet of the same name is no duplicate either

    sub = read_submission(_write(tmp_path, change))
    assert "情况说明" not in sub.tables and len(sub.tables["企业名录"]) == 3


def test_workbook_whose_contract_sheets_are_all_blank_is_refused(tmp_path):
    def change(s):
        for name in list(s):
            if name != "填报说明":
                s[name] = []

    [p] = problems_of(_write(tmp_path, change))
    assert "没有数据行" in p.reason and "空白" in p.reason


# --- 4: the period cell of 填报说明 -----------------------------------------------------------


@pytest.mark.parametrize("label", ["填报期（年月）：", "填报期:", "*填报期(年月) ：", "报送期："])
def test_period_label_with_trailing_colon(tmp_path, label):
    def change(s):
        s["填报说明"][0] = [label, "2023-06"]

    sub = read_submission(_write(tmp_path, change, name="新乐市月调度.xlsx"))  # no period in the name
    assert sub.period == "2023-06"
    assert (
        validate.period_from(Path("x.xlsx"), pd.DataFrame([[None, label, None, "2023年5月"]], dtype=object))
        == "2023-05"
    )


def test_formula_error_in_the_period_cell_is_reported_not_the_hint_beside_it(tmp_path):
    grid = pd.DataFrame([["说明", None, None], ["填报期（年月）", None, "↑ 必填，如 2023-06"]], dtype=object)
    with pytest.raises(UserError) as info:
        validate.period_from(Path("x.xlsx"), grid, {(2, 1): "#REF!"})
    message = str(info.value)
    assert "#REF!" in message and "第2行B列" in message and "必填" not in message
    with pytest.raises(UserError, match="公式没有保存计算结果"):
        validate.period_from(Path("x.xlsx"), grid, {(2, 1): "=TODAY()"})


def test_formula_error_in_the_period_cell_of_a_workbook(tmp_path):
    def change(s):
        s["填报说明"][0] = ["填报期（年月）", "#REF!", "↑ 必填，如 2023-06"]  # openpyxl saves "#REF!" as an error cell

    with pytest.raises(UserError) as info:
        read_submission(_write(tmp_path, change))
    assert "#REF!" in str(info.value) and "第1行B列" in str(info.value) and "必填" not in str(info.value)


# --- 5: extra columns' values are kept ------------------------------------------------------


def test_extra_column_values_reach_the_frame_and_the_store(tmp_path):
    def change(s):
        s["企业名录"][0] += ["备注", "地区"]  # 地区 is no column of 企业名录, but it is a frame column: skipped
        s["企业名录"][1] += ["新入库企业", "别处"]
        s["企业名录"][2] += [None, None]
        s["企业名录"][3] += [42, None]

    sub = read_submission(_write(tmp_path, change))
    frame = sub.tables["企业名录"]
    assert sub.extra_columns["企业名录"] == ["备注"]
    assert frame["备注"].tolist() == ["新入库企业", None, 42]
    assert frame["地区"].tolist() == ["新乐市"] * 3
    store = Store(tmp_path / "store")
    store.add(sub)
    with sqlite3.connect(store.db_path) as conn:
        extra = [r[0] for r in conn.execute('SELECT _extra FROM "企业名录" ORDER BY _row')]
    assert [json.loads(e) for e in extra] == [{"备注": "新入库企业"}, {"备注": None}, {"备注": 42}]


def test_extra_column_values_of_a_csv(tmp_path):
    path = tmp_path / "新乐市-2023-06-企业名录.csv"
    path.write_text(
        f"统一社会信用代码,企业名称,所属地区,联系人\n{C1},甲公司,新乐市, 张三 \n{C2},乙公司,新乐市,  \n",
        encoding="utf-8",
    )
    sub = read_submission(path)
    assert sub.tables["企业名录"]["联系人"].tolist() == [" 张三 ", None]


# --- 6: control characters -------------------------------------------------------------------


def _csv(tmp_path: Path, rows: list[str], name="新乐市-2023-06-企业名录.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(["统一社会信用代码,企业名称,所属地区,是否规上,备注", *rows]) + "\n", encoding="utf-8")
    return path


def test_control_characters_in_text_are_refused_naming_the_cell(tmp_path):
    rows = [f"{C1},新乐\x00甲公司,新乐市,是,", f"{C2},乙公司,新乐市,是\x07,", f"{C3},丙公司,新乐市,否,见\x1b附件"]
    problems = problems_of(_csv(tmp_path, rows))
    got = [(p.row, p.column, p.value) for p in problems]
    assert got == [(2, "企业名称", "新乐\\x00甲公司"), (3, "是否规上", "是\\x07"), (4, "备注", "见\\x1b附件")]
    assert all("控制字符" in p.reason for p in problems)
    assert "U+0000" in problems[0].reason


def test_control_character_refused_in_the_fast_path_too(tmp_path):
    """Many clean rows and one bad: the column-wise check must not let it through."""
    codes = [C1, C2, C3]
    rows = [f"{codes[i % 3]},公司{i},新乐市,是," for i in range(3)]
    rows[1] = f"{C2},公司\x0c1,新乐市,是,"
    [p] = problems_of(_csv(tmp_path, rows))
    assert (p.row, p.column) == (3, "企业名称") and "U+000C" in p.reason


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_bidirectional_controls_are_refused_like_other_control_characters(tmp_path, char):
    # a right-to-left override would make 甲公司 display reversed in the HTML and xlsx
    [p] = problems_of(_csv(tmp_path, [f"{C1},新乐{char}甲公司,新乐市,是,"]))
    assert (p.row, p.column) == (2, "企业名称") and f"U+{ord(char):04X}" in p.reason


def test_tab_and_line_breaks_in_text_are_accepted(tmp_path):
    def change(s):
        make_bad.set_cell(s, "情况说明", 2, "进展情况", "一、完成60%\n二、\t推进中\r\n")

    sub = read_submission(_write(tmp_path, change))
    assert sub.tables["情况说明"].loc[0, "进展情况"] == "一、完成60%\n二、\t推进中"


# --- 7: formulas saved without their result ---------------------------------------------------


def test_formula_without_cached_result_is_reported_as_such(tmp_path, monkeypatch):
    """RawWorkbook.error_cells values starting with '=' are formulas saved without a result."""
    read = readers.read_workbook

    def with_formulas(path):
        raw = read(path)
        cells = raw.error_cells.setdefault("企业年度财务", {})
        cells[(2, 2)] = "=D2+E2"  # 营业收入(万元), required
        cells[(3, 7)] = "#DIV/0!"  # 大专以上学历人数
        return raw

    monkeypatch.setattr(readers, "read_workbook", with_formulas)
    problems = problems_of(_write(tmp_path))
    got = [(p.sheet, p.row, p.column, p.value) for p in problems]
    assert got == [("企业年度财务", 2, "营业收入(万元)", "=D2+E2"), ("企业年度财务", 3, "大专以上学历人数", "#DIV/0!")]
    assert problems[0].reason == "公式没有保存计算结果（=D2+E2），请用 Excel 或 WPS 打开、保存后重新报送"
    assert "公式错误（#DIV/0!）" in problems[1].reason


# --- dates Excel makes out of 0 or NaN ----------------------------------------------------------


@pytest.mark.parametrize(
    "value, reason",
    [
        (datetime(1899, 12, 30), "单元格是数字 0 或只有时间"),  # serial 0: calamine reads a time 00:00:00
        (datetime(1900, 2, 28), "日期早于1950年"),
        ("1949-12-31", "日期早于1950年"),
    ],
)
def test_implausible_dates_are_refused_with_their_cell(tmp_path, value, reason):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "资质认定", 2, "认定日期", value))
    [p] = problems_of(path)
    assert (p.sheet, p.row, p.column) == ("资质认定", 2, "认定日期") and reason in p.reason
