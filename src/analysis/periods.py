"""Periods: months (YYYY-MM), quarters (YYYY-Qn), their parsing, ends and labels.

Every layer uses these; they live at the bottom so that the reports, the batch and
the command line parse a period the same way.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

import pandas as pd

from analysis.errors import UserError


def today() -> dt.date:
    """Today's date (one place, so that tests can move the clock)."""
    return dt.date.today()


def is_complete(month: str, on: dt.date | None = None) -> bool:
    """A month is complete once its last day has passed."""
    return month_end(month).date() < (on or today())


def latest_complete_month(on: dt.date | None = None) -> str:
    """The latest month whose last day has passed."""
    day = on or today()
    return (pd.Period(day, "M") - 1).strftime("%Y-%m")


def report_date(as_of: dt.date, on: dt.date | None = None) -> dt.date:
    """A report is dated the day it is rendered, or its data cut-off when that is earlier; never after today."""
    return min(as_of, on or today())


_MONTH_FORMS = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?$")
_QUARTER_FORMS = re.compile(r"^(\d{4})\s*(?:-?\s*Q([1-4])|年\s*第?\s*([一二三四1-4])\s*季度?)$", re.IGNORECASE)
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


_DATE_FORMS = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*(?:-|/|\.|月)\s*(\d{1,2})\s*日?$")


def parse_date(text) -> dt.date:
    """A date from 2025-06-20, 2025/6/20, 2025.6.20 or 2025年6月20日 (a date object passes through)."""
    if isinstance(text, dt.date):
        return text
    match = _DATE_FORMS.match(str(text or "").strip())
    if match:
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:
            pass
    raise UserError(f"日期“{text}”格式不对，应为 YYYY-MM-DD（如 2025-06-30，也可写 2025/6/30 或 2025年6月30日）")


def parse_month(period: str, what: str = "月份") -> str:
    """A month as YYYY-MM, from the forms the contract accepts: 2025-06, 2025-6, 2025/6, 2025.6, 2025年6月.
    `what` names the value in the message (月份, 填报期)."""
    text = str(period or "").strip()
    match = _MONTH_FORMS.match(text)
    if match and 1 <= int(match.group(2)) <= 12:
        return f"{match.group(1)}-{int(match.group(2)):02d}"
    raise UserError(
        f"{what}“{period}”格式不对，应为 YYYY-MM（如 2025-09，也可写 2025/9 或 2025年9月）{six_digit_hint(text)}"
    )


def parse_quarter(period: str) -> tuple[int, int]:
    """Year and quarter number of a quarter: 2025-Q3, 2025Q3, 2025年三季度, 2025年第三季度."""
    text = str(period or "").strip()
    match = _QUARTER_FORMS.match(text)
    if not match:
        raise UserError(f"季度“{period}”格式不对，应为 YYYY-Qn（如 2025-Q3，也可写 2025Q3 或 2025年三季度）")
    q = match.group(2) or match.group(3)
    return int(match.group(1)), int(_CHINESE_DIGITS.get(q, q))


def quarter_months(period: str) -> list[str]:
    """The three months of a quarter, YYYY-MM."""
    year, q = parse_quarter(period)
    return [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


def month_end(period: str) -> pd.Timestamp:
    """The last day of a month YYYY-MM."""
    year, month = map(int, period.split("-"))
    return pd.Timestamp(year, month, calendar.monthrange(year, month)[1])


def previous_period(period: str) -> str:
    """The month before a month YYYY-MM."""
    return (pd.Period(period, "M") - 1).strftime("%Y-%m")


def period_text(period: str) -> str:
    """A period as written in Chinese: 2025-09 → 2025年9月, 2025-Q3 → 2025年第三季度, 2025 → 2025年;
    anything else as given."""
    text = str(period).strip()
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        return f"{match[1]}年{int(match[2])}月"
    if match := re.fullmatch(r"(\d{4})-?Q([1-4])", text, re.IGNORECASE):
        return f"{match[1]}年第{'一二三四'[int(match[2]) - 1]}季度"
    return f"{text}年" if re.fullmatch(r"\d{4}", text) else text


def six_digit_hint(text: str) -> str:
    """The hint for a month written as six digits (202506), which cannot be told from other numbers."""
    return f"（{text} 这种写法无法区分年月，请写成 {text[:4]}-{text[4:]}）" if re.fullmatch(r"\d{6}", text) else ""


def date_text(day: dt.date) -> str:
    """A date as written in a 公文: 2025年9月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_date(value) -> str:
    """A date for display: 2025年9月15日, from a date, a datetime, a pandas Timestamp or ISO text (2025-09-15,
    2025-09-15T08:00); a month (2025-09) as 2025年9月. Missing values give ""; other text comes back as given."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (dt.date, pd.Timestamp)):
        return date_text(value)
    return chinese_dates_in(str(value))


_ISO_DATE_IN_TEXT = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?!\d)")
_ISO_MONTH_IN_TEXT = re.compile(r"(?<![\d-])(\d{4})-(0[1-9]|1[0-2])(?![\d-])")


def chinese_dates_in(text: str) -> str:
    """Every ISO date (2025-09-15, with or without a time) and month (2025-09) inside `text` written in Chinese:
    "2022-08：31" → "2022年8月：31". A range of years (2023-2025) is left alone."""

    def day(m: re.Match) -> str:
        try:
            return date_text(dt.date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:  # 2025-02-30 is not a date
            return m[0]

    text = _ISO_DATE_IN_TEXT.sub(day, text)
    return _ISO_MONTH_IN_TEXT.sub(lambda m: f"{m[1]}年{int(m[2])}月", text)
