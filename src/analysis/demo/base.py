"""Shared settings and small helpers of the demo generator: month indices, days, seeded generators."""

from __future__ import annotations

import calendar
from datetime import date, timedelta, timezone

import numpy as np

from analysis.errors import UserError

FIRST_MONTH = (2022, 1)
HIST_START = 2015  # awards are simulated from this year so 2022 starts with a realistic stock
HORIZON_YEAR = 2027  # the world is simulated to the end of this year (or `until`'s year if later)
BEIJING = timezone(timedelta(hours=8))
EXCEL_EPOCH = date(1899, 12, 30)

CSV_UNITS = {"井陉矿区": "utf-8-sig", "深泽县": "gbk", "湟源县": "utf-8"}
PROVINCE_REPORTERS = ("河北省", "青海省")
CORRECTION = ("新乐市", "2023-06")
CORRECTION_DELAY = timedelta(days=13, hours=2)  # the correction arrives this long after the original
# Days of month M+1 on which month M's files arrive: on time the 3rd–9th (填报说明: 每月10日前报送上月数据),
# late the 12th–39th (counted on from the 1st, so into M+2). Half-open ranges, as drawn.
ON_TIME_DAYS = (3, 10)
LATE_DAYS = (12, 40)


def _mi(year: int, month: int) -> int:
    """Month index: months since January of year 0."""
    return year * 12 + month - 1


def _ym(mi: int) -> tuple[int, int]:
    """(year, month) of a month index."""
    return mi // 12, mi % 12 + 1


def _period(mi: int) -> str:
    """YYYY-MM of a month index."""
    y, m = _ym(mi)
    return f"{y:04d}-{m:02d}"


def _month_end(mi: int) -> date:
    """Last day of a month index."""
    y, m = _ym(mi)
    return date(y, m, calendar.monthrange(y, m)[1])


def _day(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - date(1970, 1, 1)).days


def _excel(days: np.ndarray) -> np.ndarray:
    """Excel serial dates of days since 1970-01-01."""
    return days + 25569.0


def today() -> date:
    """Today's date from the system clock: the one place the demo reads it.

    Call it as `base.today()` (not imported by name) so that tests can replace it.
    """
    return date.today()


def submission_deadline(mi: int) -> date:
    """The day by which every on-time file of month `mi` has arrived (the 10th of the next month)."""
    y, m = _ym(mi + 1)
    return date(y, m, ON_TIME_DAYS[1])


def last_complete_month(day: date) -> int:
    """Month index of the latest month complete on `day`: its last day has passed and its on-time
    files have all arrived (`submission_deadline` has come)."""
    mi = _mi(day.year, day.month) - 1
    return mi if day >= submission_deadline(mi) else mi - 1


def parse_month(text: str) -> int:
    """Month index of a month in the forms every argument accepts (UserError when malformed or before 2000)."""
    from analysis.periods import parse_month as canonical_month

    y, m = map(int, canonical_month(text, "年月").split("-"))
    if y < 2000:
        raise UserError(f"年月“{text}”早于 2000 年，演示数据不能这样早")
    return _mi(y, m)


def _rng(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator for one purpose, independent of the order things are generated in."""
    words = [seed & 0xFFFFFFFF]
    for k in keys:
        words += [b for b in str(k).encode("utf-8")] if isinstance(k, str) else [int(k) & 0xFFFFFFFF]
    return np.random.default_rng(np.random.SeedSequence(words))
