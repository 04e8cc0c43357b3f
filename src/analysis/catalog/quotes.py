"""Quotes of the plans as a reader sees them: simplified characters, full-width punctuation, no stray spaces.

    from analysis.catalog.quotes import display_quote, tidy_text
    text, note = display_quote(target)   # ("到2023年，培育上市企业8至10家", "原文为繁体字，…")

The catalog keeps every quote verbatim (`Target.quote`, checked against the plan's text by
`targets.check_quotes`). A plan published in traditional characters (its metadata says `script: traditional`,
as the Hebei plan's 河北日报 copy does) is shown converted with OpenCC (`t2s`), its half-width punctuation
between Chinese characters made full-width, with a note saying so. The converted quote is checked again: it
must be found in the converted text of the plan, so the conversion can never show words the plan does not have.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from analysis.catalog.targets import Catalog, Target, load_catalog
from analysis.errors import DataFileError

# no Latin word in a report: the tool (OpenCC) is named here, not in the note
CONVERTED_NOTE = "原文为繁体字，引文已转换为简体字、标点改为全角，并与原文逐字核对。"
_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff"
# whitespace with a Chinese character (or full-width punctuation) on one side: "每年推动 5 家企" → "每年推动5家企"
_SPACE_BY_CHINESE = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
# after a Chinese character, or between a number and a Chinese character; never inside a number (1,000)
_HALF_PUNCT_BY_CHINESE = re.compile(
    rf"(?<=[{_CJK}])[,;:?!](?=[{_CJK}0-9A-Za-z“])|(?<=[0-9%])[,;:?!](?=[{_CJK}])|(?<=[{_CJK}])\(|\)(?=[{_CJK}])"
)


def tidy_text(text: str) -> str:
    """Display text without the spaces a source left inside Chinese (between two Latin words they stay)."""
    return _SPACE_BY_CHINESE.sub("", str(text)).strip()


def full_width_punctuation(text: str) -> str:
    """Half-width commas, colons, brackets … between Chinese characters as their full-width forms."""
    return _HALF_PUNCT_BY_CHINESE.sub(lambda m: _HALF_TO_FULL[m.group(0)], text)


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters as simplified (OpenCC t2s; offline, the dictionaries ship with the package)."""
    return _converter().convert(text)


def is_traditional(catalog: Catalog, plan_id: str) -> bool:
    return str(catalog.plans[plan_id].meta.get("script", "")).lower() == "traditional"


def display_quote(target: Target, catalog: Catalog | None = None) -> tuple[str, str]:
    """The quote of `target` as shown in reports, and a note ("" when the quote is shown as written).

    Raises DataFileError when the quote is not in the plan's text, or its conversion not in the converted text.
    """
    catalog = catalog or load_catalog()
    plan = catalog.plans[target.plan]
    source = _plan_text(plan.text_path)
    if target.quote not in source:
        raise DataFileError(f"目标 {target.id} 的原文引文在 {plan.text_path.name} 中找不到：{target.quote}")
    if not is_traditional(catalog, target.plan):
        return tidy_text(target.quote), ""
    shown = _simplified_display(target.quote)
    if shown not in _simplified_display(source):
        raise DataFileError(f"目标 {target.id} 的引文转为简体后与 {plan.text_path.name} 转换后的原文不一致：{shown}")
    return shown, CONVERTED_NOTE


def _simplified_display(text: str) -> str:
    return full_width_punctuation(tidy_text(to_simplified(text)))


@lru_cache(maxsize=16)
def _plan_text(path: Path) -> str:
    return Path(path).read_text(encoding="utf-8")
