"""Cell formats: parsing and converting one cell (text, numbers, dates, year-months, credit codes).

Each parser returns the clean value or raises _Bad with the Chinese reason, which the
validator reports against the cell.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time

from analysis.errors import visible
from analysis.submissions import creditcode, readers


class _Bad(Exception):
    """A cell that breaks a rule; the argument is the Chinese reason."""


_YEARMONTH = re.compile(r"^(\d{4})\s*(?:-|/|年)\s*(\d{1,2})\s*月?$")


def parse_yearmonth(value: object) -> str:
    """'2023-06' from 2023-06, 2023-6, 2023/6, 2023年6月 or an Excel date."""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    m = _YEARMONTH.match(str(value).strip()) if isinstance(value, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise _Bad("不是有效年月（应为 YYYY-MM，如 2023-06）")
    return f"{m.group(1)}-{int(m.group(2)):02d}"


def _error_cell_reason(text: str) -> str:
    """Why a cell of RawWorkbook.error_cells is refused: '#REF!' and the like are formula errors;
    a value starting with '=' is a formula saved without its computed result."""
    if text.startswith("="):
        return f"公式没有保存计算结果（{text}），请用 Excel 或 WPS 打开、保存后重新报送"
    return f"单元格是公式错误（{text}），请修正公式或改填数值"


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
# Whole numbers at or above 2**53 are no longer exact as floats (and 2**63 overflows the
# store's integers): refused, like infinite numbers, as too large.
MAX_WHOLE = 2**53
TOO_LARGE = "数值过大（超出可处理的范围），请核对"
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


# Excel shows 0, a NaN or a tiny number in a date cell as 1899-12-30 / 1900-01-00: never a real award date.
EARLIEST_DATE = date(1950, 1, 1)


def parse_date(value: object) -> date:
    out = _date_of(value)
    if out < EARLIEST_DATE:
        raise _Bad(
            f"日期早于{EARLIEST_DATE.year}年，不可能是实际日期（单元格可能填了 0 或小数字却设为日期格式），请核对"
        )
    return out


def _date_of(value: object) -> date:
    if isinstance(value, time):  # Excel serial 0 (or a bare time) in a date-formatted cell
        raise _Bad("不是有效日期：单元格是数字 0 或只有时间（日期格式显示为 1899-12-30），请填写实际日期")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for pattern in _DATE_PATTERNS:
            if m := pattern.match(text):
                try:
                    return date(*map(int, m.groups()))
                except ValueError:
                    break
    raise _Bad("不是有效日期（应为日期格式，或写作 2023-06-30、2023/6/30、2023年6月30日）")


def parse_number(value: object, percent_ok: bool = False) -> tuple[float, bool]:
    """A number and whether it carried a % sign."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Bad("不是数字")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value == value:
            raise _Bad("不是数字")
        try:
            number = float(value)
        except OverflowError:  # an int beyond the float range
            raise _Bad(TOO_LARGE) from None
        if not math.isfinite(number):
            raise _Bad(TOO_LARGE)
        return number, False
    text = unicodedata.normalize("NFKC", value).strip()
    percent = percent_ok and text.endswith("%")
    if percent:
        text = text[:-1].strip()
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        raise _Bad("不是数字（只填数字，不要带单位、汉字或“约”等字样）")
    number = float(text)
    if not math.isfinite(number):  # "1" and 400 zeros
        raise _Bad(TOO_LARGE)
    return number, percent


def parse_code(value: object) -> str:
    """A credit code kept as text; a number longer than 15 digits has already lost digits."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if abs(value) >= 1e15:
            raise _Bad("信用代码被 Excel 存成了数字，超过15位的数字已丢失末几位；请将该列设为文本格式后重新录入")
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = str(value).strip()
    reason = creditcode.problem(text)
    if reason:
        raise _Bad(f"统一社会信用代码无效：{reason}")
    return text


# Control characters (C0 but tab, line feed and carriage return; DEL; C1) have no place in a cell:
# they come from damaged files or copy-paste and are invisible in Excel.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)  # C0, C1 and bidirectional controls


def _has_control(text: str) -> bool:
    # isprintable() (fast) is false for every control character, and for some harmless ones
    # (line breaks, the ideographic space): only then the regular expression decides.
    return not text.isprintable() and _CONTROL.search(text) is not None


def _control_reason(char: str) -> str:
    return f"含有不可见的控制字符（U+{ord(char):04X}），请删除后重新填写"


def _visible(text: str) -> str:
    """Control characters written as \\x1b, \\u202e …, so that a message can quote the value."""
    return visible(text)


def parse_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return readers.cell_text(value) or ""  # a date always has a text
    text = str(value).strip()
    if m := _CONTROL.search(text):
        raise _Bad(_control_reason(m.group()))
    return text
