"""`python -m analysis targets`: the CSV interface and the check report."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from analysis import paths


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=paths.PROJECT_ROOT
    )


def test_csv_has_the_interface_columns_and_exact_values():
    result = run_cli("targets", "--plan", "shijiazhuang-2022-leaders", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("\ufeff")  # a BOM: Excel on Chinese Windows reads UTF-8 correctly
    rows = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    required = [
        "plan",
        "jurisdiction",
        "indicator",
        "kind",
        "period",
        "low",
        "high",
        "comparison",
        "unit",
        "aspirational",
        "quote",
        "source",
    ]
    assert all(col in rows[0] for col in required)
    by_id = {r["id"]: r for r in rows}
    listed = by_id["sjz.listed_company.2025"]
    assert (listed["low"], listed["high"], listed["period"], listed["kind"]) == ("8", "10", "2025", "stock")
    assert by_id["sjz.leader_rd_ratio.2025"]["low"] == "3.5"
    assert by_id["sjz.digital_mgmt_rate.2023"]["comparison"] == ">"
    assert {r["period"] for r in rows} <= {"2023", "2025", "annual"}


def test_region_filter_and_json():
    result = run_cli("targets", "--region", "西宁市", "--kind", "share", "--format", "json")
    records = json.loads(result.stdout)
    assert [(r["indicator"], r["low"]) for r in records] == [("srdi_sme", 65), ("little_giant", 50)]


def test_check_reports_contradictions_and_cascades():
    result = run_cli("targets", "check", "--format", "csv")
    assert result.returncode == 0
    out = result.stdout
    assert "累计培育“专精特新”企业80 户以上" in out and "国家、省级“专精特新”企业达到70 户以上" in out
    # Shijiazhuang's 75 little giants against Hebei's 300 for 2023
    assert "专精特新“小巨人”企业,2023,石家庄市,≥75家,stock,河北省,≥300家,stock,25.0" in out


def test_unknown_plan_is_a_chinese_error_without_traceback():
    result = run_cli("targets", "--plan", "nope")
    assert result.returncode == 2
    assert "未知方案“nope”" in result.stderr and "Traceback" not in result.stderr


def test_csv_cells_a_spreadsheet_would_run_are_neutralised():
    import pandas as pd

    from analysis.cli.console import render_frame

    frame = pd.DataFrame(
        {"名称": ['=HYPERLINK("http://x","y")', "@SUM(1)", "+86", "-1", "正常"], "数值": [1, -2, 3, 4, 5]}
    )
    text = render_frame(frame, "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[1:]] == ['\'=HYPERLINK("http://x","y")', "'@SUM(1)", "'+86", "'-1", "正常"]
    assert [r[1] for r in rows[1:]] == ["1", "-2", "3", "4", "5"]  # numbers stay numbers


def test_kind_accepts_the_chinese_names_the_table_prints():
    by_code = run_cli("targets", "--plan", "shijiazhuang-2022-leaders", "--kind", "annual", "--format", "csv")
    by_name = run_cli("targets", "--plan", "shijiazhuang-2022-leaders", "--kind", "每年新增", "--format", "csv")
    assert by_name.returncode == 0 and by_name.stdout == by_code.stdout and by_code.stdout.count("\n") > 10
    unknown = run_cli("targets", "--kind", "独角兽")
    assert unknown.returncode == 2 and "未知目标类型“独角兽”" in unknown.stderr and "存量（stock）" in unknown.stderr


def test_xlsx_export_has_chinese_headers_and_numbers(tmp_path):
    import openpyxl

    out = tmp_path / "目标.xlsx"
    result = run_cli("targets", "--plan", "shijiazhuang-2022-leaders", "--format", "xlsx", "--out", str(out))
    assert result.returncode == 0 and "已写入" in result.stdout
    sheet = openpyxl.load_workbook(out)["目标"]
    assert sheet["A1"].value == "量化目标一览（石家庄市县域特色产业集群“领跑者”企业培育行动实施方案）"
    headers = [c.value for c in sheet[2]]
    assert headers[:4] == ["编号", "方案", "地区", "指标代码"] and "原文" in headers
    lows = [row[headers.index("下限")].value for row in sheet.iter_rows(min_row=3)]
    assert 750 in lows and all(isinstance(v, (int, float)) for v in lows if v is not None)
    assert "存量" in [row[headers.index("类型")].value for row in sheet.iter_rows(min_row=3)]
    missing = run_cli("targets", "--format", "xlsx")
    assert missing.returncode == 2 and "--out" in missing.stderr


def test_an_existing_output_file_is_replaced_only_with_force(tmp_path):
    out = tmp_path / "目标.xlsx"
    out.write_bytes(b"earlier work")
    refused = run_cli("targets", "--plan", "shijiazhuang-2022-leaders", "--format", "xlsx", "--out", str(out))
    assert refused.returncode == 2 and "已存在" in refused.stderr and "--force" in refused.stderr
    assert out.read_bytes() == b"earlier work"
    forced = run_cli("targets", "--plan", "shijiazhuang-2022-leaders", "--format", "xlsx", "--out", str(out), "--force")
    import openpyxl

    assert forced.returncode == 0 and openpyxl.load_workbook(out)["目标"]["A2"].value == "编号"
