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


def parse_month(period: str) -> str:
    """Check a month written YYYY-MM and return it."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period or ""):
        raise UserError(f"月份“{period}”格式不对，应为 YYYY-MM（如 2025-09）")
    return period


def parse_quarter(period: str) -> tuple[int, int]:
    """Year and quarter number of a quarter written YYYY-Qn (or YYYYQn)."""
    match = re.fullmatch(r"(\d{4})-?Q([1-4])", (period or "").upper())
    if not match:
        raise UserError(f"季度“{period}”格式不对，应为 YYYY-Qn（如 2025-Q3）")
    return int(match.group(1)), int(match.group(2))


def quarter_months(period: str) -> list[str]:
    """The three months of a quarter, YYYY-MM."""
    year, q = parse_quarter(period)
    return [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


def quarter_of(month: str) -> str:
    """The quarter (YYYY-Qn) a month (YYYY-MM) belongs to."""
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def month_end(period: str) -> pd.Timestamp:
    """The last day of a month YYYY-MM."""
    year, month = map(int, period.split("-"))
    return pd.Timestamp(year, month, calendar.monthrange(year, month)[1])


def previous_period(period: str) -> str:
    """The month before a month YYYY-MM."""
    return (pd.Period(period, "M") - 1).strftime("%Y-%m")


def date_text(day: dt.date) -> str:
    """A date as written in a 公文: 2025年9月30日."""
    return f"{day.year}年{day.month}月{day.day}日"
