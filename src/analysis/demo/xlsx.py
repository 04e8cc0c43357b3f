"""A small, fast xlsx (SpreadsheetML) writer and the submission workbook it writes."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

INSTRUCTIONS = [
    "1. 企业名录为本地区在库企业全量名单，每月报送全量。",
    "2. 资质认定表填写企业持有或曾持有的各类资质；有效期至为空的，按资质类型的默认有效期计算。",
    "3. 金额单位为万元；百分比直接填写数值（如76表示76%），不要填0.76。",
    "4. 集群月度填写1月至本月累计数；指标填报中流量指标填当月数。",
    "5. 请于每月10日前报送上月数据，逾期报送的请在报送类型中注明。",
]


_COLS = [chr(65 + i) for i in range(26)] + [f"A{chr(65 + i)}" for i in range(26)]
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
    '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border>'
    "</borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_OFFICE = "application/vnd.openxmlformats-officedocument"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _esc(text: str) -> str:
    """XML-escape &, < and >."""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _num(v) -> str:
    """A number as cell text (integral floats without .0)."""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


class _Xlsx:
    """A small, fast SpreadsheetML writer: shared strings, a date style, frozen header rows.

    Written by hand (not openpyxl/xlsxwriter) because the demo writes thousands of files and
    cell-by-cell writers spend ~45 ms on a 5,000-cell file; this spends a few.
    """

    def __init__(self) -> None:
        self.strings: dict[str, int] = {}
        self.sheets: list[tuple[str, str]] = []

    def sid(self, text: str) -> int:
        """The shared-string index of a text (added when new)."""
        i = self.strings.get(text)
        if i is None:
            i = self.strings[text] = len(self.strings)
        return i

    def add_sheet(
        self,
        name: str,
        rows_xml: list[str],
        widths: list[int],
        frozen: bool,
        last_col: int,
        n_rows: int,
        validation: str = "",
    ) -> None:
        """Add a worksheet from its row XML (frozen: the header row stays in view)."""
        view = (
            (
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                'state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>'
            )
            if frozen
            else '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        )
        cols = "".join(f'<col min="{j + 1}" max="{j + 1}" width="{w}" customWidth="1"/>' for j, w in enumerate(widths))
        dim = f"A1:{_COLS[max(last_col, 0)]}{max(n_rows, 1)}"
        xml = (
            f'{_HEAD}<worksheet {_NS}><dimension ref="{dim}"/>{view}'
            f'<sheetFormatPr defaultRowHeight="14.25"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
            + "".join(rows_xml)
            + "</sheetData>"
            + validation
            + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
        )
        self.sheets.append((name, xml))

    def table(
        self,
        name: str,
        headers: list[str],
        cols: list[list],
        types: list[str],
        serial: bool,
        yesno_col: int | None = None,
    ) -> None:
        """A data sheet: a styled header row, then one row per record (column types s/n/d/v)."""
        sid = self.sid
        n = len(cols[0]) if cols else 0
        width = len(headers)
        letters = _COLS[:width]
        head = "".join(f'<c r="{letters[j]}1" s="2" t="s"><v>{sid(h)}</v></c>' for j, h in enumerate(headers))
        rows = [f'<row r="1">{head}</row>']
        off = 1 if serial else 0
        cells: list[list[str]] = [[] for _ in range(n)]
        if serial:
            for i in range(n):
                cells[i].append(f'<c r="A{i + 2}"><v>{i + 1}</v></c>')
        for j, (col, t) in enumerate(zip(cols, types, strict=True)):
            self._column(cells, letters[j + off], col, t)
        rows += [f'<row r="{i + 2}">{"".join(c)}</row>' for i, c in enumerate(cells)]
        validation = _yesno(_COLS[yesno_col], n) if yesno_col is not None else ""
        widths = [max(10, min(40, 2 * len(h) + 4)) for h in headers]
        self.add_sheet(name, rows, widths, True, width - 1, n + 1, validation)

    def _column(self, cells: list[list[str]], L: str, col: list, t: str) -> None:
        """Append one column's cells to the rows' cells (missing values leave no cell)."""
        sid = self.sid
        if t == "s":
            for i, v in enumerate(col):
                if v is not None and v == v:
                    cells[i].append(f'<c r="{L}{i + 2}" t="s"><v>{sid(v)}</v></c>')
        elif t == "n":
            for i, v in enumerate(col):
                if v is not None and v == v:
                    cells[i].append(f'<c r="{L}{i + 2}"><v>{_num(v)}</v></c>')
        elif t == "d":
            for i, v in enumerate(col):
                if v >= 0:
                    cells[i].append(f'<c r="{L}{i + 2}" s="3"><v>{v + 25569}</v></c>')
        else:
            for i, v in enumerate(col):
                if isinstance(v, str):
                    cells[i].append(f'<c r="{L}{i + 2}" t="s"><v>{sid(v)}</v></c>')
                elif v is not None and v == v:
                    cells[i].append(f'<c r="{L}{i + 2}"><v>{_num(v)}</v></c>')

    def text_sheet(self, name: str, rows_cells: list[tuple[int, int, str, int]], widths: list[int]) -> None:
        """(row, col, text, style) cells, 0-based."""
        by_row: dict[int, list[str]] = {}
        for r, c, text, style in rows_cells:
            st = f' s="{style}"' if style else ""
            by_row.setdefault(r, []).append(f'<c r="{_COLS[c]}{r + 1}"{st} t="s"><v>{self.sid(text)}</v></c>')
        rows = [f'<row r="{r + 1}">{"".join(v)}</row>' for r, v in sorted(by_row.items())]
        self.add_sheet(name, rows, widths, False, 1, max(by_row) + 1 if by_row else 1)

    def save(self, path: Path, title: str, author: str, created: datetime) -> None:
        """Write the workbook: same content, same bytes (fixed zip timestamps, `created` in the metadata)."""
        stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        n = len(self.sheets)
        parts = {
            "[Content_Types].xml": _content_types(n),
            "_rels/.rels": _ROOT_RELS,
            "docProps/app.xml": _app(author),
            "docProps/core.xml": _core(title, author, stamp),
            "xl/workbook.xml": _workbook([name for name, _ in self.sheets]),
            "xl/_rels/workbook.xml.rels": _workbook_rels(n),
            "xl/styles.xml": _STYLES,
        }
        for i, (_, xml) in enumerate(self.sheets):
            parts[f"xl/worksheets/sheet{i + 1}.xml"] = xml
        sst = "".join(f"<si><t>{_esc(t)}</t></si>" for t in self.strings)
        parts["xl/sharedStrings.xml"] = (
            f'{_HEAD}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{len(self.strings)}" uniqueCount="{len(self.strings)}">{sst}</sst>'
        )
        path.write_bytes(_zip(parts))


def _zip(parts: dict[str, str]) -> bytes:
    """The package's bytes: deflated entries in `parts` order, all with one fixed timestamp."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, _FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, text.encode("utf-8"), compresslevel=6)
    return buf.getvalue()


def _yesno(L: str, n: int) -> str:
    """A 是/否 list validation on column L."""
    return (
        f'<dataValidations count="1"><dataValidation type="list" allowBlank="1" showInputMessage="1" '
        f'showErrorMessage="1" sqref="{L}2:{L}{max(n + 1, 1000)}"><formula1>"是,否"</formula1>'
        f"</dataValidation></dataValidations>"
    )


def _content_types(n: int) -> str:
    """[Content_Types].xml of a workbook with n sheets."""
    return (
        f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml"'
            f' ContentType="{_OFFICE}.spreadsheetml.worksheet+xml"/>'
            for i in range(n)
        )
        + f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE}.spreadsheetml.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_OFFICE}.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{_OFFICE}.extended-properties+xml"/>'
        "</Types>"
    )


_ROOT_RELS = (
    f'{_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId3" Type="{_RELS}/extended-properties" Target="docProps/app.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"'
    ' Target="docProps/core.xml"/>'
    f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def _app(author: str) -> str:
    """docProps/app.xml."""
    return (
        f'{_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
        f"<Company>{_esc(author)}</Company><AppVersion>16.0300</AppVersion></Properties>"
    )


def _core(title: str, author: str, stamp: str) -> str:
    """docProps/core.xml: title, author, created and modified."""
    return (
        f'{_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_esc(title)}</dc:title><dc:creator>{_esc(author)}</dc:creator>"
        f"<cp:lastModifiedBy>{_esc(author)}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'
    )


def _workbook(names: list[str]) -> str:
    """xl/workbook.xml listing the sheets."""
    return (
        f'{_HEAD}<workbook {_NS}><workbookPr/><bookViews><workbookView activeTab="0"/></bookViews><sheets>'
        + "".join(f'<sheet name="{_esc(name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, name in enumerate(names))
        + "</sheets></workbook>"
    )


def _workbook_rels(n: int) -> str:
    """xl/_rels/workbook.xml.rels: the sheets, styles and shared strings."""
    return (
        f'{_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i + 1}" Type="{_RELS}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(n)
        )
        + f'<Relationship Id="rId{n + 1}" Type="{_RELS}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" Type="{_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    )


def _write_xlsx(
    path: Path, unit: str, period: str, when: datetime, kind: str, sheets: list, serial: bool, correction: bool
) -> None:
    """One submission workbook: 填报说明 (unit, period, 报送类型, 填报日期, instructions), then the data sheets."""
    y, m = (int(x) for x in period.split("-"))
    book = _Xlsx()
    pairs = [
        ("填报单位", unit),
        ("填报期（年月）", period),
        ("报送类型", kind),
        ("填报日期", f"{when.year}年{when.month}月{when.day}日"),
    ]
    if correction:
        pairs.append(("更正说明", "更正本期报表中集群月度营业收入和数字化研发设计工具普及率数据，以本次报送为准。"))
    cells = [(0, 0, "产业集群目标月调度填报表", 1)]
    for i, (k, v) in enumerate(pairs):
        cells += [(2 + i, 0, k, 1), (2 + i, 1, v, 0)]
    cells += [(3 + len(pairs) + i, 0, line, 0) for i, line in enumerate(INSTRUCTIONS)]
    book.text_sheet("填报说明", cells, [16, 60])
    for name, headers, cols, types in sheets:
        all_headers = (["序号"] if serial else []) + headers
        if serial and "备注" not in headers:
            all_headers.append("备注")
        yesno = (5 + (1 if serial else 0)) if name == "企业名录" else None
        book.table(name, all_headers, cols, types, serial, yesno)
    book.save(path, f"{unit}{y}年{m}月产业集群目标月调度表", f"{unit}工业和信息化主管部门", when)
