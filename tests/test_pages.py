"""Pages a 公文 can carry: the issuer is data, the masthead fits, the date is never after today,
open periods only as drafts."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis import periods
from analysis.errors import UserError
from analysis.reports.content import issuer_of
from analysis.reports.html import issuer_line
from analysis.reports.render import check_complete, latest_period


def test_the_issuer_is_a_body_that_exists_from_data():
    assert issuer_of("石家庄市") == "石家庄市工业和信息化局"
    assert issuer_of("西宁市") == "西宁市工业和信息化局"  # no invented 工作专班
    assert issuer_of("新乐市") == "新乐市科学技术和工业信息化局"  # the lead department the plan names
    assert issuer_of("正定县") == "石家庄市工业和信息化局"  # not listed: its nearest listed ancestor
    assert issuer_of("城东区") == "西宁市工业和信息化局"


def test_the_masthead_fits_one_line_or_breaks_evenly():
    line = issuer_line("石家庄市县域特色产业集群工作专班")  # 16 characters: wrapped at 26 pt before
    assert "nowrap" in line and "font-size:24pt" in line and "<br>" not in line
    long = "河北省县域特色产业集群领跑者企业培育工作领导小组办公室"
    halves = issuer_line(long).split(">", 1)[1].split("</p>")[0].split("<br>")
    assert len(halves) == 2 and min(map(len, halves)) > 1 and abs(len(halves[0]) - len(halves[1])) <= 1


def test_a_report_is_never_dated_after_today():
    today = dt.date(2026, 12, 2)
    assert periods.report_date(dt.date(2026, 12, 31), today) == today
    assert periods.report_date(dt.date(2025, 9, 30), today) == dt.date(2025, 9, 30)


def test_latest_is_the_last_complete_month_and_quarter(monkeypatch, tmp_path):
    from support.builders import enterprise, store_with, submission

    monkeypatch.setattr(periods, "today", lambda: dt.date(2026, 12, 2))
    assert periods.latest_complete_month() == "2026-11"
    store_with(tmp_path, [submission("2026-12", "新乐市", 企业名录=[enterprise("91130184MA00000011", "新乐市")])])
    # the store holds December, but December is not over, and November's files are due by 10 December: October,
    # and the third quarter
    assert latest_period("monthly", tmp_path / "store") == "2026-10"
    assert latest_period("quarterly", tmp_path / "store") == "2026-Q3"


def test_an_open_period_is_rendered_only_as_a_draft(monkeypatch):
    monkeypatch.setattr(periods, "today", lambda: dt.date(2026, 12, 2))
    with pytest.raises(UserError, match="2026年12月尚未结束.*--draft"):
        check_complete("monthly", "2026-12", draft=False)
    with pytest.raises(UserError, match="2026年第四季度尚未结束"):
        check_complete("quarterly", "2026-Q4", draft=False)
    check_complete("monthly", "2026-12", draft=True)
    # November is over, but its files are due by 10 December: a formal report is dated after that, never before
    with pytest.raises(UserError, match="2026年11月的报送截止日为2026年12月10日.*--draft"):
        check_complete("monthly", "2026-11", draft=False)
    check_complete("monthly", "2026-11", draft=True)
    check_complete("monthly", "2026-10", draft=False)
