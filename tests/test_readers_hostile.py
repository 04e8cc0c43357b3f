"""Reading hostile and unusual files: far stray cells, zip bombs, NA words, formulas without a
result, error cells without r attributes or in Strict Open XML, renamed .xls files, DOCTYPEs
the quick look missed, English error names, CSV separators. Files are made in tmp_path."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from analysis.errors import UserError
from analysis.submissions import readers, xlsx_scan
from analysis.submissions.validate import SubmissionRejected, read_submission
from support.files import one_sheet_xlsx

ROOT = Path(__file__).resolve().parents[1]
XLS = Path(__file__).parent / "fixtures" / "hostile" / "companies.xls"
CODE = "91130184968971669E"
COMPANIES = [["统一社会信用代码", "企业名称", "所属地区", "是否规上"], [CODE, "新乐甲电缆有限公司", "新乐市", "是"]]
FINANCE_HEADER = ["统一社会信用代码", "年度", "营业收入(万元)", "主营业务收入(万元)", "研发费用(万元)", "职工人数"]
SHEET = "xl/worksheets/sheet1.xml"
ENGLISH_ERROR = re.compile(r"[A-Za-z]*(Error|Exception)\b")


_xlsx = one_sheet_xlsx


def _rewrite(path: Path, change: dict | None = None, rename: dict | None = None) -> Path:
    """Rewrite parts of a package: change maps part -> function(bytes) -> bytes."""
    change, rename = change or {}, rename or {}
    data = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename in change:
                body = change[info.filename](body)
            for old, new in rename.items():
                body = (
                    body.replace(old.split("/", 1)[1].encode(), new.split("/", 1)[1].encode())
                    if info.filename in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml")
                    else body
                )
            zout.writestr(rename.get(info.filename, info.filename), body)
    path.write_bytes(out.getvalue())
    return path


def _append_rows(xml: bytes) -> callable:
    return lambda body: body.replace(b"</sheetData>", xml + b"</sheetData>")


def _refused(path: Path) -> str:
    with pytest.raises(UserError) as info:
        readers.read_workbook(path)
    message = str(info.value)
    assert message.startswith(path.name) and "\n" not in message and not ENGLISH_ERROR.search(message), message
    return message


def _companies(tmp_path: Path, name: str = "新乐市-2023-06.xlsx") -> Path:
    return _xlsx(tmp_path / name, COMPANIES)


# --- 1, 2: the area calamine would allocate --------------------------------------------------


def test_stray_cells_that_abort_calamine_are_refused_in_a_subprocess(tmp_path):
    """A stray cell at XFD1048576 or a reference like ZZZZZZ4 made calamine abort the process."""
    far = _rewrite(
        _companies(tmp_path, "far.xlsx"),
        {
            SHEET: _append_rows(
                b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t xml:space="preserve"> </t></is></c></row>'
            )
        },
    )
    bad = _rewrite(
        _companies(tmp_path, "bad.xlsx"),
        {SHEET: _append_rows(b'<row r="4"><c r="ZZZZZZ4" t="inlineStr"><is><t>x</t></is></c></row>')},
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from analysis.submissions import readers\nfrom analysis.errors import UserError\n"
        "for path in sys.argv[2:]:\n"
        "    try:\n        readers.read_workbook(path); print('read')\n"
        "    except UserError as exc:\n        print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "src"), str(far), str(bad)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-500:]
    far_line, bad_line = done.stdout.splitlines()
    assert far_line == (
        "far.xlsx：工作表“企业名录”的数据区域过大（最远的单元格是 XFD1048576）："
        "请删除表格右侧和下方多余的内容后重新报送"
    )
    assert bad_line.startswith("bad.xlsx：工作表“企业名录”中有无效的单元格位置“ZZZZZZ4”") and "损坏" in bad_line


@pytest.mark.parametrize("ref", ["Z1048576", "CV200000", "AZ1048576"])
def test_a_far_stray_cell_is_refused_quickly(tmp_path, ref):
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    path = _rewrite(
        _companies(tmp_path),
        {
            SHEET: _append_rows(
                f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t xml:space="preserve"> </t></is></c></row>'.encode()
            )
        },
    )
    start = time.monotonic()
    message = _refused(path)
    assert time.monotonic() - start < 2
    assert "工作表“企业名录”的数据区域过大" in message and f"最远的单元格是 {ref}" in message


@pytest.mark.parametrize("ref", ["A0", "XFE4", "A1048577", "A4294967296", "a0", ""])
def test_references_excel_cannot_have_are_refused(tmp_path, ref):
    row = re.sub(r"\D", "", ref) or "4"
    path = _rewrite(
        _companies(tmp_path),
        {SHEET: _append_rows(f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'.encode())},
    )
    message = _refused(path)
    assert f"无效的单元格位置“{ref}”" in message and "工作表“企业名录”" in message


def test_a_wide_stray_cell_above_the_last_row_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_scan, "MAX_CELLS", 10_000)
    rows = [COMPANIES[0]] + [[CODE, f"企业{i}", "新乐市", "是"] for i in range(2000)]
    path = _xlsx(tmp_path / "wide.xlsx", rows)
    assert readers.read_workbook(path).sheets["企业名录"].shape == (2001, 4)  # 8,004 cells

    def stray(body: bytes) -> bytes:  # one value in AA5 (27 columns x 2001 rows > 10,000)
        return body.replace(
            b'</c></row><row r="6"', b'</c><c r="AA5" t="inlineStr"><is><t>x</t></is></c></row><row r="6"'
        )

    _rewrite(path, {SHEET: stray})
    assert "最远的单元格是 AA5" in _refused(path)


def test_the_limit_is_rows_times_columns(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_scan, "MAX_CELLS", 1_000)
    ok = _rewrite(
        _companies(tmp_path, "ok.xlsx"), {SHEET: _append_rows(b'<row r="100"><c r="J100"><v>1</v></c></row>')}
    )
    assert readers.read_workbook(ok).sheets["企业名录"].shape == (100, 10)
    big = _rewrite(
        _companies(tmp_path, "big.xlsx"), {SHEET: _append_rows(b'<row r="100"><c r="K100"><v>1</v></c></row>')}
    )
    assert "最远的单元格是 K100" in _refused(big)


def test_formatting_far_away_is_not_data(tmp_path):
    """Styled empty cells and rows (no value) do not widen what calamine reads."""
    styled = b"".join(b'<row r="%d"><c r="A%d" s="1"/><c r="XFD%d" s="1"/></row>' % (i, i, i) for i in range(3, 3000))
    path = _rewrite(_companies(tmp_path), {SHEET: _append_rows(styled + b'<row r="1048576" s="1" customFormat="1"/>')})
    assert readers.read_workbook(path).sheets["企业名录"].shape == (2, 4)


def _no_r_sheet(rows: list[list[int]]) -> bytes:
    cells = b"".join(b"<row>" + b"".join(b"<c><v>%d</v></c>" % v for v in row) + b"</row>" for row in rows)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData>' + cells + b"</sheetData></worksheet>"
    )


@pytest.mark.parametrize(
    "rows",
    [
        [[1] * 6] * 2000,  # many rows of 6 cells (the zip bomb)
        [[1] * 50] + [[1]] * 300,
    ],
)  # one wide row, then narrow ones
def test_sheets_without_r_attributes_are_measured_by_counting(tmp_path, monkeypatch, rows):
    monkeypatch.setattr(xlsx_scan, "MAX_CELLS", 10_000)
    path = _rewrite(_companies(tmp_path), {SHEET: lambda _: _no_r_sheet(rows)})
    assert "数据区域过大" in _refused(path)
    monkeypatch.setattr(xlsx_scan, "MAX_CELLS", 20_000)
    assert readers.read_workbook(path).sheets["企业名录"].shape == (len(rows), len(rows[0]))


@pytest.mark.parametrize("part_mb", [None, "256"])
def test_a_zip_bomb_of_repeated_rows_is_refused_quickly(tmp_path, monkeypatch, part_mb):
    """200 MB of rows without r attributes in a 600 KB file: larger than a part may be (its stated size is enough
    to refuse it); with that limit raised, more cells than a file may have, counted while it streams."""
    if part_mb:
        monkeypatch.setenv("WORKBOOK_MAX_PART_MB", part_mb)
    row = b"<row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c><c><v>4</v></c><c><v>5</v></c><c><v>6</v></c></row>"
    path = _companies(tmp_path, "bomb.xlsx")
    data = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != SHEET:
                zout.writestr(info, zin.read(info.filename))
                continue
            info = zipfile.ZipInfo(SHEET)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(info, "w", force_zip64=True) as fh:
                fh.write(_no_r_sheet([]).split(b"</sheetData>")[0])
                chunk = row * 10_000
                for _ in range(200):
                    fh.write(chunk)
                fh.write(b"</sheetData></worksheet>")
    path.write_bytes(out.getvalue())
    assert path.stat().st_size < 1_000_000
    start = time.monotonic()
    message = _refused(path)
    if part_mb:
        assert "有内容的单元格超过上限（每个文件最多 3,000,000 个，读到工作表“企业名录”时超过）" in message
    else:
        assert "工作表“企业名录”解压后为 193 MB，超过上限 128 MB" in message
    assert time.monotonic() - start < 10


def _lie_about_size(data: bytes, part: str, size: int) -> bytes:
    """Set the uncompressed size a zip states for a part (local and central headers)."""
    out, name = bytearray(data), part.encode()
    for signature, header, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        i = 0
        while (i := out.find(signature, i)) >= 0:
            if out[i + header : i + header + len(name)] == name:
                struct.pack_into("<I", out, i + size_at, size)
            i += 4
    return bytes(out)


def test_a_part_whose_stated_size_is_a_lie_is_not_inflated_at_once(tmp_path):
    path = _rewrite(_companies(tmp_path), {SHEET: _append_rows(b"<!--" + b"a" * 60_000_000 + b"-->")})
    path.write_bytes(_lie_about_size(path.read_bytes(), SHEET, 5000))
    tracemalloc.start()
    try:
        assert "损坏" in _refused(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30_000_000


def test_a_real_large_file_is_not_refused(tmp_path):
    rows = [COMPANIES[0] + [f"备注{i}" for i in range(26)]] + [[CODE, "甲", "新乐市", "是"] + ["x"] * 26] * 3000
    raw = readers.read_workbook(_xlsx(tmp_path / "wide-2023-06.xlsx", rows))
    assert raw.sheets["企业名录"].shape == (3001, 30)


# --- 3: words are text, only blank cells are empty ---------------------------------------------

NA_WORDS = ["N/A", "NA", "null", "None", "NaN", "n/a", "<NA>", "nan", "NULL", "-nan", "1.#QNAN"]


def test_na_words_stay_text_and_blank_cells_are_empty(tmp_path):
    rows = [FINANCE_HEADER] + [[CODE, 2022, word, 1, 1, 1] for word in NA_WORDS] + [[CODE, 2022, "  ", 1, 1, 1]]
    grid = readers.read_workbook(_xlsx(tmp_path / "新乐市-2023-06.xlsx", rows, "企业年度财务")).sheets["企业年度财务"]
    assert grid.iloc[1:, 2].tolist() == NA_WORDS + [None]


def test_na_words_stay_text_in_the_pandas_fallback(tmp_path, monkeypatch):
    def fail(data):
        raise RuntimeError("calamine fast path unavailable")

    monkeypatch.setattr(readers, "_calamine_sheets", fail)
    rows = [FINANCE_HEADER] + [[CODE, 2022, word, 1, 1, 1] for word in NA_WORDS]
    raw = readers.read_workbook(_xlsx(tmp_path / "新乐市-2023-06.xlsx", rows, "企业年度财务"))
    assert [readers.clean(v) for v in raw.sheets["企业年度财务"].iloc[1:, 2]] == NA_WORDS


def test_na_words_are_refused_in_number_columns_of_excel_and_csv(tmp_path):
    rows = [FINANCE_HEADER, [CODE, 2022, "N/A", 1, 1, 1]]
    xlsx = _xlsx(tmp_path / "新乐市-2023-06.xlsx", rows, "企业年度财务")
    csv = tmp_path / "新乐市-2023-06-企业年度财务.csv"
    csv.write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n", encoding="utf-8")
    for path in (xlsx, csv):
        with pytest.raises(SubmissionRejected) as info:
            read_submission(path, known_enterprises={CODE: "新乐市"})
        assert any(p.column == "营业收入(万元)" and p.value == "N/A" for p in info.value.problems), path


# --- 4: formulas saved without a result ----------------------------------------------------------


def test_formulas_without_a_result_are_error_cells(tmp_path):
    rows = [FINANCE_HEADER, [CODE, 2022, "=D2+E2", 10, 5, 3]]
    path = _xlsx(tmp_path / "新乐市-2023-06.xlsx", rows, "企业年度财务")  # openpyxl writes <f>D2+E2</f><v/>
    assert readers.read_workbook(path).error_cells == {"企业年度财务": {(2, 2): "=D2+E2"}}

    def cells(body: bytes) -> bytes:
        return body.replace(
            b"</sheetData>",
            b'<row r="3"><c r="A3"><f>1+1</f></c><c r="B3"><f t="shared" si="0"/></c>'
            b'<c r="C3" t="str"><f>""</f><v></v></c><c r="D3"><f>2*3</f><v>6</v></c>'
            b'<c r="E3" t="e"><f>1/0</f><v>#DIV/0!</v></c></row></sheetData>',
        )

    _rewrite(path, {SHEET: cells})
    assert readers.read_workbook(path).error_cells == {
        "企业年度财务": {(2, 2): "=D2+E2", (3, 0): "=1+1", (3, 1): "=", (3, 4): "#DIV/0!"}
    }


def test_computed_formulas_are_not_error_cells(tmp_path):
    path = _xlsx(tmp_path / "新乐市-2023-06.xlsx", [FINANCE_HEADER, [CODE, 2022, 15, 10, 5, 3]], "企业年度财务")
    _rewrite(path, {SHEET: lambda body: body.replace(b"<v>15</v>", b"<f>D2+E2</f><v>15</v>")})
    raw = readers.read_workbook(path)
    assert raw.error_cells == {"企业年度财务": {}} and raw.sheets["企业年度财务"].iloc[1, 2] == 15


CELLS = [
    b'<c r="A{r}"><f>1+1</f></c>',
    b'<c r="B{r}" s="1"><f t="shared" si="0"/><v/></c>',
    b'<c r="C{r}"><f>IF(A1=&quot;x&quot;,&quot;a&amp;b&quot;,1)</f>\n  <v></v>\n</c>',
    b'<c r="D{r}" t="str"><f>""</f><v></v></c>',
    b'<c r="E{r}"><f>2*3</f><v>6</v></c>',
    b'<c r="F{r}" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
    b'<c r="G{r}" t="e"><v>#N/A</v></c>',
    b'<c r="H{r}" t="e"><f>1/0</f></c>',
    b"<c r='I{r}' t='e'><v>#REF!</v></c>",
    b'<c r="J{r}" t="s"><v>0</v></c>',
    b'<c r="K{r}" s="2"/>',
    b'<c r="L{r}" t="inlineStr"><is><t>=A1</t></is></c>',
]


@pytest.mark.parametrize("prefix", [b"", b"x:"])
@pytest.mark.parametrize("seed", range(5))
def test_problem_cells_by_regex_are_those_a_parser_finds(prefix, seed):
    import random

    rng = random.Random(seed)
    rows = b"".join(
        b'<row r="%d">' % r + b"".join(rng.sample(CELLS, 6)).replace(b"{r}", b"%d" % r) + b"</row>"
        for r in range(2, 30)
    )
    raw = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + rows + b"</sheetData></worksheet>"
    )
    if prefix:
        raw = re.sub(rb"<(/?)(worksheet|sheetData|row|c|f|v|is|t)\b", rb"<\1x:\2", raw).replace(b"xmlns=", b"xmlns:x=")
    found = readers._cell_problems(raw, prefix)
    assert found == readers._cell_problems_in_order(raw)
    assert set(found.values()) <= {"=1+1", "=", '=IF(A1="x","a&b",1)', "#DIV/0!", "#N/A", "#错误", "#REF!"}
    assert len(found) > 10


def _prefixed(body: bytes) -> bytes:
    """The sheet with its elements written <x:row>, <x:c>, … (as some generators do)."""
    return re.sub(rb"<(/?)([A-Za-z]+)\b", rb"<\1x:\2", body).replace(b"xmlns=", b"xmlns:x=")


def test_sheets_with_prefixed_elements_are_scanned_too(tmp_path):
    path = _rewrite(
        _companies(tmp_path),
        {
            SHEET: lambda body: _prefixed(
                _append_rows(b'<row r="3"><c r="B3" t="e"><v>#REF!</v></c><c r="C3"><f>A1</f><v/></c></row>')(body)
            )
        },
    )
    raw = readers.read_workbook(path)
    assert raw.error_cells == {"企业名录": {(3, 1): "#REF!", (3, 2): "=A1"}} and raw.sheets["企业名录"].shape == (3, 4)
    _rewrite(
        path,
        {
            SHEET: lambda body: body.replace(
                b"</x:sheetData>", b'<x:row r="5000"><x:c r="Z5000"><x:v>1</x:v></x:c></x:row></x:sheetData>'
            )
        },
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xlsx_scan, "MAX_CELLS", 100_000)
        assert "最远的单元格是 Z5000" in _refused(path)


# --- 5: error cells without r attributes, Strict Open XML ------------------------------------------


def _error_file(tmp_path: Path) -> Path:
    rows = [FINANCE_HEADER, [CODE, 2022, 1, 1, 1, 1], [CODE, 2021, 1, 1, 1, 1]]
    path = _xlsx(tmp_path / "新乐市-2023-06.xlsx", rows, "企业年度财务")
    return _rewrite(
        path, {SHEET: lambda body: re.sub(rb'(<c r="C3")[^>]*><v>1</v>', rb'\1 t="e"><v>#DIV/0!</v>', body)}
    )


def test_error_cells_without_r_attributes_are_counted_in_order(tmp_path):
    path = _rewrite(_error_file(tmp_path), {SHEET: lambda body: re.sub(rb' r="[A-Z]*\d+"', b"", body)})
    assert readers.read_workbook(path).error_cells == {"企业年度财务": {(3, 2): "#DIV/0!"}}


def test_error_cells_in_strict_open_xml_are_found(tmp_path):
    strict = {
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    }

    def strictify(body: bytes) -> bytes:
        for old, new in strict.items():
            body = body.replace(old, new)
        return body

    path = _error_file(tmp_path)
    with zipfile.ZipFile(path) as zf:
        parts = [n for n in zf.namelist() if n.endswith((".xml", ".rels")) and "Content_Types" not in n]
    _rewrite(path, {name: strictify for name in parts})
    assert readers.read_workbook(path).error_cells == {"企业年度财务": {(3, 2): "#DIV/0!"}}


# --- 6: .xls files under another extension ------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xls", ".xlsx", ".xlsm"])
def test_an_xls_file_is_read_whatever_its_extension(tmp_path, suffix):
    path = tmp_path / f"新乐市-2023-06{suffix}"
    path.write_bytes(XLS.read_bytes())
    assert readers.read_workbook(path).sheets["企业名录"].iloc[1].tolist() == COMPANIES[1]


def test_only_encryption_markers_mean_encrypted(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    for name, data, expected in [
        ("a.xlsx", ole, "已损坏或不是 Excel 表格"),
        ("b.xlsx", ole + "EncryptionInfo".encode("utf-16-le"), "已加密"),
        ("c.xls", ole + "EncryptedPackage".encode("utf-16-le"), "已加密"),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        message = _refused(path)
        assert expected in message and ("密码" in message) == (expected == "已加密"), message


# --- 7: DOCTYPEs the quick look missed ------------------------------------------------------------

DOCTYPE = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'


def _with_prolog(prolog: bytes):
    def change(body: bytes) -> bytes:
        body = body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body
        return b'<?xml version="1.0" encoding="UTF-8"?>' + prolog + body.replace(b"</sheetData>", b"</sheetData>")

    return change


@pytest.mark.parametrize(
    "prolog",
    [
        b"<!--" + b"a" * 70_000 + b"-->" + DOCTYPE,  # past the first 64 KB
        b"<!-- a -->\n<?pi x?>\n" * 5000 + DOCTYPE,  # many small prolog items
        b"<!--" + b"a" * 70_000 + b'--><!DOCTYPE worksheet SYSTEM "file:///etc/passwd">',
        b"\n<!doctype x>",  # any case
    ],
    ids=["after-70KB-comment", "after-many-items", "external-after-70KB", "lower-case"],
)
def test_a_doctype_anywhere_in_the_prolog_is_refused(tmp_path, prolog):
    path = _rewrite(_companies(tmp_path), {SHEET: _with_prolog(prolog)})
    assert "实体声明（xl/worksheets/sheet1.xml）" in _refused(path)


def test_a_doctype_in_an_upper_case_part_is_refused(tmp_path):
    path = _rewrite(_companies(tmp_path), {SHEET: _with_prolog(DOCTYPE)}, rename={SHEET: "xl/worksheets/sheet1.XML"})
    assert "实体声明（xl/worksheets/sheet1.XML）" in _refused(path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_doctype_in_a_utf16_part_is_refused(tmp_path, encoding):
    def utf16(body: bytes) -> bytes:
        return ('<?xml version="1.0" encoding="UTF-16"?>' + DOCTYPE.decode() + body.decode()).encode(encoding)

    path = _rewrite(_companies(tmp_path), {SHEET: utf16})
    assert "实体声明" in _refused(path)


def test_a_long_comment_without_doctype_is_read(tmp_path):
    path = _rewrite(_companies(tmp_path), {SHEET: _with_prolog(b"<!--" + b"a" * 70_000 + b"-->")})
    assert readers.read_workbook(path).sheets["企业名录"].shape == (2, 4)


# --- 8: no English exception names ----------------------------------------------------------------


SST = (
    b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<si><t>x</t></si></sst>"
)


def _with_shared_strings(body: bytes, part: str) -> bytes:
    if part == "[Content_Types].xml":
        return body.replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
    return body.replace(
        b"</Relationships>",
        b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )


@pytest.mark.parametrize("case", ["sst_missing", "sst_short", "bool_garbage"])
def test_unreadable_sheets_give_chinese_only(tmp_path, case):
    path = _companies(tmp_path, f"{case}.xlsx")
    cell = b'<c r="A4" t="b"><v>7</v></c>' if case == "bool_garbage" else b'<c r="A4" t="s"><v>3</v></c>'
    _rewrite(path, {SHEET: _append_rows(b'<row r="4">' + cell + b"</row>")})
    if case == "sst_short":
        _rewrite(
            path,
            {
                name: lambda body, name=name: _with_shared_strings(body, name)
                for name in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels")
            },
        )
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("xl/sharedStrings.xml", SST)
    assert "工作表“企业名录”无法读取，文件已损坏" in _refused(path)


# --- 9: CSV separators and Excel files named .csv ---------------------------------------------------


@pytest.mark.parametrize("separator, named", [(";", "分号"), ("\t", "制表符")])
def test_a_csv_with_another_separator_says_so(tmp_path, separator, named):
    path = tmp_path / "新乐市-2023-06-企业名录.csv"
    path.write_text("\n".join(separator.join(r) for r in COMPANIES) + "\n", encoding="utf-8")
    message = _refused(path)
    assert "没有找到表头行" in message and f"分隔符似乎是{named}" in message and "逗号" in message


def test_a_csv_with_commas_and_a_semicolon_in_a_name_is_read(tmp_path):
    path = tmp_path / "新乐市-2023-06-企业名录.csv"
    path.write_text(f"统一社会信用代码,企业名称,所属地区\n{CODE},甲;乙公司,新乐市\n", encoding="utf-8")
    assert readers.read_workbook(path).sheets["企业名录"].iloc[1, 1] == "甲;乙公司"


def test_an_excel_file_named_csv_says_so(tmp_path):
    for source, kind in ((_companies(tmp_path), ".xlsx"), (XLS, ".xls")):
        path = tmp_path / "新乐市-2023-06-企业名录.csv"
        path.write_bytes(source.read_bytes())
        message = _refused(path)
        assert f"这是 Excel 文件（{kind}）" in message and "编码" not in message
