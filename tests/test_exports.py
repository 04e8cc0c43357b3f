"""The exports as a Chinese user opens them: CSV in UTF-8 (with a BOM), GBK or GB18030; xlsx with a title row
above a frozen header; and both through LibreOffice (`soffice --headless --convert-to`), when it is installed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess

import openpyxl
import pandas as pd
import pytest

from analysis.cli.main import main
from analysis.reports.content import new_awards
from analysis.reports.xlsx import export_title, write_tables
from support.builders import award, enterprise, store_with, submission

LT = "芦台经济开发区"
C = {i: f"91130200MA0000{i:03d}X" for i in range(1, 6)}
NAMES = {
    C[1]: "芦台精工机械有限公司",
    C[2]: "芦台新材料科技有限公司",
    C[3]: "芦台智造装备有限公司",
    C[4]: "唐山海晟化工股份有限公司",
    C[5]: "芦台“领跑者”食品有限公司",
}
RARE = "芦台王䶮精密机械有限公司"  # 䶮 (U+4DAE, CJK extension A) is in GB18030, not in GBK
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
NO_SOFFICE = "LibreOffice（soffice）未安装：以 root 运行 scripts/system-deps.sh 安装 libreoffice-calc-nogui"
# LibreOffice's CSV filter options: separator ',', quote '"', character set (rtl_TextEncoding: 76 UTF-8, 67 GBK),
# from line 1; on export, cell contents as stored (not as shown, so 12,345.60 is written 12345.6), every sheet
LO_UTF8, LO_GBK = "CSV:44,34,76,1", "CSV:44,34,67,1"
LO_CSV_OUT = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def fin(code: str, revenue: float, rd: float, patents: int = 1) -> dict:
    """One 企业年度财务 row of 2025 (100 staff, 10 in R&D, 20 with tertiary education)."""
    return {
        "统一社会信用代码": code,
        "年度": 2025,
        "营业收入(万元)": revenue,
        "主营业务收入(万元)": None,
        "研发费用(万元)": rd,
        "职工人数": 100,
        "研发人员数": 10,
        "大专以上学历人数": 20,
        "有效发明专利数": patents,
        "地区": LT,
    }


def _submission(names: dict[str, str]):
    awards = [
        award(C[1], LT, "专精特新中小企业", "2025-03-01", "省级"),
        award(C[2], LT, "专精特新小巨人", "2025-12-15", "国家级"),
        award(C[3], LT, "创新型中小企业", "2025-12-20"),
    ]
    finance = [
        fin(C[1], 12345.6, 617.28),
        fin(C[2], 23456.78, 1000),
        fin(C[3], 5000, 250),
        fin(C[4], 1800, 20, patents=0),
        fin(C[5], 960.5, 30),
    ]
    return submission(
        "2025-12", LT, 企业名录=[enterprise(c, LT, n) for c, n in names.items()], 资质认定=awards, 企业年度财务=finance
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return store_with(tmp_path_factory.mktemp("exports"), [_submission(NAMES)])


@pytest.fixture(scope="module")
def rare_store(tmp_path_factory):
    return store_with(tmp_path_factory.mktemp("rare"), [_submission({**NAMES, C[4]: RARE})])


def csv_bytes(capsysbinary, *args) -> bytes:
    assert main(list(args)) == 0
    return capsysbinary.readouterr().out


def commands(store) -> dict[str, list[str]]:
    where = ["--store", str(store.dir)]
    return {
        "targets": ["targets", "--plan", "lutai-zone-specialised-smes"],
        "progress": ["progress", "--as-of", "2025-12-31", "--region", LT, *where],
        "candidates": ["candidates", "--region", LT, *where],
        "incentives": ["incentives", "--period", "2025", *where],
    }


# --- CSV encodings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["targets", "progress", "candidates", "incentives"])
def test_gbk_csv_is_the_same_table_as_the_utf8_one(store, capsysbinary, command):
    args = [*commands(store)[command], "--format", "csv"]
    utf8 = csv_bytes(capsysbinary, *args)
    gbk = csv_bytes(capsysbinary, *args, "--encoding", "gbk")
    assert utf8.startswith(b"\xef\xbb\xbf") and not gbk.startswith(b"\xef\xbb\xbf")  # a BOM only for UTF-8
    assert gbk.decode("gbk") == utf8.decode("utf-8-sig")  # strict: every character, CRLF and all
    assert gbk != utf8.removeprefix(b"\xef\xbb\xbf")  # really GBK: the Chinese is re-encoded
    table = pd.read_csv(io.BytesIO(gbk), encoding="gbk")
    pd.testing.assert_frame_equal(table, pd.read_csv(io.BytesIO(utf8), encoding="utf-8-sig"))
    assert len(table) > 0 and table.columns[0].isascii()  # the English interface names


def test_gbk_csv_values(store, capsysbinary):
    gbk = csv_bytes(capsysbinary, *commands(store)["candidates"], "--format", "csv", "--encoding", "gbk")
    table = pd.read_csv(io.BytesIO(gbk), encoding="gbk", dtype={"code": str})
    row = table[table["code"] == C[4]].iloc[0]
    assert (row["unit"], row["name"], row["revenue"], row["year"]) == (LT, NAMES[C[4]], 1800.0, 2025)
    assert NAMES[C[5]] in set(table["name"])  # “” are in GBK


def test_gbk_refuses_a_character_it_cannot_encode(rare_store, tmp_path, capsys):
    out = tmp_path / "后备.csv"
    args = [*commands(rare_store)["candidates"], "--format", "csv", "--out", str(out)]
    assert main([*args, "--encoding", "gbk"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"“name”列的值“{RARE}”" in err and "“䶮”（U+4DAE）" in err
    assert "--encoding utf-8" in err and "--encoding gb18030" in err
    assert not out.exists()  # nothing half-written
    assert main([*args, "--encoding", "gb18030"]) == 0
    table = pd.read_csv(out, encoding="gb18030")
    assert RARE in set(table["name"]) and not out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert main([*args, "--force"]) == 0 and RARE in set(pd.read_csv(out, encoding="utf-8-sig")["name"])


def test_targets_check_is_one_csv_with_one_bom(capsysbinary):
    out = csv_bytes(capsysbinary, "targets", "check", "--format", "csv")
    assert out.startswith(b"\xef\xbb\xbf") and out.count(b"\xef\xbb\xbf") == 1
    assert "专精特新“小巨人”企业,2023,石家庄市,≥75家" in out.decode("utf-8-sig")


# --- xlsx: title row, frozen header ---------------------------------------------------------------------


def xlsx(store, tmp_path, command: str, *extra: str):
    out = tmp_path / f"{command}.xlsx"
    args = [*commands(store)[command], *extra, "--format", "xlsx", "--out", str(out)]
    assert main(args) == 0
    return out, openpyxl.load_workbook(out)


@pytest.mark.parametrize(
    "command, title, first",
    [
        ("progress", f"{LT} 2025年12月 目标进度（数据截至2025年12月31日）", "地区"),
        ("candidates", f"{LT} 2025年12月 梯度培育后备库（数据截至2025年12月31日）", "地区"),
        ("incentives", "全部地区 2025年 奖补资金测算（单位：万元；数据截至2025年12月31日）", "地区"),
        ("targets", "量化目标一览（芦台经济开发区推动中小企业“专精特新”发展工作方案）", "编号"),
    ],
)
def test_every_xlsx_export_has_a_title_above_a_frozen_filtered_header(store, tmp_path, command, title, first):
    path, book = xlsx(store, tmp_path, command)
    for sheet in book.worksheets:
        assert sheet["A1"].value == title and sheet["A1"].font.b
        assert sheet.freeze_panes == "A3"
        assert sheet.auto_filter.ref.startswith("A2:") and sheet.auto_filter.ref.endswith(str(sheet.max_row))
    table = pd.read_excel(path, header=1, engine="openpyxl")  # a reader skips the title row
    assert table.columns[0] == first and len(table) > 0


def test_the_data_cut_off_is_the_as_of_date_or_the_stores_last_month(store, tmp_path):
    early = tmp_path / "early.xlsx"
    late = tmp_path / "late.xlsx"
    base = ["progress", "--region", LT, "--store", str(store.dir), "--format", "xlsx"]
    assert main([*base, "--as-of", "2025-06-30", "--out", str(early)]) == 0
    assert main([*base, "--as-of", "2026-01-15", "--out", str(late)]) == 0
    assert openpyxl.load_workbook(early).active["A1"].value == f"{LT} 2025年6月 目标进度（数据截至2025年6月30日）"
    assert openpyxl.load_workbook(late).active["A1"].value == f"{LT} 2026年1月 目标进度（数据截至2025年12月31日）"


def test_candidate_xlsx_values(store, tmp_path):
    _, book = xlsx(store, tmp_path, "candidates")
    sheet = book.active
    header = [c.value for c in sheet[2]]
    rows = {r[header.index("统一社会信用代码")].value: r for r in sheet.iter_rows(min_row=3)}
    row = rows[C[1]]
    assert row[header.index("企业名称")].value == NAMES[C[1]]
    revenue = row[header.index("营业收入(万元)")]
    assert revenue.value == 12345.6 and revenue.number_format == "#,##0.00"
    year = row[header.index("财务年度")]
    assert year.value == 2025 and year.number_format == "0"  # 2025, not 2,025


# --- LibreOffice round trips ---------------------------------------------------------------------------


def soffice(tmp_path, source, target: str, infilter: str | None = None) -> list:
    """Convert `source` with LibreOffice (its own profile under tmp_path); the files it wrote."""
    out = tmp_path / f"lo-{source.stem}-{target.split(':')[0]}"
    command = [SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless", "--norestore"]
    command += [f"--infilter={infilter}"] if infilter else []
    command += ["--convert-to", target, "--outdir", str(out), str(source)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)}
    )
    written = sorted(out.glob("*")) if out.is_dir() else []
    assert done.returncode == 0 and written, done.stdout + done.stderr
    return written


@pytest.fixture
def appendix(store, tmp_path):
    """A report-style workbook: the 本月新认定企业 table as the monthly report makes it (dates as text)."""
    table = new_awards(store, "唐山市", "2025-12")
    assert list(table["认定日期"]) == ["2025年12月15日", "2025年12月20日"]  # the page's words; the xlsx a date
    return write_tables(
        tmp_path / "附表.xlsx",
        {"本月新认定企业": table},
        title=export_title("月调度附表", LT, "2025-12", dt.date(2025, 12, 31)),
    )


@pytest.mark.skipif(SOFFICE is None, reason=NO_SOFFICE)
def test_libreoffice_reads_our_xlsx_as_text_numbers_and_dates(store, tmp_path, appendix):
    candidates, _ = xlsx(store, tmp_path, "candidates")
    raw = soffice(tmp_path, candidates, LO_CSV_OUT)[0].read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(raw)))
    assert rows[0][0] == f"{LT} 2025年12月 梯度培育后备库（数据截至2025年12月31日）"
    header = rows[1]
    assert header[:5] == ["地区", "培育梯度", "序号", "统一社会信用代码", "企业名称"]
    row = next(r for r in rows[2:] if r[header.index("统一社会信用代码")] == C[1])  # 18 digits, still text
    assert row[header.index("企业名称")] == NAMES[C[1]]
    assert (row[header.index("营业收入(万元)")], row[header.index("财务年度")]) == ("12345.6", "2025")  # no "12,345.60"
    assert ",12345.6," in raw and '"12' not in raw and "'12" not in raw  # unquoted, no apostrophe

    awards = list(csv.reader(io.StringIO(soffice(tmp_path, appendix, LO_CSV_OUT)[0].read_text(encoding="utf-8"))))
    assert awards[0][0] == f"{LT} 2025年12月 月调度附表（数据截至2025年12月31日）"
    assert awards[1] == ["企业名称", "地区", "资质类型", "级别", "认定日期"]
    assert awards[2] == [NAMES[C[2]], LT, "专精特新小巨人", "国家级", "2025-12-15"]
    # saved again by LibreOffice: the date is a date to it, the count a number, the name text
    resaved = openpyxl.load_workbook(soffice(tmp_path, appendix, "xlsx")[0]).active
    assert resaved["E3"].is_date and resaved["E3"].value == dt.datetime(2025, 12, 15)
    assert resaved["A3"].value == NAMES[C[2]] and resaved["A3"].data_type == "s"


@pytest.mark.skipif(SOFFICE is None, reason=NO_SOFFICE)
@pytest.mark.parametrize("encoding, infilter", [("utf-8", LO_UTF8), ("gbk", LO_GBK)])
def test_libreoffice_opens_our_csv_with_chinese_and_numbers(store, tmp_path, encoding, infilter):
    source = tmp_path / f"后备-{encoding}.csv"
    assert main([*commands(store)["candidates"], "--format", "csv", "--encoding", encoding, "--out", str(source)]) == 0
    sheet = openpyxl.load_workbook(soffice(tmp_path, source, "xlsx", infilter)[0]).active
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["unit", "rung", "rank", "code", "name"]  # the BOM is not part of the first name
    rows = {r[header.index("name")].value: r for r in sheet.iter_rows(min_row=2)}
    row = rows[NAMES[C[4]]]
    assert row[header.index("unit")].value == LT
    assert row[header.index("revenue")].value == 1800 and row[header.index("revenue")].data_type == "n"
    assert row[header.index("rank")].data_type == "n" and row[header.index("year")].value == 2025
    assert NAMES[C[5]] in rows
