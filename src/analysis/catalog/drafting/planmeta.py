"""A draft of a plan's metadata (data/policies/ID.meta.yml) from what its text says."""

from __future__ import annotations

import datetime as dt
import re

from analysis.catalog.drafting.text import PlanText
from analysis.catalog.regions import load_regions

_KINDS = "方案|计划|意见|措施|办法|要点|规划|通知"
_TITLE_IN_NOTICE = re.compile(rf"《([^》]{{4,80}}?(?:{_KINDS})(?:[（(][^）)]{{0,20}}[)）])?)》")
_TITLE_LINE = re.compile(rf"^\s*(\S[^，,。；;]{{3,70}}(?:{_KINDS})(?:[（(][^）)]{{0,20}}[)）])?)\s*$", re.M)
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fa5]{1,12}\s*〔\s*\d{4}\s*〕\s*\d+\s*号")
_DATE = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(20\d{2})-(\d{2})-(\d{2})")
_ISSUER = re.compile(
    r"([\u4e00-\u9fa5]{2,30}?(?:人民政府办公厅|人民政府办公室|人民政府|政府办公厅|政府办公室|管理委员会|管委会|工业和信息化厅|工业和信息化局|科学技术局|局|厅))"
    r"\s*(?:关于印发|关于|印发)"
)
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+[.．、])")
_LEVELS = {"province": "province", "city": "city", "county": "county", "zone": "development zone"}


def draft_meta(plan_id: str, text: PlanText, first_year: int | None, last_year: int | None) -> dict:
    """The metadata the text states; what it does not state is left as 待填 for the analyst."""
    head = text.simple[:3000]
    title = _as_written(text, _title_span(head))
    issuer = _issuer(head)
    date = _date(head)
    body = re.search(r"^\s*一、", head, flags=re.M)
    number = _DOC_NUMBER.search(head[: body.start()] if body else head)
    region = _jurisdiction(" ".join(x for x in (title, issuer) if x))
    baseline = date or (dt.date(first_year, 1, 1) if first_year else None)
    if first_year and date and date.year < first_year:
        baseline = dt.date(first_year, 1, 1)
    return {
        "id": plan_id,
        "title": title or "待填",
        "issuer": issuer or "待填",
        "doc_number": re.sub(r"\s+", "", number.group(0)) if number else None,
        "date": date,
        "jurisdiction": region.name if region else "待填",
        "level": _LEVELS.get(region.level, "待填") if region else "待填",
        "baseline_date": baseline or "待填",
        "horizon": last_year or "待填",
        "source_file": f"{plan_id}.txt",
        "draft": True,
    }


def plan_title(simple: str) -> str | None:
    """The plan's own title, as the notice or the first title-like line gives it (simplified copy)."""
    span = _title_span(simple[:3000])
    return re.sub(r"\s*\n\s*", "", simple[span[0] : span[1]]).strip() if span else None


def _as_written(text: PlanText, span: tuple[int, int] | None) -> str | None:
    """The title in simplified characters with the source's own brackets and digits (not the matching copy)."""
    if span is None:
        return None
    import opencc

    written = opencc.OpenCC("t2s").convert(text.raw[span[0] : span[1]])
    return re.sub(r"\s*\n\s*", "", written).strip()


def _title_span(head: str) -> tuple[int, int] | None:
    found = _TITLE_IN_NOTICE.search(head)
    if found:
        return found.span(1)
    for line in _TITLE_LINE.finditer(head):
        title = line.group(1).strip()
        if not title.startswith(("关于印发", "关于")) and not _HEADING.match(title):
            return line.span(1)
    return None


def _issuer(head: str) -> str | None:
    found = _ISSUER.search(head)
    return found.group(1) if found else None


def _date(head: str) -> dt.date | None:
    for pattern in (_DATE, _ISO_DATE):
        for m in pattern.finditer(head):
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
    return None


def _jurisdiction(text: str):
    """The most specific region of the registry named in the title or issuer."""
    regions = load_regions()
    named = [r for r in regions if len(r.name) >= 2 and r.name in text]
    depth = {"province": 0, "city": 1, "county": 2, "zone": 3}
    return max(named, key=lambda r: (depth.get(r.level, 0), len(r.name)), default=None)
