"""The blank template: sheets, headers, drop-downs, formats; filled in, it reads back."""

from __future__ import annotations

import datetime as dt
import random

import openpyxl
import pytest

from analysis.errors import UserError
from analysis.submissions import contract, creditcode
from analysis.submissions.template import LISTS_SHEET, PERIOD_CELL, TEMPLATE_NAME, write_templates
from analysis.submissions.validate import SubmissionRejected, read_submission


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    [path] = write_templates(tmp_path_factory.mktemp("tpl"))
    return path


def test_template_has_instructions_contract_sheets_and_hidden_lists(template):
    assert template.name == TEMPLATE_NAME
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [contract.INSTRUCTIONS_SHEET, *[s.name for s in contract.SHEETS], LISTS_SHEET]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert wb[contract.INSTRUCTIONS_SHEET]["A3"].value == contract.PERIOD_LABEL


def test_headers_mark_required_columns_and_freeze(template):
    wb = openpyxl.load_workbook(template)
    for sheet in contract.SHEETS:
        ws = wb[sheet.name]
        headers = [c.value for c in ws[1]]
        assert headers == [("*" if c.required else "") + c.name for c in sheet.columns]
        assert ws.freeze_panes == "A2"
    assert wb["企业名录"].column_dimensions["A"].width >= 20


def _validations(ws) -> dict[str, str]:
    return {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}


def test_drop_downs(template):
    wb = openpyxl.load_workbook(template)
    companies = _validations(wb["企业名录"])
    assert companies["C2"].startswith(f"'{LISTS_SHEET}'!$A$2")  # 所属地区 -> county-level units
    assert companies["F2"] == '"是,否"'
    awards = _validations(wb["资质认定"])
    assert awards["B2"].startswith(f"'{LISTS_SHEET}'!$C$2") and awards["C2"] == '"国家级,省级,市级"'
    assert _validations(wb["集群名录"])["D2"] == '"省级重点,市级,其他"'
    assert _validations(wb["指标填报"])["A2"].startswith(f"'{LISTS_SHEET}'!$B$2")
    lists = wb[LISTS_SHEET]
    units = [c.value for c in lists["A"][1:] if c.value]
    assert "新乐市" in units and "石家庄市" not in units and "芦台经济开发区" in units
    assert "石家庄市" in [c.value for c in lists["B"][1:]]
    assert "专精特新小巨人" in [c.value for c in lists["C"][1:]]


def test_code_column_is_text_and_date_columns_are_dates(template):
    wb = openpyxl.load_workbook(template)
    assert wb["企业名录"].column_dimensions["A"].number_format == "@"
    assert wb["资质认定"].column_dimensions["D"].number_format == "yyyy-mm-dd"


def test_filled_template_reads_back(template, tmp_path):
    rng = random.Random(7)
    code = creditcode.generate(rng, "130184")
    digits = next(c for c in (creditcode.generate(rng, "130184") for _ in range(500)) if c.isdigit())
    wb = openpyxl.load_workbook(template)
    wb[contract.INSTRUCTIONS_SHEET][PERIOD_CELL] = "2023-06"
    wb["集群名录"].append(["新乐市电线电缆集群", "新乐市", "电线电缆", "省级重点"])
    wb["企业名录"].append([code, "新乐甲电缆有限公司", "新乐市", "新乐市电线电缆集群", "C3831", "是"])
    wb["企业名录"].append([digits, "新乐乙有限公司", "130184", None, None, "否"])
    wb["资质认定"].append([code, "专精特新中小企业", "省级", dt.datetime(2023, 3, 1), None, None, "冀工信〔2023〕5号"])
    wb["企业年度财务"].append([digits, 2022, 1500, 1400, 80, 60, 9, 20, 2])
    wb["集群月度"].append(["新乐市电线电缆集群", "2023-06", 310000, 121, 31])
    wb["指标填报"].append(["新乐市", "2023-06", "工业云平台普及率", "41.5%", "%", None])
    wb["情况说明"].append(["新乐市", "2023-06", "工业云平台普及率", "进度正常", None, None])
    path = tmp_path / "新乐市填报.xlsx"
    wb.save(path)

    sub = read_submission(path)
    assert sub.period == "2023-06" and sub.units == {"新乐市"}
    assert sub.tables["企业名录"]["统一社会信用代码"].tolist() == [code, digits]  # all-digit code stays text
    assert sub.tables["企业名录"]["_row"].tolist() == [2, 3]
    assert sub.tables["资质认定"].loc[0, "级别"] == "省级"
    assert sub.tables["企业年度财务"].loc[0, "地区"] == "新乐市"
    assert sub.tables["集群月度"].loc[0, "本年累计营业收入(万元)"] == 310000.0
    assert sub.tables["指标填报"].loc[0, "数值"] == 41.5
    assert sub.tables["情况说明"].loc[0, "进展情况"] == "进度正常"
    assert all(v == [] for v in sub.extra_columns.values())


def test_blank_template_needs_a_period_and_rows(template):
    with pytest.raises(UserError, match="无法确定填报期"):
        read_submission(template)
    with pytest.raises(SubmissionRejected, match="文件中没有数据行"):  # nothing to store: refused, not stored empty
        read_submission(template, period="2023-06")
