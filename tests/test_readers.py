"""Reading files: CSV encodings, raw cell types, error cells, hostile and broken files."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from analysis.errors import UserError
from analysis.submissions import contract, readers
from analysis.submissions.validate import SubmissionRejected, read_submission
from support.files import one_sheet_xlsx

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "good" / "新乐市-2023-06-月调度.xlsx"
CODE = "91130184968971669E"  # valid (make_bad.C1)

COMPANY_CSV = "统一社会信用代码,企业名称,所属地区,是否规上\n" + f"{CODE},新乐甲电缆有限公司,新乐市,是\n"


_xlsx = one_sheet_xlsx


# --- CSV -----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "新乐市-2023-06-企业名录.csv"
    path.write_bytes(COMPANY_CSV.encode(encoding))
    sub = read_submission(path)
    assert sub.period == "2023-06"
    row = sub.tables["企业名录"].iloc[0]
    assert (row["统一社会信用代码"], row["企业名称"], row["所属地区"], row["_row"]) == (
        CODE,
        "新乐甲电缆有限公司",
        "新乐市",
        2,
    )
    assert row["_sheet"] == "企业名录"


def test_gb18030_only_characters(tmp_path):
    text = COMPANY_CSV.replace("新乐甲电缆有限公司", "新乐𠀾电缆有限公司")  # outside GBK, inside GB18030
    path = tmp_path / "企业名录-202306.csv"
    path.write_bytes(text.encode("gb18030"))
    assert read_submission(path).tables["企业名录"].loc[0, "企业名称"] == "新乐𠀾电缆有限公司"


def test_undecodable_csv_names_the_line(tmp_path):
    path = tmp_path / "企业名录-2023-06.csv"
    path.write_bytes("统一社会信用代码,企业名称\n".encode() + b"x,ok\n" + b"y,\xff\xfe\xff\n")
    with pytest.raises(UserError) as info:
        read_submission(path)
    assert "第3行" in str(info.value) and "UTF-8" in str(info.value) and "\n" not in str(info.value)


def test_csv_sheet_comes_from_the_file_name(tmp_path):
    assert contract.sheet_for_file_stem("新乐市-2023-06-企业名录").name == "企业名录"
    assert contract.sheet_for_file_stem("资质认定").name == "资质认定"
    assert contract.sheet_for_file_stem("企业名录-202306").name == "企业名录"
    assert contract.sheet_for_file_stem("企业名录和资质认定说明") is None  # ambiguous
    path = tmp_path / "新乐市-2023-06.csv"
    path.write_text(COMPANY_CSV, encoding="utf-8")
    with pytest.raises(UserError, match="无法从文件名识别工作表"):
        readers.read_workbook(path)


def test_csv_leading_zero_text_is_kept(tmp_path):
    path = tmp_path / "企业名录-2023-06.csv"
    path.write_text(COMPANY_CSV.replace(CODE, "012345678901234567"), encoding="utf-8")
    grid = readers.read_workbook(path).sheets["企业名录"]
    assert grid.iloc[1, 0] == "012345678901234567"


# --- Excel cell types ------------------------------------------------------------------------


def test_calamine_keeps_text_codes_as_text_and_numbers_as_numbers(tmp_path):
    path = _xlsx(
        tmp_path / "t.xlsx",
        [["统一社会信用代码"], ["012345678901234567"], ["911301841234567890"], [911301841234567890], [130184]],
    )
    grid = readers.read_workbook(path).sheets["企业名录"]
    cells = [readers.clean(v) for v in grid.iloc[1:, 0]]
    assert cells[:2] == ["012345678901234567", "911301841234567890"]  # text stays text, zeros kept
    assert isinstance(cells[2], int | float) and cells[2] != 911301841234567890  # digits already lost
    assert cells[3] == 130184


def test_header_row_found_below_title_rows(tmp_path):
    path = _xlsx(
        tmp_path / "t.xlsx",
        [
            ["2023年6月企业名录"],
            [],
            ["填报单位：新乐市"],
            ["＊统一社会信用代码 ", "企业名称", "所属地区", "联系人（电话）"],
            [CODE, "甲", "新乐市", "张三"],
        ],
    )
    raw = readers.read_workbook(path)
    table = readers.locate_table("企业名录", raw.sheets["企业名录"], contract.SHEETS_BY_NAME["企业名录"])
    assert table.header_row == 4
    assert table.columns == {"统一社会信用代码": 0, "企业名称": 1, "所属地区": 2}
    assert table.extra_columns == {3: "联系人（电话）"}
    assert table.rows == [(5, {"统一社会信用代码": CODE, "企业名称": "甲", "所属地区": "新乐市"})]


def test_header_beyond_search_rows_is_not_found(tmp_path):
    rows = [[f"标题{i}"] for i in range(contract.HEADER_SEARCH_ROWS)] + [["统一社会信用代码", "企业名称"]]
    raw = readers.read_workbook(_xlsx(tmp_path / "t.xlsx", rows))
    assert readers.find_header_row(raw.sheets["企业名录"], contract.SHEETS_BY_NAME["企业名录"]) is None


def test_formula_error_cells_are_found_with_their_cell(tmp_path):
    raw = readers.read_workbook(FIXTURES / "bad" / "formula_error.xlsx")
    assert raw.error_cells["企业年度财务"] == {(3, 4): "#DIV/0!"}  # E3
    assert all(not cells for name, cells in raw.error_cells.items() if name != "企业年度财务")
    assert readers.clean(raw.sheets["企业年度财务"].iloc[2, 4]) is None  # calamine alone shows it empty


@pytest.mark.parametrize("error", ["#REF!", "#VALUE!", "#N/A", "#NAME?"])
def test_each_error_kind_is_reported(tmp_path, error):
    path = _xlsx(tmp_path / "e-2023-06.xlsx", [["统一社会信用代码", "企业名称", "所属地区"], [CODE, "__E__", "新乐市"]])
    _patch_part(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b't="inlineStr"><is><t>__E__</t></is>', f't="e"><f>A9</f><v>{error}</v>'.encode()),
    )
    with pytest.raises(SubmissionRejected) as info:
        read_submission(path)
    [p] = info.value.problems
    assert (p.sheet, p.row, p.column, p.value) == ("企业名录", 2, "企业名称", error)


def test_ref_to_index():
    assert readers._ref_to_index("E3") == (3, 4)
    assert readers._ref_to_index("AB12") == (12, 27)
    assert readers.column_letter(27) == "AB"


# --- hostile and broken files ----------------------------------------------------------------


def _patch_part(path: Path, part: str, change) -> None:
    data = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            zout.writestr(info, change(body) if info.filename == part else body)
    path.write_bytes(out.getvalue())


XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'.encode() for i in range(1, 10))
    + b"]>"
)


@pytest.mark.parametrize("prolog, entity", [(XXE, b"&xxe;"), (LAUGHS, b"&lol9;")])
@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_xml_entity_attacks_are_refused_quickly(tmp_path, prolog, entity, part):
    path = _xlsx(tmp_path / "evil-2023-06.xlsx", [["企业名称"], ["x"]])

    def change(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return prolog + body.replace(b">x<", b">" + entity + b"<")

    _patch_part(path, part, change)
    start = time.monotonic()
    with pytest.raises(UserError) as info:
        read_submission(path)
    assert time.monotonic() - start < 5
    assert "实体声明" in str(info.value) and "root:" not in str(info.value)


def test_broken_files_give_one_clear_line(tmp_path):
    cases = {
        "empty.xlsx": b"",
        "report.xlsx": b"%PDF-1.7\n1 0 obj << >> endobj\n",
        "notes.xlsx": "这不是表格".encode(),
        "archive.xlsx": _zip_with({"readme.txt": b"hi"}),
        "encrypted.xlsx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + "EncryptedPackage".encode("utf-16-le"),
        "truncated.xlsx": GOOD.read_bytes()[:2000],
        "old.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    }
    expected = {
        "empty.xlsx": "文件为空",
        "report.xlsx": "PDF",
        "notes.xlsx": "改了扩展名",
        "archive.xlsx": "不是 Excel 工作簿",
        "encrypted.xlsx": "密码",
        "truncated.xlsx": "损坏",
        "old.xls": "无法读取",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(UserError) as info:
            read_submission(path, period="2023-06")
        message = str(info.value)
        assert message.startswith(name) and expected[name] in message and "\n" not in message, message
        assert not isinstance(info.value, SubmissionRejected)


def _zip_with(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return out.getvalue()


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(UserError, match="不支持的文件类型"):
        readers.read_workbook(tmp_path / "a.ods")
    with pytest.raises(UserError, match="无法读取文件"):
        readers.read_workbook(tmp_path / "missing.xlsx")
