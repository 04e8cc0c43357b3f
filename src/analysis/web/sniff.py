"""What an uploaded file is, from its bytes (never from its name): an Excel package, an old Excel file or a CSV."""

from __future__ import annotations

import io
import zipfile

from analysis.errors import UserError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
CONTROL_BYTES = set(range(0, 9)) | {11, 12} | set(range(14, 32)) | {127}


def sniff(data: bytes, file_name: str) -> str:
    """'xlsx', 'xlsm', 'xls' or 'csv'; a UserError in Chinese for anything else."""
    if not data:
        raise UserError(f"{file_name}：文件为空")
    if data.startswith(ZIP_MAGIC):
        return _package_kind(data, file_name)
    if data.startswith(OLE_MAGIC):
        return "xls"
    if data.startswith(b"%PDF"):
        raise UserError(f"{file_name}：这是 PDF 文件，不是报送表格；请报送 .xlsx、.xls 或 .csv 文件")
    if _is_text(data[:65536]):
        return "csv"
    raise UserError(
        f"{file_name}：无法识别的文件内容（不是 Excel 表格，也不是 CSV 文本）；请报送 .xlsx、.xls 或 .csv 文件"
    )


def _package_kind(data: bytes, file_name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            types = package.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        raise UserError(f"{file_name}：压缩包已损坏，无法作为 Excel 文件打开；请用 Excel 或 WPS 另存为 .xlsx") from None
    if "xl/workbook.xml" not in names:
        raise UserError(f"{file_name}：这是压缩包或其他 Office 文件，不是 Excel 工作簿；请报送 .xlsx 文件")
    return "xlsm" if b"macroEnabled" in types else "xlsx"


def _is_text(head: bytes) -> bool:
    """Text in UTF-8 or GB18030 without control characters other than tab and line ends (a cut character at the
    end of the sample is allowed)."""
    if any(byte in CONTROL_BYTES for byte in head):
        return False
    for encoding in TEXT_ENCODINGS:
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as err:
            if err.start >= len(head) - 4:
                return True
    return False
