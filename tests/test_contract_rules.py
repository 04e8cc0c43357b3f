"""Every contract rule, against real broken workbooks (tests/fixtures/bad/, made by make_bad.py).

The expectations below are stated here, not taken from the generator: each bad file must be
blamed on the right sheet, Excel row, column and value, with the right reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.submissions import contract
from analysis.submissions.validate import Problem, SubmissionRejected, period_from, read_submission

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "good" / "新乐市-2023-06-月调度.xlsx"

_spec = importlib.util.spec_from_file_location("make_bad", FIXTURES / "make_bad.py")
make_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad)
C1, C2, C3, OUTSIDER = make_bad.C1, make_bad.C2, make_bad.C3, make_bad.OUTSIDER


def problems_of(path: Path, **kwargs) -> list[Problem]:
    with pytest.raises(SubmissionRejected) as info:
        read_submission(path, **kwargs)
    return info.value.problems


# case: (sheet, Excel row, column, value, words the reason must contain)
EXPECTED = {
    "check_digit": ("企业名录", 2, "统一社会信用代码", C1[:17] + ("0" if C1[17] != "0" else "1"), "校验位错误"),
    "charset": ("企业名录", 3, "统一社会信用代码", "91130184MA0I23456X", "不允许的字符“I”"),
    "dup_credit_code": ("企业名录", 4, "统一社会信用代码", C1, "与第2行重复"),
    "dup_finance": ("企业年度财务", 4, "统一社会信用代码", f"{C1}、2022", "与第2行重复"),
    "dup_cluster": ("集群名录", 3, "集群名称", "新乐市电线电缆集群", "与第2行重复"),
    "dup_cluster_month": ("集群月度", 3, "集群名称", "新乐市电线电缆集群、2023-05", "与第2行重复"),
    "dup_indicator": ("指标填报", 4, "地区", "新乐市、2023-06、数字化研发设计工具普及率", "与第2行重复"),
    "unknown_region": ("企业名录", 3, "所属地区", "新乐县", "不是地区注册表中的地区"),
    "region_not_unit": ("集群名录", 2, "所属地区", "石家庄市", "不是县级填报单位"),
    "unknown_region_code": ("指标填报", 3, "地区", "130199", "不是地区注册表中的地区"),
    "unknown_cluster": ("集群月度", 3, "集群名称", "新乐市食品集群", "未知集群"),
    "unknown_award_type": ("资质类型", None, None, None, None),  # placeholder, replaced below
    "level_missing": ("资质认定", 2, "级别", None, "须填写级别"),
    "level_invalid": ("资质认定", 2, "级别", "国家级", "级别应为：省级、市级"),
    "award_after_period": ("资质认定", 4, "认定日期", "2023-07-01", "晚于填报期（2023-06）最后一天"),
    "yearmonth_after_period": ("集群月度", 3, "年月", "2023-07", "晚于填报期2023-06"),
    "year_after_period": ("企业年度财务", 3, "年度", "2024", "晚于填报期所在年度"),
    "validity_before_award": ("资质认定", 3, "有效期至", "2022-11-30", "有效期至早于认定日期"),
    "revoked_before_award": ("资质认定", 4, "撤销日期", "2023-06-29", "撤销日期早于认定日期"),
    "number_with_unit": ("企业年度财务", 2, "营业收入(万元)", "12万", "不是数字"),
    "number_approx": ("集群月度", 2, "本年累计营业收入(万元)", "约30", "不是数字"),
    "negative_money": ("企业年度财务", 3, "研发费用(万元)", "-5", "不能为负数"),
    "count_not_whole": ("企业年度财务", 2, "职工人数", "300.5", "应为整数"),
    "rd_staff_exceeds": ("企业年度财务", 3, "研发人员数", "81", "研发人员数多于职工人数"),
    "formula_error": ("企业年度财务", 3, "研发费用(万元)", "#DIV/0!", "公式错误"),
    "unknown_enterprise": ("资质认定", 4, "统一社会信用代码", OUTSIDER, "企业不在企业名录中"),
    "missing_column": ("企业名录", 1, "企业名称", None, "缺少必填列"),
    "required_empty": ("企业名录", 4, "企业名称", None, "必填项为空"),
    "yes_no": ("企业名录", 2, "是否规上", "Y", "应填“是”或“否”"),
    "yearmonth_format": ("集群月度", 2, "年月", "2023.05", "不是有效年月"),
    "percent_fraction": ("指标填报", 4, "数值", "0.415", "不能填小数0.415"),
    "unknown_indicator": ("指标填报", 3, "指标", "招商引资额", "不是指标目录"),
    "unknown_indicator_note": ("情况说明", 2, "指标", "专精特新", "不是指标目录"),
    "date_format": ("资质认定", 3, "认定日期", "2022.12.01", "不是有效日期"),
    "date_invalid": ("资质认定", 2, "认定日期", "2023-13-01", "不是有效日期"),
    "code_as_number": ("企业名录", 2, "统一社会信用代码", None, "超过15位的数字已丢失"),
}
EXPECTED["unknown_award_type"] = ("资质认定", 3, "资质类型", "瞪羚企业", "未知资质类型")


def test_every_bad_fixture_has_an_expectation():
    files = {p.stem for p in (FIXTURES / "bad").glob("*.xlsx")}
    assert files == set(EXPECTED) == set(make_bad.CASES)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_workbook_is_blamed_precisely(case):
    sheet, row, column, value, reason = EXPECTED[case]
    problems = problems_of(FIXTURES / "bad" / f"{case}.xlsx")
    hits = [p for p in problems if (p.sheet, p.row, p.column) == (sheet, row, column) and reason in p.reason]
    assert hits, "\n".join(map(str, problems))
    if value is not None:
        assert hits[0].value == value
    assert hits[0].file == f"{case}.xlsx"
    # the first problem reported is the one the fixture was made for
    assert problems[0] == hits[0]


def test_code_stored_as_number_quotes_the_damaged_number():
    problem = problems_of(FIXTURES / "bad" / "code_as_number.xlsx")[0]
    assert problem.value.isdigit() and len(problem.value) == 18
    assert problem.value != "911301841234567890"  # Excel already lost the last digits: never "fixed"


def test_good_submission_is_accepted_with_typed_tables():
    sub = read_submission(GOOD)
    assert sub.period == "2023-06" and sub.units == {"新乐市"}
    assert sub.file_name == GOOD.name and len(sub.sha256) == 64
    companies = sub.tables["企业名录"]
    assert companies["所属地区"].tolist() == ["新乐市"] * 3  # name, 6-digit code and alias all resolve
    assert companies["_row"].tolist() == [2, 3, 4]
    assert companies["是否规上"].tolist()[:2] == [True, False]
    awards = sub.tables["资质认定"]
    assert awards.loc[1, "认定日期"] == pd.Timestamp("2022-12-01")
    assert awards.loc[1, "有效期至"] == pd.Timestamp("2025-11-30")
    assert awards["地区"].tolist() == ["新乐市"] * 3
    finance = sub.tables["企业年度财务"]
    assert finance.loc[1, "营业收入(万元)"] == 3500.0  # "3,500"
    assert str(finance["职工人数"].dtype) == "Int64"
    months = sub.tables["集群月度"]
    assert months["年月"].tolist() == ["2023-05", "2023-06"] and months["地区"].tolist() == ["新乐市"] * 2
    reported = sub.tables["指标填报"]
    assert reported["年月"].tolist() == ["2023-06"] * 3
    assert reported["数值"].tolist() == [76.0, 3.0, 41.5]
    assert sub.tables["情况说明"].loc[0, "指标"] == "专精特新中小企业"
    assert sub.extra_columns["企业名录"] == []


def _write(tmp_path: Path, change, name="t-2023-06.xlsx") -> Path:
    sheets = copy.deepcopy(make_bad.good_sheets())
    change(sheets)
    path = tmp_path / name
    make_bad.write_xlsx(path, sheets)
    return path


def test_all_problems_of_a_file_are_reported_at_once(tmp_path):
    def change(s):
        make_bad.set_cell(s, "企业名录", 3, "是否规上", "有")
        make_bad.set_cell(s, "集群月度", 2, "企业数", "很多")
        make_bad.set_cell(s, "指标填报", 2, "年月", "2023-08")

    with pytest.raises(SubmissionRejected) as info:
        read_submission(_write(tmp_path, change))
    places = [(p.sheet, p.row, p.column) for p in info.value.problems]
    assert places == [("企业名录", 3, "是否规上"), ("集群月度", 2, "企业数"), ("指标填报", 2, "年月")]
    lines = str(info.value).splitlines()
    assert lines[0].startswith("t-2023-06.xlsx：发现3处问题") and len(lines) == 4


def test_problem_str_names_file_sheet_row_column_value():
    p = Problem("企业名录.xlsx", "资质认定", 7, "认定日期", "2023-13-01", "不是有效日期")
    assert str(p) == "企业名录.xlsx｜工作表“资质认定”｜第7行｜列“认定日期”｜值“2023-13-01”：不是有效日期"
    assert str(Problem("a.csv", None, None, None, None, "文件为空")) == "a.csv：文件为空"


def test_awards_for_enterprises_known_only_in_the_store(tmp_path):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "资质认定", 4, "统一社会信用代码", OUTSIDER))
    sub = read_submission(path, known_enterprises={OUTSIDER: "130184"})
    assert sub.tables["资质认定"].loc[2, "地区"] == "新乐市"


def test_cluster_known_only_in_the_store(tmp_path):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "集群月度", 3, "集群名称", "新乐市食品集群"))
    sub = read_submission(path, known_clusters={"新乐市食品集群": "新乐市"})
    assert sub.tables["集群月度"]["集群名称"].tolist() == ["新乐市电线电缆集群", "新乐市食品集群"]


@pytest.mark.parametrize("written, expected", [("76", 76.0), ("76%", 76.0), ("76 ％", 76.0), (76, 76.0), (0, 0.0)])
def test_percentages_are_read_as_percent_numbers(tmp_path, written, expected):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "指标填报", 4, "数值", written))
    assert read_submission(path).tables["指标填报"].loc[2, "数值"] == expected


def test_percent_sign_on_a_count_indicator_is_refused(tmp_path):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "指标填报", 3, "数值", "3%"))
    [p] = problems_of(path)
    assert (p.row, p.column, p.value) == (3, "数值", "3%") and "不是百分比" in p.reason


def test_unit_must_match_the_catalog(tmp_path):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "指标填报", 3, "单位", "次"))
    [p] = problems_of(path)
    assert (p.row, p.column, p.value) == (3, "单位", "次") and "“场”" in p.reason


def test_level_on_a_type_without_levels_is_refused(tmp_path):
    # row 4 is a 创新型中小企业: no levels at all
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "资质认定", 4, "级别", "国家级"))
    [p] = problems_of(path)
    assert (p.sheet, p.row, p.column) == ("资质认定", 4, "级别") and "不分级别" in p.reason


@pytest.mark.parametrize("level", ["国家级", None])
def test_an_award_with_one_level_accepts_it_or_an_empty_cell(tmp_path, level):
    # row 3 is a 高新技术企业: the national certification, so 国家级 (or nothing) is right; 省级 is not
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "资质认定", 3, "级别", level))
    assert len(read_submission(path).tables["资质认定"]) == 3
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "资质认定", 3, "级别", "省级"), name="t2-2023-06.xlsx")
    [p] = problems_of(path)
    assert (p.row, p.column, p.value) == (3, "级别", "省级") and "级别应为：国家级" in p.reason


ALLOCATION_HEADER = ["地区", "指标", "期限", "目标值", "下达文号", "下达日期", "责任单位"]


def _allocations(tmp_path, rows, name="石家庄市-2023-02.xlsx"):
    sheets = {"填报说明": [["填报期(年月)", "2023-02"]], "目标分解": [ALLOCATION_HEADER, *rows]}
    path = tmp_path / name
    make_bad.write_xlsx(path, sheets)
    return path


def test_an_issued_allocation_table_is_read_with_its_document(tmp_path):
    path = _allocations(
        tmp_path,
        [
            ["新乐市", "专精特新中小企业", 2025, 40, "石工信〔2023〕5号", "2023-02-15", None],
            ["鹿泉区", "专精特新“小巨人”企业", "2025", 6, "石工信〔2023〕5号", "2023-02-15", "区工信局"],
        ],
    )
    table = read_submission(path).tables["目标分解"]
    assert table["地区"].tolist() == ["新乐市", "鹿泉区"] and table["目标值"].tolist() == [40, 6]
    assert table["下达文号"].tolist() == ["石工信〔2023〕5号"] * 2


@pytest.mark.parametrize(
    "row, column, value, reason",
    [
        (
            ["新乐县", "专精特新中小企业", 2025, 40, "石工信〔2023〕5号", "2023-02-15", None],
            "地区",
            "新乐县",
            "不是地区注册表中的地区",
        ),
        (
            ["新乐市", "独角兽企业", 2025, 40, "石工信〔2023〕5号", "2023-02-15", None],
            "指标",
            "独角兽企业",
            "不是指标目录",
        ),
        (
            ["新乐市", "专精特新中小企业", 2025, "四十", "石工信〔2023〕5号", "2023-02-15", None],
            "目标值",
            "四十",
            "不是数字",
        ),
        (
            ["新乐市", "专精特新中小企业", 2025, -1, "石工信〔2023〕5号", "2023-02-15", None],
            "目标值",
            "-1",
            "不能为负数",
        ),
        (["新乐市", "专精特新中小企业", 2025, 40, None, "2023-02-15", None], "下达文号", None, "必填"),
        (["新乐市", "专精特新中小企业", 25, 40, "石工信〔2023〕5号", "2023-02-15", None], "期限", "25", "4位年份"),
        (
            ["新乐市", "专精特新中小企业", 2025, 40, "石工信〔2023〕5号", "2023-03-15", None],
            "下达日期",
            "2023-03-15",
            "晚于填报期",
        ),
    ],
)
def test_a_bad_allocation_row_is_refused_naming_row_column_and_value(tmp_path, row, column, value, reason):
    [p] = problems_of(_allocations(tmp_path, [row]))
    assert (p.sheet, p.row, p.column, p.value) == ("目标分解", 2, column, value) and reason in p.reason


def test_a_duplicate_allocation_is_refused(tmp_path):
    row = ["新乐市", "专精特新中小企业", 2025, 40, "石工信〔2023〕5号", "2023-02-15", None]
    [p] = problems_of(_allocations(tmp_path, [row, row]))
    assert (p.sheet, p.row) == ("目标分解", 3) and "与第2行重复" in p.reason


@pytest.mark.parametrize(
    "column, value, reason",
    [
        ("大专以上学历人数", 81, "大专以上学历人数多于职工人数"),
        ("有效发明专利数", -1, "不能为负数"),
    ],
)
def test_other_finance_rules(tmp_path, column, value, reason):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "企业年度财务", 3, column, value))
    [p] = problems_of(path)
    assert (p.row, p.column, p.value, p.reason) == (3, column, str(value), reason)


def test_above_scale_count_not_above_enterprise_count(tmp_path):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "集群月度", 2, "规上企业数", 121))
    [p] = problems_of(path)
    assert (p.sheet, p.row, p.column, p.value) == ("集群月度", 2, "规上企业数", "121")


@pytest.mark.parametrize("written", ["2023-6", "2023年6月", "2023/06", dt.date(2023, 6, 1), dt.datetime(2023, 6, 15)])
def test_yearmonth_forms_are_normalised(tmp_path, written):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "集群月度", 3, "年月", written))
    assert read_submission(path).tables["集群月度"].loc[1, "年月"] == "2023-06"


@pytest.mark.parametrize("written", ["2023-01-05", "2023/1/5", "2023年1月5日", dt.datetime(2023, 1, 5)])
def test_date_forms_are_accepted(tmp_path, written):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "资质认定", 2, "认定日期", written))
    assert read_submission(path).tables["资质认定"].loc[0, "认定日期"] == pd.Timestamp("2023-01-05")


@pytest.mark.parametrize("written", ["20230105", "2023.1.5", "05/01/2023", "2023-02-30", 45000])
def test_other_date_forms_are_refused(tmp_path, written):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "资质认定", 2, "认定日期", written))
    [p] = problems_of(path)
    assert (p.row, p.column, p.value) == (2, "认定日期", str(written)) and "不是有效日期" in p.reason


def test_headers_are_matched_forgivingly_and_extra_columns_kept_aside(tmp_path):
    def change(s):
        s["企业年度财务"][0] = [
            " ＊信用代码 ",
            "年 度",
            "营业收入（万元）",
            "主营业务收入(万元)",
            "研发费用（万元）",
            "职工人数",
            "研发人员数",
            "大专以上学历人数",
            "有效发明专利数",
        ]
        s["企业年度财务"][0].append("联系人")

    sub = read_submission(_write(tmp_path, change))
    assert sub.tables["企业年度财务"].loc[0, "营业收入(万元)"] == 12000.5
    assert sub.extra_columns["企业年度财务"] == ["联系人"]


def test_an_unmatched_header_is_strict(tmp_path):
    def change(s):
        s["企业名录"][0][1] = "企业全称"

    problems = problems_of(_write(tmp_path, change))
    assert (problems[0].column, problems[0].reason) == ("企业名称", "缺少必填列")


def test_duplicate_header_is_refused(tmp_path):
    def change(s):
        s["企业名录"][0][4] = "社会信用代码"

    [p] = problems_of(_write(tmp_path, change))
    assert (p.sheet, p.row, p.column, p.value) == ("企业名录", 1, "统一社会信用代码", "社会信用代码")


def test_header_below_title_rows_keeps_excel_row_numbers(tmp_path):
    def change(s):
        make_bad.set_cell(s, "企业名录", 4, "是否规上", "对")
        s["企业名录"][0:0] = [
            ["新乐市企业名录（2023年6月）"],
            [None],
            ["填表单位：新乐市工信局"],
        ]  # header now on row 4

    [p] = problems_of(_write(tmp_path, change))
    assert (p.sheet, p.row, p.column, p.value) == ("企业名录", 7, "是否规上", "对")


def test_no_header_row_is_reported(tmp_path):
    def change(s):
        s["集群名录"] = [["集群"], ["新乐市电线电缆集群"]]

    problems = problems_of(_write(tmp_path, change))
    assert problems[0].sheet == "集群名录" and "没有找到表头行" in problems[0].reason


def test_file_without_any_contract_sheet_is_reported(tmp_path):
    path = _write(tmp_path, lambda s: [s.pop(k) for k in list(s) if k != "填报说明"] and s.update({"Sheet1": [["a"]]}))
    [p] = problems_of(path)
    assert p.sheet is None and "没有可识别的工作表" in p.reason and "“Sheet1”" in p.reason


def test_leading_zero_all_digit_text_codes_are_quoted_unchanged(tmp_path):
    path = _write(tmp_path, lambda s: make_bad.set_cell(s, "企业名录", 2, "统一社会信用代码", "011301841234567890"))
    assert problems_of(path)[0].value == "011301841234567890"


# --- periods -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("新乐市-2023-06-企业名录.csv", "2023-06"),
        ("xinle_202306.xlsx", "2023-06"),
        ("新乐市2023年6月调度.xlsx", "2023-06"),
        ("新乐市-企业名录.xlsx", None),
        ("130184-企业名录.xlsx", None),
    ],
)
def test_period_from_file_name(name, expected):
    assert period_from(Path(name), None) == expected


def test_period_cell_and_file_name_must_agree():
    grid = pd.DataFrame(
        [["填报说明", None, None], [None, None, None], ["＊填报期（年月）", None, "2023年5月"]], dtype=object
    )
    assert period_from(Path("x-2023-05.xlsx"), grid) == period_from(Path("x.xlsx"), grid) == "2023-05"
    with pytest.raises(
        UserError, match=r"x-2023-06.xlsx：文件名中的填报期（2023-06）与工作表“填报说明”中的填报期（2023-05）不一致"
    ):
        period_from(Path("x-2023-06.xlsx"), grid)  # last month's file renamed: not a silent correction of May
    assert period_from(Path("x-报送于2023-06-03.xlsx"), grid) == "2023-05"  # a full date is the sending day


@pytest.mark.parametrize("name", ["新乐市-2023-07-05.xlsx", "新乐市2023年7月5日报送.xlsx", "新乐市_2023.07.05.xlsx"])
def test_a_full_date_in_a_file_name_is_not_a_period(name):
    assert period_from(Path(name), None) is None


def test_period_cell_from_excel_date_and_bad_period_cell():
    assert period_from(Path("x.xlsx"), pd.DataFrame([["填报期", dt.datetime(2023, 6, 1)]], dtype=object)) == "2023-06"
    with pytest.raises(UserError, match="不是有效年月"):
        period_from(Path("x.xlsx"), pd.DataFrame([["填报期", "六月"]], dtype=object))


def test_file_without_period_is_refused(tmp_path):
    def change(s):
        s["填报说明"] = [["说明"]]

    path = _write(tmp_path, change, name="新乐市月调度.xlsx")
    with pytest.raises(UserError, match="无法确定填报期"):
        read_submission(path)
    assert read_submission(path, period="2023-6").period == "2023-06"


def test_given_period_must_agree_with_the_file(tmp_path):
    with pytest.raises(UserError, match="与指定的填报期2023-07不一致"):
        read_submission(GOOD, period="2023-07")
    with pytest.raises(UserError, match="填报期“2023-13”无效"):
        read_submission(GOOD, period="2023-13")


def test_contract_sheets_match_the_documented_names():
    assert [s.name for s in contract.SHEETS] == [
        "企业名录",
        "资质认定",
        "企业年度财务",
        "集群名录",
        "集群月度",
        "指标填报",
        "情况说明",
        "目标分解",
    ]
    assert {c.name for c in contract.SHEETS_BY_NAME["资质认定"].required} == {
        "统一社会信用代码",
        "资质类型",
        "认定日期",
    }
