"""Words as a reader sees them: quotes in simplified characters (converted, noted, checked), Chinese dates, no stray
spaces inside Chinese, and no ISO date in any table cell."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pandas as pd
import pytest

from analysis.catalog.quotes import CONVERTED_NOTE, display_quote, full_width_punctuation, tidy_text, to_simplified
from analysis.catalog.targets import load_catalog
from analysis.errors import DataFileError
from analysis.periods import chinese_date, chinese_dates_in
from analysis.reports import html as rh


def target(target_id: str):
    return next(t for t in load_catalog().targets if t.id == target_id)


def test_a_traditional_quote_is_shown_simplified_with_full_width_punctuation_and_a_note():
    text, note = display_quote(target("hebei.listed_company.2023"))
    assert text == "到2023年，培育上市企业8至10家"
    assert note == CONVERTED_NOTE and "繁体" in note and "简体" in note
    assert not re.search(r"[A-Za-z]", note)  # no Latin word on the page
    assert display_quote(target("hebei.leader_rd_ratio.2023"))[0] == "“领跑者”企业研发投入占比达到3%"


def test_every_traditional_quote_converts_to_simplified_text_found_in_the_converted_plan():
    catalog = load_catalog()
    hebei = [t for t in catalog.targets if t.plan == "hebei-province-2022-leaders"]
    assert hebei
    for t in hebei:
        text, note = display_quote(t, catalog)
        assert note and to_simplified(text) == text  # nothing traditional left
        assert not re.search(r"[\u4e00-\u9fff][,;:]", text)


def test_a_simplified_quote_is_shown_as_written_without_its_stray_spaces():
    text, note = display_quote(_with_spaces())
    assert text == "每年推动5家企业完成股份制改造" and note == ""


def _with_spaces():
    return next(t for t in load_catalog().targets if t.quote == "每年推动 5 家企业完成股份制改造")


def test_a_quote_not_in_the_source_is_refused():
    forged = dataclasses.replace(target("hebei.listed_company.2023"), quote="到2023年,培育上市企業80家")
    with pytest.raises(DataFileError, match="hebei-province-2022-leaders.txt 中找不到"):
        display_quote(forged)


def test_tidy_text_and_punctuation():
    assert tidy_text(" 每年推动 5 家企业 ") == "每年推动5家企业"
    assert tidy_text("Noto Sans") == "Noto Sans"  # between Latin words a space stays
    assert full_width_punctuation("到2023年,培育上市企業8至10家") == "到2023年，培育上市企業8至10家"
    assert full_width_punctuation("共1,000家") == "共1,000家"  # a thousands separator is not punctuation


def test_chinese_dates():
    assert chinese_date(dt.date(2025, 9, 15)) == "2025年9月15日"
    assert chinese_date(pd.Timestamp("2025-09-30 08:00")) == "2025年9月30日"
    assert chinese_date("2025-09-15") == "2025年9月15日"
    assert chinese_date("2025-09") == "2025年9月"
    assert chinese_date(None) == "" and chinese_date(pd.NaT) == ""
    assert chinese_dates_in("基期2022-08：31，2023-2025年合计") == "基期2022年8月：31，2023-2025年合计"
    assert chinese_dates_in("2025-02-30") == "2025-02-30"  # not a date


def test_no_iso_date_in_any_table_cell():
    frame = pd.DataFrame(
        {
            "认定日期": [pd.Timestamp("2025-09-15"), pd.NaT],
            "日期": [dt.date(2025, 3, 1), dt.datetime(2025, 3, 4, 5, 6)],
            "达标月份": ["2025-06", "—"],
            "基期": ["2022-08：31", "每年推动 5 家企"],
        }
    )
    html = rh.table(frame, status_column="")
    assert not re.search(r"\d{4}-\d{2}", html)
    for shown in ("2025年9月15日", "2025年3月1日", "2025年3月4日", "2025年6月", "2022年8月：31", "每年推动5家企"):
        assert shown in html
